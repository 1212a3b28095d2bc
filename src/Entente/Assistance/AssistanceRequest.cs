using System.Text.Json.Nodes;
using Entente.Agreements;

namespace Entente.Assistance;

/// <summary>Where a request stands. Sent, acknowledged and partially answered are open; the other three are final.</summary>
public enum AssistanceStatus { Sent, Acknowledged, PartiallyAnswered, Answered, Declined, Withdrawn }

/// <summary>This node's part in a request: the applicant authority asks, the requested authority answers.</summary>
public enum AssistanceRole { Applicant, Requested }

/// <summary>One part of the requested authority's answer; the last part of a complete answer is <see cref="Final"/>.</summary>
public sealed record AnswerPart(int Number, string? Text, JsonObject? Data, bool Final, DateTimeOffset At);

/// <summary>What the applicant asks: to whom, under which agreement and legal basis, for which purpose and case, what.</summary>
public sealed record AssistanceDraft(string To, string AgreementId, string LegalBasis, Purpose Purpose, string CaseReference, string Subject)
{
    /// <summary>MRNs of declarations the request concerns.</summary>
    public IReadOnlyList<string> Declarations { get; init; } = [];

    /// <summary>Identifiers (EORI, TIN...) of the persons or companies concerned; the ledger names them only by keyed tags.</summary>
    public IReadOnlyList<string> Parties { get; init; } = [];

    /// <summary>An answer-by time earlier than the agreement's answer-within gives; none: the agreement's.</summary>
    public DateTimeOffset? AnswerBy { get; init; }
}

/// <summary>
/// A mutual-assistance request (EU Reg. 515/97, bilateral CMAAs) as an aggregate: its state is the fold of the messages
/// exchanged about it, so the applicant's copy and the requested authority's copy agree after the same messages. Only
/// legal moves are applied (docs/assistance.md, "Statuses and moves"); any other throws an
/// <see cref="AssistanceException"/> naming the status and the move.
/// </summary>
public sealed class AssistanceRequest
{
    private static readonly AssistanceStatus[] Open = [AssistanceStatus.Sent, AssistanceStatus.Acknowledged, AssistanceStatus.PartiallyAnswered];

    private readonly List<AnswerPart> _parts = [];
    private readonly List<AssistanceMessage> _history = [];
    private readonly HashSet<string> _digests = new(StringComparer.Ordinal);

    private AssistanceRequest(AssistanceMessage request, string applicant, string requested, AgreementReference agreement, string legalBasis,
        string caseReference, string subject, IReadOnlyList<string> declarations, IReadOnlyList<string> parties, DateTimeOffset createdAt, DateTimeOffset? answerBy)
    {
        Id = request.RequestId;
        Purpose = request.Purpose;
        Applicant = applicant;
        Requested = requested;
        Agreement = agreement;
        LegalBasis = legalBasis;
        CaseReference = caseReference;
        Subject = subject;
        Declarations = declarations;
        Parties = parties;
        CreatedAt = createdAt;
        AnswerBy = answerBy;
        Status = AssistanceStatus.Sent;
        Record(request);
    }

    public string Id { get; }

    /// <summary>The applicant authority's node code.</summary>
    public string Applicant { get; }

    /// <summary>The requested authority's node code.</summary>
    public string Requested { get; }

    public AgreementReference Agreement { get; }

    /// <summary>The legal-basis entry of the agreement the applicant cites.</summary>
    public string LegalBasis { get; }

    public Purpose Purpose { get; }

    /// <summary>The applicant's case reference.</summary>
    public string CaseReference { get; }

    /// <summary>What is asked.</summary>
    public string Subject { get; }

    public IReadOnlyList<string> Declarations { get; }

    public IReadOnlyList<string> Parties { get; }

    public DateTimeOffset CreatedAt { get; }

    /// <summary>By when the requested authority must answer; none when the agreement sets no answer-within and the applicant no date.</summary>
    public DateTimeOffset? AnswerBy { get; }

    public AssistanceStatus Status { get; private set; }

    public DateTimeOffset? AcknowledgedAt { get; private set; }

    /// <summary>The requested authority's own reference, given when it acknowledges.</summary>
    public string? RequestedReference { get; private set; }

