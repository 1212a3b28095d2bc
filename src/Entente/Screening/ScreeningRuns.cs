using System.Collections.Concurrent;
using System.Data.Common;
using System.Globalization;
using Entente.Alerts;
using Entente.Declarations;
using Entente.Screening.Matching;
using Entente.Storage;

namespace Entente.Screening;

/// <summary>
/// How the desk keeps its watch list and screens stored declarations at scale: the watch list is built whole once, then
/// kept in line with the alert book one alert at a time (the alerts changed since the last look, and on a new day those
/// whose validity began or ended); what an ingest stored is screened by its ids; declarations are read a page per query
/// and screened on every core; a catch-up walks the declarations not screened yet once (at start, or when asked).
/// </summary>
public sealed partial class ScreeningDesk
{
    private readonly SemaphoreSlim _refresh = new(1, 1);
    private readonly SemaphoreSlim _run = new(1, 1);
    private Watch _watch = new(new WatchList());

    /// <summary>The watch list and the alerts in force it holds; changed in place, one alert at a time, under <see cref="_refresh"/>.</summary>
    private sealed class Watch(WatchList list)
    {
        public WatchList List { get; } = list;
        public ConcurrentDictionary<string, StoredAlert> Alerts { get; } = new(StringComparer.Ordinal);
        public bool Built { get; set; }
        public string? Stamp { get; set; }
        public string? ChangedUpTo { get; set; }
        public DateOnly Day { get; set; }
    }

    /// <summary>Brings the watch list in line with the alerts in force when the book changed or the day turned; returns how many alerts it holds.</summary>
    public async Task<int> RefreshAsync(CancellationToken cancellationToken = default)
    {
        var stamp = await _alerts.StampAsync(cancellationToken);
        var today = DateOnly.FromDateTime(_time.GetUtcNow().UtcDateTime);
        var watch = _watch;
        if (watch.Built && watch.Stamp == stamp && watch.Day == today) return watch.Alerts.Count;
        await _refresh.WaitAsync(cancellationToken);
        try
        {
            watch = _watch;
            if (watch.Built && watch.Stamp == stamp && watch.Day == today) return watch.Alerts.Count;
            var now = _time.GetUtcNow();
            if (!watch.Built)
            {
                // The whole build, once: every alert in force, normalised on every core.
                var changedUpTo = await ScreeningQueries.LastAlertChangeAsync(_database, cancellationToken);
                var alerts = new List<StoredAlert>();
                await foreach (var stored in _alerts.InForceAsync(cancellationToken)) alerts.Add(stored);
                var built = new Watch(WatchList.Build(alerts.Select(a => AlertSubjects.ToWatched(a.Alert.Id, a.Alert.Subject)), _thresholds))
                {
                    Built = true,
                    ChangedUpTo = changedUpTo,
                    Day = today,
                };
                foreach (var a in alerts) built.Alerts[a.Alert.Id] = a;
                built.Stamp = stamp;
                _watch = built;
                return built.Alerts.Count;
            }
            var (ids, upTo) = await ScreeningQueries.AlertsChangedSinceAsync(_database, watch.ChangedUpTo, cancellationToken);
            var touched = new HashSet<string>(ids, StringComparer.Ordinal);
            if (watch.Day != today)
            {
                // A new day: alerts whose validity ended leave, alerts whose validity begins come in.
                foreach (var (id, alert) in watch.Alerts)
                    if (!AlertLifecycle.Applies(alert.Alert, now, alert.RetainUntil)) touched.Add(id);
                touched.UnionWith(await ScreeningQueries.AlertsValidFromAsync(_database, watch.Day, today, cancellationToken));
            }
            foreach (var id in touched) Apply(watch, await _alerts.GetAsync(id, cancellationToken), id, now);
            watch.ChangedUpTo = upTo ?? watch.ChangedUpTo;
            watch.Day = today;
            watch.Stamp = stamp;
            return watch.Alerts.Count;
        }
        finally
        {
            _refresh.Release();
        }
    }

    /// <summary>Adds, replaces or removes one alert's subject in the watch list, as the alert stands now.</summary>
    private static void Apply(Watch watch, StoredAlert? stored, string id, DateTimeOffset now)
    {
        if (stored is not null && AlertLifecycle.Applies(stored.Alert, now, stored.RetainUntil))
        {
            watch.List.Add(AlertSubjects.ToWatched(stored.Alert.Id, stored.Alert.Subject));
            watch.Alerts[id] = stored;
        }
        else
        {
            watch.List.Remove(id);
            watch.Alerts.TryRemove(id, out _);
        }
    }

