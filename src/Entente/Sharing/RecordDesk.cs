using System.Text.Json.Nodes;
using Entente.Exchange;
using Entente.Ledger;
using Entente.Storage;

namespace Entente.Sharing;

/// <summary>A record as stored, with what its subscriptions did: the messages queued and the partners refused (with the reason).</summary>
public sealed record StoredRecord(string Id, string Kind, DateTimeOffset RecordedAt, string RecordedBy, JsonObject Document, IReadOnlyList<PushOutcome> Pushed);

public sealed record PushOutcome(string Recipient, string Agreement, string Purpose, string? MessageId, string? Refused);

/// <summary>Records the node's seizure reports, risk results, AEO status and alerts, and pushes each to the partners its agreements subscribe.</summary>
/// <remarks>The record row and the outbox rows of its push are written in one transaction: a failure between them leaves neither.</remarks>
public sealed class RecordDesk(ExchangeNode exchange, NodeDatabase database)
{
    /// <summary>Checks, stores and pushes a record; throws <see cref="RecordException"/> with every problem when it is not valid.</summary>
    public async Task<StoredRecord> RecordAsync(RecordKind kind, JsonObject document, LedgerActor actor, CancellationToken cancellationToken = default)
    {
        if (RecordValidator.Check(kind, document) is { Count: > 0 } problems) throw new RecordException(problems);
        var now = exchange.Time.GetUtcNow();
        var id = exchange.NewId(kind.Name switch { "seizure-report" => "sr", "risk-result" => "rr", "aeo-status" => "aeo", _ => "al" });
        var targets = Subscriptions.Plan(exchange.AgreementsInForce(now), exchange.Code, kind, document);
        var disclosures = targets.Select(t => new Disclosure(t.Recipient, kind.Category, t.Purpose, kind.Name, document)
        {
            AgreementId = t.AgreementId,
            AlertCategory = kind == RecordKind.Alert ? (document[kind.Root]?["category"] as JsonValue)?.GetValue<string>() : null,
        }).ToArray();
        PushOutcome[] pushed = [];
        // The record and the messages that push it commit in one transaction (with their ledger entries): both or neither.
        await exchange.Ledger.AppendAsync(async (connection, transaction, ct) =>
        {
            await using (var insert = NodeDatabase.Command(connection, transaction,
                "INSERT INTO shared_records (id, kind, recorded_at, recorded_by, document, pushed) VALUES (@id, @k, @at, @by, @d, '[]')",
                ("@id", id), ("@k", kind.Name), ("@at", now), ("@by", actor.User), ("@d", document.ToJsonString())))
            {
                await insert.ExecuteNonQueryAsync(ct);
            }
            if (disclosures.Length == 0)
            {
                pushed = [];
                return [];
            }
            var (outcomes, entries) = await exchange.DiscloseWithinAsync(connection, transaction, disclosures, actor, ct);
            pushed = targets.Select((t, i) => outcomes[i] switch
            {
                DisclosureOutcome.Queued q => new PushOutcome(t.Recipient, t.AgreementId, Agreements.PolicyEngine.Name(t.Purpose), q.Item.MessageId, null),
                DisclosureOutcome.Refused r => new PushOutcome(t.Recipient, t.AgreementId, Agreements.PolicyEngine.Name(t.Purpose), null, r.Deny.Reason),
                _ => throw new InvalidOperationException(),
            }).ToArray();
            await using (var update = NodeDatabase.Command(connection, transaction, "UPDATE shared_records SET pushed = @p WHERE id = @id",
                ("@id", id), ("@p", System.Text.Json.JsonSerializer.Serialize(pushed))))
            {
                await update.ExecuteNonQueryAsync(ct);
            }
            return entries;
        }, cancellationToken);
        if (pushed.Any(p => p.MessageId is not null)) exchange.NotifyQueued();
        var record = new StoredRecord(id, kind.Name, now, actor.User, document, pushed);
        return record;
    }

    public async Task<IReadOnlyList<StoredRecord>> ListAsync(string? kind, int limit, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.ConnectAsync(cancellationToken);
        await using var command = NodeDatabase.Command(connection, null,
            "SELECT id, kind, recorded_at, recorded_by, document, pushed FROM shared_records WHERE (@k IS NULL OR kind = @k) ORDER BY recorded_at DESC, id LIMIT @limit",
            ("@k", kind), ("@limit", limit));
        if (database.IsPostgres) ((Npgsql.NpgsqlParameter)command.Parameters[0]).NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Text;
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var list = new List<StoredRecord>();
        while (await reader.ReadAsync(cancellationToken))
        {
            list.Add(new StoredRecord(reader.GetString(0), reader.GetString(1), reader.GetFieldValue<DateTimeOffset>(2), reader.GetString(3),
                (JsonNode.Parse(reader.GetString(4)) as JsonObject)!, System.Text.Json.JsonSerializer.Deserialize<PushOutcome[]>(reader.GetString(5))!));
        }
        return list;
    }
}

public sealed class RecordException(IReadOnlyList<RecordProblem> problems) : Exception(string.Join("; ", problems))
{
    public IReadOnlyList<RecordProblem> Problems { get; } = problems;
}
