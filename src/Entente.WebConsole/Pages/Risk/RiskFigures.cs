using System.Runtime.CompilerServices;
using Entente.Risk.Assessment;
using Entente.Risk.Rules;

namespace Entente.WebConsole.Pages.Risk;

/// <summary>
/// Today's lanes and the hit rates over every assessment, for the dashboard and the risk desk: they read the whole
/// assessment history (seconds with a million declarations, bench console), so a page reads them at most once a minute
/// per node, and an outcome recorded from the console forgets them so the officer sees it counted.
/// </summary>
public static class RiskFigures
{
    /// <summary>How long the figures are reused before they are read again.</summary>
    public static readonly TimeSpan Fresh = TimeSpan.FromMinutes(1);

    private static readonly ConditionalWeakTable<RiskDesk, Box> Latest = new();

    public static async Task<(IReadOnlyDictionary<Lane, long> LanesToday, HitRates Rates)> ReadAsync(RiskDesk desk, RiskQueue queue, TimeProvider time,
        CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var today = new DateTimeOffset(now.UtcDateTime.Date, TimeSpan.Zero);
        var policy = desk.InService().Policy;
        var box = Latest.GetOrCreateValue(desk);
        if (box.Value is not { } figures || now - figures.At >= Fresh || figures.Since != today || !ReferenceEquals(figures.Policy, policy))
        {
            figures = new Figures(now, today, policy, await queue.LanesSinceAsync(today, cancellationToken), await desk.Store.HitRatesAsync(policy, cancellationToken));
            box.Value = figures;
        }
        return (figures.Lanes, figures.Rates);
    }

    public static void Forget(RiskDesk desk) => Latest.GetOrCreateValue(desk).Value = null;

    private sealed record Figures(DateTimeOffset At, DateTimeOffset Since, LanePolicy Policy, IReadOnlyDictionary<Lane, long> Lanes, HitRates Rates);

    private sealed class Box
    {
        public volatile Figures? Value;
    }
}
