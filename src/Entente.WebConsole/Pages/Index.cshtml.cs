using System.Runtime.CompilerServices;
using Entente.Access;
using Entente.Assistance;
using Entente.Exchange;
using Entente.Ledger;
using Entente.Risk.Assessment;
using Entente.Risk.Rules;
using Entente.Screening;
using Entente.Witnessing;

namespace Entente.WebConsole.Pages;

/// <summary>The dashboard: exchange per partner, the ledger's checkpoint and its cosignatures, assistance due, hits waiting, today's lanes and hit rates.</summary>
public sealed class IndexModel(ExchangeNode exchange, LedgerStore ledger, WitnessStore witnesses, AssistanceDesk assistance, ScreeningDesk screening,
    RiskDesk risk, RiskQueue queue, TimeProvider time) : ConsolePage
{
    public IReadOnlyList<PartnerQueue>? Partners { get; private set; }
    public long LedgerSize { get; private set; }
    public StoredCheckpoint? Checkpoint { get; private set; }
    public IReadOnlyList<ReceivedCosignature> Cosignatures { get; private set; } = [];
    public int? AssistanceOpen { get; private set; }
    public int? AssistanceOverdue { get; private set; }
    public int HitsOpen { get; private set; }
    public int HitsOverdue { get; private set; }
    public IReadOnlyDictionary<Lane, long> LanesToday { get; private set; } = new Dictionary<Lane, long>();
    public HitRates? Rates { get; private set; }

    public async Task OnGetAsync(CancellationToken cancellationToken)
    {
        if (Can(AccessPolicies.Exchange)) Partners = await exchange.Store.QueuesAsync(cancellationToken);
        LedgerSize = (await ledger.GetHeadAsync(cancellationToken)).Size;
        Checkpoint = await ledger.LatestCheckpointAsync(cancellationToken);
        if (Checkpoint is not null) Cosignatures = await witnesses.CosignaturesAsync(Checkpoint.TreeSize, cancellationToken);
        if (Can(AccessPolicies.Assistance))
        {
            var open = (await assistance.ListAsync(new AssistanceFilter(Limit: 1000), cancellationToken))
                .Where(r => r.Status is AssistanceStatus.Sent or AssistanceStatus.Acknowledged or AssistanceStatus.PartiallyAnswered).ToList();
            AssistanceOpen = open.Count;
            AssistanceOverdue = open.Count(r => r.Overdue);
        }
        HitsOpen = (await screening.ListAsync(new HitFilter(HitState.Open, Limit: 1000), cancellationToken)).Count;
        HitsOverdue = (await screening.ListAsync(new HitFilter(HitState.Open, Overdue: true, Limit: 1000), cancellationToken)).Count;
        // Today's lanes and the hit rates read every assessment: computed at most once a minute per node (bench console:
        // seconds with a million declarations), not on every page load.
        var now = time.GetUtcNow();
        var today = new DateTimeOffset(now.UtcDateTime.Date, TimeSpan.Zero);
        var box = Figures.GetOrCreateValue(risk);
        if (box.Latest is not { } figures || now - figures.At >= FiguresFresh || figures.Since != today)
        {
            figures = new RiskFigures(now, today, await queue.LanesSinceAsync(today, cancellationToken), await risk.Store.HitRatesAsync(risk.InService().Policy, cancellationToken));
            box.Latest = figures;
        }
        (LanesToday, Rates) = (figures.Lanes, figures.Rates);
    }

    /// <summary>How long the dashboard's risk figures are reused before they are read again.</summary>
    public static readonly TimeSpan FiguresFresh = TimeSpan.FromMinutes(1);

    private static readonly ConditionalWeakTable<RiskDesk, FiguresBox> Figures = new();

    private sealed record RiskFigures(DateTimeOffset At, DateTimeOffset Since, IReadOnlyDictionary<Lane, long> Lanes, HitRates Rates);

    private sealed class FiguresBox
    {
        public volatile RiskFigures? Latest;
    }
}
