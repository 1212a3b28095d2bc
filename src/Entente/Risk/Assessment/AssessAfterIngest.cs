using Entente.Ingest;

namespace Entente.Risk.Assessment;

/// <summary>Assesses what an ingest stored when a rule set or model is in service and the node's settings allow it (Risk:AssessOnIngest).</summary>
public sealed class AssessAfterIngest(RiskDesk desk, RiskSettings settings) : IIngestFollowUp
{
    public async Task<long?> AfterIngestAsync(IngestReport report, bool wanted, CancellationToken cancellationToken) =>
        desk.AssessesOnIngest(wanted && settings.AssessOnIngest) ? await desk.AssessPendingAsync(cancellationToken: cancellationToken) : null;
}
