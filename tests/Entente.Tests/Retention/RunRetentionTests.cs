using System.Security.Cryptography;
using System.Text;
using Entente.Agreements;
using Entente.Audit;
using Entente.Declarations;
using Entente.Ledger;
using Entente.Retention;
using Entente.Storage;
using Entente.Tests.Storage;

namespace Entente.Tests.Retention;

public class RunRetentionTests
{
    private static readonly byte[] SubjectKey = RandomNumberGenerator.GetBytes(32);

    private static async Task<LedgerStore> LedgerAsync(TestStore test) => LedgerStore.Open(test.Database, test.Time);

    private static RunRetention Retention(TestStore test, LedgerStore ledger) =>
        new(new RetentionStore(ledger.Database, test.Time), ledger, () => SubjectKey, "GB", test.Time);

    private static async Task<RetentionReport> RunAsync(TestStore test, LedgerStore ledger, string period, string then, bool dryRun = false)
    {
        var result = await Retention(test, ledger).HandleAsync(new RunRetentionInput("retention", dryRun) { Period = period, Then = then });
        var ran = Assert.IsType<RunRetentionResult.Ran>(result);
        Assert.Equal(RetentionRule.Parse(period, then).ToString(), ran.Rule.ToString());
        return ran.Report;
    }

    [StoreTheory, BothStores]
    public async Task Erases_only_what_has_passed_its_period_and_records_each_erasure_first(StorageProvider provider)
    {
        await using var test = await TestStore.CreateAsync(provider);
        await using var ledger = await LedgerAsync(test);
        await test.Store.IngestAsync(DeclarationBuilder.Import("OLD").Declarant("GB100").Importer("GB200"));
        test.Time.Advance(TimeSpan.FromDays(200));
        await test.Store.IngestAsync(DeclarationBuilder.Import("RECENT").Declarant("GB100"));
        var old = (await test.Store.FindAsync("OLD"))!.Declaration.Id!;

        test.Time.Advance(TimeSpan.FromDays(100));
        var early = await RunAsync(test, ledger, "P1Y", "erase");
        Assert.Equal(0, early.Erased);
        Assert.Equal(0, (await ledger.GetHeadAsync()).Size);

        test.Time.Advance(TimeSpan.FromDays(66));
        var report = await RunAsync(test, ledger, "P1Y", "erase");

        Assert.Equal(1, report.Erased);
        Assert.Null(await test.Store.FindAsync("OLD"));
        Assert.NotNull(await test.Store.FindAsync("RECENT"));
        var entry = Assert.Single(report.LedgerEntries);
        var erasure = (await ledger.GetEntryAsync(entry))!.Entry;
        Assert.Equal(LedgerKinds.Erasure, erasure.Kind);
        Assert.Equal(old, erasure.Body["declaration"]!.GetValue<string>());
        Assert.Equal(test.Time.GetUtcNow(), erasure.At);
        Assert.DoesNotContain("GB200", Encoding.UTF8.GetString((await ledger.GetEntryAsync(entry))!.Bytes), StringComparison.Ordinal);

        var aboutImporter = await AuditTrail.AboutAsync(ledger, LedgerSubjects.Party(SubjectKey, "GB200"));
        Assert.Equal(LedgerKinds.Erasure, Assert.Single(aboutImporter).Kind);
        Assert.True((await ledger.VerifyAsync(null)).Problems.All(p => p.Contains("checkpoint", StringComparison.Ordinal)));
    }

    [StoreTheory, BothStores]
    public async Task A_review_rule_flags_instead_of_erasing_and_flags_once(StorageProvider provider)
    {
        await using var test = await TestStore.CreateAsync(provider);
        await using var ledger = await LedgerAsync(test);
        await test.Store.IngestAsync(DeclarationBuilder.Import("A").Declarant("GB100"));
        test.Time.Advance(TimeSpan.FromDays(190));

        var first = await RunAsync(test, ledger, "P6M", "review");
        var second = await RunAsync(test, ledger, "P6M", "review");

        Assert.Equal((0, 1L), (first.Erased, first.Flagged));
        Assert.Equal(0, second.Flagged);
        Assert.NotNull(await test.Store.FindAsync("A"));
        var flag = Assert.Single(await new RetentionStore(ledger.Database, test.Time).ListReviewsAsync(10));
        Assert.Equal(TestStore.Start.AddMonths(6), flag.DueAt);
        Assert.Equal(LedgerKinds.RetentionReview, (await ledger.GetEntryAsync(Assert.Single(first.LedgerEntries)))!.Entry.Kind);
    }

