using System.CommandLine;
using System.Globalization;
using Entente.Access;
using Entente.Hosting;
using Entente.Screening;

namespace Entente.Cli.Screening;

/// <summary>`entente screen` (an officer's ad-hoc check) and `entente hits ...` (the hits, decisions, rates); docs/alerts.md.</summary>
internal static class ScreeningCommands
{
    private static string User => Environment.UserName is { Length: > 0 } u ? u : "cli";

    private static LocalUser Operator(NodeOptions node) => new(User, node.Code, null);

    public static Command Screen()
    {
        var name = new Option<string?>("--name") { Description = "A person's or company's name, in any script" };
        var birthDate = new Option<string?>("--birth-date") { Description = "With --name: YYYY-MM-DD, YYYY-MM or YYYY" };
        var country = new Option<string?>("--country") { Description = "With --name: nationality or country; with --plate: the registration country (ISO 3166-1 alpha-2)" };
        var plate = new Option<string?>("--plate") { Description = "A vehicle registration (with --country)" };
        var container = new Option<string?>("--container") { Description = "A container number (ISO 6346)" };
        var imo = new Option<string?>("--imo") { Description = "A vessel's IMO number" };
        var declaration = new Option<string?>("--declaration") { Description = "A stored declaration (id, MRN or LRN): all its parties, transport, containers, goods lines" };
        var place = new Option<string?>("--place") { Description = "Where the check is made (UN/LOCODE or office id), kept with the hits" };
        var (purpose, justification) = PurposeOptions();
        var command = new NodeCommand("screen",
            "Check a name, a plate, a container, an IMO number or a stored declaration against every alert in force (own and partners'); hits are recorded " +
            "(a hit on a person alert shows the names only with --purpose and --justification)")
        {
            name, birthDate, country, plate, container, imo, declaration, place, purpose, justification,
        };
        command.SetNodeAction(async (parse, node, ct) =>
        {
            var check = new ScreeningCheck(parse.GetValue(name), parse.GetValue(birthDate), parse.GetValue(country), parse.GetValue(plate), parse.GetValue(container),
                parse.GetValue(imo), parse.GetValue(declaration), parse.GetValue(place))
            {
                Purpose = parse.GetValue(purpose),
                Justification = parse.GetValue(justification),
            };
            var result = await node.Get<ScreenAdHoc>().CheckAsync(Operator(node.Node), AccessRecorder.Console, check, ct) switch
            {
                ScreenAdHocResult.Done d => d.Result,
                ScreenAdHocResult.Refused r => throw new CliException($"{r.Reason} (--purpose, --justification)"),
                ScreenAdHocResult.Failed { Outcome: ScreeningOutcome.NotFound n } => throw CliException.Refused(string.Join("; ", n.Errors.Select(e => e.Message))),
                ScreenAdHocResult.Failed { Outcome: ScreeningOutcome.Invalid i } => throw new CliException(string.Join("; ", i.Errors.Select(Option))),
                _ => throw new InvalidOperationException(),
            };
            command.Print(parse, result, o =>
            {
                o.WriteLine($"{result.Checked}: {result.Hits.Count} hit(s) against {result.AlertsInForce} alert(s) in force");
                foreach (var hit in result.Hits) WriteHit(o, hit);
            });
            return ExitCodes.Success;
        });
        return command;
    }

    private static string Option(Common.FieldError e) => e.Path.Length == 0 ? e.Message : $"--{Kebab(e.Path.TrimStart('/'))}: {e.Message}";

    private static string Kebab(string member) => string.Concat(member.Select(c => char.IsUpper(c) ? "-" + char.ToLowerInvariant(c) : c.ToString()));

    public static Command Hits()
    {
        var hits = new Command("hits", "Hits of the screening: list, show, confirm, discard, stats (reading hits is personal data: --purpose and --justification)");
        hits.Add(List());
        hits.Add(Show());
        hits.Add(Confirm());
        hits.Add(Discard());
        hits.Add(Stats());
        return hits;
    }

