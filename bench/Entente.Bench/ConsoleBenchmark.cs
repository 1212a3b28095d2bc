using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.RegularExpressions;
using Entente.Cli;
using Entente.Declarations;
using Entente.Hosting;
using Entente.Ingest;
using Entente.Ingest.Csv;
using Entente.Risk.Assessment;
using Entente.Storage;

namespace Entente.Bench;

/// <summary>
/// The officer console's pages with N declarations in the store (issue 18: p95 ≤ 100 ms with 1,000,000): the Korean
/// set resampled into N declarations (as the analytics benchmark does) and bulk-loaded into a new node's SQLite store,
/// a rule set put into service and the first declarations assessed (so the risk queues fill), then a real
/// `entente serve` process, signed in through the sign-in form like a browser (cookie and anti-forgery token), and each
/// page asked over HTTP one request at a time: p50 / p95 / max of the time from the request to its last byte on loopback.
/// </summary>
internal static partial class ConsoleBenchmark
{
    private const string KoreanTrain = "customs-import-declarations/df_syn_train_eng.csv";

    private const string RuleSet = """
        ruleset "bench-console" version 1

        rule heavy "a goods item over 20 tonnes":
          if same item (net-mass > 20000)
          then red 100
          because "a goods item declared over 20 tonnes"

        rule medium "a goods item over 2 tonnes":
          if same item (net-mass > 2000)
          then yellow 50
          because "a goods item declared over 2 tonnes"

        test "a heavy consignment goes red":
          given hs "6907221000", origin CN, value 1000, net-mass 50000
          expect fires heavy
        """;

    public static async Task<int> RunAsync(string[] args)
    {
        var n = NetworkBenchmark.Option(args, "--declarations", 1_000_000);
        var assess = NetworkBenchmark.Option(args, "--assess", 50_000);
        var requests = NetworkBenchmark.Option(args, "--requests", 200);
        var work = Path.GetFullPath(Value(args, "--work") ?? Path.Combine(Path.GetTempPath(), "entente-bench-console"));
        var data = Environment.GetEnvironmentVariable("ENTENTE_DATA") ?? Path.GetFullPath(Path.Combine("..", "shared", "data"));
        var korean = Path.Combine(data, KoreanTrain);
        Console.WriteLine($"# entente bench console --declarations {n} --assess {assess} --requests {requests} on {Environment.ProcessorCount} cores ({NetworkBenchmark.CpuModel()}), " +
            $"{Environment.OSVersion}, .NET {Environment.Version}; load average at start {Load()}");
        if (!File.Exists(korean))
        {
            Console.WriteLine($"# skipped: the Korea Customs Service data set {KoreanTrain} is missing at {data}; set ENTENTE_DATA");
            return 0;
        }
        var home = Path.Combine(work, "home");
        var database = Path.Combine(work, "node.db");
        var reuse = args.Contains("--reuse") && File.Exists(database) && Directory.Exists(home);
        long assessed;
        List<string> sample;
        if (reuse)
        {
            // A store an earlier run kept (--keep): the same declarations and assessments, only the pages asked again.
            await using var services = await NodeServices.OpenAsync(NodeHome.Load(home));
            sample = await IdsAsync(services.Get<NodeDatabase>(), assess);
            assessed = sample.Count;
            Console.WriteLine($"# reusing the store kept at {work}");
        }
        else
        {
            (sample, assessed) = await FillAsync(work, home, database, korean, n, assess);
        }
        var run = TimeProvider.System.GetUtcNow().ToString("HHmmss", CultureInfo.InvariantCulture);
        var officerKey = Key(await Cli("user", "add", "--home", home, "--name", "bench-officer-" + run, "--role", "officer"));
        var auditorKey = Key(await Cli("user", "add", "--home", home, "--name", "bench-auditor-" + run, "--role", "auditor"));

        var port = FreePort();
        var address = new Uri($"http://127.0.0.1:{port}");
        var log = new StringBuilder();
        using var process = Serve(home, address, log);
        try
        {
            var clock = Stopwatch.StartNew();
            using (var probe = new HttpClient { BaseAddress = address, Timeout = TimeSpan.FromSeconds(5) })
                await WaitReadyAsync(probe, process, log);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"# node ready in {clock.Elapsed.TotalSeconds:F1} s at {address}"));
            using var officer = await SignInAsync(address, officerKey);
            using var auditor = await SignInAsync(address, auditorKey);

