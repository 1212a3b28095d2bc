using System.Data.Common;
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

public sealed record ApiUser(string Name, Role Role, string KeyHash, DateTimeOffset CreatedAt, string? Authority = null,
    DateTimeOffset? KeyExpiresAt = null, DateTimeOffset? RevokedAt = null, DateTimeOffset? LastUsedAt = null);

/// <summary>
/// The node's API users (table api_users of migration 0001, key columns of 0015): only each key's SHA-256 is kept, and
/// the hashes of keys retired by a rotation or a revocation (api_retired_keys).
/// </summary>
public sealed class ApiUserStore(NodeDatabase database)
{
    private const string Columns = "SELECT name, role, key_hash, created_at, authority, key_expires_at, revoked_at, last_used_at FROM api_users ";

    /// <summary>Adds a user, or replaces the role, key, authority and key dates of the user of that name.</summary>
    public async Task SaveAsync(ApiUser user, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.ConnectAsync(cancellationToken);
        await using var command = NodeDatabase.Command(connection, null,
            "INSERT INTO api_users (name, role, key_hash, authority, created_at, key_expires_at, revoked_at, last_used_at) " +
            "VALUES (@name, @role, @key_hash, @authority, @created_at, @expires, @revoked, @used) " +
            "ON CONFLICT (name) DO UPDATE SET role = excluded.role, key_hash = excluded.key_hash, " +
            "authority = excluded.authority, created_at = excluded.created_at, key_expires_at = excluded.key_expires_at, " +
            "revoked_at = excluded.revoked_at, last_used_at = excluded.last_used_at",
            ("@name", user.Name), ("@role", RoleName(user.Role)), ("@key_hash", user.KeyHash), ("@authority", user.Authority),
            ("@created_at", user.CreatedAt.ToUniversalTime()), ("@expires", user.KeyExpiresAt?.ToUniversalTime()),
            ("@revoked", user.RevokedAt?.ToUniversalTime()), ("@used", user.LastUsedAt?.ToUniversalTime()));
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    public async Task<ApiUser?> FindByKeyHashAsync(string keyHash, CancellationToken cancellationToken = default)
    {
        var users = await ReadAsync("WHERE key_hash = @p", keyHash, cancellationToken);
        return users.Count == 0 ? null : users[0];
    }

    public async Task<ApiUser?> FindAsync(string name, CancellationToken cancellationToken = default)
    {
        var users = await ReadAsync("WHERE name = @p", name, cancellationToken);
        return users.Count == 0 ? null : users[0];
    }

    /// <summary>The key a request presented, checked at <paramref name="now"/> (<see cref="ApiKeys.Check"/>).</summary>
    public async Task<KeyVerdict> CheckKeyAsync(string key, DateTimeOffset now, CancellationToken cancellationToken = default)
    {
        var hash = ApiKeys.Hash(key);
        var user = await FindByKeyHashAsync(hash, cancellationToken);
        return ApiKeys.Check(user, user is null ? await FindRetiredAsync(hash, cancellationToken) : null, now);
    }

    public async Task<RetiredKey?> FindRetiredAsync(string keyHash, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.ConnectAsync(cancellationToken);
        await using var command = NodeDatabase.Command(connection, null,
            "SELECT key_hash, name, reason, retired_at FROM api_retired_keys WHERE key_hash = @h", ("@h", keyHash));
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken)
            ? new RetiredKey(reader.GetString(0), reader.GetString(1), reader.GetString(2), reader.GetFieldValue<DateTimeOffset>(3))
            : null;
    }

    public Task<IReadOnlyList<ApiUser>> ListAsync(CancellationToken cancellationToken = default) => ReadAsync("ORDER BY name", null, cancellationToken);

    /// <summary>Revokes the user's key at once; false when there is no such user. Their next key comes from <see cref="RotateAsync"/>.</summary>
    public async Task<bool> RevokeAsync(string name, DateTimeOffset at, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.ConnectAsync(cancellationToken);
        await using var transaction = await database.BeginWriteAsync(connection, cancellationToken);
        await using var command = NodeDatabase.Command(connection, transaction,
            "UPDATE api_users SET revoked_at = @at WHERE name = @name AND revoked_at IS NULL", ("@name", name), ("@at", at.ToUniversalTime()));
        var changed = await command.ExecuteNonQueryAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return changed > 0 || await FindAsync(name, cancellationToken) is not null;
    }

