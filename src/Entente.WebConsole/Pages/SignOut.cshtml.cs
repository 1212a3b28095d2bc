using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Logging;

namespace Entente.WebConsole.Pages;

/// <summary>Ends the session (POST only, with the anti-forgery token).</summary>
public sealed class SignOutModel(ILoggerFactory loggers) : ConsolePage
{
    public IActionResult OnGet() => RedirectToPage("/Index");

    public async Task<IActionResult> OnPostAsync()
    {
        ConsoleLog.SessionEnded(loggers.CreateLogger("Entente.Console"), User.Identity?.Name ?? "?", "signed out");
        await HttpContext.SignOutAsync(ConsoleComposition.Scheme);
        return LocalRedirect(ConsoleComposition.Root + "/sign-in?signedOut=1");
    }
}
