using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Entente.Identity;
using Entente.Partners;
using Entente.Tests.Agreements;
using Entente.Tests.Nodes;

namespace Entente.Tests.Partners;

public class PartnerTrustTests
{
    private static readonly DateTimeOffset Now = AgreementTestKit.InForceAt;
    private const string Korea = "Korea Customs Service";

    [Flags]
    public enum Fault
    {
        None = 0,
        KeyNotInAgreement = 1,
        AgreementUnsigned = 2,
        CertificateExpired = 4,
        EncryptionByAnotherKey = 8,
        AnchorsConfigured = 16,
    }

    public static TheoryData<Fault> EveryCombination()
    {
        var data = new TheoryData<Fault>();
        for (var i = 0; i < 32; i++) data.Add((Fault)i);
        return data;
    }

    [Theory]
    [MemberData(nameof(EveryCombination))]
    public void Each_fault_gives_its_own_reason_and_a_partner_without_faults_is_trusted(Fault faults)
    {
        using var foreign = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var key = faults.HasFlag(Fault.KeyNotInAgreement) ? foreign : AgreementTestKit.KrKey;
        var issued = faults.HasFlag(Fault.CertificateExpired) ? Now.AddYears(-4) : Now.AddDays(-10);
        using var stranger = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var (signing, encryption) = Certificates(key, issued, faults.HasFlag(Fault.EncryptionByAnotherKey) ? stranger : null);
        var agreement = faults.HasFlag(Fault.AgreementUnsigned)
            ? AgreementTestKit.Signed(AgreementTestKit.BilateralYaml(), AgreementTestKit.KrKey)
            : AgreementTestKit.Bilateral();
        using var ca = TestCa.Create(Now.AddYears(-5));
        X509Certificate2[] anchors = faults.HasFlag(Fault.AnchorsConfigured) ? [ca.Root] : [];

        var result = PartnerTrust.Check("KR", signing, encryption, [], [agreement], anchors, Now);

        var expected = new List<PartnerProblem>();
        if (faults.HasFlag(Fault.KeyNotInAgreement)) expected.Add(PartnerProblem.FingerprintNotInAgreement);
        else if (faults.HasFlag(Fault.AgreementUnsigned)) expected.Add(PartnerProblem.AgreementNotInForce);
        if (faults.HasFlag(Fault.CertificateExpired)) expected.Add(PartnerProblem.CertificateNotValid);
        if (faults.HasFlag(Fault.EncryptionByAnotherKey)) expected.Add(PartnerProblem.EncryptionNotIssuedBySigning);
        if (faults.HasFlag(Fault.AnchorsConfigured)) expected.Add(PartnerProblem.NotChainedToAnchor);
        Assert.Equal(expected.Order(), result.Problems.Select(p => p.Kind).Distinct().Order());
        Assert.Equal(faults == Fault.None, result.Trusted);
        if (result.Trusted) Assert.Equal(agreement.ContentHash, Assert.Single(result.Agreements).ContentHash);
    }

