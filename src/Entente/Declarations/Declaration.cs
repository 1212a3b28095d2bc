using System.Text.Json.Serialization;

namespace Entente.Declarations;

// The canonical declaration. WCO Data Model 3.x class and data-element IDs sit beside each field
// (WCO: ...), with the EU/UK data-element numbers (DE x/y) used by the DMS profile where they help.
// Everything a reader cannot fill stays null: validation decides what is mandatory.

/// <summary>A customs goods declaration (WCO class 42A Declaration).</summary>
public sealed class Declaration
{
    /// <summary>Node-assigned identifier (UUID v7), set when the declaration is stored.</summary>
    public string? Id { get; set; }

    /// <summary>WCO D017 message function (DMS FunctionCode: 9 original, 13 request, 14 amendment...).</summary>
    public string? FunctionCode { get; set; }

    /// <summary>Local reference number given by the declarant (WCO D026 functional reference, DE 2/5).</summary>
    public string? Lrn { get; set; }

    /// <summary>Movement reference number given by customs (WCO D014 document reference, DE 2/1 MRN).</summary>
    public string? Mrn { get; set; }

    /// <summary>Declaration type (WCO D013, DE 1/1 + 1/2, e.g. IMA, EXD).</summary>
    public string? TypeCode { get; set; }

    /// <summary>Date the declarant issued the declaration (WCO D011).</summary>
    public DateTimeOffset? IssueDateTime { get; set; }

    /// <summary>Date customs accepted the declaration (WCO D023 acceptance date).</summary>
    public DateTimeOffset? AcceptanceDateTime { get; set; }

    /// <summary>Customs office of declaration (WCO G005 / DE 5/12).</summary>
    public string? DeclarationOfficeId { get; set; }

    /// <summary>Supervising customs office (DE 5/27).</summary>
    public string? SupervisingOfficeId { get; set; }

    /// <summary>Total number of goods items (WCO 146, DE 1/9).</summary>
    public int? GoodsItemQuantity { get; set; }

    /// <summary>Total packages (WCO 144, DE 6/18).</summary>
    public int? TotalPackageQuantity { get; set; }

    /// <summary>Total amount invoiced (WCO 504, DE 4/11).</summary>
    public Amount? InvoiceAmount { get; set; }

    /// <summary>Total gross mass in kilograms (WCO 131, DE 6/5 summed).</summary>
    public decimal? TotalGrossMassKg { get; set; }

    /// <summary>Unique consignment reference (WCO 016 UCR, DE 2/4 DUCR).</summary>
    public string? Ucr { get; set; }

    /// <summary>Lifecycle status, moved only through <see cref="DeclarationLifecycle"/>.</summary>
    public DeclarationStatus Status { get; set; } = DeclarationStatus.Received;

    /// <summary>Parties named at declaration level (importer, exporter, declarant, ...).</summary>
    public List<Party> Parties { get; set; } = [];

    /// <summary>WCO class 67A GoodsShipment.</summary>
    public GoodsShipment GoodsShipment { get; set; } = new();

    /// <summary>Previous documents (WCO class PreviousDocument, DE 2/1).</summary>
    public List<Document> PreviousDocuments { get; set; } = [];

    /// <summary>Additional documents, certificates and authorisations (DE 2/3).</summary>
    public List<Document> AdditionalDocuments { get; set; } = [];

    /// <summary>National data elements a mapping keeps that have no WCO home (name → value).</summary>
    public Dictionary<string, string> NationalData { get; set; } = [];

    /// <summary>
    /// What the node found wrong when it received the declaration, without refusing it (docs/formats/findings.md); set by
    /// ingest, never taken from the sender. Null when there is nothing to say.
    /// </summary>
    public List<Finding>? Findings { get; set; }

    public Party? FindParty(PartyRole role)
    {
        foreach (var party in Parties)
        {
            if (party.Role == role) return party;
        }
        return null;
    }

    public Party GetOrAddParty(PartyRole role)
    {
        var party = FindParty(role);
        if (party is null)
        {
            party = new Party { Role = role };
            Parties.Add(party);
        }
        return party;
    }
}

/// <summary>WCO class 67A GoodsShipment: the goods and how they travel.</summary>
public sealed class GoodsShipment
{
    /// <summary>Nature of transaction (WCO 096, DE 8/5).</summary>
    public string? TransactionNatureCode { get; set; }

    /// <summary>Country of export / dispatch (WCO 062, DE 5/14), ISO 3166-1 alpha-2.</summary>
    public string? ExportCountryCode { get; set; }

    /// <summary>Country of destination (WCO 014, DE 5/8), ISO 3166-1 alpha-2.</summary>
    public string? DestinationCountryCode { get; set; }

