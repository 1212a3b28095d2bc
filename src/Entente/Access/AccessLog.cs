using Microsoft.Extensions.Logging;

namespace Entente.Access;

/// <summary>Diagnostics of reads and status moves (the ledger, not the log, is the audit trail).</summary>
internal static partial class AccessLog
{
    [LoggerMessage(EventId = 2003, Level = LogLevel.Information, Message = "{User} moved declaration {Id} from {From} to {To}")]
    public static partial void StatusMoved(ILogger logger, string user, string id, string from, string to);
}
