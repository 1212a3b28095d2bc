using System.Text;
using System.Text.Json;

namespace Entente.Ledger;

/// <summary>The JSON type of a body member (<see cref="Integer"/>: a number without a fraction).</summary>
public enum BodyType
{
    String,
    Integer,
    Number,
    Boolean,
    Object,
    Array,
}

/// <summary>
/// One member of an entry's body: its path (nested objects as dotted paths, <c>agreement.id</c>; each element of an
/// array as <c>agreements[].id</c>), its JSON type, whether every entry of the kind has it (an optional member may also
/// be null), and what it holds.
/// </summary>
public sealed record BodyField(string Path, BodyType Type, bool Required, string Description)
{
    internal string[] Segments { get; } = Path.Split('.');
}

/// <summary>A kind of ledger entry: its name, what an entry of it records, the feature that writes it, its body.</summary>
public sealed record LedgerKind(string Name, string Meaning, string WrittenBy, IReadOnlyList<BodyField> Body);

/// <summary>
/// Every kind of entry the node writes, with its body schema: the one list features take their kind from, docs/ledger.md's
/// table is generated from (<see cref="Markdown"/>) and <c>ledger verify</c> checks bodies against (<see cref="CheckBody"/>).
/// To add a kind: add its constant and its <see cref="LedgerKind"/> to <see cref="All"/>, write it with the constant,
/// then regenerate the docs (ENTENTE_UPDATE_DOCS=1 and the Ledger tests, see docs/ledger.md).
/// </summary>
public static class LedgerKinds
{
    private const BodyType Str = BodyType.String, Int = BodyType.Integer, Num = BodyType.Number, Bool = BodyType.Boolean, Obj = BodyType.Object, Arr = BodyType.Array;

    public const string AgreementSigned = "agreement-signed";
    public const string AgreementInForce = "agreement-in-force";
    public const string AgreementExpired = "agreement-expired";
    public const string PolicyDecision = "policy-decision";
    public const string DisclosurePrepared = "disclosure-prepared";
    public const string DisclosureReceived = "disclosure-received";
    public const string DisclosureReceipted = "disclosure-receipted";
    public const string MessageRefused = "message-refused";
    public const string OnwardConsent = "onward-consent";
    public const string PersonalDataAccess = "personal-data-access";
    public const string Erasure = "erasure";
    public const string RetentionReview = "retention-review";
    public const string ReceivedErasure = "received-erasure";
    public const string PartnerAdded = "partner-added";
    public const string PartnerRemoved = "partner-removed";
    public const string EquivocationAlarm = "equivocation-alarm";
    public const string EquivocationAlarmAcknowledged = "equivocation-alarm-acknowledged";
    public const string AssistanceRequestSent = "assistance-request-sent";
    public const string AssistanceRequestReceived = "assistance-request-received";
    public const string AssistanceRequestAcknowledged = "assistance-request-acknowledged";
    public const string AssistanceRequestAnswered = "assistance-request-answered";
    public const string AssistanceRequestDeclined = "assistance-request-declined";
    public const string AssistanceRequestWithdrawn = "assistance-request-withdrawn";
    public const string AssistanceMessageRefused = "assistance-message-refused";
    public const string RiskRulesActivated = "risk-rules-activated";
    public const string RiskModelPromoted = "risk-model-promoted";
    public const string AlertIssued = "alert-issued";
    public const string AlertUpdated = "alert-updated";
    public const string AlertWithdrawn = "alert-withdrawn";
    public const string AlertFlagged = "alert-flagged";
    public const string AlertReceived = "alert-received";
    public const string BlindedEvaluation = "blinded-evaluation";
    public const string BlindedRefused = "blinded-refused";
    public const string BlindedQuery = "blinded-query";
    public const string BlindedKeyRotated = "blinded-key-rotated";
    public const string BlindedProofRefused = "blinded-proof-refused";
    public const string HitRecorded = "hit-recorded";
    public const string HitConfirmed = "hit-confirmed";
    public const string HitDiscarded = "hit-discarded";
    public const string ActionTakenReportReceived = "action-taken-report-received";
    public const string AlertFlagReceived = "alert-flag-received";
    public const string AlertErased = "alert-erased";
    public const string AnalyticsExport = "analytics-export";
    public const string MirrorCheck = "mirror-check";

