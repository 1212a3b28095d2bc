using System.ComponentModel.DataAnnotations;
using Entente.Access;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.Extensions.Localization;
using Microsoft.Extensions.Logging;

namespace Entente.WebConsole.Pages;

/// <summary>Sign in with the API key an administrator gave (entente user add), optionally with the user name it belongs to.</summary>
public sealed class SignInModel(ApiUserStore users, TimeProvider time, IStringLocalizer<Strings> text, ILoggerFactory loggers) : PageModel
{
    [BindProperty]
    [Display(Name = "UserName")]
    [StringLength(200)]
    public string? UserName { get; set; }

    [BindProperty]
    [Display(Name = "ApiKey")]
    [Required(ErrorMessage = "Required")]
    [StringLength(200, ErrorMessage = "TooLong")]
    public string? Key { get; set; }

    [BindProperty(SupportsGet = true)]
    public string? ReturnUrl { get; set; }

    public void OnGet()
    {
    }

    public async Task<IActionResult> OnPostAsync()
    {
        if (!ModelState.IsValid) return Page();
        var verdict = await users.CheckKeyAsync(Key!.Trim(), time.GetUtcNow(), HttpContext.RequestAborted);
        var refusal = verdict.State switch
        {
            KeyState.Valid when !string.IsNullOrWhiteSpace(UserName) && !string.Equals(UserName.Trim(), verdict.User!.Name, StringComparison.Ordinal) => text["KeyNotThisUser"],
            KeyState.Valid => null,
            KeyState.Revoked => text["KeyRevoked"],
            KeyState.Expired => text["KeyExpired"],
            _ => text["KeyUnknown"],
        };
        if (refusal is not null)
        {
            ConsoleLog.SignInRefused(loggers.CreateLogger("Entente.Console"), HttpContext.Connection.RemoteIpAddress?.ToString() ?? "?",
                verdict.State == KeyState.Valid ? "the key is not the named user's" : verdict.Reason);
            ModelState.AddModelError(nameof(Key), refusal);
            return Page();
        }
        var user = verdict.User!;
        await HttpContext.SignInAsync(ConsoleComposition.Scheme, ConsoleSession.Principal(user), new AuthenticationProperties { IsPersistent = false });
        ConsoleLog.SignedIn(loggers.CreateLogger("Entente.Console"), user.Name, user.Role.ToString().ToLowerInvariant());
        return LocalRedirect(Url.IsLocalUrl(ReturnUrl) && ReturnUrl!.StartsWith(ConsoleComposition.Root + "/", StringComparison.Ordinal) ? ReturnUrl : ConsoleComposition.Root);
    }
}
