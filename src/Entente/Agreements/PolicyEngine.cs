using System.Collections.Frozen;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;

namespace Entente.Agreements;

/// <summary>
/// The policy decision (docs/agreements.md, "Decision semantics"). Default deny; a matching deny rule of any agreement
/// that concerns the request wins; otherwise every rule that permits contributes and their obligations are combined by
/// taking, for each item, the most restrictive value — an operation that ignores order, so shuffling agreements or
/// rules never changes a decision. Cost: one pass over rules × requested fields × patterns; documents hold no code.
/// </summary>
public static class PolicyEngine
{
    public static Decision Decide(IReadOnlyList<Agreement> inForce, AccessRequest request)
    {
        if (request.Purpose is not { } purpose) return new Deny(["no purpose stated: every access names one"], []);
        if (request.Fields.Count == 0) return new Deny(["no fields asked for: name the fields"], []);
        var fields = new int[request.Fields.Count][];
        for (var i = 0; i < fields.Length; i++)
        {
            if (FieldPaths.Problem(request.Fields[i], out var segments) is { } problem) return new Deny([$"field '{request.Fields[i]}': {problem}"], []);
            fields[i] = FieldPaths.FieldIds(segments);
        }

        // Reasons are written only when the decision is a deny: a permit names only the agreements that permitted.
        List<(Agreement Agreement, int Index)>? denials = null;
        List<Refusal>? notPermitted = null;
        List<(Agreement Agreement, CategoryRule Rule)>? permits = null;
        var treatments = new Treatment[fields.Length];
        var candidate = new Treatment[fields.Length];
        var concerned = false;
        for (var a = 0; a < inForce.Count; a++)
        {
            var agreement = inForce[a];
            if (!Concerns(agreement, request)) continue;
            concerned = true;
            for (var d = 0; d < agreement.Denials.Count; d++)
            {
                if (Matches(agreement.Denials[d], request, purpose, fields)) (denials ??= []).Add((agreement, d));
            }
            if (denials is not null) continue;
            if (request.LegalBasis is { } basis && basis != agreement.Id)
            {
                (notPermitted ??= []).Add(new Refusal(agreement, RefusalKind.OtherBasis, null, -1));
                continue;
            }
            var anyRule = false;
            for (var r = 0; r < agreement.Rules.Count; r++)
            {
                var rule = agreement.Rules[r];
                if (rule.Category != request.Category) continue;
                if (rule.AlertCategories.Count > 0 && (request.AlertCategory is null || !Contains(rule.AlertCategories, request.AlertCategory))) continue;
                if (request.Requester.IsLocal != (rule.Roles.Count > 0)) continue;
                anyRule = true;
                if (request.Requester.IsLocal && !Contains(rule.Roles, request.Requester.Role!))
                {
                    (notPermitted ??= []).Add(new Refusal(agreement, RefusalKind.Role, rule, -1));
                    continue;
                }
                if (!Contains(rule.Purposes, purpose))
                {
                    (notPermitted ??= []).Add(new Refusal(agreement, RefusalKind.Purpose, rule, -1));
                    continue;
                }
                var refused = -1;
                for (var i = 0; i < fields.Length; i++)
                {
                    if (TreatmentOf(rule, fields[i]) is { } t) candidate[i] = t;
                    else
                    {
                        refused = i;
                        break;
                    }
                }
                if (refused >= 0)
                {
                    (notPermitted ??= []).Add(new Refusal(agreement, RefusalKind.Field, rule, refused));
                    continue;
                }
                for (var i = 0; i < fields.Length; i++)
                    if (candidate[i] > treatments[i]) treatments[i] = candidate[i];
                (permits ??= new(inForce.Count)).Add((agreement, rule));
            }
            if (!anyRule) (notPermitted ??= []).Add(new Refusal(agreement, RefusalKind.NotCovered, null, -1));
        }

        if (denials is not null)
        {
            var reasons = new List<string>(denials.Count);
            var denying = new List<Agreement>(denials.Count);
            foreach (var (agreement, d) in denials)
            {
                reasons.Add($"{agreement} deny[{d}]: {agreement.Denials[d].Reason ?? "an explicit deny rule matches"}");
                denying.Add(agreement);
            }
            return new Deny(Sorted(reasons), References(denying));
        }
        if (permits is null)
        {
            if (!concerned)
                return new Deny([$"no agreement in force covers data of {request.Provider} requested by {request.Requester.Node} for {request.Recipient}"], []);
            var reasons = new List<string>(notPermitted!.Count);
            var allowed = new AllowedPurposes();
            foreach (var refusal in notPermitted) reasons.Add(Describe(refusal, request, purpose, ref allowed));
            return new Deny(Sorted(reasons), []);
        }
        return Combine(permits, treatments, request);
    }

