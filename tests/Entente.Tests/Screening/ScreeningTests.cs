using Entente.Access;
using Entente.Alerts;
using Entente.Ledger;
using Entente.Screening;
using Entente.Storage;
using Entente.Tests.Storage;

namespace Entente.Tests.Screening;

/// <summary>Screening on ingest, ad-hoc and look-back, and the hit workflow, on SQLite and PostgreSQL.</summary>
public sealed class ScreeningTests
{
    private static readonly LocalUser Officer = new("officer-1", "NL", Role.Officer);

    [StoreTheory, BothStores]
    public async Task Ingest_of_a_declaration_whose_importer_is_a_transliterated_variant_hits_with_an_explanation(StorageProvider provider)
    {
        await using var kit = await ScreeningTestKit.CreateAsync(provider);
        var alert = await kit.IssueAsync(ScreeningTestKit.CyrillicCompany());
        var container = await kit.ReceivePartnerAlertAsync();

        await kit.IngestAsync(ScreeningTestKit.Declaration("LRN-1", "Romashka OOO"), ScreeningTestKit.Declaration("LRN-2", "Vandelay Industries", "US", "CSQU3054383"),
            ScreeningTestKit.Declaration("LRN-3", "Lavanda OOO"));

        var hits = await kit.HitsAsync();
        Assert.Equal(2, hits.Count);
        var company = Assert.Single(hits, h => h.AlertId == alert.Alert.Id);
        Assert.Equal(("LRN-1", "/parties/0", "NL", "NLRTM001", HitState.Open), (company.DeclarationReference, company.Checked, company.AlertIssuer, company.Office, company.State));
        Assert.True(company.Score >= company.Threshold, company.Summary());
        var name = Assert.Single(company.Explanation, e => e.Feature == "name");
        Assert.Contains("romashka", name.Text, StringComparison.OrdinalIgnoreCase);
        Assert.Contains(company.Explanation, e => e.Feature == "country" && e.Verdict == Entente.Screening.Matching.FeatureVerdict.Agrees);
        Assert.Equal(kit.Time.GetUtcNow().AddHours(12), company.InformBy);
        var onContainer = Assert.Single(hits, h => h.AlertId == container.Alert.Id);
        Assert.Equal(("LRN-2", "/goodsShipment/consignment/containers/0", "KR", "partner"), (onContainer.DeclarationReference, onContainer.Checked, onContainer.AlertIssuer, onContainer.AlertSource));

        // Every hit in the ledger, filed under the hit, the alert and the declaration; the value checked is not in it.
        var entries = await kit.Ledger.EntriesAboutAsync(ScreeningDesk.SubjectPrefix + company.Id, 10);
        var entry = Assert.Single(entries).Entry;
        Assert.Equal(LedgerKinds.HitRecorded, entry.Kind);
        Assert.DoesNotContain("Romashka", entry.Body.ToJsonString(), StringComparison.OrdinalIgnoreCase);
        Assert.Contains(LedgerKinds.HitRecorded, await kit.KindsAboutAsync(LedgerSubjects.Declaration(company.DeclarationId!)));

        // Screened once: another ingest screens only what is new.
        await kit.IngestAsync(ScreeningTestKit.Declaration("LRN-4", "Someone Else Ltd", "GB"));
        Assert.Equal(2, (await kit.HitsAsync()).Count);
    }

    [StoreTheory, BothStores]
    public async Task A_withdrawn_or_expired_alert_never_hits(StorageProvider provider)
    {
        await using var kit = await ScreeningTestKit.CreateAsync(provider);
        var alert = await kit.IssueAsync(ScreeningTestKit.CyrillicCompany());
        var check = new ScreeningCheck(Name: "Romashka OOO", Country: "RU");
        var before = Assert.IsType<ScreeningOutcome.Done>(await kit.Desk.CheckAsync(check, "officer-1")).Result;
        Assert.Equal(alert.Alert.Id, Assert.Single(before.Hits).AlertId);

        Assert.IsType<AlertOutcome.Done>(await kit.Book.WithdrawAsync(alert.Alert.Id, "company dissolved", "officer"));
        var withdrawn = Assert.IsType<ScreeningOutcome.Done>(await kit.Desk.CheckAsync(check, "officer-1")).Result;
        Assert.Empty(withdrawn.Hits);
        Assert.Equal(0, withdrawn.AlertsInForce);
        await kit.IngestAsync(ScreeningTestKit.Declaration("LRN-1", "Romashka OOO"));

        // An alert in force until 2025-06-30 hits on that day and never after it.
        var expiring = await kit.IssueAsync(ScreeningTestKit.CyrillicCompany());
        kit.Time.SetUtcNow(new DateTimeOffset(2025, 6, 30, 23, 0, 0, TimeSpan.Zero));
        Assert.Single(Assert.IsType<ScreeningOutcome.Done>(await kit.Desk.CheckAsync(check, "officer-1")).Result.Hits);
        kit.Time.SetUtcNow(new DateTimeOffset(2025, 7, 1, 0, 0, 1, TimeSpan.Zero));
        Assert.Empty(Assert.IsType<ScreeningOutcome.Done>(await kit.Desk.CheckAsync(check, "officer-1")).Result.Hits);
        await kit.IngestAsync(ScreeningTestKit.Declaration("LRN-2", "Romashka OOO"));
        Assert.DoesNotContain(await kit.HitsAsync(), h => h.DeclarationId is not null);
        Assert.Equal(2, (await kit.HitsAsync()).Count(h => h.AlertId == expiring.Alert.Id || h.AlertId == alert.Alert.Id));
    }