    private static (Option<string?> Purpose, Option<string?> Justification) PurposeOptions() => (
        new Option<string?>("--purpose") { Description = $"Why hits (personal data) are read: {string.Join(", ", PersonalData.ConsolePurposes.Order(StringComparer.Ordinal))}" },
        new Option<string?>("--justification") { Description = "The case, control or request that needs it (recorded)" });

    private static Command List()
    {
        var state = new Option<string?>("--state") { Description = "Only hits in this state: open, confirmed, discarded" };
        var overdue = new Option<bool>("--overdue") { Description = "Only hits whose issuer was not informed in time (open, or confirmed without a report sent)" };
        var alert = new Option<string?>("--alert") { Description = "Only the hits of this alert" };
        var limit = new Option<int>("--limit") { Description = "At most this many (1 to 10000)", DefaultValueFactory = _ => 100 };
        var (purpose, justification) = PurposeOptions();
        var command = new NodeCommand("list", "Hits, newest first") { state, overdue, alert, limit, purpose, justification };
        command.SetNodeAction(async (parse, node, ct) =>
        {
            var filter = new HitFilter(null, parse.GetValue(overdue), parse.GetValue(alert), parse.GetValue(limit));
            if (parse.GetValue(state) is { } s) filter = filter with { State = HitJson.ParseState(s) ?? throw new CliException($"--state: expected one of open, confirmed, discarded (got '{s}')") };
            if (filter.Limit is < 1 or > 10_000) throw new CliException($"--limit: expected 1 to 10000, got {filter.Limit}");
            var list = await node.Get<ReadHits>().ListAsync(Operator(node.Node), AccessRecorder.Console, filter, parse.GetValue(purpose), parse.GetValue(justification), ct) switch
            {
                ReadHitsResult.Read r => r.Hits,
                ReadHitsResult.Refused r => throw new CliException($"{r.Reason} (--purpose, --justification)"),
                _ => throw new InvalidOperationException(),
            };
            var now = node.Get<TimeProvider>().GetUtcNow();
            command.Print(parse, list, o =>
            {
                foreach (var hit in list)
                    o.WriteLine($"{hit.Id} {HitJson.Name(hit.State)}{(hit.OverdueAt(now) ? " OVERDUE" : "")} {hit.Score:0.00} alert {hit.AlertId} ({hit.AlertIssuer}, {hit.Category}) " +
                        $"{(hit.DeclarationReference is { } r ? $"declaration {r} {hit.Checked}" : hit.Checked)} inform by {hit.InformBy:u}");
                if (list.Count == 0) o.WriteLine("no hits");
            });
            return ExitCodes.Success;
        });
        return command;
    }

    private static Command Show()
    {
        var id = new Argument<string>("id") { Description = "The hit id" };
        var (purpose, justification) = PurposeOptions();
        var command = new NodeCommand("show", "One hit: what was checked, the alert, score and explanation, decision, report") { id, purpose, justification };
        command.SetNodeAction(async (parse, node, ct) =>
        {
            var hit = await node.Get<ReadHits>().GetAsync(Operator(node.Node), AccessRecorder.Console, parse.GetValue(id)!, parse.GetValue(purpose), parse.GetValue(justification), ct) switch
            {
                ReadHitsResult.Read r => r.Hits[0],
                ReadHitsResult.Refused r => throw new CliException($"{r.Reason} (--purpose, --justification)"),
                _ => throw CliException.Refused($"no hit {parse.GetValue(id)} at {node.Node.Code}"),
            };
            command.Print(parse, hit, o => WriteHit(o, hit));
            return ExitCodes.Success;
        });
        return command;
    }

    private static Command Confirm()
    {
        var id = new Argument<string>("id") { Description = "The hit id" };
        var action = new Option<string>("--action-taken") { Description = "What was done (the alert's action, or why not)", Required = true };
        var found = new Option<string?>("--found") { Description = "What was found" };
        var place = new Option<string?>("--place") { Description = "Where (UN/LOCODE or office id)" };
        var command = new NodeCommand("confirm", "Confirm a hit; on a partner's alert the issuer is sent the action-taken report (the server delivers it)") { id, action, found, place };
        command.SetNodeAction(async (parse, node, ct) =>
        {
            var hit = Done(await node.Get<ScreeningDesk>().ConfirmAsync(parse.GetValue(id)!, parse.GetValue(action), parse.GetValue(found), parse.GetValue(place), User, ct));
            command.Print(parse, hit, o =>
            {
                o.WriteLine($"Confirmed {hit.Id} (alert {hit.AlertId} of {hit.AlertIssuer})");
                if (hit.Report is { } r) o.WriteLine(r.MessageId is { } m ? $"  action-taken report to {hit.AlertIssuer}: {m}" : $"  no report sent to {hit.AlertIssuer}: {r.Refused}");
            });
            return ExitCodes.Success;
        });
        return command;
    }

