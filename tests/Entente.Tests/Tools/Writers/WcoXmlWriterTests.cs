using System.Text;
using Entente.Declarations;
using Entente.Ingest.WcoXml;
using Entente.Tests.Ingest.WcoXml;
using Entente.Tests.Support;
using Entente.Tools.Writers;

namespace Entente.Tests.Tools.Writers;

public class WcoXmlWriterTests
{
    private static Party Party(PartyRole role, string? id, string? name = null, string? country = null, string? functionCode = null, string? aeoRole = null) => new()
    {
        Role = role,
        FunctionCode = functionCode,
        AeoRole = aeoRole,
        Id = id,
        IdScheme = id is null ? null : "EORI",
        Name = name,
        Address = country is null ? null : new Address { Line = $"1 {role} Street", CityName = $"{role} City", PostcodeId = "AB1 2CD", CountryCode = country },
    };

    /// <summary>Every field the reader maps, filled, with parties in the order DMS holds them.</summary>
    internal static Declaration Rich(string lrn = "ENT-RICH-0001") => new()
    {
        FunctionCode = "9",
        Lrn = lrn,
        Mrn = "24GB0000000000RICH",
        TypeCode = "IMA",
        IssueDateTime = new DateTimeOffset(2024, 5, 6, 7, 8, 9, TimeSpan.FromHours(2)),
        AcceptanceDateTime = new DateTimeOffset(2024, 5, 6, 10, 0, 0, TimeSpan.Zero),
        DeclarationOfficeId = "GB000060",
        SupervisingOfficeId = "GBBEL004",
        GoodsItemQuantity = 2,
        TotalPackageQuantity = 12,
        InvoiceAmount = new Amount(12345.67m, "USD"),
        TotalGrossMassKg = 1500.5m,
        Ucr = "4GB123456789000-RICH1",
        Parties =
        [
            Party(PartyRole.Representative, "GB222222222000", "Forwarding Ltd", "GB", functionCode: "3"),
            Party(PartyRole.AuthorisationHolder, "GB123456789000", functionCode: "AEOS"),
            Party(PartyRole.AuthorisationHolder, "GB333333333000", functionCode: "CGU"),
            Party(PartyRole.Carrier, "GB444444444000", "Ocean Carrier plc", "GB"),
            Party(PartyRole.Consignor, null, "Shenzhen Works Co.", "CN"),
            Party(PartyRole.Declarant, "GB222222222000"),
            Party(PartyRole.Exporter, "CN91440300MA5", "Shenzhen Export Co.", "CN"),
            Party(PartyRole.Buyer, null, "Buyer Ltd", "GB"),
            Party(PartyRole.Consignee, null, "Consignee Ltd", "GB"),
            Party(PartyRole.Importer, "GB123456789000", aeoRole: "AEOS"),
            Party(PartyRole.Seller, null, "Seller Co.", "CN"),
        ],
        PreviousDocuments =
        [
            new Document { CategoryCode = "Z", TypeCode = "DCR", Id = "4GB123456789000-RICH1" },
            new Document { CategoryCode = "Z", TypeCode = "355", Id = "24GB34F7Y1O2CX8PT4", LineNumeric = "1" },
        ],
        AdditionalDocuments = [new Document { CategoryCode = "1", TypeCode = "DAN", Id = "1108654" }],
        NationalData = new()
        {
            ["dms:GoodsShipment/TradeTerms/ConditionCode"] = "FOB",
            ["dms:GoodsShipment/TradeTerms/LocationID"] = "CNSZX",
            ["dms:GoodsShipment/GovernmentAgencyGoodsItem[1]/StatisticalValueAmount"] = "9000",
            ["dms:GoodsShipment/GovernmentAgencyGoodsItem[1]/StatisticalValueAmount@currencyID"] = "GBP",
            ["dms:GoodsShipment/GovernmentAgencyGoodsItem[1]/AdditionalDocument[1]/LPCOExemptionCode"] = "AE",
            ["dms:GoodsShipment/GovernmentAgencyGoodsItem[1]/ValuationAdjustment/AdditionCode"] = "0000",
            ["dms:GoodsShipment/GovernmentAgencyGoodsItem[2]/Origin[2]/CountryCode"] = "HK",
            ["dms:GoodsShipment/GovernmentAgencyGoodsItem[2]/Origin[2]/TypeCode"] = "2",
        },
        GoodsShipment = new GoodsShipment
        {
            TransactionNatureCode = "11",
            ExportCountryCode = "CN",
            DestinationCountryCode = "GB",
            Consignment = new Consignment
            {
                ModeOfTransportAtBorder = 1,
                InlandModeOfTransport = 3,
                Containerised = true,
                BorderTransportMeans = new TransportMeans { Name = "EVER GIVEN", Id = "9811000", IdentificationTypeCode = "10", NationalityCode = "PA" },
                ArrivalTransportMeans = new TransportMeans { Name = "EVER GIVEN", Id = "9811000", IdentificationTypeCode = "10", ModeCode = 1 },
                ItineraryCountryCodes = ["CN", "SG", "NL"],
                LoadingLocation = "CNSZX",
                GoodsLocation = "GBAUFXTFXTFXT",
                Containers =
                [
                    new Container { Sequence = 1, Id = "MSCU6639870", Seals = ["S-1", "S-2"] },
                    new Container { Sequence = 2, Id = "CSQU3054383", Seals = [] },
                ],
            },
            GoodsItems =
            [
                new GoodsItem
                {
                    Sequence = 1,
                    Description = "Electric shavers",
                    Classification = new Classification("CN", null, "85101000"),
                    AdditionalClassifications = [new Classification("TRC", null, "00"), new Classification("GN", null, "VATZ")],
                    OriginCountryCode = "CN",
                    OriginTypeCode = "1",
                    ItemPrice = new Amount(10000m, "USD"),
                    CustomsValue = new Amount(9100.25m, "GBP"),
                    NetMassKg = 900m,
                    GrossMassKg = 1000.5m,
                    SupplementaryQuantity = new Quantity(2000m, "NAR"),
                    Packages =
                    [
                        new Packaging { Sequence = 1, TypeCode = "CT", Quantity = 8, Marks = "RICH/1-8" },
                        new Packaging { Sequence = 2, TypeCode = "PK", Quantity = 2, Marks = "RICH/9-10" },
                    ],
                    DutyTaxFees =
                    [
                        new DutyTaxFee { TypeCode = "A00", DutyRegimeCode = "100", RatePercent = 2.2m, TaxBase = new Amount(9100.25m, "GBP"),
                            Payable = new Amount(200.21m, "GBP"), PaymentMethodCode = "E" },
                        new DutyTaxFee { TypeCode = "B00", PaymentMethodCode = "E" },
                    ],
                    RequestedProcedureCode = "40",
                    PreviousProcedureCode = "00",
                    AdditionalProcedureCodes = ["000", "1CG"],
                    ValuationMethodCode = "1",
                    AdditionalDocuments = [new Document { CategoryCode = "N", TypeCode = "935", Id = "INV-77", Name = "Commercial invoice" }],
                    PreviousDocuments = [new Document { CategoryCode = "Z", TypeCode = "380", Id = "INV-77", LineNumeric = "1" }],
                },
                new GoodsItem
                {
                    Sequence = 2,
                    Description = "Shaver parts",
                    Classification = new Classification("HS", null, "851090"),
                    OriginCountryCode = "CN",
                    GrossMassKg = 500m,
                    Packages = [new Packaging { Sequence = 1, TypeCode = "CT", Quantity = 2 }],
                    RequestedProcedureCode = "40",
                    PreviousProcedureCode = "00",
                },
            ],
        },
    };

