using System.Globalization;
using Entente.Common;
using Entente.Declarations;

namespace Entente.Risk.Rules;

/// <summary>What a field holds: text (codes, identifiers) or a number (amounts, masses, rates).</summary>
public enum RuleFieldType
{
    Text,
    Number,
}

/// <summary>Where a field sits: once per declaration, once per goods item (a rule matches when any item does), or several values per declaration (containers, transit countries).</summary>
public enum RuleFieldLevel
{
    Declaration,
    Item,
    Many,
}

/// <summary>What kind of thing a value is, so a list of traders is never matched against a country.</summary>
public enum RuleDomain
{
    Any,
    Country,
    Trader,
    Hs,
    Route,
    Container,
    Office,
}

/// <summary>
/// A field rules can test, by its friendly name and, where it has one, its canonical field path. To add one: a line in
/// <see cref="RuleFields.Catalogue"/> with how to read it from a declaration (and, for test cases, how to set it).
/// </summary>
public sealed class RuleField
{
    internal RuleField(string name, string? path, RuleFieldType type, RuleFieldLevel level, RuleDomain domain, string label)
    {
        Name = name;
        Path = path;
        Type = type;
        Level = level;
        Domain = domain;
        Label = label;
    }

    public string Name { get; }

    /// <summary>The canonical field path (docs/declaration.schema.json), or null for a derived field.</summary>
    public string? Path { get; }

    public RuleFieldType Type { get; }

    public RuleFieldLevel Level { get; }

    public RuleDomain Domain { get; }

    /// <summary>How an officer reads the field in a reason ("HS", "origin", "value per kg").</summary>
    public string Label { get; }

    internal Func<Declaration, string?>? HeaderText { get; init; }
    internal Func<Declaration, double>? HeaderNumber { get; init; }
    internal Func<GoodsItem, string?>? ItemText { get; init; }
    internal Func<GoodsItem, double>? ItemNumber { get; init; }
    internal Action<Declaration, List<string>>? ManyText { get; init; }

    internal Action<Declaration, string>? SetHeader { get; init; }
    internal Action<GoodsItem, string>? SetItem { get; init; }

    internal bool Settable => SetHeader is not null || SetItem is not null;

    public override string ToString() => Name;
}

/// <summary>The fields rules can name. National data elements are <c>national.NAME</c>.</summary>
public static class RuleFields
{
    public const string NationalPrefix = "national.";

    /// <summary><c>finding.CODE</c>: how many findings of that code the declaration carries (docs/formats/findings.md).</summary>
    public const string FindingPrefix = "finding.";

    private const string Items = "/goodsShipment/goodsItems/*/";
    private const string Consignment = "/goodsShipment/consignment/";

    private static readonly (PartyRole Role, string Name)[] PartyRoles =
    [
        (PartyRole.Importer, "importer"), (PartyRole.Exporter, "exporter"), (PartyRole.Declarant, "declarant"), (PartyRole.Representative, "representative"),
        (PartyRole.Seller, "seller"), (PartyRole.Buyer, "buyer"), (PartyRole.Consignee, "consignee"), (PartyRole.Consignor, "consignor"), (PartyRole.Carrier, "carrier"),
    ];

    public static IReadOnlyList<RuleField> Catalogue { get; } = Build();

    private static readonly Dictionary<string, RuleField> ByName = Catalogue.ToDictionary(f => f.Name, StringComparer.OrdinalIgnoreCase);

    private static readonly Dictionary<string, RuleField> ByPath = Catalogue.Where(f => f.Path is not null).ToDictionary(f => f.Path!, StringComparer.Ordinal);

    /// <summary>The field a rule names by friendly name, canonical path or <c>national.NAME</c>; null when there is none.</summary>
    public static RuleField? Find(string name)
    {
        if (ByName.TryGetValue(name, out var field)) return field;
        if (name.StartsWith('/') && ByPath.TryGetValue(name.Replace("/0/", "/*/", StringComparison.Ordinal), out field)) return field;
        if (name.StartsWith(NationalPrefix, StringComparison.OrdinalIgnoreCase) && name.Length > NationalPrefix.Length)
            return National(name[NationalPrefix.Length..], RuleFieldType.Text);
        if (name.StartsWith(FindingPrefix, StringComparison.OrdinalIgnoreCase) && FindingCodes.IsKnown(name[FindingPrefix.Length..].ToLowerInvariant()))
            return FindingCount(name[FindingPrefix.Length..].ToLowerInvariant());
        return null;
    }

