using Entente.Ledger;
using Entente.Storage;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Entente.Retention;

/// <summary>Runs the retention job when the node starts and then every period the settings give (a day by default).</summary>
public sealed partial class RetentionService(IServiceProvider services, RetentionRule rule, byte[] subjectKey, string nodeCode, TimeSpan every)
    : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var time = services.GetRequiredService<TimeProvider>();
        var logger = services.GetRequiredService<ILogger<RetentionService>>();
        using var timer = new PeriodicTimer(every, time);
        do
        {
            try
            {
                var report = await RetentionJob.RunAsync(services.GetRequiredService<IDeclarationStore>(), services.GetRequiredService<LedgerStore>(),
                    rule, subjectKey, new LedgerActor("retention", nodeCode), time, cancellationToken: stoppingToken);
                Ran(logger, rule.ToString(), report.Erased, report.Flagged);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                Failed(logger, e, rule.ToString());
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken));
    }

    [LoggerMessage(EventId = 3001, Level = LogLevel.Information, Message = "Retention ({Rule}): {Erased} declarations erased, {Flagged} flagged for review")]
    private static partial void Ran(ILogger logger, string rule, long erased, long flagged);

    [LoggerMessage(EventId = 3002, Level = LogLevel.Error, Message = "Retention ({Rule}) failed; it runs again at the next period")]
    private static partial void Failed(ILogger logger, Exception exception, string rule);
}
