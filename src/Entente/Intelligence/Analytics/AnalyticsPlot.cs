using ScottPlot;

namespace Entente.Intelligence.Analytics;

/// <summary>
/// Plots of the analytics (ScottPlot on SkiaSharp): one line per series over the months, flagged months marked, written
/// as PNG or SVG by the file's extension. The axes are labelled; the legend names the series.
/// </summary>
public static class AnalyticsPlot
{
    public const int Width = 1000, Height = 560;

    /// <summary>Null when the extension is one a plot can be written as; otherwise what is wrong.</summary>
    public static string? CheckPath(string path) =>
        Path.GetExtension(path).ToLowerInvariant() is ".png" or ".svg" ? null : $"--plot: '{path}' must end in .png or .svg";

    public static void Trend(Trend trend, string path, string title) =>
        Lines(path, title, "Month", "Seizures", trend.Months, trend.Series.ToDictionary(s => s.Key, s => s.Value.Select(v => (double)v).ToArray()),
            trend.Flags.Select(f => (f.Series, f.Month)).ToList());

    public static void HitRates(IReadOnlyList<GroupHitRate> rates, string path, string title)
    {
        var months = rates.Select(r => r.Month).Distinct().Order(StringComparer.Ordinal).ToList();
        var series = rates.GroupBy(r => r.Group).ToDictionary(g => g.Key, g => months.Select(m => g.FirstOrDefault(r => r.Month == m)?.Rate * 100 ?? double.NaN).ToArray());
        Lines(path, title, "Month", "Hit rate (%): found or seized / assessed", months, series, []);
    }

    public static void Flows(IReadOnlyList<Flow> flows, string path, string title)
    {
        var plot = new Plot();
        var bars = flows.Select((f, i) => new Bar { Position = i, Value = f.Seizures }).ToArray();
        plot.Add.Bars(bars);
        plot.Axes.Bottom.SetTicks(flows.Select((_, i) => (double)i).ToArray(), flows.Select(f => $"{f.Departure}→{f.Destination}").ToArray());
        plot.Axes.Margins(bottom: 0);
        Finish(plot, path, title, "Origin → destination", "Seizures");
    }

    private static void Lines(string path, string title, string x, string y, IReadOnlyList<string> months, IReadOnlyDictionary<string, double[]> series, IReadOnlyList<(string Series, string Month)> flagged)
    {
        var plot = new Plot();
        var xs = Enumerable.Range(0, months.Count).Select(i => (double)i).ToArray();
        foreach (var (name, values) in series.Take(12))
        {
            var line = plot.Add.Scatter(xs, values);
            line.LegendText = name;
            foreach (var (s, m) in flagged.Where(f => f.Series == name))
            {
                var i = months.ToList().IndexOf(m);
                if (i < 0) continue;
                var marker = plot.Add.Marker(i, values[i], MarkerShape.OpenCircle, 14, Colors.Red);
                marker.LegendText = "";
            }
        }
        plot.Axes.Bottom.SetTicks(xs, months.ToArray());
        if (series.Count > 1) plot.ShowLegend(Alignment.UpperLeft);
        Finish(plot, path, title, x, y);
    }

    private static void Finish(Plot plot, string path, string title, string x, string y)
    {
        plot.Title(title);
        plot.XLabel(x);
        plot.YLabel(y);
        var folder = Path.GetDirectoryName(Path.GetFullPath(path));
        if (folder is not null) Directory.CreateDirectory(folder);
        if (Path.GetExtension(path).Equals(".svg", StringComparison.OrdinalIgnoreCase)) plot.SaveSvg(path, Width, Height);
        else plot.SavePng(path, Width, Height);
    }
}
