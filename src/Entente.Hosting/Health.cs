using System.Text.Json;
using Entente.Exchange;
using Entente.Ledger;
using Entente.Storage;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;

namespace Entente.Hosting;

/// <summary>
/// Probes for an orchestrator (Kubernetes style), anonymous: /health/live answers while the process runs;
/// /health/ready when the database answers with the current schema, the ledger's head can be read and the exchange
/// dispatcher runs and the warm-up (<see cref="NodeWarmUp"/>) is done. /health stays as the liveness probe earlier versions had.
/// </summary>
public static class Health
{
    public const string Ready = "ready";

    public static IServiceCollection AddNodeHealthChecks(this IServiceCollection services)
    {
        services.AddHealthChecks()
            .AddCheck<DatabaseCheck>("database", tags: [Ready])
            .AddCheck<LedgerCheck>("ledger", tags: [Ready])
            .AddCheck<DispatcherCheck>("exchange-dispatcher", tags: [Ready])
            .AddCheck<NodeWarmUp.Check>("warm-up", tags: [Ready]);
        return services;
    }

    public static IEndpointRouteBuilder MapNodeHealthChecks(this IEndpointRouteBuilder app)
    {
        var live = new HealthCheckOptions { Predicate = _ => false, ResponseWriter = WriteAsync };
        app.MapHealthChecks("/health", live).AllowAnonymous();
        app.MapHealthChecks("/health/live", live).AllowAnonymous();
        // Before the warm-up is done the node is not ready, and says so, without running the checks: a probe that
        // arrives early is the expected start-up, not a failing check (the health check service logs each unhealthy
        // check as an error). Once warmed up, every check runs and a real failure is answered 503 and logged.
        var ready = new HealthCheckOptions { Predicate = c => c.Tags.Contains(Ready), ResponseWriter = WriteAsync };
        var pipeline = app.CreateApplicationBuilder()
            .Use(async (context, next) =>
            {
                if (context.RequestServices.GetRequiredService<NodeWarmUp>().Done.IsCompleted)
                {
                    await next(context);
                    return;
                }
                context.Response.StatusCode = StatusCodes.Status503ServiceUnavailable;
                context.Response.Headers.CacheControl = "no-store, no-cache";
                await WriteAsync(context, new HealthReport(new Dictionary<string, HealthReportEntry>(StringComparer.Ordinal)
                {
                    ["warm-up"] = new(HealthStatus.Unhealthy, "warming up", TimeSpan.Zero, null, null),
                }, TimeSpan.Zero));
            })
            .UseMiddleware<HealthCheckMiddleware>(Options.Create(ready))
            .Build();
        app.Map("/health/ready", pipeline).WithDisplayName("Health checks").AllowAnonymous();
        return app;
    }

    private static Task WriteAsync(HttpContext context, HealthReport report)
    {
        context.Response.ContentType = "application/json";
        var answer = new
        {
            status = report.Status.ToString().ToLowerInvariant(),
            checks = report.Entries.ToDictionary(e => e.Key, e => new { status = e.Value.Status.ToString().ToLowerInvariant(), description = e.Value.Description }),
        };
        return context.Response.WriteAsync(JsonSerializer.Serialize(answer));
    }

    private sealed class DatabaseCheck(NodeDatabase database) : IHealthCheck
    {
        public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
        {
            try
            {
                return await SchemaCheck.ProblemAsync(database, cancellationToken) is { } problem
                    ? HealthCheckResult.Unhealthy(problem)
                    : HealthCheckResult.Healthy($"{database.Provider}, schema current");
            }
            catch (Exception e) when (e is System.Data.Common.DbException or InvalidOperationException or IOException or TimeoutException)
            {
                return HealthCheckResult.Unhealthy($"the database does not answer: {e.Message}");
            }
        }
    }

    private sealed class LedgerCheck(LedgerStore ledger) : IHealthCheck
    {
        public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
        {
            try
            {
                var head = await ledger.GetHeadAsync(cancellationToken);
                return HealthCheckResult.Healthy($"{head.Size} entries");
            }
            catch (Exception e) when (e is System.Data.Common.DbException or InvalidOperationException or IOException or TimeoutException)
            {
                return HealthCheckResult.Unhealthy($"the ledger's head cannot be read: {e.Message}");
            }
        }
    }

    private sealed class DispatcherCheck(OutboxDispatcher dispatcher) : IHealthCheck
    {
        public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
            Task.FromResult(dispatcher.ExecuteTask switch
            {
                null => HealthCheckResult.Unhealthy("the exchange dispatcher has not started"),
                { IsCompleted: true } task => HealthCheckResult.Unhealthy($"the exchange dispatcher stopped{(task.Exception is { } e ? ": " + e.GetBaseException().Message : "")}"),
                _ => HealthCheckResult.Healthy("the exchange dispatcher runs"),
            });
    }
}
