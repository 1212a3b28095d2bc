using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Entente.Access;
using Entente.Common;
using Entente.Hosting;
using Entente.Intelligence.Seizures;
using Entente.Sharing;

namespace Entente.Cli.Intelligence;

/// <summary>`entente seizure add|import|list|show`: seizures structured as CEN structures them, pushed to partners as seizure-report records (docs/intelligence.md).</summary>
internal static class SeizureCommands
{
    private static LocalUser User(NodeServices node) => new(Environment.UserName is { Length: > 0 } u ? u : "cli", node.Node.Code, null);

    public static Command Create()
    {
        var seizure = new Command("seizure", "Seizures (CEN structure): record, import a national database, list, show; pushed to partners by the agreements' subscriptions");
        seizure.Add(Add());
        seizure.Add(Import());
        seizure.Add(List());
        seizure.Add(Show());
        return seizure;
    }

    private static Command Add()
    {
        var file = new Argument<string[]>("file") { Description = "Seizure files ({\"seizure\": {...}}, docs/intelligence.md); all are checked before any is recorded", Arity = ArgumentArity.OneOrMore };
        var command = new NodeCommand("add", "Record seizures and push them to the subscribed partners (the server delivers)") { file };
        command.SetNodeAction(async (parse, node, ct) =>
        {
            var documents = new List<(JsonObject, string?, long?)>();
            foreach (var path in parse.GetValue(file)!)
            {
                string text;
                try
                {
                    text = await File.ReadAllTextAsync(path, ct);
                }
                catch (Exception e) when (e is IOException or UnauthorizedAccessException)
                {
                    throw CliException.ForFile(path, e);
                }
                try
                {
                    documents.Add((JsonNode.Parse(text) as JsonObject ?? throw CliException.Refused($"{path}: expected a JSON object {{\"seizure\": {{...}}}}"), path, null));
                }
                catch (JsonException e)
                {
                    throw CliException.Refused($"{path}: not JSON ({e.Message}); nothing was recorded");
                }
            }
            return Report(command, parse, await node.Get<SeizureBook>().AddAsync(documents, User(node), "cli", ct));
        });
        return command;
    }

    private static Command Import()
    {
        var file = new Argument<string>("file") { Description = "The CSV or JSON export of a national seizure database" };
        var mapping = new Option<string>("--mapping") { Description = "The mapping (YAML: format, set, fields; docs/intelligence.md)", Required = true };
        var command = new NodeCommand("import", "Import seizures through a mapping: all rows or none, every error with file, line and column") { file, mapping };
        command.SetNodeAction(async (parse, node, ct) =>
        {
            var path = parse.GetValue(file)!;
            var mappingPath = parse.GetValue(mapping)!;
            try
            {
                var map = SeizureMapping.Load(mappingPath);
                var text = await File.ReadAllTextAsync(path, ct);
                return Report(command, parse, await node.Get<SeizureBook>().ImportAsync(map.Read(text, Path.GetFileName(path)), User(node), Path.GetFileName(path), ct));
            }
            catch (SeizureMappingException e)
            {
                throw CliException.Refused(string.Join(Environment.NewLine, e.Errors.Select(Where)) + Environment.NewLine + "nothing was imported");
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                throw CliException.ForFile(File.Exists(mappingPath) ? path : mappingPath, e);
            }
        });
        return command;
    }

    private static int Report(NodeCommand command, ParseResult parse, SeizureOutcome outcome)
    {
        if (outcome is SeizureOutcome.Invalid invalid)
            throw CliException.Refused($"{invalid.Errors.Count} problem(s); nothing was recorded{Environment.NewLine}{string.Join(Environment.NewLine, invalid.Errors.Select(Where))}");
        var records = ((SeizureOutcome.Recorded)outcome).Records;
        command.Print(parse, records, o =>
        {
            o.WriteLine($"Recorded {records.Count} seizure(s)");
            foreach (var r in records)
            {
                o.WriteLine($"  {r.Document["seizure"]?["id"]} as {r.Id}");
                foreach (var p in r.Pushed) o.WriteLine(p.MessageId is { } m ? $"    pushed to {p.Recipient} under {p.Agreement} for {p.Purpose}: {m}" : $"    not pushed to {p.Recipient}: {p.Refused}");
            }
        });
        return ExitCodes.Success;
    }

