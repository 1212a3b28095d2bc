using System.Data.Common;
using Entente.Agreements;
using Entente.Storage;

namespace Entente.Exchange;

/// <summary>A sealed envelope waiting in the outbox (or delivered), as the dispatcher and the status report see it.</summary>
public sealed record OutboxItem(
    long Seq, string MessageId, string ConversationId, long ConversationSeq, string Recipient, string Kind,
    string Category, string Purpose, string AgreementId, byte[] Envelope, byte[] Digest, DateTimeOffset CreatedAt,
    DateTimeOffset ExpiresAt, string State, int Attempts, string? LastError);

/// <summary>A message accepted from a partner, with the obligations it arrived under.</summary>
public sealed record InboxItem(
    string MessageId, string Sender, string ConversationId, long ConversationSeq, string Kind, string Category,
    string Purpose, string AgreementId, string AgreementHash, string HandlingCode, string? Evaluation,
    string OnwardTransfer, DateTimeOffset RetainUntil, DateTimeOffset ReceivedAt, byte[] Envelope, byte[] Digest,
    string Payload, byte[] Receipt)
{
    /// <summary>
    /// When the retention job erased it (its agreement's retain_until had passed): the payload and the envelope are
    /// gone (empty); the id, sender, agreement, digest, dates and the receipt this node signed stay as evidence.
    /// </summary>
    public DateTimeOffset? ErasedAt { get; init; }
}

/// <summary>What the outbox holds for one partner.</summary>
public sealed record PartnerQueue(
    string Partner, int Pending, int Delivered, int Failed, DateTimeOffset? OldestPending, DateTimeOffset? LastDelivered,
    string? LastError, int Attempts);

/// <summary>A message refused, in either direction.</summary>
public sealed record RecordedRejection(long Id, DateTimeOffset At, string Direction, string? Partner, string? MessageId, string Code, string Detail);

/// <summary>One message in the receiver's order check: an accepted one (with its item) or one refused after a valid signature (none).</summary>
public sealed record InboxEntry(string Sender, string ConversationId, long Seq, InboxItem? Item);

/// <summary>How the receiver's order check ended for one message.</summary>
public enum InboxOutcome { Stored, OutOfOrder, SequenceTaken, AlreadyStored }

/// <summary>
/// The outbox, the inbox and the record of refusals in the node's database (migration 0006_exchange), on SQLite and
/// PostgreSQL. Replicas sharing one PostgreSQL database claim outbox rows with FOR UPDATE SKIP LOCKED and a lease;
/// on SQLite one writer at a time (BEGIN IMMEDIATE) gives the same guarantee.
/// </summary>
public sealed class ExchangeStore(NodeDatabase database)
{
    public const string Pending = "pending";
    public const string Delivered = "delivered";
    public const string Failed = "failed";

    private const string OutboxColumns =
        "seq, message_id, conversation_id, conversation_seq, recipient, kind, category, purpose, agreement_id, envelope, digest, created_at, expires_at, state, attempts, last_error";

    public NodeDatabase Database { get; } = database;

