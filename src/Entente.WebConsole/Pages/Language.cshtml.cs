using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Localization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace Entente.WebConsole.Pages;

/// <summary>The language chosen (English or French), kept in a cookie for a year; then back to the page it was chosen on.</summary>
public sealed class LanguageModel : PageModel
{
    public IActionResult OnPost(string? culture, string? returnUrl)
    {
        var chosen = ConsoleComposition.Cultures.FirstOrDefault(c => c.Name == culture)?.Name ?? "en";
        Response.Cookies.Append(ConsoleComposition.LanguageCookie, CookieRequestCultureProvider.MakeCookieValue(new RequestCulture(chosen)),
            new CookieOptions { Path = ConsoleComposition.Root, HttpOnly = true, SameSite = SameSiteMode.Strict, IsEssential = true, MaxAge = TimeSpan.FromDays(365), Secure = Request.IsHttps });
        return LocalRedirect(Url.IsLocalUrl(returnUrl) && returnUrl!.StartsWith(ConsoleComposition.Root, StringComparison.Ordinal) ? returnUrl : ConsoleComposition.Root);
    }
}
