using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Entente.Blinded;

/// <summary>
/// Keeps the running node's blinded index built: once at start (so the first evaluation does not wait for it) and then
/// every <see cref="BlindedOptions.IndexMaxAge"/>, so evaluations answer with a current version.
/// </summary>
public sealed partial class BlindedIndexRefresh(BlindedIndexer indexer, BlindedOptions options, TimeProvider time, ILogger<BlindedIndexRefresh> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.IndexMaxAge, time);
        do
        {
            try
            {
                var index = await indexer.CurrentAsync(stoppingToken);
                Built(logger, index.Count, index.Version);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                Failed(logger, e);
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken));
    }

    [LoggerMessage(EventId = 4701, Level = LogLevel.Debug, Message = "Blinded index: {Count} identifiers, version {Version}")]
    private static partial void Built(ILogger logger, int count, long version);

    [LoggerMessage(EventId = 4702, Level = LogLevel.Error, Message = "The blinded index could not be built; tried again at the next refresh")]
    private static partial void Failed(ILogger logger, Exception exception);
}
