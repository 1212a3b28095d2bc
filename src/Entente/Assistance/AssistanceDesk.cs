using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using Entente.Agreements;
using Entente.Ledger;
using Entente.Storage;

namespace Entente.Assistance;

/// <summary>What became of a received message.</summary>
public enum AssistanceReceiptOutcome
{
    /// <summary>The move was applied and recorded.</summary>
    Applied,

    /// <summary>The same message was applied before: nothing changed.</summary>
    Duplicate,

    /// <summary>A request was stored but has no legal basis here: it was declined automatically (the decline was sent).</summary>
    Declined,

    /// <summary>Refused and recorded in the ledger (malformed, not for this node, unknown request, illegal move); a retry cannot help.</summary>
    Refused,
}

public sealed record AssistanceReceipt(AssistanceReceiptOutcome Outcome, string? Reason, AssistanceRequest? Request);

/// <summary>
/// The liaison desk of one node for mutual-assistance requests: the applicant's side (new, withdraw) and the requested
/// authority's (acknowledge, answer, decline), and the messages from partners (<see cref="ReceiveAsync"/>). Each move is
/// checked by the <see cref="AssistanceRequest"/> aggregate, stored with its message (migration 0008_assistance),
/// recorded in the ledger, then handed to <c>send</c> (the outbox). Commands throw <see cref="AssistanceException"/>.
/// </summary>
public sealed class AssistanceDesk
{
    public const string SubjectPrefix = "assistance-request:";

    private readonly NodeDatabase _database;
    private readonly LedgerStore _ledger;
    private readonly TimeProvider _time;
    private readonly Func<IReadOnlyList<Agreement>> _agreementsInForce;
    private readonly Func<AssistanceMessage, CancellationToken, Task> _send;
    private readonly byte[] _subjectKey;

