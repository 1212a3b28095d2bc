using Microsoft.Extensions.Logging;

namespace Entente.Witnessing;

internal static partial class WitnessLog
{
    [LoggerMessage(EventId = 7001, Level = LogLevel.Information, Message = "Witnessed {Partner}: {Verdict} ({Reason}); cosigned: {Cosigned}")]
    public static partial void Witnessed(ILogger logger, string partner, WitnessVerdictKind verdict, string reason, bool cosigned);

    [LoggerMessage(EventId = 7002, Level = LogLevel.Warning, Message = "Witnessing {Partner}: its checkpoint is refused: {Reason}")]
    public static partial void Refused(ILogger logger, string partner, string reason);

    [LoggerMessage(EventId = 7003, Level = LogLevel.Warning, Message = "Witnessing {Partner} at {Endpoint} failed ({Reason}); tried again next round")]
    public static partial void Unreachable(ILogger logger, string partner, Uri endpoint, string reason);

    [LoggerMessage(EventId = 7004, Level = LogLevel.Critical, Message = "EQUIVOCATION by {Partner}: {Reason}. Alarm {Alarm}, evidence {Digest}, ledger entry {Entry}")]
    public static partial void Equivocation(ILogger logger, string partner, string reason, string alarm, string digest, long entry);

    [LoggerMessage(EventId = 7005, Level = LogLevel.Warning, Message = "{Partner} did not accept this node's cosignature of its checkpoint {TreeSize}: {Reason}")]
    public static partial void CosignatureNotAccepted(ILogger logger, string partner, long treeSize, string reason);

    [LoggerMessage(EventId = 7006, Level = LogLevel.Warning, Message = "Refused a cosignature from {Remote} claiming to be witness {Witness}: {Reason}")]
    public static partial void CosignatureRefused(ILogger logger, string? remote, string? witness, string reason);

    [LoggerMessage(EventId = 7007, Level = LogLevel.Information, Message = "Accepted {Witness}'s cosignature of checkpoint {TreeSize}")]
    public static partial void CosignatureAccepted(ILogger logger, string witness, long treeSize);

    [LoggerMessage(EventId = 7008, Level = LogLevel.Error, Message = "The witness round failed; it runs again at the next period")]
    public static partial void RoundFailed(ILogger logger, Exception exception);
}