    [Fact]
    public void Takes_only_ids_that_start_like_an_eori_as_eoris()
    {
        var declaration = Entente.Tests.Declarations.SampleDeclarations.Valid();
        declaration.Parties[0].Id = "QLRUBN9";
        declaration.Parties[0].IdScheme = null;
        using var stream = new MemoryStream(Encoding.UTF8.GetBytes(WcoXmlWriter.ToXml(declaration)));
        var read = new WcoXmlReader().Read(stream, "national.xml").Single().Declaration!;
        Assert.Null(read.FindParty(PartyRole.Importer)!.IdScheme);
        Assert.Equal("EORI", read.FindParty(PartyRole.Declarant)!.IdScheme);
        Assert.Empty(DeclarationValidator.Validate(read));
    }

    [Fact]
    public void Round_trips_every_field_the_reader_maps()
    {
        var declaration = Rich();

        var again = WcoXmlFiles.RoundTrip(declaration);

        Assert.Equal(WcoXmlFiles.Canonical(declaration), WcoXmlFiles.Canonical(again));
        Assert.Empty(DeclarationValidator.Validate(again));
    }

    [SharedDataFact("wco-dms-samples")]
    public void Writes_XML_that_the_HMRC_schema_accepts()
    {
        var xml = WcoXmlWriter.ToXml(Rich());

        Assert.Empty(WcoXmlFiles.SchemaProblems(xml));
    }

