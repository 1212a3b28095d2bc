using System.Globalization;
using System.Security.Claims;
using Entente.Access;
using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Localization;
using Microsoft.AspNetCore.Mvc.Razor;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Entente.WebConsole;

/// <summary>
/// The officer console (docs/console.md): Razor Pages under /console on the API's port, signed in with an API key into
/// an HTTP-only, SameSite=Strict cookie session, the API's roles deciding what each page shows and allows. The host calls
/// <see cref="AddEntenteConsole"/>, <see cref="UseEntenteConsole"/> (before authentication) and <see cref="MapEntenteConsole"/>.
/// A feature adds its pages in its own folder under Pages/ (routes /console/FEATURE/...).
/// </summary>
public static class ConsoleComposition
{
    public const string Scheme = "Console";
    public const string Root = "/console";

    /// <summary>An idle session ends after this long; any page used slides it.</summary>
    public static readonly TimeSpan SessionIdle = TimeSpan.FromMinutes(30);

    public static readonly CultureInfo[] Cultures = [new("en"), new("fr")];

    public static IServiceCollection AddEntenteConsole(this IServiceCollection services)
    {
        services.AddLocalization(o => o.ResourcesPath = "Resources");
        services.AddRazorPages(o =>
            {
                o.Conventions.AuthorizeFolder("/", ConsolePolicies.SignedIn);
                o.Conventions.AllowAnonymousToPage("/SignIn");
                o.Conventions.AllowAnonymousToPage("/Error");
                o.Conventions.AllowAnonymousToPage("/Language");
            })
            .AddApplicationPart(typeof(ConsoleComposition).Assembly)
            .AddViewLocalization(LanguageViewLocationExpanderFormat.Suffix)
            .AddDataAnnotationsLocalization(o => o.DataAnnotationLocalizerProvider = (_, factory) => factory.Create(typeof(Strings)));
        services.AddAntiforgery(o =>
        {
            o.Cookie.Name = "entente-console-af";
            o.Cookie.Path = Root;
            o.Cookie.SameSite = SameSiteMode.Strict;
            o.Cookie.HttpOnly = true;
            o.Cookie.SecurePolicy = CookieSecurePolicy.SameAsRequest;
            o.FormFieldName = "__af";
        });
        services.AddAuthentication().AddCookie(Scheme, o =>
        {
            o.Cookie.Name = "entente-console";
            o.Cookie.Path = Root;
            o.Cookie.HttpOnly = true;
            o.Cookie.SameSite = SameSiteMode.Strict;
            o.Cookie.SecurePolicy = CookieSecurePolicy.SameAsRequest;
            o.ExpireTimeSpan = SessionIdle;
            o.SlidingExpiration = true;
            o.LoginPath = Root + "/sign-in";
            o.LogoutPath = Root + "/sign-out";
            o.AccessDeniedPath = Root + "/denied";
            o.ReturnUrlParameter = "returnUrl";
            o.Events.OnValidatePrincipal = ConsoleSession.ValidateAsync;
        });
        var policies = services.AddAuthorizationBuilder();
        policies.AddPolicy(ConsolePolicies.SignedIn, p => p.AddAuthenticationSchemes(Scheme).RequireAuthenticatedUser());
        // The same role rules as the API's endpoint policies (AccessPolicies.Roles), read through the console's session.
        foreach (var (name, roles) in AccessPolicies.Roles)
        {
            policies.AddPolicy(ConsolePolicies.Of(name), p => p.AddAuthenticationSchemes(Scheme).RequireAuthenticatedUser()
                .RequireRole(roles.Select(r => r.ToString().ToLowerInvariant())));
        }
        return services;
    }

