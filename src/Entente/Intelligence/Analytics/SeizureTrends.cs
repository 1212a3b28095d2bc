using System.Globalization;
using Entente.Intelligence.Seizures;

namespace Entente.Intelligence.Analytics;

/// <summary>What a trend groups seizures by.</summary>
public enum TrendBy
{
    Month,
    Commodity,
    Route,
    Concealment,
    Detection,
}

/// <summary>A month a series stands out in: a spike (more than its trailing baseline explains) or a new route.</summary>
public sealed record TrendFlag(string Series, string Month, string Kind, long Count, double Baseline, double PValue);

/// <summary>Seizures per month per group (<see cref="Series"/>: group → count per month of <see cref="Months"/>), and the flags.</summary>
public sealed record Trend(TrendBy By, IReadOnlyList<string> Months, IReadOnlyDictionary<string, long[]> Series, IReadOnlyList<TrendFlag> Flags, string Test);

/// <summary>An origin–destination flow: seizures and their quantities by unit.</summary>
public sealed record Flow(string Departure, string Destination, long Seizures, IReadOnlyDictionary<string, double> Quantities);

/// <summary>
/// Seizure trends (pure): counts per month per group, spikes flagged by a one-sided Poisson test against the trailing
/// baseline, and new routes (docs/intelligence.md, "The statistical test").
/// </summary>
public static class SeizureTrends
{
    /// <summary>Trailing months the baseline averages.</summary>
    public const int Window = 6;

    /// <summary>A month is a spike when P(X ≥ count | λ = baseline) is below this, and count ≥ <see cref="MinimumCount"/>.</summary>
    public const double Alpha = 0.01;

    public const int MinimumCount = 3;

    public static readonly string TestStatement =
        $"one-sided Poisson test per series and month: λ = (seizures in the previous {Window} months + 0.5) / {Window} (0.5: a zero baseline is not certainty); " +
        $"a spike when P(X ≥ count | λ) < {Alpha.ToString(CultureInfo.InvariantCulture)} and count ≥ {MinimumCount}; a new route when a departure→destination pair " +
        "first appears after at least one month of data (its p-value is that of a spike against the floor λ = 0.5/6)";

    public static Trend Of(IReadOnlyList<SeizureFacts> seizures, TrendBy by, string? from = null, string? to = null)
    {
        var chosen = seizures.Where(s => (from is null || string.CompareOrdinal(s.Month, from) >= 0) && (to is null || string.CompareOrdinal(s.Month, to) <= 0)).ToList();
        var months = Months(chosen);
        var index = months.Select((m, i) => (m, i)).ToDictionary(x => x.m, x => x.i, StringComparer.Ordinal);
        var series = new SortedDictionary<string, long[]>(StringComparer.Ordinal);
        foreach (var s in chosen)
        {
            var key = Key(s, by);
            if (!series.TryGetValue(key, out var counts)) series[key] = counts = new long[months.Count];
            counts[index[s.Month]]++;
        }
        var flags = new List<TrendFlag>();
        foreach (var (key, counts) in series)
        {
            for (var i = 1; i < counts.Length; i++)
            {
                var before = counts.AsSpan(Math.Max(0, i - Window), Math.Min(i, Window));
                long sum = 0;
                foreach (var c in before) sum += c;
                var lambda = (sum + 0.5) / Window;
                if (by == TrendBy.Route && sum == 0 && counts[..i].All(c => c == 0) && counts[i] > 0)
                {
                    flags.Add(new TrendFlag(key, months[i], "new-route", counts[i], lambda, UpperTail(counts[i], lambda)));
                    continue;
                }
                var p = UpperTail(counts[i], lambda);
                if (counts[i] >= MinimumCount && p < Alpha) flags.Add(new TrendFlag(key, months[i], "spike", counts[i], lambda, p));
            }
        }
        return new Trend(by, months, series, flags, TestStatement);
    }

    /// <summary>The top departure→destination flows by number of seizures.</summary>
    public static IReadOnlyList<Flow> Flows(IReadOnlyList<SeizureFacts> seizures, int top) =>
        seizures.Where(s => s.Departure is not null || s.Destination is not null)
            .GroupBy(s => (s.Departure ?? "?", s.Destination ?? "?"))
            .Select(g => new Flow(g.Key.Item1, g.Key.Item2, g.Count(),
                g.Where(s => s.Quantity is not null && s.Unit is not null).GroupBy(s => s.Unit!).ToDictionary(u => u.Key, u => u.Sum(s => s.Quantity!.Value), StringComparer.Ordinal)))
            .OrderByDescending(f => f.Seizures).ThenBy(f => f.Departure, StringComparer.Ordinal).ThenBy(f => f.Destination, StringComparer.Ordinal)
            .Take(top).ToList();

    /// <summary>P(X ≥ k) for X ~ Poisson(λ).</summary>
    public static double UpperTail(long k, double lambda)
    {
        if (k <= 0) return 1;
        // 1 - P(X ≤ k-1).
        double term = Math.Exp(-lambda), cumulative = term;
        for (var i = 1; i < k; i++)
        {
            term *= lambda / i;
            cumulative += term;
        }
        return Math.Max(0, 1 - cumulative);
    }

    /// <summary>Every month from the first to the last seizure, gaps included.</summary>
    public static List<string> Months(IEnumerable<SeizureFacts> seizures)
    {
        var dates = seizures.Select(s => new DateOnly(s.SeizedOn.Year, s.SeizedOn.Month, 1)).ToList();
        var months = new List<string>();
        if (dates.Count == 0) return months;
        for (var m = dates.Min(); m <= dates.Max(); m = m.AddMonths(1)) months.Add(m.ToString("yyyy-MM", CultureInfo.InvariantCulture));
        return months;
    }

    private static string Key(SeizureFacts s, TrendBy by) => by switch
    {
        TrendBy.Month => "all",
        TrendBy.Commodity => s.Detail is null ? s.Category : $"{s.Category}/{s.Detail}",
        TrendBy.Route => s.Flow,
        TrendBy.Concealment => s.Concealment ?? "not stated",
        TrendBy.Detection => s.Detection ?? "not stated",
        _ => throw new ArgumentOutOfRangeException(nameof(by)),
    };
}
