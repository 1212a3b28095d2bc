using System.Text;
using Entente.Declarations;
using Entente.Ingest;
using Entente.Ingest.Edifact;
using Entente.Tools.Writers;

namespace Entente.Tests.Tools.Writers;

public class CusdecWriterTests
{
    private static readonly CusdecWriterOptions Envelope = new()
    {
        Sender = "NL987654321",
        Recipient = "NLCUSTOMS",
        ControlReference = "ICR42",
        PreparedAt = new DateTimeOffset(2024, 3, 15, 9, 30, 0, TimeSpan.Zero),
    };

    /// <summary>A declaration with every field the CUSDEC reader maps.</summary>
    internal static Declaration Rich(string lrn = "LRN-RT-1") => new()
    {
        FunctionCode = "9",
        Lrn = lrn,
        Mrn = "24NL0003961234567A",
        TypeCode = "929",
        IssueDateTime = new DateTimeOffset(2024, 3, 15, 0, 0, 0, TimeSpan.Zero),
        AcceptanceDateTime = new DateTimeOffset(2024, 3, 15, 10, 45, 30, TimeSpan.Zero),
        DeclarationOfficeId = "NL000396",
        GoodsItemQuantity = 2,
        TotalPackageQuantity = 52,
        InvoiceAmount = new Amount(45870.25m, "USD"),
        TotalGrossMassKg = 4620.5m,
        Ucr = "4NL123456789-20240315-001",
        Parties =
        [
            new Party
            {
                Role = PartyRole.Importer, Id = "NL123456789000", IdScheme = "EORI", Name = "ACME Imports B.V.",
                Address = new Address { Line = "Havenstraat 12", CityName = "Rotterdam", PostcodeId = "3011AA", CountryCode = "NL" },
            },
            new Party
            {
                Role = PartyRole.Exporter, Id = "CN9144030012345678",
                Name = "Shenzhen Bright Consumer Electronics Manufacturing Company Limited: Export+Import Division 'South'",
                Address = new Address { Line = "Building 7, 88 Keyuan Road, Nanshan District, Science and Technology Park South", CityName = "Shenzhen", PostcodeId = "518057", CountryCode = "CN" },
            },
            new Party { Role = PartyRole.Declarant, Id = "NL987654321000", IdScheme = "EORI" },
            new Party { Role = PartyRole.Representative, Id = "NL111222333000", IdScheme = "EORI", Name = "Broker?B.V." },
            new Party { Role = PartyRole.Seller, Name = "Bright Trading Ltd" },
            new Party { Role = PartyRole.Buyer, Name = "ACME Group" },
            new Party { Role = PartyRole.Consignee, Name = "ACME Warehouse", Address = new Address { CountryCode = "NL" } },
            new Party { Role = PartyRole.Consignor, Name = "Bright Logistics" },
            new Party { Role = PartyRole.Carrier, Id = "MSCU", Name = "MSC" },
        ],
        GoodsShipment = new GoodsShipment
        {
            TransactionNatureCode = "11",
            ExportCountryCode = "CN",
            DestinationCountryCode = "NL",
            Consignment = new Consignment
            {
                ModeOfTransportAtBorder = 1,
                InlandModeOfTransport = 3,
                BorderTransportMeans = new TransportMeans { Id = "9074729", IdentificationTypeCode = "10", NationalityCode = "PA", ModeCode = 1, Name = "MSC ANNA" },
                ArrivalTransportMeans = new TransportMeans { Id = "RT-123-X", IdentificationTypeCode = "30", NationalityCode = "NL", ModeCode = 3 },
                LoadingLocation = "CNSHA",
                UnloadingLocation = "NLRTM",
                GoodsLocation = "NLRTMECT1",
                DepartureCountryCode = "CN",
                Containers =
                [
                    new Container { Id = "MSCU6639870", Seals = ["CN4589123", "CN4589124"] },
                    new Container { Id = "TGHU8758592" },
                ],
            },
            GoodsItems =
            [
                new GoodsItem
                {
                    Sequence = 1,
                    Description = "Network switches, 24-port managed, rack mountable, with four SFP+ uplink ports and redundant power supplies; 'enterprise' grade: model X?",
                    Classification = new Classification("CN", null, "85176200"),
                    AdditionalClassifications = [new Classification("TARIC", null, "Q123"), new Classification("NATIONAL", null, "9999")],
                    OriginCountryCode = "TW",
                    OriginTypeCode = "1",
                    ItemPrice = new Amount(28500.00m, "USD"),
                    CustomsValue = new Amount(26140.50m, "EUR"),
                    NetMassKg = 3120.125m,
                    GrossMassKg = 3600m,
                    SupplementaryQuantity = new Quantity(480m, "NAR"),
                    Packages =
                    [
                        new Packaging { Quantity = 40, TypeCode = "CT", Marks = "ACME ROTTERDAM LOT 1-40 FRAGILE: HANDLE WITH CARE + KEEP DRY" },
                        new Packaging { Quantity = 2, TypeCode = "PX" },
                    ],
                    DutyTaxFees =
                    [
                        new DutyTaxFee { TypeCode = "A00", RatePercent = 0m, DutyRegimeCode = "100", PaymentMethodCode = "E", TaxBase = new Amount(26140.50m, "EUR"), Payable = new Amount(0m, "EUR") },
                        new DutyTaxFee { TypeCode = "B00", RatePercent = 21m, TaxBase = new Amount(26140.50m, "EUR"), Payable = new Amount(5489.51m, "EUR") },
                    ],
                    RequestedProcedureCode = "40",
                    PreviousProcedureCode = "00",
                    AdditionalProcedureCodes = ["C07", "F45"],
                    ValuationMethodCode = "1",
                    AdditionalDocuments = [new Document { CategoryCode = "C", TypeCode = "505", Id = "DOC-CE-7781", Name = "Declaration of conformity" }],
                    PreviousDocuments = [new Document { TypeCode = "MB", Id = "MEDUSH123456", LineNumeric = "1" }],
                },
                new GoodsItem
                {
                    Sequence = 2,
                    Description = "Portable computers",
                    Classification = new Classification("TARIC", null, "8471300000"),
                    OriginCountryCode = "CN",
                    NetMassKg = 850.5m,
                    GrossMassKg = 1020.5m,
                    SupplementaryQuantity = new Quantity(12m, null),
                    RequestedProcedureCode = "40",
                },
            ],
        },
        PreviousDocuments = [new Document { TypeCode = "MB", Id = "MEDUSH123456" }],
        AdditionalDocuments =
        [
            new Document { CategoryCode = "N", TypeCode = "935", Id = "INV-88231", Name = "Commercial invoice" },
            new Document { TypeCode = "861", Id = "CO-2024-5512" },
        ],
    };

