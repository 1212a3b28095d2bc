using System.Security.Cryptography;
using System.Security.Cryptography.Cose;
using System.Text;
using Entente.Declarations;
using Entente.Identity;
using Entente.Ingest.Csv;
using Entente.Tools.Generation;

namespace Entente.Fuzz;

/// <summary>What the harnesses hold fixed: a CSV mapping and extract, a few declarations, and the fuzzing keys.</summary>
public static class FuzzFixtures
{
    /// <summary>The mapping of docs/formats/csv-mapping.md's worked example (tests/Entente.Tests/Ingest/Csv/Samples).</summary>
    public const string CsvMappingYaml = """
        name: de-import-extract
        description: Import declarations, one row per goods item, with the inspection result of each item.

        csv:
          separator: ";"
          header: true
          encoding: utf-8
          decimal-separator: ","
          utc-offset: "+02:00"

        group-by: Declaration No        # consecutive rows with the same number are one declaration

        fields:
          - target: declaration.mrn
            column: Declaration No
            required: true
          - target: declaration.type
            value: IMA                  # every row of this extract is an import (a constant)
          - target: declaration.acceptance-date
            column: Accepted
            format: dd.MM.yyyy
          - target: declaration.office
            column: Office
          - target: party.declarant.id
            column: Declarant EORI
          - target: party.importer.id
            column: Importer EORI
          - target: party.importer.id-scheme
            value: EORI
          - target: party.importer.name
            column: Importer name
          - target: party.importer.city
            column: Importer city
          - target: transport.mode-at-border
            column: Transport
            map: { SEA: 1, RAIL: 2, ROAD: 3, AIR: 4, POST: 5 }
          - target: transport.means-id
            column: Vessel IMO
          - target: container.id
            column: Containers
          - target: item.hs-code
            column: Commodity
            scheme: CN
            edition: "2024"
            required: true
          - target: item.description
            column: Description
          - target: item.origin
            column: Origin
          - target: item.net-mass
            column: Net kg
          - target: item.gross-mass
            column: Gross kg
          - target: item.customs-value
            column: Value
          - target: item.currency
            column: Currency
          - target: item.procedure
            column: Procedure
          - target: item.previous-procedure
            column: Previous procedure

        labels:
          fraud:
            column: Result
            fraud-values: [FRAUD]
            not-fraud-values: [OK]
          critical-fraud:
            column: Critical
            critical-values: [Y]
          revenue:
            column: Recovered
        """;

    public static readonly byte[] CsvSample = Encoding.UTF8.GetBytes("""
        Declaration No;Accepted;Office;Declarant EORI;Importer EORI;Importer name;Importer city;Transport;Vessel IMO;Containers;Commodity;Description;Origin;Net kg;Gross kg;Value;Currency;Procedure;Previous procedure;Result;Critical;Recovered
        24DE004853000001A1;02.04.2024;DE004853;DE123456789012345;DE987654321000000;Kaffee Import GmbH;Hamburg;SEA;9811000;CSQU3054383;09012100;Coffee, roasted, not decaffeinated;BR;1200,5;1250;15400,00;EUR;40;00;OK;N;
        24DE004853000001A1;02.04.2024;DE004853;DE123456789012345;DE987654321000000;Kaffee Import GmbH;Hamburg;SEA;9811000;CSQU3054383;18069019;Chocolate, filled;BE;300;320;2100,00;EUR;40;00;FRAUD;N;412,80
        24DE004853000002B7;03.04.2024;DE004853;DE123456789012345;DE111111111000000;"Müller & Söhne KG";Bremen;AIR;;;85171300;"Smartphones; 20 units";CN;4,2;5;9800,00;EUR;40;00;OK;N;
        """ + "\n");

    public static CsvMapping CsvMapping { get; } = CsvMapping.Parse(CsvMappingYaml, "de-import-extract.yaml");

    public static IReadOnlyList<Declaration> Declarations { get; } = MakeDeclarations();

    public static FuzzKeys Keys { get; } = new();

    private static List<Declaration> MakeDeclarations()
    {
        var generator = new DeclarationGenerator(seed: 14, importingCountry: "NL", traders: 40);
        return [.. Enumerable.Range(0, 4).Select(i => generator.Next(out _))];
    }

    /// <summary>The message signed again, its protected headers but the algorithm kept, so the signature holds; null when they cannot be signed.</summary>
    public static byte[]? Resign(CoseSign1Message message, ECDsa key)
    {
        if (message.Content is not { } content) return null;
        try
        {
            var headers = new CoseHeaderMap();
            foreach (var (label, value) in message.ProtectedHeaders)
                if (label != CoseHeaderLabel.Algorithm && label != CoseHeaderLabel.CriticalHeaders) headers.Add(label, value);
            return CoseSign1Message.SignEmbedded(content.Span, new CoseSigner(key, HashAlgorithmName.SHA256, headers));
        }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException or CryptographicException)
        {
            return null;
        }
    }
}

/// <summary>
/// Fixed P-256 keys made for fuzzing only (they protect nothing): the seeds are sealed and signed with them, and the
/// harnesses open and check with them, so a mutated input reaches the code behind the signature and the decryption.
/// </summary>
public sealed class FuzzKeys
{
    public ECDsa Sender { get; } = Load("MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgK4NUhUW8EJyw+hnuM86ycG0alqVn5qrRBaYw9MjgdPehRANCAAQC3Ub3jrYa6K8F8Yq+338bNY0iqux8f1hDNrNKmWgbF6HmRNcgsbFRKgFNSd8tZd0Ce/WQGLtCwkjB2x5fKXHn");

    public ECDsa Recipient { get; } = Load("MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgUl/mMC/iD+HlwJG1o4NpdYGxwGBQG8+QI4b1nPdFK9OhRANCAATwTpaWHA9Etj/V+pdr56fMIdbK9VySJ1df4/dNoaUMf6v/eUh3vjt4ozarmCxuA2HxVToWGSsBayaC0KvrDgHV");

    public ECDiffieHellman RecipientEncryption { get; } = LoadDh("MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgPKh9Vwx2T1e91rmUFujXxxXzNzHs1I0WA0in+FIl/BKhRANCAAQgZDeRXO+U2/zbYjfsR7HjZhuRiT/xKQ8EZmHmcjcso5HYHJloUtnml5xT3AGpkkqvAljI93XByLxx4Qr/RhJx");

    public ECDsa Log { get; } = Load("MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQg5DV2wa18vWE4cNi6pcOr7Bu/tvy2sjMefXc/h4jwsuGhRANCAARacbcFw98NQ6g1axQ1lrPEPlx1g228SH1PAhYzApnwT6nGqg1Uacocs0dJfkkl7F4+yrHOd36NHo0bAvfHD71I");

    public string SenderKeyId => NodeKeys.Fingerprint(Sender.ExportSubjectPublicKeyInfo());

    public string RecipientKeyId => NodeKeys.Fingerprint(Recipient.ExportSubjectPublicKeyInfo());

    public byte[] LogSpki => Log.ExportSubjectPublicKeyInfo();

    private static ECDsa Load(string pkcs8)
    {
        var key = ECDsa.Create();
        key.ImportPkcs8PrivateKey(Convert.FromBase64String(pkcs8), out _);
        return key;
    }

    private static ECDiffieHellman LoadDh(string pkcs8)
    {
        var key = ECDiffieHellman.Create();
        key.ImportPkcs8PrivateKey(Convert.FromBase64String(pkcs8), out _);
        return key;
    }
}
