using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using Entente.Access;
using Entente.Agreements;
using Entente.Ledger;
using Microsoft.Extensions.Logging;

namespace Entente.Exchange;

/// <summary>A partner as the exchange needs it: where it listens, the key it signs with (and its id), the key to encrypt to.</summary>
public sealed record ExchangePartner(string Code, Uri Endpoint, ECDsa SigningKey, string KeyId, ECDiffieHellman EncryptionKey);

/// <summary>
/// Data this node offers a partner: the recipient, category, purpose and kind of message, the canonical document, and
/// optionally the conversation it continues, the agreement relied on, the alert category and the case reference.
/// <see cref="Subjects"/> name what the ledger entry is about (declaration ids, party tags).
/// </summary>
public sealed record Disclosure(string Recipient, DataCategory Category, Purpose Purpose, string Kind, JsonObject Document)
{
    public string? ConversationId { get; init; }

    public string? AgreementId { get; init; }

    public string? AlertCategory { get; init; }

    public string? CaseReference { get; init; }

    public IReadOnlyList<string> Subjects { get; init; } = [];

    /// <summary>
    /// The identifiers of the parties a declaration names: one the projection does not disclose in clear is masked
    /// wherever else it appears in what is sent (a DUCR, a previous document...), as in a local read.
    /// </summary>
    public IReadOnlyList<string> PartyIds { get; init; } = [];

    /// <summary>How long the envelope stays valid; the node's default when null.</summary>
    public TimeSpan? ValidFor { get; init; }

    /// <summary>The received message this one passes on (onward transfer), recorded with the disclosure.</summary>
    public string? ForwardOf { get; init; }

    /// <summary>When the message was made (a feature's own time for it); now when null.</summary>
    public DateTimeOffset? CreatedAt { get; init; }
}

/// <summary>A disclosure queued (permitted, projected, sealed) or refused by the policy.</summary>
public abstract record DisclosureOutcome
{
    public sealed record Queued(OutboxItem Item, Permit Permit, JsonObject Projected) : DisclosureOutcome;

    public sealed record Refused(Deny Deny) : DisclosureOutcome;
}

/// <summary>
/// One node's side of the exchange: it decides, projects, seals and queues what it discloses (every disclosure a
/// policy decision in the ledger), and opens, checks, stores and receipts what partners send (every acceptance and
/// every authenticated refusal in the ledger). The transport (<see cref="OutboxDispatcher"/>, the HTTP endpoint)
/// moves bytes; this class makes every decision about them.
/// </summary>
public sealed class ExchangeNode
{
    public static readonly TimeSpan DefaultValidity = TimeSpan.FromDays(30);

    private readonly ECDsa _signingKey;
    private readonly ECDiffieHellman _encryptionKey;
    private readonly byte[] _pseudonymKey;
    private readonly Func<string, CancellationToken, Task<ExchangePartner?>> _partner;
    private readonly Func<DateTimeOffset, IReadOnlyList<Agreement>> _agreements;
    private readonly Dictionary<string, Func<InboxItem, JsonObject, CancellationToken, Task>> _handlers = new(StringComparer.Ordinal);
    private readonly Dictionary<string, Func<EnvelopeHeader, JsonObject, CancellationToken, Task<string?>>> _checks = new(StringComparer.Ordinal);
    private readonly ILogger _logger;
    private readonly AgreedSecrets _secrets = new();

    public ExchangeNode(
        string code, ECDsa signingKey, string keyId, ECDiffieHellman encryptionKey, byte[] pseudonymKey,
        ExchangeStore store, LedgerStore ledger, TimeProvider time,
        Func<string, CancellationToken, Task<ExchangePartner?>> partner,
        Func<DateTimeOffset, IReadOnlyList<Agreement>> agreementsInForce,
        ExchangeMetrics metrics, ILogger logger)
    {
        Code = code;
        KeyId = keyId;
        _signingKey = signingKey;
        _encryptionKey = encryptionKey;
        _pseudonymKey = pseudonymKey;
        Store = store;
        Ledger = ledger;
        Time = time;
        _partner = partner;
        _agreements = agreementsInForce;
        Metrics = metrics;
        _logger = logger;
        Handle(OnwardConsent.Kind, ReceiveConsentAsync);
    }

    public string Code { get; }

    public string KeyId { get; }

    public ExchangeStore Store { get; }

    public LedgerStore Ledger { get; }

    public TimeProvider Time { get; }

    public ExchangeMetrics Metrics { get; }

    /// <summary>Raised after messages are queued, so a dispatcher in this process sends them at once.</summary>
    public event Action? Queued;

    private LedgerActor NodeActor => new("exchange", Code);

    public Task<ExchangePartner?> PartnerAsync(string code, CancellationToken cancellationToken) => _partner(code, cancellationToken);

    public IReadOnlyList<Agreement> AgreementsInForce(DateTimeOffset at) => _agreements(at);

