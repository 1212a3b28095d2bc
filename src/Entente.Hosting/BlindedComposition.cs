using Entente.Agreements;
using Entente.Alerts;
using Entente.Blinded;
using Entente.Exchange;
using Entente.Identity;
using Entente.Ledger;
using Entente.Partners;
using Entente.Storage;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Entente.Hosting;

/// <summary>Blinded hit/no-hit in the node: its settings, the OPRF key and index, the holder and the asker (docs/blinded.md).</summary>
public static class BlindedComposition
{
    public static IServiceCollection AddBlinded(this IServiceCollection services, NodeOptions node)
    {
        services.AddOptions<BlindedOptions>().BindConfiguration(BlindedOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton(sp => new BlindedNonces(sp.GetRequiredService<NodeDatabase>()));
        // The identifiers the index holds: the declarations' and the alerts' in force.
        services.AddSingleton<IBlindedIdentifierSource>(sp => new DeclarationIdentifiers(sp.GetRequiredService<NodeDatabase>()));
        services.AddSingleton<IBlindedIdentifierSource>(sp => new AlertIdentifiers(sp.GetRequiredService<AlertBook>(), sp.GetRequiredService<NodeDatabase>(), sp.GetRequiredService<TimeProvider>()));
        services.AddSingleton(sp => new BlindedIndexer(node.Code, () => BlindedKey.LoadOrCreate(node.Home), sp.GetServices<IBlindedIdentifierSource>().ToList(),
            sp.GetRequiredService<TimeProvider>(), history: new BlindedIndexHistory(sp.GetRequiredService<NodeDatabase>())));
        services.AddSingleton(sp => new EvaluationLimiter(sp.GetRequiredService<IOptions<BlindedOptions>>().Value, sp.GetRequiredService<TimeProvider>()));
        services.AddSingleton(sp => new BlindedHolder(node.Code, sp.GetRequiredService<NodeIdentity>().SigningKey, sp.GetRequiredService<BlindedIndexer>(),
            sp.GetRequiredService<BlindedNonces>(), sp.GetRequiredService<EvaluationLimiter>(), sp.GetRequiredService<LedgerStore>(), sp.GetRequiredService<PartnerBook>(),
            sp.GetRequiredService<AgreementShelf>().InForce, sp.GetRequiredService<IOptions<BlindedOptions>>().Value, sp.GetRequiredService<TimeProvider>()));
        services.AddSingleton(sp =>
        {
            var identity = sp.GetRequiredService<NodeIdentity>();
            var book = sp.GetRequiredService<PartnerBook>();
            return new AskPartners(node.Code, identity.SigningKey, book, sp.GetRequiredService<PartnerDirectory>(), sp.GetRequiredService<AgreementShelf>().InForce,
                sp.GetRequiredService<LedgerStore>(), PartnerHttp.Client(book, identity), Path.Combine(node.Home, "blinded", "partners"),
                sp.GetRequiredService<IOptions<BlindedOptions>>().Value, sp.GetRequiredService<TimeProvider>());
        });
        services.AddSingleton(sp => new RotateBlindedKey(node.Code, node.Home, sp.GetRequiredService<LedgerStore>()));
        return services;
    }

    /// <summary>In the server: the index built at start and kept current.</summary>
    public static IServiceCollection AddBlindedServer(this IServiceCollection services) =>
        services.AddHostedService(sp => new BlindedIndexRefresh(sp.GetRequiredService<BlindedIndexer>(), sp.GetRequiredService<IOptions<BlindedOptions>>().Value,
            sp.GetRequiredService<TimeProvider>(), sp.GetRequiredService<Microsoft.Extensions.Logging.ILogger<BlindedIndexRefresh>>()));
}
