using System.Security.Cryptography;
using System.Security.Cryptography.Cose;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json;
using Entente.Agreements;
using Entente.Identity;

namespace Entente.Partners;

/// <summary>A node as a signed directory lists it: code, name, node certificate (DER, base64) and its two fingerprints.</summary>
public sealed record DirectoryParty(string Code, string Name, string KeyFingerprint, string CertificateFingerprint, string Certificate);

/// <summary>An agreement in force at the exporting node when it exported: id, version, content hash and parties' codes.</summary>
public sealed record DirectoryAgreement(string Id, int Version, string Hash, IReadOnlyList<string> Parties);

/// <summary>
/// What a node vouches for to a third party (`partner export --signed FILE`): itself and its partners with their node
/// certificates and fingerprints, and the agreements in force, as JSON in a COSE_Sign1 (ES256) signed with the node's
/// key (kid = its key fingerprint, content type <see cref="ContentType"/>). A verifier who trusts that node's
/// fingerprint (given out of band) then trusts the keys the directory lists (docs/exchange.md, "Receipts").
/// </summary>
public sealed record SignedDirectory(string Node, DateTimeOffset ExportedAt, IReadOnlyList<DirectoryParty> Parties, IReadOnlyList<DirectoryAgreement> Agreements)
{
    public const string ContentType = "application/entente-directory+json";

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { WriteIndented = true };

    public static DirectoryParty PartyOf(string code, string name, X509Certificate2 certificate) =>
        new(code, name, NodeCertificates.KeyFingerprint(certificate), NodeCertificates.CertificateFingerprint(certificate), Convert.ToBase64String(certificate.RawData));

    public static DirectoryAgreement AgreementOf(Agreement agreement) =>
        new(agreement.Id, agreement.Version, agreement.ContentHash, agreement.Parties.Select(p => p.Code).ToArray());

    public DirectoryParty? Party(string code) => Parties.FirstOrDefault(p => p.Code == code);

    /// <summary>The signed document; <paramref name="key"/> must be the key of this node's certificate in <see cref="Parties"/>.</summary>
    public byte[] Sign(ECDsa key)
    {
        var headers = new CoseHeaderMap
        {
            { CoseHeaderLabel.ContentType, ContentType },
            { CoseHeaderLabel.KeyIdentifier, Encoding.UTF8.GetBytes(NodeKeys.Fingerprint(key)) },
        };
        return CoseSign1Message.SignEmbedded(JsonSerializer.SerializeToUtf8Bytes(this, Json), new CoseSigner(key, HashAlgorithmName.SHA256, headers));
    }

