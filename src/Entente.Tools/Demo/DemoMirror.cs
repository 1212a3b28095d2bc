using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Entente.Tools.Demo;

/// <summary>
/// The demo's mirror check and trader network (issue 17): KR shares the export declarations of three consignments NL
/// imports, one declared at NL at a quarter of its export value; NL's mirror check pairs them by UCR and finds the
/// planted undervaluation; then NL looks at the network within two hops of the container KR's seizure report named.
/// </summary>
internal static class DemoMirror
{
    /// <summary>The container of KR's seizure report (step 7): one of NL's imports travelled in it.</summary>
    public const string SeizedContainer = "MSCU1234565";

    private static readonly (string Ucr, decimal Exported, decimal Imported, string Container, string Importer)[] Consignments =
    [
        ("5KR-DEMO-MIRROR-1", 36_000m, 9_000m, SeizedContainer, "NL009988776B01"),
        ("5KR-DEMO-MIRROR-2", 52_400m, 55_100m, "TGHU8765432", "NL009988776B01"),
        ("5KR-DEMO-MIRROR-3", 18_900m, 19_750m, "CSQU3054383", "NL001122334B01"),
    ];

    public static async Task RunAsync(DemoNode kr, DemoNode nl, string charts, TextWriter output, CancellationToken ct)
    {
        var watch = Stopwatch.StartNew();
        var exported = TimeProvider.System.GetUtcNow().AddDays(-20);
        var folder = Path.Combine(Path.GetDirectoryName(nl.Home)!, "mirror");
        Directory.CreateDirectory(folder);

        // NL's imports of the three consignments (the first declared far below its export value).
        var imports = Path.Combine(folder, "nl-imports.ndjson");
        await File.WriteAllLinesAsync(imports, Consignments.Select((c, i) => Declaration(c.Ucr, "IMA", $"26NL{i + 1:D2}DEMOMIRROR{i + 1:D3}", exported.AddDays(12), c.Imported, c.Container,
            c.Importer, "NL").ToJsonString()), ct);
        await nl.Cli.RunAsync(ct, "ingest", imports, "--home", nl.Home);

        // KR shares its export declarations of them with NL, under the bilateral agreement (type code EXD).
        var shared = new List<string>();
        for (var i = 0; i < Consignments.Length; i++)
        {
            var c = Consignments[i];
            var file = Path.Combine(folder, $"kr-export-{i + 1}.json");
            await File.WriteAllTextAsync(file, Declaration(c.Ucr, "EXD", $"26KR{i + 1:D2}DEMOEXPORT{i + 1:D3}", exported, c.Exported, c.Container, "KR1234567890", "KR").ToJsonString(), ct);
            var answer = JsonNode.Parse(await kr.Cli.RunAsync(ct, "exchange", "share", "--home", kr.Home, "--to", "NL", "--category", "declarations", "--purpose", "risk-management",
                "--document", file, "--json"))!;
            shared.Add(answer["messageId"]!.GetValue<string>());
        }
        using var liaison = nl.Liaison();
        var until = Stopwatch.StartNew();
        while (true)
        {
            var inbox = await liaison.GetFromJsonAsync<JsonElement>("/api/exchange/inbox?sender=KR&limit=100", ct);
            if (shared.All(id => inbox.EnumerateArray().Any(m => m.GetProperty("messageId").GetString() == id))) break;
            if (until.Elapsed > TimeSpan.FromSeconds(30)) throw new DemoFailure($"KR's export declarations did not reach NL in 30 s\n--- KR\n{kr.Tail()}\n--- NL\n{nl.Tail()}");
            await Task.Delay(50, ct);
        }

        // NL's mirror check.
        var report = JsonNode.Parse(await nl.Cli.RunAsync(ct, "mirror", "run", "--home", nl.Home, "--partner", "KR", "--json"))!;
        var discrepant = report["discrepant"]!.AsArray();
        var planted = discrepant.SingleOrDefault(p => p!["discrepancies"]!.AsArray().Any(d => d!["code"]!.GetValue<string>() == "mirror-undervaluation"));
        if (report["pairs"]!.GetValue<int>() < Consignments.Length || discrepant.Count != 1 || planted is null)
            throw new DemoFailure($"NL's mirror check should pair {Consignments.Length} consignments and find one undervaluation: {report.ToJsonString()}");
        var finding = planted["discrepancies"]![0]!["message"]!.GetValue<string>();
        var statistics = JsonNode.Parse(await nl.Cli.RunAsync(ct, "mirror", "stats", "--home", nl.Home, "--partner", "KR", "--plot", Path.Combine(charts, "nl-kr-mirror.png"), "--json"))!.AsArray();
        if (new FileInfo(Path.Combine(charts, "nl-kr-mirror.png")).Length < 5_000) throw new DemoFailure("the mirror statistics chart is empty");

        // The network within two hops of the consignment KR's seizure report named (received at NL in step 7).
        var network = JsonNode.Parse(await nl.Cli.RunAsync(ct, "network", "node", "container:" + SeizedContainer, "--home", nl.Home, "--hops", "2",
            "--purpose", "risk-management", "--justification", "seizure KCS-BUSAN-2026-0412 follow-up", "--json"))!;
        var nodes = network["nodes"]!.AsArray();
        var importer = nodes.FirstOrDefault(n => n!["key"]!.GetValue<string>() == "party:" + Consignments[0].Importer);
        var sibling = nodes.FirstOrDefault(n => n!["key"]!.GetValue<string>() == "container:" + Consignments[1].Container);
        var seizure = nodes.FirstOrDefault(n => n!["kind"]!.GetValue<string>() == "seizure");
        if (importer is null || importer["hops"]!.GetValue<int>() != 1 || sibling is null || sibling["hops"]!.GetValue<int>() != 2 || seizure is null)
            throw new DemoFailure($"the network around container {SeizedContainer} at NL should hold KR's seizure, the importer (1 hop) and its other container (2 hops): {network.ToJsonString()}");

        output.WriteLine($"10d. Mirror check: KR shares the export declarations of {Consignments.Length} consignments NL imports (`entente exchange share`, type EXD); " +
            $"NL's `entente mirror run --partner KR` pairs {report["pairs"]} by {string.Join(", ", report["byKey"]!.AsObject().Select(k => $"{k.Key} {k.Value}"))} and finds the planted " +
            $"undervaluation on {planted["importId"]}: {finding} (finding mirror-undervaluation on the import, for rules and the model); statistics by HS6 × month ({statistics.Count} cell(s)) charted to {Path.Combine(charts, "nl-kr-mirror.png")}.");
        output.WriteLine($"    Network at NL around container {SeizedContainer} (KR's seizure report): {nodes.Count} nodes within 2 hops — the seizure, the import, " +
            $"importer {Consignments[0].Importer} (1 hop, on {importer["consignments"]} consignments), its other container {Consignments[1].Container} (2 hops); read for risk-management, in NL's ledger. " +
            $"({(watch.Elapsed.TotalSeconds).ToString("N1", CultureInfo.InvariantCulture)} s)");
    }

