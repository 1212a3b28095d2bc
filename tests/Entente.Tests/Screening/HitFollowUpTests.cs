using System.Text.Json.Nodes;
using Entente.Agreements;
using Entente.Alerts;
using Entente.Exchange;
using Entente.Ledger;
using Entente.Screening;
using Entente.Sharing;
using Entente.Storage;
using Entente.Tests.Storage;

namespace Entente.Tests.Screening;

/// <summary>
/// The follow-up of hits and alerts between two real exchanges on each database: the clock set by the agreement, a
/// flag told to the issuer, an action-taken report refused by the policy and resent once, a report about no alert
/// refused and recorded, pushes in the transaction of what they announce, partners' alerts erased at retention.
/// </summary>
public sealed class HitFollowUpTests
{
    private const string FlagReason = "a national court order forbids checks on this consignee";

    [StoreTheory, BothStores]
    public async Task A_hits_clock_is_the_one_its_alerts_agreement_sets_else_the_nodes(StorageProvider provider)
    {
        await using var kit = await HitFollowUpKit.CreateAsync(provider);
        await kit.SharedAlertAsync();
        var hit = await kit.KrHitAsync();
        Assert.Equal(hit.FoundAt.AddHours(HitFollowUpKit.InformWithinHours), hit.InformBy);

        // An own alert under a national basis keeps the node's setting (12 hours).
        var national = Assert.IsType<AlertOutcome.Done>(await kit.Kr.Book.IssueAsync(Alerts.AlertsTestKit.Company(until: "2099-12-31"), "officer-kr")).Change.Alert;
        var result = Assert.IsType<ScreeningOutcome.Done>(await kit.Kr.Desk.CheckAsync(new ScreeningCheck(Name: "Nordwind Trading", Country: "DE"), "officer-kr")).Result;
        var own = Assert.Single(result.Hits, h => h.AlertId == national.Alert.Id);
        Assert.Equal(own.FoundAt.AddHours(12), own.InformBy);

        kit.Kr.Time.Advance(TimeSpan.FromHours(HitFollowUpKit.InformWithinHours) + TimeSpan.FromMinutes(1));
        // Past 4 hours: the hits on NL's alert are overdue, the one on KR's own national alert is not yet.
        var overdue = await kit.Kr.Desk.ListAsync(new HitFilter(Overdue: true));
        Assert.Contains(hit.Id, overdue.Select(h => h.Id));
        Assert.All(overdue, h => Assert.Equal("NL", h.AlertIssuer));
        Assert.DoesNotContain(own.Id, overdue.Select(h => h.Id));
    }

    [StoreTheory, BothStores]
    public async Task A_flag_on_a_partners_alert_reaches_its_issuer_receipted_and_is_kept_with_the_alert_its_reason_only_digested_in_the_ledgers(StorageProvider provider)
    {
        await using var kit = await HitFollowUpKit.CreateAsync(provider);
        var id = await kit.SharedAlertAsync();

        var flagged = Assert.IsType<AlertOutcome.Done>(await kit.Kr.Book.FlagAsync(id, FlagReason, "liaison-kr")).Change;
        var sent = Assert.Single(flagged.Pushed);
        Assert.Equal("NL", sent.Recipient);
        Assert.True(sent.MessageId is not null, sent.Refused);
        var delivered = Assert.Single(await HitFollowUpKit.DeliverAsync(kit.Kr, kit.Nl));
        Assert.True(delivered.Accepted, delivered.Rejection?.Detail);

        var atIssuer = (await kit.Nl.Book.GetAsync(id))!;
        var flag = Assert.Single(atIssuer.PartnerFlags);
        Assert.Equal(("KR", FlagReason), (flag.By, flag.Reason));
        Assert.False(atIssuer.Flagged); // the issuer's own screening still takes the action
        var received = Assert.Single(await kit.Nl.EntriesAsync(), e => e.Kind == LedgerKinds.AlertFlagReceived);
        Assert.Equal(AlertBook.ReasonDigest(FlagReason), received.Body["reasonDigest"]!.GetValue<string>());
        var flaggedEntry = Assert.Single(await kit.Kr.EntriesAsync(), e => e.Kind == LedgerKinds.AlertFlagged);
        Assert.Equal(AlertBook.ReasonDigest(FlagReason), flaggedEntry.Body["reasonDigest"]!.GetValue<string>());
        foreach (var side in new[] { kit.Nl, kit.Kr })
            Assert.DoesNotContain(await side.EntriesAsync(), e => e.Body.ToJsonString().Contains("court order", StringComparison.Ordinal));

        // The same envelope again is a duplicate: the flag is kept once.
        var envelope = (await kit.Kr.Exchange.Store.GetOutboxAsync(sent.MessageId!))!.Envelope;
        Assert.True(Assert.Single(await kit.Nl.Exchange.ReceiveAsync([envelope], "test")).Duplicate);
        Assert.Single((await kit.Nl.Book.GetAsync(id))!.PartnerFlags);
    }

