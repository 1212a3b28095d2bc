using Entente.Alerts;
using Entente.Ledger;
using Entente.Storage;
using Entente.Tests.Storage;

namespace Entente.Tests.Alerts;

/// <summary>The alert book on SQLite and PostgreSQL: life cycle, ledger entries per change, expiry by the clock, partners' alerts, imports.</summary>
public sealed class AlertBookTests
{
    [StoreTheory, BothStores]
    public async Task An_alert_is_issued_listed_and_withdrawn_each_change_in_the_ledger(StorageProvider provider)
    {
        await using var kit = await AlertsTestKit.CreateAsync(provider);
        var issued = Assert.IsType<AlertOutcome.Done>(await kit.Book.IssueAsync(AlertsTestKit.Company(), "officer")).Change.Alert;
        Assert.Equal(AlertSource.Own, issued.Source);
        Assert.StartsWith("NL-AL-20250314-", issued.Alert.Id, StringComparison.Ordinal);
        var shown = await kit.Book.GetAsync(issued.Alert.Id);
        Assert.Equal(AlertJson.Digest(issued.Alert), AlertJson.Digest(shown!.Alert));
        Assert.Single(await kit.Book.ListAsync(new AlertFilter(AlertState.InForce, AlertSubjectKind.Company, AlertCategory.Fraud)));
        Assert.Empty(await kit.Book.ListAsync(new AlertFilter(Kind: AlertSubjectKind.Person)));

        var withdrawn = Assert.IsType<AlertOutcome.Done>(await kit.Book.WithdrawAsync(issued.Alert.Id, "trader cleared by audit", "officer")).Change.Alert;
        Assert.Equal((AlertState.Withdrawn, 2, "trader cleared by audit"), (withdrawn.State, withdrawn.Alert.Version, withdrawn.Alert.Withdrawal!.Reason));
        Assert.Equal([LedgerKinds.AlertIssued, LedgerKinds.AlertWithdrawn], await kit.KindsAboutAsync(issued.Alert.Id));
        var entry = (await kit.Ledger.EntriesAboutAsync(AlertBook.SubjectPrefix + issued.Alert.Id, 10)).MaxBy(e => e.Index)!.Entry;
        Assert.Equal(AlertJson.Digest(withdrawn.Alert), entry.Body["digest"]!.GetValue<string>());
        Assert.DoesNotContain("Nordwind", entry.Body.ToJsonString(), StringComparison.Ordinal);
        Assert.Empty((await kit.Ledger.VerifyAsync(null)).Problems);

        Assert.IsType<AlertOutcome.NotAllowed>(await kit.Book.WithdrawAsync(issued.Alert.Id, "again", "officer"));
        Assert.IsType<AlertOutcome.NotAllowed>(await kit.Book.FlagAsync(issued.Alert.Id, "not ours", "officer"));
        Assert.IsType<AlertOutcome.NotFound>(await kit.Book.WithdrawAsync("NL-AL-none", "x", "officer"));
        Assert.IsType<AlertOutcome.Invalid>(await kit.Book.WithdrawAsync(issued.Alert.Id, " ", "officer"));
        Assert.Equal(2, await kit.LedgerSizeAsync());
    }

    [StoreTheory, BothStores]
    public async Task An_invalid_alert_or_one_outside_any_agreement_changes_nothing(StorageProvider provider)
    {
        await using var kit = await AlertsTestKit.CreateAsync(provider);
        var unknownKind = AlertsTestKit.Company();
        unknownKind["subject"]!["kind"] = "spaceship";
        var untilBeforeFrom = AlertsTestKit.Company(until: "2025-01-01");
        var badAction = AlertsTestKit.Company();
        badAction["action"] = "arrest";
        foreach (var document in new[] { unknownKind, untilBeforeFrom, badAction })
            Assert.IsType<AlertOutcome.Invalid>(await kit.Book.IssueAsync(document, "officer"));
        var outside = Assert.IsType<AlertOutcome.OutsideAgreement>(await kit.Book.IssueAsync(AlertsTestKit.Company(agreement: AlertsTestKit.NoAlertsId), "officer"));
        Assert.Equal("/legalBasis/agreement", outside.Errors[0].Path);
        Assert.Empty(await kit.Book.ListAsync(new AlertFilter()));
        Assert.Equal(0, await kit.LedgerSizeAsync());
    }

