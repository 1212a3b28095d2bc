using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Entente.Identity;

/// <summary>
/// Who this node is to its partners: the signing key (ECDSA P-256) and its certificate, the encryption key (ECDH P-256)
/// and its certificate issued by the signing one, and the chain to the network's CA when there is one. All of it lives
/// in the home's keys/ folder (docs/exchange.md, "Node identity and partners").
/// </summary>
public sealed class NodeIdentity : IDisposable
{
    private NodeIdentity(string code, string name, ECDsa signingKey, ECDiffieHellman encryptionKey,
        X509Certificate2 signingCertificate, X509Certificate2 encryptionCertificate, IReadOnlyList<X509Certificate2> chain)
    {
        Code = code;
        Name = name;
        SigningKey = signingKey;
        EncryptionKey = encryptionKey;
        SigningCertificate = signingCertificate;
        EncryptionCertificate = encryptionCertificate;
        Chain = chain;
        Fingerprint = NodeKeys.Fingerprint(signingKey);
    }

    public string Code { get; }

    public string Name { get; }

    public ECDsa SigningKey { get; }

    public ECDiffieHellman EncryptionKey { get; }

    /// <summary>The node certificate (keys/node.crt): the signing key's, self-issued or the network CA's.</summary>
    public X509Certificate2 SigningCertificate { get; }

    /// <summary>The encryption key's certificate (keys/encryption.crt), issued by <see cref="SigningCertificate"/>.</summary>
    public X509Certificate2 EncryptionCertificate { get; }

    /// <summary>The CA certificates above <see cref="SigningCertificate"/> (keys/node-chain.pem); empty when self-issued.</summary>
    public IReadOnlyList<X509Certificate2> Chain { get; }

    /// <summary>The signing key's fingerprint, the one agreements list for this node.</summary>
    public string Fingerprint { get; }

    public bool SelfIssued => NodeCertificates.IsSelfIssued(SigningCertificate);