    /// <summary>Every kind may carry it: whom or what the entry concerns (docs/ledger.md, Subjects).</summary>
    public static BodyField Subjects { get; } = Opt(LedgerSubjects.Field, Arr, "`declaration:<id>`, `party:<tag>`, `agreement:<id>`, `message:<id>`...: whom or what the entry concerns");

    public static IReadOnlyList<LedgerKind> All { get; } =
    [
        new(AgreementSigned, "this node signed an agreement", "Agreements: `entente agreement sign`",
        [
            .. Agreement(), Req("party", Str, "the party code it signed as"), Req("fingerprint", Str, "the signing key's fingerprint"),
        ]),
        new(AgreementInForce, "an agreement came into force (every signature there, its first day reached)", "Agreements: `entente agreement sign`, the agreement watch",
        [
            .. Agreement(), Req("parties", Arr, "the parties' codes"),
            Opt("validFrom", Str, "first day, yyyy-MM-dd (the watch writes it)"), Opt("validUntil", Str, "last day, yyyy-MM-dd (the watch writes it)"),
        ]),
        new(AgreementExpired, "an agreement's last day has passed", "Agreements: the agreement watch",
        [
            .. Agreement(), Req("parties", Arr, "the parties' codes"),
            Req("validFrom", Str, "first day, yyyy-MM-dd"), Req("validUntil", Str, "last day, yyyy-MM-dd"),
        ]),
        new(PolicyDecision, "a decision on access to data: a local refusal, or a decision under agreements (a refused disclosure or onward transfer, an assistance request's legal basis)",
            "Access (refused reads), Exchange (refused disclosures, onward transfers), Assistance (legal basis)",
        [
            Req("decision", Str, "permit or deny"),
            Opt("channel", Str, "local refusal: api (HTTP API), console (the node's command line) or web (the officer console)"),
            Opt("role", Str, "local refusal: the user's role"),
            Opt("query", Obj, "local refusal: the action and its parameters, a party identifier replaced by its tag"),
            .. Decision(required: false),
            Opt("forwardOf", Str, "the received message an onward transfer would have passed on"),
        ]),
        new(DisclosurePrepared, "a disclosure was permitted and its message queued for the recipient", "Exchange: disclose, forward, assistance messages",
        [
            Req("decision", Str, "permit"),
            .. Decision(required: true),
            Opt("forwardOf", Str, "the received message this one passes on"),
            Req("message", Obj, "the queued message"),
            Req("message.id", Str, "message id"),
            Req("message.conversation", Str, "conversation id"),
            Req("message.sequence", Int, "its number in the conversation, from 1"),
            Req("message.kind", Str, "the message kind (declaration, alert, assistance-request...)"),
            Req("message.digest", Str, "hex SHA-256 of the sealed envelope"),
        ]),
        new(DisclosureReceived, "a message from a partner was accepted and stored", "Exchange: receive",
        [
            .. Message(), Req("sender", Str, "the sending node"),
            Req("handlingCode", Str, "H1, H2 or H3"), Req("onwardTransfer", Str, "the sender's onward-transfer terms"),
            Req("retainUntil", Str, "end of retention, UTC ISO 8601"),
            Req("receipt", Str, "hex SHA-256 of the signed receipt returned"),
        ]),
        new(DisclosureReceipted, "a partner's signed receipt for a message this node sent was stored (the message was delivered)", "Exchange: delivery",
        [
            .. Message(), Req("recipient", Str, "the receiving node"),
            Req("receipt", Str, "hex SHA-256 of the signed receipt"), Req("receivedAt", Str, "when the recipient received it, UTC ISO 8601"),
        ]),
        new(MessageRefused, "a message whose signature verified was refused (in: from a partner; out: by a partner)", "Exchange: receive, delivery",
        [
            Req("direction", Str, "in or out"), Req("message", Str, "message id"),
            Req("sender", Str, "the sending node"), Req("recipient", Str, "the receiving node"),
            Req("category", Str, "data category"), Req("purpose", Str, "purpose"),
            Req("agreement", Obj, "the agreement the message cites"), Req("agreement.id", Str, "agreement id"), Req("agreement.hash", Str, "agreement content hash"),
            Req("code", Str, "the rejection code"), Req("reason", Str, "why, in words"),
            Req("digest", Str, "hex SHA-256 of the envelope"),
            Opt("negativeReceipt", Str, "hex SHA-256 of the signed negative receipt (the refusing node's COSE_Sign1)"),
        ]),
        new(OnwardConsent, "as provider, this node consented to the holder of a message passing it on to a third node", "Exchange: consent",
        [
            Req("message", Str, "the message consented to"), Req("holder", Str, "the node holding it"),
            Req("recipient", Str, "the node it may go to"), Req("consentMessage", Str, "the id of the consent message sent to the holder"),
            Req("agreement", Obj, "the agreement of the message"), Req("agreement.id", Str, "agreement id"), Req("agreement.hash", Str, "agreement content hash"),
        ]),
        new(PersonalDataAccess, "a user read personal data (EU Law Enforcement Directive Art. 25, SIS Regulation Art. 12)", "Access: API and console reads",
        [
            Req("channel", Str, "api (HTTP API), console (the node's command line) or web (the officer console)"), Req("role", Str, "the user's role"),
            Opt("purpose", Str, "the purpose stated"), Opt("justification", Str, "the justification stated"),
            Req("query", Obj, "the action and its parameters, a party identifier replaced by its tag"),
            Req("records", Arr, "the declaration ids touched"), Req("recipient", Str, "who received the data"),
        ]),
        new(Erasure, "a declaration was erased at the end of its retention period", "Retention: the retention job", Retained()),
        new(RetentionReview, "a declaration reached the end of its retention period and was flagged for review", "Retention: the retention job", Retained()),
        new(ReceivedErasure, "a message received from a partner was erased at the end of the retention its agreement set (retainUntil)", "Retention: the retention job",
        [
            Req("message", Str, "the received message's id"), Req("sender", Str, "the sending node"),
            Req("agreement", Str, "the agreement it arrived under"), Req("receivedAt", Str, "when it was received, UTC ISO 8601"),
            Req("retainUntil", Str, "the end of its retention, UTC ISO 8601"), Req("records", Arr, "the message ids concerned"),
        ]),
        new(PartnerAdded, "a partner was added to (or updated in) the partner directory", "Partners: `entente partner add`", Partner()),
        new(PartnerRemoved, "a partner was removed from the partner directory", "Partners: `entente partner remove`", Partner()),
        new(EquivocationAlarm, "a partner showed two histories of its ledger (the evidence is kept with the alarm)", "Witnessing: the witness round",
        [
            Req("partner", Str, "the partner's code"), Req("alarm", Str, "the alarm id (eq- and 24 hex digits)"),
            Req("kind", Str, "same-size-different-root, growth-not-consistent or smaller-not-consistent"),
            Req("evidence", Str, "sha256: and the hex SHA-256 of the evidence JSON"),
            Req("earlierSize", Int, "size of the earlier checkpoint"), Req("laterSize", Int, "size of the later checkpoint"),
        ]),
        new(EquivocationAlarmAcknowledged, "an auditor acknowledged an equivocation alarm (the actor is the auditor)", "Witnessing: `POST /api/ledger/alarms/{id}/acknowledge`",
        [
            Req("alarm", Str, "the alarm id"), Req("partner", Str, "the partner's code"),
        ]),
        new(AssistanceRequestSent, "this node sent a mutual-assistance request", "Assistance: new request", Assistance(request: true)),
        new(AssistanceRequestReceived, "a mutual-assistance request from a partner was received", "Assistance: receive", Assistance(request: true)),
        new(AssistanceRequestAcknowledged, "the requested authority acknowledged a request", "Assistance: acknowledge", Assistance()),
        new(AssistanceRequestAnswered, "the requested authority answered (part of) a request", "Assistance: answer",
        [
            .. Assistance(), Req("part", Int, "the answer part's number"), Req("final", Bool, "whether it completes the answer"),
        ]),
        new(AssistanceRequestDeclined, "the requested authority declined a request", "Assistance: decline, or automatically without a legal basis",
        [
            .. Assistance(), Req("grounds", Str, "sha256: and the hex SHA-256 of the grounds' text"),
        ]),
        new(AssistanceRequestWithdrawn, "the applicant withdrew its request", "Assistance: withdraw", Assistance()),
        new(AssistanceMessageRefused, "an assistance message from a partner could not be applied and was refused", "Assistance: receive",
        [
            Req("request", Str, "the request id the message names"), Req("kind", Str, "request, acknowledgement, answer, decline or withdrawal"),
            Req("from", Str, "the sending node"), Req("to", Str, "the node addressed"),
            Req("agreement", Obj, "the agreement cited"), Req("agreement.id", Str, "agreement id"),
            Req("purpose", Str, "purpose"), Req("message", Str, "sha256: digest of the message"), Req("reason", Str, "why it was refused"),
        ]),
        new(RiskRulesActivated, "a risk rule set was validated, tested, signed and put into service", "Risk: `entente risk rules activate`",
        [
            Req("ruleSet", Str, "the set's name"), Req("version", Str, "its version"), Req("digest", Str, "digest of its files"),
            Req("rules", Int, "number of rules"), Req("tests", Int, "number of tests passed"), Req("signer", Str, "fingerprint of the signing key"),
        ]),
        new(RiskModelPromoted, "a trained risk model was put into service", "Risk: `entente risk train`",
        [
            Req("model", Str, "the model version"), Req("trainer", Str, "the trainer's name"), Req("rows", Int, "training rows"),
            Opt("validationPrecisionAt5", Num, "precision at a 5 % inspection rate on validation data"),
            Req("forced", Bool, "promoted although worse than the model in service"), Req("reason", Str, "why it was promoted"),
        ]),
        new(AlertIssued, "an alert was issued here (added, imported or taken from a sanctions list), as a draft or in force", "Alerts: `entente alert add|import|import-sanctions`, `POST /api/alerts`", Alert()),
        new(AlertUpdated, "an alert changed: a draft put in force, a list's entity changed, a partner's new version", "Alerts: activation, sanctions re-import, a partner's message", Alert()),
        new(AlertWithdrawn, "an alert was withdrawn: by its issuer here, gone from its sanctions list, or by the partner that issued it", "Alerts: `entente alert withdraw`, sanctions re-import, a partner's message", Alert()),
        new(AlertFlagged, "a partner's alert was flagged: its action is not taken on this territory", "Alerts: `entente alert flag`, `POST /api/alerts/{id}/flags`", Alert()),
        new(AlertReceived, "a partner's alert arrived under an agreement and was stored", "Alerts: a partner's message", Alert()),
        new(BlindedEvaluation, "this node evaluated a partner's batch of blinded elements (never an identifier nor an unblinded value)", "Blinded: POST /api/blinded/evaluate",
        [
            Req("partner", Str, "the asking node"), Req("agreement", Str, "the agreement it asked under"), Req("purpose", Str, "the purpose it stated"),
            Req("count", Int, "how many blinded elements the batch had"), Req("key", Str, "the OPRF key id evaluated with"),
        ]),
        new(BlindedRefused, "a partner's blinded request was refused (unreadable, forged, replayed, unknown partner, outside an agreement, over its rate)", "Blinded: GET /api/blinded/index, POST /api/blinded/evaluate",
        [
            Req("partner", Str, "the node the request claims to come from (empty when unreadable)"), Req("operation", Str, "index or evaluate (empty when unreadable)"),
            Req("code", Str, "malformed, forged, unknown-partner, wrong-recipient, stale, replayed, outside-agreement or rate-limited"),
            Req("reason", Str, "why, in words"), Opt("agreement", Str, "the agreement the request cited"), Opt("count", Int, "blinded elements in the refused batch"),
        ]),
        new(BlindedQuery, "this node asked partners blinded whether they hold an identifier (the type, never the value)", "Blinded: `entente blinded ask`, POST /api/blinded/queries",
        [
            Req("purpose", Str, "the purpose stated"), Req("type", Str, "the identifier type (eori, imo, container...)"),
            Req("partners", Arr, "each partner asked"), Req("partners[].partner", Str, "its code"), Opt("partners[].agreement", Str, "the agreement it was asked under"),
            Req("partners[].outcome", Str, "hit, no-hit, error or refused (its evaluation proof failed)"), Opt("partners[].reference", Str, "hit: the reference to quote"),
            Req("hits", Int, "how many partners hold it"),
        ]),
        new(BlindedKeyRotated, "this node's OPRF key was replaced: the new key's id and public element (never the secret); the old one no longer answers", "Blinded: `entente blinded rotate-key`",
        [
            Req("key", Str, "the new key id (16 hex digits of SHA-256 of the public element)"), Req("public", Str, "the new key's public element k·G, base64url (a commitment to k, not k)"),
            Opt("retired", Str, "the id of the key it replaced (absent for a node's first key)"),
        ]),
        new(BlindedProofRefused, "a partner's blinded evaluation was refused: its proof (RFC 9497 VOPRF) does not verify against the public key its signed index commits to, so no answer was taken from it",
            "Blinded: `entente blinded ask`, POST /api/blinded/queries",
        [
            Req("partner", Str, "the partner that evaluated"), Req("agreement", Str, "the agreement it was asked under"),
            Req("key", Str, "the key id its evaluation and its index name"), Req("indexVersion", Int, "the version of its index whose public key the proof was checked against"),
            Req("reason", Str, "why, in words"),
        ]),
        new(HitRecorded, "screening found a hit: a declaration's field or an officer's ad-hoc input matched an alert in force", "Screening: ingest, look-back of a new alert, `entente screen`, `POST /api/screening`", Hit()),
        new(HitConfirmed, "an officer confirmed a hit: it is the alert's subject (on a partner's alert the action-taken report follows)", "Screening: `entente hits confirm`, `POST /api/hits/{id}/confirmation`", Hit()),
        new(HitDiscarded, "an officer discarded a hit, with the reason: it is not the alert's subject", "Screening: `entente hits discard`, `POST /api/hits/{id}/discard`", Hit()),
        new(ActionTakenReportReceived, "a partner's action-taken report on an alert of this node arrived and was stored against the alert", "Screening: a partner's message", [
            Req("alert", Str, "the alert id"), Req("from", Str, "the reporting node"), Req("agreement", Str, "the agreement it came under"),
            Req("message", Str, "the message id"), Opt("hit", Str, "the hit id at the reporting node"), Req("actionNotTaken", Bool, "true when the alert is flagged there"),
        ]),
        new(AlertFlagReceived, "a partner told this node it flagged one of its alerts (the action is not taken on its territory); kept with the alert", "Alerts: a partner's message", [
            Req("alert", Str, "the alert id"), Req("from", Str, "the flagging node"), Req("agreement", Str, "the agreement it came under"),
            Req("message", Str, "the message id"), Req("flaggedAt", Str, "when the partner flagged it, UTC"),
            Req("reasonDigest", Str, "sha256: digest of the reason's text (the text is kept with the alert)"),
        ]),
        new(AlertErased, "a partner's alert was erased when the retention its agreement set ended (the row stays as evidence, without its subject)", "Retention: the server's retention job, `entente retention run`", [
            Req("alert", Str, "the alert id"), Req("issuer", Str, "the issuing node"), Req("version", Int, "the version erased"), Opt("agreement", Str, "the agreement it came under"),
            Req("retainUntil", Str, "the end of retention, UTC"), Req("digest", Str, "sha256: digest of the alert as it was held"), Req("records", Arr, "the alert id"),
        ]),
        new(AnalyticsExport, "the analytics store was exported to Parquet (parties' identifiers as keyed tags unless the purpose allows them)", "Intelligence: `entente analytics export`",
        [
            Req("folder", Str, "the export folder"), Opt("purpose", Str, "the purpose stated"), Opt("justification", Str, "the justification stated"),
            Req("personalData", Str, "pseudonymised (keyed party tags) or clear"), Req("datasets", Arr, "what each data set wrote"),
            Req("datasets[].dataset", Str, "declarations, items, seizures, assessments or outcomes"), Req("datasets[].months", Arr, "the months rewritten"),
            Req("datasets[].rows", Int, "rows written"), Req("datasets[].watermark", Int, "the last row key exported"),
        ]),
        new(MirrorCheck, "a mirror check paired a partner's exports with this node's imports and wrote the discrepancies as findings on the imports", "Mirror: `entente mirror run`, `POST /api/mirror/runs`", [
            Req("partner", Str, "the partner whose exports were read"), Req("exports", Int, "exports read"), Req("imports", Int, "imports considered"),
            Req("pairs", Int, "pairs found"), Req("discrepancies", Int, "imports with at least one discrepancy"), Req("purpose", Str, "the purpose the exports were read for"),
        ]),
    ];

