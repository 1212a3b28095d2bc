using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json.Nodes;
using Entente.Declarations;
using Entente.Identity;
using Entente.Tools.Demo;
using Entente.Tools.Generation;
using Npgsql;

namespace Entente.Tools.CrashLoop;

internal sealed record CrashFailure(string Store, int Seed, int Cycle, string Workload, string Kill, string Problem)
{
    public override string ToString() =>
        $"{Store} cycle {Cycle} ({Workload}, {Kill}): {Problem}; reproduce: scripts/crash-loop --store {Store} --seed {Seed} --cycles {Cycle}";
}

internal sealed record CrashLoopResult(string Store, int Cycles, int Killed, int Completed, IReadOnlyDictionary<string, (int Cycles, int Killed)> PerWorkload,
    IReadOnlyList<CrashFailure> Failures);

/// <summary>
/// One store's crash loop: a node NL (on SQLite, or on a database of its own on the PostgreSQL server) and its partner
/// KR (served all along, on SQLite), bound by a signed agreement. Each cycle starts one workload process against NL,
/// kills it with SIGKILL at a random statement (ENTENTE_FAULT_KILL_AT) or after a random delay, then checks NL's and
/// KR's stores against what the workload client saw acknowledged (<see cref="CrashCheck"/>).
/// </summary>
internal sealed class CrashLoop(DemoCli cli, string root, string store, string? server, int seed, TextWriter output) : IAsyncDisposable
{
    /// <summary>What a process killed with SIGKILL exits with (128 + 9).</summary>
    private const int Killed = 137;

    public const string Ingest = "ingest", Ledger = "ledger-append", Disclose = "disclosure", Exchange = "exchange", Retention = "retention";

    private static readonly (string Workload, int Weight, int MostStatements)[] Workloads =
    [
        (Ingest, 30, 60), (Ledger, 25, 30), (Disclose, 20, 60), (Exchange, 10, 400), (Retention, 15, 150),
    ];

    private static readonly Dictionary<string, string> ServerEnvironment = new()
    {
        ["Entente__Exchange__Poll"] = "00:00:00.100",
        ["Entente__Exchange__RetryBase"] = "00:00:00.100",
        ["Entente__Exchange__RetryMax"] = "00:00:01",
        ["Logging__LogLevel__Default"] = "Warning",
        ["DOTNET_NOLOGO"] = "1",
        ["DOTNET_TieredPGO"] = "0",
    };

    private readonly CrashAcks _acks = new();
    private readonly Dictionary<string, double> _durations = new(StringComparer.Ordinal);
    private readonly Dictionary<string, IReadOnlyList<string>> _files = new(StringComparer.Ordinal);
    private string _nlHome = "";
    private string? _database;
    private string? _databaseName;
    private DemoNode? _kr;
    private Uri _nlEndpoint = new("http://127.0.0.1/");
    private string? _lastIngest;
    private CrashCheck? _check;

    private string[] Db => _database is null ? [] : ["--database", _database];