    public string? DeclineGrounds { get; private set; }

    public string? WithdrawalReason { get; private set; }

    /// <summary>When the request reached a final status.</summary>
    public DateTimeOffset? ClosedAt { get; private set; }

    public IReadOnlyList<AnswerPart> Parts => _parts;

    /// <summary>Every message about the request, in the order applied; the first is the request.</summary>
    public IReadOnlyList<AssistanceMessage> History => _history;

    public bool IsOpen => Array.IndexOf(Open, Status) >= 0;

    /// <summary>Still open after its answer-by time.</summary>
    public bool IsOverdue(DateTimeOffset now) => IsOpen && AnswerBy is { } by && now > by;

    public AssistanceRole RoleOf(string node) => node == Applicant ? AssistanceRole.Applicant : AssistanceRole.Requested;

    /// <summary>The statuses a move is allowed from.</summary>
    public static IReadOnlyList<AssistanceStatus> AllowedFrom(AssistanceMessageKind move) =>
        move switch
        {
            AssistanceMessageKind.Request => [],
            AssistanceMessageKind.Acknowledgement => [AssistanceStatus.Sent],
            _ => Open,
        };

    /// <summary>True when this exact message (same digest) was applied already: applying it again would change nothing.</summary>
    public bool Knows(AssistanceMessage message) => _digests.Contains(message.Digest);

    /// <summary>The request message an applicant sends (not yet checked against the agreements: that is the desk's).</summary>
    public static AssistanceMessage Compose(string id, string applicant, AssistanceDraft draft, AgreementReference agreement, DateTimeOffset? answerBy, DateTimeOffset at)
    {
        var request = new JsonObject
        {
            ["id"] = id,
            ["applicant"] = applicant,
            ["requested"] = draft.To,
            ["agreement"] = new JsonObject { ["id"] = agreement.Id, ["version"] = agreement.Version, ["hash"] = agreement.ContentHash },
            ["legalBasis"] = draft.LegalBasis,
            ["caseReference"] = draft.CaseReference,
            ["subject"] = draft.Subject,
            ["declarations"] = AssistanceText.Array(draft.Declarations),
            ["parties"] = AssistanceText.Array(draft.Parties),
            ["createdAt"] = AssistanceText.Time(at),
        };
        if (answerBy is { } by) request["answerBy"] = AssistanceText.Time(by);
        return new AssistanceMessage(AssistanceMessageKind.Request, id, applicant, draft.To, agreement.Id, draft.Purpose, new JsonObject { ["request"] = request }, at);
    }

