using System.Security.Claims;
using System.Text.Json.Nodes;
using Entente.Access;
using Entente.Alerts;
using Entente.Common;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;

namespace Entente.Screening;

/// <summary>An officer's decision on a hit: what was done and found, where (confirmation); why not (discard).</summary>
public sealed record HitConfirmation(string? ActionTaken, string? Found, string? Place);

public sealed record HitDiscard(string? Reason);

/// <summary>/api/screening (ad-hoc checks) and /api/hits (the hits, their decisions, their rates); docs/alerts.md.</summary>
public static class ScreeningApi
{
    public static IEndpointRouteBuilder MapScreeningApi(this IEndpointRouteBuilder app)
    {
        app.MapPost("/api/screening", Screen).WithTags("Screening").RequireAuthorization(AccessPolicies.Submit)
            .WithSummary("Check a name (with birth date and country), a plate with its country, a container, an IMO number or a stored declaration against every alert in force; hits are recorded")
            .ProducesProblem(StatusCodes.Status400BadRequest).ProducesProblem(StatusCodes.Status403Forbidden).ProducesProblem(StatusCodes.Status404NotFound);
        var hits = app.MapGroup("/api/hits").WithTags("Screening");
        hits.MapGet("/", List).RequireAuthorization(AccessPolicies.Read)
            .WithSummary("Hits, newest first (personal data: purpose and justification required, the read is recorded); ?overdue=true: the issuer's deadline has passed")
            .ProducesProblem(StatusCodes.Status400BadRequest).ProducesProblem(StatusCodes.Status403Forbidden);
        hits.MapGet("/stats", Stats).RequireAuthorization(AccessPolicies.Read).WithSummary("Hit rates per alert and per category: confirmed / decided");
        hits.MapGet("/{id}", Get).RequireAuthorization(AccessPolicies.Read).WithSummary("One hit with its explanation, decision and report (purpose and justification required)")
            .ProducesProblem(StatusCodes.Status403Forbidden).ProducesProblem(StatusCodes.Status404NotFound);
        hits.MapPost("/{id}/confirmation", Confirm).RequireAuthorization(AccessPolicies.Submit)
            .WithSummary("Confirm a hit: what was done, found, where; on a partner's alert the issuer is sent the action-taken report")
            .ProducesProblem(StatusCodes.Status400BadRequest).ProducesProblem(StatusCodes.Status404NotFound).ProducesProblem(StatusCodes.Status409Conflict);
        hits.MapPost("/{id}/discard", Discard).RequireAuthorization(AccessPolicies.Submit).WithSummary("Discard a hit with the reason (kept: it feeds the precision figures)")
            .ProducesProblem(StatusCodes.Status400BadRequest).ProducesProblem(StatusCodes.Status404NotFound).ProducesProblem(StatusCodes.Status409Conflict);
        app.MapGet("/api/alerts/{id}/reports", Reports).WithTags("Alerts").RequireAuthorization(AccessPolicies.Read)
            .WithSummary("Action-taken reports partners sent about an alert of this node (on a person alert, what was checked and found only with purpose and justification)")
            .ProducesProblem(StatusCodes.Status403Forbidden).ProducesProblem(StatusCodes.Status404NotFound);
        return app;
    }

    private static async Task<Results<Ok<ScreeningResult>, ProblemHttpResult>> Screen(ScreeningCheck body, ScreenAdHoc screen, ClaimsPrincipal user, CancellationToken cancellationToken) =>
        await screen.CheckAsync(AccessPolicies.UserOf(user), AccessRecorder.Api, body, cancellationToken) switch
        {
            ScreenAdHocResult.Done d => TypedResults.Ok(d.Result),
            ScreenAdHocResult.Refused r => Problem(403, "Personal data refused", [new("purpose", r.Reason)]),
            ScreenAdHocResult.Failed { Outcome: ScreeningOutcome.NotFound n } => Problem(404, "Not found", n.Errors),
            ScreenAdHocResult.Failed { Outcome: ScreeningOutcome.Invalid i } => Problem(400, "Invalid check", i.Errors),
            _ => throw new InvalidOperationException(),
        };

