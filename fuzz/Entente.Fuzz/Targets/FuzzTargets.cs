using System.Text;
using Entente.Agreements;
using Entente.Exchange;
using Entente.Ingest;
using Entente.Ingest.Csv;
using Entente.Ingest.Edifact;
using Entente.Ingest.Json;
using Entente.Ingest.WcoXml;
using Entente.Ledger;
using Entente.Risk.Rules;

namespace Entente.Fuzz;

/// <summary>
/// One fuzzing target: a parser the node runs on bytes it does not control, and the harness that feeds it one input.
/// A harness lets the parser's own documented refusal (its format exception, with a message saying where and what)
/// pass and lets anything else escape: an escaping exception is a finding.
/// </summary>
public sealed record FuzzTarget(string Name, string Parser, Action<byte[]> Run);

public static class FuzzTargets
{
    public static IReadOnlyList<FuzzTarget> All { get; } =
    [
        new("wco-xml", "WcoXmlReader (WCO Data Model XML declarations)", bytes => Declarations(new WcoXmlReader(), bytes, "fuzz.xml")),
        new("edifact", "CusdecReader (UN/EDIFACT CUSDEC interchanges)", bytes => Declarations(new CusdecReader("EUR"), bytes, "fuzz.edi")),
        new("csv", "CsvReader with the de-import-extract mapping", bytes => Declarations(new CsvReader(FuzzFixtures.CsvMapping), bytes, "fuzz.csv")),
        new("json", "JsonDeclarationReader (canonical JSON declarations)", bytes => Declarations(new JsonDeclarationReader(), bytes, "fuzz.json")),
        new("mapping-yaml", "CsvMapping.Parse (CSV mapping YAML), then the mapping on a small extract", MappingYaml),
        new("agreement-yaml", "AgreementDocument.Parse (agreement YAML)", AgreementYaml),
        new("rules", "RuleSetCompiler (the risk rule language) and RuleSet.Evaluate", Rules),
        new("envelope", "Envelope.Read and Envelope.Open (COSE_Sign1 over COSE_Encrypt)", EnvelopeTarget),
        new("receipt", "Receipt.Verify and Receipt.FromCbor (signed receipts)", ReceiptTarget),
        new("checkpoint", "Checkpoint.Parse and Checkpoint.Open (signed-note checkpoints)", CheckpointTarget),
        new("cbor-batch", "ExchangeWire.DecodeBatch and DecodeResults (CBOR batches)", Batch),
    ];

    public static FuzzTarget? Find(string name) => All.FirstOrDefault(t => t.Name == name);

    private static void Declarations(IDeclarationReader reader, byte[] bytes, string file)
    {
        try
        {
            foreach (var record in reader.Read(new MemoryStream(bytes, writable: false), file))
            {
                _ = record.Declaration;
                foreach (var error in record.Errors) _ = error.ToString();
            }
        }
        catch (IngestFormatException)
        {
        }
    }

    private static void MappingYaml(byte[] bytes)
    {
        CsvMapping mapping;
        try
        {
            mapping = CsvMapping.Parse(Encoding.UTF8.GetString(bytes), "fuzz.yaml");
        }
        catch (CsvMappingException)
        {
            return;
        }
        // A mapping that parses is put to work on a small extract, as `ingest --mapping` would.
        Declarations(new CsvReader(mapping), FuzzFixtures.CsvSample, "sample.csv");
    }

    private static void AgreementYaml(byte[] bytes)
    {
        try
        {
            var agreement = AgreementDocument.Parse(Encoding.UTF8.GetString(bytes), "fuzz.yaml");
            _ = agreement.ContentHash;
        }
        catch (AgreementFormatException)
        {
        }
    }

    private static void Rules(byte[] bytes)
    {
        RuleSet set;
        try
        {
            set = RuleSetCompiler.Compile([new RuleSetFileContent("fuzz.rules", bytes)], relative => throw new FileNotFoundException($"{relative}: no such file", relative));
        }
        catch (RuleSetException)
        {
            return;
        }
        foreach (var declaration in FuzzFixtures.Declarations) _ = set.Evaluate(declaration);
    }

    private static void EnvelopeTarget(byte[] bytes)
    {
        var keys = FuzzFixtures.Keys;
        EnvelopeHeader header;
        System.Security.Cryptography.Cose.CoseSign1Message message;
        try
        {
            (message, header, _) = Envelope.Read(bytes);
        }
        catch (EnvelopeFormatException)
        {
            return;
        }
        // As received (the signature rarely holds after a mutation), then re-signed with the sender's key so the
        // mutated header and COSE_Encrypt payload reach the checks and the decryption behind the signature.
        _ = Envelope.Open(bytes, header.Recipient, keys.RecipientEncryption, _ => (keys.Sender, keys.SenderKeyId), header.CreatedAt);
        if (FuzzFixtures.Resign(message, keys.Sender) is { } resigned)
            _ = Envelope.Open(resigned, header.Recipient, keys.RecipientEncryption, _ => (keys.Sender, keys.SenderKeyId), header.CreatedAt);
    }

    private static void ReceiptTarget(byte[] bytes)
    {
        var keys = FuzzFixtures.Keys;
        try
        {
            _ = Receipt.Verify(bytes, keys.Recipient);
        }
        catch (EnvelopeFormatException)
        {
        }
        System.Security.Cryptography.Cose.CoseSign1Message message;
        try
        {
            message = System.Security.Cryptography.Cose.CoseMessage.DecodeSign1(bytes);
        }
        catch (Exception e) when (e is System.Security.Cryptography.CryptographicException or OverflowException)
        {
            return;
        }
        // Behind the signature: what a receipt with a valid signature but any content would make of the reader.
        if (FuzzFixtures.Resign(message, keys.Recipient) is { } resigned)
        {
            try
            {
                _ = Receipt.Verify(resigned, keys.Recipient);
            }
            catch (EnvelopeFormatException)
            {
            }
        }
    }

    private static void CheckpointTarget(byte[] bytes)
    {
        var note = Encoding.UTF8.GetString(bytes);
        var (parsed, _, _) = Checkpoint.Parse(note);
        if (parsed is not null) _ = parsed.Text;
        _ = Checkpoint.Open(note, FuzzFixtures.Keys.LogSpki);
    }

    private static void Batch(byte[] bytes)
    {
        try
        {
            foreach (var envelope in ExchangeWire.DecodeBatch(bytes))
            {
                try
                {
                    _ = Envelope.Read(envelope);
                }
                catch (EnvelopeFormatException)
                {
                }
            }
        }
        catch (EnvelopeFormatException)
        {
        }
        // The same bytes as a receiver's answer, which the sender reads.
        try
        {
            _ = ExchangeWire.DecodeResults(bytes);
        }
        catch (EnvelopeFormatException)
        {
        }
    }
}
