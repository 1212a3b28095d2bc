using System.Globalization;

namespace Entente.Risk.Model;

/// <summary>
/// A grouping the model keeps a history for (an HS subheading, an importer, an importer's goods of one
/// subheading...). Its smoothed fraud rate shrinks towards its parent's rate (HS heading → chapter), else the base rate.
/// </summary>
internal sealed record Grouping(string Name, Func<RiskFacts, string?> ValueOf, Func<RiskFacts, string> Display, string? Parent = null, bool Critical = false)
{
    public int ParentIndex { get; set; } = -1;
}

internal enum SlotKind { Rate, Count, CriticalRate, Numeric }

internal enum Numeric
{
    LogPrice,
    LogMass,
    LogUnitValue,
    UnitValueVsHsOrigin,
    UnitValueVsCode,
    UnitValueZ,
    DutyRate,
    LogDuty,
    Weekday,
    Month,
    DayOfMonth,
    Items,
    SameRoute,
    SellerNamed,
    CourierNamed,
}

/// <summary>One column of the feature vector.</summary>
internal readonly record struct FeatureSlot(string Name, SlotKind Kind, int Grouping, Numeric Numeric);

/// <summary>
/// Turns a declaration into the model's feature vector with customs knowledge: HS chapter/heading/subheading (and
/// national 8/10-digit) fraud rates, unit value per kg against the HS-origin norm, duty, trader and route histories,
/// calendar, and every national data element of the mapping. Statistics come from <see cref="FeatureTables"/>
/// fitted on training data only; training rows see out-of-fold rates so the model never learns its own leakage.
/// </summary>
internal sealed class RiskFeatures
{
    private const char Sep = '\u001F';
    private static readonly string[] NormGroupings = ["code-origin", "hs6-origin", "code", "hs6", "hs4"];
    private const int MinNormCount = 3;

    public FeatureTables Tables { get; }

    public IReadOnlyList<Grouping> Groupings { get; }

    public IReadOnlyList<FeatureSlot> Slots { get; }

    public int Count => Slots.Count;

    public RiskFeatures(FeatureTables tables)
    {
        Tables = tables;
        Groupings = GroupingsFor(tables.NationalKeys);
        Slots = SlotsFor(Groupings);
    }