    /// <summary>
    /// Registers what happens to an accepted message of a kind (an assistance request, a seizure report...), and
    /// optionally the check its payload must pass on receipt (null, or what is wrong naming the field): a payload the
    /// handler could not process is refused with a signed negative receipt rather than stored.
    /// </summary>
    public void Handle(string kind, Func<InboxItem, JsonObject, CancellationToken, Task> handler, Func<JsonObject, string?>? check = null)
    {
        _handlers[kind] = handler;
        if (check is not null) _checks[kind] = (_, payload, _) => Task.FromResult(check(payload));
    }

    /// <summary>As <see cref="Handle(string, Func{InboxItem, JsonObject, CancellationToken, Task}, Func{JsonObject, string?})"/>, with a check that also reads the header (sender, agreement).</summary>
    public void Handle(string kind, Func<InboxItem, JsonObject, CancellationToken, Task> handler, Func<EnvelopeHeader, JsonObject, string?> check)
    {
        _handlers[kind] = handler;
        _checks[kind] = (header, payload, _) => Task.FromResult(check(header, payload));
    }

    /// <summary>As the other overloads, with a check that reads the node's store (is the alert named one of this node's?).</summary>
    public void Handle(string kind, Func<InboxItem, JsonObject, CancellationToken, Task> handler, Func<EnvelopeHeader, JsonObject, CancellationToken, Task<string?>> check)
    {
        _handlers[kind] = handler;
        _checks[kind] = check;
    }

    /// <summary>
    /// Discloses a document to a partner: the policy decides under the agreements in force (trying each agreement
    /// between the two as the legal basis unless one is named), the document is projected by the permit's
    /// obligations (dropped, masked and pseudonymised fields never leave), sealed and queued; the decision is in the
    /// ledger either way.
    /// </summary>
    public async Task<DisclosureOutcome> DiscloseAsync(Disclosure disclosure, LedgerActor actor, CancellationToken cancellationToken = default)
    {
        var outcomes = await DiscloseAsync([disclosure], actor, cancellationToken);
        return outcomes[0];
    }

    public async Task<IReadOnlyList<DisclosureOutcome>> DiscloseAsync(IReadOnlyList<Disclosure> disclosures, LedgerActor actor, CancellationToken cancellationToken = default)
    {
        IReadOnlyList<DisclosureOutcome> outcomes = [];
        // The outbox rows and their disclosure-prepared entries (with this batch's refusals) commit in one transaction.
        await Ledger.AppendAsync(async (connection, transaction, ct) =>
        {
            var within = await DiscloseWithinAsync(connection, transaction, disclosures, actor, ct);
            outcomes = within.Outcomes;
            return within.Entries;
        }, cancellationToken);
        if (outcomes.Any(o => o is DisclosureOutcome.Queued)) Queued?.Invoke();
        return outcomes;
    }

    /// <summary>Tells a dispatcher in this process that messages were queued (after the transaction of <see cref="DiscloseWithinAsync"/> committed).</summary>
    public void NotifyQueued() => Queued?.Invoke();

