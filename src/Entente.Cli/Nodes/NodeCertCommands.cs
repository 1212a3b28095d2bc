using System.CommandLine;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json;
using Entente.Identity;

namespace Entente.Cli.Nodes;

/// <summary>`entente node cert request|import|show`: the node certificate under a network CA (docs/exchange.md).</summary>
internal static class NodeCertCommands
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { WriteIndented = true };

    public static Command Create()
    {
        var cert = new Command("cert", "The node's certificates: request one from the network's CA, install it, show them");
        cert.Add(Request());
        cert.Add(Import());
        cert.Add(Show());
        return cert;
    }

    private static Command Request()
    {
        var output = new Option<string?>("--out") { Description = "Write the request to this file (default: print it)" };
        var command = new NodeCommand("request", "Write a PKCS#10 certificate request (PEM) for the node's signing key, to send to the network's CA") { output };
        command.SetAction(parse =>
        {
            var node = command.Node(parse);
            using var key = Load(() => NodeKeys.LoadSigningKey(node.Home));
            var pem = NodeCertificates.Request(key, node.Code, node.Name, node.HostNames) + "\n";
            var file = parse.GetValue(output);
            if (file is not null) File.WriteAllText(file, pem);
            var subject = NodeCertificates.Subject(node.Code, node.Name).Name;
            command.Print(parse, new { subject, fingerprint = NodeKeys.Fingerprint(key), file, request = pem }, o =>
            {
                if (file is null) o.Write(pem);
                else o.WriteLine($"Wrote {file}: the request for {subject} ({NodeKeys.Fingerprint(key)}); " +
                    $"install what the CA issues with `entente node cert import --home {node.Home} --cert FILE --chain CA-CHAIN`");
            });
            return 0;
        });
        return command;
    }

    private static Command Import()
    {
        var certificate = new Option<string>("--cert") { Description = "The node certificate the CA issued (PEM or DER)", Required = true };
        var chain = new Option<string?>("--chain") { Description = "The CA certificates above it (PEM)" };
        var command = new NodeCommand("import", "Install the node certificate a network CA issued for the signing key, and issue the encryption certificate again under it") { certificate, chain };
        command.SetAction(parse =>
        {
            var node = command.Node(parse);
            var issued = Load(() => NodeCertificates.Read(parse.GetValue(certificate)!));
            var above = parse.GetValue(chain) is { } chainFile ? Load(() => NodeCertificates.Read(chainFile)) : [];
            if (issued.Count != 1) throw CliException.Refused($"--cert {parse.GetValue(certificate)}: expected one certificate, found {issued.Count}; give the CA's with --chain");
            try
            {
                NodeIdentity.InstallCertificate(node.Home, node.Code, node.Name, issued[0], above, TimeProvider.System);
            }
            catch (InvalidOperationException e)
            {
                throw CliException.Refused(e.Message);
            }
            using var identity = Load(() => NodeIdentity.Load(node.Home, node.Code, node.Name));
            command.Print(parse,
                new
                {
                    installed = NodeKeys.NodeCertificatePath(node.Home),
                    subject = identity.SigningCertificate.Subject,
                    issuer = identity.SigningCertificate.Issuer,
                    encryptionCertificate = NodeKeys.EncryptionCertificatePath(node.Home),
                    chain = identity.Chain.Count,
                },
                o =>
                {
                    o.WriteLine($"Installed {NodeKeys.NodeCertificatePath(node.Home)}: {identity.SigningCertificate.Subject}, issued by {identity.SigningCertificate.Issuer}");
                    o.WriteLine($"Issued again {NodeKeys.EncryptionCertificatePath(node.Home)} under it; chain of {identity.Chain.Count} in {NodeKeys.ChainPath(node.Home)}");
                });
            return 0;
        });
        return command;
    }

    private static Command Show()
    {
        var command = new NodeCommand("show", "Print the node's certificates: subject, issuer, validity, fingerprints, self-issued or CA", json: true);
        command.SetAction(parse =>
        {
            var node = command.Node(parse);
            using var identity = Load(() => NodeIdentity.Load(node.Home, node.Code, node.Name));
            var anchors = Load(() => NodeCertificates.TrustAnchors(node.Home));
            var certificates = new[] { ("signing", identity.SigningCertificate), ("encryption", identity.EncryptionCertificate) }
                .Select(c => Describe(c.Item1, c.Item2)).Concat(identity.Chain.Select(c => Describe("chain", c))).ToArray();
            var output = parse.InvocationConfiguration.Output;
            if (command.Json(parse))
            {
                output.WriteLine(JsonSerializer.Serialize(new
                {
                    code = identity.Code,
                    fingerprint = identity.Fingerprint,
                    issued = identity.SelfIssued ? "self-issued" : "ca",
                    trustAnchors = anchors.Count,
                    certificates,
                }, Json));
                return 0;
            }
            output.WriteLine($"Node:         {identity.Code} ({identity.Name})");
            output.WriteLine($"Fingerprint:  {identity.Fingerprint} (the signing key's, as agreements list it)");
            output.WriteLine($"Issued:       {(identity.SelfIssued ? "self-issued (pilot)" : "by a CA")}; {anchors.Count} trust anchor(s) in {NodeCertificates.TrustPath(node.Home)}");
            foreach (var c in certificates)
            {
                output.WriteLine($"{c.Role + ":",-13} {c.Subject}");
                output.WriteLine($"  issuer:     {c.Issuer}");
                output.WriteLine($"  valid:      {c.NotBefore:yyyy-MM-ddTHH:mm:ssZ} to {c.NotAfter:yyyy-MM-ddTHH:mm:ssZ}");
                output.WriteLine($"  cert hash:  {c.Sha256}");
            }
            return 0;
        });
        return command;
    }

    private sealed record CertificateView(string Role, string Subject, string Issuer, DateTimeOffset NotBefore, DateTimeOffset NotAfter, string Sha256, string KeyFingerprint);

    private static CertificateView Describe(string role, X509Certificate2 c) =>
        new(role, c.Subject, c.Issuer, c.NotBefore.ToUniversalTime(), c.NotAfter.ToUniversalTime(), NodeCertificates.CertificateFingerprint(c), NodeCertificates.KeyFingerprint(c));

    private static T Load<T>(Func<T> load)
    {
        try
        {
            return load();
        }
        catch (FileNotFoundException e)
        {
            throw new CliException(e.Message);
        }
        catch (InvalidDataException e)
        {
            throw CliException.Refused(e.Message);
        }
    }
}
