using ScottPlot;

namespace Entente.Intelligence.Mirror;

/// <summary>The mirror statistics as a chart: partner-reported exports beside our imports for each partner × HS6 × month (ScottPlot).</summary>
public static class MirrorPlot
{
    public const string XAxis = "partner · HS6 · month";
    public const string YAxis = "declared value (summed, one currency)";

    /// <summary>The chart of <paramref name="statistics"/> (at most <paramref name="cells"/> cells, largest gap first).</summary>
    public static Plot Chart(IReadOnlyList<MirrorStatistic> statistics, int cells = 24)
    {
        ArgumentNullException.ThrowIfNull(statistics);
        var shown = statistics.Where(s => s.ExportValue > 0).OrderByDescending(s => s.Gap ?? 0).Take(cells)
            .OrderBy(s => s.Partner, StringComparer.Ordinal).ThenBy(s => s.Month, StringComparer.Ordinal).ThenBy(s => s.Hs6, StringComparer.Ordinal).ToList();
        var plot = new Plot();
        var exports = new List<Bar>();
        var imports = new List<Bar>();
        var ticks = new List<Tick>();
        for (var i = 0; i < shown.Count; i++)
        {
            var s = shown[i];
            exports.Add(new Bar { Position = i * 3, Value = (double)s.ExportValue, FillColor = Colors.SteelBlue });
            imports.Add(new Bar { Position = i * 3 + 1, Value = (double)s.ImportValue, FillColor = Colors.DarkOrange });
            ticks.Add(new Tick(i * 3 + 0.5, $"{s.Partner} {s.Hs6} {s.Month}"));
        }
        var e = plot.Add.Bars(exports);
        e.LegendText = "partner's exports";
        var m = plot.Add.Bars(imports);
        m.LegendText = "our imports";
        plot.Axes.Bottom.TickGenerator = new ScottPlot.TickGenerators.NumericManual([.. ticks]);
        plot.Axes.Bottom.TickLabelStyle.Rotation = 45;
        plot.Axes.Bottom.TickLabelStyle.Alignment = Alignment.MiddleLeft;
        plot.Axes.Margins(bottom: 0);
        plot.XLabel(XAxis);
        plot.YLabel(YAxis);
        plot.Title(shown.Count == 0 ? "Mirror statistics: no comparable pairs" : "Mirror statistics: partner-reported exports and our imports");
        plot.ShowLegend();
        return plot;
    }

    /// <summary>Writes the chart to <paramref name="path"/>: SVG or PNG by its extension.</summary>
    public static void Save(IReadOnlyList<MirrorStatistic> statistics, string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        var plot = Chart(statistics);
        var extension = Path.GetExtension(path).ToLowerInvariant();
        switch (extension)
        {
            case ".svg":
                plot.SaveSvg(path, 1000, 600);
                break;
            case ".png":
                plot.SavePng(path, 1000, 600);
                break;
            default:
                throw new ArgumentException($"--plot: '{path}' should end in .svg or .png");
        }
    }
}
