using Entente.Access;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace Entente.WebConsole.Pages;

/// <summary>What every console page knows: who is signed in (as the ledger names a reader) and what their role allows.</summary>
public abstract class ConsolePage : PageModel
{
    /// <summary>How the ledger names reads made through the console (the API's are "api", the node's command line's "console").</summary>
    public const string Channel = "web";

    public LocalUser Me => AccessPolicies.UserOf(User);

    /// <summary>Whether the user's role may do what the API policy of that name allows.</summary>
    public bool Can(string apiPolicy) => ConsolePolicies.Allows(User, apiPolicy);

    /// <summary>The purposes the user's role may state (the API's table).</summary>
    /// <summary>An action the role does not allow: the console's "not allowed for your role" page (403).</summary>
    protected IActionResult Refuse() => Forbid(ConsoleComposition.Scheme);

    public IReadOnlyList<string> Purposes => Me.Role is { } role ? [.. PersonalData.PurposesByRole[role].Order(StringComparer.Ordinal)] : [];
}