    private enum RefusalKind { OtherBasis, NotCovered, Role, Purpose, Field }

    /// <summary>Why an agreement (or one of its rules) did not permit; written out only if the decision is a deny.</summary>
    private readonly record struct Refusal(Agreement Agreement, RefusalKind Kind, CategoryRule? Rule, int Field);

    /// <summary>The last list of allowed purposes written out: agreements made from one template repeat it.</summary>
    private struct AllowedPurposes
    {
        private Purpose[]? sorted;
        private string? text;

        public string Of(IReadOnlyList<Purpose> purposes)
        {
            var next = new Purpose[purposes.Count];
            for (var i = 0; i < next.Length; i++) next[i] = purposes[i];
            Array.Sort(next);
            if (text is null || !next.AsSpan().SequenceEqual(sorted))
            {
                var names = new string[next.Length];
                for (var i = 0; i < next.Length; i++) names[i] = Name(next[i]);
                (sorted, text) = (next, string.Join(", ", names));
            }
            return text;
        }
    }

    private static string Describe(Refusal refusal, AccessRequest request, Purpose purpose, ref AllowedPurposes allowed)
    {
        var agreement = refusal.Agreement;
        switch (refusal.Kind)
        {
            case RefusalKind.OtherBasis:
                return $"{agreement}: the request relies on {request.LegalBasis}";
            case RefusalKind.Role:
                return $"{agreement}: role '{request.Requester.Role}' may not read {Name(request.Category)} (allowed: {string.Join(", ", refusal.Rule!.Roles.Order(StringComparer.Ordinal))})";
            case RefusalKind.Purpose:
                return $"{agreement}: purpose {Name(purpose)} is not allowed for {Name(request.Category)} (allowed: {allowed.Of(refusal.Rule!.Purposes)})";
            case RefusalKind.Field:
                return $"{agreement}: field {request.Fields[refusal.Field]} is not allowed for {Name(request.Category)}";
            default:
                var what = request.Category == DataCategory.Alerts && request.AlertCategory is { } ac ? $"alerts of category {ac}" : Name(request.Category);
                return $"{agreement}: does not cover {what}{(request.Requester.IsLocal ? " for local users" : "")}";
        }
    }

    private static bool Contains<T>(IReadOnlyList<T> list, T value)
    {
        for (var i = 0; i < list.Count; i++)
            if (EqualityComparer<T>.Default.Equals(list[i], value)) return true;
        return false;
    }

    /// <summary>The agreement binds the provider, the requesting node and the recipient.</summary>
    private static bool Concerns(Agreement agreement, AccessRequest request) =>
        agreement.Party(request.Provider) is not null && agreement.Party(request.Requester.Node) is not null && agreement.Party(request.Recipient) is not null;

    private static bool Matches(DenyRule rule, AccessRequest request, Purpose purpose, int[][] fields)
    {
        if (rule.Parties.Count > 0 && !Contains(rule.Parties, request.Requester.Node) && !Contains(rule.Parties, request.Recipient)) return false;
        if (rule.Categories.Count > 0 && !Contains(rule.Categories, request.Category)) return false;
        if (rule.Purposes.Count > 0 && !Contains(rule.Purposes, purpose)) return false;
        if (rule.Roles.Count > 0 && (request.Requester.Role is null || !Contains(rule.Roles, request.Requester.Role))) return false;
        if (rule.Fields.Count > 0)
        {
            for (var p = 0; p < rule.Fields.Count; p++)
            {
                var pattern = rule.Fields[p].SegmentIds;
                foreach (var field in fields)
                    if (FieldPaths.Overlap(pattern, field)) return true;
            }
            return false;
        }
        return true;
    }

    /// <summary>The most restrictive treatment among the rule's entries that cover the field; null when none does and others are refused.</summary>
    internal static Treatment? TreatmentOf(CategoryRule rule, int[] field) =>
        rule.Matcher.TreatmentOf(field) ?? (rule.OtherFields == OtherFields.Drop ? Treatment.Drop : null);

