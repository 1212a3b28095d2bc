using System.Globalization;
using System.Text.Json.Nodes;
using Entente.Ledger;
using Entente.Nodes;
using Entente.Storage;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Entente.Witnessing;

/// <summary>
/// Runs a witness round when the node starts and then every <c>Witness:Every</c> (default five minutes), over the
/// partners the registered targets function gives (<see cref="WitnessHosting.AddWitnessing"/>); <see cref="RunRoundAsync"/> runs one on demand.
/// </summary>
public sealed class WitnessService(IServiceProvider services, string home, string nodeCode, TimeSpan every) : BackgroundService
{
    public static readonly TimeSpan DefaultEvery = TimeSpan.FromMinutes(5);

    private static readonly HttpClient Http = new() { Timeout = TimeSpan.FromSeconds(30) };

    private readonly SemaphoreSlim _oneAtATime = new(1, 1);

    public TimeSpan Every => every;

    /// <summary>One round over every partner now (waits for a round already running).</summary>
    public async Task<IReadOnlyList<WitnessOutcome>> RunRoundAsync(CancellationToken cancellationToken = default)
    {
        await _oneAtATime.WaitAsync(cancellationToken);
        try
        {
            var targets = await services.GetRequiredService<Func<IServiceProvider, CancellationToken, Task<IReadOnlyList<WitnessTarget>>>>()(services, cancellationToken);
            if (targets.Count == 0) return [];
            using var key = NodeKeys.LoadSigningKey(home);
            var round = new WitnessRound(Http, services.GetRequiredService<WitnessStore>(), services.GetRequiredService<LedgerStore>(), key, nodeCode,
                services.GetRequiredService<TimeProvider>(), services.GetRequiredService<ILogger<WitnessService>>());
            return await round.RunAsync(targets, cancellationToken);
        }
        finally
        {
            _oneAtATime.Release();
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(every, services.GetRequiredService<TimeProvider>());
        do
        {
            try
            {
                await RunRoundAsync(stoppingToken);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                WitnessLog.RoundFailed(services.GetRequiredService<ILogger<WitnessService>>(), e);
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken));
    }

    public override void Dispose()
    {
        _oneAtATime.Dispose();
        base.Dispose();
    }
}

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
        services.TryAddSingleton(sp => sp.GetService<NodeDatabase>() is { } database ? new WitnessStore(database) : WitnessStore.Open(node.DatabaseOrDefault));
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
