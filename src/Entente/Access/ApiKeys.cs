using System.Security.Cryptography;

namespace Entente.Access;

/// <summary>API keys: random, shown once, stored only as their SHA-256.</summary>
public static class ApiKeys
{
    /// <summary>Makes an API user with a fresh random key.</summary>
    public static (string Key, ApiUser User) NewUser(string name, Role role, string? authority, TimeProvider time)
    {
        var key = "ent_" + Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)).Replace('+', '-').Replace('/', '_').TrimEnd('=');
        return (key, new ApiUser(name, role, Hash(key), time.GetUtcNow(), authority));
    }

    public static string Hash(string key) => Convert.ToHexStringLower(SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(key)));
}
