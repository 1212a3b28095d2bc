using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Entente.Identity;

namespace Entente.Partners;

/// <summary>
/// A partner node as this node knows it: where to reach it and its certificates (DER). The signing certificate's key
/// fingerprint is the one the agreements in force list for <see cref="Code"/>; the encryption certificate, issued by
/// the signing one, holds the ECDH key messages to the partner are encrypted to.
/// </summary>
public sealed record Partner(string Code, string Name, Uri Endpoint, byte[] SigningCertificate, byte[] EncryptionCertificate,
    IReadOnlyList<byte[]> Chain, DateTimeOffset AddedAt, DateTimeOffset UpdatedAt)
{
    /// <summary>"sha256:" + hex SHA-256 of the signing key's SubjectPublicKeyInfo, as agreements list it.</summary>
    public string Fingerprint
    {
        get
        {
            using var certificate = SigningX509();
            return NodeCertificates.KeyFingerprint(certificate);
        }
    }

    /// <summary>The partner's ECDSA P-256 public key, which verifies its signatures (envelopes, receipts, checkpoints).</summary>
    public ECDsa SigningKey()
    {
        using var certificate = SigningX509();
        return certificate.GetECDsaPublicKey() ?? throw new InvalidDataException($"partner {Code}: the signing certificate holds no ECDSA key");
    }

    /// <summary>The partner's ECDH P-256 public key, which messages to it are encrypted to.</summary>
    public ECDiffieHellman EncryptionKey()
    {
        using var certificate = EncryptionX509();
        return certificate.GetECDiffieHellmanPublicKey() ?? throw new InvalidDataException($"partner {Code}: the encryption certificate holds no EC key");
    }

    public X509Certificate2 SigningX509() => X509CertificateLoader.LoadCertificate(SigningCertificate);

    public X509Certificate2 EncryptionX509() => X509CertificateLoader.LoadCertificate(EncryptionCertificate);

    public IReadOnlyList<X509Certificate2> ChainX509() => Chain.Select(c => X509CertificateLoader.LoadCertificate(c)).ToArray();

    /// <summary>The partner's identity document URL (GET {endpoint}/api/exchange/identity).</summary>
    public static Uri IdentityUrl(Uri endpoint) => new(endpoint.AbsoluteUri.TrimEnd('/') + "/api/exchange/identity");
}
