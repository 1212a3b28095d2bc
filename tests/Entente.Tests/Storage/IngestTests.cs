using Entente.Declarations;
using Entente.Storage;

namespace Entente.Tests.Storage;

public class IngestTests
{
    [StoreTheory, BothStores]
    public async Task A_stored_declaration_reads_back_whole_with_its_source_and_labels(StorageProvider provider)
    {
        await using var test = await TestStore.CreateAsync(provider);
        var declaration = DeclarationBuilder.Rich();

        var result = await test.Store.IngestAsync(new PendingDeclaration(declaration, new InspectionLabels(true, 2, 1234.5m), DeclarationFormat.Edifact, "cusdec-0314.edi"));

        Assert.Equal([null], result);
        Assert.NotNull(declaration.Id);
        var stored = await test.Store.GetAsync(declaration.Id);
        Assert.NotNull(stored);
        Assert.Equal(EntenteJson.Serialize(declaration), EntenteJson.Serialize(stored.Declaration));
        Assert.Equal(TestStore.Start, stored.ReceivedAt);
        Assert.Equal(DeclarationFormat.Edifact, stored.Format);
        Assert.Equal("cusdec-0314.edi", stored.SourceFile);
        Assert.Equal(new InspectionLabels(true, 2, 1234.5m), stored.Labels);
        Assert.DoesNotContain("fraud", EntenteJson.Serialize(stored.Declaration), StringComparison.OrdinalIgnoreCase);
    }

    [StoreTheory, BothStores]
    public async Task Ingest_assigns_a_uuid_v7_id_the_received_status_and_a_received_event(StorageProvider provider)
    {
        await using var test = await TestStore.CreateAsync(provider);
        var declaration = DeclarationBuilder.Import("LRN-1").Declarant("GB1").Build();
        declaration.Status = DeclarationStatus.Cleared;

        await test.Store.IngestAsync(new PendingDeclaration(declaration, null, DeclarationFormat.Json, "in.json"));

        var id = Guid.Parse(declaration.Id!);
        Assert.Equal(7, id.Version);
        Assert.Equal(DeclarationStatus.Received, declaration.Status);
        Assert.Equal(DeclarationStatus.Received, (await test.Store.GetAsync(declaration.Id!))!.Declaration.Status);
        var history = await test.Store.GetHistoryAsync(declaration.Id!);
        Assert.Equal([new StatusEvent(TestStore.Start, null, DeclarationStatus.Received, "ingest", "in.json")], history);
    }

    [StoreTheory, BothStores]
    public async Task Unknown_ids_and_references_find_nothing(StorageProvider provider)
    {
        await using var test = await TestStore.CreateAsync(provider);
        Assert.Null(await test.Store.GetAsync(Guid.CreateVersion7().ToString()));
        Assert.Null(await test.Store.FindAsync("NO-SUCH-LRN"));
        Assert.Null(await test.Store.FindAsync("  "));
    }

    [StoreTheory, BothStores]
    public async Task Disposing_a_session_without_commit_leaves_nothing_behind(StorageProvider provider)
    {
        await using var test = await TestStore.CreateAsync(provider);
        await using (var session = await test.Store.BeginIngestAsync())
        {
            await session.AddAsync([
                DeclarationBuilder.Import("LRN-1").Declarant("GB1").Importer("GB2").Item("847130", "CN", 10m).Container("CSQU3054383").Labelled(true),
                DeclarationBuilder.Import("LRN-2").Declarant("GB1").Item("850440", "VN", 20m),
            ]);
            await session.AddAsync([DeclarationBuilder.Import("LRN-3").Declarant("GB1").Item("0101", "FR", 5m)]);
        }

        foreach (var table in (string[])["declarations", "declaration_parties", "goods_items", "containers", "status_events", "inspection_labels"])
            Assert.Equal(0, await test.CountAsync($"SELECT count(*) FROM {table}"));

        Assert.Equal([null], await test.Store.IngestAsync(DeclarationBuilder.Import("LRN-1").Declarant("GB1")));
    }

    [StoreTheory, BothStores]
    public async Task A_committed_unit_writes_every_side_table(StorageProvider provider)
    {
        await using var test = await TestStore.CreateAsync(provider);
        await test.Store.IngestAsync(
            DeclarationBuilder.Import("LRN-1").Declarant("GB1").Importer("GB2").Item("847130", "CN", 10m).Item("8504", "VN").Container("CSQU3054383").Labelled(false),
            DeclarationBuilder.Import("LRN-2").Declarant("GB1"));

        Assert.Equal(2, await test.CountAsync("SELECT count(*) FROM declarations"));
        Assert.Equal(3, await test.CountAsync("SELECT count(*) FROM declaration_parties"));
        Assert.Equal(2, await test.CountAsync("SELECT count(*) FROM goods_items"));
        Assert.Equal(1, await test.CountAsync("SELECT count(*) FROM containers"));
        Assert.Equal(1, await test.CountAsync("SELECT count(*) FROM inspection_labels"));
        // The received event is the declaration's own received_at and source file: ingest writes no event row.
        Assert.Equal(0, await test.CountAsync("SELECT count(*) FROM status_events"));
    }