    private static Permit Combine(List<(Agreement Agreement, CategoryRule Rule)> permits, Treatment[] treatments, AccessRequest request)
    {
        var fieldCount = request.Fields.Count;
        var handling = HandlingCode.H0;
        EvaluationCode? evaluation = null;
        DateTimeOffset? retainUntil = null;
        Period? shortestRetention = null;
        var erase = false;
        DateTimeOffset? answerBy = null;
        Period? shortestAnswer = null;
        var onwardKind = OnwardTransferKind.AllowedTo;
        HashSet<string>? onwardParties = null;
        var permitting = new List<Agreement>(permits.Count);
        foreach (var (agreement, rule) in permits)
        {
            permitting.Add(agreement);
            if (rule.HandlingCode > handling) handling = rule.HandlingCode;
            if (rule.Evaluation is { } e)
            {
                evaluation = evaluation is { } prior
                    ? new EvaluationCode(EvaluationCode.SourceRank(e.Source) > EvaluationCode.SourceRank(prior.Source) ? e.Source : prior.Source, Math.Max(e.Accuracy, prior.Accuracy))
                    : e;
            }
            // A period at least as long in every part as the shortest so far cannot end earlier: skip the date arithmetic.
            if (shortestRetention is not { } shortest || !rule.Retention.Period.AtLeast(shortest))
            {
                var until = rule.Retention.Period.After(request.At);
                if (retainUntil is null || until < retainUntil) (retainUntil, shortestRetention) = (until, rule.Retention.Period);
            }
            erase |= rule.Retention.Then == RetentionEnd.Erase;
            if (rule.AnswerWithin is { } within && (shortestAnswer is not { } quickest || !within.AtLeast(quickest)))
            {
                var by = within.After(request.At);
                if (answerBy is null || by < answerBy) (answerBy, shortestAnswer) = (by, within);
            }
            if (rule.OnwardTransfer.Kind < onwardKind) onwardKind = rule.OnwardTransfer.Kind;
            if (rule.OnwardTransfer.Kind == OnwardTransferKind.AllowedTo)
            {
                if (onwardParties is null) onwardParties = new HashSet<string>(rule.OnwardTransfer.Parties, StringComparer.Ordinal);
                else onwardParties.IntersectWith(rule.OnwardTransfer.Parties);
            }
        }
        var onward = onwardKind switch
        {
            OnwardTransferKind.Forbidden => OnwardTransfer.Forbidden,
            OnwardTransferKind.WithConsent => OnwardTransfer.WithConsent,
            _ when onwardParties is { Count: > 0 } => new OnwardTransfer(OnwardTransferKind.AllowedTo, onwardParties.Order(StringComparer.Ordinal).ToArray()),
            _ => OnwardTransfer.Forbidden,
        };
        var lists = new List<string>[5];
        for (var t = 0; t < 5; t++) lists[t] = [];
        for (var i = 0; i < fieldCount; i++) lists[(int)treatments[i]].Add(request.Fields[i]);
        foreach (var list in lists) list.Sort(StringComparer.Ordinal);
        var obligations = new Obligations(
            Distinct(lists[(int)Treatment.Disclose]), Distinct(lists[(int)Treatment.GeneraliseToMonth]), Distinct(lists[(int)Treatment.Pseudonymise]),
            Distinct(lists[(int)Treatment.Mask]), Distinct(lists[(int)Treatment.Drop]),
            handling, evaluation, retainUntil!.Value, erase ? RetentionEnd.Erase : RetentionEnd.Review, onward, answerBy);
        var references = References(permitting);
        var reason = new StringBuilder("permitted by ");
        for (var r = 0; r < references.Length; r++)
        {
            if (r > 0) reason.Append(", ");
            reason.Append(references[r].Id).Append(" v").Append(references[r].Version);
        }
        reason.Append($": {Name(request.Category)} for {Name(request.Purpose!.Value)}, ")
            .Append($"{request.Requester} to {request.Recipient}; stamp {handling}, keep until {retainUntil:yyyy-MM-dd} then {(erase ? "erase" : "review")}");
        return new Permit(obligations, reason.ToString(), references);
    }

    private static string[] Distinct(List<string> sorted)
    {
        var result = new List<string>(sorted.Count);
        foreach (var s in sorted)
            if (result.Count == 0 || result[^1] != s) result.Add(s);
        return result.ToArray();
    }

    private static string[] Sorted(List<string> reasons)
    {
        reasons.Sort(StringComparer.Ordinal);
        return Distinct(reasons);
    }

