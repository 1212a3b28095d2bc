using System.Data.Common;
using System.Security.Cryptography;
using Entente.Storage;
using Microsoft.Data.Sqlite;
using static Entente.Ledger.LedgerSql;

namespace Entente.Ledger;

/// <summary>The ledger's reads: the head, entries, proofs, checkpoints (signing included) and the whole-log verification.</summary>
internal sealed class LedgerReads(NodeDatabase database, TimeProvider time)
{
    public async Task<TreeHead> GetHeadAsync(CancellationToken cancellationToken = default)
    {
        await using var connection = await database.ConnectAsync(cancellationToken);
        return await ReadHeadAsync(connection, null, false, cancellationToken);
    }

    public async Task<StoredLedgerEntry?> GetEntryAsync(long index, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.ConnectAsync(cancellationToken);
        await using var command = Command(connection, null, "SELECT leaf_hash, entry FROM ledger_entries WHERE idx = @idx");
        Add(command, "@idx", index);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken) ? new StoredLedgerEntry(index, (byte[])reader[0], (byte[])reader[1]) : null;
    }

    /// <summary>The inclusion proof of entry <paramref name="index"/> in the tree of <paramref name="treeSize"/> entries (default: now).</summary>
    public async Task<InclusionProof> InclusionProofAsync(long index, long? treeSize = null, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.ConnectAsync(cancellationToken);
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
        await using var connection = await database.ConnectAsync(cancellationToken);
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
        await using var connection = await database.ConnectAsync(cancellationToken);
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
        await using var connection = await database.ConnectAsync(cancellationToken);
        await using var transaction = await database.BeginWriteAsync(connection, cancellationToken);
        var head = await ReadHeadAsync(connection, transaction, database.IsPostgres, cancellationToken);
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
        var signedAt = time.GetUtcNow();
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
        await using (var connection = await database.ConnectAsync(cancellationToken))
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
        using var connection = database.ConnectAsync(cancellationToken).GetAwaiter().GetResult();
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
        using var connection = database.ConnectAsync(cancellationToken).GetAwaiter().GetResult();
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

    /// <summary>
    /// The entries filed under a subject (a declaration id, a party's tag), newest first. Each is checked against its
    /// own bytes: an index row the entry does not bear is not returned.
    /// </summary>
    public async Task<IReadOnlyList<StoredLedgerEntry>> EntriesAboutAsync(string subject, int limit, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.ConnectAsync(cancellationToken);
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
}
