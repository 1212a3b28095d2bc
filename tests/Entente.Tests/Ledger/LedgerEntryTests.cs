using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using Entente.Ledger;

namespace Entente.Tests.Ledger;

public class LedgerEntryTests
{
    private static readonly DateTimeOffset At = new(2025, 3, 14, 9, 30, 0, TimeSpan.Zero);

    [Fact]
    public void Entry_bytes_are_canonical_json_with_members_sorted_at_every_depth()
    {
        var body = new JsonObject { ["zeta"] = 1, ["alpha"] = new JsonObject { ["y"] = "é", ["b"] = new JsonArray(2, 1) } };
        var entry = new LedgerEntry("policy-decision", At, new LedgerActor("kim", "KR-ICN"), body);
        Assert.Equal(
            """{"actor":{"authority":"KR-ICN","user":"kim"},"at":"2025-03-14T09:30:00.0000000Z","body":{"alpha":{"b":[2,1],"y":"é"},"zeta":1},"kind":"policy-decision"}""",
            Encoding.UTF8.GetString(entry.ToBytes()));
    }

    [Fact]
    public void Entry_bytes_read_back_to_the_same_entry()
    {
        var entry = new LedgerEntry("a-new-kind", At, new LedgerActor("kim", "KR-ICN"), new JsonObject { ["records"] = new JsonArray("MRN1") });
        var again = LedgerEntry.Parse(entry.ToBytes());
        Assert.Equal(entry.ToBytes(), again.ToBytes());
        Assert.Equal(At, again.At);
    }

    [Theory]
    [InlineData("")]
    [InlineData("Policy-Decision")]
    [InlineData("policy decision")]
    [InlineData("-policy")]
    public void An_entry_of_a_malformed_kind_is_refused(string kind) =>
        Assert.Throws<ArgumentException>(() => new LedgerEntry(kind, At, new LedgerActor("kim", "KR"), []).ToBytes());

    [Fact]
    public void Every_known_kind_is_well_formed() => Assert.All(LedgerKinds.Known, k => Assert.True(LedgerKinds.IsValid(k), k));
}

public class CheckpointTests
{
    [Fact]
    public void A_checkpoint_is_a_signed_note_that_opens_with_the_public_key_only()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var root = SHA256.HashData("root"u8);
        var note = new Checkpoint("entente.test/KR/ledger", 42, root).Sign(key);
        var lines = note.Split('\n');
        Assert.Equal("entente.test/KR/ledger", lines[0]);
        Assert.Equal("42", lines[1]);
        Assert.Equal(Convert.ToBase64String(root), lines[2]);
        Assert.Equal("", lines[3]);
        Assert.StartsWith("\u2014 entente.test/KR/ledger ", lines[4], StringComparison.Ordinal);
        var blob = Convert.FromBase64String(lines[4].Split(' ')[^1]);
        Assert.Equal(SHA256.HashData(key.ExportSubjectPublicKeyInfo())[..4], blob[..4]);

        var (opened, problem) = Checkpoint.Open(note, key.ExportSubjectPublicKeyInfo());
        Assert.True(opened is not null, problem);
        Assert.Equal(42, opened.TreeSize);
        Assert.Equal(root, opened.Root);
    }

    [Fact]
    public void A_changed_note_or_another_key_is_refused_with_the_reason()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        using var other = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var note = new Checkpoint("entente.test/KR/ledger", 42, SHA256.HashData("root"u8)).Sign(key);
        Assert.Contains("does not verify", Checkpoint.Open(note.Replace("\n42\n", "\n43\n", StringComparison.Ordinal), key.ExportSubjectPublicKeyInfo()).Problem);
        Assert.Contains("no signature by", Checkpoint.Open(note, other.ExportSubjectPublicKeyInfo()).Problem);
        Assert.Contains("line 2", Checkpoint.Open(note.Replace("\n42\n", "\n042\n", StringComparison.Ordinal), key.ExportSubjectPublicKeyInfo()).Problem);
        Assert.Contains("blank line", Checkpoint.Open(note.Replace("\n\n", "\n", StringComparison.Ordinal), key.ExportSubjectPublicKeyInfo()).Problem);
        Assert.Throws<ArgumentException>(() => new Checkpoint("has space", 1, new byte[32]).Sign(key));
    }
}
