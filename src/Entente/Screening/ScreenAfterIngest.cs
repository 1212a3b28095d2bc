using Entente.Ingest;

namespace Entente.Screening;

/// <summary>Screens what an ingest stored (CLI ingest and POST /api/declarations alike) against every alert in force. Reports no assessment count.</summary>
public sealed class ScreenAfterIngest(ScreeningDesk desk) : IIngestFollowUp
{
    public async Task<long?> AfterIngestAsync(IngestReport report, bool wanted, CancellationToken cancellationToken)
    {
        await desk.ScreenStoredAsync(cancellationToken);
        return null;
    }
}
