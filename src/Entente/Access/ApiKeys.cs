using System.Security.Cryptography;

namespace Entente.Access;

/// <summary>API keys: random, shown once, stored only as their SHA-256.</summary>
public static class ApiKeys
{
    /// <summary>Makes an API user with a fresh random key.</summary>
    public static (string Key, ApiUser User) NewUser(string name, Role role, string? authority, TimeProvider time, DateTimeOffset? expiresAt = null)
    {
        var key = NewKey();
        return (key, new ApiUser(name, role, Hash(key), time.GetUtcNow(), authority, expiresAt));
    }

    public static string NewKey() =>
        "ent_" + Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)).Replace('+', '-').Replace('/', '_').TrimEnd('=');

    public static string Hash(string key) => Convert.ToHexStringLower(SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(key)));

    /// <summary>
    /// What a presented key is worth at <paramref name="now"/>: the user it belongs to, or why it is refused: unknown,
    /// revoked (by `user revoke`, or replaced by `user rotate`), or expired.
    /// </summary>
    public static KeyVerdict Check(ApiUser? user, RetiredKey? retired, DateTimeOffset now)
    {
        if (user is not null)
        {
            if (user.RevokedAt is { } revoked) return new KeyVerdict(KeyState.Revoked, user, $"the API key of {user.Name} was revoked on {revoked:yyyy-MM-dd HH:mm}Z");
            if (user.KeyExpiresAt is { } expires && expires <= now)
                return new KeyVerdict(KeyState.Expired, user, $"the API key of {user.Name} expired on {expires:yyyy-MM-dd HH:mm}Z");
            return new KeyVerdict(KeyState.Valid, user, "");
        }
        if (retired is not null)
        {
            return new KeyVerdict(KeyState.Revoked, null, retired.Reason == RetiredKey.Rotated
                ? $"this API key of {retired.Name} was replaced by a new one on {retired.RetiredAt:yyyy-MM-dd HH:mm}Z"
                : $"this API key of {retired.Name} was revoked on {retired.RetiredAt:yyyy-MM-dd HH:mm}Z");
        }
        return new KeyVerdict(KeyState.Unknown, null, "no user has this API key");
    }

    /// <summary>The state of a user's key for `user list`: active, revoked or expired.</summary>
    public static string StateOf(ApiUser user, DateTimeOffset now) => Check(user, null, now).State switch
    {
        KeyState.Revoked => "revoked",
        KeyState.Expired => "expired",
        _ => "active",
    };
}

public enum KeyState
{
    Valid,
    Unknown,
    Revoked,
    Expired,
}

/// <summary>The outcome of <see cref="ApiKeys.Check"/>: the state, the user when the key is theirs, and why it is refused.</summary>
public sealed record KeyVerdict(KeyState State, ApiUser? User, string Reason);

/// <summary>A key no longer in use (replaced by a rotation, or revoked), kept by its SHA-256 to say so when it is presented.</summary>
public sealed record RetiredKey(string KeyHash, string Name, string Reason, DateTimeOffset RetiredAt)
{
    public const string Rotated = "rotated";
    public const string Revoked = "revoked";
}
