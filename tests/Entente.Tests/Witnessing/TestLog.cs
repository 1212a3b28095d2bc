using System.Security.Cryptography;
using System.Text;
using Entente.Ledger;
using Entente.Witnessing;

namespace Entente.Tests.Witnessing;

/// <summary>A partner's log in memory: real leaves, real roots and proofs (MerkleTree), checkpoints signed with a real key.</summary>
internal sealed class TestLog(string code, ECDsa key, string history = "main")
{
    private readonly List<byte[]> _leaves = [];

    public string Code { get; } = code;
    public ECDsa Key { get; } = key;
    public byte[] PublicKey => Key.ExportSubjectPublicKeyInfo();
    public long Size => _leaves.Count;

    public static TestLog Of(string code, ECDsa key, long size, string history = "main") => new TestLog(code, key, history).Grow(size);

    public TestLog Grow(long count)
    {
        for (var i = 0; i < count; i++) _leaves.Add(MerkleTree.LeafHash(Encoding.UTF8.GetBytes($"{history}:{_leaves.Count}")));
        return this;
    }

    public byte[] Root(long size) => MerkleTree.Root(size, MerkleTree.FromLeaves(_leaves));

    private readonly Dictionary<(long, string), string> _notes = [];

    /// <summary>The signed checkpoint at a size, signed once (ECDSA signatures differ each time).</summary>
    public string Note(long size)
    {
        var root = Root(size);
        if (!_notes.TryGetValue((size, Convert.ToBase64String(root)), out var note))
            _notes[(size, Convert.ToBase64String(root))] = note = new Checkpoint(WitnessCheck.OriginOf(Code), size, root).Sign(Key);
        return note;
    }

    public string Note() => Note(Size);

    public IReadOnlyList<byte[]> Proof(long from, long to) => MerkleTree.ConsistencyProof(from, to, MerkleTree.FromLeaves(_leaves));
}
