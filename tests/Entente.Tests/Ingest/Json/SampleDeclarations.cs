using System.Text.Json;
using Entente.Declarations;

namespace Entente.Tests.Ingest.Json;

internal static class SampleDeclarations
{
    public static readonly JsonSerializerOptions Indented = new(EntenteJson.Options) { WriteIndented = true };

    /// <summary>Canonical JSON as the node writes it: camelCase, kebab-case enums, nulls left out.</summary>
    public static string ToJson(Declaration declaration, bool indented = false) =>
        JsonSerializer.Serialize(declaration, indented ? Indented : EntenteJson.Options);

    public static Declaration Valid(string lrn) => new()
    {
        Lrn = lrn,
        TypeCode = "IMA",
        AcceptanceDateTime = new DateTimeOffset(2024, 5, 1, 10, 0, 0, TimeSpan.FromHours(2)),
        Parties = [new Party { Role = PartyRole.Importer, Id = "GB123456789000", IdScheme = "EORI" }],
        GoodsShipment = new GoodsShipment
        {
            GoodsItems =
            [
                new GoodsItem
                {
                    Sequence = 1,
                    Classification = new Classification("HS", "2022", "090121"),
                    NetMassKg = 120.5m,
                    ItemPrice = new Amount(1500m, "GBP"),
                },
            ],
        },
    };

    /// <summary>Every property of the model set, every list with one element, so the serializer writes every name.</summary>
    public static Declaration FullyPopulated()
    {
        static Document Doc(string id) => new() { CategoryCode = "N", TypeCode = "935", Id = id, Name = "invoice", LineNumeric = "1" };
        static TransportMeans Means(string id) => new() { Id = id, IdentificationTypeCode = "10", NationalityCode = "PA", ModeCode = 1, Name = "EVER GIVEN" };
        return new Declaration
        {
            Id = "0190f3a2-7b1c-7d2e-9f00-000000000001",
            FunctionCode = "9",
            Lrn = "LRN-1",
            Mrn = "24GB1234567890ABC1",
            TypeCode = "IMA",
            IssueDateTime = new DateTimeOffset(2024, 5, 1, 9, 0, 0, TimeSpan.Zero),
            AcceptanceDateTime = new DateTimeOffset(2024, 5, 1, 10, 0, 0, TimeSpan.Zero),
            DeclarationOfficeId = "GBLHR001",
            SupervisingOfficeId = "GBLHR002",
            GoodsItemQuantity = 1,
            TotalPackageQuantity = 4,
            InvoiceAmount = new Amount(1500m, "GBP"),
            TotalGrossMassKg = 130m,
            Ucr = "4GB123456789000-1",
            Status = DeclarationStatus.DocumentsRequested,
            Parties =
            [
                new Party
                {
                    Role = PartyRole.AuthorisationHolder,
                    Name = "Importer Ltd",
                    Id = "GB123456789000",
                    IdScheme = "EORI",
                    Address = new Address { Line = "1 Dock Road", CityName = "Felixstowe", PostcodeId = "IP11 3TW", CountryCode = "GB" },
                    AeoRole = "AEOC",
                    FunctionCode = "2",
                },
            ],
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
                    BorderTransportMeans = Means("9811000"),
                    ArrivalTransportMeans = Means("9811000"),
                    ItineraryCountryCodes = ["CN", "SG", "GB"],
                    LoadingLocation = "CNSHA",
                    UnloadingLocation = "GBFXT",
                    GoodsLocation = "GBFXTFXTFXT",
                    DepartureCountryCode = "CN",
                    Containers = [new Container { Sequence = 1, Id = "CSQU3054383", Seals = ["SEAL1"] }],
                },
                GoodsItems =
                [
                    new GoodsItem
                    {
                        Sequence = 1,
                        Description = "Coffee, roasted",
                        Classification = new Classification("CN", "2024", "09012100"),
                        AdditionalClassifications = [new Classification("TARIC", "2024", "0901210000")],
                        OriginCountryCode = "BR",
                        OriginTypeCode = "1",
                        ItemPrice = new Amount(1500m, "GBP"),
                        CustomsValue = new Amount(1600m, "GBP"),
                        NetMassKg = 120.5m,
                        GrossMassKg = 130m,
                        SupplementaryQuantity = new Quantity(120.5m, "KGM"),
                        Packages = [new Packaging { Sequence = 1, TypeCode = "BG", Quantity = 4, Marks = "ACME 1-4" }],
                        DutyTaxFees =
                        [
                            new DutyTaxFee
                            {
                                TypeCode = "A00",
                                RatePercent = 7.5m,
                                TaxBase = new Amount(1600m, "GBP"),
                                Payable = new Amount(120m, "GBP"),
                                DutyRegimeCode = "100",
                                PaymentMethodCode = "F",
                            },
                        ],
                        RequestedProcedureCode = "40",
                        PreviousProcedureCode = "00",
                        AdditionalProcedureCodes = ["000"],
                        ValuationMethodCode = "1",
                        AdditionalDocuments = [Doc("INV-2")],
                        PreviousDocuments = [Doc("MRN-0")],
                    },
                ],
            },
            PreviousDocuments = [Doc("Z355")],
            AdditionalDocuments = [Doc("C501")],
            NationalData = new Dictionary<string, string> { ["import-type"] = "11" },
            Findings = [new Finding(FindingCodes.ContainerCheckDigit, "/goodsShipment/consignment/containers/0/id", "ISO 6346 check digit should be 3, got 0")],
        };
    }
}
