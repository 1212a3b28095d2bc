using System.Globalization;
using Entente.Screening.Matching;
using Entente.Screening.Matching.Benchmark;

namespace Entente.Bench;

/// <summary>
/// Matching quality on the shipped name-variant benchmark (NameVariantBenchmark): precision and recall per segment
/// and threshold, optionally with generated filler subjects in the watch list (so candidates compete as at scale),
/// and the cases missed or wrongly hit at the default thresholds (--errors).
/// </summary>
internal static class MatchQualityBenchmark
{
    public static int Run(string[] args)
    {
        var filler = 0;
        var errors = false;
        var strict = false;
        var company = false;
        string? probe = null;
        for (var i = 0; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "--filler": filler = int.Parse(args[++i], CultureInfo.InvariantCulture); break;
                case "--errors": errors = true; break;
                case "--strict": strict = true; break;
                case "--probe": probe = args[++i]; break;
                case "--company": company = true; break;
                default:
                    Console.Error.WriteLine($"entente bench match-quality: unknown option {args[i]}");
                    return 2;
            }
        }
        var thresholds = MatchingThresholds.Default;
        var generated = ScreeningData.Subjects(filler, seed: 7).ToList();
        var homonyms = generated.RemoveAll(NameVariantBenchmark.IsHomonym);
        // Near-homonyms (one letter from a labelled name) are ambiguous targets of a typo: left out unless --strict.
        var nearHomonyms = strict ? 0 : generated.RemoveAll(NameVariantBenchmark.IsNearHomonym);
        var watched = NameVariantBenchmark.Watched().Concat(NameVariantBenchmark.HeldOutWatched()).Concat(generated).ToList();
        var list = WatchList.Build(watched, thresholds);
        var cases = NameVariantBenchmark.Cases().Concat(NameVariantBenchmark.HeldOutCases()).ToList();
        if (probe is not null)
        {
            foreach (var line in list.DescribeBlocking(probe, company)) Console.WriteLine("# " + line);
            foreach (var m in list.Screen(company ? Subject.Company(null, [probe]) : Subject.Person(null, [probe]), 0.5).Take(20)) Console.WriteLine(m);
            return 0;
        }
        Console.WriteLine($"# entente bench match-quality{(filler > 0 ? $" --filler {filler}" : "")}{(strict ? " --strict" : "")} on {Environment.ProcessorCount} cores, .NET {Environment.Version}");
        Console.WriteLine($"# {watched.Count} watched subjects ({generated.Count} generated filler; {homonyms} generated subjects left out as homonyms of a labelled name, {(strict ? "near-homonyms kept (--strict)" : $"{nearHomonyms} as near-homonyms one letter from one")}), {cases.Count} labelled probes ({NameVariantBenchmark.HeldOutCases().Count} of them held out: persons never used to tune the rules); default thresholds person {thresholds.Person}, company {thresholds.Company}");
        double[] steps = [0.70, 0.75, 0.80, 0.82, 0.84, 0.85, 0.86, 0.88, 0.90, 0.92, 0.95];
        var table = NameVariantBenchmark.Evaluate(list, cases, steps);
        foreach (var segment in table.GroupBy(r => r.Segment))
        {
            var positives = segment.First().Positives;
            var negatives = cases.Count(c => c.Segment == segment.Key && c.Expected is null);
            Console.WriteLine();
            Console.WriteLine($"## {segment.Key}: {positives} variants that must hit, {negatives} look-alikes that must not");
            Console.WriteLine("| threshold | precision | recall | true hits | false hits |");
            Console.WriteLine("|---|---|---|---|---|");
            foreach (var r in segment)
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| {r.Threshold:0.00} | {r.Precision:0.000} | {r.Recall:0.000} | {r.TruePositives} | {r.FalsePositives} |"));
        }
        // Candidates per query: the watched subjects each probe is scored against once blocking has chosen them.
        var started = System.Diagnostics.Stopwatch.GetTimestamp();
        var compared = cases.Select(c => { list.Screen(c.Probe, steps[0]); return WatchList.LastCompared; }).Order().ToArray();
        var elapsed = System.Diagnostics.Stopwatch.GetElapsedTime(started);
        Console.WriteLine();
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"## candidates scored per probe (cap {WatchList.MaxCandidates} per name from common words): mean {compared.Average():0.0}, p50 {compared[compared.Length / 2]}, p95 {compared[(int)(compared.Length * 0.95)]}, p99 {compared[(int)(compared.Length * 0.99)]}, max {compared[^1]}; {elapsed.TotalMilliseconds / compared.Length:0.000} ms per probe on one thread"));
        if (errors)
        {
            Console.WriteLine();
            Console.WriteLine("## errors at the default thresholds");
            foreach (var e in NameVariantBenchmark.Errors(list, cases)) Console.WriteLine(e);
        }
        return 0;
    }
}
