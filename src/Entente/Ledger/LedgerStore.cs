using System.Data.Common;
using System.Security.Cryptography;
using Entente.Storage;
using Microsoft.Data.Sqlite;
using Npgsql;
using NpgsqlTypes;

namespace Entente.Ledger;

/// <summary>The tree after some appends: its size and root.</summary>
public sealed record TreeHead(long Size, byte[] Root);

/// <summary>An entry as stored, with its index and leaf hash.</summary>
public sealed record StoredLedgerEntry(long Index, byte[] LeafHash, byte[] Bytes)
{
    public LedgerEntry Entry => LedgerEntry.Parse(Bytes);
}

/// <summary>An inclusion proof (RFC 9162 §2.1.3) of entry <see cref="Index"/> in the tree of size <see cref="TreeSize"/>.</summary>
public sealed record InclusionProof(long Index, long TreeSize, byte[] LeafHash, IReadOnlyList<byte[]> Hashes, byte[] Root);

/// <summary>A consistency proof (RFC 9162 §2.1.4) between the trees of sizes <see cref="Size1"/> and <see cref="Size2"/>.</summary>
public sealed record ConsistencyProof(long Size1, long Size2, byte[] Root1, byte[] Root2, IReadOnlyList<byte[]> Hashes);

/// <summary>
/// The node's ledger in its database (SQLite or PostgreSQL, the tables of migration 0002_ledger). Appends are
/// serialised by the database (PostgreSQL: a row lock on ledger_head; SQLite: BEGIN IMMEDIATE), so replicas sharing
/// one database never give two entries one index. Within a process, concurrent appends are gathered into one
/// transaction (group commit): one durable commit carries every entry that arrived while the previous one was written.
/// The schema must be migrated first (<see cref="IDeclarationStore.MigrateAsync"/>).
/// </summary>
public sealed class LedgerStore : IAsyncDisposable
{
    private const int MaxEntriesPerCommit = 8192;
    private const int BusyTimeoutSeconds = 30;

    private readonly string _connectionString;
    private readonly NpgsqlDataSource? _postgres;
    private readonly Queue<PendingAppend> _queue = new();
    private bool _writing;

    // The tree's frontier after this process's last commit: (size, root, the perfect subtrees that make it up).
    private (long Size, byte[] Root, (int Level, byte[] Hash)[] Nodes)? _frontier;

    private readonly IDisposable? _lease;

    private LedgerStore(StorageProvider provider, string connectionString, TimeProvider time)
    {
        Provider = provider;
        Time = time;
        _connectionString = connectionString;
        if (provider == StorageProvider.PostgreSql) _postgres = NpgsqlDataSource.Create(connectionString);
        else _lease = Storage.Sqlite.SqliteFileLock.Share(new SqliteConnectionStringBuilder(connectionString).DataSource);
    }

    public StorageProvider Provider { get; }

    public TimeProvider Time { get; }

