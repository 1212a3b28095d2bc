using System.Text.Json.Nodes;
using Entente.Access;
using Entente.Ledger;

namespace Entente.Witnessing;

/// <summary>What became of an acknowledgement: done, no such alarm, or acknowledged before (by whom, when).</summary>
public abstract record AlarmAcknowledgement
{
    public sealed record Done(EquivocationAlarm Alarm) : AlarmAcknowledgement;

    public sealed record NotFound(string Id) : AlarmAcknowledgement;

    public sealed record Already(EquivocationAlarm Alarm) : AlarmAcknowledgement;

    /// <summary>The refusal in words (the API's problem detail, the command line's error, the console's message).</summary>
    public string? Problem => this switch
    {
        NotFound n => $"no alarm {n.Id}",
        Already a => $"alarm {a.Alarm.Id} was acknowledged by {a.Alarm.AcknowledgedBy} at {a.Alarm.AcknowledgedAt:O}",
        _ => null,
    };
}

/// <summary>
/// An auditor acknowledges an equivocation alarm raised against a partner, for the API (POST /api/ledger/alarms/{id}/acknowledge),
/// the console's partners page and `entente ledger acknowledge`: the acknowledgement and its ledger entry are one change.
/// </summary>
public sealed class AcknowledgeAlarm(WitnessStore store, LedgerStore ledger, string nodeCode, TimeProvider time)
{
    public async Task<AlarmAcknowledgement> HandleAsync(LocalUser user, string id, CancellationToken cancellationToken = default)
    {
        var alarm = (await store.AlarmsAsync(cancellationToken)).FirstOrDefault(a => a.Id == id);
        if (alarm is null) return new AlarmAcknowledgement.NotFound(id);
        var entries = await ledger.AppendAsync(async (connection, transaction, ct) =>
            await store.AcknowledgeAlarmAsync(connection, transaction, id, user.Name, time.GetUtcNow(), ct)
                ? [LedgerEntry.Now(ledger.Time, WitnessRound.AlarmAcknowledgedKind, new LedgerActor(user.Name, user.Authority ?? nodeCode),
                    new JsonObject { ["alarm"] = id, ["partner"] = alarm.Partner })]
                : [], cancellationToken);
        var now = (await store.AlarmsAsync(cancellationToken)).First(a => a.Id == id);
        return entries.Count == 0 ? new AlarmAcknowledgement.Already(now) : new AlarmAcknowledgement.Done(now);
    }
}
