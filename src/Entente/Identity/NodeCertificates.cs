using System.Formats.Asn1;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Entente.Identity;

/// <summary>
/// The node's X.509 certificates: the node certificate binds the signing key to the node's code and name (self-issued
/// for a pilot, issued by the network's CA in production); the encryption certificate binds the ECDH key and is always
/// issued by the node certificate, so a partner who trusts the one trusts the other. Decisions here are pure.
/// </summary>
public static class NodeCertificates
{
    /// <summary>The home's folder of the network's trust anchors (PEM); empty or absent: self-issued certificates are accepted.</summary>
    public const string TrustFolder = "trust";

    private const string EcdsaWithSha256 = "1.2.840.10045.4.3.2";
    private const string EcdsaWithSha384 = "1.2.840.10045.4.3.3";
    private const string EcdsaWithSha512 = "1.2.840.10045.4.3.4";

    public static string TrustPath(string home) => Path.Combine(home, TrustFolder);

    /// <summary>CN=code, O=name, C=the code's first two letters (and OU=unit when given).</summary>
    public static X500DistinguishedName Subject(string code, string name, string? unit = null)
    {
        // The builder encodes the last name added first: this gives the usual C, O, OU, CN order in the DER.
        var builder = new X500DistinguishedNameBuilder();
        builder.AddCommonName(code);
        if (unit is not null) builder.AddOrganizationalUnitName(unit);
        builder.AddOrganizationName(name);
        builder.AddCountryOrRegion(code[..2]);
        return builder.Build();
    }

    /// <summary>
    /// The pilot's node certificate: self-issued, a CA for the node's own encryption certificate only (path length 0); with
    /// <paramref name="hostNames"/> (even empty) it names what the node serves (<see cref="ServedNames"/>) as subject alternative names.
    /// </summary>
    public static X509Certificate2 IssueSelf(ECDsa signingKey, string code, string name, DateTimeOffset now, IEnumerable<string>? hostNames = null)
    {
        var request = NodeRequest(signingKey, code, name, hostNames);
        var subject = request.SubjectName;
        var (notBefore, notAfter) = Period(now);
        using var issued = request.Create(subject, X509SignatureGenerator.CreateForECDsa(signingKey), notBefore, notAfter, Serial());
        return X509CertificateLoader.LoadCertificate(issued.RawData);
    }

    /// <summary>A PKCS#10 request (PEM) for the signing key, asking for what the self-issued certificate holds.</summary>
    public static string Request(ECDsa signingKey, string code, string name, IEnumerable<string>? hostNames = null) =>
        NodeRequest(signingKey, code, name, hostNames).CreateSigningRequestPem();

    /// <summary>
    /// The names and addresses a node serves, for the subject alternative names of its HTTPS certificate: localhost,
    /// 127.0.0.1, ::1, the machine's name, and the configured host names (names or IP addresses), without repeats.
    /// </summary>
    public static IReadOnlyList<string> ServedNames(IEnumerable<string>? hostNames)
    {
        var names = new List<string> { "localhost", "127.0.0.1", "::1" };
        if (!string.IsNullOrWhiteSpace(Environment.MachineName)) names.Add(Environment.MachineName.ToLowerInvariant());
        foreach (var name in hostNames ?? [])
        {
            if (!string.IsNullOrWhiteSpace(name)) names.Add(name.Trim());
        }
        return names.Distinct(StringComparer.OrdinalIgnoreCase).ToList();
    }

    /// <summary>The subject alternative names of a certificate, as text (DNS names and IP addresses).</summary>
    public static IReadOnlyList<string> AlternativeNames(X509Certificate2 certificate)
    {
        if (certificate.Extensions.OfType<X509SubjectAlternativeNameExtension>().FirstOrDefault() is not { } extension) return [];
        return [.. extension.EnumerateDnsNames(), .. extension.EnumerateIPAddresses().Select(a => a.ToString())];
    }

