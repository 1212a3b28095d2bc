using System.Collections.Frozen;
using System.Globalization;

namespace Entente.Ingest.WcoXml;

// Facts about the WCO Data Model 3.6 "DMS" declaration profile (HMRC's WCO_DEC_2_DMS.xsd) that the
// reader and the writer share: namespaces, which elements repeat, and the order the schema wants.
internal static class Dms
{
    public const string WcoPrefix = "urn:wco:datamodel:WCO:";
    public const string MetaDataNamespace = "urn:wco:datamodel:WCO:DocumentMetaData-DMS:2";
    public const string DeclarationNamespace = "urn:wco:datamodel:WCO:DEC-DMS:2";
    public const string DataTypesNamespace = "urn:wco:datamodel:WCO:Declaration_DS:DMS:2";

    /// <summary>Prefix of the <see cref="Declarations.Declaration.NationalData"/> keys that hold DMS elements with no canonical home.</summary>
    public const string NationalDataPrefix = "dms:";

    /// <summary>
    /// A WCO Data Model namespace, of any version or profile: urn:wco:datamodel:WCO:DEC-DMS:2 (HMRC), ...:Declaration:1,
    /// ...:DocumentMetaData-DMS:2, EU and other national customisations (any case), or one under wcoomd.org.
    /// </summary>
    public static bool IsWco(string namespaceUri) =>
        namespaceUri.StartsWith(WcoPrefix, StringComparison.OrdinalIgnoreCase)
        || namespaceUri.Contains("wcoomd.org", StringComparison.OrdinalIgnoreCase);

    // Elements the schema lets repeat: their paths always carry a 1-based position, e.g. GovernmentAgencyGoodsItem[1].
    public static readonly FrozenSet<string> Repeating = FrozenSet.ToFrozenSet(
    [
        "AdditionalDocument", "AdditionalInformation", "AEOMutualRecognitionParty", "Amendment", "AuthorisationHolder",
        "ChargeDeduction", "Classification", "ConsignmentItem", "CurrencyExchange", "DangerousGoods", "DomesticDutyTaxParty",
        "DutyTaxFee", "GovernmentAgencyGoodsItem", "GovernmentProcedure", "Itinerary", "ObligationGuarantee", "Origin",
        "Packaging", "Pointer", "PreviousDocument", "Seal", "TransportEquipment",
    ], StringComparer.Ordinal);