    private static byte[] Write(IEnumerable<Declaration> declarations, CusdecWriterOptions? options = null)
    {
        var stream = new MemoryStream();
        CusdecWriter.WriteInterchange(stream, declarations, options ?? Envelope);
        return stream.ToArray();
    }

    private static List<SourceRecord> Read(byte[] bytes) => new CusdecReader().Read(new MemoryStream(bytes), "written.edi").ToList();

    [Fact]
    public void Round_trips_every_field_the_reader_maps()
    {
        var original = Rich();

        var records = Read(Write([original]));

        var record = Assert.Single(records);
        Assert.Empty(record.Errors);
        Assert.Equal(EntenteJson.Serialize(original), EntenteJson.Serialize(record.Declaration!));
    }

    [Fact]
    public void Writes_one_message_per_declaration_with_counts_the_reader_checks()
    {
        var bytes = Write([Rich("A"), Rich("B"), Rich("C")]);
        var text = Encoding.Latin1.GetString(bytes);

        var records = Read(bytes);

        Assert.Equal(["A", "B", "C"], records.Select(r => r.Declaration!.Lrn));
        Assert.All(records, r => Assert.Empty(r.Errors));
        Assert.StartsWith("UNA:+.? '\nUNB+UNOC:3+NL987654321+NLCUSTOMS+240315:0930+ICR42'\nUNH+1+CUSDEC:D:96B:UN'\nBGM+929+A+9'\n", text, StringComparison.Ordinal);
        Assert.EndsWith("UNZ+3+ICR42'\n", text, StringComparison.Ordinal);
        Assert.Contains("UNH+3+CUSDEC:D:96B:UN'", text, StringComparison.Ordinal);
    }