    [StoreTheory, BothStores]
    public async Task A_draft_is_put_in_force_and_an_alert_expires_by_the_clock(StorageProvider provider)
    {
        await using var kit = await AlertsTestKit.CreateAsync(provider);
        var document = AlertsTestKit.Company();
        document["state"] = "draft";
        var draft = Assert.IsType<AlertOutcome.Done>(await kit.Book.IssueAsync(document, "officer")).Change.Alert;
        Assert.Equal(AlertState.Draft, draft.State);
        Assert.Empty(await ToListAsync(kit.Book.InForceAsync()));

        var active = Assert.IsType<AlertOutcome.Done>(await kit.Book.ActivateAsync(draft.Alert.Id, "officer")).Change.Alert;
        Assert.Equal(AlertState.InForce, active.State);
        Assert.Equal(draft.Alert.Id, Assert.Single(await ToListAsync(kit.Book.InForceAsync())).Alert.Id);
        Assert.IsType<AlertOutcome.NotAllowed>(await kit.Book.ActivateAsync(draft.Alert.Id, "officer"));

        kit.Time.SetUtcNow(new DateTimeOffset(2025, 6, 30, 23, 0, 0, TimeSpan.Zero));
        Assert.Single(await ToListAsync(kit.Book.InForceAsync()));
        kit.Time.SetUtcNow(new DateTimeOffset(2025, 7, 1, 0, 0, 1, TimeSpan.Zero));
        Assert.Empty(await ToListAsync(kit.Book.InForceAsync()));
        Assert.Equal(AlertState.Expired, (await kit.Book.GetAsync(draft.Alert.Id))!.State);
        Assert.Single(await kit.Book.ListAsync(new AlertFilter(AlertState.Expired)));
        Assert.Empty(await kit.Book.ListAsync(new AlertFilter(AlertState.InForce)));
        Assert.IsType<AlertOutcome.Done>(await kit.Book.WithdrawAsync(draft.Alert.Id, "expired; closed", "officer"));
        Assert.Equal([LedgerKinds.AlertIssued, LedgerKinds.AlertUpdated, LedgerKinds.AlertWithdrawn], await kit.KindsAboutAsync(draft.Alert.Id));
    }

    [StoreTheory, BothStores]
    public async Task A_partner_alert_is_stored_updated_flagged_and_withdrawn_and_older_versions_change_nothing(StorageProvider provider)
    {
        await using var kit = await AlertsTestKit.CreateAsync(provider);
        var retain = kit.Time.GetUtcNow().AddYears(1);
        const string id = "KR-AL-20250301-0001";
        Assert.Equal(AlertReceiptOutcome.Stored, await kit.Book.ReceiveAsync("KR", AlertsTestKit.AgreementId, "H1", retain, AlertsTestKit.Partner()));
        var stored = (await kit.Book.GetAsync(id))!;
        Assert.Equal((AlertSource.Partner, "KR", "H1", AlertState.InForce), (stored.Source, stored.Alert.Issuer, stored.ReceivedHandlingCode, stored.State));

        var flagged = Assert.IsType<AlertOutcome.Done>(await kit.Book.FlagAsync(id, "national court order: do not seize here", "officer")).Change.Alert;
        Assert.True(flagged.Flagged);
        Assert.IsType<AlertOutcome.NotAllowed>(await kit.Book.FlagAsync(id, "again", "officer"));
        Assert.IsType<AlertOutcome.NotAllowed>(await kit.Book.WithdrawAsync(id, "not ours", "officer"));

        Assert.Equal(AlertReceiptOutcome.Unchanged, await kit.Book.ReceiveAsync("KR", AlertsTestKit.AgreementId, "H1", retain, AlertsTestKit.Partner()));
        Assert.Equal(AlertReceiptOutcome.Updated, await kit.Book.ReceiveAsync("KR", AlertsTestKit.AgreementId, "H1", retain, AlertsTestKit.Partner(version: 2)));
        Assert.True((await kit.Book.GetAsync(id))!.Flagged);
        Assert.Equal(AlertReceiptOutcome.Withdrawn, await kit.Book.ReceiveAsync("KR", AlertsTestKit.AgreementId, "H1", retain, AlertsTestKit.Partner(version: 3, state: "withdrawn")));
        Assert.Equal(AlertReceiptOutcome.Unchanged, await kit.Book.ReceiveAsync("KR", AlertsTestKit.AgreementId, "H1", retain, AlertsTestKit.Partner(version: 2)));
        var withdrawn = (await kit.Book.GetAsync(id))!;
        Assert.Equal((AlertState.Withdrawn, 3), (withdrawn.State, withdrawn.Alert.Version));
        Assert.Empty(await ToListAsync(kit.Book.InForceAsync()));
        Assert.Equal([LedgerKinds.AlertReceived, LedgerKinds.AlertFlagged, LedgerKinds.AlertUpdated, LedgerKinds.AlertWithdrawn], await kit.KindsAboutAsync(id));
    }

