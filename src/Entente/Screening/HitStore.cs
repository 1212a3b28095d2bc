using System.Data.Common;
using System.Text.Json;
using Entente.Alerts;
using Entente.Storage;

namespace Entente.Screening;

/// <summary>The tables of migration 0020_screening on either provider (times as ISO text); callers hold the connection and transaction.</summary>
internal static class HitStore
{
    private static string Time(DateTimeOffset at) => AlertJson.Time(at);

    /// <summary>Inserts a hit; false when the same alert already hit the same field of the same declaration.</summary>
    public static async Task<bool> InsertAsync(DbConnection connection, DbTransaction transaction, Hit hit, CancellationToken cancellationToken)
    {
        await using var command = NodeDatabase.Command(connection, transaction,
            """
            INSERT INTO hits (id, alert_id, alert_issuer, alert_source, category, declaration_id, checked, score, state, found_at, inform_by, reported_at, document)
            VALUES (@id, @alert, @issuer, @source, @category, @declaration, @checked, @score, @state, @found, @informBy, NULL, @document)
            ON CONFLICT DO NOTHING
            """,
            ("@id", hit.Id), ("@alert", hit.AlertId), ("@issuer", hit.AlertIssuer), ("@source", hit.AlertSource), ("@category", hit.Category),
            ("@declaration", hit.DeclarationId), ("@checked", hit.Checked), ("@score", hit.Score), ("@state", HitJson.Name(hit.State)),
            ("@found", Time(hit.FoundAt)), ("@informBy", Time(hit.InformBy)), ("@document", JsonSerializer.Serialize(hit, HitJson.Options)));
        return await command.ExecuteNonQueryAsync(cancellationToken) == 1;
    }

    public static async Task UpdateAsync(DbConnection connection, DbTransaction transaction, Hit hit, CancellationToken cancellationToken)
    {
        await using var command = NodeDatabase.Command(connection, transaction,
            "UPDATE hits SET state = @state, reported_at = @reported, document = @document WHERE id = @id",
            ("@id", hit.Id), ("@state", HitJson.Name(hit.State)), ("@reported", hit.Report?.MessageId is null ? null : Time(hit.Report.At)),
            ("@document", JsonSerializer.Serialize(hit, HitJson.Options)));
        if (await command.ExecuteNonQueryAsync(cancellationToken) != 1) throw new InvalidOperationException($"hit {hit.Id} was not updated");
    }

    public static async Task<Hit?> LoadAsync(NodeDatabase database, DbConnection connection, DbTransaction? transaction, string id, bool lockIt, CancellationToken cancellationToken)
    {
        await using var command = NodeDatabase.Command(connection, transaction,
            $"SELECT document FROM hits WHERE id = @id{(lockIt && database.IsPostgres ? " FOR UPDATE" : "")}", ("@id", id));
        return await command.ExecuteScalarAsync(cancellationToken) is string text ? Read(text) : null;
    }

    public static async Task<IReadOnlyList<Hit>> ListAsync(NodeDatabase database, HitFilter filter, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var where = new List<string>();
        var parameters = new List<(string, object?)> { ("@limit", filter.Limit) };
        if (filter.State is { } state)
        {
            where.Add("state = @state");
            parameters.Add(("@state", HitJson.Name(state)));
        }
        if (filter.AlertId is { } alert)
        {
            where.Add("alert_id = @alert");
            parameters.Add(("@alert", alert));
        }
        if (filter.Overdue)
        {
            where.Add("inform_by < @now AND (state = 'open' OR (state = 'confirmed' AND alert_source = 'partner' AND reported_at IS NULL))");
            parameters.Add(("@now", Time(now)));
        }
        await using var connection = await database.ConnectAsync(cancellationToken);
        await using var command = NodeDatabase.Command(connection, null,
            $"SELECT document FROM hits{(where.Count == 0 ? "" : " WHERE " + string.Join(" AND ", where))} ORDER BY found_at DESC, id LIMIT @limit", [.. parameters]);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var hits = new List<Hit>();
        while (await reader.ReadAsync(cancellationToken)) hits.Add(Read(reader.GetString(0)));
        return hits;
    }

