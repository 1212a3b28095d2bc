using System.Security.Claims;
using System.Text.Encodings.Web;
using Entente.Access;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Entente.Hosting;

/// <summary>
/// API keys per user: "Authorization: Bearer KEY" or "X-Api-Key: KEY". Only the key's SHA-256 is stored;
/// the user's role becomes a role claim, checked by the endpoint policies in <see cref="AccessPolicies"/>.
/// </summary>
public sealed class ApiKeyAuthenticationHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> options,
    ILoggerFactory loggerFactory,
    UrlEncoder encoder,
    ApiUserStore users,
    IProblemDetailsService problems)
    : AuthenticationHandler<AuthenticationSchemeOptions>(options, loggerFactory, encoder)
{
    public const string SchemeName = "ApiKey";

    protected override async Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        string? key = null;
        if (Request.Headers.Authorization.ToString() is { Length: > 7 } header && header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
            key = header[7..].Trim();
        else if (Request.Headers["X-Api-Key"].ToString() is { Length: > 0 } apiKey)
            key = apiKey.Trim();
        if (key is null) return AuthenticateResult.NoResult();
        if (key.Length > 200) return AuthenticateResult.Fail("the API key is malformed");

        var user = await users.FindByKeyHashAsync(ApiKeys.Hash(key), Context.RequestAborted);
        if (user is null)
        {
            Log.UnknownKey(Logger, Context.Connection.RemoteIpAddress?.ToString() ?? "?");
            return AuthenticateResult.Fail("unknown API key");
        }
        var claims = new List<Claim>
        {
            new(ClaimTypes.Name, user.Name),
            new(ClaimTypes.Role, user.Role.ToString().ToLowerInvariant()),
        };
        if (user.Authority is { } authority) claims.Add(new Claim(AccessPolicies.AuthorityClaim, authority));
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

internal static partial class Log
{
    [LoggerMessage(EventId = 1001, Level = LogLevel.Warning, Message = "Refused a request with an unknown API key from {Remote}")]
    public static partial void UnknownKey(ILogger logger, string remote);
}
