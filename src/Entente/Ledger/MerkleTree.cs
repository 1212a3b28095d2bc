using System.Numerics;
using System.Security.Cryptography;

namespace Entente.Ledger;

/// <summary>A perfect subtree of the log: the 2^Level leaves ending at leaf <see cref="LastLeaf"/> (level 0 is one leaf).</summary>
public readonly record struct TreeNode(long LastLeaf, int Level)
{
    public long FirstLeaf => LastLeaf - (1L << Level) + 1;

    /// <summary>The node at <paramref name="level"/> whose leaves start at <paramref name="firstLeaf"/> (a multiple of 2^level).</summary>
    public static TreeNode Starting(long firstLeaf, int level) => new(firstLeaf + (1L << level) - 1, level);
}

/// <summary>The outcome of a proof check: valid, or the reason it is not.</summary>
public readonly record struct ProofCheck(bool Valid, string? Reason)
{
    public static ProofCheck Ok { get; } = new(true, null);

    public static ProofCheck Fail(string reason) => new(false, reason);
}

/// <summary>
/// RFC 6962 / RFC 9162 Merkle tree hashing, proof generation (§2.1.3.1, §2.1.4.1) and verification (§2.1.3.2, §2.1.4.2).
/// Pure: proofs are built from a function giving the hash of any perfect subtree, so a stored log answers in
/// O(log n) look-ups and a list of leaves in memory answers the same way.
/// </summary>
public static class MerkleTree
{
    public const int HashSize = 32;

    /// <summary>The root of the empty tree: SHA-256 of nothing.</summary>
    public static byte[] EmptyRoot => SHA256.HashData([]);

    /// <summary>SHA-256(0x00 ‖ entry).</summary>
    public static byte[] LeafHash(ReadOnlySpan<byte> entry)
    {
        var hash = new byte[HashSize];
        LeafHash(entry, hash);
        return hash;
    }

    /// <summary>SHA-256(0x00 ‖ entry) into <paramref name="destination"/> (32 bytes).</summary>
    public static void LeafHash(ReadOnlySpan<byte> entry, Span<byte> destination)
    {
        var sha = Sha256;
        sha.AppendData([0x00]);
        sha.AppendData(entry);
        sha.GetHashAndReset(destination);
    }

    /// <summary>SHA-256(0x01 ‖ left ‖ right).</summary>
    public static byte[] NodeHash(ReadOnlySpan<byte> left, ReadOnlySpan<byte> right)
    {
        var hash = new byte[HashSize];
        NodeHash(left, right, hash);
        return hash;
    }

    /// <summary>SHA-256(0x01 ‖ left ‖ right) into <paramref name="destination"/> (32 bytes), which may overlap either input.</summary>
    public static void NodeHash(ReadOnlySpan<byte> left, ReadOnlySpan<byte> right, Span<byte> destination)
    {
        var sha = Sha256;
        if (left.Length != HashSize || right.Length != HashSize)
        {
            sha.AppendData([0x01]);
            sha.AppendData(left);
            sha.AppendData(right);
            sha.GetHashAndReset(destination);
            return;
        }
        Span<byte> buffer = stackalloc byte[1 + 2 * HashSize];
        buffer[0] = 0x01;
        left.CopyTo(buffer[1..]);
        right.CopyTo(buffer[(1 + HashSize)..]);
        sha.AppendData(buffer);
        sha.GetHashAndReset(destination);
    }

    // One OpenSSL digest context per thread, reset after each hash: about a quarter cheaper than a one-shot
    // SHA256.HashData (which creates and frees a context every call) for the 65-byte inputs of a proof.
    [ThreadStatic]
    private static IncrementalHash? t_sha256;

    private static IncrementalHash Sha256 => t_sha256 ??= IncrementalHash.CreateHash(HashAlgorithmName.SHA256);

    /// <summary>MTH of a list of leaf hashes (RFC 9162 §2.1.1).</summary>
    public static byte[] Root(IReadOnlyList<byte[]> leafHashes) => RangeHash(0, leafHashes.Count, FromLeaves(leafHashes));

    /// <summary>MTH of the first <paramref name="size"/> leaves, from the perfect subtrees that make them up.</summary>
    public static byte[] Root(long size, Func<TreeNode, byte[]> node) => size == 0 ? EmptyRoot : RangeHash(0, size, node);

    /// <summary>A perfect-subtree function over leaf hashes in memory (computes what it is asked, for tests and small trees).</summary>
    public static Func<TreeNode, byte[]> FromLeaves(IReadOnlyList<byte[]> leafHashes)
    {
        byte[] Hash(TreeNode n) => n.Level == 0
            ? leafHashes[(int)n.LastLeaf]
            : NodeHash(Hash(TreeNode.Starting(n.FirstLeaf, n.Level - 1)), Hash(new TreeNode(n.LastLeaf, n.Level - 1)));
        return Hash;
    }

