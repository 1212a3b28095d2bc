using System.Diagnostics;
using System.Globalization;
using Entente.Common;
using Entente.Declarations;
using Entente.Generation;
using Entente.Ingest;
using Entente.Ingest.Csv;
using Entente.Ingest.Edifact;
using Entente.Ingest.WcoXml;
using Entente.Storage;
using Npgsql;

namespace Entente.Bench;

/// <summary>
/// Ingest throughput: N declarations per format, written once to files, then ingested into a fresh store per
/// database through the same pipeline the CLI uses (detect, read, validate, duplicate check, store, commit).
/// </summary>
internal static class IngestBenchmark
{
    private const string KoreanTrain = "customs-import-declarations/df_syn_train_eng.csv";

    public static async Task<int> RunAsync(string[] args)
    {
        var count = 1_000_000;
        var formats = new[] { "csv", "json", "wco-xml", "edifact" };
        var databases = new[] { "sqlite", "postgres" };
        string? postgres = Environment.GetEnvironmentVariable("ENTENTE_TEST_POSTGRES");
        var work = Path.Combine(Path.GetTempPath(), "entente-bench");
        var keepFiles = false;
        for (var i = 0; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "--count": count = int.Parse(args[++i], CultureInfo.InvariantCulture); break;
                case "--formats": formats = args[++i].Split(','); break;
                case "--databases": databases = args[++i].Split(','); break;
                case "--postgres": postgres = args[++i]; break;
                case "--work": work = args[++i]; break;
                case "--keep-files": keepFiles = true; break;
                default:
                    Console.Error.WriteLine($"entente bench ingest: unknown option {args[i]}");
                    return 2;
            }
        }
        Directory.CreateDirectory(work);
        var data = Environment.GetEnvironmentVariable("ENTENTE_DATA") ?? Path.GetFullPath(Path.Combine("..", "shared", "data"));
        var korean = Path.Combine(data, KoreanTrain);
        var mappingPath = Path.Combine(AppContext.BaseDirectory, "mappings", "kcs-synthetic-hs6.yaml");
        var mapping = CsvMapping.Load(mappingPath);

        Console.WriteLine($"# entente bench ingest --count {count} on {Environment.ProcessorCount} cores, {Environment.OSVersion}, .NET {Environment.Version}");
        List<Declaration> templates;
        string[]? csvLines = null;
        string? csvHeader = null;
        if (File.Exists(korean))
        {
            Console.WriteLine($"# templates: {korean} (Korea Customs Service synthetic declarations, MIT), resampled with fresh MRNs");
            var reader = new CsvReader(mapping);
            using (var stream = File.OpenRead(korean))
                templates = reader.Read(stream, korean).Select(r => r.Declaration!).ToList();
            var lines = File.ReadAllLines(korean);
            csvHeader = lines[0];
            csvLines = lines[1..];
        }
        else
        {
            Console.WriteLine($"# templates: Entente's generator (the data set {KoreanTrain} is missing at {data}; it is published at github.com/Seondong/Customs-Declaration-Datasets)");
            templates = new DeclarationGenerator(seed: 1).Generate(20_000).Select(r => r.Declaration!).ToList();
        }

        var files = new Dictionary<string, string>();
        foreach (var format in formats)
        {
            var path = Path.Combine(work, $"declarations-{count}.{Extension(format)}");
            var watch = Stopwatch.StartNew();
            if (!File.Exists(path)) Write(format, path, count, templates, csvHeader, csvLines);
            files[format] = path;
            Console.WriteLine($"# {format}: {path} ({new FileInfo(path).Length / 1024.0 / 1024.0:N0} MiB, ready in {watch.Elapsed.TotalSeconds:N0} s)");
        }

