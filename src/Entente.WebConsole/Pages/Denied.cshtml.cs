namespace Entente.WebConsole.Pages;

/// <summary>A page the user's role does not allow (403).</summary>
public sealed class DeniedModel : ConsolePage
{
    public void OnGet() => Response.StatusCode = 403;
}
