using System.Diagnostics;
using System.Globalization;
using Entente.Screening.Matching;

namespace Entente.Bench;

/// <summary>
/// Screening at scale: a watch list of N generated subjects (default 1,000,000) built in memory (time, managed
/// heap, peak working set), whole declarations screened per second on T threads (parties, transport, containers,
/// goods lines, a document), and ad-hoc name checks one at a time (p50/p95/p99).
/// </summary>
internal static class ScreeningBenchmark
{
    public static int Run(string[] args)
    {
        var subjects = 1_000_000;
        var declarations = 20_000;
        var queries = 2_000;
        var threads = Environment.ProcessorCount;
        for (var i = 0; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "--subjects": subjects = int.Parse(args[++i], CultureInfo.InvariantCulture); break;
                case "--declarations": declarations = int.Parse(args[++i], CultureInfo.InvariantCulture); break;
                case "--queries": queries = int.Parse(args[++i], CultureInfo.InvariantCulture); break;
                case "--threads": threads = int.Parse(args[++i], CultureInfo.InvariantCulture); break;
                default:
                    Console.Error.WriteLine($"entente bench screening: unknown option {args[i]}");
                    return 2;
            }
        }
        const int Seed = 7;
        Console.WriteLine($"# entente bench screening --subjects {subjects} --declarations {declarations} --queries {queries} --threads {threads} on {Environment.ProcessorCount} cores, {Environment.OSVersion}, .NET {Environment.Version}");
        var generated = ScreeningData.Subjects(subjects, Seed).ToList();
        GC.Collect();
        var before = GC.GetTotalMemory(forceFullCollection: true);
        var clock = Stopwatch.StartNew();
        var list = WatchList.Build(generated, MatchingThresholds.Default);
        var build = clock.Elapsed;
        generated = null;
        var heap = GC.GetTotalMemory(forceFullCollection: true) - before;
        using var process = Process.GetCurrentProcess();
        process.Refresh();
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"index: {list.Count:N0} subjects built in {build.TotalSeconds:0.0} s; managed heap of the index {heap / 1048576.0:N0} MiB (its subjects included); process peak working set {process.PeakWorkingSet64 / 1048576.0:N0} MiB"));

        var r = new Random(Seed + 1);
        var decls = Enumerable.Range(0, declarations).Select(n => ScreeningData.Declaration(r, Seed, n)).ToList();
        foreach (var d in decls.Take(500)) list.Screen(d);
        long hits = 0;
        process.Refresh();
        var cpuBefore = process.TotalProcessorTime;
        clock.Restart();
        Parallel.ForEach(decls, new ParallelOptions { MaxDegreeOfParallelism = threads }, d => Interlocked.Add(ref hits, list.Screen(d).Count));
        var elapsed = clock.Elapsed;
        process.Refresh();
        var cpu = process.TotalProcessorTime - cpuBefore;
        var subjectsPerDeclaration = decls[0].Subjects.Count;
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"declarations: {declarations:N0} of {subjectsPerDeclaration} subjects each screened in {elapsed.TotalSeconds:0.00} s on {threads} threads: {declarations / elapsed.TotalSeconds:N0} declarations/s ({hits:N0} hits); CPU {cpu.TotalMilliseconds * 1000 / declarations:0} µs per declaration"));

        var names = Enumerable.Range(0, queries).Select(_ => Subject.Person(null, [ScreeningData.PersonName(r, Seed)], r.Next(2) == 0 ? new PartialDate(1940 + r.Next(65), 1 + r.Next(12), 1 + r.Next(28)) : null)).ToList();
        foreach (var q in names.Take(200)) list.Screen(q, 0.7);
        var latencies = new double[queries];
        long found = 0;
        for (var i = 0; i < queries; i++)
        {
            var t = Stopwatch.GetTimestamp();
            found += list.Screen(names[i], 0.7).Count;
            latencies[i] = Stopwatch.GetElapsedTime(t).TotalMilliseconds;
        }
        Array.Sort(latencies);
        double P(double q) => latencies[Math.Min(latencies.Length - 1, (int)(q * latencies.Length))];
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"ad-hoc name checks (one at a time, matches from 0.70 returned: {found:N0}): p50 {P(0.50):0.000} ms, p95 {P(0.95):0.000} ms, p99 {P(0.99):0.000} ms, max {latencies[^1]:0.000} ms"));
        process.Refresh();
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"process peak working set at the end {process.PeakWorkingSet64 / 1048576.0:N0} MiB"));
        GC.KeepAlive(list);
        return 0;
    }
}