    [StoreTheory, BothStores]
    public async Task A_partner_alert_expires_at_the_end_of_the_retention_its_agreement_set(StorageProvider provider)
    {
        await using var kit = await AlertsTestKit.CreateAsync(provider);
        await kit.Book.ReceiveAsync("KR", AlertsTestKit.AgreementId, "H1", kit.Time.GetUtcNow().AddDays(10), AlertsTestKit.Partner());
        Assert.Single(await ToListAsync(kit.Book.InForceAsync()));
        kit.Time.Advance(TimeSpan.FromDays(11));
        Assert.Empty(await ToListAsync(kit.Book.InForceAsync()));
        Assert.Single(await kit.Book.ListAsync(new AlertFilter(AlertState.Expired)));
    }

    [StoreTheory, BothStores]
    public async Task A_csv_import_with_a_bad_row_imports_nothing_and_names_line_and_column_then_a_good_file_imports_every_row(StorageProvider provider)
    {
        await using var kit = await AlertsTestKit.CreateAsync(provider);
        var mapping = AlertMapping.Load(AlertsTestKit.Sample("alerts-mapping.yaml"));
        var bad = await kit.Book.ImportAsync("alerts-bad.csv", mapping.Read(await File.ReadAllTextAsync(AlertsTestKit.Sample("alerts-bad.csv")), "alerts-bad.csv"), "officer");
        Assert.Equal((3, 0), (bad.Rows, bad.Imported));
        Assert.Contains(bad.Errors, e => e is { Line: 3, Path: "/subject/kind", File: "alerts-bad.csv" } && e.Message.StartsWith("column 'Kind'", StringComparison.Ordinal));
        Assert.Contains(bad.Errors, e => e is { Line: 4, Path: "/subject/countryCode" } && e.Message.Contains("column 'Country'", StringComparison.Ordinal));
        Assert.Contains(bad.Errors, e => e is { Line: 4, Path: "/validity/until" } && e.Message.Contains("column 'Until'", StringComparison.Ordinal));
        Assert.DoesNotContain(bad.Errors, e => e.Line == 2);
        Assert.Empty(await kit.Book.ListAsync(new AlertFilter()));
        Assert.Equal(0, await kit.LedgerSizeAsync());

        var good = await kit.Book.ImportAsync("alerts.csv", mapping.Read(await File.ReadAllTextAsync(AlertsTestKit.Sample("alerts.csv")), "alerts.csv"), "officer");
        Assert.Empty(good.Errors);
        Assert.Equal((3, 3), (good.Rows, good.Imported));
        var all = await kit.Book.ListAsync(new AlertFilter());
        var person = Assert.Single(all, a => a.Alert.Subject.Kind == AlertSubjectKind.Person);
        Assert.Equal(["Kim, Min-jun", "김민준", "Gim Minjun"], person.Alert.Subject.Names!);
        Assert.Equal(("H1", "Customs Code, Art. 46 (risk management)"), (person.Alert.HandlingCode, person.Alert.LegalBasis.National));
        Assert.Equal(AlertAction.Seize, Assert.Single(all, a => a.Alert.Subject.Kind == AlertSubjectKind.Container).Alert.Action);
        Assert.Equal(3, await kit.LedgerSizeAsync());
    }

