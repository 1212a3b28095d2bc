using System.Text;
using Entente.Declarations;
using Entente.Ingest;
using Entente.Ingest.Json;
using static Entente.Tests.Ingest.Json.SampleDeclarations;

namespace Entente.Tests.Ingest.Json;

public class JsonDeclarationReaderTests
{
    private static List<SourceRecord> Read(string json) => Read(Encoding.UTF8.GetBytes(json));

    private static List<SourceRecord> Read(byte[] json) =>
        new JsonDeclarationReader().Read(new MemoryStream(json), "in.json").ToList();

    /// <summary>Reads until the reader gives up, keeping what it yielded before.</summary>
    private static (List<SourceRecord> Records, IngestFormatException Error) ReadUntilRefused(string json)
    {
        var records = new List<SourceRecord>();
        var error = Assert.Throws<IngestFormatException>(() =>
        {
            foreach (var record in new JsonDeclarationReader().Read(new MemoryStream(Encoding.UTF8.GetBytes(json)), "in.json")) records.Add(record);
        });
        return (records, error);
    }

    private static int LineOf(string text, string fragment) => text[..text.IndexOf(fragment, StringComparison.Ordinal)].Count(c => c == '\n') + 1;

    [Fact]
    public void Reads_one_pretty_printed_declaration_as_it_was_written()
    {
        var json = ToJson(FullyPopulated(), indented: true);

        var record = Assert.Single(Read(json));

        Assert.Empty(record.Errors);
        Assert.Equal((1L, "$"), (record.Line, record.RecordPath));
        Assert.Equal(ToJson(FullyPopulated()), ToJson(record.Declaration!));
        Assert.Null(record.Labels);
    }

    [Fact]
    public void Reads_the_declarations_of_a_top_level_array_one_by_one()
    {
        var json = "[\n" + string.Join(",\n", new[] { "A", "B", "C" }.Select(lrn => ToJson(Valid(lrn), indented: true))) + "\n]\n";

        var records = Read(json);

        Assert.Equal(["A", "B", "C"], records.Select(r => r.Declaration!.Lrn));
        Assert.Equal(["[0]", "[1]", "[2]"], records.Select(r => r.RecordPath));
        Assert.Equal(LineOf(json, "\"lrn\": \"B\"") - 1, records[1].Line);
        Assert.All(records, r => Assert.Empty(DeclarationValidator.Validate(r.Declaration!)));
    }

    [Fact]
    public void Reads_ndjson_one_declaration_per_line()
    {
        var json = ToJson(Valid("A")) + "\n" + ToJson(Valid("B")) + "\r\n\n" + ToJson(Valid("C"));

        var records = Read(json);

        Assert.Equal(["A", "B", "C"], records.Select(r => r.Declaration!.Lrn));
        Assert.Equal([1L, 2, 4], records.Select(r => r.Line));
        Assert.Equal("line 4", records[2].RecordPath);
    }

    [Fact]
    public void Yields_the_good_lines_of_ndjson_and_a_record_with_an_error_for_each_bad_one()
    {
        var lines = new[]
        {
            ToJson(Valid("A")),
            ToJson(Valid("B")).Replace("120.5", "\"heavy\"", StringComparison.Ordinal),
            ToJson(Valid("C")).Replace("\"typeCode\"", "\"typeKode\"", StringComparison.Ordinal),
            "{\"lrn\":\"D\",\"parties\":[",
            "not json at all",
            ToJson(Valid("E")),
        };

        var records = Read(string.Join("\n", lines));

        Assert.Equal(6, records.Count);
        Assert.Equal(["A", "E"], records.Where(r => r.Errors.Count == 0).Select(r => r.Declaration!.Lrn));
        var type = Assert.Single(records[1].Errors);
        Assert.Equal((2L, "/goodsShipment/goodsItems/0/netMassKg"), (type.Line, type.Path));
        Assert.Equal("expected a number", type.Message);
        var unknown = Assert.Single(records[2].Errors);
        Assert.Equal((3L, "/typeKode"), (unknown.Line, unknown.Path));
        Assert.Contains("unknown property 'typeKode'", unknown.Message, StringComparison.Ordinal);
        Assert.Contains("truncated", Assert.Single(records[3].Errors).Message, StringComparison.Ordinal);
        Assert.Equal("expected a declaration object '{...}', got text that is not JSON", Assert.Single(records[4].Errors).Message);
        Assert.All(records.Where(r => r.Errors.Count > 0), r => Assert.Null(r.Declaration));
    }

    [Fact]
    public void Reports_a_wrong_type_with_its_pointer_and_the_line_it_is_on()
    {
        var good = ToJson(Valid("A"), indented: true);
        var bad = ToJson(Valid("B"), indented: true).Replace("\"netMassKg\": 120.5", "\"netMassKg\": \"heavy\"", StringComparison.Ordinal);
        var json = $"[{good},{bad}]";

        var records = Read(json);

        var error = Assert.Single(records[1].Errors);
        Assert.Equal("/goodsShipment/goodsItems/0/netMassKg", error.Path);
        Assert.Equal(LineOf(json, "\"heavy\""), error.Line);
        Assert.Equal($"in.json:{error.Line}: /goodsShipment/goodsItems/0/netMassKg: expected a number", error.ToString());
    }

