using System.Collections.Frozen;
using Entente.Declarations;

namespace Entente.Ingest.Csv;

internal enum TargetKind
{
    Text,
    Decimal,
    Integer,
    Date,
    Classification,
    Containers,
}

/// <summary>
/// One canonical target a mapping field can write. <see cref="Pointers"/> are canonical JSON pointers, relative to
/// the goods item for item targets and to the party for party targets, so Locate can turn a validation problem
/// back into a CSV column.
/// </summary>
internal sealed record CsvTarget(string Name, TargetKind Kind, string[] Pointers, Delegate Assign, string Meaning)
{
    public bool IsItem => Name.StartsWith("item.", StringComparison.Ordinal);

    public PartyRole? Role { get; init; }

    public string? NationalName { get; init; }
}

// To add a target: add one line below (name, kind, canonical pointer, how to assign, meaning) and a row in
// docs/formats/csv-mapping.md. Item prices, packages and duties are assembled in CsvRow.FinishItem.
internal static class CsvTargets
{
    public static readonly FrozenDictionary<string, PartyRole> Roles = new Dictionary<string, PartyRole>
    {
        ["importer"] = PartyRole.Importer,
        ["exporter"] = PartyRole.Exporter,
        ["declarant"] = PartyRole.Declarant,
        ["representative"] = PartyRole.Representative,
        ["seller"] = PartyRole.Seller,
        ["buyer"] = PartyRole.Buyer,
        ["consignee"] = PartyRole.Consignee,
        ["consignor"] = PartyRole.Consignor,
        ["carrier"] = PartyRole.Carrier,
        ["courier"] = PartyRole.Courier,
        ["authorisation-holder"] = PartyRole.AuthorisationHolder,
    }.ToFrozenDictionary(StringComparer.Ordinal);

    public static readonly FrozenDictionary<string, CsvTarget> All = Build().ToFrozenDictionary(t => t.Name, StringComparer.Ordinal);

    public const string NationalPrefix = "national.";

    public static bool TryGet(string name, out CsvTarget target)
    {
        if (All.TryGetValue(name, out target!)) return true;
        if (name.StartsWith(NationalPrefix, StringComparison.Ordinal) && name.Length > NationalPrefix.Length)
        {
            var key = name[NationalPrefix.Length..];
            target = new CsvTarget(name, TargetKind.Text, ["/nationalData/" + EscapePointer(key)],
                (Action<CsvRow, string>)((r, v) => r.Declaration.NationalData[key] = v), "national data element (Declaration.NationalData)")
            { NationalName = key };
            return true;
        }
        return false;
    }

    private static string EscapePointer(string segment) => segment.Replace("~", "~0", StringComparison.Ordinal).Replace("/", "~1", StringComparison.Ordinal);

