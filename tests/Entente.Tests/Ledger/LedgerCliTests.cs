using System.Text.Json;
using System.Text.Json.Nodes;
using Entente.Hosting;
using Entente.Identity;
using Entente.Ledger;
using Microsoft.Data.Sqlite;

namespace Entente.Tests.Ledger;

public sealed class LedgerCliTests : IDisposable
{
    private readonly DirectoryInfo _directory = Directory.CreateTempSubdirectory("entente-ledger-cli-");

    private string Home => Path.Combine(_directory.FullName, "node");

    private async Task<string> NodeWithEntriesAsync(int count)
    {
        Assert.Equal(0, (await Support.Cli.Run("node", "init", "--home", Home, "--code", "KR", "--name", "Korea Customs Service")).Status);
        var database = NodeHome.Load(Home).DatabaseOrDefault;
        await using var ledger = LedgerStore.Open(database, TimeProvider.System);
        for (var i = 0; i < count; i++)
            await ledger.AppendAsync(LedgerKinds.PolicyDecision, new LedgerActor("kim", "KR"), new JsonObject { ["n"] = i });
        return database;
    }

    [Fact]
    public async Task Checkpoint_then_verify_passes_and_prove_prints_a_proof_an_independent_verifier_accepts()
    {
        await NodeWithEntriesAsync(9);
        var (status, note, error) = await Support.Cli.Run("ledger", "checkpoint", "--home", Home);
        Assert.True(status == 0, error);
        Assert.StartsWith("entente/KR/ledger\n9\n", note, StringComparison.Ordinal);

        (status, var output, error) = await Support.Cli.Run("ledger", "verify", "--home", Home, "--json");
        Assert.True(status == 0, output + error);
        var verified = JsonNode.Parse(output)!;
        Assert.True(verified["ok"]!.GetValue<bool>());
        Assert.Equal(9, verified["size"]!.GetValue<long>());

        (status, output, error) = await Support.Cli.Run("ledger", "prove", "--home", Home, "--entry", "4", "--json");
        Assert.True(status == 0, error);
        using var proof = JsonDocument.Parse(output);
        var p = proof.RootElement;
        var entry = Convert.FromBase64String(p.GetProperty("entry").GetString()!);
        var root = Convert.FromBase64String(p.GetProperty("root").GetString()!);
        Assert.Equal(9, p.GetProperty("treeSize").GetInt64());
        var check = MerkleTree.VerifyInclusion(4, 9, MerkleTree.LeafHash(entry),
            [.. p.GetProperty("proof").EnumerateArray().Select(h => Convert.FromBase64String(h.GetString()!))], root);
        Assert.True(check.Valid, check.Reason);
        using var key = NodeKeys.LoadSigningKey(Home);
        var (opened, problem) = Checkpoint.Open(p.GetProperty("checkpoint").GetString()!, NodeKeys.PublicKey(key));
        Assert.True(opened is not null, problem);
        Assert.Equal(root, opened.Root);
    }

    [Fact]
    public async Task Verify_exits_non_zero_and_names_the_problem_when_a_stored_byte_changed()
    {
        var database = await NodeWithEntriesAsync(5);
        Assert.Equal(0, (await Support.Cli.Run("ledger", "checkpoint", "--home", Home)).Status);
        using (var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = database, Pooling = false }.ToString()))
        {
            connection.Open();
            using var command = connection.CreateCommand();
            command.CommandText = "UPDATE ledger_entries SET entry = CAST(replace(CAST(entry AS TEXT), '\"n\":3', '\"n\":4') AS BLOB) WHERE idx = 3";
            Assert.Equal(1, command.ExecuteNonQuery());
        }
        var (status, output, _) = await Support.Cli.Run("ledger", "verify", "--home", Home, "--json");
        Assert.Equal(1, status);
        var result = JsonNode.Parse(output)!;
        Assert.False(result["ok"]!.GetValue<bool>());
        Assert.Contains(result["problems"]!.AsArray(), p => p!.GetValue<string>().StartsWith("entry 3:", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Prove_refuses_an_entry_beyond_the_ledger()
    {
        await NodeWithEntriesAsync(2);
        var (status, _, error) = await Support.Cli.Run("ledger", "prove", "--home", Home, "--entry", "2");
        Assert.Equal(2, status);
        Assert.Contains("the ledger has 2 entries", error);
    }

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        _directory.Delete(recursive: true);
    }
}