    private static readonly Dictionary<string, LedgerKind> ByName = All.ToDictionary(k => k.Name, StringComparer.Ordinal);

    /// <summary>The names of <see cref="All"/>.</summary>
    public static IReadOnlyList<string> Known { get; } = All.Select(k => k.Name).ToArray();

    public static LedgerKind? Find(string name) => ByName.GetValueOrDefault(name);

    /// <summary>A kind is 1 to 64 characters: lowercase ASCII letters and digits in words joined by single hyphens.</summary>
    public static bool IsValid(string kind) =>
        kind.Length is > 0 and <= 64 && kind[0] != '-' && kind[^1] != '-' && !kind.Contains("--", StringComparison.Ordinal) &&
        kind.All(c => c is (>= 'a' and <= 'z') or (>= '0' and <= '9') or '-');

    /// <summary>
    /// What is wrong with a body for its kind: a kind not in <see cref="All"/>, a required member missing or null, a member
    /// of another JSON type. Members the schema does not name are allowed. Empty when the body fits.
    /// </summary>
    public static IReadOnlyList<string> CheckBody(string kind, JsonElement body)
    {
        if (Find(kind) is not { } schema) return [$"kind '{kind}' is not one the node writes (LedgerKinds)"];
        if (body.ValueKind != JsonValueKind.Object) return ["body: expected an object"];
        List<string>? problems = null;
        Check(body, Subjects, 0, "body", ref problems);
        foreach (var field in schema.Body) Check(body, field, 0, "body", ref problems);
        return problems ?? (IReadOnlyList<string>)[];
    }

