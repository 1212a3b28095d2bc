using System.Security.Cryptography;
using System.Text.Json;

namespace Entente.Ledger;

/// <summary>An entry row as stored: index, leaf hash, canonical bytes.</summary>
public readonly record struct StoredLeaf(long Index, byte[] LeafHash, byte[] Entry);

/// <summary>A stored perfect-subtree hash.</summary>
public readonly record struct StoredNode(TreeNode Node, byte[] Hash);

/// <summary>A stored checkpoint row: the tree size column and the signed note.</summary>
public sealed record StoredCheckpoint(long TreeSize, string Note, DateTimeOffset SignedAt);

/// <summary>
/// The result of a full check of a ledger: ok only when there is no problem. <see cref="Warnings"/> are entries that do
/// not fit the list of kinds (an unknown kind, a body missing a required member or with one of another type): findings
/// for an auditor, not a break in the log.
/// </summary>
public sealed record LedgerVerification(bool Ok, long Size, string Root, IReadOnlyList<string> Problems, long Checkpoints)
{
    public IReadOnlyList<string> Warnings { get; init; } = [];
}

/// <summary>
/// Consecutive entry rows as read (index, stored leaf hash, entry bytes) in reusable flat buffers, so a reader fills
/// it without an allocation per row; <see cref="HashLeaves"/> recomputes every leaf hash (a reader thread can do it
/// while the verifier works on the previous batch).
/// </summary>
public sealed class LeafBatch(int capacity)
{
    private readonly long[] _indices = new long[capacity];
    private readonly bool[] _storedWellFormed = new bool[capacity];
    private readonly byte[] _computed = new byte[capacity * MerkleTree.HashSize];
    private readonly int[] _entryStart = new int[capacity + 1];
    private byte[] _entries = new byte[capacity * 512];
    private bool _hashed;

    public int Count { get; private set; }

    public bool IsFull => Count == _indices.Length;

    /// <summary>Where row r's stored leaf hash goes: <see cref="StoredHashes"/> at r × 32 (only when it has 32 bytes).</summary>
    public byte[] StoredHashes { get; } = new byte[capacity * MerkleTree.HashSize];

    /// <summary>Where row r's entry bytes go: <see cref="Entries"/> at <see cref="EntryOffset"/> (read after <see cref="Add"/>).</summary>
    public byte[] Entries => _entries;

    public void Clear()
    {
        Count = 0;
        _hashed = false;
    }

    /// <summary>Makes room for one more row and returns its number; the caller then copies its bytes into place.</summary>
    public int Add(long index, int storedHashLength, int entryLength)
    {
        var row = Count++;
        _indices[row] = index;
        _storedWellFormed[row] = storedHashLength == MerkleTree.HashSize;
        var end = _entryStart[row] + entryLength;
        if (end > _entries.Length) Array.Resize(ref _entries, Math.Max(end, _entries.Length * 2));
        _entryStart[row + 1] = end;
        _hashed = false;
        return row;
    }

    public static int StoredHashOffset(int row) => row * MerkleTree.HashSize;

    public int EntryOffset(int row) => _entryStart[row];

    public long Index(int row) => _indices[row];

    public ReadOnlySpan<byte> Entry(int row) => _entries.AsSpan(_entryStart[row], _entryStart[row + 1] - _entryStart[row]);

    public ReadOnlyMemory<byte> EntryMemory(int row) => _entries.AsMemory(_entryStart[row], _entryStart[row + 1] - _entryStart[row]);

    /// <summary>The leaf hash recomputed from row r's entry bytes (after <see cref="HashLeaves"/>).</summary>
    public ReadOnlySpan<byte> LeafHash(int row) => _computed.AsSpan(row * MerkleTree.HashSize, MerkleTree.HashSize);

    public bool StoredHashMatches(int row) =>
        _storedWellFormed[row] && CryptographicOperations.FixedTimeEquals(LeafHash(row), StoredHashes.AsSpan(StoredHashOffset(row), MerkleTree.HashSize));

    public void HashLeaves()
    {
        if (_hashed) return;
        for (var row = 0; row < Count; row++) MerkleTree.LeafHash(Entry(row), _computed.AsSpan(row * MerkleTree.HashSize, MerkleTree.HashSize));
        _hashed = true;
    }
}

/// <summary>Consecutive node rows as read (last leaf, level, hash) in reusable flat buffers.</summary>
public sealed class NodeBatch(int capacity)
{
    private readonly TreeNode[] _nodes = new TreeNode[capacity];
    private readonly bool[] _wellFormed = new bool[capacity];

    public int Count { get; private set; }

    public bool IsFull => Count == _nodes.Length;

