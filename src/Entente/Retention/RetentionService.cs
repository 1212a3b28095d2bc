using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Entente.Retention;

/// <summary>
/// Runs the retention job (<see cref="RunRetention"/>) when the node starts and then every period the settings give (a
/// day by default): messages received from partners at the end their agreements set, always; declarations by the
/// node's rule, when it has one.
/// </summary>
public sealed partial class RetentionService(RunRetention retention, RetentionRule? rule, TimeSpan every, TimeProvider time, ILogger<RetentionService> logger)
    : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(every, time);
        do
        {
            try
            {
                var received = await retention.EraseReceivedAsync("retention", stoppingToken);
                if (received.Erased + received.AlertsErased > 0) ReceivedErased(logger, received.Erased + received.AlertsErased);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                Failed(logger, e, "received messages: their agreements' retention");
            }
            if (rule is null) continue;
            try
            {
                var result = await retention.HandleAsync(new RunRetentionInput("retention"), stoppingToken);
                if (result is not RunRetentionResult.Ran ran) throw new InvalidOperationException($"retention did not run: {result}");
                Ran(logger, ran.Rule.ToString(), ran.Report.Erased, ran.Report.Flagged);
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

    [LoggerMessage(EventId = 3003, Level = LogLevel.Information, Message = "Retention: {Erased} messages and alerts received from partners erased at the end of their agreements' retention")]
    private static partial void ReceivedErased(ILogger logger, long erased);

    [LoggerMessage(EventId = 3002, Level = LogLevel.Error, Message = "Retention ({Rule}) failed; it runs again at the next period")]
    private static partial void Failed(ILogger logger, Exception exception, string rule);
}
