using System.Security.Claims;
using System.Text.Json.Nodes;
using Entente.Access;
using Entente.Agreements;
using Entente.Common;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.ModelBinding;
using Microsoft.AspNetCore.Routing;

namespace Entente.Assistance;

public sealed record AcknowledgeAssistance(string? Reference);

public sealed record AnswerAssistance(string? Text, JsonObject? Data, bool Final);

public sealed record DeclineAssistance(string? Grounds);

public sealed record WithdrawAssistance(string? Reason);

/// <summary>Mutual-assistance requests over HTTP, for liaison officers and officers (docs/assistance.md).</summary>
public static class AssistanceApi
{
    public static IEndpointRouteBuilder MapAssistanceApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/assistance-requests").WithTags("Assistance").RequireAuthorization(AccessPolicies.Assistance);
        api.MapGet("/", List).WithSummary("Requests this node sent or received, newest first; ?overdue=true: only those open past their answer-by time");
        api.MapGet("/{id}", Get).WithSummary("One request with its answers, deadline and history");
        api.MapPost("/", New).WithSummary("Create and send a request citing agreement, legal basis, purpose and case (refused without a legal basis)")
            .ProducesProblem(StatusCodes.Status422UnprocessableEntity);
        api.MapPost("/{id}/acknowledge", Acknowledge).WithSummary("Acknowledge a received request (requested authority)").ProducesProblem(StatusCodes.Status409Conflict);
        api.MapPost("/{id}/answers", Answer).WithSummary("Answer a received request, in one part or several (requested authority)").ProducesProblem(StatusCodes.Status409Conflict);
        api.MapPost("/{id}/decline", Decline).WithSummary("Decline a received request with grounds (requested authority)").ProducesProblem(StatusCodes.Status409Conflict);
        api.MapPost("/{id}/withdraw", Withdraw).WithSummary("Withdraw a request before it is answered (applicant)").ProducesProblem(StatusCodes.Status409Conflict);
        return app;
    }

    private static async Task<Results<Ok<IReadOnlyList<AssistanceSummary>>, ProblemHttpResult>> List(AssistanceDesk desk, bool? overdue, string? status, int? limit, CancellationToken cancellationToken)
    {
        AssistanceStatus? only = null;
        if (status is not null)
        {
            if (!AgreementDocument.TryEnum<AssistanceStatus>(status, out var s)) return Problem(new AssistanceException(AssistanceError.Invalid, "/status", $"expected {AgreementDocument.Names<AssistanceStatus>()}"));
            only = s;
        }
        return TypedResults.Ok(await desk.ListAsync(new AssistanceFilter(overdue ?? false, only, Limit: limit ?? 100), cancellationToken));
    }

    private static async Task<Results<Ok<JsonObject>, ProblemHttpResult>> Get(string id, AssistanceDesk desk, TimeProvider time, CancellationToken cancellationToken) =>
        await desk.GetAsync(id, cancellationToken) is { } request
            ? TypedResults.Ok(request.ToJson(desk.Node, time.GetUtcNow()))
            : Problem(new AssistanceException(AssistanceError.NotFound, "/id", $"no assistance request {id} at {desk.Node}"));

    private static async Task<Results<Created<JsonObject>, ProblemHttpResult>> New(NewAssistanceRequestInput body, NewAssistanceRequest @new, AssistanceDesk desk, TimeProvider time,
        ClaimsPrincipal user, CancellationToken cancellationToken) =>
        await @new.HandleAsync(AccessPolicies.UserOf(user).Name, body, cancellationToken) switch
        {
            AssistanceOutcome.Done d => TypedResults.Created($"/api/assistance-requests/{d.Request.Id}", d.Request.ToJson(desk.Node, time.GetUtcNow())),
            var refused => Problem(refused),
        };

    private static Task<Results<Ok<JsonObject>, ProblemHttpResult>> Acknowledge(string id, [FromBody(EmptyBodyBehavior = EmptyBodyBehavior.Allow)] AcknowledgeAssistance? body,
        AssistanceDesk desk, TimeProvider time, ClaimsPrincipal user, CancellationToken cancellationToken) =>
        Move(desk, time, () => desk.AcknowledgeAsync(id, AccessPolicies.UserOf(user).Name, body?.Reference, cancellationToken));

    private static async Task<Results<Ok<JsonObject>, ProblemHttpResult>> Answer(string id, AnswerAssistance body, AnswerAssistanceRequest answer, AssistanceDesk desk,
        TimeProvider time, ClaimsPrincipal user, CancellationToken cancellationToken) =>
        await answer.HandleAsync(AccessPolicies.UserOf(user).Name, new AnswerAssistanceRequestInput(id, body.Text, body.Data, body.Final), cancellationToken) switch
        {
            AssistanceOutcome.Done d => TypedResults.Ok(d.Request.ToJson(desk.Node, time.GetUtcNow())),
            var refused => Problem(refused),
        };

    private static Task<Results<Ok<JsonObject>, ProblemHttpResult>> Decline(string id, DeclineAssistance body, AssistanceDesk desk, TimeProvider time, ClaimsPrincipal user, CancellationToken cancellationToken) =>
        string.IsNullOrWhiteSpace(body.Grounds)
            ? Task.FromResult<Results<Ok<JsonObject>, ProblemHttpResult>>(Problem(new AssistanceException(AssistanceError.Invalid, "/grounds", "required: say why the request is declined")))
            : Move(desk, time, () => desk.DeclineAsync(id, body.Grounds, AccessPolicies.UserOf(user).Name, cancellationToken));

    private static Task<Results<Ok<JsonObject>, ProblemHttpResult>> Withdraw(string id, [FromBody(EmptyBodyBehavior = EmptyBodyBehavior.Allow)] WithdrawAssistance? body,
        AssistanceDesk desk, TimeProvider time, ClaimsPrincipal user, CancellationToken cancellationToken) =>
        Move(desk, time, () => desk.WithdrawAsync(id, body?.Reason, AccessPolicies.UserOf(user).Name, cancellationToken));

    private static Task<Results<Ok<JsonObject>, ProblemHttpResult>> Move(AssistanceDesk desk, TimeProvider time, Func<Task<AssistanceRequest>> move) =>
        Run(async () => TypedResults.Ok((await move()).ToJson(desk.Node, time.GetUtcNow())));

    private static async Task<Results<T, ProblemHttpResult>> Run<T>(Func<Task<T>> action) where T : IResult
    {
        try
        {
            return await action();
        }
        catch (AssistanceException e)
        {
            return Problem(e);
        }
    }

    /// <summary>400 invalid, 422 no legal basis, 409 illegal move, 404 not found; "errors" lists each field pointer and message.</summary>
    public static ProblemHttpResult Problem(AssistanceException e) => Problem(AssistanceOutcome.Of(e));

    private static ProblemHttpResult Problem(AssistanceOutcome refused)
    {
        var (status, title, problems) = refused switch
        {
            AssistanceOutcome.NotFound n => (404, "Not found", n.Problems),
            AssistanceOutcome.NotAllowed n => (409, "Move not allowed", n.Problems),
            AssistanceOutcome.NoLegalBasis n => (422, "No legal basis", n.Problems),
            AssistanceOutcome.Invalid i => (400, "Invalid request", i.Problems),
            _ => throw new InvalidOperationException(),
        };
        return TypedResults.Problem(AssistanceOutcome.Message(problems), statusCode: status, title: title, extensions: new Dictionary<string, object?>
        {
            ["errors"] = problems.Select(p => new FieldError(p.Field, p.Message)).ToArray(),
        });
    }
}
