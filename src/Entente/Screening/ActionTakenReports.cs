using System.Text.Json.Nodes;
using Entente.Agreements;
using Entente.Alerts;
using Entente.Exchange;
using Entente.Ledger;

namespace Entente.Screening;

/// <summary>
/// The action-taken report (SIRENE's G form) over the exchange: a confirmed hit on a partner's alert goes back to the
/// issuer as a message of kind "alert-action-taken", category alerts, under the alert's agreement, in the alert's
/// conversation — signed, encrypted and receipted like every message. The payload stays under the field path the
/// agreement's alerts rule discloses: <c>{"alert": {"id", "issuer", "version", "actionTakenReport": {...}}}</c>. The
/// issuer checks it before storing (the alert must be its own) and files it against its alert.
/// </summary>
public static class ActionTakenReports
{
    public const string Kind = "alert-action-taken";
    public const string Root = "alert";
    public const string Member = "actionTakenReport";

    /// <summary>The report's payload: what was done and found, where, when, the alert, the hit and its explanation in one line.</summary>
    public static JsonObject Payload(Hit hit, StoredAlert alert)
    {
        var flag = alert.Flags.FirstOrDefault();
        var report = new JsonObject
        {
            ["hit"] = hit.Id,
            ["reportedBy"] = hit.Node,
            ["foundAt"] = AlertJson.Time(hit.FoundAt),
            ["decidedAt"] = hit.Decision is { } d ? AlertJson.Time(d.At) : null,
            ["place"] = hit.Decision?.Place ?? hit.Office,
            ["actionTaken"] = hit.Flagged ? $"action not taken: the alert is flagged here ({flag?.Reason})" : hit.Decision?.ActionTaken,
            ["actionNotTaken"] = hit.Flagged,
            ["found"] = hit.Decision?.Found,
            ["checked"] = hit.DeclarationReference is { } r ? $"declaration {r} {hit.Checked}" : hit.Checked,
            ["score"] = hit.Score,
            ["explanation"] = hit.Summary(),
        };
        if (hit.Flagged) report["officerNote"] = hit.Decision?.ActionTaken;
        foreach (var (name, value) in report.ToArray())
            if (value is null) report.Remove(name);
        return new JsonObject
        {
            [Root] = new JsonObject { ["id"] = alert.Alert.Id, ["issuer"] = alert.Alert.Issuer, ["version"] = alert.Alert.Version, [Member] = report },
        };
    }

    /// <summary>The desk's report: one disclosure to the issuer under the alert's agreement, for the purpose its alerts rule pushes with (else its first).</summary>
    public static Func<Hit, StoredAlert, CancellationToken, Task<HitReport>> Sender(ExchangeNode exchange) => async (hit, alert, cancellationToken) =>
    {
        var now = exchange.Time.GetUtcNow();
        if (alert.Alert.LegalBasis.Agreement is not { } agreementId) return new HitReport(now, null, "the alert rests on no agreement");
        var rule = exchange.AgreementsInForce(now).Where(a => a.Id == agreementId).SelectMany(a => a.Rules).FirstOrDefault(r => r.Category == DataCategory.Alerts);
        if (rule is null) return new HitReport(now, null, $"agreement {agreementId} is not in force here or has no alerts rule");
        var purpose = rule.Push?.Purpose ?? rule.Purposes.FirstOrDefault();
        var disclosure = new Disclosure(alert.Alert.Issuer, DataCategory.Alerts, purpose, Kind, Payload(hit, alert))
        {
            AgreementId = agreementId,
            AlertCategory = AlertJson.Name(alert.Alert.Action),
            ConversationId = alert.Alert.Id,
            Subjects = [AlertBook.SubjectPrefix + alert.Alert.Id, ScreeningDesk.SubjectPrefix + hit.Id],
        };
        var outcome = (await exchange.DiscloseAsync([disclosure], new LedgerActor("screening", exchange.Code), cancellationToken))[0];
        return outcome switch
        {
            DisclosureOutcome.Queued q => new HitReport(now, q.Item.MessageId, null),
            DisclosureOutcome.Refused r => new HitReport(now, null, r.Deny.Reason),
            _ => throw new InvalidOperationException(),
        };
    };

    /// <summary>What in a received report the issuer refuses: not about one of its own alerts, or without the report's members.</summary>
    public static string? Problem(EnvelopeHeader header, JsonObject payload, string node)
    {
        if (payload[Root] is not JsonObject alert || alert["id"] is not JsonValue idValue || !idValue.TryGetValue<string>(out var id))
            return "/alert/id: required: the id of the alert the report is about";
        if (!id.StartsWith(node + "-", StringComparison.Ordinal)) return $"/alert/id: {id} is not an alert of {node}";
        if (alert[Member] is not JsonObject report) return $"/alert/{Member}: required: the action-taken report";
        foreach (var member in new[] { "hit", "actionTaken", "foundAt" })
            if (report[member] is not JsonValue v || !v.TryGetValue<string>(out var text) || text.Length == 0) return $"/alert/{Member}/{member}: required text";
        _ = header;
        return null;
    }

    /// <summary>Hands every report the exchange accepts to the desk; the desk is made when the first arrives.</summary>
    public static void Connect(ExchangeNode exchange, Func<ScreeningDesk> desk) =>
        exchange.Handle(Kind,
            async (item, payload, cancellationToken) => await desk().ReceiveReportAsync(item.MessageId, item.Sender, item.AgreementId, payload, cancellationToken),
            (header, payload) => Problem(header, payload, exchange.Code));
}
