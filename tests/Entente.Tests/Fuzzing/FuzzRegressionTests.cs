using System.Text;
using Entente.Exchange;
using Entente.Fuzz;
using Entente.Ingest;
using Entente.Ingest.Csv;
using Entente.Ingest.Json;
using Entente.Tests.Support;

namespace Entente.Tests.Fuzzing;

/// <summary>
/// Every input with which afl-fuzz made a parser throw something other than its documented refusal
/// (tests/Entente.Tests/Fuzzing/regressions/TARGET/, docs/reliability.md) runs again through its harness, and each
/// finding's test checks the clear error the parser now gives instead.
/// </summary>
public sealed class FuzzRegressionTests
{
    private static string Folder => Path.Combine(SharedData.RepositoryRoot, "tests", "Entente.Tests", "Fuzzing", "regressions");

    private static byte[] Input(string target, string name) => File.ReadAllBytes(Path.Combine(Folder, target, name));

    public static TheoryData<string, string> Inputs()
    {
        var data = new TheoryData<string, string>();
        foreach (var dir in Directory.GetDirectories(Folder).Order())
            foreach (var file in Directory.GetFiles(dir).Order())
                data.Add(Path.GetFileName(dir), Path.GetFileName(file));
        return data;
    }

    [Theory]
    [MemberData(nameof(Inputs))]
    public void Every_crashing_input_found_by_fuzzing_is_now_refused_as_documented(string target, string input)
    {
        var harness = FuzzTargets.Find(target);
        Assert.True(harness is not null, $"regressions/{target}: no such fuzzing target");
        var escaped = Record.Exception(() => harness.Run(Input(target, input)));
        Assert.True(escaped is null, $"regressions/{target}/{input}: {escaped}");
    }

    [Fact]
    public void A_mapping_with_an_empty_key_is_refused_with_its_line_not_an_ArgumentException()
    {
        // "- : a": YamlDotNet's loader throws ArgumentException ("the current event is of an unsupported type").
        var yaml = Encoding.UTF8.GetString(Input("mapping-yaml", "empty-key.yaml"));
        var e = Assert.Throws<CsvMappingException>(() => CsvMapping.Parse(yaml, "extract.yaml"));
        var error = Assert.Single(e.Errors);
        Assert.Equal("extract.yaml", error.File);
        Assert.Equal(4, error.Line); // where the parser stopped: the end of the sequence holding the bad item
        Assert.Contains("empty key", error.Message, StringComparison.Ordinal);
        Assert.StartsWith("not valid YAML", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("stray-comma-after-object.json", 4, "expected a value (a declaration object '{') on line 4, got ','")]
    [InlineData("leading-comma-in-array.json", 1, "expected a value (a declaration object '{') on line 1, got ','")]
    public void A_comma_where_a_declaration_starts_is_refused_with_its_line_not_an_IndexOutOfRangeException(string input, long line, string message)
    {
        // The splitter made an empty element of it, and the reader indexed its first byte.
        using var stream = new MemoryStream(Input("json", input));
        var e = Assert.Throws<IngestFormatException>(() => new JsonDeclarationReader().Read(stream, input).ToList());
        Assert.Equal(new IngestError(input, line, "", message), e.Error);
    }

    [Fact]
    public void An_envelope_with_a_header_label_beyond_32_bits_is_refused_as_malformed_not_an_OverflowException()
    {
        // System.Security.Cryptography.Cose throws OverflowException (not CryptographicException) for it: the receiver
        // answered 500 for the whole batch, and the sender retried it until it expired.
        var bytes = Input("envelope", "header-label-beyond-int32.cose");
        var e = Assert.Throws<EnvelopeFormatException>(() => Envelope.Read(bytes));
        Assert.StartsWith("envelope: not a COSE_Sign1 message", e.Message, StringComparison.Ordinal);
        var keys = FuzzFixtures.Keys;
        var refused = Assert.IsType<EnvelopeOpening.Refused>(Envelope.Open(bytes, "KR", keys.RecipientEncryption, _ => (keys.Sender, keys.SenderKeyId), DateTimeOffset.UnixEpoch));
        Assert.Equal(RejectionCode.Malformed, refused.Rejection.Code);
    }

    [Fact]
    public void A_receipt_with_a_header_label_beyond_32_bits_is_refused_as_not_a_COSE_Sign1_message()
    {
        var e = Assert.Throws<EnvelopeFormatException>(() => Receipt.Verify(Input("receipt", "header-label-beyond-int32.cose"), FuzzFixtures.Keys.Recipient));
        Assert.StartsWith("receipt: not a COSE_Sign1 message", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Every_COSE_reader_refuses_a_header_label_beyond_32_bits_with_its_own_error()
    {
        // The same input through the other readers of signed objects: a partner's receipt read before its key is
        // known, a negative receipt, a signed partner directory. An OverflowException there aborted a dispatch round.
        var bytes = Input("receipt", "header-label-beyond-int32.cose");
        Assert.StartsWith("receipt: not a COSE_Sign1 message", Assert.Throws<EnvelopeFormatException>(() => Receipt.Read(bytes)).Message, StringComparison.Ordinal);
        Assert.StartsWith("negative receipt: not a COSE_Sign1 message",
            Assert.Throws<EnvelopeFormatException>(() => NegativeReceipt.Verify(bytes, FuzzFixtures.Keys.Recipient)).Message, StringComparison.Ordinal);
        var (directory, problems) = Entente.Partners.SignedDirectory.Open(bytes, "sha256:00");
        Assert.Null(directory);
        Assert.StartsWith("directory: not a COSE_Sign1 message", Assert.Single(problems), StringComparison.Ordinal);
    }
}
