using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Entente.Access;
using Entente.Alerts;
using Entente.Common;

namespace Entente.Cli.Alerts;

/// <summary>`entente alert ...`: the node's alerts — own, partners', sanctions lists' (docs/alerts.md).</summary>
internal static class AlertCommands
{
    public static Command Create()
    {
        var alert = new Command("alert", "Alerts on persons, companies, means of transport, containers, goods and documents: issue, list, withdraw, flag, import");
        alert.Add(Add());
        alert.Add(List());
        alert.Add(Show());
        alert.Add(Activate());
        alert.Add(Move("withdraw", "Withdraw an own alert, with the reason; the withdrawal reaches the partners it was pushed to", (book, id, reason, user, ct) => book.WithdrawAsync(id, reason, user, ct)));
        alert.Add(Move("flag", "Flag a partner's alert: a hit is reported, its action is not taken on this territory", (book, id, reason, user, ct) => book.FlagAsync(id, reason, user, ct)));
        alert.Add(Import());
        alert.Add(ImportSanctions());
        return alert;
    }

    private static string User => Environment.UserName is { Length: > 0 } u ? u : "cli";

    private static LocalUser Operator(string node) => new(User, node, null);

    private static (Option<string?> Purpose, Option<string?> Justification) PurposeOptions() => (
        new Option<string?>("--purpose") { Description = $"Why a person's data is read: {string.Join(", ", PersonalData.ConsolePurposes.Order(StringComparer.Ordinal))}" },
        new Option<string?>("--justification") { Description = "The case, control or request that needs it (recorded)" });

    private static Command Add()
    {
        var file = new Option<string>("--file") { Description = "The alert as JSON (docs/alert.schema.json)", Required = true };
        var command = new NodeCommand("add", "Issue an alert; in force under an agreement, it is pushed to the partners the agreement subscribes (the server delivers)") { file };
        command.SetNodeAction(async (parse, node, ct) =>
        {
            var path = parse.GetValue(file)!;
            JsonObject document;
            try
            {
                document = JsonNode.Parse(File.ReadAllText(path)) as JsonObject ?? throw CliException.Refused($"{path}: expected a JSON object");
            }
            catch (JsonException e)
            {
                throw CliException.Refused($"{path}: not JSON ({e.Message})");
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                throw CliException.ForFile(path, e);
            }
            var change = Done(await node.Get<AlertBook>().IssueAsync(document, User, ct), path);
            command.Print(parse, change, o => Write(o, "Issued", change));
            return ExitCodes.Success;
        });
        return command;
    }

    private static Command List()
    {
        var state = new Option<string?>("--state") { Description = $"Only alerts in this state: {AlertJson.Names<AlertState>()}" };
        var kind = new Option<string?>("--kind") { Description = $"Only this subject kind: {AlertJson.Names<AlertSubjectKind>()}" };
        var category = new Option<string?>("--category") { Description = $"Only this category: {AlertJson.Names<AlertCategory>()}" };
        var source = new Option<string?>("--source") { Description = $"Only from: {AlertJson.Names<AlertSource>()}" };
        var limit = new Option<int>("--limit") { Description = "At most this many (1 to 10000)", DefaultValueFactory = _ => 1000 };
        var (purpose, justification) = PurposeOptions();
        var command = new NodeCommand("list", "Alerts held here, newest first (a person's names only with --purpose and --justification; the read is recorded)")
        {
            state, kind, category, source, limit, purpose, justification,
        };
        command.SetNodeAction(async (parse, node, ct) =>
        {
            var filter = new AlertFilter(
                Parse<AlertState>(parse.GetValue(state), "--state"), Parse<AlertSubjectKind>(parse.GetValue(kind), "--kind"),
                Parse<AlertCategory>(parse.GetValue(category), "--category"), Parse<AlertSource>(parse.GetValue(source), "--source"), parse.GetValue(limit));
            if (filter.Limit is < 1 or > 10_000) throw new CliException($"--limit: expected 1 to 10000, got {filter.Limit}");
            var list = await node.Get<ReadAlerts>().ListAsync(Operator(node.Node.Code), AccessRecorder.Console, filter, parse.GetValue(purpose), parse.GetValue(justification), ct) switch
            {
                ReadAlertsResult.Read r => r.Alerts,
                ReadAlertsResult.Refused r => throw new CliException($"{r.Reason} (--purpose, --justification)"),
                _ => throw new InvalidOperationException(),
            };
            command.Print(parse, list, o =>
            {
                foreach (var a in list)
                    o.WriteLine($"{a.Alert.Id} {AlertJson.Name(a.State)} {AlertJson.Name(a.Alert.Subject.Kind)} {AlertJson.Name(a.Alert.Category)} {AlertJson.Name(a.Alert.Action)} " +
                        $"{Label(a.Alert.Subject)} [{AlertJson.Name(a.Source)} {a.Alert.Issuer}]{(a.Flagged ? " flagged" : "")}");
                if (list.Count == 0) o.WriteLine("no alerts");
            });
            return ExitCodes.Success;
        });
        return command;
    }