    /// <summary>
    /// As <see cref="DiscloseAsync(IReadOnlyList{Disclosure}, LedgerActor, CancellationToken)"/> inside a feature's own
    /// ledger transaction: the outbox rows are written on <paramref name="connection"/> and <paramref name="transaction"/>,
    /// and the ledger entries (decisions, disclosure-prepared) are returned for the caller's change to append, so what
    /// the feature stores and the messages that announce it commit together, or neither does. Call
    /// <see cref="NotifyQueued"/> after the commit.
    /// </summary>
    public async Task<(IReadOnlyList<DisclosureOutcome> Outcomes, IReadOnlyList<LedgerEntry> Entries)> DiscloseWithinAsync(
        System.Data.Common.DbConnection connection, System.Data.Common.DbTransaction transaction, IReadOnlyList<Disclosure> disclosures, LedgerActor actor,
        CancellationToken cancellationToken = default)
    {
        var now = Time.GetUtcNow();
        var inForce = _agreements(now);
        var outcomes = new DisclosureOutcome?[disclosures.Count];
        var entries = new List<LedgerEntry>(disclosures.Count);
        var queue = new List<(int Index, EnvelopeHeader Header, byte[] Payload, Permit Permit, JsonObject Projected, AccessRequest Request)>();
        var partners = new Dictionary<string, ExchangePartner?>(StringComparer.Ordinal);
        for (var i = 0; i < disclosures.Count; i++)
        {
            var d = disclosures[i];
            var fields = FieldsOf(d.Document);
            var request = new AccessRequest(Code, new Requester(d.Recipient), d.Recipient, d.Category, d.Purpose, fields, now)
            {
                AlertCategory = d.AlertCategory,
                CaseReference = d.CaseReference,
            };
            var decision = Decide(inForce, request, d.AgreementId);
            if (!partners.TryGetValue(d.Recipient, out var partner)) partners[d.Recipient] = partner = await _partner(d.Recipient, cancellationToken);
            if (decision is Permit && partner is null)
                decision = new Deny([$"{d.Recipient} is not in the partner directory of {Code} (entente partner add)"], decision.Agreements);
            if (decision is not Permit permit)
            {
                var deny = (Deny)decision;
                outcomes[i] = new DisclosureOutcome.Refused(deny);
                entries.Add(LedgerEntry.Now(Time, LedgerKinds.PolicyDecision, actor, DecisionRecord.Body(request with { LegalBasis = d.AgreementId }, deny, d.Subjects)));
                continue;
            }
            var agreement = permit.Agreements[0];
            var projected = PolicyEngine.Project(d.Document, permit.Obligations, _pseudonymKey);
            if (d.PartyIds.Count > 0) ListWithheld(projected, EmbeddedIdentifiers.NotDisclosedIn(projected, d.PartyIds).LeaveOutOf(projected));
            var header = new EnvelopeHeader(
                NewId("m"), d.ConversationId ?? NewId("c"), 1, d.Kind, Code, d.Recipient, agreement.Id, agreement.ContentHash,
                d.Purpose, d.Category, permit.Obligations.HandlingCode, permit.Obligations.Evaluation, d.CreatedAt ?? now, (d.CreatedAt ?? now) + (d.ValidFor ?? DefaultValidity))
            {
                AlertCategory = d.AlertCategory,
                CaseReference = d.CaseReference,
            };
            if (HeaderRules.Check(header) is { } broken)
            {
                // What the partner would refuse is not sent: the same rules apply on both sides.
                var deny = new Deny([$"{broken.Name}: {broken.Detail}"], permit.Agreements);
                outcomes[i] = new DisclosureOutcome.Refused(deny);
                entries.Add(LedgerEntry.Now(Time, LedgerKinds.PolicyDecision, actor, DecisionRecord.Body(request with { LegalBasis = agreement.Id }, deny, d.Subjects)));
                continue;
            }
            queue.Add((i, header, Encoding.UTF8.GetBytes(projected.ToJsonString()), permit, projected, request with { LegalBasis = agreement.Id }));
        }
        if (queue.Count == 0) return (outcomes.Select(o => o!).ToArray(), entries);

        // One ephemeral key per recipient for this batch; each message still has its own content key.
        var agreements = new Dictionary<string, EphemeralAgreement>(StringComparer.Ordinal);
        IReadOnlyList<OutboxItem> items;
        try
        {
            items = await ExchangeStore.EnqueueAsync(connection, transaction, queue.Select(q => (q.Header, q.Payload)).ToArray(), (header, payload) =>
            {
                if (!agreements.TryGetValue(header.Recipient, out var agreement))
                    agreements[header.Recipient] = agreement = EphemeralAgreement.With(partners[header.Recipient]!.EncryptionKey);
                return Envelope.Seal(header, payload, _signingKey, KeyId, agreement);
            }, now, cancellationToken);
        }
        finally
        {
            foreach (var a in agreements.Values) a.Dispose();
        }
        for (var k = 0; k < queue.Count; k++)
        {
            var (index, _, _, permit, projected, request) = queue[k];
            var item = items[k];
            outcomes[index] = new DisclosureOutcome.Queued(item, permit, projected);
            var body = DecisionRecord.Body(request, permit, disclosures[index].Subjects);
            if (disclosures[index].ForwardOf is { } original) body["forwardOf"] = original;
            body["message"] = new JsonObject
            {
                ["id"] = item.MessageId,
                ["conversation"] = item.ConversationId,
                ["sequence"] = item.ConversationSeq,
                ["kind"] = item.Kind,
                ["digest"] = ExchangeStore.Hex(item.Digest),
            };
            entries.Add(LedgerEntry.Now(Time, LedgerKinds.DisclosurePrepared, actor, body));
        }
        return (outcomes.Select(o => o!).ToArray(), entries);
    }

    /// <summary>
    /// Passes a received message on to a third node: only if the provider's terms allow it (<see cref="OnwardRule"/>:
    /// forbidden, allowed-to, with-consent, H2, H3) and then only as the agreement with that node permits (the usual
    /// decision and projection). A refusal is a policy decision in the ledger.
    /// </summary>
    public async Task<DisclosureOutcome> ForwardAsync(string messageId, string recipient, Purpose purpose, LedgerActor actor, CancellationToken cancellationToken = default)
    {
        var received = await Store.GetInboxAsync(messageId, cancellationToken) ?? throw new KeyNotFoundException($"no received message '{messageId}' at {Code}");
        var document = received.ErasedAt is null ? (JsonNode.Parse(received.Payload) as JsonObject)! : [];
        AgreementDocument.TryEnum<DataCategory>(received.Category, out var category);
        var consented = await Store.HasConsentAsync(messageId, recipient, cancellationToken);
        var erased = received.ErasedAt is { } erasedAt
            ? $"{messageId} was erased at retention on {erasedAt.UtcDateTime:yyyy-MM-dd}: nothing is left to pass on"
            : null;
        if ((erased ?? OnwardRule.Check(received, recipient, consented)) is { } reason)
        {
            var now = Time.GetUtcNow();
            var request = new AccessRequest(received.Sender, new Requester(recipient), recipient, category, purpose, FieldsOf(document), now);
            var deny = new Deny([$"onward transfer refused: {reason}"], []);
            var body = DecisionRecord.Body(request, deny);
            body["forwardOf"] = messageId;
            await Ledger.AppendAsync(LedgerEntry.Now(Time, LedgerKinds.PolicyDecision, actor, body), cancellationToken);
            _logger.LogWarning("Refused to pass {MessageId} on to {Recipient}: {Reason}", messageId, recipient, reason);
            return new DisclosureOutcome.Refused(deny);
        }
        return await DiscloseAsync(new Disclosure(recipient, category, purpose, received.Kind, document) { ForwardOf = messageId }, actor, cancellationToken);
    }

