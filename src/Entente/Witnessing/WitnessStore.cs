using System.Data.Common;
using System.Globalization;
using Entente.Storage;

namespace Entente.Witnessing;

/// <summary>A checkpoint a partner showed this node; <see cref="Consistent"/> false for one kept as evidence of an equivocation.</summary>
public sealed record SeenCheckpoint(string Partner, long TreeSize, byte[] Root, string Note, DateTimeOffset SeenAt, bool Consistent);

/// <summary>A partner's witness's cosignature of one of this node's checkpoints.</summary>
public sealed record ReceivedCosignature(string Witness, long TreeSize, byte[] Root, string Signature, DateTimeOffset CosignedAt, DateTimeOffset ReceivedAt);

/// <summary>A partner caught showing two histories; <see cref="Evidence"/> is the JSON of <see cref="EquivocationEvidence"/>.</summary>
public sealed record EquivocationAlarm(string Id, string Partner, DateTimeOffset DetectedAt, string Kind, string Evidence, string? AcknowledgedBy, DateTimeOffset? AcknowledgedAt);

/// <summary>The witnessing tables of migration 0007_witness, on either provider.</summary>
public sealed class WitnessStore(NodeDatabase database) : IAsyncDisposable
{
    private bool _ownsDatabase;

    public NodeDatabase Database { get; } = database;

    /// <summary>Opens the gateway a setting names and a store over it that closes it when disposed (for a tool that needs only this).</summary>
    public static WitnessStore Open(string database) => new(NodeDatabase.Open(database)) { _ownsDatabase = true };

    /// <summary>The partner's checkpoint this node relies on for a new one of <paramref name="size"/>: a consistent one of that size, else the largest.</summary>
    public async Task<SeenCheckpoint?> ReferenceAsync(string partner, long size, CancellationToken cancellationToken = default)
    {
        await using var connection = await Database.ConnectAsync(cancellationToken);
        var same = await ReadSeenAsync(connection, "WHERE partner = @p AND consistent = @c AND tree_size = @s ORDER BY seen_at LIMIT 1", cancellationToken,
            ("@p", partner), ("@c", true), ("@s", size));
        if (same.Count > 0) return same[0];
        var largest = await ReadSeenAsync(connection, "WHERE partner = @p AND consistent = @c ORDER BY tree_size DESC LIMIT 1", cancellationToken,
            ("@p", partner), ("@c", true));
        return largest.Count > 0 ? largest[0] : null;
    }