    public Consignment Consignment { get; set; } = new();

    /// <summary>WCO class 68A GovernmentAgencyGoodsItem.</summary>
    public List<GoodsItem> GoodsItems { get; set; } = [];
}

/// <summary>Consignment and transport (WCO class 28A Consignment).</summary>
public sealed class Consignment
{
    /// <summary>Mode of transport at the border, UN/ECE Rec. 19 (DE 7/4).</summary>
    public int? ModeOfTransportAtBorder { get; set; }

    /// <summary>Inland mode of transport, UN/ECE Rec. 19 (DE 7/5).</summary>
    public int? InlandModeOfTransport { get; set; }

    /// <summary>Goods transported in containers (DE 7/2).</summary>
    public bool? Containerised { get; set; }

    /// <summary>Active means of transport crossing the border (WCO class BorderTransportMeans, DE 7/14-7/15).</summary>
    public TransportMeans? BorderTransportMeans { get; set; }

    /// <summary>Means of transport on arrival (DE 7/9).</summary>
    public TransportMeans? ArrivalTransportMeans { get; set; }

    /// <summary>Countries of routing, in order (WCO 064, DE 5/22 itinerary).</summary>
    public List<string> ItineraryCountryCodes { get; set; } = [];

    /// <summary>Place of loading, UN/LOCODE (DE 5/21).</summary>
    public string? LoadingLocation { get; set; }

    /// <summary>Place of unloading, UN/LOCODE.</summary>
    public string? UnloadingLocation { get; set; }

    /// <summary>Location of goods (DE 5/23): an identifier such as a UN/LOCODE-based code.</summary>
    public string? GoodsLocation { get; set; }

    /// <summary>Country of departure / dispatch of the consignment.</summary>
    public string? DepartureCountryCode { get; set; }

    /// <summary>Transport equipment (WCO class TransportEquipment, DE 7/10 container ID, 7/18 seals).</summary>
    public List<Container> Containers { get; set; } = [];
}

public sealed class TransportMeans
{
    /// <summary>Identification (DE 7/7-7/9): an IMO number, a registration...</summary>
    public string? Id { get; set; }

    /// <summary>Type of identification (DMS: 10 IMO ship number, 11 ship name, 30 vehicle registration, 40 IATA flight...).</summary>
    public string? IdentificationTypeCode { get; set; }

    /// <summary>Nationality of the means, ISO 3166-1 alpha-2 (DE 7/15).</summary>
    public string? NationalityCode { get; set; }

    public int? ModeCode { get; set; }

    public string? Name { get; set; }
}

public sealed class Container
{
    public int? Sequence { get; set; }

    /// <summary>Container number, ISO 6346 where it is one (WCO 159, DE 7/10).</summary>
    public string Id { get; set; } = "";

    /// <summary>Seal numbers (DE 7/18).</summary>
    public List<string> Seals { get; set; } = [];
}

/// <summary>WCO class 68A GovernmentAgencyGoodsItem joined with 23A Commodity.</summary>
public sealed class GoodsItem
{
    /// <summary>Goods item number (WCO 006, DE 1/6).</summary>
    public int Sequence { get; set; }

    /// <summary>Description of goods (WCO 137, DE 6/8).</summary>
    public string? Description { get; set; }

    /// <summary>Commodity code (WCO 145, DE 6/14): scheme, edition and code, never a bare code.</summary>
    public Classification? Classification { get; set; }

    /// <summary>Further national classifications (TARIC additions, national additional codes).</summary>
    public List<Classification> AdditionalClassifications { get; set; } = [];

    /// <summary>Country of origin (WCO 063, DE 5/15), ISO 3166-1 alpha-2.</summary>
    public string? OriginCountryCode { get; set; }

    /// <summary>Origin type: 1 non-preferential, 2 preferential (DE 5/15-5/16); national indicators kept as given.</summary>
    public string? OriginTypeCode { get; set; }

    /// <summary>Item price / amount (DE 4/14).</summary>
    public Amount? ItemPrice { get; set; }

    /// <summary>Customs value (DE 4/16 basis).</summary>
    public Amount? CustomsValue { get; set; }

    /// <summary>Net mass in kilograms (WCO 126, DE 6/1).</summary>
    public decimal? NetMassKg { get; set; }

    /// <summary>Gross mass in kilograms (WCO 131, DE 6/5).</summary>
    public decimal? GrossMassKg { get; set; }

    /// <summary>Supplementary units (DE 6/2).</summary>
    public Quantity? SupplementaryQuantity { get; set; }

    /// <summary>Packages (WCO class Packaging: 141 number, 142 type per UN/ECE Rec. 21, 143 marks).</summary>
    public List<Packaging> Packages { get; set; } = [];

