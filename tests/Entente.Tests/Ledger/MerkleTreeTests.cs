using System.Text;
using System.Text.Json;
using Entente.Ledger;
using Entente.Tests.Support;

namespace Entente.Tests.Ledger;

public class MerkleTreeTests
{
    /// <summary>Leaf hashes of entries "0", "1", ... and every perfect subtree over them, computed once.</summary>
    private sealed class Tree
    {
        private readonly Dictionary<TreeNode, byte[]> _nodes = [];

        public Tree(int size)
        {
            Leaves = [.. Enumerable.Range(0, size).Select(i => MerkleTree.LeafHash(Encoding.UTF8.GetBytes(i.ToString(System.Globalization.CultureInfo.InvariantCulture))))];
            var level = Leaves;
            for (var l = 0; level.Count > 0; l++)
            {
                var next = new List<byte[]>();
                for (var j = 0; j < level.Count; j++)
                {
                    _nodes[TreeNode.Starting((long)j << l, l)] = level[j];
                    if (j % 2 == 1) next.Add(MerkleTree.NodeHash(level[j - 1], level[j]));
                }
                level = next;
            }
        }

        public List<byte[]> Leaves { get; }

        public byte[] Node(TreeNode node) => _nodes[node];

        public byte[] Root(long size) => MerkleTree.Root(size, Node);
    }

    private static readonly Tree Small = new(256);

    [Fact]
    public void Hashes_leaves_and_nodes_with_the_RFC_6962_prefixes()
    {
        // RFC 6962 test data: the empty tree and the leaf of the empty entry.
        Assert.Equal("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855", Convert.ToHexStringLower(MerkleTree.EmptyRoot));
        Assert.Equal("6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d", Convert.ToHexStringLower(MerkleTree.LeafHash([])));
        var left = MerkleTree.LeafHash([1]);
        var right = MerkleTree.LeafHash([2]);
        Assert.Equal(System.Security.Cryptography.SHA256.HashData([0x01, .. left, .. right]), MerkleTree.NodeHash(left, right));
    }

    [Fact]
    public void The_root_from_stored_subtrees_is_the_root_of_the_leaves()
    {
        for (var size = 1; size <= 70; size++)
            Assert.Equal(MerkleTree.Root(Small.Leaves[..size]), Small.Root(size));
    }

    [Fact]
    public void Every_inclusion_proof_of_every_index_of_every_tree_size_to_256_verifies()
    {
        for (var size = 1; size <= 256; size++)
        {
            var root = Small.Root(size);
            for (var index = 0; index < size; index++)
            {
                var proof = MerkleTree.InclusionProof(index, size, Small.Node);
                var check = MerkleTree.VerifyInclusion(index, size, Small.Leaves[index], proof, root);
                Assert.True(check.Valid, $"leaf {index} of {size}: {check.Reason}");
            }
        }
    }

    [Fact]
    public void Every_consistency_proof_between_tree_sizes_to_256_verifies()
    {
        for (var size2 = 1; size2 <= 256; size2++)
        {
            var root2 = Small.Root(size2);
            for (var size1 = 1; size1 <= size2; size1++)
            {
                var proof = MerkleTree.ConsistencyProof(size1, size2, Small.Node);
                var check = MerkleTree.VerifyConsistency(size1, size2, Small.Root(size1), root2, proof);
                Assert.True(check.Valid, $"{size1} to {size2}: {check.Reason}");
            }
        }
    }

    [Fact]
    public void Random_proofs_in_trees_up_to_a_million_leaves_verify()
    {
        var big = new Tree(1 << 20);
        var random = new Random(6962);
        for (var i = 0; i < 2000; i++)
        {
            var size = random.NextInt64(1, (1L << 20) + 1);
            var index = random.NextInt64(size);
            var root = big.Root(size);
            var inclusion = MerkleTree.VerifyInclusion(index, size, big.Leaves[(int)index], MerkleTree.InclusionProof(index, size, big.Node), root);
            Assert.True(inclusion.Valid, $"leaf {index} of {size}: {inclusion.Reason}");
            var size1 = random.NextInt64(1, size + 1);
            var consistency = MerkleTree.VerifyConsistency(size1, size, big.Root(size1), root, MerkleTree.ConsistencyProof(size1, size, big.Node));
            Assert.True(consistency.Valid, $"{size1} to {size}: {consistency.Reason}");
        }
    }

    [Fact]
    public void A_flipped_bit_anywhere_in_an_inclusion_proof_its_root_or_leaf_fails_verification()
    {
        foreach (var (index, size) in new[] { (0L, 1L), (5L, 13L), (12L, 13L), (63L, 64L), (100L, 201L) })
        {
            var proof = MerkleTree.InclusionProof(index, size, Small.Node);
            var root = Small.Root(size);
            var leaf = Small.Leaves[(int)index];
            for (var bit = 0; bit < 256; bit++)
            {
                Assert.False(MerkleTree.VerifyInclusion(index, size, Flip(leaf, bit), proof, root).Valid);
                Assert.False(MerkleTree.VerifyInclusion(index, size, leaf, proof, Flip(root, bit)).Valid);
                for (var p = 0; p < proof.Count; p++)
                {
                    var changed = proof.ToList();
                    changed[p] = Flip(proof[p], bit);
                    Assert.False(MerkleTree.VerifyInclusion(index, size, leaf, changed, root).Valid, $"proof[{p}] bit {bit}");
                }
            }
        }
    }