    /// <summary>
    /// The catch-up: screens every stored declaration not screened yet (walking them once, newest first, a page per query),
    /// then every alert version not yet looked back over the declarations of the last Entente:Screening:LookBackDays days.
    /// What the server runs at start, for declarations stored while screening was off.
    /// </summary>
    public async Task<ScreeningRun> ScreenStoredAsync(CancellationToken cancellationToken = default)
    {
        await _run.WaitAsync(cancellationToken);
        try
        {
            await ResendReportsAsync(cancellationToken);
            await _alerts.ResendFlagsAsync(cancellationToken);
            await RefreshAsync(cancellationToken);
            var watch = _watch;
            int declarations = 0, hits = 0;
            if (watch.Alerts.IsEmpty)
            {
                await using var connection = await _database.ConnectAsync(cancellationToken);
                await using var transaction = await _database.BeginWriteAsync(connection, cancellationToken);
                declarations = await HitStore.MarkAllAsync(connection, transaction, _time.GetUtcNow(), cancellationToken);
                await transaction.CommitAsync(cancellationToken);
                return new ScreeningRun(declarations, 0, 0);
            }
            long? before = null;
            while (true)
            {
                var page = await ScreeningQueries.UnscreenedAsync(_database, before, Batch, cancellationToken);
                if (page.Count == 0) break;
                before = page[^1].Key;
                hits += await ScreenPageAsync(watch, page, cancellationToken);
                declarations += page.Count;
            }
            var (looked, lookBackHits) = await LookBackAsync(watch, cancellationToken);
            return new ScreeningRun(declarations, looked, hits + lookBackHits);
        }
        finally
        {
            _run.Release();
        }
    }

    /// <summary>Screens the declarations an ingest stored (by their ids), then looks new alert versions back. What ingest runs.</summary>
    public async Task<ScreeningRun> ScreenDeclarationsAsync(IReadOnlyList<string> ids, CancellationToken cancellationToken = default)
    {
        await _run.WaitAsync(cancellationToken);
        try
        {
            await ResendReportsAsync(cancellationToken);
            await _alerts.ResendFlagsAsync(cancellationToken);
            await RefreshAsync(cancellationToken);
            var watch = _watch;
            int declarations = 0, hits = 0;
            foreach (var chunk in ids.Chunk(Batch))
            {
                if (watch.Alerts.IsEmpty)
                {
                    await RecordAsync([], "screening", chunk, [], cancellationToken);
                    declarations += chunk.Length;
                    continue;
                }
                var page = await ScreeningQueries.ByIdsAsync(_database, chunk, cancellationToken);
                hits += await ScreenPageAsync(watch, page, cancellationToken, chunk);
                declarations += chunk.Length;
            }
            var (looked, lookBackHits) = await LookBackAsync(watch, cancellationToken);
            return new ScreeningRun(declarations, looked, hits + lookBackHits);
        }
        finally
        {
            _run.Release();
        }
    }

    /// <summary>
    /// Screens again the declarations amendments made a new version of (node id and that version): the hits are on the
    /// new version and say so; what was found before against the same alert — the same field, or a party moved with the
    /// same name and identifiers — is not found again. What ingest runs after applying amendments.
    /// </summary>
    public async Task<ScreeningRun> ScreenAmendedAsync(IReadOnlyList<(string Id, int Version)> amended, CancellationToken cancellationToken = default)
    {
        if (amended.Count == 0) return new ScreeningRun(0, 0, 0);
        await _run.WaitAsync(cancellationToken);
        try
        {
            await RefreshAsync(cancellationToken);
            var watch = _watch;
            var versions = new Dictionary<string, int>(StringComparer.Ordinal);
            foreach (var (id, version) in amended) versions[id] = Math.Max(version, versions.GetValueOrDefault(id));
            int declarations = 0, hits = 0;
            foreach (var chunk in versions.Keys.Chunk(Batch))
            {
                declarations += chunk.Length;
                if (watch.Alerts.IsEmpty)
                {
                    await RecordAsync([], "screening", chunk, [], cancellationToken);
                    continue;
                }
                var page = await ScreeningQueries.ByIdsAsync(_database, chunk, cancellationToken);
                var before = await HitStore.FoundOnAsync(_database, chunk, cancellationToken);
                var now = _time.GetUtcNow();
                var found = page.AsParallel().WithCancellation(cancellationToken).SelectMany(p => Find(p.Stored, watch.List, watch.Alerts, now)).ToList()
                    .Where(h => !before.Contains((h.DeclarationId!, h.AlertId, h.Input)))
                    .Select(h => h with { DeclarationVersion = versions[h.DeclarationId!] })
                    .ToList();
                hits += (await RecordAsync(found, "screening", chunk, [], cancellationToken)).Count;
            }
            return new ScreeningRun(declarations, 0, hits);
        }
        finally
        {
            _run.Release();
        }
    }

