using System.Data.Common;
using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography;
using Entente.Declarations;
using Entente.Ingest;
using Entente.Ingest.Csv;
using Entente.Intelligence.Analytics;
using Entente.Ledger;
using Entente.Storage;
using Npgsql;

namespace Entente.Bench;

/// <summary>
/// The analytics store (docs/intelligence.md): N declarations generated from the Korean set (rows resampled with fresh
/// ids, spread over five years' months) are loaded into a SQLite node, exported to Parquet by <see cref="AnalyticsExport"/>
/// (declarations/s), and the monthly trend by HS chapter is timed with DuckDB over the month × chapter aggregate the
/// export writes and over the items' files, then the same query straight on the node's tables in SQLite and in
/// PostgreSQL (the same declarations loaded there), side by side.
/// </summary>
internal static class AnalyticsBenchmark
{
    private const string KoreanTrain = "customs-import-declarations/df_syn_train_eng.csv";

    public static async Task<int> RunAsync(string[] args)
    {
        var n = NetworkBenchmark.Option(args, "--declarations", 10_000_000);
        var runs = NetworkBenchmark.Option(args, "--runs", 3);
        var databases = Value(args, "--databases") is { } d ? d.Split(',') : ["sqlite", "postgres"];
        var postgres = Value(args, "--postgres") ?? Environment.GetEnvironmentVariable("ENTENTE_TEST_POSTGRES");
        var work = Path.GetFullPath(Value(args, "--work") ?? Path.Combine(Path.GetTempPath(), "entente-bench-analytics"));
        var data = Environment.GetEnvironmentVariable("ENTENTE_DATA") ?? Path.GetFullPath(Path.Combine("..", "shared", "data"));
        var korean = Path.Combine(data, KoreanTrain);
        Console.WriteLine($"# entente bench analytics --declarations {n} on {Environment.ProcessorCount} cores ({NetworkBenchmark.CpuModel()}), {Environment.OSVersion}, .NET {Environment.Version}");
        Console.WriteLine($"# load average at start: {LoadAverage()}");
        if (!File.Exists(korean))
        {
            Console.WriteLine($"# skipped: the Korea Customs Service data set {KoreanTrain} (customs-import-declarations) is missing at {data}; set ENTENTE_DATA (it is published at github.com/Seondong/Customs-Declaration-Datasets)");
            return 0;
        }
        // --keep keeps the generated stores (work folder, PostgreSQL database) and reuses them when they hold N
        // declarations: loading 10 M is setup, not what is measured. --load-only stops once they are loaded.
        var loadOnly = args.Contains("--load-only");
        var keep = loadOnly || args.Contains("--keep");
        var mapping = CsvMapping.Load(Path.Combine(AppContext.BaseDirectory, "mappings", "kcs-synthetic-hs6.yaml"));
        var csv = Path.Combine(work, "declarations.csv");
        var sqlite = Path.Combine(work, "node.db");
        long loaded;
        if (keep && File.Exists(sqlite) && File.Exists(csv) && await CountAsync(sqlite) == n)
        {
            loaded = n;
            Console.WriteLine($"# reusing the {n:N0} declarations kept in {sqlite}");
        }
        else
        {
            if (Directory.Exists(work)) Directory.Delete(work, recursive: true);
            Directory.CreateDirectory(work);
            var generate = Stopwatch.StartNew();
            BenchSupport.ResampleKorean(korean, csv, n);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"# {n:N0} declarations written to {csv} in {generate.Elapsed.TotalSeconds:F1} s"));
            // The SQLite node: loaded, then exported and queried.
            loaded = await LoadAsync(sqlite, csv, mapping);
        }
        if (loaded != n)
        {
            Console.WriteLine($"# stopped: {n - loaded:N0} of the generated declarations were refused");
            return 3;
        }
        if (loadOnly)
        {
            if (databases.Contains("postgres") && !string.IsNullOrEmpty(postgres)) await PostgresAsync(postgres, csv, mapping, n, keep: true);
            return 0;
        }
        var database = NodeDatabase.Open(sqlite);
        await database.MigrateAsync(TimeProvider.System);
        var lake = Path.Combine(work, "lake");
        if (Directory.Exists(lake)) Directory.Delete(lake, recursive: true);
        var clock = new Stopwatch();
        long exported;
        double exportSeconds;
        double cpu;
        await using (var ledger = new LedgerStore(database, TimeProvider.System))
        {
            var export = new AnalyticsExport("BENCH", database, ledger, RandomNumberGenerator.GetBytes(32), TimeProvider.System);
            var before = Process.GetCurrentProcess().TotalProcessorTime;
            clock.Restart();
            var report = await export.ExportAsync(lake, purpose: null, justification: null, user: "bench");
            exportSeconds = clock.Elapsed.TotalSeconds;
            cpu = (Process.GetCurrentProcess().TotalProcessorTime - before).TotalSeconds;
            exported = report.Datasets.Single(s => s.Dataset == "declarations").Rows;
            var items = report.Datasets.Single(s => s.Dataset == "items");
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"Parquet export: {exported:N0} declarations ({items.Rows:N0} items, {report.Datasets.Single(s => s.Dataset == "declarations").Months.Count} months) in {exportSeconds:F1} s = {exported / exportSeconds:N0} declarations/s (target ≥ 200,000/s), CPU {cpu:F1} s, {Size(lake) / 1048576.0:N0} MiB of Parquet, load {LoadAverage()}"));
        }

        var results = new List<(string Engine, double[] Seconds, long Rows, long Declarations)>();
        results.Add(Time("DuckDB, the month × chapter aggregate", runs, () =>
        {
            var result = AnalyticsExport.Query(lake, AnalyticsExport.ChapterTrendSql, int.MaxValue);
            return (result.Rows.Count, result.Rows.Sum(r => Convert.ToInt64(r[2], CultureInfo.InvariantCulture)));
        }));
        results.Add(Time("DuckDB over the items' Parquet files", runs, () =>
        {
            var result = AnalyticsExport.Query(lake, AnalyticsExport.ChapterTrendFromItemsSql, int.MaxValue);
            return (result.Rows.Count, result.Rows.Sum(r => Convert.ToInt64(r[2], CultureInfo.InvariantCulture)));
        }));
        if (databases.Contains("sqlite")) results.Add(await TimeStoreAsync("SQLite, the node's tables", database, runs));
        await database.DisposeAsync();

        if (databases.Contains("postgres"))
        {
            if (string.IsNullOrEmpty(postgres))
            {
                Console.WriteLine("# PostgreSQL skipped: give --postgres CONNSTRING or set ENTENTE_TEST_POSTGRES");
            }
            else
            {
                var pg = await PostgresAsync(postgres, csv, mapping, n, keep);
                try
                {
                    results.Add(await TimeStoreAsync("PostgreSQL, the node's tables", pg, runs));
                    await pg.DisposeAsync();
                }
                finally
                {
                    NpgsqlConnection.ClearAllPools();
                    if (!keep) await AdminAsync(postgres, $"DROP DATABASE IF EXISTS {PostgresName(keep)}");
                }
            }
        }

        Console.WriteLine();
        Console.WriteLine($"Monthly trend by HS chapter over {loaded:N0} declarations ({runs} runs each; best, then every run):");
        Console.WriteLine();
        Console.WriteLine("| engine | rows | declarations counted | best s | runs s | × DuckDB |");
        Console.WriteLine("|---|---:|---:|---:|---|---:|");
        var duck = results[0].Seconds.Min();
        foreach (var (engine, seconds, rows, counted) in results)
        {
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"| {engine} | {rows:N0} | {counted:N0} | {seconds.Min():F3} | {string.Join(" · ", seconds.Select(s => s.ToString("F3", CultureInfo.InvariantCulture)))} | {seconds.Min() / duck:F1} |"));
        }
        Console.WriteLine($"# DuckDB target ≤ 1 s; load average at the end: {LoadAverage()}");
        if (!keep) Directory.Delete(work, recursive: true);
        return 0;
    }

    /// <summary>A PostgreSQL database with the N declarations: a new one per run, or with --keep one kept by name and reused when it holds them.</summary>
    private static async Task<NodeDatabase> PostgresAsync(string postgres, string csv, CsvMapping mapping, long n, bool keep)
    {
        var name = PostgresName(keep);
        var connection = new NpgsqlConnectionStringBuilder(postgres) { Database = name }.ConnectionString;
        await using (var admin = new NpgsqlConnection(postgres))
        {
            await admin.OpenAsync();
            await using var exists = new NpgsqlCommand("SELECT 1 FROM pg_database WHERE datname = @n", admin);
            exists.Parameters.AddWithValue("n", name);
            if (keep && await exists.ExecuteScalarAsync() is not null && await CountAsync(connection) == n)
            {
                Console.WriteLine($"# reusing the {n:N0} declarations kept in PostgreSQL database {name}");
                return NodeDatabase.Open(connection);
            }
        }
        await AdminAsync(postgres, $"DROP DATABASE IF EXISTS {name}", $"CREATE DATABASE {name}");
        await LoadAsync(connection, csv, mapping);
        var pg = NodeDatabase.Open(connection);
        await using (var analyze = await pg.ConnectAsync())
        await using (var command = NodeDatabase.Command(analyze, null, "ANALYZE"))
        {
            command.CommandTimeout = 0;
            await command.ExecuteNonQueryAsync();
        }
        return pg;
    }

    private static string PostgresName(bool keep) => keep ? "entente_bench_analytics_kept" : $"entente_bench_analytics_{Environment.ProcessId}";

    private static async Task<long> CountAsync(string connection)
    {
        try
        {
            await using var database = NodeDatabase.Open(connection);
            await using var open = await database.ConnectAsync();
            await using var command = NodeDatabase.Command(open, null, "SELECT count(*) FROM declarations");
            command.CommandTimeout = 0;
            return Convert.ToInt64(await command.ExecuteScalarAsync(), CultureInfo.InvariantCulture);
        }
        catch (DbException)
        {
            return -1;
        }
    }

    private static string? Value(string[] args, string name)
    {
        var i = Array.IndexOf(args, name);
        return i >= 0 && i + 1 < args.Length ? args[i + 1] : null;
    }

    private static async Task<long> LoadAsync(string connection, string csv, CsvMapping mapping)
    {
        var clock = Stopwatch.StartNew();
        await using var store = DeclarationStores.Open(connection, TimeProvider.System);
        await store.MigrateAsync();
        var report = await new DeclarationIngest(store).IngestFilesAsync([csv], new IngestOptions { Format = DeclarationFormat.Csv, Mapping = mapping, BulkLoad = true });
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"# loaded into {DeclarationStores.ProviderOf(connection)}: {report.Accepted:N0} declarations in {clock.Elapsed.TotalSeconds:F1} s (setup, not measured here; see bench ingest){(report.Errors.Count > 0 ? $", first refusal: {report.Errors[0]}" : "")}"));
        return report.Accepted;
    }

    private static (string, double[], long, long) Time(string engine, int runs, Func<(long Rows, long Declarations)> query)
    {
        var seconds = new double[runs];
        (long Rows, long Declarations) result = default;
        for (var r = 0; r < runs; r++)
        {
            var clock = Stopwatch.StartNew();
            result = query();
            seconds[r] = clock.Elapsed.TotalSeconds;
        }
        Report(engine, seconds);
        return (engine, seconds, result.Rows, result.Declarations);
    }

    /// <summary>The same trend straight on the node's tables (the month as the export computes it).</summary>
    private static async Task<(string, double[], long, long)> TimeStoreAsync(string engine, NodeDatabase database, int runs)
    {
        var month = database.IsPostgres
            ? "coalesce(to_char(d.declaration_date, 'YYYY-MM'), to_char(d.received_at AT TIME ZONE 'UTC', 'YYYY-MM'))"
            : "substr(coalesce(d.declaration_date, d.received_at), 1, 7)";
        var sql = $"SELECT {month} AS month, substr(g.hs_code, 1, 2) AS hs_chapter, count(DISTINCT d.key) AS declarations, sum(g.value) AS value " +
                  "FROM goods_items g JOIN declarations d ON d.key = g.declaration_key GROUP BY 1, 2 ORDER BY 1, 2";
        var seconds = new double[runs];
        long rows = 0, counted = 0;
        for (var r = 0; r < runs; r++)
        {
            var clock = Stopwatch.StartNew();
            rows = counted = 0;
            await using var connection = await database.ConnectAsync();
            await using var command = NodeDatabase.Command(connection, null, sql);
            command.CommandTimeout = 0;
            await using DbDataReader reader = await command.ExecuteReaderAsync();
            while (await reader.ReadAsync())
            {
                rows++;
                counted += Convert.ToInt64(reader.GetValue(2), CultureInfo.InvariantCulture);
            }
            seconds[r] = clock.Elapsed.TotalSeconds;
        }
        Report(engine, seconds);
        return (engine, seconds, rows, counted);
    }

    private static void Report(string engine, double[] seconds) =>
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"# {engine}: {string.Join(" · ", seconds.Select(s => s.ToString("F3", CultureInfo.InvariantCulture)))} s, load {LoadAverage()}"));

    private static async Task AdminAsync(string postgres, params string[] statements)
    {
        await using var admin = new NpgsqlConnection(postgres);
        await admin.OpenAsync();
        foreach (var statement in statements)
        {
            await using var command = new NpgsqlCommand(statement, admin);
            await command.ExecuteNonQueryAsync();
        }
    }

    private static long Size(string folder) => new DirectoryInfo(folder).EnumerateFiles("*", SearchOption.AllDirectories).Sum(f => f.Length);

    private static string LoadAverage() => File.Exists("/proc/loadavg") ? string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : "unknown";
}
