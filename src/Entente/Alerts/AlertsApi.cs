using System.Security.Claims;
using System.Text.Json.Nodes;
using Entente.Access;
using Entente.Common;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;

namespace Entente.Alerts;

/// <summary>The reason for a withdrawal or a flag.</summary>
public sealed record AlertReason(string? Reason);

/// <summary>A bulk import: the mapping (YAML text, as in mappings/), the file's content, and its name for the errors.</summary>
public sealed record AlertImportRequest(string? Mapping, string? Content, string? File);

/// <summary>Alerts over HTTP (docs/alerts.md): officers and liaison officers issue, withdraw, flag and import; every reader lists.</summary>
public static class AlertsApi
{
    public static IEndpointRouteBuilder MapAlertsApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/alerts").WithTags("Alerts");
        api.MapPost("/", Issue).RequireAuthorization(AccessPolicies.Disclose)
            .WithSummary("Issue an alert (draft or in force); in force under an agreement it is pushed to the partners the agreement subscribes")
            .ProducesProblem(StatusCodes.Status409Conflict).ProducesProblem(StatusCodes.Status422UnprocessableEntity);
        api.MapGet("/", List).RequireAuthorization(AccessPolicies.Read)
            .WithSummary("Alerts held here, newest first: own, partners' and sanctions lists' (a person's names, birth date, documents and remarks only with purpose and justification; the read is recorded)")
            .ProducesProblem(StatusCodes.Status400BadRequest).ProducesProblem(StatusCodes.Status403Forbidden);
        api.MapGet("/{id}", Get).RequireAuthorization(AccessPolicies.Read)
            .WithSummary("One alert with its state now, flags and findings (a person's data only with purpose and justification)")
            .ProducesProblem(StatusCodes.Status403Forbidden).ProducesProblem(StatusCodes.Status404NotFound);
        api.MapPost("/{id}/activation", Activate).RequireAuthorization(AccessPolicies.Disclose).WithSummary("Put a draft in force (and push it)")
            .ProducesProblem(StatusCodes.Status404NotFound).ProducesProblem(StatusCodes.Status409Conflict);
        api.MapPost("/{id}/withdrawal", Withdraw).RequireAuthorization(AccessPolicies.Disclose).WithSummary("Withdraw an own alert, with the reason; the withdrawal reaches the partners it was pushed to")
            .ProducesProblem(StatusCodes.Status404NotFound).ProducesProblem(StatusCodes.Status409Conflict);
        api.MapPost("/{id}/flags", Flag).RequireAuthorization(AccessPolicies.Disclose).WithSummary("Flag a partner's alert: its action is not taken on this territory")
            .ProducesProblem(StatusCodes.Status404NotFound).ProducesProblem(StatusCodes.Status409Conflict);
        api.MapPost("/imports", Import).RequireAuthorization(AccessPolicies.Disclose)
            .WithSummary("Import alerts from a CSV or JSON file through a mapping: all rows or none, every error with its line and column");
        return app;
    }

    private static async Task<Results<Created<AlertChange>, ProblemHttpResult>> Issue(JsonObject body, AlertBook book, ClaimsPrincipal user, CancellationToken cancellationToken) =>
        await book.IssueAsync(body, AccessPolicies.UserOf(user).Name, cancellationToken) switch
        {
            AlertOutcome.Done d => TypedResults.Created($"/api/alerts/{d.Change.Alert.Alert.Id}", d.Change),
            var refused => Problem(refused),
        };

    private static async Task<Results<Ok<IReadOnlyList<StoredAlert>>, ProblemHttpResult>> List(ReadAlerts read, ClaimsPrincipal user, string? state, string? kind, string? category,
        string? source, int? limit, string? purpose, string? justification, CancellationToken cancellationToken)
    {
        var errors = new List<FieldError>();
        var filter = new AlertFilter(Limit: limit ?? 100);
        if (limit is < 1 or > 1000) errors.Add(new("limit", $"expected 1 to 1000, got {limit}"));
        if (state is not null) filter = AlertJson.Parse<AlertState>(state) is { } stateValue ? filter with { State = stateValue } : Add(errors, "state", AlertJson.Names<AlertState>(), filter);
        if (kind is not null) filter = AlertJson.Parse<AlertSubjectKind>(kind) is { } kindValue ? filter with { Kind = kindValue } : Add(errors, "kind", AlertJson.Names<AlertSubjectKind>(), filter);
        if (category is not null) filter = AlertJson.Parse<AlertCategory>(category) is { } categoryValue ? filter with { Category = categoryValue } : Add(errors, "category", AlertJson.Names<AlertCategory>(), filter);
        if (source is not null) filter = AlertJson.Parse<AlertSource>(source) is { } sourceValue ? filter with { Source = sourceValue } : Add(errors, "source", AlertJson.Names<AlertSource>(), filter);
        if (errors.Count > 0) return TypedResults.Problem(FieldError.Detail(errors), statusCode: 400, title: "Invalid query", extensions: Errors(errors));
        return await read.ListAsync(AccessPolicies.UserOf(user), AccessRecorder.Api, filter, purpose, justification, cancellationToken) switch
        {
            ReadAlertsResult.Read r => TypedResults.Ok(r.Alerts),
            ReadAlertsResult.Refused r => Refused(r.Reason),
            _ => throw new InvalidOperationException(),
        };
    }

    private static AlertFilter Add(List<FieldError> errors, string name, string expected, AlertFilter filter)
    {
        errors.Add(new(name, $"expected one of {expected}"));
        return filter;
    }

    private static async Task<Results<Ok<StoredAlert>, ProblemHttpResult>> Get(string id, ReadAlerts read, AlertBook book, ClaimsPrincipal user, string? purpose, string? justification,
        CancellationToken cancellationToken) =>
        await read.GetAsync(AccessPolicies.UserOf(user), AccessRecorder.Api, id, purpose, justification, cancellationToken) switch
        {
            ReadAlertsResult.Read r => TypedResults.Ok(r.Alerts[0]),
            ReadAlertsResult.Refused r => Refused(r.Reason),
            _ => Problem(new AlertOutcome.NotFound([new("/id", $"no alert {id} at {book.Node}")])),
        };

    /// <summary>403: a purpose the reader may not state (recorded in the ledger).</summary>
    public static ProblemHttpResult Refused(string reason) =>
        TypedResults.Problem(reason, statusCode: 403, title: "Personal data refused", extensions: Errors([new("purpose", reason)]));

    private static async Task<Results<Ok<AlertChange>, ProblemHttpResult>> Activate(string id, AlertBook book, ClaimsPrincipal user, CancellationToken cancellationToken) =>
        Answer(await book.ActivateAsync(id, AccessPolicies.UserOf(user).Name, cancellationToken));

    private static async Task<Results<Ok<AlertChange>, ProblemHttpResult>> Withdraw(string id, AlertReason body, AlertBook book, ClaimsPrincipal user, CancellationToken cancellationToken) =>
        Answer(await book.WithdrawAsync(id, body.Reason ?? "", AccessPolicies.UserOf(user).Name, cancellationToken));

    private static async Task<Results<Ok<AlertChange>, ProblemHttpResult>> Flag(string id, AlertReason body, AlertBook book, ClaimsPrincipal user, CancellationToken cancellationToken) =>
        Answer(await book.FlagAsync(id, body.Reason ?? "", AccessPolicies.UserOf(user).Name, cancellationToken));

    private static async Task<Results<Ok<AlertImportReport>, ProblemHttpResult>> Import(AlertImportRequest body, AlertBook book, ClaimsPrincipal user, CancellationToken cancellationToken)
    {
        var errors = new List<FieldError>();
        if (string.IsNullOrWhiteSpace(body.Mapping)) errors.Add(new("/mapping", "required: the mapping's YAML (docs/alerts.md)"));
        if (body.Content is null) errors.Add(new("/content", "required: the file's content (CSV or JSON)"));
        if (errors.Count > 0) return TypedResults.Problem(FieldError.Detail(errors), statusCode: 400, title: "Invalid import", extensions: Errors(errors));
        var file = string.IsNullOrWhiteSpace(body.File) ? "upload" : body.File;
        try
        {
            var mapping = AlertMapping.Parse(body.Mapping!, "mapping.yaml");
            var report = await book.ImportAsync(file, mapping.Read(body.Content!, file), AccessPolicies.UserOf(user).Name, cancellationToken);
            if (report.Errors.Count > 0)
                return TypedResults.Problem($"{report.Errors.Count} problems in {report.Rows} rows; nothing was imported", statusCode: 400, title: "Invalid import", extensions: Errors(report.Errors));
            return TypedResults.Ok(report);
        }
        catch (AlertMappingException e)
        {
            return TypedResults.Problem(e.Message, statusCode: 400, title: "Invalid mapping", extensions: Errors(e.Errors));
        }
    }

    private static Results<Ok<AlertChange>, ProblemHttpResult> Answer(AlertOutcome outcome) =>
        outcome is AlertOutcome.Done d ? TypedResults.Ok(d.Change) : Problem(outcome);

    /// <summary>400 invalid, 422 outside any agreement, 409 a move not allowed, 404 not found; "errors" names each field.</summary>
    public static ProblemHttpResult Problem(AlertOutcome refused)
    {
        var (status, title) = refused switch
        {
            AlertOutcome.NotFound => (404, "Not found"),
            AlertOutcome.NotAllowed => (409, "Move not allowed"),
            AlertOutcome.OutsideAgreement => (422, "Outside any agreement"),
            _ => (400, "Invalid alert"),
        };
        return TypedResults.Problem(FieldError.Detail(refused.Problems), statusCode: status, title: title, extensions: Errors(refused.Problems));
    }

    private static Dictionary<string, object?> Errors(IReadOnlyList<FieldError> errors) => new() { ["errors"] = errors.ToArray() };
}
