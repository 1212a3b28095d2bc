using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
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
        if (fields.Count == 0) return Refuse(RejectionCode.FieldNotAllowed, "payload: carries no field");
        foreach (var (path, _) in fields)
            if (FieldPaths.Problem(path) is { } problem) return Refuse(RejectionCode.FieldNotAllowed, $"payload{path}: {problem}");

        var request = new AccessRequest(header.Sender, new Requester(self), self, header.Category, header.Purpose, fields.Select(f => f.Path).ToArray(), now)
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
        if (FormProblem(fields, obligations) is { } formProblem)
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

    /// <summary>A field the agreement drops must not arrive; a transformed one must arrive in its transformed form.</summary>
    private static string? FormProblem(List<(string Path, JsonNode? Value)> fields, Obligations obligations)
    {
        var dropped = obligations.Drop.Count == 0 ? null : obligations.Drop.ToHashSet(StringComparer.Ordinal);
        var pseudonymised = obligations.Pseudonymise.Count == 0 ? null : obligations.Pseudonymise.ToHashSet(StringComparer.Ordinal);
        var masked = obligations.Mask.Count == 0 ? null : obligations.Mask.ToHashSet(StringComparer.Ordinal);
        var month = obligations.GeneraliseToMonth.Count == 0 ? null : obligations.GeneraliseToMonth.ToHashSet(StringComparer.Ordinal);
        foreach (var (path, value) in fields)
        {
            if (dropped?.Contains(path) == true) return $"payload{path}: the agreement does not let this field travel";
            var text = value is JsonValue v && v.TryGetValue<string>(out var s) ? s : null;
            if (pseudonymised?.Contains(path) == true && !(text is not null && text.StartsWith("hmac-sha256:", StringComparison.Ordinal) && text.Length == 76))
                return $"payload{path}: the agreement lets this field travel only pseudonymised (hmac-sha256:...)";
            if (masked?.Contains(path) == true && text != "***")
                return $"payload{path}: the agreement lets this field travel only masked (***)";
            if (month?.Contains(path) == true && !(text == "***" || (text is { Length: 7 } && DateOnly.TryParseExact(text + "-01", "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out _))))
                return $"payload{path}: the agreement lets this date travel only as its month (yyyy-MM)";
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