    private static void Check(JsonElement parent, BodyField field, int depth, string at, ref List<string>? problems)
    {
        var segment = field.Segments[depth];
        var each = segment.EndsWith("[]", StringComparison.Ordinal);
        var name = each ? segment[..^2] : segment;
        var path = at + "." + name;
        var last = depth == field.Segments.Length - 1;
        if (!parent.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null)
        {
            // A missing parent object is the parent's own field's finding.
            if (last && field.Required) (problems ??= []).Add($"{path}: required {Name(field.Type)}, missing");
            return;
        }
        if (each)
        {
            if (value.ValueKind != JsonValueKind.Array) return;
            var i = 0;
            foreach (var element in value.EnumerateArray())
            {
                var elementPath = $"{path}[{i++}]";
                if (last) CheckType(element, field, elementPath, ref problems);
                else if (element.ValueKind == JsonValueKind.Object) Check(element, field, depth + 1, elementPath, ref problems);
            }
            return;
        }
        if (last) CheckType(value, field, path, ref problems);
        else if (value.ValueKind == JsonValueKind.Object) Check(value, field, depth + 1, path, ref problems);
    }

    private static void CheckType(JsonElement value, BodyField field, string path, ref List<string>? problems)
    {
        var fits = field.Type switch
        {
            BodyType.String => value.ValueKind == JsonValueKind.String,
            BodyType.Integer => value.ValueKind == JsonValueKind.Number && value.TryGetInt64(out _),
            BodyType.Number => value.ValueKind == JsonValueKind.Number,
            BodyType.Boolean => value.ValueKind is JsonValueKind.True or JsonValueKind.False,
            BodyType.Object => value.ValueKind == JsonValueKind.Object,
            _ => value.ValueKind == JsonValueKind.Array,
        };
        if (!fits) (problems ??= []).Add($"{path}: expected {Name(field.Type)}, found {value.ValueKind.ToString().ToLowerInvariant()}");
    }

