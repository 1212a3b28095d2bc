using System.Data.Common;
using Entente.Storage;
using Npgsql;
using NpgsqlTypes;
using static Entente.Ledger.LedgerSql;

namespace Entente.Ledger;

/// <summary>Writes one append's rows (leaves, new perfect subtrees, subjects) and the new head, in the provider's fastest form.</summary>
internal abstract class LedgerWriter
{
    public static LedgerWriter For(StorageProvider provider) => provider == StorageProvider.PostgreSql ? new PostgresLedgerWriter() : new SqliteLedgerWriter();

    public abstract Task WriteAsync(DbConnection connection, DbTransaction transaction, List<StoredLeaf> leaves, List<StoredNode> nodes,
        List<(string Subject, long Index)> subjects, long size, byte[] root, CancellationToken cancellationToken);
}

internal sealed class SqliteLedgerWriter : LedgerWriter
{
    /// <summary>Leaves, new nodes, subjects and the new head with prepared statements (SQLite has no round trips to save).</summary>
    public override async Task WriteAsync(DbConnection connection, DbTransaction transaction, List<StoredLeaf> leaves, List<StoredNode> nodes,
        List<(string Subject, long Index)> subjects, long size, byte[] root, CancellationToken cancellationToken)
    {
        await using (var command = Command(connection, transaction, "INSERT INTO ledger_entries (idx, leaf_hash, entry) VALUES (@idx, @leaf, @entry)"))
        {
            var idx = Add(command, "@idx", 0L);
            var leaf = Add(command, "@leaf", Array.Empty<byte>());
            var entry = Add(command, "@entry", Array.Empty<byte>());
            command.Prepare();
            foreach (var l in leaves)
            {
                idx.Value = l.Index;
                leaf.Value = l.LeafHash;
                entry.Value = l.Entry;
                CrashPoint.BeforeStatement();
                await command.ExecuteNonQueryAsync(cancellationToken);
            }
        }
        await using (var command = Command(connection, transaction, "INSERT INTO ledger_nodes (last_leaf, level, hash) VALUES (@last, @level, @hash)"))
        {
            var last = Add(command, "@last", 0L);
            var level = Add(command, "@level", 0);
            var hash = Add(command, "@hash", Array.Empty<byte>());
            command.Prepare();
            foreach (var n in nodes)
            {
                last.Value = n.Node.LastLeaf;
                level.Value = n.Node.Level;
                hash.Value = n.Hash;
                CrashPoint.BeforeStatement();
                await command.ExecuteNonQueryAsync(cancellationToken);
            }
        }
        await using (var command = Command(connection, transaction, "INSERT INTO ledger_subjects (subject, idx) VALUES (@subject, @idx)"))
        {
            var name = Add(command, "@subject", "");
            var idx = Add(command, "@idx", 0L);
            foreach (var (subject, i) in subjects)
            {
                name.Value = subject;
                idx.Value = i;
                CrashPoint.BeforeStatement();
                await command.ExecuteNonQueryAsync(cancellationToken);
            }
        }
        await using (var update = Command(connection, transaction, "UPDATE ledger_head SET tree_size = @size, root = @root WHERE id = 1"))
        {
            Add(update, "@size", size);
            Add(update, "@root", root);
            await update.ExecuteNonQueryAsync(cancellationToken);
        }
    }
}

internal sealed class PostgresLedgerWriter : LedgerWriter
{
    /// <summary>Leaves, new nodes, subjects and the new head in one round trip (a batch of four statements).</summary>
    public override async Task WriteAsync(DbConnection connection, DbTransaction transaction, List<StoredLeaf> leaves, List<StoredNode> nodes,
        List<(string Subject, long Index)> subjects, long size, byte[] root, CancellationToken cancellationToken)
    {
        await using var batch = new NpgsqlBatch((NpgsqlConnection)connection, (NpgsqlTransaction)transaction);
        var entries = new NpgsqlBatchCommand("INSERT INTO ledger_entries (idx, leaf_hash, entry) SELECT * FROM unnest($1, $2, $3)");
        entries.Parameters.Add(new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Bigint, Value = leaves.Select(l => l.Index).ToArray() });
        entries.Parameters.Add(new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Bytea, Value = leaves.Select(l => l.LeafHash).ToArray() });
        entries.Parameters.Add(new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Bytea, Value = leaves.Select(l => l.Entry).ToArray() });
        batch.BatchCommands.Add(entries);
        if (nodes.Count > 0)
        {
            var stored = new NpgsqlBatchCommand("INSERT INTO ledger_nodes (last_leaf, level, hash) SELECT * FROM unnest($1, $2, $3)");
            stored.Parameters.Add(new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Bigint, Value = nodes.Select(n => n.Node.LastLeaf).ToArray() });
            stored.Parameters.Add(new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Integer, Value = nodes.Select(n => n.Node.Level).ToArray() });
            stored.Parameters.Add(new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Bytea, Value = nodes.Select(n => n.Hash).ToArray() });
            batch.BatchCommands.Add(stored);
        }
        if (subjects.Count > 0)
        {
            var about = new NpgsqlBatchCommand("INSERT INTO ledger_subjects (subject, idx) SELECT * FROM unnest($1, $2)");
            about.Parameters.Add(new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text, Value = subjects.Select(x => x.Subject).ToArray() });
            about.Parameters.Add(new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Bigint, Value = subjects.Select(x => x.Index).ToArray() });
            batch.BatchCommands.Add(about);
        }
        var head = new NpgsqlBatchCommand("UPDATE ledger_head SET tree_size = $1, root = $2 WHERE id = 1");
        head.Parameters.Add(new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.Bigint, Value = size });
        head.Parameters.Add(new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.Bytea, Value = root });
        batch.BatchCommands.Add(head);
        CrashPoint.BeforeStatement();
        await batch.ExecuteNonQueryAsync(cancellationToken);
    }
}
