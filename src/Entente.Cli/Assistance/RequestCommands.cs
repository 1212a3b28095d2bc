using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using Entente.Agreements;
using Entente.Assistance;
using Entente.Hosting;

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
        var command = Base("new", "Create and send a request; refused when no agreement in force gives it a legal basis");
        foreach (var o in new Option[] { to, agreement, legalBasis, purpose, caseReference, subject, declarations, parties, answerBy }) command.Add(o);
        command.SetNodeAction(async (parse, node, ct) =>
        {
            DateTimeOffset? by = null;
            if (parse.GetValue(answerBy) is { } text)
            {
                if (!DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var t))
                    throw new CliException($"--answer-by {text}: expected a date (2026-07-01) or an ISO 8601 time");
                by = t;
            }
            var input = new NewAssistanceRequestInput(parse.GetValue(to), parse.GetValue(agreement), parse.GetValue(legalBasis), parse.GetValue(purpose),
                parse.GetValue(caseReference), parse.GetValue(subject), parse.GetValue(declarations) ?? [], parse.GetValue(parties) ?? [], by);
            if (NewAssistanceRequest.Draft(input) is null) throw new CliException($"--purpose: expected {AgreementDocument.Names<Purpose>()}");
            return Print(parse, command, node, await node.Get<NewAssistanceRequest>().HandleAsync(Environment.UserName, input, ct), "Sent");
        });
        return command;
    }

    private static Command List()
    {
        var overdue = new Option<bool>("--overdue") { Description = "Only requests still open past their answer-by time" };
        var status = new Option<string?>("--status") { Description = "Only requests in this status (sent, acknowledged, partially-answered, answered, declined, withdrawn)" };
        var command = Base("list", "List the requests this node sent or received, newest first");
        command.Add(overdue);
        command.Add(status);
        command.SetNodeAction(async (parse, node, ct) =>
        {
            AssistanceStatus? only = null;
            if (parse.GetValue(status) is { } s)
            {
                if (!AgreementDocument.TryEnum<AssistanceStatus>(s, out var st)) throw new CliException($"--status: expected {AgreementDocument.Names<AssistanceStatus>()}");
                only = st;
            }
            var list = await node.Get<AssistanceDesk>().ListAsync(new AssistanceFilter(parse.GetValue(overdue), only, Limit: 10_000), ct);
            var o = parse.InvocationConfiguration.Output;
            if (command.Json(parse))
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
        var command = Base("show", "Show a request: parties, agreement, legal basis, deadline, answers and history");
        command.Add(id);
        command.SetNodeAction(async (parse, node, ct) =>
        {
            var desk = node.Get<AssistanceDesk>();
            var request = await desk.GetAsync(parse.GetValue(id)!, ct) ?? throw CliException.Refused($"no assistance request {parse.GetValue(id)} at {node.Node.Code}");
            Print(parse, request, desk.Node, command.Json(parse), null, node.Get<TimeProvider>());
            return 0;
        });
        return command;
    }

    private static Command Acknowledge()
    {
        var id = new Argument<string>("ID") { Description = "The request's id" };
        var reference = new Option<string?>("--reference") { Description = "This authority's own reference for the request" };
        var command = Base("acknowledge", "Acknowledge a request received from a partner");
        command.Add(id);
        command.Add(reference);
        command.SetNodeAction((parse, node, ct) => WithDeskAsync(parse, command, node,
            desk => desk.AcknowledgeAsync(parse.GetValue(id)!, Environment.UserName, parse.GetValue(reference), ct), "Acknowledged"));
        return command;
    }

    private static Command Answer()
    {
        var id = new Argument<string>("ID") { Description = "The request's id" };
        var text = new Option<string?>("--text") { Description = "The answer (this part of it)" };
        var data = new Option<string?>("--data") { Description = "A JSON file with data to send with this part" };
        var final = new Option<bool>("--final") { Description = "This part completes the answer" };
        var command = Base("answer", "Answer a request received from a partner, in one part or several (--final on the last)");
        command.Add(id);
        command.Add(text);
        command.Add(data);
        command.Add(final);
        command.SetNodeAction(async (parse, node, ct) =>
        {
            JsonObject? attached = null;
            if (parse.GetValue(data) is { } file)
            {
                try
                {
                    attached = JsonNode.Parse(File.ReadAllText(file)) as JsonObject ?? throw CliException.Refused($"--data {file}: expected a JSON object");
                }
                catch (Exception e) when (e is IOException or JsonException or UnauthorizedAccessException)
                {
                    throw CliException.ForFile($"--data {file}", e);
                }
            }
            if (parse.GetValue(text) is null && attached is null) throw new CliException("give the answer with --text, --data or both");
            var input = new AnswerAssistanceRequestInput(parse.GetValue(id)!, parse.GetValue(text), attached, parse.GetValue(final));
            return Print(parse, command, node, await node.Get<AnswerAssistanceRequest>().HandleAsync(Environment.UserName, input, ct), "Answered");
        });
        return command;
    }

    private static Command Decline()
    {
        var id = new Argument<string>("ID") { Description = "The request's id" };
        var grounds = new Option<string>("--grounds") { Description = "Why the request is declined", Required = true };
        var command = Base("decline", "Decline a request received from a partner, with grounds");
        command.Add(id);
        command.Add(grounds);
        command.SetNodeAction((parse, node, ct) => WithDeskAsync(parse, command, node,
            desk => desk.DeclineAsync(parse.GetValue(id)!, parse.GetValue(grounds)!, Environment.UserName, ct), "Declined"));
        return command;
    }

    private static Command Withdraw()
    {
        var id = new Argument<string>("ID") { Description = "The request's id" };
        var reason = new Option<string?>("--reason") { Description = "Why the request is withdrawn" };
        var command = Base("withdraw", "Withdraw a request this node sent, before it is answered");
        command.Add(id);
        command.Add(reason);
        command.SetNodeAction((parse, node, ct) => WithDeskAsync(parse, command, node,
            desk => desk.WithdrawAsync(parse.GetValue(id)!, parse.GetValue(reason), Environment.UserName, ct), "Withdrew"));
        return command;
    }

    private static NodeCommand Base(string name, string description) => new(name, description, json: true);

    private static async Task<int> WithDeskAsync(ParseResult parse, NodeCommand command, NodeServices node, Func<AssistanceDesk, Task<AssistanceRequest>> action, string verb)
    {
        AssistanceOutcome outcome;
        try
        {
            outcome = new AssistanceOutcome.Done(await action(node.Get<AssistanceDesk>()));
        }
        catch (AssistanceException e)
        {
            outcome = AssistanceOutcome.Of(e);
        }
        return Print(parse, command, node, outcome, verb);
    }

    private static int Print(ParseResult parse, NodeCommand command, NodeServices node, AssistanceOutcome outcome, string verb)
    {
        if (outcome is AssistanceOutcome.Done done)
        {
            Print(parse, done.Request, node.Get<AssistanceDesk>().Node, command.Json(parse), verb, node.Get<TimeProvider>());
            return 0;
        }
        var (refusal, problems) = outcome switch
        {
            AssistanceOutcome.NoLegalBasis n => ("refused: no legal basis", n.Problems),
            AssistanceOutcome.Invalid i => ("refused", i.Problems),
            AssistanceOutcome.NotAllowed n => ("refused", n.Problems),
            AssistanceOutcome.NotFound n => ("refused", n.Problems),
            _ => throw new InvalidOperationException(),
        };
        throw CliException.Refused(refusal + Environment.NewLine + string.Join(Environment.NewLine, problems.Select(p => "  " + p)));
    }

    private static void Print(ParseResult parse, AssistanceRequest r, string node, bool json, string? verb, TimeProvider time)
    {
        var o = parse.InvocationConfiguration.Output;
        var now = time.GetUtcNow();
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
}
