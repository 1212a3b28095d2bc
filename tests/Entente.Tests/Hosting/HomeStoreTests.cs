using System.Text.Json.Nodes;
using Entente.Declarations;
using Entente.Hosting;
using Entente.Storage;
using Entente.Tests.Storage;
using Entente.Tools.Generation;
using Npgsql;

namespace Entente.Tests.Hosting;

/// <summary>Issue 15, item 4: the home records its store and every command with --home uses it.</summary>
public sealed class HomeStoreTests : IDisposable
{
    private readonly string folder = Path.Combine(Path.GetTempPath(), $"entente-homestore-{Guid.NewGuid():N}");
    private string Home => Path.Combine(folder, "home");

    public HomeStoreTests() => Directory.CreateDirectory(folder);

    public void Dispose() => Directory.Delete(folder, recursive: true);

    private string Declarations(int count)
    {
        var path = Path.Combine(folder, "batch.ndjson");
        File.WriteAllLines(path, new DeclarationGenerator(15).Generate(count).Select(r => EntenteJson.Serialize(r.Declaration!)));
        return path;
    }

    [StoreTheory, BothStores]
    public async Task A_home_initialised_on_a_store_ingests_into_it_and_lists_its_users_without_database(StorageProvider provider)
    {
        await using var test = await TestStore.CreateAsync(provider, migrate: false);
        string[] init = ["node", "init", "--home", Home, "--code", "GB", "--name", "HMRC"];
        if (provider == StorageProvider.PostgreSql) init = [.. init, "--database", test.Database];
        var (status, output, error) = await Support.Cli.Run(init);
        Assert.True(status == 0, error + output);

        (status, output, error) = await Support.Cli.Run("ingest", "--home", Home, Declarations(12));
        Assert.True(status == 0, error + output);
        (status, output, error) = await Support.Cli.Run("user", "list", "--home", Home);
        Assert.True(status == 0, error + output);
        Assert.Contains("admin", output, StringComparison.Ordinal);

        if (provider == StorageProvider.PostgreSql)
        {
            // Stored in PostgreSQL, and no SQLite file appeared beside it.
            Assert.False(File.Exists(Path.Combine(Home, "entente.db")), "a PostgreSQL home made entente.db");
            Assert.Equal(12L, await Count(test.Database, "SELECT count(*) FROM declarations"));
            Assert.Equal(1L, await Count(test.Database, "SELECT count(*) FROM api_users WHERE name = 'admin'"));
            var settings = File.ReadAllText(NodeHome.ConfigPath(Home));
            Assert.Contains("\"postgresql\"", settings, StringComparison.Ordinal);
            Assert.DoesNotContain("Host=", settings, StringComparison.OrdinalIgnoreCase);
        }
        else
        {
            Assert.True(File.Exists(Path.Combine(Home, "entente.db")));
        }
    }

