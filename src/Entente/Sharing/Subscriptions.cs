using System.Text.Json.Nodes;
using Entente.Agreements;

namespace Entente.Sharing;

/// <summary>One automatic disclosure: to whom, under which agreement, for which purpose.</summary>
public sealed record PushTarget(string Recipient, string AgreementId, Purpose Purpose);

/// <summary>
/// The subscriptions the agreements in force make (a category rule's <c>push</c>): for a record of a category, the
/// partners it goes to automatically — every other party, or only those the record involves (a trader or a route in
/// their country); for risk results, only in the lanes named. One target per partner (the first agreement by id). Pure.
/// </summary>
public static class Subscriptions
{
    public static IReadOnlyList<PushTarget> Plan(IReadOnlyList<Agreement> inForce, string self, RecordKind kind, JsonObject record)
    {
        var targets = new List<PushTarget>();
        var lane = kind == RecordKind.RiskResult ? (record[kind.Root]?["lane"] as JsonValue)?.GetValue<string>() : null;
        foreach (var agreement in inForce.OrderBy(a => a.Id, StringComparer.Ordinal))
        {
            if (agreement.Party(self) is null) continue;
            foreach (var rule in agreement.Rules)
            {
                if (rule.Category != kind.Category || rule.Push is not { } push || rule.Roles.Count > 0) continue;
                if (push.Lanes.Count > 0 && (lane is null || !push.Lanes.Contains(lane))) continue;
                foreach (var party in agreement.Parties)
                {
                    if (party.Code == self || targets.Any(t => t.Recipient == party.Code)) continue;
                    if (push.To == PushTo.InvolvedParties && !Involvement.Involves(record, party.Code)) continue;
                    targets.Add(new PushTarget(party.Code, agreement.Id, push.Purpose));
                }
            }
        }
        return targets;
    }
}
