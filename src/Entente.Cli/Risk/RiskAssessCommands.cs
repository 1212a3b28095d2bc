using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using Entente.Declarations;
using Entente.Hosting;
using Entente.Ingest;
using Entente.Ingest.Csv;
using Entente.Risk.Assessment;
using Entente.Storage;
using nietras.SeparatedValues;

namespace Entente.Cli.Risk;

/// <summary>`entente risk assess|outcomes import|report|lanes`: the assessment, the closed loop and the lane policy (docs/risk.md).</summary>
internal static class RiskAssessCommands
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        WriteIndented = true,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.KebabCaseLower) },
    };

    public static void AddTo(Command risk)
    {
        risk.Add(Assess());
        risk.Add(Outcomes());
        risk.Add(Report());
        risk.Add(Lanes());
    }


    private static Command Assess()
    {
        var references = new Argument<string[]>("REFERENCE") { Description = "Declarations to assess: node id, MRN or LRN", Arity = ArgumentArity.ZeroOrMore };
        var pending = new Option<bool>("--pending") { Description = "Assess every stored declaration that has no assessment yet" };
        var file = new Option<string?>("--file") { Description = "Assess the declarations of a file without storing them (what-if)" };
        var format = new Option<string>("--format") { Description = "Format of --file: auto, wco-xml, edifact, json or csv", DefaultValueFactory = _ => "auto" };
        var mapping = new Option<string?>("--mapping") { Description = "Column mapping (YAML) for a CSV --file" };
        var command = new NodeCommand("assess", "Score declarations with the rule set and model in service; each result says why (saved, except for --file)", json: true)
        {
            references, pending, file, format, mapping,
        };
        var json = command.JsonOption;
        command.SetNodeAction(async (parse, services, ct) =>
        {
            var node = services.Node;
            var store = services.Get<IDeclarationStore>();
            var desk = services.Get<RiskDesk>();
            var output = parse.InvocationConfiguration.Output;
            var results = new List<(string Label, RiskAssessment Assessment)>();
            var notFound = new List<string>();
            long pendingDone = 0;
            try
            {
                var targeting = desk.InService();
                if (!targeting.Active && !parse.GetValue(json))
                    parse.InvocationConfiguration.Error.WriteLine("No rule set and no model are in service: only the random selection applies (risk rules activate, risk train)");
                foreach (var reference in parse.GetValue(references) ?? [])
                {
                    if (await store.FindAsync(reference, ct) is not { } stored)
                    {
                        notFound.Add(reference);
                        continue;
                    }
                    var assessed = (await desk.AssessAsync([stored.Declaration.Id!], ct))[0]!.Assessment;
                    results.Add((reference, assessed));
                }
                if (parse.GetValue(pending)) pendingDone = await desk.AssessPendingAsync(cancellationToken: ct);
                if (parse.GetValue(file) is { } path) await WhatIfAsync(desk, path, parse.GetValue(format)!, parse.GetValue(mapping), node, results, ct);
            }
            catch (InvalidDataException e)
            {
                throw CliException.Environment($"the targeting in service cannot be used: {e.Message}");
            }
            if (results.Count == 0 && notFound.Count == 0 && !parse.GetValue(pending))
                throw new CliException("nothing to assess: name declarations, or give --pending or --file FILE");

            if (parse.GetValue(json))
            {
                output.WriteLine(JsonSerializer.Serialize(new { assessments = results.Select(r => r.Assessment), notFound, pendingAssessed = parse.GetValue(pending) ? pendingDone : (long?)null }, Json));
            }
            else
            {
                foreach (var (label, a) in results)
                {
                    output.WriteLine($"{label}: {RiskEngine.Name(a.Lane).ToUpperInvariant()} (score {a.Score.ToString("0.##", CultureInfo.InvariantCulture)}" +
                                     $"{(a.RandomlySelected ? ", random selection" : "")}; rules {a.RuleSet ?? "none"}, model {a.Model ?? "none"})");
                    foreach (var reason in a.Reasons) output.WriteLine($"  - {reason.Source}: {reason.Text}");
                }
                foreach (var missing in notFound) parse.InvocationConfiguration.Error.WriteLine($"{missing}: no such declaration at this node");
                if (parse.GetValue(pending)) output.WriteLine($"Assessed {pendingDone:N0} declarations that had no assessment");
            }
            return notFound.Count == 0 ? 0 : 1;
        });
        return command;
    }

    private static async Task WhatIfAsync(RiskDesk desk, string path, string formatName, string? mappingName, NodeOptions node,
        List<(string, RiskAssessment)> results, CancellationToken cancellationToken)
    {
        if (!FormatDetector.TryParseName(formatName, out var format)) throw new CliException($"--format: '{formatName}' is not auto, wco-xml, edifact, json or csv");
        CsvMapping? mapping = null;
        if (mappingName is not null)
        {
            var mappingPath = File.Exists(mappingName) ? mappingName : IngestDeclarations.FindMapping(mappingName, node.MappingsPath)
                ?? throw new CliException($"--mapping: no file '{mappingName}' and no shipped mapping of that name");
            mapping = CsvMapping.Load(mappingPath);
        }
        await using var stream = File.OpenRead(path);
        if (format == DeclarationFormat.Auto)
        {
            var prefix = new byte[4096];
            var read = await stream.ReadAtLeastAsync(prefix, prefix.Length, throwOnEndOfStream: false, cancellationToken);
            stream.Position = 0;
            format = FormatDetector.Detect(prefix.AsSpan(0, read), out var reason) ?? throw new CliException($"{path}: {reason}; give --format");
        }
        if (format == DeclarationFormat.Csv && mapping is null) throw new CliException($"{path}: a CSV file needs --mapping FILE");
        try
        {
            foreach (var record in DeclarationIngest.CreateReader(format, mapping).Read(stream, Path.GetFileName(path), cancellationToken))
            {
                if (record.Declaration is null) throw CliException.Refused(string.Join(Environment.NewLine, record.Errors));
                // Labels a file carries are never shown to the assessment.
                record.Labels = null;
                results.Add(($"{Path.GetFileName(path)}:{record.Line}", await desk.AssessUnstoredAsync(record.Declaration, cancellationToken)));
            }
        }
        catch (IngestFormatException e)
        {
            throw CliException.Refused(e.Error.ToString());
        }
    }

    private static Command Outcomes()
    {
        var outcomes = new Command("outcomes", "Inspection outcomes: what officers found (they become the inspection labels training learns from)");
        var file = new Argument<string>("FILE") { Description = "CSV with a header: declaration,found[,critical,what,revenue] (declaration: node id, MRN or LRN)" };
        var officer = new Option<string?>("--officer") { Description = "Who recorded them (default: the user running the command)" };
        var import = new NodeCommand("import", "Record the outcomes of a CSV file; all or nothing: any bad row refuses the file", json: true) { file, officer };
        var json = import.JsonOption;
        import.SetNodeAction(async (parse, services, ct) =>
        {
            var store = services.Get<IDeclarationStore>();
            var path = parse.GetValue(file)!;
            var (rows, errors) = await ReadOutcomesAsync(path, store, ct);
            if (errors.Count > 0) throw CliException.Refused(string.Join(Environment.NewLine, errors) + Environment.NewLine + $"{path}: nothing recorded");
            var desk = services.Get<RiskDesk>();
            var by = parse.GetValue(officer) ?? (Environment.UserName is { Length: > 0 } u ? u : "cli");
            var now = services.Get<TimeProvider>().GetUtcNow();
            foreach (var outcome in rows) await desk.Store.RecordOutcomeAsync(outcome, by, now, ct);
            var found = rows.Count(r => r.Found);
            if (parse.GetValue(json)) parse.InvocationConfiguration.Output.WriteLine(JsonSerializer.Serialize(new { recorded = rows.Count, found }, Json));
            else parse.InvocationConfiguration.Output.WriteLine($"Recorded {rows.Count:N0} inspection outcomes ({found:N0} found something) from {path}");
            return 0;
        });
        outcomes.Add(import);
        return outcomes;
    }

    private static async Task<(List<InspectionOutcome> Rows, List<string> Errors)> ReadOutcomesAsync(string path, IDeclarationStore store, CancellationToken cancellationToken)
    {
        var rows = new List<InspectionOutcome>();
        var errors = new List<string>();
        SepReader reader;
        try
        {
            reader = Sep.Reader(o => o with { Unescape = true, CultureInfo = CultureInfo.InvariantCulture }).FromFile(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or InvalidDataException)
        {
            throw CliException.ForFile(path, e);
        }
        using (reader)
        {
            var columns = reader.Header.ColNames;
            foreach (var required in new[] { "declaration", "found" })
            {
                if (!columns.Contains(required)) throw CliException.Refused($"{path}:1: expected a column '{required}' (header: declaration,found[,critical,what,revenue])");
            }
            var line = 1;
            foreach (var row in reader)
            {
                line++;
                if (errors.Count >= 100)
                {
                    errors.Add($"{path}: stopped reading at line {line} after 100 problems");
                    break;
                }
                var cells = new Dictionary<string, string>(StringComparer.Ordinal);
                foreach (var column in columns) cells[column] = row[column].ToString().Trim();
                var reference = cells["declaration"];
                string Cell(string name) => cells.GetValueOrDefault(name, "");
                bool? Flag(string name) => Cell(name).ToLowerInvariant() switch
                {
                    "1" or "yes" or "true" or "y" => true,
                    "0" or "no" or "false" or "n" or "" => false,
                    _ => null,
                };
                if (Flag("found") is not { } found || Cell("found").Length == 0)
                {
                    errors.Add($"{path}:{line}: found: expected yes or no (1 or 0), got '{Cell("found")}'");
                    continue;
                }
                if (Flag("critical") is not { } critical)
                {
                    errors.Add($"{path}:{line}: critical: expected yes or no (1 or 0), got '{Cell("critical")}'");
                    continue;
                }
                decimal? revenue = null;
                if (Cell("revenue") is { Length: > 0 } text)
                {
                    if (!decimal.TryParse(text, NumberStyles.Number, CultureInfo.InvariantCulture, out var r) || r < 0)
                    {
                        errors.Add($"{path}:{line}: revenue: expected an amount ≥ 0, got '{text}'");
                        continue;
                    }
                    revenue = r;
                }
                if (reference.Length == 0 || await store.FindAsync(reference, cancellationToken) is not { } stored)
                {
                    errors.Add($"{path}:{line}: declaration: no declaration '{reference}' at this node (expected its node id, MRN or LRN)");
                    continue;
                }
                rows.Add(new InspectionOutcome(stored.Declaration.Id!, found, critical, Cell("what") is { Length: > 0 } what ? what : null, revenue));
            }
        }
        return (rows, errors);
    }

    private static Command Report()
    {
        var command = new NodeCommand("report", "Lane shares against the expected ones; hit rates per lane, rule, model version, random or targeted", json: true);
        var json = command.JsonOption;
        command.SetNodeAction(async (parse, services, ct) =>
        {
            var node = services.Node;
            var desk = services.Get<RiskDesk>();
            var rates = await desk.Store.HitRatesAsync(LanePolicy.Load(node.Home), ct);
            var output = parse.InvocationConfiguration.Output;
            if (parse.GetValue(json))
            {
                output.WriteLine(JsonSerializer.Serialize(rates, Json));
                return 0;
            }
            output.WriteLine($"{rates.Assessed:N0} declarations assessed (latest assessment of each)");
            output.WriteLine("lane      share    expected");
            foreach (var lane in rates.Lanes)
                output.WriteLine($"{RiskEngine.Name(lane.Lane),-8}  {lane.Share,6:P1}   {(lane.Expected is { } e ? e.ToString("P1", CultureInfo.InvariantCulture) : "-")}");
            void Table(string title, IReadOnlyList<HitRate> groups)
            {
                output.WriteLine();
                output.WriteLine($"{title,-28} {"assessed",9} {"inspected",9} {"found",7} {"hit rate",8} {"critical",8} {"revenue",14}");
                foreach (var g in groups)
                    output.WriteLine($"{g.Group,-28} {g.Assessed,9:N0} {g.Inspected,9:N0} {g.Found,7:N0} {(g.Rate is { } r ? r.ToString("P1", CultureInfo.InvariantCulture) : "-"),8} {g.Critical,8:N0} {g.Revenue,14:N2}");
            }
            Table("by lane", rates.ByLane);
            Table("by rule", rates.ByRule);
            Table("by model version", rates.ByModel);
            Table("random or targeted", rates.BySelection);
            return 0;
        });
        return command;
    }

    private static Command Lanes()
    {
        var lanes = new Command("lanes", "The lane policy: thresholds, model weight, random selection, capacity (HOME/risk/lanes.yaml)");
        var show = new NodeCommand("show", "Print the lane policy in force", json: true);
        show.SetNodeAction((parse, services, _) =>
        {
            var policy = Policy(services.Node);
            parse.InvocationConfiguration.Output.WriteLine(show.Json(parse) ? JsonSerializer.Serialize(policy, Json) : Yaml(policy));
            return Task.FromResult(0);
        });
        var write = new Option<bool>("--write") { Description = "Write the calibrated thresholds to HOME/risk/lanes.yaml" };
        var last = new Option<int>("--last") { Description = "How many recent assessments to calibrate on", DefaultValueFactory = _ => 100_000 };
        var calibrate = new NodeCommand("calibrate", "Thresholds that give each lane its expected share of the recent assessments' scores", json: true) { write, last };
        var json = calibrate.JsonOption;
        calibrate.SetNodeAction(async (parse, services, ct) =>
        {
            var node = services.Node;
            var policy = Policy(node);
            var scores = await services.Get<RiskDesk>().Store.RecentScoresAsync(parse.GetValue(last), ct);
            if (scores.Count == 0) throw CliException.Refused("no assessments to calibrate on: assess declarations first (risk assess --pending)");
            var calibrated = policy.Calibrate(scores);
            var output = parse.InvocationConfiguration.Output;
            if (parse.GetValue(write))
            {
                Directory.CreateDirectory(Path.Combine(node.Home, "risk"));
                await File.WriteAllTextAsync(Path.Combine(node.Home, "risk", LanePolicy.FileName), Yaml(calibrated), ct);
            }
            output.WriteLine(parse.GetValue(json)
                ? JsonSerializer.Serialize(new { scores = scores.Count, policy = calibrated, written = parse.GetValue(write) }, Json)
                : $"On {scores.Count:N0} recent scores: red from {calibrated.RedFrom:0.##}, yellow from {calibrated.YellowFrom:0.##}, blue from {calibrated.BlueFrom:0.##}" +
                  (parse.GetValue(write) ? $" (written to {Path.Combine(node.Home, "risk", LanePolicy.FileName)})" : " (not written: add --write)"));
            return 0;
        });
        lanes.Add(show);
        lanes.Add(calibrate);
        return lanes;
    }

    private static LanePolicy Policy(NodeOptions node)
    {
        try
        {
            return LanePolicy.Load(node.Home);
        }
        catch (InvalidDataException e)
        {
            throw CliException.Refused(e.Message);
        }
    }

    private static string Yaml(LanePolicy p)
    {
        static string N(double v) => v.ToString("0.####", CultureInfo.InvariantCulture);
        var lines = new List<string>
        {
            "# Lane policy (docs/risk.md): a score at or above a threshold takes that lane; a rule may ask for a stronger one.",
            $"red-from: {N(p.RedFrom)}",
            $"yellow-from: {N(p.YellowFrom)}",
            $"blue-from: {N(p.BlueFrom)}",
            $"model-weight: {N(p.ModelWeight)}",
            $"random-rate: {N(p.RandomRate)}",
            $"random-lane: {RiskEngine.Name(p.RandomLane)}",
        };
        if (p.RedCapacityPerDay is { } capacity) lines.Add($"red-capacity-per-day: {capacity}");
        lines.Add("expected-rates:");
        foreach (var (lane, share) in p.ExpectedRates.OrderByDescending(r => r.Key)) lines.Add($"  {RiskEngine.Name(lane)}: {N(share)}");
        lines.Add($"seed: \"{p.Seed}\"");
        return string.Join(Environment.NewLine, lines) + Environment.NewLine;
    }
}
