using Microsoft.Extensions.Logging;

namespace Entente.Ingest;

/// <summary>Diagnostics of submissions through the API (the ledger, not the log, is the audit trail).</summary>
internal static partial class Log
{
    [LoggerMessage(EventId = 2001, Level = LogLevel.Information, Message = "{User} submitted {File} ({Format}): {Accepted} accepted, {Rejected} rejected, {Duplicates} duplicates")]
    public static partial void Submitted(ILogger logger, string user, string file, string format, long accepted, long rejected, long duplicates);

    [LoggerMessage(EventId = 2002, Level = LogLevel.Warning, Message = "Refused a submission from {User} ({Remote}): {Rejected} records refused; first problem: {FirstError}")]
    public static partial void SubmissionRefused(ILogger logger, string user, string remote, long rejected, string firstError);

    [LoggerMessage(EventId = 2004, Level = LogLevel.Error, Message = "Declarations of {File} are stored but were not assessed: {Reason}")]
    public static partial void AssessmentFailed(ILogger logger, string file, string reason);

    [LoggerMessage(EventId = 2005, Level = LogLevel.Warning, Message = "Refused a submission body from {User} ({Remote}) with {Status}: {Reason}")]
    public static partial void BodyRefused(ILogger logger, string user, string remote, int status, string reason);
}
