using System.Buffers.Binary;
using System.Data.Common;
using Entente.Storage;

namespace Entente.Blinded;

/// <summary>
/// The holder's index kept in the node's database (either provider): the last index built under the current key and
/// the changes between its versions. A restarted node starts from them, so it keeps the version when nothing changed
/// and serves deltas to askers holding a version it built before the restart (docs/blinded.md, "Incremental refresh").
/// </summary>
public sealed class BlindedIndexHistory(NodeDatabase database)
{
    /// <summary>The last index built under <paramref name="key"/> and the changes kept up to it, oldest first (none: never built under that key).</summary>
    public async Task<(BlindedIndex? Last, List<BlindedIndexDelta> Deltas)> LoadAsync(string holder, BlindedKey key, CancellationToken cancellationToken = default)
    {
        var keyId = key.Id;
        await using var connection = await database.ConnectAsync(cancellationToken);
        BlindedIndex? last = null;
        await using (var command = NodeDatabase.Command(connection, null, "SELECT version, tags FROM blinded_index WHERE key_id = @k", ("@k", keyId)))
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken))
        {
            if (await reader.ReadAsync(cancellationToken)) last = new BlindedIndex(holder, keyId, key.PublicElement(), reader.GetInt64(0), Tags((byte[])reader.GetValue(1)));
        }
        var deltas = new List<BlindedIndexDelta>();
        if (last is null) return (null, deltas);
        await using (var command = NodeDatabase.Command(connection, null,
            "SELECT from_version, version, tag_count, added, removed FROM blinded_deltas WHERE key_id = @k AND version <= @v ORDER BY from_version", ("@k", keyId), ("@v", last.Version)))
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken))
        {
            while (await reader.ReadAsync(cancellationToken))
                deltas.Add(new BlindedIndexDelta(holder, keyId, reader.GetInt64(0), reader.GetInt64(1), Convert.ToInt32(reader.GetValue(2), System.Globalization.CultureInfo.InvariantCulture),
                    Tags((byte[])reader.GetValue(3)), Tags((byte[])reader.GetValue(4))));
        }
        // Only an unbroken chain ending at the index kept is of use: each delta must start where the one before ended.
        var start = deltas.Count;
        for (var expect = last.Version; start > 0 && deltas[start - 1].Version == expect; start--) expect = deltas[start - 1].From;
        return (last, deltas.GetRange(start, deltas.Count - start));
    }

    /// <summary>
    /// Keeps <paramref name="built"/> as the last index, with the change that led to it (if any), in one transaction;
    /// drops the changes from before <paramref name="oldestFrom"/> and everything under another key.
    /// </summary>
    public async Task SaveAsync(BlindedIndex built, BlindedIndexDelta? delta, long? oldestFrom, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.ConnectAsync(cancellationToken);
        await using var transaction = await database.BeginWriteAsync(connection, cancellationToken);
        await ExecuteAsync(connection, transaction, "DELETE FROM blinded_index WHERE key_id <> @k", cancellationToken, ("@k", built.KeyId));
        await ExecuteAsync(connection, transaction, "DELETE FROM blinded_deltas WHERE key_id <> @k", cancellationToken, ("@k", built.KeyId));
        await ExecuteAsync(connection, transaction,
            "INSERT INTO blinded_index (key_id, version, tags) VALUES (@k, @v, @t) ON CONFLICT (key_id) DO UPDATE SET version = excluded.version, tags = excluded.tags",
            cancellationToken, ("@k", built.KeyId), ("@v", built.Version), ("@t", Bytes(built.Tags)));
        if (delta is not null)
        {
            await ExecuteAsync(connection, transaction,
                "INSERT INTO blinded_deltas (key_id, from_version, version, tag_count, added, removed) VALUES (@k, @f, @v, @n, @a, @r) ON CONFLICT (key_id, from_version) DO UPDATE " +
                "SET version = excluded.version, tag_count = excluded.tag_count, added = excluded.added, removed = excluded.removed",
                cancellationToken, ("@k", delta.KeyId), ("@f", delta.From), ("@v", delta.Version), ("@n", delta.Count), ("@a", Bytes(delta.Added)), ("@r", Bytes(delta.Removed)));
        }
        await ExecuteAsync(connection, transaction, "DELETE FROM blinded_deltas WHERE key_id = @k AND (from_version < @oldest OR version > @v)", cancellationToken,
            ("@k", built.KeyId), ("@oldest", oldestFrom ?? built.Version), ("@v", built.Version));
        await transaction.CommitAsync(cancellationToken);
    }

    /// <summary>How many changes are kept (what a test checks).</summary>
    public async Task<int> CountAsync(CancellationToken cancellationToken = default)
    {
        await using var connection = await database.ConnectAsync(cancellationToken);
        await using var command = NodeDatabase.Command(connection, null, "SELECT COUNT(*) FROM blinded_deltas");
        return Convert.ToInt32(await command.ExecuteScalarAsync(cancellationToken), System.Globalization.CultureInfo.InvariantCulture);
    }

    private static async Task ExecuteAsync(DbConnection connection, DbTransaction transaction, string sql, CancellationToken cancellationToken, params (string, object?)[] parameters)
    {
        await using var command = NodeDatabase.Command(connection, transaction, sql, parameters);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    private static byte[] Bytes(ulong[] tags)
    {
        var bytes = new byte[tags.Length * BlindedIndex.TagBytes];
        for (var i = 0; i < tags.Length; i++) BinaryPrimitives.WriteUInt64BigEndian(bytes.AsSpan(i * BlindedIndex.TagBytes), tags[i]);
        return bytes;
    }

    private static ulong[] Tags(byte[] bytes)
    {
        var tags = new ulong[bytes.Length / BlindedIndex.TagBytes];
        for (var i = 0; i < tags.Length; i++) tags[i] = BinaryPrimitives.ReadUInt64BigEndian(bytes.AsSpan(i * BlindedIndex.TagBytes));
        return tags;
    }
}
