using System.Text;
using System.Text.RegularExpressions;
using Entente.Declarations;
using Entente.Ingest;
using Entente.Ingest.Csv;
using Entente.Storage;
using Entente.Tests.Ingest.Csv;
using Entente.Tests.Storage;
using Entente.Tools.Generation;
using Entente.Tools.Writers;

namespace Entente.Tests.Declarations;

/// <summary>
/// Issue 14, finding 8: control characters (NUL, ESC, line breaks, DEL, C1) in identifiers and codes, and values of
/// 100 KB in code fields, are refused with the field path and the expected format, in every input format, because
/// every reader yields the one Declaration model that DeclarationValidator checks against FieldFormats.
/// </summary>
public sealed class FieldFormatTests
{
    private static readonly string[] Controls = ["\0", "\x1B", "\n", "\r", "\x7F", "\x85", "\t"];

    private static readonly (string Field, string Path, Action<Declaration, string> Set)[] Fields =
    [
        ("mrn", "/mrn", (d, v) => d.Mrn = v),
        ("lrn", "/lrn", (d, v) => d.Lrn = v),
        ("party id", "/parties/2/id", (d, v) => d.Parties[2].Id = v),
        ("postcode", "/parties/0/address/postcodeId", (d, v) => d.Parties[0].Address!.PostcodeId = v),
        ("declaration type code", "/typeCode", (d, v) => d.TypeCode = v),
        ("commodity code", "/goodsShipment/goodsItems/0/classification/code", (d, v) => d.GoodsShipment.GoodsItems[0].Classification = d.GoodsShipment.GoodsItems[0].Classification! with { Code = v }),
        ("procedure code", "/goodsShipment/goodsItems/0/requestedProcedureCode", (d, v) => d.GoodsShipment.GoodsItems[0].RequestedProcedureCode = v),
        ("container number", "/goodsShipment/consignment/containers/0/id", (d, v) => d.GoodsShipment.Consignment.Containers[0].Id = v),
        ("document type code", "/previousDocuments/0/typeCode", (d, v) => d.PreviousDocuments[0].TypeCode = v),
        ("office", "/declarationOfficeId", (d, v) => d.DeclarationOfficeId = v),
    ];

    public static TheoryData<string> FieldNames => new(Fields.Select(f => f.Field));

    private static Declaration Valid()
    {
        var declaration = new DeclarationGenerator(seed: 14).Generate(1).First().Declaration!;
        declaration.Mrn = "26GB00000000000014";
        declaration.Parties[0].Address!.PostcodeId = "CT17 9BU";
        declaration.GoodsShipment.GoodsItems[0].RequestedProcedureCode = "4000";
        if (declaration.GoodsShipment.Consignment.Containers.Count == 0) declaration.GoodsShipment.Consignment.Containers.Add(new Container { Id = "CSQU3054383" });
        declaration.PreviousDocuments.Add(new Document { CategoryCode = "Z", TypeCode = "DCR", Id = "5GB553202734852-20250727" });
        Assert.Empty(DeclarationValidator.Validate(declaration));
        return declaration;
    }

    [Theory, MemberData(nameof(FieldNames))]
    public void A_control_character_in_an_identifier_or_code_is_refused_with_the_field_path(string field)
    {
        var (_, path, set) = Fields.Single(f => f.Field == field);
        foreach (var control in Controls)
        {
            var declaration = Valid();
            set(declaration, "1" + control + "2");

            var problem = Assert.Single(DeclarationValidator.Validate(declaration), p => p.Path == path);
            Assert.Contains($"U+{(int)control[0]:X4}", problem.Message, StringComparison.Ordinal);
            Assert.Contains("at character 2", problem.Message, StringComparison.Ordinal);
            Assert.Contains("no control characters", problem.Message, StringComparison.Ordinal);
            Assert.DoesNotContain(control, problem.Message, StringComparison.Ordinal);
        }
    }