    // Child order per element name, merged over the contexts the name appears in (the orders agree).
    public static readonly FrozenDictionary<string, string[]> ChildOrder = new Dictionary<string, string[]>
    {
        ["Declaration"] =
        [
            "AcceptanceDateTime", "FunctionCode", "FunctionalReferenceID", "ID", "IssueDateTime", "IssueLocationID", "TypeCode",
            "GoodsItemQuantity", "DeclarationOfficeID", "InvoiceAmount", "LoadingListQuantity", "TotalGrossMassMeasure",
            "TotalPackageQuantity", "SpecificCircumstancesCodeCode", "Authentication", "Submitter", "AdditionalDocument",
            "AdditionalInformation", "Agent", "Amendment", "AuthorisationHolder", "BorderTransportMeans", "Consignment",
            "CurrencyExchange", "Declarant", "ExitOffice", "Exporter", "GoodsShipment", "ObligationGuarantee",
            "PresentationOffice", "SupervisingOffice",
        ],
        ["AEOMutualRecognitionParty"] = ["ID", "RoleCode"],
        ["AdditionalDocument"] = ["CategoryCode", "EffectiveDateTime", "ID", "Name", "TypeCode", "LPCOExemptionCode", "Submitter", "WriteOff"],
        ["AdditionalInformation"] = ["StatementCode", "StatementDescription", "StatementTypeCode", "Pointer"],
        ["Address"] = ["TypeCode", "CityName", "CountryCode", "CountrySubDivisionCode", "CountrySubDivisionName", "Line", "PostcodeID"],
        ["Agent"] = ["Name", "ID", "FunctionCode", "Address"],
        ["Amendment"] = ["ChangeReasonCode", "Pointer"],
        ["ArrivalTransportMeans"] = ["Name", "ID", "IdentificationTypeCode", "TypeCode", "ModeCode"],
        ["Authentication"] = ["Authentication", "Authenticator"],
        ["Authenticator"] = ["Name"],
        ["AuthorisationHolder"] = ["ID", "CategoryCode"],
        ["BorderTransportMeans"] = ["Name", "ID", "IdentificationTypeCode", "TypeCode", "RegistrationNationalityCode", "ModeCode"],
        ["Buyer"] = ["Name", "ID", "Address", "Contact", "Communication"],
        ["Carrier"] = ["Name", "ID", "Address", "Communication"],
        ["ChargeDeduction"] = ["ChargesTypeCode", "OtherChargeDeductionAmount"],
        ["Classification"] = ["ID", "IdentificationTypeCode"],
        ["Commodity"] = ["Description", "Classification", "DangerousGoods", "DutyTaxFee", "GoodsMeasure", "InvoiceLine", "TransportEquipment"],
        ["Communication"] = ["ID", "TypeCode"],
        ["Consignee"] = ["Name", "ID", "Address"],
        // Declaration/Consignment and GoodsShipment/Consignment have disjoint children.
        ["Consignment"] =
        [
            "ContainerCode", "ArrivalTransportMeans", "DepartureTransportMeans", "GoodsLocation", "LoadingLocation", "TransportEquipment",
            "Carrier", "ConsignmentItem", "Consignor", "Freight", "Itinerary",
        ],
        ["ConsignmentItem"] = ["SequenceNumeric", "Consignor", "Freight"],
        ["Consignor"] = ["Name", "ID", "Address"],
        ["Contact"] = ["Name"],
        ["CurrencyExchange"] = ["CurrencyTypeCode", "RateNumeric"],
        ["CustomsValuation"] = ["MethodCode", "FreightChargeAmount", "ChargeDeduction"],
        ["DangerousGoods"] = ["UNDGID"],
        ["Declarant"] = ["Name", "ID", "Address", "Contact", "Communication"],
        ["DepartureTransportMeans"] = ["Name", "ID", "IdentificationTypeCode", "TypeCode", "ModeCode"],
        ["Destination"] = ["CountryCode", "RegionID"],
        ["DomesticDutyTaxParty"] = ["ID", "RoleCode"],
        ["DutyTaxFee"] =
        [
            "AdValoremTaxBaseAmount", "DeductAmount", "DutyRegimeCode", "SpecificTaxBaseQuantity", "TaxRateNumeric", "TypeCode",
            "QuotaOrderID", "Payment",
        ],
        ["ExitOffice"] = ["ID"],
        ["ExportCountry"] = ["ID"],
        ["Exporter"] = ["Name", "ID", "Address", "Contact", "Communication"],
        ["Freight"] = ["PaymentMethodCode"],
        ["GoodsLocation"] = ["Name", "ID", "TypeCode", "Address"],
        ["GoodsMeasure"] = ["GrossMassMeasure", "NetNetWeightMeasure", "TariffQuantity"],
        ["GoodsShipment"] =
        [
            "ExitDateTime", "TransactionNatureCode", "AEOMutualRecognitionParty", "Buyer", "Consignee", "Consignment", "Consignor",
            "CustomsValuation", "Destination", "DomesticDutyTaxParty", "ExportCountry", "GovernmentAgencyGoodsItem", "Importer",
            "Invoice", "Payer", "PreviousDocument", "Seller", "Surety", "TradeTerms", "UCR", "Warehouse",
        ],
        ["GovernmentAgencyGoodsItem"] =
        [
            "CustomsValueAmount", "SequenceNumeric", "StatisticalValueAmount", "TransactionNatureCode", "AdditionalDocument",
            "AdditionalInformation", "AEOMutualRecognitionParty", "Buyer", "Commodity", "Consignee", "Consignor", "CustomsValuation",
            "Destination", "DomesticDutyTaxParty", "ExportCountry", "GovernmentProcedure", "Origin", "Packaging", "PreviousDocument",
            "Seller", "UCR", "ValuationAdjustment",
        ],
        ["GovernmentProcedure"] = ["CurrentCode", "PreviousCode"],
        ["GuaranteeOffice"] = ["ID"],
        ["Importer"] = ["Name", "ID", "Address", "Contact", "Communication"],
        ["Invoice"] = ["ID", "IssueDateTime"],
        ["InvoiceLine"] = ["ItemChargeAmount"],
        ["Itinerary"] = ["SequenceNumeric", "RoutingCountryCode"],
        ["LoadingLocation"] = ["Name", "ID"],
        ["ObligationGuarantee"] = ["AmountAmount", "ID", "ReferenceID", "SecurityDetailsCode", "AccessCode", "GuaranteeOffice"],
        ["Origin"] = ["CountryCode", "RegionID", "TypeCode"],
        ["Packaging"] =
        [
            "SequenceNumeric", "MarksNumbersID", "QuantityQuantity", "TypeCode", "PackingMaterialDescription", "LengthMeasure",
            "WidthMeasure", "HeightMeasure", "VolumeMeasure",
        ],
        ["Payer"] = ["Name", "ID", "Address"],
        ["Payment"] = ["MethodCode", "TaxAssessedAmount", "PaymentAmount"],
        ["Pointer"] = ["SequenceNumeric", "DocumentSectionCode", "TagID"],
        ["PresentationOffice"] = ["ID"],
        ["PreviousDocument"] = ["CategoryCode", "ID", "TypeCode", "LineNumeric"],
        ["Seal"] = ["SequenceNumeric", "ID"],
        ["Seller"] = ["Name", "ID", "Address", "Contact", "Communication"],
        ["Submitter"] = ["Name", "RoleCode", "ID", "Address"],
        ["SupervisingOffice"] = ["ID"],
        ["Surety"] = ["Name", "ID", "Address"],
        ["TradeTerms"] = ["ConditionCode", "CountryRelationshipCode", "Description", "LocationID", "LocationName"],
        ["TransportEquipment"] = ["SequenceNumeric", "ID", "Seal"],
        ["UCR"] = ["ID", "TraderAssignedReferenceID"],
        ["ValuationAdjustment"] = ["AdditionCode"],
        ["Warehouse"] = ["ID", "TypeCode"],
        ["WriteOff"] = ["QuantityQuantity", "AmountAmount"],
    }.ToFrozenDictionary(StringComparer.Ordinal);

