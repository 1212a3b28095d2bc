using System.Security.Cryptography;
using Entente.Ledger;

namespace Entente.Tests.Ledger;

public class CheckpointCanonicalTests
{
    private const string Base64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

    [Fact]
    public void A_signature_in_a_non_canonical_base64_is_refused()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var checkpoint = new Checkpoint("entente/GB/ledger", 17, SHA256.HashData("root"u8));
        // Signatures vary in length; one whose base64 is padded has spare bits to set without changing the bytes.
        var note = Enumerable.Range(0, 200).Select(_ => checkpoint.Sign(key)).First(n => n.TrimEnd('\n').EndsWith('='));
        var line = note.TrimEnd('\n');
        var last = line.TrimEnd('=').Length - 1;
        var altered = line[..last] + Base64[Base64.IndexOf(line[last], StringComparison.Ordinal) | 1] + line[(last + 1)..] + "\n";
        Assert.NotEqual(note, altered);

        Assert.Null(Checkpoint.Parse(note).Problem);
        var (parsed, _, problem) = Checkpoint.Parse(altered);
        Assert.Null(parsed);
        Assert.Contains("canonical", problem, StringComparison.Ordinal);
    }
}
