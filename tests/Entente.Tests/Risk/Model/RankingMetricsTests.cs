using Entente.Risk.Model;

namespace Entente.Tests.Risk.Model;

public class RankingMetricsTests
{
    [Fact]
    public void Top_k_is_the_ceiling_of_the_rate_times_the_rows()
    {
        Assert.Equal(1, RankingMetrics.TopK(1, 10));
        Assert.Equal(5, RankingMetrics.TopK(5, 100));
        Assert.Equal(6, RankingMetrics.TopK(5, 101));
        Assert.Equal(849, RankingMetrics.TopK(10, 8481));
        Assert.Equal(10, RankingMetrics.TopK(100, 10));
    }

    [Fact]
    public void Ties_are_broken_by_file_order_the_earlier_row_first()
    {
        double[] scores = [0.5, 0.9, 0.5, 0.9, 0.1];
        Assert.Equal([1, 3, 0, 2, 4], RankingMetrics.Order(scores));

        // With a tie at the cut, the earlier row is the one selected: row 1 is fraud, row 3 is not.
        bool[] fraud = [false, true, false, false, false];
        var top = RankingMetrics.At(20, scores, fraud);
        Assert.Equal(1, top.Selected);
        Assert.Equal(1.0, top.Precision);
    }

    [Fact]
    public void Precision_recall_revenue_and_critical_precision_on_a_hand_made_file()
    {
        // Ten declarations; the model ranks them 0..9 in order of decreasing score.
        double[] scores = [10, 9, 8, 7, 6, 5, 4, 3, 2, 1];
        bool[] fraud = [true, false, true, true, false, false, true, false, false, false];
        bool[] critical = [false, false, true, false, false, false, false, false, false, false];
        decimal[] revenue = [100, 0, 300, 50, 0, 0, 550, 0, 0, 0];

        var at30 = RankingMetrics.At(30, scores, fraud, revenue, critical);
        Assert.Equal(3, at30.Selected);
        Assert.Equal(2.0 / 3, at30.Precision, 10);
        Assert.Equal(2.0 / 4, at30.Recall, 10);
        Assert.Equal(400.0 / 1000, at30.Revenue!.Value, 10);
        Assert.Equal(1.0 / 3, at30.CriticalPrecision!.Value, 10);

        var at50 = RankingMetrics.At(50, scores, fraud);
        Assert.Equal(5, at50.Selected);
        Assert.Equal(3.0 / 5, at50.Precision, 10);
        Assert.Null(at50.Revenue);
        Assert.Null(at50.CriticalPrecision);
    }

    [Fact]
    public void Auc_counts_pairs_ranked_right_and_ties_as_half()
    {
        Assert.Equal(1.0, RankingMetrics.Auc([0.9, 0.8, 0.2, 0.1], [true, true, false, false]));
        Assert.Equal(0.0, RankingMetrics.Auc([0.1, 0.2, 0.8, 0.9], [true, true, false, false]));
        Assert.Equal(0.5, RankingMetrics.Auc([0.5, 0.5, 0.5, 0.5], [true, false, true, false]));
        // Positives 0.9 and 0.3; negatives 0.5 and 0.1: three of four pairs are ranked right.
        Assert.Equal(0.75, RankingMetrics.Auc([0.9, 0.5, 0.3, 0.1], [true, false, true, false]));
    }
}
