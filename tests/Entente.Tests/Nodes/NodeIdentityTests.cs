using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Entente.Hosting;
using Entente.Identity;
using Microsoft.Extensions.Time.Testing;

namespace Entente.Tests.Nodes;

public sealed class NodeIdentityTests : IDisposable
{
    // The CLI runs on the system clock: the certificates here are made today so that they are valid when it checks them.
    private static readonly DateTimeOffset Made = new(TimeProvider.System.GetUtcNow().UtcDateTime.Date, TimeSpan.Zero);
    private readonly string _home = Path.Combine(Path.GetTempPath(), $"entente-identity-{Guid.NewGuid():N}");

    public void Dispose()
    {
        if (Directory.Exists(_home)) Directory.Delete(_home, recursive: true);
    }

    private Task InitAsync() => NodeHome.InitAsync(new NodeOptions { Home = _home, Code = "NL-RTM", Name = "Douane Rotterdam" }, new FakeTimeProvider(Made));

    [Fact]
    public async Task Node_init_makes_certificates_bound_to_the_node_keys_and_valid_for_three_years()
    {
        await InitAsync();

        using var identity = NodeIdentity.Load(_home, "NL-RTM", "Douane Rotterdam");
        var signing = identity.SigningCertificate;
        Assert.Equal("CN=NL-RTM, O=Douane Rotterdam, C=NL", signing.Subject);
        Assert.True(identity.SelfIssued);
        Assert.Equal(Made, new DateTimeOffset(signing.NotBefore.ToUniversalTime()));
        Assert.Equal(Made.AddYears(3), new DateTimeOffset(signing.NotAfter.ToUniversalTime()));
        Assert.Equal(identity.SigningKey.ExportSubjectPublicKeyInfo(), signing.PublicKey.ExportSubjectPublicKeyInfo());
        var constraints = signing.Extensions.OfType<X509BasicConstraintsExtension>().Single();
        Assert.True(constraints.CertificateAuthority);
        Assert.Equal(0, constraints.PathLengthConstraint);
        Assert.True(NodeCertificates.HasKeyUsage(signing, X509KeyUsageFlags.DigitalSignature | X509KeyUsageFlags.KeyCertSign));

        var encryption = identity.EncryptionCertificate;
        Assert.Equal("CN=NL-RTM, OU=encryption, O=Douane Rotterdam, C=NL", encryption.Subject);
        Assert.Equal(identity.EncryptionKey.ExportSubjectPublicKeyInfo(), encryption.PublicKey.ExportSubjectPublicKeyInfo());
        Assert.True(NodeCertificates.IssuedBy(encryption, signing));
        Assert.True(NodeCertificates.HasKeyUsage(encryption, X509KeyUsageFlags.KeyAgreement));
        Assert.NotEqual(signing.SerialNumber, encryption.SerialNumber);
        Assert.Equal(NodeKeys.Fingerprint(identity.SigningKey), identity.Fingerprint);
        Assert.Empty(identity.Chain);
    }

    [Fact]
    public async Task The_encryption_key_agrees_on_a_secret_with_a_partner_that_knows_only_its_certificate()
    {
        await InitAsync();
        using var identity = NodeIdentity.Load(_home, "NL-RTM", "Douane Rotterdam");
        using var partner = ECDiffieHellman.Create(ECCurve.NamedCurves.nistP256);
        using var published = X509CertificateLoader.LoadCertificate(identity.EncryptionCertificate.RawData).GetECDiffieHellmanPublicKey()!;

        var theirs = partner.DeriveRawSecretAgreement(published.PublicKey);
        var ours = identity.EncryptionKey.DeriveRawSecretAgreement(partner.PublicKey);

        Assert.Equal(theirs, ours);
    }

    [Fact]
    public async Task The_certificate_with_its_key_signs_for_TLS()
    {
        await InitAsync();
        using var identity = NodeIdentity.Load(_home, "NL-RTM", "Douane Rotterdam");

        using var withKey = identity.SigningCertificateWithKey();

        Assert.True(withKey.HasPrivateKey);
        using var key = withKey.GetECDsaPrivateKey()!;
        Assert.Equal(identity.Fingerprint, NodeKeys.Fingerprint(key));
    }

