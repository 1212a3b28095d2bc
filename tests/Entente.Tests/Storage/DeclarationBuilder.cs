using System.Globalization;
using Entente.Declarations;
using Entente.Storage;

namespace Entente.Tests.Storage;

/// <summary>Declarations for storage tests, built in code: only what a test states is set.</summary>
public sealed class DeclarationBuilder
{
    private readonly Declaration _declaration = new() { TypeCode = "IMA", FunctionCode = "9" };
    private InspectionLabels? _labels;
    private string _file = "batch.xml";

    public static DeclarationBuilder Import(string? lrn = null) => new DeclarationBuilder().Lrn(lrn);

    public DeclarationBuilder Lrn(string? lrn)
    {
        _declaration.Lrn = lrn;
        return this;
    }

    public DeclarationBuilder Mrn(string? mrn)
    {
        _declaration.Mrn = mrn;
        return this;
    }

    public DeclarationBuilder Declarant(string id) => Party(PartyRole.Declarant, id);

    public DeclarationBuilder Importer(string id) => Party(PartyRole.Importer, id);

    public DeclarationBuilder Party(PartyRole role, string id, string? name = null)
    {
        _declaration.Parties.Add(new Party { Role = role, Id = id, Name = name ?? $"{role} {id}" });
        return this;
    }

    public DeclarationBuilder AcceptedOn(string date)
    {
        _declaration.AcceptanceDateTime = Date(date);
        return this;
    }

    public DeclarationBuilder IssuedOn(string date)
    {
        _declaration.IssueDateTime = Date(date);
        return this;
    }

    public DeclarationBuilder Item(string hsCode, string? origin = null, decimal? customsValue = null, string currency = "EUR", decimal? price = null)
    {
        var items = _declaration.GoodsShipment.GoodsItems;
        items.Add(new GoodsItem
        {
            Sequence = items.Count + 1,
            Description = $"goods of {hsCode}",
            Classification = new Classification("HS", "2022", hsCode),
            OriginCountryCode = origin,
            CustomsValue = customsValue is { } value ? new Amount(value, currency) : null,
            ItemPrice = price is { } p ? new Amount(p, currency) : null,
        });
        return this;
    }

    public DeclarationBuilder Invoice(decimal value, string currency)
    {
        _declaration.InvoiceAmount = new Amount(value, currency);
        return this;
    }

    public DeclarationBuilder Container(string id)
    {
        var containers = _declaration.GoodsShipment.Consignment.Containers;
        containers.Add(new Container { Sequence = containers.Count + 1, Id = id });
        _declaration.GoodsShipment.Consignment.Containerised = true;
        return this;
    }

    public DeclarationBuilder Labelled(bool fraud, int? critical = null, decimal? revenue = null)
    {
        _labels = new InspectionLabels(fraud, critical, revenue);
        return this;
    }

    public DeclarationBuilder From(string file)
    {
        _file = file;
        return this;
    }

    public Declaration Build() => _declaration;

    public PendingDeclaration Pending(DeclarationFormat format = DeclarationFormat.WcoXml) => new(_declaration, _labels, format, _file);

    public static implicit operator PendingDeclaration(DeclarationBuilder builder) => builder.Pending();