        Console.WriteLine();
        Console.WriteLine("| format | database | declarations | seconds | declarations/s | peak managed heap MiB | peak working set MiB |");
        Console.WriteLine("|---|---|---:|---:|---:|---:|---:|");
        foreach (var database in databases)
        {
            if (database == "postgres" && string.IsNullOrEmpty(postgres))
            {
                Console.WriteLine("| * | postgres | skipped: give --postgres CONNSTRING or run under scripts/with-postgres | | | | |");
                continue;
            }
            foreach (var format in formats)
            {
                var result = await MeasureAsync(database, format, files[format], mapping, work, postgres);
                Console.WriteLine($"| {format} | {database} | {result.Accepted:N0} | {result.Seconds:N1} | {result.Accepted / result.Seconds:N0} | {result.PeakHeapMiB:N0} | {result.PeakWorkingSetMiB:N0} |");
                if (result.Accepted != count) Console.WriteLine($"| | | WARNING: {count - result.Accepted:N0} not stored: {result.FirstError} | | | | |");
            }
        }
        if (!keepFiles)
        {
            foreach (var file in files.Values) File.Delete(file);
        }
        return 0;
    }

    private sealed record Measurement(long Accepted, double Seconds, double PeakHeapMiB, double PeakWorkingSetMiB, string? FirstError);

    private static async Task<Measurement> MeasureAsync(string database, string format, string file, CsvMapping mapping, string work, string? postgres)
    {
        string connection;
        string? dropDatabase = null;
        if (database == "sqlite")
        {
            connection = Path.Combine(work, $"bench-{format}.db");
            foreach (var f in new[] { connection, connection + "-wal", connection + "-shm" }) File.Delete(f);
        }
        else
        {
            var name = $"entente_bench_{format.Replace('-', '_')}_{Environment.ProcessId}";
            await using (var admin = new NpgsqlConnection(postgres))
            {
                await admin.OpenAsync();
                await using var create = new NpgsqlCommand($"DROP DATABASE IF EXISTS {name}; ", admin);
                await create.ExecuteNonQueryAsync();
                create.CommandText = $"CREATE DATABASE {name}";
                await create.ExecuteNonQueryAsync();
            }
            connection = new NpgsqlConnectionStringBuilder(postgres) { Database = name }.ConnectionString;
            dropDatabase = name;
        }

        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
        await using var store = DeclarationStores.Open(connection, TimeProvider.System);
        await store.MigrateAsync();
        using var sampler = new MemorySampler();
        var watch = Stopwatch.StartNew();
        FormatDetector.TryParseName(format, out var declared);
        var report = await new DeclarationIngest(store).IngestFilesAsync([file],
            new IngestOptions { Format = declared, Mapping = format == "csv" ? mapping : null, BatchSize = 5_000 });
        watch.Stop();
        var (heap, workingSet) = sampler.Stop();
        await store.DisposeAsync();

        if (dropDatabase is not null)
        {
            NpgsqlConnection.ClearAllPools();
            await using var admin = new NpgsqlConnection(postgres);
            await admin.OpenAsync();
            await using var drop = new NpgsqlCommand($"DROP DATABASE IF EXISTS {dropDatabase}", admin);
            await drop.ExecuteNonQueryAsync();
        }
        else
        {
            foreach (var f in new[] { connection, connection + "-wal", connection + "-shm" }) File.Delete(f);
        }
        return new Measurement(report.Accepted, watch.Elapsed.TotalSeconds, heap / 1048576.0, workingSet / 1048576.0, report.Errors.FirstOrDefault()?.ToString());
    }

    private static string Extension(string format) => format switch
    {
        "csv" => "csv",
        "json" => "ndjson",
        "wco-xml" => "xml",
        "edifact" => "edi",
        _ => throw new ArgumentException($"unknown format {format}; use csv, json, wco-xml or edifact"),
    };

    private static IEnumerable<Declaration> Resample(List<Declaration> templates, int count)
    {
        for (var i = 0; i < count; i++)
        {
            var d = templates[i % templates.Count];
            d.Mrn = $"BENCH{i:D10}";
            d.Lrn = null;
            yield return d;
        }
    }

    private static void Write(string format, string path, int count, List<Declaration> templates, string? csvHeader, string[]? csvLines)
    {
        var temporary = path + ".part";
        using (var stream = new FileStream(temporary, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 20))
        {
            switch (format)
            {
                case "csv":
                    WriteCsv(stream, count, templates, csvHeader, csvLines);
                    break;
                case "json":
                    using (var writer = new StreamWriter(stream, leaveOpen: true))
                    {
                        foreach (var d in Resample(templates, count)) writer.WriteLine(EntenteJson.Serialize(d));
                    }
                    break;
                case "wco-xml":
                    WcoXmlWriter.WriteBatch(stream, Resample(templates, count), indent: false);
                    break;
                case "edifact":
                    CusdecWriter.WriteInterchange(stream, Resample(templates, count), new CusdecWriterOptions
                    {
                        Sender = "BENCH",
                        Recipient = "ENTENTE",
                        ControlReference = "1",
                        PreparedAt = TimeProvider.System.GetUtcNow(),
                        CharacterSet = EdifactCharacterSet.Unow,
                    });
                    break;
            }
        }
        File.Move(temporary, path, overwrite: true);
    }

    private static void WriteCsv(Stream stream, int count, List<Declaration> templates, string? header, string[]? lines)
    {
        using var writer = new StreamWriter(stream, leaveOpen: true);
        if (header is null || lines is null)
            throw new InvalidOperationException("the CSV benchmark needs the Korean data set (its mapping describes that extract)");
        writer.WriteLine(header);
        for (var i = 0; i < count; i++)
        {
            var line = lines[i % lines.Length];
            // The first column is the Declaration ID (mapped to the MRN): give each row a fresh one.
            writer.Write((200_000_000 + i).ToString(CultureInfo.InvariantCulture));
            writer.WriteLine(line.AsSpan(line.IndexOf(',', StringComparison.Ordinal)));
        }
    }
}

/// <summary>Samples the managed heap and the working set while a case runs.</summary>
internal sealed class MemorySampler : IDisposable
{
    private readonly CancellationTokenSource stop = new();
    private readonly Task loop;
    private long peakHeap;
    private long peakWorkingSet;

    public MemorySampler()
    {
        loop = Task.Run(async () =>
        {
            using var process = Process.GetCurrentProcess();
            while (!stop.IsCancellationRequested)
            {
                peakHeap = Math.Max(peakHeap, GC.GetTotalMemory(false));
                process.Refresh();
                peakWorkingSet = Math.Max(peakWorkingSet, process.WorkingSet64);
                try
                {
                    await Task.Delay(100, stop.Token);
                }
                catch (OperationCanceledException)
                {
                    break;
                }
            }
        });
    }

    public (long Heap, long WorkingSet) Stop()
    {
        stop.Cancel();
        loop.Wait();
        return (peakHeap, peakWorkingSet);
    }

    public void Dispose() => stop.Dispose();
}
