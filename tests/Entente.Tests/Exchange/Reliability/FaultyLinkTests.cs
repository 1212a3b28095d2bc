using System.Diagnostics;
using System.Text.Json.Nodes;
using Entente.Agreements;
using Entente.Exchange;
using Entente.Hosting;
using Entente.Ledger;
using Xunit.Abstractions;

namespace Entente.Tests.Exchange.Reliability;

/// <summary>Issue 4, reliability: a link that drops, doubles, reorders, corrupts and delays loses nothing and lets nothing false in.</summary>
[Trait("Category", "Reliability")]
[Collection(ReliabilityCollection.Name)]
public sealed class FaultyLinkTests(ITestOutputHelper output)
{
    private const int Messages = 2_000;
    private const int Conversations = 10;

    [Fact]
    public async Task Through_a_faulty_link_every_message_arrives_once_intact_and_corruption_is_refused_and_recorded()
    {
        var seed = Seeds.Get(output);
        var random = new Random(seed);
        var clock = Stopwatch.StartNew();
        // Small batches: more requests, so more of them meet a fault.
        await using var net = await TestNetwork.StartAsync(["NL", "KR"], new Dictionary<string, string> { ["Entente__Exchange__Batch"] = "16" });
        var (nl, kr) = (net["NL"], net["KR"]);
        await using var proxy = await FaultProxy.StartAsync(kr.BaseAddress, seed);
        // NL reaches KR only through the proxy (partner add updates the endpoint, fetching KR's certificates through it).
        var (status, _, error) = await Support.Cli.Run(TestNetwork.WithDatabase(["partner", "add", "--home", nl.Home, "--code", "KR", "--endpoint", proxy.Address.ToString()], nl));
        Assert.True(status == 0, error);

        await using var services = await NodeServices.OpenAsync(Evidence.OptionsOf(nl), TimeProvider.System);
        var exchange = services.Get<ExchangeNode>();
        var sent = new Dictionary<string, string>(StringComparer.Ordinal);
        for (var start = 0; start < Messages; start += 25)
        {
            var batch = Enumerable.Range(start, 25).Select(i => new Disclosure("KR", DataCategory.SeizureReports, Purpose.Investigation, "seizure-report",
                new JsonObject { ["seizure"] = new JsonObject { ["id"] = $"S-{i}", ["goods"] = i % 3 == 0 ? "cocaine" : "cigarettes", ["quantityKg"] = i } })
            { ConversationId = $"link-{i % Conversations}" }).ToList();
            foreach (var outcome in await exchange.DiscloseAsync(batch, new LedgerActor("stream", "NL")))
            {
                var queued = Assert.IsType<DisclosureOutcome.Queued>(outcome);
                sent[queued.Item.MessageId] = queued.Projected.ToJsonString();
            }
            await Task.Delay(random.Next(0, 60));
        }
        output.WriteLine($"{clock.Elapsed.TotalSeconds:F1} s: {Messages} queued");

        // Faults until 150 requests met the faulty link (or everything crossed it), then the link heals.
        await net.EventuallyAsync(async () => proxy.Faults.Values.Sum() >= 150 || await Evidence.CountAsync(nl, "SELECT COUNT(*) FROM outbox WHERE state = 'pending'") == 0,
            seconds: 90, what: "150 requests through the faulty link");
        proxy.Heal();
        output.WriteLine($"{clock.Elapsed.TotalSeconds:F1} s: healed after {string.Join(", ", proxy.Faults.OrderBy(f => f.Key).Select(f => $"{f.Key} {f.Value}"))}");
        await net.EventuallyAsync(async () => await Evidence.CountAsync(nl, "SELECT COUNT(*) FROM outbox WHERE state = 'pending'") == 0,
            seconds: 90, what: "the outbox drained after healing");
        await proxy.DrainAsync();
        output.WriteLine($"{clock.Elapsed.TotalSeconds:F1} s: drained");

        // Nothing lost, nothing twice, nothing failed: a corrupted or doubled copy never made a message fail for good.
        var failed = (await Evidence.OutboxAsync(nl)).Where(o => o.State == ExchangeStore.Failed).ToList();
        Assert.True(failed.Count == 0, $"{failed.Count} messages failed for good, e.g. {failed.FirstOrDefault()?.LastError}");
        await Evidence.AssertDeliveredExactlyOnceAsync(nl, [kr], Messages);

        // No corrupted message accepted: each accepted payload is the one sent (its envelope digest was checked above).
        var inbox = await Evidence.InboxAsync(kr);
        Assert.All(inbox, i => Assert.Equal(sent[i.MessageId], i.Payload));

        // The proxy's corruptions of requests reached KR and were refused and recorded there.
        Assert.True(proxy.Count("corrupt-request") > 0, "the proxy corrupted no request: the stream is too short for the seed");
        var refused = (await Evidence.RejectionsAsync(kr)).Where(r => r.Direction == "in" && r.Code != "replay").ToList();
        output.WriteLine("KR refused: " + string.Join(", ", refused.GroupBy(r => r.Code).Select(g => $"{g.Key} {g.Count()}")));
        Assert.True(refused.Count >= proxy.Count("corrupt-request"), $"{proxy.Count("corrupt-request")} corrupted requests, {refused.Count} refusals recorded");
        Assert.Empty(await Evidence.LedgerMessagesAsync(kr, LedgerKinds.MessageRefused));
        output.WriteLine($"{clock.Elapsed.TotalSeconds:F1} s: checked");
    }
}
