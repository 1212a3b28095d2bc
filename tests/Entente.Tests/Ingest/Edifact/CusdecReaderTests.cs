using System.Text;
using Entente.Declarations;
using Entente.Ingest;
using Entente.Ingest.Edifact;
using Entente.Tests.Support;

namespace Entente.Tests.Ingest.Edifact;

public class CusdecReaderTests
{
    private static readonly string SamplePath = Path.Combine(
        SharedData.RepositoryRoot, "tests", "Entente.Tests", "Ingest", "Edifact", "Samples", "cusdec-d96b-three-declarations.edi");

    private static List<SourceRecord> ReadSample()
    {
        using var stream = File.OpenRead(SamplePath);
        return new CusdecReader().Read(stream, "cusdec-d96b-three-declarations.edi").ToList();
    }

    private static long LineOf(string segmentStart, int occurrence = 0) =>
        File.ReadLines(SamplePath, Encoding.Latin1).Select((text, index) => (text, index))
            .Where(l => l.text.StartsWith(segmentStart, StringComparison.Ordinal)).ElementAt(occurrence).index + 1;

    private const string Unb = "UNB+UNOC:3+SENDER+RECIPIENT+240315:0930+ICR1'\n";

    /// <summary>One message around the given body segments (one per line), with correct counts.</summary>
    private static string Interchange(params string[] body)
    {
        var text = new StringBuilder(Unb).Append("UNH+1+CUSDEC:D:96B:UN'\n");
        foreach (var segment in body) text.Append(segment).Append('\n');
        text.Append($"UNT+{body.Length + 2}+1'\nUNZ+1+ICR1'\n");
        return text.ToString();
    }

    private static SourceRecord ReadOne(string text, string? defaultCurrency = null) =>
        Assert.Single(new CusdecReader(defaultCurrency).Read(new MemoryStream(Encoding.Latin1.GetBytes(text)), "one.edi"));

    [Fact]
    public void Reads_the_header_of_an_import_declaration()
    {
        var record = ReadSample()[0];
        Assert.Empty(record.Errors);
        var d = record.Declaration!;

        Assert.Equal("929", d.TypeCode);
        Assert.Equal("LRN-2024-0001", d.Lrn);
        Assert.Equal("9", d.FunctionCode);
        Assert.Equal("4NL123456789-20240315-001", d.Ucr);
        Assert.Equal("NL000396", d.DeclarationOfficeId);
        Assert.Equal(new DateTimeOffset(2024, 3, 15, 0, 0, 0, TimeSpan.Zero), d.IssueDateTime);
        Assert.Equal(new DateTimeOffset(2024, 3, 15, 10, 45, 0, TimeSpan.Zero), d.AcceptanceDateTime);
        Assert.Equal(12450.5m, d.TotalGrossMassKg);
        Assert.Equal(new Amount(45870.25m, "USD"), d.InvoiceAmount);
        Assert.Equal(2, d.GoodsItemQuantity);
        Assert.Equal(52, d.TotalPackageQuantity);
        Assert.Equal("CN", d.GoodsShipment.ExportCountryCode);
        Assert.Equal("NL", d.GoodsShipment.DestinationCountryCode);
        Assert.Equal("11", d.GoodsShipment.TransactionNatureCode);

        var consignment = d.GoodsShipment.Consignment;
        Assert.Equal("CNSHA", consignment.LoadingLocation);
        Assert.Equal("NLRTM", consignment.UnloadingLocation);
        Assert.Equal("NLRTMECT1", consignment.GoodsLocation);
        Assert.Equal(1, consignment.ModeOfTransportAtBorder);
        Assert.Equal(3, consignment.InlandModeOfTransport);
        var vessel = consignment.BorderTransportMeans!;
        Assert.Equal(("9074729", "10", "MSC ANNA", "PA", 1), (vessel.Id, vessel.IdentificationTypeCode, vessel.Name, vessel.NationalityCode, vessel.ModeCode));
        Assert.Equal(["MSCU6639870", "TGHU8758592"], consignment.Containers.Select(c => c.Id));
        Assert.Equal(["CN4589123", "CN4589124"], consignment.Containers[0].Seals);
        Assert.Equal(["CN4589200"], consignment.Containers[1].Seals);

        var previous = Assert.Single(d.PreviousDocuments);
        Assert.Equal(("MB", "MEDUSH123456"), (previous.TypeCode, previous.Id));
        Assert.Equal([("935", "N", "INV-88231", "Commercial invoice"), ("861", "C", "CO-2024-5512", "Certificate of origin")],
            d.AdditionalDocuments.Select(x => (x.TypeCode, x.CategoryCode, x.Id, x.Name)));
    }

