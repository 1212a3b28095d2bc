using System.Globalization;

namespace Entente.Risk.Model;

/// <summary>A value a grouping is made of, read from the facts without building a string (HS prefixes are slices).</summary>
internal enum Part { None, Hs2, Hs4, Hs6, Hs8, Code, Origin, Departure, Office, Mode, OriginType, DutyType, Currency, Procedure, Importer, Declarant, Seller, Courier, Exporter, National }

/// <summary>
/// A grouping the model keeps a history for (an HS subheading, an importer, an importer's goods of one
/// subheading...): one part or two (an interaction, keyed "A␟B"). Its smoothed fraud rate shrinks towards its
/// parent's rate (HS heading → chapter), else the base rate.
/// </summary>
internal sealed record Grouping(string Name, Part A, Part B, Func<RiskFacts, string> Display, string? Parent = null, bool Critical = false, string? NationalKey = null)
{
    public int ParentIndex { get; set; } = -1;

    /// <summary>The grouping's value as the tables store it, null when a part is missing (training and explanations).</summary>
    public string? ValueOf(RiskFacts f)
    {
        if (!RiskFeatures.TryPart(f, A, NationalKey, out var a)) return null;
        if (B == Part.None) return RiskFeatures.PartString(f, A, NationalKey, a);
        return RiskFeatures.TryPart(f, B, NationalKey, out var b) ? string.Concat(a, RiskFeatures.SeparatorText, b) : null;
    }

    /// <summary>The same value written into <paramref name="buffer"/> (or allocated when longer): false when a part is missing.</summary>
    public bool TryKey(RiskFacts f, Span<char> buffer, out ReadOnlySpan<char> key)
    {
        key = default;
        if (!RiskFeatures.TryPart(f, A, NationalKey, out var a)) return false;
        if (B == Part.None)
        {
            key = a;
            return true;
        }
        if (!RiskFeatures.TryPart(f, B, NationalKey, out var b)) return false;
        var length = a.Length + 1 + b.Length;
        if (length > buffer.Length)
        {
            key = string.Concat(a, RiskFeatures.SeparatorText, b);
            return true;
        }
        a.CopyTo(buffer);
        buffer[a.Length] = RiskFeatures.Separator;
        b.CopyTo(buffer[(a.Length + 1)..]);
        key = buffer[..length];
        return true;
    }
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
    // The unit-value norms, most specific first: code × origin, HS6 × origin, code, HS6, HS4.
    private static readonly Grouping[] NormGroupings =
    [
        new("code-origin", Part.Code, Part.Origin, _ => ""),
        new("hs6-origin", Part.Hs6, Part.Origin, _ => ""),
        new("code", Part.Code, Part.None, _ => ""),
        new("hs6", Part.Hs6, Part.None, _ => ""),
        new("hs4", Part.Hs4, Part.None, _ => ""),
    ];
    private const int MinNormCount = 3;
    private const int KeyBuffer = 160;

    public FeatureTables Tables { get; }

    public IReadOnlyList<Grouping> Groupings => _groupings;

    public IReadOnlyList<FeatureSlot> Slots { get; }

    public int Count => Slots.Count;

    /// <summary>The reason each slot counts towards: one per grouping (its rate, count and critical rate together),
    /// one for the unit value (its level and its three deviations), one per other numeric feature. Numbered in slot order.</summary>
    public int[] ReasonOf { get; }

    public int ReasonCount { get; }

    private readonly Grouping[] _groupings;
    private readonly int[] _parent;
    private readonly bool[] _critical;

    // The same statistics as the tables, indexed by grouping number and a hash of the value: built once per model.
    private readonly HashedTable<History> _histories;
    private readonly HashedTable<UnitValueNorm> _norms;

    public RiskFeatures(FeatureTables tables)
    {
        Tables = tables;
        _groupings = [.. GroupingsFor(tables.NationalKeys)];
        Slots = SlotsFor(_groupings);
        _parent = [.. _groupings.Select(g => g.ParentIndex)];
        _critical = [.. _groupings.Select(g => g.Critical)];
        var reasons = new Dictionary<int, int>();
        ReasonOf = new int[Slots.Count];
        for (var i = 0; i < Slots.Count; i++)
        {
            var slot = Slots[i];
            var group = slot.Kind != SlotKind.Numeric ? slot.Grouping
                : slot.Numeric is Numeric.UnitValueVsHsOrigin or Numeric.UnitValueVsCode or Numeric.UnitValueZ or Numeric.LogUnitValue ? -1
                : -2 - (int)slot.Numeric;
            if (!reasons.TryGetValue(group, out var id)) reasons[group] = id = reasons.Count;
            ReasonOf[i] = id;
        }
        ReasonCount = reasons.Count;
        _histories = HashedTable<History>.Build([.. _groupings.Select(g => tables.Histories.GetValueOrDefault(g.Name))]);
        _norms = HashedTable<UnitValueNorm>.Build([.. NormGroupings.Select(g => tables.Norms.GetValueOrDefault(g.Name))]);
    }