    /// <summary>Looks the alert versions not looked back yet over the look-back window. What the server runs every few seconds.</summary>
    public async Task<ScreeningRun> LookBackNewAlertsAsync(CancellationToken cancellationToken = default)
    {
        await _run.WaitAsync(cancellationToken);
        try
        {
            await ResendReportsAsync(cancellationToken);
            await _alerts.ResendFlagsAsync(cancellationToken);
            await RefreshAsync(cancellationToken);
            var (looked, hits) = await LookBackAsync(_watch, cancellationToken);
            return new ScreeningRun(0, looked, hits);
        }
        finally
        {
            _run.Release();
        }
    }

    /// <summary>Screens one page of declarations on every core, records the hits and marks the page (or <paramref name="ids"/>) screened, in one transaction.</summary>
    private async Task<int> ScreenPageAsync(Watch watch, IReadOnlyList<(long Key, StoredDeclaration Stored)> page, CancellationToken cancellationToken, IReadOnlyList<string>? ids = null)
    {
        var now = _time.GetUtcNow();
        var found = page.AsParallel().WithCancellation(cancellationToken).SelectMany(p => Find(p.Stored, watch.List, watch.Alerts, now)).ToList();
        return (await RecordAsync(found, "screening", ids ?? [.. page.Select(p => p.Stored.Declaration.Id!)], [], cancellationToken)).Count;
    }

    private async Task<(int Alerts, int Hits)> LookBackAsync(Watch watch, CancellationToken cancellationToken)
    {
        var done = await HitStore.ScreenedAlertsAsync(_database, cancellationToken);
        var fresh = watch.Alerts.Values.Where(a => !done.Contains((a.Alert.Id, a.Alert.Version))).ToList();
        if (fresh.Count == 0) return (0, 0);
        var list = WatchList.Build(fresh.Select(a => AlertSubjects.ToWatched(a.Alert.Id, a.Alert.Subject)), _thresholds);
        var since = _time.GetUtcNow().AddDays(-_settings.LookBackDays);
        var found = new List<Hit>();
        long? before = null;
        var inWindow = _settings.LookBackDays > 0;
        while (inWindow)
        {
            // A page of the window per query, screened on every core.
            var page = await ScreeningQueries.RecentAsync(_database, before, Batch, cancellationToken);
            if (page.Count == 0) break;
            before = page[^1].Key;
            var inside = page.TakeWhile(p => p.Stored.ReceivedAt >= since).ToList();
            inWindow = inside.Count == page.Count;
            var now = _time.GetUtcNow();
            found.AddRange(inside.AsParallel().WithCancellation(cancellationToken).SelectMany(p => Find(p.Stored, list, watch.Alerts, now)));
        }
        var recorded = await RecordAsync(found, "look-back", [], fresh.Select(a => (a.Alert.Id, a.Alert.Version)).ToArray(), cancellationToken);
        return (fresh.Count, recorded.Count);
    }
}

/// <summary>The screening's reads of stored declarations and alert changes: a page per query, on indexed columns.</summary>
internal static class ScreeningQueries
{
    private const string Columns = "d.key, d.document, d.received_at, d.source_format, d.source_file";

    /// <summary>Declarations not screened yet, newest first, from the one before <paramref name="beforeKey"/>.</summary>
    public static Task<IReadOnlyList<(long Key, StoredDeclaration Stored)>> UnscreenedAsync(NodeDatabase database, long? beforeKey, int limit, CancellationToken cancellationToken) =>
        PageAsync(database, $"SELECT {Columns} FROM declarations d WHERE {(beforeKey is null ? "" : "d.key < @before AND ")}" +
            "NOT EXISTS (SELECT 1 FROM screened_declarations s WHERE s.declaration_id = d.id) ORDER BY d.key DESC LIMIT @n", beforeKey, limit, cancellationToken);

