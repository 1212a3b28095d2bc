using System.Globalization;
using System.Text.Json.Nodes;
using Entente.Storage;
using Entente.Witnessing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Entente.Hosting;

/// <summary>Witnessing in the node: the store, the round every <c>Witness:Every</c>.</summary>
public static class WitnessHosting
{
    public const string EverySetting = "Witness:Every";

    /// <summary>
    /// Adds witnessing to the node: the store, the round every <c>Witness:Every</c>. The partners to witness come from the
    /// <c>Func&lt;IServiceProvider, CancellationToken, Task&lt;IReadOnlyList&lt;WitnessTarget&gt;&gt;&gt;</c> registered in
    /// the container, asked at the start of each round (default: none; the last one registered wins).
    /// </summary>
    public static IServiceCollection AddWitnessing(this IServiceCollection services, IConfiguration configuration, NodeOptions node)
    {
        var every = Every(configuration, node.Home);
        services.TryAddSingleton(sp => new WitnessStore(sp.GetRequiredService<NodeDatabase>()));
        services.TryAddSingleton<Func<IServiceProvider, CancellationToken, Task<IReadOnlyList<WitnessTarget>>>>(_ =>
            (_, _) => Task.FromResult<IReadOnlyList<WitnessTarget>>([]));
        services.AddSingleton(sp => new WitnessService(sp, node.Home, node.Code, every));
        services.AddHostedService(sp => sp.GetRequiredService<WitnessService>());
        return services;
    }

    /// <summary>Witness:Every from configuration (Entente:Witness:Every, ENTENTE__WITNESS__EVERY), else HOME/entente.json, else five minutes.</summary>
    public static TimeSpan Every(IConfiguration configuration, string home)
    {
        var text = configuration[$"{NodeOptions.Section}:{EverySetting}"];
        var where = $"{NodeOptions.Section}:{EverySetting}";
        if (text is null && File.Exists(NodeHome.ConfigPath(home)))
        {
            text = JsonNode.Parse(File.ReadAllText(NodeHome.ConfigPath(home)))?[NodeOptions.Section]?["Witness"]?["Every"]?.GetValue<string>();
            where = $"{NodeHome.ConfigPath(home)}: {EverySetting}";
        }
        if (text is null) return WitnessService.DefaultEvery;
        return TimeSpan.TryParse(text, CultureInfo.InvariantCulture, out var every) && every >= TimeSpan.FromSeconds(1)
            ? every
            : throw new InvalidDataException($"{where}: expected a time span of at least a second such as 00:05:00 (five minutes), got '{text}'");
    }
}
