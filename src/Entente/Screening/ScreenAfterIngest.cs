using Entente.Ingest;

namespace Entente.Screening;

/// <summary>
/// Screens what an ingest stored (CLI ingest and POST /api/declarations alike) against every alert in force, by the
/// stored ids the report lists; a report that lists fewer than it stored (a very large ingest) runs the catch-up
/// instead; the declarations amendments made a new version of are screened again. Reports no assessment count.
/// </summary>
public sealed class ScreenAfterIngest(ScreeningDesk desk) : IIngestFollowUp
{
    public async Task<long?> AfterIngestAsync(IngestReport report, bool wanted, CancellationToken cancellationToken)
    {
        if (report.StoredIds.Count >= report.Accepted) await desk.ScreenDeclarationsAsync(report.StoredIds, cancellationToken);
        else await desk.ScreenStoredAsync(cancellationToken);
        // An amendment or replacement is a new version: screened again, its hits on that version.
        await desk.ScreenAmendedAsync(report.AmendedIds, cancellationToken);
        return null;
    }
}
