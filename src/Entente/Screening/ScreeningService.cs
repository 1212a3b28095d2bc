using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Entente.Screening;

/// <summary>
/// Keeps the server's watch list warm: at start it catches up (declarations stored while screening was off are screened
/// once), then every few seconds (Entente:Screening:RefreshSeconds) it brings the watch list in line with the alert book,
/// one changed alert at a time, and looks new alert versions back over the window — a partner's alert received, an
/// alert issued from the CLI — so a new alert is looked back promptly.
/// </summary>
public sealed partial class ScreeningService(ScreeningDesk desk, TimeSpan every, TimeProvider time, ILogger<ScreeningService> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(every, time);
        var caughtUp = false;
        do
        {
            try
            {
                var run = caughtUp ? await desk.LookBackNewAlertsAsync(stoppingToken) : await desk.ScreenStoredAsync(stoppingToken);
                caughtUp = true;
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