    private static Command List()
    {
        var category = new Option<string?>("--category") { Description = $"Only this category ({string.Join(", ", SeizureReport.Categories)})" };
        var origin = new Option<string?>("--origin") { Description = "Only this node's own (its code) or a partner's (the partner's code)" };
        var from = new Option<string?>("--from") { Description = "From this month, yyyy-MM" };
        var to = new Option<string?>("--to") { Description = "To this month, yyyy-MM" };
        var limit = new Option<int>("--limit") { Description = "At most this many", DefaultValueFactory = _ => 100 };
        var command = new NodeCommand("list", "Seizures held here, own and partners', newest first (offenders never listed)") { category, origin, from, to, limit };
        command.SetNodeAction(async (parse, node, ct) =>
        {
            if (parse.GetValue(category) is { } c && !SeizureReport.Categories.Contains(c)) throw new CliException($"--category: expected one of {string.Join(", ", SeizureReport.Categories)}");
            foreach (var (name, month) in new[] { ("--from", parse.GetValue(from)), ("--to", parse.GetValue(to)) })
                if (month is not null && SeizureFacts.Date(month) is null) throw new CliException($"{name}: expected a month, yyyy-MM");
            var list = await node.Get<SeizureBook>().ListAsync(new SeizureFilter(parse.GetValue(category), parse.GetValue(origin), parse.GetValue(from), parse.GetValue(to), Math.Max(1, parse.GetValue(limit))), ct);
            command.Print(parse, list, o =>
            {
                foreach (var s in list)
                {
                    var f = s.Facts;
                    o.WriteLine(string.Create(CultureInfo.InvariantCulture,
                        $"{f.SeizedOn:yyyy-MM-dd} {f.Id} {f.Origin} {f.Category}{(f.Detail is null ? "" : "/" + f.Detail)} {f.Quantity} {f.Unit} {f.Flow} {f.Concealment} {f.Detection}"));
                }
            });
            return ExitCodes.Success;
        });
        return command;
    }

    private static Command Show()
    {
        var id = new Argument<string>("id") { Description = "The seizure id (or the message id a partner's arrived in)" };
        var purpose = new Option<string?>("--purpose") { Description = "Why the offenders are read (personal data; recorded in the ledger)" };
        var justification = new Option<string?>("--justification") { Description = "The case or control (recorded in the ledger)" };
        var command = new NodeCommand("show", "One seizure; its offenders only with --purpose and --justification") { id, purpose, justification };
        command.SetNodeAction(async (parse, node, ct) =>
        {
            var read = await node.Get<SeizureBook>().ShowAsync(User(node), AccessRecorder.Console, parse.GetValue(id)!, parse.GetValue(purpose), parse.GetValue(justification), ct);
            switch (read)
            {
                case SeizureRead.Refused r:
                    throw CliException.Refused(r.Reason);
                case SeizureRead.NotFound n:
                    throw CliException.Refused($"no seizure {n.Id} at {node.Node.Code}");
            }
            var view = ((SeizureRead.Read)read).View;
            command.Print(parse, view, o =>
            {
                o.WriteLine(view.Document.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
                if (view.Notice is not null) o.WriteLine($"withheld: {string.Join(", ", view.Withheld!)} ({view.Notice})");
            });
            return ExitCodes.Success;
        });
        return command;
    }

    internal static string Where(FieldError e) => $"{e.File}{(e.Line is { } l ? ":" + l.ToString(CultureInfo.InvariantCulture) : "")}{(e.File is null && e.Line is null ? "" : ": ")}{e}";
}
