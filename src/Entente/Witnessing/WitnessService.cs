using Entente.Identity;
using Entente.Ledger;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Entente.Witnessing;

/// <summary>
/// Runs a witness round when the node starts and then every <c>Witness:Every</c> (default five minutes), over the
/// partners the registered targets function gives (registered by the host); <see cref="RunRoundAsync"/> runs one on demand.
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
