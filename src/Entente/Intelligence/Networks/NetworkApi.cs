using System.Security.Claims;
using Entente.Access;
using Entente.Common;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;

namespace Entente.Intelligence.Networks;

/// <summary>GET /api/network/{neighbourhood,path,components,communities,seizures} (docs/networks.md).</summary>
public static class NetworkApi
{
    public static IEndpointRouteBuilder MapNetworkApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/network").WithTags("Network");
        api.MapGet("/neighbourhood", Neighbourhood).RequireAuthorization(AccessPolicies.Assess)
            .WithSummary("The identifiers within `hops` (default 2) of a node (party:ID, container:ID, vessel:ID, declaration:ID or MRN); party data needs purpose and justification")
            .ProducesProblem(StatusCodes.Status400BadRequest).ProducesProblem(StatusCodes.Status404NotFound);
        api.MapGet("/path", Path).RequireAuthorization(AccessPolicies.Assess)
            .WithSummary("A shortest path between two nodes, through the consignments that link them")
            .ProducesProblem(StatusCodes.Status400BadRequest).ProducesProblem(StatusCodes.Status404NotFound);
        api.MapGet("/components", Components).RequireAuthorization(AccessPolicies.Assess)
            .WithSummary("Connected components, those with seizures first, members by PageRank")
            .ProducesProblem(StatusCodes.Status400BadRequest);
        api.MapGet("/communities", Communities).RequireAuthorization(AccessPolicies.Assess)
            .WithSummary("Communities (label propagation) with their members' seizure history")
            .ProducesProblem(StatusCodes.Status400BadRequest);
        api.MapGet("/seizures", Seizures).RequireAuthorization(AccessPolicies.Assess)
            .WithSummary("For each seized consignment, who is within `hops` (default 2) of it")
            .ProducesProblem(StatusCodes.Status400BadRequest);
        return app;
    }

    private static Task<Results<Ok<NetworkAnswer>, ProblemHttpResult>> Neighbourhood(NetworkQueries network, ClaimsPrincipal user, string? node, int? hops, int? limit,
        string? purpose, string? justification, CancellationToken cancellationToken) =>
        Answer(network.NeighbourhoodAsync(AccessPolicies.UserOf(user), AccessRecorder.Api, new NetworkQuery(node, null, hops, limit, purpose, justification), cancellationToken));

    private static Task<Results<Ok<NetworkAnswer>, ProblemHttpResult>> Path(NetworkQueries network, ClaimsPrincipal user, string? from, string? to, int? hops,
        string? purpose, string? justification, CancellationToken cancellationToken) =>
        Answer(network.PathAsync(AccessPolicies.UserOf(user), AccessRecorder.Api, new NetworkQuery(from, to, hops, null, purpose, justification), cancellationToken));

    private static Task<Results<Ok<NetworkAnswer>, ProblemHttpResult>> Components(NetworkQueries network, ClaimsPrincipal user, int? limit, string? purpose, string? justification,
        CancellationToken cancellationToken) =>
        Answer(network.ComponentsAsync(AccessPolicies.UserOf(user), AccessRecorder.Api, new NetworkQuery(Limit: limit, Purpose: purpose, Justification: justification), cancellationToken));

    private static Task<Results<Ok<NetworkAnswer>, ProblemHttpResult>> Communities(NetworkQueries network, ClaimsPrincipal user, int? limit, string? purpose, string? justification,
        CancellationToken cancellationToken) =>
        Answer(network.CommunitiesAsync(AccessPolicies.UserOf(user), AccessRecorder.Api, new NetworkQuery(Limit: limit, Purpose: purpose, Justification: justification), cancellationToken));

    private static Task<Results<Ok<NetworkAnswer>, ProblemHttpResult>> Seizures(NetworkQueries network, ClaimsPrincipal user, int? hops, int? limit, string? purpose,
        string? justification, CancellationToken cancellationToken) =>
        Answer(network.SeizedAsync(AccessPolicies.UserOf(user), AccessRecorder.Api, new NetworkQuery(Hops: hops, Limit: limit, Purpose: purpose, Justification: justification), cancellationToken));

    private static async Task<Results<Ok<NetworkAnswer>, ProblemHttpResult>> Answer(Task<NetworkResult> result) => await result switch
    {
        NetworkResult.Found f => TypedResults.Ok(f.Answer),
        NetworkResult.NotFound n => ProblemsApi.Problem(404, "Not in the network", [new FieldError(n.Detail.Split(':')[0], n.Detail)]),
        NetworkResult.Refused r => ProblemsApi.Problem(403, "Personal data refused", [new FieldError("purpose", r.Reason)]),
        NetworkResult.Invalid i => ProblemsApi.Problem(400, "Invalid network query", i.Errors),
        _ => throw new InvalidOperationException(),
    };
}
