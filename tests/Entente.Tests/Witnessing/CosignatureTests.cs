using System.Security.Cryptography;
using Entente.Agreements;
using Entente.Ledger;
using Entente.Tests.Agreements;
using Entente.Witnessing;

namespace Entente.Tests.Witnessing;

public class CosignatureTests
{
    // The bilateral test agreement is between NL and KR: KR's node checkpoints its ledger, NL's witnesses it.
    private static readonly TestLog KrLog = TestLog.Of("KR", AgreementTestKit.KrKey, 10);
    private static readonly Agreement InForce = AgreementTestKit.Bilateral();

    private static readonly string NlRegistered = AgreementTestKit.Fingerprint(AgreementTestKit.NlKey);

    private static Checkpoint KrCheckpoint => Checkpoint.Parse(KrLog.Note()).Checkpoint!;

    private static CosignatureSubmission Submission(ECDsa key, string witness = "NL", Checkpoint? over = null) =>
        new(witness, Convert.ToBase64String(key.ExportSubjectPublicKeyInfo()), KrCheckpoint.TreeSize, Convert.ToBase64String(KrCheckpoint.Root),
            Cosignature.Sign(over ?? KrCheckpoint, witness, key, TestTimes.Now));

    [Fact]
    public void A_cosignature_verifies_with_the_witness_key_and_carries_its_time()
    {
        var line = Cosignature.Sign(KrCheckpoint, "NL", AgreementTestKit.NlKey, TestTimes.Now);
        Assert.StartsWith("\u2014 NL ", line, StringComparison.Ordinal);
        var (at, problem) = Cosignature.Verify(KrCheckpoint, line, "NL", AgreementTestKit.NlKey.ExportSubjectPublicKeyInfo());
        Assert.Null(problem);
        Assert.Equal(TestTimes.Now, at);
    }

    [Fact]
    public void A_cosignature_does_not_verify_over_another_checkpoint_or_with_another_key()
    {
        var line = Cosignature.Sign(KrCheckpoint, "NL", AgreementTestKit.NlKey, TestTimes.Now);
        var other = KrCheckpoint with { TreeSize = 9, Root = KrLog.Root(9) };
        Assert.NotNull(Cosignature.Verify(other, line, "NL", AgreementTestKit.NlKey.ExportSubjectPublicKeyInfo()).Problem);
        Assert.NotNull(Cosignature.Verify(KrCheckpoint, line, "NL", AgreementTestKit.KrKey.ExportSubjectPublicKeyInfo()).Problem);
        Assert.NotNull(Cosignature.Verify(KrCheckpoint, line, "DE", AgreementTestKit.NlKey.ExportSubjectPublicKeyInfo()).Problem);
    }

    [Fact]
    public void A_cosigned_checkpoint_is_still_a_signed_note_the_log_key_opens()
    {
        var cosigned = Cosignature.Append(KrLog.Note(), [Cosignature.Sign(KrCheckpoint, "NL", AgreementTestKit.NlKey, TestTimes.Now)]);
        var (checkpoint, signatures, problem) = Checkpoint.Parse(cosigned);
        Assert.Null(problem);
        Assert.Equal(["entente/KR/ledger", "NL"], signatures.Select(s => s.Name));
        Assert.Equal(KrCheckpoint.Text, checkpoint!.Text);
        Assert.NotNull(Checkpoint.Open(cosigned, KrLog.PublicKey).Checkpoint);
    }

    [Fact]
    public void A_partner_named_in_an_agreement_in_force_has_its_cosignature_accepted()
    {
        var decision = CosignatureDecision.Decide(Submission(AgreementTestKit.NlKey), "KR", [InForce], NlRegistered, KrLog.Note(), TestTimes.Now);
        Assert.True(decision.Accepted, decision.Reason);
        Assert.Equal(TestTimes.Now, decision.CosignedAt);
    }