    public static List<Grouping> GroupingsFor(IReadOnlyList<string> nationalKeys)
    {
        static string? Both(string? a, string? b) => a is null || b is null ? null : string.Concat(a, Sep.ToString(), b);
        static string? Hs(RiskFacts f, int digits) => f.Hs.Length >= digits ? f.Hs[..digits] : null;
        static string? Code(RiskFacts f) => f.Hs.Length > 6 ? f.Hs : null;
        var list = new List<Grouping>
        {
            new("hs2", f => Hs(f, 2), f => $"HS chapter {f.HsPrefix(2)}", Critical: true),
            new("hs4", f => Hs(f, 4), f => $"HS heading {f.HsPrefix(4)}", "hs2", Critical: true),
            new("hs6", f => Hs(f, 6), f => $"HS {f.HsPrefix(6)}", "hs4", Critical: true),
            new("hs8", f => f.Hs.Length > 6 ? Hs(f, 8) : null, f => $"{f.HsScheme ?? "HS"} {f.HsPrefix(8)}", "hs6"),
            new("code", Code, f => $"{f.HsScheme ?? "HS"} {f.Hs}", "hs8", Critical: true),
            new("origin", f => f.Origin, f => $"origin {f.Origin}"),
            new("departure", f => f.Departure, f => $"departure from {f.Departure}"),
            new("route", f => Both(f.Departure, f.Origin), f => $"goods of {f.Origin} origin departing from {f.Departure}", "origin"),
            new("office", f => f.Office, f => $"office {f.Office}"),
            new("mode", f => f.Mode, f => $"transport mode {f.Mode}"),
            new("origin-type", f => f.OriginType, f => $"origin indicator {f.OriginType}"),
            new("duty-type", f => f.DutyType, f => $"duty type {f.DutyType}"),
            new("currency", f => f.Currency, f => $"currency {f.Currency}"),
            new("procedure", f => f.Procedure, f => $"procedure {f.Procedure}"),
            new("hs6-origin", f => Both(Hs(f, 6), f.Origin), f => $"HS {f.HsPrefix(6)} from {f.Origin}", "hs6", Critical: true),
            new("code-origin", f => Both(Code(f), f.Origin), f => $"{f.HsScheme ?? "HS"} {f.Hs} from {f.Origin}", "hs6-origin"),
            new("hs6-office", f => Both(Hs(f, 6), f.Office), f => $"HS {f.HsPrefix(6)} at office {f.Office}", "hs6"),
            new("importer", f => f.Importer, f => $"importer {f.Importer}", Critical: true),
            new("declarant", f => f.Declarant, f => $"declarant {f.Declarant}", Critical: true),
            new("seller", f => f.Seller, f => $"seller {f.Seller}", Critical: true),
            new("courier", f => f.Courier, f => $"courier {f.Courier}"),
            new("exporter", f => f.Exporter, f => $"exporter {f.Exporter}"),
            new("importer-hs6", f => Both(f.Importer, Hs(f, 6)), f => $"importer {f.Importer} with HS {f.HsPrefix(6)}", "importer"),
            new("importer-hs2", f => Both(f.Importer, Hs(f, 2)), f => $"importer {f.Importer} with HS chapter {f.HsPrefix(2)}", "importer"),
            new("importer-origin", f => Both(f.Importer, f.Origin), f => $"importer {f.Importer} with goods from {f.Origin}", "importer"),
            new("declarant-importer", f => Both(f.Declarant, f.Importer), f => $"declarant {f.Declarant} for importer {f.Importer}", "declarant"),
            new("declarant-hs6", f => Both(f.Declarant, Hs(f, 6)), f => $"declarant {f.Declarant} with HS {f.HsPrefix(6)}", "declarant"),
            new("seller-importer", f => Both(f.Seller, f.Importer), f => $"seller {f.Seller} to importer {f.Importer}", "seller"),
            new("seller-hs6", f => Both(f.Seller, Hs(f, 6)), f => $"seller {f.Seller} with HS {f.HsPrefix(6)}", "seller"),
        };
        foreach (var key in nationalKeys)
            list.Add(new("national." + key, f => f.National.TryGetValue(key, out var v) && !string.IsNullOrWhiteSpace(v) ? v : null, f => $"{key} {f.National.GetValueOrDefault(key)}"));
        for (var i = 0; i < list.Count; i++)
        {
            if (list[i].Parent is { } parent) list[i].ParentIndex = list.FindIndex(g => g.Name == parent);
        }
        return list;
    }

    private static List<FeatureSlot> SlotsFor(IReadOnlyList<Grouping> groupings)
    {
        var slots = new List<FeatureSlot>();
        for (var g = 0; g < groupings.Count; g++)
        {
            slots.Add(new(groupings[g].Name + ".fraud-rate", SlotKind.Rate, g, default));
            slots.Add(new(groupings[g].Name + ".count", SlotKind.Count, g, default));
            if (groupings[g].Critical) slots.Add(new(groupings[g].Name + ".critical-rate", SlotKind.CriticalRate, g, default));
        }
        foreach (var n in Enum.GetValues<Numeric>()) slots.Add(new(NumericName(n), SlotKind.Numeric, -1, n));
        return slots;
    }

    private static string NumericName(Numeric n) => n switch
    {
        Numeric.LogPrice => "log-price",
        Numeric.LogMass => "log-net-mass",
        Numeric.LogUnitValue => "log-unit-value",
        Numeric.UnitValueVsHsOrigin => "unit-value-vs-hs-origin-norm",
        Numeric.UnitValueVsCode => "unit-value-vs-code-norm",
        Numeric.UnitValueZ => "unit-value-z-in-hs6",
        Numeric.DutyRate => "duty-rate",
        Numeric.LogDuty => "log-duty",
        Numeric.Weekday => "weekday",
        Numeric.Month => "month",
        Numeric.DayOfMonth => "day-of-month",
        Numeric.Items => "goods-items",
        Numeric.SameRoute => "departure-is-origin",
        Numeric.SellerNamed => "seller-named",
        Numeric.CourierNamed => "courier-named",
        _ => n.ToString(),
    };

