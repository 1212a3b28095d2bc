using System.Runtime.CompilerServices;
using System.Text.Json.Nodes;
using Entente.Access;
using Entente.Declarations;
using Entente.Hosting;
using Entente.Ingest;
using Entente.Intelligence.Networks;
using Entente.Ledger;
using Entente.Risk.Assessment;
using Entente.Risk.Rules;
using Entente.Sharing;
using Entente.Storage;
using Entente.Tests.Storage;
using Entente.Tools.Generation;
using Microsoft.Extensions.Time.Testing;

namespace Entente.Tests.Intelligence.Networks;

/// <summary>
/// Network proximity at assessment on SQLite and PostgreSQL: read from the graph in service, never waiting on a rebuild
/// (the rebuild runs in the background, held open here), the new seizure seen once it is done; not computed at all when
/// nothing in service reads it.
/// </summary>
public sealed class NetworkEnrichmentTests
{
    private static readonly string[] Containers = ["MSCU1234566", "TGHU8765436", "CAIU5550001"];

    [StoreTheory, BothStores]
    public async Task An_assessment_reads_the_graph_in_service_while_a_rebuild_is_held_and_sees_the_new_seizure_once_it_is_done(StorageProvider provider)
    {
        await using var database = await TestStore.CreateAsync(provider, migrate: false);
        var home = Directory.CreateTempSubdirectory("entente-network-risk-").FullName;
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 3, 2, 9, 0, 0, TimeSpan.Zero));
        try
        {
            await NodeHome.InitAsync(new NodeOptions { Home = home, Code = "NL", Name = "Douane", Database = database.Database }, time);
            await using var node = await NodeServices.OpenAsync(NodeHome.Load(home, database.Database), time);
            var ids = await IngestAsync(node);
            await RecordSeizureAsync(node, "NL-SZ-1", Containers[0]);

            var source = new HeldSeizures(new StoredSeizures(node.Get<NodeDatabase>()));
            await using var network = new NetworkQueries(node.Get<NodeDatabase>(), node.Get<IDeclarationStore>(), source, node.Get<AccessRecorder>(), time);
            var desk = new RiskDesk(home, node.Get<NodeDatabase>(), node.Get<IDeclarationStore>(), time) { Enrichments = [network.Enrichment] };

            // Nothing in service reads the fact: the graph is never built.
            await desk.AssessAsync([ids[0]]);
            Assert.Equal(0, source.Reads);

            await ActivateAsync(home, node, """
                ruleset "network" version 1
                rule near "on a seized consignment":
                  if national.network-seizure-hops = "1"
                  then red 100
                """);
            // The first assessment finds no graph: it starts the build and does not wait for it.
            var first = await desk.AssessAsync([ids[0]]);
            Assert.False(first[0]!.Stored.Declaration.NationalData.ContainsKey(NetworkProximity.Element));
            await network.GraphAsync();
            Assert.Equal(Lane.Red, (await desk.AssessAsync([ids[0]]))[0]!.Assessment.Lane);
            Assert.Equal("far", Hops(await desk.AssessAsync([ids[2]])));

            // A new seizure; ten minutes on, the next assessment starts a rebuild, held open, and answers from the graph in service.
            await RecordSeizureAsync(node, "NL-SZ-2", Containers[2]);
            source.Hold();
            time.Advance(NetworkQueries.RefreshAfter);
            var during = await desk.AssessAsync([ids[2]]).WaitAsync(TimeSpan.FromMinutes(2));
            Assert.Equal("far", Hops(during));
            Assert.False(Fired(during, "near"), "the rule fired while the graph was stale");
            await source.Entered.WaitAsync(TimeSpan.FromMinutes(2));
            Assert.Equal("far", Hops(await desk.AssessAsync([ids[2]]).WaitAsync(TimeSpan.FromMinutes(2))));

            // The rebuild done, the same declaration is one hop from a seizure.
            source.Release();
            var (_, summary) = await network.GraphAsync();
            Assert.Equal(2, summary.Seized);
            var after = await desk.AssessAsync([ids[2]]);
            Assert.Equal("1", Hops(after));
            Assert.Equal(Lane.Red, after[0]!.Assessment.Lane);
        }
        finally
        {
            Directory.Delete(home, recursive: true);
        }
    }

    [StoreTheory, BothStores]
    public async Task Without_seizures_the_fact_is_not_set_even_when_a_rule_reads_it(StorageProvider provider)
    {
        await using var database = await TestStore.CreateAsync(provider, migrate: false);
        var home = Directory.CreateTempSubdirectory("entente-network-risk-").FullName;
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 3, 2, 9, 0, 0, TimeSpan.Zero));
        try
        {
            await NodeHome.InitAsync(new NodeOptions { Home = home, Code = "NL", Name = "Douane", Database = database.Database }, time);
            await using var node = await NodeServices.OpenAsync(NodeHome.Load(home, database.Database), time);
            var ids = await IngestAsync(node);
            await using var network = new NetworkQueries(node.Get<NodeDatabase>(), node.Get<IDeclarationStore>(), new StoredSeizures(node.Get<NodeDatabase>()),
                node.Get<AccessRecorder>(), time);
            var desk = new RiskDesk(home, node.Get<NodeDatabase>(), node.Get<IDeclarationStore>(), time) { Enrichments = [network.Enrichment] };
            await ActivateAsync(home, node, """
                ruleset "network" version 1
                rule far "far from any seizure":
                  if national.network-seizure-hops = "far"
                  then red 100
                """);
            await desk.AssessAsync([ids[0]]);
            var (_, summary) = await network.GraphAsync();
            Assert.Equal(0, summary.Seized);
            Assert.True(summary.Consignments >= 3);
            var assessed = await desk.AssessAsync([ids[0]]);
            Assert.False(assessed[0]!.Stored.Declaration.NationalData.ContainsKey(NetworkProximity.Element));
            Assert.False(Fired(assessed, "far"), "the rule fired without seizures");
        }
        finally
        {
            Directory.Delete(home, recursive: true);
        }
    }

    /// <summary>Whether a rule sent the declaration to its lane (not the lane itself: 1 % are selected at random whatever the rules say).</summary>
    private static bool Fired(IReadOnlyList<Assessed?> assessed, string rule) => assessed[0]!.Assessment.Reasons.Any(r => r.Source == $"rule {rule}");

    private static string? Hops(IReadOnlyList<Assessed?> assessed) => assessed[0]!.Stored.Declaration.NationalData.GetValueOrDefault(NetworkProximity.Element);

    /// <summary>Three declarations, each with its own identifiers and container; the first two share an importer.</summary>
    private static async Task<string[]> IngestAsync(NodeServices node)
    {
        var declarations = new DeclarationGenerator(61).Generate(3).Select(r => r.Declaration!).ToList();
        for (var i = 0; i < declarations.Count; i++)
        {
            var d = declarations[i];
            foreach (var party in d.Parties)
            {
                party.Id = $"NL{i}{(int)party.Role}0000004242";
                party.Address = null;
            }
            var consignment = d.GoodsShipment.Consignment;
            consignment.Containerised = true;
            consignment.Containers = [new Container { Id = Containers[i] }];
            consignment.BorderTransportMeans = null;
            consignment.ArrivalTransportMeans = null;
        }
        declarations[1].GetOrAddParty(PartyRole.Importer).Id = declarations[0].FindParty(PartyRole.Importer)!.Id;
        using var ndjson = new MemoryStream(System.Text.Encoding.UTF8.GetBytes(string.Join('\n', declarations.Select(EntenteJson.Serialize))));
        var report = (await node.Get<IngestDeclarations>().StreamAsync(ndjson, "d.ndjson", new IngestInput(DeclarationFormat.Json, null, false), default)).Report;
        Assert.Equal(3, report.Accepted);
        var store = node.Get<IDeclarationStore>();
        var ids = new string[declarations.Count];
        for (var i = 0; i < ids.Length; i++) ids[i] = (await store.FindAsync(declarations[i].Lrn!))!.Declaration.Id!;
        return ids;
    }

    private static async Task RecordSeizureAsync(NodeServices node, string id, string container)
    {
        var report = JsonNode.Parse($$$"""{"seizure":{"id":"{{{id}}}","category":"drugs","seizedAt":"2026-03-01T00:00:00Z","container":"{{{container}}}"}}""")!.AsObject();
        Assert.IsType<RecordSharedResult.Recorded>(await node.Get<RecordShared>().HandleAsync(new LocalUser("officer", "NL", null), "seizure-report", report));
    }

    private static async Task ActivateAsync(string home, NodeServices node, string rules)
    {
        var source = Directory.CreateTempSubdirectory("entente-network-rules-").FullName;
        try
        {
            await File.WriteAllTextAsync(Path.Combine(source, "network.rules"), rules);
            await RuleSetStore.ActivateAsync(home, source, node.Get<LedgerStore>(), new LedgerActor("analyst", "NL"));
        }
        finally
        {
            Directory.Delete(source, recursive: true);
        }
    }

    /// <summary>The node's seizures, whose reading can be held open (a rebuild that takes long).</summary>
    private sealed class HeldSeizures(ISeizureSource inner) : ISeizureSource
    {
        private TaskCompletionSource _open = Opened();
        private readonly TaskCompletionSource _entered = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private int _reads;

        public int Reads => _reads;

        public Task Entered => _entered.Task;

        public void Hold() => _open = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);

        public void Release() => _open.TrySetResult();

        public Task<long> CountAsync(CancellationToken cancellationToken = default) => inner.CountAsync(cancellationToken);

        public async IAsyncEnumerable<SeizedConsignment> ReadAsync([EnumeratorCancellation] CancellationToken cancellationToken = default)
        {
            Interlocked.Increment(ref _reads);
            if (!_open.Task.IsCompleted) _entered.TrySetResult();
            await _open.Task.WaitAsync(cancellationToken);
            await foreach (var seized in inner.ReadAsync(cancellationToken)) yield return seized;
        }

        private static TaskCompletionSource Opened()
        {
            var open = new TaskCompletionSource();
            open.SetResult();
            return open;
        }
    }
}
