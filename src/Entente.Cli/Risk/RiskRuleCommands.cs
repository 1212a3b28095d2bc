using System.CommandLine;
using System.Globalization;
using Entente.Ledger;
using Entente.Risk.Rules;

namespace Entente.Cli.Risk;

/// <summary>`entente risk rules validate|test|activate|list|show`: rule sets (docs/risk.md "## Rules").</summary>
internal static class RiskRuleCommands
{
    public static Command Create()
    {
        var rules = new Command("rules", "Write, test and put into service rule sets (docs/risk.md)");
        rules.Add(Validate());
        rules.Add(Test());
        rules.Add(Activate());
        rules.Add(List());
        rules.Add(Show());
        return rules;
    }

    private static RuleSet Load(string path)
    {
        if (!File.Exists(path) && !Directory.Exists(path)) throw new CliException($"{path}: no such file or folder");
        try
        {
            return RuleSetFile.Load(path);
        }
        catch (RuleSetException e)
        {
            throw CliException.Refused($"{path}: refused{Environment.NewLine}{e.Message}");
        }
    }

    private static object Json(RuleSet set) => new
    {
        name = set.Name,
        version = set.Version,
        rules = set.RuleCount,
        indexed = set.IndexedRules,
        lists = set.Lists.Count,
        tests = set.Tests.Count,
        digest = set.Digest,
    };

    private static object Json(IReadOnlyList<RuleSetTestResult> results) => new
    {
        passed = results.Count(r => r.Passed),
        failed = results.Count(r => !r.Passed),
        tests = results.Select(r => new
        {
            name = r.Case.Name,
            where = r.Case.Where,
            passed = r.Passed,
            lane = r.Outcome.Lane is { } l ? LaneNames.Name(l) : null,
            score = r.Outcome.Score,
            fired = r.Outcome.Fired.Select(f => new { id = f.Id, reason = f.Reason }),
            missing = r.Outcome.Missing,
            problems = r.Problems,
        }),
    };

    private static Command Validate()
    {
        var file = new Argument<string>("FILE") { Description = "A .rules file, or a folder of them with their lists and test declarations" };
        var json = CommonOptions.Json();
        var command = new Command("validate", "Parse a rule set and resolve its fields and lists; print every problem with file, line and column (exit 1 when there is one)") { file, json };
        command.SetAction(parse =>
        {
            var path = parse.GetValue(file)!;
            var set = Load(path);
            if (parse.GetValue(json))
            {
                CliOutput.WriteJson(parse, Json(set));
                return 0;
            }
            parse.InvocationConfiguration.Output.WriteLine(
                $"{path}: rule set {set.Name} version {set.Version}: {set.RuleCount} rules ({set.IndexedRules} indexed), {set.Lists.Count} lists, {set.Tests.Count} test cases; {set.Digest}");
            return 0;
        });
        return command;
    }

    private static Command Test()
    {
        var file = new Argument<string>("FILE") { Description = "A .rules file or folder" };
        var json = CommonOptions.Json();
        var command = new Command("test", "Run a rule set's own test cases and show each (exit 1 when one fails)") { file, json };
        command.SetAction(parse =>
        {
            var set = Load(parse.GetValue(file)!);
            var results = RuleSetFile.RunTests(set);
            if (parse.GetValue(json)) CliOutput.WriteJson(parse, Json(results));
            else Print(parse.InvocationConfiguration.Output, results);
            return results.All(r => r.Passed) ? 0 : 1;
        });
        return command;
    }

    private static void Print(TextWriter output, IReadOnlyList<RuleSetTestResult> results)
    {
        foreach (var r in results)
        {
            var lane = r.Outcome.Lane is { } l ? LaneNames.Name(l) : "none";
            output.WriteLine($"{(r.Passed ? "PASS" : "FAIL")} {r.Case.Name} ({r.Case.Where}): lane {lane}, score {r.Outcome.Score.ToString(CultureInfo.InvariantCulture)}, fired {(r.Outcome.Fired.Count == 0 ? "none" : string.Join(", ", r.Outcome.Fired.Select(f => f.Id)))}");
            foreach (var p in r.Problems) output.WriteLine($"     {p}");
            foreach (var f in r.Outcome.Fired) output.WriteLine($"     {f.Id}: {f.Reason}");
            foreach (var m in r.Outcome.Missing) output.WriteLine($"     missing: {m}");
        }
        output.WriteLine($"{results.Count(r => r.Passed)} passed, {results.Count(r => !r.Passed)} failed");
    }