    [Fact]
    public void Escapes_service_characters_with_the_release_character()
    {
        var text = Encoding.Latin1.GetString(Write([Rich()]));

        Assert.Contains("NAD+AE+NL111222333000:EORI++Broker??B.V.'", text, StringComparison.Ordinal);
        Assert.Contains("Export?+Import Division:?'South?'", text, StringComparison.Ordinal);
        Assert.Contains("SFP?+:uplink ports", text, StringComparison.Ordinal);
        Assert.Contains("?'enterprise?' grade?: model:X??'", text, StringComparison.Ordinal);
    }

    [Fact]
    public void Splits_long_text_into_components_at_spaces()
    {
        var text = Encoding.Latin1.GetString(Write([Rich()]));

        Assert.Contains("NAD+EX+CN9144030012345678++Shenzhen Bright Consumer:Electronics Manufacturing Company:Limited?: Export?+Import Division:?'South?'+", text, StringComparison.Ordinal);
    }

    [Fact]
    public void Leaves_out_trailing_empty_elements_and_components()
    {
        var text = Encoding.Latin1.GetString(Write([Rich()]));

        Assert.Contains("\nNAD+BY+++ACME Group'\n", text, StringComparison.Ordinal);
        Assert.Contains("\nTDT+1++3'\n", text, StringComparison.Ordinal);
        Assert.Contains("\nMEA+AAF++:12'\n", text, StringComparison.Ordinal);
        Assert.Contains("\nTAX+1+B00+++:::21'\n", text, StringComparison.Ordinal);
    }

    [Fact]
    public void Refuses_characters_UNOC_cannot_carry_and_writes_them_in_UNOW()
    {
        var declaration = Rich();
        declaration.Parties[0].Name = "北京贸易有限公司";

        Assert.Throws<InvalidOperationException>(() => Write([declaration]));

        var bytes = Write([declaration], new CusdecWriterOptions
        {
            Sender = "S",
            Recipient = "R",
            ControlReference = "1",
            PreparedAt = Envelope.PreparedAt,
            CharacterSet = EdifactCharacterSet.Unow,
        });
        Assert.StartsWith("UNA:+.? '\nUNB+UNOW:4+S+R+20240315:0930+1'", Encoding.UTF8.GetString(bytes), StringComparison.Ordinal);
        Assert.Equal("北京贸易有限公司", Read(bytes)[0].Declaration!.Parties[0].Name);
    }

    [Fact]
    public void An_interchange_left_without_Complete_is_refused_as_truncated()
    {
        var stream = new MemoryStream();
        using (var writer = new CusdecWriter(stream, Envelope))
            writer.Write(Rich());

        var error = Assert.Throws<IngestFormatException>(() => Read(stream.ToArray())).Error;

        Assert.Contains("without the UNZ", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Refuses_more_additional_commodity_codes_than_a_CST_holds()
    {
        var declaration = Rich();
        declaration.GoodsShipment.GoodsItems[0].AdditionalClassifications.AddRange([new("NATIONAL", null, "1111"), new("NATIONAL", null, "2222")]);

        var error = Assert.Throws<InvalidOperationException>(() => Write([declaration]));

        Assert.Contains("goods item 1 has 4 additional commodity codes", error.Message, StringComparison.Ordinal);
    }
}
