using System.Data.Common;
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

    /// <summary>The desk's reporter: one disclosure to the issuer under the alert's agreement, for the purpose its alerts rule pushes with (else its first), queued in the desk's transaction.</summary>
    public static IHitReporter Reporter(ExchangeNode exchange) => new ExchangeReporter(exchange);

    private sealed class ExchangeReporter(ExchangeNode exchange) : IHitReporter
    {
        public async Task<HitReportQueued> QueueAsync(DbConnection connection, DbTransaction transaction, Hit hit, StoredAlert alert, CancellationToken cancellationToken)
        {
            var now = exchange.Time.GetUtcNow();
            if (alert.Alert.LegalBasis.Agreement is not { } agreementId) return new HitReportQueued(new HitReport(now, null, "the alert rests on no agreement"), []);
            if (AlertExchange.Basis(exchange, agreementId) is not var (_, _, purpose))
                return new HitReportQueued(new HitReport(now, null, $"agreement {agreementId} is not in force here or has no alerts rule"), []);
            var disclosure = new Disclosure(alert.Alert.Issuer, DataCategory.Alerts, purpose, Kind, Payload(hit, alert))
            {
                AgreementId = agreementId,
                AlertCategory = AlertJson.Name(alert.Alert.Action),
                ConversationId = alert.Alert.Id,
                Subjects = [AlertBook.SubjectPrefix + alert.Alert.Id, ScreeningDesk.SubjectPrefix + hit.Id],
            };
            var (outcomes, entries) = await exchange.DiscloseWithinAsync(connection, transaction, [disclosure], new LedgerActor("screening", exchange.Code), cancellationToken);
            return outcomes[0] switch
            {
                DisclosureOutcome.Queued q => new HitReportQueued(new HitReport(now, q.Item.MessageId, null), entries),
                DisclosureOutcome.Refused r => new HitReportQueued(new HitReport(now, null, r.Deny.Reason), entries),
                _ => throw new InvalidOperationException(),
            };
        }

        public void Queued() => exchange.NotifyQueued();
    }

    /// <summary>
    /// Reports as a reader is shown them: on a person alert read without a purpose, what was checked, found and
    /// explained (it names the person) is left out of each and listed in its "withheld".
    /// </summary>
    public static IReadOnlyList<JsonObject> Shown(IReadOnlyList<JsonObject> reports, StoredAlert alert, bool personalDataShown)
    {
        if (personalDataShown || !AlertPrivacy.IsPersonal(alert)) return reports;
        return reports.Select(stored =>
        {
            var copy = stored.DeepClone().AsObject();
            var withheld = new JsonArray();
            if (copy["report"] is JsonObject report)
            {
                foreach (var member in new[] { "checked", "found", "explanation", "officerNote" })
                    if (report.Remove(member)) withheld.Add("/report/" + member);
            }
            copy["withheld"] = withheld;
            return copy;
        }).ToArray();
    }

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

    /// <summary>Hands every report the exchange accepts to the desk; the desk is made when the first arrives. A report about no alert of this node is refused (signed negative receipt, recorded) and nothing is stored.</summary>
    public static void Connect(ExchangeNode exchange, Func<ScreeningDesk> desk) =>
        exchange.Handle(Kind,
            async (item, payload, cancellationToken) => await desk().ReceiveReportAsync(item.MessageId, item.Sender, item.AgreementId, payload, cancellationToken),
            async (header, payload, cancellationToken) => await desk().ReportProblemAsync(header, payload, cancellationToken));
}
