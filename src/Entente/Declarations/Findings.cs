namespace Entente.Declarations;

/// <summary>
/// Something wrong with a declaration that does not stop it being stored: a check digit that fails, a code missing from
/// its code list, an implausible mass, a currency the node supplied. Kept with the declaration, searchable, and a fact
/// for the risk rules (<c>finding.CODE</c>). <see cref="Path"/> is the JSON pointer in the canonical declaration.
/// </summary>
public sealed record Finding(string Code, string Path, string Message);

/// <summary>The finding codes (docs/formats/findings.md): each one can be raised to a refusal by a node's configuration.</summary>
public static class FindingCodes
{
    public const string ContainerCheckDigit = "container-check-digit";
    public const string ImoCheckDigit = "imo-check-digit";
    public const string UnknownCountry = "unknown-country";
    public const string UnknownCurrency = "unknown-currency";
    public const string UnknownLocode = "unknown-locode";
    public const string UnknownTransportMode = "unknown-transport-mode";
    public const string MissingCommodityCode = "missing-commodity-code";
    public const string InvalidCommodityCode = "invalid-commodity-code";
    public const string NoGoodsItems = "no-goods-items";
    public const string GoodsItemCount = "goods-item-count";
    public const string ImplausibleMass = "implausible-mass";
    public const string ImplausibleValue = "implausible-value";
    public const string ImplausibleDate = "implausible-date";
    public const string EoriFormat = "eori-format";
    public const string UnidentifiedParty = "unidentified-party";
    public const string PackageType = "package-type";
    public const string ImpliedCurrency = "implied-currency";
    public const string UnmatchedAmendment = "unmatched-amendment";
    public const string UnmappedCode = "unmapped-code";
    public const string MirrorUndervaluation = "mirror-undervaluation";
    public const string MirrorQuantity = "mirror-quantity";
    public const string MirrorMass = "mirror-mass";
    public const string MirrorHs6 = "mirror-hs6";
    public const string MirrorOrigin = "mirror-origin";

    /// <summary>Every code with what it means, in the order the documentation lists them.</summary>
    public static IReadOnlyDictionary<string, string> All { get; } = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        [ContainerCheckDigit] = "a container number is not a valid ISO 6346 number (shape or check digit)",
        [ImoCheckDigit] = "an IMO ship identification number fails its check digit",
        [UnknownCountry] = "a country code is not in ISO 3166-1 alpha-2",
        [UnknownCurrency] = "a currency code is not in ISO 4217",
        [UnknownLocode] = "a place is not a UN/LOCODE",
        [UnknownTransportMode] = "a transport mode is not in UN/ECE Rec. 19",
        [MissingCommodityCode] = "a goods item has no commodity code",
        [InvalidCommodityCode] = "a commodity code does not fit its nomenclature (scheme, digits, HS chapter)",
        [NoGoodsItems] = "the declaration has no goods item",
        [GoodsItemCount] = "the declared number of goods items differs from the items present",
        [ImplausibleMass] = "a mass is negative, net exceeds gross, or is beyond any shipment",
        [ImplausibleValue] = "an amount, quantity or rate is negative or beyond any shipment",
        [ImplausibleDate] = "a date lies outside 1950 to 2200",
        [EoriFormat] = "an EORI number is not a country code followed by up to 15 letters or digits",
        [UnidentifiedParty] = "a party has neither an identification number nor a name",
        [PackageType] = "a package type is not a 2-character UN/ECE Rec. 21 code",
        [ImpliedCurrency] = "an amount named no currency: the node's national currency was taken",
        [UnmappedCode] = "a qualifier from a national code list (EDIFACT LOC, GIS, TDT) the node does not map: its value kept as national data",
        [UnmatchedAmendment] = "an amendment or cancellation names a declaration the node does not hold: kept pending, applied when it arrives",
        [MirrorUndervaluation] = "mirror check (docs/mirror.md): the value declared here is below what the partner's export declaration of the same consignment states",
        [MirrorQuantity] = "mirror check: the packages or supplementary quantity differ from the partner's export declaration",
        [MirrorMass] = "mirror check: the gross mass differs from the partner's export declaration beyond the tolerance",
        [MirrorHs6] = "mirror check: the goods are classified under other HS subheadings (6 digits) than in the partner's export declaration",
        [MirrorOrigin] = "mirror check: the origin declared here differs from the partner's export declaration",
    };

    public static bool IsKnown(string code) => All.ContainsKey(code);
}