    /// <summary>
    /// As the provider of a message this node sent, consents to its recipient passing it on to <paramref name="to"/>:
    /// the consent travels to the holder as an "onward-consent" message and is in both ledgers.
    /// </summary>
    public async Task<OutboxItem> ConsentAsync(string messageId, string to, LedgerActor actor, CancellationToken cancellationToken = default)
    {
        var sent = await Store.GetOutboxAsync(messageId, cancellationToken) ?? throw new KeyNotFoundException($"no message '{messageId}' sent by {Code}");
        var original = Envelope.Read(sent.Envelope).Header;
        if (await _partner(original.Recipient, cancellationToken) is not { } holder)
            throw new InvalidOperationException($"{original.Recipient} is not in the partner directory of {Code}");
        var now = Time.GetUtcNow();
        var header = original with
        {
            MessageId = NewId("m"),
            Sequence = 1,
            Kind = OnwardConsent.Kind,
            CreatedAt = now,
            ExpiresAt = now + DefaultValidity,
        };
        var payload = Encoding.UTF8.GetBytes(OnwardConsent.Payload(messageId, to).ToJsonString());
        IReadOnlyList<OutboxItem> items = [];
        await Ledger.AppendAsync(async (connection, transaction, ct) =>
        {
            items = await ExchangeStore.EnqueueAsync(connection, transaction, [(header, payload)],
                (h, p) => Envelope.Seal(h, p, _signingKey, KeyId, holder.EncryptionKey), now, ct);
            return [LedgerEntry.Now(Time, LedgerKinds.OnwardConsent, actor, new JsonObject
            {
                ["message"] = messageId,
                ["holder"] = original.Recipient,
                ["recipient"] = to,
                ["consentMessage"] = items[0].MessageId,
                ["agreement"] = new JsonObject { ["id"] = original.AgreementId, ["hash"] = original.AgreementHash },
                [LedgerSubjects.Field] = LedgerSubjects.ToJson([AgreementWatch.Subject(original.AgreementId)]),
            })];
        }, cancellationToken);
        Queued?.Invoke();
        return items[0];
    }

    private async Task ReceiveConsentAsync(InboxItem item, JsonObject payload, CancellationToken cancellationToken)
    {
        if (OnwardConsent.Read(payload) is not var (messageId, recipient)) return;
        var original = await Store.GetInboxAsync(messageId, cancellationToken);
        if (original is null || original.Sender != item.Sender)
        {
            _logger.LogWarning("{Sender} consented to passing on {MessageId}, which it did not send here; ignored", item.Sender, messageId);
            return;
        }
        await Store.AddConsentAsync(messageId, recipient, item.Sender, item.ReceivedAt, item.MessageId, cancellationToken);
    }

    private static Decision Decide(IReadOnlyList<Agreement> inForce, AccessRequest request, string? agreementId)
    {
        if (agreementId is not null) return PolicyEngine.Decide(inForce, request with { LegalBasis = agreementId });
        foreach (var a in inForce)
        {
            if (a.Party(request.Provider) is null || a.Party(request.Recipient) is null || !a.Rules.Any(r => r.Category == request.Category)) continue;
            if (PolicyEngine.Decide(inForce, request with { LegalBasis = a.Id }) is Permit permit) return permit;
        }
        return PolicyEngine.Decide(inForce, request);
    }

