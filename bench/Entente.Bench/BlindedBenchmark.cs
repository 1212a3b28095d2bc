using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text.Json;
using Entente.Agreements;
using Entente.Blinded;
using Entente.Exchange;
using Entente.Hosting;
using Entente.Identity;

namespace Entente.Bench;

/// <summary>
/// Blinded hit/no-hit (docs/blinded.md): evaluations per second per core at the holder (the OPRF alone on one thread,
/// and signed batches over HTTP to a real node), the size on the wire and build time of an index of N identifiers,
/// and one query to 3 partners (`entente serve` processes on loopback) p50/p95/max.
/// </summary>
internal static class BlindedBenchmark
{
    public static async Task<int> RunAsync(string[] args)
    {
        var evaluations = Option(args, "--evaluations", 20_000);
        var identifiers = Option(args, "--identifiers", 1_000_000);
        var queries = Option(args, "--queries", 300);
        var batches = Option(args, "--batches", 100);
        Console.WriteLine($"# entente bench blinded on {Environment.ProcessorCount} cores ({CpuModel()}), {Environment.OSVersion}, .NET {Environment.Version}, suite {Voprf.Suite}");
        Evaluations(evaluations);
        await IndexAsync(identifiers);
        await NetworkAsync(queries, batches);
        return 0;
    }

    private static void Evaluations(int count)
    {
        var key = Oprf.GenerateKey();
        var pk = Oprf.PublicKeyOf(key);
        var elements = Enumerable.Range(0, 1000).Select(i => Voprf.Blind(System.Text.Encoding.UTF8.GetBytes($"eori:GB{i:D12}")).BlindedElement).ToArray();
        for (var i = 0; i < 200; i++) Voprf.BlindEvaluate(key, pk, [elements[i % elements.Length]]);
        var clock = Stopwatch.StartNew();
        for (var i = 0; i < count; i++) Voprf.BlindEvaluate(key, pk, [elements[i % elements.Length]]);
        var seconds = clock.Elapsed.TotalSeconds;
        Console.WriteLine($"BlindEvaluate (VOPRF, one element and its proof), one thread: {count} in {seconds:F2} s = {count / seconds:F0}/s ({seconds / count * 1e6:F1} µs each)");
        var batch = elements.Take(100).ToList();
        clock.Restart();
        for (var i = 0; i < count / 100; i++) Voprf.BlindEvaluate(key, pk, batch);
        seconds = clock.Elapsed.TotalSeconds;
        Console.WriteLine($"BlindEvaluate (VOPRF, batches of 100 with one proof), one thread: {count / 100 * 100 / seconds:F0} elements/s");
        clock.Restart();
        var input = "eori:GB553202734852"u8.ToArray();
        for (var i = 0; i < count / 4; i++) Voprf.Evaluate(key, input);
        Console.WriteLine($"Evaluate (holder's own, for its index), one thread: {count / 4 / clock.Elapsed.TotalSeconds:F0}/s");
    }

    private static async Task IndexAsync(int count)
    {
        var key = BlindedKey.FromScalar(Oprf.GenerateKey());
        var list = new List<BlindedIdentifier>(count);
        for (var i = 0; i < count; i++) list.Add(BlindedIdentifier.Of(IdentifierType.Eori, "GB" + i.ToString("D12", CultureInfo.InvariantCulture)));
        var indexer = new BlindedIndexer("KR", () => key, [new ListedIdentifiers("bench", list)], TimeProvider.System);
        var clock = Stopwatch.StartNew();
        var index = await indexer.CurrentAsync();
        var built = clock.Elapsed;
        using var signing = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var signed = SignedCbor.Sign(index.ToCbor(), BlindedIndex.ContentType, signing, "KR");
        Console.WriteLine($"Index of {index.Count:N0} identifiers: built in {built.TotalSeconds:F1} s on {Environment.ProcessorCount} cores; {signed.Length:N0} bytes signed on the wire ({signed.Length / 1048576.0:F2} MiB); " +
            $"false-hit probability per query {index.Count / Math.Pow(2, 64):E1}");
        clock.Restart();
        await indexer.CurrentAsync();
        Console.WriteLine($"Index asked again, sources unchanged (stamp only): {clock.Elapsed.TotalMilliseconds:F1} ms");
    }

