using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography;
using Entente.Ledger;
using Entente.Witnessing;

namespace Entente.Bench;

/// <summary>
/// Witnessing, pure parts: WitnessCheck on a partner's checkpoint that grew (open the signed note, verify the consistency
/// proof from the size seen before), and the cosignature a witness makes and a node verifies. Trees of up to 2^40
/// leaves, all with one leaf hash (a perfect subtree's hash then depends on its level only), so proofs are full length.
/// </summary>
internal static class WitnessBenchmark
{
    public static int Run(string[] args)
    {
        var checks = 20_000;
        for (var i = 0; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "--checks": checks = int.Parse(args[++i], CultureInfo.InvariantCulture); break;
                default:
                    Console.Error.WriteLine($"entente bench witness: unknown option {args[i]}");
                    return 2;
            }
        }
        Console.WriteLine($"# entente bench witness --checks {checks} on {Environment.ProcessorCount} cores, {Environment.OSVersion}, .NET {Environment.Version}");
        using var partner = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        using var witness = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var partnerKey = partner.ExportSubjectPublicKeyInfo();
        var witnessKey = witness.ExportSubjectPublicKeyInfo();
        // Every leaf has one hash, so a perfect subtree's hash depends on its level only: a real tree, of any size.
        var levels = new byte[41][];
        levels[0] = MerkleTree.LeafHash("bench"u8);
        for (var l = 1; l < levels.Length; l++) levels[l] = MerkleTree.NodeHash(levels[l - 1], levels[l - 1]);
        byte[] Node(TreeNode n) => levels[n.Level];
        var random = new Random(7);
        var cases = new List<(string Reference, string Note, IReadOnlyList<byte[]> Proof, Checkpoint Checkpoint)>();
        for (var i = 0; i < 64; i++)
        {
            var to = random.NextInt64(2, 1L << 40);
            var from = random.NextInt64(1, to);
            var older = new Checkpoint("entente/KR/ledger", from, MerkleTree.Root(from, Node)).Sign(partner);
            var newer = new Checkpoint("entente/KR/ledger", to, MerkleTree.Root(to, Node));
            cases.Add((older, newer.Sign(partner), MerkleTree.ConsistencyProof(from, to, Node), newer));
        }

        Measure("check grown checkpoint", checks, i =>
        {
            var c = cases[i % cases.Count];
            if (WitnessCheck.Check("KR", partnerKey, c.Reference, c.Note, c.Proof).Kind != WitnessVerdictKind.Consistent) throw new InvalidOperationException("not consistent");
        });
        var at = new DateTimeOffset(2026, 6, 15, 10, 0, 0, TimeSpan.Zero);
        var lines = cases.Select(c => Cosignature.Sign(c.Checkpoint, "NL", witness, at)).ToList();
        Measure("cosign", checks, i => Cosignature.Sign(cases[i % cases.Count].Checkpoint, "NL", witness, at));
        Measure("verify cosignature", checks, i =>
        {
            if (Cosignature.Verify(cases[i % cases.Count].Checkpoint, lines[i % cases.Count], "NL", witnessKey).Problem is { } p) throw new InvalidOperationException(p);
        });
        return 0;
    }

    private static void Measure(string name, int count, Action<int> run)
    {
        for (var i = 0; i < Math.Min(count, 2000); i++) run(i);
        var times = new double[count];
        var total = Stopwatch.StartNew();
        for (var i = 0; i < count; i++)
        {
            var start = Stopwatch.GetTimestamp();
            run(i);
            times[i] = Stopwatch.GetElapsedTime(start).TotalMicroseconds;
        }
        total.Stop();
        Array.Sort(times);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{name,-24} median {times[count / 2],8:F1} µs   p99 {times[(int)(count * 0.99)],8:F1} µs   {count / total.Elapsed.TotalSeconds,10:N0}/s (one thread)"));
    }
}
