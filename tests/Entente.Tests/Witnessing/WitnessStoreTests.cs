using System.Security.Cryptography;
using Entente.Ledger;
using Entente.Storage;
using Entente.Tests.Storage;
using Entente.Witnessing;

namespace Entente.Tests.Witnessing;

public class WitnessStoreTests
{
    private static readonly ECDsa Key = ECDsa.Create(ECCurve.NamedCurves.nistP256);

    private static SeenCheckpoint Seen(TestLog log, long size, DateTimeOffset at, bool consistent = true) =>
        new(log.Code, size, log.Root(size), log.Note(size), at, consistent);

    [StoreTheory, BothStores]
    public async Task Every_distinct_checkpoint_seen_is_kept_and_the_reference_is_the_same_size_or_else_the_largest(StorageProvider provider)
    {
        await using var test = await TestStore.CreateAsync(provider);
        await using var store = WitnessStore.Open(test.Database);
        var log = TestLog.Of("KR", Key, 20);
        var fork = TestLog.Of("KR", Key, 20, "fork");
        var t = TestStore.Start;

        Assert.Null(await store.ReferenceAsync("KR", 5));
        await store.RecordSeenAsync(Seen(log, 5, t));
        await store.RecordSeenAsync(Seen(log, 5, t.AddMinutes(5)));
        await store.RecordSeenAsync(Seen(log, 12, t.AddMinutes(10)));
        await store.RecordSeenAsync(Seen(fork, 20, t.AddMinutes(15), consistent: false));

        var reference = await store.ReferenceAsync("KR", 5);
        Assert.Equal((5L, t), (reference!.TreeSize, reference.SeenAt));
        Assert.Equal(log.Note(5), reference.Note);
        Assert.Equal(12, (await store.ReferenceAsync("KR", 20))!.TreeSize);
        Assert.Null(await store.ReferenceAsync("NL", 20));

        var witnessed = await store.WitnessedAsync("KR");
        Assert.Equal([(5L, true), (12L, true), (20L, false)], witnessed.Select(s => (s.TreeSize, s.Consistent)));
        Assert.Equal(fork.Root(20), witnessed[2].Root);
        Assert.Equal(3, (await store.WitnessedAsync()).Count);
    }

    [StoreTheory, BothStores]
    public async Task A_newer_cosignature_for_the_same_checkpoint_replaces_an_older_one_and_never_the_reverse(StorageProvider provider)
    {
        await using var test = await TestStore.CreateAsync(provider);
        await using var store = WitnessStore.Open(test.Database);
        var root = RandomNumberGenerator.GetBytes(32);
        var t = TestStore.Start;

        await store.RecordCosignatureAsync(new ReceivedCosignature("NL", 7, root, "— NL first", t, t));
        await store.RecordCosignatureAsync(new ReceivedCosignature("NL", 7, root, "— NL newer", t.AddMinutes(5), t.AddMinutes(5)));
        await store.RecordCosignatureAsync(new ReceivedCosignature("NL", 7, root, "— NL replayed", t.AddMinutes(1), t.AddMinutes(6)));
        await store.RecordCosignatureAsync(new ReceivedCosignature("DE", 7, root, "— DE", t, t));
        await store.RecordCosignatureAsync(new ReceivedCosignature("NL", 9, root, "— NL nine", t, t));

        var at7 = await store.CosignaturesAsync(7);
        Assert.Equal([("DE", "— DE"), ("NL", "— NL newer")], at7.Select(c => (c.Witness, c.Signature)));
        Assert.Equal(t.AddMinutes(5), at7[1].CosignedAt);
        Assert.Equal(root, at7[1].Root);
        Assert.Equal([9L, 7L, 7L], (await store.CosignaturesAsync()).Select(c => c.TreeSize));
    }

    [StoreTheory, BothStores]
    public async Task An_alarm_is_stored_once_per_evidence_and_acknowledged_once(StorageProvider provider)
    {
        await using var test = await TestStore.CreateAsync(provider);
        await using var store = WitnessStore.Open(test.Database);
        var evidence = new EquivocationEvidence("KR", EquivocationKinds.SameSizeDifferentRoot, "a", "b", null, "two roots").ToJson();
        var alarm = new EquivocationAlarm("eq-1", "KR", TestStore.Start, EquivocationKinds.SameSizeDifferentRoot, evidence, null, null);

        Assert.True(await store.RecordAlarmAsync(alarm));
        Assert.False(await store.RecordAlarmAsync(alarm with { DetectedAt = TestStore.Start.AddHours(1) }));
        Assert.Equal([alarm], await store.AlarmsAsync());

        Assert.True(await store.AcknowledgeAlarmAsync("eq-1", "auditor-1", TestStore.Start.AddDays(1)));
        Assert.False(await store.AcknowledgeAlarmAsync("eq-1", "auditor-2", TestStore.Start.AddDays(2)));
        var acknowledged = Assert.Single(await store.AlarmsAsync());
        Assert.Equal(("auditor-1", TestStore.Start.AddDays(1)), (acknowledged.AcknowledgedBy, acknowledged.AcknowledgedAt));
        Assert.Equal(evidence, acknowledged.Evidence);
    }

    [StoreTheory, BothStores]
    public async Task The_checkpoints_this_node_signed_are_found_by_size(StorageProvider provider)
    {
        await using var test = await TestStore.CreateAsync(provider);
        await using var store = WitnessStore.Open(test.Database);
        await using var ledger = LedgerStore.Open(test.Database, test.Time);
        await ledger.AppendAsync("erasure", new LedgerActor("t", "KR"), new System.Text.Json.Nodes.JsonObject());
        var signed = await ledger.SignCheckpointAsync(Key, "entente/KR/ledger");

        Assert.Equal(signed.Note, await store.SignedCheckpointAsync(1));
        Assert.Null(await store.SignedCheckpointAsync(2));
    }
}
