using System.Data.Common;
using Entente.Storage;

namespace Entente.Tests.Storage;

public class MigrationTests
{
    [Fact]
    public void Both_providers_embed_the_same_migration_versions()
    {
        var sqlite = Migrations.For("sqlite").Select(m => (m.Version, m.Name)).ToList();
        var postgres = Migrations.For("postgres").Select(m => (m.Version, m.Name)).ToList();
        Assert.Equal(sqlite, postgres);
        Assert.Equal((1, "initial"), sqlite[0]);
        Assert.Contains("CREATE TABLE declarations", Migrations.For("postgres")[0].Sql, StringComparison.Ordinal);
    }

    [StoreTheory, BothStores]
    public async Task Migrating_twice_applies_each_version_once_and_keeps_the_data(StorageProvider provider)
    {
        await using var test = await TestStore.CreateAsync(provider);
        await test.Store.IngestAsync(DeclarationBuilder.Import("LRN-1").Declarant("GB1").Item("847130", "CN", 10m));

        await test.Store.MigrateAsync();
        await using var replica = test.Open();
        await replica.MigrateAsync();

        var versions = Migrations.For(provider == StorageProvider.Sqlite ? "sqlite" : "postgres").Count;
        Assert.Equal(versions, await test.CountAsync("SELECT count(*) FROM schema_migrations"));
        Assert.Equal(1, await test.Store.CountAsync());
    }

    [StoreTheory, BothStores]
    public async Task Opening_a_store_does_not_create_the_schema(StorageProvider provider)
    {
        await using var test = await TestStore.CreateAsync(provider, migrate: false);

        await Assert.ThrowsAnyAsync<DbException>(() => test.Store.CountAsync());

        await test.Store.MigrateAsync();
        Assert.Equal(0, await test.Store.CountAsync());
    }

    [StoreTheory, BothStores]
    public async Task Replicas_migrating_at_the_same_time_both_succeed(StorageProvider provider)
    {
        await using var test = await TestStore.CreateAsync(provider, migrate: false);
        var replicas = Enumerable.Range(0, 4).Select(_ => test.Open()).ToList();

        await Task.WhenAll(replicas.Select(r => Task.Run(() => r.MigrateAsync())));

        Assert.Equal(1, await test.CountAsync("SELECT count(*) FROM schema_migrations WHERE version = 1"));
        Assert.Equal(0, await test.Store.CountAsync());
    }

    [Fact]
    public async Task A_sqlite_store_keeps_its_file_in_wal_mode()
    {
        await using var test = await TestStore.CreateAsync(StorageProvider.Sqlite);
        await using var connection = test.Connect();
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = "PRAGMA journal_mode";
        Assert.Equal("wal", await command.ExecuteScalarAsync());
    }

    [StoreTheory, BothStores]
    public async Task The_provider_is_the_one_the_setting_names(StorageProvider provider)
    {
        await using var test = await TestStore.CreateAsync(provider, migrate: false);
        Assert.Equal(provider, test.Store.Provider);
        Assert.Equal(provider, DeclarationStores.ProviderOf(test.Database));
    }
}