    /// <summary>Counts by alert and by category.</summary>
    public static async Task<HitStats> StatsAsync(NodeDatabase database, CancellationToken cancellationToken)
    {
        async Task<List<HitRate>> By(DbConnection connection, string column)
        {
            await using var command = NodeDatabase.Command(connection, null,
                $"""
                SELECT {column}, COUNT(*), SUM(CASE WHEN state = 'open' THEN 1 ELSE 0 END), SUM(CASE WHEN state = 'confirmed' THEN 1 ELSE 0 END),
                       SUM(CASE WHEN state = 'discarded' THEN 1 ELSE 0 END)
                FROM hits GROUP BY {column} ORDER BY {column}
                """);
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            var rates = new List<HitRate>();
            while (await reader.ReadAsync(cancellationToken))
                rates.Add(new HitRate(reader.GetString(0), Convert.ToInt64(reader.GetValue(1)), Convert.ToInt64(reader.GetValue(2)), Convert.ToInt64(reader.GetValue(3)), Convert.ToInt64(reader.GetValue(4))));
            return rates;
        }
        await using var connection = await database.ConnectAsync(cancellationToken);
        var byAlert = await By(connection, "alert_id");
        var byCategory = await By(connection, "category");
        var all = new HitRate("all", byAlert.Sum(r => r.Hits), byAlert.Sum(r => r.Open), byAlert.Sum(r => r.Confirmed), byAlert.Sum(r => r.Discarded));
        return new HitStats(byAlert, byCategory, all);
    }

    /// <summary>Declarations not screened yet, newest first.</summary>
    public static async Task<IReadOnlyList<string>> UnscreenedAsync(NodeDatabase database, int limit, CancellationToken cancellationToken)
    {
        await using var connection = await database.ConnectAsync(cancellationToken);
        await using var command = NodeDatabase.Command(connection, null,
            "SELECT d.id FROM declarations d WHERE NOT EXISTS (SELECT 1 FROM screened_declarations s WHERE s.declaration_id = d.id) ORDER BY d.key DESC LIMIT @n", ("@n", limit));
        return await Strings(command, cancellationToken);
    }

    /// <summary>Declaration ids newest first, from the one before <paramref name="beforeKey"/>: the look-back walks back until its window ends.</summary>
    public static async Task<IReadOnlyList<(long Key, string Id)>> RecentAsync(NodeDatabase database, long? beforeKey, int limit, CancellationToken cancellationToken)
    {
        await using var connection = await database.ConnectAsync(cancellationToken);
        await using var command = NodeDatabase.Command(connection, null,
            $"SELECT key, id FROM declarations{(beforeKey is null ? "" : " WHERE key < @before")} ORDER BY key DESC LIMIT @n",
            beforeKey is null ? [("@n", limit)] : [("@before", beforeKey), ("@n", limit)]);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var rows = new List<(long, string)>();
        while (await reader.ReadAsync(cancellationToken)) rows.Add((Convert.ToInt64(reader.GetValue(0)), reader.GetString(1)));
        return rows;
    }

    public static async Task MarkDeclarationsAsync(DbConnection connection, DbTransaction transaction, IEnumerable<string> ids, DateTimeOffset now, CancellationToken cancellationToken)
    {
        foreach (var id in ids)
        {
            await using var command = NodeDatabase.Command(connection, transaction,
                "INSERT INTO screened_declarations (declaration_id, screened_at) VALUES (@id, @at) ON CONFLICT DO NOTHING", ("@id", id), ("@at", Time(now)));
            await command.ExecuteNonQueryAsync(cancellationToken);
        }
    }