    [Fact]
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    public async Task The_encryption_key_file_is_readable_by_the_node_account_only()
    {
        await InitAsync();

        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(NodeKeys.EncryptionKeyPath(_home)));
    }

    [Fact]
    public async Task Node_keys_makes_the_identity_an_older_home_lacks_and_never_replaces_what_it_has()
    {
        await InitAsync();
        var signingKey = await File.ReadAllTextAsync(NodeKeys.SigningKeyPath(_home));
        File.Delete(NodeKeys.EncryptionKeyPath(_home));
        File.Delete(NodeKeys.NodeCertificatePath(_home));
        File.Delete(NodeKeys.EncryptionCertificatePath(_home));

        var (status, output, error) = await Support.Cli.Run("node", "keys", "--home", _home);

        Assert.True(status == 0, error);
        Assert.Contains("Encryption key made", output, StringComparison.Ordinal);
        Assert.Contains("Node certificate made", output, StringComparison.Ordinal);
        Assert.Contains("Encryption certificate made", output, StringComparison.Ordinal);
        Assert.Equal(signingKey, await File.ReadAllTextAsync(NodeKeys.SigningKeyPath(_home)));
        using (var identity = NodeIdentity.Load(_home, "NL-RTM", "Douane Rotterdam"))
            Assert.True(NodeCertificates.IssuedBy(identity.EncryptionCertificate, identity.SigningCertificate));

        var files = Directory.GetFiles(Path.Combine(_home, NodeKeys.Folder)).ToDictionary(f => f, File.ReadAllText);
        var again = await Support.Cli.Run("node", "keys", "--home", _home);
        Assert.Equal(0, again.Status);
        Assert.DoesNotContain(" made", again.Output, StringComparison.Ordinal);
        Assert.All(files, f => Assert.Equal(f.Value, File.ReadAllText(f.Key)));
        Assert.Throws<InvalidOperationException>(() => NodeKeys.CreateEncryptionKey(_home));
    }

    [Fact]
    public async Task A_missing_certificate_names_the_file_and_the_command_that_makes_it()
    {
        await InitAsync();
        File.Delete(NodeKeys.EncryptionCertificatePath(_home));

        var e = Assert.Throws<FileNotFoundException>(() => NodeIdentity.Load(_home, "NL-RTM", "Douane Rotterdam"));

        Assert.Contains(NodeKeys.EncryptionCertificatePath(_home), e.Message, StringComparison.Ordinal);
        Assert.Contains("entente node keys --home", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_certificate_issued_by_the_network_CA_is_installed_and_the_encryption_certificate_issued_again_under_it()
    {
        await InitAsync();
        using var ca = TestCa.Create(Made.AddDays(-1));
        var request = Path.Combine(_home, "node.csr");
        var asked = await Support.Cli.Run("node", "cert", "request", "--home", _home, "--out", request);
        Assert.True(asked.Status == 0, asked.Error);
        var (issuedFile, chainFile) = ca.Issue(await File.ReadAllTextAsync(request), Made, _home);
        ca.InstallAnchor(_home);

        var (status, output, error) = await Support.Cli.Run("node", "cert", "import", "--home", _home, "--cert", issuedFile, "--chain", chainFile);

        Assert.True(status == 0, error);
        Assert.Contains("Issued again", output, StringComparison.Ordinal);
        using var identity = NodeIdentity.Load(_home, "NL-RTM", "Douane Rotterdam");
        Assert.False(identity.SelfIssued);
        Assert.Equal(ca.Intermediate.Subject, identity.SigningCertificate.Issuer);
        Assert.Equal(ca.Intermediate.Thumbprint, Assert.Single(identity.Chain).Thumbprint);
        Assert.True(NodeCertificates.IssuedBy(identity.EncryptionCertificate, identity.SigningCertificate));
        Assert.Equal(identity.SigningCertificate.Subject, identity.EncryptionCertificate.Issuer);
        Assert.Empty(NodeCertificates.ChainProblems(identity.SigningCertificate, identity.Chain, NodeCertificates.TrustAnchors(_home), Made.AddHours(1)));
        var shown = await Support.Cli.Run("node", "cert", "show", "--home", _home);
        Assert.Contains("by a CA", shown.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_certificate_for_another_key_or_another_code_is_refused_and_the_current_one_kept()
    {
        await InitAsync();
        using var ca = TestCa.Create(Made.AddDays(-1));
        var before = await File.ReadAllTextAsync(NodeKeys.NodeCertificatePath(_home));
        using var stranger = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var (otherKey, chain) = ca.Issue(NodeCertificates.Request(stranger, "NL-RTM", "Douane Rotterdam"), Made, _home, "other-key");
        using var ours = NodeKeys.LoadSigningKey(_home);
        var (otherCode, _) = ca.Issue(NodeCertificates.Request(ours, "BE", "Douane België"), Made, _home, "other-code");

        var wrongKey = await Support.Cli.Run("node", "cert", "import", "--home", _home, "--cert", otherKey, "--chain", chain);
        var wrongCode = await Support.Cli.Run("node", "cert", "import", "--home", _home, "--cert", otherCode, "--chain", chain);

        Assert.Equal(1, wrongKey.Status);
        Assert.Contains("not this node's signing key", wrongKey.Error, StringComparison.Ordinal);
        Assert.Equal(1, wrongCode.Status);
        Assert.Contains("CN is 'BE', expected the node code 'NL-RTM'", wrongCode.Error, StringComparison.Ordinal);
        Assert.Equal(before, await File.ReadAllTextAsync(NodeKeys.NodeCertificatePath(_home)));
    }

    [Fact]
    public async Task With_trust_anchors_a_certificate_from_another_CA_is_refused()
    {
        await InitAsync();
        using var ours = TestCa.Create(Made.AddDays(-1));
        using var theirs = TestCa.Create(Made.AddDays(-1));
        ours.InstallAnchor(_home);
        using var key = NodeKeys.LoadSigningKey(_home);
        var (issued, chain) = theirs.Issue(NodeCertificates.Request(key, "NL-RTM", "Douane Rotterdam"), Made, _home);

        var (status, _, error) = await Support.Cli.Run("node", "cert", "import", "--home", _home, "--cert", issued, "--chain", chain);

        Assert.Equal(1, status);
        Assert.Contains("does not chain to a trust anchor", error, StringComparison.Ordinal);
    }
}

/// <summary>A network CA made in the test: a root (the trust anchor) and an intermediate that issues node certificates.</summary>
internal sealed class TestCa : IDisposable
{
    private readonly ECDsa _rootKey;
    private readonly ECDsa _intermediateKey;

    private TestCa(ECDsa rootKey, X509Certificate2 root, ECDsa intermediateKey, X509Certificate2 intermediate)
    {
        _rootKey = rootKey;
        Root = root;
        _intermediateKey = intermediateKey;
        Intermediate = intermediate;
    }

    public X509Certificate2 Root { get; }

    public X509Certificate2 Intermediate { get; }

    public static TestCa Create(DateTimeOffset from)
    {
        var id = Guid.NewGuid().ToString("N")[..8];
        var rootKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var rootRequest = new CertificateRequest($"CN=Test Network Root {id}, O=Entente Tests", rootKey, HashAlgorithmName.SHA256);
        rootRequest.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        rootRequest.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        rootRequest.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(rootRequest.PublicKey, false));
        var root = rootRequest.CreateSelfSigned(from, from.AddYears(10));

        var intermediateKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var intermediateRequest = new CertificateRequest($"CN=Test Network Issuing CA {id}, O=Entente Tests", intermediateKey, HashAlgorithmName.SHA256);
        intermediateRequest.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, true, 1, true));
        intermediateRequest.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        intermediateRequest.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(intermediateRequest.PublicKey, false));
        intermediateRequest.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromCertificate(root, true, false));
        using var intermediateIssued = intermediateRequest.Create(root, from, from.AddYears(5), RandomNumberGenerator.GetBytes(12));
        var intermediate = X509CertificateLoader.LoadCertificate(intermediateIssued.RawData);
        return new TestCa(rootKey, root, intermediateKey, intermediate);
    }

    /// <summary>Issues what a CSR (PEM) asks for, with the extensions it requests; writes the certificate and the chain (the intermediate) beside the home.</summary>
    public (string Certificate, string Chain) Issue(string csrPem, DateTimeOffset from, string folder, string name = "node")
    {
        var request = CertificateRequest.LoadSigningRequestPem(csrPem, HashAlgorithmName.SHA256, CertificateRequestLoadOptions.UnsafeLoadCertificateExtensions);
        request.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromCertificate(Intermediate, true, false));
        using var issuer = Intermediate.CopyWithPrivateKey(_intermediateKey);
        using var issued = request.Create(issuer, from, from.AddYears(2), RandomNumberGenerator.GetBytes(12));
        var certificate = Path.Combine(folder, $"{name}-issued.crt");
        var chain = Path.Combine(folder, $"{name}-chain.pem");
        File.WriteAllText(certificate, issued.ExportCertificatePem());
        File.WriteAllText(chain, Intermediate.ExportCertificatePem());
        return (certificate, chain);
    }

    public void InstallAnchor(string home)
    {
        Directory.CreateDirectory(NodeCertificates.TrustPath(home));
        File.WriteAllText(Path.Combine(NodeCertificates.TrustPath(home), $"network-root-{Root.Thumbprint[..8]}.pem"), Root.ExportCertificatePem());
    }

    public void Dispose()
    {
        _rootKey.Dispose();
        _intermediateKey.Dispose();
        Root.Dispose();
        Intermediate.Dispose();
    }
}
