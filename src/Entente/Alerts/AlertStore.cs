using System.Data.Common;
using System.Text.Json;
using System.Text.Json.Nodes;
using Entente.Storage;

namespace Entente.Alerts;

/// <summary>Which alerts a list shows; null members do not filter. State <see cref="AlertState.Expired"/> and in-force are read with the clock.</summary>
public sealed record AlertFilter(AlertState? State = null, AlertSubjectKind? Kind = null, AlertCategory? Category = null, AlertSource? Source = null, int Limit = 100);

/// <summary>The table of migration 0016_alerts on either provider (times and days as ISO text); callers hold the connection and transaction.</summary>
internal static class AlertStore
{
    private const string Columns = "document, local, source, recorded_at, updated_at, retain_until, list_key, erased_at";

    private sealed record Local(IReadOnlyList<AlertFlag>? Flags, IReadOnlyList<string>? Findings, string? ReceivedHandlingCode, IReadOnlyList<AlertFlag>? PartnerFlags = null);

    public static async Task<StoredAlert?> LoadAsync(NodeDatabase database, DbConnection connection, DbTransaction? transaction, string id, bool lockIt, DateTimeOffset now, CancellationToken cancellationToken)
    {
        await using var command = NodeDatabase.Command(connection, transaction,
            $"SELECT {Columns} FROM alerts WHERE id = @id{(lockIt && database.IsPostgres ? " FOR UPDATE" : "")}", ("@id", id));
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken) ? Read(reader, now) : null;
    }

    public static async Task<bool> ExistsAsync(DbConnection connection, DbTransaction? transaction, string id, CancellationToken cancellationToken)
    {
        await using var command = NodeDatabase.Command(connection, transaction, "SELECT 1 FROM alerts WHERE id = @id", ("@id", id));
        return await command.ExecuteScalarAsync(cancellationToken) is not null;
    }

    /// <summary>Inserts the alert, or replaces the row with its id.</summary>
    public static async Task SaveAsync(DbConnection connection, DbTransaction transaction, StoredAlert stored, bool insert, CancellationToken cancellationToken)
    {
        var a = stored.Alert;
        var local = JsonSerializer.Serialize(new Local(stored.Flags, stored.Findings, stored.ReceivedHandlingCode, stored.PartnerFlags.Count == 0 ? null : stored.PartnerFlags), AlertJson.Options);
        (string, object?)[] parameters =
        [
            ("@id", a.Id), ("@issuer", a.Issuer), ("@source", AlertJson.Name(stored.Source)), ("@state", AlertJson.Name(a.State)),
            ("@kind", AlertJson.Name(a.Subject.Kind)), ("@category", AlertJson.Name(a.Category)), ("@action", AlertJson.Name(a.Action)),
            ("@from", AlertJson.Day(a.Validity.From)), ("@until", a.Validity.Until is { } u ? AlertJson.Day(u) : null),
            ("@agreement", a.LegalBasis.Agreement), ("@version", a.Version), ("@list", stored.ListKey), ("@flagged", stored.Flagged ? 1 : 0),
            ("@retain", stored.RetainUntil is { } r ? AlertJson.Time(r) : null), ("@recorded", AlertJson.Time(stored.RecordedAt)),
            ("@updated", AlertJson.Time(stored.UpdatedAt)), ("@document", AlertJson.ToJson(a).ToJsonString()), ("@local", local),
            ("@erased", stored.ErasedAt is { } e ? AlertJson.Time(e) : null),
        ];
        var sql = insert
            ? """
              INSERT INTO alerts (id, issuer, source, state, subject_kind, category, action, valid_from, valid_until, agreement_id, version, list_key, flagged,
                                  retain_until, recorded_at, updated_at, document, local, erased_at)
              VALUES (@id, @issuer, @source, @state, @kind, @category, @action, @from, @until, @agreement, @version, @list, @flagged, @retain, @recorded, @updated, @document, @local, @erased)
              """
            : """
              UPDATE alerts SET issuer = @issuer, source = @source, state = @state, subject_kind = @kind, category = @category, action = @action,
                  valid_from = @from, valid_until = @until, agreement_id = @agreement, version = @version, list_key = @list, flagged = @flagged,
                  retain_until = @retain, recorded_at = @recorded, updated_at = @updated, document = @document, local = @local, erased_at = @erased
              WHERE id = @id
              """;
        await using var command = NodeDatabase.Command(connection, transaction, sql, parameters);
        if (await command.ExecuteNonQueryAsync(cancellationToken) != 1) throw new InvalidOperationException($"alert {a.Id} was not {(insert ? "inserted" : "updated")}");
    }

    public static async Task<IReadOnlyList<StoredAlert>> ListAsync(NodeDatabase database, AlertFilter filter, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var (where, parameters) = Where(filter, now);
        parameters.Add(("@limit", filter.Limit));
        await using var connection = await database.ConnectAsync(cancellationToken);
        await using var command = NodeDatabase.Command(connection, null,
            $"SELECT {Columns} FROM alerts{where} ORDER BY recorded_at DESC, id LIMIT @limit", [.. parameters]);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var list = new List<StoredAlert>();
        while (await reader.ReadAsync(cancellationToken)) list.Add(Read(reader, now));
        return list;
    }

    /// <summary>Every alert that applies at <paramref name="now"/> (in force, first day reached, not expired), in id order, streamed.</summary>
    public static async IAsyncEnumerable<StoredAlert> InForceAsync(NodeDatabase database, DateTimeOffset now, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var (where, parameters) = Where(new AlertFilter(AlertState.InForce), now);
        parameters.Add(("@today2", AlertJson.Day(DateOnly.FromDateTime(now.UtcDateTime))));
        await using var connection = await database.ConnectAsync(cancellationToken);
        await using var command = NodeDatabase.Command(connection, null, $"SELECT {Columns} FROM alerts{where} AND valid_from <= @today2 ORDER BY id", [.. parameters]);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken)) yield return Read(reader, now);
    }

    /// <summary>The list's alerts by entity key (list name/entity id), with their current alert.</summary>
    public static async Task<Dictionary<string, StoredAlert>> OfListAsync(DbConnection connection, DbTransaction transaction, string list, DateTimeOffset now, CancellationToken cancellationToken)
    {
        await using var command = NodeDatabase.Command(connection, transaction,
            $"SELECT {Columns} FROM alerts WHERE source = 'list' AND substr(list_key, 1, @n) = @prefix", ("@n", list.Length + 1), ("@prefix", list + "/"));
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var found = new Dictionary<string, StoredAlert>(StringComparer.Ordinal);
        while (await reader.ReadAsync(cancellationToken))
        {
            var stored = Read(reader, now);
            found[stored.ListKey!] = stored;
        }
        return found;
    }

    /// <summary>The ids of partners' alerts flagged here and not erased: the flags to tell their issuers again when they did not get through.</summary>
    public static async Task<IReadOnlyList<string>> FlaggedPartnerAlertsAsync(NodeDatabase database, CancellationToken cancellationToken)
    {
        await using var connection = await database.ConnectAsync(cancellationToken);
        await using var command = NodeDatabase.Command(connection, null, "SELECT id FROM alerts WHERE source = 'partner' AND flagged = 1 AND erased_at IS NULL ORDER BY id");
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var ids = new List<string>();
        while (await reader.ReadAsync(cancellationToken)) ids.Add(reader.GetString(0));
        return ids;
    }

    /// <summary>Partners' alerts whose retention (set by their agreement) has ended at <paramref name="now"/> and that are not erased yet.</summary>
    public static async Task<IReadOnlyList<StoredAlert>> DueForErasureAsync(NodeDatabase database, DateTimeOffset now, int limit, CancellationToken cancellationToken)
    {
        await using var connection = await database.ConnectAsync(cancellationToken);
        await using var command = NodeDatabase.Command(connection, null,
            $"SELECT {Columns} FROM alerts WHERE source = 'partner' AND erased_at IS NULL AND retain_until IS NOT NULL AND retain_until <= @now ORDER BY retain_until, id LIMIT @limit",
            ("@now", AlertJson.Time(now)), ("@limit", limit));
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var list = new List<StoredAlert>();
        while (await reader.ReadAsync(cancellationToken)) list.Add(Read(reader, now));
        return list;
    }

    private static (string Where, List<(string, object?)> Parameters) Where(AlertFilter filter, DateTimeOffset now)
    {
        var where = new List<string>();
        var parameters = new List<(string, object?)>();
        var today = AlertJson.Day(DateOnly.FromDateTime(now.UtcDateTime));
        switch (filter.State)
        {
            case AlertState.InForce:
                where.Add("state = 'in-force' AND (valid_until IS NULL OR valid_until >= @today) AND (retain_until IS NULL OR retain_until > @now)");
                parameters.AddRange([("@today", today), ("@now", AlertJson.Time(now))]);
                break;
            case AlertState.Expired:
                where.Add("state = 'in-force' AND (valid_until < @today OR retain_until <= @now)");
                parameters.AddRange([("@today", today), ("@now", AlertJson.Time(now))]);
                break;
            case { } state:
                where.Add("state = @state");
                parameters.Add(("@state", AlertJson.Name(state)));
                break;
        }
        if (filter.Kind is { } kind)
        {
            where.Add("subject_kind = @kind");
            parameters.Add(("@kind", AlertJson.Name(kind)));
        }
        if (filter.Category is { } category)
        {
            where.Add("category = @category");
            parameters.Add(("@category", AlertJson.Name(category)));
        }
        if (filter.Source is { } source)
        {
            where.Add("source = @source");
            parameters.Add(("@source", AlertJson.Name(source)));
        }
        return (where.Count == 0 ? "" : " WHERE " + string.Join(" AND ", where), parameters);
    }

    private static StoredAlert Read(DbDataReader reader, DateTimeOffset now)
    {
        var alert = AlertJson.FromJson((JsonNode.Parse(reader.GetString(0)) as JsonObject)!);
        var local = JsonSerializer.Deserialize<Local>(reader.GetString(1), AlertJson.Options)!;
        var source = AlertJson.Parse<AlertSource>(reader.GetString(2)) ?? AlertSource.Own;
        var retain = reader.IsDBNull(5) ? (DateTimeOffset?)null : AlertJson.ParseTime(reader.GetString(5));
        return new StoredAlert(alert, source, AlertLifecycle.StateAt(alert, now, retain), local.Flags ?? [], local.Findings ?? [],
            AlertJson.ParseTime(reader.GetString(3)), AlertJson.ParseTime(reader.GetString(4)))
        {
            RetainUntil = retain,
            ListKey = reader.IsDBNull(6) ? null : reader.GetString(6),
            ReceivedHandlingCode = local.ReceivedHandlingCode,
            PartnerFlags = local.PartnerFlags ?? [],
            ErasedAt = reader.IsDBNull(7) ? null : AlertJson.ParseTime(reader.GetString(7)),
        };
    }
}
