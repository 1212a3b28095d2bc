using System.Text.Json;
using Entente.Blinded;
using Entente.Declarations;
using Entente.Storage;
using Entente.Tests.Declarations;
using Entente.Tests.Exchange;
using Entente.Tests.Storage;
using Entente.Tests.Support;

namespace Entente.Tests.Blinded;

/// <summary>
/// The holder's index versions and their changes are kept in the database: a restarted holder keeps its version when
/// nothing changed and still gives an asker holding an older version the change, not the whole index.
/// </summary>
public sealed class BlindedDeltaPersistenceTests
{
    [StoreTheory, BothStores]
    public async Task A_restarted_indexer_keeps_its_version_and_gives_deltas_from_versions_built_before(StorageProvider provider)
    {
        await using var test = await TestStore.CreateAsync(provider);
        await using var database = NodeDatabase.Open(test.Database);
        var key = BlindedKey.FromScalar(Oprf.GenerateKey());
        var identifiers = new List<BlindedIdentifier> { BlindedIdentifier.Of(IdentifierType.Eori, "GB553202734852") };
        var source = new ListedIdentifiers("test", identifiers);
        var time = new Microsoft.Extensions.Time.Testing.FakeTimeProvider(DateTimeOffset.UnixEpoch.AddYears(55));
        BlindedIndexer Start() => new("KR", () => key, [source], time, history: new BlindedIndexHistory(database));

        var before = Start();
        var v1 = await before.CurrentAsync();
        identifiers.Add(BlindedIdentifier.Of(IdentifierType.Container, "CSQU3054383"));
        time.Advance(TimeSpan.FromSeconds(1));
        var v2 = await before.CurrentAsync();
        Assert.True(v2.Version > v1.Version);

        // A restart: nothing changed, the same version; the change since v1 is still given.
        var after = Start();
        var again = await after.CurrentAsync();
        Assert.Equal(v2.Version, again.Version);
        Assert.Equal(v2.Tags, again.Tags);
        var delta = await after.DeltaSinceAsync(key.Id, v1.Version);
        Assert.NotNull(delta);
        Assert.Equal(v2.Tags, delta.ApplyTo(v1).Tags);

        // What changed while the node was down is a delta too, and chains with the older ones.
        identifiers.RemoveAt(0);
        identifiers.Add(BlindedIdentifier.Of(IdentifierType.Imo, "9074729"));
        time.Advance(TimeSpan.FromSeconds(1));
        var restarted = Start();
        var v3 = await restarted.CurrentAsync();
        Assert.True(v3.Version > v2.Version);
        Assert.Equal(v3.Tags, (await restarted.DeltaSinceAsync(key.Id, v1.Version))!.ApplyTo(v1).Tags);
        Assert.Equal(v3.Tags, (await restarted.DeltaSinceAsync(key.Id, v2.Version))!.ApplyTo(v2).Tags);
        Assert.Null(await restarted.DeltaSinceAsync(key.Id, v1.Version - 5));
        Assert.Equal(2, await new BlindedIndexHistory(database).CountAsync());

        // A new key: nothing under the old one is kept or given.
        key = BlindedKey.FromScalar(Oprf.GenerateKey());
        var rotated = await Start().CurrentAsync();
        Assert.NotEqual(v3.KeyId, rotated.KeyId);
        Assert.Equal(0, await new BlindedIndexHistory(database).CountAsync());
        Assert.Null(await Start().DeltaSinceAsync(v3.KeyId, v1.Version));
    }

    [Fact]
    public async Task An_asker_with_a_cached_index_gets_the_change_from_a_holder_that_restarted()
    {
        var yaml = File.ReadAllText(Path.Combine(SharedData.RepositoryRoot, "tests", "Entente.Tests", "Exchange", "Samples", "network.yaml")).Replace("\ndeny:", """

              blinded-identifiers:
                purposes: [risk-management, investigation]
                disclose: [/evaluation]
                handling-code: H1
                onward-transfer: forbidden
                retention: { period: P1Y, then: erase }
            deny:
            """, StringComparison.Ordinal);
        await using var network = await TestNetwork.StartAsync(["NL", "KR"], new Dictionary<string, string> { ["Entente__Blinded__IndexMaxAge"] = "00:00:00.300" }, agreementYaml: yaml);
        var kr = network["KR"];
        var many = SampleDeclarations.Valid();
        for (var i = 0; i < 200; i++) many.GoodsShipment.Consignment.Containers.Add(new Container { Id = $"MSCU{1000000 + i}" });
        await IngestAsync(kr, many);
        var first = await AskAsync(network, "GB553202734852");
        Assert.Equal(("hit", "full"), (first.GetProperty("outcome").GetString(), first.GetProperty("indexTransfer").GetString()));

        // KR is stopped, a declaration with a new EORI is stored while it is down, KR starts again.
        await kr.KillAsync();
        var other = SampleDeclarations.Valid("GB260115-0002");
        other.Parties[0].Id = "GB000000000001";
        await IngestAsync(kr, other);
        await kr.RestartAsync();
        var second = await AskAsync(network, "GB000000000001");
        Assert.Equal(("hit", "delta", first.GetProperty("indexSize").GetInt32() + 1),
            (second.GetProperty("outcome").GetString(), second.GetProperty("indexTransfer").GetString(), second.GetProperty("indexSize").GetInt32()));
        Assert.True(second.GetProperty("indexVersion").GetInt64() > first.GetProperty("indexVersion").GetInt64());

        // Restarted again with nothing changed: the same version, nothing to fetch but a confirmation.
        await kr.KillAsync();
        await kr.RestartAsync();
        await Task.Delay(800);
        var third = await AskAsync(network, "GB553202734852");
        Assert.Equal(("hit", second.GetProperty("indexVersion").GetInt64()), (third.GetProperty("outcome").GetString(), third.GetProperty("indexVersion").GetInt64()));
        Assert.NotEqual("full", third.GetProperty("indexTransfer").GetString());
    }

    private static async Task IngestAsync(NodeProcess node, Declaration declaration)
    {
        var file = Path.Combine(node.Home, "held.json");
        await File.WriteAllTextAsync(file, EntenteJson.Serialize(declaration));
        var (status, _, error) = await Support.Cli.Run(TestNetwork.WithDatabase(["ingest", file, "--home", node.Home], node));
        Assert.True(status == 0, error);
        File.Delete(file);
    }

    private static async Task<JsonElement> AskAsync(TestNetwork network, string eori)
    {
        var (status, output, error) = await Support.Cli.Run(TestNetwork.WithDatabase(
            ["blinded", "ask", "--home", network["NL"].Home, "--type", "eori", "--value", eori, "--purpose", "risk-management", "--partner", "KR", "--json"], network["NL"]));
        Assert.True(status == 0, error + output);
        return JsonDocument.Parse(output).RootElement.GetProperty("answers")[0].Clone();
    }
}
