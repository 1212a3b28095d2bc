using System.Text;
using Entente.Declarations;
using Entente.Ingest;

namespace Entente.Tests.Ingest.WcoXml;

public class WcoXmlReaderTests
{
    private const string Dec = "urn:wco:datamodel:WCO:DEC-DMS:2";

    private static IngestFormatException Refusal(string sample) =>
        Assert.Throws<IngestFormatException>(() => WcoXmlFiles.ReadFile(WcoXmlFiles.Sample(sample)));

    private static IngestFormatException Refusal(byte[] bytes, string fileName) =>
        Assert.Throws<IngestFormatException>(() => WcoXmlFiles.ReadBytes(bytes, fileName));

    [Fact]
    public void Reads_a_DMS_document_into_the_canonical_model()
    {
        var record = Assert.Single(WcoXmlFiles.ReadFile(WcoXmlFiles.Sample("import-declaration.xml")));
        var d = record.Declaration!;

        Assert.Empty(record.Errors);
        Assert.Equal(("import-declaration.xml", 8L, "/MetaData/Declaration"), (record.File, record.Line, record.RecordPath));
        Assert.Equal(("9", "ENT-IM-2024-000123", "IMA"), (d.FunctionCode, d.Lrn, d.TypeCode));
        Assert.Equal(new DateTimeOffset(2024, 3, 15, 0, 0, 0, TimeSpan.Zero), d.IssueDateTime);
        Assert.Equal(("GB000060", "GBBEL004"), (d.DeclarationOfficeId, d.SupervisingOfficeId));
        Assert.Equal((2, 300, 19850m), (d.GoodsItemQuantity, d.TotalPackageQuantity, d.TotalGrossMassKg));
        Assert.Equal(new Amount(18250.50m, "EUR"), d.InvoiceAmount);
        Assert.Equal("4GB987654321000-ENT123", d.Ucr);
        Assert.Equal("DCR", Assert.Single(d.PreviousDocuments).TypeCode);

        Assert.Equal([PartyRole.Representative, PartyRole.AuthorisationHolder, PartyRole.Declarant, PartyRole.Exporter, PartyRole.Importer],
            d.Parties.Select(p => p.Role));
        Assert.Equal(("GB123456789000", "EORI", "2"), (d.Parties[0].Id, d.Parties[0].IdScheme, d.Parties[0].FunctionCode));
        Assert.Equal("AEOC", d.FindParty(PartyRole.Importer)!.AeoRole);
        Assert.Equal("Medellin", d.FindParty(PartyRole.Exporter)!.Address!.CityName);

        var consignment = d.GoodsShipment.Consignment;
        Assert.Equal((1, true), (consignment.ModeOfTransportAtBorder, consignment.Containerised));
        Assert.Equal(("MSC ANNA", "9074729", "10", "PA"), (consignment.BorderTransportMeans!.Name, consignment.BorderTransportMeans.Id,
            consignment.BorderTransportMeans.IdentificationTypeCode, consignment.BorderTransportMeans.NationalityCode));
        Assert.Equal(1, consignment.ArrivalTransportMeans!.ModeCode);
        Assert.Equal(["CO", "ES"], consignment.ItineraryCountryCodes);
        Assert.Equal(("GBAUFXTFXTFXT", "COCTG"), (consignment.GoodsLocation, consignment.LoadingLocation));
        var container = Assert.Single(consignment.Containers);
        Assert.Equal(("MSCU6639870", 1), (container.Id, container.Sequence));
        Assert.Equal(["SEAL-778812"], container.Seals);

        Assert.Equal(("CO", "GB"), (d.GoodsShipment.ExportCountryCode, d.GoodsShipment.DestinationCountryCode));
        var (first, second) = (d.GoodsShipment.GoodsItems[0], d.GoodsShipment.GoodsItems[1]);
        Assert.Equal(new Classification("CN", null, "09011100"), first.Classification);
        Assert.Equal([new Classification("TRC", null, "00")], first.AdditionalClassifications);
        Assert.Equal(("40", "00", "000"), (first.RequestedProcedureCode, first.PreviousProcedureCode, Assert.Single(first.AdditionalProcedureCodes)));
        Assert.Equal(("40", "00"), (second.RequestedProcedureCode, second.PreviousProcedureCode));
        Assert.Equal((12600m, 12000m), (first.GrossMassKg, first.NetMassKg));
        Assert.Equal(new Amount(6550.50m, "EUR"), second.ItemPrice);
        Assert.Equal(("CO", "1"), (first.OriginCountryCode, first.OriginTypeCode));
        Assert.Equal(("JT", 200, "CDA/24/001-200"), (first.Packages[0].TypeCode, first.Packages[0].Quantity, first.Packages[0].Marks));
        Assert.Equal(("A00", "100", "E"), (first.DutyTaxFees[0].TypeCode, first.DutyTaxFees[0].DutyRegimeCode, first.DutyTaxFees[0].PaymentMethodCode));
        Assert.Equal("935", Assert.Single(first.AdditionalDocuments).TypeCode);

        // What the model has no field for is kept, under the element path, for the writer to put back.
        Assert.Equal("AC", d.NationalData["dms:GoodsShipment/GovernmentAgencyGoodsItem[1]/AdditionalDocument[1]/LPCOExemptionCode"]);
        Assert.Equal("CIF", d.NationalData["dms:GoodsShipment/TradeTerms/ConditionCode"]);
        Assert.Equal("tolerated", d.NationalData["dms:GoodsShipment/GovernmentAgencyGoodsItem[1]/Commodity/UnknownFutureElement"]);

        Assert.Empty(DeclarationValidator.Validate(d));
    }

