using System.Collections.Concurrent;
using System.Data.Common;
using System.Globalization;
using Entente.Storage;

namespace Entente.Blinded;

/// <summary>The nonces of signed requests seen within the replay window, on either database.</summary>
public sealed class BlindedNonces(NodeDatabase database)
{
    private readonly ConcurrentDictionary<(string, string), DateTimeOffset> _recent = new();

    /// <summary>
    /// The fast check before any work: false when this process saw the nonce within the window. The database keeps the
    /// durable record (<see cref="FirstUseAsync"/> or <see cref="InsertAsync"/> in the transaction of the work's ledger entry).
    /// </summary>
    public bool SeenRecently(string partner, string nonce, DateTimeOffset now, DateTimeOffset forgetBefore)
    {
        if (_recent.Count > 100_000)
        {
            foreach (var (k, at) in _recent)
                if (at < forgetBefore) _recent.TryRemove(k, out _);
        }
        return !_recent.TryAdd((partner, nonce), now);
    }

    /// <summary>Keeps the nonce in the caller's transaction; false when it was there already (a replay).</summary>
    public async Task<bool> InsertAsync(DbConnection connection, DbTransaction transaction, string partner, string nonce, DateTimeOffset now, DateTimeOffset forgetBefore,
        CancellationToken cancellationToken)
    {
        await using (var forget = NodeDatabase.Command(connection, transaction, "DELETE FROM blinded_nonces WHERE seen_at < @before", ("@before", Time(forgetBefore))))
            await forget.ExecuteNonQueryAsync(cancellationToken);
        await using var insert = NodeDatabase.Command(connection, transaction,
            "INSERT INTO blinded_nonces (partner, nonce, seen_at) VALUES (@p, @n, @at) ON CONFLICT (partner, nonce) DO NOTHING",
            ("@p", partner), ("@n", nonce), ("@at", Time(now)));
        return await insert.ExecuteNonQueryAsync(cancellationToken) == 1;
    }

    /// <summary>Keeps the nonce; false when this partner used it before (a replay). Nonces seen before <paramref name="forgetBefore"/> are dropped.</summary>
    public async Task<bool> FirstUseAsync(string partner, string nonce, DateTimeOffset now, DateTimeOffset forgetBefore, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.ConnectAsync(cancellationToken);
        await using (var forget = NodeDatabase.Command(connection, null, "DELETE FROM blinded_nonces WHERE seen_at < @before", ("@before", Time(forgetBefore))))
            await forget.ExecuteNonQueryAsync(cancellationToken);
        await using var insert = NodeDatabase.Command(connection, null,
            "INSERT INTO blinded_nonces (partner, nonce, seen_at) VALUES (@p, @n, @at) ON CONFLICT (partner, nonce) DO NOTHING",
            ("@p", partner), ("@n", nonce), ("@at", Time(now)));
        return await insert.ExecuteNonQueryAsync(cancellationToken) == 1;
    }

    public async Task<long> CountAsync(CancellationToken cancellationToken = default)
    {
        await using var connection = await database.ConnectAsync(cancellationToken);
        await using var command = NodeDatabase.Command(connection, null, "SELECT count(*) FROM blinded_nonces");
        return Convert.ToInt64(await command.ExecuteScalarAsync(cancellationToken), CultureInfo.InvariantCulture);
    }

    private object Time(DateTimeOffset at) => database.IsPostgres ? at.ToUniversalTime() : at.UtcDateTime.ToString("O", CultureInfo.InvariantCulture);
}