    [Fact]
    public void A_flipped_bit_anywhere_in_a_consistency_proof_or_either_root_fails_verification()
    {
        foreach (var (size1, size2) in new[] { (1L, 2L), (3L, 7L), (4L, 9L), (64L, 200L), (100L, 256L) })
        {
            var proof = MerkleTree.ConsistencyProof(size1, size2, Small.Node);
            var root1 = Small.Root(size1);
            var root2 = Small.Root(size2);
            for (var bit = 0; bit < 256; bit++)
            {
                Assert.False(MerkleTree.VerifyConsistency(size1, size2, Flip(root1, bit), root2, proof).Valid);
                Assert.False(MerkleTree.VerifyConsistency(size1, size2, root1, Flip(root2, bit), proof).Valid);
                for (var p = 0; p < proof.Count; p++)
                {
                    var changed = proof.ToList();
                    changed[p] = Flip(proof[p], bit);
                    Assert.False(MerkleTree.VerifyConsistency(size1, size2, root1, root2, changed).Valid, $"proof[{p}] bit {bit}");
                }
            }
        }
    }

    [Fact]
    public void A_failed_proof_says_why()
    {
        var proof = MerkleTree.InclusionProof(3, 10, Small.Node);
        Assert.Contains("not below tree size", MerkleTree.VerifyInclusion(10, 10, Small.Leaves[3], proof, Small.Root(10)).Reason);
        Assert.Contains("fewer", MerkleTree.VerifyInclusion(3, 10, Small.Leaves[3], proof[..^1], Small.Root(10)).Reason);
        Assert.Contains("more", MerkleTree.VerifyInclusion(3, 10, Small.Leaves[3], [.. proof, proof[0]], Small.Root(10)).Reason);
        Assert.Contains("shrinks", MerkleTree.VerifyConsistency(5, 4, Small.Root(5), Small.Root(4), []).Reason);
    }

    // The transparency-dev/merkle vectors, read in place. subtreeinclusion/ and subtreeconsistency/ are proofs over
    // arbitrary subtrees (a later extension of the format the ledger does not serve) and are not read.
    [SharedDataFact("merkle-vectors")]
    public void Every_inclusion_vector_is_accepted_when_valid_and_rejected_when_mutated()
    {
        var files = Directory.GetFiles(SharedData.PathOf("merkle-vectors", "testdata", "inclusion"), "*.json", SearchOption.AllDirectories);
        Assert.True(files.Length > 50, $"expected the inclusion vectors, found {files.Length} files");
        var wrong = new List<string>();
        foreach (var file in files)
        {
            using var json = JsonDocument.Parse(File.ReadAllBytes(file));
            var c = json.RootElement;
            var check = MerkleTree.VerifyInclusion(
                Size(c.GetProperty("leafIdx")), Size(c.GetProperty("treeSize")),
                Base64(c.GetProperty("leafHash")), Proof(c.GetProperty("proof")), Base64(c.GetProperty("root")));
            if (check.Valid == c.GetProperty("wantErr").GetBoolean()) wrong.Add($"{file}: valid={check.Valid} ({check.Reason})");
        }
        Assert.Empty(wrong);
        Assert.Contains(files, f => f.EndsWith("happy-path.json", StringComparison.Ordinal));
    }

    [SharedDataFact("merkle-vectors")]
    public void Every_consistency_vector_is_accepted_when_valid_and_rejected_when_mutated()
    {
        var files = Directory.GetFiles(SharedData.PathOf("merkle-vectors", "testdata", "consistency"), "*.json", SearchOption.AllDirectories);
        Assert.True(files.Length > 50, $"expected the consistency vectors, found {files.Length} files");
        var wrong = new List<string>();
        foreach (var file in files)
        {
            using var json = JsonDocument.Parse(File.ReadAllBytes(file));
            var c = json.RootElement;
            var check = MerkleTree.VerifyConsistency(
                Size(c.GetProperty("size1")), Size(c.GetProperty("size2")),
                Base64(c.GetProperty("root1")), Base64(c.GetProperty("root2")), Proof(c.GetProperty("proof")));
            if (check.Valid == c.GetProperty("wantErr").GetBoolean()) wrong.Add($"{file}: valid={check.Valid} ({check.Reason})");
        }
        Assert.Empty(wrong);
    }

    // Some mutations give sizes beyond 2^63 - 1, which no ledger can reach: they stand as -1, which is refused.
    private static long Size(JsonElement e) => e.TryGetInt64(out var value) ? value : -1;

    private static byte[] Base64(JsonElement e) => e.ValueKind == JsonValueKind.Null ? [] : Convert.FromBase64String(e.GetString()!);

    private static List<byte[]> Proof(JsonElement e) => e.ValueKind == JsonValueKind.Null ? [] : [.. e.EnumerateArray().Select(Base64)];

    internal static byte[] Flip(byte[] hash, int bit)
    {
        var copy = hash.ToArray();
        copy[bit / 8 % copy.Length] ^= (byte)(1 << (bit % 8));
        return copy;
    }
}