    private static async Task NetworkAsync(int queries, int batches)
    {
        var folder = Path.Combine(Path.GetTempPath(), "entente-bench-blinded-" + Guid.NewGuid().ToString("N"));
        var codes = new[] { "NL", "KR", "DE", "BE" };
        var nodes = new List<(string Code, string Home, Uri Address, Process? Process)>();
        try
        {
            foreach (var code in codes)
            {
                var home = Path.Combine(folder, code.ToLowerInvariant());
                await NodeHome.InitAsync(new NodeOptions { Home = home, Code = code, Name = "Administration " + code }, TimeProvider.System);
                nodes.Add((code, home, new Uri($"http://127.0.0.1:{FreePort()}"), null));
            }
            var keys = nodes.Select(n => NodeKeys.LoadSigningKey(n.Home)).ToArray();
            var text = Yaml.Replace("{PARTIES}", string.Join("\n", nodes.Select((n, i) => $"  - code: {n.Code}\n    name: \"Administration {n.Code}\"\n    fingerprint: {NodeKeys.Fingerprint(keys[i])}")), StringComparison.Ordinal);
            foreach (var key in keys)
                text = AgreementSignatures.AddTo(text, "bench.yaml", AgreementSignatures.Sign(AgreementDocument.Parse(text, "bench.yaml"), key, DateTimeOffset.UnixEpoch.AddYears(55)));
            foreach (var node in nodes)
            {
                Directory.CreateDirectory(Path.Combine(node.Home, "agreements"));
                await File.WriteAllTextAsync(Path.Combine(node.Home, "agreements", "bench-blinded.yaml"), text);
            }
            for (var i = 0; i < nodes.Count; i++) nodes[i] = nodes[i] with { Process = await StartAsync(nodes[i].Home, nodes[i].Address) };
            foreach (var node in nodes)
            {
                foreach (var partner in nodes.Where(p => p.Code != node.Code))
                {
                    var (output, error) = (new StringWriter(), new StringWriter());
                    if (await Cli.EntenteCli.RunAsync(["partner", "add", "--home", node.Home, "--code", partner.Code, "--endpoint", partner.Address.ToString()], output, error) != 0)
                        throw new InvalidOperationException($"partner add failed: {error}");
                }
            }

            // Signed batches of 100 over HTTP to one holder, one at a time: the holder's whole path (verify, nonce, agreement, rate, evaluate, ledger).
            using (var http = new HttpClient { BaseAddress = nodes[1].Address })
            {
                var elements = Enumerable.Range(0, 100).Select(i => Voprf.Blind(System.Text.Encoding.UTF8.GetBytes($"eori:GB{i:D12}")).BlindedElement).ToList();
                async Task PostAsync()
                {
                    var request = BlindedRequest.New(BlindedOperation.Evaluate, "NL", "KR", "bench-blinded", "risk-management", TimeProvider.System.GetUtcNow(), elements);
                    using var content = new ByteArrayContent(request.Sign(keys[0]));
                    content.Headers.ContentType = new MediaTypeHeaderValue(BlindedRequest.ContentType);
                    using var response = await http.PostAsync(BlindedPaths.Evaluate, content);
                    if (!response.IsSuccessStatusCode) throw new InvalidOperationException($"evaluate: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
                }
                for (var i = 0; i < 5; i++) await PostAsync();
                var clock = Stopwatch.StartNew();
                for (var i = 0; i < batches; i++) await PostAsync();
                Console.WriteLine($"Evaluate over HTTP, signed batches of 100, one client: {batches * 100 / clock.Elapsed.TotalSeconds:F0} elements/s ({clock.Elapsed.TotalMilliseconds / batches:F1} ms a batch; client and holder on the same {Environment.ProcessorCount} cores)");
                elements = elements.Take(1).ToList();
                var single = new double[Math.Max(20, batches)];
                for (var i = 0; i < single.Length; i++)
                {
                    var one = Stopwatch.StartNew();
                    await PostAsync();
                    single[i] = one.Elapsed.TotalMilliseconds;
                }
                Array.Sort(single);
                Console.WriteLine($"Evaluate over HTTP, one element, one at a time: p50 {single[single.Length / 2]:F1} ms, p95 {single[(int)(single.Length * 0.95)]:F1} ms");
            }

            // The query as an officer makes it: POST /api/blinded/queries to the asker's running node.
            var (userOut, userErr) = (new StringWriter(), new StringWriter());
            if (await Cli.EntenteCli.RunAsync(["user", "add", "--home", nodes[0].Home, "--name", "bench", "--role", "liaison"], userOut, userErr) != 0)
                throw new InvalidOperationException($"user add failed: {userErr}");
            using var officer = new HttpClient { BaseAddress = nodes[0].Address };
            officer.DefaultRequestHeaders.Add("X-Api-Key", userOut.ToString().Trim().Split(' ')[^1]);
            async Task AskAsync()
            {
                using var response = await officer.PostAsJsonAsync(BlindedPaths.Queries, new { type = "eori", value = "GB553202734852", purpose = "risk-management" });
                var body = await response.Content.ReadAsStringAsync();
                using var answer = JsonDocument.Parse(body);
                if (!response.IsSuccessStatusCode || answer.RootElement.GetProperty("answers").GetArrayLength() != 3
                    || answer.RootElement.GetProperty("answers").EnumerateArray().Any(a => a.GetProperty("outcome").GetString() == PartnerAnswer.Failed))
                    throw new InvalidOperationException($"the query failed: {(int)response.StatusCode} {body}");
            }
            for (var i = 0; i < 10; i++) await AskAsync();
            var times = new double[queries];
            for (var i = 0; i < queries; i++)
            {
                var clock = Stopwatch.StartNew();
                await AskAsync();
                times[i] = clock.Elapsed.TotalMilliseconds;
            }
            Array.Sort(times);
            Console.WriteLine($"One query to 3 partners on loopback ({queries} queries, one at a time, POST /api/blinded/queries: per partner a blind and a signed evaluation, in parallel; the index kept, revalidated each minute): " +
                $"p50 {times[queries / 2]:F1} ms, p95 {times[(int)(queries * 0.95)]:F1} ms, max {times[^1]:F1} ms");
            foreach (var k in keys) k.Dispose();
        }
        finally
        {
            foreach (var node in nodes)
            {
                if (node.Process is { HasExited: false } p)
                {
                    p.Kill(entireProcessTree: true);
                    await p.WaitForExitAsync();
                }
            }
            try
            {
                Directory.Delete(folder, recursive: true);
            }
            catch (IOException)
            {
            }
        }
    }

    private const string Yaml = """
        agreement: bench-blinded
        version: 1
        kind: multilateral
        parties:
        {PARTIES}
        legal-basis: ["Benchmark convention, Art. 1"]
        validity: {from: 2020-01-01, until: 2099-12-31}
        categories:
          blinded-identifiers:
            purposes: [risk-management]
            disclose: [/evaluation]
            handling-code: H1
            onward-transfer: forbidden
            retention: {period: P1Y, then: erase}

        """;

    private static async Task<Process> StartAsync(string home, Uri address)
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var arg in new[] { Path.Combine(AppContext.BaseDirectory, "Entente.Cli.dll"), "serve", "--home", home, "--urls", address.ToString().TrimEnd('/') })
            start.ArgumentList.Add(arg);
        start.Environment["Entente__Blinded__Burst"] = "10000000";
        start.Environment["Entente__Blinded__EvaluationsPerMinute"] = "10000000";
        var process = Process.Start(start) ?? throw new InvalidOperationException("cannot start entente serve");
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        using var probe = new HttpClient { BaseAddress = address, Timeout = TimeSpan.FromSeconds(2) };
        for (var attempt = 0; attempt < 600; attempt++)
        {
            if (process.HasExited) throw new InvalidOperationException($"entente serve exited with {process.ExitCode}");
            try
            {
                if ((await probe.GetAsync(new Uri("/health", UriKind.Relative))).StatusCode == HttpStatusCode.OK) return process;
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
            {
            }
            await Task.Delay(50);
        }
        throw new TimeoutException("entente serve did not answer /health within 30 s");
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static int Option(string[] args, string name, int fallback)
    {
        var i = Array.IndexOf(args, name);
        return i >= 0 && i + 1 < args.Length ? int.Parse(args[i + 1], CultureInfo.InvariantCulture) : fallback;
    }

    private static string CpuModel() =>
        File.Exists("/proc/cpuinfo")
            ? File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal))?.Split(':', 2)[1].Trim() ?? "unknown CPU"
            : "unknown CPU";
}
