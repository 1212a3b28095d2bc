using System.Diagnostics.Metrics;
using Entente.Agreements;
using Entente.Alerts;
using Entente.Assistance;
using Entente.Exchange;
using Entente.Identity;
using Entente.Ledger;
using Entente.Partners;
using Entente.Risk.Assessment;
using Entente.Screening;
using Entente.Storage;
using Entente.Witnessing;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.AspNetCore.Server.Kestrel.Https;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;

namespace Entente.Hosting;

/// <summary>The exchange in the node: the partner book, the node's exchange with every feature's message handlers, and in the server the dispatcher, checkpoints, TLS and metrics.</summary>
public static class ExchangeComposition
{
    public static IServiceCollection AddExchange(this IServiceCollection services, NodeOptions node)
    {
        services.AddSingleton(sp => new ExchangeStore(sp.GetRequiredService<NodeDatabase>()));
        services.AddSingleton(sp => new PartnerDirectory(sp.GetRequiredService<NodeDatabase>(), sp.GetRequiredService<TimeProvider>()));
        services.AddSingleton(sp => new PartnerBook(sp.GetRequiredService<PartnerDirectory>(), sp.GetRequiredService<AgreementShelf>().InForce, sp.GetRequiredService<TimeProvider>()));
        services.AddSingleton(sp => new ExchangeMetrics(sp.GetService<IMeterFactory>()));
        services.AddSingleton(sp =>
        {
            var identity = sp.GetRequiredService<NodeIdentity>();
            var book = sp.GetRequiredService<PartnerBook>();
            var exchange = new ExchangeNode(node.Code, identity.SigningKey, identity.Fingerprint, identity.EncryptionKey, sp.GetRequiredService<IdentityHome>().LoadSubjectKey(),
                sp.GetRequiredService<ExchangeStore>(), sp.GetRequiredService<LedgerStore>(), sp.GetRequiredService<TimeProvider>(),
                book.GetAsync, sp.GetRequiredService<AgreementShelf>().InForce, sp.GetRequiredService<ExchangeMetrics>(),
                sp.GetRequiredService<ILoggerFactory>().CreateLogger<ExchangeNode>());
            // What arrives is handed to the feature that owns its kind; the desks are made when the first message arrives.
            AssistanceExchange.Connect(exchange, () => sp.GetRequiredService<AssistanceDesk>());
            RiskDesk.Connect(exchange, () => sp.GetRequiredService<RiskDesk>().Store);
            AlertExchange.Connect(exchange, () => sp.GetRequiredService<AlertBook>());
            ActionTakenReports.Connect(exchange, () => sp.GetRequiredService<ScreeningDesk>());
            Entente.Intelligence.Seizures.SeizureExchange.Connect(exchange);
            return exchange;
        });
        return services;
    }

    public static void AddExchangeServer(this WebApplicationBuilder builder, NodeOptions node)
    {
        // Metrics through OpenTelemetry; exported over OTLP when OTEL_EXPORTER_OTLP_ENDPOINT names a collector.
        builder.Services.AddOpenTelemetry()
            .ConfigureResource(r => r.AddService("entente", serviceInstanceId: node.Code))
            .WithMetrics(metrics =>
            {
                metrics.AddMeter(ExchangeMetrics.MeterName);
                if (!string.IsNullOrWhiteSpace(builder.Configuration["OTEL_EXPORTER_OTLP_ENDPOINT"])) metrics.AddOtlpExporter();
            });
        builder.Services.AddSingleton(sp =>
        {
            var book = sp.GetRequiredService<PartnerBook>();
            var identity = sp.GetRequiredService<NodeIdentity>();
            return new OutboxDispatcher(sp.GetRequiredService<ExchangeNode>(), PartnerHttp.Client(book, identity),
                sp.GetRequiredService<IOptions<ExchangeOptions>>().Value.Dispatcher(), sp.GetRequiredService<ILogger<OutboxDispatcher>>());
        });
        builder.Services.AddHostedService(sp => sp.GetRequiredService<OutboxDispatcher>());
        // Witnessing: the partners in the directory that an agreement in force names are witnessed each round.
        builder.Services.AddSingleton<Func<IServiceProvider, CancellationToken, Task<IReadOnlyList<WitnessTarget>>>>(_ => WitnessTargetsAsync);
        var checkpointEvery = WitnessHosting.Every(builder.Configuration, node.Home);
        builder.Services.AddHostedService(sp => new CheckpointService(sp.GetRequiredService<LedgerStore>(), sp.GetRequiredService<NodeIdentity>().SigningKey,
            CheckpointService.OriginOf(node.Code), checkpointEvery, sp.GetRequiredService<ILogger<CheckpointService>>()));
        // TLS: the server presents the node certificate and asks for a client certificate; whether a partner's is
        // required is decided at the exchange endpoint (Exchange:MutualTls), so officers' API clients need none.
        builder.Services.AddOptions<KestrelServerOptions>().Configure<NodeIdentity>((k, identity) => k.ConfigureHttpsDefaults(https =>
        {
            https.ServerCertificate = identity.SigningCertificateWithKey();
            https.ClientCertificateMode = ClientCertificateMode.AllowCertificate;
            https.ClientCertificateValidation = (_, _, _) => true;
        }));
    }

    private static async Task<IReadOnlyList<WitnessTarget>> WitnessTargetsAsync(IServiceProvider services, CancellationToken cancellationToken)
    {
        var book = services.GetRequiredService<PartnerBook>();
        var targets = new List<WitnessTarget>();
        foreach (var partner in await services.GetRequiredService<PartnerDirectory>().ListAsync(cancellationToken))
        {
            if (await book.GetAsync(partner.Code, cancellationToken) is { } usable)
                targets.Add(new WitnessTarget(usable.Code, usable.Endpoint, usable.SigningKey.ExportSubjectPublicKeyInfo()));
        }
        return targets;
    }
}