    [Fact]
    public void Keeps_the_zone_of_each_date()
    {
        var xml = WcoXmlWriter.ToXml(Rich());

        Assert.Contains("<p1:DateTimeString formatCode=\"304\">20240506070809+02</p1:DateTimeString>", xml, StringComparison.Ordinal);
        Assert.Contains("<p1:DateTimeString formatCode=\"304\">20240506100000Z</p1:DateTimeString>", xml, StringComparison.Ordinal);
        Assert.Equal(TimeSpan.FromHours(2), WcoXmlFiles.RoundTrip(Rich()).IssueDateTime!.Value.Offset);
    }

    [Fact]
    public void Writes_a_batch_that_reads_back_in_order()
    {
        var declarations = Enumerable.Range(1, 3).Select(i => Rich($"ENT-BATCH-{i}")).ToList();
        using var stream = new MemoryStream();

        WcoXmlWriter.WriteBatch(stream, declarations);

        var records = WcoXmlFiles.ReadBytes(stream.ToArray(), "written-batch.xml");
        Assert.Equal(["/DeclarationBatch/MetaData[1]/Declaration", "/DeclarationBatch/MetaData[2]/Declaration", "/DeclarationBatch/MetaData[3]/Declaration"],
            records.Select(r => r.RecordPath));
        Assert.Equal(declarations.Select(WcoXmlFiles.Canonical), records.Select(r => WcoXmlFiles.Canonical(r.Declaration!)));
        Assert.Contains("xmlns=\"urn:entente:batch:1\"", Encoding.UTF8.GetString(stream.ToArray()), StringComparison.Ordinal);
    }

    [Fact]
    public void Writes_a_batch_as_the_declarations_come_without_collecting_them()
    {
        using var stream = new MemoryStream();
        long writtenWhenHalfwayPulled = -1;

        IEnumerable<Declaration> Declarations()
        {
            for (var i = 0; i < 2_000; i++)
            {
                if (i == 1_000) writtenWhenHalfwayPulled = stream.Length;
                yield return Rich($"ENT-LAZY-{i}");
            }
        }

        WcoXmlWriter.WriteBatch(stream, Declarations(), indent: false);

        Assert.True(writtenWhenHalfwayPulled > stream.Length / 4, $"{writtenWhenHalfwayPulled} of {stream.Length} bytes were out when half the declarations had been pulled");
    }

    [Fact]
    public void Declares_an_AEO_role_as_the_party_s_authorisation()
    {
        var declaration = new Declaration
        {
            Lrn = "ENT-AEO-1",
            Parties = [new Party { Role = PartyRole.Importer, Id = "GB123456789000", IdScheme = "EORI", AeoRole = "AEOC" }],
        };

        var xml = WcoXmlWriter.ToXml(declaration);
        var again = WcoXmlFiles.RoundTrip(declaration);

        Assert.Contains("<AuthorisationHolder><ID>GB123456789000</ID><CategoryCode>AEOC</CategoryCode></AuthorisationHolder>",
            xml.Replace(" ", "", StringComparison.Ordinal).Replace("\n", "", StringComparison.Ordinal), StringComparison.Ordinal);
        Assert.Equal("AEOC", again.FindParty(PartyRole.Importer)!.AeoRole);
        Assert.Equal("AEOC", again.FindParty(PartyRole.AuthorisationHolder)!.FunctionCode);
    }

    [Fact]
    public void Leaves_out_what_DMS_has_no_element_for()
    {
        var declaration = Rich();
        declaration.Parties.Add(new Party { Role = PartyRole.Courier, Name = "Express Courier" });
        declaration.GoodsShipment.Consignment.UnloadingLocation = "GBFXT";
        declaration.GoodsShipment.Consignment.DepartureCountryCode = "CN";
        declaration.GoodsShipment.GoodsItems[0].Classification = new Classification("CN", "2024", "85101000");
        declaration.NationalData["kcs:importerType"] = "A";

        var again = WcoXmlFiles.RoundTrip(declaration);

        Assert.Null(again.FindParty(PartyRole.Courier));
        Assert.Null(again.GoodsShipment.Consignment.UnloadingLocation);
        Assert.Null(again.GoodsShipment.Consignment.DepartureCountryCode);
        Assert.Null(again.GoodsShipment.GoodsItems[0].Classification!.Edition);
        Assert.False(again.NationalData.ContainsKey("kcs:importerType"));
        Assert.Equal(WcoXmlFiles.Canonical(Rich()), WcoXmlFiles.Canonical(again));
    }
}
