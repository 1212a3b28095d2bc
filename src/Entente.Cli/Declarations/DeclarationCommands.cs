using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using Entente.Access;
using Entente.Declarations;
using Entente.Hosting;
using Entente.Storage;

namespace Entente.Cli.Declarations;

internal static class DeclarationCommands
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        WriteIndented = true,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.KebabCaseLower) },
    };

    public static Command Create()
    {
        var declarations = new Command("declarations", "Search and show stored declarations, move their status");
        declarations.Add(Search());
        declarations.Add(Show());
        declarations.Add(Status());
        declarations.Add(History());
        declarations.Add(DeclarationAmendmentCommands.Versions());
        declarations.Add(DeclarationAmendmentCommands.PendingAmendments());
        return declarations;
    }

    private static Command Search()
    {
        var reference = new Option<string?>("--reference") { Description = "MRN or LRN" };
        var party = new Option<string?>("--party") { Description = "A party's identification number (EORI, TIN, trader number)" };
        var hs = new Option<string?>("--hs") { Description = "Leading digits of the commodity code (e.g. 2402)" };
        var origin = new Option<string?>("--origin") { Description = "Country of origin (ISO 3166-1 alpha-2)" };
        var from = new Option<string?>("--from") { Description = "Declared on or after (yyyy-MM-dd)" };
        var to = new Option<string?>("--to") { Description = "Declared on or before (yyyy-MM-dd)" };
        var container = new Option<string?>("--container") { Description = "Container number (ISO 6346)" };
        var status = new Option<string?>("--status") { Description = "Lifecycle status (code or name)" };
        var finding = new Option<string?>("--finding") { Description = "Carries a finding of this code (e.g. container-check-digit; docs/formats/findings.md)" };
        var limit = new Option<int>("--limit") { Description = "At most this many (1-1000)", DefaultValueFactory = _ => 20 };
        var after = new Option<string?>("--after") { Description = "Continue after this id (the 'next' of a previous page)" };
        var (purpose, justification) = PurposeOptions();
        var command = new NodeCommand("search", "Find declarations; filters combine", json: true)
        {
            reference, party, hs, origin, from, to, container, status, finding, limit, after, purpose, justification,
        };
        command.SetNodeAction(async (parse, node, ct) =>
        {
            var input = new SearchDeclarationsInput
            {
                Reference = parse.GetValue(reference),
                Party = parse.GetValue(party),
                Hs = parse.GetValue(hs),
                Origin = parse.GetValue(origin),
                From = parse.GetValue(from),
                To = parse.GetValue(to),
                Container = parse.GetValue(container),
                Status = parse.GetValue(status),
                Finding = parse.GetValue(finding),
                Limit = parse.GetValue(limit),
                After = parse.GetValue(after),
                Purpose = parse.GetValue(purpose),
                Justification = parse.GetValue(justification),
            };
            var found = await node.Get<SearchDeclarations>().HandleAsync(Operator(node.Node), AccessRecorder.Console, input, ct) switch
            {
                SearchDeclarationsResult.Found f => f,
                // At the console every refusal is about --purpose and --justification: a usage error.
                SearchDeclarationsResult.Refused { Parameter: { } p } r => throw new CliException($"--{p}: {r.Reason} (--purpose, --justification)"),
                SearchDeclarationsResult.Refused r => throw new CliException(r.Reason),
                SearchDeclarationsResult.Invalid i => throw new CliException(string.Join(Environment.NewLine, i.Problems.Select(p => "--" + p))),
                _ => throw new InvalidOperationException(),
            };
            var page = found.Page;
            var output = parse.InvocationConfiguration.Output;
            if (command.Json(parse))
            {
                output.WriteLine(JsonSerializer.Serialize(page, Json));
                return 0;
            }
            output.WriteLine($"{"ID",-36}  {"MRN/LRN",-22} {"TYPE",-4} {"STATUS",-18} {"DATE",-10} {"IMPORTER",-17} {"ITEMS",5} {"VALUE",16}");
            foreach (var d in page.Items)
            {
                var value = d.TotalValue is { } v ? $"{v.ToString("N2", CultureInfo.InvariantCulture)} {d.Currency}" : "";
                output.WriteLine($"{d.Id,-36}  {Clip(d.Mrn ?? d.Lrn, 22),-22} {Clip(d.TypeCode, 4),-4} {DeclarationLifecycle.ToName(d.Status),-18} {d.Date:yyyy-MM-dd} {Clip(d.ImporterId, 17),-17} {d.Items,5} {value,16}");
            }
            output.WriteLine(page.Next is null ? $"{page.Items.Count} found" : $"{page.Items.Count} shown; more with --after {page.Next}");
            if (found.Notice is { } notice && page.Items.Count > 0) output.WriteLine($"Importers withheld: {notice} (--purpose, --justification)");
            return 0;
        });
        return command;
    }

    private static (Option<string?> Purpose, Option<string?> Justification) PurposeOptions() => (
        new Option<string?>("--purpose") { Description = $"Why party (personal) data is read: {string.Join(", ", PersonalData.ConsolePurposes.Order(StringComparer.Ordinal))}" },
        new Option<string?>("--justification") { Description = "The case, control or request that needs it (recorded)" });

    /// <summary>The operator at the console: the OS account, for the node's own administration.</summary>
    private static LocalUser Operator(NodeOptions node) => new(Environment.UserName, node.Code, null);

    private static Command Show()
    {
        var reference = new Argument<string>("reference") { Description = "Declaration id, MRN or LRN" };
        var (purpose, justification) = PurposeOptions();
        var command = new NodeCommand("show", "Print a declaration in Entente's canonical JSON (party data needs --purpose and --justification); --json prints the same")
        {
            reference, purpose, justification,
        };
        command.SetNodeAction(async (parse, node, ct) =>
        {
            var input = new ReadDeclarationInput(parse.GetValue(reference)!, parse.GetValue(purpose), parse.GetValue(justification));
            var envelope = await node.Get<ReadDeclaration>().HandleAsync(Operator(node.Node), AccessRecorder.Console, input, ct) switch
            {
                ReadDeclarationResult.Read r => r.Envelope,
                ReadDeclarationResult.Refused r => throw new CliException(r.Reason),
                _ => throw CliException.Refused($"no declaration with id, MRN or LRN '{input.Reference}'"),
            };
            parse.InvocationConfiguration.Output.WriteLine(JsonSerializer.Serialize(envelope, Json));
            return 0;
        });
        return command;
    }

    private static Command Status()
    {
        var reference = new Argument<string>("reference") { Description = "Declaration id, MRN or LRN" };
        var to = new Argument<string>("status") { Description = "New status: a notification code (01, 05, 08, 09...) or a name (accepted, control, goods-released...)" };
        var reason = new Option<string?>("--reason") { Description = "Why (recorded with the move)" };
        var actor = new Option<string>("--actor") { Description = "Who moves it (default: the OS user)", DefaultValueFactory = _ => Environment.UserName };
        var command = new NodeCommand("status", "Move a declaration to a new lifecycle status") { reference, to, reason, actor };
        command.SetNodeAction(async (parse, node, ct) =>
        {
            if (!DeclarationLifecycle.TryParse(parse.GetValue(to)!, out var target))
                throw new CliException($"argument status must be a notification code or one of {string.Join(", ", Enum.GetValues<DeclarationStatus>().Select(DeclarationLifecycle.ToName))} (got '{parse.GetValue(to)}')");
            var store = node.Get<IDeclarationStore>();
            var stored = await store.FindAsync(parse.GetValue(reference)!, ct)
                ?? throw CliException.Refused($"no declaration with id, MRN or LRN '{parse.GetValue(reference)}'");
            var change = await store.ChangeStatusAsync(stored.Declaration.Id!, target, parse.GetValue(actor)!, parse.GetValue(reason), ct);
            if (!change.Allowed)
            {
                var allowed = string.Join(", ", DeclarationLifecycle.AllowedFrom(change.From!.Value).Select(DeclarationLifecycle.ToName));
                throw CliException.Refused($"a declaration cannot move from {DeclarationLifecycle.ToName(change.From.Value)} to {DeclarationLifecycle.ToName(target)}; allowed: {(allowed.Length > 0 ? allowed : "none (final status)")}");
            }
            var (from, moved) = (DeclarationLifecycle.ToName(change.From!.Value), DeclarationLifecycle.ToName(target));
            command.Print(parse, new { id = stored.Declaration.Id, from, to = moved, actor = parse.GetValue(actor), reason = parse.GetValue(reason) },
                o => o.WriteLine($"{stored.Declaration.Id}: {from} -> {moved}"));
            return 0;
        });
        return command;
    }

    private static Command History()
    {
        var reference = new Argument<string>("reference") { Description = "Declaration id, MRN or LRN" };
        var command = new NodeCommand("history", "The status moves of a declaration") { reference };
        command.SetNodeAction(async (parse, node, ct) =>
        {
            var store = node.Get<IDeclarationStore>();
            var stored = await store.FindAsync(parse.GetValue(reference)!, ct)
                ?? throw CliException.Refused($"no declaration with id, MRN or LRN '{parse.GetValue(reference)}'");
            var history = await store.GetHistoryAsync(stored.Declaration.Id!, ct);
            command.Print(parse,
                new
                {
                    id = stored.Declaration.Id,
                    moves = history.Select(e => new { at = e.At, from = e.From is { } f ? DeclarationLifecycle.ToName(f) : null, to = DeclarationLifecycle.ToName(e.To), actor = e.Actor, reason = e.Reason }),
                },
                o =>
                {
                    foreach (var e in history)
                        o.WriteLine($"{e.At:yyyy-MM-dd HH:mm:ss}Z  {(e.From is { } f ? DeclarationLifecycle.ToName(f) : "-"),-18} -> {DeclarationLifecycle.ToName(e.To),-18} {e.Actor}{(e.Reason is null ? "" : $": {e.Reason}")}");
                });
            return 0;
        });
        return command;
    }

    private static string Clip(string? text, int width) => text is null ? "" : text.Length <= width ? text : text[..(width - 1)] + "…";
}