    [Fact]
    public void Locates_each_canonical_field_at_the_line_and_element_it_came_from()
    {
        var record = Assert.Single(WcoXmlFiles.ReadFile(WcoXmlFiles.Sample("import-declaration.xml")));

        Assert.Equal(new SourceLocation(135, "/MetaData/Declaration/GoodsShipment/GovernmentAgencyGoodsItem[1]/Origin[1]/CountryCode"),
            record.Locate!("/goodsShipment/goodsItems/0/originCountryCode"));
        Assert.Equal(new SourceLocation(150, "/MetaData/Declaration/GoodsShipment/GovernmentAgencyGoodsItem[2]/Commodity/Classification[1]/ID"),
            record.Locate("/goodsShipment/goodsItems/1/classification/code"));
        // The itinerary is put in SequenceNumeric order; the first country is the second element in the file.
        Assert.Equal(new SourceLocation(44, "/MetaData/Declaration/Consignment/Itinerary[2]/RoutingCountryCode"),
            record.Locate("/goodsShipment/consignment/itineraryCountryCodes/0"));
        Assert.Equal(new SourceLocation(175, "/MetaData/Declaration/GoodsShipment/Importer"), record.Locate("/parties/4"));
        Assert.Null(record.Locate("/goodsShipment/goodsItems/7"));

        var error = record.ErrorFor(new ValidationProblem("/goodsShipment/goodsItems/1/netMassKg", "net mass exceeds gross mass"));
        Assert.Equal((155L, "/MetaData/Declaration/GoodsShipment/GovernmentAgencyGoodsItem[2]/Commodity/GoodsMeasure/NetNetWeightMeasure"), (error.Line, error.Path));
    }

    [Fact]
    public void Reads_every_declaration_of_a_batch_with_its_element_path()
    {
        var records = WcoXmlFiles.ReadFile(WcoXmlFiles.Sample("batch.xml"));

        Assert.Equal(["/DeclarationBatch/MetaData[1]/Declaration", "/DeclarationBatch/MetaData[2]/Declaration",
            "/DeclarationBatch/MetaData[3]/Declaration", "/DeclarationBatch/Declaration[1]"], records.Select(r => r.RecordPath));
        Assert.Equal([8L, 38L, 60L, 70L], records.Select(r => r.Line));
        Assert.Equal(["BATCH-0001", "BATCH-0002", "BATCH-0003", "BATCH-0004"], records.Select(r => r.Declaration!.Lrn));
        Assert.All(records, r => Assert.Empty(r.Errors));
        Assert.Equal(new DateTimeOffset(2024, 4, 2, 9, 30, 0, TimeSpan.FromHours(1)), records[0].Declaration!.AcceptanceDateTime);
        Assert.Equal(TimeSpan.FromHours(1), records[0].Declaration!.AcceptanceDateTime!.Value.Offset);
        Assert.Equal(new Classification("HS", null, "610910"), records[1].Declaration!.GoodsShipment.GoodsItems[0].Classification);
        Assert.Equal(("13", "INV", "1"), (records[2].Declaration!.FunctionCode, records[2].Declaration!.TypeCode,
            records[2].Declaration!.NationalData["dms:Amendment[1]/ChangeReasonCode"]));
    }

