using System.Security.Cryptography;
using Entente.Agreements;
using Entente.Tests.Support;
using Microsoft.Extensions.Time.Testing;
using static Entente.Tests.Agreements.AgreementTestKit;

namespace Entente.Tests.Agreements;

public class AgreementStatusTests
{
    [Fact]
    public void An_agreement_signed_by_every_party_within_its_validity_is_in_force()
    {
        var status = AgreementStatus.Of(Bilateral(), new FakeTimeProvider(InForceAt));
        Assert.True(status.InForce, status.Reason);
    }

    [Fact]
    public void An_unsigned_party_is_named()
    {
        var status = AgreementStatus.Of(Signed(BilateralYaml(), NlKey), InForceAt);
        Assert.Equal(AgreementState.Unsigned, status.State);
        Assert.Equal(["unsigned by KR"], status.Reasons);
        Assert.Equal(["unsigned by NL", "unsigned by KR"], AgreementStatus.Of(Signed(BilateralYaml()), InForceAt).Reasons);
    }

    [Fact]
    public void A_change_after_signing_breaks_every_signature()
    {
        var text = SignedText(BilateralYaml(), NlKey, KrKey).Replace("handling-code: H2", "handling-code: H0", StringComparison.Ordinal);
        var status = AgreementStatus.Of(AgreementDocument.Parse(text, "t.yaml"), InForceAt);
        Assert.Equal(AgreementState.BadSignature, status.State);
        Assert.Equal(["bad signature by NL (not made over this text with its key)", "bad signature by KR (not made over this text with its key)"], status.Reasons);
    }

    [Fact]
    public void A_signature_by_a_key_the_agreement_does_not_list_is_a_fingerprint_mismatch()
    {
        using var stranger = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var a = Bilateral();
        var good = a.Signatures.Single(s => s.Party == "KR");
        var forged = new AgreementSignature("KR", stranger.ExportSubjectPublicKeyInfo(),
            stranger.SignData(a.CanonicalBytes.Span, HashAlgorithmName.SHA256, DSASignatureFormat.IeeeP1363FixedFieldConcatenation), good.SignedAt);
        var status = AgreementStatus.Of(a with { Signatures = [a.Signatures.Single(s => s.Party == "NL"), forged] }, InForceAt);
        Assert.Equal(AgreementState.FingerprintMismatch, status.State);
        Assert.StartsWith("fingerprint mismatch for KR: signed with sha256:", status.Reason, StringComparison.Ordinal);
        Assert.Throws<InvalidOperationException>(() => AgreementSignatures.Sign(a, stranger, InForceAt));
    }

    [Fact]
    public void A_garbled_signature_is_a_bad_signature_not_a_crash()
    {
        var a = Bilateral();
        var kr = a.Signatures.Single(s => s.Party == "KR");
        var status = AgreementStatus.Of(a with { Signatures = [a.Signatures.Single(s => s.Party == "NL"), kr with { Signature = [1, 2, 3] }] }, InForceAt);
        Assert.Equal(["bad signature by KR (not made over this text with its key)"], status.Reasons);
    }

    [Theory]
    [InlineData("2025-12-31T23:59:59Z", AgreementState.NotYetValid, "not yet valid until 2026-01-01")]
    [InlineData("2027-01-01T00:00:00Z", AgreementState.Expired, "expired on 2027-01-01 (valid until 2026-12-31)")]
    [InlineData("2026-12-31T23:59:59Z", AgreementState.InForce, "in force")]
    [InlineData("2026-01-01T00:00:00Z", AgreementState.InForce, "in force")]
    public void Validity_days_are_inclusive_and_dates_outside_say_which_day(string now, AgreementState state, string reason)
    {
        var status = AgreementStatus.Of(Bilateral(), DateTimeOffset.Parse(now, System.Globalization.CultureInfo.InvariantCulture));
        Assert.Equal(state, status.State);
        Assert.StartsWith(reason, status.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void The_highest_version_in_force_wins_and_an_unsigned_amendment_changes_nothing()
    {
        var v1 = Bilateral();
        var v2Text = BilateralYaml().Replace("version: 1", "version: 2", StringComparison.Ordinal).Replace("handling-code: H2", "handling-code: H3", StringComparison.Ordinal);
        var v2Unsigned = Signed(v2Text, NlKey);
        Assert.Same(v1, Assert.Single(AgreementStatus.SelectInForce([v2Unsigned, v1], InForceAt)));
        var v2 = Signed(v2Text, NlKey, KrKey);
        Assert.Same(v2, Assert.Single(AgreementStatus.SelectInForce([v1, v2], InForceAt)));
        Assert.Empty(AgreementStatus.SelectInForce([v1, v2], InForceAt.AddYears(1)));
    }

    [Fact]
    public void A_malformed_file_in_the_folder_is_listed_as_malformed_and_never_in_force()
    {
        var folder = Directory.CreateTempSubdirectory("entente-agreements-");
        try
        {
            File.WriteAllText(Path.Combine(folder.FullName, "a.yaml"), SignedText(BilateralYaml(), NlKey, KrKey));
            File.WriteAllText(Path.Combine(folder.FullName, "b.yaml"), "agreement: broken\nversion: x\n");
            var files = AgreementFile.ReadFolder(folder.FullName, InForceAt);
            Assert.Equal([AgreementState.InForce, AgreementState.Malformed], files.Select(f => f.Status.State));
            Assert.Null(files[1].Agreement);
            Assert.Contains(files[1].Status.Reasons, r => r.Contains("b.yaml:2: version: expected a whole number", StringComparison.Ordinal));
        }
        finally
        {
            folder.Delete(recursive: true);
        }
    }

    [Theory]
    [InlineData("nl-kr-mutual-assistance.yaml", "nl-kr-mutual-assistance", 2)]
    [InlineData("eu-us-aeo-mutual-recognition.yaml", "eu-us-aeo-mutual-recognition", 1)]
    public void The_documented_examples_are_signed_and_in_force(string file, string id, int version)
    {
        var a = AgreementDocument.Load(Path.Combine(SharedData.RepositoryRoot, "docs", "agreements", file));
        Assert.Equal((id, version), (a.Id, a.Version));
        var status = AgreementStatus.Of(a, new DateTimeOffset(2027, 6, 1, 0, 0, 0, TimeSpan.Zero));
        Assert.True(status.InForce, status.Reason);
    }

    [Fact]
    public void Signing_twice_as_the_same_party_replaces_the_signature_and_keeps_the_text_above()
    {
        var once = SignedText(BilateralYaml(), NlKey);
        var twice = SignedText(once, NlKey);
        Assert.Single(AgreementDocument.Parse(twice, "t.yaml").Signatures);
        Assert.StartsWith(BilateralYaml(), twice, StringComparison.Ordinal);
    }
}
