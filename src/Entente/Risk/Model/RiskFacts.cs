using Entente.Declarations;

namespace Entente.Risk.Model;

/// <summary>
/// What the model reads from one canonical declaration: the principal goods item (highest price, first on ties)
/// and the declaration's parties, route, office and date. Whatever a source did not fill stays null or NaN.
/// </summary>
internal sealed class RiskFacts
{
    public string Hs = "";
    public string? HsScheme;
    public string? Origin;
    public string? Departure;
    public string? Importer;
    public string? Declarant;
    public string? Seller;
    public string? Courier;
    public string? Exporter;
    public string? Office;
    public string? OriginType;
    public string? DutyType;
    public string? Currency;
    public string? Procedure;
    public string? Mode;
    public double Price = double.NaN;
    public double Mass = double.NaN;
    public double DutyRate = double.NaN;
    public int Items;
    public DateTimeOffset? Date;
    public Dictionary<string, string> National = [];

    public static RiskFacts Of(Declaration declaration)
    {
        ArgumentNullException.ThrowIfNull(declaration);
        var items = declaration.GoodsShipment.GoodsItems;
        GoodsItem? item = null;
        foreach (var candidate in items)
        {
            if (item is null || (candidate.ItemPrice?.Value ?? candidate.CustomsValue?.Value ?? 0) > (item.ItemPrice?.Value ?? item.CustomsValue?.Value ?? 0))
                item = candidate;
        }
        var consignment = declaration.GoodsShipment.Consignment;
        var facts = new RiskFacts
        {
            Items = items.Count,
            Office = Blank(declaration.DeclarationOfficeId),
            Date = declaration.AcceptanceDateTime ?? declaration.IssueDateTime,
            Departure = Blank(consignment.DepartureCountryCode) ?? Blank(declaration.GoodsShipment.ExportCountryCode),
            Mode = consignment.ModeOfTransportAtBorder?.ToString(System.Globalization.CultureInfo.InvariantCulture),
            National = WithFindings(declaration),
        };
        foreach (var party in declaration.Parties)
        {
            var id = Blank(party.Id);
            switch (party.Role)
            {
                case PartyRole.Importer: facts.Importer ??= id; break;
                case PartyRole.Declarant: facts.Declarant ??= id; break;
                case PartyRole.Seller: facts.Seller ??= id; break;
                case PartyRole.Courier: facts.Courier ??= id; break;
                case PartyRole.Exporter: facts.Exporter ??= id; break;
            }
        }
        if (item is not null)
        {
            var code = item.Classification?.Code;
            if (code is not null) facts.Hs = Digits(code);
            facts.HsScheme = item.Classification?.Scheme;
            facts.Origin = Blank(item.OriginCountryCode);
            facts.OriginType = Blank(item.OriginTypeCode);
            facts.Procedure = Blank(item.RequestedProcedureCode);
            var amount = item.ItemPrice ?? item.CustomsValue;
            if (amount is not null)
            {
                facts.Price = (double)amount.Value;
                facts.Currency = amount.Currency;
            }
            if (item.NetMassKg is { } mass) facts.Mass = (double)mass;
            if (item.DutyTaxFees.Count > 0)
            {
                facts.DutyType = Blank(item.DutyTaxFees[0].TypeCode);
                if (item.DutyTaxFees[0].RatePercent is { } rate) facts.DutyRate = (double)rate;
            }
        }
        return facts;
    }

    /// <summary>Log of the price per kilogram, NaN when either is missing or not positive.</summary>
    public double LogUnitValue => Price > 0 && Mass > 0 ? Math.Log(Price / Mass) : double.NaN;

    public string HsPrefix(int digits) => Hs.Length >= digits ? Hs[..digits] : "";

    private static string? Blank(string? value) => string.IsNullOrWhiteSpace(value) ? null : value;

    /// <summary>
    /// The national data, with the declaration's finding codes as one more element ("findings": codes joined by '+'),
    /// so a model trained on declarations with findings can learn from them like from any national element.
    /// </summary>
    private static Dictionary<string, string> WithFindings(Declaration declaration)
    {
        if (declaration.Findings is not { Count: > 0 } findings) return declaration.NationalData;
        return new Dictionary<string, string>(declaration.NationalData, StringComparer.Ordinal)
        {
            ["findings"] = string.Join('+', findings.Select(f => f.Code).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal)),
        };
    }

    private static string Digits(string code)
    {
        Span<char> buffer = stackalloc char[Math.Min(code.Length, 32)];
        var n = 0;
        foreach (var c in code)
        {
            if (char.IsAsciiDigit(c) && n < buffer.Length) buffer[n++] = c;
        }
        return n == code.Length ? code : new string(buffer[..n]);
    }
}
