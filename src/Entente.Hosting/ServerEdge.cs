using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.HttpOverrides;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Entente.Hosting;

/// <summary>Entente:Server (docs/configuration.md): request logs and forwarded headers.</summary>
public sealed class ServerOptions
{
    public const string Section = "Entente:Server";

    /// <summary>The level of the one line logged per request: Debug (default) or Information.</summary>
    public LogLevel RequestLog { get; set; } = LogLevel.Debug;

    public ForwardedSettings ForwardedHeaders { get; set; } = new();
}

/// <summary>Behind a reverse proxy: X-Forwarded-For and X-Forwarded-Proto, trusted only from the proxies named. Off by default.</summary>
public sealed class ForwardedSettings
{
    public bool Enabled { get; set; }

    /// <summary>Addresses of the trusted proxies (e.g. 10.0.0.5).</summary>
    public List<string> KnownProxies { get; set; } = [];

    /// <summary>Networks of trusted proxies in CIDR notation (e.g. 10.0.0.0/8).</summary>
    public List<string> KnownNetworks { get; set; } = [];

    /// <summary>How many proxies in the chain are read (from the right).</summary>
    public int ForwardLimit { get; set; } = 1;
}

/// <summary>
/// The server's edge: where DataProtection keeps its keys (the home, not the user's profile), forwarded headers from
/// configured proxies, one log line per request (Debug unless configured), and the start-up line naming the node, its
/// home, its store and its URLs.
/// </summary>
internal static class ServerEdge
{
    public const string DataProtectionFolder = "data-protection";

    public static void AddServerEdge(this WebApplicationBuilder builder, NodeOptions node)
    {
        var settings = builder.Configuration.GetSection(ServerOptions.Section).Get<ServerOptions>() ?? new ServerOptions();
        builder.Services.AddSingleton(Options.Create(settings));
        builder.Services.AddDataProtection()
            .SetApplicationName("entente-" + node.Code)
            .PersistKeysToFileSystem(new DirectoryInfo(Path.Combine(node.Home, DataProtectionFolder)));

        if (settings.ForwardedHeaders.Enabled)
        {
            var forwarded = Forwarding(settings.ForwardedHeaders);
            builder.Services.Configure<ForwardedHeadersOptions>(o =>
            {
                o.ForwardedHeaders = forwarded.ForwardedHeaders;
                o.ForwardLimit = forwarded.ForwardLimit;
                o.KnownProxies.Clear();
                o.KnownIPNetworks.Clear();
                foreach (var proxy in forwarded.KnownProxies) o.KnownProxies.Add(proxy);
                foreach (var network in forwarded.KnownIPNetworks) o.KnownIPNetworks.Add(network);
            });
        }

        // ASP.NET Core's own per-request lines ("Request starting", "Executing endpoint") are Information: kept to Debug
        // (configurable in Logging:LogLevel as usual); the node's one line per request is RequestLog's level.
        foreach (var category in new[] { "Microsoft.AspNetCore.Hosting.Diagnostics", "Microsoft.AspNetCore.Routing.EndpointMiddleware", "Microsoft.AspNetCore.Http.Result" })
        {
            if (builder.Configuration[$"Logging:LogLevel:{category}"] is null) builder.Logging.AddFilter(category, LogLevel.Warning);
        }
    }

    /// <summary>The ASP.NET Core options for <paramref name="settings"/>; an address or network that cannot be read is named.</summary>
    public static ForwardedHeadersOptions Forwarding(ForwardedSettings settings)
    {
        var options = new ForwardedHeadersOptions
        {
            ForwardedHeaders = ForwardedHeaders.XForwardedFor | ForwardedHeaders.XForwardedProto,
            ForwardLimit = settings.ForwardLimit,
        };
        options.KnownProxies.Clear();
        options.KnownIPNetworks.Clear();
        foreach (var proxy in settings.KnownProxies)
        {
            options.KnownProxies.Add(IPAddress.TryParse(proxy, out var address) ? address
                : throw new InvalidOperationException($"{ServerOptions.Section}:ForwardedHeaders:KnownProxies: '{proxy}' is not an IP address"));
        }
        foreach (var network in settings.KnownNetworks)
        {
            options.KnownIPNetworks.Add(System.Net.IPNetwork.TryParse(network, out var parsed) ? parsed
                : throw new InvalidOperationException($"{ServerOptions.Section}:ForwardedHeaders:KnownNetworks: '{network}' is not a network in CIDR notation such as 10.0.0.0/8"));
        }
        if (options.KnownProxies.Count == 0 && options.KnownIPNetworks.Count == 0)
            throw new InvalidOperationException($"{ServerOptions.Section}:ForwardedHeaders: Enabled without KnownProxies or KnownNetworks would trust nobody; name the reverse proxies");
        return options;
    }

    public static void UseServerEdge(this WebApplication app)
    {
        var settings = app.Services.GetRequiredService<IOptions<ServerOptions>>().Value;
        if (settings.ForwardedHeaders.Enabled) app.UseForwardedHeaders();
        var logger = app.Services.GetRequiredService<ILoggerFactory>().CreateLogger("Entente.Requests");
        var time = app.Services.GetRequiredService<TimeProvider>();
        var level = settings.RequestLog;
        app.Use(async (context, next) =>
        {
            if (!logger.IsEnabled(level))
            {
                await next(context);
                return;
            }
            var started = time.GetTimestamp();
            try
            {
                await next(context);
            }
            finally
            {
                Log.Request(logger, level, context.Request.Method, context.Request.Path, context.Response.StatusCode,
                    (long)time.GetElapsedTime(started).TotalMilliseconds, context.Connection.RemoteIpAddress?.ToString() ?? "?");
            }
        });

        app.Lifetime.ApplicationStarted.Register(() =>
        {
            var node = app.Services.GetRequiredService<IOptions<NodeOptions>>().Value;
            var addresses = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()?.Addresses ?? [];
            Log.Serving(app.Services.GetRequiredService<ILoggerFactory>().CreateLogger("Entente.Server"), node.Code, node.Name, node.Home,
                NodeStore.Describe(node.DatabaseOrDefault), node.Store?.Source ?? "not recorded in entente.json", string.Join(", ", addresses));
            // The key ring is made (or read) now, in the home: not at some first use, and never in the user's profile.
            app.Services.GetRequiredService<IDataProtectionProvider>().CreateProtector("Entente.Start").Protect([1]);
        });
    }
}

internal static partial class Log
{
    [LoggerMessage(EventId = 1006, Message = "{Method} {Path} answered {Status} in {Milliseconds} ms to {Remote}")]
    public static partial void Request(ILogger logger, LogLevel level, string method, string path, int status, long milliseconds, string remote);

    [LoggerMessage(EventId = 1007, Level = LogLevel.Information, Message = "Node {Code} ({Name}) serving home {Home}, store {Store} (connection from {Source}), on {Urls}")]
    public static partial void Serving(ILogger logger, string code, string name, string home, string store, string source, string urls);
}