    // Date elements hold a DateTimeString in the data-types namespace.
    public static readonly FrozenSet<string> DateElements = FrozenSet.ToFrozenSet(
        ["AcceptanceDateTime", "IssueDateTime", "EffectiveDateTime", "ExitDateTime", "LimitDateTime"], StringComparer.Ordinal);

    // Authorisation types (DE 3/39) that declare an authorised economic operator.
    public static readonly FrozenSet<string> AeoAuthorisations = FrozenSet.ToFrozenSet(["AEOC", "AEOS", "AEOF"], StringComparer.Ordinal);

    /// <summary>
    /// Parses a DMS DateTimeString: formatCode 102 is yyyyMMdd, 304 is yyyyMMddHHmmss followed by a zone
    /// (Z, +hh, +hhmm or +hh:mm; none means UTC). Without a formatCode the length decides.
    /// </summary>
    public static bool TryParseDate(string text, string? formatCode, out DateTimeOffset value, out string expected)
    {
        value = default;
        // Without a formatCode, an ISO 8601 date or date-time (2024-03-15, 2024-03-15T10:00:00Z) as other flavours write them.
        if (formatCode is null && text.Length >= 10 && text[4] == '-')
        {
            expected = "an ISO 8601 date (yyyy-MM-dd) or date-time with a zone";
            if (text.Length == 10)
            {
                if (!DateTime.TryParseExact(text, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var date)) return false;
                value = new DateTimeOffset(date, TimeSpan.Zero);
                return true;
            }
            return DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out value);
        }
        var format = formatCode ?? (text.Length == 8 ? "102" : "304");
        switch (format)
        {
            case "102":
                expected = "formatCode 102: a date as yyyyMMdd";
                if (text.Length == 8 && DateTime.TryParseExact(text, "yyyyMMdd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var day))
                {
                    value = new DateTimeOffset(day, TimeSpan.Zero);
                    return true;
                }
                return false;
            case "304":
                expected = "formatCode 304: yyyyMMddHHmmss and a zone (Z, +hh or +hhmm)";
                if (text.Length < 14 || !DateTime.TryParseExact(text.AsSpan(0, 14), "yyyyMMddHHmmss", CultureInfo.InvariantCulture, DateTimeStyles.None, out var time))
                    return false;
                if (!TryParseZone(text.AsSpan(14), out var offset)) return false;
                value = new DateTimeOffset(time, offset);
                return true;
            default:
                expected = "formatCode 102 (yyyyMMdd) or 304 (yyyyMMddHHmmss and a zone)";
                return false;
        }
    }

    private static bool TryParseZone(ReadOnlySpan<char> zone, out TimeSpan offset)
    {
        offset = TimeSpan.Zero;
        if (zone.IsEmpty || zone is "Z") return true;
        if (zone[0] is not ('+' or '-')) return false;
        var sign = zone[0] == '-' ? -1 : 1;
        var digits = zone[1..];
        if (digits.Length == 5 && digits[2] == ':') digits = string.Concat(digits[..2], digits[3..]);
        if (digits.Length is not (2 or 4)) return false;
        foreach (var c in digits)
        {
            if (!char.IsAsciiDigit(c)) return false;
        }
        var hours = (digits[0] - '0') * 10 + (digits[1] - '0');
        var minutes = digits.Length == 4 ? (digits[2] - '0') * 10 + (digits[3] - '0') : 0;
        if (hours > 14 || minutes > 59) return false;
        offset = sign * new TimeSpan(hours, minutes, 0);
        return true;
    }

    /// <summary>Formats a date as DMS formatCode 304, keeping its offset.</summary>
    public static string FormatDate(DateTimeOffset value)
    {
        var text = value.ToString("yyyyMMddHHmmss", CultureInfo.InvariantCulture);
        if (value.Offset == TimeSpan.Zero) return text + "Z";
        var offset = value.Offset.Duration();
        var sign = value.Offset < TimeSpan.Zero ? '-' : '+';
        return offset.Minutes == 0
            ? string.Create(CultureInfo.InvariantCulture, $"{text}{sign}{offset.Hours:00}")
            : string.Create(CultureInfo.InvariantCulture, $"{text}{sign}{offset.Hours:00}{offset.Minutes:00}");
    }

    public const NumberStyles DecimalStyle = NumberStyles.AllowLeadingSign | NumberStyles.AllowDecimalPoint;

    public static string Format(decimal value) => value.ToString(CultureInfo.InvariantCulture);

    public static string Format(int value) => value.ToString(CultureInfo.InvariantCulture);

    // UK goods location (DE 5/23): country, type of location (A-D), qualifier of the identification, identification.
    public static bool IsLocationType(char c) => c is >= 'A' and <= 'D';

    public static bool IsLocationQualifier(char c) => c is 'T' or 'U' or 'V' or 'W' or 'X' or 'Y' or 'Z';
}