    /// <summary>
    /// Opens a signed directory for a verifier who trusts the exporting node by <paramref name="trustedFingerprint"/>
    /// (its key fingerprint, or its certificate's): the signature must verify with the key of the certificate the
    /// directory lists for its own node, that key or certificate must have the trusted fingerprint, the kid must name
    /// it, and every listed certificate must match its code and fingerprints. Returns the directory, or every problem.
    /// </summary>
    public static (SignedDirectory? Directory, IReadOnlyList<string> Problems) Open(ReadOnlySpan<byte> signed, string trustedFingerprint)
    {
        CoseSign1Message message;
        try
        {
            message = CoseMessage.DecodeSign1(signed);
        }
        catch (Exception e) when (e is CryptographicException or OverflowException) // a header label beyond 32 bits
        {
            return (null, [$"directory: not a COSE_Sign1 message ({e.Message})"]);
        }
        if (message.Content is not { } content) return (null, ["directory: no embedded payload"]);
        if (!message.ProtectedHeaders.TryGetValue(CoseHeaderLabel.ContentType, out var type) || !TryText(type, out var typeText) || typeText != ContentType)
            return (null, [$"directory: the protected content type (3) is not {ContentType}"]);
        if (!message.ProtectedHeaders.TryGetValue(CoseHeaderLabel.KeyIdentifier, out var kidValue) || !TryBytes(kidValue, out var kidBytes))
            return (null, ["directory: the protected header kid (4) is missing or not a byte string"]);
        var kid = Encoding.UTF8.GetString(kidBytes);

        SignedDirectory? directory;
        try
        {
            directory = JsonSerializer.Deserialize<SignedDirectory>(content.Span, Json);
        }
        catch (JsonException e)
        {
            return (null, [$"directory: not the documented JSON ({e.Path}: {e.Message})"]);
        }
        if (directory is null || string.IsNullOrEmpty(directory.Node) || directory.Parties is null || directory.Agreements is null
            || directory.Parties.Any(p => p is null || p.Code is null || p.KeyFingerprint is null || p.CertificateFingerprint is null || p.Certificate is null)
            || directory.Agreements.Any(a => a is null || a.Id is null || a.Hash is null || a.Parties is null))
            return (null, ["directory: expected node, exportedAt, parties [{code, name, keyFingerprint, certificateFingerprint, certificate}] and agreements [{id, version, hash, parties}]"]);

        var problems = new List<string>();
        foreach (var code in directory.Parties.GroupBy(p => p.Code, StringComparer.Ordinal).Where(g => g.Count() > 1).Select(g => g.Key))
            problems.Add($"directory/parties: {code} is listed more than once");
        ECDsa? signerKey = null;
        try
        {
            for (var i = 0; i < directory.Parties.Count; i++)
            {
                var party = directory.Parties[i];
                var where = $"directory/parties/{i} ({party.Code})";
                X509Certificate2 certificate;
                try
                {
                    certificate = X509CertificateLoader.LoadCertificate(Convert.FromBase64String(party.Certificate));
                }
                catch (Exception e) when (e is FormatException or CryptographicException)
                {
                    problems.Add($"{where}/certificate: not an X.509 certificate in base64 DER ({e.Message})");
                    continue;
                }
                using (certificate)
                {
                    try
                    {
                        Inspect(certificate);
                    }
                    catch (CryptographicException e)
                    {
                        problems.Add($"{where}/certificate: damaged ({e.Message.TrimEnd('.')})");
                    }
                }

                void Inspect(X509Certificate2 certificate)
                {
                    var commonName = certificate.GetNameInfo(X509NameType.SimpleName, false);
                    if (commonName != party.Code) problems.Add($"{where}/certificate: subject CN is '{commonName}', not {party.Code}");
                    if (NodeCertificates.KeyFingerprint(certificate) != party.KeyFingerprint)
                        problems.Add($"{where}/keyFingerprint: {party.KeyFingerprint}, the certificate's key is {NodeCertificates.KeyFingerprint(certificate)}");
                    if (NodeCertificates.CertificateFingerprint(certificate) != party.CertificateFingerprint)
                        problems.Add($"{where}/certificateFingerprint: {party.CertificateFingerprint}, the certificate is {NodeCertificates.CertificateFingerprint(certificate)}");
                    if (party.Code == directory.Node) signerKey = certificate.GetECDsaPublicKey();
                }
            }
            if (directory.Party(directory.Node) is not { } node) return (null, [.. problems, $"directory: lists no certificate for its own node {directory.Node}"]);
            if (signerKey is null) return (null, [.. problems, $"directory: {directory.Node}'s certificate holds no ECDSA key"]);
            if (trustedFingerprint != node.KeyFingerprint && trustedFingerprint != node.CertificateFingerprint)
                problems.Add($"directory: signed as {directory.Node} with key {node.KeyFingerprint} (certificate {node.CertificateFingerprint}), not the node trusted ({trustedFingerprint})");
            if (kid != node.KeyFingerprint) problems.Add($"directory: kid '{kid}' is not {directory.Node}'s key {node.KeyFingerprint}");
            bool verified;
            try
            {
                verified = message.VerifyEmbedded(signerKey);
            }
            catch (CryptographicException)
            {
                verified = false;
            }
            if (!verified) problems.Add($"directory: the signature does not verify with {directory.Node}'s key {node.KeyFingerprint}");
            return problems.Count == 0 ? (directory, []) : (null, problems);
        }
        finally
        {
            signerKey?.Dispose();
        }
    }

    private static bool TryText(CoseHeaderValue value, out string text)
    {
        try
        {
            text = value.GetValueAsString();
            return true;
        }
        catch (InvalidOperationException)
        {
            text = "";
            return false;
        }
    }

    private static bool TryBytes(CoseHeaderValue value, out byte[] bytes)
    {
        try
        {
            bytes = value.GetValueAsBytes();
            return true;
        }
        catch (InvalidOperationException)
        {
            bytes = [];
            return false;
        }
    }
}
