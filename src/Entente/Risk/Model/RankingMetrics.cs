namespace Entente.Risk.Model;

/// <summary>What selecting the top n % of declarations by score would have found.</summary>
public sealed record SelectionMetrics(double RatePercent, int Selected, double Precision, double Recall, double? Revenue, double? CriticalPrecision);

/// <summary>
/// How targeting is measured in the customs-fraud literature: select the top k = ceil(n % × N) declarations by
/// score, ties broken by file order (the earlier row first), and count what inspecting them would have found.
/// </summary>
public static class RankingMetrics
{
    /// <summary>Indices of the declarations in selection order: highest score first, file order on ties.</summary>
    public static int[] Order(IReadOnlyList<double> scores)
    {
        var order = Enumerable.Range(0, scores.Count).ToArray();
        Array.Sort(order, (a, b) =>
        {
            var c = scores[b].CompareTo(scores[a]);
            return c != 0 ? c : a.CompareTo(b);
        });
        return order;
    }

    public static int TopK(double ratePercent, int n) => (int)Math.Min(n, Math.Ceiling(ratePercent / 100.0 * n - 1e-9));

    /// <param name="revenue">Revenue recovered per declaration, or null when the data names none; revenue@n is the share of all revenue found.</param>
    /// <param name="critical">Whether each declaration was critical fraud, or null when the data does not say.</param>
    public static SelectionMetrics At(double ratePercent, IReadOnlyList<double> scores, IReadOnlyList<bool> fraud, IReadOnlyList<decimal>? revenue = null, IReadOnlyList<bool>? critical = null, int[]? order = null)
    {
        order ??= Order(scores);
        var k = TopK(ratePercent, scores.Count);
        var frauds = fraud.Count(f => f);
        int hits = 0, criticalHits = 0;
        decimal found = 0;
        for (var i = 0; i < k; i++)
        {
            var row = order[i];
            if (fraud[row]) hits++;
            if (critical is not null && critical[row]) criticalHits++;
            if (revenue is not null) found += revenue[row];
        }
        double? revenueShare = null;
        if (revenue is not null)
        {
            var all = revenue.Sum();
            revenueShare = all > 0 ? (double)(found / all) : 0;
        }
        return new SelectionMetrics(ratePercent, k,
            k == 0 ? 0 : (double)hits / k,
            frauds == 0 ? 0 : (double)hits / frauds,
            revenueShare,
            critical is null ? null : k == 0 ? 0 : (double)criticalHits / k);
    }

    /// <summary>Area under the ROC curve (Mann-Whitney, tied scores count one half).</summary>
    public static double Auc(IReadOnlyList<double> scores, IReadOnlyList<bool> labels)
    {
        var order = Enumerable.Range(0, scores.Count).ToArray();
        Array.Sort(order, (a, b) => scores[a].CompareTo(scores[b]));
        double rankSumPositive = 0;
        long positives = 0;
        for (var i = 0; i < order.Length;)
        {
            var j = i;
            while (j < order.Length && scores[order[j]] == scores[order[i]]) j++;
            var averageRank = (i + j + 1) / 2.0;
            for (var t = i; t < j; t++)
            {
                if (labels[order[t]])
                {
                    rankSumPositive += averageRank;
                    positives++;
                }
            }
            i = j;
        }
        var negatives = scores.Count - positives;
        if (positives == 0 || negatives == 0) return 0.5;
        return (rankSumPositive - positives * (positives + 1) / 2.0) / (positives * (double)negatives);
    }
}
