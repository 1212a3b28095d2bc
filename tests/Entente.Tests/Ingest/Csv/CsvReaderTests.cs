using System.Text;
using Entente.Declarations;
using Entente.Ingest;
using Entente.Ingest.Csv;

namespace Entente.Tests.Ingest.Csv;

public class CsvReaderTests
{
    internal const string Mapping = """
        name: test-export
        csv:
          separator: ";"
          decimal-separator: ","
          utc-offset: "+01:00"
        group-by: [LRN]
        fields:
          - { target: declaration.lrn, column: LRN, required: true }
          - { target: declaration.issue-date, column: Date, format: dd.MM.yyyy }
          - { target: party.exporter.id, column: Exporter }
          - { target: party.exporter.name, column: Exporter name }
          - target: transport.mode-at-border
            column: Mode
            map: { "10": 1, "40": 4, "99": ~ }
          - { target: container.id, column: Containers }
          - { target: item.hs-code, column: HS, scheme: CN, edition: "2024" }
          - { target: item.description, column: Description }
          - { target: item.net-mass, column: Net }
          - { target: item.price, column: Price }
          - { target: item.currency, column: Currency }
          - { target: item.origin, column: Origin }
          - { target: national.regime, column: Regime }
        labels:
          fraud: { column: Fraud }
          critical-fraud: { column: Critical, critical-values: ["Y"] }
          revenue: { column: Revenue }
        """;

    internal const string Header = "LRN;Date;Exporter;Exporter name;Mode;Containers;HS;Description;Net;Price;Currency;Origin;Regime;Fraud;Critical;Revenue";

    internal const string Good = Header + """

        A1;01.03.2024;DE123456789;Muster GmbH;10;CSQU3054383;84713000;Laptops;12,5;1200,00;EUR;CN;R1;0;N;
        A1;01.03.2024;DE123456789;Muster GmbH;10;CSQU3054383;85171300;Phones;3,2;800;EUR;VN;R1;1;Y;150,5
        B2;02.03.2024;FR999;Dupont SA;40;;62034231;Trousers;1;50;EUR;BD;R2;0;N;
        """;

    internal static List<SourceRecord> Read(string csv, string mapping = Mapping) => Read(Encoding.UTF8.GetBytes(csv), mapping);

    internal static List<SourceRecord> Read(byte[] csv, string mapping = Mapping) =>
        new CsvReader(CsvMapping.Parse(mapping, "test.yaml")).Read(new MemoryStream(csv), "export.csv").ToList();

    [Fact]
    public void Reads_consecutive_rows_with_one_key_as_one_declaration_with_several_goods_items()
    {
        var records = Read(Good);

        Assert.Equal(2, records.Count);
        var a1 = records[0];
        Assert.Empty(a1.Errors);
        Assert.Equal(2, a1.Line);
        Assert.Equal("rows 1-2", a1.RecordPath);
        var items = a1.Declaration!.GoodsShipment.GoodsItems;
        Assert.Equal([1, 2], items.Select(i => i.Sequence));
        Assert.Equal(new Classification("CN", "2024", "84713000"), items[0].Classification);
        Assert.Equal("85171300", items[1].Classification!.Code);
        Assert.Equal(["CN", "VN"], items.Select(i => i.OriginCountryCode));
        var exporter = Assert.Single(a1.Declaration.Parties);
        Assert.Equal((PartyRole.Exporter, "DE123456789", "Muster GmbH"), (exporter.Role, exporter.Id, exporter.Name));
        Assert.Equal("R1", a1.Declaration.NationalData["regime"]);
        Assert.Equal("CSQU3054383", Assert.Single(a1.Declaration.GoodsShipment.Consignment.Containers).Id);
        Assert.True(a1.Declaration.GoodsShipment.Consignment.Containerised);
        Assert.Equal(4, records[1].Line);
        Assert.Equal("B2", records[1].Declaration!.Lrn);
        Assert.All(records, r => Assert.Empty(DeclarationValidator.Validate(r.Declaration!)));
    }

    [Fact]
    public void Reads_decimal_commas_and_dates_in_the_format_and_offset_the_mapping_gives()
    {
        var a1 = Read(Good)[0].Declaration!;

        Assert.Equal(12.5m, a1.GoodsShipment.GoodsItems[0].NetMassKg);
        Assert.Equal(new Amount(1200m, "EUR"), a1.GoodsShipment.GoodsItems[0].ItemPrice);
        Assert.Equal(new DateTimeOffset(2024, 3, 1, 0, 0, 0, TimeSpan.FromHours(1)), a1.IssueDateTime);
    }

