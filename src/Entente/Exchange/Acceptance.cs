using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Entente.Access;
using Entente.Agreements;

namespace Entente.Exchange;

/// <summary>
/// The second half of opening an envelope, after the cryptography: is the message a replay, is the agreement it
/// names in force here in the very version the sender relied on, does that agreement permit this category and
/// purpose from this sender (the same policy decision a provider makes, applied on receipt), does every field that
/// arrived belong to the agreement's allow-list in the form the agreement requires, and are the handling and
/// evaluation codes as strict as the agreement's (<see cref="HeaderRules"/>: the kind belongs to the category, no header field
/// too long). Pure: the caller supplies what it has stored.
/// </summary>
public static class Acceptance
{
    /// <summary>The most fields a payload may carry (a declaration with 999 goods items has about 30,000).</summary>
    public const int MaxFields = 100_000;

    public static AcceptanceResult Check(
        EnvelopeOpening.Opened opened,
        string self,
        IReadOnlyList<Agreement> inForce,
        byte[]? digestSeenBefore,
        DateTimeOffset now)
    {
        var header = opened.Header;
        if (digestSeenBefore is not null)
        {
            return digestSeenBefore.AsSpan().SequenceEqual(opened.Digest)
                ? new AcceptanceResult.Duplicate()
                : Refuse(RejectionCode.Replay, $"message {header.MessageId} was received before with other content");
        }

        Agreement? agreement = null;
        foreach (var a in inForce)
        {
            if (a.Id != header.AgreementId) continue;
            if (a.ContentHash == header.AgreementHash) agreement = a;
            else if (agreement is null)
                return Refuse(RejectionCode.AgreementNotInForce, $"{header.AgreementId}: the message relies on {header.AgreementHash}, the text in force here is v{a.Version} ({a.ContentHash})");
        }
        if (agreement is null) return Refuse(RejectionCode.AgreementNotInForce, $"agreement {header.AgreementId} is not in force at {self}");
        if (agreement.Party(header.Sender) is not { } sender || agreement.Party(self) is null)
            return Refuse(RejectionCode.NotPermitted, $"{agreement} is not between {header.Sender} and {self}");
        if (sender.Fingerprint != opened.SignerKeyId)
            return Refuse(RejectionCode.BadSignature, $"signed with key {opened.SignerKeyId}; {agreement} lists {sender.Fingerprint} for {header.Sender}");

        if (HeaderRules.Check(header) is { } headerProblem) return new AcceptanceResult.Refused(headerProblem, null);

        JsonObject document;
        try
        {
            document = JsonNode.Parse(opened.Payload, documentOptions: PayloadOptions) as JsonObject
                ?? throw new JsonException("expected a JSON object");
        }
        catch (JsonException e)
        {
            return Refuse(RejectionCode.InvalidPayload, $"payload: not one JSON object with each member once ({e.Message})");
        }
        if (header.Kind == OnwardConsent.Kind)
        {
            if (OnwardConsent.Read(document) is null)
                return Refuse(RejectionCode.FieldNotAllowed, "payload: an onward-consent carries exactly {\"consent\":{\"message\":ID,\"recipient\":CODE}}");
            var consent = new Obligations([], [], [], [], [], HandlingCode.H0, null, now.AddYears(10), RetentionEnd.Review, OnwardTransfer.Forbidden, null);
            return new AcceptanceResult.Accepted(document, new Permit(consent, "onward-transfer consent", [AgreementReference.Of(agreement)]));
        }

        var fields = new List<(string Path, JsonNode? Value)>();
        if (Leaves(document, "", fields, MaxFields) is { } tooMany) return Refuse(RejectionCode.FieldNotAllowed, tooMany);
        if (WithheldList(document, MaxFields - fields.Count, out var withheld) is { } listProblem) return Refuse(RejectionCode.FieldNotAllowed, listProblem);
        if (fields.Count == 0 && withheld.Count == 0) return Refuse(RejectionCode.FieldNotAllowed, "payload: carries no field");
        foreach (var (path, _) in fields)
            if (FieldPaths.Problem(path) is { } problem) return Refuse(RejectionCode.FieldNotAllowed, $"payload{path}: {problem}");

        var request = new AccessRequest(header.Sender, new Requester(self), self, header.Category, header.Purpose, [.. fields.Select(f => f.Path), .. withheld], now)
        {
            LegalBasis = header.AgreementId,
            AlertCategory = header.AlertCategory,
            CaseReference = header.CaseReference,
        };
        var decision = PolicyEngine.Decide(inForce, request);
        if (decision is not Permit permit)
        {
            var covered = agreement.Rules.Any(r => r.Category == header.Category && r.Roles.Count == 0 && r.Purposes.Contains(header.Purpose));
            var code = covered && decision.Agreements.Count == 0 ? RejectionCode.FieldNotAllowed : RejectionCode.NotPermitted;
            return new AcceptanceResult.Refused(new Rejection(code, decision.Reason), decision);
        }

        var obligations = permit.Obligations;
        if (FormProblem(fields, withheld, obligations) is { } formProblem)
            return new AcceptanceResult.Refused(new Rejection(RejectionCode.FieldNotAllowed, formProblem), decision);
        if (header.HandlingCode < obligations.HandlingCode)
            return new AcceptanceResult.Refused(new Rejection(RejectionCode.HandlingCode, $"header/hc: sent as {header.HandlingCode}; {agreement} requires at least {obligations.HandlingCode}"), decision);
        if (EvaluationProblem(header.Evaluation, obligations.Evaluation, agreement) is { } evaluationProblem)
            return new AcceptanceResult.Refused(new Rejection(RejectionCode.HandlingCode, evaluationProblem), decision);
        return new AcceptanceResult.Accepted(document, permit);
    }

