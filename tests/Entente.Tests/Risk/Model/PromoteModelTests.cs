using Entente.Ledger;
using Entente.Risk.Model;
using Entente.Storage;
using Entente.Tests.Storage;

namespace Entente.Tests.Risk.Model;

public class PromoteModelTests
{
    private static ModelCard Card(string version, double precisionAt5)
    {
        var data = new DataSummary(["test"], null, null, 1000, 50, 5, 0.05);
        return new ModelCard
        {
            Version = version,
            CreatedAt = TestStore.Start,
            Trainer = "lightgbm",
            Hyperparameters = new BoostingOptions(),
            Seed = 1,
            Training = data,
            Validation = new ValidationReport("later rows", data, [new SelectionMetrics(5, 50, precisionAt5, 0.5, null, null)], 0.8),
            Features = [],
        };
    }

    [StoreTheory, BothStores]
    public async Task A_worse_model_is_refused_unless_forced_and_each_promotion_is_recorded_in_the_ledger(StorageProvider provider)
    {
        await using var test = await TestStore.CreateAsync(provider);
        await using var ledger = LedgerStore.Open(test.Database, test.Time);
        var home = Directory.CreateTempSubdirectory("entente-promote-");
        try
        {
            var promote = new PromoteModel(home.FullName, "GB", ledger, test.Time);

            var first = Assert.IsType<PromoteModelResult.Promoted>(await promote.HandleAsync(new PromoteModelInput(Card("v1", 0.40), false, "analyst")));
            var refused = Assert.IsType<PromoteModelResult.Refused>(await promote.HandleAsync(new PromoteModelInput(Card("v2", 0.30), false, "analyst")));
            Assert.Equal("v1", ModelRegistry.ReadInService(home.FullName)!.Version);
            Assert.Equal(1, (await ledger.GetHeadAsync()).Size);
            test.Time.Advance(TimeSpan.FromHours(1));
            var forced = Assert.IsType<PromoteModelResult.Promoted>(await promote.HandleAsync(new PromoteModelInput(Card("v2", 0.30), true, "analyst")));

            Assert.Contains("--force to override", refused.Reason, StringComparison.Ordinal);
            Assert.False(first.Forced);
            Assert.True(forced.Forced);
            Assert.Equal(new InService("v2", test.Time.GetUtcNow(), 0.30, true), ModelRegistry.ReadInService(home.FullName));
            var entry = (await ledger.GetEntryAsync(forced.LedgerIndex))!.Entry;
            Assert.Equal(LedgerKinds.RiskModelPromoted, entry.Kind);
            Assert.Equal(new LedgerActor("analyst", "GB"), entry.Actor);
            Assert.Equal("v2", entry.Body["model"]!.GetValue<string>());
            Assert.True(entry.Body["forced"]!.GetValue<bool>());
            Assert.Equal(0, first.LedgerIndex);
        }
        finally
        {
            home.Delete(recursive: true);
        }
    }
}
