using Entente.Access;
using Entente.Assistance;
using Entente.Exchange;
using Entente.Ledger;
using Entente.Risk.Assessment;
using Entente.Risk.Rules;
using Entente.Screening;
using Entente.WebConsole.Pages.Risk;
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
        (LanesToday, Rates) = await RiskFigures.ReadAsync(risk, queue, time, cancellationToken);
    }
}
