using System.Globalization;
using Entente.Declarations;

namespace Entente.Intelligence.Mirror;

/// <summary>How close both sides must be before a discrepancy is reported, and how far apart in time a pair may be.</summary>
public sealed record MirrorTolerances
{
    /// <summary>The import may be declared up to this many days after the export (transit, storage).</summary>
    public int WindowDays { get; init; } = 60;

    /// <summary>...and this many days before it (pre-lodged import declarations, clock and time-zone differences).</summary>
    public int EarlyDays { get; init; } = 3;

    /// <summary>Undervaluation: the import value below the export value by more than this share (CIF is normally above FOB).</summary>
    public decimal Value { get; init; } = 0.10m;

    /// <summary>Gross mass differing by more than this share.</summary>
    public decimal Mass { get; init; } = 0.05m;

    /// <summary>Supplementary quantity differing by more than this share (packages must be equal).</summary>
    public decimal Quantity { get; init; } = 0.02m;
}

/// <summary>One import paired with one partner export, and the key that paired them.</summary>
public readonly record struct MirrorPair(int Import, int Export, MatchKey Key);

/// <summary>A difference between both sides of one consignment: a finding on the import declaration.</summary>
public sealed record MirrorDiscrepancy(string Code, string Path, string Message, decimal? Export, decimal? Import);

/// <summary>
/// Pairs a partner's exports with this node's imports of the same consignment, then compares both sides. Pure: the exports
/// are indexed once by every identifier (export MRN, UCR, transport document, container), each import looks its own
/// identifiers up in that order (containers only once every exact identifier is paired), and a date window decides
/// between candidates (the nearest wins). Each export pairs at most one import.
/// </summary>
public static class MirrorMatcher
{
    public static IReadOnlyList<MirrorPair> Match(IReadOnlyList<MirrorConsignment> exports, IReadOnlyList<MirrorConsignment> imports, MirrorTolerances tolerances)
    {
        ArgumentNullException.ThrowIfNull(exports);
        ArgumentNullException.ThrowIfNull(imports);
        ArgumentNullException.ThrowIfNull(tolerances);
        var byMrn = new Dictionary<string, int>(exports.Count, StringComparer.Ordinal);
        var byUcr = new Dictionary<string, int>(exports.Count, StringComparer.Ordinal);
        var byDocument = new Dictionary<string, List<int>>(StringComparer.Ordinal);
        var byContainer = new Dictionary<string, List<int>>(StringComparer.Ordinal);
        for (var e = 0; e < exports.Count; e++)
        {
            var export = exports[e];
            if (export.Mrn is { } mrn) byMrn.TryAdd(mrn, e);
            if (export.Ucr is { } ucr) byUcr.TryAdd(ucr, e);
            foreach (var d in export.TransportDocuments) Add(byDocument, d, e);
            foreach (var c in export.Containers) Add(byContainer, c, e);
        }
        var used = new bool[exports.Count];
        var paired = new bool[imports.Count];
        var pairs = new List<MirrorPair>();
        // First every exact identifier, then containers for what is left: a reused container never takes an export
        // another import names exactly.
        for (var i = 0; i < imports.Count; i++)
        {
            var import = imports[i];
            var found = -1;
            var key = MatchKey.ExportMrn;
            foreach (var cited in import.CitedMrns)
            {
                if (byMrn.TryGetValue(cited, out var e) && !used[e] && InWindow(exports[e], import, tolerances)) { found = e; break; }
            }
            if (found < 0 && import.Mrn is { } own && byMrn.TryGetValue(own, out var same) && !used[same] && InWindow(exports[same], import, tolerances)) found = same;
            if (found < 0 && import.Ucr is { } u && byUcr.TryGetValue(u, out var byU) && !used[byU] && InWindow(exports[byU], import, tolerances))
            {
                found = byU;
                key = MatchKey.Ucr;
            }
            if (found < 0)
            {
                found = Nearest(import.TransportDocuments, byDocument, exports, import, used, tolerances);
                key = MatchKey.TransportDocument;
            }
            if (found < 0) continue;
            used[found] = true;
            paired[i] = true;
            pairs.Add(new MirrorPair(i, found, key));
        }
        for (var i = 0; i < imports.Count; i++)
        {
            if (paired[i] || imports[i].Containers.Length == 0) continue;
            var found = Nearest(imports[i].Containers, byContainer, exports, imports[i], used, tolerances);
            if (found < 0) continue;
            used[found] = true;
            pairs.Add(new MirrorPair(i, found, MatchKey.Container));
        }
        return pairs;
    }