    /// <summary>Payloads are parsed strictly: a member twice is refused, not resolved one way or the other.</summary>
    private static readonly JsonDocumentOptions PayloadOptions = new() { MaxDepth = 64, AllowDuplicateProperties = false };

    /// <summary>
    /// The evaluation is a grade the agreement stamps on what travels under it: the message must carry exactly that
    /// grade (none when the agreement stamps none); a sender may neither raise nor lower it, nor leave it out.
    /// </summary>
    internal static string? EvaluationProblem(EvaluationCode? given, EvaluationCode? required, Agreement agreement) => (given, required) switch
    {
        (null, null) => null,
        (null, { } r) => $"header/eval: missing; {agreement} stamps {r}",
        ({ } g, null) => $"header/eval: {g}, but {agreement} stamps no evaluation",
        ({ } g, { } r) when g != r => $"header/eval: evaluated {g}; {agreement} stamps {r}",
        _ => null,
    };

    /// <summary>
    /// The form check of a payload against a permit's obligations alone (docs/protocol.md §5, check 16; the vectors of
    /// payloads.json): every field it carries or lists as withheld is in one of the obligations' lists, and each is in
    /// the form its treatment requires. Null, or why the payload is refused (field-not-allowed).
    /// </summary>
    public static string? FormCheck(JsonObject payload, Obligations obligations)
    {
        var fields = new List<(string Path, JsonNode? Value)>();
        if (Leaves(payload, "", fields, MaxFields) is { } tooMany) return tooMany;
        if (WithheldList(payload, MaxFields - fields.Count, out var withheld) is { } listProblem) return listProblem;
        if (fields.Count == 0 && withheld.Count == 0) return "payload: carries no field";
        var known = new HashSet<string>(StringComparer.Ordinal);
        foreach (var t in new[] { Treatment.Disclose, Treatment.GeneraliseToMonth, Treatment.Pseudonymise, Treatment.Mask, Treatment.Drop })
            known.UnionWith(obligations.Of(t));
        foreach (var path in fields.Select(f => f.Path).Concat(withheld))
            if (!known.Contains(path)) return $"payload{path}: not in the agreement's allow-list";
        return FormProblem(fields, withheld, obligations);
    }

