using System.Diagnostics;
using System.Globalization;
using System.Text.Json.Nodes;
using Entente.Alerts;
using Entente.Ingest;
using Entente.Ingest.Csv;
using Entente.Ledger;
using Entente.Screening;
using Entente.Screening.Matching;
using Entente.Storage;

namespace Entente.Bench;

/// <summary>
/// Ingest with the after-ingest screening on (`bench ingest --screening N`): a fresh SQLite store holding N generated
/// alerts in force (persons, companies, containers, vessels), the watch list built, then the same file ingested through
/// the node's use case (IngestDeclarations with ScreenAfterIngest), so the figure is store and screen, beside the one
/// without.
/// </summary>
internal static class IngestScreeningBenchmark
{
    private const int Seed = 11;

    public sealed record Result(long Accepted, double Seconds, double CpuSeconds, double ImportSeconds, double BuildSeconds, long Hits, double PeakWorkingSetMiB, string? FirstError);

    public static async Task<Result> MeasureAsync(string format, string file, CsvMapping mapping, string work, int alerts)
    {
        var path = Path.Combine(work, $"bench-screening-{format}.db");
        foreach (var f in new[] { path, path + "-wal", path + "-shm" }) File.Delete(f);
        var time = TimeProvider.System;
        await using var store = DeclarationStores.Open(path, time);
        await store.MigrateAsync();
        await using var ledger = LedgerStore.Open(path, time);
        var book = new AlertBook("XX", ledger, time, _ => []);
        var clock = Stopwatch.StartNew();
        var r = new Random(Seed);
        var today = DateOnly.FromDateTime(time.GetUtcNow().UtcDateTime.AddDays(-1)).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
        for (var done = 0; done < alerts;)
        {
            var rows = new List<AlertImportRow>();
            for (; rows.Count < 20_000 && done < alerts; done++) rows.Add(new AlertImportRow(Alert(r, today), "bench", done + 1, [], new Dictionary<string, string>()));
            var report = await book.ImportAsync("bench", rows, "bench");
            if (report.Errors.Count > 0) throw new InvalidOperationException("generated alerts refused: " + report.Errors[0]);
        }
        var imported = clock.Elapsed.TotalSeconds;
        var desk = new ScreeningDesk("XX", ledger.Database, ledger, store, book, time, new ScreeningSettings(), MatchingThresholds.Default);
        clock.Restart();
        var inForce = await desk.RefreshAsync();
        var built = clock.Elapsed.TotalSeconds;
        if (inForce != alerts) throw new InvalidOperationException($"{inForce} alerts in force, {alerts} imported");

        using var sampler = new MemorySampler();
        FormatDetector.TryParseName(format, out var declared);
        var ingest = new IngestDeclarations(store, () => [new ScreenAfterIngest(desk)]);
        var cpu = Process.GetCurrentProcess().TotalProcessorTime;
        clock.Restart();
        var outcome = await ingest.FilesAsync([file], new IngestInput(declared, format == "csv" ? mapping : null, false) { BulkLoad = true }, null, CancellationToken.None);
        var seconds = clock.Elapsed.TotalSeconds;
        var cpuSeconds = (Process.GetCurrentProcess().TotalProcessorTime - cpu).TotalSeconds;
        var (_, workingSet) = sampler.Stop();
        var hits = (await desk.StatsAsync()).All.Hits;
        await ledger.DisposeAsync();
        await store.DisposeAsync();
        foreach (var f in new[] { path, path + "-wal", path + "-shm" }) File.Delete(f);
        return new Result(outcome.Report.Accepted, seconds, cpuSeconds, imported, built, hits, workingSet / 1048576.0, outcome.Report.Errors.FirstOrDefault()?.ToString());
    }

    /// <summary>A generated own alert in force: 55 % persons, 35 % companies, 5 % containers, 5 % vessels.</summary>
    private static JsonObject Alert(Random r, string from)
    {
        var k = r.Next(100);
        JsonObject subject = k switch
        {
            < 55 => new JsonObject { ["kind"] = "person", ["names"] = new JsonArray(ScreeningData.PersonName(r, Seed)), ["birthDate"] = $"{1940 + r.Next(65)}-{1 + r.Next(12):D2}-{1 + r.Next(28):D2}" },
            < 90 => new JsonObject { ["kind"] = "company", ["names"] = new JsonArray(ScreeningData.CompanyName(r, Seed)), ["countryCode"] = "KR" },
            < 95 => new JsonObject { ["kind"] = "container", ["containerNumber"] = $"{(char)('A' + r.Next(26))}{(char)('A' + r.Next(26))}{(char)('A' + r.Next(26))}U{r.Next(10_000_000):D7}" },
            _ => new JsonObject { ["kind"] = "transport", ["imo"] = (1_000_000 + r.Next(9_000_000)).ToString(CultureInfo.InvariantCulture) },
        };
        return new JsonObject
        {
            ["subject"] = subject,
            ["category"] = "fraud",
            ["action"] = "discreet-check",
            ["validity"] = new JsonObject { ["from"] = from, ["until"] = "2099-12-31" },
            ["legalBasis"] = new JsonObject { ["national"] = "Customs Code, Art. 46" },
        };
    }
}
