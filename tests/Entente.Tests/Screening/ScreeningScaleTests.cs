using System.Text;
using System.Text.Json;
using Entente.Alerts;
using Entente.Declarations;
using Entente.Ingest;
using Entente.Screening;
using Entente.Screening.Matching;
using Entente.Storage;
using Entente.Tests.Alerts;
using Entente.Tests.Storage;

namespace Entente.Tests.Screening;

/// <summary>The watch list kept in line one alert at a time, ingest screened by the ids it stored, and the catch-up.</summary>
public sealed class ScreeningScaleTests
{
    private static readonly ScreeningCheck[] Checks =
    [
        new(Name: "Romashka OOO", Country: "RU"),
        new(Name: "ООО «Ромашка»"),
        new(Container: "CSQU3054383"),
        new(Container: "MSCU1234565"),
    ];

    /// <summary>What each check finds, as (alert, score) pairs, through the desk's ad-hoc check.</summary>
    private static async Task<string> FindingsAsync(ScreeningDesk desk)
    {
        var found = new List<string>();
        foreach (var check in Checks)
        {
            var outcome = Assert.IsType<ScreeningOutcome.Done>(await desk.CheckAsync(check, "officer"));
            found.Add($"{check.Name ?? check.Container}: {outcome.Result.AlertsInForce} in force; "
                + string.Join(", ", outcome.Result.Hits.Select(h => $"{h.AlertId} {h.Score:0.0000}").Order(StringComparer.Ordinal)));
        }
        return string.Join("\n", found);
    }

    private static ScreeningDesk Fresh(ScreeningTestKit kit) =>
        new("NL", kit.Ledger.Database, kit.Ledger, kit.Store.Store, kit.Book, kit.Time, new ScreeningSettings(), MatchingThresholds.Default);

    [StoreTheory, BothStores]
    public async Task The_watch_list_follows_each_alert_change_as_a_fresh_build_would(StorageProvider provider)
    {
        await using var kit = await ScreeningTestKit.CreateAsync(provider);
        var own = await kit.IssueAsync(ScreeningTestKit.CyrillicCompany());
        Assert.Equal(1, await kit.Desk.RefreshAsync());
        var steps = new List<string>();

        // Added: a partner's alert on a container.
        await kit.Book.ReceiveAsync("KR", AlertsTestKit.AgreementId, "H1", kit.Time.GetUtcNow().AddYears(1), AlertsTestKit.Partner());
        steps.Add(await FindingsAsync(kit.Desk));
        Assert.Equal(await FindingsAsync(Fresh(kit)), steps[^1]);
        Assert.Contains("KR-AL-20250301-0001", steps[^1], StringComparison.Ordinal);

        // Updated: version 2 names another container.
        var update = AlertsTestKit.Partner(version: 2);
        update["alert"]!["subject"]!["containerNumber"] = "MSCU1234565";
        await kit.Book.ReceiveAsync("KR", AlertsTestKit.AgreementId, "H1", kit.Time.GetUtcNow().AddYears(1), update);
        steps.Add(await FindingsAsync(kit.Desk));
        Assert.Equal(await FindingsAsync(Fresh(kit)), steps[^1]);
        Assert.Contains("MSCU1234565: 2 in force; KR-AL-20250301-0001", steps[^1], StringComparison.Ordinal);
        Assert.Contains("CSQU3054383: 2 in force; \n", steps[^1] + "\n", StringComparison.Ordinal);

        // Withdrawn: the own alert hits nothing any more.
        Assert.IsType<AlertOutcome.Done>(await kit.Book.WithdrawAsync(own.Alert.Id, "company dissolved", "officer"));
        steps.Add(await FindingsAsync(kit.Desk));
        Assert.Equal(await FindingsAsync(Fresh(kit)), steps[^1]);
        Assert.DoesNotContain(own.Alert.Id, steps[^1], StringComparison.Ordinal);

        // A new day past the partner alert's validity: it leaves without any change in the book.
        kit.Time.SetUtcNow(new DateTimeOffset(2026, 3, 2, 8, 0, 0, TimeSpan.Zero));
        steps.Add(await FindingsAsync(kit.Desk));
        Assert.Equal(await FindingsAsync(Fresh(kit)), steps[^1]);
        Assert.Contains("MSCU1234565: 0 in force; ", steps[^1], StringComparison.Ordinal);
    }

    [StoreTheory, BothStores]
    public async Task Ingest_screens_what_it_stored_and_the_catch_up_screens_what_was_stored_while_screening_was_off(StorageProvider provider)
    {
        await using var kit = await ScreeningTestKit.CreateAsync(provider);
        await kit.IssueAsync(ScreeningTestKit.CyrillicCompany());
        Assert.Equal((0, 1, 0), (await kit.Desk.ScreenStoredAsync()) is var first ? (first.Declarations, first.AlertsLookedBack, first.Hits) : default);

        // Stored while screening was off (no follow-up).
        var off = new IngestDeclarations(kit.Store.Store, () => []);
        var text = JsonSerializer.Serialize(ScreeningTestKit.Declaration("OFF", "Romashka OOO"), EntenteJson.Options);
        using (var stream = new MemoryStream(Encoding.UTF8.GetBytes(text)))
            Assert.Equal(1, (await off.StreamAsync(stream, "off.json", new IngestInput(DeclarationFormat.Json, null, false), CancellationToken.None)).Report.Accepted);

        // The next ingest screens its own declarations, by the ids its report lists.
        var outcome = await kit.IngestAsync(ScreeningTestKit.Declaration("ON", "Romashka OOO"), ScreeningTestKit.Declaration("CLEAN", "Tulip BV", "NL"));
        Assert.Equal(2, outcome.Report.StoredIds.Count);
        Assert.Equal(new[] { "ON" }, (await kit.HitsAsync()).Select(h => h.DeclarationReference!));

        // The catch-up screens the one stored while screening was off, once.
        var run = await kit.Desk.ScreenStoredAsync();
        Assert.Equal((1, 0, 1), (run.Declarations, run.AlertsLookedBack, run.Hits));
        Assert.Equal(new[] { "OFF", "ON" }, (await kit.HitsAsync()).Select(h => h.DeclarationReference!).Order(StringComparer.Ordinal));
        Assert.Equal(0, (await kit.Desk.ScreenStoredAsync()).Declarations);
    }

    [Fact]
    public void A_partial_name_or_another_syllable_of_a_han_or_hangul_name_does_not_hit()
    {
        var list = WatchList.Build(
        [
            Subject.Person("CHEN", ["陈红丽"]),
            Subject.Person("SEOYEON", ["윤서연"]),
            Subject.Person("JIHO", ["김지호"]),
        ]);
        Assert.Empty(list.Screen(Subject.Person(null, ["Chen Hong"])));
        Assert.Empty(list.Screen(Subject.Person(null, ["윤수연"])));
        Assert.Empty(list.Screen(Subject.Person(null, ["Yoon Su-yeon"])));
        Assert.Empty(list.Screen(Subject.Person(null, ["Kim Ho-ji"])));
        Assert.Equal("CHEN", Assert.Single(list.Screen(Subject.Person(null, ["Chen Hongli"]))).AlertId);
        Assert.Equal("SEOYEON", Assert.Single(list.Screen(Subject.Person(null, ["Yoon Seo-yeon"]))).AlertId);
        Assert.Equal("JIHO", Assert.Single(list.Screen(Subject.Person(null, ["Ji-ho Kim"]))).AlertId);
    }
}
