using System.Security.Claims;
using Entente.Common;
using Entente.Declarations;
using Entente.Storage;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Logging;

namespace Entente.Access;

/// <summary>A page of search hits; party identifiers withheld unless a purpose was stated.</summary>
public sealed record SearchResult(IReadOnlyList<DeclarationListing> Items, string? Next, string? Notice);

public sealed record StatusChangeRequest(string Status, string? Reason);

public sealed record StatusChangeResponse(string Id, string From, string To);

public sealed record HistoryEntry(DateTimeOffset At, string? From, string To, string Actor, string? Reason);

/// <summary>/api/declarations: search, read (personal data under a purpose, ledgered), history, status moves, the summary.</summary>
public static class DeclarationsEndpoints
{
    public static IEndpointRouteBuilder MapDeclarationsEndpoints(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/declarations").WithTags("Declarations");

        api.MapGet("/", Search).RequireAuthorization(AccessPolicies.Read).WithSummary("Search declarations");
        api.MapGet("/{reference}", Get).RequireAuthorization(AccessPolicies.Read).WithSummary("Get a declaration by id, MRN or LRN");
        api.MapGet("/{reference}/history", History).RequireAuthorization(AccessPolicies.Read).WithSummary("Status history of a declaration");
        api.MapPost("/{reference}/status", ChangeStatus).RequireAuthorization(AccessPolicies.ChangeStatus)
            .WithSummary("Move a declaration to a new lifecycle status (01 accepted, 05 control, 08 released, 09 cleared...)")
            .ProducesProblem(StatusCodes.Status409Conflict);
        app.MapGet("/api/summary", Summary).RequireAuthorization(AccessPolicies.Read).WithTags("Declarations")
            .WithSummary("Counts, top HS chapters and origins, declared value");
        return app;
    }

    private static async Task<Results<Ok<SearchResult>, ProblemHttpResult>> Search(
        SearchDeclarations search, ClaimsPrincipal principal, string? reference, string? party, string? hs, string? origin, string? from, string? to,
        string? container, string? status, string? finding, int? limit, string? after, string? purpose, string? justification, CancellationToken cancellationToken)
    {
        var input = new SearchDeclarationsInput
        {
            Reference = reference,
            Party = party,
            Hs = hs,
            Origin = origin,
            From = from,
            To = to,
            Container = container,
            Status = status,
            Finding = finding,
            Limit = limit,
            After = after,
            Purpose = purpose,
            Justification = justification,
        };
        return await search.HandleAsync(AccessPolicies.UserOf(principal), AccessRecorder.Api, input, cancellationToken) switch
        {
            SearchDeclarationsResult.Found f => TypedResults.Ok(new SearchResult(f.Page.Items, f.Page.Next, f.Notice)),
            SearchDeclarationsResult.Refused { Parameter: { } p } r => Problem(403, "Personal data refused", [new FieldError(p, r.Reason)]),
            SearchDeclarationsResult.Refused r => Problem(403, "Personal data refused", r.Reason),
            SearchDeclarationsResult.Invalid i => Problem(400, "Bad query", [.. i.Problems.Select(q => new FieldError(q.Parameter, q.Message))]),
            _ => throw new InvalidOperationException(),
        };
    }

    private static async Task<Results<Ok<DeclarationEnvelope>, ProblemHttpResult>> Get(
        string reference, string? purpose, string? justification, ReadDeclaration read, ClaimsPrincipal principal, CancellationToken cancellationToken) =>
        await read.HandleAsync(AccessPolicies.UserOf(principal), AccessRecorder.Api, new ReadDeclarationInput(reference, purpose, justification), cancellationToken) switch
        {
            ReadDeclarationResult.Read r => TypedResults.Ok(r.Envelope),
            ReadDeclarationResult.Refused r => Problem(403, "Personal data refused", r.Reason),
            _ => Problem(404, "Not found", $"no declaration with id, MRN or LRN '{reference}'"),
        };

    private static async Task<Results<Ok<IReadOnlyList<HistoryEntry>>, ProblemHttpResult>> History(string reference, IDeclarationStore store, CancellationToken cancellationToken)
    {
        var stored = await store.FindAsync(reference, cancellationToken);
        if (stored is null) return Problem(404, "Not found", $"no declaration with id, MRN or LRN '{reference}'");
        var history = await store.GetHistoryAsync(stored.Declaration.Id!, cancellationToken);
        return TypedResults.Ok<IReadOnlyList<HistoryEntry>>(history
            .Select(h => new HistoryEntry(h.At, h.From is { } f ? DeclarationLifecycle.ToName(f) : null, DeclarationLifecycle.ToName(h.To), h.Actor, h.Reason))
            .ToList());
    }

    private static async Task<Results<Ok<StatusChangeResponse>, ProblemHttpResult>> ChangeStatus(
        string reference, StatusChangeRequest body, IDeclarationStore store, ClaimsPrincipal user, ILoggerFactory loggers, CancellationToken cancellationToken)
    {
        if (body.Status is null || !DeclarationLifecycle.TryParse(body.Status, out var to))
            return Problem(400, "Unknown status", [new FieldError("/status", $"'{body.Status}' is not a declaration status; use a notification code (01, 05, 08, 09...) or a name (accepted, control, goods-released, cleared...)")]);
        if (body.Reason is { Length: > 1000 }) return Problem(400, "Reason too long", [new FieldError("/reason", "at most 1000 characters")]);
        var stored = await store.FindAsync(reference, cancellationToken);
        if (stored is null) return Problem(404, "Not found", $"no declaration with id, MRN or LRN '{reference}'");
        var change = await store.ChangeStatusAsync(stored.Declaration.Id!, to, user.Identity?.Name ?? "?", body.Reason, cancellationToken);
        if (!change.Found) return Problem(404, "Not found", $"no declaration '{reference}'");
        if (!change.Allowed)
        {
            var allowed = string.Join(", ", DeclarationLifecycle.AllowedFrom(change.From!.Value).Select(DeclarationLifecycle.ToName));
            return Problem(409, "Status move not allowed",
                $"a declaration cannot move from {DeclarationLifecycle.ToName(change.From.Value)} to {DeclarationLifecycle.ToName(to)}; allowed: {(allowed.Length > 0 ? allowed : "none (final status)")}");
        }
        AccessLog.StatusMoved(loggers.CreateLogger(typeof(DeclarationsEndpoints).FullName!), user.Identity?.Name ?? "?", stored.Declaration.Id!,
            DeclarationLifecycle.ToName(change.From!.Value), DeclarationLifecycle.ToName(to));
        return TypedResults.Ok(new StatusChangeResponse(stored.Declaration.Id!, DeclarationLifecycle.ToName(change.From!.Value), DeclarationLifecycle.ToName(to)));
    }

    private static async Task<Ok<DeclarationSummary>> Summary(IDeclarationStore store, CancellationToken cancellationToken) =>
        TypedResults.Ok(await store.SummariseAsync(10, cancellationToken));

    private static ProblemHttpResult Problem(int status, string title, string detail) =>
        TypedResults.Problem(detail, statusCode: status, title: title);

    private static ProblemHttpResult Problem(int status, string title, IReadOnlyList<FieldError> errors) =>
        TypedResults.Problem(FieldError.Detail(errors), statusCode: status, title: title, extensions: new Dictionary<string, object?> { ["errors"] = errors });
}
