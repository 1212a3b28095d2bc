using System.Globalization;
using Entente.Declarations;

namespace Entente.Intelligence.Mirror;

/// <summary>How an import was paired with a partner's export: the identifier both declarations carry.</summary>
public enum MatchKey
{
    /// <summary>The import cites the export declaration's MRN (a previous document), or both carry the same MRN.</summary>
    ExportMrn,

    /// <summary>The same unique consignment reference (WCO 016 UCR).</summary>
    Ucr,

    /// <summary>The same transport document (bill of lading, air waybill, CMR) within the date window.</summary>
    TransportDocument,

    /// <summary>The same container within the date window (containers are reused: the nearest date wins).</summary>
    Container,
}

/// <summary>
/// What a mirror check reads from one declaration, an import here or an export at the partner: its identifiers, its date,
/// and the totals both sides declare (value, gross mass, packages, supplementary quantity, HS subheadings, origins).
/// </summary>
public sealed class MirrorConsignment
{
    /// <summary>Document types that are transport documents (UN/EDIFACT 1001 and EU N-codes: bill of lading, sea/air waybill, CMR, rail).</summary>
    private static readonly HashSet<string> TransportDocumentTypes = new(StringComparer.OrdinalIgnoreCase)
    {
        "705", "N705", "706", "N706", "710", "N710", "714", "N714", "720", "N720", "730", "N730", "740", "N740", "741", "N741", "BL", "AWB", "CMR", "HAWB", "MAWB",
    };

    /// <summary>The declaration's id here, or the message id of the partner's export as received.</summary>
    public required string Id { get; init; }

    public string? Mrn { get; init; }

    /// <summary>On an import: the MRNs of previous documents it cites (the export declaration among them).</summary>
    public string[] CitedMrns { get; init; } = [];

    public string? Ucr { get; init; }

    public DateTimeOffset? Date { get; init; }

    public string[] TransportDocuments { get; init; } = [];

    public string[] Containers { get; init; } = [];

    public decimal? Value { get; init; }

    public string? Currency { get; init; }

    public decimal? GrossMassKg { get; init; }

    public int? Packages { get; init; }

    public decimal? Quantity { get; init; }

    public string? QuantityUnit { get; init; }

    /// <summary>The HS subheadings (first 6 digits) of the items, sorted, distinct.</summary>
    public string[] Hs6 { get; init; } = [];

    /// <summary>The origin countries of the items, sorted, distinct.</summary>
    public string[] Origins { get; init; } = [];

    /// <summary>The principal item's HS6 (highest value), for the statistics.</summary>
    public string? PrincipalHs6 { get; init; }

    public static MirrorConsignment Of(string id, Declaration declaration)
    {
        ArgumentNullException.ThrowIfNull(declaration);
        var items = declaration.GoodsShipment.GoodsItems;
        decimal? value = null;
        string? currency = null;
        decimal? itemMass = null;
        decimal? quantity = null;
        string? unit = null;
        int? itemPackages = null;
        var hs6 = new SortedSet<string>(StringComparer.Ordinal);
        var origins = new SortedSet<string>(StringComparer.Ordinal);
        string? principal = null;
        decimal principalValue = -1;
        foreach (var item in items)
        {
            var amount = item.CustomsValue ?? item.ItemPrice;
            if (amount is not null)
            {
                value = (value ?? 0) + amount.Value;
                currency ??= amount.Currency;
                if (!string.Equals(currency, amount.Currency, StringComparison.OrdinalIgnoreCase)) currency = "*";
            }
            if (item.GrossMassKg is { } g) itemMass = (itemMass ?? 0) + g;
            if (item.SupplementaryQuantity is { } q)
            {
                quantity = (quantity ?? 0) + q.Value;
                unit ??= q.Unit;
            }
            foreach (var p in item.Packages) if (p.Quantity is { } n) itemPackages = (itemPackages ?? 0) + n;
            var code = Hs6Of(item.Classification?.Code);
            if (code is not null) hs6.Add(code);
            if (!string.IsNullOrWhiteSpace(item.OriginCountryCode)) origins.Add(item.OriginCountryCode.Trim().ToUpperInvariant());
            if (code is not null && (amount?.Value ?? 0) > principalValue)
            {
                principalValue = amount?.Value ?? 0;
                principal = code;
            }
        }
        if (value is null && declaration.InvoiceAmount is { } invoice)
        {
            value = invoice.Value;
            currency = invoice.Currency;
        }
        var documents = declaration.PreviousDocuments.Concat(declaration.AdditionalDocuments).Concat(items.SelectMany(i => i.PreviousDocuments)).ToList();
        return new MirrorConsignment
        {
            Id = id,
            Mrn = Clean(declaration.Mrn),
            CitedMrns = documents.Where(d => d.Id is not null && !IsTransportDocument(d)).Select(d => Clean(d.Id)!).Where(d => d.Length >= 10).Distinct(StringComparer.Ordinal).ToArray(),
            Ucr = Clean(declaration.Ucr),
            Date = declaration.AcceptanceDateTime ?? declaration.IssueDateTime,
            TransportDocuments = documents.Where(d => d.Id is not null && IsTransportDocument(d)).Select(d => Clean(d.Id)!).Distinct(StringComparer.Ordinal).ToArray(),
            Containers = declaration.GoodsShipment.Consignment.Containers.Select(c => Clean(c.Id)).OfType<string>().Distinct(StringComparer.Ordinal).ToArray(),
            Value = value,
            Currency = currency?.ToUpperInvariant(),
            GrossMassKg = declaration.TotalGrossMassKg ?? itemMass,
            Packages = declaration.TotalPackageQuantity ?? itemPackages,
            Quantity = quantity,
            QuantityUnit = unit,
            Hs6 = [.. hs6],
            Origins = [.. origins],
            PrincipalHs6 = principal,
        };
    }

    private static bool IsTransportDocument(Document d) => d.TypeCode is { } t && TransportDocumentTypes.Contains(t.Trim());

    internal static string? Hs6Of(string? code)
    {
        if (code is null) return null;
        Span<char> digits = stackalloc char[6];
        var n = 0;
        foreach (var c in code)
        {
            if (!char.IsAsciiDigit(c)) continue;
            digits[n++] = c;
            if (n == 6) return new string(digits);
        }
        return null;
    }

    /// <summary>An identifier as both sides compare it: trimmed, upper case, without spaces, dashes or dots; null when empty.</summary>
    public static string? Clean(string? id)
    {
        if (string.IsNullOrWhiteSpace(id)) return null;
        Span<char> buffer = stackalloc char[Math.Min(id.Length, 128)];
        var n = 0;
        foreach (var c in id)
        {
            if (c is ' ' or '-' or '.' or '/' or '\t') continue;
            if (n == buffer.Length) break;
            buffer[n++] = char.ToUpperInvariant(c);
        }
        return n == 0 ? null : new string(buffer[..n]);
    }

    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"{Id} ({Mrn ?? Ucr ?? "-"})");
}