    [Fact]
    public void Reports_an_unknown_property_with_its_pointer_and_line()
    {
        var json = ToJson(Valid("A"), indented: true).Replace("\"idScheme\": \"EORI\"", "\"idScheme\": \"EORI\",\n      \"vatNumber\": \"GB1\"", StringComparison.Ordinal);

        var error = Assert.Single(Assert.Single(Read(json)).Errors);

        Assert.Equal("/parties/0/vatNumber", error.Path);
        Assert.Equal(LineOf(json, "vatNumber"), error.Line);
        Assert.Equal("unknown property 'vatNumber': a party has no such field", error.Message);
    }

    [Fact]
    public void Refuses_a_declaration_missing_what_the_model_cannot_do_without()
    {
        var records = Read("""
            {"lrn":"A","goodsShipment":{"goodsItems":[{"sequence":1,"classification":{"code":"090121"}}]}}
            {"lrn":"B","parties":[{"id":"GB1"}]}
            {"lrn":"C","invoiceAmount":{"value":10}}
            {"lrn":"D","goodsShipment":null}
            """);

        Assert.Equal(("/goodsShipment/goodsItems/0/classification", "a classification needs 'scheme'"), (records[0].Errors[0].Path, records[0].Errors[0].Message));
        Assert.Equal(("/parties/0", "a party needs 'role'"), (records[1].Errors[0].Path, records[1].Errors[0].Message));
        Assert.Equal("an amount needs 'currency'", records[2].Errors[0].Message);
        Assert.Equal(("/goodsShipment", "'goodsShipment' cannot be null"), (records[3].Errors[0].Path, records[3].Errors[0].Message));
    }

    [Fact]
    public void Reads_enums_by_their_kebab_case_names_only()
    {
        var records = Read("""
            {"lrn":"A","status":"documents-requested","parties":[{"role":"authorisation-holder","id":"X"}]}
            {"lrn":"B","parties":[{"role":1,"id":"X"}]}
            {"lrn":"C","parties":[{"role":"shipper","id":"X"}]}
            """);

        Assert.Equal(DeclarationStatus.DocumentsRequested, records[0].Declaration!.Status);
        Assert.Equal(PartyRole.AuthorisationHolder, records[0].Declaration!.Parties[0].Role);
        Assert.All(records.Skip(1), r =>
        {
            var error = Assert.Single(r.Errors);
            Assert.Equal("/parties/0/role", error.Path);
            Assert.StartsWith("expected one of importer, exporter, declarant", error.Message, StringComparison.Ordinal);
            Assert.Contains("authorisation-holder", error.Message, StringComparison.Ordinal);
        });
    }

    [Fact]
    public void Reads_what_EntenteJson_writes()
    {
        var record = Assert.Single(Read(EntenteJson.Serialize(FullyPopulated())));

        Assert.Empty(record.Errors);
        Assert.Equal(ToJson(FullyPopulated()), ToJson(record.Declaration!));
    }

    [Fact]
    public void Refuses_a_property_given_twice()
    {
        var error = Assert.Single(Assert.Single(Read("{\"lrn\":\"A\",\"lrn\":\"B\"}")).Errors);

        Assert.Equal(("/lrn", "property 'lrn' appears twice"), (error.Path, error.Message));
    }