    /// <summary>What differs between the partner's export and this node's import of the same consignment.</summary>
    public static IReadOnlyList<MirrorDiscrepancy> Compare(MirrorConsignment export, MirrorConsignment import, MirrorTolerances tolerances)
    {
        ArgumentNullException.ThrowIfNull(export);
        ArgumentNullException.ThrowIfNull(import);
        ArgumentNullException.ThrowIfNull(tolerances);
        var found = new List<MirrorDiscrepancy>();
        if (export.Value is { } ev && import.Value is { } iv && ev > 0 && SameCurrency(export.Currency, import.Currency) && iv < ev * (1 - tolerances.Value))
        {
            found.Add(new(FindingCodes.MirrorUndervaluation, "/goodsShipment/goodsItems/*/customsValue",
                Text($"declared {iv:0.##} {import.Currency}, the partner's export declaration states {ev:0.##} {export.Currency} ({(iv - ev) / ev * 100:0}%)"), ev, iv));
        }
        if (export.GrossMassKg is { } em && import.GrossMassKg is { } im && em > 0 && Math.Abs(im - em) > em * tolerances.Mass)
        {
            found.Add(new(FindingCodes.MirrorMass, "/totalGrossMassKg",
                Text($"gross mass {im:0.###} kg here, {em:0.###} kg in the partner's export declaration ({(im - em) / em:+0%;-0%})"), em, im));
        }
        if (export.Packages is { } ep && import.Packages is { } ip && ep != ip)
            found.Add(new(FindingCodes.MirrorQuantity, "/totalPackageQuantity", Text($"{ip} packages here, {ep} in the partner's export declaration"), ep, ip));
        else if (export.Quantity is { } eq && import.Quantity is { } iq && eq > 0 && string.Equals(export.QuantityUnit, import.QuantityUnit, StringComparison.OrdinalIgnoreCase) &&
                 Math.Abs(iq - eq) > eq * tolerances.Quantity)
        {
            found.Add(new(FindingCodes.MirrorQuantity, "/goodsShipment/goodsItems/*/supplementaryQuantity",
                Text($"quantity {iq:0.###} {import.QuantityUnit} here, {eq:0.###} in the partner's export declaration"), eq, iq));
        }
        if (export.Hs6.Length > 0 && import.Hs6.Length > 0 && !export.Hs6.AsSpan().SequenceEqual(import.Hs6))
        {
            found.Add(new(FindingCodes.MirrorHs6, "/goodsShipment/goodsItems/*/classification/code",
                $"HS {string.Join(", ", import.Hs6)} here, {string.Join(", ", export.Hs6)} in the partner's export declaration", null, null));
        }
        if (export.Origins.Length > 0 && import.Origins.Length > 0 && !export.Origins.AsSpan().SequenceEqual(import.Origins))
        {
            found.Add(new(FindingCodes.MirrorOrigin, "/goodsShipment/goodsItems/*/originCountryCode",
                $"origin {string.Join(", ", import.Origins)} here, {string.Join(", ", export.Origins)} in the partner's export declaration", null, null));
        }
        return found;
    }

    private static bool SameCurrency(string? a, string? b) => a is not null && a != "*" && string.Equals(a, b, StringComparison.OrdinalIgnoreCase);

    private static string Text(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);

    private static void Add(Dictionary<string, List<int>> index, string key, int value)
    {
        if (!index.TryGetValue(key, out var list)) index[key] = list = new List<int>(1);
        list.Add(value);
    }

    private static bool InWindow(MirrorConsignment export, MirrorConsignment import, MirrorTolerances tolerances)
    {
        if (export.Date is not { } exported || import.Date is not { } imported) return true;
        var days = (imported - exported).TotalDays;
        return days >= -tolerances.EarlyDays && days <= tolerances.WindowDays;
    }

    private static int Nearest(string[] keys, Dictionary<string, List<int>> index, IReadOnlyList<MirrorConsignment> exports, MirrorConsignment import, bool[] used, MirrorTolerances tolerances)
    {
        var best = -1;
        var bestDistance = double.MaxValue;
        foreach (var key in keys)
        {
            if (!index.TryGetValue(key, out var candidates)) continue;
            foreach (var e in candidates)
            {
                if (used[e] || !InWindow(exports[e], import, tolerances)) continue;
                var distance = exports[e].Date is { } d && import.Date is { } i ? Math.Abs((i - d).TotalDays) : double.MaxValue / 2;
                if (distance < bestDistance)
                {
                    best = e;
                    bestDistance = distance;
                }
            }
        }
        return best;
    }
}
