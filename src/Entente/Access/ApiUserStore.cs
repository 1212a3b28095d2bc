using System.Text.Json;
using Entente.Storage;

namespace Entente.Access;

public enum Role
{
    Analyst,
    Officer,
    Liaison,
    Auditor,
    Admin,
}

public sealed record ApiUser(string Name, Role Role, string KeyHash, DateTimeOffset CreatedAt, string? Authority = null);

/// <summary>The node's API users (table api_users of migration 0001): only each key's SHA-256 is kept.</summary>
public sealed class ApiUserStore(NodeDatabase database)
{
    /// <summary>Adds a user, or replaces the role, key and authority of the user of that name (a key rotation).</summary>
    public async Task SaveAsync(ApiUser user, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.ConnectAsync(cancellationToken);
        await using var command = NodeDatabase.Command(connection, null,
            "INSERT INTO api_users (name, role, key_hash, authority, created_at) VALUES (@name, @role, @key_hash, @authority, @created_at) " +
            "ON CONFLICT (name) DO UPDATE SET role = excluded.role, key_hash = excluded.key_hash, " +
            "authority = excluded.authority, created_at = excluded.created_at",
            ("@name", user.Name), ("@role", RoleName(user.Role)), ("@key_hash", user.KeyHash), ("@authority", user.Authority),
            ("@created_at", user.CreatedAt.ToUniversalTime()));
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    public async Task<ApiUser?> FindByKeyHashAsync(string keyHash, CancellationToken cancellationToken = default)
    {
        var users = await ReadAsync("WHERE key_hash = @key_hash", keyHash, cancellationToken);
        return users.Count == 0 ? null : users[0];
    }

    public Task<IReadOnlyList<ApiUser>> ListAsync(CancellationToken cancellationToken = default) => ReadAsync("ORDER BY name", null, cancellationToken);

    public static string RoleName(Role role) => JsonNamingPolicy.KebabCaseLower.ConvertName(role.ToString());

    public static Role ParseRole(string name)
    {
        foreach (var role in Enum.GetValues<Role>())
        {
            if (string.Equals(RoleName(role), name, StringComparison.Ordinal)) return role;
        }
        throw new FormatException($"unknown API user role '{name}' in the store");
    }

    private async Task<IReadOnlyList<ApiUser>> ReadAsync(string tail, string? keyHash, CancellationToken cancellationToken)
    {
        await using var connection = await database.ConnectAsync(cancellationToken);
        await using var command = keyHash is null
            ? NodeDatabase.Command(connection, null, "SELECT name, role, key_hash, created_at, authority FROM api_users " + tail)
            : NodeDatabase.Command(connection, null, "SELECT name, role, key_hash, created_at, authority FROM api_users " + tail, ("@key_hash", keyHash));
        var users = new List<ApiUser>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            users.Add(new ApiUser(reader.GetString(0), ParseRole(reader.GetString(1)), reader.GetString(2),
                reader.GetFieldValue<DateTimeOffset>(3), reader.IsDBNull(4) ? null : reader.GetString(4)));
        }
        return users;
    }
}