    public static string? NormKey(string grouping, RiskFacts f) => grouping switch
    {
        "code-origin" => f.Hs.Length > 6 && f.Origin is not null ? f.Hs + Sep + f.Origin : null,
        "hs6-origin" => f.Hs.Length >= 6 && f.Origin is not null ? f.Hs[..6] + Sep + f.Origin : null,
        "code" => f.Hs.Length > 6 ? f.Hs : null,
        "hs6" => f.Hs.Length >= 6 ? f.Hs[..6] : null,
        "hs4" => f.Hs.Length >= 4 ? f.Hs[..4] : null,
        _ => null,
    };

    /// <summary>Fills <paramref name="x"/> for a declaration being scored: every history and norm from the tables.</summary>
    public void Extract(RiskFacts facts, Span<float> x)
    {
        Span<History> histories = stackalloc History[Groupings.Count];
        Span<int> counts = stackalloc int[Groupings.Count];
        Span<bool> present = stackalloc bool[Groupings.Count];
        for (var g = 0; g < Groupings.Count; g++)
        {
            var value = Groupings[g].ValueOf(facts);
            present[g] = value is not null;
            histories[g] = Tables.Lookup(Groupings[g].Name, value);
            counts[g] = histories[g].Count;
        }
        Span<UnitValueNorm> norms = stackalloc UnitValueNorm[NormGroupings.Length];
        for (var i = 0; i < NormGroupings.Length; i++) norms[i] = Tables.Norm(NormGroupings[i], NormKey(NormGroupings[i], facts));
        Fill(facts, histories, counts, present, norms, x);
    }

    /// <summary>The common arithmetic of scoring and training: rates from the given histories, norms as given.</summary>
    public void Fill(RiskFacts facts, ReadOnlySpan<History> histories, ReadOnlySpan<int> counts, ReadOnlySpan<bool> present, ReadOnlySpan<UnitValueNorm> norms, Span<float> x)
    {
        var m = Tables.Smoothing;
        Span<double> rates = stackalloc double[Groupings.Count];
        Span<double> criticalRates = stackalloc double[Groupings.Count];
        var slot = 0;
        for (var g = 0; g < Groupings.Count; g++)
        {
            var parent = Groupings[g].ParentIndex;
            var prior = parent >= 0 ? rates[parent] : Tables.BaseRate;
            var criticalPrior = parent >= 0 ? criticalRates[parent] : Tables.CriticalRate;
            var h = histories[g];
            rates[g] = (h.Fraud + m * prior) / (h.Count + m);
            criticalRates[g] = (h.Critical + m * criticalPrior) / (h.Count + m);
            x[slot++] = (float)rates[g];
            x[slot++] = present[g] ? (float)Math.Log(1 + counts[g]) : -1f;
            if (Groupings[g].Critical) x[slot++] = (float)criticalRates[g];
        }
        var logUnitValue = facts.LogUnitValue;
        var (vsHsOrigin, _) = Deviation(logUnitValue, norms, 1);
        var (vsCode, _) = Deviation(logUnitValue, norms, 2);
        var z = ZScore(logUnitValue, norms);
        var date = facts.Date;
        for (var n = 0; n < NumericCount; n++)
        {
            x[slot++] = (Numeric)n switch
            {
                Numeric.LogPrice => facts.Price >= 0 ? (float)Math.Log(1 + facts.Price) : -1f,
                Numeric.LogMass => facts.Mass >= 0 ? (float)Math.Log(1 + facts.Mass) : -1f,
                Numeric.LogUnitValue => double.IsNaN(logUnitValue) ? -30f : (float)logUnitValue,
                Numeric.UnitValueVsHsOrigin => (float)vsHsOrigin,
                Numeric.UnitValueVsCode => (float)vsCode,
                Numeric.UnitValueZ => (float)z,
                Numeric.DutyRate => double.IsNaN(facts.DutyRate) ? -1f : (float)facts.DutyRate,
                Numeric.LogDuty => facts.Price >= 0 && facts.DutyRate >= 0 ? (float)Math.Log(1 + facts.Price * facts.DutyRate / 100) : -1f,
                Numeric.Weekday => date is { } d1 ? (float)d1.DayOfWeek : -1f,
                Numeric.Month => date is { } d2 ? d2.Month : -1f,
                Numeric.DayOfMonth => date is { } d3 ? d3.Day : -1f,
                Numeric.Items => facts.Items,
                Numeric.SameRoute => facts.Departure is null || facts.Origin is null ? -1f : facts.Departure == facts.Origin ? 1f : 0f,
                Numeric.SellerNamed => facts.Seller is null ? 0f : 1f,
                Numeric.CourierNamed => facts.Courier is null ? 0f : 1f,
                _ => 0f,
            };
        }
    }