    [StoreTheory, BothStores]
    public async Task A_json_import_reads_one_object_per_line_through_its_mapping(StorageProvider provider)
    {
        await using var kit = await AlertsTestKit.CreateAsync(provider);
        var mapping = AlertMapping.Load(AlertsTestKit.Sample("alerts-json-mapping.yaml"));
        var report = await kit.Book.ImportAsync("alerts.jsonl", mapping.Read(await File.ReadAllTextAsync(AlertsTestKit.Sample("alerts.jsonl")), "alerts.jsonl"), "officer");
        Assert.Empty(report.Errors);
        var alerts = await kit.Book.ListAsync(new AlertFilter());
        Assert.Equal("9074729", Assert.Single(alerts, a => a.Alert.Subject.Kind == AlertSubjectKind.Transport).Alert.Subject.Imo);
        Assert.Equal(("8517", "Acme"), Assert.Single(alerts, a => a.Alert.Subject.Kind == AlertSubjectKind.Goods).Alert.Subject is var g ? (g.HsPrefix, g.Brand) : default);

        var array = """
            [
              {"kind":"document","category":"wildlife","action":"seize"},
              {"kind":"goods","hs":"0106","category":"wildlife","action":"seize"}
            ]
            """;
        var refused = await kit.Book.ImportAsync("cites.json", mapping.Read(array, "cites.json"), "officer");
        Assert.Equal(0, refused.Imported);
        Assert.Equal((2, "/subject/documentNumber"), (refused.Errors.Single().Line!.Value, refused.Errors.Single().Path));
    }

    [StoreTheory, BothStores]
    public async Task A_sanctions_list_becomes_alerts_and_importing_it_again_updates_and_withdraws(StorageProvider provider)
    {
        await using var kit = await AlertsTestKit.CreateAsync(provider);
        var terms = new SanctionsTerms(AlertCategory.Sanctions, AlertAction.SpecificCheck, "Sanctions Act, Art. 2", new DateOnly(2025, 3, 14));
        var v1 = SanctionsList.Read(await File.ReadAllTextAsync(AlertsTestKit.Sample("sanctions-v1.ftm.jsonl")), "sanctions-v1.ftm.jsonl", terms);
        Assert.Equal((4, 1), (v1.Entities.Count, v1.Skipped));
        var first = await kit.Book.ImportListAsync("invented-list", v1.Entities, "officer");
        Assert.Equal((4, 0, 0, 0), (first.Created, first.Updated, first.Unchanged, first.Withdrawn));
        var alerts = await kit.Book.ListAsync(new AlertFilter(Source: AlertSource.List));
        var person = Assert.Single(alerts, a => a.Alert.Subject.Kind == AlertSubjectKind.Person).Alert;
        Assert.Equal(("1968-04-12", "RU"), (person.Subject.BirthDate, person.Subject.NationalityCountryCodes![0]));
        Assert.Contains("Пётр Сергеевич Иванов", person.Subject.Names!);
        Assert.Equal(("Sanctions Act, Art. 2", AlertCategory.Sanctions), (person.LegalBasis.National, person.Category));
        Assert.Equal("9074729", Assert.Single(alerts, a => a.Alert.Subject.Kind == AlertSubjectKind.Transport).Alert.Subject.Imo);

        var again = await kit.Book.ImportListAsync("invented-list", v1.Entities, "officer");
        Assert.Equal((0, 0, 4, 0), (again.Created, again.Updated, again.Unchanged, again.Withdrawn));

        var v2 = SanctionsList.Read(await File.ReadAllTextAsync(AlertsTestKit.Sample("sanctions-v2.ftm.jsonl")), "sanctions-v2.ftm.jsonl", terms);
        var second = await kit.Book.ImportListAsync("invented-list", v2.Entities, "officer");
        Assert.Equal((0, 1, 2, 1), (second.Created, second.Updated, second.Unchanged, second.Withdrawn));
        Assert.Contains(second.Errors, e => e.Line == 4 && e.Path == "/subject/names");
        var lotus = Assert.Single(await kit.Book.ListAsync(new AlertFilter(AlertState.Withdrawn)));
        Assert.Equal("Golden Lotus Foundation", lotus.Alert.Subject.Names![0]);
        Assert.Equal("no longer on the list invented-list", lotus.Alert.Withdrawal!.Reason);
        Assert.Equal(3, (await ToListAsync(kit.Book.InForceAsync())).Count);
        Assert.Equal([LedgerKinds.AlertIssued, LedgerKinds.AlertWithdrawn], await kit.KindsAboutAsync(lotus.Alert.Id));
        Assert.Equal(6, await kit.LedgerSizeAsync());
    }

    private static async Task<List<StoredAlert>> ToListAsync(IAsyncEnumerable<StoredAlert> alerts)
    {
        var list = new List<StoredAlert>();
        await foreach (var a in alerts) list.Add(a);
        return list;
    }
}
