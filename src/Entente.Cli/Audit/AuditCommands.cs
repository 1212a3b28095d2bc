using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using Entente.Access;
using Entente.Audit;

namespace Entente.Cli.Audit;

internal static class AuditCommands
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { WriteIndented = true };

    public static Command Create()
    {
        var audit = new Command("audit", "Accountability: what the ledger says was done with a party's or a declaration's data");
        audit.Add(Subject());
        return audit;
    }

    private static Command Subject()
    {
        var party = new Option<string?>("--party") { Description = "A party's identification number (EORI, TIN, trader number)" };
        var declaration = new Option<string?>("--declaration") { Description = "A declaration's id, MRN or LRN" };
        var justification = new Option<string?>("--justification") { Description = "Why (needed for a party: the lookup is itself recorded)" };
        var command = new NodeCommand("subject", "Every recorded access to and disclosure of a party's or a declaration's data: who, when, why, for whom, under which agreement", json: true)
        {
            party, declaration, justification,
        };
        command.SetNodeAction(async (parse, services, ct) =>
        {
            var who = new LocalUser(Environment.UserName, services.Node.Code, null);
            var input = new AuditSubjectInput(parse.GetValue(party), parse.GetValue(declaration), parse.GetValue(justification));
            var (subject, events) = await services.Get<AuditSubject>().HandleAsync(who, AccessRecorder.Console, input, ct) switch
            {
                AuditSubjectResult.Answered a => (a.Subject, a.Events),
                AuditSubjectResult.Refused r => throw new CliException($"--justification: {r.Reason}"),
                AuditSubjectResult.Invalid => throw new CliException("name one subject: --party ID or --declaration REF"),
                _ => throw new InvalidOperationException(),
            };
            var output = parse.InvocationConfiguration.Output;
            if (command.Json(parse))
            {
                output.WriteLine(JsonSerializer.Serialize(new AuditAnswer(subject, events), Json));
                return 0;
            }
            output.WriteLine($"Subject {subject}: {events.Count} ledger entr{(events.Count == 1 ? "y" : "ies")}, newest first");
            foreach (var e in events)
            {
                var what = e.Decision == "deny" ? $"REFUSED ({e.Reason})" : $"{e.Kind} for {e.Recipient ?? "?"}";
                var why = e.Purpose is null ? "" : $" purpose {e.Purpose}{(e.Justification is null ? "" : $" ({e.Justification})")}";
                var under = e.Agreement is null ? "" : $" under {e.Agreement}";
                output.WriteLine($"#{e.Entry,-6} {e.At.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture)}Z  {e.User}@{e.Authority}{(e.Channel is null ? "" : $" via {e.Channel}")}: {what}{why}{under}{(e.Records.Count == 0 ? "" : $"; records: {string.Join(", ", e.Records)}")}");
            }
            return 0;
        });
        return command;
    }
}
