using System.Globalization;
using Entente.Storage;

namespace Entente.Blinded;

/// <summary>The nonces of signed requests seen within the replay window, on either database.</summary>
public sealed class BlindedNonces(NodeDatabase database)
{
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
