using System.Text.Json.Nodes;
using Entente.Access;

namespace Entente.Screening;

public abstract record ReadHitsResult
{
    public sealed record Read(IReadOnlyList<Hit> Hits) : ReadHitsResult;

    /// <summary>No purpose, or one the reader may not state: recorded in the ledger, nothing shown.</summary>
    public sealed record Refused(string Reason) : ReadHitsResult;

    public sealed record NotFound(string Id) : ReadHitsResult;
}

/// <summary>
/// Reading hits, for the API (GET /api/hits, /api/hits/{id}) and the console (`hits list|show`): a hit names a person or
/// a company and what an officer found, so a read needs a purpose the reader's role allows and a justification, and is
/// recorded in the ledger like a read of declarations (filed under each hit); a read without one is refused and recorded.
/// </summary>
public sealed class ReadHits(ScreeningDesk desk, AccessRecorder recorder)
{
    public async Task<ReadHitsResult> ListAsync(LocalUser user, string channel, HitFilter filter, string? purpose, string? justification, CancellationToken cancellationToken = default)
    {
        var query = recorder.Query("list hits", [new("state", filter.State is { } s ? HitJson.Name(s) : null), new("overdue", filter.Overdue ? "true" : null), new("alert", filter.AlertId)]);
        var (access, refused) = await CheckAsync(user, channel, purpose, justification, query, [], cancellationToken);
        if (refused is not null) return refused;
        var hits = await desk.ListAsync(filter, cancellationToken);
        await recorder.RecordReadAsync(user, channel, access, query, Records(hits), cancellationToken, Subject);
        return new ReadHitsResult.Read(hits);
    }

    public async Task<ReadHitsResult> GetAsync(LocalUser user, string channel, string id, string? purpose, string? justification, CancellationToken cancellationToken = default)
    {
        var query = recorder.Query("get hit", [new("id", id)]);
        var hit = await desk.GetAsync(id, cancellationToken);
        var (access, refused) = await CheckAsync(user, channel, purpose, justification, query, hit is null ? [] : [hit], cancellationToken);
        if (refused is not null) return refused;
        if (hit is null) return new ReadHitsResult.NotFound(id);
        await recorder.RecordReadAsync(user, channel, access, query, Records([hit]), cancellationToken, Subject);
        return new ReadHitsResult.Read([hit]);
    }

    private async Task<(PersonalDataDecision Access, ReadHitsResult? Refused)> CheckAsync(LocalUser user, string channel, string? purpose, string? justification, JsonObject query, IReadOnlyList<Hit> about,
        CancellationToken cancellationToken)
    {
        var access = await recorder.CheckAsync(user, channel, purpose, justification, query, Records(about), cancellationToken, Subject);
        if (access.Refused) return (access, new ReadHitsResult.Refused(access.Reason!));
        if (access.Allowed) return (access, null);
        var reason = $"purpose: a hit is personal data: {PersonalData.NoticeFor(user)}";
        await recorder.RecordRefusalAsync(user, channel, null, reason, query, Records(about), cancellationToken, Subject);
        return (access, new ReadHitsResult.Refused(reason));
    }

    private static IReadOnlyList<(string, IEnumerable<string>)> Records(IReadOnlyList<Hit> hits) => hits.Select(h => (h.Id, Enumerable.Empty<string>())).ToArray();

    private static string Subject(string hitId) => ScreeningDesk.SubjectPrefix + hitId;
}
