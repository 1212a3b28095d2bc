using System.Text;
using System.Text.Json;
using Entente.Agreements;
using Entente.Declarations;
using Entente.Exchange;
using Entente.Ledger;
using Entente.Tools.Generation;
using Entente.Tools.Writers;

namespace Entente.Fuzz;

/// <summary>
/// Writes the seed corpora the project makes itself (fuzz/corpus/TARGET/): declarations from the generator in each
/// format, envelopes, receipts, batches and checkpoints sealed and signed with the fuzzing keys, small rule sets, and
/// the repository's own samples (tests/Entente.Tests/**/Samples, mappings/). Seeds stay small: afl-fuzz mutates them.
/// </summary>
internal static class Seeds
{
    private static readonly DateTimeOffset At = new(2026, 6, 15, 10, 0, 0, TimeSpan.Zero);

    public static void Write(string root)
    {
        var repo = FindRepository();
        var generator = new DeclarationGenerator(seed: 2026, importingCountry: "NL", traders: 40);
        var declarations = Enumerable.Range(0, 3).Select(i => generator.Next(out _)).ToList();

        var xml = Folder(root, "wco-xml");
        File.WriteAllText(Path.Combine(xml, "generated-one.xml"), WcoXmlWriter.ToXml(declarations[0], indent: false));
        using (var batch = File.Create(Path.Combine(xml, "generated-batch.xml"))) WcoXmlWriter.WriteBatch(batch, declarations.Take(2), indent: false);
        foreach (var sample in new[] { "import-declaration.xml", "batch.xml", "bad-number.xml", "wrong-namespace.xml", "truncated.xml" })
            File.Copy(Path.Combine(repo, "tests/Entente.Tests/Ingest/WcoXml/Samples", sample), Path.Combine(xml, sample), overwrite: true);

        var edi = Folder(root, "edifact");
        var options = new CusdecWriterOptions { Sender = "NLSENDER", Recipient = "NLCUSTOMS", ControlReference = "FUZZ1", PreparedAt = At };
        using (var one = File.Create(Path.Combine(edi, "generated-one.edi"))) CusdecWriter.WriteInterchange(one, declarations.Take(1), options);
        using (var two = File.Create(Path.Combine(edi, "generated-two-unow.edi")))
            CusdecWriter.WriteInterchange(two, declarations.Skip(1), new CusdecWriterOptions { Sender = "NLSENDER", Recipient = "NLCUSTOMS", ControlReference = "FUZZ2", PreparedAt = At, CharacterSet = EdifactCharacterSet.Unow, SegmentPerLine = false });
        File.Copy(Path.Combine(repo, "tests/Entente.Tests/Ingest/Edifact/Samples/cusdec-d96b-three-declarations.edi"), Path.Combine(edi, "cusdec-d96b-three-declarations.edi"), overwrite: true);

        var csv = Folder(root, "csv");
        var lines = Encoding.UTF8.GetString(FuzzFixtures.CsvSample).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        File.WriteAllBytes(Path.Combine(csv, "de-import-extract.csv"), FuzzFixtures.CsvSample);
        File.WriteAllText(Path.Combine(csv, "one-row.csv"), lines[0] + "\n" + lines[1] + "\n");
        File.WriteAllText(Path.Combine(csv, "quoted-row.csv"), lines[0] + "\r\n" + lines[3] + "\r\n");

        var json = Folder(root, "json");
        File.WriteAllText(Path.Combine(json, "one.json"), JsonSerializer.Serialize(declarations[0], EntenteJson.Options));
        File.WriteAllText(Path.Combine(json, "array.json"), JsonSerializer.Serialize(declarations.Take(2).ToList(), EntenteJson.Options));
        File.WriteAllText(Path.Combine(json, "lines.ndjson"), string.Join("\n", declarations.Select(d => JsonSerializer.Serialize(d, EntenteJson.Options))) + "\n");

        var mapping = Folder(root, "mapping-yaml");
        File.WriteAllText(Path.Combine(mapping, "de-import-extract.yaml"), FuzzFixtures.CsvMappingYaml);
        File.Copy(Path.Combine(repo, "mappings/kcs-synthetic-hs6.yaml"), Path.Combine(mapping, "kcs-synthetic-hs6.yaml"), overwrite: true);

        var agreement = Folder(root, "agreement-yaml");
        File.WriteAllText(Path.Combine(agreement, "bilateral.yaml"), BilateralYaml(repo));

        var rules = Folder(root, "rules");
        foreach (var (name, text) in RuleSets) File.WriteAllText(Path.Combine(rules, name), text);

        var keys = FuzzFixtures.Keys;
        var parsed = AgreementDocument.Parse(BilateralYaml(repo), "bilateral.yaml");
        var header = new EnvelopeHeader("m-1", "c-1", 1, "share", "NL", "KR", parsed.Id, parsed.ContentHash, Purpose.RiskManagement,
            DataCategory.Declarations, HandlingCode.H2, new EvaluationCode('B', 2), At, At.AddDays(30));
        var payload = Encoding.UTF8.GetBytes("""{"goodsShipment":{"goodsItems":[{"classification":{"code":"854231"},"originCountryCode":"CN"}]}}""");
        var envelope = Envelope.Seal(header, payload, keys.Sender, keys.SenderKeyId, keys.RecipientEncryption);
        var alert = header with { MessageId = "m-2", Sequence = 2, Kind = "alert", Category = DataCategory.Alerts, AlertCategory = "discreet-check", CaseReference = "NL-2026-7" };
        var alertEnvelope = Envelope.Seal(alert, "{\"alert\":\"x\"}"u8, keys.Sender, keys.SenderKeyId, keys.RecipientEncryption);
        File.WriteAllBytes(Path.Combine(Folder(root, "envelope"), "declaration.cose"), envelope);
        File.WriteAllBytes(Path.Combine(Folder(root, "envelope"), "alert.cose"), alertEnvelope);

        var receipt = Receipt.Sign(header, Envelope.Digest(envelope), At.AddMinutes(1), keys.Recipient, keys.RecipientKeyId);
        File.WriteAllBytes(Path.Combine(Folder(root, "receipt"), "receipt.cose"), receipt);

        var batches = Folder(root, "cbor-batch");
        File.WriteAllBytes(Path.Combine(batches, "two-envelopes.cbor"), ExchangeWire.EncodeBatch([envelope, alertEnvelope]));
        File.WriteAllBytes(Path.Combine(batches, "results.cbor"), ExchangeWire.EncodeResults([
            new DeliveryResult("m-1", Envelope.Digest(envelope), receipt, null),
            new DeliveryResult("m-2", Envelope.Digest(alertEnvelope), null, new Rejection(RejectionCode.Expired, "expired")),
        ]));

        var checkpoints = Folder(root, "checkpoint");
        var root32 = System.Security.Cryptography.SHA256.HashData("fuzz"u8);
        File.WriteAllText(Path.Combine(checkpoints, "signed.txt"), new Checkpoint("entente.example/NL/ledger", 42, root32).Sign(keys.Log));
        File.WriteAllText(Path.Combine(checkpoints, "cosigned.txt"), new Checkpoint("entente.example/NL/ledger", 7, root32).Sign(keys.Log).TrimEnd('\n') + "\n— witness.example AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\n");
    }