    private static JsonObject Declaration(string ucr, string type, string mrn, DateTimeOffset at, decimal value, string container, string importer, string side) => new()
    {
        ["typeCode"] = type,
        ["lrn"] = side + "-" + ucr,
        ["mrn"] = mrn,
        ["ucr"] = ucr,
        ["issueDateTime"] = at.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture),
        ["acceptanceDateTime"] = at.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture),
        ["declarationOfficeId"] = side == "NL" ? "NL000396" : "KR030",
        ["totalGrossMassKg"] = 2_400,
        ["totalPackageQuantity"] = 120,
        ["parties"] = new JsonArray(
            new JsonObject { ["role"] = side == "NL" ? "importer" : "exporter", ["id"] = importer, ["name"] = side == "NL" ? "Tulp Electronics BV" : "Hanbit Electronics Co" },
            new JsonObject { ["role"] = "declarant", ["id"] = side == "NL" ? "NL000555444B01" : "KR9876543210" }),
        ["goodsShipment"] = new JsonObject
        {
            ["exportCountryCode"] = "KR",
            ["destinationCountryCode"] = "NL",
            ["consignment"] = new JsonObject
            {
                ["modeOfTransportAtBorder"] = 1,
                ["containers"] = new JsonArray(new JsonObject { ["id"] = container }),
            },
            ["goodsItems"] = new JsonArray(new JsonObject
            {
                ["sequence"] = 1,
                ["description"] = "mobile telephones",
                ["classification"] = new JsonObject { ["scheme"] = "HS", ["edition"] = "2022", ["code"] = "851713" },
                ["originCountryCode"] = "KR",
                ["customsValue"] = new JsonObject { ["value"] = value, ["currency"] = "USD" },
                ["grossMassKg"] = 2_400,
                ["netMassKg"] = 2_100,
            }),
        },
    };
}
