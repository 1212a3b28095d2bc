using System.Security.Cryptography;
using System.Text;
using Entente.Access;
using Entente.Audit;
using Entente.Exchange;
using Entente.Ledger;
using Entente.Retention;
using Entente.Storage;
using Entente.Tests.Storage;

namespace Entente.Tests.Retention;

/// <summary>
/// Messages received from partners are erased at the end of the retention their agreement set (retain_until) by the
/// retention job, each erasure in the ledger under the message and its parties' tags (issue 15, item 9), keeping the
/// evidence (id, sender, agreement, digest, receipt, dates) and dropping the payload and the envelope; and the
/// outbox claims a node held under its name are released when it starts again.
/// </summary>
public class ReceivedRetentionTests
{
    private static readonly byte[] SubjectKey = RandomNumberGenerator.GetBytes(32);

    private static InboxItem Received(string id, long seq, DateTimeOffset receivedAt, DateTimeOffset retainUntil) => new(
        id, "NL", "c-15", seq, "record", "seizure-reports", "investigation", "test-network", "sha256:00", "H2", null, "with-consent",
        retainUntil, receivedAt, [1, 2, 3], [4, 5, 6], """{"seizure":{"id":"S-1","parties":[{"role":"carrier","id":"NL555666777"}]}}""", [7, 8, 9]);

    [StoreTheory, BothStores]
    public async Task Received_messages_are_erased_at_their_retain_until_and_each_erasure_is_in_the_ledger(StorageProvider provider)
    {
        await using var test = await TestStore.CreateAsync(provider);
        await using var ledger = LedgerStore.Open(test.Database, test.Time);
        var store = new ExchangeStore(ledger.Database);
        var now = test.Time.GetUtcNow();
        var outcomes = await store.StoreAsync([
            new InboxEntry("NL", "c-15", 1, Received("m-old", 1, now, now.AddDays(30))),
            new InboxEntry("NL", "c-15", 2, Received("m-new", 2, now, now.AddDays(400))),
        ]);
        Assert.All(outcomes, o => Assert.Equal(InboxOutcome.Stored, o));
        var retention = new RunRetention(new RetentionStore(ledger.Database, test.Time), ledger, () => SubjectKey, "GB", test.Time);

        test.Time.Advance(TimeSpan.FromDays(29));
        Assert.Equal(0, (await retention.EraseReceivedAsync("retention")).Erased);
        Assert.NotNull(await store.GetInboxAsync("m-old"));

        test.Time.Advance(TimeSpan.FromDays(1));
        var report = await retention.EraseReceivedAsync("retention");

        Assert.Equal(1, report.Erased);
        // The content is gone; the evidence of what was received and acknowledged stays.
        var erased = (await store.GetInboxAsync("m-old"))!;
        Assert.Equal(now.AddDays(30), erased.ErasedAt);
        Assert.Equal("", erased.Payload);
        Assert.Empty(erased.Envelope);
        Assert.Equal(new byte[] { 4, 5, 6 }, erased.Digest);
        Assert.Equal(new byte[] { 7, 8, 9 }, erased.Receipt);
        Assert.Equal(("NL", "test-network", now), (erased.Sender, erased.AgreementId, erased.ReceivedAt));
        Assert.Null((await store.GetInboxAsync("m-new"))!.ErasedAt);
        var evidence = (await store.InboxDigestsAsync(["m-old"]))["m-old"];
        Assert.Equal(new byte[] { 4, 5, 6 }, evidence.Digest);
        Assert.Equal(new byte[] { 7, 8, 9 }, evidence.Receipt);
        Assert.Equal(2, (await store.ListInboxAsync(null, null, 10)).Count);

        // A read of it says it was erased at retention, with the receipt, and needs no purpose: no personal data is left.
        var read = await new ReadReceived(store, new AccessRecorder(ledger, SubjectKey, "GB"))
            .HandleAsync(new LocalUser("kim", "GB", Role.Liaison), AccessRecorder.Api, "m-old", null, null);
        var message = Assert.IsType<ReadReceivedResult.Erased>(read).Message;
        Assert.Null(message.Payload);
        Assert.StartsWith("erased at retention on ", message.Erased, StringComparison.Ordinal);
        Assert.Equal(Convert.ToBase64String(new byte[] { 7, 8, 9 }), message.Receipt);
        Assert.Equal(now.AddDays(30), message.Summary.ErasedAt);

        // The next run finds nothing more to erase: one erasure, one ledger entry.
        Assert.Equal(0, (await retention.EraseReceivedAsync("retention")).Erased);
        var entry = await ledger.GetEntryAsync(Assert.Single(report.LedgerEntries));
        Assert.Equal(LedgerKinds.ReceivedErasure, entry!.Entry.Kind);
        Assert.Equal("m-old", entry.Entry.Body["message"]!.GetValue<string>());
        Assert.DoesNotContain("NL555666777", Encoding.UTF8.GetString(entry.Bytes), StringComparison.Ordinal);
        Assert.Equal(LedgerKinds.ReceivedErasure, Assert.Single(await AuditTrail.AboutAsync(ledger, LedgerSubjects.Party(SubjectKey, "NL555666777"))).Kind);
        Assert.Empty(LedgerKinds.CheckBody(entry.Entry.Kind, System.Text.Json.JsonDocument.Parse(entry.Entry.Body.ToJsonString()).RootElement));

        // A replay of the erased message is still out of order: the conversation keeps its place.
        Assert.Equal(InboxOutcome.SequenceTaken, Assert.Single(await store.StoreAsync([new InboxEntry("NL", "c-15", 1, Received("m-old", 1, now, now.AddDays(30)))])));
    }

    [StoreTheory, BothStores]
    public async Task A_node_releases_the_claims_its_previous_run_left_under_its_name_and_no_others(StorageProvider provider)
    {
        await using var test = await TestStore.CreateAsync(provider);
        await using var ledger = LedgerStore.Open(test.Database, test.Time);
        var store = new ExchangeStore(ledger.Database);
        var now = test.Time.GetUtcNow();
        await using (var connection = await ledger.Database.ConnectAsync())
        {
            foreach (var (id, seq) in new[] { ("m-1", 1), ("m-2", 2) })
            {
                await using var insert = NodeDatabase.Command(connection, null,
                    "INSERT INTO outbox (message_id, conversation_id, conversation_seq, recipient, kind, category, purpose, agreement_id, envelope, digest, created_at, expires_at, state, next_attempt_at) " +
                    "VALUES (@id, @c, 1, @r, 'record', 'alerts', 'risk-management', 'a', @e, @e, @now, @until, 'pending', @now)",
                    ("@id", id), ("@c", "c-" + seq), ("@r", "KR"), ("@e", new byte[] { 1 }), ("@now", now), ("@until", now.AddDays(1)));
                await insert.ExecuteNonQueryAsync();
            }
        }
        Assert.Single(await store.ClaimAsync("host-a", now, now.AddHours(1), 1, 0));
        Assert.Single(await store.ClaimAsync("host-b", now, now.AddHours(1), 1, 0));
        Assert.Empty(await store.ClaimAsync("host-a", now, now.AddHours(1), 10, 0));

        Assert.Equal(1, await store.ReleaseClaimsAsync("host-a"));

        var again = Assert.Single(await store.ClaimAsync("host-a", now, now.AddHours(1), 10, 0));
        Assert.Equal("m-1", again.MessageId);
    }
}
