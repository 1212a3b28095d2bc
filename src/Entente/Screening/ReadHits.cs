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

public abstract record ScreenAdHocResult
{
    /// <summary>The check's result; on person alerts the input and explanation withheld unless a purpose allowed them.</summary>
    public sealed record Done(ScreeningResult Result) : ScreenAdHocResult;

    /// <summary>A purpose refused (recorded): nothing was screened.</summary>
    public sealed record Refused(string Reason) : ScreenAdHocResult;

    public sealed record Failed(ScreeningOutcome Outcome) : ScreenAdHocResult;
}

/// <summary>
/// An officer's ad-hoc check (`entente screen`, POST /api/screening): a hit on a person alert shows the person's names
/// in its explanation, so without a purpose the hits on person alerts come back with their input and explanation
/// withheld (the alert id, score and action shown); with a purpose the reader's role allows and a justification they
/// are shown and the read is recorded (`personal-data-access`, filed under each such hit); a purpose refused is
/// recorded and nothing is screened.
/// </summary>
public sealed class ScreenAdHoc(ScreeningDesk desk, AccessRecorder recorder)
{
    public async Task<ScreenAdHocResult> CheckAsync(LocalUser user, string channel, ScreeningCheck check, CancellationToken cancellationToken = default)
    {
        var query = recorder.Query("screen", [new("what", check.Declaration is not null ? "declaration" : check.Name is not null ? "name" : check.Plate is not null ? "plate"
            : check.Container is not null ? "container" : check.Imo is not null ? "imo" : null), new("declaration", check.Declaration)]);
        var access = await recorder.CheckAsync(user, channel, check.Purpose, check.Justification, query, [], cancellationToken, Subject);
        if (access.Refused) return new ScreenAdHocResult.Refused(access.Reason!);
        var outcome = await desk.CheckAsync(check, user.Name, cancellationToken);
        if (outcome is not ScreeningOutcome.Done { Result: var result }) return new ScreenAdHocResult.Failed(outcome);
        var personal = result.Hits.Where(Personal).ToArray();
        if (access.Allowed)
        {
            if (personal.Length > 0) await recorder.RecordReadAsync(user, channel, access, query, personal.Select(h => (h.Id, Enumerable.Empty<string>())).ToArray(), cancellationToken, Subject);
            return new ScreenAdHocResult.Done(result);
        }
        return new ScreenAdHocResult.Done(result with { Hits = result.Hits.Select(Withhold).ToArray() });
    }

    private static bool Personal(Hit hit) => hit.SubjectKind == "person";

    /// <summary>A hit on a person alert without its input and explanation (the pointers listed); any other as it is.</summary>
    public static Hit Withhold(Hit hit) => Personal(hit) ? hit with { Input = "", Explanation = [], Withheld = ["/input", "/explanation"] } : hit;

    private static string Subject(string hitId) => ScreeningDesk.SubjectPrefix + hitId;
}