    public static string Name(BodyType type) => type.ToString().ToLowerInvariant();

    /// <summary>docs/ledger.md's table of kinds and one table of body members per kind (GitHub Markdown).</summary>
    public static string Markdown()
    {
        var text = new StringBuilder();
        text.Append("| kind | meaning | written by |\n|---|---|---|\n");
        foreach (var kind in All) text.Append($"| [`{kind.Name}`](#{kind.Name}) | {Cell(kind.Meaning)} | {Cell(kind.WrittenBy)} |\n");
        text.Append($"\nEvery body may also carry `{Subjects.Path}` ({Name(Subjects.Type)}, optional): {Cell(Subjects.Description)}. ")
            .Append("An optional member may be absent or null; members not listed may be added.\n");
        foreach (var kind in All)
        {
            text.Append($"\n#### {kind.Name}\n\n{char.ToUpperInvariant(kind.Meaning[0])}{Cell(kind.Meaning[1..])}. Written by {Cell(kind.WrittenBy)}.\n\n");
            text.Append("| body member | type | | what |\n|---|---|---|---|\n");
            foreach (var field in kind.Body)
                text.Append($"| `{field.Path}` | {Name(field.Type)} | {(field.Required ? "required" : "optional")} | {Cell(field.Description)} |\n");
        }
        return text.ToString();
    }

