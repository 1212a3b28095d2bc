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
/// A refused key is answered with why (unknown, revoked, expired), logged, and counted against the client
/// (<see cref="FailedAuthentications"/>); a used key's last use is recorded, to the minute.
/// </summary>
public sealed class ApiKeyAuthenticationHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> options,
    ILoggerFactory loggerFactory,
    UrlEncoder encoder,
    ApiUserStore users,
    FailedAuthentications failures,
    TimeProvider time,
    IProblemDetailsService problems)
    : AuthenticationHandler<AuthenticationSchemeOptions>(options, loggerFactory, encoder)
{
    public const string SchemeName = "ApiKey";

    /// <summary>How stale the recorded last use may get before a request writes it again.</summary>
    public static readonly TimeSpan LastUsedResolution = TimeSpan.FromMinutes(1);

    /// <summary>The longest key looked up; a longer one is refused as malformed.</summary>
    public const int MaxKeyLength = 200;

    /// <summary>The key a request carries ("Authorization: Bearer KEY" or "X-Api-Key: KEY"), or null when it carries none.</summary>
    public static string? KeyOf(HttpRequest request)
    {
        if (request.Headers.Authorization.ToString() is { Length: > 6 } header && header.StartsWith("Bearer", StringComparison.OrdinalIgnoreCase))
            return header[6..].Trim();
        return request.Headers["X-Api-Key"].ToString() is { Length: > 0 } apiKey ? apiKey.Trim() : null;
    }

    protected override async Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        if (KeyOf(Request) is not { } key) return AuthenticateResult.NoResult();

        var client = FailedAuthentications.ClientOf(Context);
        var now = time.GetUtcNow();
        var verdict = key.Length is 0 or > MaxKeyLength
            ? new KeyVerdict(KeyState.Unknown, null, "the API key is empty or malformed")
            : await users.CheckKeyAsync(key, now, Context.RequestAborted);
        if (verdict.State != KeyState.Valid)
        {
            failures.Failed(client);
            Log.KeyRefused(Logger, client, verdict.State.ToString().ToLowerInvariant(), Request.Method, Request.Path, verdict.Reason);
            return AuthenticateResult.Fail(new KeyRefusedException(verdict));
        }

        var user = verdict.User!;
        if (user.LastUsedAt is not { } used || now - used >= LastUsedResolution)
        {
            try
            {
                await users.TouchAsync(user.Name, now, Context.RequestAborted);
            }
            catch (Exception e) when (e is System.Data.Common.DbException or Entente.Storage.DatabaseBusyException)
            {
                // The last use is a convenience for administrators: a busy store does not refuse the request for it.
                Log.LastUseNotRecorded(Logger, user.Name, e.Message);
            }
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
        var result = await HandleAuthenticateOnceSafeAsync();
        var (title, detail) = (result.Failure as KeyRefusedException)?.Verdict switch
        {
            { State: KeyState.Revoked } refused => ("API key revoked", $"{Upper(refused.Reason)}. Ask an administrator for a new key (entente user rotate)."),
            { State: KeyState.Expired } refused => ("API key expired", $"{Upper(refused.Reason)}. Ask an administrator for a new key (entente user rotate)."),
            { } refused => ("Unknown API key", $"{Upper(refused.Reason)}. Send the key an administrator gave you (entente user add) as 'Authorization: Bearer KEY' or 'X-Api-Key: KEY'."),
            null => ("Authentication required", "Send your API key as 'Authorization: Bearer KEY' (or 'X-Api-Key: KEY'). An administrator creates keys with: entente user add."),
        };
        Response.StatusCode = StatusCodes.Status401Unauthorized;
        Response.Headers.WWWAuthenticate = result.Failure is null ? "Bearer" : "Bearer error=\"invalid_token\"";
        await problems.WriteAsync(new ProblemDetailsContext
        {
            HttpContext = Context,
            ProblemDetails = new ProblemDetails { Status = StatusCodes.Status401Unauthorized, Title = title, Detail = detail },
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

    private static string Upper(string text) => text.Length == 0 ? text : char.ToUpperInvariant(text[0]) + text[1..];
}

/// <summary>Why a presented key was refused (the authentication failure the challenge answers with).</summary>
public sealed class KeyRefusedException(KeyVerdict verdict) : Exception(verdict.Reason)
{
    public KeyVerdict Verdict { get; } = verdict;
}

internal static partial class Log
{
    [LoggerMessage(EventId = 1001, Level = LogLevel.Warning, Message = "Refused an API key from {Remote} ({State}): {Method} {Path}: {Reason}")]
    public static partial void KeyRefused(ILogger logger, string remote, string state, string method, string path, string reason);

    [LoggerMessage(EventId = 1008, Level = LogLevel.Debug, Message = "The last use of {User}'s API key was not recorded: {Reason}")]
    public static partial void LastUseNotRecorded(ILogger logger, string user, string reason);

    [LoggerMessage(EventId = 1005, Level = LogLevel.Warning, Message = "Too many failed authentications from {Remote}: refused {Method} {Path} with 429 for {Seconds} s")]
    public static partial void AuthenticationLimited(ILogger logger, string remote, string method, string path, int seconds);
}
