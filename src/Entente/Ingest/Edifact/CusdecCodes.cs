using Entente.Declarations;

namespace Entente.Ingest.Edifact;

// The qualifiers the CUSDEC reader maps and the writer writes (docs/formats/edifact.md has the table).
// UN/EDIFACT code lists: 3035 party, 3227 place, 2005 date, 5025 amount, 6313 measure, 1153 reference,
// 8051 transport stage, 6069 control total. Entente's own qualifiers (GIS, CST schemes) go with agency ZZZ
// (mutually defined), as the directories allow.
internal static class CusdecCodes
{
    public const string MessageType = "CUSDEC";
    public const string MutuallyDefined = "ZZZ";

    public static PartyRole? RoleOf(string? qualifier) => qualifier switch
    {
        "IM" => PartyRole.Importer,
        "EX" => PartyRole.Exporter,
        "DT" => PartyRole.Declarant,
        "AE" => PartyRole.Representative,
        "SE" => PartyRole.Seller,
        "BY" => PartyRole.Buyer,
        "CN" => PartyRole.Consignee,
        "CZ" => PartyRole.Consignor,
        "CA" => PartyRole.Carrier,
        _ => null,
    };

    public static string? QualifierOf(PartyRole role) => role switch
    {
        PartyRole.Importer => "IM",
        PartyRole.Exporter => "EX",
        PartyRole.Declarant => "DT",
        PartyRole.Representative => "AE",
        PartyRole.Seller => "SE",
        PartyRole.Buyer => "BY",
        PartyRole.Consignee => "CN",
        PartyRole.Consignor => "CZ",
        PartyRole.Carrier => "CA",
        _ => null,
    };

    // LOC 3227
    public const string PlaceOfDeparture = "5";
    public const string PlaceOfLoading = "9";
    public const string PlaceOfDischarge = "11";
    public const string PlaceOfUnloading = "12";
    public const string GoodsLocation = "14";
    public const string OfficeOfDeclaration = "22";
    public const string CountryOfOrigin = "27";
    public const string CountryOfDestination = "28";
    public const string CountryOfDispatch = "35";

    // DTM 2005 and 2379
    public const string DocumentDate = "137";
    public const string IssueDate = "182";
    public const string AcceptanceDate = "154";
    public const string FormatDate = "102";
    public const string FormatMinutes = "203";
    public const string FormatSeconds = "204";

    // MOA 5025
    public const string InvoiceItemAmount = "38";
    public const string InvoiceTotal = "39";
    public const string CustomsValue = "40";
    public const string TaxableAmount = "125";
    public const string DutyTaxFeeAmount = "161";

    // MEA 6311 / 6313
    public const string Measurement = "AAE";
    public const string CustomsLineItemMeasurement = "AAF";
    public const string NetWeight = "AAA";
    public const string GrossWeight = "AAB";
    public const string TotalGrossWeight = "AAD";

    public static bool IsNet(string? dimension) => dimension is "AAA" or "N";
    public static bool IsGross(string? dimension) => dimension is "AAB" or "G" or "AAD";

    // RFF 1153
    public const string UniqueConsignmentReference = "UCN";
    public const string CustomsDeclarationNumber = "ABT";
    public const string DeclarantReference = "ABE";

    // Variants national guides use: their own mnemonics beside the UN codes.
    public static bool IsCustomsDeclarationNumber(string? qualifier) => qualifier is "ABT" or "MRN";

    public static bool IsConsignmentReference(string? qualifier) => qualifier is "UCN" or "UCR";

    public static bool IsDeclarantReference(string? qualifier) => qualifier is "ABE" or "LRN";

    // TDT 8051
    public const string InlandTransport = "1";
    public const string AtBorder = "11";
    public const string AtDestination = "13";
    public const string MainCarriage = "20";
    public const string LloydsRegister = "11";
    public const string MeansIdentification = "146";
    public const string ImoIdentificationType = "10";

    // CNT 6069
    public const string LineItems = "2";
    public const string GrossWeightTotal = "7";
    public const string Packages = "11";

    // CST C246 1131: 117 customs procedure; commodity code schemes by name.
    public const string CustomsProcedure = "117";

    // GIS C529 1131, Entente's, with agency ZZZ.
    public const string TransactionNature = "TRN";
    public const string AdditionalProcedure = "APC";
    public const string OriginType = "ORT";
    public const string ValuationMethod = "VAL";
    public const string PaymentMethod = "PAY";

    // TAX 5283: individual duty, tax or fee of a customs item.
    public const string ItemDutyTaxFee = "1";

    public static string? SchemeOf(string? qualifier) => qualifier switch
    {
        "HS" or "CN" or "TARIC" or "HTS" or "HSK" or "NATIONAL" => qualifier,
        _ => null,
    };

    /// <summary>A commodity code that does not say its nomenclature: HS by 6 digits, CN by 8, TARIC by 10.</summary>
    public static string SchemeByLength(string code) => code.Length switch
    {
        6 => "HS",
        8 => "CN",
        10 => "TARIC",
        _ => "NATIONAL",
    };
}
