using System.CommandLine;
using System.Globalization;
using Entente.Tools.Demo;

namespace Entente.Tools.CrashLoop;

/// <summary>
/// `entente crash-loop` (hidden; scripts/crash-loop runs it): kill -9 cycles over ingest, ledger appends, disclosure,
/// delivery to a real partner and retention, on SQLite and PostgreSQL, each followed by the consistency checks of
/// <see cref="CrashCheck"/>. docs/reliability.md, Crash loop.
/// </summary>
public static class CrashLoopCommand
{
    public static Command Create(DemoCli cli)
    {
        var store = new Option<string>("--store") { Description = "sqlite, postgres or both", DefaultValueFactory = _ => "both" };
        store.AcceptOnlyFromAmong("sqlite", "postgres", "both");
        var cycles = new Option<int>("--cycles") { Description = "Kill cycles per store", DefaultValueFactory = _ => 20 };
        var minutes = new Option<double>("--minutes") { Description = "Stop starting cycles after this many minutes per store (0: no limit)" };
        var seed = new Option<int>("--seed") { Description = "The seed of the cycles' random choices (workload, kill point, delay)", DefaultValueFactory = _ => 1 };
        var home = new Option<string?>("--home") { Description = "Keep the nodes' homes in this folder (default: a temporary folder, removed at the end)" };
        var postgres = new Option<string?>("--postgres")
        {
            Description = "A PostgreSQL server (Npgsql connection string, allowed to create databases); default: $ENTENTE_TEST_POSTGRES",
            DefaultValueFactory = _ => Environment.GetEnvironmentVariable("ENTENTE_TEST_POSTGRES"),
        };
        var json = new Option<bool>("--json") { Description = "Print the totals and failures as one JSON document at the end" };
        var command = new Command("crash-loop", "Kill -9 the node at random moments of its writes and check the store after each kill (docs/reliability.md)")
        {
            store, cycles, minutes, seed, home, postgres, json,
        };
        command.Hidden = true;
        command.SetAction(async (parse, ct) =>
        {
            var output = parse.GetValue(json) ? TextWriter.Null : parse.InvocationConfiguration.Output;
            var stores = parse.GetValue(store) switch
            {
                "sqlite" => new[] { "sqlite" },
                "postgres" => ["postgres"],
                "both" => ["sqlite", "postgres"],
                var other => null,
            };
            var server = parse.GetValue(postgres);
            if (stores is null || (stores.Contains("postgres") && string.IsNullOrWhiteSpace(server)))
            {
                // A usage error (exit 2), said as every command says one (docs/cli.md).
                const string problem = "--store postgres needs a PostgreSQL server: --postgres or ENTENTE_TEST_POSTGRES (scripts/crash-loop starts one)";
                if (parse.GetValue(json)) parse.InvocationConfiguration.Output.WriteLine(System.Text.Json.JsonSerializer.Serialize(new { error = new { code = "usage", exit = 2, message = problem } }));
                else parse.InvocationConfiguration.Error.WriteLine($"entente: {problem}");
                return 2;
            }
            var keep = parse.GetValue(home);
            var root = keep is not null ? Path.GetFullPath(keep) : Path.Combine(Path.GetTempPath(), $"entente-crash-{Guid.NewGuid():N}");
            var results = new List<CrashLoopResult>();
            try
            {
                // The stores' loops share nothing (homes, partner, database and ports of their own) and spend most of
                // their time waiting for a process to start or to be killed: both run at once, each line naming its store.
                var lines = TextWriter.Synchronized(output);
                results.AddRange(await Task.WhenAll(stores.Select(async s =>
                {
                    await using var loop = new CrashLoop(cli, Path.Combine(root, s), s, s == "postgres" ? server : null, parse.GetValue(seed), lines);
                    return await loop.RunAsync(Math.Max(1, parse.GetValue(cycles)), parse.GetValue(minutes), ct);
                })));
            }
            finally
            {
                if (keep is null && Directory.Exists(root))
                {
                    try
                    {
                        Directory.Delete(root, recursive: true);
                    }
                    catch (IOException)
                    {
                    }
                }
            }
            var failures = results.SelectMany(r => r.Failures).ToList();
            var total = results.Sum(r => r.Cycles);
            if (parse.GetValue(json))
            {
                parse.InvocationConfiguration.Output.WriteLine(System.Text.Json.JsonSerializer.Serialize(new
                {
                    ok = failures.Count == 0 && total > 0,
                    cycles = total,
                    killed = results.Sum(r => r.Killed),
                    completed = results.Sum(r => r.Completed),
                    stores = results.Select(r => new { store = r.Store, cycles = r.Cycles, killed = r.Killed, completed = r.Completed }),
                    failures = failures.Select(f => f.ToString()),
                }));
            }
            output.WriteLine($"crash loop: {total} cycles ({string.Join(", ", results.Select(r => $"{r.Store} {r.Cycles}"))}), " +
                $"{results.Sum(r => r.Killed)} killed, {results.Sum(r => r.Completed)} completed; " +
                string.Join("; ", results.SelectMany(r => r.PerWorkload.Select(w => $"{r.Store} {w.Key} {w.Value.Cycles} ({w.Value.Killed} killed)"))) +
                $"; {failures.Count} failures");
            foreach (var f in failures) output.WriteLine($"FAILED {f}");
            return failures.Count == 0 && total > 0 ? 0 : 1;
        });
        return command;
    }

    internal static string S(double seconds) => seconds.ToString("N1", CultureInfo.InvariantCulture) + " s";
}
