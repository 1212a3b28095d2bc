using System.CommandLine;
using System.Net.Http.Json;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json;
using Entente.Agreements;
using Entente.Identity;
using Entente.Ledger;
using Entente.Partners;

namespace Entente.Cli.Partners;

/// <summary>`entente partner add|list|show|remove|export`: the partner directory (docs/exchange.md, "Node identity and partners").</summary>
internal static class PartnerCommands
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { WriteIndented = true };

    public static Command Create()
    {
        var partner = new Command("partner", "The partner nodes this node exchanges with: endpoints and certificates, trusted through the agreements in force");
        partner.Add(Add());
        partner.Add(List());
        partner.Add(Show());
        partner.Add(Remove());
        partner.Add(Export());
        return partner;
    }

    private static Command Add()
    {
        var code = new Option<string>("--code") { Description = "The partner's node code (as the agreements name it)", Required = true };
        var endpoint = new Option<string>("--endpoint") { Description = "The partner node's URL (https://...; http only on loopback)", Required = true };
        var signingCert = new Option<string?>("--signing-cert") { Description = "The partner's node certificate (PEM or DER) instead of fetching it" };
        var encryptionCert = new Option<string?>("--encryption-cert") { Description = "The partner's encryption certificate (with --signing-cert)" };
        var chain = new Option<string?>("--chain") { Description = "The CA certificates above the partner's node certificate (PEM; with --signing-cert)" };
        var command = new NodeCommand("add", "Add a partner, or update its endpoint and certificates; refused unless an agreement in force lists its key")
        {
            code, endpoint, signingCert, encryptionCert, chain,
        };
        command.SetNodeAction(async (parse, services, ct) =>
        {
            var node = services.Node;
            var partnerCode = parse.GetValue(code)!;
            Uri url;
            try
            {
                url = PartnerEndpoint.Parse(parse.GetValue(endpoint)!);
            }
            catch (FormatException e)
            {
                throw new CliException("--endpoint: " + e.Message);
            }
            var output = parse.InvocationConfiguration.Output;
            string? name = null;
            X509Certificate2 signing, encryption;
            IReadOnlyList<X509Certificate2> above;
            if (parse.GetValue(signingCert) is { } signingFile)
            {
                var encryptionFile = parse.GetValue(encryptionCert) ?? throw new CliException("--signing-cert needs --encryption-cert too");
                signing = One(signingFile);
                encryption = One(encryptionFile);
                above = parse.GetValue(chain) is { } chainFile ? Read(() => NodeCertificates.Read(chainFile)) : [];
            }
            else
            {
                if (parse.GetValue(encryptionCert) is not null || parse.GetValue(chain) is not null)
                    throw new CliException("--encryption-cert and --chain go with --signing-cert; without them the certificates are fetched from the endpoint");
                var identity = await FetchAsync(url, ct);
                var source = Partner.IdentityUrl(url);
                if (identity.Code != partnerCode)
                    throw CliException.Refused($"{source}: the node there is {identity.Code}, not {partnerCode}");
                name = identity.Name;
                signing = Pem(identity.SigningCertificate, $"{source}: signingCertificate");
                encryption = Pem(identity.EncryptionCertificate, $"{source}: encryptionCertificate");
                above = identity.Chain.Select((c, i) => Pem(c, $"{source}: chain[{i}]")).ToArray();
                if (!command.Json(parse)) output.WriteLine($"Fetched {source}: {identity.Code} ({identity.Name}), key {identity.Fingerprint}");
            }

            var now = services.Get<TimeProvider>().GetUtcNow();
            var agreements = AgreementFile.ReadFolder(Path.Combine(node.Home, "agreements"), now).Select(f => f.Agreement).OfType<Agreement>().ToArray();
            var anchors = Read(() => NodeCertificates.TrustAnchors(node.Home));
            var trust = PartnerTrust.Check(partnerCode, signing, encryption, above, agreements, anchors, now);
            if (!trust.Trusted)
                throw CliException.Refused($"partner {partnerCode} refused:{Environment.NewLine}" + string.Join(Environment.NewLine, trust.Problems.Select(p => "  - " + p.Reason)));

            name ??= trust.Agreements[0].Party(partnerCode)!.Name;
            var directory = services.Get<PartnerDirectory>();
            var before = await directory.GetAsync(partnerCode, ct);
            var (stored, entry) = await directory.AddAsync(new Partner(partnerCode, name, url, signing.RawData, encryption.RawData, above.Select(c => c.RawData).ToArray(), now, now),
                services.Get<LedgerStore>(), new LedgerActor(Environment.UserName, node.Code), ct);
            var verb = before is null ? "added" : "updated";
            command.Print(parse,
                new { code = stored.Code, name = stored.Name, endpoint = stored.Endpoint, fingerprint = stored.Fingerprint, change = verb, agreements = trust.Agreements.Select(a => a.ToString()), ledgerEntry = entry },
                o =>
                {
                    o.WriteLine($"Partner {stored.Code} ({stored.Name}) {verb}: {stored.Endpoint}, key {stored.Fingerprint}");
                    o.WriteLine($"Trusted under: {string.Join(", ", trust.Agreements.Select(a => a.ToString()))}; ledger entry {entry}");
                });
            return 0;
        });
        return command;
    }

    private static Command List()
    {
        var command = new NodeCommand("list", "List the partners: code, name, endpoint, key fingerprint", json: true);
        command.SetNodeAction(async (parse, services, ct) =>
        {
            var partners = await services.Get<PartnerDirectory>().ListAsync(ct);
            var output = parse.InvocationConfiguration.Output;
            if (command.Json(parse))
            {
                output.WriteLine(JsonSerializer.Serialize(partners.Select(p => new { code = p.Code, name = p.Name, endpoint = p.Endpoint, fingerprint = p.Fingerprint, addedAt = p.AddedAt, updatedAt = p.UpdatedAt }), Json));
                return 0;
            }
            if (partners.Count == 0) output.WriteLine("No partners; add one with `entente partner add --code CC --endpoint URL`");
            foreach (var p in partners)
                output.WriteLine($"{p.Code,-10} {p.Name,-32} {p.Endpoint,-36} {p.Fingerprint}");
            return 0;
        });
        return command;
    }

    private static Command Show()
    {
        var code = new Argument<string>("CODE") { Description = "The partner's node code" };
        var command = new NodeCommand("show", "Show a partner: endpoint, fingerprint, certificate validity, the agreements in force that name it", json: true) { code };
        command.SetNodeAction(async (parse, services, ct) =>
        {
            var node = services.Node;
            var partnerCode = parse.GetValue(code)!;
            var partner = (await services.Get<PartnerDirectory>().ListAsync(ct)).FirstOrDefault(p => p.Code == partnerCode)
                ?? throw CliException.Refused($"no partner {partnerCode}; `entente partner list` shows them");
            var now = services.Get<TimeProvider>().GetUtcNow();
            var naming = AgreementFile.ReadFolder(Path.Combine(node.Home, "agreements"), now)
                .Where(f => f.Status.InForce && f.Agreement!.Party(partnerCode) is not null)
                .Select(f => new { id = f.Agreement!.Id, version = f.Agreement.Version, until = f.Agreement.ValidUntil, listsThisKey = f.Agreement.Party(partnerCode)!.Fingerprint == partner.Fingerprint })
                .ToArray();
            using var signing = partner.SigningX509();
            using var encryption = partner.EncryptionX509();
            var output = parse.InvocationConfiguration.Output;
            if (command.Json(parse))
            {
                output.WriteLine(JsonSerializer.Serialize(new
                {
                    code = partner.Code,
                    name = partner.Name,
                    endpoint = partner.Endpoint,
                    fingerprint = partner.Fingerprint,
                    issued = NodeCertificates.IsSelfIssued(signing) ? "self-issued" : "ca",
                    signingCertificate = new { subject = signing.Subject, issuer = signing.Issuer, notBefore = signing.NotBefore.ToUniversalTime(), notAfter = signing.NotAfter.ToUniversalTime() },
                    encryptionCertificate = new { subject = encryption.Subject, issuer = encryption.Issuer, notBefore = encryption.NotBefore.ToUniversalTime(), notAfter = encryption.NotAfter.ToUniversalTime() },
                    chain = partner.Chain.Count,
                    addedAt = partner.AddedAt,
                    updatedAt = partner.UpdatedAt,
                    agreements = naming,
                }, Json));
                return 0;
            }
            output.WriteLine($"Partner:      {partner.Code} ({partner.Name})");
            output.WriteLine($"Endpoint:     {partner.Endpoint}");
            output.WriteLine($"Fingerprint:  {partner.Fingerprint}");
            output.WriteLine($"Signing:      {signing.Subject}, {(NodeCertificates.IsSelfIssued(signing) ? "self-issued" : "issued by " + signing.Issuer)}, valid {signing.NotBefore.ToUniversalTime():yyyy-MM-dd} to {signing.NotAfter.ToUniversalTime():yyyy-MM-dd}");
            output.WriteLine($"Encryption:   {encryption.Subject}, valid {encryption.NotBefore.ToUniversalTime():yyyy-MM-dd} to {encryption.NotAfter.ToUniversalTime():yyyy-MM-dd}");
            output.WriteLine($"Added:        {partner.AddedAt:yyyy-MM-ddTHH:mm:ssZ}, updated {partner.UpdatedAt:yyyy-MM-ddTHH:mm:ssZ}");
            if (naming.Length == 0) output.WriteLine("Agreements:   none in force names it");
            foreach (var a in naming)
                output.WriteLine($"Agreement:    {a.id} v{a.version}, in force until {a.until:yyyy-MM-dd}{(a.listsThisKey ? "" : " (lists another key for it)")}");
            return 0;
        });
        return command;
    }

    private static Command Remove()
    {
        var code = new Argument<string>("CODE") { Description = "The partner's node code" };
        var command = new NodeCommand("remove", "Remove a partner from the directory (recorded in the ledger)") { code };
        command.SetNodeAction(async (parse, services, ct) =>
        {
            var partnerCode = parse.GetValue(code)!;
            var directory = services.Get<PartnerDirectory>();
            var partner = await directory.GetAsync(partnerCode, ct) ?? throw CliException.Refused($"no partner {partnerCode}; `entente partner list` shows them");
            var entry = await directory.RemoveAsync(partner, services.Get<LedgerStore>(), new LedgerActor(Environment.UserName, services.Node.Code), ct);
            command.Print(parse, new { code = partnerCode, removed = true, ledgerEntry = entry }, o => o.WriteLine($"Partner {partnerCode} removed; ledger entry {entry}"));
            return 0;
        });
        return command;
    }

    private static Command Export()
    {
        var signed = new Option<string>("--signed") { Description = "The file to write: this node and its partners (codes, certificates, key fingerprints) and the agreements in force, signed with this node's key", Required = true };
        var command = new NodeCommand("export", "Write the partner directory signed by this node, for a third party who checks evidence against it (`exchange verify --directory`)") { signed };
        command.SetNodeAction(async (parse, services, ct) =>
        {
            var node = services.Node;
            var identity = services.Get<NodeIdentity>();
            var now = services.Get<TimeProvider>().GetUtcNow();
            var partners = await services.Get<PartnerDirectory>().ListAsync(ct);
            var parties = new List<DirectoryParty> { SignedDirectory.PartyOf(identity.Code, identity.Name, identity.SigningCertificate) };
            foreach (var partner in partners)
            {
                using var certificate = partner.SigningX509();
                parties.Add(SignedDirectory.PartyOf(partner.Code, partner.Name, certificate));
            }
            var agreements = AgreementStatus.SelectInForce(AgreementFile.ReadFolder(Path.Combine(node.Home, "agreements"), now).Select(f => f.Agreement).OfType<Agreement>(), now)
                .Select(SignedDirectory.AgreementOf).ToArray();
            var bytes = new SignedDirectory(identity.Code, now, parties, agreements).Sign(identity.SigningKey);
            var file = parse.GetValue(signed)!;
            await File.WriteAllBytesAsync(file, bytes, ct);
            if (command.Json(parse))
            {
                CliOutput.WriteJson(parse, new { file, signer = identity.Code, fingerprint = identity.Fingerprint, partners = partners.Count, agreements = agreements.Length });
                return 0;
            }
            parse.InvocationConfiguration.Output.WriteLine($"Wrote {file}: {identity.Code} and {partners.Count} partner(s), {agreements.Length} agreement(s) in force, signed by {identity.Code} " +
                $"with key {identity.Fingerprint}; a third party who trusts that fingerprint checks evidence with " +
                $"`entente exchange verify --evidence DIR --directory {file} --signer {identity.Fingerprint}`");
            return 0;
        });
        return command;
    }

    private static async Task<IdentityDocument> FetchAsync(Uri endpoint, CancellationToken cancellationToken)
    {
        var source = Partner.IdentityUrl(endpoint);
        using var client = new HttpClient { Timeout = TimeSpan.FromSeconds(30), MaxResponseContentBufferSize = 1024 * 1024 };
        try
        {
            using var response = await client.GetAsync(source, cancellationToken);
            if (!response.IsSuccessStatusCode) throw CliException.Environment($"{source}: answered {(int)response.StatusCode} {response.ReasonPhrase}; expected the node's identity document");
            var identity = await response.Content.ReadFromJsonAsync<IdentityDocument>(Json, cancellationToken);
            if (identity is null || identity.Code is null || identity.SigningCertificate is null || identity.EncryptionCertificate is null)
                throw CliException.Refused($"{source}: not an identity document (expected code, name, fingerprint, signingCertificate, encryptionCertificate, chain)");
            return identity with { Chain = identity.Chain ?? [], Name = identity.Name ?? identity.Code };
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException && !cancellationToken.IsCancellationRequested)
        {
            throw CliException.Environment($"{source}: cannot reach the partner ({e.Message})");
        }
        catch (JsonException e)
        {
            throw CliException.Refused($"{source}: not an identity document ({e.Path}: {e.Message})");
        }
    }

    private static X509Certificate2 Pem(string pem, string where)
    {
        try
        {
            return X509Certificate2.CreateFromPem(pem);
        }
        catch (Exception e) when (e is System.Security.Cryptography.CryptographicException or ArgumentException)
        {
            throw CliException.Refused($"{where}: not a PEM certificate ({e.Message})");
        }
    }

    private static X509Certificate2 One(string file)
    {
        var certificates = Read(() => NodeCertificates.Read(file));
        return certificates.Count == 1 ? certificates[0] : throw CliException.Refused($"{file}: expected one certificate, found {certificates.Count}");
    }

    private static T Read<T>(Func<T> read)
    {
        try
        {
            return read();
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
