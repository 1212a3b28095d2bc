using System.Net;

namespace Entente.Partners;

/// <summary>
/// Where a partner may be reached: HTTPS, or plain HTTP only on this machine's loopback (127.0.0.0/8, ::1, localhost),
/// for the demo and the tests. Message-level protection applies either way; this rule keeps the transport honest.
/// </summary>
public static class PartnerEndpoint
{
    /// <summary>Why <paramref name="text"/> cannot be a partner's endpoint; null when it can.</summary>
    public static string? Problem(string text)
    {
        if (!Uri.TryCreate(text, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https"))
            return $"endpoint '{text}': expected an absolute https:// URL such as https://entente.customs.example";
        if (uri.UserInfo.Length > 0) return $"endpoint '{text}': credentials do not belong in the URL";
        if (uri.Query.Length > 0 || uri.Fragment.Length > 0) return $"endpoint '{text}': expected no query or fragment";
        if (uri.Scheme == "http" && !IsLoopback(uri))
            return $"endpoint '{text}': plain http is allowed only on loopback (127.0.0.0/8, ::1, localhost); use https://{uri.Authority}{uri.AbsolutePath}";
        return null;
    }

    /// <summary>The endpoint, or a <see cref="FormatException"/> that says what is wrong with it.</summary>
    public static Uri Parse(string text) =>
        Problem(text) is { } problem ? throw new FormatException(problem) : new Uri(text, UriKind.Absolute);

    public static bool IsLoopback(Uri uri)
    {
        if (string.Equals(uri.DnsSafeHost, "localhost", StringComparison.OrdinalIgnoreCase)) return true;
        return IPAddress.TryParse(uri.DnsSafeHost, out var address) && IPAddress.IsLoopback(address);
    }
}
