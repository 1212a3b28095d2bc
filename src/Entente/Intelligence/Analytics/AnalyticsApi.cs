using Entente.Access;
using Entente.Common;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;

namespace Entente.Intelligence.Analytics;

/// <summary>Analytics over HTTP (docs/intelligence.md): seizure trends with flags, origin–destination flows, hit rates over time.</summary>
public static class AnalyticsApi
{
    public static IEndpointRouteBuilder MapAnalyticsApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/analytics").WithTags("Analytics");
        api.MapGet("/seizure-trends", Trends).RequireAuthorization(AccessPolicies.Read)
            .WithSummary("Seizures per month by commodity, route, concealment, detection or month; spikes and new routes flagged (Poisson test, stated)")
            .ProducesProblem(StatusCodes.Status400BadRequest);
        api.MapGet("/flows", Flows).RequireAuthorization(AccessPolicies.Read).WithSummary("The top origin–destination flows of seizures")
            .ProducesProblem(StatusCodes.Status400BadRequest);
        api.MapGet("/hit-rates", HitRates).RequireAuthorization(AccessPolicies.Read)
            .WithSummary("Hit rates per lane and per rule per month, seizures linked to an assessment or its declaration counted as hits");
        return app;
    }

    private static async Task<Results<Ok<Trend>, ProblemHttpResult>> Trends(SeizureAnalytics analytics, string? by, string? from, string? to, CancellationToken cancellationToken)
    {
        var errors = new List<FieldError>();
        TrendBy trendBy = TrendBy.Month;
        if (by is not null && !Enum.TryParse(by, ignoreCase: true, out trendBy)) errors.Add(new("by", "expected month, commodity, route, concealment or detection"));
        foreach (var (name, month) in new[] { ("from", from), ("to", to) })
            if (month is not null && Seizures.SeizureFacts.Date(month) is null) errors.Add(new(name, "expected a month, yyyy-MM"));
        if (errors.Count > 0) return Problem(errors);
        return TypedResults.Ok(await analytics.TrendAsync(trendBy, from, to, cancellationToken));
    }

    private static async Task<Results<Ok<IReadOnlyList<Flow>>, ProblemHttpResult>> Flows(SeizureAnalytics analytics, int? top, CancellationToken cancellationToken)
    {
        if (top is < 1 or > 1000) return Problem([new("top", $"expected 1 to 1000, got {top}")]);
        return TypedResults.Ok(await analytics.FlowsAsync(top ?? 10, cancellationToken));
    }

    private static async Task<Ok<HitRatesOverTime>> HitRates(SeizureAnalytics analytics, CancellationToken cancellationToken) =>
        TypedResults.Ok(await analytics.HitRatesAsync(cancellationToken));

    private static ProblemHttpResult Problem(List<FieldError> errors) => ProblemsApi.Problem(400, "Invalid query", errors);
}