    /// <summary>
    /// Loads the node's keys and certificates from <paramref name="home"/>; a missing or mismatched file is named with
    /// the command that makes it.
    /// </summary>
    public static NodeIdentity Load(string home, string code, string name)
    {
        var signingKey = NodeKeys.LoadSigningKey(home);
        ECDiffieHellman? encryptionKey = null;
        try
        {
            encryptionKey = NodeKeys.LoadEncryptionKey(home);
            var signing = ReadOne(NodeKeys.NodeCertificatePath(home), home);
            var encryption = ReadOne(NodeKeys.EncryptionCertificatePath(home), home);
            var chainPath = NodeKeys.ChainPath(home);
            var chain = File.Exists(chainPath) && new FileInfo(chainPath).Length > 0 ? NodeCertificates.Read(chainPath) : [];
            if (!signing.PublicKey.ExportSubjectPublicKeyInfo().AsSpan().SequenceEqual(signingKey.ExportSubjectPublicKeyInfo()))
                throw new InvalidDataException($"{NodeKeys.NodeCertificatePath(home)}: not the certificate of {NodeKeys.SigningKeyPath(home)}; install the right one with `entente node cert import --home {home} --cert FILE`");
            if (!encryption.PublicKey.ExportSubjectPublicKeyInfo().AsSpan().SequenceEqual(encryptionKey.ExportSubjectPublicKeyInfo()))
                throw new InvalidDataException($"{NodeKeys.EncryptionCertificatePath(home)}: not the certificate of {NodeKeys.EncryptionKeyPath(home)}; remove it and run `entente node keys --home {home}` to issue it again");
            return new NodeIdentity(code, name, signingKey, encryptionKey, signing, encryption, chain);
        }
        catch
        {
            signingKey.Dispose();
            encryptionKey?.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Makes the keys and certificates <paramref name="home"/> lacks (signing key, subject key, encryption key, node
    /// certificate, encryption certificate), never replacing one. Returns the files made.
    /// </summary>
    public static IReadOnlyList<string> CreateMissing(string home, string code, string name, TimeProvider time, IEnumerable<string>? hostNames = null)
    {
        var made = new List<string>();
        if (!NodeKeys.HasSigningKey(home))
        {
            NodeKeys.CreateSigningKey(home).Dispose();
            made.Add(NodeKeys.SigningKeyPath(home));
        }
        if (!File.Exists(NodeKeys.SubjectKeyPath(home)))
        {
            NodeKeys.CreateSubjectKey(home);
            made.Add(NodeKeys.SubjectKeyPath(home));
        }
        if (!File.Exists(NodeKeys.EncryptionKeyPath(home)))
        {
            NodeKeys.CreateEncryptionKey(home).Dispose();
            made.Add(NodeKeys.EncryptionKeyPath(home));
        }
        using var signingKey = NodeKeys.LoadSigningKey(home);
        if (!File.Exists(NodeKeys.NodeCertificatePath(home)))
        {
            using var certificate = NodeCertificates.IssueSelf(signingKey, code, name, time.GetUtcNow(), hostNames ?? []);
            WriteNew(NodeKeys.NodeCertificatePath(home), certificate.ExportCertificatePem() + "\n");
            made.Add(NodeKeys.NodeCertificatePath(home));
        }
        if (!File.Exists(NodeKeys.EncryptionCertificatePath(home)))
        {
            using var encryptionKey = NodeKeys.LoadEncryptionKey(home);
            using var issuer = ReadOne(NodeKeys.NodeCertificatePath(home), home);
            using var certificate = NodeCertificates.IssueEncryption(issuer, signingKey, encryptionKey, code, name, time.GetUtcNow());
            WriteNew(NodeKeys.EncryptionCertificatePath(home), certificate.ExportCertificatePem() + "\n");
            made.Add(NodeKeys.EncryptionCertificatePath(home));
        }
        return made;
    }

    /// <summary>
    /// Installs a node certificate issued by the network's CA (with the CA chain above it) in place of the current one,
    /// and issues the encryption certificate again under it. Refuses, with every reason, a certificate for another key or
    /// another code, one not valid now, or one that does not chain to the home's trust anchors when there are some.
    /// </summary>
    public static void InstallCertificate(string home, string code, string name, X509Certificate2 certificate,
        IReadOnlyList<X509Certificate2> chain, TimeProvider time)
    {
        using var signingKey = NodeKeys.LoadSigningKey(home);
        using var encryptionKey = NodeKeys.LoadEncryptionKey(home);
        var now = time.GetUtcNow();
        var problems = NodeCertificates.ImportProblems(certificate, signingKey, code, chain, NodeCertificates.TrustAnchors(home), now);
        if (problems.Count > 0) throw new InvalidOperationException($"{NodeKeys.NodeCertificatePath(home)} not replaced: {string.Join("; ", problems)}");
        using var encryption = NodeCertificates.IssueEncryption(certificate, signingKey, encryptionKey, code, name, now);
        // Write everything beside its place first, then move: a failure leaves the old files whole.
        var files = new List<(string Path, string Text)>
        {
            (NodeKeys.ChainPath(home), NodeCertificates.Pem(chain)),
            (NodeKeys.NodeCertificatePath(home), certificate.ExportCertificatePem() + "\n"),
            (NodeKeys.EncryptionCertificatePath(home), encryption.ExportCertificatePem() + "\n"),
        };
        foreach (var (path, text) in files) File.WriteAllText(path + ".new", text);
        foreach (var (path, _) in files) File.Move(path + ".new", path, overwrite: true);
    }

    /// <summary>The node certificate with the signing key attached, for TLS client or server authentication.</summary>
    public X509Certificate2 SigningCertificateWithKey() => SigningCertificate.CopyWithPrivateKey(SigningKey);

    /// <summary>What GET /api/exchange/identity serves: the public half of this identity.</summary>
    public IdentityDocument Document() => new(Code, Name, Fingerprint, SigningCertificate.ExportCertificatePem(),
        EncryptionCertificate.ExportCertificatePem(), Chain.Select(c => c.ExportCertificatePem()).ToArray());

    public void Dispose()
    {
        SigningKey.Dispose();
        EncryptionKey.Dispose();
        SigningCertificate.Dispose();
        EncryptionCertificate.Dispose();
        foreach (var c in Chain) c.Dispose();
    }

    private static X509Certificate2 ReadOne(string path, string home)
    {
        if (!File.Exists(path))
            throw new FileNotFoundException($"{path}: this node has no such certificate; make it with `entente node keys --home {home}`", path);
        return NodeCertificates.Read(path)[0];
    }

    private static void WriteNew(string path, string text)
    {
        try
        {
            using var file = new StreamWriter(path, new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write, Share = FileShare.None });
            file.Write(text);
        }
        catch (IOException) when (File.Exists(path))
        {
            throw new InvalidOperationException($"{path} exists already: a certificate is replaced only by `entente node cert import`");
        }
    }
}

/// <summary>A node's public identity as it serves it (GET /api/exchange/identity): certificates in PEM.</summary>
public sealed record IdentityDocument(string Code, string Name, string Fingerprint, string SigningCertificate, string EncryptionCertificate, IReadOnlyList<string> Chain);