    private static readonly int NumericCount = Enum.GetValues<Numeric>().Length;

    /// <summary>Log ratio of the unit value to the first norm with enough history, starting at level <paramref name="from"/>
    /// (0 code × origin, 1 HS6 × origin, 2 code, 3 HS6, 4 HS4); 0 when there is no norm. Returns the level used, or -1.</summary>
    private static (double Deviation, int Level) Deviation(double logUnitValue, ReadOnlySpan<UnitValueNorm> norms, int from)
    {
        if (double.IsNaN(logUnitValue)) return (0, -1);
        if (from == 1 && norms[0].Count >= MinNormCount) return (logUnitValue - norms[0].Sum / norms[0].Count, 0);
        for (var level = from; level < norms.Length; level++)
        {
            if (norms[level].Count >= MinNormCount) return (logUnitValue - norms[level].Sum / norms[level].Count, level);
        }
        return (0, -1);
    }

    private static double ZScore(double logUnitValue, ReadOnlySpan<UnitValueNorm> norms)
    {
        if (double.IsNaN(logUnitValue)) return 0;
        for (var level = 3; level < norms.Length; level++)
        {
            var n = norms[level];
            if (n.Count < MinNormCount) continue;
            var mean = n.Sum / n.Count;
            var variance = Math.Max(0, n.SumSquares / n.Count - mean * mean);
            return (logUnitValue - mean) / Math.Max(0.1, Math.Sqrt(variance));
        }
        return 0;
    }