    [Fact]
    public async Task A_postgresql_password_is_kept_out_of_entente_json_in_a_file_only_its_owner_reads()
    {
        var server = TestDatabases.Postgres;
        if (server is null) return;
        var name = "entente_test_" + Guid.NewGuid().ToString("N");
        await Admin(server, $"CREATE DATABASE \"{name}\"");
        try
        {
            var withPassword = new NpgsqlConnectionStringBuilder(server) { Database = name, Password = "s3cret-of-the-db" }.ConnectionString;
            var (status, output, error) = await Support.Cli.Run("node", "init", "--home", Home, "--code", "GB", "--name", "HMRC", "--database", withPassword);
            Assert.True(status == 0, error + output);
            Assert.DoesNotContain("s3cret", File.ReadAllText(NodeHome.ConfigPath(Home)), StringComparison.Ordinal);
            Assert.DoesNotContain("s3cret", output, StringComparison.Ordinal);
            var secret = Path.Combine(Home, NodeStore.DefaultConnectionFile);
            Assert.Contains("s3cret", File.ReadAllText(secret), StringComparison.Ordinal);
            if (!OperatingSystem.IsWindows()) Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(secret));
        }
        finally
        {
            await Admin(server, $"DROP DATABASE \"{name}\" WITH (FORCE)");
        }
    }

    [Fact]
    public async Task A_postgresql_store_may_be_named_by_an_environment_variable()
    {
        var server = TestDatabases.Postgres;
        if (server is null) return;
        await using var test = await TestStore.CreateAsync(StorageProvider.PostgreSql, migrate: false);
        var variable = "ENTENTE_TEST_STORE_" + Guid.NewGuid().ToString("N")[..8].ToUpperInvariant();
        Environment.SetEnvironmentVariable(variable, test.Database);
        try
        {
            var (status, output, error) = await Support.Cli.Run("node", "init", "--home", Home, "--code", "GB", "--name", "HMRC", "--database-env", variable);
            Assert.True(status == 0, error + output);
            var store = JsonNode.Parse(File.ReadAllText(NodeHome.ConfigPath(Home)))!["Entente"]!["Store"]!;
            Assert.Equal(variable, store["ConnectionStringEnvironment"]!.GetValue<string>());
            Assert.Equal(1L, await Count(test.Database, "SELECT count(*) FROM api_users"));

            Environment.SetEnvironmentVariable(variable, null);
            // The variable the home names is not set where the command runs: an environment error (3), never a fork into SQLite.
            (status, _, error) = await Support.Cli.Run("user", "list", "--home", Home);
            Assert.Equal(3, status);
            Assert.Contains(variable, error, StringComparison.Ordinal);
            Assert.False(File.Exists(Path.Combine(Home, "entente.db")));
        }
        finally
        {
            Environment.SetEnvironmentVariable(variable, null);
        }
    }

    [StoreTheory, BothStores]
    public async Task A_database_other_than_the_home_records_is_refused_naming_both(StorageProvider provider)
    {
        await using var test = await TestStore.CreateAsync(provider, migrate: false);
        string[] init = ["node", "init", "--home", Home, "--code", "GB", "--name", "HMRC"];
        if (provider == StorageProvider.PostgreSql) init = [.. init, "--database", test.Database];
        Assert.Equal(0, (await Support.Cli.Run(init)).Status);
        var other = provider == StorageProvider.PostgreSql ? Path.Combine(folder, "other.db")
            : TestDatabases.Postgres is { } server ? new NpgsqlConnectionStringBuilder(server) { Database = "elsewhere" }.ConnectionString : Path.Combine(folder, "other.db");

        var (status, output, error) = await Support.Cli.Run("user", "list", "--home", Home, "--database", other);
        Assert.Equal(2, status);
        Assert.Contains("--database names", error, StringComparison.Ordinal);
        Assert.Contains(NodeStore.Describe(other), error, StringComparison.Ordinal);
        Assert.Contains(NodeStore.Describe(provider == StorageProvider.PostgreSql ? test.Database : Path.Combine(Home, "entente.db")), error, StringComparison.Ordinal);
        Assert.DoesNotContain("admin", output, StringComparison.Ordinal);
        Assert.False(File.Exists(Path.Combine(folder, "other.db")));

        // The same store named again is fine.
        var same = provider == StorageProvider.PostgreSql ? test.Database : Path.Combine(Home, "entente.db");
        (status, output, error) = await Support.Cli.Run("user", "list", "--home", Home, "--database", same);
        Assert.True(status == 0, error);
        Assert.Contains("admin", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_old_home_without_a_recorded_store_keeps_its_sqlite_file_and_an_old_postgresql_home_never_makes_one()
    {
        Assert.Equal(0, (await Support.Cli.Run("node", "init", "--home", Home, "--code", "GB", "--name", "HMRC")).Status);
        var settings = JsonNode.Parse(File.ReadAllText(NodeHome.ConfigPath(Home)))!;
        settings["Entente"]!.AsObject().Remove("Store");
        File.WriteAllText(NodeHome.ConfigPath(Home), settings.ToJsonString());

        var (status, output, error) = await Support.Cli.Run("user", "list", "--home", Home);
        Assert.True(status == 0, error);
        Assert.Contains("admin", output, StringComparison.Ordinal);

        // Without its entente.db, such a home was made on PostgreSQL: no new empty SQLite node is made in its place.
        foreach (var file in Directory.GetFiles(Home, "entente.db*")) File.Delete(file);
        (status, _, error) = await Support.Cli.Run("user", "list", "--home", Home);
        Assert.Equal(2, status);
        Assert.Contains("--database", error, StringComparison.Ordinal);
        Assert.False(File.Exists(Path.Combine(Home, "entente.db")));
    }

    private static async Task<long> Count(string database, string sql)
    {
        await using var connection = new NpgsqlConnection(database);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        return (long)(await command.ExecuteScalarAsync())!;
    }

    private static async Task Admin(string server, string sql)
    {
        await using var connection = new NpgsqlConnection(server);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }
}
