using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Entente.Agreements;
using Entente.Identity;

namespace Entente.Partners;

public enum PartnerProblem
{
    /// <summary>The signing certificate's subject CN is not the partner's code.</summary>
    CodeMismatch,
    /// <summary>No agreement given lists the partner's code with this key fingerprint.</summary>
    FingerprintNotInAgreement,
    /// <summary>Agreements list the fingerprint, but none of them is in force now.</summary>
    AgreementNotInForce,
    CertificateNotValid,
    SigningKeyNotP256,
    EncryptionNotIssuedBySigning,
    EncryptionNotForKeyAgreement,
    EncryptionKeyNotP256,
    /// <summary>The network has trust anchors and the signing certificate does not chain to one.</summary>
    NotChainedToAnchor,
}

/// <summary>One reason a partner is not trusted, in words an operator can act on.</summary>
public sealed record PartnerTrustProblem(PartnerProblem Kind, string Reason)
{
    public override string ToString() => Reason;
}

/// <summary>The decision: trusted when there is no problem; <see cref="Agreements"/> are the agreements in force that list the partner's key.</summary>
public sealed record PartnerTrustResult(IReadOnlyList<PartnerTrustProblem> Problems, IReadOnlyList<Agreement> Agreements)
{
    public bool Trusted => Problems.Count == 0;

    public string Reason => string.Join("; ", Problems.Select(p => p.Reason));
}

/// <summary>
/// Whether a partner's certificates can be trusted: the agreements (signed by both administrations) are the root of
/// trust, so the signing key must be the one an agreement in force lists for the partner's code; the certificates
/// must be valid now; the encryption certificate must be issued by the signing one for a P-256 key-agreement key; and
/// when the network has trust anchors, the signing certificate must chain to one (without anchors, a pilot,
/// self-issued certificates are accepted). Pure: every input, the time included, is a parameter.
/// </summary>
public static class PartnerTrust
{
    /// <param name="inForce">The agreements to look in; each is checked again at <paramref name="now"/>, and one not in force does not count (the reason says why).</param>
    public static PartnerTrustResult Check(string code, X509Certificate2 signing, X509Certificate2 encryption, IReadOnlyList<X509Certificate2> chain,
        IReadOnlyList<Agreement> inForce, IReadOnlyList<X509Certificate2> trustAnchors, DateTimeOffset now)
    {
        var problems = new List<PartnerTrustProblem>();
        void Add(PartnerProblem kind, string reason) => problems.Add(new PartnerTrustProblem(kind, reason));

        var commonName = signing.GetNameInfo(X509NameType.SimpleName, false);
        if (commonName != code) Add(PartnerProblem.CodeMismatch, $"the signing certificate is for '{commonName}' (subject CN), not {code}");

        var fingerprint = NodeCertificates.KeyFingerprint(signing);
        var listing = inForce.Where(a => a.Party(code)?.Fingerprint == fingerprint).ToArray();
        var trusting = listing.Where(a => AgreementStatus.Of(a, now).InForce).ToArray();
        if (listing.Length == 0)
        {
            var others = inForce.Where(a => a.Party(code) is not null).Select(a => $"{a} lists {code} with {a.Party(code)!.Fingerprint}").ToArray();
            Add(PartnerProblem.FingerprintNotInAgreement,
                $"no agreement in force lists {code} with the key {fingerprint}" + (others.Length > 0 ? $" ({string.Join("; ", others)})" : $" (no agreement names {code})"));
        }
        else if (trusting.Length == 0)
        {
            Add(PartnerProblem.AgreementNotInForce,
                $"the agreements that list {code} with the key {fingerprint} are not in force: {string.Join("; ", listing.Select(a => $"{a}: {AgreementStatus.Of(a, now).Reason}"))}");
        }

        foreach (var reason in NodeCertificates.ValidityProblems(signing, now, "the signing certificate")) Add(PartnerProblem.CertificateNotValid, reason);
        foreach (var reason in NodeCertificates.ValidityProblems(encryption, now, "the encryption certificate")) Add(PartnerProblem.CertificateNotValid, reason);

        using (var signingKey = signing.GetECDsaPublicKey())
        {
            if (signingKey is null || !IsP256(signingKey.ExportParameters(false).Curve))
                Add(PartnerProblem.SigningKeyNotP256, "the signing certificate does not hold an ECDSA P-256 key");
        }
        if (!NodeCertificates.IssuedBy(encryption, signing))
            Add(PartnerProblem.EncryptionNotIssuedBySigning, $"the encryption certificate ({encryption.Subject}, issuer {encryption.Issuer}) is not issued by the signing certificate ({signing.Subject}): its signature does not verify with the signing key");
        if (!NodeCertificates.HasKeyUsage(encryption, X509KeyUsageFlags.KeyAgreement))
            Add(PartnerProblem.EncryptionNotForKeyAgreement, "the encryption certificate does not allow key agreement (KeyUsage keyAgreement)");
        if (!HasP256Key(encryption)) Add(PartnerProblem.EncryptionKeyNotP256, "the encryption certificate does not hold an EC P-256 key");

        if (trustAnchors.Count > 0)
        {
            foreach (var reason in NodeCertificates.ChainProblems(signing, chain, trustAnchors, now))
                Add(PartnerProblem.NotChainedToAnchor, (NodeCertificates.IsSelfIssued(signing) ? "the signing certificate is self-issued but the network has trust anchors: " : "") + reason);
        }
        return new PartnerTrustResult(problems, trusting);
    }

    private static bool HasP256Key(X509Certificate2 certificate)
    {
        // Read the key from the SubjectPublicKeyInfo: GetECDiffieHellmanPublicKey also judges the key usage, reported apart.
        try
        {
            using var key = ECDiffieHellman.Create();
            key.ImportSubjectPublicKeyInfo(certificate.PublicKey.ExportSubjectPublicKeyInfo(), out _);
            return IsP256(key.ExportParameters(false).Curve);
        }
        catch (CryptographicException)
        {
            return false;
        }
    }

    private static bool IsP256(ECCurve curve) => curve.Oid.Value == ECCurve.NamedCurves.nistP256.Oid.Value;
}