    [Fact]
    public void A_key_no_agreement_lists_is_refused_naming_the_key_the_agreement_lists()
    {
        using var foreign = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var (signing, encryption) = Certificates(foreign, Now.AddDays(-1));

        var result = PartnerTrust.Check("KR", signing, encryption, [], [AgreementTestKit.Bilateral()], [], Now);

        var problem = Assert.Single(result.Problems);
        Assert.Equal(PartnerProblem.FingerprintNotInAgreement, problem.Kind);
        Assert.Contains(NodeKeys.Fingerprint(foreign), problem.Reason, StringComparison.Ordinal);
        Assert.Contains($"nl-kr-test v1 lists KR with {AgreementTestKit.Fingerprint(AgreementTestKit.KrKey)}", problem.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void An_expired_agreement_no_longer_vouches_for_the_partner()
    {
        var after = new DateTimeOffset(2027, 2, 1, 0, 0, 0, TimeSpan.Zero);
        var (signing, encryption) = Certificates(AgreementTestKit.KrKey, after.AddDays(-1));

        var result = PartnerTrust.Check("KR", signing, encryption, [], [AgreementTestKit.Bilateral()], [], after);

        var problem = Assert.Single(result.Problems);
        Assert.Equal(PartnerProblem.AgreementNotInForce, problem.Kind);
        Assert.Contains("expired on 2027-01-01", problem.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void A_certificate_not_yet_valid_is_refused()
    {
        var (signing, encryption) = Certificates(AgreementTestKit.KrKey, Now.AddDays(1));

        var result = PartnerTrust.Check("KR", signing, encryption, [], [AgreementTestKit.Bilateral()], [], Now);

        Assert.Equal([PartnerProblem.CertificateNotValid, PartnerProblem.CertificateNotValid], result.Problems.Select(p => p.Kind));
        Assert.Contains("not valid before", result.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Certificates_for_another_code_are_refused()
    {
        var (signing, encryption) = Certificates(AgreementTestKit.KrKey, Now.AddDays(-1));

        var result = PartnerTrust.Check("NL", signing, encryption, [], [AgreementTestKit.Bilateral()], [], Now);

        Assert.Contains(result.Problems, p => p.Kind == PartnerProblem.CodeMismatch && p.Reason.Contains("'KR'", StringComparison.Ordinal));
        Assert.Contains(result.Problems, p => p.Kind == PartnerProblem.FingerprintNotInAgreement);
    }

    [Fact]
    public void An_encryption_certificate_without_key_agreement_or_on_another_curve_is_refused()
    {
        using var signing = NodeCertificates.IssueSelf(AgreementTestKit.KrKey, "KR", Korea, Now.AddDays(-1));
        using var p384 = ECDiffieHellman.Create(ECCurve.NamedCurves.nistP384);
        using var onP384 = NodeCertificates.IssueEncryption(signing, AgreementTestKit.KrKey, p384, "KR", Korea, Now.AddDays(-1));
        using var p256 = ECDiffieHellman.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest(NodeCertificates.Subject("KR", Korea, "encryption"), new PublicKey(p256), HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, true));
        using var forSigning = request.Create(signing.SubjectName, X509SignatureGenerator.CreateForECDsa(AgreementTestKit.KrKey), Now.AddDays(-1), Now.AddYears(1), [0x42, 0x01]);

        var curve = PartnerTrust.Check("KR", signing, onP384, [], [AgreementTestKit.Bilateral()], [], Now);
        var usage = PartnerTrust.Check("KR", signing, forSigning, [], [AgreementTestKit.Bilateral()], [], Now);

        Assert.Equal(PartnerProblem.EncryptionKeyNotP256, Assert.Single(curve.Problems).Kind);
        Assert.Equal(PartnerProblem.EncryptionNotForKeyAgreement, Assert.Single(usage.Problems).Kind);
    }

    [Fact]
    public void A_self_issued_certificate_is_refused_once_the_network_has_trust_anchors_and_one_the_CA_issued_is_trusted()
    {
        using var ca = TestCa.Create(Now.AddYears(-1));
        var (selfIssued, selfEncryption) = Certificates(AgreementTestKit.KrKey, Now.AddDays(-1));
        var folder = Directory.CreateTempSubdirectory("entente-ca-").FullName;
        try
        {
            var (file, chainFile) = ca.Issue(NodeCertificates.Request(AgreementTestKit.KrKey, "KR", Korea), Now.AddDays(-1), folder);
            using var issued = NodeCertificates.Read(file)[0];
            using var p256 = ECDiffieHellman.Create(ECCurve.NamedCurves.nistP256);
            using var encryption = NodeCertificates.IssueEncryption(issued, AgreementTestKit.KrKey, p256, "KR", Korea, Now.AddDays(-1));
            var chain = NodeCertificates.Read(chainFile);

            var refused = PartnerTrust.Check("KR", selfIssued, selfEncryption, [], [AgreementTestKit.Bilateral()], [ca.Root], Now);
            var trusted = PartnerTrust.Check("KR", issued, encryption, chain, [AgreementTestKit.Bilateral()], [ca.Root], Now);
            var withoutChain = PartnerTrust.Check("KR", issued, encryption, [], [AgreementTestKit.Bilateral()], [ca.Root], Now);

            var problem = Assert.Single(refused.Problems);
            Assert.Equal(PartnerProblem.NotChainedToAnchor, problem.Kind);
            Assert.Contains("self-issued", problem.Reason, StringComparison.Ordinal);
            Assert.True(trusted.Trusted, trusted.Reason);
            Assert.Equal(PartnerProblem.NotChainedToAnchor, Assert.Single(withoutChain.Problems).Kind);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    private static (X509Certificate2 Signing, X509Certificate2 Encryption) Certificates(ECDsa key, DateTimeOffset issued, ECDsa? encryptionSigner = null)
    {
        using var encryptionKey = ECDiffieHellman.Create(ECCurve.NamedCurves.nistP256);
        var signing = NodeCertificates.IssueSelf(key, "KR", Korea, issued);
        if (encryptionSigner is null) return (signing, NodeCertificates.IssueEncryption(signing, key, encryptionKey, "KR", Korea, issued));
        // Same names, another key: only the signature tells it was not the partner's node certificate that issued it.
        using var impostor = NodeCertificates.IssueSelf(encryptionSigner, "KR", Korea, issued);
        return (signing, NodeCertificates.IssueEncryption(impostor, encryptionSigner, encryptionKey, "KR", Korea, issued));
    }
}