    [Theory, MemberData(nameof(FieldNames))]
    public void A_value_of_100_KB_is_refused_with_the_field_path_and_the_expected_format(string field)
    {
        var (_, path, set) = Fields.Single(f => f.Field == field);
        var declaration = Valid();
        set(declaration, new string('1', 100 * 1024));

        var problem = Assert.Single(DeclarationValidator.Validate(declaration), p => p.Path == path);
        Assert.Matches(@"^expected (an|n)\.\.\d+, no control characters: at most \d+ characters, got 102400$", problem.Message);
    }

    [Fact]
    public void Free_text_may_keep_its_layout_but_no_escape_or_NUL()
    {
        // Multi-line marks, descriptions and addresses are common in real extracts (DE 6/11 an..512).
        var declaration = Valid();
        declaration.GoodsShipment.GoodsItems[0].Description = "Laptops\tand chargers\r\nin 4 cartons";
        declaration.Parties[0].Name = "Harbour\tImports";
        Assert.Empty(DeclarationValidator.Validate(declaration));

        declaration.GoodsShipment.GoodsItems[0].Description = "Laptops\0and chargers";
        declaration.Parties[0].Name = "Harbour\x1B[31mImports";
        var problems = DeclarationValidator.Validate(declaration);
        Assert.Equal(["/goodsShipment/goodsItems/0/description", "/parties/0/name"], problems.Select(p => p.Path).Order(StringComparer.Ordinal));
        Assert.All(problems, p => Assert.Contains("no control characters but tab and line breaks", p.Message, StringComparison.Ordinal));
    }

    [Fact]
    public void Names_follow_the_wco_length_an70()
    {
        var declaration = Valid();
        declaration.Parties[0].Name = new string('N', 71);
        var problem = Assert.Single(DeclarationValidator.Validate(declaration));
        Assert.Equal(("/parties/0/name", "expected an..70, no control characters but tab and line breaks: at most 70 characters, got 71"), (problem.Path, problem.Message));
    }

    // ------------------------------------------------------------ every input format, through the ingest pipeline

    public static TheoryData<string, string, string> FormatCases
    {
        get
        {
            var cases = new TheoryData<string, string, string>();
            foreach (var format in new[] { "json", "wco-xml", "edifact" })
            {
                foreach (var name in new[] { "mrn", "party id", "postcode", "declaration type code" })
                {
                    foreach (var control in new[] { "ESC", "line feed", "NUL" })
                    {
                        // XML 1.0 cannot carry NUL or ESC at all: its reader refuses the document (tested in WcoXmlReaderTests).
                        if (format == "wco-xml" && control != "line feed") continue;
                        // EDIFACT line breaks are layout, dropped by the tokenizer wherever they are: they never reach a field.
                        if (format == "edifact" && control == "line feed") continue;
                        cases.Add(format, name, control);
                    }
                }
                cases.Add(format, "declaration type code", "100 KB");
            }
            return cases;
        }
    }

    [Theory, MemberData(nameof(FormatCases))]
    public async Task Each_input_format_refuses_control_characters_and_huge_codes_naming_the_field(string format, string field, string what)
    {
        var (_, path, set) = Fields.Single(f => f.Field == field);
        var declaration = Valid();
        var value = what == "100 KB" ? new string('1', 100 * 1024) : "1" + what switch { "ESC" => "\x1B", "line feed" => "\n", _ => "\0" } + "2";
        set(declaration, value);
        var (bytes, declared) = format switch
        {
            "json" => (Encoding.UTF8.GetBytes(EntenteJson.Serialize(declaration)), DeclarationFormat.Json),
            "wco-xml" => (Encoding.UTF8.GetBytes(WcoXmlWriter.ToXml(declaration)), DeclarationFormat.WcoXml),
            _ => (Edifact(declaration), DeclarationFormat.Edifact),
        };

        var report = await IngestAsync(bytes, declared, null);

        Assert.Equal(0, report.Accepted);
        Assert.False(report.Succeeded);
        var errors = string.Join("\n", report.Errors.Select(e => $"{e.Path}: {e.Message}"));
        var expected = what == "100 KB" ? "at most 10 characters, got 102400" : "control character";
        // The error says where: the field's path (the file's own element or segment, with the canonical pointer).
        // Parties come back in the reader's order: the pointer is matched with any index.
        var pointer = new Regex(Regex.Replace(Regex.Escape(path), @"/\d+", @"/\d+"));
        var atField = report.Errors.Any(e => e.Message.Contains(expected, StringComparison.Ordinal) && pointer.IsMatch(e.Path + " " + e.Message));
        // EDIFACT's tokenizer refuses binary bytes (NUL, ESC) and oversized segments before any field is read, naming the segment and line.
        var segment = format == "edifact" && what != "line feed" &&
            report.Errors.Any(e => Regex.IsMatch(e.Path + " " + e.Message, @"segment \d+ (binary content at line \d+|\(\w+\) is longer than 64 KiB)"));
        Assert.True(atField || segment, errors);
    }

