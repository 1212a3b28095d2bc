using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Text.Json;
using System.Text.Json.Nodes;
using Entente.Agreements;
using Entente.Common;
using Entente.Declarations;
using Entente.Generation;
using Entente.Ingest;
using Entente.Ingest.Csv;
using Entente.Ingest.Edifact;
using Entente.Ingest.WcoXml;
using Entente.Ledger;
using Entente.Nodes;
using Entente.Storage;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Logging;

namespace Entente.Cli.Demo;

/// <summary>
/// The main job, end to end on one machine: a node is created, takes in a national extract and declarations
/// in the other formats, refuses bad input with pointers, detects duplicates, summarises, and serves its API.
/// </summary>
internal static class DemoCommand
{
    private const string KoreanDataSet = "customs-import-declarations";

    public static Command Create()
    {
        var home = new Option<string?>("--home") { Description = "Keep the demo node in this folder (default: a temporary folder, removed at the end)" };
        var generated = new Option<int>("--generated") { Description = "How many generated declarations to add per format", DefaultValueFactory = _ => 2000 };
        var data = new Option<string>("--data")
        {
            Description = "Where the public data sets are (default: $ENTENTE_DATA, else ../shared/data)",
            DefaultValueFactory = _ => Environment.GetEnvironmentVariable("ENTENTE_DATA") is { Length: > 0 } d ? d : Path.GetFullPath(Path.Combine("..", "shared", "data")),
        };
        var command = new Command("demo", "Run the demonstration: create a node, ingest declarations in every format, search, serve") { home, generated, data };
        command.SetAction(async (parse, ct) =>
        {
            var keep = parse.GetValue(home);
            var folder = keep is not null ? Path.GetFullPath(keep) : Path.Combine(Path.GetTempPath(), $"entente-demo-{Guid.NewGuid():N}");
            try
            {
                return await RunAsync(folder, parse.GetValue(data)!, parse.GetValue(generated), parse.InvocationConfiguration.Output, ct);
            }
            finally
            {
                if (keep is null && Directory.Exists(folder)) Directory.Delete(folder, recursive: true);
            }
        });
        return command;
    }