    /// <summary>The distinct agreements, each once, ordered by id, version and content hash.</summary>
    private static AgreementReference[] References(List<Agreement> agreements)
    {
        agreements.Sort(static (a, b) =>
        {
            var c = string.CompareOrdinal(a.Id, b.Id);
            if (c == 0) c = a.Version.CompareTo(b.Version);
            return c != 0 ? c : string.CompareOrdinal(a.ContentHash, b.ContentHash);
        });
        var result = new List<AgreementReference>(agreements.Count);
        Agreement? prior = null;
        foreach (var a in agreements)
        {
            if (prior is not null && prior.Id == a.Id && prior.Version == a.Version && prior.ContentHash == a.ContentHash) continue;
            result.Add(AgreementReference.Of(a));
            prior = a;
        }
        return result.ToArray();
    }

    public static string Name<T>(T value) where T : struct, Enum => EnumNames<T>.Of(value);

    private static class EnumNames<T> where T : struct, Enum
    {
        private static readonly FrozenDictionary<T, string> Names = Enum.GetValues<T>().ToFrozenDictionary(v => v, v => AgreementDocument.Kebab(v.ToString()));

        public static string Of(T value) => Names.TryGetValue(value, out var name) ? name : AgreementDocument.Kebab(value.ToString());
    }

    /// <summary>
    /// The member of a projection listing, as field paths ("/parties/0/id"), what it withholds: withheld is never
    /// data, so a masked field is left out and its path listed here; nothing stands in for it.
    /// </summary>
    public const string WithheldMember = "withheld";

    /// <summary>
    /// Applies <paramref name="obligations"/> to a canonical JSON document: keeps only the fields the obligations name
    /// (arrays keep their positions: an element left out whole becomes {}), leaves out masked fields and lists their
    /// paths in <see cref="WithheldMember"/> (withheld is never data: no placeholder stands in for them), pseudonymises
    /// ("hmac-sha256:" + hex of HMAC-SHA-256 under <paramref name="pseudonymisationKey"/> of the string's UTF-8, or of
    /// the JSON text of a non-string), generalises dates to their month (yyyy-MM; a value that is not a date is
    /// withheld). Where several entries cover a field, the most restrictive applies. A document that already lists
    /// what it withholds (a received payload passed on) keeps those paths the obligations still let travel. The input
    /// is not changed.
    /// </summary>
    public static JsonObject Project(JsonObject document, Obligations obligations, ReadOnlySpan<byte> pseudonymisationKey)
    {
        // The obligations list every requested field (thousands for a large declaration): a trie of their segments
        // keeps the projection linear in the document instead of comparing every node with every path.
        var root = new PatternTrie();
        foreach (var t in new[] { Treatment.Disclose, Treatment.GeneraliseToMonth, Treatment.Pseudonymise, Treatment.Mask })
            foreach (var path in obligations.Of(t))
                root.Add(FieldPaths.Split(path), t);
        var key = pseudonymisationKey.ToArray();
        var result = new JsonObject();
        var withheld = new List<string>();
        List<PatternTrie> start = [root];
        foreach (var (name, value) in document)
        {
            if (name == WithheldMember && value is JsonArray) continue;
            if (ProjectNode(value, root.Next(start, name), key, "/" + name, withheld) is { } projected) result[name] = projected.Node;
        }
        foreach (var earlier in WithheldOf(document))
        {
            if (root.TreatmentOf(FieldPaths.Split(earlier)) is { } t && t != Treatment.Drop) withheld.Add(earlier);
        }
        if (withheld.Count > 0)
        {
            var list = new JsonArray();
            foreach (var path in withheld.Distinct(StringComparer.Ordinal)) list.Add(JsonValue.Create(path));
            result[WithheldMember] = list;
        }
        return result;
    }

    /// <summary>The paths a document lists in its <see cref="WithheldMember"/> (the strings of that array; none when it has none).</summary>
    public static IReadOnlyList<string> WithheldOf(JsonObject document)
    {
        if (document[WithheldMember] is not JsonArray list) return [];
        var paths = new List<string>(list.Count);
        foreach (var item in list)
            if (item is JsonValue v && v.TryGetValue<string>(out var path)) paths.Add(path);
        return paths;
    }

    private sealed record Projected(JsonNode? Node);