    public static List<Grouping> GroupingsFor(IReadOnlyList<string> nationalKeys)
    {
        var list = new List<Grouping>
        {
            new("hs2", Part.Hs2, Part.None, f => $"HS chapter {f.HsPrefix(2)}", Critical: true),
            new("hs4", Part.Hs4, Part.None, f => $"HS heading {f.HsPrefix(4)}", "hs2", Critical: true),
            new("hs6", Part.Hs6, Part.None, f => $"HS {f.HsPrefix(6)}", "hs4", Critical: true),
            new("hs8", Part.Hs8, Part.None, f => $"{f.HsScheme ?? "HS"} {f.HsPrefix(8)}", "hs6"),
            new("code", Part.Code, Part.None, f => $"{f.HsScheme ?? "HS"} {f.Hs}", "hs8", Critical: true),
            new("origin", Part.Origin, Part.None, f => $"origin {f.Origin}"),
            new("departure", Part.Departure, Part.None, f => $"departure from {f.Departure}"),
            new("route", Part.Departure, Part.Origin, f => $"goods of {f.Origin} origin departing from {f.Departure}", "origin"),
            new("office", Part.Office, Part.None, f => $"office {f.Office}"),
            new("mode", Part.Mode, Part.None, f => $"transport mode {f.Mode}"),
            new("origin-type", Part.OriginType, Part.None, f => $"origin indicator {f.OriginType}"),
            new("duty-type", Part.DutyType, Part.None, f => $"duty type {f.DutyType}"),
            new("currency", Part.Currency, Part.None, f => $"currency {f.Currency}"),
            new("procedure", Part.Procedure, Part.None, f => $"procedure {f.Procedure}"),
            new("hs6-origin", Part.Hs6, Part.Origin, f => $"HS {f.HsPrefix(6)} from {f.Origin}", "hs6", Critical: true),
            new("code-origin", Part.Code, Part.Origin, f => $"{f.HsScheme ?? "HS"} {f.Hs} from {f.Origin}", "hs6-origin"),
            new("hs6-office", Part.Hs6, Part.Office, f => $"HS {f.HsPrefix(6)} at office {f.Office}", "hs6"),
            new("importer", Part.Importer, Part.None, f => $"importer {f.Importer}", Critical: true),
            new("declarant", Part.Declarant, Part.None, f => $"declarant {f.Declarant}", Critical: true),
            new("seller", Part.Seller, Part.None, f => $"seller {f.Seller}", Critical: true),
            new("courier", Part.Courier, Part.None, f => $"courier {f.Courier}"),
            new("exporter", Part.Exporter, Part.None, f => $"exporter {f.Exporter}"),
            new("importer-hs6", Part.Importer, Part.Hs6, f => $"importer {f.Importer} with HS {f.HsPrefix(6)}", "importer"),
            new("importer-hs2", Part.Importer, Part.Hs2, f => $"importer {f.Importer} with HS chapter {f.HsPrefix(2)}", "importer"),
            new("importer-origin", Part.Importer, Part.Origin, f => $"importer {f.Importer} with goods from {f.Origin}", "importer"),
            new("declarant-importer", Part.Declarant, Part.Importer, f => $"declarant {f.Declarant} for importer {f.Importer}", "declarant"),
            new("declarant-hs6", Part.Declarant, Part.Hs6, f => $"declarant {f.Declarant} with HS {f.HsPrefix(6)}", "declarant"),
            new("seller-importer", Part.Seller, Part.Importer, f => $"seller {f.Seller} to importer {f.Importer}", "seller"),
            new("seller-hs6", Part.Seller, Part.Hs6, f => $"seller {f.Seller} with HS {f.HsPrefix(6)}", "seller"),
        };
        foreach (var key in nationalKeys)
            list.Add(new("national." + key, Part.National, Part.None, f => $"{key} {f.National.GetValueOrDefault(key)}", NationalKey: key));
        for (var i = 0; i < list.Count; i++)
        {
            if (list[i].Parent is { } parent) list[i].ParentIndex = list.FindIndex(g => g.Name == parent);
        }
        return list;
    }

    internal const char Separator = '\u001F';
    internal const string SeparatorText = "\u001F";

    /// <summary>One part of a grouping's value, as a slice of the facts' strings; false when the declaration lacks it.</summary>
    public static bool TryPart(RiskFacts f, Part part, string? nationalKey, out ReadOnlySpan<char> value)
    {
        switch (part)
        {
            case Part.Hs2: return Prefix(f.Hs, 2, out value);
            case Part.Hs4: return Prefix(f.Hs, 4, out value);
            case Part.Hs6: return Prefix(f.Hs, 6, out value);
            case Part.Hs8: return Prefix(f.Hs, 8, out value);
            case Part.Code:
                value = f.Hs;
                return f.Hs.Length > 6;
            default:
                var text = Text(f, part, nationalKey);
                value = text;
                return text is not null;
        }
    }

