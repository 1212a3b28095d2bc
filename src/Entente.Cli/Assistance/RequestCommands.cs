using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using Entente.Agreements;
using Entente.Assistance;
using Entente.Exchange;
using Entente.Nodes;
using Entente.Storage;

namespace Entente.Cli.Assistance;

/// <summary>`entente request ...`: mutual-assistance requests at a node's liaison desk (docs/assistance.md).</summary>
internal static class RequestCommands
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        WriteIndented = true,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.KebabCaseLower) },
    };

    public static Command Create()
    {
        var request = new Command("request", "Mutual-assistance requests: ask a partner authority, answer or decline what partners ask");
        request.Add(New());
        request.Add(List());
        request.Add(Show());
        request.Add(Acknowledge());
        request.Add(Answer());
        request.Add(Decline());
        request.Add(Withdraw());
        return request;
    }

    private static Command New()
    {
        var to = new Option<string>("--to") { Description = "The requested authority's node code (KR)", Required = true };
        var agreement = new Option<string>("--agreement") { Description = "The id of the agreement in force the request rests on", Required = true };
        var legalBasis = new Option<string>("--legal-basis") { Description = "The agreement's legal-basis entry cited, word for word", Required = true };
        var purpose = new Option<string>("--purpose") { Description = "The purpose (investigation, mutual-assistance...)", Required = true };
        var caseReference = new Option<string>("--case") { Description = "The applicant's case reference", Required = true };
        var subject = new Option<string>("--subject") { Description = "What is asked", Required = true };
        var declarations = new Option<string[]>("--declaration") { Description = "MRN of a declaration concerned; repeat for several" };
        var parties = new Option<string[]>("--party") { Description = "Identifier (EORI, TIN) of a person or company concerned; repeat for several" };
        var answerBy = new Option<string?>("--answer-by") { Description = "An answer-by date (2026-07-01 or an ISO time, UTC) earlier than the agreement's" };
        var (command, home, database, json) = Base("new", "Create and send a request; refused when no agreement in force gives it a legal basis");
        foreach (var o in new Option[] { to, agreement, legalBasis, purpose, caseReference, subject, declarations, parties, answerBy }) command.Add(o);
        command.SetAction(async (parse, ct) =>
        {
            if (!AgreementDocument.TryEnum<Purpose>(parse.GetValue(purpose)!, out var p)) throw new CliException($"--purpose: expected {AgreementDocument.Names<Purpose>()}");
            DateTimeOffset? by = null;
            if (parse.GetValue(answerBy) is { } text)
            {
                if (!DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var t))
                    throw new CliException($"--answer-by {text}: expected a date (2026-07-01) or an ISO 8601 time");
                by = t;
            }
            var draft = new AssistanceDraft(parse.GetValue(to)!, parse.GetValue(agreement)!, parse.GetValue(legalBasis)!, p, parse.GetValue(caseReference)!, parse.GetValue(subject)!)
            {
                Declarations = parse.GetValue(declarations) ?? [],
                Parties = parse.GetValue(parties) ?? [],
                AnswerBy = by,
            };
            return await WithDeskAsync(parse, home, database, json, ct, desk => desk.NewAsync(draft, Environment.UserName, ct), "Sent");
        });
        return command;
    }

    private static Command List()
    {
        var overdue = new Option<bool>("--overdue") { Description = "Only requests still open past their answer-by time" };
        var status = new Option<string?>("--status") { Description = "Only requests in this status (sent, acknowledged, partially-answered, answered, declined, withdrawn)" };
        var (command, home, database, json) = Base("list", "List the requests this node sent or received, newest first");
        command.Add(overdue);
        command.Add(status);
        command.SetAction(async (parse, ct) =>
        {
            AssistanceStatus? only = null;
            if (parse.GetValue(status) is { } s)
            {
                if (!AgreementDocument.TryEnum<AssistanceStatus>(s, out var st)) throw new CliException($"--status: expected {AgreementDocument.Names<AssistanceStatus>()}");
                only = st;
            }
            var node = CommonOptions.LoadNode(parse, home, database);
            await using var open = await OpenAsync(node, ct);
            var list = await open.Desk.ListAsync(new AssistanceFilter(parse.GetValue(overdue), only, Limit: 10_000), ct);
            var o = parse.InvocationConfiguration.Output;
            if (parse.GetValue(json))
            {
                o.WriteLine(JsonSerializer.Serialize(list, Json));
                return 0;
            }
            if (list.Count == 0) o.WriteLine(parse.GetValue(overdue) ? "No overdue requests" : "No requests");
            foreach (var r in list)
            {
                var partner = r.Role == AssistanceRole.Applicant ? "to " + r.Requested : "from " + r.Applicant;
                var deadline = r.AnswerBy is { } by ? $"answer by {by:yyyy-MM-dd HH:mm}Z" : "no deadline";
                o.WriteLine($"{r.Id,-32} {PolicyEngine.Name(r.Role),-9} {partner,-9} {PolicyEngine.Name(r.Status),-18} {deadline}{(r.Overdue ? " OVERDUE" : "")}  case {r.CaseReference}");
            }
            return 0;
        });
        return command;
    }

    private static Command Show()
    {
        var id = new Argument<string>("ID") { Description = "The request's id" };
        var (command, home, database, json) = Base("show", "Show a request: parties, agreement, legal basis, deadline, answers and history");
        command.Add(id);
        command.SetAction(async (parse, ct) =>
        {
            var node = CommonOptions.LoadNode(parse, home, database);
            await using var open = await OpenAsync(node, ct);
            var request = await open.Desk.GetAsync(parse.GetValue(id)!, ct) ?? throw new CliException($"no assistance request {parse.GetValue(id)} at {node.Code}");
            Print(parse, request, open.Desk.Node, parse.GetValue(json), null);
            return 0;
        });
        return command;
    }

    private static Command Acknowledge()
    {
        var id = new Argument<string>("ID") { Description = "The request's id" };
        var reference = new Option<string?>("--reference") { Description = "This authority's own reference for the request" };
        var (command, home, database, json) = Base("acknowledge", "Acknowledge a request received from a partner");
        command.Add(id);
        command.Add(reference);
        command.SetAction((parse, ct) => WithDeskAsync(parse, home, database, json, ct,
            desk => desk.AcknowledgeAsync(parse.GetValue(id)!, Environment.UserName, parse.GetValue(reference), ct), "Acknowledged"));
        return command;
    }

    private static Command Answer()
    {
        var id = new Argument<string>("ID") { Description = "The request's id" };
        var text = new Option<string?>("--text") { Description = "The answer (this part of it)" };
        var data = new Option<string?>("--data") { Description = "A JSON file with data to send with this part" };
        var final = new Option<bool>("--final") { Description = "This part completes the answer" };
        var (command, home, database, json) = Base("answer", "Answer a request received from a partner, in one part or several (--final on the last)");
        command.Add(id);
        command.Add(text);
        command.Add(data);
        command.Add(final);
        command.SetAction((parse, ct) =>
        {
            JsonObject? attached = null;
            if (parse.GetValue(data) is { } file)
            {
                try
                {
                    attached = JsonNode.Parse(File.ReadAllText(file)) as JsonObject ?? throw new CliException($"--data {file}: expected a JSON object");
                }
                catch (Exception e) when (e is IOException or JsonException or UnauthorizedAccessException)
                {
                    throw new CliException($"--data {file}: {e.Message}");
                }
            }
            if (parse.GetValue(text) is null && attached is null) throw new CliException("give the answer with --text, --data or both");
            return WithDeskAsync(parse, home, database, json, ct,
                desk => desk.AnswerAsync(parse.GetValue(id)!, parse.GetValue(text), attached, parse.GetValue(final), Environment.UserName, ct), "Answered");
        });
        return command;
    }

    private static Command Decline()
    {
        var id = new Argument<string>("ID") { Description = "The request's id" };
        var grounds = new Option<string>("--grounds") { Description = "Why the request is declined", Required = true };
        var (command, home, database, json) = Base("decline", "Decline a request received from a partner, with grounds");
        command.Add(id);
        command.Add(grounds);
        command.SetAction((parse, ct) => WithDeskAsync(parse, home, database, json, ct,
            desk => desk.DeclineAsync(parse.GetValue(id)!, parse.GetValue(grounds)!, Environment.UserName, ct), "Declined"));
        return command;
    }

    private static Command Withdraw()
    {
        var id = new Argument<string>("ID") { Description = "The request's id" };
        var reason = new Option<string?>("--reason") { Description = "Why the request is withdrawn" };
        var (command, home, database, json) = Base("withdraw", "Withdraw a request this node sent, before it is answered");
        command.Add(id);
        command.Add(reason);
        command.SetAction((parse, ct) => WithDeskAsync(parse, home, database, json, ct,
            desk => desk.WithdrawAsync(parse.GetValue(id)!, parse.GetValue(reason), Environment.UserName, ct), "Withdrew"));
        return command;
    }

    private static (Command Command, Option<string> Home, Option<string?> Database, Option<bool> Json) Base(string name, string description)
    {
        var home = CommonOptions.Home();
        var database = CommonOptions.Database();
        var json = CommonOptions.Json();
        return (new Command(name, description) { home, database, json }, home, database, json);
    }

    private static async Task<int> WithDeskAsync(ParseResult parse, Option<string> home, Option<string?> database, Option<bool> json, CancellationToken ct,
        Func<AssistanceDesk, Task<AssistanceRequest>> action, string verb)
    {
        var node = CommonOptions.LoadNode(parse, home, database);
        await using var open = await OpenAsync(node, ct);
        AssistanceRequest request;
        try
        {
            request = await action(open.Desk);
        }
        catch (AssistanceException e)
        {
            var problems = e.Problems.Select(p => "  " + p);
            throw new CliException((e.Error == AssistanceError.NoLegalBasis ? "refused: no legal basis" : "refused") + Environment.NewLine + string.Join(Environment.NewLine, problems));
        }
        Print(parse, request, open.Desk.Node, parse.GetValue(json), verb);
        return 0;
    }

    private static void Print(ParseResult parse, AssistanceRequest r, string node, bool json, string? verb)
    {
        var o = parse.InvocationConfiguration.Output;
        var now = TimeProvider.System.GetUtcNow();
        if (json)
        {
            o.WriteLine(r.ToJson(node, now).ToJsonString(Json));
            return;
        }
        if (verb is not null) o.WriteLine($"{verb} {r.Id}");
        o.WriteLine($"Request:     {r.Id} ({PolicyEngine.Name(r.RoleOf(node))})");
        o.WriteLine($"Applicant:   {r.Applicant}    Requested: {r.Requested}");
        o.WriteLine($"Agreement:   {r.Agreement}");
        o.WriteLine($"Legal basis: {r.LegalBasis}");
        o.WriteLine($"Purpose:     {PolicyEngine.Name(r.Purpose)}    Case: {r.CaseReference}");
        o.WriteLine($"Subject:     {r.Subject}");
        if (r.Declarations.Count > 0) o.WriteLine($"Declarations: {string.Join(", ", r.Declarations)}");
        if (r.Parties.Count > 0) o.WriteLine($"Parties:     {string.Join(", ", r.Parties)}");
        o.WriteLine($"Status:      {PolicyEngine.Name(r.Status)}{(r.IsOverdue(now) ? " — OVERDUE" : "")}");
        o.WriteLine($"Answer by:   {(r.AnswerBy is { } by ? by.UtcDateTime.ToString("yyyy-MM-dd HH:mm'Z'", CultureInfo.InvariantCulture) : "no deadline")}");
        if (r.RequestedReference is { } reference) o.WriteLine($"Their ref:   {reference}");
        foreach (var part in r.Parts)
            o.WriteLine($"Answer {part.Number}{(part.Final ? " (final)" : "")}: {part.Text}{(part.Data is { } d ? " " + d.ToJsonString() : "")}");
        if (r.DeclineGrounds is { } grounds) o.WriteLine($"Declined:    {grounds}");
        if (r.WithdrawalReason is { } reason) o.WriteLine($"Withdrawn:   {reason}");
        o.WriteLine("History:");
        foreach (var m in r.History)
            o.WriteLine($"  {m.At.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss'Z'", CultureInfo.InvariantCulture)}  {PolicyEngine.Name(m.Kind),-15} {m.From} -> {m.To}");
    }

    private sealed class OpenDesk(IDeclarationStore store, AssistanceDesk desk, OpenedExchange exchange) : IAsyncDisposable
    {
        public AssistanceDesk Desk { get; } = desk;

        public async ValueTask DisposeAsync()
        {
            await exchange.DisposeAsync();
            await store.DisposeAsync();
        }
    }

    private static async Task<OpenDesk> OpenAsync(NodeOptions node, CancellationToken ct)
    {
        var store = await CommonOptions.OpenStoreAsync(node, ct);
        // Moves are queued in the node's outbox; the server (entente serve) delivers them.
        var exchange = OpenedExchange.Open(node, TimeProvider.System);
        var ledger = exchange.Ledger;
        return new OpenDesk(store, AssistanceDesks.ForHome(node, exchange.Database, ledger, TimeProvider.System, AssistanceExchange.Sender(exchange.Node)), exchange);
    }
}
