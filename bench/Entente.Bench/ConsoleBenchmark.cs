using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Entente.Agreements;
using Entente.Assistance;
using Entente.Cli;
using Entente.Declarations;
using Entente.Hosting;
using Entente.Identity;
using Entente.Ingest;
using Entente.Ingest.Csv;
using Entente.Partners;
using Entente.Risk.Assessment;
using Entente.Storage;
using Npgsql;

namespace Entente.Bench;

/// <summary>
/// Every page of the officer console with N declarations in the store (issue 18: p95 ≤ 100 ms with 1,000,000): the
/// Korean set resampled into N declarations (as the analytics benchmark does) and bulk-loaded into a new node's store
/// (SQLite, and with --databases postgres the same on PostgreSQL), a rule set put into service and the first
/// declarations assessed (so the risk queues fill), an assistance agreement with a partner and requests received under
/// it; then a real `entente serve` process, and through its API alerts, hits (containers of those alerts screened),
/// seizures and a ledger checkpoint at fixed ratios to N. Users of each role sign in through the sign-in form like a
/// browser (cookie and anti-forgery token), and each page is asked over HTTP one request at a time (reads that need a
/// purpose are the form's POST, as the purpose dialog sends it): p50 / p95 / max of the time from the request to its
/// last byte on loopback.
/// </summary>
internal static partial class ConsoleBenchmark
{
    private const string KoreanTrain = "customs-import-declarations/df_syn_train_eng.csv";
    private const string AssistanceAgreement = "gb-nl-assistance";
    private const string LegalBasis = "CMAA GB-NL, Art. 3 (assistance on request)";
    private const double TargetMs = 100;

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

    /// <summary>How much of each kind of work the store holds for N declarations (a national node's year: alerts in force, hits, seizures, assistance requests).</summary>
    private sealed record Volumes(int Alerts, int Hits, int Seizures, int Assistance)
    {
        public static Volumes For(int declarations) =>
            new(Math.Max(20, declarations / 200), Math.Max(10, declarations / 1_000), Math.Max(20, declarations / 500), Math.Max(10, declarations / 2_000));
    }