    private static IEnumerable<CsvTarget> Build()
    {
        static CsvTarget T(string name, string pointer, Action<CsvRow, string> assign, string meaning) => new(name, TargetKind.Text, [pointer], assign, meaning);
        static CsvTarget D(string name, string pointer, Action<CsvRow, decimal> assign, string meaning) => new(name, TargetKind.Decimal, [pointer], assign, meaning);
        static CsvTarget I(string name, string pointer, Action<CsvRow, int> assign, string meaning) => new(name, TargetKind.Integer, [pointer], assign, meaning);
        static CsvTarget Dt(string name, string pointer, Action<CsvRow, DateTimeOffset> assign, string meaning) => new(name, TargetKind.Date, [pointer], assign, meaning);

        yield return T("declaration.lrn", "/lrn", (r, v) => r.Declaration.Lrn = v, "local reference number (WCO D026, DE 2/5)");
        yield return T("declaration.mrn", "/mrn", (r, v) => r.Declaration.Mrn = v, "movement reference number given by customs (WCO D014, DE 2/1)");
        yield return T("declaration.type", "/typeCode", (r, v) => r.Declaration.TypeCode = v, "declaration type (WCO D013, DE 1/1 + 1/2)");
        yield return T("declaration.function", "/functionCode", (r, v) => r.Declaration.FunctionCode = v, "message function (WCO D017)");
        yield return Dt("declaration.issue-date", "/issueDateTime", (r, v) => r.Declaration.IssueDateTime = v, "date the declarant issued it (WCO D011)");
        yield return Dt("declaration.acceptance-date", "/acceptanceDateTime", (r, v) => r.Declaration.AcceptanceDateTime = v, "date customs accepted it (WCO D023)");
        yield return T("declaration.office", "/declarationOfficeId", (r, v) => r.Declaration.DeclarationOfficeId = v, "customs office of declaration (WCO G005, DE 5/12)");
        yield return T("declaration.ucr", "/ucr", (r, v) => r.Declaration.Ucr = v, "unique consignment reference (WCO 016, DE 2/4)");

        foreach (var (roleName, role) in Roles.OrderBy(r => r.Value))
        {
            var p = "party." + roleName + ".";
            yield return T(p + "id", "/id", (r, v) => r.Party(role).Id = v, $"identification number of the {roleName} (EORI, TIN, trader number)") with { Role = role };
            yield return T(p + "name", "/name", (r, v) => r.Party(role).Name = v, $"name of the {roleName}") with { Role = role };
            yield return T(p + "id-scheme", "/idScheme", (r, v) => r.Party(role).IdScheme = v, $"scheme of the {roleName}'s identification (EORI, TIN...)") with { Role = role };
            yield return T(p + "country", "/address/countryCode", (r, v) => r.Address(role).CountryCode = v, $"country of the {roleName}'s address, ISO 3166-1 alpha-2") with { Role = role };
            yield return T(p + "address", "/address/line", (r, v) => r.Address(role).Line = v, $"street and number of the {roleName}") with { Role = role };
            yield return T(p + "city", "/address/cityName", (r, v) => r.Address(role).CityName = v, $"city of the {roleName}") with { Role = role };
            yield return T(p + "postcode", "/address/postcodeId", (r, v) => r.Address(role).PostcodeId = v, $"postcode of the {roleName}") with { Role = role };
            yield return T(p + "aeo", "/aeoRole", (r, v) => r.Party(role).AeoRole = v, $"AEO authorisation held by the {roleName} (AEOC, AEOS, AEOF...)") with { Role = role };
        }

        yield return T("shipment.export-country", "/goodsShipment/exportCountryCode", (r, v) => r.Declaration.GoodsShipment.ExportCountryCode = v, "country of export / dispatch (WCO 062, DE 5/14)");
        yield return T("shipment.destination-country", "/goodsShipment/destinationCountryCode", (r, v) => r.Declaration.GoodsShipment.DestinationCountryCode = v, "country of destination (WCO 014, DE 5/8)");

        yield return I("transport.mode-at-border", "/goodsShipment/consignment/modeOfTransportAtBorder", (r, v) => r.Consignment.ModeOfTransportAtBorder = v, "mode of transport at the border, UN/ECE Rec. 19 (DE 7/4)");
        yield return I("transport.inland-mode", "/goodsShipment/consignment/inlandModeOfTransport", (r, v) => r.Consignment.InlandModeOfTransport = v, "inland mode of transport, UN/ECE Rec. 19 (DE 7/5)");
        yield return T("transport.departure-country", "/goodsShipment/consignment/departureCountryCode", (r, v) => r.Consignment.DepartureCountryCode = v, "country the consignment departed from");
        yield return T("transport.loading", "/goodsShipment/consignment/loadingLocation", (r, v) => r.Consignment.LoadingLocation = v, "place of loading, UN/LOCODE (DE 5/21)");
        yield return T("transport.unloading", "/goodsShipment/consignment/unloadingLocation", (r, v) => r.Consignment.UnloadingLocation = v, "place of unloading, UN/LOCODE");
        yield return T("transport.means-id", "/goodsShipment/consignment/borderTransportMeans/id", (r, v) => r.BorderMeans.Id = v, "identity of the means crossing the border (IMO number, registration...)");
        yield return T("transport.means-nationality", "/goodsShipment/consignment/borderTransportMeans/nationalityCode", (r, v) => r.BorderMeans.NationalityCode = v, "nationality of that means, ISO 3166-1 alpha-2 (DE 7/15)");
        yield return new CsvTarget("container.id", TargetKind.Containers, ["/goodsShipment/consignment/containers"], (Action<CsvRow, string>)((r, v) => r.AddContainers(v)),
            "container numbers, ISO 6346, several separated by ';' (DE 7/10)");

        yield return T("item.description", "/description", (r, v) => r.Item.Description = v, "description of goods (WCO 137, DE 6/8)");
        yield return new CsvTarget("item.hs-code", TargetKind.Classification, ["/classification", "/classification/code", "/classification/scheme"], (Action<CsvRow, Classification>)((r, v) => r.Item.Classification = v),
            "commodity code (WCO 145, DE 6/14) with the field's scheme and edition");
        yield return T("item.origin", "/originCountryCode", (r, v) => r.Item.OriginCountryCode = v, "country of origin, ISO 3166-1 alpha-2 (WCO 063, DE 5/15)");
        yield return T("item.origin-type", "/originTypeCode", (r, v) => r.Item.OriginTypeCode = v, "origin type: 1 non-preferential, 2 preferential, or a national indicator");
        yield return D("item.net-mass", "/netMassKg", (r, v) => r.Item.NetMassKg = v, "net mass in kilograms (WCO 126, DE 6/1)");
        yield return D("item.gross-mass", "/grossMassKg", (r, v) => r.Item.GrossMassKg = v, "gross mass in kilograms (WCO 131, DE 6/5)");
        yield return new CsvTarget("item.price", TargetKind.Decimal, ["/itemPrice", "/itemPrice/value"], (Action<CsvRow, decimal>)((r, v) => r.Price = v), "item price in item.currency (DE 4/14)");
        yield return new CsvTarget("item.customs-value", TargetKind.Decimal, ["/customsValue", "/customsValue/value"], (Action<CsvRow, decimal>)((r, v) => r.CustomsValue = v), "customs value in item.currency (DE 4/16 basis)");
        yield return new CsvTarget("item.currency", TargetKind.Text, ["/itemPrice/currency", "/customsValue/currency"], (Action<CsvRow, string>)((r, v) => r.Currency = v), "ISO 4217 currency of item.price and item.customs-value");
        yield return new CsvTarget("item.quantity", TargetKind.Decimal, ["/supplementaryQuantity", "/supplementaryQuantity/value"], (Action<CsvRow, decimal>)((r, v) => r.Quantity = v), "supplementary quantity (DE 6/2), in the field's unit");
        yield return new CsvTarget("item.packages", TargetKind.Integer, ["/packages/0/quantity"], (Action<CsvRow, int>)((r, v) => r.Packages = v), "number of packages (WCO 144, DE 6/10)");
        yield return T("item.package-type", "/packages/0/typeCode", (r, v) => r.PackageType = v, "package type, UN/ECE Rec. 21 (WCO 142, DE 6/9)");
        yield return T("item.duty-type", "/dutyTaxFees/0/typeCode", (r, v) => r.DutyType = v, "duty or tax type (DE 4/3)");
        yield return new CsvTarget("item.duty-rate", TargetKind.Decimal, ["/dutyTaxFees/0/ratePercent"], (Action<CsvRow, decimal>)((r, v) => r.DutyRate = v), "duty rate in percent (DE 4/5)");
        yield return T("item.procedure", "/requestedProcedureCode", (r, v) => r.Item.RequestedProcedureCode = v, "requested procedure (DE 1/10, first two digits)");
        yield return T("item.previous-procedure", "/previousProcedureCode", (r, v) => r.Item.PreviousProcedureCode = v, "previous procedure (DE 1/10, last two digits)");
    }
}