    [StoreTheory, BothStores]
    public async Task A_new_alert_is_screened_back_over_the_declarations_of_the_look_back_window(StorageProvider provider)
    {
        await using var kit = await ScreeningTestKit.CreateAsync(provider, new ScreeningSettings { LookBackDays = 10 });
        await kit.IngestAsync(ScreeningTestKit.Declaration("OLD", "Romashka OOO"));
        kit.Time.Advance(TimeSpan.FromDays(11));
        await kit.IngestAsync(ScreeningTestKit.Declaration("RECENT", "Romashka OOO"));
        Assert.Empty(await kit.HitsAsync());

        await kit.IssueAsync(ScreeningTestKit.CyrillicCompany());
        var run = await kit.Desk.ScreenStoredAsync();
        Assert.Equal((0, 1, 1), (run.Declarations, run.AlertsLookedBack, run.Hits));
        var hit = Assert.Single(await kit.HitsAsync());
        Assert.Equal("RECENT", hit.DeclarationReference);
        Assert.Contains("look-back", (await kit.Ledger.EntriesAboutAsync(ScreeningDesk.SubjectPrefix + hit.Id, 10))[0].Entry.Body.ToJsonString(), StringComparison.Ordinal);

        // Looked back once per alert version.
        Assert.Equal((0, 0, 0), (await kit.Desk.ScreenStoredAsync()) is var again ? (again.Declarations, again.AlertsLookedBack, again.Hits) : default);
    }

    [StoreTheory, BothStores]
    public async Task Hits_are_confirmed_or_discarded_in_the_ledger_overdue_by_the_clock_and_counted(StorageProvider provider)
    {
        await using var kit = await ScreeningTestKit.CreateAsync(provider);
        var own = await kit.IssueAsync(ScreeningTestKit.CyrillicCompany());
        var partner = await kit.ReceivePartnerAlertAsync();
        await kit.IngestAsync(ScreeningTestKit.Declaration("LRN-1", "Romashka OOO", container: "CSQU3054383"), ScreeningTestKit.Declaration("LRN-2", "Romashka OOO"));
        var hits = await kit.HitsAsync();
        Assert.Equal(3, hits.Count);
        Assert.Empty(await kit.HitsAsync(new HitFilter(Overdue: true)));

        kit.Time.Advance(TimeSpan.FromHours(12) + TimeSpan.FromMinutes(1));
        Assert.Equal(3, (await kit.HitsAsync(new HitFilter(Overdue: true))).Count);

        var onContainer = hits.Single(h => h.AlertId == partner.Alert.Id);
        var confirmed = Assert.IsType<HitOutcome.Done>(await kit.Desk.ConfirmAsync(onContainer.Id, "container seized", "12 kg cocaine in the cooling unit", "NLRTM", "officer-1")).Hit;
        Assert.Equal(HitState.Confirmed, confirmed.State);
        Assert.Equal("message-1", confirmed.Report!.MessageId);
        var (reported, _) = Assert.Single(kit.Reports);
        Assert.Equal(("container seized", "NLRTM"), (reported.Decision!.ActionTaken, reported.Decision.Place));
        var payload = ActionTakenReports.Payload(reported, partner);
        Assert.Equal("container seized", payload["alert"]!["actionTakenReport"]!["actionTaken"]!.GetValue<string>());

        var companyHits = hits.Where(h => h.AlertId == own.Alert.Id).ToList();
        Assert.IsType<HitOutcome.Done>(await kit.Desk.ConfirmAsync(companyHits[0].Id, "goods inspected", null, null, "officer-1"));
        Assert.Single(kit.Reports);
        var discarded = Assert.IsType<HitOutcome.Done>(await kit.Desk.DiscardAsync(companyHits[1].Id, "another company: Romashka Agro, no link", "officer-2")).Hit;
        Assert.Equal(("another company: Romashka Agro, no link", "officer-2"), (discarded.Decision!.Reason, discarded.Decision.By));
        Assert.IsType<HitOutcome.NotAllowed>(await kit.Desk.DiscardAsync(companyHits[1].Id, "again", "officer-2"));
        Assert.IsType<HitOutcome.Invalid>(await kit.Desk.DiscardAsync(companyHits[0].Id, " ", "officer-2"));
        Assert.IsType<HitOutcome.NotFound>(await kit.Desk.ConfirmAsync("NL-HIT-nothing", "x", null, null, "officer-2"));

        Assert.Equal([LedgerKinds.HitRecorded, LedgerKinds.HitConfirmed], await kit.KindsAboutAsync(ScreeningDesk.SubjectPrefix + onContainer.Id));
        var discardEntry = (await kit.Ledger.EntriesAboutAsync(ScreeningDesk.SubjectPrefix + discarded.Id, 10)).OrderBy(e => e.Index).Last().Entry;
        Assert.Equal((LedgerKinds.HitDiscarded, "officer-2"), (discardEntry.Kind, discardEntry.Actor.User));
        // The officer's words stay with the hit; the ledger holds their digest.
        Assert.Equal(AlertBook.ReasonDigest("another company: Romashka Agro, no link"), discardEntry.Body["reasonDigest"]!.GetValue<string>());
        Assert.DoesNotContain("Romashka Agro", discardEntry.Body.ToJsonString(), StringComparison.Ordinal);

        // Decided: none overdue (the partner's hit was reported; own alerts need no report).
        Assert.Empty(await kit.HitsAsync(new HitFilter(Overdue: true)));
        var stats = await kit.Desk.StatsAsync();
        var byCategory = stats.ByCategory.ToDictionary(r => r.Key);
        Assert.Equal((2L, 1L, 1L, 0.5), (byCategory["sanctions"].Hits, byCategory["sanctions"].Confirmed, byCategory["sanctions"].Discarded, byCategory["sanctions"].ConfirmedRate!.Value));
        Assert.Equal(1.0, byCategory["drugs"].ConfirmedRate);
        Assert.Equal(3, stats.All.Hits);
    }