    [Fact]
    public void Reads_parties_with_their_identifiers_and_addresses()
    {
        var d = ReadSample()[0].Declaration!;

        Assert.Equal([PartyRole.Importer, PartyRole.Exporter, PartyRole.Declarant, PartyRole.Carrier], d.Parties.Select(p => p.Role));
        var importer = d.FindParty(PartyRole.Importer)!;
        Assert.Equal(("NL123456789000", "EORI", "ACME Imports B.V."), (importer.Id, importer.IdScheme, importer.Name));
        Assert.Equal(("Havenstraat 12", "Rotterdam", "3011AA", "NL"),
            (importer.Address!.Line, importer.Address.CityName, importer.Address.PostcodeId, importer.Address.CountryCode));
        var exporter = d.FindParty(PartyRole.Exporter)!;
        Assert.Null(exporter.IdScheme);
        Assert.Equal("88 Keyuan Road Nanshan District", exporter.Address!.Line);
        Assert.Equal("Shenzhen", exporter.Address.CityName);
        var carrier = d.FindParty(PartyRole.Carrier)!;
        Assert.Null(carrier.Id);
        Assert.Equal("Mediterranean Shipping Company S.A.", carrier.Name);
    }

    [Fact]
    public void Reads_goods_items_with_classification_measures_packages_values_and_duties()
    {
        var items = ReadSample()[0].Declaration!.GoodsShipment.GoodsItems;
        Assert.Equal(2, items.Count);

        var switches = items[0];
        Assert.Equal(1, switches.Sequence);
        Assert.Equal(new Classification("CN", null, "85176200"), switches.Classification);
        Assert.Equal([new Classification("TARIC", null, "Q123")], switches.AdditionalClassifications);
        Assert.Equal(("40", "00"), (switches.RequestedProcedureCode, switches.PreviousProcedureCode));
        Assert.Equal(["C07"], switches.AdditionalProcedureCodes);
        Assert.Equal("1", switches.ValuationMethodCode);
        Assert.Equal("Network switches, 24-port managed with SFP+ uplinks", switches.Description);
        Assert.Equal("TW", switches.OriginCountryCode);
        Assert.Equal(3120m, switches.NetMassKg);
        Assert.Equal(3600m, switches.GrossMassKg);
        Assert.Equal(new Quantity(480m, "NAR"), switches.SupplementaryQuantity);
        var package = Assert.Single(switches.Packages);
        Assert.Equal((40, "CT", "ACME ROTTERDAM LOT 1-40"), (package.Quantity, package.TypeCode, package.Marks));
        Assert.Equal(new Amount(28500.00m, "USD"), switches.ItemPrice);
        Assert.Equal(new Amount(26140.50m, "EUR"), switches.CustomsValue);
        Assert.Equal(2, switches.DutyTaxFees.Count);
        var duty = switches.DutyTaxFees[0];
        Assert.Equal(("A00", 0m, "100", "E"), (duty.TypeCode, duty.RatePercent, duty.DutyRegimeCode, duty.PaymentMethodCode));
        Assert.Equal(new Amount(0m, "EUR"), duty.Payable);
        var vat = switches.DutyTaxFees[1];
        Assert.Equal(("B00", 21m), (vat.TypeCode, vat.RatePercent));
        Assert.Equal(new Amount(26140.50m, "EUR"), vat.TaxBase);
        Assert.Equal(new Amount(5489.51m, "EUR"), vat.Payable);
        Assert.Equal(("C505", "C", "DOC-CE-7781"), (switches.AdditionalDocuments[0].TypeCode, switches.AdditionalDocuments[0].CategoryCode, switches.AdditionalDocuments[0].Id));
        Assert.Equal(("MB", "MEDUSH123456", "1"), (switches.PreviousDocuments[0].TypeCode, switches.PreviousDocuments[0].Id, switches.PreviousDocuments[0].LineNumeric));

        var laptops = items[1];
        Assert.Equal(new Classification("TARIC", null, "8471300000"), laptops.Classification);
        Assert.Equal("CN", laptops.OriginCountryCode);
        Assert.Equal("40", laptops.RequestedProcedureCode);
        Assert.Null(laptops.PreviousProcedureCode);
        Assert.Equal(12, laptops.Packages[0].Quantity);
    }

