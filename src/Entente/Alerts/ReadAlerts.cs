using System.Text.Json.Nodes;
using Entente.Access;

namespace Entente.Alerts;

public abstract record ReadAlertsResult
{
    /// <summary>The alerts, a person's data withheld (listed in <see cref="StoredAlert.Withheld"/>) unless a purpose allowed it.</summary>
    public sealed record Read(IReadOnlyList<StoredAlert> Alerts, bool PersonalDataShown) : ReadAlertsResult;

    /// <summary>A purpose the reader may not state, or one without a justification: recorded in the ledger, nothing shown.</summary>
    public sealed record Refused(string Reason) : ReadAlertsResult;

    public sealed record NotFound(string Id) : ReadAlertsResult;
}

/// <summary>
/// Reading alerts, for the API (GET /api/alerts, /api/alerts/{id}) and the console (`alert list|show`). An alert on a
/// person names a person: like a declaration's parties, its names, birth date, document numbers and remarks are shown
/// only under a purpose the reader's role allows, with a justification, and the read is recorded in the ledger
/// (`personal-data-access`, filed under each person alert shown). Without a purpose they are withheld (the pointers
/// listed in <c>withheld</c>), the rest of the alert shown; a purpose refused is recorded and nothing is shown.
/// Alerts on companies, means of transport, containers, goods and documents are shown as they are.
/// </summary>
public sealed class ReadAlerts(AlertBook book, AccessRecorder recorder)
{
    public async Task<ReadAlertsResult> ListAsync(LocalUser user, string channel, AlertFilter filter, string? purpose, string? justification, CancellationToken cancellationToken = default)
    {
        var query = recorder.Query("list alerts", [
            new("state", filter.State is { } s ? AlertJson.Name(s) : null), new("kind", filter.Kind is { } k ? AlertJson.Name(k) : null),
            new("category", filter.Category is { } c ? AlertJson.Name(c) : null), new("source", filter.Source is { } o ? AlertJson.Name(o) : null)]);
        var access = await recorder.CheckAsync(user, channel, purpose, justification, query, [], cancellationToken, Subject);
        if (access.Refused) return new ReadAlertsResult.Refused(access.Reason!);
        var alerts = await book.ListAsync(filter, cancellationToken);
        return await ShowAsync(user, channel, access, query, alerts, cancellationToken);
    }

    public async Task<ReadAlertsResult> GetAsync(LocalUser user, string channel, string id, string? purpose, string? justification, CancellationToken cancellationToken = default)
    {
        var query = recorder.Query("get alert", [new("id", id)]);
        var alert = await book.GetAsync(id, cancellationToken);
        var access = await recorder.CheckAsync(user, channel, purpose, justification, query, alert is null ? [] : Records([alert]), cancellationToken, Subject);
        if (access.Refused) return new ReadAlertsResult.Refused(access.Reason!);
        if (alert is null) return new ReadAlertsResult.NotFound(id);
        return await ShowAsync(user, channel, access, query, [alert], cancellationToken);
    }

    private async Task<ReadAlertsResult> ShowAsync(LocalUser user, string channel, PersonalDataDecision access, JsonObject query, IReadOnlyList<StoredAlert> alerts,
        CancellationToken cancellationToken)
    {
        if (!access.Allowed) return new ReadAlertsResult.Read(alerts.Select(AlertPrivacy.Withhold).ToArray(), false);
        if (Records(alerts) is { Count: > 0 } records) await recorder.RecordReadAsync(user, channel, access, query, records, cancellationToken, Subject);
        return new ReadAlertsResult.Read(alerts, true);
    }

    /// <summary>The person alerts among them: what a read of personal data is filed under.</summary>
    private static IReadOnlyList<(string, IEnumerable<string>)> Records(IEnumerable<StoredAlert> alerts) =>
        alerts.Where(AlertPrivacy.IsPersonal).Select(a => (a.Alert.Id, Enumerable.Empty<string>())).ToArray();

    private static string Subject(string alertId) => AlertBook.SubjectPrefix + alertId;
}

/// <summary>What of an alert is personal data, and the alert with it withheld. Pure.</summary>
public static class AlertPrivacy
{
    /// <summary>An alert on a person (an erased one holds nothing of the person any more).</summary>
    public static bool IsPersonal(StoredAlert alert) => alert.Alert.Subject.Kind == AlertSubjectKind.Person && alert.ErasedAt is null;

    /// <summary>A person alert with its names, birth date, document numbers and remarks left out and their pointers listed; any other alert as it is.</summary>
    public static StoredAlert Withhold(StoredAlert stored)
    {
        if (!IsPersonal(stored)) return stored;
        var a = stored.Alert;
        var s = a.Subject;
        var withheld = new List<string>();
        T? Hide<T>(T? value, string pointer) where T : class
        {
            if (value is not null) withheld.Add("/alert" + pointer);
            return null;
        }
        var subject = s with
        {
            Names = Hide(s.Names, "/subject/names"),
            BirthDate = Hide(s.BirthDate, "/subject/birthDate"),
            DocumentNumbers = Hide(s.DocumentNumbers, "/subject/documentNumbers"),
        };
        var remarks = Hide(a.Remarks, "/remarks");
        return stored with { Alert = a with { Subject = subject, Remarks = remarks }, Withheld = withheld };
    }
}
