using Entente.Declarations;
using Entente.Identity;
using Entente.Ledger;
using Entente.Risk.Assessment;
using Entente.Risk.Rules;
using Entente.Storage;
using Entente.Tests.Storage;

namespace Entente.Tests.Risk.Assessment;

/// <summary>The desk and the risk tables on each database: assessments saved with their reasons, outcomes that become
/// labels, hit rates, partner results found by MRN, declarations still to assess.</summary>
public sealed class RiskStoreTests : IDisposable
{
    private readonly DirectoryInfo _home = Directory.CreateTempSubdirectory("entente-risk-home-");

    public void Dispose() => _home.Delete(recursive: true);

    private const string Rules = """
        ruleset "gb-targeting" version 1
        rule tobacco "tobacco from BY":
          if hs starts "2402" and origin = "BY"
          then red 100
        rule toys "toys":
          if hs starts "9503"
          then score 10
        test "tobacco":
          given hs "240220", origin BY
          expect lane red
        """;

    private async Task<(TestStore Test, RiskDesk Desk, string[] Ids)> ArrangeAsync(StorageProvider provider)
    {
        var test = await TestStore.CreateAsync(provider);
        var source = Path.Combine(_home.FullName, "set");
        Directory.CreateDirectory(source);
        await File.WriteAllTextAsync(Path.Combine(source, "gb.rules"), Rules);
        Directory.CreateDirectory(Path.Combine(_home.FullName, "risk"));
        await File.WriteAllTextAsync(Path.Combine(_home.FullName, "risk", LanePolicy.FileName), "random-rate: 0\n");
        // Activation needs a node key and a ledger: the store's database serves as the node's.
        NodeKeys.CreateSigningKey(_home.FullName).Dispose();
        await using (var ledger = LedgerStore.Open(test.Database, test.Time))
            await RuleSetStore.ActivateAsync(_home.FullName, source, ledger, new LedgerActor("tester", "GB"));
        var declarations = new[]
        {
            DeclarationBuilder.Import("LRN-1").Mrn("26GB0001").Declarant("GB1").Item("240220", "BY", 900m).Build(),
            DeclarationBuilder.Import("LRN-2").Mrn("26GB0002").Declarant("GB1").Item("950300", "CN", 100m).Build(),
            DeclarationBuilder.Import("LRN-3").Mrn("26GB0003").Declarant("GB1").Item("847130", "CN", 100m).Build(),
        };
        await test.Store.IngestAsync([.. declarations.Select(d => new PendingDeclaration(d, null, DeclarationFormat.Json, "risk-test.json"))]);
        var desk = new RiskDesk(_home.FullName, NodeDatabase.Open(test.Database), test.Store, test.Time);
        return (test, desk, [.. declarations.Select(d => d.Id!)]);
    }

    [StoreTheory, BothStores]
    public async Task Pending_declarations_are_assessed_once_and_saved_with_their_reasons_and_fired_rules(StorageProvider provider)
    {
        var (test, desk, ids) = await ArrangeAsync(provider);
        await using var _ = test;

        Assert.Equal(3, await desk.AssessPendingAsync());
        Assert.Equal(0, await desk.AssessPendingAsync());

        var history = await desk.Store.HistoryAsync(ids[0]);
        var saved = Assert.Single(history);
        Assert.Equal(Lane.Red, saved.Lane);
        Assert.Equal(["tobacco"], saved.FiredRules);
        Assert.Equal("gb-targeting 1", saved.RuleSet);
        Assert.Equal(TestStore.Start, saved.AssessedAt);
        Assert.Contains(saved.Reasons, r => r.Source == "rule tobacco");
        Assert.Equal(Lane.Green, Assert.Single(await desk.Store.HistoryAsync(ids[1])).Lane);
    }