    /// <summary>
    /// Gives the user a new key (by its hash) with a new expiry (null: none): the old key is retired (a revoked one as
    /// revoked, else as rotated) and refused from then on. False when there is no such user.
    /// </summary>
    public async Task<bool> RotateAsync(string name, string newKeyHash, DateTimeOffset at, DateTimeOffset? expiresAt, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.ConnectAsync(cancellationToken);
        await using var transaction = await database.BeginWriteAsync(connection, cancellationToken);
        string oldHash;
        bool revoked;
        await using (var read = NodeDatabase.Command(connection, transaction, "SELECT key_hash, revoked_at FROM api_users WHERE name = @name", ("@name", name)))
        await using (var reader = await read.ExecuteReaderAsync(cancellationToken))
        {
            if (!await reader.ReadAsync(cancellationToken)) return false;
            oldHash = reader.GetString(0);
            revoked = !reader.IsDBNull(1);
        }
        await Execute(connection, transaction, cancellationToken,
            "INSERT INTO api_retired_keys (key_hash, name, reason, retired_at) VALUES (@h, @name, @reason, @at) ON CONFLICT (key_hash) DO NOTHING",
            ("@h", oldHash), ("@name", name), ("@reason", revoked ? RetiredKey.Revoked : RetiredKey.Rotated), ("@at", at.ToUniversalTime()));
        await Execute(connection, transaction, cancellationToken,
            "UPDATE api_users SET key_hash = @h, created_at = @at, key_expires_at = @expires, revoked_at = NULL, last_used_at = NULL WHERE name = @name",
            ("@h", newKeyHash), ("@name", name), ("@at", at.ToUniversalTime()), ("@expires", expiresAt?.ToUniversalTime()));
        await transaction.CommitAsync(cancellationToken);
        return true;
    }

    /// <summary>Sets (or with null clears) the date the user's key expires; false when there is no such user.</summary>
    public async Task<bool> ExpireAsync(string name, DateTimeOffset? at, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.ConnectAsync(cancellationToken);
        await using var transaction = await database.BeginWriteAsync(connection, cancellationToken);
        var changed = await Execute(connection, transaction, cancellationToken,
            "UPDATE api_users SET key_expires_at = @at WHERE name = @name", ("@name", name), ("@at", at?.ToUniversalTime()));
        await transaction.CommitAsync(cancellationToken);
        return changed > 0;
    }

    /// <summary>Records that the user's key was used at <paramref name="at"/>.</summary>
    public async Task TouchAsync(string name, DateTimeOffset at, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.ConnectAsync(cancellationToken);
        await using var transaction = await database.BeginWriteAsync(connection, cancellationToken);
        await Execute(connection, transaction, cancellationToken,
            "UPDATE api_users SET last_used_at = @at WHERE name = @name", ("@name", name), ("@at", at.ToUniversalTime()));
        await transaction.CommitAsync(cancellationToken);
    }

    public static string RoleName(Role role) => JsonNamingPolicy.KebabCaseLower.ConvertName(role.ToString());

    public static Role ParseRole(string name)
    {
        foreach (var role in Enum.GetValues<Role>())
        {
            if (string.Equals(RoleName(role), name, StringComparison.Ordinal)) return role;
        }
        throw new FormatException($"unknown API user role '{name}' in the store");
    }

    private static async Task<int> Execute(DbConnection connection, DbTransaction transaction, CancellationToken cancellationToken, string sql, params (string Name, object? Value)[] parameters)
    {
        await using var command = NodeDatabase.Command(connection, transaction, sql, parameters);
        return await command.ExecuteNonQueryAsync(cancellationToken);
    }

    private async Task<IReadOnlyList<ApiUser>> ReadAsync(string tail, string? parameter, CancellationToken cancellationToken)
    {
        await using var connection = await database.ConnectAsync(cancellationToken);
        await using var command = parameter is null
            ? NodeDatabase.Command(connection, null, Columns + tail)
            : NodeDatabase.Command(connection, null, Columns + tail, ("@p", parameter));
        var users = new List<ApiUser>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            users.Add(new ApiUser(reader.GetString(0), ParseRole(reader.GetString(1)), reader.GetString(2),
                reader.GetFieldValue<DateTimeOffset>(3), reader.IsDBNull(4) ? null : reader.GetString(4),
                Date(reader, 5), Date(reader, 6), Date(reader, 7)));
        }
        return users;
    }

    private static DateTimeOffset? Date(DbDataReader reader, int ordinal) => reader.IsDBNull(ordinal) ? null : reader.GetFieldValue<DateTimeOffset>(ordinal);
}