    /// <summary>The request a request message opens; throws <see cref="AssistanceException"/> (invalid) naming each bad field.</summary>
    public static AssistanceRequest Start(AssistanceMessage message)
    {
        var problems = new List<AssistanceProblem>();
        if (message.Kind != AssistanceMessageKind.Request)
            throw new AssistanceException(AssistanceError.IllegalMove, "", $"no request {message.RequestId}: a {PolicyEngine.Name(message.Kind)} needs the request it concerns");
        if (!IsId(message.RequestId)) problems.Add(new("/requestId", $"expected 1 to {AssistanceText.MaxId} letters, digits, '.', '_', ':' or '-'"));
        if (Only(message.Payload, "request", problems) is not { } request) throw new AssistanceException(AssistanceError.Invalid, problems);
        const string at = "/request";
        var id = AssistanceText.String(request, "id", at, problems, AssistanceText.MaxId);
        if (id is not null && id != message.RequestId) problems.Add(new("/request/id", $"expected the message's request id {message.RequestId}, got {id}"));
        var applicant = AssistanceText.String(request, "applicant", at, problems, AssistanceText.MaxCode);
        if (applicant is not null && applicant != message.From) problems.Add(new("/request/applicant", $"expected the sender {message.From}, got {applicant}"));
        var requested = AssistanceText.String(request, "requested", at, problems, AssistanceText.MaxCode);
        if (requested is not null && requested != message.To) problems.Add(new("/request/requested", $"expected the recipient {message.To}, got {requested}"));
        if (message.From == message.To) problems.Add(new("/to", "the applicant and the requested authority are two nodes"));
        AgreementReference? agreement = null;
        if (request["agreement"] is JsonObject a)
        {
            var aid = AssistanceText.String(a, "id", "/request/agreement", problems, AssistanceText.MaxId);
            var hash = AssistanceText.String(a, "hash", "/request/agreement", problems, AssistanceText.MaxShort);
            var version = a["version"] is JsonValue v && v.TryGetValue<int>(out var n) && n > 0 ? n : 0;
            if (version == 0) problems.Add(new("/request/agreement/version", "expected a positive integer"));
            if (aid is not null && aid != message.AgreementId) problems.Add(new("/request/agreement/id", $"expected the message's agreement {message.AgreementId}, got {aid}"));
            if (aid is not null && hash is not null && version > 0) agreement = new AgreementReference(aid, version, hash);
        }
        else
        {
            problems.Add(new("/request/agreement", "expected an object: id, version, hash"));
        }
        var legalBasis = AssistanceText.String(request, "legalBasis", at, problems, AssistanceText.MaxLong);
        var caseReference = AssistanceText.String(request, "caseReference", at, problems, AssistanceText.MaxShort);
        var subject = AssistanceText.String(request, "subject", at, problems, AssistanceText.MaxLong);
        var declarations = AssistanceText.Strings(request, "declarations", at, problems, 35);
        var parties = AssistanceText.Strings(request, "parties", at, problems, AssistanceText.MaxShort);
        var createdAt = AssistanceText.TimeOf(request, "createdAt", at, problems, required: true);
        var answerBy = AssistanceText.TimeOf(request, "answerBy", at, problems, required: false);
        if (createdAt is { } c && answerBy is { } b && b <= c) problems.Add(new("/request/answerBy", $"expected a time after createdAt ({AssistanceText.Time(c)})"));
        AssistanceException.ThrowIf(AssistanceError.Invalid, problems);
        return new AssistanceRequest(message, applicant!, requested!, agreement!, legalBasis!, caseReference!, subject!, declarations, parties, createdAt!.Value, answerBy);
    }

    /// <summary>Rebuilds a request from its messages, in order.</summary>
    public static AssistanceRequest Replay(IReadOnlyList<AssistanceMessage> messages)
    {
        if (messages.Count == 0) throw new ArgumentException("a request's history starts with the request", nameof(messages));
        var request = Start(messages[0]);
        for (var i = 1; i < messages.Count; i++) request.Apply(messages[i]);
        return request;
    }

    /// <summary>The requested authority acknowledges receipt, optionally giving its own reference.</summary>
    public AssistanceMessage Acknowledge(string by, string? reference, DateTimeOffset at)
    {
        var answer = new JsonObject { ["requestId"] = Id, ["acknowledged"] = true };
        if (reference is not null) answer["reference"] = reference;
        return Make(AssistanceMessageKind.Acknowledgement, by, "answer", answer, at);
    }

    /// <summary>The requested authority answers, in one part or several; <paramref name="final"/> completes the answer.</summary>
    public AssistanceMessage Answer(string by, string? text, JsonObject? data, bool final, DateTimeOffset at)
    {
        var answer = new JsonObject { ["requestId"] = Id, ["part"] = _parts.Count + 1, ["final"] = final };
        if (text is not null) answer["text"] = text;
        if (data is not null) answer["data"] = data.DeepClone();
        return Make(AssistanceMessageKind.Answer, by, "answer", answer, at);
    }

    /// <summary>The requested authority declines, giving its grounds.</summary>
    public AssistanceMessage Decline(string by, string grounds, DateTimeOffset at) =>
        Make(AssistanceMessageKind.Decline, by, "answer", new JsonObject { ["requestId"] = Id, ["declined"] = true, ["grounds"] = grounds }, at);

    /// <summary>The applicant withdraws the request before it is answered.</summary>
    public AssistanceMessage Withdraw(string by, string? reason, DateTimeOffset at)
    {
        var request = new JsonObject { ["id"] = Id, ["withdrawn"] = true };
        if (reason is not null) request["reason"] = reason;
        return Make(AssistanceMessageKind.Withdrawal, by, "request", request, at);
    }