    [StoreTheory, BothStores]
    public async Task A_report_the_policy_refused_is_resent_after_its_back_off_once_and_stored_once_at_the_issuer(StorageProvider provider)
    {
        await using var kit = await HitFollowUpKit.CreateAsync(provider);
        var id = await kit.SharedAlertAsync();
        var hit = await kit.KrHitAsync();

        kit.Kr.PartnerKnown = false; // NL left KR's partner directory: the policy refuses the report
        var confirmed = Assert.IsType<HitOutcome.Done>(await kit.Kr.Desk.ConfirmAsync(hit.Id, "discreet check: goods released", "new supplier", "KRPUS", "officer-kr")).Hit;
        Assert.Null(confirmed.Report!.MessageId);
        Assert.Contains("partner directory", confirmed.Report.Refused, StringComparison.Ordinal);
        Assert.Equal(0, await kit.Kr.CountAsync("SELECT COUNT(*) FROM outbox WHERE kind = 'alert-action-taken'"));
        kit.Kr.Time.Advance(TimeSpan.FromHours(HitFollowUpKit.InformWithinHours + 1));
        kit.Nl.Time.Advance(TimeSpan.FromHours(HitFollowUpKit.InformWithinHours + 1));
        Assert.Equal([hit.Id], (await kit.Kr.Desk.ListAsync(new HitFilter(Overdue: true))).Select(h => h.Id));

        kit.Kr.PartnerKnown = true;
        Assert.Equal(1, await kit.Kr.Desk.ResendReportsAsync());
        Assert.Equal(0, await kit.Kr.Desk.ResendReportsAsync()); // queued once: never again
        await kit.Kr.Desk.ScreenStoredAsync(); // the pass the server runs resends too, and finds nothing left
        Assert.Equal(1, await kit.Kr.CountAsync("SELECT COUNT(*) FROM outbox WHERE kind = 'alert-action-taken'"));
        var after = (await kit.Kr.Desk.GetAsync(hit.Id))!;
        Assert.NotNull(after.Report!.MessageId);
        Assert.Equal(2, after.Report.Attempts);
        Assert.Empty(await kit.Kr.Desk.ListAsync(new HitFilter(Overdue: true)));

        Assert.True(Assert.Single(await HitFollowUpKit.DeliverAsync(kit.Kr, kit.Nl)).Accepted);
        var report = Assert.Single(await kit.Nl.Desk.ReportsAsync(id));
        Assert.Equal(hit.Id, report["report"]!["hit"]!.GetValue<string>());

        // The same hit reported again under another message (a copy of the payload) is not stored twice.
        var again = new Disclosure("NL", DataCategory.Alerts, Purpose.SpecificCheck, ActionTakenReports.Kind,
            ActionTakenReports.Payload(after, (await kit.Kr.Book.GetAsync(id))!))
        { AgreementId = HitFollowUpKit.AgreementId, AlertCategory = "discreet-check", ConversationId = id };
        Assert.IsType<DisclosureOutcome.Queued>(await kit.Kr.Exchange.DiscloseAsync(again, new LedgerActor("test", "KR")));
        Assert.True(Assert.Single(await HitFollowUpKit.DeliverAsync(kit.Kr, kit.Nl)).Accepted);
        Assert.Single(await kit.Nl.Desk.ReportsAsync(id));
        Assert.Single(await kit.Nl.EntriesAsync(), e => e.Kind == LedgerKinds.ActionTakenReportReceived);
    }