    /// <summary>Where row r's hash goes: <see cref="Hashes"/> at r × 32 (only when it has 32 bytes).</summary>
    public byte[] Hashes { get; } = new byte[capacity * MerkleTree.HashSize];

    public void Clear() => Count = 0;

    public int Add(TreeNode node, int hashLength)
    {
        var row = Count++;
        _nodes[row] = node;
        _wellFormed[row] = hashLength == MerkleTree.HashSize;
        return row;
    }

    public static int HashOffset(int row) => row * MerkleTree.HashSize;

    public TreeNode Node(int row) => _nodes[row];

    public bool HashEquals(int row, ReadOnlySpan<byte> hash) =>
        _wellFormed[row] && CryptographicOperations.FixedTimeEquals(Hashes.AsSpan(HashOffset(row), MerkleTree.HashSize), hash);
}

/// <summary>
/// The full check a third party can run with the node's public key only: recompute every leaf hash from the entry
/// bytes and every perfect subtree from the leaves, compare each with what is stored, and check every checkpoint's
/// signature and root at its size. Pure: it reads rows in order (entries by index, nodes by last leaf then level).
/// </summary>
public static class LedgerVerifier
{
    public const int MaxProblems = 1000;

    public static LedgerVerification Verify(
        IEnumerable<LeafBatch> entries,
        IEnumerable<NodeBatch> nodes,
        long headSize,
        byte[] headRoot,
        IReadOnlyList<StoredCheckpoint> checkpoints,
        byte[]? publicKeySpki)
    {
        var problems = new List<string>();
        var dropped = 0L;
        void Problem(string text)
        {
            if (problems.Count < MaxProblems) problems.Add(text);
            else dropped++;
        }
        var warnings = new List<string>();
        var droppedWarnings = 0L;
        void Warning(string text)
        {
            if (warnings.Count < MaxProblems) warnings.Add(text);
            else droppedWarnings++;
        }

        // Checkpoints first: opened with the key, then checked against the recomputed root as the pass reaches their size.
        var wanted = new Dictionary<long, List<Checkpoint>>();
        var bySigning = checkpoints.OrderBy(c => c.SignedAt).ThenBy(c => c.TreeSize).ToList();
        for (var i = 0; i < bySigning.Count; i++)
        {
            var row = bySigning[i];
            if (i > 0 && row.TreeSize < bySigning[i - 1].TreeSize)
                Problem($"checkpoint {row.TreeSize}: signed after checkpoint {bySigning[i - 1].TreeSize} yet smaller: the log shrank");
            Checkpoint? opened;
            string? why;
            if (publicKeySpki is null)
            {
                (opened, _, why) = Checkpoint.Parse(row.Note);
                if (opened is not null) Problem($"checkpoint {row.TreeSize}: signature not checked (no public key given)");
            }
            else
            {
                (opened, why) = Checkpoint.Open(row.Note, publicKeySpki);
            }
            if (opened is null)
            {
                Problem($"checkpoint {row.TreeSize}: {why}");
                continue;
            }
            if (opened.TreeSize != row.TreeSize) Problem($"checkpoint {row.TreeSize}: its note says tree size {opened.TreeSize}");
            if (opened.TreeSize > headSize) Problem($"checkpoint {opened.TreeSize}: beyond the log's {headSize} entries: the log shrank or lost entries");
            if (!wanted.TryGetValue(opened.TreeSize, out var list)) wanted[opened.TreeSize] = list = [];
            list.Add(opened);
        }

        // The frontier: the perfect subtrees not yet merged, left to right (at most one per level, so 64 suffice).
        var levels = new int[65];
        var frontier = new byte[65 * MerkleTree.HashSize];
        var depth = 0;
        Span<byte> Slot(int i) => frontier.AsSpan(i * MerkleTree.HashSize, MerkleTree.HashSize);
        var stored = new NodeCursor(nodes);
        try
        {
            var size = 0L;
            var stop = false;
            foreach (var batch in entries)
            {
                batch.HashLeaves();
                for (var row = 0; row < batch.Count && !stop; row++)
                {
                    var index = batch.Index(row);
                    if (index != size)
                    {
                        Problem(index > size ? $"entries {size} to {index - 1} are missing" : $"entry {index} is stored twice");
                        // Without the missing leaves nothing above them can be recomputed: stop here.
                        stop = index > size;
                        continue;
                    }
                    if (!batch.StoredHashMatches(row)) Problem($"entry {index}: the stored leaf hash is not SHA-256(0x00 ‖ entry bytes)");
                    CheckBody(index, batch.EntryMemory(row), Warning);
                    batch.LeafHash(row).CopyTo(Slot(depth));
                    levels[depth++] = 0;
                    while (depth >= 2 && levels[depth - 1] == levels[depth - 2])
                    {
                        var merged = Slot(depth - 2);
                        MerkleTree.NodeHash(merged, Slot(depth - 1), merged);
                        depth--;
                        var node = new TreeNode(index, ++levels[depth - 1]);
                        while (stored.HasNode && Compare(stored.Node, node) < 0)
                        {
                            Problem($"node {Describe(stored.Node)}: stored but not part of the tree");
                            stored.MoveNext();
                        }
                        if (stored.HasNode && stored.Node == node)
                        {
                            if (!stored.HashEquals(merged)) Problem($"node {Describe(node)}: the stored hash is not the hash of its leaves");
                            stored.MoveNext();
                        }
                        else
                        {
                            Problem($"node {Describe(node)}: missing");
                        }
                    }
                    size++;
                    if (wanted.Count > 0 && wanted.TryGetValue(size, out var atSize))
                    {
                        var root = RootOf(frontier, depth);
                        foreach (var checkpoint in atSize)
                        {
                            if (!CryptographicOperations.FixedTimeEquals(checkpoint.Root, root))
                                Problem($"checkpoint {size}: its root is not the root of the first {size} entries");
                        }
                    }
                }
                if (stop) break;
            }
            while (stored.HasNode)
            {
                Problem($"node {Describe(stored.Node)}: stored but not part of the tree");
                stored.MoveNext();
            }
            var computedRoot = size == 0 ? MerkleTree.EmptyRoot : RootOf(frontier, depth);
            if (size != headSize) Problem($"the head says {headSize} entries, {size} are stored in sequence");
            else if (!CryptographicOperations.FixedTimeEquals(computedRoot, headRoot)) Problem("the head's root is not the root of the stored entries");
            if (dropped > 0) problems.Add($"... and {dropped} more problems");
            if (droppedWarnings > 0) warnings.Add($"... and {droppedWarnings} more warnings");
            return new LedgerVerification(problems.Count == 0, size, Convert.ToBase64String(computedRoot), problems, checkpoints.Count) { Warnings = warnings };
        }
        finally
        {
            stored.Dispose();
        }
    }