    /// <param name="node">This node's code.</param>
    /// <param name="database">The node's database, migrated.</param>
    /// <param name="ledger">The node's ledger.</param>
    /// <param name="time">The clock deadlines and entries are read from.</param>
    /// <param name="agreementsInForce">The agreements in force now (highest version per id).</param>
    /// <param name="send">Hands a message to the transport (the outbox); called after the move is stored and recorded.</param>
    /// <param name="subjectKey">The node's subject key: parties named in a request appear in the ledger only as keyed tags.</param>
    public AssistanceDesk(string node, NodeDatabase database, LedgerStore ledger, TimeProvider time, Func<IReadOnlyList<Agreement>> agreementsInForce,
        Func<AssistanceMessage, CancellationToken, Task> send, ReadOnlyMemory<byte> subjectKey)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(node);
        if (subjectKey.Length < 16) throw new ArgumentException("the subject key has at least 16 bytes", nameof(subjectKey));
        Node = node;
        _database = database;
        _ledger = ledger;
        _time = time;
        _agreementsInForce = agreementsInForce;
        _send = send;
        _subjectKey = subjectKey.ToArray();
    }

    public string Node { get; }

    /// <summary>
    /// Creates a request as the applicant, after checking its legal basis (the decision is recorded in the ledger either
    /// way), stores it, records it and sends it. Throws <see cref="AssistanceException"/>: invalid fields, or no legal basis.
    /// </summary>
    public async Task<AssistanceRequest> NewAsync(AssistanceDraft draft, string user, CancellationToken cancellationToken = default)
    {
        var now = _time.GetUtcNow();
        var problems = new List<AssistanceProblem>();
        Require(draft.To, "/to", AssistanceText.MaxCode, problems);
        Require(draft.AgreementId, "/agreement", AssistanceText.MaxId, problems);
        Require(draft.LegalBasis, "/legalBasis", AssistanceText.MaxLong, problems);
        Require(draft.CaseReference, "/caseReference", AssistanceText.MaxShort, problems);
        Require(draft.Subject, "/subject", AssistanceText.MaxLong, problems);
        if (draft.To == Node) problems.Add(new("/to", $"{Node} is this node: a request goes to another authority"));
        for (var i = 0; i < draft.Declarations.Count; i++)
            if (string.IsNullOrWhiteSpace(draft.Declarations[i]) || draft.Declarations[i].Length > 35) problems.Add(new($"/declarations/{i}", "expected an MRN (at most 35 characters)"));
        for (var i = 0; i < draft.Parties.Count; i++)
            if (string.IsNullOrWhiteSpace(draft.Parties[i]) || draft.Parties[i].Length > AssistanceText.MaxShort) problems.Add(new($"/parties/{i}", "expected a party identifier (EORI, TIN...)"));
        if (draft.AnswerBy is { } wanted && wanted <= now) problems.Add(new("/answerBy", $"expected a time after now ({AssistanceText.Time(now)})"));
        AssistanceException.ThrowIf(AssistanceError.Invalid, problems);

        var id = $"{Node}-AR-{now:yyyyMMdd}-{RandomNumberGenerator.GetHexString(8, lowercase: true)}";
        var inForce = _agreementsInForce();
        var check = AssistanceLegalBasis.Check(inForce, Node, draft.To, draft.AgreementId, draft.LegalBasis, draft.Purpose, draft.CaseReference, now);
        var actor = new LedgerActor(user, Node);
        await _ledger.AppendAsync(LedgerKinds.PolicyDecision, actor, DecisionRecord.Body(check.Access, check.Recorded, Subjects(id, draft.Parties)), cancellationToken);
        if (!check.Holds) throw new AssistanceException(AssistanceError.NoLegalBasis, check.Problems);

        var answerBy = check.AnswerBy;
        if (draft.AnswerBy is { } earlier)
        {
            if (answerBy is { } limit && earlier > limit)
                throw new AssistanceException(AssistanceError.Invalid, "/answerBy",
                    $"{draft.AgreementId} sets the answer-by time at {AssistanceText.Time(limit)}; the applicant may set an earlier one, not a later one");
            answerBy = earlier;
        }
        var agreement = AgreementReference.Of(inForce.First(a => a.Id == draft.AgreementId));
        var message = AssistanceRequest.Compose(id, Node, draft, agreement, answerBy, now);
        var request = AssistanceRequest.Start(message);
        await _ledger.AppendAsync(async (connection, transaction, ct) =>
        {
            if (!await AssistanceStore.InsertAsync(_database, connection, transaction, request, AssistanceRole.Applicant, ct))
                throw new InvalidOperationException($"request id {id} exists already");
            return [Record(request, message, actor, null)];
        }, cancellationToken);
        await _send(message, cancellationToken);
        return request;
    }

    /// <summary>The requested authority acknowledges receipt, optionally with its own reference.</summary>
    public Task<AssistanceRequest> AcknowledgeAsync(string id, string user, string? reference = null, CancellationToken cancellationToken = default) =>
        MoveAsync(id, user, r => r.Acknowledge(Node, reference, _time.GetUtcNow()), cancellationToken);

    /// <summary>The requested authority answers one part (text, JSON data or both); <paramref name="final"/> completes the answer.</summary>
    public Task<AssistanceRequest> AnswerAsync(string id, string? text, JsonObject? data, bool final, string user, CancellationToken cancellationToken = default) =>
        MoveAsync(id, user, r => r.Answer(Node, text, data, final, _time.GetUtcNow()), cancellationToken);

    /// <summary>The requested authority declines, with its grounds.</summary>
    public Task<AssistanceRequest> DeclineAsync(string id, string grounds, string user, CancellationToken cancellationToken = default) =>
        MoveAsync(id, user, r => r.Decline(Node, grounds, _time.GetUtcNow()), cancellationToken);

    /// <summary>The applicant withdraws its request before it is answered.</summary>
    public Task<AssistanceRequest> WithdrawAsync(string id, string? reason, string user, CancellationToken cancellationToken = default) =>
        MoveAsync(id, user, r => r.Withdraw(Node, reason, _time.GetUtcNow()), cancellationToken);

    public async Task<AssistanceRequest?> GetAsync(string id, CancellationToken cancellationToken = default)
    {
        if (!AssistanceRequest.IsId(id)) return null;
        await using var connection = await _database.ConnectAsync(cancellationToken);
        return await AssistanceStore.LoadAsync(_database, connection, null, id, lockIt: false, cancellationToken);
    }

    public Task<IReadOnlyList<AssistanceSummary>> ListAsync(AssistanceFilter filter, CancellationToken cancellationToken = default) =>
        AssistanceStore.ListAsync(_database, filter, _time.GetUtcNow(), cancellationToken);

    /// <summary>
    /// Applies a message from a partner, once: the same message again changes nothing (<see cref="AssistanceReceiptOutcome.Duplicate"/>).
    /// A request is checked against this node's own agreements; without a legal basis it is declined automatically. A
    /// message that cannot be applied is refused and recorded, never thrown; only storage failures throw (retry then).
    /// </summary>
    public async Task<AssistanceReceipt> ReceiveAsync(AssistanceMessage message, CancellationToken cancellationToken = default)
    {
        var partner = new LedgerActor("node:" + message.From, message.From);
        if (message.To != Node) return await RefuseAsync(message, partner, $"addressed to {message.To}, not to this node ({Node})", cancellationToken);
        if (message.Payload.Count != 1 || message.Payload[message.PayloadMember] is null)
            return await RefuseAsync(message, partner, $"a {PolicyEngine.Name(message.Kind)} carries only \"{message.PayloadMember}\"", cancellationToken);
        if (message.Kind == AssistanceMessageKind.Request) return await ReceiveRequestAsync(message, partner, cancellationToken);

        AssistanceReceipt? receipt = null;
        await _ledger.AppendAsync(async (connection, transaction, ct) =>
        {
            var request = AssistanceRequest.IsId(message.RequestId)
                ? await AssistanceStore.LoadAsync(_database, connection, transaction, message.RequestId, lockIt: true, ct)
                : null;
            if (request is null) return [Refuse(message, partner, $"no request {message.RequestId} at {Node}", out receipt)];
            if (request.Knows(message))
            {
                receipt = new AssistanceReceipt(AssistanceReceiptOutcome.Duplicate, null, request);
                return [];
            }
            try
            {
                request.Apply(message);
            }
            catch (AssistanceException e)
            {
                return [Refuse(message, partner, e.Message, out receipt)];
            }
            await AssistanceStore.AppendAsync(_database, connection, transaction, request, ct);
            receipt = new AssistanceReceipt(AssistanceReceiptOutcome.Applied, null, request);
            return [Record(request, message, partner, null)];
        }, cancellationToken);
        return receipt!;
    }

    private async Task<AssistanceReceipt> ReceiveRequestAsync(AssistanceMessage message, LedgerActor partner, CancellationToken cancellationToken)
    {
        AssistanceRequest request;
        try
        {
            request = AssistanceRequest.Start(message);
        }
        catch (AssistanceException e)
        {
            return await RefuseAsync(message, partner, e.Message, cancellationToken);
        }
        var check = AssistanceLegalBasis.Check(_agreementsInForce(), request.Applicant, Node, request.Agreement.Id, request.LegalBasis, request.Purpose,
            request.CaseReference, request.CreatedAt);
        var system = new LedgerActor("entente", Node);
        AssistanceReceipt? refused = null;
        await _ledger.AppendAsync(async (connection, transaction, ct) =>
        {
            if (!await AssistanceStore.InsertAsync(_database, connection, transaction, request, AssistanceRole.Requested, ct))
            {
                var existing = await AssistanceStore.LoadAsync(_database, connection, transaction, message.RequestId, lockIt: false, ct);
                if (existing is not null && existing.Knows(message))
                {
                    refused = new AssistanceReceipt(AssistanceReceiptOutcome.Duplicate, null, existing);
                    return [];
                }
                return [Refuse(message, partner, $"request id {message.RequestId} is taken by another request", out refused)];
            }
            return
            [
                Record(request, message, partner, null),
                LedgerEntry.Now(_time, LedgerKinds.PolicyDecision, system, DecisionRecord.Body(check.Access, check.Recorded, Subjects(request.Id, request.Parties))),
            ];
        }, cancellationToken);
        if (refused is not null) return refused;
        if (check.Holds) return new AssistanceReceipt(AssistanceReceiptOutcome.Applied, null, request);

        var declined = await MoveAsync(request.Id, system.User, r => r.Decline(Node, check.Grounds, _time.GetUtcNow()), cancellationToken, automatic: check.Recorded.Reason);
        return new AssistanceReceipt(AssistanceReceiptOutcome.Declined, check.Grounds, declined);
    }

    private async Task<AssistanceRequest> MoveAsync(string id, string user, Func<AssistanceRequest, AssistanceMessage> move, CancellationToken cancellationToken, string? automatic = null)
    {
        AssistanceRequest? request = null;
        AssistanceMessage? message = null;
        await _ledger.AppendAsync(async (connection, transaction, ct) =>
        {
            request = (AssistanceRequest.IsId(id) ? await AssistanceStore.LoadAsync(_database, connection, transaction, id, lockIt: true, ct) : null)
                ?? throw new AssistanceException(AssistanceError.NotFound, "/id", $"no assistance request {id} at {Node}");
            message = move(request);
            await AssistanceStore.AppendAsync(_database, connection, transaction, request, ct);
            return [Record(request, message, new LedgerActor(user, Node), automatic)];
        }, cancellationToken);
        await _send(message!, cancellationToken);
        return request!;
    }

    private LedgerEntry Record(AssistanceRequest request, AssistanceMessage message, LedgerActor actor, string? automatic)
    {
        var body = AssistanceLedger.Body(request, message, Node, _subjectKey);
        if (automatic is not null)
        {
            body["automatic"] = true;
            body["reason"] = automatic;
        }
        return LedgerEntry.Now(_time, AssistanceLedger.KindOf(message, Node), actor, body);
    }

    private async Task<AssistanceReceipt> RefuseAsync(AssistanceMessage message, LedgerActor partner, string reason, CancellationToken cancellationToken)
    {
        await _ledger.AppendAsync(Refuse(message, partner, reason, out var receipt), cancellationToken);
        return receipt;
    }

    private LedgerEntry Refuse(AssistanceMessage message, LedgerActor partner, string reason, out AssistanceReceipt receipt)
    {
        receipt = new AssistanceReceipt(AssistanceReceiptOutcome.Refused, reason, null);
        return LedgerEntry.Now(_time, AssistanceLedger.Refused, partner, new JsonObject
        {
            ["request"] = message.RequestId,
            ["kind"] = PolicyEngine.Name(message.Kind),
            ["from"] = message.From,
            ["to"] = message.To,
            ["agreement"] = new JsonObject { ["id"] = message.AgreementId },
            ["purpose"] = PolicyEngine.Name(message.Purpose),
            ["message"] = message.Digest,
            ["reason"] = reason,
            [LedgerSubjects.Field] = LedgerSubjects.ToJson([SubjectPrefix + message.RequestId, AgreementWatch.Subject(message.AgreementId)]),
        });
    }

    private List<string> Subjects(string id, IEnumerable<string> parties) =>
        [SubjectPrefix + id, .. parties.Select(p => LedgerSubjects.Party(_subjectKey, p))];

    private static void Require(string? value, string field, int max, List<AssistanceProblem> problems)
    {
        if (string.IsNullOrWhiteSpace(value)) problems.Add(new(field, "required"));
        else if (value.Length > max) problems.Add(new(field, $"at most {max} characters"));
    }
}