    [StoreTheory, BothStores]
    public async Task A_report_about_an_alert_the_issuer_does_not_hold_is_refused_with_a_signed_refusal_recorded_and_nothing_stored(StorageProvider provider)
    {
        await using var kit = await HitFollowUpKit.CreateAsync(provider);
        var id = await kit.SharedAlertAsync();
        var hit = await kit.KrHitAsync();
        var payload = ActionTakenReports.Payload(hit with { State = HitState.Confirmed, Decision = new HitDecision("officer-kr", hit.FoundAt, "documents checked") },
            (await kit.Kr.Book.GetAsync(id))!);
        payload["alert"]!["id"] = "NL-AL-20260615-000000000000";
        var forged = new Disclosure("NL", DataCategory.Alerts, Purpose.SpecificCheck, ActionTakenReports.Kind, payload)
        { AgreementId = HitFollowUpKit.AgreementId, AlertCategory = "discreet-check" };
        Assert.IsType<DisclosureOutcome.Queued>(await kit.Kr.Exchange.DiscloseAsync(forged, new LedgerActor("test", "KR")));
        var ledgerBefore = (await kit.Nl.EntriesAsync()).Count;

        var refused = Assert.Single(await HitFollowUpKit.DeliverAsync(kit.Kr, kit.Nl));
        Assert.False(refused.Accepted);
        Assert.Equal(RejectionCode.InvalidPayload, refused.Rejection!.Code);
        Assert.Contains("holds no alert NL-AL-20260615-000000000000", refused.Rejection.Detail, StringComparison.Ordinal);
        Assert.NotNull(refused.NegativeReceipt);
        Assert.Equal(0, await kit.Nl.CountAsync("SELECT COUNT(*) FROM alert_reports"));
        Assert.Equal(0, await kit.Nl.CountAsync("SELECT COUNT(*) FROM inbox WHERE kind = 'alert-action-taken'"));
        Assert.Equal(1, await kit.Nl.CountAsync("SELECT COUNT(*) FROM exchange_rejections"));
        var added = (await kit.Nl.EntriesAsync()).Skip(ledgerBefore).ToList();
        Assert.Equal([LedgerKinds.MessageRefused], added.Select(e => e.Kind));
    }