    /// <summary>A declaration filling most of the model, to show the stored document loses nothing.</summary>
    public static Declaration Rich() => new()
    {
        FunctionCode = "9",
        Lrn = "LRN-RICH-1",
        Mrn = "25GB1A2B3C4D5E6F70",
        TypeCode = "IMZ",
        IssueDateTime = new DateTimeOffset(2025, 3, 12, 23, 15, 0, TimeSpan.FromHours(-5)),
        AcceptanceDateTime = new DateTimeOffset(2025, 3, 13, 8, 0, 0, TimeSpan.FromHours(1)),
        DeclarationOfficeId = "GB000060",
        SupervisingOfficeId = "GBBEL004",
        GoodsItemQuantity = 2,
        TotalPackageQuantity = 12,
        InvoiceAmount = new Amount(15250.75m, "GBP"),
        TotalGrossMassKg = 1820.125m,
        Ucr = "5GB123456789000-INV1",
        Parties =
        [
            new Party { Role = PartyRole.Importer, Id = "GB553202734852", IdScheme = "EORI", Name = "Harbour Imports Ltd", AeoRole = "AEOC",
                Address = new Address { Line = "1 Quay Street", CityName = "Belfast", PostcodeId = "BT1 3FG", CountryCode = "GB" } },
            new Party { Role = PartyRole.Exporter, Name = "Shenzhen Widget Co", Address = new Address { CountryCode = "CN", CityName = "Shenzhen" } },
            new Party { Role = PartyRole.Declarant, Id = "GB201909014000", FunctionCode = "2" },
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
                BorderTransportMeans = new TransportMeans { Id = "9074729", IdentificationTypeCode = "10", NationalityCode = "PA", ModeCode = 1, Name = "MSC Example" },
                ArrivalTransportMeans = new TransportMeans { Id = "AB12CDE", IdentificationTypeCode = "30" },
                ItineraryCountryCodes = ["CN", "SG", "NL", "GB"],
                LoadingLocation = "CNSZX",
                UnloadingLocation = "GBBEL",
                GoodsLocation = "GBAUBELBELBEL",
                DepartureCountryCode = "CN",
                Containers = [new Container { Sequence = 1, Id = "CSQU3054383", Seals = ["SEAL001", "SEAL002"] }],
            },
            GoodsItems =
            [
                new GoodsItem
                {
                    Sequence = 1, Description = "Laptop computers", Classification = new Classification("CN", "2025", "84713000"),
                    AdditionalClassifications = [new Classification("TARIC", "2025", "00")], OriginCountryCode = "CN", OriginTypeCode = "1",
                    ItemPrice = new Amount(10000.50m, "GBP"), CustomsValue = new Amount(10250.50m, "GBP"), NetMassKg = 950.5m, GrossMassKg = 1000m,
                    SupplementaryQuantity = new Quantity(100, "p/st"),
                    Packages = [new Packaging { Sequence = 1, TypeCode = "CT", Quantity = 10, Marks = "ADDR/1-10" }],
                    DutyTaxFees = [new DutyTaxFee { TypeCode = "B00", RatePercent = 20m, TaxBase = new Amount(10250.50m, "GBP"),
                        Payable = new Amount(2050.10m, "GBP"), DutyRegimeCode = "100", PaymentMethodCode = "E" }],
                    RequestedProcedureCode = "40", PreviousProcedureCode = "00", AdditionalProcedureCodes = ["000"], ValuationMethodCode = "1",
                    AdditionalDocuments = [new Document { CategoryCode = "N", TypeCode = "935", Id = "INV-2025-001", LineNumeric = "1" }],
                },
                new GoodsItem
                {
                    Sequence = 2, Description = "Power supplies", Classification = new Classification("HS", "2022", "850440"), OriginCountryCode = "VN",
                    CustomsValue = new Amount(5000.25m, "GBP"), Packages = [new Packaging { TypeCode = "PK", Quantity = 2 }],
                },
            ],
        },
        PreviousDocuments = [new Document { CategoryCode = "Z", TypeCode = "DCR", Id = "24GB34F7Y1O2CX8PT4", LineNumeric = "1" }],
        AdditionalDocuments = [new Document { CategoryCode = "C", TypeCode = "501", Id = "GBAEOC1234567", Name = "AEO certificate" }],
        NationalData = new Dictionary<string, string> { ["hskUnitCode"] = "KG", ["carrierRef"] = "X-9" },
    };

    private static DateTimeOffset Date(string date) =>
        new(DateTime.ParseExact(date, "yyyy-MM-dd", CultureInfo.InvariantCulture).AddHours(10), TimeSpan.Zero);
}

public static class StoreExtensions
{
    /// <summary>Ingests one batch as one committed unit and returns the duplicate report.</summary>
    public static async Task<IReadOnlyList<string?>> IngestAsync(this IDeclarationStore store, params PendingDeclaration[] batch)
    {
        await using var session = await store.BeginIngestAsync();
        var result = await session.AddAsync(batch);
        await session.CommitAsync();
        return result;
    }
}
