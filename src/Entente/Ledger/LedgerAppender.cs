using Entente.Storage;
using static Entente.Ledger.LedgerSql;

namespace Entente.Ledger;

/// <summary>
/// The append path. Appends are serialised by the database (PostgreSQL: a row lock on ledger_head; SQLite: BEGIN
/// IMMEDIATE), so replicas sharing one database never give two entries one index. Within a process, concurrent appends
/// are gathered into one transaction (group commit): one durable commit carries every entry, and every change
/// (<see cref="LedgerChange"/>), that arrived while the previous one was written. Each change runs under a savepoint of
/// its own when it shares the batch, so a change that fails fails only its caller.
/// </summary>
internal sealed class LedgerAppender(NodeDatabase database)
{
    private const int MaxEntriesPerCommit = 8192;
    private const string Savepoint = "ledger_change";

    private readonly LedgerWriter _writer = LedgerWriter.For(database.Provider);
    private readonly Queue<PendingAppend> _queue = new();
    private bool _writing;

    // The tree's frontier after this process's last commit: (size, root, the perfect subtrees that make it up).
    private (long Size, byte[] Root, (int Level, byte[] Hash)[] Nodes)? _frontier;

    public Task<IReadOnlyList<long>> AppendAsync(IReadOnlyList<LedgerEntry> entries, CancellationToken cancellationToken)
    {
        if (entries.Count == 0) return Task.FromResult<IReadOnlyList<long>>([]);
        // Serialising and hashing need no lock: done by the caller's thread before joining the queue.
        return Enqueue(new PendingAppend(Prepared.Of(entries), null), cancellationToken);
    }

    public Task<IReadOnlyList<long>> AppendAsync(LedgerChange change, CancellationToken cancellationToken) =>
        Enqueue(new PendingAppend(null, change), cancellationToken);

    private Task<IReadOnlyList<long>> Enqueue(PendingAppend pending, CancellationToken cancellationToken)
    {
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
                while (_queue.Count > 0 && (count == 0 || count + _queue.Peek().Count <= MaxEntriesPerCommit))
                {
                    var next = _queue.Dequeue();
                    count += next.Count;
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
                    if (pending.Failure is { } failure)
                    {
                        pending.Done.TrySetException(failure);
                        continue;
                    }
                    var indices = new long[pending.Entries!.Bytes.Length];
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

    /// <summary>One transaction: lock the head, run the changes, extend the tree by the batch, store leaves, new nodes and head.</summary>
    private async Task<long> WriteAsync(List<PendingAppend> batch)
    {
        var cancellationToken = CancellationToken.None;
        await using var connection = await database.ConnectAsync(cancellationToken);
        await using var transaction = await database.BeginWriteAsync(connection, cancellationToken);
        var head = await ReadHeadAsync(connection, transaction, database.IsPostgres, cancellationToken);

        foreach (var pending in batch)
        {
            if (pending.Change is not { } change) continue;
            if (batch.Count == 1)
            {
                pending.Entries = Prepared.Of(await change(connection, transaction, cancellationToken));
                continue;
            }
            CrashPoint.BeforeStatement();
            await transaction.SaveAsync(Savepoint, cancellationToken);
            try
            {
                pending.Entries = Prepared.Of(await change(connection, transaction, cancellationToken));
            }
            catch (Exception e)
            {
                pending.Failure = e;
                CrashPoint.BeforeStatement();
                await transaction.RollbackAsync(Savepoint, cancellationToken);
            }
            CrashPoint.BeforeStatement();
            await transaction.ReleaseAsync(Savepoint, cancellationToken);
        }

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
            if (pending.Failure is not null) continue;
            var entries = pending.Entries!;
            for (var i = 0; i < entries.Bytes.Length; i++, index++)
            {
                leaves.Add(new StoredLeaf(index, entries.Hashes[i], entries.Bytes[i]));
                foreach (var subject in entries.Subjects[i]) subjects.Add((subject, index));
                frontier.Add((0, entries.Hashes[i]));
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
        if (leaves.Count > 0)
        {
            var root = frontier[^1].Hash;
            for (var i = frontier.Count - 2; i >= 0; i--) root = MerkleTree.NodeHash(frontier[i].Hash, root);
            await _writer.WriteAsync(connection, transaction, leaves, nodes, subjects, index, root, cancellationToken);
            CrashPoint.BeforeStatement();
            await transaction.CommitAsync(cancellationToken);
            _frontier = (index, root, frontier.ToArray());
        }
        else
        {
            CrashPoint.BeforeStatement();
            await transaction.CommitAsync(cancellationToken);
        }
        return head.Size;
    }

    /// <summary>Entries serialised and hashed, with the subjects they are filed under.</summary>
    private sealed record Prepared(byte[][] Bytes, byte[][] Hashes, string[][] Subjects)
    {
        public static Prepared Of(IReadOnlyList<LedgerEntry> entries)
        {
            var bytes = new byte[entries.Count][];
            var hashes = new byte[entries.Count][];
            var subjects = new string[entries.Count][];
            for (var i = 0; i < entries.Count; i++)
            {
                bytes[i] = entries[i].ToBytes();
                hashes[i] = MerkleTree.LeafHash(bytes[i]);
                subjects[i] = LedgerSubjects.Of(entries[i]);
            }
            return new Prepared(bytes, hashes, subjects);
        }
    }

    private sealed class PendingAppend(Prepared? entries, LedgerChange? change)
    {
        public Prepared? Entries { get; set; } = entries;

        public LedgerChange? Change { get; } = change;

        public Exception? Failure { get; set; }

        /// <summary>What the pending append weighs against the batch limit (a change's entries are not known yet).</summary>
        public int Count => Entries?.Bytes.Length ?? 1;

        public TaskCompletionSource<IReadOnlyList<long>> Done { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }
}
