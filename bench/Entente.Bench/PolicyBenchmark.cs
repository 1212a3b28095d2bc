using System.Diagnostics;
using System.Globalization;
using System.Text;
using Entente.Agreements;

namespace Entente.Bench;

/// <summary>
/// Policy decisions: latency of PolicyEngine.Decide with N agreements in force (parsed from YAML like real ones:
/// 5 categories, 12 disclosed fields and 4 transforms per rule, 2 deny rules each), for requests of 6 fields.
/// Two shapes: bilateral (NL with N partners; one agreement concerns each request) and overlapping (N multilateral
/// agreements that all bind NL and KR, so every request evaluates all of them).
/// </summary>
internal static class PolicyBenchmark
{
    private static readonly string[] Fields =
    [
        "/goodsShipment/goodsItems/*/classification/code", "/goodsShipment/goodsItems/*/originCountryCode", "/goodsShipment/goodsItems/*/customsValue",
        "/goodsShipment/goodsItems/*/netMassKg", "/goodsShipment/exportCountryCode", "/goodsShipment/consignment/containers/*/id", "/mrn", "/lrn",
        "/goodsShipment/destinationCountryCode", "/goodsShipment/consignment/modeOfTransportAtBorder", "/goodsShipment/goodsItems/*/description", "/totalGrossMassKg",
    ];

    public static int Run(string[] args)
    {
        var count = 50;
        var decisions = 200_000;
        for (var i = 0; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "--agreements": count = int.Parse(args[++i], CultureInfo.InvariantCulture); break;
                case "--decisions": decisions = int.Parse(args[++i], CultureInfo.InvariantCulture); break;
                default:
                    Console.Error.WriteLine($"entente bench policy: unknown option {args[i]}");
                    return 2;
            }
        }
        Console.WriteLine($"# entente bench policy --agreements {count} --decisions {decisions} on {Environment.ProcessorCount} cores, {Environment.OSVersion}, .NET {Environment.Version}");
        Console.WriteLine("shape        agreements  permits   median µs   p90 µs   p99 µs   max µs   decisions/s");
        Measure("bilateral", Agreements(count, overlapping: false), count, decisions, overlapping: false);
        Measure("overlapping", Agreements(count, overlapping: true), count, decisions, overlapping: true);
        return 0;
    }

    private static string Partner(int i) => $"{(char)('A' + (i / 26 % 26))}{(char)('A' + (i % 26))}";

    private static List<Agreement> Agreements(int count, bool overlapping)
    {
        var list = new List<Agreement>();
        for (var i = 0; i < count; i++)
        {
            var partner = overlapping ? "KR" : Partner(i);
            var text = new StringBuilder();
            text.Append(CultureInfo.InvariantCulture, $"agreement: bench-{i}\nversion: 1\nkind: multilateral\nparties:\n");
            text.Append(CultureInfo.InvariantCulture, $"  - {{code: NL, name: NL, fingerprint: sha256:{new string('a', 64)}}}\n");
            text.Append(CultureInfo.InvariantCulture, $"  - {{code: {partner}, name: {partner}, fingerprint: sha256:{new string('b', 64)}}}\n");
            if (overlapping) text.Append(CultureInfo.InvariantCulture, $"  - {{code: {Partner(i)}, name: x, fingerprint: sha256:{new string('c', 64)}}}\n");
            text.Append("legal-basis: [bench]\nvalidity: {from: 2026-01-01, until: 2030-12-31}\ncategories:\n");
            foreach (var category in new[] { "declarations", "goods-items", "seizure-reports", "risk-results", "personal-party-data" })
            {
                text.Append(CultureInfo.InvariantCulture, $"  {category}:\n    purposes: [risk-management, investigation{(i % 3 == 0 ? ", statistics" : "")}]\n    disclose:\n");
                foreach (var f in Fields) text.Append(CultureInfo.InvariantCulture, $"      - {f}\n");
                text.Append("    transform:\n      /acceptanceDateTime: generalise-to-month\n      /parties/*/name: pseudonymise\n      /parties/*/id: mask\n      /parties/*/address: drop\n");
                text.Append(CultureInfo.InvariantCulture, $"    other-fields: {(i % 2 == 0 ? "drop" : "refuse")}\n    handling-code: H{i % 4}\n    evaluation: B2\n    onward-transfer: with-consent\n    retention: {{period: P{1 + (i % 5)}Y, then: erase}}\n");
            }
            text.Append("deny:\n  - {purposes: [prosecution], categories: [personal-party-data]}\n  - {fields: [/parties/*/address/line], purposes: [statistics]}\n");
            list.Add(AgreementDocument.Parse(text.ToString(), $"bench-{i}.yaml"));
        }
        return list;
    }

    private static void Measure(string shape, List<Agreement> agreements, int count, int decisions, bool overlapping)
    {
        var random = new Random(42);
        var purposes = new[] { Purpose.RiskManagement, Purpose.Investigation, Purpose.Statistics, Purpose.Prosecution };
        var categories = new[] { DataCategory.Declarations, DataCategory.GoodsItems, DataCategory.PersonalPartyData, DataCategory.RiskResults };
        var at = new DateTimeOffset(2027, 3, 1, 12, 0, 0, TimeSpan.Zero);
        var requests = new AccessRequest[4096];
        for (var i = 0; i < requests.Length; i++)
        {
            var partner = overlapping ? "KR" : Partner(random.Next(count));
            var fields = Fields.OrderBy(_ => random.Next()).Take(5).Append(random.Next(2) == 0 ? "/parties/*/name" : "/goodsShipment/transactionNatureCode").ToArray();
            requests[i] = new AccessRequest("NL", new Requester(partner), partner, categories[random.Next(categories.Length)], purposes[random.Next(purposes.Length)], fields, at);
        }
        for (var i = 0; i < 50_000; i++) PolicyEngine.Decide(agreements, requests[i % requests.Length]);

        var ticks = new long[decisions];
        var permits = 0;
        var total = Stopwatch.StartNew();
        for (var i = 0; i < decisions; i++)
        {
            var start = Stopwatch.GetTimestamp();
            var decision = PolicyEngine.Decide(agreements, requests[i % requests.Length]);
            ticks[i] = Stopwatch.GetTimestamp() - start;
            if (decision.IsPermit) permits++;
        }
        total.Stop();
        Array.Sort(ticks);
        double Micros(long t) => t * 1_000_000.0 / Stopwatch.Frequency;
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{shape,-12} {count,10} {100.0 * permits / decisions,7:F0} %  {Micros(ticks[decisions / 2]),9:F2}  {Micros(ticks[decisions * 9 / 10]),7:F2}  {Micros(ticks[decisions * 99 / 100]),7:F2}  {Micros(ticks[^1]),7:F0}  {decisions / total.Elapsed.TotalSeconds,12:N0}"));
    }
}
