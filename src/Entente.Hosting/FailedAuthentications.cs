using System.ComponentModel.DataAnnotations;
using System.Threading.RateLimiting;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Entente.Hosting;

/// <summary>Authentication:FailureLimit and Authentication:FailureWindow (docs/configuration.md).</summary>
public sealed class AuthenticationOptions
{
    public const string Section = "Entente:Authentication";

    /// <summary>Failed authentications a client (IP address) may make per window before its requests with a key get 429.</summary>
    [Range(1, 1_000_000)]
    public int FailureLimit { get; set; } = 10;

    /// <summary>The window the failures are counted in; a blocked client may try again when it has passed.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "1.00:00:00")]
    public TimeSpan FailureWindow { get; set; } = TimeSpan.FromMinutes(1);
}

/// <summary>
/// Failed authentications counted per client (its IP address, after forwarded headers when configured), a fixed window
/// each. A client that has used up its window is refused with 429 and Retry-After, by ASP.NET Core's rate-limiting
/// middleware, before its key is even looked at: a guesser learns nothing more until the window has passed.
/// </summary>
public sealed class FailedAuthentications : IDisposable
{
    private readonly PartitionedRateLimiter<string> _failures;

    public FailedAuthentications(IOptions<AuthenticationOptions> options)
    {
        var settings = options.Value;
        _failures = PartitionedRateLimiter.Create<string, string>(client => RateLimitPartition.GetFixedWindowLimiter(client, _ => new FixedWindowRateLimiterOptions
        {
            PermitLimit = settings.FailureLimit,
            Window = settings.FailureWindow,
            QueueLimit = 0,
            AutoReplenishment = true,
        }));
    }

    public static string ClientOf(HttpContext context) => context.Connection.RemoteIpAddress?.ToString() ?? "unknown";

    /// <summary>Counts one failure of <paramref name="client"/>.</summary>
    public void Failed(string client) => _failures.AttemptAcquire(client, 1).Dispose();

    /// <summary>Whether the client may still try (asking for no permit takes none); when not, how long until it may.</summary>
    public (bool Allowed, TimeSpan? RetryAfter) Peek(string client)
    {
        using var lease = _failures.AttemptAcquire(client, 0);
        return lease.IsAcquired ? (true, null)
            : (false, lease.TryGetMetadata(MetadataName.RetryAfter, out var retryAfter) ? retryAfter : null);
    }

    /// <summary>The limiter the rate-limiting middleware asks for each request: only requests carrying a key are limited.</summary>
    public PartitionedRateLimiter<HttpContext> Limiter() => new Gate(this);

    public void Dispose() => _failures.Dispose();

    private static bool CarriesKey(HttpContext context) =>
        context.Request.Headers.Authorization.ToString().StartsWith("Bearer", StringComparison.OrdinalIgnoreCase) || context.Request.Headers.ContainsKey("X-Api-Key");

    private sealed class Gate(FailedAuthentications failures) : PartitionedRateLimiter<HttpContext>
    {
        public override RateLimiterStatistics? GetStatistics(HttpContext resource) => null;

        protected override RateLimitLease AttemptAcquireCore(HttpContext resource, int permitCount)
        {
            if (!CarriesKey(resource)) return Lease.Allowed;
            var (allowed, retryAfter) = failures.Peek(ClientOf(resource));
            return allowed ? Lease.Allowed : new Lease(false, retryAfter);
        }

        protected override ValueTask<RateLimitLease> AcquireAsyncCore(HttpContext resource, int permitCount, CancellationToken cancellationToken) =>
            ValueTask.FromResult(AttemptAcquireCore(resource, permitCount));
    }

    private sealed class Lease(bool acquired, TimeSpan? retryAfter) : RateLimitLease
    {
        public static readonly Lease Allowed = new(true, null);

        public override bool IsAcquired => acquired;

        public override IEnumerable<string> MetadataNames => retryAfter is null ? [] : [MetadataName.RetryAfter.Name];

        public override bool TryGetMetadata(string metadataName, out object? metadata)
        {
            metadata = metadataName == MetadataName.RetryAfter.Name && retryAfter is { } value ? value : null;
            return metadata is not null;
        }
    }
}

internal static class FailedAuthenticationsSetup
{
    public static IServiceCollection AddFailedAuthenticationLimit(this IServiceCollection services)
    {
        services.AddOptions<AuthenticationOptions>().BindConfiguration(AuthenticationOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<FailedAuthentications>();
        services.AddRateLimiter(_ => { });
        services.AddOptions<RateLimiterOptions>().Configure<FailedAuthentications>((limiter, failures) =>
        {
            limiter.GlobalLimiter = failures.Limiter();
            limiter.RejectionStatusCode = StatusCodes.Status429TooManyRequests;
            limiter.OnRejected = async (context, cancellationToken) =>
            {
                var http = context.HttpContext;
                var seconds = context.Lease.TryGetMetadata(MetadataName.RetryAfter, out var retryAfter) ? Math.Max(1, (int)Math.Ceiling(retryAfter.TotalSeconds)) : 60;
                http.Response.Headers.RetryAfter = seconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
                var client = FailedAuthentications.ClientOf(http);
                Log.AuthenticationLimited(http.RequestServices.GetRequiredService<ILoggerFactory>().CreateLogger<FailedAuthentications>(), client, http.Request.Method, http.Request.Path, seconds);
                await http.RequestServices.GetRequiredService<IProblemDetailsService>().WriteAsync(new ProblemDetailsContext
                {
                    HttpContext = http,
                    ProblemDetails = new ProblemDetails
                    {
                        Status = StatusCodes.Status429TooManyRequests,
                        Title = "Too many failed authentications",
                        Detail = $"Too many requests from {client} with a wrong, revoked or expired API key; try again in {seconds} s.",
                    },
                });
            };
        });
        return services;
    }
}