    /// <summary>Opens the ledger in the database a setting names (a SQLite file or an Npgsql connection string, as the store).</summary>
    public static LedgerStore Open(string database, TimeProvider time)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(database);
        ArgumentNullException.ThrowIfNull(time);
        if (DeclarationStores.ProviderOf(database) == StorageProvider.PostgreSql) return new LedgerStore(StorageProvider.PostgreSql, database, time);
        var builder = database.Contains('=', StringComparison.Ordinal)
            ? new SqliteConnectionStringBuilder(database)
            : new SqliteConnectionStringBuilder { DataSource = database };
        builder.Pooling = true;
        builder.DefaultTimeout = BusyTimeoutSeconds;
        return new LedgerStore(StorageProvider.Sqlite, builder.ToString(), time);
    }

    /// <summary>Appends one entry, stamped now by the ledger's clock; returns its index.</summary>
    public async Task<long> AppendAsync(string kind, LedgerActor actor, System.Text.Json.Nodes.JsonObject body, CancellationToken cancellationToken = default) =>
        (await AppendAsync([LedgerEntry.Now(Time, kind, actor, body)], cancellationToken))[0];

    public async Task<long> AppendAsync(LedgerEntry entry, CancellationToken cancellationToken = default) =>
        (await AppendAsync([entry], cancellationToken))[0];

    /// <summary>Appends entries durably, in order, at consecutive indices; returns their indices.</summary>
    public Task<IReadOnlyList<long>> AppendAsync(IReadOnlyList<LedgerEntry> entries, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(entries);
        if (entries.Count == 0) return Task.FromResult<IReadOnlyList<long>>([]);
        // Serialising and hashing need no lock: done by the caller's thread before joining the queue.
        var bytes = new byte[entries.Count][];
        var hashes = new byte[entries.Count][];
        var subjects = new string[entries.Count][];
        for (var i = 0; i < entries.Count; i++)
        {
            bytes[i] = entries[i].ToBytes();
            hashes[i] = MerkleTree.LeafHash(bytes[i]);
            subjects[i] = LedgerSubjects.Of(entries[i]);
        }
        var pending = new PendingAppend(bytes, hashes, subjects);
        bool start;
        lock (_queue)
        {
            _queue.Enqueue(pending);
            start = !_writing;
            _writing = true;
        }
        if (start) _ = Task.Run(WriteQueuedAsync, CancellationToken.None);
        return pending.Done.Task.WaitAsync(cancellationToken);
    }

    private async Task WriteQueuedAsync()
    {
        while (true)
        {
            var batch = new List<PendingAppend>();
            lock (_queue)
            {
                var count = 0;
                while (_queue.Count > 0 && (count == 0 || count + _queue.Peek().Bytes.Length <= MaxEntriesPerCommit))
                {
                    var next = _queue.Dequeue();
                    count += next.Bytes.Length;
                    batch.Add(next);
                }
                if (batch.Count == 0)
                {
                    _writing = false;
                    return;
                }
            }
            try
            {
                var first = await WriteAsync(batch);
                foreach (var pending in batch)
                {
                    var indices = new long[pending.Bytes.Length];
                    for (var i = 0; i < indices.Length; i++) indices[i] = first + i;
                    first += indices.Length;
                    pending.Done.TrySetResult(indices);
                }
            }
            catch (Exception e)
            {
                foreach (var pending in batch) pending.Done.TrySetException(e);
            }
        }
    }

    /// <summary>One transaction: lock the head, extend the tree by the batch, store leaves, new nodes and head.</summary>
    private async Task<long> WriteAsync(List<PendingAppend> batch)
    {
        var cancellationToken = CancellationToken.None;
        await using var connection = await OpenAsync(cancellationToken);
        await using var transaction = await BeginWriteAsync(connection, cancellationToken);
        var head = await ReadHeadAsync(connection, transaction, lockIt: true, cancellationToken);

        // The frontier this process left after its last commit holds while the head is still the one it wrote (the
        // head row is locked, and the root compared): another replica's appends change both, and then it is read.
        List<(int Level, byte[] Hash)> frontier;
        if (_frontier is { } cached && cached.Size == head.Size && cached.Root.AsSpan().SequenceEqual(head.Root))
        {
            frontier = [.. cached.Nodes];
        }
        else
        {
            var frontierNodes = MerkleTree.Decompose(0, head.Size).ToList();
            var known = await FetchAsync(connection, transaction, frontierNodes, cancellationToken);
            frontier = frontierNodes.Select(n => (n.Level, Hash: known[n])).ToList();
        }

        var leaves = new List<StoredLeaf>();
        var nodes = new List<StoredNode>();
        var subjects = new List<(string Subject, long Index)>();
        var index = head.Size;
        foreach (var pending in batch)
        {
            for (var i = 0; i < pending.Bytes.Length; i++, index++)
            {
                leaves.Add(new StoredLeaf(index, pending.Hashes[i], pending.Bytes[i]));
                foreach (var subject in pending.Subjects[i]) subjects.Add((subject, index));
                frontier.Add((0, pending.Hashes[i]));
                while (frontier.Count >= 2 && frontier[^1].Level == frontier[^2].Level)
                {
                    var hash = MerkleTree.NodeHash(frontier[^2].Hash, frontier[^1].Hash);
                    var level = frontier[^1].Level + 1;
                    frontier.RemoveRange(frontier.Count - 2, 2);
                    frontier.Add((level, hash));
                    nodes.Add(new StoredNode(new TreeNode(index, level), hash));
                }
            }
        }
        var root = frontier[^1].Hash;
        for (var i = frontier.Count - 2; i >= 0; i--) root = MerkleTree.NodeHash(frontier[i].Hash, root);

        if (Provider == StorageProvider.PostgreSql)
            await WritePostgresAsync((NpgsqlConnection)connection, (NpgsqlTransaction)transaction, leaves, nodes, subjects, index, root, cancellationToken);
        else
            await WriteSqliteAsync(connection, transaction, leaves, nodes, subjects, index, root, cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        _frontier = (index, root, frontier.ToArray());
        return head.Size;
    }

    /// <summary>The root of the first <paramref name="size"/> leaves folded from the stored perfect subtrees that make it up.</summary>
    private static async Task<byte[]> StoredRootAsync(DbConnection connection, DbTransaction transaction, long size, CancellationToken cancellationToken)
    {
        var parts = MerkleTree.Decompose(0, size).ToList();
        var known = await FetchAsync(connection, transaction, parts, cancellationToken);
        var root = known[parts[^1]];
        for (var i = parts.Count - 2; i >= 0; i--) root = MerkleTree.NodeHash(known[parts[i]], root);
        return root;
    }

    /// <summary>Leaves, new nodes, subjects and the new head in one round trip (a batch of four statements).</summary>
    private static async Task WritePostgresAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, List<StoredLeaf> leaves, List<StoredNode> nodes,
        List<(string Subject, long Index)> subjects, long size, byte[] root, CancellationToken cancellationToken)
    {
        await using var batch = new NpgsqlBatch(connection, transaction);
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
        await batch.ExecuteNonQueryAsync(cancellationToken);
    }

    public async Task<TreeHead> GetHeadAsync(CancellationToken cancellationToken = default)
    {
        await using var connection = await OpenAsync(cancellationToken);
        return await ReadHeadAsync(connection, null, lockIt: false, cancellationToken);
    }

    public async Task<StoredLedgerEntry?> GetEntryAsync(long index, CancellationToken cancellationToken = default)
    {
        await using var connection = await OpenAsync(cancellationToken);
        await using var command = Command(connection, null, "SELECT leaf_hash, entry FROM ledger_entries WHERE idx = @idx");
        Add(command, "@idx", index);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken) ? new StoredLedgerEntry(index, (byte[])reader[0], (byte[])reader[1]) : null;
    }

    /// <summary>The inclusion proof of entry <paramref name="index"/> in the tree of <paramref name="treeSize"/> entries (default: now).</summary>
    public async Task<InclusionProof> InclusionProofAsync(long index, long? treeSize = null, CancellationToken cancellationToken = default)
    {
        await using var connection = await OpenAsync(cancellationToken);
        var size = treeSize ?? (await ReadHeadAsync(connection, null, false, cancellationToken)).Size;
        await RequireSizeAsync(connection, size, cancellationToken);
        if (index < 0 || index >= size) throw new ArgumentOutOfRangeException(nameof(index), $"entry {index} is not in the tree of {size} entries");
        var needed = MerkleTree.NodesFor(f =>
        {
            MerkleTree.InclusionProof(index, size, f);
            MerkleTree.Root(size, f);
        });
        needed.Add(new TreeNode(index, 0));
        var known = await FetchAsync(connection, null, needed, cancellationToken);
        byte[] Node(TreeNode n) => known[n];
        return new InclusionProof(index, size, known[new TreeNode(index, 0)], MerkleTree.InclusionProof(index, size, Node), MerkleTree.Root(size, Node));
    }

    /// <summary>The consistency proof from the tree of <paramref name="size1"/> entries to that of <paramref name="size2"/>.</summary>
    public async Task<ConsistencyProof> ConsistencyProofAsync(long size1, long size2, CancellationToken cancellationToken = default)
    {
        await using var connection = await OpenAsync(cancellationToken);
        return await ConsistencyProofAsync(connection, null, size1, size2, cancellationToken);
    }

    private async Task<ConsistencyProof> ConsistencyProofAsync(DbConnection connection, DbTransaction? transaction, long size1, long size2, CancellationToken cancellationToken)
    {
        if (size1 <= 0 || size1 > size2) throw new ArgumentOutOfRangeException(nameof(size1), $"no consistency proof from {size1} to {size2} entries: expected 0 < size1 ≤ size2");
        await RequireSizeAsync(connection, size2, cancellationToken, transaction);
        var needed = MerkleTree.NodesFor(f =>
        {
            MerkleTree.ConsistencyProof(size1, size2, f);
            MerkleTree.Root(size1, f);
            MerkleTree.Root(size2, f);
        });
        var known = await FetchAsync(connection, transaction, needed, cancellationToken);
        byte[] Node(TreeNode n) => known[n];
        return new ConsistencyProof(size1, size2, MerkleTree.Root(size1, Node), MerkleTree.Root(size2, Node), MerkleTree.ConsistencyProof(size1, size2, Node));
    }

    /// <summary>The checkpoint of the largest tree signed so far, or null.</summary>
    public async Task<StoredCheckpoint?> LatestCheckpointAsync(CancellationToken cancellationToken = default)
    {
        await using var connection = await OpenAsync(cancellationToken);
        return await LatestCheckpointAsync(connection, null, cancellationToken);
    }

    /// <summary>
    /// Signs a checkpoint of the tree as it is now, after checking that it extends the latest stored checkpoint (which
    /// must open with this key): refused when the tree is smaller or the consistency proof fails. Holds the append
    /// lock while it does, so no append slips between the check and the signature.
    /// </summary>
    public async Task<StoredCheckpoint> SignCheckpointAsync(ECDsa key, string origin, CancellationToken cancellationToken = default)
    {
        Checkpoint.ValidateOrigin(origin);
        var spki = key.ExportSubjectPublicKeyInfo();
        await using var connection = await OpenAsync(cancellationToken);
        await using var transaction = await BeginWriteAsync(connection, cancellationToken);
        var head = await ReadHeadAsync(connection, transaction, lockIt: true, cancellationToken);
        if (head.Size == 0) throw new InvalidOperationException("the ledger is empty: nothing to sign");
        var latest = await LatestCheckpointAsync(connection, transaction, cancellationToken);
        if (latest is not null)
        {
            var (previous, problem) = Checkpoint.Open(latest.Note, spki);
            if (previous is null) throw new InvalidOperationException($"the latest checkpoint (size {latest.TreeSize}) does not open with this key: {problem}");
            if (previous.TreeSize > head.Size)
                throw new InvalidOperationException($"the ledger has {head.Size} entries but checkpoint {previous.TreeSize} was signed: the log shrank");
            // The stored rows must still give the roots that were signed and written: a history rewritten under
            // the head (whose appends build on what this node committed) is refused here, not signed over.
            if (!(await StoredRootAsync(connection, transaction, previous.TreeSize, cancellationToken)).AsSpan().SequenceEqual(previous.Root))
                throw new InvalidOperationException($"the ledger is not consistent with checkpoint {previous.TreeSize}: its stored entries and nodes no longer give that checkpoint's root");
            if (!(await StoredRootAsync(connection, transaction, head.Size, cancellationToken)).AsSpan().SequenceEqual(head.Root))
                throw new InvalidOperationException($"the ledger's stored entries and nodes do not give its head's root at size {head.Size}: run ledger verify");
            var proof = await ConsistencyProofAsync(connection, transaction, previous.TreeSize, head.Size, cancellationToken);
            var check = MerkleTree.VerifyConsistency(previous.TreeSize, head.Size, previous.Root, head.Root, proof.Hashes);
            if (!check.Valid) throw new InvalidOperationException($"the ledger is not consistent with checkpoint {previous.TreeSize}: {check.Reason}");
            if (previous.TreeSize == head.Size) return latest;
        }
        var note = new Checkpoint(origin, head.Size, head.Root).Sign(key);
        var signedAt = Time.GetUtcNow();
        await using (var insert = Command(connection, transaction, "INSERT INTO ledger_checkpoints (tree_size, note, signed_at) VALUES (@size, @note, @at)"))
        {
            Add(insert, "@size", head.Size);
            Add(insert, "@note", note);
            Add(insert, "@at", signedAt);
            await insert.ExecuteNonQueryAsync(cancellationToken);
        }
        await transaction.CommitAsync(cancellationToken);
        return new StoredCheckpoint(head.Size, note, signedAt);
    }

    /// <summary>
    /// Recomputes the whole tree from the stored entries and checks every stored hash and checkpoint
    /// (<see cref="LedgerVerifier"/>). Checkpoint signatures are checked with <paramref name="publicKeySpki"/>; without
    /// it, each checkpoint is reported unchecked.
    /// </summary>
    public async Task<LedgerVerification> VerifyAsync(byte[]? publicKeySpki, CancellationToken cancellationToken = default)
    {
        TreeHead head;
        List<StoredCheckpoint> checkpoints = [];
        await using (var connection = await OpenAsync(cancellationToken))
        {
            head = await ReadHeadAsync(connection, null, false, cancellationToken);
            await using var command = Command(connection, null, "SELECT tree_size, note, signed_at FROM ledger_checkpoints ORDER BY tree_size");
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
                checkpoints.Add(new StoredCheckpoint(reader.GetInt64(0), reader.GetString(1), ReadTime(reader, 2)));
        }
        // Both streams stop at the head read above: rows below it never change, so two connections see the same rows.
        // Each is read ahead on its own thread (the entry reader also recomputes the leaf hashes), so reading and
        // hashing overlap with the tree's recomputation on the verifier's thread.
        return await Task.Run(() => LedgerVerifier.Verify(
            ReadAhead((rent, token) => ReadLeaves(head.Size, rent, token), () => new LeafBatch(VerifyBatchRows), cancellationToken),
            ReadAhead((rent, token) => ReadNodes(head.Size, rent, token), () => new NodeBatch(VerifyBatchRows), cancellationToken),
            head.Size, head.Root, checkpoints, publicKeySpki), cancellationToken);
    }

    private const int VerifyBatchRows = 4096;
    private const int ReadAheadBatches = 4;

    /// <summary>
    /// Runs <paramref name="read"/> on a thread of its own, ReadAheadBatches batches ahead of the consumer; a batch
    /// is handed back for reuse when the consumer asks for the next one.
    /// </summary>
    private static IEnumerable<T> ReadAhead<T>(Func<Func<T>, CancellationToken, IEnumerable<T>> read, Func<T> create, CancellationToken cancellationToken)
        where T : class
    {
        var free = new System.Collections.Concurrent.ConcurrentQueue<T>();
        using var full = new System.Collections.Concurrent.BlockingCollection<T>(ReadAheadBatches);
        using var ended = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        T Rent() => free.TryDequeue(out var batch) ? batch : create();
        var reader = Task.Factory.StartNew(() =>
        {
            try
            {
                foreach (var batch in read(Rent, ended.Token)) full.Add(batch, ended.Token);
            }
            finally
            {
                full.CompleteAdding();
            }
        }, ended.Token, TaskCreationOptions.LongRunning, TaskScheduler.Default);
        try
        {
            foreach (var batch in full.GetConsumingEnumerable(ended.Token))
            {
                yield return batch;
                free.Enqueue(batch);
            }
            reader.GetAwaiter().GetResult();
        }
        finally
        {
            // The consumer may stop early (a gap in the entries): release the reader and wait for it to let go.
            ended.Cancel();
            try
            {
                reader.Wait(CancellationToken.None);
            }
            catch (AggregateException)
            {
                // Its failure, if it is one, was rethrown above unless the consumer had already stopped.
            }
        }
    }

    private IEnumerable<LeafBatch> ReadLeaves(long size, Func<LeafBatch> rent, CancellationToken cancellationToken)
    {
        using var connection = OpenAsync(cancellationToken).AsTask().GetAwaiter().GetResult();
        if (connection is SqliteConnection sqlite)
        {
            foreach (var read in ReadLeavesSqlite(sqlite, size, rent, cancellationToken)) yield return read;
            yield break;
        }
        using var command = Command(connection, null, "SELECT idx, leaf_hash, entry FROM ledger_entries WHERE idx < @size ORDER BY idx");
        Add(command, "@size", size);
        using var reader = command.ExecuteReader();
        var batch = rent();
        batch.Clear();
        while (reader.Read())
        {
            var hashLength = (int)reader.GetBytes(1, 0, null, 0, 0);
            var entryLength = (int)reader.GetBytes(2, 0, null, 0, 0);
            var row = batch.Add(reader.GetInt64(0), hashLength, entryLength);
            if (hashLength == MerkleTree.HashSize) ReadBlob(reader, 1, batch.StoredHashes, LeafBatch.StoredHashOffset(row), hashLength);
            ReadBlob(reader, 2, batch.Entries, batch.EntryOffset(row), entryLength);
            if (!batch.IsFull) continue;
            batch.HashLeaves();
            yield return batch;
            cancellationToken.ThrowIfCancellationRequested();
            batch = rent();
            batch.Clear();
        }
        batch.HashLeaves();
        yield return batch;
    }

    private IEnumerable<NodeBatch> ReadNodes(long size, Func<NodeBatch> rent, CancellationToken cancellationToken)
    {
        using var connection = OpenAsync(cancellationToken).AsTask().GetAwaiter().GetResult();
        if (connection is SqliteConnection sqlite)
        {
            foreach (var read in ReadNodesSqlite(sqlite, size, rent, cancellationToken)) yield return read;
            yield break;
        }
        using var command = Command(connection, null, "SELECT last_leaf, level, hash FROM ledger_nodes WHERE last_leaf < @size ORDER BY last_leaf, level");
        Add(command, "@size", size);
        using var reader = command.ExecuteReader();
        var batch = rent();
        batch.Clear();
        while (reader.Read())
        {
            var hashLength = (int)reader.GetBytes(2, 0, null, 0, 0);
            var row = batch.Add(new TreeNode(reader.GetInt64(0), reader.GetInt32(1)), hashLength);
            if (hashLength == MerkleTree.HashSize) ReadBlob(reader, 2, batch.Hashes, NodeBatch.HashOffset(row), hashLength);
            if (!batch.IsFull) continue;
            yield return batch;
            cancellationToken.ThrowIfCancellationRequested();
            batch = rent();
            batch.Clear();
        }
        yield return batch;
    }

    // Through Microsoft.Data.Sqlite, GetBytes made the pass ten times slower (a blob stream per call, it seems: the
    // query selects the rowid alias) and the indexer copies each blob into a new array; the statement's column
    // spans are copied straight into the batch instead.
    private static IEnumerable<LeafBatch> ReadLeavesSqlite(SqliteConnection connection, long size, Func<LeafBatch> rent, CancellationToken cancellationToken)
    {
        using var statement = PrepareSqlite(connection, "SELECT idx, leaf_hash, entry FROM ledger_entries WHERE idx < ?1 ORDER BY idx", size);
        var batch = rent();
        batch.Clear();
        while (StepSqlite(connection, statement))
        {
            var hash = SQLitePCL.raw.sqlite3_column_blob(statement, 1);
            var entry = SQLitePCL.raw.sqlite3_column_blob(statement, 2);
            var row = batch.Add(SQLitePCL.raw.sqlite3_column_int64(statement, 0), hash.Length, entry.Length);
            if (hash.Length == MerkleTree.HashSize) hash.CopyTo(batch.StoredHashes.AsSpan(LeafBatch.StoredHashOffset(row)));
            entry.CopyTo(batch.Entries.AsSpan(batch.EntryOffset(row)));
            if (!batch.IsFull) continue;
            batch.HashLeaves();
            yield return batch;
            cancellationToken.ThrowIfCancellationRequested();
            batch = rent();
            batch.Clear();
        }
        batch.HashLeaves();
        yield return batch;
    }

    private static IEnumerable<NodeBatch> ReadNodesSqlite(SqliteConnection connection, long size, Func<NodeBatch> rent, CancellationToken cancellationToken)
    {
        using var statement = PrepareSqlite(connection, "SELECT last_leaf, level, hash FROM ledger_nodes WHERE last_leaf < ?1 ORDER BY last_leaf, level", size);
        var batch = rent();
        batch.Clear();
        while (StepSqlite(connection, statement))
        {
            var hash = SQLitePCL.raw.sqlite3_column_blob(statement, 2);
            var row = batch.Add(new TreeNode(SQLitePCL.raw.sqlite3_column_int64(statement, 0), SQLitePCL.raw.sqlite3_column_int(statement, 1)), hash.Length);
            if (hash.Length == MerkleTree.HashSize) hash.CopyTo(batch.Hashes.AsSpan(NodeBatch.HashOffset(row)));
            if (!batch.IsFull) continue;
            yield return batch;
            cancellationToken.ThrowIfCancellationRequested();
            batch = rent();
            batch.Clear();
        }
        yield return batch;
    }

    private static SQLitePCL.sqlite3_stmt PrepareSqlite(SqliteConnection connection, string sql, long size)
    {
        var rc = SQLitePCL.raw.sqlite3_prepare_v2(connection.Handle, sql, out var statement);
        if (rc != SQLitePCL.raw.SQLITE_OK) throw new SqliteException(SQLitePCL.raw.sqlite3_errmsg(connection.Handle).utf8_to_string(), rc);
        SQLitePCL.raw.sqlite3_bind_int64(statement, 1, size);
        return statement;
    }

    private static bool StepSqlite(SqliteConnection connection, SQLitePCL.sqlite3_stmt statement)
    {
        var rc = SQLitePCL.raw.sqlite3_step(statement);
        if (rc == SQLitePCL.raw.SQLITE_ROW) return true;
        if (rc == SQLitePCL.raw.SQLITE_DONE) return false;
        throw new SqliteException(SQLitePCL.raw.sqlite3_errmsg(connection.Handle).utf8_to_string(), rc);
    }

    private static void ReadBlob(DbDataReader reader, int ordinal, byte[] buffer, int offset, int length)
    {
        var read = 0;
        while (read < length)
        {
            var n = (int)reader.GetBytes(ordinal, read, buffer, offset + read, length - read);
            if (n <= 0) throw new InvalidDataException($"ledger: column {ordinal} ended after {read} of its {length} bytes");
            read += n;
        }
    }

    private static DateTimeOffset ReadTime(DbDataReader reader, int ordinal) => reader.GetValue(ordinal) switch
    {
        DateTime d => new DateTimeOffset(DateTime.SpecifyKind(d, DateTimeKind.Utc)),
        DateTimeOffset o => o,
        var other => DateTimeOffset.Parse(Convert.ToString(other, System.Globalization.CultureInfo.InvariantCulture)!, System.Globalization.CultureInfo.InvariantCulture),
    };

    private async Task<StoredCheckpoint?> LatestCheckpointAsync(DbConnection connection, DbTransaction? transaction, CancellationToken cancellationToken)
    {
        await using var command = Command(connection, transaction, "SELECT tree_size, note, signed_at FROM ledger_checkpoints ORDER BY tree_size DESC LIMIT 1");
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken) ? new StoredCheckpoint(reader.GetInt64(0), reader.GetString(1), ReadTime(reader, 2)) : null;
    }

    private async Task RequireSizeAsync(DbConnection connection, long size, CancellationToken cancellationToken, DbTransaction? transaction = null)
    {
        var head = await ReadHeadAsync(connection, transaction, false, cancellationToken);
        if (size < 1 || size > head.Size) throw new ArgumentOutOfRangeException(nameof(size), $"tree size {size}: the ledger has {head.Size} entries");
    }

    private async Task<TreeHead> ReadHeadAsync(DbConnection connection, DbTransaction? transaction, bool lockIt, CancellationToken cancellationToken)
    {
        var sql = "SELECT tree_size, root FROM ledger_head WHERE id = 1" + (lockIt && Provider == StorageProvider.PostgreSql ? " FOR UPDATE" : "");
        await using var command = Command(connection, transaction, sql);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        if (!await reader.ReadAsync(cancellationToken)) throw new InvalidOperationException("the ledger has no head row: migrate the database first");
        return new TreeHead(reader.GetInt64(0), (byte[])reader[1]);
    }

    /// <summary>The hashes of the given perfect subtrees: leaves from ledger_entries, the rest from ledger_nodes.</summary>
    private static async Task<Dictionary<TreeNode, byte[]>> FetchAsync(DbConnection connection, DbTransaction? transaction, IEnumerable<TreeNode> wanted, CancellationToken cancellationToken)
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

    private static string Parameters(int count) => string.Join(", ", Enumerable.Range(0, count).Select(i => $"@p{i}"));

    /// <summary>Leaves, new nodes, subjects and the new head with prepared statements (SQLite has no round trips to save).</summary>
    private static async Task WriteSqliteAsync(DbConnection connection, DbTransaction transaction, List<StoredLeaf> leaves, List<StoredNode> nodes,
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

    private async ValueTask<DbConnection> OpenAsync(CancellationToken cancellationToken)
    {
        if (_postgres is not null) return await _postgres.OpenConnectionAsync(cancellationToken);
        var connection = new SqliteConnection(_connectionString);
        try
        {
            await connection.OpenAsync(cancellationToken);
            using var command = connection.CreateCommand();
            command.CommandText = $"PRAGMA synchronous = FULL; PRAGMA busy_timeout = {BusyTimeoutSeconds * 1000};";
            command.ExecuteNonQuery();
            return connection;
        }
        catch
        {
            await connection.DisposeAsync();
            throw;
        }
    }

    private static async Task<DbTransaction> BeginWriteAsync(DbConnection connection, CancellationToken cancellationToken) =>
        connection is SqliteConnection sqlite
            // IMMEDIATE: the write lock is taken now, so two processes on one file append one after the other.
            ? sqlite.BeginTransaction(deferred: false)
            : await connection.BeginTransactionAsync(cancellationToken);

    private static DbCommand Command(DbConnection connection, DbTransaction? transaction, string sql)
    {
        var command = connection.CreateCommand();
        command.CommandText = sql;
        command.Transaction = transaction;
        return command;
    }

    private static DbParameter Add(DbCommand command, string name, object value)
    {
        var parameter = command.CreateParameter();
        parameter.ParameterName = name;
        parameter.Value = value;
        command.Parameters.Add(parameter);
        return parameter;
    }

    public async ValueTask DisposeAsync()
    {
        if (_postgres is not null) await _postgres.DisposeAsync();
        else
        {
            using var connection = new SqliteConnection(_connectionString);
            SqliteConnection.ClearPool(connection);
        }
        _lease?.Dispose();
    }

    /// <summary>
    /// The entries filed under a subject (a declaration id, a party's tag), newest first. Each is checked against its
    /// own bytes: an index row the entry does not bear is not returned.
    /// </summary>
    public async Task<IReadOnlyList<StoredLedgerEntry>> EntriesAboutAsync(string subject, int limit, CancellationToken cancellationToken = default)
    {
        await using var connection = await OpenAsync(cancellationToken);
        await using var command = Command(connection, null,
            "SELECT e.idx, e.leaf_hash, e.entry FROM ledger_subjects s JOIN ledger_entries e ON e.idx = s.idx WHERE s.subject = @subject ORDER BY s.idx DESC LIMIT @limit");
        Add(command, "@subject", subject);
        Add(command, "@limit", Math.Clamp(limit, 1, 10_000));
        var found = new List<StoredLedgerEntry>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            var stored = new StoredLedgerEntry(reader.GetInt64(0), (byte[])reader.GetValue(1), (byte[])reader.GetValue(2));
            if (LedgerSubjects.Of(stored.Entry).Contains(subject, StringComparer.Ordinal)) found.Add(stored);
        }
        return found;
    }

    private sealed record PendingAppend(byte[][] Bytes, byte[][] Hashes, string[][] Subjects)
    {
        public TaskCompletionSource<IReadOnlyList<long>> Done { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }
}
