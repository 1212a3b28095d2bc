using System.Diagnostics;
using System.Text.Json.Nodes;
using Entente.Agreements;
using Entente.Exchange;
using Entente.Hosting;
using Entente.Ledger;
using Entente.Tests.Storage;
using Xunit.Abstractions;

namespace Entente.Tests.Exchange.Reliability;

/// <summary>Issue 4, reliability: two replicas of a node on one PostgreSQL database share its outbox.</summary>
[Trait("Category", "Reliability")]
[Collection(ReliabilityCollection.Name)]
public sealed class ReplicaTests(ITestOutputHelper output)
{
    private const int Messages = 3_000;
    private const int Conversations = 20;

    [PostgresFact]
    public async Task Two_replicas_on_one_postgresql_database_send_each_message_once_and_one_killed_mid_stream_loses_nothing()
    {
        var seed = Seeds.Get(output);
        var random = new Random(seed);
        var clock = Stopwatch.StartNew();
        await using var database = await Evidence.CreatePostgresAsync();
        var lease = new Dictionary<string, string> { ["Entente__Exchange__Lease"] = "00:00:03", ["Entente__Exchange__Replica"] = "NL-a", ["Entente__Exchange__Batch"] = "32" };
        await using var net = await TestNetwork.StartAsync(["NL", "KR"], lease, code => code == "NL" ? database.ConnectionString : null);
        var (nl, kr) = (net["NL"], net["KR"]);
        var env = new Dictionary<string, string>(lease)
        {
            ["Entente__Exchange__Replica"] = "NL-b",
            ["Entente__Exchange__Poll"] = "00:00:00.200",
            ["Entente__Exchange__RetryBase"] = "00:00:00.200",
            ["Entente__Exchange__RetryMax"] = "00:00:02"
        };
        await using var second = await nl.StartReplicaAsync(env);
        output.WriteLine($"{clock.Elapsed.TotalSeconds:F1} s: two replicas of NL up");

        await using var services = await NodeServices.OpenAsync(Evidence.OptionsOf(nl), TimeProvider.System);
        var exchange = services.Get<ExchangeNode>();
        var enqueue = Task.Run(async () =>
        {
            for (var start = 0; start < Messages; start += 100)
            {
                var outcomes = await exchange.DiscloseAsync(Enumerable.Range(start, 100).Select(i => new Disclosure(
                    "KR", DataCategory.SeizureReports, Purpose.Investigation, "seizure-report",
                    new JsonObject { ["seizure"] = new JsonObject { ["id"] = $"S-{i}" } })
                { ConversationId = $"replica-{i % Conversations}" }).ToList(), new LedgerActor("stream", "NL"));
                Assert.All(outcomes, o => Assert.IsType<DisclosureOutcome.Queued>(o));
            }
        });

        // Both replicas claim work from the one outbox: seen in the claims while the stream runs.
        var claimants = new HashSet<string>(StringComparer.Ordinal);
        var killAt = random.Next(200, 1_000);
        await net.EventuallyAsync(async () =>
        {
            foreach (var row in await Evidence.ClaimantsAsync(nl)) claimants.Add(row);
            return claimants.Count == 2 && await Evidence.CountAsync(kr, "SELECT COUNT(*) FROM inbox") >= killAt;
        }, what: "the stream under way, sent by both replicas");
        output.WriteLine($"claims seen from {string.Join(", ", claimants.Order(StringComparer.Ordinal))}");
        var victim = random.Next(2) == 0 ? nl : second;
        output.WriteLine($"{clock.Elapsed.TotalSeconds:F1} s: kill -9 the replica on {victim.BaseAddress} at {await Evidence.CountAsync(kr, "SELECT COUNT(*) FROM inbox")} received");
        await victim.KillAsync();
        await enqueue;
        output.WriteLine($"{clock.Elapsed.TotalSeconds:F1} s: all {Messages} queued");

        await net.EventuallyAsync(async () => await Evidence.CountAsync(nl, "SELECT COUNT(*) FROM outbox WHERE state <> 'delivered'") == 0,
            seconds: 90, what: "every message delivered by the surviving replica");
        output.WriteLine($"{clock.Elapsed.TotalSeconds:F1} s: delivered");

        Assert.Empty(await Evidence.ClaimantsAsync(nl));
        // Receipts the killed replica got but did not ledger are the survivor's to record once they are older than the
        // in-flight time (ExchangeNode.InFlight, 30 s), checked as often: up to about a minute after the kill.
        await net.EventuallyAsync(async () => (await Evidence.LedgerMessagesAsync(nl, LedgerKinds.DisclosureReceipted)).Count == Messages,
            seconds: 90, what: "every receipt in NL's ledger, those the killed replica left recorded by the survivor");
        await Evidence.AssertDeliveredExactlyOnceAsync(nl, [kr], Messages);
        // KR accepted each message once: one disclosure-received entry each (checked above) and no refusal at all.
        Assert.Empty(await Evidence.RejectionsAsync(kr));
        output.WriteLine($"{clock.Elapsed.TotalSeconds:F1} s: checked");
    }
}
