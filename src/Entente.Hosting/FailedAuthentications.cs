using System.Collections.Concurrent;
using System.ComponentModel.DataAnnotations;
using System.Threading.RateLimiting;
using Entente.Access;
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
/// each, opened by the client's first failure. A client that has used up its window has its requests with a key refused
/// with 429 by ASP.NET Core's rate-limiting middleware — except a request whose key is valid: clients behind one NAT or
/// proxy share an address, and one guesser among them must not lock out the others. A valid key is never counted nor
/// refused. Retry-After is the time left until the window frees, not the whole window.
/// </summary>
public sealed class FailedAuthentications(IOptions<AuthenticationOptions> options, TimeProvider time)
{
    /// <summary>Windows kept before the expired ones are swept (the clients of one window are kept whatever their number).</summary>
    private const int SweepAbove = 10_000;

    private readonly AuthenticationOptions _settings = options.Value;
    private readonly ConcurrentDictionary<string, FailureWindow> _windows = new(StringComparer.Ordinal);

    private sealed class FailureWindow(DateTimeOffset start)
    {
        public DateTimeOffset Start = start;
        public int Count;
    }

    public static string ClientOf(HttpContext context) => context.Connection.RemoteIpAddress?.ToString() ?? "unknown";

    /// <summary>Counts one failure of <paramref name="client"/>.</summary>
    public void Failed(string client)
    {
        var now = time.GetUtcNow();
        var window = _windows.GetOrAdd(client, _ => new FailureWindow(now));
        lock (window)
        {
            if (now - window.Start >= _settings.FailureWindow) (window.Start, window.Count) = (now, 0);
            window.Count++;
        }
        if (_windows.Count > SweepAbove) Sweep(now);
    }

    /// <summary>Whether the client may still try; when not, how long until its window frees.</summary>
    public (bool Allowed, TimeSpan? RetryAfter) Peek(string client)
    {
        if (!_windows.TryGetValue(client, out var window)) return (true, null);
        var now = time.GetUtcNow();
        lock (window)
        {
            var left = window.Start + _settings.FailureWindow - now;
            return left <= TimeSpan.Zero || window.Count < _settings.FailureLimit ? (true, null) : (false, left);
        }
    }

    private void Sweep(DateTimeOffset now)
    {
        foreach (var (client, window) in _windows)
        {
            bool expired;
            lock (window) expired = now - window.Start >= _settings.FailureWindow;
            if (expired) _windows.TryRemove(new KeyValuePair<string, FailureWindow>(client, window));
        }
    }

    /// <summary>
    /// The limiter the rate-limiting middleware asks for each request: only requests carrying a key are limited, and
    /// of a blocked client's requests only those whose key <paramref name="isValid"/> does not accept.
    /// </summary>
    public PartitionedRateLimiter<HttpContext> Limiter(Func<string, CancellationToken, Task<bool>> isValid) => new Gate(this, isValid);

    private sealed class Gate(FailedAuthentications failures, Func<string, CancellationToken, Task<bool>> isValid) : PartitionedRateLimiter<HttpContext>
    {
        public override RateLimiterStatistics? GetStatistics(HttpContext resource) => null;

        /// <summary>Without looking the key up: allowed unless the client is blocked (then the middleware asks <see cref="AcquireAsyncCore"/>).</summary>
        protected override RateLimitLease AttemptAcquireCore(HttpContext resource, int permitCount)
        {
            if (ApiKeyAuthenticationHandler.KeyOf(resource.Request) is null) return Lease.Allowed;
            var (allowed, retryAfter) = failures.Peek(ClientOf(resource));
            return allowed ? Lease.Allowed : new Lease(false, retryAfter);
        }

        /// <summary>A blocked client's request still passes with a valid key.</summary>
        protected override async ValueTask<RateLimitLease> AcquireAsyncCore(HttpContext resource, int permitCount, CancellationToken cancellationToken)
        {
            if (ApiKeyAuthenticationHandler.KeyOf(resource.Request) is not { } key) return Lease.Allowed;
            var (allowed, retryAfter) = failures.Peek(ClientOf(resource));
            if (allowed || (key.Length is > 0 and <= ApiKeyAuthenticationHandler.MaxKeyLength && await isValid(key, cancellationToken))) return Lease.Allowed;
            return new Lease(false, retryAfter);
        }
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
        services.AddOptions<RateLimiterOptions>().Configure<FailedAuthentications, ApiUserStore, TimeProvider>((limiter, failures, users, time) =>
        {
            limiter.GlobalLimiter = failures.Limiter(async (key, cancellationToken) =>
                (await users.CheckKeyAsync(key, time.GetUtcNow(), cancellationToken)).State == KeyState.Valid);
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
                        Detail = $"Too many requests from {client} with a wrong, revoked or expired API key; try again in {seconds} s (a valid key is not refused).",
                    },
                });
            };
        });
        return services;
    }
}
