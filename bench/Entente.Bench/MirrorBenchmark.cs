using System.Diagnostics;
using System.Globalization;
using Entente.Declarations;
using Entente.Intelligence.Mirror;

namespace Entente.Bench;

/// <summary>
/// Mirror matching (docs/mirror.md): N partner exports against N imports (default 1,000,000 each), generated with a
/// designated match key per consignment (a quarter each: export MRN cited, UCR, transport document, container), 10 %
/// imports with no export (some reusing a container outside the date window), containers reused over the year, and
/// planted discrepancies (5 % undervalued). Reports pairs per second, and precision and recall per match key and of
/// the planted undervaluation.
/// </summary>
internal static class MirrorBenchmark
{
    public static int Run(string[] args)
    {
        var n = NetworkBenchmark.Option(args, "--pairs", 1_000_000);
        Console.WriteLine($"# entente bench mirror on {Environment.ProcessorCount} cores ({NetworkBenchmark.CpuModel()}), {Environment.OSVersion}, .NET {Environment.Version}");
        var random = new Random(29);
        var start = new DateTimeOffset(2025, 1, 1, 0, 0, 0, TimeSpan.Zero);
        var exports = new MirrorConsignment[n];
        var imports = new MirrorConsignment[n];
        var truth = new int[n];
        var designated = new MatchKey[n];
        var planted = new bool[n];
        var containers = Math.Max(1, n / 3);
        for (var i = 0; i < n; i++)
        {
            var key = (MatchKey)(i % 4);
            var date = start.AddDays(random.Next(365)).AddHours(random.Next(24));
            var value = 1_000m + random.Next(100_000);
            var mass = 100m + random.Next(20_000);
            var hs = "8517" + random.Next(10, 99).ToString(CultureInfo.InvariantCulture);
            // Containers are reused: the same one carries about three consignments a year, far apart in time.
            var box = "MSCU" + (key == MatchKey.Container ? (i / 4 % containers) : random.Next(containers)).ToString("D7", CultureInfo.InvariantCulture);
            exports[i] = new MirrorConsignment
            {
                Id = "e" + i,
                Mrn = key == MatchKey.ExportMrn ? $"25KR{i:D12}EX" : null,
                Ucr = key == MatchKey.Ucr ? $"5KR{i:D12}" : null,
                Date = date,
                TransportDocuments = key == MatchKey.TransportDocument ? [$"HDMU{i:D10}"] : [],
                Containers = [box],
                Value = value,
                Currency = "USD",
                GrossMassKg = mass,
                Packages = 10,
                Hs6 = [hs],
                Origins = ["KR"],
            };
            var imported = i % 10 == 9;
            planted[i] = !imported && random.Next(100) < 5;
            truth[i] = imported ? -1 : i;
            designated[i] = key;
            imports[i] = new MirrorConsignment
            {
                Id = "i" + i,
                CitedMrns = key == MatchKey.ExportMrn && !imported ? [$"25KR{i:D12}EX"] : [],
                Ucr = key == MatchKey.Ucr && !imported ? $"5KR{i:D12}" : null,
                // An import without export that reuses a container is dated outside any window of that container's exports.
                Date = imported ? start.AddDays(-200) : date.AddDays(random.Next(5, 40)),
                TransportDocuments = key == MatchKey.TransportDocument && !imported ? [$"HDMU{i:D10}"] : [],
                Containers = key == MatchKey.Container || imported ? [box] : [],
                Value = planted[i] ? value / 4 : value * 1.08m,
                Currency = "USD",
                GrossMassKg = mass,
                Packages = 10,
                Hs6 = [hs],
                Origins = ["KR"],
            };
        }
        // Shuffle the imports so neither side is in the other's order.
        var order = Enumerable.Range(0, n).ToArray();
        random.Shuffle(order);
        var shuffled = order.Select(o => imports[o]).ToArray();

        var tolerances = new MirrorTolerances { WindowDays = 60 };
        var clock = Stopwatch.StartNew();
        var pairs = MirrorMatcher.Match(exports, shuffled, tolerances);
        var matched = clock.Elapsed.TotalSeconds;
        var flagged = new bool[n];
        foreach (var pair in pairs)
        {
            var found = MirrorMatcher.Compare(exports[pair.Export], shuffled[pair.Import], tolerances);
            if (found.Any(f => f.Code == FindingCodes.MirrorUndervaluation)) flagged[order[pair.Import]] = true;
        }
        var compared = clock.Elapsed.TotalSeconds;
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{n:N0} exports × {n:N0} imports: {pairs.Count:N0} pairs in {matched:F2} s = {n / matched:N0} imports matched/s (target ≥ 100,000/s); with the comparison {n / compared:N0}/s"));

        foreach (var key in Enum.GetValues<MatchKey>())
        {
            var made = pairs.Where(p => p.Key == key).ToList();
            var correct = made.Count(p => truth[order[p.Import]] == p.Export);
            var expected = Enumerable.Range(0, n).Count(i => designated[i] == key && truth[i] >= 0);
            var found = pairs.Count(p => truth[order[p.Import]] == p.Export && designated[p.Export] == key);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"  {MirrorChecks.KeyName(key),-20} pairs {made.Count,9:N0}  precision {(made.Count == 0 ? 0 : correct / (double)made.Count):F4}  recall {found / (double)Math.Max(1, expected):F4}"));
        }
        var flaggedCount = flagged.Count(f => f);
        var truePositives = Enumerable.Range(0, n).Count(i => flagged[i] && planted[i]);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"  planted undervaluation: {planted.Count(p => p):N0} planted, {flaggedCount:N0} flagged, precision {truePositives / (double)Math.Max(1, flaggedCount):F4}, recall {truePositives / (double)Math.Max(1, planted.Count(p => p)):F4}"));
        return 0;
    }
}
