using System.Security.Claims;
using Entente.Access;
using Entente.Common;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;

namespace Entente.Intelligence.Mirror;

/// <summary>POST /api/mirror/runs, GET /api/mirror/pairs, GET /api/mirror/stats (docs/mirror.md).</summary>
public static class MirrorApi
{
    public static IEndpointRouteBuilder MapMirrorApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/mirror").WithTags("Mirror");
        api.MapPost("/runs", Run).RequireAuthorization(AccessPolicies.Assess)
            .WithSummary("Pair a partner's export declarations (received under an agreement) with our imports and write the discrepancies as findings on the imports")
            .ProducesProblem(StatusCodes.Status400BadRequest);
        api.MapGet("/pairs", Pairs).RequireAuthorization(AccessPolicies.Assess)
            .WithSummary("Stored mirror pairs, newest month first; discrepancies=true for those with a discrepancy only")
            .ProducesProblem(StatusCodes.Status400BadRequest);
        api.MapGet("/stats", Stats).RequireAuthorization(AccessPolicies.Assess)
            .WithSummary("Mirror statistics by partner × HS6 × month (partner-reported exports against our imports); plot=png or plot=svg answers the chart")
            .Produces<byte[]>(StatusCodes.Status200OK, "image/png", "image/svg+xml")
            .ProducesProblem(StatusCodes.Status400BadRequest);
        return app;
    }

    private static async Task<Results<Ok<MirrorRunReport>, ProblemHttpResult>> Run(MirrorRunInput body, MirrorChecks checks, ClaimsPrincipal user, CancellationToken cancellationToken) =>
        await checks.RunAsync(body, AccessPolicies.UserOf(user).Name, cancellationToken) switch
        {
            MirrorResult.Ran r => TypedResults.Ok(r.Report),
            MirrorResult.Invalid i => Invalid(i.Errors),
            _ => throw new InvalidOperationException(),
        };

    private static async Task<Results<Ok<IReadOnlyList<MirrorPairRecord>>, ProblemHttpResult>> Pairs(MirrorChecks checks, string? partner, bool? discrepancies, int? limit,
        CancellationToken cancellationToken)
    {
        if (limit is < 1 or > 10_000) return Invalid([new FieldError("limit", $"expected 1 to 10000, got {limit}")]);
        return TypedResults.Ok(await checks.ListAsync(partner, discrepancies ?? false, limit ?? 100, cancellationToken));
    }

    private static async Task<IResult> Stats(MirrorChecks checks, string? partner, string? plot, CancellationToken cancellationToken)
    {
        if (plot is not (null or "png" or "svg")) return Invalid([new FieldError("plot", $"expected png or svg, got '{plot}'")]);
        var statistics = await checks.StatisticsAsync(partner, cancellationToken);
        if (plot is null) return TypedResults.Ok(statistics);
        var chart = MirrorPlot.Chart(statistics);
        return plot == "png"
            ? TypedResults.Bytes(chart.GetImageBytes(1000, 600, ScottPlot.ImageFormat.Png), "image/png")
            : TypedResults.Text(chart.GetSvgXml(1000, 600), "image/svg+xml");
    }

    private static ProblemHttpResult Invalid(IReadOnlyList<FieldError> errors) => ProblemsApi.Problem(400, "Invalid mirror request", errors);
}
