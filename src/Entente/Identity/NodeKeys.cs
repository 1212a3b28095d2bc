using System.Security.Cryptography;

namespace Entente.Identity;

/// <summary>
/// The node's signing key: ECDSA P-256, made at <c>node init</c> and kept in the home as PKCS#8 PEM readable by the
/// node's account only. It signs the node's agreements and ledger checkpoints; partners know it by its fingerprint.
/// </summary>
public static class NodeKeys
{
    public const string Folder = "keys";

    public const string SigningKeyFile = "signing-key.pem";

    public const string SubjectKeyFile = "subject-key";

    public const string EncryptionKeyFile = "encryption-key.pem";

    public const string NodeCertificateFile = "node.crt";

    public const string EncryptionCertificateFile = "encryption.crt";

    public const string ChainFile = "node-chain.pem";

    private const UnixFileMode OwnerOnly = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    public static string SigningKeyPath(string home) => Path.Combine(home, Folder, SigningKeyFile);

    public static bool HasSigningKey(string home) => File.Exists(SigningKeyPath(home));

    /// <summary>Makes the node's signing key; refuses to replace one (partners have signed against it).</summary>
    public static ECDsa CreateSigningKey(string home)
    {
        var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        try
        {
            WriteSecret(SigningKeyPath(home), key.ExportPkcs8PrivateKeyPem(), "a node's signing key is never replaced silently");
            return key;
        }
        catch
        {
            key.Dispose();
            throw;
        }
    }

    public static string EncryptionKeyPath(string home) => Path.Combine(home, Folder, EncryptionKeyFile);

    public static string NodeCertificatePath(string home) => Path.Combine(home, Folder, NodeCertificateFile);

    public static string EncryptionCertificatePath(string home) => Path.Combine(home, Folder, EncryptionCertificateFile);

    public static string ChainPath(string home) => Path.Combine(home, Folder, ChainFile);

    /// <summary>Makes the node's encryption key (ECDH P-256) that partners encrypt to; refuses to replace one.</summary>
    public static ECDiffieHellman CreateEncryptionKey(string home)
    {
        var key = ECDiffieHellman.Create(ECCurve.NamedCurves.nistP256);
        try
        {
            WriteSecret(EncryptionKeyPath(home), key.ExportPkcs8PrivateKeyPem(), "messages sealed to the encryption key could no longer be opened");
            return key;
        }
        catch
        {
            key.Dispose();
            throw;
        }
    }

    /// <summary>The node's encryption key, with a message that says what to do when it is missing or not a P-256 key.</summary>
    public static ECDiffieHellman LoadEncryptionKey(string home) =>
        LoadKey(EncryptionKeyPath(home), home, "encryption", "ECDH", ECDiffieHellman.Create, k => k.ExportParameters(false).Curve);

    /// <summary>Writes a new key file readable by the node's account only; refuses to overwrite one.</summary>
    internal static void WriteSecret(string path, string text, string whyNotReplaced)
    {
        var folder = Path.GetDirectoryName(path)!;
        if (OperatingSystem.IsWindows()) Directory.CreateDirectory(folder);
        else Directory.CreateDirectory(folder, OwnerOnly | UnixFileMode.UserExecute);
        var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write, Share = FileShare.None };
        if (!OperatingSystem.IsWindows()) options.UnixCreateMode = OwnerOnly;
        try
        {
            using var file = new StreamWriter(path, options);
            file.Write(text);
        }
        catch (IOException) when (File.Exists(path))
        {
            throw new InvalidOperationException($"{path} exists already: {whyNotReplaced}");
        }
    }

    /// <summary>The node's signing key, with a message that says what to do when it is missing or not a P-256 key.</summary>
    public static ECDsa LoadSigningKey(string home) =>
        LoadKey(SigningKeyPath(home), home, "signing", "ECDSA", ECDsa.Create, k => k.ExportParameters(false).Curve);

    private static T LoadKey<T>(string path, string home, string role, string algorithm, Func<T> create, Func<T, ECCurve> curve) where T : AsymmetricAlgorithm
    {
        if (!File.Exists(path))
            throw new FileNotFoundException($"{path}: this node has no {role} key; make it with `entente node keys --home {home}`", path);
        var key = create();
        try
        {
            key.ImportFromPem(File.ReadAllText(path));
            if (curve(key).Oid.Value != ECCurve.NamedCurves.nistP256.Oid.Value)
                throw new InvalidDataException($"{path}: the {role} key is not an {algorithm} P-256 key");
            return key;
        }
        catch (ArgumentException e)
        {
            key.Dispose();
            throw new InvalidDataException($"{path}: not a PEM private key ({e.Message})", e);
        }
        catch
        {
            key.Dispose();
            throw;
        }
    }

    public static string SubjectKeyPath(string home) => Path.Combine(home, Folder, SubjectKeyFile);

    /// <summary>
    /// Makes the node's subject key: 32 random bytes that turn a party's identifier into the tag the ledger files its
    /// entries under, so the ledger (kept forever, shown to auditors and partners) holds no identifier in the clear.
    /// </summary>
    public static void CreateSubjectKey(string home) =>
        WriteSecret(SubjectKeyPath(home), Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)),
            "the subject key is never replaced (the ledger's tags depend on it)");

    public static byte[] LoadSubjectKey(string home)
    {
        var path = SubjectKeyPath(home);
        if (!File.Exists(path))
            throw new FileNotFoundException($"{path}: this node has no subject key; make it with `entente node keys --home {home}`", path);
        try
        {
            var key = Convert.FromBase64String(File.ReadAllText(path).Trim());
            return key.Length == 32 ? key : throw new InvalidDataException($"{path}: a subject key is 32 bytes, base64");
        }
        catch (FormatException e)
        {
            throw new InvalidDataException($"{path}: a subject key is 32 bytes, base64 ({e.Message})", e);
        }
    }

    /// <summary>The public key as partners record it: SubjectPublicKeyInfo, DER.</summary>
    public static byte[] PublicKey(ECDsa key) => key.ExportSubjectPublicKeyInfo();

    public static string PublicKeyPem(ECDsa key) => key.ExportSubjectPublicKeyInfoPem();

    /// <summary>"sha256:" and the lowercase hex SHA-256 of the SubjectPublicKeyInfo DER.</summary>
    public static string Fingerprint(ReadOnlySpan<byte> subjectPublicKeyInfo) =>
        "sha256:" + Convert.ToHexStringLower(SHA256.HashData(subjectPublicKeyInfo));

    public static string Fingerprint(ECDsa key) => Fingerprint(PublicKey(key));
}