    [Fact]
    public void Translates_national_codes_through_the_value_map()
    {
        var records = Read(Good.Replace(";40;", ";99;", StringComparison.Ordinal));

        Assert.Equal(1, records[0].Declaration!.GoodsShipment.Consignment.ModeOfTransportAtBorder);
        Assert.Null(records[1].Declaration!.GoodsShipment.Consignment.ModeOfTransportAtBorder);
        Assert.Empty(records[1].Errors);
        Assert.Equal(4, Read(Good)[1].Declaration!.GoodsShipment.Consignment.ModeOfTransportAtBorder);
    }

    [Fact]
    public void Reports_a_value_missing_from_the_map_with_its_line_and_column()
    {
        var records = Read(Good.Replace(";40;", ";77;", StringComparison.Ordinal));

        var error = Assert.Single(records[1].Errors);
        Assert.Equal((4L, "Mode"), (error.Line, error.Path));
        Assert.Contains("'77'", error.Message, StringComparison.Ordinal);
        Assert.Contains("10, 40, 99", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Keeps_label_columns_out_of_the_declaration_and_totals_them_per_declaration()
    {
        var records = Read(Good);

        Assert.Equal(new InspectionLabels(true, 2, 150.5m), records[0].Labels);
        Assert.Equal(new InspectionLabels(false, 0, null), records[1].Labels);
        var json = EntenteJson.Serialize(records[0].Declaration!);
        Assert.DoesNotContain("150", json, StringComparison.Ordinal);
        Assert.DoesNotContain("fraud", json, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("critical", json, StringComparison.OrdinalIgnoreCase);
        Assert.Equal(["regime"], records[0].Declaration!.NationalData.Keys);
    }

    [Fact]
    public void Reports_a_bad_number_naming_the_line_and_the_column()
    {
        var records = Read(Good.Replace("3,2", "12,3x", StringComparison.Ordinal));

        var error = Assert.Single(records[0].Errors);
        Assert.Equal(3, error.Line);
        Assert.Equal("Net", error.Path);
        Assert.Contains("'12,3x'", error.Message, StringComparison.Ordinal);
        Assert.Contains("item.net-mass", error.Message, StringComparison.Ordinal);
        Assert.Equal("export.csv:3: Net: " + error.Message, error.ToString());
    }

    [Fact]
    public void Reports_a_date_not_in_the_mapping_format()
    {
        var records = Read(Good.Replace("02.03.2024", "2024-03-02", StringComparison.Ordinal));

        var error = Assert.Single(records[1].Errors);
        Assert.Equal((4L, "Date"), (error.Line, error.Path));
        Assert.Contains("dd.MM.yyyy", error.Message, StringComparison.Ordinal);
        Assert.Null(records[1].Declaration!.IssueDateTime);
    }

    [Fact]
    public void Locate_points_a_validation_problem_at_the_row_of_its_goods_item_and_the_column()
    {
        var record = Read(Good.Replace("85171300", "8517130", StringComparison.Ordinal).Replace("DE123456789", "DE" + new string('9', 40), StringComparison.Ordinal))[0];

        var errors = DeclarationValidator.Validate(record.Declaration!).Select(record.ErrorFor).ToList();

        var code = Assert.Single(errors, e => e.Path == "HS");
        Assert.Equal(3, code.Line);
        Assert.Contains("/goodsShipment/goodsItems/1/classification/code", code.Message, StringComparison.Ordinal);
        var party = Assert.Single(errors, e => e.Path == "Exporter");
        Assert.Equal(2, party.Line);
        Assert.Equal(new SourceLocation(3, "Net"), record.Locate!("/goodsShipment/goodsItems/1/netMassKg"));
        Assert.Equal(new SourceLocation(2, "Currency"), record.Locate!("/goodsShipment/goodsItems/0/itemPrice/currency"));
        Assert.Equal(new SourceLocation(2, "Containers"), record.Locate!("/goodsShipment/consignment/containers/0/id"));
        Assert.Equal(new SourceLocation(2, "Regime"), record.Locate!("/nationalData/regime"));
        Assert.Null(record.Locate!("/goodsShipment/goodsItems/2/netMassKg"));
    }

    [Fact]
    public void Locate_names_the_mapping_line_for_a_value_given_as_a_constant()
    {
        var mapping = Mapping.Replace("- { target: item.currency, column: Currency }", "- { target: item.currency, value: EURO }", StringComparison.Ordinal);
        var record = Read(Good, mapping)[0];

        var error = record.ErrorFor(Assert.Single(DeclarationValidator.Validate(record.Declaration!), p => p.Path == "/goodsShipment/goodsItems/1/itemPrice/currency"));

        Assert.Equal(3, error.Line);
        Assert.Contains("constant 'EURO'", error.Path, StringComparison.Ordinal);
        Assert.Contains("test.yaml line 20", error.Path, StringComparison.Ordinal);
    }

    [Fact]
    public void Reports_a_declaration_whose_rows_are_not_consecutive()
    {
        var csv = Good + "\nA1;01.03.2024;DE123456789;Muster GmbH;10;;84713000;More;1;1;EUR;CN;R1;0;N;";

        var records = Read(csv);

        Assert.Equal(3, records.Count);
        Assert.Empty(records[0].Errors);
        var error = Assert.Single(records[2].Errors);
        Assert.Equal((5L, "LRN"), (error.Line, error.Path));
        Assert.Contains("already appeared on line 2", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Reports_rows_of_one_declaration_that_disagree_on_a_declaration_field()
    {
        var csv = Good.Replace("A1;01.03.2024;DE123456789;Muster GmbH;10;CSQU3054383;85171300", "A1;01.03.2024;DE000000001;Muster GmbH;10;CSQU3054383;85171300", StringComparison.Ordinal);

        var error = Assert.Single(Read(csv)[0].Errors);

        Assert.Equal((3L, "Exporter"), (error.Line, error.Path));
        Assert.Contains("'DE000000001' differs from 'DE123456789' on line 2", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Leaves_a_target_unset_when_its_cell_is_empty()
    {
        var record = Read(Good.Replace("FR999;Dupont SA", ";", StringComparison.Ordinal))[1];

        Assert.Empty(record.Errors);
        Assert.Empty(record.Declaration!.Parties);
        Assert.Empty(record.Declaration.GoodsShipment.Consignment.Containers);
        Assert.Null(record.Declaration.GoodsShipment.Consignment.Containerised);
    }

    [Fact]
    public void Reports_an_empty_required_cell()
    {
        var records = Read(Header + "\n;02.03.2024;FR999;Dupont SA;40;;62034231;Trousers;1;50;EUR;BD;R2;0;N;");

        Assert.Contains(records[0].Errors, e => e.Path == "LRN" && e.Message.Contains("required", StringComparison.Ordinal));
    }

    [Fact]
    public void Leaves_an_amount_without_a_currency_for_ingest_to_take_the_national_one()
    {
        var record = Read(Good.Replace("50;EUR", "50;", StringComparison.Ordinal))[1];

        // Ingest takes the node's national currency, with a finding, or refuses the amount (docs/formats/findings.md).
        Assert.Empty(record.Errors);
        Assert.Equal("", record.Declaration!.GoodsShipment.GoodsItems[0].ItemPrice!.Currency);
    }

    [Fact]
    public void Reports_a_row_with_the_wrong_number_of_columns_and_reads_on()
    {
        var csv = Header + "\nA1;01.03.2024;DE1;X;10\nB2;02.03.2024;FR999;Dupont SA;40;;62034231;Trousers;1;50;EUR;BD;R2;0;N;";

        var records = Read(csv);

        Assert.Equal(2, records.Count);
        var error = Assert.Single(records[0].Errors);
        Assert.Null(records[0].Declaration);
        Assert.Equal(2, error.Line);
        Assert.Contains("expected 16 columns as in the header, found 5", error.Message, StringComparison.Ordinal);
        Assert.Empty(records[1].Errors);
    }

    [Fact]
    public void Refuses_a_file_whose_header_lacks_a_column_the_mapping_reads()
    {
        var csv = Good.Replace("Exporter name", "Name", StringComparison.Ordinal);

        var e = Assert.Throws<IngestFormatException>(() => Read(csv));

        Assert.Equal((1L, "header"), (e.Error.Line, e.Error.Path));
        Assert.Contains("no column 'Exporter name'", e.Error.Message, StringComparison.Ordinal);
        Assert.Contains("test.yaml", e.Error.Message, StringComparison.Ordinal);
        Assert.Contains("party.exporter.name", e.Error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Refuses_an_empty_file()
    {
        var e = Assert.Throws<IngestFormatException>(() => Read(""));

        Assert.Contains("empty", e.Error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Refuses_binary_data_without_crashing()
    {
        var junk = new byte[4096];
        new Random(7).NextBytes(junk);
        junk[100] = 0;

        var e = Assert.Throws<IngestFormatException>(() => Read(Encoding.UTF8.GetBytes(Header + "\n").Concat(junk).ToArray()));

        Assert.Contains("binary data", e.Error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Reports_bytes_that_are_not_valid_in_the_mapping_encoding()
    {
        var bytes = Encoding.UTF8.GetBytes(Good).ToList();
        var at = Encoding.UTF8.GetByteCount(Good[..Good.IndexOf("Trousers", StringComparison.Ordinal)]);
        bytes.Insert(at, 0xE9);

        var records = Read(bytes.ToArray());

        var error = Assert.Single(records[1].Errors);
        Assert.Equal((4L, "Description"), (error.Line, error.Path));
        Assert.Contains("not valid utf-8", error.Message, StringComparison.Ordinal);
        Assert.Empty(records[0].Errors);
    }

    [Fact]
    public void Reads_a_file_in_the_encoding_the_mapping_names()
    {
        Encoding.RegisterProvider(CodePagesEncodingProvider.Instance);
        var mapping = Mapping.Replace("utc-offset: \"+01:00\"", "utc-offset: \"+09:00\"\n  encoding: euc-kr", StringComparison.Ordinal);
        var csv = Good.Replace("Trousers", "면바지", StringComparison.Ordinal);

        var records = Read(Encoding.GetEncoding("euc-kr").GetBytes(csv), mapping);

        Assert.Equal("면바지", records[1].Declaration!.GoodsShipment.GoodsItems[0].Description);
    }

    [Fact]
    public void Reports_a_ten_megabyte_field_and_reads_the_next_rows()
    {
        var huge = new string('x', 10 << 20);
        var csv = Header + $"\nA1;01.03.2024;DE1;X;10;;84713000;{huge};1;1;EUR;CN;R1;0;N;\nB2;02.03.2024;FR999;Dupont SA;40;;62034231;Trousers;1;50;EUR;BD;R2;0;N;";

        var records = Read(csv);

        var error = Assert.Single(records[0].Errors);
        Assert.Equal("Description", error.Path);
        Assert.Contains("10,485,760 characters", error.Message, StringComparison.Ordinal);
        Assert.Equal("B2", records[1].Declaration!.Lrn);
    }

    [Fact]
    public void Refuses_a_row_that_never_ends()
    {
        var csv = Header + "\nA1;01.03.2024;\"" + new string('y', 17 << 20);

        var e = Assert.Throws<IngestFormatException>(() => Read(csv));

        Assert.Equal(2, e.Error.Line);
        Assert.Contains("never closed", e.Error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Reads_quoted_fields_holding_the_separator()
    {
        var record = Read(Good.Replace("Dupont SA", "\"Dupont; Fils SA\"", StringComparison.Ordinal))[1];

        Assert.Equal("Dupont; Fils SA", record.Declaration!.Parties[0].Name);
    }

    [Fact]
    public void Reads_a_file_without_a_header_by_column_number()
    {
        const string mapping = """
            name: numbered
            csv: { header: false }
            group-by: "1"
            fields:
              - { target: declaration.lrn, column: "1" }
              - { target: item.hs-code, column: "2", zero-pad: 6 }
            """;

        var records = Read("L1,10121\nL1,20130\nL2,870321\n", mapping);

        Assert.Equal(2, records.Count);
        Assert.Equal(["010121", "020130"], records[0].Declaration!.GoodsShipment.GoodsItems.Select(i => i.Classification!.Code));
        Assert.Equal(1, records[0].Line);
    }

    [Fact]
    public void Reads_every_row_as_its_own_declaration_without_group_by()
    {
        var mapping = Mapping.Replace("group-by: [LRN]\n", "", StringComparison.Ordinal);

        var records = Read(Good, mapping);

        Assert.Equal(3, records.Count);
        Assert.All(records, r => Assert.Single(r.Declaration!.GoodsShipment.GoodsItems));
    }

    [Fact]
    public void Gives_each_record_its_own_declaration_objects()
    {
        var records = Read(Good);

        Assert.NotSame(records[0].Declaration, records[1].Declaration);
        Assert.NotSame(records[0].Declaration!.GoodsShipment.GoodsItems[0], records[1].Declaration!.GoodsShipment.GoodsItems[0]);
        Assert.Equal("Laptops", records[0].Declaration!.GoodsShipment.GoodsItems[0].Description);
    }

    [Fact]
    public void Stops_when_cancelled()
    {
        using var cancel = new CancellationTokenSource();
        var reader = new CsvReader(CsvMapping.Parse(Mapping, "test.yaml"));
        using var records = reader.Read(new MemoryStream(Encoding.UTF8.GetBytes(Good)), "export.csv", cancel.Token).GetEnumerator();

        Assert.True(records.MoveNext());
        cancel.Cancel();
        Assert.Throws<OperationCanceledException>(() => records.MoveNext());
    }
}