    /// <summary>Keeps a checkpoint seen from a partner; one already kept (same partner, size and root) is left as it was.</summary>
    public async Task RecordSeenAsync(SeenCheckpoint seen, CancellationToken cancellationToken = default)
    {
        await using var connection = await Database.ConnectAsync(cancellationToken);
        await using var command = NodeDatabase.Command(connection, null,
            "INSERT INTO witness_checkpoints (partner, tree_size, root, note, seen_at, consistent) VALUES (@p, @s, @r, @n, @at, @c) " +
            "ON CONFLICT (partner, tree_size, root) DO NOTHING",
            ("@p", seen.Partner), ("@s", seen.TreeSize), ("@r", seen.Root), ("@n", seen.Note), ("@at", Time(seen.SeenAt)), ("@c", seen.Consistent));
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <summary>Every checkpoint seen, per partner and size (one partner when named).</summary>
    public async Task<IReadOnlyList<SeenCheckpoint>> WitnessedAsync(string? partner = null, CancellationToken cancellationToken = default)
    {
        await using var connection = await Database.ConnectAsync(cancellationToken);
        return partner is null
            ? await ReadSeenAsync(connection, "ORDER BY partner, tree_size, seen_at", cancellationToken)
            : await ReadSeenAsync(connection, "WHERE partner = @p ORDER BY tree_size, seen_at", cancellationToken, ("@p", partner));
    }

    private async Task<List<SeenCheckpoint>> ReadSeenAsync(DbConnection connection, string where, CancellationToken cancellationToken, params (string, object?)[] parameters)
    {
        await using var command = NodeDatabase.Command(connection, null, "SELECT partner, tree_size, root, note, seen_at, consistent FROM witness_checkpoints " + where, parameters);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var found = new List<SeenCheckpoint>();
        while (await reader.ReadAsync(cancellationToken))
            found.Add(new SeenCheckpoint(reader.GetString(0), reader.GetInt64(1), (byte[])reader.GetValue(2), reader.GetString(3), ReadTime(reader, 4), reader.GetBoolean(5)));
        return found;
    }

    /// <summary>Keeps a cosignature of this node's checkpoint; a newer one from the same witness for the same size replaces it.</summary>
    public async Task RecordCosignatureAsync(ReceivedCosignature cosignature, CancellationToken cancellationToken = default)
    {
        await using var connection = await Database.ConnectAsync(cancellationToken);
        await using var command = NodeDatabase.Command(connection, null,
            "INSERT INTO witness_cosignatures (witness, tree_size, root, signature, cosigned_at, received_at) VALUES (@w, @s, @r, @sig, @c, @at) " +
            "ON CONFLICT (witness, tree_size) DO UPDATE SET signature = excluded.signature, cosigned_at = excluded.cosigned_at, received_at = excluded.received_at " +
            "WHERE excluded.cosigned_at > witness_cosignatures.cosigned_at",
            ("@w", cosignature.Witness), ("@s", cosignature.TreeSize), ("@r", cosignature.Root), ("@sig", cosignature.Signature),
            ("@c", Time(cosignature.CosignedAt)), ("@at", Time(cosignature.ReceivedAt)));
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <summary>The cosignatures received, newest checkpoint first; only those of one size when given.</summary>
    public async Task<IReadOnlyList<ReceivedCosignature>> CosignaturesAsync(long? treeSize = null, CancellationToken cancellationToken = default)
    {
        await using var connection = await Database.ConnectAsync(cancellationToken);
        var sql = "SELECT witness, tree_size, root, signature, cosigned_at, received_at FROM witness_cosignatures " +
            (treeSize is null ? "" : "WHERE tree_size = @s ") + "ORDER BY tree_size DESC, witness";
        await using var command = treeSize is null ? NodeDatabase.Command(connection, null, sql) : NodeDatabase.Command(connection, null, sql, ("@s", treeSize));
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var found = new List<ReceivedCosignature>();
        while (await reader.ReadAsync(cancellationToken))
            found.Add(new ReceivedCosignature(reader.GetString(0), reader.GetInt64(1), (byte[])reader.GetValue(2), reader.GetString(3), ReadTime(reader, 4), ReadTime(reader, 5)));
        return found;
    }

    /// <summary>The checkpoint this node signed at a size (the ledger's table), or null.</summary>
    public async Task<string?> SignedCheckpointAsync(long treeSize, CancellationToken cancellationToken = default)
    {
        await using var connection = await Database.ConnectAsync(cancellationToken);
        await using var command = NodeDatabase.Command(connection, null, "SELECT note FROM ledger_checkpoints WHERE tree_size = @s", ("@s", treeSize));
        return await command.ExecuteScalarAsync(cancellationToken) as string;
    }

    /// <summary>Stores an alarm; returns false when one with this id (the same evidence) is stored already.</summary>
    public async Task<bool> RecordAlarmAsync(EquivocationAlarm alarm, CancellationToken cancellationToken = default)
    {
        await using var connection = await Database.ConnectAsync(cancellationToken);
        return await RecordAlarmAsync(connection, null, alarm, cancellationToken);
    }

    /// <summary>As <see cref="RecordAlarmAsync(EquivocationAlarm, CancellationToken)"/>, inside the caller's transaction (a ledger change).</summary>
    public async Task<bool> RecordAlarmAsync(DbConnection connection, DbTransaction? transaction, EquivocationAlarm alarm, CancellationToken cancellationToken = default)
    {
        await using var command = NodeDatabase.Command(connection, transaction,
            "INSERT INTO witness_alarms (id, partner, detected_at, kind, evidence) VALUES (@id, @p, @at, @k, @e) ON CONFLICT (id) DO NOTHING",
            ("@id", alarm.Id), ("@p", alarm.Partner), ("@at", Time(alarm.DetectedAt)), ("@k", alarm.Kind), ("@e", alarm.Evidence));
        return await command.ExecuteNonQueryAsync(cancellationToken) == 1;
    }

    /// <summary>Marks an alarm seen by someone; false when there is no such alarm or it was acknowledged already.</summary>
    public async Task<bool> AcknowledgeAlarmAsync(string id, string by, DateTimeOffset at, CancellationToken cancellationToken = default)
    {
        await using var connection = await Database.ConnectAsync(cancellationToken);
        return await AcknowledgeAlarmAsync(connection, null, id, by, at, cancellationToken);
    }

    /// <summary>As <see cref="AcknowledgeAlarmAsync(string, string, DateTimeOffset, CancellationToken)"/>, inside the caller's transaction (a ledger change).</summary>
    public async Task<bool> AcknowledgeAlarmAsync(DbConnection connection, DbTransaction? transaction, string id, string by, DateTimeOffset at,
        CancellationToken cancellationToken = default)
    {
        await using var command = NodeDatabase.Command(connection, transaction,
            "UPDATE witness_alarms SET acknowledged_by = @by, acknowledged_at = @at WHERE id = @id AND acknowledged_by IS NULL",
            ("@id", id), ("@by", by), ("@at", Time(at)));
        return await command.ExecuteNonQueryAsync(cancellationToken) == 1;
    }

    /// <summary>Every alarm, newest first.</summary>
    public async Task<IReadOnlyList<EquivocationAlarm>> AlarmsAsync(CancellationToken cancellationToken = default)
    {
        await using var connection = await Database.ConnectAsync(cancellationToken);
        await using var command = NodeDatabase.Command(connection, null,
            "SELECT id, partner, detected_at, kind, evidence, acknowledged_by, acknowledged_at FROM witness_alarms ORDER BY detected_at DESC, id");
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var found = new List<EquivocationAlarm>();
        while (await reader.ReadAsync(cancellationToken))
        {
            found.Add(new EquivocationAlarm(reader.GetString(0), reader.GetString(1), ReadTime(reader, 2), reader.GetString(3), reader.GetString(4),
                reader.IsDBNull(5) ? null : reader.GetString(5), reader.IsDBNull(6) ? null : ReadTime(reader, 6)));
        }
        return found;
    }

    // SQLite keeps times as ISO-8601 UTC text, PostgreSQL as timestamptz.
    private object Time(DateTimeOffset at) => Database.IsPostgres ? at.ToUniversalTime() : at.UtcDateTime.ToString("O", CultureInfo.InvariantCulture);

    private static DateTimeOffset ReadTime(DbDataReader reader, int ordinal) => reader.GetValue(ordinal) switch
    {
        DateTime d => new DateTimeOffset(DateTime.SpecifyKind(d, DateTimeKind.Utc)),
        DateTimeOffset o => o,
        var other => DateTimeOffset.Parse(Convert.ToString(other, CultureInfo.InvariantCulture)!, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal),
    };

    public ValueTask DisposeAsync() => _ownsDatabase ? Database.DisposeAsync() : ValueTask.CompletedTask;
}
