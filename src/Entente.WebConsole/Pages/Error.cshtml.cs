using System.Diagnostics;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.Extensions.Logging;

namespace Entente.WebConsole.Pages;

/// <summary>What a person sees when a page fails: a message and a reference to find it in the log, never a stack trace.</summary>
[IgnoreAntiforgeryToken]
public sealed class ErrorModel(ILoggerFactory loggers) : PageModel
{
    public string Reference { get; private set; } = "";

    public void OnGet() => Describe();

    public void OnPost() => Describe();

    private void Describe()
    {
        Reference = Activity.Current?.TraceId.ToString() ?? HttpContext.TraceIdentifier;
        Response.StatusCode = 500;
        if (HttpContext.Features.Get<IExceptionHandlerPathFeature>() is { } failed)
            ConsoleLog.PageFailed(loggers.CreateLogger("Entente.Console"), failed.Path, Reference, failed.Error);
    }
}