    private static Command Discard()
    {
        var id = new Argument<string>("id") { Description = "The hit id" };
        var reason = new Option<string>("--reason") { Description = "Why it is not the alert's subject (kept: it feeds the precision figures)", Required = true };
        var command = new NodeCommand("discard", "Discard a hit, with the reason") { id, reason };
        command.SetNodeAction(async (parse, node, ct) =>
        {
            var hit = Done(await node.Get<ScreeningDesk>().DiscardAsync(parse.GetValue(id)!, parse.GetValue(reason), User, ct));
            command.Print(parse, hit, o => o.WriteLine($"Discarded {hit.Id}"));
            return ExitCodes.Success;
        });
        return command;
    }

    private static Command Stats()
    {
        var command = new NodeCommand("stats", "Hit rates per alert and per category: confirmed / decided");
        command.SetNodeAction(async (parse, node, ct) =>
        {
            var stats = await node.Get<ScreeningDesk>().StatsAsync(ct);
            command.Print(parse, stats, o =>
            {
                static string Line(HitRate r) => $"  {r.Key}: {r.Hits} hit(s), {r.Open} open, {r.Confirmed} confirmed, {r.Discarded} discarded, rate " +
                    (r.ConfirmedRate is { } rate ? rate.ToString("0.00", CultureInfo.InvariantCulture) : "-");
                o.WriteLine("By category:");
                foreach (var r in stats.ByCategory) o.WriteLine(Line(r));
                o.WriteLine("By alert:");
                foreach (var r in stats.ByAlert) o.WriteLine(Line(r));
                o.WriteLine(Line(stats.All).TrimStart());
            });
            return ExitCodes.Success;
        });
        return command;
    }

    private static Hit Done(HitOutcome outcome) => outcome switch
    {
        HitOutcome.Done d => d.Hit,
        HitOutcome.Invalid i => throw new CliException(string.Join("; ", i.Errors.Select(Option))),
        _ => throw CliException.Refused(string.Join("; ", outcome.Problems.Select(p => p.Message))),
    };

    private static void WriteHit(TextWriter o, Hit hit)
    {
        o.WriteLine($"{hit.Id} {HitJson.Name(hit.State)} score {hit.Score:0.00} (threshold {hit.Threshold:0.00})");
        o.WriteLine($"  alert {hit.AlertId} of {hit.AlertIssuer} ({hit.AlertSource}, {hit.Category}, action {hit.Action}){(hit.Flagged ? ": FLAGGED here, the action is not taken" : "")}");
        o.WriteLine($"  checked {(hit.DeclarationReference is { } r ? $"declaration {r} {hit.Checked}" : hit.Checked)}: " +
            (hit.Withheld is { Count: > 0 } ? "a person alert: input and explanation withheld (--purpose, --justification)" : hit.Input));
        foreach (var e in hit.Explanation) o.WriteLine($"    {e}");
        o.WriteLine($"  found {hit.FoundAt:u} at {hit.Node}{(hit.Office is { } office ? " " + office : "")}; inform the issuer by {hit.InformBy:u}");
        if (hit.Decision is { } d)
            o.WriteLine($"  {HitJson.Name(hit.State)} by {d.By} at {d.At:u}: {d.ActionTaken ?? d.Reason}{(d.Found is { } f ? "; found: " + f : "")}{(d.Place is { } p ? "; at " + p : "")}");
        if (hit.Report is { } rep) o.WriteLine(rep.MessageId is { } m ? $"  report sent: {m}" : $"  report not sent: {rep.Refused}");
    }
}