    /// <summary>Declarations newest first, from the one before <paramref name="beforeKey"/>: the look-back walks back until its window ends.</summary>
    public static Task<IReadOnlyList<(long Key, StoredDeclaration Stored)>> RecentAsync(NodeDatabase database, long? beforeKey, int limit, CancellationToken cancellationToken) =>
        PageAsync(database, $"SELECT {Columns} FROM declarations d{(beforeKey is null ? "" : " WHERE d.key < @before")} ORDER BY d.key DESC LIMIT @n", beforeKey, limit, cancellationToken);

    public static async Task<IReadOnlyList<(long Key, StoredDeclaration Stored)>> ByIdsAsync(NodeDatabase database, IReadOnlyList<string> ids, CancellationToken cancellationToken)
    {
        var names = ids.Select((_, i) => "@id" + i.ToString(CultureInfo.InvariantCulture)).ToArray();
        await using var connection = await database.ConnectAsync(cancellationToken);
        await using var command = NodeDatabase.Command(connection, null, $"SELECT {Columns} FROM declarations d WHERE d.id IN ({string.Join(", ", names)}) ORDER BY d.key DESC",
            [.. ids.Select((id, i) => (names[i], (object?)id))]);
        return await ReadAsync(command, cancellationToken);
    }

    private static async Task<IReadOnlyList<(long, StoredDeclaration)>> PageAsync(NodeDatabase database, string sql, long? beforeKey, int limit, CancellationToken cancellationToken)
    {
        await using var connection = await database.ConnectAsync(cancellationToken);
        await using var command = NodeDatabase.Command(connection, null, sql, beforeKey is null ? [("@n", limit)] : [("@before", beforeKey), ("@n", limit)]);
        return await ReadAsync(command, cancellationToken);
    }

    private static async Task<IReadOnlyList<(long, StoredDeclaration)>> ReadAsync(DbCommand command, CancellationToken cancellationToken)
    {
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var rows = new List<(long, StoredDeclaration)>();
        while (await reader.ReadAsync(cancellationToken))
        {
            rows.Add((Convert.ToInt64(reader.GetValue(0), CultureInfo.InvariantCulture), new StoredDeclaration(EntenteJson.Deserialize(reader.GetString(1)),
                reader.GetFieldValue<DateTimeOffset>(2), DeclarationRow.ParseFormat(reader.GetString(3)), reader.GetString(4), null)));
        }
        return rows;
    }

    /// <summary>The last change time of any alert (null: none).</summary>
    public static async Task<string?> LastAlertChangeAsync(NodeDatabase database, CancellationToken cancellationToken)
    {
        await using var connection = await database.ConnectAsync(cancellationToken);
        await using var command = NodeDatabase.Command(connection, null, "SELECT MAX(updated_at) FROM alerts");
        return await command.ExecuteScalarAsync(cancellationToken) is string s ? s : null;
    }

    /// <summary>
    /// The alerts changed at or after <paramref name="since"/> (indexed on updated_at; those of the last change time are
    /// read again, since another change may share its clock tick), and the last change time seen.
    /// </summary>
    public static async Task<(IReadOnlyList<string> Ids, string? UpTo)> AlertsChangedSinceAsync(NodeDatabase database, string? since, CancellationToken cancellationToken)
    {
        await using var connection = await database.ConnectAsync(cancellationToken);
        await using var command = since is null
            ? NodeDatabase.Command(connection, null, "SELECT id, updated_at FROM alerts")
            : NodeDatabase.Command(connection, null, "SELECT id, updated_at FROM alerts WHERE updated_at >= @since", ("@since", since));
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var ids = new List<string>();
        string? upTo = since;
        while (await reader.ReadAsync(cancellationToken))
        {
            ids.Add(reader.GetString(0));
            var at = reader.GetString(1);
            if (upTo is null || string.CompareOrdinal(at, upTo) > 0) upTo = at;
        }
        return (ids, upTo);
    }

    /// <summary>The alerts whose validity begins after <paramref name="after"/> and by <paramref name="today"/>.</summary>
    public static async Task<IReadOnlyList<string>> AlertsValidFromAsync(NodeDatabase database, DateOnly after, DateOnly today, CancellationToken cancellationToken)
    {
        await using var connection = await database.ConnectAsync(cancellationToken);
        await using var command = NodeDatabase.Command(connection, null, "SELECT id FROM alerts WHERE valid_from > @after AND valid_from <= @today",
            ("@after", AlertJson.Day(after)), ("@today", AlertJson.Day(today)));
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var ids = new List<string>();
        while (await reader.ReadAsync(cancellationToken)) ids.Add(reader.GetString(0));
        return ids;
    }
}
