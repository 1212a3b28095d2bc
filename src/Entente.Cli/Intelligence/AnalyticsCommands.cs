using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using Entente.Intelligence.Analytics;

namespace Entente.Cli.Intelligence;

/// <summary>`entente analytics trends|flows|hit-rates|export|query`: seizure trends with stated tests, flows, hit rates, the Parquet store and DuckDB (docs/intelligence.md).</summary>
internal static class AnalyticsCommands
{
    public static Command Create()
    {
        var analytics = new Command("analytics", "Intelligence analytics: seizure trends and flags, flows, hit rates over time, the Parquet analytics store queried with DuckDB");
        analytics.Add(Trends());
        analytics.Add(Flows());
        analytics.Add(HitRates());
        analytics.Add(Export());
        analytics.Add(Query());
        return analytics;
    }

    private static Option<string?> PlotOption() => new("--plot") { Description = "Also write the plot to this file: .png or .svg" };

    private static string? CheckPlot(ParseResult parse, Option<string?> plot) =>
        parse.GetValue(plot) is { } path ? AnalyticsPlot.CheckPath(path) is { } problem ? throw new CliException(problem) : path : null;

    private static Command Trends()
    {
        var by = new Option<TrendBy>("--by") { Description = "Group by month, commodity, route, concealment or detection", DefaultValueFactory = _ => TrendBy.Month };
        var from = new Option<string?>("--from") { Description = "From this month, yyyy-MM" };
        var to = new Option<string?>("--to") { Description = "To this month, yyyy-MM" };
        var plot = PlotOption();
        var command = new NodeCommand("trends", "Seizures per month by a grouping; spikes and new routes flagged by a Poisson test against the trailing baseline") { by, from, to, plot };
        command.SetNodeAction(async (parse, node, ct) =>
        {
            var path = CheckPlot(parse, plot);
            foreach (var (name, month) in new[] { ("--from", parse.GetValue(from)), ("--to", parse.GetValue(to)) })
                if (month is not null && Entente.Intelligence.Seizures.SeizureFacts.Date(month) is null) throw new CliException($"{name}: expected a month, yyyy-MM");
            var trend = await node.Get<SeizureAnalytics>().TrendAsync(parse.GetValue(by), parse.GetValue(from), parse.GetValue(to), ct);
            if (path is not null) AnalyticsPlot.Trend(trend, path, $"Seizures by {trend.By.ToString().ToLowerInvariant()} ({node.Node.Code})");
            command.Print(parse, new { trend, plot = path }, o =>
            {
                o.WriteLine($"Seizures by {trend.By.ToString().ToLowerInvariant()}, {trend.Months.FirstOrDefault()} to {trend.Months.LastOrDefault()}");
                foreach (var (key, counts) in trend.Series) o.WriteLine($"  {key,-28} {string.Join(" ", counts.Select(c => c.ToString(CultureInfo.InvariantCulture).PadLeft(3)))}");
                foreach (var f in trend.Flags)
                    o.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  {f.Kind}: {f.Series} in {f.Month}: {f.Count} against a baseline of {f.Baseline:0.00}/month, p = {f.PValue:0.####}"));
                o.WriteLine($"  test: {trend.Test}");
                if (path is not null) o.WriteLine($"  plot: {Path.GetFullPath(path)}");
            });
            return ExitCodes.Success;
        });
        return command;
    }

    private static Command Flows()
    {
        var top = new Option<int>("--top") { Description = "How many flows", DefaultValueFactory = _ => 10 };
        var plot = PlotOption();
        var command = new NodeCommand("flows", "The top origin–destination flows of seizures") { top, plot };
        command.SetNodeAction(async (parse, node, ct) =>
        {
            var path = CheckPlot(parse, plot);
            var flows = await node.Get<SeizureAnalytics>().FlowsAsync(Math.Clamp(parse.GetValue(top), 1, 1000), ct);
            if (path is not null) AnalyticsPlot.Flows(flows, path, $"Top seizure flows ({node.Node.Code})");
            command.Print(parse, new { flows, plot = path }, o =>
            {
                foreach (var f in flows)
                    o.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  {f.Departure}→{f.Destination}: {f.Seizures} seizure(s) {string.Join(", ", f.Quantities.Select(q => $"{q.Value:0.##} {q.Key}"))}"));
                if (path is not null) o.WriteLine($"  plot: {Path.GetFullPath(path)}");
            });
            return ExitCodes.Success;
        });
        return command;
    }

    private static Command HitRates()
    {
        var per = new Option<string>("--per") { Description = "lane or rule", DefaultValueFactory = _ => "lane" };
        var plot = PlotOption();
        var command = new NodeCommand("hit-rates", "Hit rates per lane or per rule per month; a seizure linked to the assessment or its declaration counts as a hit") { per, plot };
        command.SetNodeAction(async (parse, node, ct) =>
        {
            var path = CheckPlot(parse, plot);
            if (parse.GetValue(per) is not ("lane" or "rule")) throw new CliException("--per: expected lane or rule");
            var rates = await node.Get<SeizureAnalytics>().HitRatesAsync(ct);
            var list = parse.GetValue(per) == "lane" ? rates.ByLane : rates.ByRule;
            if (path is not null) AnalyticsPlot.HitRates(list, path, $"Hit rates per {parse.GetValue(per)} ({node.Node.Code})");
            command.Print(parse, new { rates = list, plot = path }, o =>
            {
                foreach (var r in list)
                    o.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  {r.Group,-24} {r.Month} assessed {r.Assessed}, inspected {r.Inspected}, found {r.Found}, seized {r.Seized}: {r.Rate:P1}"));
                if (path is not null) o.WriteLine($"  plot: {Path.GetFullPath(path)}");
            });
            return ExitCodes.Success;
        });
        return command;
    }

    private static Command Export()
    {
        var folder = new Option<string>("--to") { Description = "The export folder (one folder per data set, one Parquet file per month)", Required = true };
        var purpose = new Option<string?>("--purpose") { Description = $"The export's purpose: {string.Join(", ", AnalyticsExport.ClearPurposes)} keep parties' identifiers in clear (with --justification); any other, or none, writes keyed tags" };
        var justification = new Option<string?>("--justification") { Description = "Why (recorded in the ledger)" };
        var command = new NodeCommand("export", "Export declarations, items, seizures, assessments and outcomes to Parquet, only the months changed since the last export; recorded in the ledger") { folder, purpose, justification };
        command.SetNodeAction(async (parse, node, ct) =>
        {
            var watch = Stopwatch.StartNew();
            ExportReport report;
            try
            {
                report = await node.Get<AnalyticsExport>().ExportAsync(parse.GetValue(folder)!, parse.GetValue(purpose), parse.GetValue(justification),
                    Environment.UserName is { Length: > 0 } u ? u : "cli", ct);
            }
            catch (ArgumentException e)
            {
                throw new CliException(e.Message);
            }
            command.Print(parse, report, o =>
            {
                o.WriteLine($"Exported to {report.Folder} in {watch.Elapsed.TotalSeconds.ToString("0.0", CultureInfo.InvariantCulture)} s (parties {report.PersonalData}; ledger entry {report.LedgerIndex})");
                foreach (var d in report.Datasets)
                    o.WriteLine($"  {d.Dataset}: {d.Rows} rows in {d.Months.Count} month(s) rewritten{(d.Months.Count == 0 ? " (nothing new)" : ": " + string.Join(", ", d.Months.Take(12)) + (d.Months.Count > 12 ? ", ..." : ""))}");
            });
            return ExitCodes.Success;
        });
        return command;
    }

    private static Command Query()
    {
        var folder = new Option<string>("--from") { Description = "The export folder", Required = true };
        var sql = new Argument<string>("sql") { Description = "SQL over the views declarations, items, seizures, assessments, outcomes (DuckDB)" };
        var command = new Command("query", "Query an export folder with DuckDB, embedded") { folder, sql, CommonOptionsJson };
        command.SetAction(parse =>
        {
            QueryResult result;
            try
            {
                result = AnalyticsExport.Query(parse.GetValue(folder)!, parse.GetValue(sql)!);
            }
            catch (DuckDB.NET.Data.DuckDBException e)
            {
                throw CliException.Refused($"sql: {e.Message}");
            }
            var output = parse.InvocationConfiguration.Output;
            if (parse.GetValue(CommonOptionsJson)) CliOutput.WriteJson(parse, result);
            else
            {
                output.WriteLine(string.Join("\t", result.Columns));
                foreach (var row in result.Rows) output.WriteLine(string.Join("\t", row.Select(v => Convert.ToString(v, CultureInfo.InvariantCulture))));
            }
            return ExitCodes.Success;
        });
        return command;
    }

    private static readonly Option<bool> CommonOptionsJson = CommonOptions.Json();
}