    /// <summary>Before authentication: for /console only, the console's error page, the user's language and the security headers.</summary>
    public static WebApplication UseEntenteConsole(this WebApplication app)
    {
        app.UseWhen(c => c.Request.Path.StartsWithSegments(Root), console =>
        {
            console.UseExceptionHandler(Root + "/error");
            console.Use(async (context, next) =>
            {
                var headers = context.Response.Headers;
                // No inline script or style anywhere: the console's own files and htmx, from this origin only.
                headers.ContentSecurityPolicy = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; " +
                    "form-action 'self'; frame-ancestors 'none'; base-uri 'none'";
                headers.XContentTypeOptions = "nosniff";
                headers.XFrameOptions = "DENY";
                headers["Referrer-Policy"] = "no-referrer";
                // Pages are never cached: every page carries the anti-forgery token, which sets no-cache, no-store itself.
                if (context.Request.Path.StartsWithSegments(Root + "/assets")) headers.CacheControl = "public, max-age=3600";
                await next(context);
            });
            var localization = new RequestLocalizationOptions
            {
                DefaultRequestCulture = new RequestCulture("en"),
                SupportedCultures = Cultures,
                SupportedUICultures = Cultures,
                FallBackToParentCultures = true,
                FallBackToParentUICultures = true,
            };
            localization.RequestCultureProviders.Insert(0, new CookieRequestCultureProvider { CookieName = LanguageCookie });
            console.UseRequestLocalization(localization);
            // Every form carries the anti-forgery token: a POST without a valid one is refused here, and logged.
            console.Use(async (context, next) =>
            {
                if (HttpMethods.IsPost(context.Request.Method) && !await ValidFormAsync(context))
                {
                    ConsoleLog.Refused(context.RequestServices.GetRequiredService<ILoggerFactory>().CreateLogger("Entente.Console"),
                        context.Request.Method, context.Request.Path, "no valid anti-forgery token");
                    context.Response.StatusCode = StatusCodes.Status400BadRequest;
                    context.Response.ContentType = "text/plain; charset=utf-8";
                    await context.Response.WriteAsync(Texts.Get("FormRefused"));
                    return;
                }
                await next(context);
            });
        });
        return app;
    }

    public const string LanguageCookie = "entente-console-lang";

    /// <summary>The form's token checked against the session's user (tokens are bound to the signed-in user), before the page runs.</summary>
    private static async Task<bool> ValidFormAsync(HttpContext context)
    {
        var session = await context.AuthenticateAsync(Scheme);
        if (session.Succeeded) context.User = session.Principal;
        return await context.RequestServices.GetRequiredService<IAntiforgery>().IsRequestValidAsync(context);
    }

    /// <summary>The console's pages and its own files.</summary>
    public static WebApplication MapEntenteConsole(this WebApplication app)
    {
        app.MapRazorPages();
        app.MapGet(Root + "/assets/{name}", ConsoleAssets.Serve).AllowAnonymous().ExcludeFromDescription();
        return app;
    }
}

/// <summary>The console's authorization policies: each API policy's name prefixed, with the same roles.</summary>
public static class ConsolePolicies
{
    public const string SignedIn = "console";
    private const string Prefix = "console:";

    public const string Read = Prefix + AccessPolicies.Read;
    public const string ChangeStatus = Prefix + AccessPolicies.ChangeStatus;
    public const string Audit = Prefix + AccessPolicies.Audit;
    public const string Agreements = Prefix + AccessPolicies.Agreements;
    public const string Exchange = Prefix + AccessPolicies.Exchange;
    public const string Disclose = Prefix + AccessPolicies.Disclose;
    public const string Assistance = Prefix + AccessPolicies.Assistance;
    public const string Assess = Prefix + AccessPolicies.Assess;
    public const string RecordOutcome = Prefix + AccessPolicies.RecordOutcome;

    public static string Of(string apiPolicy) => Prefix + apiPolicy;

    /// <summary>Whether the signed-in user's role may do what the API policy allows (the same table).</summary>
    public static bool Allows(ClaimsPrincipal user, string apiPolicy) =>
        Enum.TryParse<Role>(user.FindFirstValue(ClaimTypes.Role), ignoreCase: true, out var role) && AccessPolicies.Roles[apiPolicy].Contains(role);
}

/// <summary>The session: made from a checked API key, and ended as soon as that key is revoked, rotated or expires.</summary>
public static class ConsoleSession
{
    /// <summary>The claim holding the SHA-256 of the key the session was opened with (never the key).</summary>
    public const string KeyClaim = "entente:key-hash";