    /// <summary>The patterns' segments as a tree; a node where a pattern ends carries its (most restrictive) treatment.</summary>
    private sealed class PatternTrie
    {
        private Dictionary<string, PatternTrie>? _children;
        private PatternTrie? _any;

        public Treatment? Ends { get; private set; }

        public bool HasChildren => _children is not null || _any is not null;

        public void Add(string[] segments, Treatment treatment)
        {
            var node = this;
            foreach (var segment in segments)
            {
                if (segment == "*") node = node._any ??= new PatternTrie();
                else
                {
                    node._children ??= new Dictionary<string, PatternTrie>(StringComparer.Ordinal);
                    if (!node._children.TryGetValue(segment, out var child)) node._children[segment] = child = new PatternTrie();
                    node = child;
                }
            }
            if (node.Ends is null || treatment > node.Ends) node.Ends = treatment;
        }

        /// <summary>The trie nodes reached from <paramref name="states"/> by one more segment.</summary>
        public List<PatternTrie> Next(List<PatternTrie> states, string segment)
        {
            var next = new List<PatternTrie>(2);
            foreach (var state in states)
            {
                if (state._children is not null && state._children.TryGetValue(segment, out var child)) next.Add(child);
                if (state._any is not null) next.Add(state._any);
            }
            return next;
        }

        /// <summary>The most restrictive treatment a pattern ending on the path (or on one of its ancestors) gives it; null when none does.</summary>
        public Treatment? TreatmentOf(string[] segments)
        {
            List<PatternTrie> states = [this];
            Treatment? treatment = null;
            foreach (var segment in segments)
            {
                states = Next(states, segment);
                if (states.Count == 0) break;
                foreach (var state in states)
                    if (state.Ends is { } t && (treatment is null || t > treatment)) treatment = t;
            }
            return treatment;
        }
    }

    private static Projected? ProjectNode(JsonNode? node, List<PatternTrie> states, byte[] key, string path, List<string> withheld)
    {
        if (states.Count == 0) return null;
        Treatment? treatment = null;
        var deeper = false;
        foreach (var state in states)
        {
            if (state.Ends is { } t && (treatment is null || t > treatment)) treatment = t;
            deeper |= state.HasChildren;
        }
        if (treatment is { } apply)
        {
            if (Apply(node, apply, key) is { } applied) return applied;
            withheld.Add(path);
            return null;
        }
        if (!deeper) return null;
        var trie = states[0];
        switch (node)
        {
            case JsonObject obj:
                var result = new JsonObject();
                foreach (var (name, value) in obj)
                {
                    if (ProjectNode(value, trie.Next(states, name), key, path + "/" + name, withheld) is { } p) result[name] = p.Node;
                }
                return new Projected(result);
            case JsonArray array:
                var items = new JsonArray();
                for (var i = 0; i < array.Count; i++)
                {
                    var index = i.ToString(CultureInfo.InvariantCulture);
                    items.Add(ProjectNode(array[i], trie.Next(states, index), key, path + "/" + index, withheld)?.Node ?? new JsonObject());
                }
                return new Projected(items);
            default:
                return null;
        }
    }

    /// <summary>The field as it travels; null when it is withheld (left out and listed).</summary>
    private static Projected? Apply(JsonNode? node, Treatment treatment, byte[] key)
    {
        if (node is null) return new Projected(null);
        switch (treatment)
        {
            case Treatment.Disclose:
                return new Projected(node.DeepClone());
            case Treatment.Pseudonymise:
                var bytes = node is JsonValue v && v.TryGetValue<string>(out var s) ? Encoding.UTF8.GetBytes(s) : Encoding.UTF8.GetBytes(node.ToJsonString());
                return new Projected(JsonValue.Create("hmac-sha256:" + Convert.ToHexStringLower(HMACSHA256.HashData(key, bytes))));
            case Treatment.GeneraliseToMonth:
                if (node is JsonValue d && d.TryGetValue<string>(out var date) && date.Length >= 7 && IsMonth(date.AsSpan(0, 7)))
                    return new Projected(JsonValue.Create(date[..7]));
                return null;
            default:
                return null;
        }
    }

    private static bool IsMonth(ReadOnlySpan<char> s) =>
        s.Length == 7 && char.IsAsciiDigit(s[0]) && char.IsAsciiDigit(s[1]) && char.IsAsciiDigit(s[2]) && char.IsAsciiDigit(s[3]) && s[4] == '-'
        && s[5] is '0' or '1' && char.IsAsciiDigit(s[6]);
}