    /// <summary>A finding as a fact: the number of findings of <paramref name="code"/> (0 when none, never missing).</summary>
    internal static RuleField FindingCount(string code) => new(FindingPrefix + code, null, RuleFieldType.Number, RuleFieldLevel.Declaration, RuleDomain.Any, "finding " + code)
    {
        HeaderNumber = d =>
        {
            var count = 0;
            if (d.Findings is { } findings)
                foreach (var f in findings) if (f.Code == code) count++;
            return count;
        },
        SetHeader = (d, v) =>
        {
            for (var n = Integer(v); n > 0; n--) (d.Findings ??= []).Add(new Finding(code, "", "given by a test case"));
        },
    };

    internal static RuleField National(string key, RuleFieldType type) => new(NationalPrefix + key, "/nationalData/" + key, type, RuleFieldLevel.Declaration, RuleDomain.Any, key)
    {
        HeaderText = type == RuleFieldType.Text ? d => d.NationalData.GetValueOrDefault(key) : null,
        HeaderNumber = type == RuleFieldType.Number ? d => Number(d.NationalData.GetValueOrDefault(key)) : null,
        SetHeader = (d, v) => d.NationalData[key] = v,
    };

    /// <summary>The known name closest to <paramref name="name"/>, for "did you mean".</summary>
    public static string? Closest(string name)
    {
        var best = (Name: (string?)null, Distance: int.MaxValue);
        foreach (var f in Catalogue)
        {
            var d = EditDistance.Between(name.ToLowerInvariant(), f.Name);
            if (d < best.Distance) best = (f.Name, d);
        }
        return best.Distance <= Math.Max(2, name.Length / 3) ? best.Name : null;
    }