    [Theory]
    [InlineData("LRN", "A\x1B" + "1", "/lrn")]
    [InlineData("Exporter", "DE12\u00003", "/parties/0/id")]
    [InlineData("Containers", "CSQU30\n54383", "/goodsShipment/consignment/containers/0/id")]
    public async Task A_csv_extract_refuses_control_characters_naming_the_column_and_field(string column, string value, string path)
    {
        var columns = CsvReaderTests.Header.Split(';');
        var row = "A1;01.03.2024;DE123456789;Muster GmbH;10;CSQU3054383;84713000;Laptops;12,5;1200,00;EUR;CN;R1;0;N;".Split(';');
        row[Array.IndexOf(columns, column)] = "\"" + value + "\"";
        var csv = CsvReaderTests.Header + "\n" + string.Join(';', row) + "\n";

        var report = await IngestAsync(Encoding.UTF8.GetBytes(csv), DeclarationFormat.Csv, CsvMapping.Parse(CsvReaderTests.Mapping, "test.yaml"));

        Assert.Equal(0, report.Accepted);
        var errors = string.Join("\n", report.Errors.Select(e => $"{e.Path}: {e.Message}"));
        Assert.True(report.Errors.Any(e => (e.Message.Contains("control character", StringComparison.Ordinal) && (e.Path + e.Message).Contains(path, StringComparison.Ordinal))
            || e.Message.Contains("binary data (a NUL character) on line 2", StringComparison.Ordinal)), errors);
    }

    [Fact]
    public async Task A_csv_extract_refuses_a_commodity_code_of_60_KB()
    {
        // Fields over 100,000 characters the CSV reader refuses itself (csv.max-field-length); this one reaches the validator.
        var row = "A1;01.03.2024;DE123456789;Muster GmbH;10;CSQU3054383;" + new string('8', 60 * 1024) + ";Laptops;12,5;1200,00;EUR;CN;R1;0;N;";
        var report = await IngestAsync(Encoding.UTF8.GetBytes(CsvReaderTests.Header + "\n" + row + "\n"), DeclarationFormat.Csv, CsvMapping.Parse(CsvReaderTests.Mapping, "test.yaml"));

        Assert.Equal(0, report.Accepted);
        var errors = string.Join("\n", report.Errors.Select(e => $"{e.Path}: {e.Message}"));
        Assert.True(report.Errors.Any(e => (e.Path + e.Message).Contains("HS", StringComparison.Ordinal) && e.Message.Contains("at most 12 characters, got 61440", StringComparison.Ordinal)), errors);
    }

    private static byte[] Edifact(Declaration declaration)
    {
        using var stream = new MemoryStream();
        CusdecWriter.WriteInterchange(stream, [declaration], new CusdecWriterOptions
        {
            Sender = "GBSENDER",
            Recipient = "GBCUSTOMS",
            ControlReference = "14",
            PreparedAt = new DateTimeOffset(2026, 12, 5, 0, 0, 0, TimeSpan.Zero),
        });
        return stream.ToArray();
    }

    private static async Task<IngestReport> IngestAsync(byte[] bytes, DeclarationFormat format, CsvMapping? mapping)
    {
        await using var test = await TestStore.CreateAsync(StorageProvider.Sqlite);
        var report = await new DeclarationIngest(test.Store).IngestStreamAsync(new MemoryStream(bytes), "input", new IngestOptions { Format = format, Mapping = mapping });
        Assert.Equal(0, await test.Store.CountAsync());
        return report;
    }
}