    [Fact]
    public void Keeps_qualifiers_it_does_not_map_as_national_data_without_errors()
    {
        var record = ReadSample()[0];
        var national = record.Declaration!.NationalData;

        Assert.Empty(record.Errors);
        Assert.Equal("NLAMS", national["LOC+8"]);
        Assert.Equal("Urgent clearance requested", national["FTX+AAI"]);
        Assert.Equal("Rotterdam Forwarding", national["NAD+FW"]);
    }

    [Fact]
    public void Does_not_take_the_date_of_a_reference_for_the_date_of_the_declaration()
    {
        // DTM+137:20240301 follows RFF+MB: it dates the bill of lading, not the declaration.
        Assert.Equal(new DateTime(2024, 3, 15), ReadSample()[0].Declaration!.IssueDateTime!.Value.Date);
    }

    [Fact]
    public void Reads_an_export_declaration_with_decimal_commas_a_CUX_currency_and_tonnes()
    {
        var record = ReadSample()[1];
        Assert.Empty(record.Errors);
        var d = record.Declaration!;

        Assert.Equal(("830", "EXP/2024/0042"), (d.TypeCode, d.Lrn));
        Assert.Equal(new Amount(12500.50m, "EUR"), d.InvoiceAmount);
        Assert.Equal("Holland Flowers+Bulbs B.V.", d.FindParty(PartyRole.Exporter)!.Name);
        var vessel = d.GoodsShipment.Consignment.BorderTransportMeans!;
        Assert.Equal(("MAERSK ESSEN", "DK", null), (vessel.Name, vessel.NationalityCode, vessel.Id));
        var item = Assert.Single(d.GoodsShipment.GoodsItems);
        Assert.Equal(new Classification("HS", null, "060110"), item.Classification);
        Assert.Equal(("10", "00"), (item.RequestedProcedureCode, item.PreviousProcedureCode));
        Assert.Equal(2500m, item.NetMassKg);
        Assert.Equal(new Amount(12500.50m, "EUR"), item.ItemPrice);
        Assert.DoesNotContain(d.NationalData.Keys, k => k.Contains("MOA+79", StringComparison.Ordinal));
    }

    [Fact]
    public void Reads_a_replacement_with_its_MRN_and_issue_date()
    {
        var d = ReadSample()[2].Declaration!;

        Assert.Equal(("5", "24NL0003961234567A"), (d.FunctionCode, d.Mrn));
        Assert.Equal(new DateTimeOffset(2024, 3, 17, 0, 0, 0, TimeSpan.Zero), d.IssueDateTime);
    }

    [Fact]
    public void Produces_declarations_the_validator_accepts()
    {
        foreach (var record in ReadSample())
            Assert.Empty(DeclarationValidator.Validate(record.Declaration!));
    }

    [Fact]
    public void Records_start_at_their_UNH()
    {
        var records = ReadSample();

        Assert.Equal(["UNH+M0001", "UNH+M0002", "UNH+M0003"], records.Select(r => r.RecordPath));
        Assert.Equal(LineOf("UNH+M0002"), records[1].Line);
        Assert.Equal(2, records[0].Segment);
    }

    [Fact]
    public void Locates_a_canonical_field_at_the_segment_that_carried_it()
    {
        var record = ReadSample()[0];

        var net = record.ErrorFor(new ValidationProblem("/goodsShipment/goodsItems/0/netMassKg", "net mass too high"));
        Assert.Equal(LineOf("MEA+AAE+AAA+KGM:3120.000"), net.Line);
        Assert.Matches(@"^segment \d+ MEA\+AAE$", net.Path);
        Assert.Contains("canonical /goodsShipment/goodsItems/0/netMassKg", net.Message, StringComparison.Ordinal);

        // A field without its own entry falls back to the segment of its parent: the second TAX of item 1.
        var rate = record.ErrorFor(new ValidationProblem("/goodsShipment/goodsItems/1/dutyTaxFees/0/ratePercent", "rate"));
        Assert.Equal(LineOf("TAX+1+B00+++:::21", occurrence: 1), rate.Line);
        Assert.StartsWith("segment", rate.Path, StringComparison.Ordinal);

        var exporter = record.ErrorFor(new ValidationProblem("/parties/1/address/countryCode", "bad"));
        Assert.Equal(LineOf("NAD+EX+"), exporter.Line);
    }