    public async Task<CrashLoopResult> RunAsync(int cycles, double minutes, CancellationToken ct)
    {
        var clock = Stopwatch.StartNew();
        await SetUpAsync(ct);
        output.WriteLine($"== crash loop on {store}: NL at {_nlHome}{(_databaseName is null ? "" : $" (PostgreSQL database {_databaseName})")}, partner KR served at {_kr!.Endpoint}; " +
            $"set up in {CrashLoopCommand.S(clock.Elapsed.TotalSeconds)}");
        var failures = new List<CrashFailure>();
        var per = Workloads.ToDictionary(w => w.Workload, _ => (Cycles: 0, Killed: 0), StringComparer.Ordinal);
        int killed = 0, completed = 0, done = 0, awaiting = 0;
        var loop = Stopwatch.StartNew();
        for (var cycle = 1; cycle <= cycles && failures.Count == 0 && (minutes <= 0 || loop.Elapsed.TotalMinutes < minutes); cycle++)
        {
            ct.ThrowIfCancellationRequested();
            var random = new Random(unchecked((seed * 1_000_003) + (cycle * 7919) + (store == "postgres" ? 17 : 0)));
            var workload = Pick(random);
            var (kill, wasKilled, problem) = await CycleAsync(workload, cycle, random, ct);
            var problems = problem is null ? await _check!.RunAsync(_acks, drained: false, partner: workload.Workload == Exchange, ct) : [problem];
            done++;
            if (_check!.AwaitingRecovery > 0) awaiting++;
            per[workload.Workload] = (per[workload.Workload].Cycles + 1, per[workload.Workload].Killed + (wasKilled ? 1 : 0));
            if (wasKilled) killed++;
            else completed++;
            foreach (var p in problems) failures.Add(new CrashFailure(store, seed, cycle, workload.Workload, kill, p));
            if (cycle % 25 == 0 || cycle == cycles || failures.Count > 0 || (minutes > 0 && loop.Elapsed.TotalMinutes >= minutes))
            {
                output.WriteLine($"   {store}: {cycle}/{cycles} cycles, {killed} killed, {completed} completed, {failures.Count} failures " +
                    $"({CrashLoopCommand.S(loop.Elapsed.TotalSeconds)}; {string.Join(", ", per.Select(w => $"{w.Key} {w.Value.Cycles}"))})");
            }
        }
        if (failures.Count == 0)
        {
            // The end: the server runs undisturbed until every message is delivered; then everything acknowledged must
            // be there once, and `entente ledger verify` (the command itself) must pass on both nodes.
            foreach (var p in await DrainAsync(ct)) failures.Add(new CrashFailure(store, seed, cycles, "final delivery", "none", p));
            foreach (var p in await VerifyWithCliAsync(ct)) failures.Add(new CrashFailure(store, seed, cycles, "final ledger verify", "none", p));
        }
        var summary = _check!.Summary;
        output.WriteLine($"   {store}: {done} cycles in {CrashLoopCommand.S(loop.Elapsed.TotalSeconds)}; NL holds {summary}; acknowledged: {_acks}; " +
            $"{awaiting} cycles ended with a receipt or received message awaiting its ledger entry (the next start's recovery appended it)");
        return new CrashLoopResult(store, done, killed, completed, per, failures);
    }

    private static (string Workload, int Weight, int MostStatements) Pick(Random random)
    {
        var n = random.Next(Workloads.Sum(w => w.Weight));
        foreach (var w in Workloads)
        {
            if (n < w.Weight) return w;
            n -= w.Weight;
        }
        return Workloads[^1];
    }

    // ---- one cycle -----------------------------------------------------------------------------------------------------