    [StoreTheory, BothStores]
    public async Task A_hit_on_a_flagged_alert_reports_that_the_action_was_not_taken(StorageProvider provider)
    {
        await using var kit = await ScreeningTestKit.CreateAsync(provider);
        var partner = await kit.ReceivePartnerAlertAsync();
        Assert.IsType<AlertOutcome.Done>(await kit.Book.FlagAsync(partner.Alert.Id, "a court order forbids seizures of this consignee's goods", "liaison"));
        var hit = Assert.Single(Assert.IsType<ScreeningOutcome.Done>(await kit.Desk.CheckAsync(new ScreeningCheck(Container: "CSQU 305438-3"), "officer-1")).Result.Hits);
        Assert.True(hit.Flagged);
        var confirmed = Assert.IsType<HitOutcome.Done>(await kit.Desk.ConfirmAsync(hit.Id, "documents checked only", null, "NLRTM", "officer-1")).Hit;
        var payload = ActionTakenReports.Payload(confirmed, (await kit.Book.GetAsync(partner.Alert.Id))!)["alert"]!["actionTakenReport"]!;
        Assert.True(payload["actionNotTaken"]!.GetValue<bool>());
        Assert.StartsWith("action not taken: the alert is flagged here (a court order", payload["actionTaken"]!.GetValue<string>(), StringComparison.Ordinal);
    }

    [StoreTheory, BothStores]
    public async Task Reading_hits_needs_a_purpose_a_refusal_and_a_read_are_both_recorded(StorageProvider provider)
    {
        await using var kit = await ScreeningTestKit.CreateAsync(provider);
        await kit.IssueAsync(ScreeningTestKit.CyrillicCompany());
        await kit.IngestAsync(ScreeningTestKit.Declaration("LRN-1", "Romashka OOO"));
        var hit = Assert.Single(await kit.HitsAsync());

        var refused = Assert.IsType<ReadHitsResult.Refused>(await kit.Read.GetAsync(Officer, AccessRecorder.Api, hit.Id, null, null));
        Assert.Contains("personal data", refused.Reason, StringComparison.Ordinal);
        Assert.IsType<ReadHitsResult.Refused>(await kit.Read.ListAsync(Officer, AccessRecorder.Api, new HitFilter(), "statistics", "monthly figures"));
        var read = Assert.IsType<ReadHitsResult.Read>(await kit.Read.GetAsync(Officer, AccessRecorder.Api, hit.Id, "customs-control", "control of LRN-1 at Rotterdam"));
        Assert.Equal(hit.Id, Assert.Single(read.Hits).Id);

        var kinds = await kit.KindsAboutAsync(ScreeningDesk.SubjectPrefix + hit.Id);
        Assert.Equal([LedgerKinds.HitRecorded, LedgerKinds.PolicyDecision, LedgerKinds.PersonalDataAccess], kinds);
    }
}
