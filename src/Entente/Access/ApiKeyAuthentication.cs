using System.Security.Claims;
using System.Text.Encodings.Web;
using Entente.Nodes;
using Entente.Storage;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Entente.Access;

/// <summary>
/// API keys per user: "Authorization: Bearer KEY" or "X-Api-Key: KEY". Only the key's SHA-256 is stored;
/// the user's role becomes a role claim, checked by the endpoint policies in <see cref="AccessPolicies"/>.
/// </summary>
public sealed class ApiKeyAuthenticationHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> options,
    ILoggerFactory loggerFactory,
    UrlEncoder encoder,
    IDeclarationStore store,
    IProblemDetailsService problems)
    : AuthenticationHandler<AuthenticationSchemeOptions>(options, loggerFactory, encoder)
{
    public const string SchemeName = "ApiKey";
    public const string AuthorityClaim = "entente:authority";

    protected override async Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        string? key = null;
        if (Request.Headers.Authorization.ToString() is { Length: > 7 } header && header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
            key = header[7..].Trim();
        else if (Request.Headers["X-Api-Key"].ToString() is { Length: > 0 } apiKey)
            key = apiKey.Trim();
        if (key is null) return AuthenticateResult.NoResult();
        if (key.Length > 200) return AuthenticateResult.Fail("the API key is malformed");

        var user = await store.FindApiUserByKeyHashAsync(NodeHome.HashKey(key), Context.RequestAborted);
        if (user is null)
        {
            AccessLog.UnknownKey(Logger, Context.Connection.RemoteIpAddress?.ToString() ?? "?");
            return AuthenticateResult.Fail("unknown API key");
        }
        var claims = new List<Claim>
        {
            new(ClaimTypes.Name, user.Name),
            new(ClaimTypes.Role, user.Role.ToString().ToLowerInvariant()),
        };
        if (user.Authority is { } authority) claims.Add(new Claim(AuthorityClaim, authority));
        var identity = new ClaimsIdentity(claims, SchemeName);
        return AuthenticateResult.Success(new AuthenticationTicket(new ClaimsPrincipal(identity), SchemeName));
    }

    protected override async Task HandleChallengeAsync(AuthenticationProperties properties)
    {
        Response.StatusCode = StatusCodes.Status401Unauthorized;
        Response.Headers.WWWAuthenticate = "Bearer";
        await problems.WriteAsync(new ProblemDetailsContext
        {
            HttpContext = Context,
            ProblemDetails = new ProblemDetails
            {
                Status = StatusCodes.Status401Unauthorized,
                Title = "Authentication required",
                Detail = "Send your API key as 'Authorization: Bearer KEY' (or 'X-Api-Key: KEY'). An administrator creates keys with: entente user add.",
            },
        });
    }

    protected override async Task HandleForbiddenAsync(AuthenticationProperties properties)
    {
        Response.StatusCode = StatusCodes.Status403Forbidden;
        await problems.WriteAsync(new ProblemDetailsContext
        {
            HttpContext = Context,
            ProblemDetails = new ProblemDetails
            {
                Status = StatusCodes.Status403Forbidden,
                Title = "Not allowed for your role",
                Detail = $"{Context.User.Identity?.Name} ({Context.User.FindFirstValue(ClaimTypes.Role)}) may not {Request.Method} {Request.Path}.",
            },
        });
    }
}

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
        return new LocalUser(principal.Identity?.Name ?? "?", principal.FindFirstValue(ApiKeyAuthenticationHandler.AuthorityClaim), role);
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

internal static partial class AccessLog
{
    [LoggerMessage(EventId = 1001, Level = LogLevel.Warning, Message = "Refused a request with an unknown API key from {Remote}")]
    public static partial void UnknownKey(ILogger logger, string remote);
}