    private static async Task<int> RunAsync(string home, string data, int generatedPerFormat, TextWriter output, CancellationToken ct)
    {
        var clock = Stopwatch.StartNew();
        output.WriteLine("== Entente demo: one customs administration's node ==");
        var node = new NodeOptions { Home = home, Code = "KR", Name = "Korea Customs Service (demo)" };
        var adminKey = await NodeHome.InitAsync(node, TimeProvider.System, ct);
        output.WriteLine($"1. Node {node.Code} created in {home} (SQLite store, WAL, synchronous=FULL); administrator key issued.");

        await using var store = DeclarationStores.Open(node.DatabaseOrDefault, TimeProvider.System);
        await store.MigrateAsync(ct);
        var ingest = new DeclarationIngest(store);

        // 2. The national extract: the Korea Customs Service synthetic declarations, when the data set is at hand.
        var korean = Path.Combine(data, KoreanDataSet);
        var koreanFiles = new[] { "df_syn_train_eng.csv", "df_syn_valid_eng.csv", "df_syn_test_eng.csv" }.Select(f => Path.Combine(korean, f)).ToArray();
        if (koreanFiles.All(File.Exists))
        {
            var mapping = CsvMapping.Load(Path.Combine(AppContext.BaseDirectory, "mappings", "kcs-synthetic-hs6.yaml"));
            var watch = Stopwatch.StartNew();
            var report = await ingest.IngestFilesAsync(koreanFiles, new IngestOptions { Format = DeclarationFormat.Csv, Mapping = mapping }, null, ct);
            output.WriteLine($"2. National extract (KCS synthetic import declarations, CSV + mapping kcs-synthetic-hs6): " +
                $"{report.Accepted:N0} accepted, {report.Rejected:N0} rejected, {report.Duplicates:N0} duplicates in {watch.Elapsed.TotalSeconds:N1} s; " +
                "Fraud labels stored as inspection outcomes, not declaration data.");
            if (!report.Succeeded) return Fail(output, report);
        }
        else
        {
            output.WriteLine($"2. (The data set '{KoreanDataSet}' is not at {korean}; it is published at github.com/Seondong/Customs-Declaration-Datasets. " +
                "Set ENTENTE_DATA to use it. Continuing with generated declarations.)");
        }

        // 3. Declarations from other national systems, in WCO XML, EDIFACT CUSDEC and canonical JSON; the format is detected.
        var files = new List<string>();
        foreach (var format in new[] { DeclarationFormat.WcoXml, DeclarationFormat.Edifact, DeclarationFormat.Json })
        {
            var generator = new DeclarationGenerator(seed: 2026 + (int)format, importingCountry: "KR", firstDay: new DateOnly(2026, 1, 1), days: 330,
                referencePrefix: $"KR{FormatDetector.Name(format).ToUpperInvariant().Replace("-", "", StringComparison.Ordinal)}");
            var declarations = generator.Generate(generatedPerFormat).Select(r => r.Declaration!);
            var path = Path.Combine(home, format switch { DeclarationFormat.WcoXml => "generated.xml", DeclarationFormat.Edifact => "generated.edi", _ => "generated.ndjson" });
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
                            Sender = "KRBROKER01",
                            Recipient = "KRCUSTOMS",
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
        var generatedReport = await ingest.IngestFilesAsync(files, new IngestOptions(), null, ct);
        output.WriteLine("3. Declarations from other systems, written by Entente's generator; the format of each file is detected:");
        foreach (var f in generatedReport.Files)
            output.WriteLine($"     {Path.GetFileName(f.File),-18} {FormatDetector.Name(f.Format),-8} {f.Accepted,6:N0} accepted, {f.Rejected:N0} rejected");
        if (!generatedReport.Succeeded) return Fail(output, generatedReport);
        var jsonFile = files[^1];

        // 4. The same file again: nothing is stored twice.
        var again = await ingest.IngestFilesAsync([jsonFile], new IngestOptions(), null, ct);
        output.WriteLine($"4. The same file submitted again: {again.Accepted:N0} accepted, {again.Duplicates:N0} duplicates detected and not stored.");

        // 5. A broken file: refused whole, with pointers to what is wrong.
        var brokenSource = new DeclarationGenerator(seed: 99, importingCountry: "KR", referencePrefix: "KRBAD");
        var bad = brokenSource.Next(out _);
        bad.GoodsShipment.Consignment.Containers = [new Container { Id = "MSCU6639871" }];
        bad.GoodsShipment.GoodsItems[0].OriginCountryCode = "XX";
        var good = brokenSource.Next(out _);
        var badFile = Path.Combine(home, "broken.ndjson");
        await File.WriteAllLinesAsync(badFile, [EntenteJson.Serialize(good), EntenteJson.Serialize(bad)], ct);
        var refused = await ingest.IngestFilesAsync([badFile], new IngestOptions(), null, ct);
        output.WriteLine($"5. A file with one bad declaration among good ones: {refused.Accepted} accepted (all-or-nothing), {refused.Rejected} rejected:");
        foreach (var error in refused.Errors) output.WriteLine($"     {error}");

        // 6. What the node holds.
        var summary = await store.SummariseAsync(5, ct);
        output.WriteLine($"6. The store holds {summary.Declarations:N0} declarations with {summary.GoodsItems:N0} goods items, declared {summary.FirstDate:yyyy-MM-dd} to {summary.LastDate:yyyy-MM-dd}; " +
            $"{summary.WithLabels:N0} carry inspection outcomes, {summary.LabelledFraud:N0} of them fraud ({Percent(summary.LabelledFraud, summary.WithLabels)}).");
        output.WriteLine("   Top HS chapters:");
        foreach (var c in summary.TopHsChapters)
        {
            var title = CodeLists.CodeLists.Default.HsChapters.TryGetValue(c.Key, out var chapter) ? chapter.Title : "";
            output.WriteLine($"     {c.Key} {Clip(title, 60),-60} {c.Count,8:N0}");
        }
        output.WriteLine("   Top origins:");
        foreach (var o in summary.TopOrigins)
        {
            var country = CodeLists.CodeLists.Default.Countries.GetValueOrDefault(o.Key, "");
            output.WriteLine($"     {o.Key} {Clip(country, 40),-40} {o.Count,8:N0}");
        }
        output.WriteLine("   Declared value by currency:");
        foreach (var v in summary.ValueByCurrency) output.WriteLine($"     {v.Key} {v.Value.ToString("N0", CultureInfo.InvariantCulture),24} over {v.Count:N0} declarations");

        // 7, 8. The HTTP API, as an integration team would call it; personal data behind a purpose.
        var partyRead = await ServeAndQueryAsync(node, adminKey, output, ct);

        // 9-11. An agreement with a partner administration, decisions under it, and the ledger that proves it all.
        if (!await AgreementAndLedgerAsync(node, store, partyRead, output, ct)) return 1;
        output.WriteLine($"Demo finished in {clock.Elapsed.TotalSeconds:N1} s.");
        return 0;
    }

    private static async Task<string?> ServeAndQueryAsync(NodeOptions node, string adminKey, TextWriter output, CancellationToken ct)
    {
        var (officerKey, officer) = NodeHome.NewUser("officer-kim", Role.Officer, "KCS Busan", TimeProvider.System);
        var (analystKey, analyst) = NodeHome.NewUser("analyst-lee", Role.Analyst, "KCS HQ", TimeProvider.System);
        await using (var users = DeclarationStores.Open(node.DatabaseOrDefault, TimeProvider.System))
        {
            await users.SaveApiUserAsync(officer, ct);
            await users.SaveApiUserAsync(analyst, ct);
        }
        var port = FreePort();
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = [], ContentRootPath = node.Home });
        builder.Configuration[$"{NodeOptions.Section}:Home"] = node.Home;
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.WebHost.UseUrls($"http://127.0.0.1:{port}");
        builder.AddEntenteNode();
        await using var app = builder.Build();
        await app.MapEntenteNodeAsync();
        await app.StartAsync(ct);
        try
        {
            using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}") };
            var anonymous = await http.GetAsync(new Uri("/api/declarations?hs=2402", UriKind.Relative), ct);
            http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", adminKey);
            var search = await http.GetAsync(new Uri("/api/declarations?hs=2402&limit=1000", UriKind.Relative), ct);
            using var page = JsonDocument.Parse(await search.Content.ReadAsStringAsync(ct));
            var found = page.RootElement.GetProperty("items").GetArrayLength();
            var openApi = await http.GetAsync(new Uri("/openapi/v1.json", UriKind.Relative), ct);
            output.WriteLine($"7. HTTP API on 127.0.0.1:{port}: without a key {(int)anonymous.StatusCode} {anonymous.StatusCode}; " +
                $"with the administrator key, GET /api/declarations?hs=2402 (tobacco) -> {(int)search.StatusCode}, {found}{(found == 1000 ? "+" : "")} declarations; " +
                $"OpenAPI document at /openapi/v1.json -> {(int)openApi.StatusCode}.");