    /// <summary>Warns of an entry whose kind is not in <see cref="LedgerKinds.All"/> or whose body does not fit its kind's schema.</summary>
    public static void CheckBody(long index, ReadOnlyMemory<byte> entry, Action<string> warning)
    {
        try
        {
            using var document = JsonDocument.Parse(entry);
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("kind", out var kind) || kind.ValueKind != JsonValueKind.String
                || !root.TryGetProperty("body", out var body))
            {
                warning($"entry {index}: not a ledger entry (expected an object with kind and body)");
                return;
            }
            var name = kind.GetString()!;
            foreach (var problem in LedgerKinds.CheckBody(name, body)) warning($"entry {index} ({name}): {problem}");
        }
        catch (JsonException e)
        {
            warning($"entry {index}: not JSON ({e.Message})");
        }
    }

    private static byte[] RootOf(byte[] frontier, int depth)
    {
        var hash = frontier.AsSpan((depth - 1) * MerkleTree.HashSize, MerkleTree.HashSize).ToArray();
        for (var i = depth - 2; i >= 0; i--) MerkleTree.NodeHash(frontier.AsSpan(i * MerkleTree.HashSize, MerkleTree.HashSize), hash, hash);
        return hash;
    }

    /// <summary>Walks the stored nodes across their batches.</summary>
    private sealed class NodeCursor : IDisposable
    {
        private readonly IEnumerator<NodeBatch> _batches;
        private NodeBatch? _batch;
        private int _row;

        public NodeCursor(IEnumerable<NodeBatch> batches)
        {
            _batches = batches.GetEnumerator();
            NextBatch();
        }

        public bool HasNode => _batch is not null;

        public TreeNode Node => _batch!.Node(_row);

        public bool HashEquals(ReadOnlySpan<byte> hash) => _batch!.HashEquals(_row, hash);

        public void MoveNext()
        {
            if (++_row >= _batch!.Count) NextBatch();
        }

        private void NextBatch()
        {
            _row = 0;
            do
            {
                _batch = _batches.MoveNext() ? _batches.Current : null;
            }
            while (_batch is not null && _batch.Count == 0);
        }

        public void Dispose() => _batches.Dispose();
    }

    private static int Compare(TreeNode a, TreeNode b) =>
        a.LastLeaf != b.LastLeaf ? a.LastLeaf.CompareTo(b.LastLeaf) : a.Level.CompareTo(b.Level);

    private static string Describe(TreeNode node) => $"level {node.Level} ending at entry {node.LastLeaf}";
}
