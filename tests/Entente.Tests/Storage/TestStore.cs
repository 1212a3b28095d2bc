using System.Data.Common;
using System.Security.Cryptography;
using System.Text;
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
            // A migrated store is a copy of the migrated template; MigrateAsync below then finds its schema current.
            await AdminAsync(server, migrate ? $"CREATE DATABASE \"{name}\" TEMPLATE \"{await MigratedTemplateAsync(server)}\"" : $"CREATE DATABASE \"{name}\"");
            var builder = new NpgsqlConnectionStringBuilder(server) { Database = name };
            store = new TestStore(provider, builder.ConnectionString, time, () => AdminAsync(server, $"DROP DATABASE \"{name}\" WITH (FORCE)"));
        }
        if (migrate) await store.Store.MigrateAsync();
        return store;
    }

    private static readonly SemaphoreSlim TemplateGate = new(1, 1);
    private static string? _template;

    /// <summary>
    /// A PostgreSQL database with every migration applied, named after the migrations' text, from which each migrated
    /// test store is copied (CREATE DATABASE ... TEMPLATE): the schema of running every script, without running them
    /// for each of the hundreds of stores. Built under a name of its own and renamed when complete, so a test run
    /// beside this one never copies a half-migrated template; kept on the server for the next run.
    /// </summary>
    private static async Task<string> MigratedTemplateAsync(string server)
    {
        await TemplateGate.WaitAsync();
        try
        {
            if (_template is not null) return _template;
            var text = string.Join("\n", Migrations.For("postgres").Select(m => $"{m.Version} {m.Name}\n{m.Sql}"));
            var name = "entente_template_" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)))[..16];
            if (!await TemplateExistsAsync(server, name))
            {
                var building = name + "_" + Guid.NewGuid().ToString("N")[..8];
                await AdminAsync(server, $"CREATE DATABASE \"{building}\"");
                var database = new NpgsqlConnectionStringBuilder(server) { Database = building, Pooling = false }.ConnectionString;
                await using (var store = DeclarationStores.Open(database, new FakeTimeProvider(Start))) await store.MigrateAsync();
                try
                {
                    await AdminAsync(server, $"ALTER DATABASE \"{building}\" RENAME TO \"{name}\"");
                }
                catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.DuplicateDatabase)
                {
                    // Another test run made it meanwhile, from the same migrations.
                    await AdminAsync(server, $"DROP DATABASE \"{building}\" WITH (FORCE)");
                }
            }
            return _template = name;
        }
        finally
        {
            TemplateGate.Release();
        }
    }

    private static async Task<bool> TemplateExistsAsync(string server, string name)
    {
        await using var connection = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(server) { Pooling = false }.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("SELECT count(*) FROM pg_database WHERE datname = @name", connection);
        command.Parameters.AddWithValue("name", name);
        return Convert.ToInt64(await command.ExecuteScalarAsync(), System.Globalization.CultureInfo.InvariantCulture) == 1;
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
