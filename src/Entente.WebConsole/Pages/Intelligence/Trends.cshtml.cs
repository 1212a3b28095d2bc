using System.Globalization;
using Entente.Intelligence.Analytics;
using Entente.Intelligence.Seizures;
using Microsoft.AspNetCore.Html;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Localization;

namespace Entente.WebConsole.Pages.Intelligence;

/// <summary>
/// Seizure trends (the use case behind GET /api/analytics/seizure-trends and `entente analytics trends`): seizures per
/// month by commodity, route, concealment, detection or month, the spikes and new routes flagged with the test stated,
/// and the analytics' own chart inline.
/// </summary>
public sealed class TrendsModel(SeizureAnalytics analytics, IStringLocalizer<Strings> text) : ConsolePage
{
    public static readonly TrendBy[] Groupings = [TrendBy.Commodity, TrendBy.Route, TrendBy.Concealment, TrendBy.Detection, TrendBy.Month];

    [BindProperty(SupportsGet = true)] public string? By { get; set; }
    [BindProperty(SupportsGet = true)] public string? From { get; set; }
    [BindProperty(SupportsGet = true)] public string? To { get; set; }

    public Trend? Trend { get; private set; }
    public IHtmlContent? Chart { get; private set; }
    public Dictionary<string, string> Problems { get; } = new(StringComparer.Ordinal);

    public async Task OnGetAsync(CancellationToken cancellationToken)
    {
        var by = TrendBy.Commodity;
        if (!string.IsNullOrEmpty(By) && !Enum.TryParse(By, ignoreCase: true, out by)) Problems["by"] = text["Intel_GroupingUnknown"];
        if (From is { Length: 0 }) From = null;
        if (To is { Length: 0 }) To = null;
        foreach (var (name, month) in new[] { ("from", From), ("to", To) })
            if (month is not null && SeizureFacts.Date(month) is null) Problems[name] = text["Intel_MonthExpected"];
        if (Problems.Count > 0) return;
        By = by.ToString().ToLowerInvariant();
        Trend = await analytics.TrendAsync(by, From, To, cancellationToken);
        if (Trend.Months.Count == 0) return;
        // The same chart `entente analytics trends --plot` writes, drawn by AnalyticsPlot, then inlined.
        var file = Path.Combine(Path.GetTempPath(), $"entente-console-trend-{Guid.NewGuid():N}.svg");
        try
        {
            var title = text["Intel_TrendTitle", text["Intel_By_" + By]].Value;
            AnalyticsPlot.Trend(Trend, file, title);
            Chart = InlineSvg.From(await System.IO.File.ReadAllTextAsync(file, cancellationToken), "trend-chart", title, Describe(Trend));
        }
        finally
        {
            System.IO.File.Delete(file);
        }
    }

    /// <summary>The chart in words: each series' total and its flagged months.</summary>
    private string Describe(Trend trend) =>
        string.Join("; ", trend.Series.Select(s => $"{s.Key}: {s.Value.Sum().ToString("N0", CultureInfo.CurrentCulture)}" +
            (trend.Flags.Where(f => f.Series == s.Key).Select(f => f.Month).ToList() is { Count: > 0 } months ? $" ({text["Intel_Flagged"]} {string.Join(", ", months)})" : "")));
}