    public static ClaimsPrincipal Principal(ApiUser user) => new(new ClaimsIdentity(
    [
        new Claim(ClaimTypes.Name, user.Name),
        new Claim(ClaimTypes.Role, user.Role.ToString().ToLowerInvariant()),
        new Claim(KeyClaim, user.KeyHash),
        .. user.Authority is { } authority ? [new Claim(AccessPolicies.AuthorityClaim, authority)] : Array.Empty<Claim>(),
    ], ConsoleComposition.Scheme));

    public static async Task ValidateAsync(CookieValidatePrincipalContext context)
    {
        var services = context.HttpContext.RequestServices;
        var hash = context.Principal?.FindFirstValue(KeyClaim);
        var users = services.GetRequiredService<ApiUserStore>();
        var user = hash is null ? null : await users.FindByKeyHashAsync(hash, context.HttpContext.RequestAborted);
        var verdict = ApiKeys.Check(user, null, services.GetRequiredService<TimeProvider>().GetUtcNow());
        if (verdict.State == KeyState.Valid && string.Equals(user!.Name, context.Principal!.Identity?.Name, StringComparison.Ordinal)
            && string.Equals(user.Role.ToString(), context.Principal.FindFirstValue(ClaimTypes.Role), StringComparison.OrdinalIgnoreCase)) return;
        ConsoleLog.SessionEnded(services.GetRequiredService<ILoggerFactory>().CreateLogger("Entente.Console"),
            context.Principal?.Identity?.Name ?? "?", verdict.State == KeyState.Valid ? "the user's role changed" : verdict.Reason);
        context.RejectPrincipal();
        await context.HttpContext.SignOutAsync(ConsoleComposition.Scheme);
    }
}

/// <summary>The console's own files (style, script, htmx), embedded in the assembly.</summary>
internal static class ConsoleAssets
{
    private static readonly Dictionary<string, string> Types = new(StringComparer.Ordinal)
    {
        [".css"] = "text/css; charset=utf-8",
        [".js"] = "text/javascript; charset=utf-8",
        [".svg"] = "image/svg+xml",
        [".txt"] = "text/plain; charset=utf-8",
    };

    public static IResult Serve(string name)
    {
        var stream = typeof(ConsoleAssets).Assembly.GetManifestResourceStream("Entente.WebConsole.Assets." + name);
        return stream is null || !Types.TryGetValue(Path.GetExtension(name), out var type) ? Results.NotFound() : Results.Stream(stream, type);
    }
}

/// <summary>Marker of the console's string resources (Resources/Strings.resx, Strings.fr.resx).</summary>
public sealed class Strings
{
}

internal static partial class ConsoleLog
{
    [LoggerMessage(EventId = 1801, Level = LogLevel.Warning, Message = "Console sign-in refused from {Remote}: {Reason}")]
    public static partial void SignInRefused(ILogger logger, string remote, string reason);

    [LoggerMessage(EventId = 1802, Level = LogLevel.Information, Message = "Console session opened for {User} ({Role})")]
    public static partial void SignedIn(ILogger logger, string user, string role);

    [LoggerMessage(EventId = 1803, Level = LogLevel.Information, Message = "Console session of {User} ended: {Reason}")]
    public static partial void SessionEnded(ILogger logger, string user, string reason);

    [LoggerMessage(EventId = 1804, Level = LogLevel.Warning, Message = "Console request refused: {Method} {Path}: {Reason}")]
    public static partial void Refused(ILogger logger, string method, string path, string reason);

    [LoggerMessage(EventId = 1805, Level = LogLevel.Error, Message = "Console page {Path} failed (reference {Reference})")]
    public static partial void PageFailed(ILogger logger, string path, string reference, Exception error);
}

/// <summary>The console's strings outside a page (the refusal of a forged form), in the request's language.</summary>
internal static class Texts
{
    private static readonly System.Resources.ResourceManager Manager = new("Entente.WebConsole.Resources.Strings", typeof(Texts).Assembly);

    public static string Get(string name) => Manager.GetString(name, CultureInfo.CurrentUICulture) ?? name;
}