    [Fact]
    public void Reports_a_measure_that_is_not_a_number_with_segment_element_and_component()
    {
        var record = ReadOne(Interchange("BGM+929+LRN1+9'", "UNS+D'", "CST+1+85176200:CN:ZZZ'", "MEA+AAE+AAB+KGM:12x5'", "MEA+AAE+AAA+KGM:10'", "UNS+S'"));

        var error = Assert.Single(record.Errors);
        Assert.Equal("segment 6 MEA+AAE: element 3 component 2", error.Path);
        Assert.Equal("expected a number, got '12x5'", error.Message);
        Assert.Equal(6, error.Segment);
        Assert.Equal(6, error.Line);
        Assert.Contains("one.edi:segment 6 (line 6): segment 6 MEA+AAE: element 3 component 2: expected a number", error.ToString(), StringComparison.Ordinal);
        var item = Assert.Single(record.Declaration!.GoodsShipment.GoodsItems);
        Assert.Null(item.GrossMassKg);
        Assert.Equal(10m, item.NetMassKg);
    }

    [Theory]
    [InlineData("MEA+AAE+AAB+LBS:10'", "element 3 component 1", "expected a mass unit (KGM, TNE, GRM or LBR), got 'LBS'")]
    [InlineData("PAC+many++CT'", "element 1", "expected a whole number, got 'many'")]
    [InlineData("TAX+1+B00+++:::high'", "element 5 component 4", "expected a number, got 'high'")]
    [InlineData("DTM+137:20241345:102'", "element 1 component 2", "expected a date written yyyyMMdd, got '20241345'")]
    [InlineData("DTM+137:20240101:999'", "element 1 component 3", "date format '999' is not one this reader knows")]
    public void Reports_values_it_cannot_read_and_keeps_the_rest(string segment, string where, string message)
    {
        var body = segment.StartsWith("DTM", StringComparison.Ordinal)
            ? new[] { "BGM+929+LRN1+9'", segment, "UNS+D'", "CST+1+85176200:CN:ZZZ'", "UNS+S'" }
            : ["BGM+929+LRN1+9'", "UNS+D'", "CST+1+85176200:CN:ZZZ'", segment, "UNS+S'"];

        var record = ReadOne(Interchange(body));

        var error = Assert.Single(record.Errors);
        Assert.EndsWith(where, error.Path, StringComparison.Ordinal);
        Assert.Contains(message, error.Message, StringComparison.Ordinal);
        Assert.Equal("LRN1", record.Declaration!.Lrn);
        Assert.Single(record.Declaration.GoodsShipment.GoodsItems);
    }

    [Fact]
    public void Uses_the_default_currency_for_amounts_that_name_none()
    {
        var record = ReadOne(Interchange("BGM+929+LRN1+9'", "UNS+D'", "CST+1+85176200:CN:ZZZ'", "MOA+38:12.5'", "UNS+S'"), defaultCurrency: "ZAR");

        Assert.Empty(record.Errors);
        Assert.Equal(new Amount(12.5m, "ZAR"), record.Declaration!.GoodsShipment.GoodsItems[0].ItemPrice);
    }

    [Fact]
    public void Handles_unknown_qualifiers_at_item_level_gracefully()
    {
        var record = ReadOne(Interchange("BGM+929+LRN1+9'", "UNS+D'", "CST+7+85176200:CN:ZZZ+X9:999:ZZZ'", "LOC+99+XX'", "MEA+AAE+ZZZ+KGM:3'", "MOA+999:1:EUR'", "UNS+S'"));

        Assert.Empty(record.Errors);
        var national = record.Declaration!.NationalData;
        Assert.Equal("X9", national["item 7 CST:999"]);
        Assert.Equal("XX", national["item 7 LOC+99"]);
        Assert.Equal("3 KGM", national["item 7 MEA+AAE:ZZZ"]);
        Assert.Equal("1 EUR", national["item 7 MOA+999"]);
    }