    private static Command Activate()
    {
        var file = new Argument<string>("FILE") { Description = "A .rules file or folder" };
        var command = new NodeCommand("activate", "Validate, test, sign and store a rule set, record it in the ledger and put it into service") { file };
        command.SetNodeAction(async (parse, services, ct) =>
        {
            var node = services.Node;
            var path = parse.GetValue(file)!;
            var ledger = services.Get<LedgerStore>();
            RuleSetActivation activation;
            try
            {
                activation = await RuleSetStore.ActivateAsync(node.Home, path, ledger, new LedgerActor(Environment.UserName, node.Code), ct);
            }
            catch (RuleSetException e)
            {
                throw CliException.Refused($"{path}: refused, nothing changed{Environment.NewLine}{e.Message}");
            }
            catch (RuleSetTestsFailedException e)
            {
                if (!command.Json(parse)) Print(parse.InvocationConfiguration.Output, e.Results);
                throw CliException.Refused($"{path}: refused, nothing changed: its test cases must pass{Environment.NewLine}{e.Message}");
            }
            catch (InvalidOperationException e)
            {
                throw CliException.Refused(e.Message);
            }
            var set = activation.Set;
            if (command.Json(parse))
            {
                CliOutput.WriteJson(parse, new { ruleSet = Json(set), folder = activation.Folder, ledgerEntry = activation.LedgerIndex, inService = true });
                return 0;
            }
            var o = parse.InvocationConfiguration.Output;
            o.WriteLine($"{set.Tests.Count} test cases passed");
            o.WriteLine($"Rule set {set.Name} version {set.Version} ({set.RuleCount} rules, {set.Digest}) signed, stored in {activation.Folder}");
            o.WriteLine($"Recorded in the ledger: entry {activation.LedgerIndex}; version {set.Version} is in service");
            return 0;
        });
        return command;
    }

    private static Command List()
    {
        var command = new NodeCommand("list", "The rule set versions this node stores, and the one in service");
        command.SetNodeAction((parse, services, _) =>
        {
            var node = services.Node;
            var o = parse.InvocationConfiguration.Output;
            var stored = RuleSetStore.List(node.Home);
            if (command.Json(parse))
            {
                CliOutput.WriteJson(parse, stored.Select(s => new { version = s.Version, name = s.Name, rules = s.Rules, tests = s.Tests, activatedAt = s.ActivatedAt, digest = s.Digest, inService = s.InService }));
                return Task.FromResult(0);
            }
            if (stored.Count == 0) o.WriteLine("No rule set activated yet: entente risk rules activate --home DIR FILE");
            foreach (var s in stored)
                o.WriteLine($"{(s.InService ? "*" : " ")} {s.Version,-10} {s.Name,-24} {s.Rules,5} rules {s.Tests,4} tests  {s.ActivatedAt:yyyy-MM-dd HH:mm}  {s.Digest}{(s.InService ? "  (in service)" : "")}");
            return Task.FromResult(0);
        });
        return command;
    }

    private static Command Show()
    {
        var version = new Option<string?>("--version") { Description = "The version to show (default: the one in service)" };
        var command = new NodeCommand("show", "Print a stored rule set (signature verified): its rules, lists and tests") { version };
        command.SetNodeAction((parse, services, _) =>
        {
            var node = services.Node;
            var wanted = parse.GetValue(version) ?? RuleSetStore.InServiceVersion(node.Home)
                ?? throw CliException.Refused("no rule set is in service; activate one or name --version");
            RuleSet set;
            try
            {
                set = RuleSetStore.Load(node.Home, wanted);
            }
            catch (Exception e) when (e is InvalidDataException or FileNotFoundException)
            {
                throw CliException.Refused(e.Message);
            }
            if (command.Json(parse))
            {
                CliOutput.WriteJson(parse, new
                {
                    name = set.Name,
                    version = set.Version,
                    digest = set.Digest,
                    inService = wanted == RuleSetStore.InServiceVersion(node.Home),
                    signatureVerified = true,
                    lists = set.Lists.Select(l => new { name = l.Name, domain = l.Domain.ToString().ToLowerInvariant(), entries = l.Count }),
                    rules = set.Rules.Select(r => new { id = r.Id, name = r.Name, condition = r.Condition.ToString(), lane = r.Lane is { } l ? LaneNames.Name(l) : null, score = r.Score, where = r.Where }),
                    tests = set.Tests.Select(t => new { name = t.Name, where = t.Where }),
                });
                return Task.FromResult(0);
            }
            var o = parse.InvocationConfiguration.Output;
            o.WriteLine($"Rule set {set.Name} version {set.Version}{(wanted == RuleSetStore.InServiceVersion(node.Home) ? " (in service)" : "")}, signature verified");
            o.WriteLine($"Digest: {set.Digest}");
            foreach (var (name, domain, count) in set.Lists) o.WriteLine($"List:   {name} ({domain.ToString().ToLowerInvariant()}, {count} entries)");
            foreach (var r in set.Rules)
                o.WriteLine($"Rule:   {r.Id} \"{r.Name}\": if {r.Condition} then {(r.Lane is { } l ? LaneNames.Name(l) + " " : "")}{r.Score.ToString(CultureInfo.InvariantCulture)}  ({r.Where})");
            foreach (var t in set.Tests) o.WriteLine($"Test:   {t.Name} ({t.Where})");
            return Task.FromResult(0);
        });
        return command;
    }
}
