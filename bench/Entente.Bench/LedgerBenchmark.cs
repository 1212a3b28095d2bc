using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography;
using System.Text.Json.Nodes;
using Entente.Ledger;
using Entente.Storage;
using Npgsql;

namespace Entente.Bench;

/// <summary>
/// Ledger figures: durable appends per second with group commit (concurrent appenders, one entry each), inclusion-proof
/// verification latency in a tree of 2^30 leaves, and the rate of a full re-verification of a stored ledger.
/// </summary>
internal static class LedgerBenchmark
{
    public static async Task<int> RunAsync(string[] args)
    {
        var appends = 20_000;
        var appenders = new[] { 1, 8, 64 };
        var verifyCount = 1_000_000;
        var databases = new[] { "sqlite", "postgres" };
        string? postgres = Environment.GetEnvironmentVariable("ENTENTE_TEST_POSTGRES");
        var work = Path.Combine(Path.GetTempPath(), "entente-bench-ledger");
        for (var i = 0; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "--appends": appends = int.Parse(args[++i], CultureInfo.InvariantCulture); break;
                case "--appenders": appenders = [.. args[++i].Split(',').Select(a => int.Parse(a, CultureInfo.InvariantCulture))]; break;
                case "--verify-count": verifyCount = int.Parse(args[++i], CultureInfo.InvariantCulture); break;
                case "--databases": databases = args[++i].Split(','); break;
                case "--postgres": postgres = args[++i]; break;
                case "--work": work = args[++i]; break;
                default:
                    Console.Error.WriteLine($"entente bench ledger: unknown option {args[i]}");
                    return 2;
            }
        }
        Console.WriteLine($"# entente bench ledger on {Environment.ProcessorCount} cores, {Environment.OSVersion}, .NET {Environment.Version}");
        ProofVerification();
        foreach (var database in databases)
        {
            if (database == "postgres" && postgres is null)
            {
                Console.WriteLine("postgres: skipped (no --postgres or ENTENTE_TEST_POSTGRES; use scripts/with-postgres --durable)");
                continue;
            }
            foreach (var n in appenders)
            {
                await using var target = await Target.CreateAsync(database, postgres, work);
                await Appends(target, n, appends);
            }
            await using (var target = await Target.CreateAsync(database, postgres, work))
                await FullVerification(target, verifyCount);
        }
        return 0;
    }

    private static void ProofVerification()
    {
        const long size = 1L << 30;
        const int runs = 200_000;
        var random = new Random(30);
        var index = random.NextInt64(size);
        var leaf = RandomNumberGenerator.GetBytes(32);
        var proof = Enumerable.Range(0, 30).Select(_ => RandomNumberGenerator.GetBytes(32)).ToList();
        // In a perfect tree the path of leaf i is folded left or right by the bits of i.
        var root = leaf;
        for (var level = 0; level < 30; level++)
            root = ((index >> level) & 1) == 1 ? MerkleTree.NodeHash(proof[level], root) : MerkleTree.NodeHash(root, proof[level]);
        if (!MerkleTree.VerifyInclusion(index, size, leaf, proof, root).Valid) throw new InvalidOperationException("synthetic proof does not verify");
        // Steady state: the JIT has optimised the code before anything is timed.
        for (var i = 0; i < 50_000; i++) MerkleTree.VerifyInclusion(index, size, leaf, proof, root);
        var times = new double[runs];
        for (var i = 0; i < runs; i++)
        {
            var start = Stopwatch.GetTimestamp();
            MerkleTree.VerifyInclusion(index, size, leaf, proof, root);
            times[i] = Stopwatch.GetElapsedTime(start).TotalMicroseconds;
        }
        Array.Sort(times);
        Console.WriteLine($"inclusion proof, tree 2^30 (30 hashes): p50 {times[runs / 2]:F1} µs, p99 {times[runs * 99 / 100]:F1} µs, max {times[^1]:F1} µs over {runs:N0} verifications after 50,000 untimed");
    }

    private static async Task Appends(Target target, int appenders, int total)
    {
        var actor = new LedgerActor("bench", "XX");
        var perAppender = total / appenders;
        var clock = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, appenders).Select(a => Task.Run(async () =>
        {
            for (var i = 0; i < perAppender; i++)
                await target.Ledger.AppendAsync(LedgerKinds.PersonalDataAccess, actor, Body(a * perAppender + i));
        })));
        var seconds = clock.Elapsed.TotalSeconds;
        Console.WriteLine($"{target.Name}: {appenders,3} concurrent appenders, one entry per append: {perAppender * appenders / seconds,9:N0} durable entries/s ({perAppender * appenders:N0} in {seconds:F1} s)");
    }

    private static async Task FullVerification(Target target, int count)
    {
        var actor = new LedgerActor("bench", "XX");
        var clock = Stopwatch.StartNew();
        const int batch = 8192;
        var time = TimeProvider.System;
        for (var done = 0; done < count; done += batch)
        {
            var n = Math.Min(batch, count - done);
            await target.Ledger.AppendAsync([.. Enumerable.Range(done, n).Select(i => LedgerEntry.Now(time, LedgerKinds.PersonalDataAccess, actor, Body(i)))]);
        }
        Console.WriteLine($"{target.Name}: {count:N0} entries appended in batches of {batch} in {clock.Elapsed.TotalSeconds:F1} s ({count / clock.Elapsed.TotalSeconds:N0}/s)");
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        await target.Ledger.SignCheckpointAsync(key, "entente/XX/ledger");
        clock.Restart();
        var result = await target.Ledger.VerifyAsync(key.ExportSubjectPublicKeyInfo());
        var seconds = clock.Elapsed.TotalSeconds;
        if (!result.Ok) throw new InvalidOperationException("verification failed: " + string.Join("; ", result.Problems.Take(3)));
        Console.WriteLine($"{target.Name}: full re-verification of {result.Size:N0} entries in {seconds:F1} s: {result.Size / seconds:N0} entries/s (10 M entries: ~{10_000_000 / (result.Size / seconds):F0} s, extrapolated)");
    }

    // About the size of a personal-data access record: who, why, the query and the records touched.
    private static JsonObject Body(int n) => new()
    {
        ["purpose"] = "risk-management",
        ["justification"] = "targeting of high-risk consignments, case 2025/" + n.ToString(CultureInfo.InvariantCulture),
        ["query"] = "declarations?importer=KR1234567890123",
        ["records"] = new JsonArray("0197a1b2-" + n.ToString("x8", CultureInfo.InvariantCulture), "MRN25KR00000" + n.ToString(CultureInfo.InvariantCulture)),
    };

    private sealed class Target : IAsyncDisposable
    {
        private readonly Func<Task> _cleanup;

        private Target(string name, LedgerStore ledger, Func<Task> cleanup)
        {
            Name = name;
            Ledger = ledger;
            _cleanup = cleanup;
        }

        public string Name { get; }

        public LedgerStore Ledger { get; }

        public static async Task<Target> CreateAsync(string database, string? postgres, string work)
        {
            string setting;
            Func<Task> cleanup;
            if (database == "sqlite")
            {
                var folder = Path.Combine(work, Guid.NewGuid().ToString("N"));
                Directory.CreateDirectory(folder);
                setting = Path.Combine(folder, "node.db");
                cleanup = () =>
                {
                    Directory.Delete(folder, recursive: true);
                    return Task.CompletedTask;
                };
            }
            else
            {
                var name = "entente_bench_" + Guid.NewGuid().ToString("N");
                await AdminAsync(postgres!, $"CREATE DATABASE \"{name}\"");
                setting = new NpgsqlConnectionStringBuilder(postgres) { Database = name }.ConnectionString;
                cleanup = () => AdminAsync(postgres!, $"DROP DATABASE \"{name}\" WITH (FORCE)");
            }
            await using (var store = DeclarationStores.Open(setting, TimeProvider.System)) await store.MigrateAsync();
            return new Target(database == "sqlite" ? "SQLite (synchronous=FULL)" : "PostgreSQL", LedgerStore.Open(setting, TimeProvider.System), cleanup);
        }

        public async ValueTask DisposeAsync()
        {
            await Ledger.DisposeAsync();
            await _cleanup();
        }

        private static async Task AdminAsync(string server, string sql)
        {
            await using var connection = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(server) { Pooling = false }.ConnectionString);
            await connection.OpenAsync();
            await using var command = new NpgsqlCommand(sql, connection);
            await command.ExecuteNonQueryAsync();
        }
    }
}
