using System.Diagnostics.Metrics;
using System.Security.Cryptography;
using System.Text.Json.Nodes;
using Entente.Agreements;
using Entente.Exchange;
using Entente.Ledger;
using Entente.Storage;
using Entente.Tests.Storage;
using Microsoft.Extensions.Logging.Abstractions;
using static Entente.Tests.Agreements.AgreementTestKit;

namespace Entente.Tests.Exchange;

/// <summary>The outbox, the inbox and the node's receive decisions on each database, two nodes in one process (the transport is tested end to end elsewhere).</summary>
public sealed class ExchangeStoreTests
{
    private static readonly ECDiffieHellman NlEncryption = ECDiffieHellman.Create(ECCurve.NamedCurves.nistP256);
    private static readonly ECDiffieHellman KrEncryption = ECDiffieHellman.Create(ECCurve.NamedCurves.nistP256);
    private static readonly Agreement Nlkr = Bilateral();

    private sealed class Pair : IAsyncDisposable
    {
        public required TestStore NlStore { get; init; }
        public required TestStore KrStore { get; init; }
        public required ExchangeNode Nl { get; init; }
        public required ExchangeNode Kr { get; init; }
        public required List<IAsyncDisposable> Owned { get; init; }

        public async ValueTask DisposeAsync()
        {
            foreach (var o in Owned) await o.DisposeAsync();
            await NlStore.DisposeAsync();
            await KrStore.DisposeAsync();
        }
    }

    private static async Task<Pair> PairAsync(StorageProvider provider)
    {
        var nlStore = await TestStore.CreateAsync(provider);
        var krStore = await TestStore.CreateAsync(provider);
        nlStore.Time.SetUtcNow(InForceAt);
        krStore.Time.SetUtcNow(InForceAt);
        var owned = new List<IAsyncDisposable>();
        ExchangeNode Make(TestStore store, string code, ECDsa key, ECDiffieHellman encryption, ExchangePartner partner)
        {
            var db = NodeDatabase.Open(store.Database);
            var ledger = LedgerStore.Open(store.Database, store.Time);
            owned.Add(ledger);
            owned.Add(db);
            return new ExchangeNode(code, key, Fingerprint(key), encryption, new byte[32], new ExchangeStore(db), ledger, store.Time,
                (c, _) => Task.FromResult(c == partner.Code ? partner : null), _ => [Nlkr], new ExchangeMetrics(), NullLogger.Instance);
        }
        var nl = Make(nlStore, "NL", NlKey, NlEncryption, new ExchangePartner("KR", new Uri("http://127.0.0.1:9/"), KrKey, Fingerprint(KrKey), KrEncryption));
        var kr = Make(krStore, "KR", KrKey, KrEncryption, new ExchangePartner("NL", new Uri("http://127.0.0.1:9/"), NlKey, Fingerprint(NlKey), NlEncryption));
        return new Pair { NlStore = nlStore, KrStore = krStore, Nl = nl, Kr = kr, Owned = owned };
    }

    private static Disclosure Declaration(string code, string conversation) =>
        new("KR", DataCategory.Declarations, Purpose.RiskManagement, "declaration",
            JsonNode.Parse($$$"""{"goodsShipment":{"goodsItems":[{"classification":{"code":"{{{code}}}"}}]}}""")!.AsObject())
        { ConversationId = conversation };

    private static readonly LedgerActor Officer = new("officer", "NL");

    private static async Task<int> KindCountAsync(LedgerStore ledger, string kind)
    {
        var head = await ledger.GetHeadAsync();
        var count = 0;
        for (var i = 0L; i < head.Size; i++)
            if ((await ledger.GetEntryAsync(i))!.Entry.Kind == kind) count++;
        return count;
    }

    [StoreTheory, BothStores]
    public async Task Claims_take_conversation_heads_with_followers_and_a_second_replica_waits_for_the_lease(StorageProvider provider)
    {
        await using var pair = await PairAsync(provider);
        await pair.Nl.DiscloseAsync([Declaration("8501", "A"), Declaration("8502", "A"), Declaration("8503", "A"), Declaration("8504", "B"), Declaration("8505", "B")], Officer);
        var now = pair.NlStore.Time.GetUtcNow();

        var first = await pair.Nl.Store.ClaimAsync("replica-1", now, now.AddMinutes(1), heads: 10, followers: 1);
        Assert.Equal([("A", 1L), ("A", 2L), ("B", 1L), ("B", 2L)], first.Select(i => (i.ConversationId, i.ConversationSeq)).Order());
        Assert.Empty(await pair.Nl.Store.ClaimAsync("replica-2", now, now.AddMinutes(1), heads: 10, followers: 1));

        var later = now.AddMinutes(2);
        var second = await pair.Nl.Store.ClaimAsync("replica-2", later, later.AddMinutes(1), heads: 10, followers: 0);
        Assert.Equal([("A", 1L), ("B", 1L)], second.Select(i => (i.ConversationId, i.ConversationSeq)).Order());
    }

