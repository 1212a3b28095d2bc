using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using Entente.Access;
using Entente.Audit;
using Entente.Ledger;
using Entente.Storage;

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
            var node = services.Node;
            if ((parse.GetValue(party) is null) == (parse.GetValue(declaration) is null)) throw new CliException("name one subject: --party ID or --declaration REF");
            var ledger = services.Get<LedgerStore>();
            var recorder = services.Get<AccessRecorder>();
            var who = new LocalUser(Environment.UserName, node.Code, null);
            string subject;
            if (parse.GetValue(party) is { } partyId)
            {
                var asked = recorder.Query("audit subject", [new("party", partyId)], "party");
                var access = await recorder.CheckAsync(who, AccessRecorder.Console, "audit", parse.GetValue(justification), asked, cancellationToken: ct);
                if (!access.Allowed) throw new CliException($"--justification: {access.Reason}");
                await recorder.RecordReadAsync(who, AccessRecorder.Console, access, asked, [], ct);
                subject = recorder.PartySubject(partyId);
            }
            else
            {
                var store = services.Get<IDeclarationStore>();
                var reference = parse.GetValue(declaration)!;
                subject = LedgerSubjects.Declaration((await store.FindAsync(reference, ct))?.Declaration.Id ?? reference);
            }
            var events = await AuditTrail.AboutAsync(ledger, subject, cancellationToken: ct);
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
