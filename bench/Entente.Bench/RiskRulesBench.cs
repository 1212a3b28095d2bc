using System.Diagnostics;
using System.Globalization;
using System.Text;
using Entente.Declarations;
using Entente.Risk.Rules;
using Entente.Tools.Generation;
using RulesEngine.Models;

namespace Entente.Bench;

/// <summary>
/// Rule evaluation: N generated rules of the kinds a targeting unit writes (HS prefixes with risky origins, value-per-kg
/// thresholds on the same item, traders on watch lists, value ranges, routes, partner results) over generated
/// declarations: compile time, throughput on one and two threads, latency per declaration; then the same rules,
/// translated to lambda expressions, in Microsoft RulesEngine in the same run, and the ratio.
/// </summary>
internal static class RiskRulesBench
{
    public static int Run(string[] args)
    {
        var ruleCount = 500;
        var declarations = 200_000;
        var compileRules = 1000;
        var engineDeclarations = 20_000;
        for (var i = 0; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "--rules": ruleCount = int.Parse(args[++i], CultureInfo.InvariantCulture); break;
                case "--declarations": declarations = int.Parse(args[++i], CultureInfo.InvariantCulture); break;
                case "--compile-rules": compileRules = int.Parse(args[++i], CultureInfo.InvariantCulture); break;
                case "--rulesengine-declarations": engineDeclarations = int.Parse(args[++i], CultureInfo.InvariantCulture); break;
                default:
                    Console.Error.WriteLine($"entente bench risk-rules: unknown option {args[i]}");
                    return 2;
            }
        }
        Console.WriteLine($"# entente bench risk-rules --rules {ruleCount} --declarations {declarations} --compile-rules {compileRules} --rulesengine-declarations {engineDeclarations}");
        Console.WriteLine($"# {Environment.ProcessorCount} cores, {Environment.OSVersion}, .NET {Environment.Version}");

        var distinct = Math.Min(declarations, 50_000);
        var generator = new DeclarationGenerator(seed: 11);
        var sample = new Declaration[distinct];
        var partnerResults = new PartnerIndicators?[distinct];
        for (var i = 0; i < distinct; i++)
        {
            sample[i] = generator.Next(out _);
            // One declaration in 50 comes with partner results about its consignment.
            partnerResults[i] = i % 50 == 0 ? new PartnerIndicators([new PartnerIndication("NL", i % 100 == 0 ? Lane.Red : Lane.Yellow, "consignment")]) : null;
        }
        Console.WriteLine($"declarations: {distinct:N0} generated (DeclarationGenerator, seed 11), cycled to {declarations:N0}; {sample.Average(d => d.GoodsShipment.GoodsItems.Count):0.00} items each on average");

        // Compile time of 1,000 rules (cold: first compile in the process, then warm).
        var bigText = Rules(compileRules, sample);
        var watch = Stopwatch.StartNew();
        var big = RuleSetCompiler.Compile(bigText, "bench.rules");
        var cold = watch.Elapsed;
        watch.Restart();
        RuleSetCompiler.Compile(bigText, "bench.rules");
        var warm = watch.Elapsed;
        Console.WriteLine($"compile {big.RuleCount:N0} rules ({bigText.Length / 1024:N0} KiB of text): {cold.TotalMilliseconds:N0} ms cold, {warm.TotalMilliseconds:N0} ms warm (target <= 5 s)");

        var text = Rules(ruleCount, sample);
        var set = RuleSetCompiler.Compile(text, "bench.rules");
        Console.WriteLine($"rule set: {set.RuleCount} rules, {set.IndexedRules} filed in the index by their most selective condition, {set.RuleCount - set.IndexedRules} evaluated for every declaration");

        // Warm up, then one thread, then two.
        Evaluate(set, sample, partnerResults, 0, Math.Min(distinct, 20_000), new long[Math.Min(distinct, 20_000)], out _, out _);
        var one = Measure(set, sample, partnerResults, declarations, threads: 1);
        var two = Measure(set, sample, partnerResults, declarations, threads: 2);
        Console.WriteLine();
        Console.WriteLine("engine       threads  declarations   decl/s       p50 µs   p99 µs   max µs   fired/decl  with a lane");
        Print("entente", 1, one);
        Print("entente", 2, two);

