using Entente.Declarations;

namespace Entente.Tests.Declarations;

/// <summary>A complete, valid import declaration that tests change one field at a time.</summary>
public static class SampleDeclarations
{
    public static Declaration Valid(string lrn = "GB260115-0001") => new()
    {
        FunctionCode = "9",
        Lrn = lrn,
        TypeCode = "IMA",
        IssueDateTime = new DateTimeOffset(2026, 1, 15, 9, 30, 0, TimeSpan.Zero),
        DeclarationOfficeId = "GB000060",
        GoodsItemQuantity = 1,
        TotalPackageQuantity = 40,
        InvoiceAmount = new Amount(12500m, "GBP"),
        Ucr = "6GB553202734852-1",
        Parties =
        [
            new Party { Role = PartyRole.Importer, Id = "GB553202734852", IdScheme = "EORI", Name = "Harbour Imports Ltd", Address = new Address { CountryCode = "GB", CityName = "Felixstowe", Line = "1 Dock Road", PostcodeId = "IP11 3AA" } },
            new Party { Role = PartyRole.Declarant, Id = "GB603202734852", IdScheme = "EORI" },
            new Party { Role = PartyRole.Exporter, Name = "Shanghai Export Co.", Address = new Address { CountryCode = "CN", CityName = "Shanghai" } },
        ],
        GoodsShipment = new GoodsShipment
        {
            ExportCountryCode = "CN",
            DestinationCountryCode = "GB",
            TransactionNatureCode = "1",
            Consignment = new Consignment
            {
                ModeOfTransportAtBorder = 1,
                Containerised = true,
                BorderTransportMeans = new TransportMeans { Id = "9074729", IdentificationTypeCode = "10", NationalityCode = "PA", ModeCode = 1 },
                ItineraryCountryCodes = ["CN", "SG", "GB"],
                LoadingLocation = "CNSHA",
                UnloadingLocation = "GBFXT",
                Containers = [new Container { Sequence = 1, Id = "CSQU3054383", Seals = ["SL123456"] }],
            },
            GoodsItems =
            [
                new GoodsItem
                {
                    Sequence = 1,
                    Description = "Lithium-ion accumulators",
                    Classification = new Classification("HS", "2022", "850760"),
                    OriginCountryCode = "CN",
                    NetMassKg = 800m,
                    GrossMassKg = 860m,
                    ItemPrice = new Amount(12500m, "GBP"),
                    CustomsValue = new Amount(12500m, "GBP"),
                    Packages = [new Packaging { Sequence = 1, TypeCode = "CT", Quantity = 40, Marks = "HIL-001" }],
                    DutyTaxFees = [new DutyTaxFee { TypeCode = "A00", RatePercent = 2.7m, DutyRegimeCode = "100", PaymentMethodCode = "E" }],
                    RequestedProcedureCode = "40",
                    PreviousProcedureCode = "00",
                },
            ],
        },
    };
}