    /// <summary>The perfect subtrees whose hashes MTH of leaves [start, start+count) is made of, left to right.</summary>
    public static IEnumerable<TreeNode> Decompose(long start, long count)
    {
        // In the MTH recursion a range always starts at a multiple of its largest power of two, so its split is the
        // binary expansion of its size, largest first.
        while (count > 0)
        {
            var level = BitOperations.Log2((ulong)count);
            yield return TreeNode.Starting(start, level);
            start += 1L << level;
            count -= 1L << level;
        }
    }

    /// <summary>MTH(D[start : start+count]), count ≥ 1, combining the perfect subtrees right to left.</summary>
    public static byte[] RangeHash(long start, long count, Func<TreeNode, byte[]> node)
    {
        var parts = Decompose(start, count).ToList();
        var hash = node(parts[^1]);
        for (var i = parts.Count - 2; i >= 0; i--) hash = NodeHash(node(parts[i]), hash);
        return hash;
    }

    /// <summary>PATH(index, D[size]) of RFC 9162 §2.1.3.1: the audit path, leaf end first.</summary>
    public static List<byte[]> InclusionProof(long index, long size, Func<TreeNode, byte[]> node)
    {
        if (index < 0 || index >= size) throw new ArgumentOutOfRangeException(nameof(index), $"leaf {index} is not in a tree of size {size}");
        var path = new List<byte[]>();
        Path(index, 0, size, node, path);
        return path;
    }

    private static void Path(long m, long start, long n, Func<TreeNode, byte[]> node, List<byte[]> path)
    {
        if (n == 1) return;
        var k = LargestPowerOfTwoBelow(n);
        if (m < k)
        {
            Path(m, start, k, node, path);
            path.Add(RangeHash(start + k, n - k, node));
        }
        else
        {
            Path(m - k, start + k, n - k, node, path);
            path.Add(RangeHash(start, k, node));
        }
    }

    /// <summary>PROOF(size1, D[size2]) of RFC 9162 §2.1.4.1, for 0 &lt; size1 &lt; size2 (empty when size1 = size2).</summary>
    public static List<byte[]> ConsistencyProof(long size1, long size2, Func<TreeNode, byte[]> node)
    {
        if (size1 <= 0 || size1 > size2) throw new ArgumentOutOfRangeException(nameof(size1), $"no consistency proof from size {size1} to size {size2}");
        var proof = new List<byte[]>();
        if (size1 < size2) SubProof(size1, 0, size2, true, node, proof);
        return proof;
    }

    private static void SubProof(long m, long start, long n, bool complete, Func<TreeNode, byte[]> node, List<byte[]> proof)
    {
        if (m == n)
        {
            if (!complete) proof.Add(RangeHash(start, n, node));
            return;
        }
        var k = LargestPowerOfTwoBelow(n);
        if (m <= k)
        {
            SubProof(m, start, k, complete, node, proof);
            proof.Add(RangeHash(start + k, n - k, node));
        }
        else
        {
            SubProof(m - k, start + k, n - k, false, node, proof);
            proof.Add(RangeHash(start, k, node));
        }
    }

    /// <summary>The perfect subtrees a proof will ask for, so a store can fetch them in one query first.</summary>
    public static HashSet<TreeNode> NodesFor(Action<Func<TreeNode, byte[]>> build)
    {
        var asked = new HashSet<TreeNode>();
        var dummy = new byte[HashSize];
        build(n =>
        {
            asked.Add(n);
            return dummy;
        });
        return asked;
    }

