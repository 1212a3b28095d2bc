using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using Entente.Agreements;
using Entente.Declarations;
using Entente.Exchange;
using Entente.Hosting;
using Entente.Identity;
using Entente.Ingest;
using Entente.Ingest.Csv;
using Entente.Ledger;
using Entente.Storage;
using Entente.Tools.Generation;
using Entente.Tools.Writers;

namespace Entente.Tools.Demo;

/// <summary>
/// The main job, end to end on one machine: three administrations (NL, KR, DE), each a real node with its own home,
/// keys and `entente serve` process on loopback, bound by a bilateral and a multilateral agreement; declarations
/// ingested at each; a seizure report pushed, a mutual-assistance request asked and answered, one refused for lack of
/// a legal basis, receipts checked offline, every ledger verified; printed as a story with the figures.
/// </summary>
public static class DemoCommand
{
    private const string KoreanDataSet = "customs-import-declarations";
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);
    private static readonly JsonSerializerOptions Web = new(JsonSerializerDefaults.Web);

    private static readonly (string Code, string Name)[] Administrations =
    [
        ("NL", "Douane Nederland (demo)"),
        ("KR", "Korea Customs Service (demo)"),
        ("DE", "Zoll (demo)"),
    ];

    public static Command Create(DemoCli cli)
    {
        var home = new Option<string?>("--home") { Description = "Keep the demo nodes' homes in this folder, charts under charts/ (default: a temporary folder, removed at the end; the charts go to a temporary folder that is kept)" };
        var generated = new Option<int>("--generated") { Description = "How many generated declarations each node takes in per format", DefaultValueFactory = _ => 500 };
        var data = new Option<string>("--data")
        {
            Description = "Where the public data sets are (default: $ENTENTE_DATA, else ../shared/data)",
            DefaultValueFactory = _ => Environment.GetEnvironmentVariable("ENTENTE_DATA") is { Length: > 0 } d ? d : Path.GetFullPath(Path.Combine("..", "shared", "data")),
        };
        var json = new Option<bool>("--json") { Description = "Print the outcome and the story's lines as one JSON document at the end" };
        var console = new Option<bool>("--console") { Description = "Keep the three nodes running after the story and print each web console's URL with sign-in keys, until Ctrl+C" };
        var command = new Command("demo", "Run the demonstration: three administrations' nodes exchange seizure reports and mutual-assistance requests over real HTTP, with receipts and verified ledgers")
        {
            home, generated, data, json, console,
        };
        command.SetAction(async (parse, ct) =>
        {
            var keep = parse.GetValue(home);
            var folder = keep is not null ? Path.GetFullPath(keep) : Path.Combine(Path.GetTempPath(), $"entente-demo-{Guid.NewGuid():N}");
            // The charts outlive a temporary home, so the printed paths can be opened after the demo.
            var charts = keep is not null ? Path.Combine(folder, "charts") : Path.Combine(Path.GetTempPath(), $"entente-demo-charts-{Guid.NewGuid().ToString("N")[..8]}");
            Directory.CreateDirectory(charts);
            try
            {
                if (!parse.GetValue(json)) return await RunAsync(cli, folder, charts, parse.GetValue(data)!, Math.Max(1, parse.GetValue(generated)), parse.InvocationConfiguration.Output, ct, parse.GetValue(console));
                var story = new StringWriter();
                var clock = Stopwatch.StartNew();
                var exit = await RunAsync(cli, folder, charts, parse.GetValue(data)!, Math.Max(1, parse.GetValue(generated)), story, ct);
                parse.InvocationConfiguration.Output.WriteLine(JsonSerializer.Serialize(new
                {
                    ok = exit == 0,
                    exit,
                    seconds = Math.Round(clock.Elapsed.TotalSeconds, 1),
                    home = keep is null ? null : folder,
                    story = story.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries),
                }, new JsonSerializerOptions(Web) { WriteIndented = true }));
                return exit;
            }
            finally
            {
                if (keep is null && Directory.Exists(folder))
                {
                    try
                    {
                        Directory.Delete(folder, recursive: true);
                    }
                    catch (IOException)
                    {
                    }
                }
            }
        });
        return command;
    }

    private static async Task<int> RunAsync(DemoCli cli, string root, string charts, string data, int generatedPerFormat, TextWriter output, CancellationToken ct, bool console = false)
    {
        var clock = Stopwatch.StartNew();
        var nodes = new List<DemoNode>();
        try
        {
            output.WriteLine("== Entente demo: three customs administrations, three nodes, real HTTP on loopback ==");
            foreach (var (code, name) in Administrations) nodes.Add(await DemoNode.InitAsync(cli, root, code, name, ct));
            var (nl, kr, de) = (nodes[0], nodes[1], nodes[2]);
            output.WriteLine($"1. Three nodes made with `entente node init` under {root}: each its own home, SQLite store, signing and encryption keys, self-issued certificates:");
            foreach (var n in nodes) output.WriteLine($"     {n.Code}  {n.Name,-30} key {Short(Fingerprint(n))}");

            var users = await AddUsersAsync(nodes, ct);
            await SignAgreementsAsync(root, nodes, output, ct);
            var setUp = clock.Elapsed;

            // The servers start while the declarations go in: each node's own process, on its own port.
            foreach (var n in nodes)
            {
                n.Start(new Dictionary<string, string>
                {
                    ["Entente__Exchange__Poll"] = "00:00:00.100",
                    ["Entente__Exchange__RetryBase"] = "00:00:00.200",
                    ["Entente__Exchange__RetryMax"] = "00:00:02",
                    ["Logging__LogLevel__Default"] = "Warning",
                    ["DOTNET_NOLOGO"] = "1",
                    ["DOTNET_TieredPGO"] = "0", // a short-lived server: less start-up work on a small machine
                });
            }
            var declarations = await IngestAsync(nodes, data, generatedPerFormat, output, ct);
            var ingested = clock.Elapsed;
            await Task.WhenAll(nodes.Select(n => n.WaitUntilUpAsync(ct)));
            output.WriteLine($"4. Each node served by its own `entente serve` process, started while the declarations went in: " +
                $"{string.Join(", ", nodes.Select(n => $"{n.Code} on {n.Endpoint.Authority}"))}, each ready (/health/ready: database and schema, ledger, exchange dispatcher, warm-up).");
            await AddPartnersAsync(nodes, output, ct);
            var firstSeen = await WitnessRoundAsync(nodes, ct);
            output.WriteLine($"   Checkpoints signed, each witnessed and cosigned by the two other nodes: {string.Join(", ", firstSeen.Select(w => $"{w.Pair} {w.Verdict} at {w.Size}"))}.");
            var story = Stopwatch.StartNew();

            var partyRead = await PersonalDataAsync(kr, users, output, ct);
            var sharedMrn = await ShareDeclarationAsync(nodes, kr, nl, output, ct);
            var seizures = await PushSeizureReportAsync(nodes, kr, [nl, de], output, ct);
            await AskForAssistanceAsync(nodes, nl, kr, sharedMrn, output, ct);
            await RefuseWithoutLegalBasisAsync(nl, de, output, ct);
            await CheckReceiptsAsync(root, nodes, kr, nl, de, seizures[0], output, ct);
            await AlertHitAsync(nodes, de, kr, nl, users, output, ct);
            await DemoBlinded.RunAsync(nl, kr, de, users.OfficerKey, output, ct);
            await DemoMirror.RunAsync(kr, nl, charts, output, ct);
            await DemoTargeting.RunAsync(kr, data, KoreanDataSet, output, ct);
            await DemoIntelligence.RunAsync(kr, nl, charts, output, ct);
            var entries = await VerifyLedgersAsync(nodes, kr, partyRead, output, ct);
            await WitnessEachOtherAsync(nodes, firstSeen, output, ct);
            var delivered = await ExchangeStatusAsync(nodes, output, ct);

            output.WriteLine($"Figures: 3 nodes, {declarations:N0} declarations ingested, {delivered} messages delivered and receipted over HTTP, " +
                $"0 waiting, {entries:N0} ledger entries verified. Time: nodes and agreements {S(setUp)}, declarations {S(ingested - setUp)}, " +
                $"servers up and partners added {S(clock.Elapsed - ingested - story.Elapsed)}, the exchange and targeting story (steps 5-14) {Seconds(story)}.");
            output.WriteLine($"Demo finished in {clock.Elapsed.TotalSeconds.ToString("N1", CultureInfo.InvariantCulture)} s: every step checked out.");
            if (console) await DemoConsole.HoldAsync(nodes, output, ct);
            return 0;
        }
        catch (DemoFailure e)
        {
            output.WriteLine($"The demo stopped: {e.Message}");
            return 1;
        }
        finally
        {
            foreach (var n in nodes) await n.DisposeAsync();
        }
    }

    // ---- 3. Declarations at each node ------------------------------------------------------------------------------

    private static async Task<long> IngestAsync(IReadOnlyList<DemoNode> nodes, string data, int generatedPerFormat, TextWriter output, CancellationToken ct)
    {
        output.WriteLine("3. Declarations taken in at each node (the format of each file is detected):");
        var watch = Stopwatch.StartNew();
        long total = 0;
        foreach (var node in nodes)
        {
            var options = node.Options;
            await using var services = await NodeServices.OpenAsync(options, cancellationToken: ct);
            var store = services.Get<IDeclarationStore>();
            var ingest = new DeclarationIngest(store);
            if (node.Code == "KR")
            {
                // The national extract: the Korea Customs Service synthetic declarations, when the data set is at hand.
                var korean = Path.Combine(data, KoreanDataSet);
                var koreanFiles = new[] { "df_syn_train_eng.csv", "df_syn_valid_eng.csv", "df_syn_test_eng.csv" }.Select(f => Path.Combine(korean, f)).ToArray();
                if (koreanFiles.All(File.Exists))
                {
                    var mapping = CsvMapping.Load(Path.Combine(AppContext.BaseDirectory, "mappings", "kcs-synthetic-hs6.yaml"));
                    var extract = Stopwatch.StartNew();
                    var report = await ingest.IngestFilesAsync(koreanFiles, new IngestOptions { Format = DeclarationFormat.Csv, Mapping = mapping }, null, ct);
                    Check(report.Succeeded, $"KR: the KCS extract was refused: {string.Join("; ", report.Errors.Take(5))}");
                    output.WriteLine($"     KR  national extract (KCS synthetic import declarations, CSV + mapping kcs-synthetic-hs6): {report.Accepted:N0} accepted, " +
                        $"{report.Rejected:N0} rejected in {Seconds(extract)}; fraud labels stored as inspection outcomes, not declaration data");
                }
                else
                {
                    output.WriteLine($"     KR  (the data set '{KoreanDataSet}' is not at {korean}; it is published at github.com/Seondong/Customs-Declaration-Datasets; " +
                        "set ENTENTE_DATA to use it)");
                }
            }
            var files = await GenerateAsync(node, generatedPerFormat, ct);
            var generated = await ingest.IngestFilesAsync(files, new IngestOptions(), null, ct);
            Check(generated.Succeeded, $"{node.Code}: generated declarations were refused: {string.Join("; ", generated.Errors.Take(5))}");
            output.WriteLine($"     {node.Code}  generated: {string.Join(", ", generated.Files.Select(f => $"{FormatDetector.Name(f.Format)} {f.Accepted:N0}"))} accepted, {generated.Rejected} rejected");

            if (node.Code == "KR")
            {
                var again = await ingest.IngestFilesAsync([files[^1]], new IngestOptions(), null, ct);
                Check(again.Accepted == 0 && again.Duplicates == generatedPerFormat, $"KR: the same file again gave {again.Accepted} accepted, {again.Duplicates} duplicates");
                var refused = await IngestBrokenAsync(node, ingest, ct);
                Check(refused.Accepted == 0 && refused.Rejected == 1, $"KR: the broken file gave {refused.Accepted} accepted, {refused.Rejected} rejected");
                output.WriteLine($"     KR  the same file again: {again.Accepted} accepted, {again.Duplicates:N0} duplicates detected and not stored; " +
                    $"a file with one declaration with findings, under --strict: {refused.Accepted} accepted (all-or-nothing), {refused.Rejected} rejected:");
                foreach (var error in refused.Errors) output.WriteLine($"         {Path.GetFileName(error.File)}:{error.Line}: {error.Path}: {error.Message}");
            }
            var summary = await store.SummariseAsync(3, ct);
            total += summary.Declarations;
            output.WriteLine($"     {node.Code}  holds {summary.Declarations:N0} declarations, {summary.GoodsItems:N0} goods items; top HS chapters " +
                $"{string.Join(", ", summary.TopHsChapters.Select(c => $"{c.Key} ({c.Count:N0})"))}; top origins {string.Join(", ", summary.TopOrigins.Select(o => $"{o.Key} ({o.Count:N0})"))}" +
                (summary.WithLabels > 0 ? $"; {summary.LabelledFraud:N0} of {summary.WithLabels:N0} inspected were fraud ({Percent(summary.LabelledFraud, summary.WithLabels)})" : ""));
        }
        output.WriteLine($"     {total:N0} declarations in {Seconds(watch)}.");
        return total;
    }

    private static async Task<string[]> GenerateAsync(DemoNode node, int perFormat, CancellationToken ct)
    {
        var files = new List<string>();
        foreach (var format in new[] { DeclarationFormat.WcoXml, DeclarationFormat.Edifact, DeclarationFormat.Json })
        {
            var generator = new DeclarationGenerator(seed: 2026 + (int)format + node.Code[0], importingCountry: node.Code, firstDay: new DateOnly(2026, 1, 1), days: 330,
                referencePrefix: $"{node.Code}{FormatDetector.Name(format).ToUpperInvariant().Replace("-", "", StringComparison.Ordinal)}");
            var declarations = generator.Generate(perFormat).Select(r => r.Declaration!);
            var path = Path.Combine(node.Home, format switch { DeclarationFormat.WcoXml => "generated.xml", DeclarationFormat.Edifact => "generated.edi", _ => "generated.ndjson" });
            await using (var stream = File.Create(path))
            {
                switch (format)
                {
                    case DeclarationFormat.WcoXml:
                        WcoXmlWriter.WriteBatch(stream, declarations);
                        break;
                    case DeclarationFormat.Edifact:
                        CusdecWriter.WriteInterchange(stream, declarations, new CusdecWriterOptions
                        {
                            Sender = $"{node.Code}BROKER01",
                            Recipient = $"{node.Code}CUSTOMS",
                            ControlReference = "DEMO1",
                            PreparedAt = TimeProvider.System.GetUtcNow(),
                        });
                        break;
                    default:
                        await using (var writer = new StreamWriter(stream))
                        {
                            foreach (var d in declarations) await writer.WriteLineAsync(EntenteJson.Serialize(d));
                        }
                        break;
                }
            }
            files.Add(path);
        }
        return [.. files];
    }

    private static async Task<IngestReport> IngestBrokenAsync(DemoNode node, DeclarationIngest ingest, CancellationToken ct)
    {
        var source = new DeclarationGenerator(seed: 99, importingCountry: node.Code, referencePrefix: $"{node.Code}BAD");
        var bad = source.Next(out _);
        bad.GoodsShipment.Consignment.Containers = [new Container { Id = "MSCU6639871" }];
        bad.GoodsShipment.GoodsItems[0].OriginCountryCode = "XX";
        var good = source.Next(out _);
        var file = Path.Combine(node.Home, "broken.ndjson");
        await File.WriteAllLinesAsync(file, [EntenteJson.Serialize(good), EntenteJson.Serialize(bad)], ct);
        // Its container check digit and origin are findings: kept with the declaration by default, refused under --strict.
        return await ingest.IngestFilesAsync([file], new IngestOptions { Strict = true }, null, ct);
    }

    // ---- 2, 4. Agreements, users, partners ---------------------------------------------------------------------------

    private sealed record DemoUsers(string OfficerKey, string AnalystKey, string AdminKey);

    private static async Task<DemoUsers> AddUsersAsync(IReadOnlyList<DemoNode> nodes, CancellationToken ct)
    {
        static string KeyOf(string printed) => printed.Trim().Split(' ')[^1];
        foreach (var n in nodes)
            n.LiaisonKey = KeyOf(await n.Cli.RunAsync(ct, "user", "add", "--home", n.Home, "--name", $"liaison-{n.Code.ToLowerInvariant()}", "--role", "liaison"));
        var kr = nodes.Single(n => n.Code == "KR");
        var officer = KeyOf(await kr.Cli.RunAsync(ct, "user", "add", "--home", kr.Home, "--name", "officer-kim", "--role", "officer", "--authority", "KCS Busan"));
        var analyst = KeyOf(await kr.Cli.RunAsync(ct, "user", "add", "--home", kr.Home, "--name", "analyst-lee", "--role", "analyst", "--authority", "KCS HQ"));
        var admin = KeyOf(await kr.Cli.RunAsync(ct, "user", "add", "--home", kr.Home, "--name", "integration-kr", "--role", "admin"));
        return new DemoUsers(officer, analyst, admin);
    }

    /// <summary>Each agreement drafted once, signed in turn by every party's node key (`agreement sign`, recorded in its ledger), then filed in each party's agreements/ folder.</summary>
    private static async Task SignAgreementsAsync(string root, IReadOnlyList<DemoNode> nodes, TextWriter output, CancellationToken ct)
    {
        var (nl, kr, de) = (nodes[0], nodes[1], nodes[2]);
        var today = DateOnly.FromDateTime(TimeProvider.System.GetUtcNow().UtcDateTime);
        var drafts = new[]
        {
            (Id: DemoAgreements.Bilateral, Text: DemoAgreements.NlKr(Fingerprint(nl), Fingerprint(kr), today), Parties: new[] { nl, kr }),
            (Id: DemoAgreements.Multilateral, Text: DemoAgreements.NlKrDe(Fingerprint(nl), Fingerprint(kr), Fingerprint(de), today), Parties: new[] { nl, kr, de }),
        };
        output.WriteLine("2. Agreements drafted, signed by every party with its node key (`entente agreement sign`, each signature in the signer's ledger), filed in each party's agreements/:");
        var table = Path.Combine(root, "negotiation");
        Directory.CreateDirectory(table);
        foreach (var (id, text, parties) in drafts)
        {
            var path = Path.Combine(table, id + ".yaml");
            await File.WriteAllTextAsync(path, text, ct);
            var before = AgreementStatus.Of(AgreementDocument.Parse(text, path), TimeProvider.System);
            foreach (var party in parties) await party.Cli.RunAsync(ct, "agreement", "sign", path, "--home", party.Home);
            var signedText = await File.ReadAllTextAsync(path, ct);
            var agreement = AgreementDocument.Parse(signedText, path);
            var status = AgreementStatus.Of(agreement, TimeProvider.System);
            Check(status.InForce, $"{id} is not in force after every signature: {string.Join("; ", status.Reasons)}");
            foreach (var party in parties)
            {
                Directory.CreateDirectory(Path.Combine(party.Home, "agreements"));
                await File.WriteAllTextAsync(Path.Combine(party.Home, "agreements", id + ".yaml"), signedText, ct);
            }
            output.WriteLine($"     {id} v{agreement.Version} ({PolicyEngine.Name(agreement.Kind)}, {string.Join("-", parties.Select(p => p.Code))}): " +
                $"{before.State.ToString().ToLowerInvariant()} before, in force after {parties.Length} signatures ({Short(agreement.ContentHash)}); " +
                $"covers {string.Join(", ", agreement.Rules.Select(r => PolicyEngine.Name(r.Category)).Distinct())}");
        }
    }

    private static async Task AddPartnersAsync(IReadOnlyList<DemoNode> nodes, TextWriter output, CancellationToken ct)
    {
        var watch = Stopwatch.StartNew();
        var added = 0;
        foreach (var node in nodes)
        {
            foreach (var partner in nodes.Where(p => p != node))
            {
                var printed = await node.Cli.RunAsync(ct, "partner", "add", "--home", node.Home, "--code", partner.Code, "--endpoint", partner.Endpoint.ToString());
                Check(printed.Contains($"Partner {partner.Code} (", StringComparison.Ordinal), $"{node.Code}: partner add {partner.Code} printed: {printed}");
                added++;
            }
        }
        output.WriteLine($"   Partners added each way with `entente partner add` ({added} in {Seconds(watch)}): each node fetched the others' /api/exchange/identity " +
            "and trusted a certificate only because an agreement in force lists its key.");
    }

    // ---- 5, 6. One node's own work: personal data behind a purpose; a declaration shared under the policy ------------

    private static async Task<string?> PersonalDataAsync(DemoNode kr, DemoUsers users, TextWriter output, CancellationToken ct)
    {
        using var anonymous = kr.Client();
        var refusedAnonymous = await anonymous.GetAsync(new Uri("/api/declarations?hs=2402", UriKind.Relative), ct);
        using var admin = kr.Client(users.AdminKey);
        var page = await admin.GetFromJsonAsync<JsonElement>("/api/declarations?hs=2402&limit=1000", ct);
        var tobacco = page.GetProperty("items").GetArrayLength();
        if (tobacco == 0) page = await admin.GetFromJsonAsync<JsonElement>("/api/declarations?limit=1", ct);
        var id = page.GetProperty("items")[0].GetProperty("id").GetString()!;
        using var officer = kr.Client(users.OfficerKey);
        var plain = await officer.GetFromJsonAsync<JsonElement>($"/api/declarations/{id}", ct);
        var read = await officer.GetAsync(new Uri($"/api/declarations/{id}?purpose=investigation&justification=case%20KCS-2026-0417", UriKind.Relative), ct);
        var importer = (await read.Content.ReadFromJsonAsync<JsonElement>(ct)).GetProperty("declaration").GetProperty("parties")
            .EnumerateArray().Select(p => p.TryGetProperty("id", out var v) ? v.GetString() : null).OfType<string>().FirstOrDefault();
        using var analyst = kr.Client(users.AnalystKey);
        var refused = await analyst.GetAsync(new Uri($"/api/declarations/{id}?purpose=investigation&justification=curious", UriKind.Relative), ct);
        Check(refusedAnonymous.StatusCode == HttpStatusCode.Unauthorized && read.IsSuccessStatusCode && refused.StatusCode == HttpStatusCode.Forbidden,
            $"KR personal data: anonymous {(int)refusedAnonymous.StatusCode}, officer {(int)read.StatusCode}, analyst {(int)refused.StatusCode}");
        output.WriteLine($"5. KR's API: without a key {(int)refusedAnonymous.StatusCode}; GET /api/declarations?hs=2402 (tobacco) -> {tobacco}{(tobacco == 1000 ? "+" : "")} declarations. " +
            $"Personal data: without a purpose the parties come back withheld ({plain.GetProperty("withheld").GetArrayLength()} fields); officer-kim, purpose investigation, " +
            $"'case KCS-2026-0417' -> {(int)read.StatusCode} with the parties; analyst-lee, purpose investigation -> {(int)refused.StatusCode} (an analyst reads for risk-management or statistics). Both in KR's ledger.");
        return importer;
    }

    /// <summary>KR offers NL a declaration: permitted for risk management and projected field by field; refused for prosecution.</summary>
    private static async Task<string?> ShareDeclarationAsync(IReadOnlyList<DemoNode> nodes, DemoNode kr, DemoNode nl, TextWriter output, CancellationToken ct)
    {
        await using var services = await NodeServices.OpenAsync(kr.Options, cancellationToken: ct);
        var store = services.Get<IDeclarationStore>();
        var declaration = (await store.SearchAsync(new DeclarationQuery { Limit = 1 }, ct)).Items[0];
        var shared = JsonNode.Parse(await kr.Cli.RunAsync(ct, "exchange", "share", "--home", kr.Home, "--to", "NL", "--category", "declarations",
            "--purpose", "risk-management", "--declaration", declaration.Id, "--json"))!;
        var messageId = shared["messageId"]!.GetValue<string>();
        var (status, _, error) = await kr.Cli.TryAsync(ct, "exchange", "share", "--home", kr.Home, "--to", "NL", "--category", "declarations",
            "--purpose", "prosecution", "--declaration", declaration.Id);
        Check(status == 1, $"sharing a declaration for prosecution exited {status}, expected 1 (refused, docs/cli.md): {error}");
        var received = await DeliveredAsync(nodes, kr, nl, messageId, ct);
        var payload = received.GetProperty("payload");
        var mrn = payload.TryGetProperty("mrn", out var m) ? m.GetString() : null;
        var party = payload.TryGetProperty("parties", out var p) && p.GetArrayLength() > 0 && p[0].TryGetProperty("id", out var pid) ? pid.GetString() : null;
        output.WriteLine($"6. KR shares declaration {mrn ?? declaration.Id} with NL (`entente exchange share`): for risk-management PERMIT under {shared["agreement"]}, " +
            $"handling code {shared["handlingCode"]}; NL received {Clip(string.Join(", ", TopLevel(payload)), 60)} (the fields the agreement discloses; " +
            $"party ids pseudonymised: {Clip(party ?? "-", 24)}; nothing else). For prosecution: REFUSED ({Clip(error.Trim().Replace("refused: ", "", StringComparison.Ordinal), 110)}).");
        return mrn;
    }

    // ---- 7. A seizure report pushed to the partners -------------------------------------------------------------------

    private sealed record Pushed(DemoNode Recipient, string MessageId);

    /// <summary>
    /// KR's seizure report pushed to NL and DE under the multilateral agreement. For now one disclosure per partner
    /// through `entente exchange share`; the lead switches this step to push subscriptions when they land.
    /// </summary>
    private static async Task<IReadOnlyList<Pushed>> PushSeizureReportAsync(IReadOnlyList<DemoNode> nodes, DemoNode sender, IReadOnlyList<DemoNode> recipients, TextWriter output, CancellationToken ct)
    {
        var seizedAt = TimeProvider.System.GetUtcNow().AddDays(-2);
        var report = new JsonObject
        {
            ["seizure"] = new JsonObject
            {
                ["id"] = "KCS-BUSAN-2026-0412",
                ["category"] = "drugs",
                ["seizedAt"] = seizedAt.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture),
                ["port"] = "KRPUS",
                ["goods"] = "cocaine in banana cartons",
                ["hsCode"] = "080390",
                ["quantityKg"] = 41.5,
                ["concealment"] = "false bottom of reefer cartons",
                ["container"] = "MSCU1234565",
                ["route"] = new JsonArray("EC", "KR", "NL", "DE"),
                ["officer"] = "Kim Jae-won, KCS Busan",
            },
        };
        var file = Path.Combine(sender.Home, "seizure-report.json");
        await File.WriteAllTextAsync(file, report.ToJsonString(), ct);
        var watch = Stopwatch.StartNew();
        var pushed = new List<Pushed>();
        JsonNode? answer = null;
        // Recorded once at KR; the agreement's subscription (push to the parties the route involves) sends it on.
        answer = JsonNode.Parse(await sender.Cli.RunAsync(ct, "record", "add", "--home", sender.Home, "--kind", "seizure-report", "--file", file, "--json"))!;
        foreach (var p in answer["pushed"]!.AsArray())
        {
            var recipient = recipients.SingleOrDefault(r => r.Code == p!["recipient"]!.GetValue<string>());
            Check(recipient is not null && p!["messageId"] is not null, $"the seizure report went where it should not, or was refused: {p?.ToJsonString()}");
            pushed.Add(new Pushed(recipient!, p!["messageId"]!.GetValue<string>()));
        }
        Check(pushed.Count == recipients.Count, $"the subscription pushed to {pushed.Count} partners, not {recipients.Count}");
        var received = new List<JsonElement>();
        foreach (var p in pushed) received.Add(await DeliveredAsync(nodes, sender, p.Recipient, p.MessageId, ct));
        var seizure = received[0].GetProperty("payload").GetProperty("seizure");
        Check(!seizure.TryGetProperty("officer", out _), "the officer's name left KR");
        output.WriteLine($"7. KR records seizure report KCS-BUSAN-2026-0412; {DemoAgreements.Multilateral} subscribes the parties its route involves, so it is pushed to " +
            $"{string.Join(" and ", pushed.Select(r => r.Recipient.Code))} (handling code {received[0].GetProperty("summary").GetProperty("handlingCode").GetString()}): " +
            $"sealed to each recipient's key, signed by KR, delivered and receipted in {Seconds(watch)}.");
        output.WriteLine($"     {recipients[0].Code} received: {seizure.GetRawText()}");
        output.WriteLine($"     (the officer's name was dropped and the seizure time generalised to the month by the agreement, before sealing; {recipients[1].Code} received the same)");
        return pushed;
    }

    // ---- 10b. An alert, a hit, the action-taken report ---------------------------------------------------------------

    /// <summary>
    /// DE issues alerts on a company and a container under the multilateral agreement; they reach NL and KR; KR's next
    /// ingest hits (the company written another way), KR's officer confirms, and DE receives the action-taken report.
    /// </summary>
    private static async Task AlertHitAsync(IReadOnlyList<DemoNode> nodes, DemoNode de, DemoNode kr, DemoNode nl, DemoUsers users, TextWriter output, CancellationToken ct)
    {
        var watch = Stopwatch.StartNew();
        var today = TimeProvider.System.GetUtcNow().ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
        var ids = new List<string>();
        foreach (var (name, subject) in new[]
        {
            ("company", new JsonObject { ["kind"] = "company", ["names"] = new JsonArray("Nordwind Handels GmbH"), ["countryCode"] = "DE" }),
            ("container", new JsonObject { ["kind"] = "container", ["containerNumber"] = "TGHU7654320" }),
        })
        {
            var alert = new JsonObject
            {
                ["subject"] = subject,
                ["category"] = "fraud",
                ["action"] = "discreet-check",
                ["validity"] = new JsonObject { ["from"] = today, ["until"] = "2099-12-31" },
                ["legalBasis"] = new JsonObject { ["agreement"] = DemoAgreements.Multilateral },
                ["handlingCode"] = "H1",
            };
            var file = Path.Combine(de.Home, $"alert-{name}.json");
            await File.WriteAllTextAsync(file, alert.ToJsonString(), ct);
            var issued = JsonNode.Parse(await de.Cli.RunAsync(ct, "alert", "add", "--home", de.Home, "--file", file, "--json"))!;
            ids.Add(issued["alert"]!["alert"]!["id"]!.GetValue<string>());
            Check(issued["pushed"]!.AsArray().Count(p => p!["messageId"] is not null) == 2, $"DE's alert was not pushed to NL and KR: {issued["pushed"]!.ToJsonString()}");
        }
        foreach (var node in new[] { nl, kr })
        {
            using var client = node.Liaison();
            await EventuallyAsync(nodes, $"DE's alerts at {node.Code}", async () =>
            {
                foreach (var id in ids)
                {
                    using var response = await client.GetAsync(new Uri($"/api/alerts/{id}", UriKind.Relative), ct);
                    if (!response.IsSuccessStatusCode) return false;
                }
                return true;
            }, ct);
        }
        output.WriteLine($"10b. DE issues two alerts (company Nordwind Handels GmbH, container TGHU7654320; fraud, discreet check) under {DemoAgreements.Multilateral}: " +
            $"its alerts rule pushes them to NL and KR, signed, sealed and receipted, in {Seconds(watch)}.");

        // KR's next ingest: the importer written as a romanisation variant, and the container.
        var declaration = new Declaration
        {
            Lrn = "KR-DEMO-ALERT-1",
            TypeCode = "IMA",
            DeclarationOfficeId = "KRPUS001",
            Parties = [new Party { Role = PartyRole.Importer, Name = "NORDVIND HANDELS G.m.b.H.", Address = new Address { CountryCode = "DE" } }],
            GoodsShipment = new GoodsShipment
            {
                Consignment = new Consignment { Containers = [new Container { Id = "TGHU 765432-0" }] },
                GoodsItems = [new GoodsItem { Sequence = 1, Classification = new Classification("HS", "2022", "847130"), OriginCountryCode = "CN", Description = "laptops" }],
            },
        };
        using var officer = kr.Client(users.OfficerKey);
        using (var content = new StringContent(EntenteJson.Serialize(declaration), System.Text.Encoding.UTF8, "application/json"))
        {
            using var submitted = await officer.PostAsync(new Uri("/api/declarations", UriKind.Relative), content, ct);
            Check(submitted.IsSuccessStatusCode, $"KR's ingest answered {(int)submitted.StatusCode}: {await submitted.Content.ReadAsStringAsync(ct)}");
        }
        var hits = (await officer.GetFromJsonAsync<JsonElement>("/api/hits?purpose=customs-control&justification=import%20KR-DEMO-ALERT-1&limit=1000", ct))
            .EnumerateArray().Where(h => h.TryGetProperty("declarationReference", out var r) && r.GetString() == "KR-DEMO-ALERT-1").ToList();
        Check(hits.Count == 2 && hits.All(h => ids.Contains(h.GetProperty("alertId").GetString()!)), $"KR's ingest should hit both of DE's alerts: {hits.Count} hit(s)");
        var company = hits.Single(h => h.GetProperty("checked").GetString() == "/parties/0");
        var nameWhy = company.GetProperty("explanation").EnumerateArray().First(e => e.GetProperty("feature").GetString() == "name").GetProperty("text").GetString();
        output.WriteLine($"     KR ingests KR-DEMO-ALERT-1 (POST /api/declarations): screened on ingest, 2 hits, each in KR's ledger: the importer at /parties/0 " +
            $"(score {company.GetProperty("score").GetDouble():0.00}; {nameWhy}) and the container; the issuer to be informed by {company.GetProperty("informBy").GetString()}.");

        var hitId = company.GetProperty("id").GetString()!;
        using var confirmed = await officer.PostAsJsonAsync($"/api/hits/{hitId}/confirmation",
            new { actionTaken = "discreet check: goods released, documents copied", found = "invoice from a new supplier in Shenzhen", place = "KRPUS" }, ct);
        var hit = await confirmed.Content.ReadFromJsonAsync<JsonElement>(ct);
        Check(confirmed.IsSuccessStatusCode && hit.GetProperty("report").TryGetProperty("messageId", out _), $"KR's confirmation: {(int)confirmed.StatusCode} {hit}");
        using var deLiaison = de.Liaison();
        JsonElement report = default;
        await EventuallyAsync(nodes, "the action-taken report at DE", async () =>
        {
            var reports = await deLiaison.GetFromJsonAsync<JsonElement>($"/api/alerts/{ids[0]}/reports", ct);
            if (reports.GetArrayLength() > 0) report = reports[0];
            return reports.GetArrayLength() > 0;
        }, ct);
        var form = report.GetProperty("report");
        output.WriteLine($"     officer-kim confirms the hit; KR sends DE the action-taken report (kind alert-action-taken, under {DemoAgreements.Multilateral}), " +
            $"stored by DE against its alert in {Seconds(watch)} from the alert: \"{form.GetProperty("actionTaken").GetString()}\" at {form.GetProperty("place").GetString()}, " +
            $"found \"{form.GetProperty("found").GetString()}\" (well within the 12-hour clock).");
    }

    // ---- 8, 9. Mutual assistance: a request answered, a request refused -----------------------------------------------

    private static async Task AskForAssistanceAsync(IReadOnlyList<DemoNode> nodes, DemoNode applicant, DemoNode requested, string? mrn, TextWriter output, CancellationToken ct)
    {
        using var asking = applicant.Liaison();
        using var answering = requested.Liaison();
        var watch = Stopwatch.StartNew();
        var created = await asking.PostAsJsonAsync("/api/assistance-requests", new
        {
            to = requested.Code,
            agreement = DemoAgreements.Bilateral,
            legalBasis = DemoAgreements.BilateralBasis,
            purpose = "investigation",
            caseReference = "NL-FIOD-2026-0042",
            subject = "Confirm the exporter and earlier shipments of container MSCU1234565",
            declarations = mrn is null ? Array.Empty<string>() : [mrn],
        }, ct);
        Check(created.StatusCode == HttpStatusCode.Created, $"NL's request was not created: {(int)created.StatusCode} {await created.Content.ReadAsStringAsync(ct)}");
        var request = await created.Content.ReadFromJsonAsync<JsonElement>(ct);
        var id = request.GetProperty("id").GetString()!;
        output.WriteLine($"8. Mutual assistance: NL asks KR under {DemoAgreements.Bilateral} ('{DemoAgreements.BilateralBasis}'), purpose investigation, case NL-FIOD-2026-0042:");
        output.WriteLine($"     NL  request {id} created, answer by {request.GetProperty("answerBy").GetString()?[..10]} (the agreement's 30 days)");
        await EventuallyAsync(nodes, $"request {id} at KR", async () => await StatusAtAsync(requested, id, ct) == "sent", ct);
        output.WriteLine($"     KR  received it after {Seconds(watch)}; the liaison desk checked KR's own copy of the agreement: a legal basis here too");
        await MoveAsync(answering, $"/api/assistance-requests/{id}/acknowledge", new { reference = "KCS-MA-2026-77" }, ct);
        await MoveAsync(answering, $"/api/assistance-requests/{id}/answers", new
        {
            text = "Exporter identified: the declarant of the shipment; container loaded at Guayaquil, transhipped at Busan.",
            data = new { exporterCountry = "EC", transhipment = "KRPUS" },
            final = false,
        }, ct);
        await MoveAsync(answering, $"/api/assistance-requests/{id}/answers", new { text = "Two earlier shipments by the same exporter in 2026, both released after documentary checks.", final = true }, ct);
        output.WriteLine("     KR  acknowledged (reference KCS-MA-2026-77), answered in two parts, the second final");
        await EventuallyAsync(nodes, $"the final answer to {id} at NL", async () => await StatusAtAsync(applicant, id, ct) == "answered", ct);
        var atApplicant = await asking.GetFromJsonAsync<JsonElement>($"/api/assistance-requests/{id}", ct);
        var atRequested = await answering.GetFromJsonAsync<JsonElement>($"/api/assistance-requests/{id}", ct);
        Check(atApplicant.GetProperty("answers").GetRawText() == atRequested.GetProperty("answers").GetRawText(), "NL's and KR's copies of the answers differ");
        foreach (var part in atApplicant.GetProperty("answers").EnumerateArray())
            output.WriteLine($"     NL  sees part {part.GetProperty("part").GetInt32()}{(part.GetProperty("final").GetBoolean() ? " (final)" : "")}: {part.GetProperty("text").GetString()}");
        output.WriteLine($"     status at NL: {atApplicant.GetProperty("status").GetString()}, at KR: {atRequested.GetProperty("status").GetString()}; " +
            $"{atApplicant.GetProperty("history").GetArrayLength()} messages in one conversation, in order, in {Seconds(watch)}; both copies agree.");
    }

    private static async Task RefuseWithoutLegalBasisAsync(DemoNode applicant, DemoNode requested, TextWriter output, CancellationToken ct)
    {
        using var asking = applicant.Liaison();
        var refused = await asking.PostAsJsonAsync("/api/assistance-requests", new
        {
            to = requested.Code,
            agreement = DemoAgreements.Multilateral,
            legalBasis = DemoAgreements.MultilateralBasis,
            purpose = "investigation",
            caseReference = "NL-FIOD-2026-0042",
            subject = "Has the consignee of MSCU1234565 imported into Germany?",
        }, ct);
        var problem = await refused.Content.ReadFromJsonAsync<JsonElement>(ct);
        Check(refused.StatusCode == HttpStatusCode.UnprocessableEntity, $"NL's request to DE under {DemoAgreements.Multilateral} answered {(int)refused.StatusCode}, expected 422: {problem}");
        output.WriteLine($"9. NL asks DE the same under {DemoAgreements.Multilateral}: refused, {(int)refused.StatusCode} {problem.GetProperty("title").GetString()}; nothing was sent:");
        foreach (var e in problem.GetProperty("errors").EnumerateArray())
            output.WriteLine($"     {e.GetProperty("path").GetString()}: {Clip(e.GetProperty("message").GetString() ?? "", 150)}");
        output.WriteLine("     (the multilateral agreement covers seizure reports and alerts, not assistance on request; the refusal is in NL's ledger)");
    }

    // ---- 10. Receipts -------------------------------------------------------------------------------------------------

    private static async Task CheckReceiptsAsync(string root, IReadOnlyList<DemoNode> nodes, DemoNode sender, DemoNode recipient, DemoNode other, Pushed message, TextWriter output, CancellationToken ct)
    {
        var folder = Path.Combine(root, "evidence", message.MessageId);
        await sender.Cli.RunAsync(ct, "exchange", "export", message.MessageId, "--home", sender.Home, "--out", folder);
        var envelope = await File.ReadAllBytesAsync(Path.Combine(folder, "envelope.cose"), ct);
        var receiptBytes = await File.ReadAllBytesAsync(Path.Combine(folder, "receipt.cose"), ct);
        var header = Envelope.Read(envelope).Header;
        // What a third party trusts is the agreement both administrations signed, not the certificates in the folder.
        var agreementFile = Path.Combine(recipient.Home, "agreements", header.AgreementId + ".yaml");
        var verified = await sender.Cli.RunAsync(ct, "exchange", "verify", "--evidence", folder, "--agreement", agreementFile);
        Check(verified.StartsWith("Valid:", StringComparison.Ordinal), $"exchange verify printed: {verified}");

        var anchor = TrustAnchor.Of(AgreementDocument.Load(agreementFile));
        using var senderCertificate = NodeCertificates.Read(Path.Combine(folder, "sender.crt"))[0];
        using var recipientCertificate = NodeCertificates.Read(Path.Combine(folder, "recipient.crt"))[0];
        var certificates = new EvidenceCertificates([senderCertificate.RawData], [recipientCertificate.RawData]);
        var verdict = Evidence.Verify(envelope, receiptBytes, certificates, anchor);
        Check(verdict.Valid, $"the evidence of {message.MessageId} does not verify: {string.Join("; ", verdict.Problems)}");
        var receipt = verdict.Receipt!;
        output.WriteLine($"10. Receipts: the evidence of {message.MessageId} exported by {sender.Code} (`entente exchange export`: envelope, receipt, both certificates), " +
            $"checked offline with no node against the signed agreement (`entente exchange verify --agreement`, Evidence.Verify): VALID");
        output.WriteLine($"     sender     {header.Sender} (key {Short(NodeCertificates.KeyFingerprint(senderCertificate))}, the key {anchor.Name} lists for it), signed the envelope at {header.CreatedAt:yyyy-MM-dd HH:mm:ss}Z");
        output.WriteLine($"     recipient  {receipt.Recipient} (key {Short(NodeCertificates.KeyFingerprint(recipientCertificate))}, the key {anchor.Name} lists for it), signed the receipt at {receipt.ReceivedAt:yyyy-MM-dd HH:mm:ss}Z");
        output.WriteLine($"     agreement  {receipt.AgreementId} ({Short(receipt.AgreementHash)}); {PolicyEngine.Name(header.Category)}, for {PolicyEngine.Name(header.Purpose)}, {header.HandlingCode}");
        output.WriteLine($"     digest     sha256:{Convert.ToHexStringLower(receipt.EnvelopeDigest)} (in the receipt and in both ledgers)");

        var forged = (byte[])envelope.Clone();
        forged[forged.Length - 80] ^= 0x01; // in the ciphertext, under the sender's signature
        var forgedProblems = Evidence.Verify(forged, receiptBytes, certificates, anchor).Problems;
        Check(forgedProblems.Count > 0, "an envelope with one byte changed verified");

        // A receipt the sender makes up itself, with a fresh key under a certificate it issues in the recipient's name.
        using var fresh = System.Security.Cryptography.ECDsa.Create(System.Security.Cryptography.ECCurve.NamedCurves.nistP256);
        using var fake = NodeCertificates.IssueSelf(fresh, recipient.Code, "made up by " + sender.Code, header.CreatedAt.AddDays(-1));
        var madeUp = Receipt.Sign(header, Envelope.Digest(envelope), receipt.ReceivedAt, fresh, NodeKeys.Fingerprint(fresh));
        var madeUpProblems = Evidence.Verify(envelope, madeUp, new EvidenceCertificates([senderCertificate.RawData], [fake.RawData]), anchor).Problems;
        Check(madeUpProblems.Any(p => p.StartsWith("receipt: signed by key", StringComparison.Ordinal)), $"a receipt made up by {sender.Code} was not refused for its key: {string.Join("; ", madeUpProblems)}");

        // The same envelope delivered again: the first receipt comes back and nothing is stored twice; at another node: refused.
        var again = await PostEnvelopeAsync(recipient, envelope, ct);
        var elsewhere = await PostEnvelopeAsync(other, envelope, ct);
        Check(again.Duplicate && again.Receipt is not null && again.Receipt.AsSpan().SequenceEqual(receiptBytes), $"the envelope replayed at {recipient.Code} was not answered as a duplicate with its receipt");
        Check(elsewhere.Rejection is not null, $"the envelope for {recipient.Code} was accepted at {other.Code}");
        output.WriteLine($"     one byte of the envelope changed: INVALID ({Clip(forgedProblems[0], 70)}); a receipt {sender.Code} made up with its own fresh key and " +
            $"a certificate in {recipient.Code}'s name: INVALID ({Clip(madeUpProblems.First(p => p.StartsWith("receipt: signed by key", StringComparison.Ordinal)), 60)}...);");
        output.WriteLine($"     the envelope replayed to {recipient.Code}: duplicate, same receipt, stored once; replayed to {other.Code}: refused ({PolicyEngine.Name(elsewhere.Rejection!.Code)}).");
        _ = nodes;
    }

    private static async Task<DeliveryResult> PostEnvelopeAsync(DemoNode node, byte[] envelope, CancellationToken ct)
    {
        using var client = node.Client();
        using var content = new ByteArrayContent(ExchangeWire.EncodeBatch([envelope]));
        content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue(ExchangeWire.MediaType);
        using var response = await client.PostAsync(new Uri(ExchangeWire.MessagesPath, UriKind.Relative), content, ct);
        Check(response.IsSuccessStatusCode, $"{node.Code} answered {(int)response.StatusCode} to a batch of one envelope");
        return ExchangeWire.DecodeResults(await response.Content.ReadAsByteArrayAsync(ct)).Single();
    }

    // ---- 11, 12. Ledgers: verified, checkpoints signed, witnessed ----------------------------------------------------

    private static async Task<long> VerifyLedgersAsync(IReadOnlyList<DemoNode> nodes, DemoNode kr, string? partyRead, TextWriter output, CancellationToken ct)
    {
        output.WriteLine("12. Ledgers: each node signs a checkpoint with its key and its whole ledger is verified with its public key (LedgerStore.VerifyAsync):");
        long entries = 0;
        foreach (var node in nodes)
        {
            var options = node.Options;
            await using var services = await NodeServices.OpenAsync(options, cancellationToken: ct);
            var ledger = services.Get<LedgerStore>();
            using var key = NodeKeys.LoadSigningKey(node.Home);
            var checkpoint = await ledger.SignCheckpointAsync(key, $"entente/{node.Code}/ledger", ct);
            var verification = await ledger.VerifyAsync(NodeKeys.PublicKey(key), ct);
            var proof = await ledger.InclusionProofAsync(0, checkpoint.TreeSize, ct);
            var included = MerkleTree.VerifyInclusion(0, proof.TreeSize, proof.LeafHash, proof.Hashes, proof.Root);
            using var anyone = node.Client();
            var published = await anyone.GetFromJsonAsync<JsonElement>("/api/ledger/checkpoint", ct);
            Check(verification.Ok, $"{node.Code}'s ledger does not verify: {string.Join("; ", verification.Problems)}");
            Check(included.Valid, $"{node.Code}: the inclusion proof of entry 0 is invalid");
            Check(published.GetProperty("treeSize").GetInt64() >= checkpoint.TreeSize, $"{node.Code} publishes an older checkpoint than the one it signed");
            entries += verification.Size;
            var kinds = await KindsAsync(ledger, verification.Size, ct);
            output.WriteLine($"     {node.Code}  {verification.Size,4} entries, verify ok, checkpoint signed at size {checkpoint.TreeSize} (root {verification.Root[..16]}...), " +
                $"published at /api/ledger/checkpoint; inclusion proof of entry 0: {proof.Hashes.Count} hashes, valid");
            output.WriteLine($"         {kinds}");
        }
        if (partyRead is not null)
        {
            await using var services = await NodeServices.OpenAsync(kr.Options, cancellationToken: ct);
            var ledger = services.Get<LedgerStore>();
            var about = await Entente.Audit.AuditTrail.AboutAsync(ledger, LedgerSubjects.Party(NodeKeys.LoadSubjectKey(kr.Home), partyRead), cancellationToken: ct);
            output.WriteLine($"     Accountability at KR: who got data about party {partyRead}? " +
                $"{string.Join("; ", about.Select(e => $"{e.User}@{e.Authority} ({e.Decision}, purpose {e.Purpose}{(e.Justification is null ? "" : $", '{e.Justification}'")})"))}.");
        }
        return entries;
    }

    private static async Task<string> KindsAsync(LedgerStore ledger, long size, CancellationToken ct)
    {
        var counts = new SortedDictionary<string, int>(StringComparer.Ordinal);
        for (var i = 0L; i < Math.Min(size, 2000); i++)
        {
            if (await ledger.GetEntryAsync(i, ct) is { } stored) counts[stored.Entry.Kind] = counts.GetValueOrDefault(stored.Entry.Kind) + 1;
        }
        return string.Join(", ", counts.Select(c => $"{c.Key} {c.Value}"));
    }

    /// <summary>
    /// The second witnessing round, after the exchange grew every ledger: each node checks the others' new checkpoints
    /// against the ones it cosigned at step 4 (a consistency proof), cosigns them, and every ledger is verified again.
    /// </summary>
    private static async Task WitnessEachOtherAsync(IReadOnlyList<DemoNode> nodes, IReadOnlyList<Witnessed> before, TextWriter output, CancellationToken ct)
    {
        var seen = await WitnessRoundAsync(nodes, ct);
        output.WriteLine("13. Witnessing (`entente ledger witness`): each node fetches the others' new checkpoints, checks them against the ones it cosigned at step 4, " +
            "cosigns them and the partner accepts the cosignature:");
        output.WriteLine($"     {string.Join(", ", seen.Select(w => $"{w.Pair} {w.Verdict} {before.FirstOrDefault(b => b.Pair == w.Pair)?.Size}->{w.Size}"))}");
        var received = new List<string>();
        foreach (var node in nodes)
        {
            var cosignatures = JsonNode.Parse(await node.Cli.RunAsync(ct, "ledger", "cosignatures", "--home", node.Home, "--json"))!.AsArray();
            await using var services = await NodeServices.OpenAsync(node.Options, cancellationToken: ct);
            var ledger = services.Get<LedgerStore>();
            using var key = NodeKeys.LoadSigningKey(node.Home);
            var verification = await ledger.VerifyAsync(NodeKeys.PublicKey(key), ct);
            Check(verification.Ok, $"{node.Code}'s ledger does not verify after witnessing: {string.Join("; ", verification.Problems)}");
            received.Add($"{node.Code} {cosignatures.Count}");
        }
        output.WriteLine($"     no equivocation; cosignatures each node holds of its own checkpoints: {string.Join(", ", received)}; every ledger verified again: ok.");
    }

    private sealed record Witnessed(string Pair, string Verdict, long Size);

    /// <summary>Each node signs a checkpoint of its ledger as it is now, then witnesses every other node's; any refusal, equivocation or unaccepted cosignature fails the demo.</summary>
    private static async Task<IReadOnlyList<Witnessed>> WitnessRoundAsync(IReadOnlyList<DemoNode> nodes, CancellationToken ct)
    {
        foreach (var node in nodes)
        {
            await using var services = await NodeServices.OpenAsync(node.Options, cancellationToken: ct);
            var ledger = services.Get<LedgerStore>();
            using var key = NodeKeys.LoadSigningKey(node.Home);
            await ledger.SignCheckpointAsync(key, $"entente/{node.Code}/ledger", ct);
        }
        var seen = new List<Witnessed>();
        foreach (var witness in nodes)
        {
            foreach (var partner in nodes.Where(p => p != witness))
            {
                var outcome = JsonNode.Parse(await witness.Cli.RunAsync(ct, "ledger", "witness", "--home", witness.Home, "--partner", partner.Code,
                    "--endpoint", partner.Endpoint.ToString(), "--key", NodeKeys.NodeCertificatePath(partner.Home), "--json"))!;
                var verdict = outcome["verdict"]?.GetValue<string>();
                Check(outcome["cosigned"]?.GetValue<bool>() == true,
                    $"{witness.Code} witnessing {partner.Code}: {verdict}, {outcome["reason"]}; cosignature: {outcome["cosignatureProblem"]}");
                seen.Add(new Witnessed($"{witness.Code}>{partner.Code}", verdict ?? "?", outcome["treeSize"]?.GetValue<long>() ?? 0));
            }
        }
        return seen;
    }

    // ---- 13. Exchange status ----------------------------------------------------------------------------------------

    private static async Task<int> ExchangeStatusAsync(IReadOnlyList<DemoNode> nodes, TextWriter output, CancellationToken ct)
    {
        output.WriteLine("14. Exchange status (GET /api/exchange/status at each node; `entente exchange status`):");
        var delivered = 0;
        foreach (var node in nodes)
        {
            using var client = node.Liaison();
            var status = await client.GetFromJsonAsync<ExchangeStatus>("/api/exchange/status", Web, ct)
                ?? throw new DemoFailure($"{node.Code}: no exchange status");
            var queues = status.Partners.Count == 0 ? "nothing sent" : string.Join("; ", status.Partners.Select(q => $"to {q.Partner}: {q.Delivered} delivered, {q.Pending} waiting, {q.Failed} failed"));
            var refusals = status.RecentRejections.Count == 0 ? "none refused" : $"{status.RecentRejections.Count} refused ({string.Join(", ", status.RecentRejections.Select(r => $"{r.Code} from {r.Partner ?? "?"}"))})";
            output.WriteLine($"     {node.Code}  {queues}; received: {refusals}");
            Check(status.Partners.All(q => q.Pending == 0 && q.Failed == 0), $"{node.Code} still has messages waiting or failed");
            delivered += status.Partners.Sum(q => q.Delivered);
        }
        return delivered;
    }

    // ---- helpers ------------------------------------------------------------------------------------------------------

    /// <summary>Waits until the sender's outbox says delivered (with the receipt) and the recipient's inbox holds the message; returns it as the recipient has it.</summary>
    private static async Task<JsonElement> DeliveredAsync(IReadOnlyList<DemoNode> nodes, DemoNode sender, DemoNode recipient, string messageId, CancellationToken ct)
    {
        using var from = sender.Liaison();
        using var to = recipient.Liaison();
        JsonElement received = default;
        await EventuallyAsync(nodes, $"delivery of {messageId} from {sender.Code} to {recipient.Code}", async () =>
        {
            using var sent = await from.GetAsync(new Uri($"/api/exchange/outbox/{messageId}", UriKind.Relative), ct);
            if (!sent.IsSuccessStatusCode) return false;
            var state = await sent.Content.ReadFromJsonAsync<JsonElement>(ct);
            if (state.GetProperty("state").GetString() != ExchangeStore.Delivered || state.GetProperty("receipt").ValueKind != JsonValueKind.String) return false;
            using var inbox = await to.GetAsync(new Uri($"/api/exchange/inbox/{messageId}?purpose=investigation&justification=demo%20delivery%20check", UriKind.Relative), ct);
            if (!inbox.IsSuccessStatusCode) return false;
            received = await inbox.Content.ReadFromJsonAsync<JsonElement>(ct);
            return true;
        }, ct);
        return received;
    }

    private static async Task<string> StatusAtAsync(DemoNode node, string id, CancellationToken ct)
    {
        using var client = node.Liaison();
        using var response = await client.GetAsync(new Uri($"/api/assistance-requests/{id}", UriKind.Relative), ct);
        return response.IsSuccessStatusCode ? (await response.Content.ReadFromJsonAsync<JsonElement>(ct)).GetProperty("status").GetString()! : "absent";
    }

    private static async Task MoveAsync(HttpClient client, string path, object body, CancellationToken ct)
    {
        using var response = await client.PostAsJsonAsync(path, body, ct);
        Check(response.IsSuccessStatusCode, $"POST {path} answered {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync(ct)}");
    }

    private static async Task EventuallyAsync(IReadOnlyList<DemoNode> nodes, string what, Func<Task<bool>> check, CancellationToken ct)
    {
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < Patience)
        {
            if (await check()) return;
            await Task.Delay(50, ct);
        }
        throw new DemoFailure($"{what} did not happen within {Patience.TotalSeconds:0} s. The nodes' logs:{Environment.NewLine}" +
            string.Join(Environment.NewLine, nodes.Select(n => $"--- {n.Code}{Environment.NewLine}{n.Tail()}")));
    }

    private static void Check(bool holds, string problem)
    {
        if (!holds) throw new DemoFailure(problem);
    }

    private static string Fingerprint(DemoNode node)
    {
        using var key = NodeKeys.LoadSigningKey(node.Home);
        return NodeKeys.Fingerprint(key);
    }

    private static IEnumerable<string> TopLevel(JsonElement payload) =>
        payload.ValueKind == JsonValueKind.Object ? payload.EnumerateObject().Select(p => p.Name) : [];

    private static string Short(string hash) => hash.Length <= 23 ? hash : hash[..23] + "...";

    private static string Seconds(Stopwatch watch) => S(watch.Elapsed);

    private static string S(TimeSpan time) => $"{time.TotalSeconds.ToString("N1", CultureInfo.InvariantCulture)} s";

    private static string Percent(long part, long whole) => whole == 0 ? "-" : ((double)part / whole).ToString("P1", CultureInfo.InvariantCulture);

    private static string Clip(string text, int width) => text.Length <= width ? text : text[..(width - 1)] + "…";
}