    /// <summary>
    /// Seals and stores messages in one transaction: each gets the next sequence number of its conversation with its
    /// recipient, then <paramref name="seal"/> makes the envelope from the completed header (the number is signed).
    /// </summary>
    public async Task<IReadOnlyList<OutboxItem>> EnqueueAsync(
        IReadOnlyList<(EnvelopeHeader Header, byte[] Payload)> messages,
        Func<EnvelopeHeader, byte[], byte[]> seal,
        DateTimeOffset now,
        CancellationToken cancellationToken = default)
    {
        await using var connection = await Database.ConnectAsync(cancellationToken);
        await using var transaction = await Database.BeginWriteAsync(connection, cancellationToken);
        var items = await EnqueueAsync(connection, transaction, messages, seal, now, cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return items;
    }

    /// <summary>As <see cref="EnqueueAsync(IReadOnlyList{ValueTuple{EnvelopeHeader, byte[]}}, Func{EnvelopeHeader, byte[], byte[]}, DateTimeOffset, CancellationToken)"/>, inside the caller's write transaction (a <see cref="Ledger.LedgerChange"/>).</summary>
    public static async Task<IReadOnlyList<OutboxItem>> EnqueueAsync(
        DbConnection connection,
        DbTransaction transaction,
        IReadOnlyList<(EnvelopeHeader Header, byte[] Payload)> messages,
        Func<EnvelopeHeader, byte[], byte[]> seal,
        DateTimeOffset now,
        CancellationToken cancellationToken = default)
    {
        var items = new List<OutboxItem>(messages.Count);
        foreach (var (draft, payload) in messages)
        {
            long next;
            await using (var counter = NodeDatabase.Command(connection, transaction,
                "INSERT INTO outbox_conversations (conversation_id, recipient, last_seq) VALUES (@c, @r, 1) " +
                "ON CONFLICT (conversation_id, recipient) DO UPDATE SET last_seq = outbox_conversations.last_seq + 1 RETURNING last_seq",
                ("@c", draft.ConversationId), ("@r", draft.Recipient)))
            {
                next = Convert.ToInt64(await counter.ExecuteScalarAsync(cancellationToken), System.Globalization.CultureInfo.InvariantCulture);
            }
            var header = draft with { Sequence = next };
            var envelope = seal(header, payload);
            var digest = Envelope.Digest(envelope);
            await using (var insert = NodeDatabase.Command(connection, transaction,
                "INSERT INTO outbox (message_id, conversation_id, conversation_seq, recipient, kind, category, purpose, agreement_id, envelope, digest, " +
                "created_at, expires_at, state, attempts, next_attempt_at) VALUES (@id, @c, @n, @r, @k, @cat, @p, @a, @e, @d, @at, @exp, @s, 0, @at)",
                ("@id", header.MessageId), ("@c", header.ConversationId), ("@n", next), ("@r", header.Recipient), ("@k", header.Kind),
                ("@cat", PolicyEngine.Name(header.Category)), ("@p", PolicyEngine.Name(header.Purpose)), ("@a", header.AgreementId),
                ("@e", envelope), ("@d", digest), ("@at", now), ("@exp", header.ExpiresAt), ("@s", Pending)))
            {
                await insert.ExecuteNonQueryAsync(cancellationToken);
            }
            items.Add(new OutboxItem(0, header.MessageId, header.ConversationId, next, header.Recipient, header.Kind, PolicyEngine.Name(header.Category),
                PolicyEngine.Name(header.Purpose), header.AgreementId, envelope, digest, now, header.ExpiresAt, Pending, 0, null));
        }
        return items;
    }

    /// <summary>
    /// Claims work for <paramref name="claimant"/> until <paramref name="until"/>: the oldest due messages that head
    /// their conversation (nothing earlier in it is still pending), each with up to <paramref name="followers"/> of the
    /// messages after it in the same conversation, which are sent behind it in order.
    /// </summary>
    public async Task<IReadOnlyList<OutboxItem>> ClaimAsync(string claimant, DateTimeOffset now, DateTimeOffset until, int heads, int followers, CancellationToken cancellationToken = default)
    {
        await using var connection = await Database.ConnectAsync(cancellationToken);
        await using var transaction = await Database.BeginWriteAsync(connection, cancellationToken);
        var lockRows = Database.IsPostgres ? " FOR UPDATE SKIP LOCKED" : "";
        var headSeqs = new List<(long Seq, string Conversation, string Recipient)>();
        await using (var select = NodeDatabase.Command(connection, transaction,
            "SELECT o.seq, o.conversation_id, o.recipient FROM outbox o WHERE o.state = @pending AND o.next_attempt_at <= @now " +
            "AND (o.claimed_until IS NULL OR o.claimed_until < @now) " +
            "AND NOT EXISTS (SELECT 1 FROM outbox e WHERE e.conversation_id = o.conversation_id AND e.recipient = o.recipient AND e.state = @pending AND e.seq < o.seq) " +
            "ORDER BY o.seq LIMIT @limit" + lockRows,
            ("@pending", Pending), ("@now", now), ("@limit", heads)))
        await using (var reader = await select.ExecuteReaderAsync(cancellationToken))
        {
            while (await reader.ReadAsync(cancellationToken)) headSeqs.Add((reader.GetInt64(0), reader.GetString(1), reader.GetString(2)));
        }
        if (headSeqs.Count == 0) return [];
        var claimed = new List<long>(headSeqs.Count * (1 + followers));
        foreach (var (seq, conversation, recipient) in headSeqs)
        {
            claimed.Add(seq);
            if (followers <= 0) continue;
            await using var next = NodeDatabase.Command(connection, transaction,
                "SELECT seq FROM outbox WHERE conversation_id = @c AND recipient = @r AND state = @pending AND seq > @seq " +
                "AND (claimed_until IS NULL OR claimed_until < @now) ORDER BY seq LIMIT @limit" + lockRows,
                ("@c", conversation), ("@r", recipient), ("@pending", Pending), ("@seq", seq), ("@now", now), ("@limit", followers));
            await using var reader = await next.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken)) claimed.Add(reader.GetInt64(0));
        }
        var list = string.Join(",", claimed);
        await using (var update = NodeDatabase.Command(connection, transaction,
            $"UPDATE outbox SET claimed_by = @me, claimed_until = @until, last_attempt_at = @now WHERE seq IN ({list})",
            ("@me", claimant), ("@until", until), ("@now", now)))
        {
            await update.ExecuteNonQueryAsync(cancellationToken);
        }
        var items = new List<OutboxItem>(claimed.Count);
        await using (var read = NodeDatabase.Command(connection, transaction, $"SELECT {OutboxColumns} FROM outbox WHERE seq IN ({list}) ORDER BY seq"))
        await using (var reader = await read.ExecuteReaderAsync(cancellationToken))
        {
            while (await reader.ReadAsync(cancellationToken)) items.Add(ReadOutbox(reader));
        }
        await transaction.CommitAsync(cancellationToken);
        return items;
    }

    /// <summary>Releases every pending message claimed by <paramref name="claimant"/> (its previous run's claims); returns how many.</summary>
    public async Task<int> ReleaseClaimsAsync(string claimant, CancellationToken cancellationToken = default)
    {
        await using var connection = await Database.ConnectAsync(cancellationToken);
        await using var transaction = await Database.BeginWriteAsync(connection, cancellationToken);
        await using var update = NodeDatabase.Command(connection, transaction,
            "UPDATE outbox SET claimed_by = NULL, claimed_until = NULL WHERE claimed_by = @me AND state = @pending", ("@me", claimant), ("@pending", Pending));
        var released = await update.ExecuteNonQueryAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return released;
    }

    /// <summary>Records receipts: the messages are delivered (only if still pending — a second replica's late answer changes nothing).</summary>
    public async Task<IReadOnlyList<string>> MarkDeliveredAsync(IReadOnlyList<(string MessageId, byte[] Receipt)> receipts, DateTimeOffset now, CancellationToken cancellationToken = default)
    {
        var changed = new List<string>();
        if (receipts.Count == 0) return changed;
        await using var connection = await Database.ConnectAsync(cancellationToken);
        await using var transaction = await Database.BeginWriteAsync(connection, cancellationToken);
        foreach (var (id, receipt) in receipts)
        {
            await using var update = NodeDatabase.Command(connection, transaction,
                "UPDATE outbox SET state = @delivered, delivered_at = @now, receipt = @receipt, claimed_by = NULL, claimed_until = NULL, last_error = NULL, " +
                "attempts = attempts + 1 WHERE message_id = @id AND state = @pending",
                ("@delivered", Delivered), ("@now", now), ("@receipt", receipt), ("@id", id), ("@pending", Pending));
            if (await update.ExecuteNonQueryAsync(cancellationToken) == 1) changed.Add(id);
        }
        await transaction.CommitAsync(cancellationToken);
        return changed;
    }

    /// <summary>A refusal on the merits: the message will not be sent again.</summary>
    public async Task MarkFailedAsync(string messageId, string error, DateTimeOffset now, CancellationToken cancellationToken = default)
    {
        await using var connection = await Database.ConnectAsync(cancellationToken);
        await using var transaction = await Database.BeginWriteAsync(connection, cancellationToken);
        await using (var command = NodeDatabase.Command(connection, transaction,
            "UPDATE outbox SET state = @failed, last_error = @error, claimed_by = NULL, claimed_until = NULL, attempts = attempts + 1 WHERE message_id = @id AND state = @pending",
            ("@failed", Failed), ("@error", error), ("@id", messageId), ("@pending", Pending)))
        {
            await command.ExecuteNonQueryAsync(cancellationToken);
        }
        await transaction.CommitAsync(cancellationToken);
    }

    /// <summary>A transient failure: try again at <paramref name="nextAttempt"/>; the lease is released.</summary>
    public async Task RetryLaterAsync(IReadOnlyList<string> messageIds, string error, DateTimeOffset nextAttempt, CancellationToken cancellationToken = default)
    {
        if (messageIds.Count == 0) return;
        await using var connection = await Database.ConnectAsync(cancellationToken);
        await using var transaction = await Database.BeginWriteAsync(connection, cancellationToken);
        foreach (var id in messageIds)
        {
            await using var command = NodeDatabase.Command(connection, transaction,
                "UPDATE outbox SET attempts = attempts + 1, last_error = @error, next_attempt_at = @next, claimed_by = NULL, claimed_until = NULL " +
                "WHERE message_id = @id AND state = @pending",
                ("@error", error), ("@next", nextAttempt), ("@id", id), ("@pending", Pending));
            await command.ExecuteNonQueryAsync(cancellationToken);
        }
        await transaction.CommitAsync(cancellationToken);
    }

    /// <summary>A partner answered again: what waits for it in backoff becomes due now (its queue drains at once).</summary>
    public async Task<int> HurryAsync(string recipient, DateTimeOffset now, CancellationToken cancellationToken = default)
    {
        await using var connection = await Database.ConnectAsync(cancellationToken);
        await using var transaction = await Database.BeginWriteAsync(connection, cancellationToken);
        int hurried;
        await using (var command = NodeDatabase.Command(connection, transaction,
            "UPDATE outbox SET next_attempt_at = @now WHERE recipient = @r AND state = @pending AND next_attempt_at > @now " +
            "AND (claimed_until IS NULL OR claimed_until < @now)",
            ("@now", now), ("@r", recipient), ("@pending", Pending)))
        {
            hurried = await command.ExecuteNonQueryAsync(cancellationToken);
        }
        await transaction.CommitAsync(cancellationToken);
        return hurried;
    }

    public async Task SetReceiptLedgerIndexAsync(IReadOnlyList<(string MessageId, long Index)> entries, CancellationToken cancellationToken = default) =>
        await SetIndexAsync("UPDATE outbox SET receipt_ledger_index = @index WHERE message_id = @id", entries, cancellationToken);

    public async Task SetInboxLedgerIndexAsync(IReadOnlyList<(string MessageId, long Index)> entries, CancellationToken cancellationToken = default) =>
        await SetIndexAsync("UPDATE inbox SET ledger_index = @index WHERE message_id = @id", entries, cancellationToken);

    private async Task SetIndexAsync(string sql, IReadOnlyList<(string MessageId, long Index)> entries, CancellationToken cancellationToken)
    {
        if (entries.Count == 0) return;
        await using var connection = await Database.ConnectAsync(cancellationToken);
        await using var transaction = await Database.BeginWriteAsync(connection, cancellationToken);
        foreach (var (id, index) in entries)
        {
            await using var command = NodeDatabase.Command(connection, transaction, sql, ("@index", index), ("@id", id));
            await command.ExecuteNonQueryAsync(cancellationToken);
        }
        await transaction.CommitAsync(cancellationToken);
    }

    /// <summary>Delivered messages whose receipt is not yet in the ledger (a crash between the two writes).</summary>
    public async Task<IReadOnlyList<(OutboxItem Item, byte[] Receipt, DateTimeOffset DeliveredAt)>> UnrecordedReceiptsAsync(DateTimeOffset deliveredBefore, int limit, CancellationToken cancellationToken = default)
    {
        await using var connection = await Database.ConnectAsync(cancellationToken);
        await using var command = NodeDatabase.Command(connection, null,
            $"SELECT {OutboxColumns}, receipt, delivered_at FROM outbox WHERE state = @delivered AND receipt_ledger_index IS NULL AND delivered_at < @before ORDER BY seq LIMIT @limit",
            ("@delivered", Delivered), ("@before", deliveredBefore), ("@limit", limit));
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var found = new List<(OutboxItem, byte[], DateTimeOffset)>();
        while (await reader.ReadAsync(cancellationToken)) found.Add((ReadOutbox(reader), (byte[])reader[16], reader.GetFieldValue<DateTimeOffset>(17)));
        return found;
    }

    /// <summary>The digests already stored for these message ids (the replay and duplicate check).</summary>
    public async Task<Dictionary<string, (byte[] Digest, byte[] Receipt)>> InboxDigestsAsync(IReadOnlyCollection<string> messageIds, CancellationToken cancellationToken = default)
    {
        var found = new Dictionary<string, (byte[], byte[])>(StringComparer.Ordinal);
        if (messageIds.Count == 0) return found;
        await using var connection = await Database.ConnectAsync(cancellationToken);
        var parameters = messageIds.Select((id, i) => ($"@m{i}", (object?)id)).ToArray();
        await using var command = NodeDatabase.Command(connection, null,
            $"SELECT message_id, digest, receipt FROM inbox WHERE message_id IN ({string.Join(",", parameters.Select(p => p.Item1))})", parameters);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken)) found[reader.GetString(0)] = ((byte[])reader[1], (byte[])reader[2]);
        return found;
    }

    /// <summary>
    /// Stores accepted messages in one transaction, in the order given (the sender's order), each only if it is the
    /// next of its conversation from its sender. An entry without an item is a message refused on its merits after a
    /// valid signature: it takes its place in the conversation too, so one refusal never blocks what follows it.
    /// </summary>
    public async Task<IReadOnlyList<InboxOutcome>> StoreAsync(IReadOnlyList<InboxEntry> entries, CancellationToken cancellationToken = default)
    {
        var outcomes = new InboxOutcome[entries.Count];
        await using var connection = await Database.ConnectAsync(cancellationToken);
        await using var transaction = await Database.BeginWriteAsync(connection, cancellationToken);
        var last = new Dictionary<(string, string), long>();
        async Task<long> LastAsync(string sender, string conversation)
        {
            if (last.TryGetValue((sender, conversation), out var known)) return known;
            await using var select = NodeDatabase.Command(connection, transaction,
                "SELECT last_seq FROM inbox_conversations WHERE sender = @s AND conversation_id = @c" + (Database.IsPostgres ? " FOR UPDATE" : ""),
                ("@s", sender), ("@c", conversation));
            var value = await select.ExecuteScalarAsync(cancellationToken);
            return last[(sender, conversation)] = value is null or DBNull ? 0 : Convert.ToInt64(value, System.Globalization.CultureInfo.InvariantCulture);
        }

        for (var i = 0; i < entries.Count; i++)
        {
            var (sender, conversation, seq, m) = entries[i];
            var previous = await LastAsync(sender, conversation);
            if (seq > previous + 1)
            {
                outcomes[i] = InboxOutcome.OutOfOrder;
                continue;
            }
            if (seq <= previous)
            {
                outcomes[i] = InboxOutcome.SequenceTaken;
                continue;
            }
            if (m is not null)
            {
                await using var insert = NodeDatabase.Command(connection, transaction,
                    "INSERT INTO inbox (message_id, sender, conversation_id, conversation_seq, kind, category, purpose, agreement_id, agreement_hash, " +
                    "handling_code, evaluation, onward_transfer, retain_until, received_at, envelope, digest, payload, receipt) VALUES " +
                    "(@id, @s, @c, @n, @k, @cat, @p, @a, @h, @hc, @ev, @ot, @ru, @at, @e, @d, @pl, @r) ON CONFLICT (message_id) DO NOTHING",
                    ("@id", m.MessageId), ("@s", m.Sender), ("@c", m.ConversationId), ("@n", m.ConversationSeq), ("@k", m.Kind), ("@cat", m.Category),
                    ("@p", m.Purpose), ("@a", m.AgreementId), ("@h", m.AgreementHash), ("@hc", m.HandlingCode), ("@ev", m.Evaluation),
                    ("@ot", m.OnwardTransfer), ("@ru", m.RetainUntil), ("@at", m.ReceivedAt), ("@e", m.Envelope), ("@d", m.Digest),
                    ("@pl", m.Payload), ("@r", m.Receipt));
                if (await insert.ExecuteNonQueryAsync(cancellationToken) == 0)
                {
                    outcomes[i] = InboxOutcome.AlreadyStored;
                    continue;
                }
            }
            last[(sender, conversation)] = seq;
            await using (var upsert = NodeDatabase.Command(connection, transaction,
                "INSERT INTO inbox_conversations (sender, conversation_id, last_seq) VALUES (@s, @c, @n) " +
                "ON CONFLICT (sender, conversation_id) DO UPDATE SET last_seq = excluded.last_seq",
                ("@s", sender), ("@c", conversation), ("@n", seq)))
            {
                await upsert.ExecuteNonQueryAsync(cancellationToken);
            }
            outcomes[i] = InboxOutcome.Stored;
        }
        await transaction.CommitAsync(cancellationToken);
        return outcomes;
    }

    public Task MarkProcessedAsync(string messageId, DateTimeOffset now, CancellationToken cancellationToken = default) =>
        MarkProcessedAsync([messageId], now, cancellationToken);

    /// <summary>Marks messages handled, in one transaction (one commit for a batch, not one per message).</summary>
    public async Task MarkProcessedAsync(IReadOnlyList<string> messageIds, DateTimeOffset now, CancellationToken cancellationToken = default)
    {
        if (messageIds.Count == 0) return;
        await using var connection = await Database.ConnectAsync(cancellationToken);
        await using var transaction = await Database.BeginWriteAsync(connection, cancellationToken);
        foreach (var id in messageIds)
        {
            await using var command = NodeDatabase.Command(connection, transaction, "UPDATE inbox SET processed_at = @now WHERE message_id = @id", ("@now", now), ("@id", id));
            await command.ExecuteNonQueryAsync(cancellationToken);
        }
        await transaction.CommitAsync(cancellationToken);
    }

    /// <summary>Received messages not yet in the ledger, or not yet handed to their feature (a crash between writes).</summary>
    public async Task<IReadOnlyList<(InboxItem Item, bool InLedger, bool Processed)>> UnfinishedInboxAsync(DateTimeOffset receivedBefore, int limit, CancellationToken cancellationToken = default) =>
        (await ReadInboxAsync("WHERE (ledger_index IS NULL OR processed_at IS NULL) AND erased_at IS NULL AND received_at < @before ORDER BY received_at LIMIT @limit", cancellationToken,
            ("@before", receivedBefore), ("@limit", limit))).ToList();

    public async Task<InboxItem?> GetInboxAsync(string messageId, CancellationToken cancellationToken = default) =>
        (await ReadInboxAsync("WHERE message_id = @id", cancellationToken, ("@id", messageId))).Select(r => r.Item).FirstOrDefault();

    public async Task<IReadOnlyList<InboxItem>> ListInboxAsync(string? sender, string? kind, int limit, CancellationToken cancellationToken = default) =>
        (await ReadInboxAsync(
            "WHERE (@s IS NULL OR sender = @s) AND (@k IS NULL OR kind = @k) ORDER BY received_at DESC, message_id LIMIT @limit",
            cancellationToken, ("@s", sender), ("@k", kind), ("@limit", limit))).Select(r => r.Item).ToList();

    private async Task<List<(InboxItem Item, bool InLedger, bool Processed)>> ReadInboxAsync(string where, CancellationToken cancellationToken, params (string, object?)[] parameters)
    {
        await using var connection = await Database.ConnectAsync(cancellationToken);
        await using var command = NodeDatabase.Command(connection, null,
            "SELECT message_id, sender, conversation_id, conversation_seq, kind, category, purpose, agreement_id, agreement_hash, handling_code, " +
            "evaluation, onward_transfer, retain_until, received_at, envelope, digest, payload, receipt, ledger_index, processed_at, erased_at FROM inbox " + where,
            parameters);
        if (Database.IsPostgres)
        {
            foreach (DbParameter p in command.Parameters)
                if (p.Value is DBNull) ((Npgsql.NpgsqlParameter)p).NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Text;
        }
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var items = new List<(InboxItem, bool, bool)>();
        while (await reader.ReadAsync(cancellationToken))
        {
            items.Add((new InboxItem(reader.GetString(0), reader.GetString(1), reader.GetString(2), reader.GetInt64(3), reader.GetString(4), reader.GetString(5),
                reader.GetString(6), reader.GetString(7), reader.GetString(8), reader.GetString(9), reader.IsDBNull(10) ? null : reader.GetString(10),
                reader.GetString(11), reader.GetFieldValue<DateTimeOffset>(12), reader.GetFieldValue<DateTimeOffset>(13), (byte[])reader[14], (byte[])reader[15],
                reader.GetString(16), (byte[])reader[17])
            {
                ErasedAt = reader.IsDBNull(20) ? null : reader.GetFieldValue<DateTimeOffset>(20),
            }, !reader.IsDBNull(18), !reader.IsDBNull(19)));
        }
        return items;
    }

    public async Task<OutboxItem?> GetOutboxAsync(string messageId, CancellationToken cancellationToken = default)
    {
        await using var connection = await Database.ConnectAsync(cancellationToken);
        await using var command = NodeDatabase.Command(connection, null, $"SELECT {OutboxColumns} FROM outbox WHERE message_id = @id", ("@id", messageId));
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken) ? ReadOutbox(reader) : null;
    }

    /// <summary>The receipt a partner signed for one of our messages, or null while it is undelivered.</summary>
    public async Task<byte[]?> ReceiptForAsync(string messageId, CancellationToken cancellationToken = default)
    {
        await using var connection = await Database.ConnectAsync(cancellationToken);
        await using var command = NodeDatabase.Command(connection, null, "SELECT receipt FROM outbox WHERE message_id = @id", ("@id", messageId));
        return await command.ExecuteScalarAsync(cancellationToken) as byte[];
    }

    /// <summary>Per partner: what is waiting, delivered and failed; the oldest waiting; the last delivery; the last error.</summary>
    public async Task<IReadOnlyList<PartnerQueue>> QueuesAsync(CancellationToken cancellationToken = default)
    {
        await using var connection = await Database.ConnectAsync(cancellationToken);
        await using var command = NodeDatabase.Command(connection, null,
            "SELECT recipient, SUM(CASE WHEN state = @pending THEN 1 ELSE 0 END), SUM(CASE WHEN state = @delivered THEN 1 ELSE 0 END), " +
            "SUM(CASE WHEN state = @failed THEN 1 ELSE 0 END), MIN(CASE WHEN state = @pending THEN created_at END), MAX(delivered_at), " +
            "MAX(CASE WHEN state = @pending THEN attempts ELSE 0 END) FROM outbox GROUP BY recipient ORDER BY recipient",
            ("@pending", Pending), ("@delivered", Delivered), ("@failed", Failed));
        var queues = new List<PartnerQueue>();
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken))
        {
            while (await reader.ReadAsync(cancellationToken))
            {
                queues.Add(new PartnerQueue(reader.GetString(0), Convert.ToInt32(reader.GetValue(1), System.Globalization.CultureInfo.InvariantCulture),
                    Convert.ToInt32(reader.GetValue(2), System.Globalization.CultureInfo.InvariantCulture), Convert.ToInt32(reader.GetValue(3), System.Globalization.CultureInfo.InvariantCulture),
                    reader.IsDBNull(4) ? null : reader.GetFieldValue<DateTimeOffset>(4), reader.IsDBNull(5) ? null : reader.GetFieldValue<DateTimeOffset>(5), null,
                    Convert.ToInt32(reader.GetValue(6), System.Globalization.CultureInfo.InvariantCulture)));
            }
        }
        for (var i = 0; i < queues.Count; i++)
        {
            await using var error = NodeDatabase.Command(connection, null,
                "SELECT last_error FROM outbox WHERE recipient = @r AND last_error IS NOT NULL ORDER BY last_attempt_at DESC LIMIT 1", ("@r", queues[i].Partner));
            queues[i] = queues[i] with { LastError = await error.ExecuteScalarAsync(cancellationToken) as string };
        }
        return queues;
    }

    public async Task RecordRejectionAsync(DateTimeOffset at, string direction, string? partner, string? messageId, Rejection rejection, byte[]? digest, CancellationToken cancellationToken = default)
    {
        await using var connection = await Database.ConnectAsync(cancellationToken);
        await using var command = NodeDatabase.Command(connection, null,
            "INSERT INTO exchange_rejections (at, direction, partner, message_id, code, detail, digest) VALUES (@at, @dir, @p, @m, @c, @d, @g)",
            ("@at", at), ("@dir", direction), ("@p", Truncate(partner, 20)), ("@m", Truncate(messageId, 100)), ("@c", rejection.Name),
            ("@d", Truncate(rejection.Detail, 2000)), ("@g", digest));
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    public async Task<IReadOnlyList<RecordedRejection>> RejectionsAsync(int limit, CancellationToken cancellationToken = default)
    {
        await using var connection = await Database.ConnectAsync(cancellationToken);
        await using var command = NodeDatabase.Command(connection, null,
            "SELECT id, at, direction, partner, message_id, code, detail FROM exchange_rejections ORDER BY id DESC LIMIT @limit", ("@limit", limit));
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var list = new List<RecordedRejection>();
        while (await reader.ReadAsync(cancellationToken))
        {
            list.Add(new RecordedRejection(reader.GetInt64(0), reader.GetFieldValue<DateTimeOffset>(1), reader.GetString(2),
                reader.IsDBNull(3) ? null : reader.GetString(3), reader.IsDBNull(4) ? null : reader.GetString(4), reader.GetString(5), reader.GetString(6)));
        }
        return list;
    }

    /// <summary>Records a provider's consent to pass one of its messages on to <paramref name="recipient"/> (once).</summary>
    public async Task AddConsentAsync(string messageId, string recipient, string grantedBy, DateTimeOffset at, string consentMessageId, CancellationToken cancellationToken = default)
    {
        await using var connection = await Database.ConnectAsync(cancellationToken);
        await using var command = NodeDatabase.Command(connection, null,
            "INSERT INTO exchange_consents (message_id, recipient, granted_by, granted_at, consent_message_id) VALUES (@m, @r, @g, @at, @c) " +
            "ON CONFLICT (message_id, recipient) DO NOTHING",
            ("@m", messageId), ("@r", recipient), ("@g", grantedBy), ("@at", at), ("@c", consentMessageId));
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    public async Task<bool> HasConsentAsync(string messageId, string recipient, CancellationToken cancellationToken = default)
    {
        await using var connection = await Database.ConnectAsync(cancellationToken);
        await using var command = NodeDatabase.Command(connection, null,
            "SELECT 1 FROM exchange_consents WHERE message_id = @m AND recipient = @r", ("@m", messageId), ("@r", recipient));
        return await command.ExecuteScalarAsync(cancellationToken) is not null;
    }

    private static string? Truncate(string? text, int max) => text is null || text.Length <= max ? text : text[..max];

    private static OutboxItem ReadOutbox(DbDataReader r) => new(
        r.GetInt64(0), r.GetString(1), r.GetString(2), r.GetInt64(3), r.GetString(4), r.GetString(5), r.GetString(6), r.GetString(7), r.GetString(8),
        (byte[])r[9], (byte[])r[10], r.GetFieldValue<DateTimeOffset>(11), r.GetFieldValue<DateTimeOffset>(12), r.GetString(13), r.GetInt32(14),
        r.IsDBNull(15) ? null : r.GetString(15));

    internal static string Hex(byte[] digest) => Convert.ToHexStringLower(digest);
}