    [StoreTheory, BothStores]
    public async Task A_failure_between_storing_an_alert_a_record_or_a_decision_and_queueing_its_messages_leaves_neither(StorageProvider provider)
    {
        await using var kit = await HitFollowUpKit.CreateAsync(provider);
        var size = (await kit.Nl.EntriesAsync()).Count;

        // The directory fails after the alert's row is written, inside the same transaction.
        kit.Nl.PartnerKnown = null;
        await Assert.ThrowsAsync<InvalidOperationException>(() => kit.Nl.Book.IssueAsync(HitFollowUpKit.CompanyAlert(), "officer-nl"));
        var record = JsonNode.Parse("""{"seizure":{"id":"NL-S-1","seizedAt":"2026-06-14T08:00:00Z","category":"drugs","place":"NLRTM"}}""")!.AsObject();
        await Assert.ThrowsAsync<InvalidOperationException>(() => kit.Nl.Records.RecordAsync(RecordKind.SeizureReport, record, new LedgerActor("officer-nl", "NL")));
        Assert.Equal(0, await kit.Nl.CountAsync("SELECT COUNT(*) FROM alerts"));
        Assert.Equal(0, await kit.Nl.CountAsync("SELECT COUNT(*) FROM shared_records"));
        Assert.Equal(0, await kit.Nl.CountAsync("SELECT COUNT(*) FROM outbox"));
        Assert.Equal(size, (await kit.Nl.EntriesAsync()).Count);

        kit.Nl.PartnerKnown = true;
        var stored = await kit.Nl.Records.RecordAsync(RecordKind.SeizureReport, record, new LedgerActor("officer-nl", "NL"));
        Assert.NotNull(Assert.Single(stored.Pushed).MessageId);
        var id = await kit.SharedAlertAsync();
        Assert.Equal((1, 1, 2), (await kit.Nl.CountAsync("SELECT COUNT(*) FROM alerts"), await kit.Nl.CountAsync("SELECT COUNT(*) FROM shared_records"),
            await kit.Nl.CountAsync("SELECT COUNT(*) FROM outbox")));

        // A confirmation on a partner's alert and its report: the failure leaves the hit open and no report queued.
        var hit = await kit.KrHitAsync();
        kit.Kr.PartnerKnown = null;
        await Assert.ThrowsAsync<InvalidOperationException>(() => kit.Kr.Desk.ConfirmAsync(hit.Id, "checked", null, "KRPUS", "officer-kr"));
        Assert.Equal(HitState.Open, (await kit.Kr.Desk.GetAsync(hit.Id))!.State);
        Assert.Equal(0, await kit.Kr.CountAsync("SELECT COUNT(*) FROM outbox"));
        // A flag likewise.
        await Assert.ThrowsAsync<InvalidOperationException>(() => kit.Kr.Book.FlagAsync(id, FlagReason, "liaison-kr"));
        Assert.False((await kit.Kr.Book.GetAsync(id))!.Flagged);
        Assert.Equal(0, await kit.Kr.CountAsync("SELECT COUNT(*) FROM outbox"));
    }

    [StoreTheory, BothStores]
    public async Task A_partners_alert_is_erased_when_its_agreements_retention_ends_and_the_evidence_stays(StorageProvider provider)
    {
        await using var kit = await HitFollowUpKit.CreateAsync(provider);
        var id = await kit.SharedAlertAsync();
        var own = Assert.IsType<AlertOutcome.Done>(await kit.Kr.Book.IssueAsync(Alerts.AlertsTestKit.Company(until: "2099-12-31"), "officer-kr")).Change.Alert;

        kit.Kr.Time.Advance(TimeSpan.FromDays(364));
        Assert.Equal(0, (await kit.Kr.Retention.EraseReceivedAsync("retention")).AlertsErased);
        Assert.Equal("Nordwind Handels GmbH", (await kit.Kr.Book.GetAsync(id))!.Alert.Subject.Names![0]);

        kit.Kr.Time.Advance(TimeSpan.FromDays(2)); // a year after it arrived: P1Y in the agreement
        var report = await kit.Kr.Retention.EraseReceivedAsync("retention");
        Assert.Equal((1L, 1L), (report.AlertsErased, report.Erased));
        var erased = (await kit.Kr.Book.GetAsync(id))!;
        Assert.NotNull(erased.ErasedAt);
        Assert.Equal((AlertSubjectKind.Company, null, null), (erased.Alert.Subject.Kind, erased.Alert.Subject.Names, erased.Alert.Subject.Eori));
        Assert.Equal(AlertState.Expired, erased.State);
        Assert.DoesNotContain(await kit.Kr.Book.ListAsync(new AlertFilter(AlertState.InForce)), a => a.Alert.Id == id);
        Assert.Equal("Nordwind Handels GmbH", (await kit.Kr.Book.GetAsync(own.Alert.Id))!.Alert.Subject.Names![0]); // own alerts follow national law
        var entry = Assert.Single(await kit.Kr.EntriesAsync(), e => e.Kind == LedgerKinds.AlertErased);
        Assert.Equal((id, "NL"), (entry.Body["alert"]!.GetValue<string>(), entry.Body["issuer"]!.GetValue<string>()));
        Assert.DoesNotContain("Nordwind", entry.Body.ToJsonString(), StringComparison.Ordinal);
        Assert.Equal(0, (await kit.Kr.Retention.EraseReceivedAsync("retention")).AlertsErased);
    }
}
