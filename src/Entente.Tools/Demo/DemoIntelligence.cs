using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Entente.Tools.Demo;

/// <summary>
/// The intelligence step of the demo (docs/intelligence.md): KR imports a seizure set from its national database
/// through a mapping, the multilateral agreement's subscription pushes each seizure to the partners its route involves,
/// NL receives them structured (commodity, quantity and unit, concealment, route), and KR's trend by route flags the
/// planted spike with the Poisson test and writes the plot.
/// </summary>
internal static class DemoIntelligence
{
    private const string Mapping = """
        name: kcs-seizure-database
        format: csv
        fields:
          - { column: case_no, target: /id, required: true }
          - { column: seized, target: /seizedAt, required: true }
          - { column: goods, target: /category, map: { NARC: drugs, TOB: tobacco, IPR: counterfeits } }
          - { column: drug, target: /drugType }
          - { column: qty, target: /quantity/amount }
          - { column: unit, target: /quantity/unit }
          - { column: port, target: /place }
          - { column: found_by, target: /detectionMethod }
          - { column: hidden_in, target: /concealmentMethod }
          - { column: from, target: /route/departureCountryCode }
          - { column: to, target: /route/destinationCountryCode }
        """;

    public static async Task RunAsync(DemoNode kr, DemoNode nl, string charts, TextWriter output, CancellationToken ct)
    {
        var watch = Stopwatch.StartNew();
        var folder = Path.Combine(Path.GetDirectoryName(kr.Home)!, "kr-seizures");
        Directory.CreateDirectory(folder);
        var (csv, toNl) = Generate(TimeProvider.System.GetUtcNow());
        var file = Path.Combine(folder, "kcs-seizures.csv");
        var mapping = Path.Combine(folder, "kcs-seizures.yaml");
        await File.WriteAllTextAsync(file, csv, ct);
        await File.WriteAllTextAsync(mapping, Mapping, ct);

        var imported = JsonNode.Parse(await kr.Cli.RunAsync(ct, "seizure", "import", file, "--mapping", mapping, "--home", kr.Home, "--json"))!.AsArray();
        var pushedToNl = imported.Count(r => r!["pushed"]!.AsArray().Any(p => p!["recipient"]!.GetValue<string>() == "NL" && p["messageId"] is not null));
        Check(pushedToNl == toNl, $"the subscription pushed {pushedToNl} seizures to NL, not the {toNl} whose route ends there");

        using var client = nl.Liaison();
        JsonElement received = default;
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < TimeSpan.FromSeconds(30))
        {
            // Only this step's seizures (step 7's report reached NL too).
            received = JsonSerializer.SerializeToElement((await client.GetFromJsonAsync<JsonElement>("/api/seizures?origin=KR&limit=10000", ct)).EnumerateArray()
                .Where(s => s.GetProperty("facts").GetProperty("id").GetString()!.StartsWith("KCS-S-", StringComparison.Ordinal)).ToArray());
            if (received.GetArrayLength() >= toNl) break;
            await Task.Delay(100, ct);
        }
        Check(received.GetArrayLength() == toNl, $"NL holds {received.GetArrayLength()} of KR's seizures, not {toNl}");
        var sample = received.EnumerateArray().Select(s => s.GetProperty("facts")).First(f => f.GetProperty("category").GetString() == "drugs");
        Check(sample.TryGetProperty("unit", out var unit) && unit.GetString() == "KGM" && sample.TryGetProperty("concealment", out _) && sample.TryGetProperty("departure", out _),
            $"NL's copy lost its structure: {sample.GetRawText()}");

        var plot = Path.Combine(charts, "kr-seizure-trend.png");
        var trend = JsonNode.Parse(await kr.Cli.RunAsync(ct, "analytics", "trends", "--by", "route", "--plot", plot, "--home", kr.Home, "--json"))!;
        var spikes = trend["trend"]!["flags"]!.AsArray().Where(f => f!["kind"]!.GetValue<string>() == "spike").ToList();
        Check(spikes.Any(f => f!["series"]!.GetValue<string>() == "EC→NL"), $"the planted EC→NL spike was not flagged: {trend["trend"]!["flags"]!.ToJsonString()}");
        Check(new FileInfo(plot).Length > 5_000, $"the plot {plot} is empty");
        var spike = spikes.First(f => f!["series"]!.GetValue<string>() == "EC→NL")!;
        output.WriteLine($"11b. Intelligence: KR imports {imported.Count} seizures from its national database (`entente seizure import`, a CSV and a mapping; CEN structure: " +
            $"commodity, quantity and unit, detection, concealment, route); {DemoAgreements.Multilateral} pushes each to the partners its route involves: NL received " +
            $"{toNl}, structured ({sample.GetProperty("category").GetString()}/{sample.GetProperty("detail").GetString()}, {sample.GetProperty("quantity").GetDouble().ToString(CultureInfo.InvariantCulture)} KGM, " +
            $"{sample.GetProperty("concealment").GetString()}, {sample.GetProperty("departure").GetString()}→{sample.GetProperty("destination").GetString()}), in {S(watch)}.");
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"     `entente analytics trends --by route` flags EC→NL in {spike["month"]}: {spike["count"]} seizures against a baseline of {spike["baseline"]!.GetValue<double>():0.00}/month, " +
            $"p = {spike["pValue"]!.GetValue<double>():0.#####} (one-sided Poisson test); the plot: {plot}"));
    }

    /// <summary>Eight months of KR's seizures: cocaine EC→NL about twice a month and ten in the last month (the planted spike), tobacco to DE, counterfeits to KR.</summary>
    private static (string Csv, int ToNl) Generate(DateTimeOffset now)
    {
        var csv = new StringBuilder("case_no,seized,goods,drug,qty,unit,port,found_by,hidden_in,from,to\n");
        var random = new Random(17);
        var first = new DateTime(now.Year, now.Month, 1, 0, 0, 0, DateTimeKind.Utc).AddMonths(-7);
        var n = 0;
        var toNl = 0;
        for (var m = 0; m < 8; m++)
        {
            var month = first.AddMonths(m);
            var cocaine = m == 7 ? 10 : 1 + (m % 2);
            for (var i = 0; i < cocaine; i++, toNl++)
                csv.Append(CultureInfo.InvariantCulture, $"KCS-S-{++n:0000},{month.AddDays(1 + i):yyyy-MM-dd}T06:00:00Z,NARC,cocaine,{20 + random.Next(60)},KGM,KRPUS,scanner,reefer-unit,EC,NL\n");
            csv.Append(CultureInfo.InvariantCulture, $"KCS-S-{++n:0000},{month.AddDays(12):yyyy-MM-dd}T06:00:00Z,TOB,,{200000 + random.Next(400000)},NAR,KRINC,risk-profile,in-goods,CN,DE\n");
            csv.Append(CultureInfo.InvariantCulture, $"KCS-S-{++n:0000},{month.AddDays(20):yyyy-MM-dd}T06:00:00Z,IPR,,{500 + random.Next(2000)},NAR,KRPUS,dog,false-declaration,CN,KR\n");
        }
        return (csv.ToString(), toNl);
    }

    private static void Check(bool holds, string problem)
    {
        if (!holds) throw new DemoFailure(problem);
    }

    private static string S(Stopwatch watch) => $"{watch.Elapsed.TotalSeconds.ToString("N1", CultureInfo.InvariantCulture)} s";
}