    private static async Task<Results<Ok<IReadOnlyList<Hit>>, ProblemHttpResult>> List(ReadHits read, ClaimsPrincipal user, string? state, bool? overdue, string? alert, int? limit,
        string? purpose, string? justification, CancellationToken cancellationToken)
    {
        var errors = new List<FieldError>();
        var filter = new HitFilter(Overdue: overdue ?? false, AlertId: alert, Limit: limit ?? 100);
        if (limit is < 1 or > 1000) errors.Add(new("limit", $"expected 1 to 1000, got {limit}"));
        if (state is not null)
        {
            if (HitJson.ParseState(state) is { } s) filter = filter with { State = s };
            else errors.Add(new("state", $"expected one of open, confirmed, discarded, got '{state}'"));
        }
        if (errors.Count > 0) return Problem(400, "Invalid query", errors);
        return await read.ListAsync(AccessPolicies.UserOf(user), AccessRecorder.Api, filter, purpose, justification, cancellationToken) switch
        {
            ReadHitsResult.Read r => TypedResults.Ok(r.Hits),
            ReadHitsResult.Refused r => Problem(403, "Personal data refused", [new("purpose", r.Reason)]),
            _ => throw new InvalidOperationException(),
        };
    }

    private static async Task<Results<Ok<Hit>, ProblemHttpResult>> Get(string id, ReadHits read, ClaimsPrincipal user, string? purpose, string? justification, CancellationToken cancellationToken) =>
        await read.GetAsync(AccessPolicies.UserOf(user), AccessRecorder.Api, id, purpose, justification, cancellationToken) switch
        {
            ReadHitsResult.Read r => TypedResults.Ok(r.Hits[0]),
            ReadHitsResult.Refused r => Problem(403, "Personal data refused", [new("purpose", r.Reason)]),
            _ => Problem(404, "Not found", [new("id", $"no hit {id}")]),
        };

    private static async Task<Ok<HitStats>> Stats(ScreeningDesk desk, CancellationToken cancellationToken) => TypedResults.Ok(await desk.StatsAsync(cancellationToken));

    private static async Task<Results<Ok<Hit>, ProblemHttpResult>> Confirm(string id, HitConfirmation body, ScreeningDesk desk, ClaimsPrincipal user, CancellationToken cancellationToken) =>
        Answer(await desk.ConfirmAsync(id, body.ActionTaken, body.Found, body.Place, AccessPolicies.UserOf(user).Name, cancellationToken));

    private static async Task<Results<Ok<Hit>, ProblemHttpResult>> Discard(string id, HitDiscard body, ScreeningDesk desk, ClaimsPrincipal user, CancellationToken cancellationToken) =>
        Answer(await desk.DiscardAsync(id, body.Reason, AccessPolicies.UserOf(user).Name, cancellationToken));

    private static async Task<Results<Ok<IReadOnlyList<JsonObject>>, ProblemHttpResult>> Reports(string id, ReadAlerts read, ScreeningDesk desk, ClaimsPrincipal user, string? purpose,
        string? justification, CancellationToken cancellationToken) =>
        await read.GetAsync(AccessPolicies.UserOf(user), AccessRecorder.Api, id, purpose, justification, cancellationToken) switch
        {
            ReadAlertsResult.Read r => TypedResults.Ok(ActionTakenReports.Shown(await desk.ReportsAsync(id, cancellationToken), r.Alerts[0], r.PersonalDataShown)),
            ReadAlertsResult.Refused r => Problem(403, "Personal data refused", [new("purpose", r.Reason)]),
            _ => Problem(404, "Not found", [new("id", $"no alert {id}")]),
        };

    private static Results<Ok<Hit>, ProblemHttpResult> Answer(HitOutcome outcome) => outcome switch
    {
        HitOutcome.Done d => TypedResults.Ok(d.Hit),
        HitOutcome.NotFound => Problem(404, "Not found", outcome.Problems),
        HitOutcome.NotAllowed => Problem(409, "Decided already", outcome.Problems),
        _ => Problem(400, "Invalid decision", outcome.Problems),
    };

    private static ProblemHttpResult Problem(int status, string title, IReadOnlyList<FieldError> errors) =>
        TypedResults.Problem(FieldError.Detail(errors), statusCode: status, title: title, extensions: new Dictionary<string, object?> { ["errors"] = errors.ToArray() });
}