    private static string Cell(string text) => text.Replace("|", "\\|", StringComparison.Ordinal);

    private static BodyField Req(string path, BodyType type, string description) => new(path, type, true, description);

    private static BodyField Opt(string path, BodyType type, string description) => new(path, type, false, description);

    private static BodyField[] Agreement() =>
    [
        Req("agreement", Obj, "the agreement text"), Req("agreement.id", Str, "agreement id"),
        Req("agreement.version", Int, "its version"), Req("agreement.hash", Str, "its content hash"),
    ];

    private static BodyField[] Decision(bool required)
    {
        BodyField Field(string path, BodyType type, string description) => new(path, type, required, description);
        return
        [
            Field("provider", Str, "the node whose data it is"), Field("requester", Str, "who asked"),
            Field("recipient", Str, "who would receive the data"),
            Field("category", Str, "data category"), Field("purpose", Str, "the purpose"),
            Field("legalBasis", Str, "the agreement id invoked"), Opt("caseReference", Str, "the case the request is for"),
            Field("fields", Arr, "the field paths asked for"),
            Field("agreements", Arr, "the agreements the decision rested on"),
            Req("agreements[].id", Str, "agreement id"), Req("agreements[].version", Int, "its version"), Req("agreements[].hash", Str, "its content hash"),
            Field("agreement", Obj, "the first of them"), Req("agreement.id", Str, "agreement id"),
            Req("agreement.version", Int, "its version"), Req("agreement.hash", Str, "its content hash"),
            Opt("reason", Str, "why, in words"),
            Field("records", Arr, "declaration ids concerned"),
            Field("handlingCode", Str, "permit: H1, H2 or H3"), Field("retainUntil", Str, "permit: end of retention, UTC ISO 8601"),
        ];
    }

