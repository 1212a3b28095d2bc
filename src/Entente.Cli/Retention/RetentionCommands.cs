using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using Entente.Retention;

namespace Entente.Cli.Retention;

internal static class RetentionCommands
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { WriteIndented = true };

    public static Command Create()
    {
        var retention = new Command("retention", "Erase or flag for review the declarations kept past their retention");
        retention.Add(Run());
        retention.Add(Reviews());
        return retention;
    }

    private static Command Run()
    {
        var period = new Option<string?>("--period") { Description = "Retention period (ISO 8601, e.g. P10Y); default: the home's Retention:Declarations" };
        var then = new Option<string?>("--then") { Description = "erase or review; default: the home's Retention:Then" };
        var dryRun = new Option<bool>("--dry-run") { Description = "Say what would be erased or flagged; change nothing" };
        var command = new NodeCommand("run", "Apply the retention rule now: each erasure is recorded in the ledger before the rows go", json: true)
        {
            period, then, dryRun,
        };
        command.SetNodeAction(async (parse, node, ct) =>
        {
            var input = new RunRetentionInput(Environment.UserName, parse.GetValue(dryRun)) { Period = parse.GetValue(period), Then = parse.GetValue(then) };
            // Messages received from partners go at the end their agreements set, whatever the rule for declarations.
            var received = input.DryRun ? null : await node.Get<RunRetention>().EraseReceivedAsync(input.User, ct);
            if (received is { Erased: > 0 } && !command.Json(parse))
                parse.InvocationConfiguration.Output.WriteLine($"{received.Erased:N0} messages received from partners erased at the end of their agreements' retention, each recorded in the ledger");
            if (received is { AlertsErased: > 0 } && !command.Json(parse))
                parse.InvocationConfiguration.Output.WriteLine($"{received.AlertsErased:N0} partners' alerts erased at the end of their agreements' retention, each recorded in the ledger");
            var (rule, report) = await node.Get<RunRetention>().HandleAsync(input, ct) switch
            {
                RunRetentionResult.Ran ran => (ran.Rule, ran.Report),
                RunRetentionResult.NoPeriod => throw new CliException("no retention period: give --period P10Y or set Entente:Retention:Declarations in the home's entente.json"),
                RunRetentionResult.InvalidRule invalid => throw new CliException(invalid.Reason),
                var other => throw new InvalidOperationException($"unexpected {other}"),
            };
            var output = parse.InvocationConfiguration.Output;
            if (command.Json(parse))
            {
                output.WriteLine(JsonSerializer.Serialize(new
                {
                    rule = rule.ToString(),
                    report.Cutoff,
                    report.Erased,
                    report.Flagged,
                    report.DryRun,
                    ledgerEntries = report.LedgerEntries.Count,
                    receivedErased = received?.Erased ?? 0,
                    alertsErased = received?.AlertsErased ?? 0,
                }, Json));
                return 0;
            }
            var verb = report.DryRun ? "would be" : "were";
            output.WriteLine($"Retention {rule}: received before {report.Cutoff.ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture)}Z");
            output.WriteLine(rule.Then == Entente.Agreements.RetentionEnd.Erase
                ? $"{report.Erased:N0} declarations {verb} erased{(report.DryRun ? "" : $", each recorded in the ledger ({report.LedgerEntries.Count:N0} entries)")}"
                : $"{report.Flagged:N0} declarations {verb} flagged for review{(report.DryRun ? "" : " (entente retention reviews)")}");
            return 0;
        });
        return command;
    }

    private static Command Reviews()
    {
        var limit = new Option<int>("--limit") { Description = "At most this many", DefaultValueFactory = _ => 100 };
        var command = new NodeCommand("reviews", "Declarations whose retention ran out under a review rule, oldest due first") { limit };
        command.SetNodeAction(async (parse, node, ct) =>
        {
            if (parse.GetValue(limit) < 1) throw new CliException($"--limit must be at least 1 (got {parse.GetValue(limit)})");
            var flags = await node.Get<RetentionStore>().ListReviewsAsync(parse.GetValue(limit), ct);
            command.Print(parse, flags.Select(f => new { declaration = f.DeclarationId, dueAt = f.DueAt, flaggedAt = f.FlaggedAt, rule = f.Rule }), output =>
            {
                foreach (var f in flags)
                    output.WriteLine($"{f.DeclarationId}  due {f.DueAt.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture)}  flagged {f.FlaggedAt.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture)}  {f.Rule}");
                output.WriteLine($"{flags.Count} for review");
            });
            return 0;
        });
        return command;
    }
}
