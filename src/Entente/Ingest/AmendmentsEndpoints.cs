using System.Security.Claims;
using Entente.Access;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;

namespace Entente.Ingest;

/// <summary>Amendments visible: a declaration's superseded versions (party data under a purpose) and the amendments still waiting for their declaration.</summary>
public static class AmendmentsEndpoints
{
    public static IEndpointRouteBuilder MapAmendmentsEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapGet("/api/declarations/{reference}/versions", Versions).RequireAuthorization(AccessPolicies.Read).WithTags("Declarations")
            .WithSummary("The versions of a declaration that amendments superseded, oldest first (party data withheld without an allowed purpose and justification)")
            .ProducesProblem(StatusCodes.Status403Forbidden).ProducesProblem(StatusCodes.Status404NotFound);
        app.MapGet("/api/declarations/amendments/pending", Pending).RequireAuthorization(AccessPolicies.Read).WithTags("Declarations")
            .WithSummary("The amendments kept until the declaration they name arrives, oldest first")
            .ProducesProblem(StatusCodes.Status401Unauthorized);
        return app;
    }

    private static async Task<Results<Ok<DeclarationVersions>, ProblemHttpResult>> Versions(
        string reference, string? purpose, string? justification, ReadDeclarationVersions read, ClaimsPrincipal principal, CancellationToken cancellationToken) =>
        await read.HandleAsync(AccessPolicies.UserOf(principal), AccessRecorder.Api, new ReadDeclarationInput(reference, purpose, justification), cancellationToken) switch
        {
            DeclarationVersionsResult.Read r => TypedResults.Ok(r.Versions),
            DeclarationVersionsResult.Refused r => TypedResults.Problem(r.Reason, statusCode: 403, title: "Personal data refused"),
            _ => TypedResults.Problem($"no declaration with id, MRN or LRN '{reference}'", statusCode: 404, title: "Not found"),
        };

    private static async Task<Ok<IReadOnlyList<PendingAmendmentView>>> Pending(ListPendingAmendments list, CancellationToken cancellationToken) =>
        TypedResults.Ok(await list.HandleAsync(cancellationToken));
}
