using System.Diagnostics;
using System.Globalization;
using Entente.Declarations;
using Entente.Ingest;
using Entente.Ingest.Csv;
using Entente.Storage;
using Entente.Tools.Generation;
using Entente.Tools.Writers;
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
        var stages = false;
        var screening = 0;
        for (var i = 0; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "--count": count = int.Parse(args[++i], CultureInfo.InvariantCulture); break;
                case "--formats": formats = args[++i].Split(','); break;
                case "--databases": databases = args[++i] == "none" ? [] : args[i].Split(','); break;
                case "--postgres": postgres = args[++i]; break;
                case "--work": work = args[++i]; break;
                case "--keep-files": keepFiles = true; break;
                case "--stages": stages = true; break;
                case "--screening": screening = int.Parse(args[++i], CultureInfo.InvariantCulture); break;
                default:
                    Console.Error.WriteLine($"entente bench ingest: unknown option {args[i]}");
                    return 2;
            }
        }
        if (databases.FirstOrDefault(d => d is not ("sqlite" or "postgres")) is { } unknown)
        {
            Console.Error.WriteLine($"entente bench ingest: unknown database {unknown}; use sqlite, postgres or none");
            return 2;
        }
        Directory.CreateDirectory(work);
        var data = Environment.GetEnvironmentVariable("ENTENTE_DATA") ?? Path.GetFullPath(Path.Combine("..", "shared", "data"));
        var mappingPath = Path.Combine(AppContext.BaseDirectory, "mappings", "kcs-synthetic-hs6.yaml");
        var mapping = CsvMapping.Load(mappingPath);

        Console.WriteLine($"# entente bench ingest --count {count} on {Environment.ProcessorCount} cores, {Environment.OSVersion}, .NET {Environment.Version}");
        // Written by a method of its own so the templates are garbage before anything is measured.
        var files = WriteFiles(formats, count, work, data, mapping);

        if (stages)
        {
            Console.WriteLine();
            Console.WriteLine("Stages on one thread, µs per declaration (the reading columns each include the ones before; the store column writes up to 100,000 prepared declarations into a new SQLite file and commits):");
            Console.WriteLine();
            Console.WriteLine("| format | read | + validate | + prepare (row and document) | store in SQLite |");
            Console.WriteLine("|---|---:|---:|---:|---:|");
            foreach (var format in formats) await MeasureStagesAsync(format, files[format], mapping, work);
        }

        if (databases.Length == 0) return Finish(keepFiles, files);
        Console.WriteLine();
        // CPU seconds (user + system, every thread of the process) are steadier than the wall clock on a shared machine:
        // they tell whether a change removed work or only moved it.
        Console.WriteLine("| format | database | declarations | seconds | declarations/s | CPU s | peak managed heap MiB | peak working set MiB | allocated B/declaration | GCs gen0/1/2 | GC pauses s |");
        Console.WriteLine("|---|---|---:|---:|---:|---:|---:|---:|---:|---|---:|");
        foreach (var database in databases)
        {
            if (database == "postgres" && string.IsNullOrEmpty(postgres))
            {
                Console.WriteLine("| * | postgres | skipped: give --postgres CONNSTRING or run under scripts/with-postgres | | | | | | | | |");
                continue;
            }
            foreach (var format in formats)
            {
                var result = await MeasureAsync(database, format, files[format], mapping, work, postgres);
                Console.WriteLine($"| {format} | {database} | {result.Accepted:N0} | {result.Seconds:N1} | {result.Accepted / result.Seconds:N0} | {result.CpuSeconds:N1} | {result.PeakHeapMiB:N0} | {result.PeakWorkingSetMiB:N0} | {result.AllocatedPerDeclaration:N0} | {result.Collections} | {result.GcPauseSeconds:N2} |");
                if (result.Accepted != count) Console.WriteLine($"| | | WARNING: {count - result.Accepted:N0} not stored: {result.FirstError} | | | | |");
            }
        }
        if (screening > 0)
        {
            // The same files into a SQLite store holding N alerts in force, screened after ingest as the node does.
            Console.WriteLine();
            Console.WriteLine($"With the after-ingest screening on, against {screening:N0} alerts in force (SQLite; alerts imported and the watch list built before the clock starts):");
            Console.WriteLine();
            Console.WriteLine("| format | declarations | seconds | declarations/s | CPU s | hits | alerts imported s | watch list built s | peak working set MiB |");
            Console.WriteLine("|---|---:|---:|---:|---:|---:|---:|---:|---:|");
            foreach (var format in formats)
            {
                var r = await IngestScreeningBenchmark.MeasureAsync(format, files[format], mapping, work, screening);
                Console.WriteLine($"| {format} | {r.Accepted:N0} | {r.Seconds:N1} | {r.Accepted / r.Seconds:N0} | {r.CpuSeconds:N1} | {r.Hits:N0} | {r.ImportSeconds:N1} | {r.BuildSeconds:N1} | {r.PeakWorkingSetMiB:N0} |");
                if (r.Accepted != count) Console.WriteLine($"| | WARNING: {count - r.Accepted:N0} not stored: {r.FirstError} | | | | | | | |");
            }
        }
        return Finish(keepFiles, files);
    }

    private static Dictionary<string, string> WriteFiles(string[] formats, int count, string work, string data, CsvMapping mapping)
    {
        var korean = Path.Combine(data, KoreanTrain);
        List<Declaration>? templates = null;
        string[]? csvLines = null;
        string? csvHeader = null;
        var files = new Dictionary<string, string>();
        foreach (var format in formats)
        {
            var path = Path.Combine(work, $"declarations-{count}.{Extension(format)}");
            var watch = Stopwatch.StartNew();
            if (!File.Exists(path))
            {
                templates ??= LoadTemplates(korean, data, mapping, out csvHeader, out csvLines);
                Write(format, path, count, templates, csvHeader, csvLines);
            }
            files[format] = path;
            Console.WriteLine($"# {format}: {path} ({new FileInfo(path).Length / 1024.0 / 1024.0:N0} MiB, ready in {watch.Elapsed.TotalSeconds:N0} s)");
        }
        return files;
    }

    private static List<Declaration> LoadTemplates(string korean, string data, CsvMapping mapping, out string? csvHeader, out string[]? csvLines)
    {
        csvHeader = null;
        csvLines = null;
        if (File.Exists(korean))
        {
            Console.WriteLine($"# templates: {korean} (Korea Customs Service synthetic declarations, MIT), resampled with fresh MRNs");
            var reader = new CsvReader(mapping);
            List<Declaration> templates;
            using (var stream = File.OpenRead(korean))
                templates = reader.Read(stream, korean).Select(r => r.Declaration!).ToList();
            var lines = File.ReadAllLines(korean);
            csvHeader = lines[0];
            csvLines = lines[1..];
            return templates;
        }
        Console.WriteLine($"# templates: Entente's generator (the data set {KoreanTrain} is missing at {data}; it is published at github.com/Seondong/Customs-Declaration-Datasets)");
        return new DeclarationGenerator(seed: 1).Generate(20_000).Select(r => r.Declaration!).ToList();
    }

    private static int Finish(bool keepFiles, Dictionary<string, string> files)
    {
        if (!keepFiles)
        {
            foreach (var file in files.Values) File.Delete(file);
        }
        return 0;
    }

    private sealed record Measurement(long Accepted, double Seconds, double CpuSeconds, double PeakHeapMiB, double PeakWorkingSetMiB, string? FirstError,
        double AllocatedPerDeclaration, string Collections, double GcPauseSeconds);

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
        var (gen0, gen1, gen2, paused) = (GC.CollectionCount(0), GC.CollectionCount(1), GC.CollectionCount(2), GC.GetTotalPauseDuration());
        var allocated = GC.GetTotalAllocatedBytes(true);
        var cpu = Process.GetCurrentProcess().TotalProcessorTime;
        var watch = Stopwatch.StartNew();
        FormatDetector.TryParseName(format, out var declared);
        var report = await new DeclarationIngest(store).IngestFilesAsync([file],
            new IngestOptions { Format = declared, Mapping = format == "csv" ? mapping : null, BulkLoad = true });
        watch.Stop();
        var cpuSeconds = (Process.GetCurrentProcess().TotalProcessorTime - cpu).TotalSeconds;
        var (heap, workingSet) = sampler.Stop();
        var collections = $"{GC.CollectionCount(0) - gen0}/{GC.CollectionCount(1) - gen1}/{GC.CollectionCount(2) - gen2}";
        var pause = (GC.GetTotalPauseDuration() - paused).TotalSeconds;
        var allocatedPerDeclaration = (GC.GetTotalAllocatedBytes(true) - allocated) / (double)Math.Max(1, report.Accepted);
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
        return new Measurement(report.Accepted, watch.Elapsed.TotalSeconds, cpuSeconds, heap / 1048576.0, workingSet / 1048576.0, report.Errors.FirstOrDefault()?.ToString(),
            allocatedPerDeclaration, collections, pause);
    }

    /// <summary>Where the reading thread's time goes: the file read, then also validated, then also prepared for the store.</summary>
    private static async Task MeasureStagesAsync(string format, string file, CsvMapping mapping, string work)
    {
        const int StoreStageLimit = 100_000;
        var kept = new List<PreparedDeclaration>();
        FormatDetector.TryParseName(format, out var declared);
        var micros = new double[3];
        // Three timed passes (read; read and validate; read, validate and prepare), then one that keeps prepared rows to store.
        for (var stage = 0; stage < 4; stage++)
        {
            GC.Collect();
            var watch = Stopwatch.StartNew();
            var reader = DeclarationIngest.CreateReader(declared, format == "csv" ? mapping : null);
            using var stream = new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, FileOptions.SequentialScan);
            long n = 0;
            foreach (var record in reader.Read(stream, file))
            {
                if (record.Declaration is not { } declaration) continue;
                if (stage >= 1 && DeclarationValidator.Validate(declaration).Count > 0) continue;
                if (stage >= 2)
                {
                    var prepared = IngestSession.Prepare(new PendingDeclaration(declaration, record.Labels, declared, "bench"), TimeProvider.System);
                    if (stage == 3)
                    {
                        kept.Add(prepared);
                        if (kept.Count == StoreStageLimit) break;
                    }
                }
                n++;
            }
            if (stage < 3) micros[stage] = watch.Elapsed.TotalMicroseconds / Math.Max(1, n);
        }
        var database = Path.Combine(work, $"stages-{format}.db");
        foreach (var f in new[] { database, database + "-wal", database + "-shm" }) File.Delete(f);
        double storeMicros;
        await using (var store = DeclarationStores.Open(database, TimeProvider.System))
        {
            await store.MigrateAsync();
            GC.Collect();
            var watch = Stopwatch.StartNew();
            await using (var session = await store.BeginIngestAsync())
            {
                for (var i = 0; i < kept.Count; i += 5_000) await session.AddAsync(kept.GetRange(i, Math.Min(5_000, kept.Count - i)));
                await session.CommitAsync();
            }
            storeMicros = watch.Elapsed.TotalMicroseconds / Math.Max(1, kept.Count);
        }
        foreach (var f in new[] { database, database + "-wal", database + "-shm" }) File.Delete(f);
        Console.WriteLine($"| {format} | {micros[0]:N1} | {micros[1]:N1} | {micros[2]:N1} | {storeMicros:N1} |");
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