/// <summary>The ledger entries of assistance requests (pure): request id, agreement id/version/hash, purpose, case reference; parties only as keyed tags, texts only as digests.</summary>
public static class AssistanceLedger
{
    public const string Sent = LedgerKinds.AssistanceRequestSent;
    public const string Received = LedgerKinds.AssistanceRequestReceived;
    public const string Acknowledged = LedgerKinds.AssistanceRequestAcknowledged;
    public const string Answered = LedgerKinds.AssistanceRequestAnswered;
    public const string Declined = LedgerKinds.AssistanceRequestDeclined;
    public const string Withdrawn = LedgerKinds.AssistanceRequestWithdrawn;
    public const string Refused = LedgerKinds.AssistanceMessageRefused;

    public static string KindOf(AssistanceMessage message, string node) => message.Kind switch
    {
        AssistanceMessageKind.Request => message.From == node ? Sent : Received,
        AssistanceMessageKind.Acknowledgement => Acknowledged,
        AssistanceMessageKind.Answer => Answered,
        AssistanceMessageKind.Decline => Declined,
        _ => Withdrawn,
    };

    public static JsonObject Body(AssistanceRequest request, AssistanceMessage message, string node, ReadOnlySpan<byte> subjectKey)
    {
        var subjects = new List<string> { AssistanceDesk.SubjectPrefix + request.Id, AgreementWatch.Subject(request.Agreement.Id) };
        foreach (var party in request.Parties) subjects.Add(LedgerSubjects.Party(subjectKey, party));
        var body = new JsonObject
        {
            ["request"] = request.Id,
            ["role"] = PolicyEngine.Name(request.RoleOf(node)),
            ["direction"] = message.From == node ? "sent" : "received",
            ["from"] = message.From,
            ["to"] = message.To,
            ["agreement"] = new JsonObject { ["id"] = request.Agreement.Id, ["version"] = request.Agreement.Version, ["hash"] = request.Agreement.ContentHash },
            ["purpose"] = PolicyEngine.Name(request.Purpose),
            ["caseReference"] = request.CaseReference,
            ["status"] = PolicyEngine.Name(request.Status),
            ["message"] = message.Digest,
            [LedgerSubjects.Field] = LedgerSubjects.ToJson(subjects),
        };
        if (message.Kind == AssistanceMessageKind.Request)
        {
            body["answerBy"] = request.AnswerBy is { } by ? AssistanceText.Time(by) : null;
            body["declarations"] = AssistanceText.Array(request.Declarations);
            body["subject"] = Digest(request.Subject);
        }
        if (message.Kind == AssistanceMessageKind.Answer)
        {
            body["part"] = request.Parts[^1].Number;
            body["final"] = request.Parts[^1].Final;
        }
        if (message.Kind == AssistanceMessageKind.Decline) body["grounds"] = Digest(request.DeclineGrounds ?? "");
        return body;
    }

    private static string Digest(string text) => "sha256:" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)));
}
