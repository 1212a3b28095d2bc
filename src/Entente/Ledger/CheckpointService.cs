using System.Security.Cryptography;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Entente.Ledger;

/// <summary>
/// Signs a checkpoint of the node's ledger at a steady pace whenever it has grown since the last one, so partners who
/// witness the node always find a recent signed head to check and cosign.
/// </summary>
public sealed class CheckpointService(LedgerStore ledger, ECDsa key, string origin, TimeSpan every, ILogger<CheckpointService> logger) : BackgroundService
{
    public static string OriginOf(string code) => $"entente/{code}/ledger";

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(every, ledger.Time);
        do
        {
            try
            {
                await SignIfGrownAsync(stoppingToken);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                logger.LogError(e, "Signing a ledger checkpoint failed; trying again in {Every}", every);
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken));
    }

    /// <summary>Signs a checkpoint when the tree is larger than the last signed one; returns the new one or null.</summary>
    public async Task<StoredCheckpoint?> SignIfGrownAsync(CancellationToken cancellationToken = default)
    {
        var head = await ledger.GetHeadAsync(cancellationToken);
        var last = await ledger.LatestCheckpointAsync(cancellationToken);
        if (head.Size == 0 || (last is not null && last.TreeSize >= head.Size)) return null;
        return await ledger.SignCheckpointAsync(key, origin, cancellationToken);
    }
}
