using Entente.Retention;
using Entente.Storage;
using Entente.Tests.Storage;

namespace Entente.Tests.Retention;

public class RetentionStoreTests
{
    [StoreTheory, BothStores]
    public async Task Lists_what_was_received_before_a_time_oldest_first_with_its_parties(StorageProvider provider)
    {
        await using var test = await TestStore.CreateAsync(provider);
        await using var database = NodeDatabase.Open(test.Database);
        var retention = new RetentionStore(database, test.Time);
        await test.Store.IngestAsync(DeclarationBuilder.Import("OLD1").Declarant("GB100").Importer("GB200").Item("847130", "CN", 10m));
        test.Time.Advance(TimeSpan.FromDays(1));
        await test.Store.IngestAsync(DeclarationBuilder.Import("OLD2").Declarant("GB100"));
        test.Time.Advance(TimeSpan.FromDays(30));
        await test.Store.IngestAsync(DeclarationBuilder.Import("NEW").Declarant("GB300"));

        var held = await retention.ListReceivedBeforeAsync(TestStore.Start.AddDays(2), 100);

        Assert.Equal(["OLD1", "OLD2"], await LrnsAsync(test, held));
        Assert.Equal(TestStore.Start, held[0].ReceivedAt);
        Assert.Equal(["GB100", "GB200"], held[0].PartyIds.Order());
        Assert.Single(await retention.ListReceivedBeforeAsync(TestStore.Start.AddDays(2), 1));
        Assert.Empty(await retention.ListReceivedBeforeAsync(TestStore.Start, 100));
    }

    [StoreTheory, BothStores]
    public async Task Erasing_leaves_nothing_of_the_declaration_and_keeps_the_others(StorageProvider provider)
    {
        await using var test = await TestStore.CreateAsync(provider);
        await using var database = NodeDatabase.Open(test.Database);
        var retention = new RetentionStore(database, test.Time);
        await test.Store.IngestAsync(DeclarationBuilder.Import("GONE").Declarant("GB100").Item("847130", "CN", 10m).Container("CSQU3054383").Labelled(true, 1, 5m));
        await test.Store.IngestAsync(DeclarationBuilder.Import("KEPT").Declarant("GB100").Item("847130", "CN", 10m));
        var gone = (await test.Store.FindAsync("GONE"))!.Declaration.Id!;
        await test.Store.ChangeStatusAsync(gone, Entente.Declarations.DeclarationStatus.Accepted, "officer", null);

        Assert.Equal(1, await retention.EraseAsync([gone, "no-such-id"]));

        Assert.Null(await test.Store.FindAsync("GONE"));
        Assert.NotNull(await test.Store.FindAsync("KEPT"));
        Assert.Equal(1, await test.Store.CountAsync());
        Assert.Equal(1, await test.CountAsync("SELECT count(*) FROM declaration_parties"));
        Assert.Equal(1, await test.CountAsync("SELECT count(*) FROM goods_items"));
        Assert.Equal(0, await test.CountAsync("SELECT count(*) FROM inspection_labels"));
        Assert.Equal(0, await test.CountAsync("SELECT count(*) FROM containers"));
        Assert.Equal(0, await test.CountAsync("SELECT count(*) FROM status_events"));
        Assert.Single((await test.Store.SearchAsync(new DeclarationQuery { PartyId = "GB100" })).Items);
    }

    [StoreTheory, BothStores]
    public async Task A_flag_for_review_is_set_once_and_takes_the_declaration_off_the_list(StorageProvider provider)
    {
        await using var test = await TestStore.CreateAsync(provider);
        await using var database = NodeDatabase.Open(test.Database);
        var retention = new RetentionStore(database, test.Time);
        await test.Store.IngestAsync(DeclarationBuilder.Import("A").Declarant("GB100"));
        await test.Store.IngestAsync(DeclarationBuilder.Import("B").Declarant("GB100"));
        test.Time.Advance(TimeSpan.FromDays(400));
        var held = await retention.ListReceivedBeforeAsync(test.Time.GetUtcNow(), 100);
        var due = TestStore.Start.AddDays(365);

        await retention.FlagForReviewAsync([(held[0].Id, due)], "declarations: P1Y then review");
        test.Time.Advance(TimeSpan.FromDays(1));
        await retention.FlagForReviewAsync([(held[0].Id, due.AddDays(1))], "again");

        var flag = Assert.Single(await retention.ListReviewsAsync(10));
        Assert.Equal(new ReviewFlag(held[0].Id, due, TestStore.Start.AddDays(400), "declarations: P1Y then review"), flag);
        Assert.Equal([held[1].Id], (await retention.ListReceivedBeforeAsync(test.Time.GetUtcNow(), 100)).Select(h => h.Id));
        Assert.Equal(1, await retention.EraseAsync([held[0].Id]));
        Assert.Empty(await retention.ListReviewsAsync(10));
    }

    private static async Task<List<string?>> LrnsAsync(TestStore test, IReadOnlyList<HeldDeclaration> held)
    {
        var lrns = new List<string?>();
        foreach (var h in held) lrns.Add((await test.Store.GetAsync(h.Id))!.Declaration.Lrn);
        return lrns;
    }
}