    private static Command Show()
    {
        var id = new Argument<string>("id") { Description = "The alert id" };
        var (purpose, justification) = PurposeOptions();
        var command = new NodeCommand("show", "One alert: subject, action, validity, basis, state now, flags, findings (a person's data only with --purpose and --justification)")
        {
            id, purpose, justification,
        };
        command.SetNodeAction(async (parse, node, ct) =>
        {
            var (alert, personal) = await node.Get<ReadAlerts>().GetAsync(Operator(node.Node.Code), AccessRecorder.Console, parse.GetValue(id)!, parse.GetValue(purpose),
                parse.GetValue(justification), ct) switch
            {
                ReadAlertsResult.Read r => (r.Alerts[0], r.PersonalDataShown),
                ReadAlertsResult.Refused r => throw new CliException($"{r.Reason} (--purpose, --justification)"),
                _ => throw CliException.Refused($"no alert {parse.GetValue(id)} at {node.Node.Code}"),
            };
            // Action-taken reports partners sent about this node's alert (docs/alerts.md, "Screening and hits").
            var reports = Entente.Screening.ActionTakenReports.Shown(await node.Get<Entente.Screening.ScreeningDesk>().ReportsAsync(alert.Alert.Id, ct), alert, personal);
            var shown = JsonSerializer.SerializeToNode(alert, CliOutput.Json)!.AsObject();
            if (reports.Count > 0) shown["actionTakenReports"] = new JsonArray([.. reports]);
            command.Print(parse, shown, o => o.WriteLine(shown.ToJsonString(CliOutput.Json)));
            return ExitCodes.Success;
        });
        return command;
    }

    private static Command Activate()
    {
        var id = new Argument<string>("id") { Description = "The draft's id" };
        var command = new NodeCommand("activate", "Put a draft in force (and push it when its basis is an agreement)") { id };
        command.SetNodeAction(async (parse, node, ct) =>
        {
            var change = Done(await node.Get<AlertBook>().ActivateAsync(parse.GetValue(id)!, User, ct), null);
            command.Print(parse, change, o => Write(o, "In force", change));
            return ExitCodes.Success;
        });
        return command;
    }

    private static Command Move(string name, string description, Func<AlertBook, string, string, string, CancellationToken, Task<AlertOutcome>> move)
    {
        var id = new Argument<string>("id") { Description = "The alert id" };
        var reason = new Option<string>("--reason") { Description = "Why (kept with the alert and in the ledger)", Required = true };
        var command = new NodeCommand(name, description) { id, reason };
        command.SetNodeAction(async (parse, node, ct) =>
        {
            var change = Done(await move(node.Get<AlertBook>(), parse.GetValue(id)!, parse.GetValue(reason)!, User, ct), null);
            command.Print(parse, change, o => Write(o, name == "flag" ? "Flagged" : "Withdrawn", change));
            return ExitCodes.Success;
        });
        return command;
    }

    private static Command Import()
    {
        var file = new Argument<string>("file") { Description = "The CSV or JSON file of alerts" };
        var mapping = new Option<string>("--mapping") { Description = "The mapping (YAML: format, set, fields; docs/alerts.md)", Required = true };
        var command = new NodeCommand("import", "Import alerts from a national file through a mapping: all rows or none, every error with file, line and column") { file, mapping };
        command.SetNodeAction(async (parse, node, ct) =>
        {
            var path = parse.GetValue(file)!;
            var mappingPath = parse.GetValue(mapping)!;
            AlertMapping map;
            string text;
            try
            {
                map = AlertMapping.Load(mappingPath);
                text = File.ReadAllText(path);
            }
            catch (AlertMappingException e)
            {
                throw CliException.Refused(string.Join(Environment.NewLine, e.Errors.Select(Where)));
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                throw CliException.ForFile(File.Exists(mappingPath) ? path : mappingPath, e);
            }
            AlertImportReport report;
            try
            {
                report = await node.Get<AlertBook>().ImportAsync(Path.GetFileName(path), map.Read(text, Path.GetFileName(path)), User, ct);
            }
            catch (AlertMappingException e)
            {
                throw CliException.Refused(string.Join(Environment.NewLine, e.Errors.Select(Where)));
            }
            if (report.Errors.Count > 0)
                throw CliException.Refused($"{report.Errors.Count} problem(s) in {report.Rows} row(s); nothing was imported{Environment.NewLine}{string.Join(Environment.NewLine, report.Errors.Select(Where))}");
            command.Print(parse, report, o =>
            {
                o.WriteLine($"Imported {report.Imported} alert(s) from {report.Rows} row(s) of {report.File}");
                foreach (var p in report.Pushed) o.WriteLine(p.MessageId is { } m ? $"  pushed to {p.Recipient} under {p.Agreement}: {m}" : $"  not pushed to {p.Recipient}: {p.Refused}");
            });
            return ExitCodes.Success;
        });
        return command;
    }

