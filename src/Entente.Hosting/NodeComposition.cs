using System.Text.Json;
using System.Text.Json.Serialization;
using Entente.Access;
using Entente.Agreements;
using Entente.Alerts;
using Entente.Assistance;
using Entente.Audit;
using Entente.Blinded;
using Entente.Exchange;
using Entente.Identity;
using Entente.Ingest;
using Entente.Ledger;
using Entente.Retention;
using Entente.Risk.Assessment;
using Entente.Screening;
using Entente.Screening.Matching;
using Entente.Sharing;
using Entente.Storage;
using Entente.WebConsole;
using Entente.Witnessing;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Entente.Hosting;

/// <summary>
/// The one place that knows every feature: what a node is made of (<see cref="AddEntenteNode"/>, shared by the server
/// and the CLI), what the server adds around it (<see cref="AddEntente"/>), and its endpoints (<see cref="MapEntenteAsync"/>).
/// To add a feature: register its services in AddEntenteNode (its settings with BindConfiguration + ValidateOnStart),
/// its background work in AddEntente, its endpoints in MapEntenteAsync; connect it to others here, never in the feature.
/// </summary>
public static class NodeComposition
{
    /// <summary>
    /// Adds the node to a web application. The home comes from configuration (Entente:Home, ENTENTE__HOME or --Entente:Home);
    /// its entente.json is read as configuration under the environment, and every setting section is validated on start.
    /// </summary>
    public static WebApplicationBuilder AddEntente(this WebApplicationBuilder builder, TimeProvider? time = null)
    {
        var home = builder.Configuration[$"{NodeOptions.Section}:Home"];
        if (string.IsNullOrWhiteSpace(home))
            throw new InvalidOperationException("no node home: pass --home DIR (CLI) or set Entente:Home / ENTENTE__HOME");
        var node = NodeHome.Load(home, builder.Configuration[$"{NodeOptions.Section}:Database"]);
        NodeHome.AddTo(builder.Configuration, node.Home);
        if (long.TryParse(builder.Configuration[$"{NodeOptions.Section}:MaxRequestBytes"], out var maxRequest)) node.MaxRequestBytes = maxRequest;
        builder.WebHost.ConfigureKestrel(k =>
        {
            k.Limits.MaxRequestBodySize = node.MaxRequestBytes;
            HttpEdgeExceptionHandler.Limit(k.Limits);
        });

        // SQLite's provider does its I/O synchronously on pool threads (its async methods complete synchronously): a floor
        // under the pool keeps a burst of requests from waiting for the pool to grow by one thread at a time (issue 14).
        ThreadPool.GetMinThreads(out var workers, out var completions);
        ThreadPool.SetMinThreads(Math.Max(workers, MinPoolThreads), completions);

        builder.Services.AddEntenteNode(builder.Configuration, node, time ?? TimeProvider.System);
        builder.AddExchangeServer(node);
        builder.Services.AddHostedService(sp => new AgreementWatchService(sp, Path.Combine(node.Home, "agreements"), node.Code));
        builder.Services.AddWitnessing(builder.Configuration, node);
        builder.Services.AddBlindedServer();
        // Always: received messages are erased at the end their agreements set, whether or not declarations have a rule.
        var retentionRule = node.RetentionPeriod is { } period ? RetentionRule.Parse(period, node.RetentionThen) : null;
        builder.Services.AddHostedService(sp => new RetentionService(sp.GetRequiredService<RunRetention>(), retentionRule, node.RetentionEvery,
            sp.GetRequiredService<TimeProvider>(), sp.GetRequiredService<ILogger<RetentionService>>()));
        builder.Services.AddHostedService(sp => new ScreeningService(sp.GetRequiredService<ScreeningDesk>(),
            TimeSpan.FromSeconds(sp.GetRequiredService<IOptions<ScreeningSettings>>().Value.RefreshSeconds), sp.GetRequiredService<TimeProvider>(), sp.GetRequiredService<ILogger<ScreeningService>>()));
        builder.Services.AddNodeHealthChecks();
        builder.Services.AddSingleton<NodeWarmUp>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<NodeWarmUp>());

        builder.AddServerEdge(node);
        builder.Services.AddFailedAuthenticationLimit();
        builder.Services.AddProblemDetails(o => o.CustomizeProblemDetails = BindingProblemHandler.Explain);
        // Binding failures are thrown, so they are answered with the field and what was expected (RequestProblems.cs).
        builder.Services.Configure<Microsoft.AspNetCore.Routing.RouteHandlerOptions>(o => o.ThrowOnBadRequest = true);
        builder.Services.AddExceptionHandler<BindingProblemHandler>();
        builder.Services.AddExceptionHandler<HttpEdgeExceptionHandler>();
        builder.Services.AddNodeOpenApi();
        builder.Services.AddEntenteConsole();
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