    [Fact]
    public void Reads_a_UTF16_file_that_starts_with_a_byte_order_mark()
    {
        var bytes = File.ReadAllBytes(WcoXmlFiles.Sample("utf16-bom.xml"));
        Assert.Equal([0xFF, 0xFE], bytes[..2]);

        var records = WcoXmlFiles.ReadBytes(bytes, "utf16-bom.xml");

        Assert.Equal(["BATCH-0001", "BATCH-0002", "BATCH-0003", "BATCH-0004"], records.Select(r => r.Declaration!.Lrn));
        Assert.Equal("Whisky, in bottles", records[0].Declaration!.GoodsShipment.GoodsItems[0].Description);
    }

    [Fact]
    public void Refuses_a_DTD_that_declares_an_external_entity()
    {
        var refusal = Refusal("xxe.xml");

        Assert.Equal(("xxe.xml", 2L), (refusal.Error.File, refusal.Error.Line));
        Assert.Contains("at line 2, position 1", refusal.Message, StringComparison.Ordinal);
        Assert.Contains("DTD", refusal.Message, StringComparison.Ordinal);
        Assert.Contains("XXE", refusal.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("root:", refusal.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Refuses_the_billion_laughs_before_expanding_any_entity()
    {
        var refusal = Refusal("billion-laughs.xml");

        Assert.Equal(("billion-laughs.xml", 2L), (refusal.Error.File, refusal.Error.Line));
        Assert.Contains("DTD", refusal.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Refuses_elements_nested_deeper_than_64_levels()
    {
        var xml = new StringBuilder($"<Declaration xmlns=\"{Dec}\">\n<FunctionalReferenceID>DEEP</FunctionalReferenceID>\n");
        for (var i = 0; i < 10_000; i++) xml.Append("<Deep>");
        for (var i = 0; i < 10_000; i++) xml.Append("</Deep>");
        xml.Append("\n</Declaration>");

        var refusal = Assert.Throws<IngestFormatException>(() => WcoXmlFiles.ReadXml(xml.ToString(), "deep.xml"));

        Assert.Equal(("deep.xml", 3L), (refusal.Error.File, refusal.Error.Line));
        Assert.Contains("deeper than 64 levels", refusal.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Refuses_a_text_node_longer_than_one_mebibyte()
    {
        var xml = $"<Declaration xmlns=\"{Dec}\">\n<GoodsShipment><GovernmentAgencyGoodsItem><Commodity>\n<Description>{new string('x', (1 << 20) + 1)}</Description>"
            + "</Commodity></GovernmentAgencyGoodsItem></GoodsShipment></Declaration>";

        var refusal = Assert.Throws<IngestFormatException>(() => WcoXmlFiles.ReadXml(xml, "long.xml"));

        Assert.Equal(3L, refusal.Error.Line);
        Assert.Equal("/Declaration/GoodsShipment/GovernmentAgencyGoodsItem[1]/Commodity", refusal.Error.Path);
        Assert.Contains("longer than 1048576 characters", refusal.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Reports_a_truncated_file_with_its_line_and_position()
    {
        var refusal = Refusal("truncated.xml");

        Assert.Equal(("truncated.xml", 64L), (refusal.Error.File, refusal.Error.Line));
        Assert.Equal("/MetaData/Declaration/GoodsShipment/Consignment/ArrivalTransportMeans", refusal.Error.Path);
        Assert.Matches(@"not well-formed XML at line 64, position \d+: Unexpected end of file", refusal.Message);
    }

    [Fact]
    public void Refuses_binary_junk_with_its_line_and_position()
    {
        var refusal = Refusal(File.ReadAllBytes(WcoXmlFiles.Sample("junk.bin")), "junk.bin");

        Assert.Equal(("junk.bin", 1L), (refusal.Error.File, refusal.Error.Line));
        Assert.Matches(@"not well-formed XML at line 1, position \d+", refusal.Message);
    }

    [Fact]
    public void Refuses_a_root_in_a_foreign_namespace_and_names_the_one_expected()
    {
        var refusal = Refusal("wrong-namespace.xml");

        Assert.Equal((2L, "/MetaData"), (refusal.Error.Line, refusal.Error.Path));
        Assert.Contains("in namespace 'urn:example:not-wco'", refusal.Message, StringComparison.Ordinal);
        Assert.Contains("'urn:wco:datamodel:WCO:DocumentMetaData-DMS:2'", refusal.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Reports_values_that_are_not_numbers_or_dates_with_their_line_and_element_path()
    {
        var record = Assert.Single(WcoXmlFiles.ReadFile(WcoXmlFiles.Sample("bad-number.xml")));

        Assert.Equal(
        [
            (10L, "/MetaData/Declaration/IssueDateTime/DateTimeString", "expected a date in formatCode 102: a date as yyyyMMdd, got '2024-03-15'"),
            (13L, "/MetaData/Declaration/TotalPackageQuantity", "expected a whole number, got 'forty'"),
            (23L, "/MetaData/Declaration/GoodsShipment/GovernmentAgencyGoodsItem[1]/Commodity/GoodsMeasure/GrossMassMeasure",
                "expected a mass in kilograms (a decimal number), got '12,5'"),
        ], record.Errors.Select(e => (e.Line ?? 0, e.Path, e.Message)));
        Assert.All(record.Errors, e => Assert.Equal("bad-number.xml", e.File));
        // The rest of the declaration is still read.
        var d = record.Declaration!;
        Assert.Equal(("ENT-BAD-1", null, null), (d.Lrn, d.TotalPackageQuantity, d.GoodsShipment.GoodsItems[0].GrossMassKg));
        Assert.Equal(11.5m, d.GoodsShipment.GoodsItems[0].NetMassKg);
    }

    [Fact]
    public void Reads_a_bare_Declaration_root()
    {
        var record = Assert.Single(WcoXmlFiles.ReadXml($"<Declaration xmlns=\"{Dec}\"><FunctionalReferenceID>BARE-1</FunctionalReferenceID></Declaration>"));

        Assert.Equal(("/Declaration", "BARE-1"), (record.RecordPath, record.Declaration!.Lrn));
    }

    [Fact]
    public void Reports_a_Declaration_in_a_foreign_namespace_inside_a_batch_and_reads_the_others()
    {
        var records = WcoXmlFiles.ReadXml($"""
            <DeclarationBatch xmlns="urn:entente:batch:1">
              <Declaration xmlns="{Dec}"><FunctionalReferenceID>GOOD-1</FunctionalReferenceID></Declaration>
              <Declaration xmlns="urn:example:customs"><FunctionalReferenceID>OTHER-1</FunctionalReferenceID></Declaration>
              <Declaration xmlns="{Dec}"><FunctionalReferenceID>GOOD-2</FunctionalReferenceID></Declaration>
            </DeclarationBatch>
            """, "mixed.xml");

        Assert.Equal(["GOOD-1", null, "GOOD-2"], records.Select(r => r.Declaration?.Lrn));
        var error = Assert.Single(records[1].Errors);
        Assert.Equal(("mixed.xml", 3L, "/DeclarationBatch/Declaration[2]"), (error.File, error.Line, error.Path));
        Assert.Contains("expected 'urn:wco:datamodel:WCO:DEC-DMS:2'", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Refuses_a_file_that_holds_no_declaration()
    {
        var refusal = Assert.Throws<IngestFormatException>(() => WcoXmlFiles.ReadXml("<DeclarationBatch xmlns=\"urn:entente:batch:1\"/>", "empty-batch.xml"));

        Assert.Contains("no WCO Declaration element", refusal.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Refuses_an_empty_file()
    {
        var refusal = Refusal([], "empty.xml");

        Assert.Equal("empty.xml", refusal.Error.File);
        Assert.Contains("Root element is missing", refusal.Message, StringComparison.Ordinal);
    }
}
