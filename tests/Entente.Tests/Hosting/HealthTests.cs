using System.Net;
using System.Text.Json.Nodes;
using Entente.Storage;
using Entente.Tests.Storage;
using Entente.Tests.Support;

namespace Entente.Tests.Hosting;

/// <summary>The probes an orchestrator uses (issue 13): anonymous, live while the process runs, ready only with a working database, ledger and dispatcher.</summary>
public sealed class HealthTests
{
    [StoreTheory, BothStores]
    public async Task A_running_node_is_live_and_ready_with_its_database_ledger_and_dispatcher_named(StorageProvider provider)
    {
        await using var postgres = provider == StorageProvider.PostgreSql ? await TestStore.CreateAsync(provider, migrate: false) : null;
        await using var node = await NodeProcess.StartAsync(postgres?.Database);
        using var anonymous = node.Client();
        await node.WaitReadyAsync();

        var live = await anonymous.GetAsync(new Uri("/health/live", UriKind.Relative));
        Assert.Equal(HttpStatusCode.OK, live.StatusCode);
        Assert.Equal("healthy", JsonNode.Parse(await live.Content.ReadAsStringAsync())!["status"]!.GetValue<string>());

        var ready = await anonymous.GetAsync(new Uri("/health/ready", UriKind.Relative));
        var answer = JsonNode.Parse(await ready.Content.ReadAsStringAsync())!;
        Assert.Equal(HttpStatusCode.OK, ready.StatusCode);
        var checks = answer["checks"]!.AsObject();
        Assert.Equal(["database", "exchange-dispatcher", "ledger", "warm-up"], checks.Select(c => c.Key).Order(StringComparer.Ordinal));
        Assert.All(checks, c => Assert.Equal("healthy", c.Value!["status"]!.GetValue<string>()));
        Assert.Contains("schema current", checks["database"]!["description"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.StartsWith("warmed up in", checks["warm-up"]!["description"]!.GetValue<string>(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_node_whose_database_schema_is_behind_is_live_but_not_ready()
    {
        await using var node = await NodeProcess.StartAsync();
        using var anonymous = node.Client();
        // Another process takes the schema back one migration, as an older backup restored under a running node would.
        await using (var connection = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={Path.Combine(node.Home, "entente.db")}"))
        {
            await connection.OpenAsync();
            await using var command = connection.CreateCommand();
            command.CommandText = "DELETE FROM schema_migrations WHERE version = (SELECT MAX(version) FROM schema_migrations)";
            Assert.Equal(1, await command.ExecuteNonQueryAsync());
        }

        Assert.Equal(HttpStatusCode.OK, (await anonymous.GetAsync(new Uri("/health/live", UriKind.Relative))).StatusCode);
        var ready = await anonymous.GetAsync(new Uri("/health/ready", UriKind.Relative));
        Assert.Equal(HttpStatusCode.ServiceUnavailable, ready.StatusCode);
        var database = JsonNode.Parse(await ready.Content.ReadAsStringAsync())!["checks"]!["database"]!;
        Assert.Equal("unhealthy", database["status"]!.GetValue<string>());
        Assert.StartsWith("the schema is at migration", database["description"]!.GetValue<string>(), StringComparison.Ordinal);
    }
}