    /// <summary>
    /// Receives a batch: opens and checks every envelope, stores the accepted ones in the sender's order with their
    /// signed receipts, records acceptances and authenticated refusals in the ledger, hands accepted messages to
    /// their feature, and answers one result per envelope. A duplicate gets the receipt it got the first time.
    /// </summary>
    public async Task<IReadOnlyList<DeliveryResult>> ReceiveAsync(IReadOnlyList<byte[]> envelopes, string? remote, CancellationToken cancellationToken = default)
    {
        var now = Time.GetUtcNow();
        var results = new DeliveryResult?[envelopes.Count];
        var senders = new Dictionary<string, ExchangePartner?>(StringComparer.Ordinal);
        foreach (var envelope in envelopes)
        {
            string sender;
            try
            {
                sender = Envelope.Read(envelope).Header.Sender;
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                continue; // Refused as malformed by Open below.
            }
            // The directory is this node's own store: its failure is the receiver's (a 5xx, retried), never a refusal.
            if (!senders.ContainsKey(sender)) senders[sender] = await _partner(sender, cancellationToken);
        }
        (ECDsa, string)? KeyOf(string sender) => senders.GetValueOrDefault(sender) is { } p ? (p.SigningKey, p.KeyId) : null;

        var opened = new List<(int Index, EnvelopeOpening.Opened Opened)>();
        var refusals = new List<(int Index, Rejection Rejection, EnvelopeHeader? Header, byte[] Digest, bool Authenticated)>();
        for (var i = 0; i < envelopes.Count; i++)
        {
            switch (OpenOne(envelopes[i], KeyOf, now))
            {
                case EnvelopeOpening.Opened o:
                    opened.Add((i, o));
                    break;
                case EnvelopeOpening.Refused r:
                    var authenticated = r.Header is not null && r.Rejection.Code is RejectionCode.Expired or RejectionCode.NotYetValid or RejectionCode.Undecryptable;
                    refusals.Add((i, r.Rejection, r.Header, r.Digest, authenticated));
                    break;
            }
        }

        var seen = await Store.InboxDigestsAsync(opened.Select(o => o.Opened.Header.MessageId).Distinct().ToArray(), cancellationToken);
        var inForce = _agreements(now);
        var entries = new List<InboxEntry>();
        var pending = new List<(int Index, InboxItem Item, int Entry)>();
        var inBatch = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var (index, o) in opened)
        {
            var h = o.Header;
            if (inBatch.TryGetValue(h.MessageId, out var first))
            {
                results[index] = envelopes[first].AsSpan().SequenceEqual(envelopes[index])
                    ? null // answered with the first one's result below
                    : new DeliveryResult(h.MessageId, o.Digest, null, new Rejection(RejectionCode.Replay, $"message {h.MessageId} appears twice in the batch with other content"));
                continue;
            }
            inBatch[h.MessageId] = index;
            var before = seen.GetValueOrDefault(h.MessageId);
            switch (await CheckOneAsync(o, inForce, before.Digest, now, cancellationToken))
            {
                case AcceptanceResult.Duplicate:
                    results[index] = new DeliveryResult(h.MessageId, o.Digest, before.Receipt, null, Duplicate: true);
                    break;
                case AcceptanceResult.Refused r:
                    refusals.Add((index, r.Rejection, h, o.Digest, true));
                    break;
                case AcceptanceResult.Accepted a:
                    var obligations = a.Permit.Obligations;
                    var receipt = Receipt.Sign(h, o.Digest, now, _signingKey, KeyId);
                    var item = new InboxItem(h.MessageId, h.Sender, h.ConversationId, h.Sequence, h.Kind, PolicyEngine.Name(h.Category), PolicyEngine.Name(h.Purpose),
                        h.AgreementId, h.AgreementHash, h.HandlingCode.ToString(), h.Evaluation?.ToString(), obligations.OnwardTransfer.ToString(),
                        obligations.RetainUntil, now, envelopes[index], o.Digest, a.Payload.ToJsonString(), receipt);
                    pending.Add((index, item, entries.Count));
                    entries.Add(new InboxEntry(h.Sender, h.ConversationId, h.Sequence, item));
                    break;
            }
        }
        // Refusals after a valid signature take their place in the conversation (so they never block what follows);
        // a replay does not: its id already holds a place.
        var consumedAt = new Dictionary<int, int>();
        foreach (var r in refusals.Where(r => r.Authenticated && r.Header is not null && r.Rejection.Code != RejectionCode.Replay).OrderBy(r => r.Index))
        {
            consumedAt[r.Index] = entries.Count;
            entries.Add(new InboxEntry(r.Header!.Sender, r.Header.ConversationId, r.Header.Sequence, null));
        }
        // The sender's order is the batch order: sort the entries by their position in the batch.
        var order = pending.Select(p => (p.Index, p.Entry)).Concat(consumedAt.Select(c => (c.Key, c.Value))).OrderBy(x => x.Item1).ToArray();
        var ordered = order.Select(x => entries[x.Item2]).ToArray();
        var outcomes = ordered.Length == 0 ? [] : await Store.StoreAsync(ordered, cancellationToken);
        var outcomeOf = new Dictionary<int, InboxOutcome>();
        for (var k = 0; k < order.Length; k++) outcomeOf[order[k].Item1] = outcomes[k];