    private async Task<(string Kill, bool Killed, string? Problem)> CycleAsync((string Workload, int Weight, int MostStatements) workload, int cycle, Random random,
        CancellationToken ct)
    {
        var byStatement = random.NextDouble() < 0.6;
        var statement = random.Next(1, workload.MostStatements + 1);
        var fraction = random.NextDouble();
        // The server never ends by itself: killed at a random moment of its first seconds (start, warm-up, delivery).
        var typical = workload.Workload == Exchange ? 4 : _durations.GetValueOrDefault(workload.Workload, 5);
        var delay = workload.Workload == Exchange ? 0.5 + (fraction * (typical + 3)) : fraction * typical * 1.2;
        var kill = byStatement ? $"ENTENTE_FAULT_KILL_AT={statement}" : $"kill -9 after {delay:0.00} s";
        _acks.RetentionAcknowledged = false;
        string[] args;
        IReadOnlyList<string> lrns = [];
        string? justification = null;
        switch (workload.Workload)
        {
            case Ingest:
                string file;
                if (_lastIngest is not null && random.NextDouble() < 0.25)
                {
                    file = _lastIngest;
                }
                else
                {
                    file = await WriteDeclarationsAsync($"c{cycle:D4}", random.Next(1, 25), cycle, ct);
                    _lastIngest = file;
                }
                lrns = _files[file];
                _acks.Files[file] = lrns;
                args = ["ingest", file, "--home", _nlHome, .. Db, "--no-assess"];
                break;
            case Ledger:
                var present = _check!.PresentIds;
                if (present.Count == 0)
                {
                    await IngestInProcessAsync($"l{cycle:D4}", cycle, ct);
                    present = await _check.PresentIdsNowAsync(ct);
                }
                justification = $"crash-loop {store} cycle {cycle}";
                args = ["declarations", "show", present[random.Next(present.Count)], "--purpose", "investigation", "--justification", justification, "--home", _nlHome, .. Db];
                break;
            case Disclose:
                args = ["exchange", "share", "--to", "KR", "--category", "seizure-reports", "--purpose", "investigation", "--kind", "seizure-report",
                    "--document", await WriteSeizureAsync($"d{cycle:D4}", ct), "--json", "--home", _nlHome, .. Db];
                break;
            case Exchange:
                if (await _check!.WaitingAsync(ct) == 0)
                {
                    for (var i = 0; i < 3; i++) await ShareInProcessAsync($"x{cycle:D4}-{i}", ct);
                }
                args = ["serve", "--home", _nlHome, "--urls", _nlEndpoint.ToString().TrimEnd('/'), .. Db];
                break;
            default:
                args = ["retention", "run", "--period", "P0D", "--then", "erase", "--home", _nlHome, .. Db];
                break;
        }

        var serve = workload.Workload == Exchange;
        var run = await RunChildAsync(args, byStatement ? statement : null, byStatement ? (serve ? typical + 3 : null) : delay, ct);
        if (serve && run.Status != Killed) return (kill, false, $"the server exited {run.Status} before it was killed: {Tail(run.Error + run.Output)}");
        if (run.Status == Killed)
        {
            // The partner may still be finishing a request the killed server made.
            if (serve) await Task.Delay(300, ct);
            return (kill, true, null);
        }
        if (run.Status != 0) return (kill, false, $"`entente {string.Join(' ', args.Take(2))}` exited {run.Status} (not killed): {Tail(run.Error + run.Output)}");

        _durations[workload.Workload] = _durations.TryGetValue(workload.Workload, out var d) ? (0.7 * d) + (0.3 * run.Seconds) : run.Seconds;
        switch (workload.Workload)
        {
            case Ingest:
                _acks.Declarations.UnionWith(lrns);
                break;
            case Ledger:
                _acks.Reads.Add(justification!);
                break;
            case Disclose:
                var id = JsonNode.Parse(run.Output)?["messageId"]?.GetValue<string>();
                if (id is null) return (kill, false, $"`entente exchange share --json` printed no messageId: {Tail(run.Output)}");
                _acks.Messages.Add(id);
                break;
            case Retention:
                _acks.RetentionAcknowledged = true;
                break;
        }
        return (kill, false, null);
    }

    private sealed record ChildRun(int Status, string Output, string Error, double Seconds);