    /// <summary>Duties, taxes and fees (WCO class DutyTaxFee, DE 4/3-4/8).</summary>
    public List<DutyTaxFee> DutyTaxFees { get; set; } = [];

    /// <summary>Requested procedure (DE 1/10, first two digits).</summary>
    public string? RequestedProcedureCode { get; set; }

    /// <summary>Previous procedure (DE 1/10, last two digits).</summary>
    public string? PreviousProcedureCode { get; set; }

    /// <summary>Additional procedure codes (DE 1/11).</summary>
    public List<string> AdditionalProcedureCodes { get; set; } = [];

    /// <summary>Valuation method (DE 4/16).</summary>
    public string? ValuationMethodCode { get; set; }

    public List<Document> AdditionalDocuments { get; set; } = [];

    public List<Document> PreviousDocuments { get; set; } = [];
}

/// <summary>A commodity code with the nomenclature it belongs to: HS (6 digits), CN (8), TARIC (10), national (e.g. HSK 10).</summary>
public sealed record Classification(string Scheme, string? Edition, string Code);

public sealed record Amount(decimal Value, string Currency);

public sealed record Quantity(decimal Value, string? Unit);

public sealed class Packaging
{
    public int? Sequence { get; set; }

    /// <summary>Package type, UN/ECE Rec. 21 (WCO 142, DE 6/9).</summary>
    public string? TypeCode { get; set; }

    /// <summary>Number of packages (WCO 144, DE 6/10).</summary>
    public int? Quantity { get; set; }

    /// <summary>Shipping marks (DE 6/11).</summary>
    public string? Marks { get; set; }
}

public sealed class DutyTaxFee
{
    /// <summary>Tax type (DE 4/3).</summary>
    public string? TypeCode { get; set; }

    /// <summary>Tax rate in percent where ad valorem (DE 4/5).</summary>
    public decimal? RatePercent { get; set; }

    /// <summary>Tax base amount (DE 4/4).</summary>
    public Amount? TaxBase { get; set; }

    /// <summary>Amount payable (DE 4/6).</summary>
    public Amount? Payable { get; set; }

    /// <summary>Preference / duty regime (DE 4/17).</summary>
    public string? DutyRegimeCode { get; set; }

    /// <summary>Method of payment (DE 4/8).</summary>
    public string? PaymentMethodCode { get; set; }
}

public sealed class Document
{
    /// <summary>Document category (DMS CategoryCode: C certificate, N national, Y, Z previous...).</summary>
    public string? CategoryCode { get; set; }

    /// <summary>Document type (DMS TypeCode, e.g. 935 invoice, DCR, MCR).</summary>
    public string? TypeCode { get; set; }

    public string? Id { get; set; }

    public string? Name { get; set; }

    public string? LineNumeric { get; set; }
}

// The names the canonical JSON and the API use (kebab-case, as everywhere in Entente); written out so that the
// serialiser's generated fast path (EntenteJson) writes them too.
public enum PartyRole
{
    [JsonStringEnumMemberName("importer")] Importer,
    [JsonStringEnumMemberName("exporter")] Exporter,
    [JsonStringEnumMemberName("declarant")] Declarant,
    [JsonStringEnumMemberName("representative")] Representative,
    [JsonStringEnumMemberName("seller")] Seller,
    [JsonStringEnumMemberName("buyer")] Buyer,
    [JsonStringEnumMemberName("consignee")] Consignee,
    [JsonStringEnumMemberName("consignor")] Consignor,
    [JsonStringEnumMemberName("carrier")] Carrier,
    [JsonStringEnumMemberName("courier")] Courier,
    [JsonStringEnumMemberName("authorisation-holder")] AuthorisationHolder,
}

/// <summary>A party (WCO classes such as Importer, Exporter, Declarant; DE 3/x).</summary>
public sealed class Party
{
    public PartyRole Role { get; set; }

    public string? Name { get; set; }

    /// <summary>Identification number: EORI (EU/UK), a national TIN or trader number.</summary>
    public string? Id { get; set; }

    /// <summary>Scheme of the ID (EORI, TIN, national); null when the source does not say.</summary>
    public string? IdScheme { get; set; }

    public Address? Address { get; set; }

    /// <summary>Authorised economic operator role held (AEOC, AEOS, AEOF, or a partner programme such as C-TPAT).</summary>
    public string? AeoRole { get; set; }

    /// <summary>Representative status or party function (DE 3/21).</summary>
    public string? FunctionCode { get; set; }
}

public sealed class Address
{
    public string? Line { get; set; }

    public string? CityName { get; set; }

    public string? PostcodeId { get; set; }

    /// <summary>ISO 3166-1 alpha-2 country.</summary>
    public string? CountryCode { get; set; }
}
