using Entente.Declarations;
using Entente.Storage;
using Npgsql;

namespace Entente.Tests.Storage;

/// <summary>Replicas sharing one PostgreSQL: what happens when two open units hold the same declaration.</summary>
public class PostgresSessionTests
{
    [PostgresFact]
    public async Task A_session_adding_what_another_open_session_added_waits_then_fails_without_corrupting_either()
    {
        await using var test = await TestStore.CreateAsync(StorageProvider.PostgreSql);
        var replica = test.Open();
        var first = DeclarationBuilder.Import("LRN-1").Mrn("25GB000000000000A1").Declarant("GB1").Item("847130", "CN", 1m);

        await using var a = await test.Store.BeginIngestAsync();
        Assert.Equal([null], await a.AddAsync([first]));

        await using var b = await replica.BeginIngestAsync();
        var second = b.AddAsync([DeclarationBuilder.Import("LRN-9").Mrn("25GB000000000000A1").Declarant("GB2").Item("0101", "FR", 2m)]);
        await WaitUntilBlockedAsync(test);
        Assert.False(second.IsCompleted);

        await a.CommitAsync();
        var conflict = await Assert.ThrowsAsync<PostgresException>(() => second);
        Assert.Equal(PostgresErrorCodes.UniqueViolation, conflict.SqlState);
        await b.DisposeAsync();

        Assert.Equal(1, await test.Store.CountAsync());
        Assert.Equal(1, await test.CountAsync("SELECT count(*) FROM goods_items"));
        Assert.Equal("LRN-1", (await test.Store.FindAsync("25GB000000000000A1"))!.Declaration.Lrn);

        // Retrying the failed unit now reports the declaration as the duplicate it is.
        Assert.Equal([first.Build().Id], await replica.IngestAsync(DeclarationBuilder.Import("LRN-9").Mrn("25GB000000000000A1").Declarant("GB2")));
    }

    [PostgresFact]
    public async Task A_declaration_prepared_by_an_sqlite_store_is_refused_not_written_without_its_document()
    {
        await using var postgres = await TestStore.CreateAsync(StorageProvider.PostgreSql);
        await using var sqlite = await TestStore.CreateAsync(StorageProvider.Sqlite);
        var prepared = sqlite.Store.Prepare(new PendingDeclaration(
            DeclarationBuilder.Import("LRN-7").Declarant("GB1").Item("847130", "CN", 1m).Build(), null, Entente.Declarations.DeclarationFormat.Json, "one.json"));

        await using (var session = await postgres.Store.BeginIngestAsync())
        {
            var refused = await Assert.ThrowsAsync<ArgumentException>(() => session.AddAsync([prepared]));
            Assert.Contains("prepared by an SQLite store", refused.Message, StringComparison.Ordinal);
        }

        Assert.Equal(0, await postgres.Store.CountAsync());
    }

    private static async Task WaitUntilBlockedAsync(TestStore test)
    {
        var database = new NpgsqlConnectionStringBuilder(test.Database).Database;
        for (var attempt = 0; attempt < 200; attempt++)
        {
            var waiting = await test.CountAsync(
                $"SELECT count(*) FROM pg_stat_activity WHERE datname = '{database}' AND wait_event_type = 'Lock'");
            if (waiting > 0) return;
            await Task.Delay(50);
        }
        Assert.Fail("the second session never waited on the first");
    }
}