    [StoreTheory, BothStores]
    public async Task A_message_waits_for_its_predecessor_is_stored_once_and_a_duplicate_gets_the_first_receipt(StorageProvider provider)
    {
        await using var pair = await PairAsync(provider);
        long received = 0;
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter.Name == ExchangeMetrics.MeterName && instrument.Name == "entente.exchange.messages.received") l.EnableMeasurementEvents(instrument);
        };
        listener.SetMeasurementEventCallback<long>((_, value, _, _) => Interlocked.Add(ref received, value));
        listener.Start();
        await pair.Nl.DiscloseAsync([Declaration("8501", "A"), Declaration("8502", "A")], Officer);
        var now = pair.NlStore.Time.GetUtcNow();
        var items = await pair.Nl.Store.ClaimAsync("r", now, now.AddMinutes(1), 10, 10);
        var (one, two) = (items[0].Envelope, items[1].Envelope);

        var gap = Assert.Single(await pair.Kr.ReceiveAsync([two], "test"));
        Assert.Equal(RejectionCode.OutOfOrder, gap.Rejection!.Code);
        Assert.False(gap.Rejection.Permanent);

        var both = await pair.Kr.ReceiveAsync([one, two], "test");
        Assert.All(both, r => Assert.True(r.Accepted));
        var again = Assert.Single(await pair.Kr.ReceiveAsync([one], "test"));
        Assert.True(again.Duplicate);
        Assert.Equal(both[0].Receipt, again.Receipt);

        Assert.Equal(2, (await pair.Kr.Store.ListInboxAsync(null, null, 100)).Count);
        Assert.Equal(2, await KindCountAsync(pair.Kr.Ledger, LedgerKinds.DisclosureReceived));
        // Waiting for a predecessor is not a refusal: nothing is recorded against the sender.
        Assert.Equal(0, await pair.KrStore.CountAsync("SELECT COUNT(*) FROM exchange_rejections"));
        listener.RecordObservableInstruments();
        Assert.Equal(2, Interlocked.Read(ref received));

        var marked = await pair.Nl.Store.MarkDeliveredAsync([(items[0].MessageId, both[0].Receipt!), (items[0].MessageId, both[0].Receipt!)], now);
        Assert.Equal([items[0].MessageId], marked);
    }

    [StoreTheory, BothStores]
    public async Task A_refusal_after_a_valid_signature_takes_its_place_so_the_next_message_is_not_blocked(StorageProvider provider)
    {
        await using var pair = await PairAsync(provider);
        var now = pair.KrStore.Time.GetUtcNow();
        EnvelopeHeader Header(long seq) => new($"m-{seq}", "A", seq, "declaration", "NL", "KR", Nlkr.Id, Nlkr.ContentHash, Purpose.RiskManagement,
            DataCategory.Declarations, HandlingCode.H2, new EvaluationCode('B', 2), now, now.AddDays(1));
        var outside = Envelope.Seal(Header(1), """{"goodsShipment":{"goodsItems":[{"customsValue":1200}]}}"""u8, NlKey, Fingerprint(NlKey), KrEncryption);
        var inside = Envelope.Seal(Header(2), """{"goodsShipment":{"goodsItems":[{"classification":{"code":"8501"}}]}}"""u8, NlKey, Fingerprint(NlKey), KrEncryption);

        var results = await pair.Kr.ReceiveAsync([outside, inside], "test");

        Assert.Equal(RejectionCode.FieldNotAllowed, results[0].Rejection!.Code);
        Assert.True(results[0].Rejection!.Permanent);
        Assert.True(results[1].Accepted);
        Assert.Equal(1, await KindCountAsync(pair.Kr.Ledger, LedgerKinds.MessageRefused));
        Assert.Equal(["m-2"], (await pair.Kr.Store.ListInboxAsync(null, null, 10)).Select(i => i.MessageId));
    }

    [StoreTheory, BothStores]
    public async Task Consents_are_kept_once_per_message_and_recipient(StorageProvider provider)
    {
        await using var pair = await PairAsync(provider);
        var now = pair.KrStore.Time.GetUtcNow();
        Assert.False(await pair.Kr.Store.HasConsentAsync("m-1", "DE"));
        await pair.Kr.Store.AddConsentAsync("m-1", "DE", "NL", now, "m-2");
        await pair.Kr.Store.AddConsentAsync("m-1", "DE", "NL", now, "m-3");
        Assert.True(await pair.Kr.Store.HasConsentAsync("m-1", "DE"));
        Assert.False(await pair.Kr.Store.HasConsentAsync("m-1", "FR"));
        Assert.Equal(1, await pair.KrStore.CountAsync("SELECT COUNT(*) FROM exchange_consents"));
    }
}
