using System.CommandLine;
using System.Globalization;
using Entente.Intelligence.Mirror;

namespace Entente.Cli.Intelligence;

/// <summary>`entente mirror run|list|stats`: a partner's export declarations against our imports of the same consignments (docs/mirror.md).</summary>
internal static class MirrorCommands
{
    public static Command Create()
    {
        var mirror = new Command("mirror", "Mirror checks: a partner's exports (shared under an agreement) paired with our imports, discrepancies as findings");
        mirror.Add(Run());
        mirror.Add(List());
        mirror.Add(Stats());
        return mirror;
    }

    private static Command Run()
    {
        var partner = new Option<string>("--partner") { Description = "The partner node whose export declarations were received (e.g. KR)", Required = true };
        var purpose = new Option<string>("--purpose") { Description = "Read only exports received for this purpose", DefaultValueFactory = _ => "risk-management" };
        var from = new Option<string?>("--from") { Description = "First import date to consider, yyyy-MM-dd (default: from the exports' dates)" };
        var to = new Option<string?>("--to") { Description = "Last import date to consider, yyyy-MM-dd" };
        var window = new Option<int?>("--window-days") { Description = "Days an import may follow its export (default 60)" };
        var command = new NodeCommand("run", "Pair the partner's exports with our imports; write discrepancies as findings on the imports (one ledger entry)") { partner, purpose, from, to, window };
        command.SetNodeAction(async (parse, node, ct) =>
        {
            var user = Environment.UserName is { Length: > 0 } u ? u : "cli";
            var result = await node.Get<MirrorChecks>().RunAsync(new MirrorRunInput(parse.GetValue(partner), parse.GetValue(purpose), parse.GetValue(from), parse.GetValue(to),
                parse.GetValue(window)), user, ct);
            if (result is MirrorResult.Invalid invalid) throw new CliException(string.Join(Environment.NewLine, invalid.Errors.Select(e => $"--{Kebab(e.Path)}: {e.Message}")));
            var report = ((MirrorResult.Ran)result).Report;
            command.Print(parse, report, output =>
            {
                output.WriteLine($"Mirror check with {report.Partner} ({report.Purpose}): {report.Exports} exports, {report.Imports} imports considered, {report.Pairs} pairs " +
                    $"({string.Join(", ", report.ByKey.Select(k => $"{k.Key} {k.Value}"))}), {report.WithDiscrepancies} with discrepancies");
                foreach (var pair in report.Discrepant) Write(output, pair);
            });
            return 0;
        });
        return command;
    }

    private static Command List()
    {
        var partner = new Option<string?>("--partner") { Description = "Only pairs with this partner" };
        var only = new Option<bool>("--discrepancies") { Description = "Only pairs with a discrepancy" };
        var limit = new Option<int>("--limit") { Description = "At most this many", DefaultValueFactory = _ => 100 };
        var command = new NodeCommand("list", "Stored mirror pairs, newest month first") { partner, only, limit };
        command.SetNodeAction(async (parse, node, ct) =>
        {
            if (parse.GetValue(limit) is < 1 or > 100_000) throw new CliException($"--limit: expected 1 to 100000, got {parse.GetValue(limit)}");
            var pairs = await node.Get<MirrorChecks>().ListAsync(parse.GetValue(partner), parse.GetValue(only), parse.GetValue(limit), ct);
            command.Print(parse, pairs, output =>
            {
                if (pairs.Count == 0) output.WriteLine("No mirror pairs (run `entente mirror run --partner CODE` first)");
                foreach (var pair in pairs) Write(output, pair);
            });
            return 0;
        });
        return command;
    }

    private static Command Stats()
    {
        var partner = new Option<string?>("--partner") { Description = "Only this partner" };
        var plot = new Option<string?>("--plot") { Description = "Also write the chart to FILE (.svg or .png)" };
        var command = new NodeCommand("stats", "Mirror statistics by partner × HS6 × month: partner-reported exports against our imports, the gap") { partner, plot };
        command.SetNodeAction(async (parse, node, ct) =>
        {
            var path = parse.GetValue(plot);
            if (path is not null && Path.GetExtension(path).ToLowerInvariant() is not (".svg" or ".png")) throw new CliException($"--plot: '{path}' should end in .svg or .png");
            var statistics = await node.Get<MirrorChecks>().StatisticsAsync(parse.GetValue(partner), ct);
            if (path is not null)
            {
                try
                {
                    MirrorPlot.Save(statistics, path);
                }
                catch (Exception e) when (e is IOException or UnauthorizedAccessException)
                {
                    throw CliException.ForFile(path, e);
                }
            }
            command.Print(parse, statistics, output =>
            {
                output.WriteLine($"{"partner",-8}{"HS6",-8}{"month",-9}{"pairs",6}{"discr.",7}{"exports",16}{"imports",16}{"gap",8}");
                foreach (var s in statistics)
                {
                    output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                        $"{s.Partner,-8}{s.Hs6,-8}{s.Month,-9}{s.Pairs,6}{s.Discrepant,7}{s.ExportValue,16:N0}{s.ImportValue,16:N0}{(s.Gap is { } g ? g.ToString("P0", CultureInfo.InvariantCulture) : "-"),8}"));
                }
                if (path is not null) output.WriteLine($"Chart written to {path}");
            });
            return 0;
        });
        return command;
    }

    private static void Write(TextWriter output, MirrorPairRecord pair)
    {
        output.WriteLine($"{pair.ImportId} ↔ {pair.Partner} export {pair.ExportMrn ?? pair.MessageId} by {pair.Key} ({pair.Month}, HS {pair.Hs6 ?? "-"})");
        foreach (var d in pair.Discrepancies) output.WriteLine($"  {d.Code}: {d.Message}");
    }

    private static string Kebab(string name) => string.Concat(name.Select(c => char.IsUpper(c) ? "-" + char.ToLowerInvariant(c) : c.ToString()));
}