    /// <summary>The slot in words an officer understands, for this declaration.</summary>
    public string Explain(int slotIndex, RiskFacts facts)
    {
        var slot = Slots[slotIndex];
        if (slot.Kind != SlotKind.Numeric)
        {
            var grouping = Groupings[slot.Grouping];
            var value = grouping.ValueOf(facts);
            var display = grouping.Display(facts);
            if (value is null) return $"{grouping.Name} not given";
            var h = Tables.Lookup(grouping.Name, value);
            if (h.Count == 0) return $"{display}: no past declarations (new)";
            return slot.Kind switch
            {
                SlotKind.CriticalRate => $"{display}: past critical-fraud rate {Percent(h.Critical, h.Count)} over {h.Count:N0} declarations",
                SlotKind.Count => $"{display}: {h.Count:N0} past declarations, fraud rate {Percent(h.Fraud, h.Count)}",
                _ => $"{display}: past fraud rate {Percent(h.Fraud, h.Count)} over {h.Count:N0} declarations",
            };
        }
        switch (slot.Numeric)
        {
            case Numeric.UnitValueVsHsOrigin:
            case Numeric.UnitValueVsCode:
            case Numeric.UnitValueZ:
                {
                    Span<UnitValueNorm> norms = stackalloc UnitValueNorm[NormGroupings.Length];
                    for (var i = 0; i < NormGroupings.Length; i++) norms[i] = Tables.Norm(NormGroupings[i], NormKey(NormGroupings[i], facts));
                    var (deviation, level) = Deviation(facts.LogUnitValue, norms, slot.Numeric == Numeric.UnitValueVsCode ? 2 : 1);
                    if (level < 0) return double.IsNaN(facts.LogUnitValue) ? "unit value per kg unknown (price or net mass missing)" : "no unit-value norm for these goods";
                    var norm = level switch
                    {
                        0 => $"{facts.HsScheme ?? "HS"} {facts.Hs} from {facts.Origin}",
                        1 => $"HS {facts.HsPrefix(6)} from {facts.Origin}",
                        2 => $"{facts.HsScheme ?? "HS"} {facts.Hs}",
                        3 => $"HS {facts.HsPrefix(6)}",
                        _ => $"HS heading {facts.HsPrefix(4)}",
                    };
                    var ratio = Math.Exp(Math.Abs(deviation));
                    var size = ratio >= 10 ? ratio.ToString("N0", CultureInfo.InvariantCulture) : ratio.ToString("0.#", CultureInfo.InvariantCulture);
                    return deviation < 0
                        ? $"unit value per kg {size}x below the norm for {norm}"
                        : $"unit value per kg {size}x above the norm for {norm}";
                }
            case Numeric.LogPrice: return double.IsNaN(facts.Price) ? "item price not given" : $"item price {facts.Price.ToString("N0", CultureInfo.InvariantCulture)} {facts.Currency}";
            case Numeric.LogMass: return double.IsNaN(facts.Mass) ? "net mass not given" : $"net mass {facts.Mass.ToString("N1", CultureInfo.InvariantCulture)} kg";
            case Numeric.LogUnitValue: return double.IsNaN(facts.LogUnitValue) ? "unit value per kg unknown" : $"unit value {Math.Exp(facts.LogUnitValue).ToString("N2", CultureInfo.InvariantCulture)} {facts.Currency} per kg";
            case Numeric.DutyRate: return double.IsNaN(facts.DutyRate) ? "duty rate not given" : $"duty rate {facts.DutyRate.ToString("0.##", CultureInfo.InvariantCulture)} %";
            case Numeric.LogDuty: return $"duty at stake {(facts.Price * facts.DutyRate / 100).ToString("N0", CultureInfo.InvariantCulture)} {facts.Currency}";
            case Numeric.Weekday: return facts.Date is { } d ? $"declared on a {d.DayOfWeek}" : "date not given";
            case Numeric.Month: return facts.Date is { } m ? $"declared in {m.ToString("MMMM", CultureInfo.InvariantCulture)}" : "date not given";
            case Numeric.DayOfMonth: return facts.Date is { } dm ? $"declared on day {dm.Day} of the month" : "date not given";
            case Numeric.Items: return $"{facts.Items} goods items";
            case Numeric.SameRoute: return facts.Departure == facts.Origin ? $"shipped from its origin country {facts.Origin}" : $"goods of {facts.Origin ?? "unknown"} origin shipped from {facts.Departure ?? "an unknown country"}";
            case Numeric.SellerNamed: return facts.Seller is null ? "no seller named" : $"seller {facts.Seller} named";
            case Numeric.CourierNamed: return facts.Courier is null ? "no courier" : $"courier {facts.Courier}";
            default: return slot.Name;
        }
    }

    private static string Percent(int part, int whole) => (100.0 * part / whole).ToString("0", CultureInfo.InvariantCulture) + " %";