    private static Command ImportSanctions()
    {
        var file = new Argument<string>("file") { Description = "FollowTheMoney entities, one JSON object per line (as OpenSanctions publishes)" };
        var list = new Option<string?>("--list") { Description = "The list's name, the key of its alerts on re-import (default: the file name without extension)" };
        var category = new Option<string>("--category") { Description = $"The alerts' category: {AlertJson.Names<AlertCategory>()}", DefaultValueFactory = _ => "sanctions" };
        var action = new Option<string>("--action") { Description = $"The action to take: {AlertJson.Names<AlertAction>()}", DefaultValueFactory = _ => "specific-check" };
        var basis = new Option<string>("--basis") { Description = "The national legal basis (the regulation that makes the list binding)", Required = true };
        var command = new NodeCommand("import-sanctions",
            "Import a sanctions list as own alerts (national basis); importing the list again updates them and withdraws those no longer on it") { file, list, category, action, basis };
        command.SetNodeAction(async (parse, node, ct) =>
        {
            var path = parse.GetValue(file)!;
            var terms = new SanctionsTerms(Parse<AlertCategory>(parse.GetValue(category), "--category")!.Value, Parse<AlertAction>(parse.GetValue(action), "--action")!.Value,
                parse.GetValue(basis)!, DateOnly.FromDateTime(node.Get<TimeProvider>().GetUtcNow().UtcDateTime));
            if (string.IsNullOrWhiteSpace(terms.Basis) || terms.Basis.Length > AlertValidator.MaxText) throw new CliException($"--basis: expected a text of 1 to {AlertValidator.MaxText} characters");
            var name = parse.GetValue(list) ?? Path.GetFileNameWithoutExtension(path);
            if (name.Length is 0 or > 100 || name.Contains('/', StringComparison.Ordinal)) throw new CliException("--list: expected a name of 1 to 100 characters without '/'");
            string text;
            try
            {
                text = File.ReadAllText(path);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                throw CliException.ForFile(path, e);
            }
            var read = SanctionsList.Read(text, Path.GetFileName(path), terms);
            var report = await node.Get<AlertBook>().ImportListAsync(name, read.Entities, User, ct) with { Skipped = read.Skipped };
            report = report with { Errors = [.. read.Errors, .. report.Errors] };
            command.Print(parse, report, o =>
            {
                o.WriteLine($"{report.List}: {report.Entities} entities as alerts: {report.Created} new, {report.Updated} updated, {report.Unchanged} unchanged, " +
                    $"{report.Withdrawn} withdrawn (no longer listed); {report.Skipped} lines not subjects; {report.Errors.Count} not imported");
                foreach (var e in report.Errors) o.WriteLine("  " + Where(e));
            });
            return ExitCodes.Success;
        });
        return command;
    }

    private static T? Parse<T>(string? text, string option) where T : struct, Enum =>
        text is null ? null : AlertJson.Parse<T>(text) ?? throw new CliException($"{option}: expected one of {AlertJson.Names<T>()} (got '{text}')");

    private static AlertChange Done(AlertOutcome outcome, string? file) => outcome switch
    {
        AlertOutcome.Done d => d.Change,
        _ => throw CliException.Refused(string.Join(Environment.NewLine, outcome.Problems.Select(p => file is null ? p.ToString() : $"{file}: {p}"))),
    };

    private static string Where(FieldError e) =>
        $"{e.File}{(e.Line is { } l ? ":" + l.ToString(CultureInfo.InvariantCulture) : "")}: {e}";

    private static string Label(AlertSubject s) =>
        (s.Kind == AlertSubjectKind.Person && s.Names is null ? "(names withheld: --purpose, --justification)" : null) ?? s.Names?.FirstOrDefault() ?? s.Eori ?? s.Tin ?? s.Imo ?? s.VehicleRegistration ?? s.Vin ?? s.AircraftRegistration ?? s.ContainerNumber ?? s.Brand ?? s.HsPrefix
            ?? s.DocumentNumber ?? string.Join(" ", s.Terms ?? []);

    private static void Write(TextWriter o, string what, AlertChange change)
    {
        var a = change.Alert;
        o.WriteLine($"{what} {a.Alert.Id} ({AlertJson.Name(a.State)}, {AlertJson.Name(a.Alert.Subject.Kind)} {Label(a.Alert.Subject)}, {AlertJson.Name(a.Alert.Action)})");
        foreach (var f in a.Findings) o.WriteLine($"  finding: {f}");
        foreach (var p in change.Pushed)
            o.WriteLine(p.MessageId is { } m ? $"  {(what == "Flagged" ? "flag sent" : "pushed")} to {p.Recipient} under {p.Agreement} for {p.Purpose}: {m}" : $"  not sent to {p.Recipient}: {p.Refused}");
    }
}