    [Fact]
    public void Reads_commodity_codes_without_a_scheme_by_their_length()
    {
        var record = ReadOne(Interchange("BGM+929+LRN1+9'", "UNS+D'", "CST+1+851762:108:ZZZ'", "CST+2+85176200'", "CST+3+8517620000:108'", "CST+4+851762001'", "UNS+S'"));

        Assert.Equal(["HS", "CN", "TARIC", "NATIONAL"], record.Declaration!.GoodsShipment.GoodsItems.Select(i => i.Classification!.Scheme));
    }

    [Fact]
    public void Refuses_binary_junk_without_reading_it_all()
    {
        var junk = new CountingStream(new InfiniteStream(i => (byte)(i * 7919 % 251)));

        var error = Assert.Throws<IngestFormatException>(() => new CusdecReader().Read(junk, "junk.bin").ToList()).Error;

        Assert.Contains("binary content", error.Message, StringComparison.Ordinal);
        Assert.True(junk.BytesRead < 1024 * 1024, $"read {junk.BytesRead} bytes of junk before refusing");
    }

    [Fact]
    public void Refuses_text_that_is_not_EDIFACT()
    {
        var text = "lrn,hs_code,origin\nLRN1,85176200,CN\n";

        var error = Assert.Throws<IngestFormatException>(() => new CusdecReader().Read(new MemoryStream(Encoding.UTF8.GetBytes(text)), "x.csv").ToList()).Error;

        Assert.Contains("segment tag", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Refuses_a_huge_segment_without_reading_the_rest_of_the_file()
    {
        var head = Encoding.ASCII.GetBytes(Unb + "UNH+1+CUSDEC:D:96B:UN'\nFTX+AAA+++");
        var huge = new CountingStream(new InfiniteStream(i => i < head.Length ? head[i] : (byte)'A'));

        var error = Assert.Throws<IngestFormatException>(() => new CusdecReader().Read(huge, "huge.edi").ToList()).Error;

        Assert.Equal(3, error.Segment);
        Assert.Equal(3, error.Line);
        Assert.Contains("longer than 64 KiB", error.Message, StringComparison.Ordinal);
        Assert.True(huge.BytesRead < 1024 * 1024, $"read {huge.BytesRead} bytes before refusing");
    }

    [Fact]
    public void Reads_UTF8_when_the_UNB_says_UNOW()
    {
        var text = Interchange("BGM+929+LRN1+9'", "NAD+IM+++北京贸易有限公司'", "UNS+D'", "CST+1+85176200:CN:ZZZ'", "UNS+S'").Replace("UNOC:3", "UNOW:4", StringComparison.Ordinal);

        var record = Assert.Single(new CusdecReader().Read(new MemoryStream(Encoding.UTF8.GetBytes(text)), "utf8.edi"));

        Assert.Equal("北京贸易有限公司", record.Declaration!.Parties[0].Name);
    }

    [Fact]
    public void Reads_Latin1_when_the_UNB_says_UNOC()
    {
        var text = Interchange("BGM+929+LRN1+9'", "NAD+IM+++Müller & Söhne GmbH'", "UNS+D'", "CST+1+85176200:CN:ZZZ'", "UNS+S'");

        var record = ReadOne(text);

        Assert.Equal("Müller & Söhne GmbH", record.Declaration!.Parties[0].Name);
    }

    /// <summary>An endless stream of bytes computed from their position.</summary>
    internal sealed class InfiniteStream(Func<long, byte> byteAt) : Stream
    {
        private long _position;

        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => _position; set => throw new NotSupportedException(); }

        public override int Read(byte[] buffer, int offset, int count)
        {
            for (var i = 0; i < count; i++) buffer[offset + i] = byteAt(_position++);
            return count;
        }

        public override void Flush() { }
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }

    internal sealed class CountingStream(Stream inner) : Stream
    {
        public long BytesRead { get; private set; }

        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => BytesRead; set => throw new NotSupportedException(); }

        public override int Read(byte[] buffer, int offset, int count)
        {
            var n = inner.Read(buffer, offset, count);
            BytesRead += n;
            return n;
        }

        public override void Flush() { }
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