    private static BodyField[] Message() =>
    [
        Req("message", Str, "message id"), Req("conversation", Str, "conversation id"), Req("sequence", Int, "its number in the conversation"),
        Req("kind", Str, "the message kind"), Req("category", Str, "data category"), Req("purpose", Str, "purpose"),
        Req("agreement", Obj, "the agreement the message cites"), Req("agreement.id", Str, "agreement id"), Req("agreement.hash", Str, "agreement content hash"),
        Req("digest", Str, "hex SHA-256 of the envelope"),
    ];

    private static BodyField[] Retained() =>
    [
        Req("declaration", Str, "the declaration's node id"), Opt("mrn", Str, "its MRN"),
        Req("receivedAt", Str, "when it was received, UTC ISO 8601"), Req("rule", Str, "the retention rule applied"),
        Req("records", Arr, "the declaration ids concerned"),
    ];

    private static BodyField[] Partner() =>
    [
        Req("code", Str, "the partner's node code"), Req("endpoint", Str, "its exchange endpoint (absolute URI)"),
        Req("fingerprint", Str, "its signing key's fingerprint"),
    ];

    private static BodyField[] Alert() =>
    [
        Req("alert", Str, "the alert id"), Req("issuer", Str, "the issuing node"), Req("version", Int, "the issuer's version of the alert"),
        Req("state", Str, "draft, in-force or withdrawn"), Req("source", Str, "own, partner or list"), Req("subjectKind", Str, "person, company, transport, container, goods or document"),
        Req("category", Str, "the reason category"), Req("action", Str, "the action to take"), Req("basis", Str, "agreement:<id> or national"),
        Req("digest", Str, "sha256: digest of the alert's sorted JSON (its content is not in the ledger)"),
        Opt("reasonDigest", Str, "sha256: digest of why it was withdrawn or flagged (the text is kept with the alert)"), Opt("list", Str, "the sanctions list it came from"),
    ];