    /// <summary>
    /// What a node is made of, for the server and the CLI alike: its settings, the one database gateway, the stores,
    /// the ledger, its identity, the exchange and the desks, connected to each other. Singletons made when first asked for.
    /// </summary>
    public static IServiceCollection AddEntenteNode(this IServiceCollection services, IConfiguration configuration, NodeOptions node, TimeProvider time)
    {
        services.AddOptions<NodeOptions>()
            .Configure(o =>
            {
                o.Home = node.Home;
                o.Code = node.Code;
                o.Name = node.Name;
                o.Database = node.Database;
                o.Store = node.Store;
                o.HostNames = node.HostNames;
                o.Mappings = node.Mappings;
                o.MaxRequestBytes = node.MaxRequestBytes;
                o.RetentionPeriod = node.RetentionPeriod;
                o.RetentionThen = node.RetentionThen;
                o.RetentionEvery = node.RetentionEvery;
            })
            .ValidateDataAnnotations()
            .ValidateOnStart();
        services.AddOptions<ExchangeOptions>().BindConfiguration(ExchangeOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<RiskOptions>().BindConfiguration(RiskOptions.Section).ValidateOnStart();
        services.AddOptions<IngestSettings>().BindConfiguration(IngestSettings.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton(configuration);
        services.AddSingleton(time);
        services.AddLogging();

        services.AddSingleton(_ => NodeDatabase.Open(node.DatabaseOrDefault));
        services.AddSingleton(sp => DeclarationStores.Open(sp.GetRequiredService<NodeDatabase>(), sp.GetRequiredService<TimeProvider>()));
        services.AddSingleton(sp => new LedgerStore(sp.GetRequiredService<NodeDatabase>(), sp.GetRequiredService<TimeProvider>()));
        services.AddSingleton(sp => new WitnessStore(sp.GetRequiredService<NodeDatabase>()));

        services.AddSingleton(sp => new ApiUserStore(sp.GetRequiredService<NodeDatabase>()));
        services.AddSingleton(new IdentityHome(node.Home, node.Code, node.Name));
        services.AddSingleton(sp =>
        {
            NodeIdentity.CreateMissing(node.Home, node.Code, node.Name, sp.GetRequiredService<TimeProvider>(), node.HostNames);
            return sp.GetRequiredService<IdentityHome>().Load();
        });
        services.AddSingleton(sp => new AccessRecorder(sp.GetRequiredService<LedgerStore>(), sp.GetRequiredService<IdentityHome>().LoadSubjectKey(), node.Code));
        services.AddSingleton(_ => new AgreementShelf(Path.Combine(node.Home, "agreements")));
        services.AddSingleton(new MappingsFolder(node.MappingsPath));
        services.AddSingleton(sp => new ReadDeclaration(sp.GetRequiredService<IDeclarationStore>(), sp.GetRequiredService<AccessRecorder>()));
        services.AddSingleton(sp => new ReadDeclarationVersions(sp.GetRequiredService<IDeclarationStore>(), sp.GetRequiredService<AccessRecorder>()));
        services.AddSingleton(sp => new ListPendingAmendments(sp.GetRequiredService<IDeclarationStore>()));

        services.AddExchange(node);
        services.AddSingleton(sp => new RecordDesk(sp.GetRequiredService<ExchangeNode>(), sp.GetRequiredService<NodeDatabase>()));
        services.AddSingleton(sp => new AssistanceDesk(node.Code, sp.GetRequiredService<NodeDatabase>(), sp.GetRequiredService<LedgerStore>(),
            sp.GetRequiredService<TimeProvider>(), AssistanceDesks.AgreementsInForce(node.Home, sp.GetRequiredService<TimeProvider>()),
            AssistanceExchange.Sender(sp.GetRequiredService<ExchangeNode>()), sp.GetRequiredService<IdentityHome>().LoadSubjectKey()));
        services.AddSingleton(sp => new AlertBook(node.Code, sp.GetRequiredService<LedgerStore>(), sp.GetRequiredService<TimeProvider>(),
            sp.GetRequiredService<AgreementShelf>().InForce, AlertExchange.Outbox(sp.GetRequiredService<ExchangeNode>())));

        services.AddSingleton(sp => sp.GetRequiredService<IOptions<RiskOptions>>().Value.Settings());
        services.AddSingleton(sp => new RiskDesk(node.Home, sp.GetRequiredService<NodeDatabase>(), sp.GetRequiredService<IDeclarationStore>(), sp.GetRequiredService<TimeProvider>())
        {
            Enrichments = [sp.GetRequiredService<Entente.Intelligence.Networks.NetworkQueries>().Enrichment],
        });
        services.AddSingleton(sp => new RiskQueue(sp.GetRequiredService<NodeDatabase>()));
        services.AddSingleton<IIngestFollowUp>(sp => new AssessAfterIngest(sp.GetRequiredService<RiskDesk>(), sp.GetRequiredService<RiskSettings>()));
        services.AddOptions<ScreeningSettings>().BindConfiguration(ScreeningSettings.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<MatchingThresholds>().BindConfiguration(MatchingThresholds.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton(sp => new ScreeningDesk(node.Code, sp.GetRequiredService<NodeDatabase>(), sp.GetRequiredService<LedgerStore>(), sp.GetRequiredService<IDeclarationStore>(),
            sp.GetRequiredService<AlertBook>(), sp.GetRequiredService<TimeProvider>(), sp.GetRequiredService<IOptions<ScreeningSettings>>().Value,
            sp.GetRequiredService<IOptions<MatchingThresholds>>().Value, ActionTakenReports.Reporter(sp.GetRequiredService<ExchangeNode>())));
        services.AddSingleton<IIngestFollowUp>(sp => new ScreenAfterIngest(sp.GetRequiredService<ScreeningDesk>()));
        services.AddSingleton(sp => new AuditSubject(sp.GetRequiredService<LedgerStore>(), sp.GetRequiredService<IDeclarationStore>(), sp.GetRequiredService<AccessRecorder>()));
        services.AddSingleton(sp => new ReadHits(sp.GetRequiredService<ScreeningDesk>(), sp.GetRequiredService<AccessRecorder>()));
        services.AddSingleton(sp => new ScreenAdHoc(sp.GetRequiredService<ScreeningDesk>(), sp.GetRequiredService<AccessRecorder>()));
        services.AddSingleton(sp => new ReadAlerts(sp.GetRequiredService<AlertBook>(), sp.GetRequiredService<AccessRecorder>()));
        services.AddSingleton(sp => new IngestDeclarations(sp.GetRequiredService<IDeclarationStore>(), () => sp.GetServices<IIngestFollowUp>(), sp.GetRequiredService<ILoggerFactory>(),
            sp.GetRequiredService<IOptions<IngestSettings>>().Value));

        // Use cases: declarations search, disclosure, shared records, assistance.
        services.AddSingleton(sp => new SearchDeclarations(sp.GetRequiredService<IDeclarationStore>(), sp.GetRequiredService<AccessRecorder>()));
        services.AddSingleton(sp => new ReadReceived(sp.GetRequiredService<ExchangeStore>(), sp.GetRequiredService<AccessRecorder>()));
        services.AddSingleton(sp => new Disclose(sp.GetRequiredService<ExchangeNode>(), sp.GetRequiredService<IDeclarationStore>(), sp.GetRequiredService<AccessRecorder>()));
        services.AddSingleton(sp => new RecordShared(sp.GetRequiredService<RecordDesk>()));
        services.AddSingleton(sp => new NewAssistanceRequest(sp.GetRequiredService<AssistanceDesk>()));
        services.AddSingleton(sp => new AnswerAssistanceRequest(sp.GetRequiredService<AssistanceDesk>()));
        services.AddSingleton(sp => new AcknowledgeAlarm(sp.GetRequiredService<WitnessStore>(), sp.GetRequiredService<LedgerStore>(), node.Code,
            sp.GetRequiredService<TimeProvider>()));
        services.AddBlinded(node);
        services.AddSingleton(sp => new Entente.Intelligence.Seizures.SeizureBook(node.Code, sp.GetRequiredService<RecordDesk>(), sp.GetRequiredService<NodeDatabase>(),
            sp.GetRequiredService<ExchangeStore>(), sp.GetRequiredService<AccessRecorder>()));
        services.AddSingleton(sp => new Entente.Intelligence.Analytics.SeizureAnalytics(sp.GetRequiredService<Entente.Intelligence.Seizures.SeizureBook>(), sp.GetRequiredService<NodeDatabase>()));
        services.AddSingleton(sp => new Entente.Intelligence.Analytics.AnalyticsExport(node.Code, sp.GetRequiredService<NodeDatabase>(), sp.GetRequiredService<LedgerStore>(),
            sp.GetRequiredService<IdentityHome>().LoadSubjectKey(), sp.GetRequiredService<TimeProvider>()));
        services.AddSingleton(sp => new Entente.Intelligence.Mirror.MirrorChecks(node.Code, sp.GetRequiredService<NodeDatabase>(), sp.GetRequiredService<ExchangeStore>(),
            sp.GetRequiredService<LedgerStore>(), sp.GetRequiredService<TimeProvider>()));
        services.AddSingleton<Entente.Intelligence.Networks.ISeizureSource>(sp => new Entente.Intelligence.Networks.StoredSeizures(sp.GetRequiredService<NodeDatabase>()));
        services.AddSingleton(sp => new Entente.Intelligence.Networks.NetworkQueries(sp.GetRequiredService<NodeDatabase>(), sp.GetRequiredService<IDeclarationStore>(),
            sp.GetRequiredService<Entente.Intelligence.Networks.ISeizureSource>(), sp.GetRequiredService<AccessRecorder>(), sp.GetRequiredService<TimeProvider>()));

        // Use cases: risk models, retention, ledger.
        services.AddSingleton(sp => new Entente.Risk.Model.PromoteModel(node.Home, node.Code, sp.GetRequiredService<LedgerStore>(), sp.GetRequiredService<TimeProvider>()));
        services.AddSingleton(sp => new RetentionStore(sp.GetRequiredService<NodeDatabase>(), sp.GetRequiredService<TimeProvider>()));
        services.AddSingleton(sp => new RunRetention(sp.GetRequiredService<RetentionStore>(), sp.GetRequiredService<LedgerStore>(),
            () => sp.GetRequiredService<IdentityHome>().LoadSubjectKey(), node.Code, sp.GetRequiredService<TimeProvider>(), node.RetentionPeriod, node.RetentionThen,
            (actor, ct) => sp.GetRequiredService<AlertBook>().EraseExpiredPartnerAlertsAsync(actor, ct)));
        services.AddSingleton(sp => new VerifyLedger(sp.GetRequiredService<LedgerStore>(), () =>
        {
            if (!NodeKeys.HasSigningKey(node.Home)) return null;
            using var key = NodeKeys.LoadSigningKey(node.Home);
            return NodeKeys.PublicKey(key);
        }));
        return services;
    }

    /// <summary>Migrates the store, then maps the node's endpoints.</summary>
    public static async Task<WebApplication> MapEntenteAsync(this WebApplication app)
    {
        await app.Services.GetRequiredService<IDeclarationStore>().MigrateAsync();
        app.UseServerEdge();
        app.UseExceptionHandler();
        app.UseStatusCodePages();
        app.UseEntenteConsole();
        app.UseRateLimiter();
        app.UseAuthentication();
        app.UseAuthorization();
        app.MapOpenApi().AllowAnonymous();
        app.MapNodeHealthChecks();
        app.MapGet("/api/node", (IOptions<NodeOptions> node) => TypedResults.Ok(new NodeInfo(node.Value.Code, node.Value.Name, Version)))
            .RequireAuthorization(AccessPolicies.Read).WithTags("Node").WithSummary("The node's code, name and version");
        app.MapIngestEndpoints();
        app.MapDeclarationsEndpoints();
        app.MapAmendmentsEndpoints();
        app.MapAuditApi();
        app.MapAgreementsApi();
        app.MapExchangeApi();
        app.MapExchangeIdentityApi();
        app.MapAssistanceApi();
        app.MapWitnessApi();
        app.MapRecordsApi();
        app.MapAlertsApi();
        app.MapScreeningApi();
        app.MapRiskApi();
        app.MapBlindedApi();
        Entente.Intelligence.Seizures.SeizuresApi.MapSeizuresApi(app);
        Entente.Intelligence.Analytics.AnalyticsApi.MapAnalyticsApi(app);
        Entente.Intelligence.Mirror.MirrorApi.MapMirrorApi(app);
        Entente.Intelligence.Networks.NetworkApi.MapNetworkApi(app);
        app.MapEntenteConsole();
        return app;
    }

    private const int MinPoolThreads = 32;

    public static string Version { get; } =
        typeof(NodeComposition).Assembly.GetName().Version?.ToString(3) ?? "0.0.0";
}

/// <summary>GET /api/node: which administration's node this is, and its version.</summary>
public sealed record NodeInfo(string Code, string Name, string Version);
