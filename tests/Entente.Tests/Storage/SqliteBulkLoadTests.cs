using Entente.Storage;
using Microsoft.Data.Sqlite;

namespace Entente.Tests.Storage;

// A first load into an empty SQLite store builds the scattered search indexes and the party b-tree after the rows.
// What a user depends on: the store afterwards is the same one (WAL, every index, every search), a failed load leaves
// nothing, and a node that is serving is never blocked by it.
public class SqliteBulkLoadTests
{
    [Fact]
    public async Task A_first_load_into_an_empty_store_leaves_every_index_searchable_and_the_file_in_wal()
    {
        await using var test = await TestStore.CreateAsync(StorageProvider.Sqlite);
        var schemaBefore = await SchemaAsync(test);

        await test.Store.IngestAsync(
            DeclarationBuilder.Import("LRN-1").Declarant("GB1").Importer("GB2").Item("847130", "CN", 10m).Container("CSQU3054383"),
            DeclarationBuilder.Import("LRN-2").Declarant("GB1").Importer("GB3").Item("850440", "VN", 20m).Item("847150", "CN"));

        Assert.Equal(schemaBefore, await SchemaAsync(test));
        Assert.Equal("wal", await JournalModeAsync(test));
        Assert.Equal(["LRN-1", "LRN-2"], await LrnsAsync(test.Store, new DeclarationQuery { HsPrefix = "8471" }));
        Assert.Equal(["LRN-2"], await LrnsAsync(test.Store, new DeclarationQuery { OriginCountryCode = "VN" }));
        Assert.Equal(["LRN-2"], await LrnsAsync(test.Store, new DeclarationQuery { PartyId = "GB3" }));
        Assert.Equal(["LRN-1", "LRN-2"], await LrnsAsync(test.Store, new DeclarationQuery { PartyId = "GB1" }));
        Assert.Equal(3, await test.CountAsync("SELECT count(*) FROM goods_items INDEXED BY goods_items_hs_code WHERE hs_code >= '8'"));
        Assert.Equal(4, await test.CountAsync("SELECT count(*) FROM declaration_parties"));
        Assert.Equal("ok", await ScalarAsync(test, "PRAGMA integrity_check"));
    }

    [Fact]
    public async Task A_bulk_load_that_is_not_committed_leaves_the_indexes_and_wal_as_they_were()
    {
        await using var test = await TestStore.CreateAsync(StorageProvider.Sqlite);
        var schemaBefore = await SchemaAsync(test);

        await using (var session = await test.Store.BeginIngestAsync())
        {
            await session.AddAsync([DeclarationBuilder.Import("LRN-1").Declarant("GB1").Item("847130", "CN", 10m)]);
        }

        Assert.Equal(schemaBefore, await SchemaAsync(test));
        Assert.Equal("wal", await JournalModeAsync(test));
        Assert.Equal(0, await test.CountAsync("SELECT count(*) FROM declarations"));
        Assert.Equal(0, await test.CountAsync("SELECT count(*) FROM declaration_parties"));
    }

    [Fact]
    public async Task A_load_while_another_connection_reads_stays_in_wal_and_does_not_wait_for_the_reader()
    {
        await using var test = await TestStore.CreateAsync(StorageProvider.Sqlite);
        await using var reader = (SqliteConnection)test.Connect();
        await reader.OpenAsync();
        await using var snapshot = reader.BeginTransaction(deferred: true);
        await using (var read = reader.CreateCommand())
        {
            read.CommandText = "SELECT count(*) FROM declarations";
            Assert.Equal(0L, await read.ExecuteScalarAsync());
        }

        // Under a rollback journal the commit would wait for the open read (the busy timeout is 30 s); the load stays in WAL.
        var load = test.Store.IngestAsync(DeclarationBuilder.Import("LRN-1").Declarant("GB1").Item("847130", "CN", 10m));
        var finished = await Task.WhenAny(load, Task.Delay(TimeSpan.FromSeconds(10)));

        Assert.Same(load, finished);
        Assert.Equal([null], await load);
        Assert.Equal("wal", await JournalModeAsync(test));
        Assert.Equal(["LRN-1"], await LrnsAsync(test.Store, new DeclarationQuery { HsPrefix = "84" }));
    }

    private static async Task<List<string?>> LrnsAsync(IDeclarationStore store, DeclarationQuery query) =>
        [.. (await store.SearchAsync(query)).Items.Select(i => i.Lrn).Order()];

    private static async Task<string> SchemaAsync(TestStore test)
    {
        await using var connection = (SqliteConnection)test.Connect();
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT group_concat(type || ' ' || name || ': ' || coalesce(sql, ''), char(10)) FROM " +
                              "(SELECT type, name, sql FROM sqlite_master ORDER BY type, name)";
        return (string)(await command.ExecuteScalarAsync())!;
    }

    private static async Task<string> JournalModeAsync(TestStore test) => await ScalarAsync(test, "PRAGMA journal_mode");

    private static async Task<string> ScalarAsync(TestStore test, string sql)
    {
        await using var connection = (SqliteConnection)test.Connect();
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        return (string)(await command.ExecuteScalarAsync())!;
    }
}
