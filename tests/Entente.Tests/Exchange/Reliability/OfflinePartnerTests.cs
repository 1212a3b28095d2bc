using System.Diagnostics;
using System.Text.Json.Nodes;
using Entente.Agreements;
using Entente.Exchange;
using Entente.Hosting;
using Entente.Ledger;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using Xunit.Abstractions;

namespace Entente.Tests.Exchange.Reliability;

/// <summary>Issue 4, reliability: store and forward while a partner is unreachable for a day.</summary>
[Trait("Category", "Reliability")]
[Collection(ReliabilityCollection.Name)]
public sealed class OfflinePartnerTests(ITestOutputHelper output)
{
    private const int Messages = 300;

    [Fact]
    public async Task A_partner_offline_for_a_simulated_day_gets_the_whole_queue_in_order_when_it_returns()
    {
        var clock = Stopwatch.StartNew();
        await using var net = await TestNetwork.StartAsync(["NL", "KR"]);
        var (nl, kr) = (net["NL"], net["KR"]);
        // NL's outbox is sent by a dispatcher in this process on a fake clock; KR is down.
        await nl.KillAsync();
        await kr.KillAsync();
        // KR checks validity with its real clock: the fake day starts at the real now, well within the messages' 30 days.
        var time = new FakeTimeProvider(TimeProvider.System.GetUtcNow());
        await using var services = await NodeServices.OpenAsync(Evidence.OptionsOf(nl), time);
        var exchange = services.Get<ExchangeNode>();
        using var http = new HttpClient();
        var settings = new DispatcherSettings { Replica = "NL-test", RetryBase = TimeSpan.FromSeconds(1), RetryMax = TimeSpan.FromMinutes(10), Lease = TimeSpan.FromMinutes(1) };
        var dispatcher = new OutboxDispatcher(exchange, http, settings, NullLogger<OutboxDispatcher>.Instance);

        var outcomes = await exchange.DiscloseAsync(Enumerable.Range(0, Messages).Select(i => new Disclosure(
            "KR", DataCategory.SeizureReports, Purpose.Investigation, "seizure-report",
            new JsonObject { ["seizure"] = new JsonObject { ["id"] = $"S-{i}" } })
        { ConversationId = $"offline-{i % 3}" }).ToList(), new LedgerActor("stream", "NL"));
        Assert.All(outcomes, o => Assert.IsType<DisclosureOutcome.Queued>(o));

        var start = time.GetUtcNow();
        var rounds = 0;
        while (time.GetUtcNow() - start < TimeSpan.FromDays(1))
        {
            await dispatcher.RunOnceAsync();
            time.Advance(TimeSpan.FromMinutes(5));
            rounds++;
        }
        output.WriteLine($"{clock.Elapsed.TotalSeconds:F1} s: a simulated day in {rounds} rounds");

        var waiting = await Evidence.OutboxAsync(nl);
        Assert.All(waiting, o => Assert.Equal(ExchangeStore.Pending, o.State));
        var heads = waiting.Where(o => o.Sequence == 1).ToList();
        output.WriteLine($"attempts of the conversation heads: {string.Join(", ", heads.Select(h => h.Attempts))}");
        // Capped at RetryMax (10 min) with jitter, a day holds well over 100 attempts; uncapped doubling would hold 17.
        Assert.All(heads, h => Assert.InRange(h.Attempts, 100, 24 * 60 / 5 + 1));
        Assert.All(heads, h => Assert.Contains("KR", h.LastError, StringComparison.Ordinal));
        var queue = Assert.Single(await exchange.Store.QueuesAsync());
        Assert.Equal((Messages, 0, 0), (queue.Pending, queue.Delivered, queue.Failed));
        Assert.Equal(start, queue.OldestPending);

        await kr.RestartAsync();
        output.WriteLine($"{clock.Elapsed.TotalSeconds:F1} s: KR back");
        for (var round = 0; round < 200 && await Evidence.CountAsync(nl, "SELECT COUNT(*) FROM outbox WHERE state = 'pending'") > 0; round++)
        {
            if (await dispatcher.RunOnceAsync() == 0) time.Advance(settings.RetryMax);
        }
        output.WriteLine($"{clock.Elapsed.TotalSeconds:F1} s: drained");
        await Evidence.AssertDeliveredExactlyOnceAsync(nl, [kr], Messages);
    }
}
