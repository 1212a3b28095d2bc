using Entente.Storage;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Logging;

namespace Entente.Hosting;

/// <summary>
/// What the HTTP edge does with a request the node could not finish for a reason that is not its own bug: a body that
/// arrived too slowly (408), ended early or was malformed (400), was too large (413), or a database that stayed busy
/// past the busy timeout (503 with Retry-After). Each is answered as ProblemDetails and logged as a warning, not as an
/// unhandled exception (issue 14: a 1 B/s upload ended in a 500).
/// </summary>
internal sealed class HttpEdgeExceptionHandler(IProblemDetailsService problems, ILogger<HttpEdgeExceptionHandler> logger) : IExceptionHandler
{
    /// <summary>
    /// Bodies slower than this are cut (Kestrel's default, said here so it is one documented setting): 240 bytes/s
    /// after a 5 s grace; a request whose headers take longer than 30 s is cut too.
    /// </summary>
    public static void Limit(KestrelServerLimits limits)
    {
        limits.MinRequestBodyDataRate = new MinDataRate(bytesPerSecond: 240, gracePeriod: TimeSpan.FromSeconds(5));
        limits.RequestHeadersTimeout = TimeSpan.FromSeconds(30);
    }

    public async ValueTask<bool> TryHandleAsync(HttpContext context, Exception exception, CancellationToken cancellationToken)
    {
        var (status, title) = exception switch
        {
            Microsoft.AspNetCore.Http.BadHttpRequestException { StatusCode: 408 } => (408, "Request timed out"),
            Microsoft.AspNetCore.Http.BadHttpRequestException { StatusCode: 413 } => (413, "Request too large"),
            Microsoft.AspNetCore.Http.BadHttpRequestException bad => (bad.StatusCode, "Bad request"),
            DatabaseBusyException => (503, "Busy"),
            _ => (0, ""),
        };
        if (status == 0) return false;
        Log.RequestRefused(logger, context.Request.Method, context.Request.Path, status, exception.Message);
        if (context.Response.HasStarted || context.RequestAborted.IsCancellationRequested)
        {
            context.Abort();
            return true;
        }
        context.Response.StatusCode = status;
        if (status == 503) context.Response.Headers.RetryAfter = "1";
        if (status is 408 or 400) context.Response.Headers.Connection = "close";
        await problems.TryWriteAsync(new ProblemDetailsContext
        {
            HttpContext = context,
            Exception = exception,
            ProblemDetails = new ProblemDetails { Status = status, Title = title, Detail = exception.Message },
        });
        return true;
    }
}