    private static double Number(string? text) =>
        text is not null && double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var v) ? v : double.NaN;

    private static double Value(decimal? value) => value is { } v ? (double)v : double.NaN;

    internal static string? Hs(GoodsItem item)
    {
        var code = item.Classification?.Code;
        if (code is null) return null;
        return code.AsSpan().IndexOfAny('.', ' ') < 0 ? code : code.Replace(".", "", StringComparison.Ordinal).Replace(" ", "", StringComparison.Ordinal);
    }

    private static string? Prefix(string? code, int length) => code is null || code.Length < length ? null : code[..length];

    private static decimal? ItemValue(GoodsItem item) => item.CustomsValue?.Value ?? item.ItemPrice?.Value;

    private static double ValuePerKg(GoodsItem item) =>
        ItemValue(item) is { } value && item.NetMassKg is { } mass && mass > 0 ? (double)(value / mass) : double.NaN;

    private static double DutyRate(GoodsItem item)
    {
        var rate = double.NaN;
        foreach (var duty in item.DutyTaxFees)
            if (duty.RatePercent is { } r && (double.IsNaN(rate) || (double)r > rate)) rate = (double)r;
        return rate;
    }

    private static decimal Decimal(string text) =>
        decimal.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var v) ? v : throw new FormatException($"'{text}' is not a number");

    private static int Integer(string text) =>
        int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var v) ? v : throw new FormatException($"'{text}' is not a whole number");

    private static string? Procedure(GoodsItem item) =>
        item.RequestedProcedureCode is null ? null : item.RequestedProcedureCode + item.PreviousProcedureCode;

    private static List<RuleField> Build()
    {
        var fields = new List<RuleField>();

        RuleField HeaderText(string name, string? path, RuleDomain domain, string label, Func<Declaration, string?> get, Action<Declaration, string>? set) =>
            new(name, path, RuleFieldType.Text, RuleFieldLevel.Declaration, domain, label) { HeaderText = get, SetHeader = set };
        RuleField HeaderNumber(string name, string? path, string label, Func<Declaration, double> get, Action<Declaration, string>? set) =>
            new(name, path, RuleFieldType.Number, RuleFieldLevel.Declaration, RuleDomain.Any, label) { HeaderNumber = get, SetHeader = set };
        RuleField ItemText(string name, string? path, RuleDomain domain, string label, Func<GoodsItem, string?> get, Action<GoodsItem, string>? set) =>
            new(name, path, RuleFieldType.Text, RuleFieldLevel.Item, domain, label) { ItemText = get, SetItem = set };
        RuleField ItemNumber(string name, string? path, string label, Func<GoodsItem, double> get, Action<GoodsItem, string>? set) =>
            new(name, path, RuleFieldType.Number, RuleFieldLevel.Item, RuleDomain.Any, label) { ItemNumber = get, SetItem = set };

        // Declaration (WCO 42A).
        fields.Add(HeaderText("declaration-type", "/typeCode", RuleDomain.Any, "declaration type", d => d.TypeCode, (d, v) => d.TypeCode = v));
        fields.Add(HeaderText("function-code", "/functionCode", RuleDomain.Any, "function code", d => d.FunctionCode, (d, v) => d.FunctionCode = v));
        fields.Add(HeaderText("office", "/declarationOfficeId", RuleDomain.Office, "office", d => d.DeclarationOfficeId, (d, v) => d.DeclarationOfficeId = v));
        fields.Add(HeaderText("supervising-office", "/supervisingOfficeId", RuleDomain.Office, "supervising office", d => d.SupervisingOfficeId, (d, v) => d.SupervisingOfficeId = v));
        fields.Add(HeaderText("lrn", "/lrn", RuleDomain.Any, "LRN", d => d.Lrn, (d, v) => d.Lrn = v));
        fields.Add(HeaderText("mrn", "/mrn", RuleDomain.Any, "MRN", d => d.Mrn, (d, v) => d.Mrn = v));
        fields.Add(HeaderText("ucr", "/ucr", RuleDomain.Any, "UCR", d => d.Ucr, (d, v) => d.Ucr = v));
        fields.Add(HeaderNumber("item-count", "/goodsItemQuantity", "number of items",
            d => d.GoodsItemQuantity ?? d.GoodsShipment.GoodsItems.Count, (d, v) => d.GoodsItemQuantity = Integer(v)));
        fields.Add(HeaderNumber("package-count", "/totalPackageQuantity", "number of packages", d => d.TotalPackageQuantity ?? double.NaN, (d, v) => d.TotalPackageQuantity = Integer(v)));
        fields.Add(HeaderNumber("invoice-value", "/invoiceAmount/value", "invoice amount", d => Value(d.InvoiceAmount?.Value),
            (d, v) => d.InvoiceAmount = new Amount(Decimal(v), d.InvoiceAmount?.Currency ?? "")));
        fields.Add(HeaderText("invoice-currency", "/invoiceAmount/currency", RuleDomain.Any, "invoice currency", d => d.InvoiceAmount?.Currency,
            (d, v) => d.InvoiceAmount = new Amount(d.InvoiceAmount?.Value ?? 0, v)));
        fields.Add(HeaderNumber("total-gross-mass", "/totalGrossMassKg", "total gross mass (kg)", d => Value(d.TotalGrossMassKg), (d, v) => d.TotalGrossMassKg = Decimal(v)));

        // Parties (DE 3/x): the identifier, name, country and AEO status of each role.
        foreach (var (role, name) in PartyRoles)
        {
            fields.Add(HeaderText(name, null, RuleDomain.Trader, name, d => d.FindParty(role)?.Id, (d, v) => d.GetOrAddParty(role).Id = v));
            fields.Add(HeaderText(name + "-name", null, RuleDomain.Any, name + " name", d => d.FindParty(role)?.Name, (d, v) => d.GetOrAddParty(role).Name = v));
            fields.Add(HeaderText(name + "-country", null, RuleDomain.Country, name + " country", d => d.FindParty(role)?.Address?.CountryCode,
                (d, v) => (d.GetOrAddParty(role).Address ??= new Address()).CountryCode = v));
            fields.Add(HeaderText(name + "-aeo", null, RuleDomain.Any, name + " AEO status", d => d.FindParty(role)?.AeoRole, (d, v) => d.GetOrAddParty(role).AeoRole = v));
        }

        // Goods shipment and consignment (WCO 67A, 28A).
        fields.Add(HeaderText("export-country", "/goodsShipment/exportCountryCode", RuleDomain.Country, "country of export",
            d => d.GoodsShipment.ExportCountryCode, (d, v) => d.GoodsShipment.ExportCountryCode = v));
        fields.Add(HeaderText("destination", "/goodsShipment/destinationCountryCode", RuleDomain.Country, "destination",
            d => d.GoodsShipment.DestinationCountryCode, (d, v) => d.GoodsShipment.DestinationCountryCode = v));
        fields.Add(HeaderText("transaction-nature", "/goodsShipment/transactionNatureCode", RuleDomain.Any, "nature of transaction",
            d => d.GoodsShipment.TransactionNatureCode, (d, v) => d.GoodsShipment.TransactionNatureCode = v));
        fields.Add(HeaderText("departure", Consignment + "departureCountryCode", RuleDomain.Country, "departure",
            d => d.GoodsShipment.Consignment.DepartureCountryCode, (d, v) => d.GoodsShipment.Consignment.DepartureCountryCode = v));
        fields.Add(HeaderNumber("transport-mode", Consignment + "modeOfTransportAtBorder", "transport mode",
            d => d.GoodsShipment.Consignment.ModeOfTransportAtBorder ?? double.NaN, (d, v) => d.GoodsShipment.Consignment.ModeOfTransportAtBorder = Integer(v)));
        fields.Add(HeaderNumber("inland-transport-mode", Consignment + "inlandModeOfTransport", "inland transport mode",
            d => d.GoodsShipment.Consignment.InlandModeOfTransport ?? double.NaN, (d, v) => d.GoodsShipment.Consignment.InlandModeOfTransport = Integer(v)));
        fields.Add(HeaderText("loading", Consignment + "loadingLocation", RuleDomain.Any, "place of loading",
            d => d.GoodsShipment.Consignment.LoadingLocation, (d, v) => d.GoodsShipment.Consignment.LoadingLocation = v));
        fields.Add(HeaderText("unloading", Consignment + "unloadingLocation", RuleDomain.Any, "place of unloading",
            d => d.GoodsShipment.Consignment.UnloadingLocation, (d, v) => d.GoodsShipment.Consignment.UnloadingLocation = v));
        fields.Add(HeaderText("goods-location", Consignment + "goodsLocation", RuleDomain.Any, "location of goods",
            d => d.GoodsShipment.Consignment.GoodsLocation, (d, v) => d.GoodsShipment.Consignment.GoodsLocation = v));
        fields.Add(HeaderText("route", null, RuleDomain.Route, "route",
            d => d.GoodsShipment.Consignment is { LoadingLocation: { } from, UnloadingLocation: { } to } ? from + "-" + to : null,
            (d, v) =>
            {
                var dash = v.IndexOf('-', StringComparison.Ordinal);
                if (dash <= 0) throw new FormatException($"a route is LOADING-UNLOADING (e.g. CNSHA-NLRTM), not '{v}'");
                d.GoodsShipment.Consignment.LoadingLocation = v[..dash];
                d.GoodsShipment.Consignment.UnloadingLocation = v[(dash + 1)..];
            }));
        fields.Add(HeaderText("vessel", Consignment + "borderTransportMeans/id", RuleDomain.Any, "means of transport",
            d => d.GoodsShipment.Consignment.BorderTransportMeans?.Id, (d, v) => (d.GoodsShipment.Consignment.BorderTransportMeans ??= new TransportMeans()).Id = v));
        fields.Add(HeaderText("vessel-flag", Consignment + "borderTransportMeans/nationalityCode", RuleDomain.Country, "flag of the means of transport",
            d => d.GoodsShipment.Consignment.BorderTransportMeans?.NationalityCode,
            (d, v) => (d.GoodsShipment.Consignment.BorderTransportMeans ??= new TransportMeans()).NationalityCode = v));
        fields.Add(new RuleField("container", Consignment + "containers/*/id", RuleFieldType.Text, RuleFieldLevel.Many, RuleDomain.Container, "container")
        {
            ManyText = (d, values) =>
            {
                foreach (var c in d.GoodsShipment.Consignment.Containers) values.Add(c.Id);
            },
            SetHeader = (d, v) => d.GoodsShipment.Consignment.Containers.Add(new Container { Id = v }),
        });
        fields.Add(new RuleField("findings", "/findings/*/code", RuleFieldType.Text, RuleFieldLevel.Many, RuleDomain.Any, "finding")
        {
            ManyText = (d, values) =>
            {
                if (d.Findings is { } findings)
                    foreach (var f in findings) values.Add(f.Code);
            },
            SetHeader = (d, v) => (d.Findings ??= []).Add(new Finding(v, "", "given by a test case")),
        });
        fields.Add(new RuleField("transit", Consignment + "itineraryCountryCodes/*", RuleFieldType.Text, RuleFieldLevel.Many, RuleDomain.Country, "country of routing")
        {
            ManyText = (d, values) => values.AddRange(d.GoodsShipment.Consignment.ItineraryCountryCodes),
            SetHeader = (d, v) => d.GoodsShipment.Consignment.ItineraryCountryCodes.Add(v),
        });

        // Goods items (WCO 68A + 23A).
        fields.Add(ItemText("hs", Items + "classification/code", RuleDomain.Hs, "HS", Hs,
            (i, v) => i.Classification = new Classification(i.Classification?.Scheme ?? "HS", i.Classification?.Edition, v)));
        fields.Add(ItemText("hs-chapter", null, RuleDomain.Hs, "HS chapter", i => Prefix(Hs(i), 2), null));
        fields.Add(ItemText("hs-heading", null, RuleDomain.Hs, "HS heading", i => Prefix(Hs(i), 4), null));
        fields.Add(ItemText("hs-subheading", null, RuleDomain.Hs, "HS subheading", i => Prefix(Hs(i), 6), null));
        fields.Add(ItemText("hs-scheme", Items + "classification/scheme", RuleDomain.Any, "nomenclature", i => i.Classification?.Scheme,
            (i, v) => i.Classification = new Classification(v, i.Classification?.Edition, i.Classification?.Code ?? "")));
        fields.Add(ItemText("description", Items + "description", RuleDomain.Any, "description", i => i.Description, (i, v) => i.Description = v));
        fields.Add(ItemText("origin", Items + "originCountryCode", RuleDomain.Country, "origin", i => i.OriginCountryCode, (i, v) => i.OriginCountryCode = v));
        fields.Add(ItemText("origin-type", Items + "originTypeCode", RuleDomain.Any, "origin type", i => i.OriginTypeCode, (i, v) => i.OriginTypeCode = v));
        fields.Add(ItemNumber("value", Items + "customsValue/value", "value", i => Value(ItemValue(i)),
            (i, v) => i.CustomsValue = new Amount(Decimal(v), i.CustomsValue?.Currency ?? "")));
        fields.Add(ItemText("currency", Items + "customsValue/currency", RuleDomain.Any, "currency", i => i.CustomsValue?.Currency ?? i.ItemPrice?.Currency,
            (i, v) => i.CustomsValue = new Amount(i.CustomsValue?.Value ?? 0, v)));
        fields.Add(ItemNumber("item-price", Items + "itemPrice/value", "item price", i => Value(i.ItemPrice?.Value),
            (i, v) => i.ItemPrice = new Amount(Decimal(v), i.ItemPrice?.Currency ?? "")));
        fields.Add(ItemNumber("net-mass", Items + "netMassKg", "net mass (kg)", i => Value(i.NetMassKg), (i, v) => i.NetMassKg = Decimal(v)));
        fields.Add(ItemNumber("gross-mass", Items + "grossMassKg", "gross mass (kg)", i => Value(i.GrossMassKg), (i, v) => i.GrossMassKg = Decimal(v)));
        fields.Add(ItemNumber("value-per-kg", null, "value per kg", ValuePerKg, null));
        fields.Add(ItemNumber("supplementary-quantity", Items + "supplementaryQuantity/value", "supplementary quantity", i => Value(i.SupplementaryQuantity?.Value),
            (i, v) => i.SupplementaryQuantity = new Quantity(Decimal(v), i.SupplementaryQuantity?.Unit)));
        fields.Add(ItemNumber("duty-rate", Items + "dutyTaxFees/*/ratePercent", "duty rate (%)", DutyRate,
            (i, v) => i.DutyTaxFees.Add(new DutyTaxFee { RatePercent = Decimal(v) })));
        fields.Add(ItemText("procedure", null, RuleDomain.Any, "procedure", Procedure, (i, v) =>
        {
            i.RequestedProcedureCode = v.Length >= 2 ? v[..2] : v;
            i.PreviousProcedureCode = v.Length > 2 ? v[2..] : null;
        }));
        fields.Add(ItemText("requested-procedure", Items + "requestedProcedureCode", RuleDomain.Any, "requested procedure", i => i.RequestedProcedureCode,
            (i, v) => i.RequestedProcedureCode = v));
        fields.Add(ItemText("previous-procedure", Items + "previousProcedureCode", RuleDomain.Any, "previous procedure", i => i.PreviousProcedureCode,
            (i, v) => i.PreviousProcedureCode = v));
        fields.Add(ItemText("valuation-method", Items + "valuationMethodCode", RuleDomain.Any, "valuation method", i => i.ValuationMethodCode,
            (i, v) => i.ValuationMethodCode = v));
        return fields;
    }
}