    [Fact]
    public void A_key_no_agreement_names_is_refused_with_403()
    {
        using var stranger = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var decision = CosignatureDecision.Decide(Submission(stranger), "KR", [InForce], NlRegistered, KrLog.Note(), TestTimes.Now);
        Assert.Equal((false, 403), (decision.Accepted, decision.Status));
        Assert.Contains("no agreement in force between KR and NL names NL with key sha256:", decision.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void A_witness_that_is_not_a_partner_or_whose_registered_key_is_another_is_refused_with_403()
    {
        var unknown = CosignatureDecision.Decide(Submission(AgreementTestKit.NlKey), "KR", [InForce], registeredKey: null, KrLog.Note(), TestTimes.Now);
        Assert.Equal((false, 403, "NL is not in KR's partner directory"), (unknown.Accepted, unknown.Status, unknown.Reason));

        var other = AgreementTestKit.Fingerprint(AgreementTestKit.KrKey);
        var rekeyed = CosignatureDecision.Decide(Submission(AgreementTestKit.NlKey), "KR", [InForce], other, KrLog.Note(), TestTimes.Now);
        Assert.Equal((false, 403), (rekeyed.Accepted, rekeyed.Status));
        Assert.Equal($"signed with key {NlRegistered}, but KR's partner directory holds NL's key as {other}", rekeyed.Reason);
    }

    [Fact]
    public void A_cosignature_whose_key_id_is_not_the_witness_key_s_is_refused()
    {
        var line = Cosignature.Sign(KrCheckpoint, "NL", AgreementTestKit.NlKey, TestTimes.Now);
        var space = line.LastIndexOf(' ');
        var blob = Convert.FromBase64String(line[(space + 1)..]);
        blob[0] ^= 0x01;
        var changed = Submission(AgreementTestKit.NlKey) with { Cosignature = line[..(space + 1)] + Convert.ToBase64String(blob) };
        var decision = CosignatureDecision.Decide(changed, "KR", [InForce], NlRegistered, KrLog.Note(), TestTimes.Now);
        Assert.Equal(400, decision.Status);
        Assert.Contains("is not that of the witness's key", decision.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void A_party_of_no_agreement_with_this_node_is_refused()
    {
        var decision = CosignatureDecision.Decide(Submission(AgreementTestKit.NlKey), "DE", [InForce], NlRegistered, KrLog.Note(), TestTimes.Now);
        Assert.Equal(403, decision.Status);
    }

    [Fact]
    public void A_cosignature_of_a_checkpoint_this_node_never_signed_is_refused()
    {
        Assert.Equal(400, CosignatureDecision.Decide(Submission(AgreementTestKit.NlKey), "KR", [InForce], NlRegistered, signedNote: null, TestTimes.Now).Status);
        var otherRoot = Submission(AgreementTestKit.NlKey) with { Root = Convert.ToBase64String(KrLog.Root(9)) };
        var decision = CosignatureDecision.Decide(otherRoot, "KR", [InForce], NlRegistered, KrLog.Note(), TestTimes.Now);
        Assert.Equal(400, decision.Status);
        Assert.StartsWith("root:", decision.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void A_cosignature_that_does_not_verify_is_refused()
    {
        var forged = Submission(AgreementTestKit.NlKey, over: KrCheckpoint with { Root = KrLog.Root(9) });
        var decision = CosignatureDecision.Decide(forged, "KR", [InForce], NlRegistered, KrLog.Note(), TestTimes.Now);
        Assert.Equal(400, decision.Status);
        Assert.Contains("does not verify", decision.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void A_cosignature_dated_ahead_of_this_node_s_clock_is_refused()
    {
        var checkpoint = KrCheckpoint;
        var ahead = Submission(AgreementTestKit.NlKey) with { Cosignature = Cosignature.Sign(checkpoint, "NL", AgreementTestKit.NlKey, TestTimes.Now.AddMinutes(11)) };
        Assert.Equal(400, CosignatureDecision.Decide(ahead, "KR", [InForce], NlRegistered, KrLog.Note(), TestTimes.Now).Status);
        var skewed = Submission(AgreementTestKit.NlKey) with { Cosignature = Cosignature.Sign(checkpoint, "NL", AgreementTestKit.NlKey, TestTimes.Now.AddMinutes(9)) };
        Assert.True(CosignatureDecision.Decide(skewed, "KR", [InForce], NlRegistered, KrLog.Note(), TestTimes.Now).Accepted);
    }

    [Theory]
    [InlineData(null, "publicKey")]
    [InlineData("not base64!", "publicKey")]
    [InlineData("AAAA", "publicKey")]
    public void A_submission_without_a_usable_key_says_which_field(string? publicKey, string field)
    {
        var decision = CosignatureDecision.Decide(Submission(AgreementTestKit.NlKey) with { PublicKey = publicKey }, "KR", [InForce], NlRegistered, KrLog.Note(), TestTimes.Now);
        Assert.Equal(400, decision.Status);
        Assert.StartsWith(field, decision.Reason, StringComparison.Ordinal);
    }
}
