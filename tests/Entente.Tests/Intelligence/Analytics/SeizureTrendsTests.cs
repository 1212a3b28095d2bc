using Entente.Intelligence.Analytics;
using Entente.Intelligence.Seizures;
using SkiaSharp;

namespace Entente.Tests.Intelligence.Analytics;

public sealed class SeizureTrendsTests
{
    private static SeizureFacts Seizure(string id, int year, int month, string category = "drugs", string from = "EC", string to = "NL", string? concealment = "reefer-unit") =>
        new(id, "NL", new DateOnly(year, month, 10), category, null, 10, "KGM", null, null, null, "scanner", concealment, "1", from, [], to, null, null, null, null);

    /// <summary>Two seizures a month on EC→NL for eight months, then nine in September; a BR→NL route appears in September.</summary>
    private static List<SeizureFacts> History()
    {
        var list = new List<SeizureFacts>();
        for (var m = 1; m <= 8; m++)
            for (var i = 0; i < 2; i++) list.Add(Seizure($"S-{m}-{i}", 2026, m));
        for (var i = 0; i < 9; i++) list.Add(Seizure($"S-9-{i}", 2026, 9));
        list.Add(Seizure("S-9-BR", 2026, 9, from: "BR"));
        list.Add(Seizure("S-3-T", 2026, 3, category: "tobacco", from: "AE", concealment: null));
        return list;
    }

    [Fact]
    public void The_poisson_upper_tail_is_the_textbook_value()
    {
        // P(X ≥ 3 | λ = 1) = 1 - e^-1 (1 + 1 + 1/2)
        Assert.Equal(1 - (Math.Exp(-1) * 2.5), SeizureTrends.UpperTail(3, 1), 12);
        Assert.Equal(1, SeizureTrends.UpperTail(0, 4));
    }

    [Fact]
    public void A_month_far_above_its_trailing_baseline_is_a_spike_and_an_ordinary_one_is_not()
    {
        var trend = SeizureTrends.Of(History(), TrendBy.Route);
        Assert.Equal(9, trend.Months.Count);
        Assert.Equal([2, 2, 2, 2, 2, 2, 2, 2, 9], trend.Series["EC→NL"]);
        var spike = Assert.Single(trend.Flags, f => f.Kind == "spike");
        Assert.Equal(("EC→NL", "2026-09", 9L), (spike.Series, spike.Month, spike.Count));
        Assert.Equal((12 + 0.5) / 6, spike.Baseline, 9);
        Assert.True(spike.PValue < 0.01, $"p = {spike.PValue}");
        Assert.Equal([("AE→NL", "2026-03"), ("BR→NL", "2026-09")], trend.Flags.Where(f => f.Kind == "new-route").Select(f => (f.Series, f.Month)));
        Assert.Contains("Poisson", trend.Test, StringComparison.Ordinal);
    }

    [Fact]
    public void Trends_group_by_commodity_concealment_and_detection_and_flows_rank_routes()
    {
        var history = History();
        Assert.Equal(["drugs", "tobacco"], SeizureTrends.Of(history, TrendBy.Commodity).Series.Keys);
        Assert.Equal(["not stated", "reefer-unit"], SeizureTrends.Of(history, TrendBy.Concealment).Series.Keys);
        Assert.Equal(["scanner"], SeizureTrends.Of(history, TrendBy.Detection).Series.Keys);
        Assert.Equal(["2026-03"], SeizureTrends.Of(history, TrendBy.Month, "2026-03", "2026-03").Months);
        var flows = SeizureTrends.Flows(history, 1);
        var top = Assert.Single(flows);
        Assert.Equal(("EC", "NL", 25L, 250.0), (top.Departure, top.Destination, top.Seizures, top.Quantities["KGM"]));
    }

    [Fact]
    public void The_trend_plot_is_a_png_with_a_drawn_line_and_an_svg_with_its_axis_titles()
    {
        var folder = Directory.CreateTempSubdirectory("entente-plot-").FullName;
        try
        {
            var trend = SeizureTrends.Of(History(), TrendBy.Route);
            var png = Path.Combine(folder, "trend.png");
            AnalyticsPlot.Trend(trend, png, "Seizures by route");
            using var bitmap = SKBitmap.Decode(png);
            Assert.NotNull(bitmap);
            Assert.Equal((AnalyticsPlot.Width, AnalyticsPlot.Height), (bitmap.Width, bitmap.Height));
            var colours = new HashSet<SKColor>();
            for (var y = 0; y < bitmap.Height; y += 3)
                for (var x = 0; x < bitmap.Width; x += 3) colours.Add(bitmap.GetPixel(x, y));
            Assert.True(colours.Count > 20, $"only {colours.Count} colours: the plot is blank");
            // The line's colour (ScottPlot's first palette colour, blue) is drawn inside the data area.
            Assert.Contains(colours, c => c.Blue > 150 && c.Red < 100);

            var svg = Path.Combine(folder, "trend.svg");
            AnalyticsPlot.Trend(trend, svg, "Seizures by route");
            var text = File.ReadAllText(svg);
            Assert.StartsWith("<?xml", text, StringComparison.Ordinal);
            Assert.Contains("Month", text, StringComparison.Ordinal);
            Assert.Contains("Seizures", text, StringComparison.Ordinal);
            Assert.Contains("2026-09", text, StringComparison.Ordinal);
            Assert.Equal("--plot: 'trend.pdf' must end in .png or .svg", AnalyticsPlot.CheckPath("trend.pdf"));
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }
}
