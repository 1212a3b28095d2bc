using Entente.Access;
using Entente.Declarations;
using Entente.Hosting;
using Entente.Ingest;
using Entente.Intelligence.Networks;
using Entente.Ledger;
using Entente.Sharing;
using Entente.Storage;
using Entente.Tests.Storage;
using Entente.Tools.Generation;

namespace Entente.Tests.Intelligence.Networks;

/// <summary>The network use case on SQLite and PostgreSQL: built from stored declarations and a recorded seizure report; party data under purpose.</summary>
public sealed class NetworkQueriesTests
{
    [StoreTheory, BothStores]
    public async Task The_network_around_a_seized_container_is_shown_with_parties_withheld_unless_the_purpose_allows_and_each_read_is_in_the_ledger(StorageProvider provider)
    {
        await using var database = await TestStore.CreateAsync(provider, migrate: false);
        var home = Directory.CreateTempSubdirectory("entente-network-").FullName;
        try
        {
            await NodeHome.InitAsync(new NodeOptions { Home = home, Code = "NL", Name = "Douane", Database = database.Database }, TimeProvider.System);
            await using var node = await NodeServices.OpenAsync(NodeHome.Load(home, database.Database));
            // Two declarations share an importer; the first's container was seized.
            var declarations = new DeclarationGenerator(53).Generate(2).Select(r => r.Declaration!).ToList();
            declarations[0].GoodsShipment.Consignment.Containers = [new Container { Id = "MSCU1234565" }];
            declarations[1].GoodsShipment.Consignment.Containers = [new Container { Id = "TGHU8765432" }];
            declarations[1].GetOrAddParty(PartyRole.Importer).Id = declarations[0].FindParty(PartyRole.Importer)!.Id = "NL000099998888";
            using var ndjson = new MemoryStream(System.Text.Encoding.UTF8.GetBytes(string.Join('\n', declarations.Select(EntenteJson.Serialize))));
            Assert.Equal(2, (await node.Get<IngestDeclarations>().StreamAsync(ndjson, "d.ndjson", new IngestInput(DeclarationFormat.Json, null, false), default)).Report.Accepted);
            var report = System.Text.Json.Nodes.JsonNode.Parse("""{"seizure":{"id":"NL-SZ-1","category":"drugs","seizedAt":"2025-03-01T00:00:00Z","container":"MSCU1234565"}}""")!.AsObject();
            Assert.IsType<RecordSharedResult.Recorded>(await node.Get<RecordShared>().HandleAsync(new LocalUser("officer", "NL", null), "seizure-report", report));

            var network = node.Get<NetworkQueries>();
            var ledger = node.Get<LedgerStore>();
            var officer = new LocalUser("officer-1", "NL", Role.Officer);
            var before = (await ledger.GetHeadAsync()).Size;

            // Around the seizure, no purpose: the parties are keyed tags, nothing recorded.
            var withheld = Assert.IsType<NetworkResult.Found>(await network.SeizedAsync(officer, AccessRecorder.Api, new NetworkQuery(Hops: 2))).Answer;
            Assert.NotNull(withheld.Notice);
            var around = Assert.Single(withheld.Groups).Members;
            Assert.StartsWith("seizure:NL-SZ-1", around[0].Key, StringComparison.Ordinal);
            Assert.Contains(around, m => m.Key == "container:MSCU1234565" && m.Hops == 1);
            Assert.DoesNotContain(around, m => m.Key == "container:TGHU8765432");
            Assert.DoesNotContain(around, m => m.Key.Contains("NL000099998888", StringComparison.Ordinal));
            Assert.Contains(around, m => m.Key.StartsWith("party:~", StringComparison.Ordinal));
            Assert.Equal(before, (await ledger.GetHeadAsync()).Size);

            // Asking about the importer needs the purpose: refused and recorded.
            Assert.IsType<NetworkResult.Refused>(await network.NeighbourhoodAsync(officer, AccessRecorder.Api, new NetworkQuery("party:NL000099998888")));
            Assert.Equal(before + 1, (await ledger.GetHeadAsync()).Size);

            var read = Assert.IsType<NetworkResult.Found>(await network.NeighbourhoodAsync(officer, AccessRecorder.Api,
                new NetworkQuery("party:NL000099998888", Hops: 1, Purpose: "risk-management", Justification: "seizure NL-SZ-1 follow-up"))).Answer;
            Assert.Null(read.Notice);
            Assert.Contains(read.Nodes, n => n.Key == "container:MSCU1234565" && n.Hops == 1 && n.SeizureHops == 1);
            Assert.Contains(read.Nodes, n => n.Key == "container:TGHU8765432" && n.Hops == 1 && n.SeizureHops == 3);
            Assert.Equal(before + 2, (await ledger.GetHeadAsync()).Size);
            Assert.NotEmpty(await ledger.EntriesAboutAsync(node.Get<AccessRecorder>().PartySubject("NL000099998888"), 10));

            var path = Assert.IsType<NetworkResult.Found>(await network.PathAsync(officer, AccessRecorder.Api,
                new NetworkQuery("container:MSCU1234565", "container:tghu8765432"))).Answer;
            Assert.Equal(5, path.Nodes.Count);
            Assert.IsType<NetworkResult.NotFound>(await network.NeighbourhoodAsync(officer, AccessRecorder.Api, new NetworkQuery("container:NONE0000000")));
            Assert.Equal(["node", "hops"], Assert.IsType<NetworkResult.Invalid>(await network.NeighbourhoodAsync(officer, AccessRecorder.Api, new NetworkQuery("ship:X", Hops: 9))).Errors.Select(e => e.Path));
            var components = Assert.IsType<NetworkResult.Found>(await network.ComponentsAsync(officer, AccessRecorder.Api, new NetworkQuery())).Answer;
            Assert.Equal(1, components.Groups[0].Seized);
            var communities = Assert.IsType<NetworkResult.Found>(await network.CommunitiesAsync(officer, AccessRecorder.Api, new NetworkQuery())).Answer;
            Assert.NotEmpty(communities.Groups);
        }
        finally
        {
            Directory.Delete(home, recursive: true);
        }
    }
}
