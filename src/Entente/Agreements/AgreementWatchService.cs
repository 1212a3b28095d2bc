using Entente.Ledger;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Entente.Agreements;

/// <summary>Runs <see cref="AgreementWatch"/> over the home's agreements folder when the node starts and then every hour.</summary>
public sealed partial class AgreementWatchService(IServiceProvider services, string folder, string nodeCode) : BackgroundService
{
    public static readonly TimeSpan Every = TimeSpan.FromHours(1);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var time = services.GetRequiredService<TimeProvider>();
        var logger = services.GetRequiredService<ILogger<AgreementWatchService>>();
        using var timer = new PeriodicTimer(Every, time);
        do
        {
            try
            {
                var recorded = await AgreementWatch.RunAsync(folder, services.GetRequiredService<LedgerStore>(), new LedgerActor("agreement-watch", nodeCode), time, stoppingToken);
                if (recorded.Count > 0) Recorded(logger, recorded.Count);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                Failed(logger, e, folder);
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken));
    }

    [LoggerMessage(EventId = 4001, Level = LogLevel.Information, Message = "Agreements: {Count} changes of status recorded in the ledger")]
    private static partial void Recorded(ILogger logger, int count);

    [LoggerMessage(EventId = 4002, Level = LogLevel.Error, Message = "Agreements in {Folder} could not be checked; the watch runs again in an hour")]
    private static partial void Failed(ILogger logger, Exception exception, string folder);
}