    [StoreTheory, BothStores]
    public async Task A_party_or_container_named_twice_in_one_declaration_is_stored_and_found_once(StorageProvider provider)
    {
        await using var test = await TestStore.CreateAsync(provider);
        var declaration = DeclarationBuilder.Import("LRN-1").Declarant("GB1").Party(PartyRole.Declarant, "GB1", "again")
            .Item("847130", "CN", 10m).Container("CSQU3054383").Container("csqu 305438-3");

        Assert.Equal([null], await test.Store.IngestAsync(declaration));

        Assert.Equal(2, (await test.Store.GetAsync(declaration.Build().Id!))!.Declaration.GoodsShipment.Consignment.Containers.Count);
        Assert.Single((await test.Store.SearchAsync(new() { ContainerId = "CSQU3054383" })).Items);
        Assert.Single((await test.Store.SearchAsync(new() { PartyId = "GB1" })).Items);
        Assert.Equal(1, await test.CountAsync("SELECT count(*) FROM containers"));
    }

    [StoreTheory, BothStores]
    public async Task A_prepared_declaration_is_stored_under_the_id_it_was_given_and_leaves_the_original_as_it_was(StorageProvider provider)
    {
        await using var test = await TestStore.CreateAsync(provider);
        var declaration = DeclarationBuilder.Import("LRN-1").Mrn("25GB000000000000A1").Declarant("GB1").Item("847130", "CN", 10m).Build();
        declaration.Status = DeclarationStatus.Cleared;

        var prepared = test.Store.Prepare(new PendingDeclaration(declaration, null, DeclarationFormat.Csv, "day.csv"));
        var again = test.Store.Prepare(new PendingDeclaration(declaration, null, DeclarationFormat.Csv, "day.csv"));
        await using (var session = await test.Store.BeginIngestAsync())
        {
            Assert.Equal([null, prepared.Id], await session.AddAsync([prepared, again]));
            await session.CommitAsync();
        }

        Assert.Null(declaration.Id);
        Assert.Equal(DeclarationStatus.Cleared, declaration.Status);
        var stored = await test.Store.GetAsync(prepared.Id);
        Assert.NotNull(stored);
        Assert.Equal(prepared.Id, stored.Declaration.Id);
        Assert.Equal(DeclarationStatus.Received, stored.Declaration.Status);
        Assert.Null(await test.Store.GetAsync(again.Id));
    }

    [StoreTheory, BothStores]
    public async Task Amounts_and_dates_read_back_as_written(StorageProvider provider)
    {
        await using var test = await TestStore.CreateAsync(provider);
        await test.Store.IngestAsync(
            DeclarationBuilder.Import("L1").AcceptedOn("2025-01-10").Invoice(100m, "EUR").Labelled(true, 2, 0.125m),
            DeclarationBuilder.Import("L2").AcceptedOn("2024-12-31").Item("0101", "FR", 1234.5678m));

        var listings = (await test.Store.SearchAsync(new())).Items.ToDictionary(l => l.Lrn!);
        Assert.Equal((100m, "EUR", new DateOnly(2025, 1, 10)), (listings["L1"].TotalValue, listings["L1"].Currency, listings["L1"].Date));
        Assert.Equal((1234.5678m, "EUR", new DateOnly(2024, 12, 31)), (listings["L2"].TotalValue, listings["L2"].Currency, listings["L2"].Date));
        Assert.Equal(new InspectionLabels(true, 2, 0.125m), (await test.Store.FindAsync("L1"))!.Labels);
        Assert.Equal(TestStore.Start, (await test.Store.FindAsync("L2"))!.ReceivedAt);
    }

    [StoreTheory, BothStores]
    public async Task The_same_mrn_in_a_later_batch_of_the_session_is_a_duplicate_of_the_first(StorageProvider provider)
    {
        await using var test = await TestStore.CreateAsync(provider);
        await using var session = await test.Store.BeginIngestAsync();
        var first = DeclarationBuilder.Import("LRN-A").Mrn("25GB000000000000A1").Declarant("GB1");
        Assert.Equal([null], await session.AddAsync([first]));

        var again = DeclarationBuilder.Import("LRN-B").Mrn("25GB000000000000A1").Declarant("GB9");
        var result = await session.AddAsync([again, DeclarationBuilder.Import("LRN-C").Declarant("GB1")]);
        Assert.Equal([first.Build().Id, null], result);
        await session.CommitAsync();

        Assert.Null(again.Build().Id);
        Assert.Equal(2, await test.Store.CountAsync());
    }

