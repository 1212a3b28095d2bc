using System.Security.Claims;

namespace Entente.Access;

/// <summary>Which roles may do what. Which purposes each role may read personal data for: <see cref="PersonalData"/>.</summary>
public static class AccessPolicies
{
    public const string Read = "read";
    public const string Submit = "submit";
    public const string ChangeStatus = "change-status";
    public const string Administer = "administer";
    public const string Audit = "audit";
    public const string Agreements = "agreements";
    public const string Exchange = "exchange";
    public const string Disclose = "disclose";
    public const string Assistance = "assistance";
    public const string Assess = "assess";
    public const string RecordOutcome = "record-outcome";

    /// <summary>The claim naming the authority or unit an API user acts for.</summary>
    public const string AuthorityClaim = "entente:authority";

    public static readonly IReadOnlyDictionary<string, Role[]> Roles = new Dictionary<string, Role[]>
    {
        [Read] = [Role.Analyst, Role.Officer, Role.Liaison, Role.Auditor, Role.Admin],
        [Submit] = [Role.Officer, Role.Admin],
        [ChangeStatus] = [Role.Officer, Role.Admin],
        [Administer] = [Role.Admin],
        [Audit] = [Role.Auditor],
        [Agreements] = [Role.Liaison, Role.Auditor, Role.Admin],
        [Exchange] = [Role.Liaison, Role.Auditor, Role.Admin],
        [Disclose] = [Role.Liaison, Role.Officer],
        [Assistance] = [Role.Liaison, Role.Officer],
        [Assess] = [Role.Officer, Role.Analyst, Role.Admin],
        [RecordOutcome] = [Role.Officer],
    };

    /// <summary>The authenticated user as the ledger names a reader: name, authority and role.</summary>
    public static LocalUser UserOf(ClaimsPrincipal principal)
    {
        var role = Enum.TryParse<Role>(principal.FindFirstValue(ClaimTypes.Role), ignoreCase: true, out var r) ? r : throw new InvalidOperationException("an authenticated user without a role");
        return new LocalUser(principal.Identity?.Name ?? "?", principal.FindFirstValue(AuthorityClaim), role);
    }
}

/// <summary>
/// Who reads, as access records name them: the user, the authority or unit they belong to, their role (none for the
/// operator at the node's console).
/// </summary>
public sealed record LocalUser(string Name, string? Authority, Role? Role)
{
    public string RoleName => Role?.ToString().ToLowerInvariant() ?? "operator";
}
