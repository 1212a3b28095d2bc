using System.Text.Json.Nodes;
using Entente.Access;
using Entente.Alerts;
using Entente.Ledger;
using Entente.Screening;
using Entente.Storage;
using Entente.Tests.Screening;
using Entente.Tests.Storage;

namespace Entente.Tests.Alerts;

/// <summary>
/// A person alert names a person: its names, birth date, documents and remarks are read under a purpose (recorded),
/// withheld without one, refused (and recorded) under a purpose the role may not state — in lists, single reads and an
/// officer's ad-hoc check. Alerts on companies are shown as they are.
/// </summary>
public sealed class AlertPrivacyTests
{
    private static readonly LocalUser Officer = new("officer-1", "NL", Role.Officer);

    private static JsonObject Person() => new()
    {
        ["subject"] = new JsonObject
        {
            ["kind"] = "person",
            ["names"] = new JsonArray("Ivan Petrovich Sidorov", "Иван Петрович Сидоров"),
            ["birthDate"] = "1971-04-12",
            ["nationalityCountryCodes"] = new JsonArray("RU"),
            ["documentNumbers"] = new JsonArray("753104297"),
        },
        ["category"] = "cash",
        ["action"] = "specific-check",
        ["validity"] = new JsonObject { ["from"] = "2025-03-01", ["until"] = "2025-06-30" },
        ["legalBasis"] = new JsonObject { ["national"] = "Cash Controls Act, Art. 4" },
        ["remarks"] = "travels with his brother Oleg",
    };

    [StoreTheory, BothStores]
    public async Task A_person_alert_is_withheld_without_a_purpose_refused_under_a_wrong_one_and_shown_and_recorded_under_a_right_one(StorageProvider provider)
    {
        await using var kit = await ScreeningTestKit.CreateAsync(provider);
        var person = await kit.IssueAsync(Person());
        var company = await kit.IssueAsync(AlertsTestKit.Company());
        var read = new ReadAlerts(kit.Book, new AccessRecorder(kit.Ledger, ScreeningTestKit.SubjectKey, "NL"));

        var plain = Assert.IsType<ReadAlertsResult.Read>(await read.ListAsync(Officer, AccessRecorder.Api, new AlertFilter(), null, null));
        Assert.False(plain.PersonalDataShown);
        var hidden = Assert.Single(plain.Alerts, a => a.Alert.Id == person.Alert.Id);
        Assert.Equal((null, null, null, null), (hidden.Alert.Subject.Names, hidden.Alert.Subject.BirthDate, hidden.Alert.Subject.DocumentNumbers, hidden.Alert.Remarks));
        Assert.Equal(["/alert/subject/names", "/alert/subject/birthDate", "/alert/subject/documentNumbers", "/alert/remarks"], hidden.Withheld);
        Assert.Equal(["RU"], hidden.Alert.Subject.NationalityCountryCodes!); // the country stays, as a declaration party's does
        Assert.Equal("Nordwind Handels GmbH", Assert.Single(plain.Alerts, a => a.Alert.Id == company.Alert.Id).Alert.Subject.Names![0]);
        Assert.Empty(await kit.Ledger.EntriesAboutAsync(AlertBook.SubjectPrefix + person.Alert.Id, 10) is var e0 ? e0.Where(e => e.Entry.Kind != LedgerKinds.AlertIssued) : []);

        var refused = Assert.IsType<ReadAlertsResult.Refused>(await read.GetAsync(Officer, AccessRecorder.Api, person.Alert.Id, "statistics", "monthly figures"));
        Assert.Contains("statistics", refused.Reason, StringComparison.Ordinal);
        var shown = Assert.IsType<ReadAlertsResult.Read>(await read.GetAsync(Officer, AccessRecorder.Api, person.Alert.Id, "customs-control", "passenger control, flight KL1234"));
        Assert.True(shown.PersonalDataShown);
        Assert.Equal("Ivan Petrovich Sidorov", Assert.Single(shown.Alerts).Alert.Subject.Names![0]);

        var kinds = await kit.KindsAboutAsync(AlertBook.SubjectPrefix + person.Alert.Id);
        Assert.Equal([LedgerKinds.AlertIssued, LedgerKinds.PolicyDecision, LedgerKinds.PersonalDataAccess], kinds);
        var access = (await kit.Ledger.EntriesAboutAsync(AlertBook.SubjectPrefix + person.Alert.Id, 10)).Single(x => x.Entry.Kind == LedgerKinds.PersonalDataAccess).Entry;
        Assert.Equal(("customs-control", "passenger control, flight KL1234"), (access.Body["purpose"]!.GetValue<string>(), access.Body["justification"]!.GetValue<string>()));
        Assert.DoesNotContain("Sidorov", access.Body.ToJsonString(), StringComparison.Ordinal);
    }

    [StoreTheory, BothStores]
    public async Task An_ad_hoc_check_hitting_a_person_alert_shows_the_names_only_under_a_purpose_and_records_that_read(StorageProvider provider)
    {
        await using var kit = await ScreeningTestKit.CreateAsync(provider);
        await kit.IssueAsync(Person());
        var screen = new ScreenAdHoc(kit.Desk, new AccessRecorder(kit.Ledger, ScreeningTestKit.SubjectKey, "NL"));
        var check = new ScreeningCheck(Name: "Sidorov Ivan", BirthDate: "1971-04-12", Country: "RU", Place: "NLAMS");

        var plain = Assert.IsType<ScreenAdHocResult.Done>(await screen.CheckAsync(Officer, AccessRecorder.Api, check)).Result;
        var hidden = Assert.Single(plain.Hits);
        Assert.Equal(("", 0), (hidden.Input, hidden.Explanation.Count));
        Assert.Equal(["/input", "/explanation"], hidden.Withheld);
        Assert.True(hidden.Score >= hidden.Threshold);

        var refused = Assert.IsType<ScreenAdHocResult.Refused>(await screen.CheckAsync(Officer, AccessRecorder.Api, check with { Purpose = "audit", Justification = "x" }));
        Assert.Contains("audit", refused.Reason, StringComparison.Ordinal);
        Assert.Single(await kit.HitsAsync()); // a refused check screens nothing

        var full = Assert.IsType<ScreenAdHocResult.Done>(await screen.CheckAsync(Officer, AccessRecorder.Api,
            check with { Name = "Ivan Sidorov", Purpose = "customs-control", Justification = "passenger control, flight KL1234" })).Result;
        var open = Assert.Single(full.Hits);
        Assert.Null(open.Withheld);
        Assert.Contains(open.Explanation, x => x.Text.Contains("Sidorov", StringComparison.Ordinal));
        Assert.Equal([LedgerKinds.HitRecorded, LedgerKinds.PersonalDataAccess], await kit.KindsAboutAsync(ScreeningDesk.SubjectPrefix + open.Id));
        // The stored hit keeps everything: reading it later is purpose-bound as every hit is.
        Assert.NotEmpty((await kit.Desk.GetAsync(hidden.Id))!.Explanation);
    }
}