    [StoreTheory, BothStores]
    public async Task A_dry_run_counts_and_changes_nothing(StorageProvider provider)
    {
        await using var test = await TestStore.CreateAsync(provider);
        await using var ledger = await LedgerAsync(test);
        for (var i = 0; i < 3; i++) await test.Store.IngestAsync(DeclarationBuilder.Import($"D{i}").Declarant("GB100"));
        test.Time.Advance(TimeSpan.FromDays(800));

        var report = await RunAsync(test, ledger, "P2Y", "erase", dryRun: true);

        Assert.Equal(3, report.Erased);
        Assert.True(report.DryRun);
        Assert.Equal(3, await test.Store.CountAsync());
        Assert.Equal(0, (await ledger.GetHeadAsync()).Size);
    }

    [StoreTheory, BothStores]
    public async Task Erases_more_than_one_batch(StorageProvider provider)
    {
        await using var test = await TestStore.CreateAsync(provider);
        await using var ledger = await LedgerAsync(test);
        var batch = Enumerable.Range(0, RunRetention.BatchSize + 20).Select(i => (PendingDeclaration)DeclarationBuilder.Import($"B{i}").Declarant("GB100")).ToArray();
        await test.Store.IngestAsync(batch);
        test.Time.Advance(TimeSpan.FromDays(40));

        var report = await RunAsync(test, ledger, "P30D", "erase");

        Assert.Equal(RunRetention.BatchSize + 20, report.Erased);
        Assert.Equal(0, await test.Store.CountAsync());
        Assert.Equal(RunRetention.BatchSize + 20, (await ledger.GetHeadAsync()).Size);
    }

    [StoreTheory, BothStores]
    public async Task Without_a_period_from_the_input_or_the_settings_nothing_runs_and_a_bad_rule_is_refused(StorageProvider provider)
    {
        await using var test = await TestStore.CreateAsync(provider);
        await using var ledger = await LedgerAsync(test);
        await test.Store.IngestAsync(DeclarationBuilder.Import("OLD").Declarant("GB100"));
        test.Time.Advance(TimeSpan.FromDays(800));

        Assert.IsType<RunRetentionResult.NoPeriod>(await Retention(test, ledger).HandleAsync(new RunRetentionInput("retention")));
        var invalid = Assert.IsType<RunRetentionResult.InvalidRule>(
            await Retention(test, ledger).HandleAsync(new RunRetentionInput("retention") { Period = "P1Y", Then = "delete" }));

        Assert.Contains("erase or review", invalid.Reason, StringComparison.Ordinal);
        Assert.Equal(1, await test.Store.CountAsync());
        Assert.Equal(0, (await ledger.GetHeadAsync()).Size);
    }

    [StoreTheory, BothStores]
    public async Task The_node_s_rule_applies_unless_the_input_names_another(StorageProvider provider)
    {
        await using var test = await TestStore.CreateAsync(provider);
        await using var ledger = await LedgerAsync(test);
        await test.Store.IngestAsync(DeclarationBuilder.Import("OLD").Declarant("GB100"));
        test.Time.Advance(TimeSpan.FromDays(400));
        var retention = new RunRetention(new RetentionStore(ledger.Database, test.Time), ledger, () => SubjectKey, "GB", test.Time, "P2Y", "erase");

        var byNode = Assert.IsType<RunRetentionResult.Ran>(await retention.HandleAsync(new RunRetentionInput("retention", DryRun: true)));
        var byInput = Assert.IsType<RunRetentionResult.Ran>(await retention.HandleAsync(new RunRetentionInput("clerk") { Period = "P1Y" }));

        Assert.Equal(("declarations: P2Y then erase", 0L), (byNode.Rule.ToString(), byNode.Report.Erased));
        Assert.Equal(("declarations: P1Y then erase", 1L), (byInput.Rule.ToString(), byInput.Report.Erased));
        var erasure = (await ledger.GetEntryAsync(Assert.Single(byInput.Report.LedgerEntries)))!.Entry;
        Assert.Equal("clerk", erasure.Actor.User);
        Assert.Equal("GB", erasure.Actor.Authority);
    }

    [Theory]
    [InlineData("10Y", "erase", "ISO 8601 period")]
    [InlineData("P10Y", "delete", "erase or review")]
    public void A_bad_rule_says_what_was_expected(string period, string then, string expected)
    {
        var e = Assert.Throws<FormatException>(() => RetentionRule.Parse(period, then));
        Assert.Contains(expected, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_cutoff_is_the_period_before_now()
    {
        var rule = new RetentionRule(new Period(1, 2, 3, 4), RetentionEnd.Erase);
        var now = new DateTimeOffset(2027, 5, 20, 12, 0, 0, TimeSpan.Zero);
        Assert.Equal(new DateTimeOffset(2026, 3, 17, 8, 0, 0, TimeSpan.Zero), rule.Cutoff(now));
    }
}