        var stored = new List<InboxItem>();
        foreach (var (index, item, _) in pending)
        {
            switch (outcomeOf[index])
            {
                case InboxOutcome.Stored:
                    results[index] = new DeliveryResult(item.MessageId, item.Digest, item.Receipt, null);
                    stored.Add(item);
                    break;
                case InboxOutcome.OutOfOrder:
                    results[index] = new DeliveryResult(item.MessageId, item.Digest, null,
                        new Rejection(RejectionCode.OutOfOrder, $"message {item.ConversationSeq} of conversation {item.ConversationId} came before an earlier one"));
                    break;
                case InboxOutcome.SequenceTaken or InboxOutcome.AlreadyStored:
                    // The same bytes stored meanwhile by a concurrent copy of this request are a duplicate, not a replay.
                    var again = await Store.InboxDigestsAsync([item.MessageId], cancellationToken);
                    if (again.TryGetValue(item.MessageId, out var s) && s.Digest.AsSpan().SequenceEqual(item.Digest))
                        results[index] = new DeliveryResult(item.MessageId, item.Digest, s.Receipt, null, Duplicate: true);
                    else if (outcomeOf[index] == InboxOutcome.SequenceTaken)
                        refusals.Add((index, new Rejection(RejectionCode.Replay, $"place {item.ConversationSeq} of conversation {item.ConversationId} is taken by another message"), null, item.Digest, true));
                    else
                        results[index] = new DeliveryResult(item.MessageId, item.Digest, null, new Rejection(RejectionCode.Replay, $"message {item.MessageId} was received before with other content"));
                    break;
            }
        }
        foreach (var (index, rejection, header, digest, authenticated) in refusals)
        {
            if (consumedAt.ContainsKey(index) && outcomeOf.TryGetValue(index, out var outcome) && outcome == InboxOutcome.OutOfOrder)
            {
                results[index] = new DeliveryResult(header?.MessageId, digest, null,
                    new Rejection(RejectionCode.OutOfOrder, $"message {header!.Sequence} of conversation {header.ConversationId} came before an earlier one"));
                continue;
            }
            results[index] = new DeliveryResult(header?.MessageId, digest, null, rejection);
        }
        // Every final refusal is signed, so the sender can give the message up knowing this node refused it.
        var headers = new Dictionary<int, EnvelopeHeader>();
        foreach (var (index, o) in opened) headers[index] = o.Header;
        foreach (var r in refusals.Where(r => r.Header is not null)) headers[r.Index] = r.Header!;
        var negatives = new Dictionary<int, byte[]>();
        for (var i = 0; i < results.Length; i++)
        {
            if (results[i] is not { Rejection: { Permanent: true } rejection } result) continue;
            negatives[i] = NegativeReceipt.Sign(headers.GetValueOrDefault(i), result.Digest, Code, rejection, now, _signingKey, KeyId);
            results[i] = result with { NegativeReceipt = negatives[i] };
        }
        await RecordReceivedAsync(stored, cancellationToken);
        await RecordRefusalsAsync(refusals.Where(r => results[r.Index]?.Rejection?.Code != RejectionCode.OutOfOrder).ToList(), "in", remote, now, cancellationToken, negatives);
        await ProcessAsync(stored, cancellationToken);