    [StoreTheory, BothStores]
    public async Task An_outcome_becomes_the_declarations_label_and_counts_in_the_hit_rates(StorageProvider provider)
    {
        var (test, desk, ids) = await ArrangeAsync(provider);
        await using var _ = test;
        await desk.AssessPendingAsync();

        Assert.True(await desk.Store.RecordOutcomeAsync(new InspectionOutcome(ids[0], Found: true, Critical: true, "2,000 cigarettes", 1500m), "officer-1", TestStore.Start));
        Assert.True(await desk.Store.RecordOutcomeAsync(new InspectionOutcome(ids[1], Found: false), "officer-1", TestStore.Start));
        Assert.False(await desk.Store.RecordOutcomeAsync(new InspectionOutcome("no-such-id", true), "officer-1", TestStore.Start));

        var stored = await test.Store.GetAsync(ids[0]);
        Assert.Equal(new InspectionLabels(true, 2, 1500m), stored!.Labels);
        Assert.Equal(new InspectionLabels(false, 0, null), (await test.Store.GetAsync(ids[1]))!.Labels);

        var rates = await desk.Store.HitRatesAsync(new LanePolicy());
        Assert.Equal(3, rates.Assessed);
        var red = Assert.Single(rates.ByLane, g => g.Group == "red");
        Assert.Equal((1L, 1L, 1L, 1L, 1500m), (red.Assessed, red.Inspected, red.Found, red.Critical, red.Revenue));
        var green = Assert.Single(rates.ByLane, g => g.Group == "green");
        Assert.Equal((2L, 1L, 0L), (green.Assessed, green.Inspected, green.Found));
        Assert.Equal(0.0, green.Rate);
        var tobacco = Assert.Single(rates.ByRule, g => g.Group == "tobacco");
        Assert.Equal(1.0, tobacco.Rate);
        Assert.Equal(1.0 / 3, Assert.Single(rates.Lanes, l => l.Lane == Lane.Red).Share, 6);
        Assert.Equal(3, Assert.Single(rates.BySelection, g => g.Group == "targeted").Assessed);

        var labelled = new List<(string?, InspectionLabels)>();
        await foreach (var (declaration, labels) in desk.Store.LabelledAsync()) labelled.Add((declaration.Lrn, labels));
        Assert.Equal([("LRN-1", new InspectionLabels(true, 2, 1500m)), ("LRN-2", new InspectionLabels(false, 0, null))], labelled);

        var outcomes = await desk.Store.OutcomesAsync(ids[0]);
        Assert.Equal("2,000 cigarettes", Assert.Single(outcomes).Outcome.What);
    }

    [StoreTheory, BothStores]
    public async Task A_partners_risk_result_is_found_by_the_mrn_and_shown_in_the_assessment(StorageProvider provider)
    {
        var (test, desk, ids) = await ArrangeAsync(provider);
        await using var _ = test;
        await desk.Store.SavePartnerResultAsync("rr-1", "NL", "26GB0003", Lane.Red, TestStore.Start, TestStore.Start);
        await desk.Store.SavePartnerResultAsync("rr-1", "NL", "26GB0003", Lane.Red, TestStore.Start, TestStore.Start);

        var indicators = await desk.Store.PartnerIndicatorsAsync(["26GB0003"]);
        var result = Assert.Single(indicators.Results);
        Assert.Equal(("NL", Lane.Red, "rr-1"), (result.Partner, result.Lane, result.Reference));

        var assessed = (await desk.AssessAsync([ids[2]]))[0]!.Assessment;
        Assert.Contains(assessed.Reasons, r => r.Source == "partner NL");
        Assert.Empty((await desk.Store.PartnerIndicatorsAsync(["26GB0001"])).Results);
    }

    [StoreTheory, BothStores]
    public async Task Red_capacity_counts_the_days_reds_across_calls(StorageProvider provider)
    {
        var (test, desk, ids) = await ArrangeAsync(provider);
        await using var _ = test;
        await File.WriteAllTextAsync(Path.Combine(_home.FullName, "risk", LanePolicy.FileName), "random-rate: 0\nred-from: 5\nyellow-from: 3\nblue-from: 1\nred-capacity-per-day: 1\n");

        var first = (await desk.AssessAsync([ids[1]]))[0]!.Assessment;
        var second = (await desk.AssessAsync([ids[1]]))[0]!.Assessment;

        Assert.Equal(Lane.Red, first.Lane);
        Assert.Equal(Lane.Yellow, second.Lane);
        Assert.Equal(1, await desk.Store.RedSinceAsync(TestStore.Start.AddHours(-1)));
    }
}