    private static BodyField[] Hit() =>
    [
        Req("hit", Str, "the hit id"), Req("alert", Str, "the alert id"), Req("issuer", Str, "the alert's issuer"), Req("source", Str, "own, partner or list"),
        Req("category", Str, "the alert's category"), Req("score", Num, "the match score"), Req("checked", Str, "the field path in the declaration, or ad-hoc (never the value)"),
        Req("state", Str, "open, confirmed or discarded"), Req("flagged", Bool, "the alert is flagged here"), Req("informBy", Str, "when the issuer must be informed, UTC"),
        Opt("declaration", Str, "the declaration's node id"), Opt("reason", Str, "how it was found (screening, look-back, ad-hoc:user)"),
        Opt("reasonDigest", Str, "sha256: digest of why it was discarded (the text is kept with the hit)"),
    ];

    private static BodyField[] Assistance(bool request = false)
    {
        BodyField[] common =
        [
            Req("request", Str, "the request id"), Req("role", Str, "this node's role: applicant or requested"),
            Req("direction", Str, "sent or received"), Req("from", Str, "the sending node"), Req("to", Str, "the node addressed"),
            .. Agreement(), Req("purpose", Str, "purpose"), Req("caseReference", Str, "the applicant's case reference"),
            Req("status", Str, "the request's status after the move"), Req("message", Str, "sha256: digest of the message"),
            Opt("automatic", Bool, "true when the node made the move itself"), Opt("reason", Str, "why the node made the move itself"),
        ];
        return request
            ?
            [
                .. common, Opt("answerBy", Str, "answer-by time, UTC"), Req("declarations", Arr, "MRNs of the declarations concerned"),
                Req("subject", Str, "sha256: digest of the subject's text"),
            ]
            : common;
    }
}