    /// <summary>`dotnet Entente.Cli.dll ARGS` in a process of its own, killed before its N-th statement and/or after a delay.</summary>
    private async Task<ChildRun> RunChildAsync(string[] args, int? killAtStatement, double? killAfterSeconds, CancellationToken ct)
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.ArgumentList.Add(cli.Assembly);
        foreach (var a in args) start.ArgumentList.Add(a);
        foreach (var (name, value) in ServerEnvironment) start.Environment[name] = value;
        if (killAtStatement is { } n) start.Environment["ENTENTE_FAULT_KILL_AT"] = n.ToString(System.Globalization.CultureInfo.InvariantCulture);
        var clock = Stopwatch.StartNew();
        using var process = Process.Start(start) ?? throw new InvalidOperationException("cannot start the command line");
        var stdout = process.StandardOutput.ReadToEndAsync(ct);
        var stderr = process.StandardError.ReadToEndAsync(ct);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(killAfterSeconds is { } s ? TimeSpan.FromSeconds(s) : TimeSpan.FromMinutes(3));
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            try
            {
                process.Kill();
            }
            catch (InvalidOperationException)
            {
            }
            await process.WaitForExitAsync(CancellationToken.None);
        }
        return new ChildRun(process.ExitCode, await stdout, await stderr, clock.Elapsed.TotalSeconds);
    }

    private static string Tail(string text)
    {
        text = text.Trim();
        return text.Length <= 600 ? text : text[^600..];
    }

    // ---- inputs ----------------------------------------------------------------------------------------------------------

    private async Task<string> WriteDeclarationsAsync(string name, int count, int cycle, CancellationToken ct)
    {
        var prefix = $"C{(store == "postgres" ? "P" : "S")}{name[..1].ToUpperInvariant()}{cycle:D4}";
        var generator = new DeclarationGenerator(seed: cycle, importingCountry: "NL", firstDay: new DateOnly(2026, 1, 1), days: 300, referencePrefix: prefix);
        var declarations = generator.Generate(count).Select(r => r.Declaration!).ToList();
        Directory.CreateDirectory(Path.Combine(root, "files"));
        var path = Path.Combine(root, "files", name + ".ndjson");
        await File.WriteAllLinesAsync(path, declarations.Select(d => EntenteJson.Serialize(d)), ct);
        _files[path] = declarations.Select(d => d.Lrn!).ToList();
        return path;
    }

    private async Task<string> WriteSeizureAsync(string name, CancellationToken ct)
    {
        Directory.CreateDirectory(Path.Combine(root, "files"));
        var path = Path.Combine(root, "files", name + ".json");
        var report = new JsonObject
        {
            ["seizure"] = new JsonObject { ["id"] = $"CL-{store}-{name}", ["category"] = "drugs", ["goods"] = "cocaine", ["quantityKg"] = 12.5, ["port"] = "NLRTM" },
        };
        await File.WriteAllTextAsync(path, report.ToJsonString(), ct);
        return path;
    }

    /// <summary>Declarations taken in without a kill (the ledger workload needs one to read): acknowledged.</summary>
    private async Task IngestInProcessAsync(string name, int cycle, CancellationToken ct)
    {
        var file = await WriteDeclarationsAsync(name, 5, cycle, ct);
        await cli.RunAsync(ct, ["ingest", file, "--home", _nlHome, .. Db, "--no-assess"]);
        _acks.Declarations.UnionWith(_files[file]);
    }

    /// <summary>A disclosure queued without a kill (the exchange workload needs messages to deliver): acknowledged.</summary>
    private async Task ShareInProcessAsync(string name, CancellationToken ct)
    {
        var printed = await cli.RunAsync(ct, ["exchange", "share", "--to", "KR", "--category", "seizure-reports", "--purpose", "investigation", "--kind", "seizure-report",
            "--document", await WriteSeizureAsync(name, ct), "--json", "--home", _nlHome, .. Db]);
        _acks.Messages.Add(JsonNode.Parse(printed)!["messageId"]!.GetValue<string>());
    }

    // ---- set-up and the end ---------------------------------------------------------------------------------------------

    private async Task SetUpAsync(CancellationToken ct)
    {
        Directory.CreateDirectory(root);
        if (server is not null)
        {
            _databaseName = "entente_crash_" + Guid.NewGuid().ToString("N")[..12];
            await AdminAsync($"CREATE DATABASE \"{_databaseName}\"", ct);
            _database = new NpgsqlConnectionStringBuilder(server) { Database = _databaseName }.ConnectionString;
        }
        _nlHome = Path.Combine(root, "nl");
        await cli.RunAsync(ct, ["node", "init", "--home", _nlHome, "--code", "NL", "--name", "Crash loop NL", .. Db]);
        _kr = await DemoNode.InitAsync(cli, root, "KR", "Crash loop KR", ct);

        var agreement = Path.Combine(root, "crash-loop.yaml");
        await File.WriteAllTextAsync(agreement, AgreementYaml(Fingerprint(_nlHome), Fingerprint(_kr.Home), DateOnly.FromDateTime(TimeProvider.System.GetUtcNow().UtcDateTime)), ct);
        await cli.RunAsync(ct, ["agreement", "sign", agreement, "--home", _nlHome, .. Db]);
        await cli.RunAsync(ct, ["agreement", "sign", agreement, "--home", _kr.Home]);
        foreach (var home in new[] { _nlHome, _kr.Home })
        {
            Directory.CreateDirectory(Path.Combine(home, "agreements"));
            File.Copy(agreement, Path.Combine(home, "agreements", "crash-loop.yaml"), overwrite: true);
        }

        _kr.Start(ServerEnvironment);
        _nlEndpoint = new Uri($"http://127.0.0.1:{FreePort()}");
        using (var nl = StartServer())
        {
            try
            {
                await WaitUntilUpAsync(nl, ct);
                await cli.RunAsync(ct, ["partner", "add", "--home", _nlHome, .. Db, "--code", "KR", "--endpoint", (await KrAsync(ct)).ToString()]);
                await cli.RunAsync(ct, ["partner", "add", "--home", _kr.Home, "--code", "NL", "--endpoint", _nlEndpoint.ToString()]);
            }
            finally
            {
                nl.Kill();
                await nl.WaitForExitAsync(CancellationToken.None);
            }
        }
        _check = new CrashCheck(_nlHome, _database, _kr.Home);
        var problems = await _check.RunAsync(_acks, drained: false, partner: true, ct);
        if (problems.Count > 0) throw new InvalidOperationException($"{store}: the stores are not consistent before the first kill: {string.Join("; ", problems)}");
    }

    private async Task<Uri> KrAsync(CancellationToken ct)
    {
        await _kr!.WaitUntilUpAsync(ct);
        return _kr.Endpoint;
    }

    private Process StartServer()
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = false, RedirectStandardError = false, UseShellExecute = false };
        foreach (var a in new[] { cli.Assembly, "serve", "--home", _nlHome, "--urls", _nlEndpoint.ToString().TrimEnd('/') }.Concat(Db)) start.ArgumentList.Add(a);
        foreach (var (name, value) in ServerEnvironment) start.Environment[name] = value;
        return Process.Start(start) ?? throw new InvalidOperationException("cannot start NL's server");
    }

    private async Task WaitUntilUpAsync(Process process, CancellationToken ct)
    {
        using var probe = new HttpClient { BaseAddress = _nlEndpoint, Timeout = TimeSpan.FromSeconds(2) };
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < TimeSpan.FromSeconds(300))
        {
            if (process.HasExited) throw new InvalidOperationException($"NL's server exited {process.ExitCode}");
            try
            {
                if ((await probe.GetAsync(new Uri("/health/ready", UriKind.Relative), ct)).StatusCode == HttpStatusCode.OK) return;
            }
            catch (HttpRequestException)
            {
            }
            catch (TaskCanceledException) when (!ct.IsCancellationRequested)
            {
            }
            await Task.Delay(100, ct);
        }
        throw new InvalidOperationException("NL's server was not ready within 300 s");
    }

    /// <summary>NL served without a kill until nothing waits; then every acknowledged message must be delivered, once.</summary>
    private async Task<IReadOnlyList<string>> DrainAsync(CancellationToken ct)
    {
        using var nl = StartServer();
        try
        {
            await WaitUntilUpAsync(nl, ct);
            // Until nothing waits and the recoveries (NL's at start, KR's every 30 s) have put every receipt and
            // received message in the ledgers.
            var clock = Stopwatch.StartNew();
            IReadOnlyList<string> problems;
            do
            {
                await Task.Delay(500, ct);
                problems = await _check!.RunAsync(_acks, drained: true, partner: true, ct);
            }
            while (problems.Count > 0 && clock.Elapsed < TimeSpan.FromSeconds(150));
            return problems;
        }
        finally
        {
            nl.Kill();
            await nl.WaitForExitAsync(CancellationToken.None);
        }
    }

    private async Task<IReadOnlyList<string>> VerifyWithCliAsync(CancellationToken ct)
    {
        var problems = new List<string>();
        foreach (var (code, args) in new[] { ("NL", new[] { "ledger", "verify", "--home", _nlHome }.Concat(Db).ToArray()), ("KR", ["ledger", "verify", "--home", _kr!.Home]) })
        {
            var (status, printed, error) = await cli.TryAsync(ct, args);
            if (status != 0) problems.Add($"{code}: `entente ledger verify` exited {status}: {Tail(error + printed)}");
            else output.WriteLine($"   {store}: {code} {printed.Trim()}");
        }
        return problems;
    }

    private static string Fingerprint(string home)
    {
        using var key = NodeKeys.LoadSigningKey(home);
        return NodeKeys.Fingerprint(key);
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private async Task AdminAsync(string sql, CancellationToken ct)
    {
        await using var connection = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(server) { Pooling = false }.ConnectionString);
        await connection.OpenAsync(ct);
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync(ct);
    }

    /// <summary>NL and KR exchange seizure reports (the demo's terms, two parties).</summary>
    private static string AgreementYaml(string nl, string kr, DateOnly today) => $$"""
        agreement: crash-loop
        version: 1
        kind: multilateral
        title: "NL-KR exchange of seizure information (crash loop)"
        parties:
          - code: NL
            name: "Crash loop NL"
            fingerprint: {{nl}}
          - code: KR
            name: "Crash loop KR"
            fingerprint: {{kr}}
        legal-basis:
          - "{{DemoAgreements.MultilateralBasis}}"
        validity:
          from: {{today.AddDays(-1):yyyy-MM-dd}}
          until: {{today.AddYears(3):yyyy-MM-dd}}
        categories:
          seizure-reports:
            purposes: [risk-management, operational-analysis, investigation]
            disclose: [/seizure/id, /seizure/category, /seizure/goods, /seizure/quantityKg, /seizure/port]
            other-fields: drop
            handling-code: H1
            evaluation: A1
            onward-transfer: with-consent
            retention: { period: P5Y, then: review }
        """;

    public async ValueTask DisposeAsync()
    {
        if (_kr is not null) await _kr.DisposeAsync();
        NpgsqlConnection.ClearAllPools();
        if (_databaseName is not null)
        {
            try
            {
                await AdminAsync($"DROP DATABASE IF EXISTS \"{_databaseName}\" WITH (FORCE)", CancellationToken.None);
            }
            catch (NpgsqlException)
            {
            }
        }
    }
}

/// <summary>What the workload client saw acknowledged: exit 0 from the command line, with what it printed.</summary>
internal sealed class CrashAcks
{
    /// <summary>The LRNs of every declarations file `entente ingest` took (exit 0).</summary>
    public HashSet<string> Declarations { get; } = new(StringComparer.Ordinal);

    /// <summary>Every declarations file an ingest was started on, killed or not, with its LRNs: all-or-nothing.</summary>
    public Dictionary<string, IReadOnlyList<string>> Files { get; } = new(StringComparer.Ordinal);

    /// <summary>The justifications of every read `entente declarations show` completed: each must be in the ledger once.</summary>
    public HashSet<string> Reads { get; } = new(StringComparer.Ordinal);

    /// <summary>The message ids `entente exchange share` printed.</summary>
    public HashSet<string> Messages { get; } = new(StringComparer.Ordinal);

    /// <summary>This cycle's `entente retention run` (erase everything received before now) exited 0.</summary>
    public bool RetentionAcknowledged { get; set; }

    public override string ToString()
    {
        var text = new StringBuilder();
        text.Append($"{Declarations.Count} declarations, {Reads.Count} reads, {Messages.Count} disclosures");
        return text.ToString();
    }
}