    /// <summary>Verifies an inclusion proof exactly as RFC 9162 §2.1.3.2.</summary>
    public static ProofCheck VerifyInclusion(long index, long size, ReadOnlySpan<byte> leafHash, IReadOnlyList<byte[]> proof, ReadOnlySpan<byte> root)
    {
        if (index < 0 || size <= 0) return ProofCheck.Fail($"leaf index {index} and tree size {size} must be ≥ 0 and ≥ 1");
        if (index >= size) return ProofCheck.Fail($"leaf index {index} is not below tree size {size}");
        if (leafHash.Length != HashSize) return ProofCheck.Fail($"leaf hash has {leafHash.Length} bytes, expected {HashSize}");
        if (root.Length != HashSize) return ProofCheck.Fail($"root has {root.Length} bytes, expected {HashSize}");
        var fn = index;
        var sn = size - 1;
        Span<byte> r = stackalloc byte[HashSize];
        leafHash.CopyTo(r);
        for (var i = 0; i < proof.Count; i++)
        {
            var p = proof[i];
            if (p.Length != HashSize) return ProofCheck.Fail($"proof[{i}] has {p.Length} bytes, expected {HashSize}");
            if (sn == 0) return ProofCheck.Fail($"proof has {proof.Count} hashes, more than the path of leaf {index} in a tree of size {size}");
            if ((fn & 1) == 1 || fn == sn)
            {
                NodeHash(p, r, r);
                if ((fn & 1) == 0)
                {
                    while ((fn & 1) == 0 && fn != 0)
                    {
                        fn >>= 1;
                        sn >>= 1;
                    }
                }
            }
            else
            {
                NodeHash(r, p, r);
            }
            fn >>= 1;
            sn >>= 1;
        }
        if (sn != 0) return ProofCheck.Fail($"proof has {proof.Count} hashes, fewer than the path of leaf {index} in a tree of size {size}");
        return CryptographicOperations.FixedTimeEquals(r, root)
            ? ProofCheck.Ok
            : ProofCheck.Fail("the root computed from the leaf and the proof is not the given root");
    }

    /// <summary>
    /// Verifies a consistency proof exactly as RFC 9162 §2.1.4.2 for 0 &lt; size1 &lt; size2; equal sizes need an
    /// empty proof and equal roots. A proof from the empty tree is refused: it would prove nothing.
    /// </summary>
    public static ProofCheck VerifyConsistency(long size1, long size2, ReadOnlySpan<byte> root1, ReadOnlySpan<byte> root2, IReadOnlyList<byte[]> proof)
    {
        if (size1 < 0 || size2 < 0) return ProofCheck.Fail("tree sizes must not be negative");
        if (size1 > size2) return ProofCheck.Fail($"size1 {size1} is greater than size2 {size2}: a log never shrinks");
        if (size1 == 0) return ProofCheck.Fail("size1 is 0: consistency with the empty tree proves nothing");
        if (size1 == size2)
        {
            if (proof.Count > 0) return ProofCheck.Fail($"sizes are equal but the proof has {proof.Count} hashes instead of none");
            return root1.SequenceEqual(root2) ? ProofCheck.Ok : ProofCheck.Fail("sizes are equal but the roots differ");
        }
        if (root1.Length != HashSize || root2.Length != HashSize) return ProofCheck.Fail($"roots must have {HashSize} bytes");
        if (proof.Count == 0) return ProofCheck.Fail("the proof is empty");
        for (var i = 0; i < proof.Count; i++)
        {
            if (proof[i].Length != HashSize) return ProofCheck.Fail($"proof[{i}] has {proof[i].Length} bytes, expected {HashSize}");
        }

        // The path is root1 followed by the proof when size1 is a power of two (root1 is then a node of both trees),
        // else the proof alone.
        var withRoot1 = BitOperations.IsPow2(size1);
        var pathLength = proof.Count + (withRoot1 ? 1 : 0);
        var fn = size1 - 1;
        var sn = size2 - 1;
        while ((fn & 1) == 1)
        {
            fn >>= 1;
            sn >>= 1;
        }
        Span<byte> fr = stackalloc byte[HashSize];
        Span<byte> sr = stackalloc byte[HashSize];
        (withRoot1 ? root1 : proof[0]).CopyTo(fr);
        fr.CopyTo(sr);
        for (var i = 1; i < pathLength; i++)
        {
            var c = proof[withRoot1 ? i - 1 : i];
            if (sn == 0) return ProofCheck.Fail($"proof has {proof.Count} hashes, more than a consistency proof from {size1} to {size2} needs");
            if ((fn & 1) == 1 || fn == sn)
            {
                NodeHash(c, fr, fr);
                NodeHash(c, sr, sr);
                if ((fn & 1) == 0)
                {
                    while ((fn & 1) == 0 && fn != 0)
                    {
                        fn >>= 1;
                        sn >>= 1;
                    }
                }
            }
            else
            {
                NodeHash(sr, c, sr);
            }
            fn >>= 1;
            sn >>= 1;
        }
        if (sn != 0) return ProofCheck.Fail($"proof has {proof.Count} hashes, fewer than a consistency proof from {size1} to {size2} needs");
        if (!CryptographicOperations.FixedTimeEquals(fr, root1)) return ProofCheck.Fail($"the proof does not lead to the root of size {size1}");
        if (!CryptographicOperations.FixedTimeEquals(sr, root2)) return ProofCheck.Fail($"the proof does not lead to the root of size {size2}");
        return ProofCheck.Ok;
    }

    private static long LargestPowerOfTwoBelow(long n) => 1L << BitOperations.Log2((ulong)(n - 1));
}