    /// <summary>
    /// What a projection left out, as the sender listed it: the root member "withheld", an array of distinct field
    /// paths (at most <paramref name="max"/>). Null, or why the list is refused.
    /// </summary>
    internal static string? WithheldList(JsonObject document, int max, out List<string> paths)
    {
        paths = [];
        if (document[PolicyEngine.WithheldMember] is not { } node) return null;
        if (node is not JsonArray list) return $"payload/{PolicyEngine.WithheldMember}: expected an array of the field paths left out (\"/parties/0/id\")";
        if (list.Count > max) return $"payload: more than {MaxFields} fields";
        var seen = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < list.Count; i++)
        {
            var at = $"payload/{PolicyEngine.WithheldMember}/{i.ToString(CultureInfo.InvariantCulture)}";
            if (list[i] is not JsonValue v || !v.TryGetValue<string>(out var path)) return $"{at}: expected a field path (a string such as \"/parties/0/id\")";
            if (FieldPaths.Problem(path) is { } problem) return $"{at}: {problem}";
            if (path == "/" + PolicyEngine.WithheldMember || path.StartsWith("/" + PolicyEngine.WithheldMember + "/", StringComparison.Ordinal))
                return $"{at}: the list of what is withheld does not list itself";
            if (!seen.Add(path)) return $"{at}: {path} is listed twice";
            paths.Add(path);
        }
        return null;
    }

    /// <summary>The placeholders earlier versions sent in place of a value; withheld is never data, so none may arrive as a value.</summary>
    public static bool IsPlaceholder(string text) =>
        text == "***" || text.Contains(EmbeddedIdentifiers.Mask, StringComparison.Ordinal);

    /// <summary>
    /// A field the agreement drops must not arrive, not even as withheld; a transformed one must arrive in its
    /// transformed form; a masked one must not arrive at all, only its path in "withheld"; no placeholder stands in
    /// for a value; a field is either sent or listed as withheld.
    /// </summary>
    private static string? FormProblem(List<(string Path, JsonNode? Value)> fields, List<string> withheld, Obligations obligations)
    {
        var dropped = obligations.Drop.Count == 0 ? null : obligations.Drop.ToHashSet(StringComparer.Ordinal);
        var pseudonymised = obligations.Pseudonymise.Count == 0 ? null : obligations.Pseudonymise.ToHashSet(StringComparer.Ordinal);
        var masked = obligations.Mask.Count == 0 ? null : obligations.Mask.ToHashSet(StringComparer.Ordinal);
        var month = obligations.GeneraliseToMonth.Count == 0 ? null : obligations.GeneraliseToMonth.ToHashSet(StringComparer.Ordinal);
        var listed = withheld.Count == 0 ? null : withheld.ToHashSet(StringComparer.Ordinal);
        foreach (var (path, value) in fields)
        {
            if (dropped?.Contains(path) == true) return $"payload{path}: the agreement does not let this field travel";
            // An element left out whole keeps its array position as null or {}: that is no value.
            var empty = value is null || value is JsonObject { Count: 0 } || value is JsonArray { Count: 0 };
            if (listed?.Contains(path) == true)
            {
                if (empty) continue;
                return $"payload{path}: sent with a value and listed in /{PolicyEngine.WithheldMember}; a field is either sent or withheld";
            }
            var text = value is JsonValue v && v.TryGetValue<string>(out var s) ? s : null;
            if (text is not null && IsPlaceholder(text))
                return $"payload{path}: '{(text == "***" ? text : EmbeddedIdentifiers.Mask)}' is a placeholder, not data: a field withheld is left out and its path listed in /{PolicyEngine.WithheldMember}";
            if (pseudonymised?.Contains(path) == true && !(text is not null && text.StartsWith("hmac-sha256:", StringComparison.Ordinal) && text.Length == 76))
                return $"payload{path}: the agreement lets this field travel only pseudonymised (hmac-sha256:...)";
            if (masked?.Contains(path) == true && !empty)
                return $"payload{path}: the agreement lets this field travel only withheld: left out, its path listed in /{PolicyEngine.WithheldMember}";
            if (month?.Contains(path) == true && !empty && !(text is { Length: 7 } && DateOnly.TryParseExact(text + "-01", "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out _)))
                return $"payload{path}: the agreement lets this date travel only as its month (yyyy-MM), or withheld";
        }
        foreach (var path in withheld)
        {
            if (dropped?.Contains(path) == true)
                return $"payload/{PolicyEngine.WithheldMember}: {path} is a field the agreement does not let travel, not even as a withheld path";
        }
        return null;
    }

    /// <summary>Every leaf of the document as a field path ("/a/0/b") with its value; null, or why the document is refused (more than <paramref name="max"/>).</summary>
    internal static string? Leaves(JsonNode? node, string path, List<(string Path, JsonNode? Value)> into, int max)
    {
        switch (node)
        {
            case JsonObject obj when obj.Count > 0:
                foreach (var (name, value) in obj)
                {
                    // The root's list of what a projection withholds names fields; it is not one.
                    if (path.Length == 0 && name == PolicyEngine.WithheldMember && value is JsonArray) continue;
                    if (Leaves(value, path + "/" + name, into, max) is { } problem) return problem;
                }
                return null;
            case JsonArray array when array.Count > 0:
                for (var i = 0; i < array.Count; i++)
                {
                    if (Leaves(array[i], path + "/" + i.ToString(CultureInfo.InvariantCulture), into, max) is { } problem) return problem;
                }
                return null;
            default:
                if (path.Length == 0) return null;
                if (into.Count >= max) return $"payload: more than {max} fields";
                into.Add((path, node));
                return null;
        }
    }

    private static AcceptanceResult Refuse(RejectionCode code, string detail) => new AcceptanceResult.Refused(new Rejection(code, detail), null);
}

/// <summary>Accepted (the payload and the permit whose obligations now bind this node), a duplicate of a message already received, or refused.</summary>
public abstract record AcceptanceResult
{
    public sealed record Accepted(JsonObject Payload, Permit Permit) : AcceptanceResult;

    public sealed record Duplicate : AcceptanceResult;

    public sealed record Refused(Rejection Rejection, Decision? Decision) : AcceptanceResult;
}
