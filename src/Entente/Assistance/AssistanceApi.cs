using System.Security.Claims;
using System.Text.Json.Nodes;
using Entente.Access;
using Entente.Agreements;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.ModelBinding;
using Microsoft.AspNetCore.Routing;

namespace Entente.Assistance;

public sealed record NewAssistanceRequest(
    string? To, string? Agreement, string? LegalBasis, string? Purpose, string? CaseReference, string? Subject,
    IReadOnlyList<string>? Declarations, IReadOnlyList<string>? Parties, DateTimeOffset? AnswerBy);

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
        api.MapPost("/", New).WithSummary("Create and send a request citing agreement, legal basis, purpose and case (refused without a legal basis)");
        api.MapPost("/{id}/acknowledge", Acknowledge).WithSummary("Acknowledge a received request (requested authority)");
        api.MapPost("/{id}/answers", Answer).WithSummary("Answer a received request, in one part or several (requested authority)");
        api.MapPost("/{id}/decline", Decline).WithSummary("Decline a received request with grounds (requested authority)");
        api.MapPost("/{id}/withdraw", Withdraw).WithSummary("Withdraw a request before it is answered (applicant)");
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

    private static async Task<Results<Created<JsonObject>, ProblemHttpResult>> New(NewAssistanceRequest body, AssistanceDesk desk, TimeProvider time, ClaimsPrincipal user, CancellationToken cancellationToken)
    {
        Purpose purpose = default;
        if (body.Purpose is null || !AgreementDocument.TryEnum(body.Purpose, out purpose))
            return Problem(new AssistanceException(AssistanceError.Invalid, "/purpose", $"expected one of {AgreementDocument.Names<Purpose>()}"));
        var draft = new AssistanceDraft(body.To ?? "", body.Agreement ?? "", body.LegalBasis ?? "", purpose, body.CaseReference ?? "", body.Subject ?? "")
        {
            Declarations = body.Declarations ?? [],
            Parties = body.Parties ?? [],
            AnswerBy = body.AnswerBy,
        };
        return await Run(async () =>
        {
            var request = await desk.NewAsync(draft, AccessPolicies.UserOf(user).Name, cancellationToken);
            return TypedResults.Created($"/api/assistance-requests/{request.Id}", request.ToJson(desk.Node, time.GetUtcNow()));
        });
    }

    private static Task<Results<Ok<JsonObject>, ProblemHttpResult>> Acknowledge(string id, [FromBody(EmptyBodyBehavior = EmptyBodyBehavior.Allow)] AcknowledgeAssistance? body,
        AssistanceDesk desk, TimeProvider time, ClaimsPrincipal user, CancellationToken cancellationToken) =>
        Move(desk, time, () => desk.AcknowledgeAsync(id, AccessPolicies.UserOf(user).Name, body?.Reference, cancellationToken));

    private static Task<Results<Ok<JsonObject>, ProblemHttpResult>> Answer(string id, AnswerAssistance body, AssistanceDesk desk, TimeProvider time, ClaimsPrincipal user, CancellationToken cancellationToken) =>
        Move(desk, time, () => desk.AnswerAsync(id, body.Text, body.Data, body.Final, AccessPolicies.UserOf(user).Name, cancellationToken));

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
    public static ProblemHttpResult Problem(AssistanceException e)
    {
        var (status, title) = e.Error switch
        {
            AssistanceError.NotFound => (404, "Not found"),
            AssistanceError.IllegalMove => (409, "Move not allowed"),
            AssistanceError.NoLegalBasis => (422, "No legal basis"),
            _ => (400, "Invalid request"),
        };
        return TypedResults.Problem(e.Message, statusCode: status, title: title, extensions: new Dictionary<string, object?>
        {
            ["errors"] = e.Problems.Select(p => new { field = p.Field, message = p.Message }).ToArray(),
        });
    }
}