        var engine = new RulesEngineRun(set);
        var engineCount = Math.Min(engineDeclarations, declarations);
        var compileEngine = engine.Warm(sample[0]);
        var agreement = engine.Agreement(set, sample, partnerResults, Math.Min(2000, distinct));
        var reOne = engine.Measure(sample, partnerResults, engineCount, threads: 1);
        var reTwo = engine.Measure(sample, partnerResults, engineCount, threads: 2);
        Print("RulesEngine", 1, reOne);
        Print("RulesEngine", 2, reTwo);
        Console.WriteLine();
        Console.WriteLine($"RulesEngine 6.0.1: {set.RuleCount} rules compiled at first execution in {compileEngine.TotalMilliseconds:N0} ms; same fired rules as Entente on {agreement.Same:N0} of {agreement.Of:N0} declarations");
        Console.WriteLine($"ratio (Entente / RulesEngine throughput): {one.PerSecond / reOne.PerSecond:N1}x on 1 thread, {two.PerSecond / reTwo.PerSecond:N1}x on 2 threads");
        var ok = two.PerSecond >= 50_000 && two.P99 <= 5000 && cold.TotalSeconds <= 5;
        Console.WriteLine($"targets (>= 50,000 decl/s on 2 threads, p99 <= 5 ms, 1,000 rules compiled <= 5 s): {(ok ? "met" : "NOT met")}");
        return 0;
    }

    private sealed record Result(int Threads, int Count, double PerSecond, double P50, double P99, double Max, double Fired, double WithLane);

    private static void Print(string engine, int threads, Result r) =>
        Console.WriteLine($"{engine,-12} {threads,7}  {r.Count,12:N0}  {r.PerSecond,9:N0}  {r.P50,9:N1} {r.P99,8:N1} {r.Max,8:N0}   {r.Fired,9:N2}  {(double.IsNaN(r.WithLane) ? "(not computed)" : r.WithLane.ToString("P1", CultureInfo.InvariantCulture)),10}");

    private static Result Measure(RuleSet set, Declaration[] sample, PartnerIndicators?[] partners, int count, int threads)
    {
        var latencies = new long[count];
        var fired = new long[threads];
        var lanes = new long[threads];
        var per = count / threads;
        var watch = Stopwatch.StartNew();
        var workers = Enumerable.Range(0, threads).Select(t => new Thread(() =>
        {
            var from = t * per;
            var to = t == threads - 1 ? count : from + per;
            Evaluate(set, sample, partners, from, to, latencies, out fired[t], out lanes[t]);
        })).ToList();
        workers.ForEach(w => w.Start());
        workers.ForEach(w => w.Join());
        var elapsed = watch.Elapsed.TotalSeconds;
        return Summarise(threads, count, elapsed, latencies, fired.Sum(), lanes.Sum());
    }

    private static Result Summarise(int threads, int count, double elapsed, long[] latencies, long fired, long lanes)
    {
        Array.Sort(latencies);
        double Micro(long ticks) => ticks * 1_000_000.0 / Stopwatch.Frequency;
        return new Result(threads, count, count / elapsed, Micro(latencies[count / 2]), Micro(latencies[(int)(count * 0.99)]), Micro(latencies[^1]),
            (double)fired / count, (double)lanes / count);
    }

    private static void Evaluate(RuleSet set, Declaration[] sample, PartnerIndicators?[] partners, int from, int to, long[] latencies, out long fired, out long lanes)
    {
        var facts = set.NewFacts();
        fired = 0;
        lanes = 0;
        for (var i = from; i < to; i++)
        {
            var start = Stopwatch.GetTimestamp();
            facts.Fill(sample[i % sample.Length], partners[i % sample.Length]);
            var outcome = set.Evaluate(facts);
            latencies[i] = Stopwatch.GetTimestamp() - start;
            fired += outcome.Fired.Count;
            if (outcome.Lane is not null) lanes++;
        }
    }

    // ---- rule generation ----

    private static readonly string[] CommonHs = ["8517", "851712", "8471", "6109", "610910", "6403", "2402", "240220", "2204", "3004", "8703", "9401", "3926", "0808", "0901", "7108", "9503", "4202", "3002", "2710", "0306", "8507", "9018"];
    private static readonly string[] Countries = ["AE", "BY", "ID", "CN", "VN", "TR", "IN", "BD", "TH", "MY", "BR", "CO", "EC", "NG", "PK", "RU", "IR", "KP", "SY", "MM", "KH", "LA", "PA", "HK", "SG", "UA", "MD", "GE", "AM", "AZ"];

    internal static string Rules(int count, Declaration[] sample)
    {
        var random = new Random(7);
        var importers = sample.Select(d => d.FindParty(PartyRole.Importer)?.Id).OfType<string>().Distinct().ToArray();
        var declarants = sample.Select(d => d.FindParty(PartyRole.Declarant)?.Id).OfType<string>().Distinct().ToArray();
        var text = new StringBuilder("ruleset \"bench\" version 1\n");
        for (var k = 0; k < 10; k++)
        {
            text.Append(CultureInfo.InvariantCulture, $"list countries-{k} of countries = {string.Join(", ", Enumerable.Range(0, 3 + random.Next(4)).Select(_ => Countries[random.Next(Countries.Length)]).Distinct())}\n");
            text.Append(CultureInfo.InvariantCulture, $"list watched-{k} of traders = {string.Join(", ", Enumerable.Range(0, 20).Select(_ => random.Next(20) == 0 ? importers[random.Next(importers.Length)] : $"GB{random.Next(100_000_000, 999_999_999)}000"))}\n");
            text.Append(CultureInfo.InvariantCulture, $"list declarants-{k} of traders = {string.Join(", ", Enumerable.Range(0, 3).Select(_ => declarants[random.Next(declarants.Length)]))}\n");
        }
        text.Append(CultureInfo.InvariantCulture, $"list trusted of traders = {string.Join(", ", importers.Take(50))}\n");
        text.Append("list risky-routes of routes = AEJEA-NLRTM, TRIST-DEMUC, INNSA-GBFXT\n");

        string Hs()
        {
            if (random.NextDouble() < 0.2) return CommonHs[random.Next(CommonHs.Length)];
            var code = $"{random.Next(1, 98):D2}{random.Next(1, 100):D2}";
            return random.NextDouble() < 0.5 ? code : code + $"{random.Next(10, 100):D2}";
        }
        string Lane() => new[] { "red", "yellow", "blue", "" }[random.Next(4)];
        for (var i = 0; i < count; i++)
        {
            var score = 5 * random.Next(1, 21);
            var condition = (i % 50 == 49) ? (i % 100 == 99 ? "partner lane red or partner count >= 2" : $"value-per-kg > {random.Next(50_000, 90_000)}") : (i % 8) switch
            {
                0 => $"hs starts \"{Hs()}\" and origin in list countries-{random.Next(10)}",
                1 => $"same item (hs starts \"{Hs()}\" and value-per-kg < {random.Next(1, 60)})",
                2 => $"importer in list watched-{random.Next(10)}",
                3 => $"hs starts \"{Hs()}\" and value between {random.Next(1, 50) * 1000} and {random.Next(50, 100) * 1000}",
                4 => $"hs-chapter = \"{random.Next(1, 98):D2}\" and origin in (\"CN\", \"VN\", \"{Countries[random.Next(Countries.Length)]}\") and transport-mode = 4",
                5 => $"declarant in list declarants-{random.Next(10)} and hs starts \"{Hs()}\"",
                6 => $"route in list risky-routes and hs-chapter = \"{Hs()[..2]}\" and value > {random.Next(10, 200) * 1000}",
                _ => $"origin in list countries-{random.Next(10)} and hs starts \"{Hs()}\" and not importer in list trusted",
            };
            var lane = Lane();
            text.Append(CultureInfo.InvariantCulture, $"rule r{i} \"rule {i}\": if {condition} then {lane} {score}\n");
        }
        return text.ToString();
    }

    // ---- Microsoft RulesEngine, same rules ----

    private sealed class RulesEngineRun
    {
        private readonly RulesEngine.RulesEngine _engine;

        public RulesEngineRun(RuleSet set)
        {
            BenchLists.Lists.Clear();
            foreach (var rule in set.CompiledRules) Collect(rule.Declaration.When, set);
            var workflow = new Workflow
            {
                WorkflowName = "risk",
                Rules = set.CompiledRules.Select(r => new Rule
                {
                    RuleName = r.Id,
                    RuleExpressionType = RuleExpressionType.LambdaExpression,
                    Expression = Translate(r.Declaration.When, null),
                }).ToList(),
            };
            _engine = new RulesEngine.RulesEngine([workflow], new ReSettings { CustomTypes = [typeof(BenchLists)] });
        }

        private static void Collect(Condition c, RuleSet set)
        {
            switch (c)
            {
                case AllCondition a: a.Parts.ForEach(p => Collect(p, set)); break;
                case AnyCondition a: a.Parts.ForEach(p => Collect(p, set)); break;
                case NotCondition n: Collect(n.Inner, set); break;
                case SameItemCondition s: Collect(s.Inner, set); break;
                case FieldCondition { ListName: { } list } f: BenchLists.Lists[list] = new HashSet<string>(f.IndexValues!, StringComparer.Ordinal); break;
            }
        }

        public TimeSpan Warm(Declaration declaration)
        {
            var watch = Stopwatch.StartNew();
            _engine.ExecuteAllRulesAsync("risk", Input(declaration, null)).GetAwaiter().GetResult();
            return watch.Elapsed;
        }

        public List<string> Fired(Declaration d, PartnerIndicators? p) =>
            _engine.ExecuteAllRulesAsync("risk", Input(d, p)).GetAwaiter().GetResult().Where(r => r.IsSuccess).Select(r => r.Rule.RuleName).ToList();

        public (int Same, int Of) Agreement(RuleSet set, Declaration[] sample, PartnerIndicators?[] partners, int count)
        {
            var same = 0;
            for (var i = 0; i < count; i++)
            {
                var ours = set.Evaluate(sample[i], partners[i]).Fired.Select(f => f.Id).Order(StringComparer.Ordinal);
                var theirs = Fired(sample[i], partners[i]).Order(StringComparer.Ordinal);
                if (ours.SequenceEqual(theirs)) same++;
                else if (Environment.GetEnvironmentVariable("BENCH_DEBUG") is not null) Console.WriteLine($"differ: ours {string.Join(",", ours)} theirs {string.Join(",", theirs)}");
            }
            return (same, count);
        }

        public Result Measure(Declaration[] sample, PartnerIndicators?[] partners, int count, int threads)
        {
            var latencies = new long[count];
            var fired = new long[threads];
            var per = count / threads;
            var watch = Stopwatch.StartNew();
            var workers = Enumerable.Range(0, threads).Select(t => new Thread(() =>
            {
                var from = t * per;
                var to = t == threads - 1 ? count : from + per;
                for (var i = from; i < to; i++)
                {
                    var start = Stopwatch.GetTimestamp();
                    var results = _engine.ExecuteAllRulesAsync("risk", Input(sample[i % sample.Length], partners[i % sample.Length])).GetAwaiter().GetResult();
                    latencies[i] = Stopwatch.GetTimestamp() - start;
                    foreach (var r in results) if (r.IsSuccess) fired[t]++;
                }
            })).ToList();
            workers.ForEach(w => w.Start());
            workers.ForEach(w => w.Join());
            return Summarise(threads, count, watch.Elapsed.TotalSeconds, latencies, fired.Sum(), 0) with { WithLane = double.NaN };
        }

        private static ReDeclaration Input(Declaration d, PartnerIndicators? p) => new()
        {
            Importer = d.FindParty(PartyRole.Importer)?.Id,
            Declarant = d.FindParty(PartyRole.Declarant)?.Id,
            Route = d.GoodsShipment.Consignment is { LoadingLocation: { } from, UnloadingLocation: { } to } ? from + "-" + to : null,
            TransportMode = d.GoodsShipment.Consignment.ModeOfTransportAtBorder ?? double.NaN,
            PartnerRed = p?.Results.Any(r => r.Lane == Lane.Red) == true,
            PartnerCount = p?.Results.Count ?? 0,
            Items = d.GoodsShipment.GoodsItems.Select(i =>
            {
                var value = i.CustomsValue?.Value ?? i.ItemPrice?.Value;
                return new ReItem
                {
                    Hs = i.Classification?.Code,
                    HsChapter = i.Classification?.Code is { Length: >= 2 } code ? code[..2] : null,
                    Origin = i.OriginCountryCode,
                    Value = value is { } v ? (double)v : double.NaN,
                    ValuePerKg = value is { } x && i.NetMassKg is { } m && m > 0 ? (double)(x / m) : double.NaN,
                };
            }).ToArray(),
        };

        private static readonly Dictionary<string, string> Properties = new(StringComparer.Ordinal)
        {
            ["hs"] = "Hs",
            ["hs-chapter"] = "HsChapter",
            ["origin"] = "Origin",
            ["value"] = "Value",
            ["value-per-kg"] = "ValuePerKg",
            ["importer"] = "Importer",
            ["declarant"] = "Declarant",
            ["route"] = "Route",
            ["transport-mode"] = "TransportMode",
        };

        private static string Translate(Condition c, string? item) => c switch
        {
            AllCondition all => "(" + string.Join(" && ", all.Parts.Select(p => Translate(p, item))) + ")",
            AnyCondition any => "(" + string.Join(" || ", any.Parts.Select(p => Translate(p, item))) + ")",
            NotCondition not => "!(" + Translate(not.Inner, item) + ")",
            SameItemCondition same => $"input1.Items.Any(g => {Translate(same.Inner, "g")})",
            PartnerCondition { Test: PartnerTest.Lane } => "input1.PartnerRed",
            PartnerCondition p => $"input1.PartnerCount {Op(p.Compare)} {p.Count}",
            FieldCondition f when f.Field!.Level == RuleFieldLevel.Item && item is null => $"input1.Items.Any(x => {Leaf(f, "x." + Properties[f.Field.Name])})",
            FieldCondition f => Leaf(f, (f.Field!.Level == RuleFieldLevel.Item ? item : "input1") + "." + Properties[f.Field.Name]),
            _ => throw new NotSupportedException(c.GetType().Name),
        };

        private static string Op(FieldOp op) => op switch
        {
            FieldOp.Equal => "==",
            FieldOp.NotEqual => "!=",
            FieldOp.Less => "<",
            FieldOp.LessOrEqual => "<=",
            FieldOp.Greater => ">",
            _ => ">=",
        };

        private static string Leaf(FieldCondition f, string access)
        {
            var numbers = f.Field!.Type == RuleFieldType.Number;
            return f.Op switch
            {
                FieldOp.In when f.ListName is { } list => $"BenchLists.Contains(\"{list}\", {access})",
                FieldOp.In when numbers => "(" + string.Join(" || ", f.Values.Select(v => $"{access} == {v.Text}")) + ")",
                FieldOp.In => "(" + string.Join(" || ", f.IndexValues!.Select(v => $"{access} == \"{v}\"")) + ")",
                FieldOp.Starts => $"({access} != null && (" + string.Join(" || ", f.IndexValues!.Select(v => $"{access}.StartsWith(\"{v}\")")) + "))",
                FieldOp.Between => $"({access} >= {f.Values[0].Text} && {access} <= {f.Values[1].Text})",
                _ when numbers => $"{access} {Op(f.Op)} {f.Values[0].Text}",
                _ => $"{access} {Op(f.Op)} \"{f.IndexValues?[0] ?? f.Values[0].Text}\"",
            };
        }
    }
}

/// <summary>The RulesEngine input: a declaration as a plain object (lambda expressions read its properties).</summary>
public sealed class ReDeclaration
{
    public string? Importer { get; set; }
    public string? Declarant { get; set; }
    public string? Route { get; set; }
    public double TransportMode { get; set; }
    public bool PartnerRed { get; set; }
    public int PartnerCount { get; set; }
    public ReItem[] Items { get; set; } = [];
}

public sealed class ReItem
{
    public string? Hs { get; set; }
    public string? HsChapter { get; set; }
    public string? Origin { get; set; }
    public double Value { get; set; }
    public double ValuePerKg { get; set; }
}

/// <summary>Named lists for RulesEngine expressions (a custom type its expressions may call).</summary>
public static class BenchLists
{
    public static Dictionary<string, HashSet<string>> Lists { get; } = new(StringComparer.Ordinal);

    public static bool Contains(string list, string? value) => value is not null && Lists[list].Contains(value);
}
