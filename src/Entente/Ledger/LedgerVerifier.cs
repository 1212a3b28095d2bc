using System.Security.Cryptography;

namespace Entente.Ledger;

/// <summary>An entry row as stored: index, leaf hash, canonical bytes.</summary>
public readonly record struct StoredLeaf(long Index, byte[] LeafHash, byte[] Entry);

/// <summary>A stored perfect-subtree hash.</summary>
public readonly record struct StoredNode(TreeNode Node, byte[] Hash);

/// <summary>A stored checkpoint row: the tree size column and the signed note.</summary>
public sealed record StoredCheckpoint(long TreeSize, string Note, DateTimeOffset SignedAt);

/// <summary>The result of a full check of a ledger: ok only when there is no problem.</summary>
public sealed record LedgerVerification(bool Ok, long Size, string Root, IReadOnlyList<string> Problems, long Checkpoints);

/// <summary>
/// The full check a third party can run with the node's public key only: recompute every leaf hash from the entry
/// bytes and every perfect subtree from the leaves, compare each with what is stored, and check every checkpoint's
/// signature and root at its size. Pure: it reads rows in order (entries by index, nodes by last leaf then level).
/// </summary>
public static class LedgerVerifier
{
    public const int MaxProblems = 1000;

    public static LedgerVerification Verify(
        IEnumerable<StoredLeaf> entries,
        IEnumerable<StoredNode> nodes,
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

        var frontier = new List<(int Level, byte[] Hash)>();
        using var nodeCursor = nodes.GetEnumerator();
        var hasNode = nodeCursor.MoveNext();
        var size = 0L;
        foreach (var leaf in entries)
        {
            if (leaf.Index != size)
            {
                Problem(leaf.Index > size ? $"entries {size} to {leaf.Index - 1} are missing" : $"entry {leaf.Index} is stored twice");
                if (leaf.Index < size) continue;
                // Without the missing leaves nothing above them can be recomputed: stop here.
                break;
            }
            var leafHash = MerkleTree.LeafHash(leaf.Entry);
            if (!CryptographicOperations.FixedTimeEquals(leafHash, leaf.LeafHash))
                Problem($"entry {leaf.Index}: the stored leaf hash is not SHA-256(0x00 ‖ entry bytes)");
            frontier.Add((0, leafHash));
            while (frontier.Count >= 2 && frontier[^1].Level == frontier[^2].Level)
            {
                var right = frontier[^1];
                var left = frontier[^2];
                frontier.RemoveRange(frontier.Count - 2, 2);
                var node = new TreeNode(leaf.Index, left.Level + 1);
                var hash = MerkleTree.NodeHash(left.Hash, right.Hash);
                frontier.Add((node.Level, hash));
                while (hasNode && Compare(nodeCursor.Current.Node, node) < 0)
                {
                    Problem($"node {Describe(nodeCursor.Current.Node)}: stored but not part of the tree");
                    hasNode = nodeCursor.MoveNext();
                }
                if (hasNode && nodeCursor.Current.Node == node)
                {
                    if (!CryptographicOperations.FixedTimeEquals(nodeCursor.Current.Hash, hash))
                        Problem($"node {Describe(node)}: the stored hash is not the hash of its leaves");
                    hasNode = nodeCursor.MoveNext();
                }
                else
                {
                    Problem($"node {Describe(node)}: missing");
                }
            }
            size++;
            if (wanted.TryGetValue(size, out var atSize))
            {
                var root = RootOf(frontier);
                foreach (var checkpoint in atSize)
                {
                    if (!CryptographicOperations.FixedTimeEquals(checkpoint.Root, root))
                        Problem($"checkpoint {size}: its root is not the root of the first {size} entries");
                }
            }
        }
        while (hasNode)
        {
            Problem($"node {Describe(nodeCursor.Current.Node)}: stored but not part of the tree");
            hasNode = nodeCursor.MoveNext();
        }
        var computedRoot = size == 0 ? MerkleTree.EmptyRoot : RootOf(frontier);
        if (size != headSize) Problem($"the head says {headSize} entries, {size} are stored in sequence");
        else if (!CryptographicOperations.FixedTimeEquals(computedRoot, headRoot)) Problem("the head's root is not the root of the stored entries");
        if (dropped > 0) problems.Add($"... and {dropped} more problems");
        return new LedgerVerification(problems.Count == 0, size, Convert.ToBase64String(computedRoot), problems, checkpoints.Count);
    }

    private static byte[] RootOf(List<(int Level, byte[] Hash)> frontier)
    {
        var hash = frontier[^1].Hash;
        for (var i = frontier.Count - 2; i >= 0; i--) hash = MerkleTree.NodeHash(frontier[i].Hash, hash);
        return hash;
    }

    private static int Compare(TreeNode a, TreeNode b) =>
        a.LastLeaf != b.LastLeaf ? a.LastLeaf.CompareTo(b.LastLeaf) : a.Level.CompareTo(b.Level);

    private static string Describe(TreeNode node) => $"level {node.Level} ending at entry {node.LastLeaf}";
}