    /// <summary>
    /// Fits the tables on labelled training rows and returns the training feature matrix, computed out of fold:
    /// each row's rates come from the other folds' histories, its counts and unit-value norms from every other row.
    /// </summary>
    public static (RiskFeatures Features, float[][] Matrix) Fit(IReadOnlyList<RiskFacts> rows, IReadOnlyList<bool> fraud, IReadOnlyList<bool> critical, double smoothing, int folds, int seed)
    {
        var n = rows.Count;
        var nationalKeys = rows.SelectMany(r => r.National.Keys).GroupBy(k => k, StringComparer.Ordinal)
            .Where(g => g.Count() >= Math.Max(1, n / 100)).OrderByDescending(g => g.Count()).ThenBy(g => g.Key, StringComparer.Ordinal)
            .Take(24).Select(g => g.Key).OrderBy(k => k, StringComparer.Ordinal).ToArray();
        var groupings = GroupingsFor(nationalKeys);
        var random = new Random(seed);
        var fold = new int[n];
        for (var i = 0; i < n; i++) fold[i] = random.Next(folds);

        var ids = new int[groupings.Count][];
        var full = new List<History>[groupings.Count];
        var perFold = new List<History>[groupings.Count][];
        var histories = new Dictionary<string, Dictionary<string, History>>(StringComparer.Ordinal);
        for (var g = 0; g < groupings.Count; g++)
        {
            var index = new Dictionary<string, int>(StringComparer.Ordinal);
            ids[g] = new int[n];
            full[g] = [];
            perFold[g] = new List<History>[folds];
            for (var f = 0; f < folds; f++) perFold[g][f] = [];
            for (var i = 0; i < n; i++)
            {
                var value = groupings[g].ValueOf(rows[i]);
                if (value is null) { ids[g][i] = -1; continue; }
                if (!index.TryGetValue(value, out var id))
                {
                    id = index.Count;
                    index[value] = id;
                    full[g].Add(default);
                    for (var f = 0; f < folds; f++) perFold[g][f].Add(default);
                }
                ids[g][i] = id;
                Add(full[g], id, fraud[i], critical[i]);
                Add(perFold[g][fold[i]], id, fraud[i], critical[i]);
            }
            histories[groupings[g].Name] = index.ToDictionary(kv => kv.Key, kv => full[g][kv.Value], StringComparer.Ordinal);
        }

        var normIds = new int[NormGroupings.Length][];
        var normStats = new List<UnitValueNorm>[NormGroupings.Length];
        var norms = new Dictionary<string, Dictionary<string, UnitValueNorm>>(StringComparer.Ordinal);
        for (var k = 0; k < NormGroupings.Length; k++)
        {
            var index = new Dictionary<string, int>(StringComparer.Ordinal);
            normIds[k] = new int[n];
            normStats[k] = [];
            for (var i = 0; i < n; i++)
            {
                var x = rows[i].LogUnitValue;
                var key = double.IsNaN(x) ? null : NormKey(NormGroupings[k], rows[i]);
                if (key is null) { normIds[k][i] = -1; continue; }
                if (!index.TryGetValue(key, out var id))
                {
                    id = index.Count;
                    index[key] = id;
                    normStats[k].Add(default);
                }
                normIds[k][i] = id;
                var s = normStats[k][id];
                s.Count++;
                s.Sum += x;
                s.SumSquares += x * x;
                normStats[k][id] = s;
            }
            norms[NormGroupings[k]] = index.ToDictionary(kv => kv.Key, kv => normStats[k][kv.Value], StringComparer.Ordinal);
        }

        var frauds = fraud.Count(f => f);
        var tables = new FeatureTables
        {
            BaseRate = n == 0 ? 0 : (double)frauds / n,
            CriticalRate = n == 0 ? 0 : (double)critical.Count(c => c) / n,
            Smoothing = smoothing,
            NationalKeys = nationalKeys,
            Histories = histories,
            Norms = norms,
        };
        var features = new RiskFeatures(tables);
        var matrix = new float[n][];
        var rowHistories = new History[groupings.Count];
        var rowCounts = new int[groupings.Count];
        var rowPresent = new bool[groupings.Count];
        var rowNorms = new UnitValueNorm[NormGroupings.Length];
        for (var i = 0; i < n; i++)
        {
            for (var g = 0; g < groupings.Count; g++)
            {
                var id = ids[g][i];
                rowPresent[g] = id >= 0;
                if (id < 0) { rowHistories[g] = default; rowCounts[g] = 0; continue; }
                var all = full[g][id];
                var own = perFold[g][fold[i]][id];
                rowHistories[g] = new History { Count = all.Count - own.Count, Fraud = all.Fraud - own.Fraud, Critical = all.Critical - own.Critical };
                rowCounts[g] = all.Count - 1;
            }
            var x = rows[i].LogUnitValue;
            for (var k = 0; k < NormGroupings.Length; k++)
            {
                var id = normIds[k][i];
                if (id < 0) { rowNorms[k] = default; continue; }
                var s = normStats[k][id];
                rowNorms[k] = new UnitValueNorm { Count = s.Count - 1, Sum = s.Sum - x, SumSquares = s.SumSquares - x * x };
            }
            matrix[i] = new float[features.Count];
            features.Fill(rows[i], rowHistories, rowCounts, rowPresent, rowNorms, matrix[i]);
        }
        return (features, matrix);
    }

    private static void Add(List<History> list, int id, bool fraud, bool critical)
    {
        var h = list[id];
        h.Count++;
        if (fraud) h.Fraud++;
        if (critical) h.Critical++;
        list[id] = h;
    }
}