    private AssistanceMessage Make(AssistanceMessageKind kind, string by, string member, JsonObject body, DateTimeOffset at)
    {
        var message = new AssistanceMessage(kind, Id, by, by == Applicant ? Requested : Applicant, Agreement.Id, Purpose, new JsonObject { [member] = body }, at);
        Apply(message);
        return message;
    }

    /// <summary>
    /// Applies a move made by either side. Throws <see cref="AssistanceException"/>: invalid (a field is wrong) or illegal
    /// move (the status does not allow it, or the wrong side made it). A refused message changes nothing.
    /// </summary>
    public void Apply(AssistanceMessage message)
    {
        var verb = Verb(message.Kind);
        if (message.Kind == AssistanceMessageKind.Request)
            throw new AssistanceException(AssistanceError.IllegalMove, "", $"request {Id} exists already: it cannot be sent again with other content");
        var problems = new List<AssistanceProblem>();
        if (message.RequestId != Id) problems.Add(new("/requestId", $"expected {Id}, got {message.RequestId}"));
        if (message.AgreementId != Agreement.Id) problems.Add(new("/agreementId", $"request {Id} rests on {Agreement.Id}, not {message.AgreementId}"));
        if (message.Purpose != Purpose) problems.Add(new("/purpose", $"request {Id} is for {PolicyEngine.Name(Purpose)}, not {PolicyEngine.Name(message.Purpose)}"));
        AssistanceException.ThrowIf(AssistanceError.Invalid, problems);

        var byApplicant = message.Kind == AssistanceMessageKind.Withdrawal;
        var (must, other) = byApplicant ? (Applicant, Requested) : (Requested, Applicant);
        if (message.From != must || message.To != other)
            throw new AssistanceException(AssistanceError.IllegalMove, "",
                $"only the {(byApplicant ? "applicant" : "requested authority")} ({must}) may {verb} request {Id}, to {other}; this move is from {message.From} to {message.To}");
        var allowed = AllowedFrom(message.Kind);
        if (!allowed.Contains(Status))
            throw new AssistanceException(AssistanceError.IllegalMove, "",
                $"request {Id} is {PolicyEngine.Name(Status)}: it cannot {verb} it (allowed only when {string.Join(" or ", allowed.Select(s => PolicyEngine.Name(s)))})");

        var member = message.PayloadMember;
        if (Only(message.Payload, member, problems) is not { } body) throw new AssistanceException(AssistanceError.Invalid, problems);
        var at = "/" + member;
        var idField = byApplicant ? "id" : "requestId";
        var id = AssistanceText.String(body, idField, at, problems, AssistanceText.MaxId);
        if (id is not null && id != Id) problems.Add(new($"{at}/{idField}", $"expected {Id}, got {id}"));
        switch (message.Kind)
        {
            case AssistanceMessageKind.Acknowledgement:
                var reference = AssistanceText.String(body, "reference", at, problems, AssistanceText.MaxShort, required: false);
                AssistanceException.ThrowIf(AssistanceError.Invalid, problems);
                Status = AssistanceStatus.Acknowledged;
                AcknowledgedAt = message.At;
                RequestedReference = reference;
                break;
            case AssistanceMessageKind.Answer:
                var part = body["part"] is JsonValue pv && pv.TryGetValue<int>(out var n) ? n : 0;
                if (part != _parts.Count + 1) problems.Add(new("/answer/part", $"expected part {_parts.Count + 1} (parts come in order), got {body["part"]?.ToJsonString() ?? "none"}"));
                var final = body["final"] is JsonValue fv && fv.TryGetValue<bool>(out var f) ? f : (bool?)null;
                if (final is null) problems.Add(new("/answer/final", "expected true (the answer is complete) or false (more parts follow)"));
                var text = AssistanceText.String(body, "text", at, problems, AssistanceText.MaxLong, required: false);
                var data = body["data"];
                if (data is not null and not JsonObject) problems.Add(new("/answer/data", "expected an object"));
                if (string.IsNullOrWhiteSpace(text) && data is null) problems.Add(new("/answer", "expected text, data or both"));
                AssistanceException.ThrowIf(AssistanceError.Invalid, problems);
                _parts.Add(new AnswerPart(part, text, (JsonObject?)data?.DeepClone(), final!.Value, message.At));
                Status = final.Value ? AssistanceStatus.Answered : AssistanceStatus.PartiallyAnswered;
                break;
            case AssistanceMessageKind.Decline:
                var grounds = AssistanceText.String(body, "grounds", at, problems, AssistanceText.MaxLong);
                AssistanceException.ThrowIf(AssistanceError.Invalid, problems);
                Status = AssistanceStatus.Declined;
                DeclineGrounds = grounds;
                break;
            case AssistanceMessageKind.Withdrawal:
                var reason = AssistanceText.String(body, "reason", at, problems, AssistanceText.MaxLong, required: false);
                AssistanceException.ThrowIf(AssistanceError.Invalid, problems);
                Status = AssistanceStatus.Withdrawn;
                WithdrawalReason = reason;
                break;
        }
        if (!IsOpen) ClosedAt = message.At;
        Record(message);
    }