            // Personal data: withheld without a purpose, read by an officer with one, refused to an analyst's wrong one; all in the ledger.
            var id = page.RootElement.GetProperty("items")[0].GetProperty("id").GetString()!;
            http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", officerKey);
            var plain = JsonDocument.Parse(await http.GetStringAsync(new Uri($"/api/declarations/{id}", UriKind.Relative), ct)).RootElement;
            var read = await http.GetAsync(new Uri($"/api/declarations/{id}?purpose=investigation&justification=case%20KCS-2026-0417", UriKind.Relative), ct);
            var importer = JsonDocument.Parse(await read.Content.ReadAsStringAsync(ct)).RootElement.GetProperty("declaration").GetProperty("parties")
                .EnumerateArray().Select(p => p.TryGetProperty("id", out var v) ? v.GetString() : null).OfType<string>().FirstOrDefault();
            http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", analystKey);
            var refused = await http.GetAsync(new Uri($"/api/declarations/{id}?purpose=investigation&justification=curious", UriKind.Relative), ct);
            output.WriteLine($"8. Personal data: without a purpose the parties come back withheld ({plain.GetProperty("withheld").GetArrayLength()} fields); " +
                $"officer-kim, purpose investigation, justification 'case KCS-2026-0417' -> {(int)read.StatusCode} with the parties; " +
                $"analyst-lee, purpose investigation -> {(int)refused.StatusCode} {refused.StatusCode} (an analyst reads for risk-management or statistics). Both are in the ledger.");
            return importer;
        }
        finally
        {
            await app.StopAsync(ct);
        }
    }

    private static async Task<bool> AgreementAndLedgerAsync(NodeOptions node, IDeclarationStore store, string? partyRead, TextWriter output, CancellationToken ct)
    {
        var time = TimeProvider.System;
        var partner = new NodeOptions { Home = Path.Combine(node.Home, "partner-nl"), Code = "NL", Name = "Douane Nederland (demo)" };
        await NodeHome.InitAsync(partner, time, ct);
        using var ours = NodeKeys.LoadSigningKey(node.Home);
        using var theirs = NodeKeys.LoadSigningKey(partner.Home);
        var today = DateOnly.FromDateTime(time.GetUtcNow().UtcDateTime);
        var path = Path.Combine(node.Home, "agreements", "kr-nl-mutual-assistance.yaml");
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        await File.WriteAllTextAsync(path, DemoAgreement(NodeKeys.Fingerprint(ours), NodeKeys.Fingerprint(theirs), today), ct);

        await using var ledger = LedgerStore.Open(node.DatabaseOrDefault, time);
        var actor = new LedgerActor("demo", node.Code);
        var text = await File.ReadAllTextAsync(path, ct);
        var unsigned = AgreementStatus.Of(AgreementDocument.Parse(text, path), time);
        foreach (var (key, party) in new[] { (ours, "KR"), (theirs, "NL") })
        {
            var signature = AgreementSignatures.Sign(AgreementDocument.Parse(text, path), key, time.GetUtcNow());
            text = AgreementSignatures.AddTo(text, path, signature);
            var signed = AgreementDocument.Parse(text, path);
            await ledger.AppendAsync(LedgerKinds.AgreementSigned, actor, new JsonObject
            {
                ["agreement"] = new JsonObject { ["id"] = signed.Id, ["version"] = signed.Version, ["hash"] = signed.ContentHash },
                ["party"] = party,
                ["fingerprint"] = NodeKeys.Fingerprint(signature.PublicKey),
                [LedgerSubjects.Field] = new JsonArray(AgreementWatch.Subject(signed.Id)),
            }, ct);
        }
        await File.WriteAllTextAsync(path, text, ct);
        var agreement = AgreementDocument.Parse(text, path);
        var status = AgreementStatus.Of(agreement, time);
        if (!status.InForce)
        {
            output.WriteLine($"The demo stopped: the agreement is not in force: {string.Join("; ", status.Reasons)}");
            return false;
        }
        await ledger.AppendAsync(LedgerKinds.AgreementInForce, actor, new JsonObject
        {
            ["agreement"] = new JsonObject { ["id"] = agreement.Id, ["version"] = agreement.Version, ["hash"] = agreement.ContentHash },
            ["parties"] = new JsonArray("KR", "NL"),
            [LedgerSubjects.Field] = new JsonArray(AgreementWatch.Subject(agreement.Id)),
        }, ct);
        output.WriteLine($"9. Agreement {agreement.Id} v{agreement.Version} (mutual assistance, KR-NL): unsigned it is {unsigned.State}; " +
            $"signed by KR and NL with their node keys it is in force ({agreement.ContentHash[..19]}...).");

        // Decisions under it: NL asks for a declaration for risk management (permitted, projected), then for prosecution (denied).
        var declaration = (await store.SearchAsync(new DeclarationQuery { Limit = 1 }, ct)).Items[0];
        var stored = (await store.GetAsync(declaration.Id, ct))!;
        string[] fields = ["/mrn", "/goodsShipment/goodsItems/*/classification", "/goodsShipment/goodsItems/*/originCountryCode", "/parties/*/id"];
        var inForce = AgreementStatus.SelectInForce([agreement], time.GetUtcNow());
        var asked = new AccessRequest("KR", new Requester("NL"), "NL", DataCategory.Declarations, Purpose.RiskManagement, fields, time.GetUtcNow()) { CaseReference = "NL-RTM-2026-311" };
        var permit = PolicyEngine.Decide(inForce, asked);
        var prosecution = asked with { Purpose = Purpose.Prosecution };
        var deny = PolicyEngine.Decide(inForce, prosecution);
        var subjects = new[] { LedgerSubjects.Declaration(declaration.Id) };
        await ledger.AppendAsync(LedgerKinds.PolicyDecision, actor, DecisionRecord.Body(asked, permit, subjects), ct);
        await ledger.AppendAsync(LedgerKinds.PolicyDecision, actor, DecisionRecord.Body(prosecution, deny, subjects), ct);
        if (permit is not Permit permitted || deny is not Deny)
        {
            output.WriteLine($"The demo stopped: unexpected decisions: {permit.Reason} / {deny.Reason}");
            return false;
        }
        // Pseudonyms per agreement: linkable across its answers, unlinkable to other partners' or to the ledger's tags.
        var pseudonymKey = System.Security.Cryptography.HMACSHA256.HashData(NodeKeys.LoadSubjectKey(node.Home), System.Text.Encoding.UTF8.GetBytes("pseudonyms:" + agreement.Id));
        var projected = PolicyEngine.Project(JsonNode.Parse(EntenteJson.Serialize(stored.Declaration))!.AsObject(), permitted.Obligations, pseudonymKey);
        var partyId = projected["parties"]?[0]?["id"]?.GetValue<string>() ?? "-";
        output.WriteLine($"10. NL asks KR for declaration {stored.Declaration.Mrn ?? declaration.Id} for risk-management: PERMIT, handling code {permitted.Obligations.HandlingCode}, " +
            $"kept until {permitted.Obligations.RetainUntil:yyyy-MM-dd} then {permitted.Obligations.ThenRetention.ToString().ToLowerInvariant()}, sent: the MRN, each item's classification and origin, " +
            $"the parties' ids pseudonymised ({Clip(partyId, 24)}), nothing else. For prosecution: DENY ({Clip(deny.Reason, 90)}). Both decisions are in the ledger.");

        // The ledger: a signed checkpoint, a full verification anyone with KR's public key can run, an inclusion proof, the accountability query.
        var checkpoint = await ledger.SignCheckpointAsync(ours, $"entente/{node.Code}/ledger", ct);
        var verification = await ledger.VerifyAsync(NodeKeys.PublicKey(ours), ct);
        var proof = await ledger.InclusionProofAsync(0, checkpoint.TreeSize, ct);
        var included = MerkleTree.VerifyInclusion(0, proof.TreeSize, proof.LeafHash, proof.Hashes, proof.Root);
        output.WriteLine($"11. Ledger: {verification.Size} entries, checkpoint signed at size {checkpoint.TreeSize} (root {verification.Root[..16]}...); " +
            $"ledger verify: {(verification.Ok ? "ok" : "FAILED: " + string.Join("; ", verification.Problems))}; inclusion proof of entry 0: {proof.Hashes.Count} hashes, {(included.Valid ? "valid" : "INVALID")}.");
        if (partyRead is not null)
        {
            var about = await Entente.Audit.AuditTrail.AboutAsync(ledger, LedgerSubjects.Party(NodeKeys.LoadSubjectKey(node.Home), partyRead), cancellationToken: ct);
            output.WriteLine($"    Accountability: who got data about party {partyRead}? {string.Join("; ", about.Select(e => $"{e.User}@{e.Authority} ({e.Decision}, purpose {e.Purpose}{(e.Justification is null ? "" : $", '{e.Justification}'")})"))}.");
        }
        return verification.Ok && included.Valid;
    }

    private static string DemoAgreement(string kr, string nl, DateOnly today) => $$"""
        # A demo mutual-assistance agreement between the two demo nodes (docs/agreements.md explains every key).
        agreement: kr-nl-mutual-assistance
        version: 1
        kind: mutual-assistance
        title: "KR-NL mutual administrative assistance in customs matters (demo)"
        parties:
          - code: KR
            name: "Korea Customs Service (demo)"
            fingerprint: {{kr}}
          - code: NL
            name: "Douane Nederland (demo)"
            fingerprint: {{nl}}
        legal-basis:
          - "Agreement on mutual administrative assistance in customs matters, Art. 3 (assistance on request)"
        validity:
          from: {{today.AddDays(-1):yyyy-MM-dd}}
          until: {{today.AddYears(5):yyyy-MM-dd}}
        categories:
          declarations:
            purposes: [risk-management, investigation]
            disclose:
              - { path: /goodsShipment/goodsItems/*/classification, wco: "145" }
              - { path: /goodsShipment/goodsItems/*/originCountryCode, wco: "063" }
              - /mrn
            transform:
              /parties/*/id: pseudonymise
              /parties/*/name: pseudonymise
              /parties/*/address: drop
            other-fields: drop
            handling-code: H1
            evaluation: A1
            onward-transfer: with-consent
            retention: { period: P3Y, then: review }
        """;

    private static int Fail(TextWriter output, IngestReport report)
    {
        output.WriteLine("The demo stopped: a file was refused.");
        foreach (var e in report.Errors.Take(20)) output.WriteLine($"  {e}");
        return 1;
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static string Percent(long part, long whole) => whole == 0 ? "-" : ((double)part / whole).ToString("P1", CultureInfo.InvariantCulture);

    private static string Clip(string text, int width) => text.Length <= width ? text : text[..(width - 1)] + "…";
}