        for (var i = 0; i < results.Length; i++)
        {
            if (results[i] is null)
            {
                var first = inBatch[Envelope.Read(envelopes[i]).Header.MessageId];
                results[i] = results[first]! with { Duplicate = true };
            }
        }
        Metrics.Received.Add(stored.Count);
        return results!;
    }

    /// <summary>Opens one envelope; whatever it holds that the opening cannot cope with is a refusal of that envelope alone.</summary>
    private EnvelopeOpening OpenOne(byte[] envelope, Func<string, (ECDsa, string)?> keyOf, DateTimeOffset now)
    {
        try
        {
            return Envelope.Open(envelope, Code, _encryptionKey, keyOf, now, _secrets);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            _logger.LogWarning(e, "Opening an envelope failed; it is refused as malformed");
            return new EnvelopeOpening.Refused(new Rejection(RejectionCode.Malformed, $"envelope: cannot be opened ({e.GetType().Name}: {e.Message})"), null, Envelope.Digest(envelope));
        }
    }

    /// <summary>
    /// Checks one opened message (the agreement, the header rules, the payload, the kind's own check): anything in it
    /// that a parser or check rejects, even by throwing, refuses this message and no other.
    /// </summary>
    private async Task<AcceptanceResult> CheckOneAsync(EnvelopeOpening.Opened opened, IReadOnlyList<Agreement> inForce, byte[]? digestSeenBefore, DateTimeOffset now, CancellationToken cancellationToken)
    {
        try
        {
            var result = Acceptance.Check(opened, Code, inForce, digestSeenBefore, now);
            if (result is AcceptanceResult.Accepted accepted && _checks.TryGetValue(opened.Header.Kind, out var check) && await check(opened.Header, accepted.Payload, cancellationToken) is { } problem)
                return new AcceptanceResult.Refused(new Rejection(RejectionCode.InvalidPayload, $"payload{(problem.StartsWith('/') ? "" : ": ")}{problem}"), null);
            return result;
        }
        catch (Exception e) when (e is not OperationCanceledException and not System.Data.Common.DbException)
        {
            _logger.LogWarning(e, "Checking message {MessageId} from {Sender} failed; it is refused", opened.Header.MessageId, opened.Header.Sender);
            return new AcceptanceResult.Refused(new Rejection(RejectionCode.InvalidPayload, $"payload: cannot be processed ({e.GetType().Name}: {e.Message})"), null);
        }
    }

    private async Task RecordReceivedAsync(IReadOnlyList<InboxItem> stored, CancellationToken cancellationToken)
    {
        if (stored.Count == 0) return;
        var entries = stored.Select(ReceivedEntry).ToArray();
        var indexes = await Ledger.AppendAsync(entries, cancellationToken);
        await Store.SetInboxLedgerIndexAsync(stored.Select((s, k) => (s.MessageId, indexes[k])).ToArray(), cancellationToken);
    }

    private LedgerEntry ReceivedEntry(InboxItem item) => LedgerEntry.Now(Time, LedgerKinds.DisclosureReceived, NodeActor, new JsonObject
    {
        ["message"] = item.MessageId,
        ["conversation"] = item.ConversationId,
        ["sequence"] = item.ConversationSeq,
        ["kind"] = item.Kind,
        ["sender"] = item.Sender,
        ["category"] = item.Category,
        ["purpose"] = item.Purpose,
        ["agreement"] = new JsonObject { ["id"] = item.AgreementId, ["hash"] = item.AgreementHash },
        ["handlingCode"] = item.HandlingCode,
        ["onwardTransfer"] = item.OnwardTransfer,
        ["retainUntil"] = item.RetainUntil.UtcDateTime.ToString("O", CultureInfo.InvariantCulture),
        ["digest"] = ExchangeStore.Hex(item.Digest),
        ["receipt"] = ExchangeStore.Hex(SHA256.HashData(item.Receipt)),
        [LedgerSubjects.Field] = LedgerSubjects.ToJson([AgreementWatch.Subject(item.AgreementId), MessageSubject(item.MessageId)]),
    });

    /// <summary>The ledger subject of one message: its entries (received, receipted) are found by it.</summary>
    public static string MessageSubject(string messageId) => "message:" + messageId;

    /// <summary>Those of <paramref name="messageIds"/> that already have an entry of <paramref name="kind"/> (a crash after the append).</summary>
    private async Task<Dictionary<string, long>> InLedgerAsync(IEnumerable<string> messageIds, string kind, CancellationToken cancellationToken)
    {
        var found = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (var id in messageIds)
        {
            foreach (var entry in await Ledger.EntriesAboutAsync(MessageSubject(id), 10, cancellationToken))
                if (entry.Entry.Kind == kind) found[id] = entry.Index;
        }
        return found;
    }

    /// <summary>Refusals go to the node's record and its log; those of a message whose signature verified also go to the ledger.</summary>
    internal async Task RecordRefusalsAsync(
        IReadOnlyList<(int Index, Rejection Rejection, EnvelopeHeader? Header, byte[] Digest, bool Authenticated)> refusals,
        string direction, string? remote, DateTimeOffset now, CancellationToken cancellationToken,
        IReadOnlyDictionary<int, byte[]>? negativeReceipts = null)
    {
        if (refusals.Count == 0) return;
        var entries = new List<LedgerEntry>();
        foreach (var (index, rejection, header, digest, authenticated) in refusals)
        {
            _logger.LogWarning("Refused a message {Direction} from {Partner} ({Remote}): {Code} {Detail}", direction, header?.Sender ?? "?", remote ?? "?", rejection.Name, rejection.Detail);
            await Store.RecordRejectionAsync(now, direction, header?.Sender, header?.MessageId, rejection, digest, cancellationToken);
            Metrics.Rejected.Add(1, new KeyValuePair<string, object?>("direction", direction), new KeyValuePair<string, object?>("code", rejection.Name));
            if (!authenticated || header is null) continue;
            var body = new JsonObject
            {
                ["direction"] = direction,
                ["message"] = header.MessageId,
                ["sender"] = header.Sender,
                ["recipient"] = header.Recipient,
                ["category"] = PolicyEngine.Name(header.Category),
                ["purpose"] = PolicyEngine.Name(header.Purpose),
                ["agreement"] = new JsonObject { ["id"] = header.AgreementId, ["hash"] = header.AgreementHash },
                ["code"] = rejection.Name,
                ["reason"] = rejection.Detail,
                ["digest"] = ExchangeStore.Hex(digest),
                [LedgerSubjects.Field] = LedgerSubjects.ToJson([AgreementWatch.Subject(header.AgreementId), MessageSubject(header.MessageId)]),
            };
            if (negativeReceipts?.GetValueOrDefault(index) is { } signed) body["negativeReceipt"] = ExchangeStore.Hex(SHA256.HashData(signed));
            entries.Add(LedgerEntry.Now(Time, LedgerKinds.MessageRefused, NodeActor, body));
        }
        if (entries.Count > 0) await Ledger.AppendAsync(entries, cancellationToken);
    }

    private async Task ProcessAsync(IReadOnlyList<InboxItem> stored, CancellationToken cancellationToken)
    {
        // Kinds no feature handles are marked together: one commit per batch instead of one per message.
        var unhandled = new List<string>();
        foreach (var item in stored)
        {
            if (!_handlers.TryGetValue(item.Kind, out var handler))
            {
                unhandled.Add(item.MessageId);
                continue;
            }
            try
            {
                await handler(item, (JsonNode.Parse(item.Payload) as JsonObject)!, cancellationToken);
                await Store.MarkProcessedAsync(item.MessageId, Time.GetUtcNow(), cancellationToken);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                _logger.LogError(e, "Message {MessageId} ({Kind}) from {Sender} is stored but its handling failed; it is retried at the next start", item.MessageId, item.Kind, item.Sender);
            }
        }
        await Store.MarkProcessedAsync(unhandled, Time.GetUtcNow(), cancellationToken);
    }

    /// <summary>How long work in flight may take before <see cref="RecoverAsync(CancellationToken)"/> treats it as interrupted.</summary>
    public static readonly TimeSpan InFlight = TimeSpan.FromSeconds(30);

    /// <summary>
    /// Finishes what a crash interrupted: received messages not yet in the ledger or not yet handled, and delivered
    /// messages whose receipt is not yet in the ledger — only those older than <see cref="InFlight"/>, so work another
    /// request (or replica) is doing right now is never done twice. Run at start and then regularly. Disclosures need no
    /// repair: their outbox rows and disclosure-prepared entries commit in one transaction.
    /// </summary>
    public async Task RecoverAsync(CancellationToken cancellationToken = default) => await RecoverAsync(Time.GetUtcNow() - InFlight, cancellationToken);

    /// <summary>As <see cref="RecoverAsync(CancellationToken)"/> for work begun before <paramref name="before"/> (at start: the moment this process began).</summary>
    public async Task RecoverAsync(DateTimeOffset before, CancellationToken cancellationToken = default)
    {
        var unfinished = await Store.UnfinishedInboxAsync(before, 10_000, cancellationToken);
        var notInLedger = unfinished.Where(u => !u.InLedger).Select(u => u.Item).ToArray();
        var appended = await InLedgerAsync(notInLedger.Select(i => i.MessageId), LedgerKinds.DisclosureReceived, cancellationToken);
        await Store.SetInboxLedgerIndexAsync(appended.Select(a => (a.Key, a.Value)).ToArray(), cancellationToken);
        await RecordReceivedAsync(notInLedger.Where(i => !appended.ContainsKey(i.MessageId)).ToArray(), cancellationToken);
        await ProcessAsync(unfinished.Where(u => !u.Processed).Select(u => u.Item).ToArray(), cancellationToken);
        var receipts = await Store.UnrecordedReceiptsAsync(before, 10_000, cancellationToken);
        var receipted = await InLedgerAsync(receipts.Select(r => r.Item.MessageId), LedgerKinds.DisclosureReceipted, cancellationToken);
        await Store.SetReceiptLedgerIndexAsync(receipted.Select(a => (a.Key, a.Value)).ToArray(), cancellationToken);
        await RecordReceiptsAsync(receipts.Where(r => !receipted.ContainsKey(r.Item.MessageId))
            .Select(r => (r.Item, r.Receipt, Receipt.FromCbor(CoseSign1Payload(r.Receipt)))).ToArray(), cancellationToken);
    }

    internal async Task RecordReceiptsAsync(IReadOnlyList<(OutboxItem Item, byte[] Signed, Receipt Receipt)> delivered, CancellationToken cancellationToken)
    {
        if (delivered.Count == 0) return;
        var entries = delivered.Select(d => LedgerEntry.Now(Time, LedgerKinds.DisclosureReceipted, NodeActor, new JsonObject
        {
            ["message"] = d.Item.MessageId,
            ["conversation"] = d.Item.ConversationId,
            ["sequence"] = d.Item.ConversationSeq,
            ["kind"] = d.Item.Kind,
            ["recipient"] = d.Item.Recipient,
            ["category"] = d.Item.Category,
            ["purpose"] = d.Item.Purpose,
            ["agreement"] = new JsonObject { ["id"] = d.Receipt.AgreementId, ["hash"] = d.Receipt.AgreementHash },
            ["digest"] = ExchangeStore.Hex(d.Item.Digest),
            ["receipt"] = ExchangeStore.Hex(SHA256.HashData(d.Signed)),
            ["receivedAt"] = d.Receipt.ReceivedAt.UtcDateTime.ToString("O", CultureInfo.InvariantCulture),
            [LedgerSubjects.Field] = LedgerSubjects.ToJson([AgreementWatch.Subject(d.Item.AgreementId), MessageSubject(d.Item.MessageId)]),
        })).ToArray();
        var indexes = await Ledger.AppendAsync(entries, cancellationToken);
        await Store.SetReceiptLedgerIndexAsync(delivered.Select((d, k) => (d.Item.MessageId, indexes[k])).ToArray(), cancellationToken);
    }

    private static ReadOnlyMemory<byte> CoseSign1Payload(byte[] signed) =>
        System.Security.Cryptography.Cose.CoseMessage.DecodeSign1(signed).Content ?? ReadOnlyMemory<byte>.Empty;

    /// <summary>The field paths of a document's leaves, as the policy names them.</summary>
    /// <summary>
    /// The fields a document names: its leaves and the paths it lists as withheld (a received payload passed on is
    /// decided for what it withholds too: a path withheld still travels, as a path).
    /// </summary>
    public static string[] FieldsOf(JsonObject document)
    {
        var leaves = new List<(string Path, JsonNode? Value)>();
        Acceptance.Leaves(document, "", leaves, int.MaxValue);
        return [.. leaves.Select(l => l.Path), .. PolicyEngine.WithheldOf(document)];
    }

    /// <summary>Adds paths to a projection's list of what it withholds.</summary>
    private static void ListWithheld(JsonObject projection, IReadOnlyList<string> paths)
    {
        if (paths.Count == 0) return;
        var listed = PolicyEngine.WithheldOf(projection);
        var list = new JsonArray();
        foreach (var path in listed.Concat(paths).Distinct(StringComparer.Ordinal)) list.Add(JsonValue.Create(path));
        projection[PolicyEngine.WithheldMember] = list;
    }

    /// <summary>A new identifier: the prefix and a UUID version 7 (time-ordered).</summary>
    public string NewId(string prefix) => prefix + "-" + Guid.CreateVersion7(Time.GetUtcNow()).ToString("N");
}