    private static readonly (string Name, string Text)[] RuleSets =
    [
        ("targeting.rules", """
            ruleset "kr-import-targeting" version 1

            list watched-origins of countries = CN, VN, TH

            rule very-cheap "goods declared far below any usual unit value":
              if same item (value-per-kg < 50 and net-mass > 100)
              then score 40
              because "a unit value under 50 per kg on a consignment over 100 kg"

            rule watched-origin-high-duty "high duty on goods from watched origins":
              if origin in list watched-origins and duty-rate >= 8
              then score 15

            test "a very cheap heavy consignment scores":
              given hs "6907221000", origin CN, value 1000, net-mass 5000
              expect fires very-cheap, not fires watched-origin-high-duty

            """),
        ("lane.rules", """
            ruleset "t" version 2
            # A lane rule and a negation.
            rule red-lane "chapter 93 goes red":
              if hs starts with "93" and not origin = NL
              then red

            """),
    ];

    private static string BilateralYaml(string repo)
    {
        var keys = FuzzFixtures.Keys;
        return File.ReadAllText(Path.Combine(repo, "tests/Entente.Tests/Agreements/Samples/bilateral.yaml"))
            .Replace("{NL}", keys.SenderKeyId, StringComparison.Ordinal)
            .Replace("{KR}", keys.RecipientKeyId, StringComparison.Ordinal);
    }

    private static string Folder(string root, string target)
    {
        var path = Path.Combine(root, target);
        Directory.CreateDirectory(path);
        return path;
    }

    private static string FindRepository()
    {
        for (var dir = new DirectoryInfo(Directory.GetCurrentDirectory()); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "Entente.slnx"))) return dir.FullName;
        throw new InvalidOperationException("run from inside the repository (no Entente.slnx above the current folder)");
    }
}