    public static async Task<int> RunAsync(string[] args)
    {
        var n = NetworkBenchmark.Option(args, "--declarations", 1_000_000);
        var assess = NetworkBenchmark.Option(args, "--assess", 50_000);
        var requests = NetworkBenchmark.Option(args, "--requests", 200);
        var databases = Value(args, "--databases") is { } d ? d.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries) : ["sqlite"];
        var postgres = Value(args, "--postgres") ?? Environment.GetEnvironmentVariable("ENTENTE_TEST_POSTGRES");
        var work = Path.GetFullPath(Value(args, "--work") ?? Path.Combine(Path.GetTempPath(), "entente-bench-console"));
        var data = Environment.GetEnvironmentVariable("ENTENTE_DATA") ?? Path.GetFullPath(Path.Combine("..", "shared", "data"));
        var korean = Path.Combine(data, KoreanTrain);
        var volumes = Volumes.For(n);
        Console.WriteLine($"# entente bench console --declarations {n} --assess {assess} --requests {requests} --databases {string.Join(',', databases)} " +
            $"on {Environment.ProcessorCount} cores ({NetworkBenchmark.CpuModel()}), {Environment.OSVersion}, .NET {Environment.Version}; load average at start {Load()}");
        Console.WriteLine($"# the store besides the declarations: {volumes.Alerts:N0} alerts, {volumes.Hits:N0} hits, {volumes.Seizures:N0} seizures, {volumes.Assistance:N0} assistance requests received");
        if (!File.Exists(korean))
        {
            Console.WriteLine($"# skipped: the Korea Customs Service data set {KoreanTrain} is missing at {data}; set ENTENTE_DATA");
            return 0;
        }
        foreach (var database in databases)
        {
            if (database is not ("sqlite" or "postgres"))
            {
                Console.Error.WriteLine($"entente bench console: --databases takes sqlite and/or postgres, not '{database}'");
                return 2;
            }
            if (database == "postgres" && string.IsNullOrEmpty(postgres))
            {
                Console.WriteLine("# PostgreSQL skipped: give --postgres CONNSTRING or set ENTENTE_TEST_POSTGRES");
                continue;
            }
            await RunOnAsync(database, postgres, Path.Combine(work, database), korean, n, assess, requests, volumes, args);
        }
        if (!args.Contains("--keep") && Directory.Exists(work)) Directory.Delete(work, recursive: true);
        return 0;
    }

    private static async Task RunOnAsync(string engine, string? server, string work, string korean, int n, int assess, int requests, Volumes volumes, string[] args)
    {
        var home = Path.Combine(work, "home");
        var keep = args.Contains("--keep");
        var postgresName = keep ? "entente_bench_console_kept" : $"entente_bench_console_{Environment.ProcessId}";
        var database = engine == "sqlite" ? Path.Combine(work, "node.db") : new NpgsqlConnectionStringBuilder(server) { Database = postgresName }.ConnectionString;
        var filled = Path.Combine(work, "filled");
        var reuse = args.Contains("--reuse") && File.Exists(filled) && Directory.Exists(home);
        Console.WriteLine();
        Console.WriteLine($"## {(engine == "sqlite" ? "SQLite" : "PostgreSQL")}");
        long assessed;
        List<string> sample;
        if (reuse)
        {
            // A store an earlier run kept (--keep): the same declarations, assessments, alerts, hits and seizures; only the pages asked again.
            await using var services = await NodeServices.OpenAsync(NodeHome.Load(home, database));
            sample = await IdsAsync(services.Get<NodeDatabase>(), assess);
            assessed = sample.Count;
            Console.WriteLine($"# reusing the store kept at {work}");
        }
        else
        {
            if (engine == "postgres")
                await AdminAsync(server!, $"DROP DATABASE IF EXISTS {postgresName} WITH (FORCE)", $"CREATE DATABASE {postgresName}");
            (sample, assessed) = await FillAsync(work, home, database, korean, n, assess, volumes.Assistance);
        }
        var run = TimeProvider.System.GetUtcNow().ToString("HHmmss", CultureInfo.InvariantCulture);
        var keys = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var role in new[] { "officer", "analyst", "auditor", "liaison" })
            keys[role] = Key(await Cli("user", "add", "--home", home, "--database", database, "--name", $"bench-{role}-{run}", "--role", role));

        var address = new Uri($"http://127.0.0.1:{BenchSupport.FreePort()}");
        var log = new StringBuilder();
        using var process = BenchSupport.Serve(home, address, log, new Dictionary<string, string> { ["Logging__LogLevel__Default"] = "Warning" }, database);
        try
        {
            var clock = Stopwatch.StartNew();
            using (var probe = new HttpClient { BaseAddress = address, Timeout = TimeSpan.FromSeconds(5) })
                await BenchSupport.WaitReadyAsync(probe, process, log, TimeSpan.FromMinutes(10), TimeSpan.FromMilliseconds(200));
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"# node ready in {clock.Elapsed.TotalSeconds:F1} s at {address}"));
            using var api = new HttpClient { BaseAddress = address, Timeout = TimeSpan.FromMinutes(2) };
            api.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", keys["officer"]);
            if (!reuse)
            {
                clock.Restart();
                await WorkAsync(api, volumes);
                await Cli("ledger", "checkpoint", "--home", home, "--database", database);
                await File.WriteAllTextAsync(filled, run);
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"# alerts, hits and seizures made through the API in {clock.Elapsed.TotalSeconds:F1} s"));
            }
            var officer = await SignInAsync(address, keys["officer"]);
            var analyst = await SignInAsync(address, keys["analyst"]);
            var auditor = await SignInAsync(address, keys["auditor"]);
            var liaison = await SignInAsync(address, keys["liaison"]);
            var officerToken = await TokenAsync(officer, "/console/hits");
            var auditorToken = await TokenAsync(auditor, "/console/ledger");

            // What the pages are asked about: real references, HS codes, origins, parties, alerts and seizures from the store.
            var random = new Random(18);
            var picks = sample.OrderBy(_ => random.Next()).Take(requests).ToList();
            var (hs, origins, parties) = await FacetsAsync(home, database);
            var alerts = await IdsAsync(api, "/api/alerts?limit=100", "alerts");
            var seizures = await IdsAsync(api, "/api/seizures?limit=100", "seizures");
            if (alerts.Count == 0 || seizures.Count == 0) throw new InvalidOperationException($"the store holds {alerts.Count} alerts and {seizures.Count} seizures: nothing to ask about");
            Dictionary<string, string> HitsRead(bool overdue) => new()
            {
                ["__af"] = officerToken,
                ["State"] = overdue ? "" : "open",
                ["Overdue"] = overdue ? "true" : "false",
                ["Purpose"] = "investigation",
                ["Justification"] = "console benchmark: hits at the risk desk",
            };
            var pages = new List<Page>
            {
                new("dashboard", officer, _ => "/console"),
                new("declarations: newest, no filter", officer, _ => "/console/declarations"),
                new("declarations: HS + origin + dates", officer, i => $"/console/declarations?hs={hs[i % hs.Count]}&origin={origins[i % origins.Count]}&from=2024-01-01&to=2024-12-31"),
                new("declarations: reference", officer, i => $"/console/declarations?reference={picks[i % picks.Count]}"),
                new("declarations: status + finding", officer, _ => "/console/declarations?status=accepted&finding=mirror-undervaluation"),
                new("declaration detail", officer, i => $"/console/declarations/{picks[i % picks.Count]}"),
                new("risk desk: red queue", officer, _ => "/console/risk?lane=red"),
                new("risk desk: yellow queue", officer, _ => "/console/risk?lane=yellow"),
                new("alerts: list", officer, _ => "/console/alerts"),
                new("alerts: containers in force", officer, _ => "/console/alerts?kind=container&state=in-force"),
                new("alert detail", officer, i => $"/console/alerts?id={alerts[i % alerts.Count]}"),
                new("hits: waiting (POST under a purpose)", officer, _ => "/console/hits?handler=Read", _ => HitsRead(overdue: false)),
                new("hits: overdue (POST under a purpose)", officer, _ => "/console/hits?handler=Read", _ => HitsRead(overdue: true)),
                new("sharing", liaison, _ => "/console/sharing"),
                new("assistance: requests in and out", officer, _ => "/console/assistance"),
                new("agreements: list", liaison, _ => "/console/agreements"),
                new("agreement detail", liaison, _ => $"/console/agreements?id={AssistanceAgreement}"),
                new("partners", auditor, _ => "/console/partners"),
                new("ledger", auditor, _ => "/console/ledger"),
                new("ledger: proof of an entry", auditor, i => $"/console/ledger?entry={(long)i * 7919 % volumes.Alerts}"),
                new("ledger: accountability query (POST)", auditor, _ => "/console/ledger?handler=Audit", i => new()
                {
                    ["__af"] = auditorToken, ["Party"] = parties[i % parties.Count], ["Justification"] = "console benchmark: who received data about this party",
                }),
                new("intelligence: seizures", officer, _ => "/console/intelligence/seizures"),
                new("intelligence: seizures, drugs", officer, _ => "/console/intelligence/seizures?category=drugs"),
                new("intelligence: seizure detail", officer, i => $"/console/intelligence/seizures/{seizures[i % seizures.Count]}"),
                new("intelligence: trends by commodity", analyst, _ => "/console/intelligence/trends?by=commodity&from=2024-01&to=2025-12"),
                new("intelligence: trends by route", analyst, _ => "/console/intelligence/trends?by=route&from=2024-01&to=2025-12"),
                new("intelligence: network, 2 hops", analyst, i => $"/console/intelligence/networks?mode=neighbourhood&node=declaration:{picks[i % picks.Count]}&hops=2"),
                new("intelligence: network communities", analyst, _ => "/console/intelligence/networks?mode=communities"),
                new("intelligence: mirror checks", analyst, _ => "/console/intelligence/mirror"),
            };
            Console.WriteLine();
            Console.WriteLine($"Console pages over HTTP with {n:N0} declarations ({assessed:N0} assessed), {requests} requests per page one at a time after 5 warm-up requests " +
                $"(target: p95 ≤ {TargetMs:0} ms):");
            Console.WriteLine();
            Console.WriteLine("| page | requests | p50 ms | p95 ms | max ms | target | not 200 | bytes |");
            Console.WriteLine("|---|---:|---:|---:|---:|---|---:|---:|");
            foreach (var page in pages)
            {
                for (var i = 0; i < 5; i++) await page.AskAsync(i);
                var times = new double[requests];
                var failed = 0;
                long bytes = 0;
                for (var i = 0; i < requests; i++)
                {
                    var (ms, status, size) = await page.AskAsync(i);
                    times[i] = ms;
                    bytes = size;
                    if (status != 200) failed++;
                }
                Array.Sort(times);
                var p95 = Percentile(times, 0.95);
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"| {page.Name} | {requests} | {Percentile(times, 0.50):F1} | {p95:F1} | {times[^1]:F1} | {(p95 <= TargetMs ? "met" : "MISSED")} | {failed} | {bytes:N0} |"));
            }
            Console.WriteLine();
            Console.WriteLine($"# load average at the end: {Load()}");
            foreach (var client in new[] { officer, analyst, auditor, liaison }) client.Dispose();
        }
        finally
        {
            await BenchSupport.StopAsync(process);
            string text;
            lock (log) text = log.ToString();
            if (text.Contains("Unhandled exception", StringComparison.OrdinalIgnoreCase) || text.Contains("fail:", StringComparison.Ordinal))
                Console.WriteLine("# node log has failures:\n" + string.Join('\n', text.Split('\n').Where(l => l.Contains("fail", StringComparison.OrdinalIgnoreCase)).Take(20)));
            if (engine == "postgres" && !keep) await AdminAsync(server!, $"DROP DATABASE IF EXISTS {postgresName} WITH (FORCE)");
        }
    }

    /// <summary>A page as the benchmark asks it: a GET, or a POST of the page's form when <paramref name="Form"/> is given.</summary>
    private sealed record Page(string Name, HttpClient Client, Func<int, string> Url, Func<int, Dictionary<string, string>>? Form = null)
    {
        public async Task<(double Ms, int Status, long Bytes)> AskAsync(int i)
        {
            var clock = Stopwatch.StartNew();
            using var content = Form is null ? null : new FormUrlEncodedContent(Form(i));
            using var answer = content is null
                ? await Client.GetAsync(new Uri(Url(i), UriKind.Relative))
                : await Client.PostAsync(new Uri(Url(i), UriKind.Relative), content);
            var body = await answer.Content.ReadAsByteArrayAsync();
            return (clock.Elapsed.TotalMilliseconds, (int)answer.StatusCode, body.LongLength);
        }
    }

    private static async Task<(List<string> Sample, long Assessed)> FillAsync(string work, string home, string database, string korean, int n, int assess, int assistance)
    {
        if (Directory.Exists(work)) Directory.Delete(work, recursive: true);
        Directory.CreateDirectory(work);
        await NodeHome.InitAsync(new NodeOptions { Home = home, Code = "GB", Name = "Benchmark administration", Database = database }, TimeProvider.System);

        // The store: N declarations through the ingest's bulk path (the first load into an empty store).
        var clock = Stopwatch.StartNew();
        var csv = Path.Combine(work, "declarations.csv");
        BenchSupport.ResampleKorean(korean, csv, n);
        var mapping = CsvMapping.Load(Path.Combine(AppContext.BaseDirectory, "mappings", "kcs-synthetic-hs6.yaml"));
        await using (var store = DeclarationStores.Open(database, TimeProvider.System))
        {
            await store.MigrateAsync();
            var report = await new DeclarationIngest(store).IngestFilesAsync([csv], new IngestOptions { Format = DeclarationFormat.Csv, Mapping = mapping, BulkLoad = true });
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"# filled: {report.Accepted:N0} declarations in {clock.Elapsed.TotalSeconds:F1} s (resampled CSV + bulk load){(report.Errors.Count > 0 ? $", first refusal: {report.Errors[0]}" : "")}"));
        }
        File.Delete(csv);

        // Targeting in service, and the first declarations assessed so that the queues hold real work.
        var rules = Path.Combine(work, "rules");
        Directory.CreateDirectory(rules);
        await File.WriteAllTextAsync(Path.Combine(rules, "bench.rules"), RuleSet);
        await Cli("risk", "rules", "activate", "--home", home, "--database", database, rules);
        clock.Restart();
        var options = NodeHome.Load(home, database);
        await using var services = await NodeServices.OpenAsync(options);
        var db = services.Get<NodeDatabase>();
        var sample = await IdsAsync(db, assess);
        var desk = services.Get<RiskDesk>();
        foreach (var chunk in sample.Chunk(1000)) await desk.AssessAsync(chunk);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"# assessed: {sample.Count:N0} declarations in {clock.Elapsed.TotalSeconds:F1} s"));

        // A partner (NL) under a signed mutual-assistance agreement, and its requests received as the transport hands them over.
        clock.Restart();
        await AgreeWithPartnerAsync(options.Home, db);
        var agreement = AgreementReference.Of(AssistanceDesks.AgreementsInForce(options.Home, TimeProvider.System)().Single(a => a.Id == AssistanceAgreement));
        var assistanceDesk = services.Get<AssistanceDesk>();
        var now = TimeProvider.System.GetUtcNow();
        for (var i = 0; i < assistance; i++)
        {
            var draft = new AssistanceDraft("GB", AssistanceAgreement, LegalBasis, Purpose.Investigation, $"NL-FIOD-{i}", $"Who is the consignee of declaration {sample[i % sample.Count]}?");
            var id = string.Create(CultureInfo.InvariantCulture, $"NL-AR-BENCH-{i:D6}");
            // Received over the last weeks: some overdue, some due tomorrow, most with weeks left.
            var received = now.AddDays(-3 - i % 20);
            var answerBy = i % 10 == 0 ? received.AddDays(1) : now.AddDays(i % 10 == 1 ? 1 : 10 + i % 20);
            var receipt = await assistanceDesk.ReceiveAsync(AssistanceRequest.Compose(id, "NL", draft, agreement, answerBy, received));
            if (receipt.Outcome != AssistanceReceiptOutcome.Applied) throw new InvalidOperationException($"assistance request {id} was not received: {receipt.Outcome} {receipt.Reason}");
        }
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"# assistance: an agreement with NL and {assistance:N0} requests received in {clock.Elapsed.TotalSeconds:F1} s"));
        return (sample, sample.Count);
    }

    /// <summary>A mutual-assistance agreement GB–NL signed by this node's key and a partner key made here, and NL in the directory at an address where nothing listens.</summary>
    private static async Task AgreeWithPartnerAsync(string home, NodeDatabase database)
    {
        using var key = NodeKeys.LoadSigningKey(home);
        using var partner = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var yaml = $$"""
            agreement: {{AssistanceAgreement}}
            version: 1
            kind: mutual-assistance
            parties:
              - { code: GB, name: "Benchmark administration", fingerprint: {{AgreementSignatures.Fingerprint(key.ExportSubjectPublicKeyInfo())}} }
              - { code: NL, name: "Douane Nederland", fingerprint: {{AgreementSignatures.Fingerprint(partner.ExportSubjectPublicKeyInfo())}} }
            legal-basis:
              - "{{LegalBasis}}"
            validity: { from: 2020-01-01, until: 2099-12-31 }
            categories:
              assistance-requests:
                purposes: [investigation, mutual-assistance]
                disclose: [/request]
                handling-code: H2
                onward-transfer: forbidden
                retention: { period: P5Y, then: review }
                answer-within: P30D
              assistance-answers:
                purposes: [investigation, mutual-assistance]
                disclose: [/answer]
                handling-code: H2
                onward-transfer: forbidden
                retention: { period: P5Y, then: review }
            """;
        var signedAt = new DateTimeOffset(2020, 1, 1, 0, 0, 0, TimeSpan.Zero);
        foreach (var signer in new[] { key, partner })
            yaml = AgreementSignatures.AddTo(yaml, "bench.yaml", AgreementSignatures.Sign(AgreementDocument.Parse(yaml, "bench.yaml"), signer, signedAt));
        Directory.CreateDirectory(Path.Combine(home, "agreements"));
        await File.WriteAllTextAsync(Path.Combine(home, "agreements", AssistanceAgreement + ".yaml"), yaml);

        var now = TimeProvider.System.GetUtcNow();
        using var encryption = ECDiffieHellman.Create(ECCurve.NamedCurves.nistP256);
        using var certificate = NodeCertificates.IssueSelf(partner, "NL", "Douane Nederland", now);
        using var encryptionCertificate = NodeCertificates.IssueEncryption(certificate, partner, encryption, "NL", "Douane Nederland", now);
        await new PartnerDirectory(database, TimeProvider.System).AddAsync(new Partner("NL", "Douane Nederland",
            new Uri("http://127.0.0.1:9/"), certificate.RawData, encryptionCertificate.RawData, [], now, now));
    }

    /// <summary>
    /// Through the node's API, as officers make them: alerts on containers and persons (national basis), hits (the
    /// containers of some alerts screened at a place), seizures of tobacco and drugs spread over two years.
    /// </summary>
    private static async Task WorkAsync(HttpClient api, Volumes volumes)
    {
        var random = new Random(1818);
        var containers = new List<string>();
        var alerts = new List<JsonObject>();
        for (var i = 0; i < volumes.Alerts; i++)
        {
            JsonObject subject;
            if (i % 2 == 0)
            {
                var container = Container("TGHU", 100_000 + i);
                containers.Add(container);
                subject = new JsonObject { ["kind"] = "container", ["containerNumber"] = container };
            }
            else
            {
                subject = new JsonObject { ["kind"] = "person", ["names"] = new JsonArray(ScreeningData.PersonName(random, 18)) };
            }
            alerts.Add(new JsonObject
            {
                ["subject"] = subject,
                ["category"] = (i % 3) switch { 0 => "tobacco", 1 => "drugs", _ => "fraud" },
                ["action"] = "discreet-check",
                ["validity"] = new JsonObject { ["from"] = "2024-01-01" },
                ["legalBasis"] = new JsonObject { ["national"] = "Customs Act s. 12" },
            });
        }
        await PostAllAsync(api, "/api/alerts", alerts.Select(a => a.ToJsonString()));
        var screened = Enumerable.Range(0, volumes.Hits).Select(i => new JsonObject { ["container"] = containers[i % containers.Count], ["place"] = i % 2 == 0 ? "Dover" : "Felixstowe" }.ToJsonString());
        await PostAllAsync(api, "/api/screening", screened);
        var seizures = Enumerable.Range(0, volumes.Seizures).Select(i =>
        {
            var at = new DateTime(2024, 1, 1, 8, 0, 0, DateTimeKind.Utc).AddDays(i * 730.0 / volumes.Seizures);
            var seizure = new JsonObject
            {
                ["id"] = string.Create(CultureInfo.InvariantCulture, $"GB-SZ-BENCH-{i:D7}"),
                ["seizedAt"] = at.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture),
                ["route"] = new JsonObject { ["departureCountryCode"] = new[] { "AE", "EC", "CN", "TR", "NL" }[i % 5], ["destinationCountryCode"] = "GB" },
            };
            if (i % 2 == 0)
            {
                seizure["category"] = "tobacco";
                seizure["quantity"] = new JsonObject { ["amount"] = 10_000 + i % 7 * 2_000, ["unit"] = "NAR" };
            }
            else
            {
                seizure["category"] = "drugs";
                seizure["drugType"] = "cocaine";
                seizure["quantity"] = new JsonObject { ["amount"] = 1 + i % 30, ["unit"] = "KGM" };
            }
            return new JsonObject { ["seizure"] = seizure }.ToJsonString();
        });
        await PostAllAsync(api, "/api/seizures", seizures);
    }

    /// <summary>Posts the JSON bodies four at a time; the first refusal stops the benchmark with the API's answer.</summary>
    private static async Task PostAllAsync(HttpClient api, string path, IEnumerable<string> bodies)
    {
        await Parallel.ForEachAsync(bodies, new ParallelOptions { MaxDegreeOfParallelism = 4 }, async (body, cancellationToken) =>
        {
            using var content = new StringContent(body, Encoding.UTF8, "application/json");
            using var answer = await api.PostAsync(new Uri(path, UriKind.Relative), content, cancellationToken);
            if (!answer.IsSuccessStatusCode)
                throw new InvalidOperationException($"POST {path} answered {(int)answer.StatusCode}: {await answer.Content.ReadAsStringAsync(cancellationToken)}\n{body}");
        });
    }

    /// <summary>An ISO 6346 container number with its check digit.</summary>
    private static string Container(string owner, int serial)
    {
        var text = owner + (serial % 1_000_000).ToString("D6", CultureInfo.InvariantCulture);
        static int Letter(char c)
        {
            // A = 10, then up by one skipping the multiples of 11 (11, 22, 33).
            var value = 10;
            for (var l = 'A'; l < c; l++)
                if (++value % 11 == 0) value++;
            return value;
        }
        var sum = 0;
        for (var i = 0; i < text.Length; i++) sum += (char.IsDigit(text[i]) ? text[i] - '0' : Letter(text[i])) << i;
        return text + (sum % 11 % 10).ToString(CultureInfo.InvariantCulture);
    }

    private static async Task<List<string>> IdsAsync(HttpClient api, string path, string array)
    {
        using var document = JsonDocument.Parse(await api.GetStringAsync(new Uri(path, UriKind.Relative)));
        var root = document.RootElement;
        var items = root.ValueKind == JsonValueKind.Array ? root : root.TryGetProperty(array, out var named) ? named : root.GetProperty("items");
        static string Id(JsonElement e) => e.TryGetProperty("id", out var id) ? id.GetString()!
            : Id(e.TryGetProperty("alert", out var inner) || e.TryGetProperty("facts", out inner) || e.TryGetProperty("seizure", out inner) ? inner
                : throw new InvalidOperationException($"no id in {e}"));
        return [.. items.EnumerateArray().Select(Id)];
    }

    private static double Percentile(double[] sorted, double q) => sorted[Math.Min(sorted.Length - 1, (int)Math.Ceiling(q * sorted.Length) - 1)];

    /// <summary>Signs in through the form as a browser does: the page's anti-forgery token, the key, the session cookie.</summary>
    private static async Task<HttpClient> SignInAsync(Uri address, string key)
    {
        var client = new HttpClient(new HttpClientHandler { CookieContainer = new CookieContainer(), AllowAutoRedirect = false }) { BaseAddress = address, Timeout = TimeSpan.FromMinutes(2) };
        var token = await TokenAsync(client, "/console/sign-in");
        using var answer = await client.PostAsync(new Uri("/console/sign-in", UriKind.Relative),
            new FormUrlEncodedContent(new Dictionary<string, string> { ["__af"] = token, ["Key"] = key }));
        if (answer.StatusCode != HttpStatusCode.Redirect) throw new InvalidOperationException($"sign-in answered {(int)answer.StatusCode}");
        return client;
    }

    /// <summary>The anti-forgery token of a page's form (the session's, so good for every form of that user).</summary>
    private static async Task<string> TokenAsync(HttpClient client, string page)
    {
        var form = await client.GetStringAsync(new Uri(page, UriKind.Relative));
        var match = TokenField().Match(form);
        if (!match.Success) throw new InvalidOperationException($"{page} has no form with an anti-forgery token");
        return WebUtility.HtmlDecode(match.Groups[1].Value);
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

    /// <summary>The commonest HS headings and origins in the store, for the filtered searches, and parties for the accountability query.</summary>
    private static async Task<(List<string> Hs, List<string> Origins, List<string> Parties)> FacetsAsync(string home, string database)
    {
        await using var services = await NodeServices.OpenAsync(NodeHome.Load(home, database));
        var db = services.Get<NodeDatabase>();
        await using var connection = await db.ConnectAsync();
        async Task<List<string>> Top(string sql)
        {
            var list = new List<string>();
            await using var command = NodeDatabase.Command(connection, null, sql);
            await using var reader = await command.ExecuteReaderAsync();
            while (await reader.ReadAsync()) if (!reader.IsDBNull(0)) list.Add(reader.GetString(0));
            return list;
        }
        var hs = await Top("SELECT substr(hs_code, 1, 4) FROM (SELECT hs_code FROM goods_items LIMIT 20000) AS g GROUP BY 1 ORDER BY count(*) DESC LIMIT 10");
        var origins = await Top("SELECT origin FROM (SELECT origin FROM goods_items LIMIT 20000) AS g GROUP BY 1 ORDER BY count(*) DESC LIMIT 10");
        var parties = await Top("SELECT party_id FROM (SELECT party_id FROM declaration_parties LIMIT 20000) AS p GROUP BY 1 ORDER BY count(*) DESC LIMIT 20");
        return (hs.Count > 0 ? hs : ["8517"], origins.Count > 0 ? origins : ["CN"], parties.Count > 0 ? parties : ["GB123456789000"]);
    }

    private static async Task<string> Cli(params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        var status = await EntenteCli.RunAsync(args, output, error);
        if (status != 0) throw new InvalidOperationException($"entente {string.Join(' ', args)}: {status} {error}");
        return output.ToString();
    }

    private static async Task AdminAsync(string server, params string[] statements)
    {
        await using var admin = new NpgsqlConnection(server);
        await admin.OpenAsync();
        foreach (var sql in statements)
        {
            await using var command = new NpgsqlCommand(sql, admin);
            await command.ExecuteNonQueryAsync();
        }
    }

    private static string Key(string userAddOutput) => userAddOutput.Trim().Split(' ')[^1];

    private static string? Value(string[] args, string name)
    {
        var i = Array.IndexOf(args, name);
        return i >= 0 && i + 1 < args.Length ? args[i + 1] : null;
    }

    private static string Load() => File.Exists("/proc/loadavg") ? string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : "unknown";
}