    [Fact]
    public void Yields_the_elements_before_a_truncation_then_refuses_the_rest()
    {
        var json = "[" + ToJson(Valid("A")) + ",\n" + ToJson(Valid("B")) + ",\n{\"lrn\":\"C\",\"parties\":[{\"role\":";

        var (records, error) = ReadUntilRefused(json);

        Assert.Equal(["A", "B"], records.Select(r => r.Declaration!.Lrn));
        Assert.Equal(3, error.Error.Line);
        Assert.Contains("truncated", error.Error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Refuses_an_array_that_is_never_closed()
    {
        var (records, error) = ReadUntilRefused("[" + ToJson(Valid("A")) + "\n");

        Assert.Single(records);
        Assert.Contains("before the array is closed", error.Error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Refuses_junk_between_the_elements_of_an_array()
    {
        var (records, error) = ReadUntilRefused("[" + ToJson(Valid("A")) + "\n x " + ToJson(Valid("B")) + "]");

        Assert.Single(records);
        Assert.Equal(2, error.Error.Line);
        Assert.Contains("expected ',' or ']' after element 0 of the array, got 'x'", error.Error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Refuses_a_trailing_comma_and_content_after_the_array()
    {
        Assert.Contains("trailing comma", ReadUntilRefused("[" + ToJson(Valid("A")) + ",]").Error.Error.Message, StringComparison.Ordinal);
        Assert.Contains("after the closing ']'", ReadUntilRefused("[" + ToJson(Valid("A")) + "] []").Error.Error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Refuses_a_file_that_is_not_json()
    {
        var junk = new byte[1000];
        new Random(3).NextBytes(junk);
        junk[0] = 0x89;

        var error = Assert.Throws<IngestFormatException>(() => Read(junk));

        Assert.Contains("the byte 0x89 (not JSON text)", error.Error.Message, StringComparison.Ordinal);
        Assert.Contains("starts with a number", Assert.Throws<IngestFormatException>(() => Read("42")).Error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Reports_elements_that_are_not_declaration_objects()
    {
        var records = Read("[1, null, \"x\", [], " + ToJson(Valid("A")) + "]");

        Assert.Equal(["a number", "null", "a string", "an array"], records.Take(4).Select(r => Assert.Single(r.Errors).Message["expected a declaration object '{...}', got ".Length..]));
        Assert.Equal("A", records[4].Declaration!.Lrn);
    }

    [Fact]
    public void Reports_nesting_deeper_than_32_levels_and_reads_on()
    {
        var deep = "{\"lrn\":\"A\",\"nationalData\":{\"x\":" + new string('[', 40) + new string(']', 40) + "}}";

        var records = Read("[" + deep + ",\n" + ToJson(Valid("B")) + "]");

        Assert.Contains("nested 42 levels deep; at most 32", Assert.Single(records[0].Errors).Message, StringComparison.Ordinal);
        Assert.Equal("B", records[1].Declaration!.Lrn);
    }

    [Fact]
    public void Survives_a_million_opening_brackets()
    {
        var (records, error) = ReadUntilRefused("[" + new string('[', 1_000_000));

        Assert.Empty(records);
        Assert.Contains("truncated", error.Error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Reports_an_element_larger_than_16_MiB_and_reads_the_next()
    {
        var huge = ToJson(Valid("A")).Replace("\"IMA\"", "\"" + new string('x', 17 << 20) + "\"", StringComparison.Ordinal);

        var records = Read("[" + huge + ",\n" + ToJson(Valid("B")) + "]");

        Assert.Contains("larger than 16 MiB", Assert.Single(records[0].Errors).Message, StringComparison.Ordinal);
        Assert.Equal("B", records[1].Declaration!.Lrn);
        Assert.Equal(2, records[1].Line);
    }

    [Fact]
    public void Reports_invalid_utf8_inside_a_declaration()
    {
        var bytes = Encoding.UTF8.GetBytes(ToJson(Valid("A")) + "\n" + ToJson(Valid("B"))).ToList();
        bytes.Insert(10, 0xFF);

        var records = Read(bytes.ToArray());

        Assert.StartsWith("not valid JSON", Assert.Single(records[0].Errors).Message, StringComparison.Ordinal);
        Assert.Empty(records[1].Errors);
    }

    [Fact]
    public void Reads_nothing_from_an_empty_file()
    {
        Assert.Empty(Read(""));
        Assert.Empty(Read(" \n\t\n"));
        Assert.Empty(Read("[]"));
    }

    [Fact]
    public void Locate_points_at_the_line_of_the_element_or_of_the_field_in_pretty_json()
    {
        var ndjson = Read(ToJson(Valid("A")) + "\n" + ToJson(Valid("B")));
        Assert.Equal(new SourceLocation(2, "/goodsShipment/goodsItems/0/classification/code"), ndjson[1].Locate!("/goodsShipment/goodsItems/0/classification/code"));

        var pretty = ToJson(Valid("A"), indented: true).Replace("\"GBP\"", "\"POUNDS\"", StringComparison.Ordinal);
        var record = Assert.Single(Read("\n\n" + pretty));
        var error = record.ErrorFor(Assert.Single(DeclarationValidator.Validate(record.Declaration!)));

        Assert.Equal(LineOf("\n\n" + pretty, "POUNDS"), error.Line);
        Assert.Equal("/goodsShipment/goodsItems/0/itemPrice/currency", error.Path);
    }

    [Fact]
    public void Reads_declarations_written_one_after_another()
    {
        var json = ToJson(Valid("A"), indented: true) + "\n" + ToJson(Valid("B"), indented: true);

        var records = Read(json);

        Assert.Equal(["A", "B"], records.Select(r => r.Declaration!.Lrn));
        Assert.Equal(LineOf(json, "\"lrn\": \"B\"") - 1, records[1].Line);
    }

    [Fact]
    public void Skips_a_byte_order_mark()
    {
        var bytes = Encoding.UTF8.GetPreamble().Concat(Encoding.UTF8.GetBytes(ToJson(Valid("A")))).ToArray();

        Assert.Equal("A", Assert.Single(Read(bytes)).Declaration!.Lrn);
    }

    [Fact]
    public void Stops_when_cancelled()
    {
        using var cancel = new CancellationTokenSource();
        var json = Encoding.UTF8.GetBytes(ToJson(Valid("A")) + "\n" + ToJson(Valid("B")));
        using var records = new JsonDeclarationReader().Read(new MemoryStream(json), "in.json", cancel.Token).GetEnumerator();

        Assert.True(records.MoveNext());
        cancel.Cancel();
        Assert.Throws<OperationCanceledException>(() => records.MoveNext());
    }
}
