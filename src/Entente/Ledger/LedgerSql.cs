using System.Data.Common;
using Entente.Storage;

namespace Entente.Ledger;

/// <summary>The SQL the ledger's appender and readers share: the head, stored subtree hashes, commands that count as statements.</summary>
internal static class LedgerSql
{
    public static async Task<TreeHead> ReadHeadAsync(DbConnection connection, DbTransaction? transaction, bool forUpdate, CancellationToken cancellationToken)
    {
        var sql = "SELECT tree_size, root FROM ledger_head WHERE id = 1" + (forUpdate ? " FOR UPDATE" : "");
        await using var command = Command(connection, transaction, sql);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        if (!await reader.ReadAsync(cancellationToken)) throw new InvalidOperationException("the ledger has no head row: migrate the database first");
        return new TreeHead(reader.GetInt64(0), (byte[])reader[1]);
    }

    /// <summary>The hashes of the given perfect subtrees: leaves from ledger_entries, the rest from ledger_nodes.</summary>
    public static async Task<Dictionary<TreeNode, byte[]>> FetchAsync(DbConnection connection, DbTransaction? transaction, IEnumerable<TreeNode> wanted, CancellationToken cancellationToken)
    {
        var result = new Dictionary<TreeNode, byte[]>();
        var leaves = wanted.Where(n => n.Level == 0).Select(n => n.LastLeaf).Distinct().ToList();
        var nodes = wanted.Where(n => n.Level > 0).ToHashSet();
        if (leaves.Count > 0)
        {
            await using var command = Command(connection, transaction, $"SELECT idx, leaf_hash FROM ledger_entries WHERE idx IN ({Parameters(leaves.Count)})");
            for (var i = 0; i < leaves.Count; i++) Add(command, $"@p{i}", leaves[i]);
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken)) result[new TreeNode(reader.GetInt64(0), 0)] = (byte[])reader[1];
        }
        if (nodes.Count > 0)
        {
            var lastLeaves = nodes.Select(n => n.LastLeaf).Distinct().ToList();
            await using var command = Command(connection, transaction, $"SELECT last_leaf, level, hash FROM ledger_nodes WHERE last_leaf IN ({Parameters(lastLeaves.Count)})");
            for (var i = 0; i < lastLeaves.Count; i++) Add(command, $"@p{i}", lastLeaves[i]);
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                var node = new TreeNode(reader.GetInt64(0), reader.GetInt32(1));
                if (nodes.Contains(node)) result[node] = (byte[])reader[2];
            }
        }
        foreach (var node in wanted)
        {
            if (!result.ContainsKey(node)) throw new InvalidDataException($"ledger: the hash of the subtree of level {node.Level} ending at entry {node.LastLeaf} is not stored");
        }
        return result;
    }

    public static string Parameters(int count) => string.Join(", ", Enumerable.Range(0, count).Select(i => $"@p{i}"));

    /// <summary>The root of the first <paramref name="size"/> leaves folded from the stored perfect subtrees that make it up.</summary>
    public static async Task<byte[]> StoredRootAsync(DbConnection connection, DbTransaction transaction, long size, CancellationToken cancellationToken)
    {
        var parts = MerkleTree.Decompose(0, size).ToList();
        var known = await FetchAsync(connection, transaction, parts, cancellationToken);
        var root = known[parts[^1]];
        for (var i = parts.Count - 2; i >= 0; i--) root = MerkleTree.NodeHash(known[parts[i]], root);
        return root;
    }

    public static DbCommand Command(DbConnection connection, DbTransaction? transaction, string sql)
    {
        CrashPoint.BeforeStatement();
        var command = connection.CreateCommand();
        command.CommandText = sql;
        command.Transaction = transaction;
        return command;
    }

    public static DbParameter Add(DbCommand command, string name, object value)
    {
        var parameter = command.CreateParameter();
        parameter.ParameterName = name;
        parameter.Value = value;
        command.Parameters.Add(parameter);
        return parameter;
    }

    public static void ReadBlob(DbDataReader reader, int ordinal, byte[] buffer, int offset, int length)
    {
        var read = 0;
        while (read < length)
        {
            var n = (int)reader.GetBytes(ordinal, read, buffer, offset + read, length - read);
            if (n <= 0) throw new InvalidDataException($"ledger: column {ordinal} ended after {read} of its {length} bytes");
            read += n;
        }
    }

    public static DateTimeOffset ReadTime(DbDataReader reader, int ordinal) => reader.GetValue(ordinal) switch
    {
        DateTime d => new DateTimeOffset(DateTime.SpecifyKind(d, DateTimeKind.Utc)),
        DateTimeOffset o => o,
        var other => DateTimeOffset.Parse(Convert.ToString(other, System.Globalization.CultureInfo.InvariantCulture)!, System.Globalization.CultureInfo.InvariantCulture),
    };
}
