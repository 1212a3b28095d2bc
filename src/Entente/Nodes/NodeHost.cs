using System.Text.Json;
using System.Text.Json.Serialization;
using Entente.Access;
using Entente.Agreements;
using Entente.Assistance;
using Entente.Audit;
using Entente.Declarations;
using Entente.Exchange;
using Entente.Ledger;
using Entente.Risk.Assessment;
using Entente.Sharing;
using Entente.Storage;
using Entente.Witnessing;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Entente.Nodes;

/// <summary>Composes a node: its settings, store, authentication, and every feature's endpoints.</summary>
public static class NodeHost
{
    /// <summary>
    /// Adds the node to a web application. The home comes from configuration (Entente:Home, ENTENTE__HOME or --Entente:Home);
    /// its entente.json is read as configuration, and the settings are validated on start.
    /// </summary>
    public static WebApplicationBuilder AddEntenteNode(this WebApplicationBuilder builder, TimeProvider? time = null)
    {
        var home = builder.Configuration[$"{NodeOptions.Section}:Home"];
        if (string.IsNullOrWhiteSpace(home))
            throw new InvalidOperationException("no node home: pass --home DIR (CLI) or set Entente:Home / ENTENTE__HOME");
        var loaded = NodeHome.Load(home, builder.Configuration[$"{NodeOptions.Section}:Database"]);
        if (long.TryParse(builder.Configuration[$"{NodeOptions.Section}:MaxRequestBytes"], out var maxRequest)) loaded.MaxRequestBytes = maxRequest;

        builder.Services.AddOptions<NodeOptions>()
            .Configure(o =>
            {
                o.Home = loaded.Home;
                o.Code = loaded.Code;
                o.Name = loaded.Name;
                o.Database = loaded.Database;
                o.Mappings = loaded.Mappings;
                o.MaxRequestBytes = loaded.MaxRequestBytes;
                o.RetentionPeriod = loaded.RetentionPeriod;
                o.RetentionThen = loaded.RetentionThen;
                o.RetentionEvery = loaded.RetentionEvery;
            })
            .ValidateDataAnnotations()
            .ValidateOnStart();
        builder.WebHost.ConfigureKestrel(k => k.Limits.MaxRequestBodySize = loaded.MaxRequestBytes);

        builder.Services.AddSingleton(time ?? TimeProvider.System);
        builder.Services.AddSingleton(sp => NodeDatabase.Open(sp.GetRequiredService<IOptions<NodeOptions>>().Value.DatabaseOrDefault));
        builder.Services.AddSingleton(sp => DeclarationStores.Open(sp.GetRequiredService<NodeDatabase>(), sp.GetRequiredService<TimeProvider>()));
        builder.Services.AddSingleton(sp => new LedgerStore(sp.GetRequiredService<NodeDatabase>(), sp.GetRequiredService<TimeProvider>()));
        var subjectKey = NodeKeys.LoadSubjectKey(loaded.Home);
        builder.Services.AddSingleton(sp => new AccessRecorder(sp.GetRequiredService<LedgerStore>(), subjectKey, loaded.Code));
        builder.AddExchange(loaded, subjectKey);
        builder.Services.AddAssistanceDesk(loaded, sp => AssistanceExchange.Sender(sp.GetRequiredService<ExchangeNode>()));
        builder.Services.AddHostedService(sp => new Agreements.AgreementWatchService(sp, Path.Combine(loaded.Home, "agreements"), loaded.Code));
        builder.Services.AddWitnessing(builder.Configuration, loaded);
        builder.Services.AddRiskDesk(loaded, !string.Equals(builder.Configuration["Risk:AssessOnIngest"], "false", StringComparison.OrdinalIgnoreCase));
        if (loaded.RetentionPeriod is { } period)
        {
            var rule = Retention.RetentionRule.Parse(period, loaded.RetentionThen);
            builder.Services.AddHostedService(sp => new Retention.RetentionService(sp, rule, subjectKey, loaded.Code, loaded.RetentionEvery));
        }

        builder.Services.AddProblemDetails();
        builder.Services.AddOpenApi();
        builder.Services.ConfigureHttpJsonOptions(json =>
        {
            json.SerializerOptions.PropertyNamingPolicy = JsonNamingPolicy.CamelCase;
            json.SerializerOptions.DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull;
            json.SerializerOptions.Converters.Add(new JsonStringEnumConverter(JsonNamingPolicy.KebabCaseLower));
        });
        builder.Services.AddAuthentication(ApiKeyAuthenticationHandler.SchemeName)
            .AddScheme<AuthenticationSchemeOptions, ApiKeyAuthenticationHandler>(ApiKeyAuthenticationHandler.SchemeName, null);
        var policies = builder.Services.AddAuthorizationBuilder();
        foreach (var (name, roles) in AccessPolicies.Roles)
            policies.AddPolicy(name, p => p.RequireAuthenticatedUser().RequireRole(roles.Select(r => r.ToString().ToLowerInvariant())));
        // Default deny: an endpoint that names no policy still needs an authenticated caller.
        policies.SetFallbackPolicy(new Microsoft.AspNetCore.Authorization.AuthorizationPolicyBuilder().RequireAuthenticatedUser().Build());
        return builder;
    }

    /// <summary>Migrates the store, then maps the node's endpoints.</summary>
    public static async Task<WebApplication> MapEntenteNodeAsync(this WebApplication app)
    {
        await app.Services.GetRequiredService<IDeclarationStore>().MigrateAsync();
        app.UseExceptionHandler();
        app.UseStatusCodePages();
        app.UseAuthentication();
        app.UseAuthorization();
        app.MapOpenApi().AllowAnonymous();
        app.MapGet("/health", () => Results.Text("ok")).AllowAnonymous().ExcludeFromDescription();
        app.MapGet("/api/node", (IOptions<NodeOptions> node) => new { code = node.Value.Code, name = node.Value.Name, version = Version })
            .RequireAuthorization(AccessPolicies.Read).WithTags("Node");
        app.MapDeclarationsApi();
        app.MapAuditApi();
        app.MapAgreementsApi();
        app.MapExchangeApi();
        app.MapExchangeIdentityApi();
        app.MapAssistanceApi();
        AssistanceExchange.Connect(app.Services.GetRequiredService<ExchangeNode>(), app.Services.GetRequiredService<AssistanceDesk>());
        app.MapWitnessApi();
        app.MapRecordsApi();
        app.MapRiskApi();
        return app;
    }

    public static string Version { get; } =
        typeof(NodeHost).Assembly.GetName().Version?.ToString(3) ?? "0.0.0";

}
