using System.Data.Common;
using Entente.Storage;

namespace Entente.Retention;

/// <summary>A stored declaration as retention sees it: when it came, and the party ids it names (the data subjects).</summary>
public sealed record HeldDeclaration(string Id, string? Mrn, DateTimeOffset ReceivedAt, IReadOnlyList<string> PartyIds);

/// <summary>A message received from a partner whose retention (set by its agreement) has run out, and the payload that names its subjects.</summary>
public sealed record HeldMessage(string MessageId, string Sender, string AgreementId, DateTimeOffset ReceivedAt, DateTimeOffset RetainUntil, string Payload);

public sealed record ReviewFlag(string DeclarationId, DateTimeOffset DueAt, DateTimeOffset FlaggedAt, string Rule);

/// <summary>What retention reads and changes in the declaration tables (and its retention_reviews), on either provider.</summary>
public sealed class RetentionStore(NodeDatabase database, TimeProvider time)
{
    /// <summary>Declarations received before <paramref name="cutoff"/> and not flagged for review, oldest first, with the party ids they name.</summary>
    public async Task<IReadOnlyList<HeldDeclaration>> ListReceivedBeforeAsync(DateTimeOffset cutoff, int limit, CancellationToken cancellationToken = default)
    {
        limit = Math.Clamp(limit, 1, 10_000);
        await using var connection = await database.ConnectAsync(cancellationToken);
        // Ids are UUID v7 of the received time, so the id index finds the old ones: every id below the cutoff's
        // millisecond prefix was received before it (received_at says so exactly).
        await using var command = NodeDatabase.Command(connection, null,
            "SELECT d.key, d.id, d.mrn, d.received_at FROM declarations d " +
            "WHERE d.id < @bound AND d.received_at < @cutoff AND NOT EXISTS (SELECT 1 FROM retention_reviews r WHERE r.declaration_id = d.id) " +
            "ORDER BY d.id LIMIT @limit",
            ("@bound", Guid.CreateVersion7(cutoff).ToString()[..13]), ("@cutoff", cutoff.ToUniversalTime()), ("@limit", limit));
        var held = new List<(long Key, string Id, string? Mrn, DateTimeOffset ReceivedAt)>();
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken))
        {
            while (await reader.ReadAsync(cancellationToken))
                held.Add((reader.GetInt64(0), reader.GetString(1), reader.IsDBNull(2) ? null : reader.GetString(2), reader.GetFieldValue<DateTimeOffset>(3)));
        }
        if (held.Count == 0) return [];
        var parties = held.ToDictionary(h => h.Key, _ => new List<string>());
        await using (var partyQuery = NodeDatabase.Command(connection, null,
            $"SELECT declaration_key, party_id FROM declaration_parties WHERE declaration_key IN ({string.Join(", ", held.Select((_, i) => $"@k{i}"))})",
            [.. held.Select((h, i) => ($"@k{i}", (object?)h.Key))]))
        {
            await using var reader = await partyQuery.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                var list = parties[reader.GetInt64(0)];
                var party = reader.GetString(1);
                if (!list.Contains(party)) list.Add(party);
            }
        }
        return held.Select(h => new HeldDeclaration(h.Id, h.Mrn, h.ReceivedAt, parties[h.Key])).ToList();
    }

    /// <summary>Messages received from partners whose retain_until is at or before <paramref name="now"/>, oldest due first.</summary>
    public async Task<IReadOnlyList<HeldMessage>> ListReceivedDueAsync(DateTimeOffset now, int limit, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.ConnectAsync(cancellationToken);
        await using var command = NodeDatabase.Command(connection, null,
            "SELECT message_id, sender, agreement_id, received_at, retain_until, payload FROM inbox WHERE retain_until <= @now AND erased_at IS NULL ORDER BY retain_until, message_id LIMIT @limit",
            ("@now", now.ToUniversalTime()), ("@limit", Math.Clamp(limit, 1, 10_000)));
        var held = new List<HeldMessage>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            held.Add(new HeldMessage(reader.GetString(0), reader.GetString(1), reader.GetString(2), reader.GetFieldValue<DateTimeOffset>(3),
                reader.GetFieldValue<DateTimeOffset>(4), reader.GetString(5)));
        }
        return held;
    }

    /// <summary>
    /// Erases received messages' content — the payload and the envelope (which carries the payload encrypted to this
    /// node) — and the consents given for passing them on, inside the caller's transaction (a ledger change). The row
    /// stays as the evidence of what was received and acknowledged: id, sender, agreement, digest, dates, the receipt
    /// this node signed, and erased_at. The conversation's last sequence stays, so a replay is still refused.
    /// </summary>
    public async Task<int> EraseReceivedAsync(DbConnection connection, DbTransaction transaction, IReadOnlyList<string> messageIds, CancellationToken cancellationToken = default)
    {
        if (messageIds.Count == 0) return 0;
        var parameters = messageIds.Select((id, i) => ($"@m{i}", (object?)id)).ToArray();
        var list = string.Join(", ", parameters.Select(p => p.Item1));
        await using (var consents = NodeDatabase.Command(connection, transaction, $"DELETE FROM exchange_consents WHERE message_id IN ({list})", parameters))
            await consents.ExecuteNonQueryAsync(cancellationToken);
        await using var inbox = NodeDatabase.Command(connection, transaction,
            $"UPDATE inbox SET payload = '', envelope = @empty, erased_at = @now WHERE erased_at IS NULL AND message_id IN ({list})",
            [.. parameters, ("@empty", Array.Empty<byte>()), ("@now", time.GetUtcNow())]);
        return await inbox.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <summary>Removes the declarations and every row derived from them, in one transaction; returns how many were there.</summary>
    public async Task<int> EraseAsync(IReadOnlyList<string> ids, CancellationToken cancellationToken = default)
    {
        if (ids.Count == 0) return 0;
        await using var connection = await database.ConnectAsync(cancellationToken);
        await using var transaction = await database.BeginWriteAsync(connection, cancellationToken);
        var erased = await EraseAsync(connection, transaction, ids, cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return erased;
    }

    /// <summary>As <see cref="EraseAsync(IReadOnlyList{string}, CancellationToken)"/>, inside the caller's transaction on the node's database (a ledger change).</summary>
    public async Task<int> EraseAsync(DbConnection connection, DbTransaction transaction, IReadOnlyList<string> ids, CancellationToken cancellationToken = default)
    {
        var erased = 0;
        foreach (var chunk in ids.Chunk(500))
        {
            var list = string.Join(", ", chunk.Select((_, i) => $"@id{i}"));
            var keys = $"(SELECT key FROM declarations WHERE id IN ({list}))";
            var parameters = chunk.Select((id, i) => ($"@id{i}", (object?)id)).ToArray();
            foreach (var sql in new[]
            {
                $"DELETE FROM declaration_parties WHERE declaration_key IN {keys}",
                $"DELETE FROM goods_items WHERE declaration_key IN {keys}",
                $"DELETE FROM containers WHERE declaration_key IN {keys}",
                $"DELETE FROM declaration_findings WHERE declaration_key IN {keys}",
                $"DELETE FROM inspection_labels WHERE declaration_key IN {keys}",
                $"DELETE FROM status_events WHERE declaration_id IN ({list})",
                $"DELETE FROM declaration_versions WHERE declaration_id IN ({list})",
                $"DELETE FROM declaration_amendments WHERE applied_to IN ({list})",
                $"DELETE FROM retention_reviews WHERE declaration_id IN ({list})",
                $"DELETE FROM declarations WHERE id IN ({list})",
            })
            {
                await using var command = NodeDatabase.Command(connection, transaction, sql, parameters);
                var rows = await command.ExecuteNonQueryAsync(cancellationToken);
                if (sql.StartsWith("DELETE FROM declarations ", StringComparison.Ordinal)) erased += rows;
            }
        }
        return erased;
    }

    /// <summary>Marks declarations as due for review (since their due time) under <paramref name="rule"/>; a flag already there stays as it was.</summary>
    public async Task FlagForReviewAsync(IReadOnlyList<(string Id, DateTimeOffset DueAt)> declarations, string rule, CancellationToken cancellationToken = default)
    {
        if (declarations.Count == 0) return;
        await using var connection = await database.ConnectAsync(cancellationToken);
        await using var transaction = await database.BeginWriteAsync(connection, cancellationToken);
        await FlagForReviewAsync(connection, transaction, declarations, rule, cancellationToken);
        await transaction.CommitAsync(cancellationToken);
    }

    /// <summary>As <see cref="FlagForReviewAsync(IReadOnlyList{ValueTuple{string, DateTimeOffset}}, string, CancellationToken)"/>, inside the caller's transaction (a ledger change).</summary>
    public async Task FlagForReviewAsync(DbConnection connection, DbTransaction transaction, IReadOnlyList<(string Id, DateTimeOffset DueAt)> declarations, string rule,
        CancellationToken cancellationToken = default)
    {
        foreach (var declaration in declarations)
        {
            await using var command = NodeDatabase.Command(connection, transaction,
                "INSERT INTO retention_reviews (declaration_id, due_at, flagged_at, rule) VALUES (@id, @due, @at, @rule) ON CONFLICT (declaration_id) DO NOTHING",
                ("@id", declaration.Id), ("@due", declaration.DueAt.ToUniversalTime()), ("@at", time.GetUtcNow().ToUniversalTime()), ("@rule", rule));
            await command.ExecuteNonQueryAsync(cancellationToken);
        }
    }

    /// <summary>Declarations flagged for review, oldest due first.</summary>
    public async Task<IReadOnlyList<ReviewFlag>> ListReviewsAsync(int limit, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.ConnectAsync(cancellationToken);
        await using var command = NodeDatabase.Command(connection, null,
            "SELECT declaration_id, due_at, flagged_at, rule FROM retention_reviews ORDER BY due_at, declaration_id LIMIT @limit",
            ("@limit", Math.Clamp(limit, 1, 10_000)));
        var flags = new List<ReviewFlag>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
            flags.Add(new ReviewFlag(reader.GetString(0), reader.GetFieldValue<DateTimeOffset>(1), reader.GetFieldValue<DateTimeOffset>(2), reader.GetString(3)));
        return flags;
    }
}
