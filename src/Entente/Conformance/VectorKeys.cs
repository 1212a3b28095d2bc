using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json.Nodes;
using Entente.Identity;

namespace Entente.Conformance;

/// <summary>
/// One test node of the vectors: a signing key (ECDSA P-256), an encryption key (ECDH P-256) and a self-issued node
/// certificate. TEST KEYS ONLY: they are published in test-vectors/keys.json and must never serve a real node.
/// </summary>
public sealed class VectorNode : IDisposable
{
    public VectorNode(string code, ECDsa signing, ECDiffieHellman encryption, X509Certificate2 certificate)
    {
        Code = code;
        Signing = signing;
        Encryption = encryption;
        Certificate = certificate;
    }

    public string Code { get; }

    public ECDsa Signing { get; }

    public ECDiffieHellman Encryption { get; }

    public X509Certificate2 Certificate { get; }

    public byte[] Spki => Signing.ExportSubjectPublicKeyInfo();

    /// <summary>The kid and the fingerprint agreements list: "sha256:" + hex SHA-256 of the signing key's SPKI DER.</summary>
    public string Fingerprint => NodeKeys.Fingerprint(Spki);

    public static VectorNode Create(string code, DateTimeOffset at)
    {
        var signing = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var encryption = ECDiffieHellman.Create(ECCurve.NamedCurves.nistP256);
        return new VectorNode(code, signing, encryption, NodeCertificates.IssueSelf(signing, code, $"Test administration {code}", at));
    }

    public JsonObject ToJson() => new()
    {
        ["code"] = Code,
        ["signing"] = new JsonObject
        {
            ["jwk"] = Jwk(Signing.ExportParameters(true)),
            ["pkcs8Pem"] = Signing.ExportPkcs8PrivateKeyPem(),
            ["spki"] = Convert.ToBase64String(Spki),
            ["fingerprint"] = Fingerprint,
            ["checkpointKeyId"] = Ledger.Checkpoint.KeyId(Spki).ToString("x8", System.Globalization.CultureInfo.InvariantCulture),
        },
        ["encryption"] = new JsonObject
        {
            ["jwk"] = Jwk(Encryption.ExportParameters(true)),
            ["pkcs8Pem"] = Encryption.ExportPkcs8PrivateKeyPem(),
            ["spki"] = Convert.ToBase64String(Encryption.ExportSubjectPublicKeyInfo()),
        },
        ["certificatePem"] = Certificate.ExportCertificatePem(),
        ["certificateSubject"] = Certificate.Subject,
    };

    public static VectorNode FromJson(JsonNode json)
    {
        var signing = ECDsa.Create();
        signing.ImportFromPem((string)json["signing"]!["pkcs8Pem"]!);
        var encryption = ECDiffieHellman.Create();
        encryption.ImportFromPem((string)json["encryption"]!["pkcs8Pem"]!);
        var certificate = X509Certificate2.CreateFromPem((string)json["certificatePem"]!);
        return new VectorNode((string)json["code"]!, signing, encryption, certificate);
    }

    private static JsonObject Jwk(ECParameters p) => new()
    {
        ["kty"] = "EC",
        ["crv"] = "P-256",
        ["x"] = Base64Url(p.Q.X!),
        ["y"] = Base64Url(p.Q.Y!),
        ["d"] = Base64Url(p.D!),
    };

    internal static string Base64Url(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    public void Dispose()
    {
        Signing.Dispose();
        Encryption.Dispose();
        Certificate.Dispose();
    }
}

/// <summary>The test nodes of the vectors: XA sends, XB receives, XC is a stranger, XW witnesses.</summary>
public sealed class VectorKeys : IDisposable
{
    public static readonly string[] Codes = ["XA", "XB", "XC", "XW"];

    public const string Warning = "TEST KEYS ONLY, published with the conformance vectors: never use them for a real node.";

    private VectorKeys(IReadOnlyDictionary<string, VectorNode> nodes) => Nodes = nodes;

    public IReadOnlyDictionary<string, VectorNode> Nodes { get; }

    public VectorNode this[string code] => Nodes[code];

    public static VectorKeys Create(DateTimeOffset at) => new(Codes.ToDictionary(c => c, c => VectorNode.Create(c, at), StringComparer.Ordinal));

    public static VectorKeys FromJson(JsonNode keys) =>
        new(((JsonArray)keys["nodes"]!).Select(n => VectorNode.FromJson(n!)).ToDictionary(n => n.Code, StringComparer.Ordinal));

    public JsonObject ToJson() => new()
    {
        ["warning"] = Warning,
        ["nodes"] = new JsonArray(Codes.Select(c => (JsonNode)Nodes[c].ToJson()).ToArray()),
    };

    public void Dispose()
    {
        foreach (var n in Nodes.Values) n.Dispose();
    }
}
