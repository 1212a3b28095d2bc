using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Entente.Screening;

/// <summary>
/// Keeps the server's watch list warm: every few seconds (Entente:Screening:RefreshSeconds) it brings the watch list in
/// line with the alerts in force and screens what is not screened yet — a partner's alert received, an alert issued
/// from the CLI, declarations stored by another process — so a new alert is looked back over the window promptly.
/// </summary>
public sealed partial class ScreeningService(ScreeningDesk desk, TimeSpan every, TimeProvider time, ILogger<ScreeningService> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(every, time);
        do
        {
            try
            {
                var run = await desk.ScreenStoredAsync(stoppingToken);
                if (run.Hits > 0) Screened(logger, run.Declarations, run.AlertsLookedBack, run.Hits);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                Failed(logger, e);
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken));
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "screening: {Declarations} declarations and {Alerts} new alerts screened, {Hits} hits")]
    private static partial void Screened(ILogger logger, int declarations, int alerts, int hits);

    [LoggerMessage(Level = LogLevel.Warning, Message = "screening failed; it is tried again at the next round")]
    private static partial void Failed(ILogger logger, Exception e);
}