    [StoreTheory, BothStores]
    public async Task The_same_lrn_from_the_same_declarant_is_a_duplicate_within_one_batch(StorageProvider provider)
    {
        await using var test = await TestStore.CreateAsync(provider);
        var first = DeclarationBuilder.Import("LRN-1").Declarant("GB1");

        var result = await test.Store.IngestAsync(
            first,
            DeclarationBuilder.Import("LRN-1").Declarant("GB1").Item("0101"),
            DeclarationBuilder.Import(" LRN-1 ").Declarant("GB1"),
            DeclarationBuilder.Import("LRN-1").Declarant("GB2"),
            DeclarationBuilder.Import("LRN-1"));

        var id = first.Build().Id;
        Assert.Equal([null, id, id, null, null], result);
        Assert.Equal(3, await test.Store.CountAsync());
    }

    [StoreTheory, BothStores]
    public async Task A_declaration_already_committed_is_reported_as_the_duplicate_it_is(StorageProvider provider)
    {
        await using var test = await TestStore.CreateAsync(provider);
        var byMrn = DeclarationBuilder.Import("LRN-1").Mrn("25GB000000000000A1").Declarant("GB1");
        var byLrn = DeclarationBuilder.Import("LRN-2").Declarant("GB1");
        var noDeclarant = DeclarationBuilder.Import("LRN-3");
        await test.Store.IngestAsync(byMrn, byLrn, noDeclarant);
        test.Time.Advance(TimeSpan.FromDays(1));

        var result = await test.Store.IngestAsync(
            DeclarationBuilder.Import("LRN-OTHER").Mrn("25GB000000000000A1").Declarant("GB7"),
            DeclarationBuilder.Import("LRN-2").Declarant("GB1").Mrn("25GB000000000000B2"),
            DeclarationBuilder.Import("LRN-3"),
            DeclarationBuilder.Import("LRN-2").Declarant("GB3"));

        Assert.Equal([byMrn.Build().Id, byLrn.Build().Id, noDeclarant.Build().Id, null], result);
        Assert.Equal(4, await test.Store.CountAsync());
    }

    [StoreTheory, BothStores]
    public async Task Declarations_rolled_back_are_not_duplicates_later(StorageProvider provider)
    {
        await using var test = await TestStore.CreateAsync(provider);
        await using (var session = await test.Store.BeginIngestAsync())
            await session.AddAsync([DeclarationBuilder.Import("LRN-1").Mrn("25GB000000000000A1")]);

        Assert.Equal([null], await test.Store.IngestAsync(DeclarationBuilder.Import("LRN-1").Mrn("25GB000000000000A1")));
    }

    [StoreTheory, BothStores]
    public async Task A_committed_session_takes_no_more_declarations(StorageProvider provider)
    {
        await using var test = await TestStore.CreateAsync(provider);
        await using var session = await test.Store.BeginIngestAsync();
        await session.AddAsync([DeclarationBuilder.Import("L1")]);
        await session.CommitAsync();

        await Assert.ThrowsAsync<InvalidOperationException>(() => session.AddAsync([DeclarationBuilder.Import("L2")]));
        Assert.Equal(1, await test.Store.CountAsync());
    }

    [StoreTheory, BothStores]
    public async Task Sessions_running_at_the_same_time_each_store_their_own_unit(StorageProvider provider)
    {
        await using var test = await TestStore.CreateAsync(provider);
        var replica = test.Open();

        async Task IngestFile(IDeclarationStore store, string file)
        {
            await using var session = await store.BeginIngestAsync();
            for (var batch = 0; batch < 3; batch++)
            {
                var declarations = Enumerable.Range(0, 50)
                    .Select(i => DeclarationBuilder.Import($"{file}-{batch}-{i}").Declarant("GB1").Item("847130", "CN", 1m).From(file).Pending())
                    .ToList();
                Assert.All(await session.AddAsync(declarations), Assert.Null);
                await Task.Yield();
            }
            await session.CommitAsync();
        }

        await Task.WhenAll(Task.Run(() => IngestFile(test.Store, "a.csv")), Task.Run(() => IngestFile(replica, "b.csv")));

        Assert.Equal(300, await test.Store.CountAsync());
        Assert.Equal(300, await test.CountAsync("SELECT count(*) FROM goods_items"));
        Assert.Equal(150, await test.CountAsync("SELECT count(*) FROM declarations WHERE source_file = 'b.csv'"));
        Assert.Equal(300, await test.CountAsync("SELECT count(DISTINCT id) FROM declarations"));
    }
}