            // What the pages are asked about: real references, HS codes and origins from the store.
            var random = new Random(18);
            var picks = sample.OrderBy(_ => random.Next()).Take(requests).ToList();
            var (hs, origins) = await FacetsAsync(home);
            var pages = new List<(string Page, HttpClient Client, Func<int, string> Url)>
            {
                ("dashboard", officer, _ => "/console"),
                ("declarations: newest, no filter", officer, _ => "/console/declarations"),
                ("declarations: HS + origin + dates", officer, i => $"/console/declarations?hs={hs[i % hs.Count]}&origin={origins[i % origins.Count]}&from=2024-01-01&to=2024-12-31"),
                ("declarations: reference", officer, i => $"/console/declarations?reference={picks[i % picks.Count]}"),
                ("declarations: status + finding", officer, _ => "/console/declarations?status=accepted&finding=mirror-undervaluation"),
                ("declaration detail", officer, i => $"/console/declarations/{picks[i % picks.Count]}"),
                ("risk desk: red queue", officer, _ => "/console/risk?lane=red"),
                ("risk desk: yellow queue", officer, _ => "/console/risk?lane=yellow"),
                ("ledger", auditor, _ => "/console/ledger"),
                ("intelligence: seizures", officer, _ => "/console/intelligence/seizures"),
            };
            Console.WriteLine();
            Console.WriteLine($"Console pages over HTTP with {n:N0} declarations ({assessed:N0} assessed), {requests} requests per page one at a time after 5 warm-up requests:");
            Console.WriteLine();
            Console.WriteLine("| page | requests | p50 ms | p95 ms | max ms | not 200 | bytes |");
            Console.WriteLine("|---|---:|---:|---:|---:|---:|---:|");
            foreach (var (page, client, url) in pages)
            {
                for (var i = 0; i < 5; i++) await GetAsync(client, url(i));
                var times = new double[requests];
                var failed = 0;
                long bytes = 0;
                for (var i = 0; i < requests; i++)
                {
                    var (ms, status, size) = await GetAsync(client, url(i));
                    times[i] = ms;
                    bytes = size;
                    if (status != 200) failed++;
                }
                Array.Sort(times);
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"| {page} | {requests} | {Percentile(times, 0.50):F1} | {Percentile(times, 0.95):F1} | {times[^1]:F1} | {failed} | {bytes:N0} |"));
            }
            Console.WriteLine();
            Console.WriteLine($"# load average at the end: {Load()}");
        }
        finally
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
                await process.WaitForExitAsync();
            }
            string text;
            lock (log) text = log.ToString();
            if (text.Contains("Unhandled exception", StringComparison.OrdinalIgnoreCase) || text.Contains("fail:", StringComparison.Ordinal))
                Console.WriteLine("# node log has failures:\n" + string.Join('\n', text.Split('\n').Where(l => l.Contains("fail", StringComparison.OrdinalIgnoreCase)).Take(20)));
        }
        if (!args.Contains("--keep")) Directory.Delete(work, recursive: true);
        return 0;
    }

    private static async Task<(List<string> Sample, long Assessed)> FillAsync(string work, string home, string database, string korean, int n, int assess)
    {
        if (Directory.Exists(work)) Directory.Delete(work, recursive: true);
        Directory.CreateDirectory(work);
        await NodeHome.InitAsync(new NodeOptions { Home = home, Code = "GB", Name = "Benchmark administration", Database = database }, TimeProvider.System);

        // The store: N declarations through the ingest's bulk path (the first load into an empty store).
        var clock = Stopwatch.StartNew();
        var csv = Path.Combine(work, "declarations.csv");
        WriteCsv(korean, csv, n);
        var mapping = CsvMapping.Load(Path.Combine(AppContext.BaseDirectory, "mappings", "kcs-synthetic-hs6.yaml"));
        await using (var store = DeclarationStores.Open(database, TimeProvider.System))
        {
            var report = await new DeclarationIngest(store).IngestFilesAsync([csv], new IngestOptions { Format = DeclarationFormat.Csv, Mapping = mapping, BulkLoad = true });
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"# filled: {report.Accepted:N0} declarations in {clock.Elapsed.TotalSeconds:F1} s (resampled CSV + bulk load){(report.Errors.Count > 0 ? $", first refusal: {report.Errors[0]}" : "")}"));
        }
        File.Delete(csv);

        // Targeting in service, and the first declarations assessed so that the queues hold real work.
        var rules = Path.Combine(work, "rules");
        Directory.CreateDirectory(rules);
        await File.WriteAllTextAsync(Path.Combine(rules, "bench.rules"), RuleSet);
        await Cli("risk", "rules", "activate", "--home", home, rules);
        clock.Restart();
        await using (var services = await NodeServices.OpenAsync(NodeHome.Load(home)))
        {
            var db = services.Get<NodeDatabase>();
            var sample = await IdsAsync(db, assess);
            var desk = services.Get<RiskDesk>();
            foreach (var chunk in sample.Chunk(1000)) await desk.AssessAsync(chunk);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"# assessed: {sample.Count:N0} declarations in {clock.Elapsed.TotalSeconds:F1} s"));
            return (sample, sample.Count);
        }
    }

    private static async Task<(double Ms, int Status, long Bytes)> GetAsync(HttpClient client, string url)
    {
        var clock = Stopwatch.StartNew();
        using var answer = await client.GetAsync(new Uri(url, UriKind.Relative));
        var body = await answer.Content.ReadAsByteArrayAsync();
        return (clock.Elapsed.TotalMilliseconds, (int)answer.StatusCode, body.LongLength);
    }

    private static double Percentile(double[] sorted, double q) => sorted[Math.Min(sorted.Length - 1, (int)Math.Ceiling(q * sorted.Length) - 1)];

    /// <summary>Signs in through the form as a browser does: the page's anti-forgery token, the key, the session cookie.</summary>
    private static async Task<HttpClient> SignInAsync(Uri address, string key)
    {
        var client = new HttpClient(new HttpClientHandler { CookieContainer = new CookieContainer(), AllowAutoRedirect = false }) { BaseAddress = address, Timeout = TimeSpan.FromMinutes(2) };
        var form = await client.GetStringAsync(new Uri("/console/sign-in", UriKind.Relative));
        var token = WebUtility.HtmlDecode(TokenField().Match(form).Groups[1].Value);
        using var answer = await client.PostAsync(new Uri("/console/sign-in", UriKind.Relative),
            new FormUrlEncodedContent(new Dictionary<string, string> { ["__af"] = token, ["Key"] = key }));
        if (answer.StatusCode != HttpStatusCode.Redirect) throw new InvalidOperationException($"sign-in answered {(int)answer.StatusCode}");
        return client;
    }

    [GeneratedRegex("name=\"__af\" type=\"hidden\" value=\"([^\"]+)\"")]
    private static partial Regex TokenField();

    private static async Task<List<string>> IdsAsync(NodeDatabase database, int count)
    {
        var ids = new List<string>(count);
        await using var connection = await database.ConnectAsync();
        await using var command = NodeDatabase.Command(connection, null, "SELECT id FROM declarations ORDER BY key DESC LIMIT @n", ("@n", count));
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync()) ids.Add(reader.GetString(0));
        return ids;
    }

    /// <summary>The commonest HS headings and origins in the store, for the filtered searches.</summary>
    private static async Task<(List<string> Hs, List<string> Origins)> FacetsAsync(string home)
    {
        await using var services = await NodeServices.OpenAsync(NodeHome.Load(home));
        var database = services.Get<NodeDatabase>();
        await using var connection = await database.ConnectAsync();
        async Task<List<string>> Top(string sql)
        {
            var list = new List<string>();
            await using var command = NodeDatabase.Command(connection, null, sql);
            await using var reader = await command.ExecuteReaderAsync();
            while (await reader.ReadAsync()) if (!reader.IsDBNull(0)) list.Add(reader.GetString(0));
            return list;
        }
        var hs = await Top("SELECT substr(hs_code, 1, 4) FROM (SELECT hs_code FROM goods_items LIMIT 20000) GROUP BY 1 ORDER BY count(*) DESC LIMIT 10");
        var origins = await Top("SELECT origin FROM (SELECT origin FROM goods_items LIMIT 20000) GROUP BY 1 ORDER BY count(*) DESC LIMIT 10");
        return (hs.Count > 0 ? hs : ["8517"], origins.Count > 0 ? origins : ["CN"]);
    }

    private static async Task<string> Cli(params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        var status = await EntenteCli.RunAsync(args, output, error);
        if (status != 0) throw new InvalidOperationException($"entente {string.Join(' ', args)}: {status} {error}");
        return output.ToString();
    }

    private static string Key(string userAddOutput) => userAddOutput.Trim().Split(' ')[^1];

    /// <summary>The Korean rows resampled as the analytics benchmark resamples them: a fresh id each, the year moved so the months spread over five years.</summary>
    private static void WriteCsv(string korean, string path, int count)
    {
        var lines = File.ReadAllLines(korean);
        using var writer = new StreamWriter(path);
        writer.WriteLine(lines[0]);
        var rows = lines.Length - 1;
        for (var i = 0; i < count; i++)
        {
            var line = lines[1 + i % rows];
            var comma = line.IndexOf(',', StringComparison.Ordinal);
            writer.Write((300_000_000 + i).ToString(CultureInfo.InvariantCulture));
            writer.Write(',');
            writer.Write((2020 + 4 * (i / rows % 5)).ToString(CultureInfo.InvariantCulture));
            writer.WriteLine(line.AsSpan(comma + 5));
        }
    }

    private static Process Serve(string home, Uri address, StringBuilder log)
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var arg in new[] { Path.Combine(AppContext.BaseDirectory, "Entente.Cli.dll"), "serve", "--home", home, "--urls", address.ToString().TrimEnd('/') })
            start.ArgumentList.Add(arg);
        start.Environment["Logging__LogLevel__Default"] = "Warning";
        var process = Process.Start(start) ?? throw new InvalidOperationException("cannot start entente serve");
        void Append(string? line)
        {
            if (line is null) return;
            lock (log) log.AppendLine(line);
        }
        process.OutputDataReceived += (_, e) => Append(e.Data);
        process.ErrorDataReceived += (_, e) => Append(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return process;
    }

    private static async Task WaitReadyAsync(HttpClient http, Process process, StringBuilder log)
    {
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < TimeSpan.FromMinutes(10))
        {
            if (process.HasExited)
            {
                lock (log) throw new InvalidOperationException($"entente serve exited with {process.ExitCode}:\n{log}");
            }
            try
            {
                using var answer = await http.GetAsync(new Uri("/health/ready", UriKind.Relative));
                if (answer.StatusCode == HttpStatusCode.OK) return;
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
            {
            }
            await Task.Delay(200);
        }
        lock (log) throw new TimeoutException($"entente serve was not ready within ten minutes:\n{log}");
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static string? Value(string[] args, string name)
    {
        var i = Array.IndexOf(args, name);
        return i >= 0 && i + 1 < args.Length ? args[i + 1] : null;
    }

    private static string Load() => File.Exists("/proc/loadavg") ? string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : "unknown";
}