    /// <summary>The encryption certificate: the ECDH key, keyAgreement only, signed with the signing key under the node certificate.</summary>
    public static X509Certificate2 IssueEncryption(X509Certificate2 nodeCertificate, ECDsa signingKey, ECDiffieHellman encryptionKey, string code, string name, DateTimeOffset now)
    {
        var request = new CertificateRequest(Subject(code, name, "encryption"), new PublicKey(encryptionKey), HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyAgreement, true));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, false));
        if (nodeCertificate.Extensions.OfType<X509SubjectKeyIdentifierExtension>().FirstOrDefault() is { SubjectKeyIdentifierBytes: var ski })
            request.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromSubjectKeyIdentifier(ski.Span));
        var (notBefore, notAfter) = Period(now);
        var issuerEnd = new DateTimeOffset(nodeCertificate.NotAfter.ToUniversalTime());
        if (notAfter > issuerEnd) notAfter = issuerEnd;
        using var issued = request.Create(nodeCertificate.SubjectName, X509SignatureGenerator.CreateForECDsa(signingKey), notBefore, notAfter, Serial());
        return X509CertificateLoader.LoadCertificate(issued.RawData);
    }

    /// <summary>Every reason a certificate offered as this node's certificate cannot be installed; none: it can.</summary>
    public static IReadOnlyList<string> ImportProblems(X509Certificate2 certificate, ECDsa signingKey, string code,
        IReadOnlyList<X509Certificate2> chain, IReadOnlyList<X509Certificate2> anchors, DateTimeOffset now)
    {
        var problems = new List<string>();
        if (!certificate.PublicKey.ExportSubjectPublicKeyInfo().AsSpan().SequenceEqual(signingKey.ExportSubjectPublicKeyInfo()))
            problems.Add($"the certificate is for the key {NodeKeys.Fingerprint(certificate.PublicKey.ExportSubjectPublicKeyInfo())}, not this node's signing key {NodeKeys.Fingerprint(signingKey)}");
        var commonName = certificate.GetNameInfo(X509NameType.SimpleName, false);
        if (commonName != code) problems.Add($"the certificate's subject CN is '{commonName}', expected the node code '{code}'");
        problems.AddRange(ValidityProblems(certificate, now, "the certificate"));
        if (anchors.Count > 0) problems.AddRange(ChainProblems(certificate, chain, anchors, now));
        return problems;
    }

    public static IEnumerable<string> ValidityProblems(X509Certificate2 certificate, DateTimeOffset now, string what)
    {
        var from = new DateTimeOffset(certificate.NotBefore.ToUniversalTime());
        var until = new DateTimeOffset(certificate.NotAfter.ToUniversalTime());
        if (now < from) yield return $"{what} is not valid before {from:yyyy-MM-ddTHH:mm:ssZ}";
        if (now > until) yield return $"{what} expired on {until:yyyy-MM-ddTHH:mm:ssZ}";
    }

    /// <summary>
    /// Why <paramref name="certificate"/> does not chain to one of <paramref name="anchors"/> at <paramref name="now"/>
    /// through <paramref name="chain"/> (no revocation check, no download); none when it does.
    /// </summary>
    public static IReadOnlyList<string> ChainProblems(X509Certificate2 certificate, IReadOnlyList<X509Certificate2> chain, IReadOnlyList<X509Certificate2> anchors, DateTimeOffset now)
    {
        using var builder = new X509Chain();
        builder.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        foreach (var anchor in anchors) builder.ChainPolicy.CustomTrustStore.Add(anchor);
        foreach (var link in chain) builder.ChainPolicy.ExtraStore.Add(link);
        builder.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        builder.ChainPolicy.DisableCertificateDownloads = true;
        builder.ChainPolicy.VerificationTime = now.UtcDateTime;
        builder.ChainPolicy.VerificationTimeIgnored = false;
        if (builder.Build(certificate)) return [];
        var statuses = builder.ChainStatus.Select(s => s.StatusInformation.Trim()).Where(s => s.Length > 0).Distinct().ToArray();
        return [$"{certificate.Subject} does not chain to a trust anchor of the network ({anchors.Count} in trust/): {(statuses.Length > 0 ? string.Join("; ", statuses) : "no chain")}"];
    }

    /// <summary>True when <paramref name="certificate"/> names <paramref name="issuer"/>'s subject as its issuer and its signature verifies with the issuer's ECDSA key.</summary>
    public static bool IssuedBy(X509Certificate2 certificate, X509Certificate2 issuer)
    {
        if (!certificate.IssuerName.RawData.AsSpan().SequenceEqual(issuer.SubjectName.RawData)) return false;
        using var key = issuer.GetECDsaPublicKey();
        if (key is null) return false;
        try
        {
            var reader = new AsnReader(certificate.RawData, AsnEncodingRules.DER);
            var sequence = reader.ReadSequence();
            var signed = sequence.ReadEncodedValue();
            var algorithm = sequence.ReadSequence().ReadObjectIdentifier();
            var signature = sequence.ReadBitString(out var unusedBits);
            if (unusedBits != 0 || sequence.HasData || reader.HasData) return false;
            HashAlgorithmName? hash = algorithm switch
            {
                EcdsaWithSha256 => HashAlgorithmName.SHA256,
                EcdsaWithSha384 => HashAlgorithmName.SHA384,
                EcdsaWithSha512 => HashAlgorithmName.SHA512,
                _ => null,
            };
            return hash is { } h && key.VerifyData(signed.Span, signature, h, DSASignatureFormat.Rfc3279DerSequence);
        }
        catch (Exception e) when (e is AsnContentException or CryptographicException)
        {
            return false;
        }
    }

    /// <summary>Self-issued: the certificate names itself as issuer and its own key verifies it (a pilot's certificate).</summary>
    public static bool IsSelfIssued(X509Certificate2 certificate) => IssuedBy(certificate, certificate);

    public static bool HasKeyUsage(X509Certificate2 certificate, X509KeyUsageFlags usage) =>
        certificate.Extensions.OfType<X509KeyUsageExtension>().FirstOrDefault() is { } extension && (extension.KeyUsages & usage) == usage;

    /// <summary>Every certificate in a PEM (one or more) or DER file, with a message naming the file when it holds none.</summary>
    public static IReadOnlyList<X509Certificate2> Read(string path)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"{path}: no such certificate file", path);
        var bytes = File.ReadAllBytes(path);
        try
        {
            if (bytes.AsSpan().IndexOf("-----BEGIN"u8) >= 0)
            {
                var collection = new X509Certificate2Collection();
                collection.ImportFromPem(System.Text.Encoding.ASCII.GetString(bytes));
                if (collection.Count == 0) throw new InvalidDataException($"{path}: no CERTIFICATE block in this PEM file");
                return [.. collection];
            }
            return [X509CertificateLoader.LoadCertificate(bytes)];
        }
        catch (CryptographicException e)
        {
            throw new InvalidDataException($"{path}: not an X.509 certificate in PEM or DER ({e.Message})", e);
        }
    }

    /// <summary>The trust anchors in &lt;home&gt;/trust (every *.pem, *.crt); none when the folder is absent.</summary>
    public static IReadOnlyList<X509Certificate2> TrustAnchors(string home)
    {
        var folder = TrustPath(home);
        if (!Directory.Exists(folder)) return [];
        return Directory.EnumerateFiles(folder)
            .Where(f => f.EndsWith(".pem", StringComparison.OrdinalIgnoreCase) || f.EndsWith(".crt", StringComparison.OrdinalIgnoreCase))
            .Order(StringComparer.Ordinal)
            .SelectMany(Read)
            .ToArray();
    }

    public static string Pem(IEnumerable<X509Certificate2> certificates) =>
        string.Concat(certificates.Select(c => c.ExportCertificatePem() + "\n"));

    /// <summary>"sha256:" and the hex SHA-256 of the whole certificate (DER), as tools show it; not the key fingerprint agreements list.</summary>
    public static string CertificateFingerprint(X509Certificate2 certificate) =>
        "sha256:" + Convert.ToHexStringLower(certificate.GetCertHash(HashAlgorithmName.SHA256));

    public static string KeyFingerprint(X509Certificate2 certificate) => NodeKeys.Fingerprint(certificate.PublicKey.ExportSubjectPublicKeyInfo());

    private static CertificateRequest NodeRequest(ECDsa signingKey, string code, string name, IEnumerable<string>? hostNames)
    {
        var request = new CertificateRequest(Subject(code, name), signingKey, HashAlgorithmName.SHA256);
        if (hostNames is not null)
        {
            // A node's certificate (not a test vector's) names what the node serves, so HTTPS clients can check it.
            var alternative = new SubjectAlternativeNameBuilder();
            foreach (var served in ServedNames(hostNames))
            {
                if (System.Net.IPAddress.TryParse(served, out var address)) alternative.AddIpAddress(address);
                else alternative.AddDnsName(served);
            }
            request.CertificateExtensions.Add(alternative.Build());
        }
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, true, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature | X509KeyUsageFlags.KeyCertSign, true));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, false));
        return request;
    }

    private static (DateTimeOffset NotBefore, DateTimeOffset NotAfter) Period(DateTimeOffset now)
    {
        var from = new DateTimeOffset(now.UtcTicks / TimeSpan.TicksPerSecond * TimeSpan.TicksPerSecond, TimeSpan.Zero);
        return (from, from.AddYears(3));
    }

    private static byte[] Serial()
    {
        var serial = RandomNumberGenerator.GetBytes(16);
        serial[0] = (byte)((serial[0] & 0x7F) | 0x40);
        return serial;
    }
}