    private static bool Prefix(string hs, int digits, out ReadOnlySpan<char> value)
    {
        value = hs.Length >= digits ? hs.AsSpan(0, digits) : default;
        return hs.Length >= digits;
    }

    /// <summary>A part as a string: the facts' own string where the part is a whole field, a new one for an HS prefix.</summary>
    public static string PartString(RiskFacts f, Part part, string? nationalKey, ReadOnlySpan<char> value) =>
        part == Part.Code ? f.Hs : Text(f, part, nationalKey) ?? value.ToString();

    private static string? Text(RiskFacts f, Part part, string? nationalKey) => part switch
    {
        Part.Origin => f.Origin,
        Part.Departure => f.Departure,
        Part.Office => f.Office,
        Part.Mode => f.Mode,
        Part.OriginType => f.OriginType,
        Part.DutyType => f.DutyType,
        Part.Currency => f.Currency,
        Part.Procedure => f.Procedure,
        Part.Importer => f.Importer,
        Part.Declarant => f.Declarant,
        Part.Seller => f.Seller,
        Part.Courier => f.Courier,
        Part.Exporter => f.Exporter,
        Part.National => nationalKey is not null && f.National.TryGetValue(nationalKey, out var v) && !string.IsNullOrWhiteSpace(v) ? v : null,
        _ => null,
    };

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

    /// <summary>The names of the unit-value norms, most specific first.</summary>
    public static IEnumerable<string> NormNames => NormGroupings.Select(g => g.Name);

    /// <summary>The key of norm <paramref name="level"/> (0 code × origin ... 4 HS4) as the tables store it; null when a part is missing.</summary>
    public static string? NormKey(int level, RiskFacts f) => NormGroupings[level].ValueOf(f);

    /// <summary>Fills <paramref name="x"/> for a declaration being scored: every history and norm from the tables.</summary>
    public void Extract(RiskFacts facts, Span<float> x)
    {
        var count = _groupings.Length;
        Span<History> histories = stackalloc History[count];
        Span<int> counts = stackalloc int[count];
        Span<bool> present = stackalloc bool[count];
        Span<ulong> keys = stackalloc ulong[count];
        Span<char> buffer = stackalloc char[KeyBuffer];
        for (var g = 0; g < count; g++)
        {
            present[g] = _groupings[g].TryKey(facts, buffer, out var key);
            keys[g] = present[g] ? _histories.Key(g, key) : 0;
        }
        // Apart from the hashing, so the processor can fetch the entries from memory side by side.
        for (var g = 0; g < count; g++)
        {
            histories[g] = present[g] ? _histories.Get(keys[g]) : default;
            counts[g] = histories[g].Count;
        }
        Span<UnitValueNorm> norms = stackalloc UnitValueNorm[NormGroupings.Length];
        Norms(facts, norms, buffer);
        Fill(facts, histories, counts, present, norms, x);
    }

    private void Norms(RiskFacts facts, Span<UnitValueNorm> norms, Span<char> buffer)
    {
        for (var i = 0; i < NormGroupings.Length; i++)
            norms[i] = NormGroupings[i].TryKey(facts, buffer, out var key) ? _norms.Get(_norms.Key(i, key)) : default;
    }

    /// <summary>The common arithmetic of scoring and training: rates from the given histories, norms as given.</summary>
    public void Fill(RiskFacts facts, ReadOnlySpan<History> histories, ReadOnlySpan<int> counts, ReadOnlySpan<bool> present, ReadOnlySpan<UnitValueNorm> norms, Span<float> x)
    {
        var m = Tables.Smoothing;
        var count = _groupings.Length;
        Span<double> rates = stackalloc double[count];
        Span<double> criticalRates = stackalloc double[count];
        var slot = 0;
        for (var g = 0; g < count; g++)
        {
            var parent = _parent[g];
            var prior = parent >= 0 ? rates[parent] : Tables.BaseRate;
            var criticalPrior = parent >= 0 ? criticalRates[parent] : Tables.CriticalRate;
            var h = histories[g];
            rates[g] = (h.Fraud + m * prior) / (h.Count + m);
            criticalRates[g] = (h.Critical + m * criticalPrior) / (h.Count + m);
            x[slot++] = (float)rates[g];
            x[slot++] = present[g] ? (float)Math.Log(1 + counts[g]) : -1f;
            if (_critical[g]) x[slot++] = (float)criticalRates[g];
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
            var h = _histories.Get(_histories.Key(slot.Grouping, value));
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
                    Norms(facts, norms, stackalloc char[KeyBuffer]);
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
                var key = double.IsNaN(x) ? null : NormKey(k, rows[i]);
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
            norms[NormGroupings[k].Name] = index.ToDictionary(kv => kv.Key, kv => normStats[k][kv.Value], StringComparer.Ordinal);
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