    private void Record(AssistanceMessage message)
    {
        _history.Add(message);
        _digests.Add(message.Digest);
    }

    private static string Verb(AssistanceMessageKind kind) => kind switch
    {
        AssistanceMessageKind.Acknowledgement => "acknowledge",
        AssistanceMessageKind.Answer => "answer",
        AssistanceMessageKind.Decline => "decline",
        AssistanceMessageKind.Withdrawal => "withdraw",
        _ => "send",
    };

    private static JsonObject? Only(JsonObject payload, string member, List<AssistanceProblem> problems)
    {
        foreach (var (name, _) in payload)
        {
            if (name != member) problems.Add(new("/" + name, $"not allowed: the payload holds only \"{member}\""));
        }
        if (payload[member] is JsonObject body) return problems.Count == 0 ? body : null;
        problems.Add(new("/" + member, "expected an object"));
        return null;
    }

    internal static bool IsId(string id) =>
        id.Length is > 0 and <= AssistanceText.MaxId && id.All(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '_' or ':' or '-');

    /// <summary>The request as the CLI and the API show it, seen from <paramref name="node"/> at <paramref name="now"/>.</summary>
    public JsonObject ToJson(string node, DateTimeOffset now)
    {
        var json = new JsonObject
        {
            ["id"] = Id,
            ["role"] = PolicyEngine.Name(RoleOf(node)),
            ["applicant"] = Applicant,
            ["requested"] = Requested,
            ["agreement"] = new JsonObject { ["id"] = Agreement.Id, ["version"] = Agreement.Version, ["hash"] = Agreement.ContentHash },
            ["legalBasis"] = LegalBasis,
            ["purpose"] = PolicyEngine.Name(Purpose),
            ["caseReference"] = CaseReference,
            ["subject"] = Subject,
            ["declarations"] = AssistanceText.Array(Declarations),
            ["parties"] = AssistanceText.Array(Parties),
            ["status"] = PolicyEngine.Name(Status),
            ["createdAt"] = AssistanceText.Time(CreatedAt),
            ["answerBy"] = AnswerBy is { } by ? AssistanceText.Time(by) : null,
            ["overdue"] = IsOverdue(now),
            ["acknowledgedAt"] = AcknowledgedAt is { } ack ? AssistanceText.Time(ack) : null,
            ["requestedReference"] = RequestedReference,
            ["answers"] = new JsonArray(_parts.Select(p => (JsonNode)new JsonObject
            {
                ["part"] = p.Number,
                ["final"] = p.Final,
                ["text"] = p.Text,
                ["data"] = p.Data?.DeepClone(),
                ["at"] = AssistanceText.Time(p.At),
            }).ToArray()),
            ["declineGrounds"] = DeclineGrounds,
            ["withdrawalReason"] = WithdrawalReason,
            ["closedAt"] = ClosedAt is { } closed ? AssistanceText.Time(closed) : null,
            ["history"] = new JsonArray(_history.Select(m => (JsonNode)new JsonObject
            {
                ["kind"] = PolicyEngine.Name(m.Kind),
                ["from"] = m.From,
                ["to"] = m.To,
                ["at"] = AssistanceText.Time(m.At),
            }).ToArray()),
        };
        return json;
    }
}
