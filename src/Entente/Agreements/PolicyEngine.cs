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
        var fields = new string[request.Fields.Count][];
        for (var i = 0; i < fields.Length; i++)
        {
            if (FieldPaths.Problem(request.Fields[i]) is { } problem) return new Deny([$"field '{request.Fields[i]}': {problem}"], []);
            fields[i] = FieldPaths.Split(request.Fields[i]);
        }

        List<string>? denials = null;
        List<AgreementReference>? denying = null;
        List<string>? notPermitted = null;
        List<(Agreement Agreement, CategoryRule Rule, Treatment[] Treatments)>? permits = null;
        var concerned = false;
        foreach (var agreement in inForce)
        {
            if (!Concerns(agreement, request)) continue;
            concerned = true;
            for (var d = 0; d < agreement.Denials.Count; d++)
            {
                if (!Matches(agreement.Denials[d], request, purpose, fields)) continue;
                (denials ??= []).Add($"{agreement} deny[{d}]: {agreement.Denials[d].Reason ?? "an explicit deny rule matches"}");
                (denying ??= []).Add(AgreementReference.Of(agreement));
            }
            if (denials is not null) continue;
            if (request.LegalBasis is { } basis && basis != agreement.Id)
            {
                (notPermitted ??= []).Add($"{agreement}: the request relies on {basis}");
                continue;
            }
            var anyRule = false;
            foreach (var rule in agreement.Rules)
            {
                if (rule.Category != request.Category) continue;
                if (rule.AlertCategories.Count > 0 && (request.AlertCategory is null || !rule.AlertCategories.Contains(request.AlertCategory))) continue;
                if (request.Requester.IsLocal != (rule.Roles.Count > 0)) continue;
                anyRule = true;
                if (request.Requester.IsLocal && !rule.Roles.Contains(request.Requester.Role!))
                {
                    (notPermitted ??= []).Add($"{agreement}: role '{request.Requester.Role}' may not read {Name(request.Category)} (allowed: {string.Join(", ", rule.Roles.Order(StringComparer.Ordinal))})");
                    continue;
                }
                if (!rule.Purposes.Contains(purpose))
                {
                    (notPermitted ??= []).Add($"{agreement}: purpose {Name(purpose)} is not allowed for {Name(request.Category)} (allowed: {string.Join(", ", rule.Purposes.Order().Select(Name))})");
                    continue;
                }
                var treatments = new Treatment[fields.Length];
                string? refused = null;
                for (var i = 0; i < fields.Length && refused is null; i++)
                {
                    var t = TreatmentOf(rule, fields[i]);
                    if (t is null) refused = request.Fields[i];
                    else treatments[i] = t.Value;
                }
                if (refused is not null)
                {
                    (notPermitted ??= []).Add($"{agreement}: field {refused} is not allowed for {Name(request.Category)}");
                    continue;
                }
                (permits ??= []).Add((agreement, rule, treatments));
            }
            if (!anyRule)
            {
                var what = request.Category == DataCategory.Alerts && request.AlertCategory is { } ac ? $"alerts of category {ac}" : Name(request.Category);
                (notPermitted ??= []).Add($"{agreement}: does not cover {what}{(request.Requester.IsLocal ? " for local users" : "")}");
            }
        }

        if (denials is not null) return new Deny(Sorted(denials), References(denying!));
        if (permits is null)
        {
            if (!concerned)
                return new Deny([$"no agreement in force covers data of {request.Provider} requested by {request.Requester.Node} for {request.Recipient}"], []);
            return new Deny(Sorted(notPermitted!), []);
        }
        return Combine(permits, request);
    }

    /// <summary>The agreement binds the provider, the requesting node and the recipient.</summary>
    private static bool Concerns(Agreement agreement, AccessRequest request) =>
        agreement.Party(request.Provider) is not null && agreement.Party(request.Requester.Node) is not null && agreement.Party(request.Recipient) is not null;

    private static bool Matches(DenyRule rule, AccessRequest request, Purpose purpose, string[][] fields)
    {
        if (rule.Parties.Count > 0 && !rule.Parties.Contains(request.Requester.Node) && !rule.Parties.Contains(request.Recipient)) return false;
        if (rule.Categories.Count > 0 && !rule.Categories.Contains(request.Category)) return false;
        if (rule.Purposes.Count > 0 && !rule.Purposes.Contains(purpose)) return false;
        if (rule.Roles.Count > 0 && (request.Requester.Role is null || !rule.Roles.Contains(request.Requester.Role))) return false;
        if (rule.Fields.Count > 0)
        {
            var any = false;
            foreach (var pattern in rule.Fields)
            {
                foreach (var field in fields)
                {
                    if (FieldPaths.Overlap(pattern.Segments, field))
                    {
                        any = true;
                        break;
                    }
                }
                if (any) break;
            }
            if (!any) return false;
        }
        return true;
    }

    /// <summary>The most restrictive treatment among the rule's entries that cover the field; null when none does and others are refused.</summary>
    internal static Treatment? TreatmentOf(CategoryRule rule, string[] field)
    {
        Treatment? t = null;
        foreach (var pattern in rule.Disclose)
        {
            if (FieldPaths.Covers(pattern.Segments, field))
            {
                t = Treatment.Disclose;
                break;
            }
        }
        foreach (var transform in rule.Transforms)
        {
            if ((t is null || transform.Treatment > t) && FieldPaths.Covers(transform.Field.Segments, field)) t = transform.Treatment;
        }
        if (t is null && rule.OtherFields == OtherFields.Drop) t = Treatment.Drop;
        return t;
    }

    private static Permit Combine(List<(Agreement Agreement, CategoryRule Rule, Treatment[] Treatments)> permits, AccessRequest request)
    {
        var fieldCount = request.Fields.Count;
        var treatments = new Treatment[fieldCount];
        var handling = HandlingCode.H0;
        EvaluationCode? evaluation = null;
        DateTimeOffset? retainUntil = null;
        var erase = false;
        DateTimeOffset? answerBy = null;
        var onwardKind = OnwardTransferKind.AllowedTo;
        HashSet<string>? onwardParties = null;
        foreach (var (_, rule, fieldTreatments) in permits)
        {
            for (var i = 0; i < fieldCount; i++)
                if (fieldTreatments[i] > treatments[i]) treatments[i] = fieldTreatments[i];
            if (rule.HandlingCode > handling) handling = rule.HandlingCode;
            if (rule.Evaluation is { } e)
            {
                evaluation = evaluation is { } prior
                    ? new EvaluationCode(EvaluationCode.SourceRank(e.Source) > EvaluationCode.SourceRank(prior.Source) ? e.Source : prior.Source, Math.Max(e.Accuracy, prior.Accuracy))
                    : e;
            }
            var until = rule.Retention.Period.After(request.At);
            if (retainUntil is null || until < retainUntil) retainUntil = until;
            erase |= rule.Retention.Then == RetentionEnd.Erase;
            if (rule.AnswerWithin is { } within)
            {
                var by = within.After(request.At);
                if (answerBy is null || by < answerBy) answerBy = by;
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
        var references = References(permits.Select(p => AgreementReference.Of(p.Agreement)));
        var reason = $"permitted by {string.Join(", ", references.Select(r => $"{r.Id} v{r.Version}"))}: {Name(request.Category)} for {Name(request.Purpose!.Value)}, "
            + $"{request.Requester} to {request.Recipient}; stamp {handling}, keep until {retainUntil:yyyy-MM-dd} then {(erase ? "erase" : "review")}";
        return new Permit(obligations, reason, references);
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

    private static AgreementReference[] References(IEnumerable<AgreementReference> references) =>
        references.Distinct().OrderBy(r => r.Id, StringComparer.Ordinal).ThenBy(r => r.Version).ThenBy(r => r.ContentHash, StringComparer.Ordinal).ToArray();

    public static string Name<T>(T value) where T : struct, Enum => AgreementDocument.Kebab(value.ToString());

    /// <summary>
    /// Applies <paramref name="obligations"/> to a canonical JSON document: keeps only the fields the obligations name
    /// (arrays keep their positions), masks ("***"), pseudonymises ("hmac-sha256:" + hex of HMAC-SHA-256 under
    /// <paramref name="pseudonymisationKey"/> of the string's UTF-8, or of the JSON text of a non-string), generalises
    /// dates to their month (yyyy-MM; a value that is not a date is masked). Where several entries cover a field, the
    /// most restrictive applies. The input is not changed.
    /// </summary>
    public static JsonObject Project(JsonObject document, Obligations obligations, ReadOnlySpan<byte> pseudonymisationKey)
    {
        var patterns = new List<(string[] Segments, Treatment Treatment)>();
        foreach (var t in new[] { Treatment.Disclose, Treatment.GeneraliseToMonth, Treatment.Pseudonymise, Treatment.Mask })
            foreach (var path in obligations.Of(t))
                patterns.Add((FieldPaths.Split(path), t));
        var key = pseudonymisationKey.ToArray();
        var result = new JsonObject();
        var segments = new List<string>();
        foreach (var (name, value) in document)
        {
            segments.Add(name);
            if (ProjectNode(value, segments, patterns, key) is { } projected) result[name] = projected.Node;
            segments.RemoveAt(segments.Count - 1);
        }
        return result;
    }

    private sealed record Projected(JsonNode? Node);

    private static Projected? ProjectNode(JsonNode? node, List<string> path, List<(string[] Segments, Treatment Treatment)> patterns, byte[] key)
    {
        var here = path.ToArray();
        Treatment? treatment = null;
        var deeper = false;
        foreach (var (segments, t) in patterns)
        {
            if (FieldPaths.Covers(segments, here))
            {
                if (treatment is null || t > treatment) treatment = t;
            }
            else if (segments.Length > here.Length && FieldPaths.Overlap(segments, here)) deeper = true;
        }
        if (treatment is { } apply) return new Projected(Apply(node, apply, key));
        if (!deeper) return null;
        switch (node)
        {
            case JsonObject obj:
                var result = new JsonObject();
                foreach (var (name, value) in obj)
                {
                    path.Add(name);
                    if (ProjectNode(value, path, patterns, key) is { } p) result[name] = p.Node;
                    path.RemoveAt(path.Count - 1);
                }
                return new Projected(result);
            case JsonArray array:
                var items = new JsonArray();
                for (var i = 0; i < array.Count; i++)
                {
                    path.Add(i.ToString(CultureInfo.InvariantCulture));
                    items.Add(ProjectNode(array[i], path, patterns, key)?.Node ?? new JsonObject());
                    path.RemoveAt(path.Count - 1);
                }
                return new Projected(items);
            default:
                return null;
        }
    }

    private static JsonNode? Apply(JsonNode? node, Treatment treatment, byte[] key)
    {
        if (node is null) return null;
        switch (treatment)
        {
            case Treatment.Disclose:
                return node.DeepClone();
            case Treatment.Pseudonymise:
                var bytes = node is JsonValue v && v.TryGetValue<string>(out var s) ? Encoding.UTF8.GetBytes(s) : Encoding.UTF8.GetBytes(node.ToJsonString());
                return JsonValue.Create("hmac-sha256:" + Convert.ToHexStringLower(HMACSHA256.HashData(key, bytes)));
            case Treatment.GeneraliseToMonth:
                if (node is JsonValue d && d.TryGetValue<string>(out var date) && date.Length >= 7 && IsMonth(date.AsSpan(0, 7)))
                    return JsonValue.Create(date[..7]);
                return JsonValue.Create("***");
            default:
                return JsonValue.Create("***");
        }
    }

    private static bool IsMonth(ReadOnlySpan<char> s) =>
        s.Length == 7 && char.IsAsciiDigit(s[0]) && char.IsAsciiDigit(s[1]) && char.IsAsciiDigit(s[2]) && char.IsAsciiDigit(s[3]) && s[4] == '-'
        && s[5] is '0' or '1' && char.IsAsciiDigit(s[6]);
}
