using System.Security.Cryptography;
using CsCheck;
using Entente.Ledger;
using Entente.Witnessing;

namespace Entente.Tests.Witnessing;

public class WitnessCheckTests
{
    private static readonly ECDsa PartnerKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
    private static readonly ECDsa OtherKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);

    private static WitnessVerdict Check(TestLog log, string? reference, string note, IReadOnlyList<byte[]>? proof = null) =>
        WitnessCheck.Check(log.Code, log.PublicKey, reference, note, proof);

    [Fact]
    public void The_first_checkpoint_of_a_partner_is_first_seen_and_cosigned()
    {
        var log = TestLog.Of("KR", PartnerKey, 5);
        var verdict = Check(log, null, log.Note());
        Assert.Equal(WitnessVerdictKind.FirstSeen, verdict.Kind);
        Assert.True(verdict.Cosign);
        Assert.Equal(5, verdict.Checkpoint!.TreeSize);
    }

    [Fact]
    public void The_same_checkpoint_again_is_unchanged_and_cosigned_again()
    {
        var log = TestLog.Of("KR", PartnerKey, 5);
        var verdict = Check(log, log.Note(), log.Note());
        Assert.Equal(WitnessVerdictKind.Unchanged, verdict.Kind);
        Assert.True(verdict.Cosign);
    }

    [Fact]
    public void A_log_that_grew_with_a_valid_proof_is_consistent_for_every_pair_of_sizes() =>
        Gen.Select(Gen.Int[1, 70], Gen.Int[1, 70]).Where((a, b) => a < b).Sample((from, to) =>
        {
            var log = TestLog.Of("KR", PartnerKey, to);
            var grew = Check(log, log.Note(from), log.Note(to), log.Proof(from, to));
            Assert.Equal(WitnessVerdictKind.Consistent, grew.Kind);
            Assert.True(grew.Cosign);
            var stale = Check(log, log.Note(to), log.Note(from), log.Proof(from, to));
            Assert.Equal(WitnessVerdictKind.StaleButConsistent, stale.Kind);
            Assert.False(stale.Cosign);
            Assert.True(stale.Keep);
        }, iter: 60);

    [Fact]
    public void Two_roots_signed_for_one_size_are_an_equivocation_with_both_checkpoints_as_evidence()
    {
        var honest = TestLog.Of("KR", PartnerKey, 8);
        var forked = TestLog.Of("KR", PartnerKey, 8, history: "fork");
        var verdict = Check(honest, honest.Note(), forked.Note());

        Assert.Equal(WitnessVerdictKind.Equivocation, verdict.Kind);
        Assert.False(verdict.Cosign);
        var evidence = verdict.Evidence!;
        Assert.Equal(EquivocationKinds.SameSizeDifferentRoot, evidence.Kind);
        // A third party holding only the partner's public key can check both.
        var earlier = Checkpoint.Open(evidence.Earlier, honest.PublicKey).Checkpoint!;
        var later = Checkpoint.Open(evidence.Later, honest.PublicKey).Checkpoint!;
        Assert.Equal(earlier.TreeSize, later.TreeSize);
        Assert.NotEqual(earlier.Root, later.Root);
        Assert.Null(evidence.Proof);
        Assert.Equal(evidence, EquivocationEvidence.FromJson(evidence.ToJson()));
    }

    [Fact]
    public void A_larger_checkpoint_whose_proof_does_not_join_the_earlier_one_is_an_equivocation() =>
        Gen.Select(Gen.Int[1, 40], Gen.Int[1, 40]).Where((a, b) => a < b).Sample((from, to) =>
        {
            var honest = TestLog.Of("KR", PartnerKey, to);
            var rewritten = TestLog.Of("KR", PartnerKey, to, history: "rewritten");
            var verdict = Check(honest, honest.Note(from), rewritten.Note(to), rewritten.Proof(from, to));
            Assert.Equal(WitnessVerdictKind.Equivocation, verdict.Kind);
            Assert.Equal(EquivocationKinds.GrowthNotConsistent, verdict.Evidence!.Kind);
            Assert.Equal((from, to), (verdict.Evidence.Proof!.From, verdict.Evidence.Proof.To));
            Assert.Equal(rewritten.Proof(from, to).Select(Convert.ToBase64String), verdict.Evidence.Proof.Hashes);
        }, iter: 40);

    [Fact]
    public void A_smaller_checkpoint_not_consistent_with_the_larger_one_seen_is_an_equivocation()
    {
        var honest = TestLog.Of("KR", PartnerKey, 12);
        var rolledBack = TestLog.Of("KR", PartnerKey, 12, history: "other");
        var verdict = Check(honest, honest.Note(12), rolledBack.Note(7), rolledBack.Proof(7, 12));
        Assert.Equal(WitnessVerdictKind.Equivocation, verdict.Kind);
        Assert.Equal(EquivocationKinds.SmallerNotConsistent, verdict.Evidence!.Kind);
    }

    [Fact]
    public void A_tampered_proof_is_an_equivocation_not_a_pass()
    {
        var log = TestLog.Of("KR", PartnerKey, 20);
        var proof = log.Proof(6, 20).Select(h => (byte[])h.Clone()).ToList();
        proof[^1][0] ^= 1;
        Assert.Equal(WitnessVerdictKind.Equivocation, Check(log, log.Note(6), log.Note(20), proof).Kind);
    }

    [Fact]
    public void A_checkpoint_signed_by_another_key_is_refused_not_an_alarm()
    {
        var log = TestLog.Of("KR", PartnerKey, 5);
        var impostor = TestLog.Of("KR", OtherKey, 5, history: "impostor");
        var verdict = Check(log, log.Note(), impostor.Note());
        Assert.Equal(WitnessVerdictKind.Invalid, verdict.Kind);
        Assert.Null(verdict.Evidence);
        Assert.False(verdict.Cosign || verdict.Keep);
        Assert.Contains("key id", verdict.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void A_checkpoint_of_another_origin_is_refused()
    {
        var log = TestLog.Of("KR", PartnerKey, 5);
        var note = new Checkpoint("entente/NL/ledger", 5, log.Root(5)).Sign(PartnerKey);
        var verdict = Check(log, null, note);
        Assert.Equal(WitnessVerdictKind.Invalid, verdict.Kind);
        Assert.Contains("expected 'entente/KR/ledger'", verdict.Reason, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("")]
    [InlineData("entente/KR/ledger\n5\nnot base64\n\n— entente/KR/ledger AAAAAAA=\n")]
    [InlineData("entente/KR/ledger\n5\n")]
    public void A_malformed_checkpoint_is_refused(string note)
    {
        var log = TestLog.Of("KR", PartnerKey, 5);
        Assert.Equal(WitnessVerdictKind.Invalid, Check(log, log.Note(), note).Kind);
    }

    [Fact]
    public void A_size_change_without_a_proof_is_refused_not_an_alarm()
    {
        var log = TestLog.Of("KR", PartnerKey, 9);
        var verdict = Check(log, log.Note(4), log.Note(9), proof: null);
        Assert.Equal(WitnessVerdictKind.Invalid, verdict.Kind);
        Assert.Contains("no consistency proof from size 4 to 9", verdict.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Other_witnesses_cosignatures_on_a_checkpoint_are_tolerated_and_not_kept()
    {
        var log = TestLog.Of("KR", PartnerKey, 5);
        var checkpoint = Checkpoint.Parse(log.Note()).Checkpoint!;
        var cosigned = Cosignature.Append(log.Note(), [Cosignature.Sign(checkpoint, "NL", OtherKey, TestTimes.Now)]);

        Assert.NotNull(Checkpoint.Open(cosigned, log.PublicKey).Checkpoint);
        var verdict = Check(log, null, cosigned);
        Assert.Equal(WitnessVerdictKind.FirstSeen, verdict.Kind);
        Assert.Equal(log.Note(), verdict.Note);
    }

    [Fact]
    public void A_proof_is_needed_only_between_different_sizes()
    {
        Assert.Null(WitnessCheck.ProofNeeded(null, 5));
        Assert.Null(WitnessCheck.ProofNeeded(5, 5));
        Assert.Equal((3L, 5L), WitnessCheck.ProofNeeded(3, 5));
        Assert.Equal((3L, 5L), WitnessCheck.ProofNeeded(5, 3));
    }
}

internal static class TestTimes
{
    public static readonly DateTimeOffset Now = new(2026, 6, 15, 10, 0, 0, TimeSpan.Zero);
}