    /// <summary>Marks every declaration not screened yet as screened (no alert was in force to screen it against).</summary>
    public static async Task<int> MarkAllAsync(DbConnection connection, DbTransaction transaction, DateTimeOffset now, CancellationToken cancellationToken)
    {
        await using var command = NodeDatabase.Command(connection, transaction,
            "INSERT INTO screened_declarations (declaration_id, screened_at) SELECT d.id, @at FROM declarations d " +
            "WHERE NOT EXISTS (SELECT 1 FROM screened_declarations s WHERE s.declaration_id = d.id)", ("@at", Time(now)));
        return await command.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <summary>Alert versions already screened back against stored declarations.</summary>
    public static async Task<HashSet<(string, int)>> ScreenedAlertsAsync(NodeDatabase database, CancellationToken cancellationToken)
    {
        await using var connection = await database.ConnectAsync(cancellationToken);
        await using var command = NodeDatabase.Command(connection, null, "SELECT alert_id, version FROM screened_alerts");
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var set = new HashSet<(string, int)>();
        while (await reader.ReadAsync(cancellationToken)) set.Add((reader.GetString(0), Convert.ToInt32(reader.GetValue(1))));
        return set;
    }

    public static async Task MarkAlertsAsync(DbConnection connection, DbTransaction transaction, IEnumerable<(string Id, int Version)> alerts, DateTimeOffset now, CancellationToken cancellationToken)
    {
        foreach (var (id, version) in alerts)
        {
            await using var command = NodeDatabase.Command(connection, transaction,
                "INSERT INTO screened_alerts (alert_id, version, screened_at) VALUES (@id, @v, @at) ON CONFLICT DO NOTHING", ("@id", id), ("@v", version), ("@at", Time(now)));
            await command.ExecuteNonQueryAsync(cancellationToken);
        }
    }

    /// <summary>Confirmed hits on partners' alerts whose report is not queued yet, oldest first.</summary>
    public static async Task<IReadOnlyList<Hit>> UnreportedAsync(NodeDatabase database, int limit, CancellationToken cancellationToken)
    {
        await using var connection = await database.ConnectAsync(cancellationToken);
        await using var command = NodeDatabase.Command(connection, null,
            "SELECT document FROM hits WHERE state = 'confirmed' AND alert_source = 'partner' AND reported_at IS NULL ORDER BY found_at, id LIMIT @limit", ("@limit", limit));
        return (await Strings(command, cancellationToken)).Select(Read).ToArray();
    }

    /// <summary>What was found on these declarations before, as (declaration, alert, what was compared): a party unchanged by an amendment is not a new hit.</summary>
    public static async Task<HashSet<(string Declaration, string Alert, string Input)>> FoundOnAsync(NodeDatabase database, IReadOnlyList<string> declarations, CancellationToken cancellationToken)
    {
        var found = new HashSet<(string, string, string)>();
        if (declarations.Count == 0) return found;
        var names = declarations.Select((_, i) => "@d" + i.ToString(System.Globalization.CultureInfo.InvariantCulture)).ToArray();
        await using var connection = await database.ConnectAsync(cancellationToken);
        await using var command = NodeDatabase.Command(connection, null, $"SELECT document FROM hits WHERE declaration_id IN ({string.Join(", ", names)})",
            [.. declarations.Select((d, i) => (names[i], (object?)d))]);
        foreach (var hit in (await Strings(command, cancellationToken)).Select(Read)) found.Add((hit.DeclarationId!, hit.AlertId, hit.Input));
        return found;
    }

    /// <summary>Whether a partner's report on this hit of its is stored already (under any message).</summary>
    public static async Task<bool> HasReportAsync(DbConnection connection, DbTransaction transaction, string alertId, string reporter, string hitId, CancellationToken cancellationToken)
    {
        await using var command = NodeDatabase.Command(connection, transaction, "SELECT document FROM alert_reports WHERE alert_id = @a AND reporter = @r", ("@a", alertId), ("@r", reporter));
        foreach (var text in await Strings(command, cancellationToken))
            if (System.Text.Json.Nodes.JsonNode.Parse(text)?["report"]?["hit"]?.GetValue<string>() == hitId) return true;
        return false;
    }

    /// <summary>Stores a partner's action-taken report on an alert of this node; false when the message was stored already.</summary>
    public static async Task<bool> SaveReportAsync(DbConnection connection, DbTransaction transaction, string messageId, string alertId, string reporter, DateTimeOffset receivedAt,
        string document, CancellationToken cancellationToken)
    {
        await using var command = NodeDatabase.Command(connection, transaction,
            "INSERT INTO alert_reports (message_id, alert_id, reporter, received_at, document) VALUES (@m, @a, @r, @at, @d) ON CONFLICT DO NOTHING",
            ("@m", messageId), ("@a", alertId), ("@r", reporter), ("@at", Time(receivedAt)), ("@d", document));
        return await command.ExecuteNonQueryAsync(cancellationToken) == 1;
    }

    public static async Task<IReadOnlyList<string>> ReportsAsync(NodeDatabase database, string alertId, CancellationToken cancellationToken)
    {
        await using var connection = await database.ConnectAsync(cancellationToken);
        await using var command = NodeDatabase.Command(connection, null, "SELECT document FROM alert_reports WHERE alert_id = @a ORDER BY received_at, message_id", ("@a", alertId));
        return await Strings(command, cancellationToken);
    }

    private static async Task<IReadOnlyList<string>> Strings(DbCommand command, CancellationToken cancellationToken)
    {
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var list = new List<string>();
        while (await reader.ReadAsync(cancellationToken)) list.Add(reader.GetString(0));
        return list;
    }

    private static Hit Read(string text) => JsonSerializer.Deserialize<Hit>(text, HitJson.Options)!;
}
