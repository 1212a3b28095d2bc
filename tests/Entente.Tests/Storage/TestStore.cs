using System.Data.Common;
using Entente.Storage;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Time.Testing;
using Npgsql;

namespace Entente.Tests.Storage;

public static class TestDatabases
{
    public const string PostgresVariable = "ENTENTE_TEST_POSTGRES";

    /// <summary>An Npgsql connection string to a server where the user may CREATE DATABASE.</summary>
    public static string? Postgres => Environment.GetEnvironmentVariable(PostgresVariable) is { Length: > 0 } value ? value : null;

    public static bool IsCi => string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase);

    public static string? PostgresSkipReason => Postgres is null && !IsCi
        ? $"PostgreSQL case skipped: set {PostgresVariable} to an Npgsql connection string of a server where the user may CREATE DATABASE, " +
          "or run ./test.sh, which starts a throwaway server"
        : null;

    public static string RequirePostgres() => Postgres ?? throw new InvalidOperationException(
        $"{PostgresVariable} is not set and CI=true requires the PostgreSQL cases to run: use ./test.sh, which starts a server and sets it");
}

/// <summary>A fresh, migrated store for one test: a temp SQLite file, or a new PostgreSQL database dropped afterwards.</summary>
public sealed class TestStore : IAsyncDisposable
{
    private readonly List<IDeclarationStore> _opened = [];
    private readonly Func<Task> _cleanup;

    private TestStore(StorageProvider provider, string database, FakeTimeProvider time, Func<Task> cleanup)
    {
        Provider = provider;
        Database = database;
        Time = time;
        _cleanup = cleanup;
        Store = Open();
    }

    public StorageProvider Provider { get; }

    /// <summary>The setting that opens this store (a file path or an Npgsql connection string).</summary>
    public string Database { get; }

    public FakeTimeProvider Time { get; }

    public IDeclarationStore Store { get; }

    public static readonly DateTimeOffset Start = new(2025, 3, 14, 9, 30, 0, TimeSpan.Zero);

    public static async Task<TestStore> CreateAsync(StorageProvider provider, bool migrate = true)
    {
        var time = new FakeTimeProvider(Start);
        TestStore store;
        if (provider == StorageProvider.Sqlite)
        {
            var directory = Directory.CreateTempSubdirectory("entente-store-");
            store = new TestStore(provider, Path.Combine(directory.FullName, "node.db"), time, () =>
            {
                directory.Delete(recursive: true);
                return Task.CompletedTask;
            });
        }
        else
        {
            var server = TestDatabases.RequirePostgres();
            var name = "entente_test_" + Guid.NewGuid().ToString("N");
            await AdminAsync(server, $"CREATE DATABASE \"{name}\"");
            var builder = new NpgsqlConnectionStringBuilder(server) { Database = name };
            store = new TestStore(provider, builder.ConnectionString, time, () => AdminAsync(server, $"DROP DATABASE \"{name}\" WITH (FORCE)"));
        }
        if (migrate) await store.Store.MigrateAsync();
        return store;
    }

    /// <summary>Another store instance on the same database, as a second replica of the node would open it.</summary>
    public IDeclarationStore Open()
    {
        var store = DeclarationStores.Open(Database, Time);
        _opened.Add(store);
        return store;
    }

    /// <summary>Runs a query straight on the database, for what the store does not expose (side tables, schema).</summary>
    public async Task<long> CountAsync(string sql)
    {
        await using var connection = Connect();
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        return Convert.ToInt64(await command.ExecuteScalarAsync(), System.Globalization.CultureInfo.InvariantCulture);
    }

    public DbConnection Connect() => Provider == StorageProvider.Sqlite
        ? new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = Database, Pooling = false }.ToString())
        : new NpgsqlConnection(new NpgsqlConnectionStringBuilder(Database) { Pooling = false }.ConnectionString);

    public async ValueTask DisposeAsync()
    {
        foreach (var store in _opened) await store.DisposeAsync();
        await _cleanup();
    }

    private static async Task AdminAsync(string server, string sql)
    {
        await using var connection = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(server) { Pooling = false }.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }
}
