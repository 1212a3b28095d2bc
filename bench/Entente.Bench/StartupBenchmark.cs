using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Headers;
using System.Text;
using Entente.Declarations;
using Entente.Hosting;
using Entente.Tools.Generation;

namespace Entente.Bench;

/// <summary>
/// A cold node under a burst: a fresh home (SQLite), a new `entente serve` process, and as soon as /health/ready answers
/// 200, N clients at once each submitting one generated declaration (POST /api/declarations, JSON) on loopback, while
/// /health is probed. Then a second burst on the now warm node. Latency p50/p95/p99/max, 5xx and failures per burst.
/// </summary>
internal static class StartupBenchmark
{
    public static async Task<int> RunAsync(string[] args)
    {
        var clients = 50;
        var runs = 3;
        var bursts = 2;
        var timeout = TimeSpan.FromSeconds(120);
        var environment = new Dictionary<string, string>();
        var work = Path.Combine(Path.GetTempPath(), "entente-bench-startup");
        for (var i = 0; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "--clients": clients = Int(args[++i]); break;
                case "--runs": runs = Int(args[++i]); break;
                case "--bursts": bursts = Int(args[++i]); break;
                case "--timeout": timeout = TimeSpan.FromSeconds(Int(args[++i])); break;
                case "--work": work = args[++i]; break;
                case "--env":
                    var pair = args[++i].Split('=', 2);
                    environment[pair[0]] = pair.Length > 1 ? pair[1] : "";
                    break;
                default:
                    Console.Error.WriteLine($"entente bench startup: unknown option {args[i]}");
                    return 2;
            }
        }
        Console.WriteLine($"# entente bench startup --clients {clients} --runs {runs} on {Environment.ProcessorCount} cores ({CpuModel()}), {Environment.OSVersion}, .NET {Environment.Version}");
        if (environment.Count > 0) Console.WriteLine($"# node environment: {string.Join(" ", environment.Select(e => $"{e.Key}={e.Value}"))}");
        Console.WriteLine("run burst   ready s  n   2xx  4xx  5xx  failed   p50 ms   p95 ms   p99 ms   max ms   /health max ms   load");
        var all = new List<List<Sample>>();
        for (var b = 0; b < bursts; b++) all.Add([]);
        var logProblems = 0;
        for (var run = 1; run <= runs; run++)
        {
            var home = Path.Combine(work, Guid.NewGuid().ToString("N"));
            var key = await NodeHome.InitAsync(new NodeOptions { Home = home, Code = "GB", Name = "Benchmark administration" }, TimeProvider.System);
            var generator = new DeclarationGenerator(seed: run, referencePrefix: $"S{run}");
            var bodies = Enumerable.Range(0, clients * bursts).Select(n => EntenteJson.Serialize(generator.Next(out _))).ToArray();
            var port = BenchSupport.FreePort();
            var address = new Uri($"http://127.0.0.1:{port}");
            var log = new StringBuilder();
            using var process = BenchSupport.Serve(home, address, log, environment);
            try
            {
                var clock = Stopwatch.StartNew();
                using var handler = new SocketsHttpHandler { MaxConnectionsPerServer = clients + 2, PooledConnectionLifetime = TimeSpan.FromMinutes(5) };
                using var http = new HttpClient(handler, disposeHandler: false) { BaseAddress = address, Timeout = timeout };
                http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", key);
                await BenchSupport.WaitReadyAsync(http, process, log, TimeSpan.FromMinutes(2), TimeSpan.FromMilliseconds(20));
                var ready = clock.Elapsed.TotalSeconds;
                for (var b = 0; b < bursts; b++)
                {
                    var (samples, healthMax) = await BurstAsync(http, bodies.AsMemory(b * clients, clients));
                    all[b].AddRange(samples);
                    Console.WriteLine($"{run,3} {(b == 0 ? "cold" : "warm"),-6} {(b == 0 ? ready.ToString("F2", CultureInfo.InvariantCulture) : ""),8} {Line(samples)} {healthMax,16:F0}   {Load()}");
                }
            }
            finally
            {
                await BenchSupport.StopAsync(process);
                string text;
                lock (log) text = log.ToString();
                var problems = text.Split('\n').Count(l => l.Contains("Unhandled exception", StringComparison.OrdinalIgnoreCase) || l.Contains("database is locked", StringComparison.OrdinalIgnoreCase));
                logProblems += problems;
                if (problems > 0) Console.WriteLine($"    node log: {problems} line(s) with an unhandled exception or 'database is locked'");
                try
                {
                    Directory.Delete(home, recursive: true);
                }
                catch (IOException)
                {
                }
            }
        }
        for (var b = 0; b < bursts; b++)
            Console.WriteLine($"all {(b == 0 ? "cold" : "warm"),-6} {"",8} {Line(all[b])}");
        Console.WriteLine($"# node log lines with an unhandled exception or 'database is locked': {logProblems}");
        return 0;
    }

    private sealed record Sample(double Milliseconds, int Status);

    private static async Task<(List<Sample> Samples, double HealthMax)> BurstAsync(HttpClient http, ReadOnlyMemory<string> bodies)
    {
        var done = 0;
        var healthMax = 0.0;
        var health = Task.Run(async () =>
        {
            while (Volatile.Read(ref done) == 0)
            {
                var t = Stopwatch.StartNew();
                try
                {
                    using var answer = await http.GetAsync(new Uri("/health", UriKind.Relative));
                }
                catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
                {
                }
                healthMax = Math.Max(healthMax, t.Elapsed.TotalMilliseconds);
                await Task.Delay(50);
            }
        });
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var tasks = new Task<Sample>[bodies.Length];
        for (var i = 0; i < bodies.Length; i++)
        {
            var body = bodies.Span[i];
            tasks[i] = Task.Run(async () =>
            {
                await gate.Task;
                var t = Stopwatch.StartNew();
                try
                {
                    using var content = new StringContent(body, Encoding.UTF8, "application/json");
                    using var answer = await http.PostAsync(new Uri("/api/declarations", UriKind.Relative), content);
                    await answer.Content.ReadAsByteArrayAsync();
                    return new Sample(t.Elapsed.TotalMilliseconds, (int)answer.StatusCode);
                }
                catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
                {
                    return new Sample(t.Elapsed.TotalMilliseconds, 0);
                }
            });
        }
        gate.SetResult();
        var samples = await Task.WhenAll(tasks);
        Volatile.Write(ref done, 1);
        await health;
        return ([.. samples], healthMax);
    }

    private static string Line(List<Sample> samples)
    {
        var times = samples.Select(s => s.Milliseconds).Order().ToArray();
        double P(double q) => times.Length == 0 ? 0 : times[Math.Min(times.Length - 1, (int)Math.Ceiling(q * times.Length) - 1)];
        return $"{samples.Count,3} {samples.Count(s => s.Status is >= 200 and < 300),5} {samples.Count(s => s.Status is >= 400 and < 500),4} {samples.Count(s => s.Status >= 500),4} " +
            $"{samples.Count(s => s.Status == 0),7} {P(0.50),8:F0} {P(0.95),8:F0} {P(0.99),8:F0} {(times.Length == 0 ? 0 : times[^1]),8:F0}";
    }

    private static int Int(string text) => int.Parse(text, CultureInfo.InvariantCulture);

    private static string Load() => File.Exists("/proc/loadavg") ? string.Join(" ", File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : "?";

    private static string CpuModel() =>
        File.Exists("/proc/cpuinfo")
            ? File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal))?.Split(':', 2)[1].Trim() ?? "?"
            : "?";
}
