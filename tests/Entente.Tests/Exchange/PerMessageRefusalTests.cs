using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using Entente.Agreements;
using Entente.Exchange;
using Entente.Ledger;
using Entente.Storage;
using Entente.Tests.Exchange.Reliability;
using Evidence = Entente.Tests.Exchange.Reliability.Evidence;

namespace Entente.Tests.Exchange;

/// <summary>
/// Issue 14, findings 2 and 3, between real nodes over loopback HTTP: the receiver refuses per message, never per
/// batch — a message it cannot process is refused with a signed negative receipt and recorded (refusals and ledger)
/// while the rest of its batch is accepted — and it enforces the header rules docs/exchange.md promises. The sender
/// gives a message up only on the receiver's signed refusal.
/// </summary>
public sealed class PerMessageRefusalTests(RefusalNetwork fixture) : IClassFixture<RefusalNetwork>
{
    private const string Good = """{"seizure":{"id":"S-1","goods":"cocaine"}}""";
    private const string DuplicateMember = """{"seizure":{"id":"B","id":"B2"}}""";

    private EnvelopeHeader Header(DataCategory category = DataCategory.SeizureReports, Purpose purpose = Purpose.Investigation, HandlingCode handling = HandlingCode.H2,
        string kind = "seizure-report", EvaluationCode? evaluation = null)
    {
        var now = TimeProvider.System.GetUtcNow();
        var id = Guid.CreateVersion7().ToString("N");
        return new EnvelopeHeader("m-" + id, "c-" + id, 1, kind, "NL", "KR", fixture.Agreement.Id, fixture.Agreement.ContentHash,
            purpose, category, handling, evaluation, now, now.AddDays(1));
    }

    private byte[] SealByNl(EnvelopeHeader header, string json = Good) =>
        Envelope.Seal(header, Encoding.UTF8.GetBytes(json), fixture.Nl.SigningKey, fixture.Nl.Fingerprint, fixture.Kr.EncryptionKey);

    /// <summary>KR's public signing key alone, as its partners hold it.</summary>
    private ECDsa KrPublicKey()
    {
        var key = ECDsa.Create();
        key.ImportSubjectPublicKeyInfo(fixture.Kr.SigningKey.ExportSubjectPublicKeyInfo(), out _);
        return key;
    }

    private async Task<IReadOnlyList<DeliveryResult>> PostAsync(params byte[][] envelopes)
    {
        using var client = fixture.Net["KR"].Client();
        using var content = new ByteArrayContent(ExchangeWire.EncodeBatch(envelopes));
        content.Headers.ContentType = new MediaTypeHeaderValue(ExchangeWire.MediaType);
        using var response = await client.PostAsync(new Uri(ExchangeWire.MessagesPath, UriKind.Relative), content);
        var body = await response.Content.ReadAsByteArrayAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"HTTP {(int)response.StatusCode}: {Encoding.UTF8.GetString(body)}");
        var results = ExchangeWire.DecodeResults(body);
        Assert.Equal(envelopes.Length, results.Count);
        return results;
    }

    /// <summary>Refused with <paramref name="code"/> and KR's signed negative receipt for exactly this envelope; recorded in KR's refusals and ledger; not stored.</summary>
    private async Task<NegativeReceipt> AssertRefusedAsync(EnvelopeHeader header, byte[] envelope, DeliveryResult result, RejectionCode code)
    {
        Assert.False(result.Accepted);
        Assert.Equal(code, result.Rejection!.Code);
        Assert.True(result.Rejection.Permanent);
        using var kr = KrPublicKey();
        var negative = NegativeReceipt.Verify(Assert.IsType<byte[]>(result.NegativeReceipt), kr);
        Assert.Empty(negative.Mismatches(header.MessageId, Envelope.Digest(envelope), "NL", "KR", result.Rejection.Name));
        Assert.Equal((fixture.Agreement.Id, fixture.Agreement.ContentHash, result.Rejection.Detail), (negative.AgreementId, negative.AgreementHash, negative.Detail));

        var node = fixture.Net["KR"];
        Assert.DoesNotContain(await Evidence.InboxAsync(node), i => i.MessageId == header.MessageId);
        Assert.Contains((header.MessageId, result.Rejection.Name, "in"), (await Evidence.RejectionsAsync(node)).Select(r => (r.MessageId, r.Code, r.Direction)));
        var refused = Assert.Single(await RefusedEntriesAsync(node), e => e["message"]!.GetValue<string>() == header.MessageId);
        Assert.Equal(result.Rejection.Name, refused["code"]!.GetValue<string>());
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(result.NegativeReceipt!)), refused["negativeReceipt"]!.GetValue<string>());
        return negative;
    }

    private static async Task<List<JsonObject>> RefusedEntriesAsync(Support.NodeProcess node)
    {
        await using var database = NodeDatabase.Open(Evidence.DatabaseOf(node));
        await using var connection = await database.ConnectAsync();
        await using var command = NodeDatabase.Command(connection, null, "SELECT entry FROM ledger_entries ORDER BY idx");
        await using var reader = await command.ExecuteReaderAsync();
        var bodies = new List<JsonObject>();
        while (await reader.ReadAsync())
        {
            var entry = LedgerEntry.Parse((byte[])reader[0]);
            if (entry.Kind == LedgerKinds.MessageRefused) bodies.Add(entry.Body);
        }
        return bodies;
    }

    [Fact]
    public async Task A_message_with_a_member_twice_is_refused_alone_and_the_rest_of_its_batch_is_accepted_and_receipted()
    {
        var (first, bad, last) = (Header(), Header(), Header());
        var envelopes = new[] { SealByNl(first), SealByNl(bad, DuplicateMember), SealByNl(last) };

        var results = await PostAsync(envelopes);

        using var kr = KrPublicKey();
        foreach (var (header, index) in new[] { (first, 0), (last, 2) })
        {
            Assert.True(results[index].Accepted, results[index].Rejection?.ToString());
            var receipt = Receipt.Verify(results[index].Receipt!, kr);
            Assert.Equal(header.MessageId, receipt.MessageId);
            Assert.Equal(Envelope.Digest(envelopes[index]), receipt.EnvelopeDigest);
        }
        var negative = await AssertRefusedAsync(bad, envelopes[1], results[1], RejectionCode.InvalidPayload);
        Assert.StartsWith("payload: not one JSON object with each member once", negative.Detail, StringComparison.Ordinal);
        var inbox = await Evidence.InboxAsync(fixture.Net["KR"]);
        Assert.Contains(inbox, i => i.MessageId == first.MessageId);
        Assert.Contains(inbox, i => i.MessageId == last.MessageId);
    }

    [Fact]
    public async Task A_payload_of_the_wrong_json_type_for_its_kind_is_refused_with_a_negative_receipt()
    {
        var header = Header(DataCategory.RiskResults, Purpose.RiskManagement, HandlingCode.H1, "risk-result");
        var envelope = SealByNl(header, """{"riskResult":{"declarationMrn":26,"lane":"red"}}""");
        var negative = await AssertRefusedAsync(header, envelope, Assert.Single(await PostAsync(envelope)), RejectionCode.InvalidPayload);
        Assert.Equal("payload/riskResult/declarationMrn: expected a string", negative.Detail);
    }

    public static TheoryData<string> KindsUnrelatedToSeizureReports => HeaderRulesTests.KindsUnrelatedToSeizureReports;

    [Theory]
    [MemberData(nameof(KindsUnrelatedToSeizureReports))]
    public async Task A_kind_unrelated_to_its_category_is_refused(string kind)
    {
        var header = Header(kind: kind);
        var envelope = SealByNl(header);
        await AssertRefusedAsync(header, envelope, Assert.Single(await PostAsync(envelope)), RejectionCode.KindNotAllowed);
    }

    [Theory]
    [InlineData("C3")]
    [InlineData(null)]
    public async Task An_evaluation_other_than_the_agreements_or_none_is_refused(string? evaluation)
    {
        // The test network's agreement stamps A1 on declarations.
        var header = Header(DataCategory.Declarations, Purpose.RiskManagement, HandlingCode.H1, "declaration",
            evaluation is null ? null : new EvaluationCode(evaluation[0], evaluation[1] - '0'));
        var envelope = SealByNl(header, """{"mrn":"26NL0000000000001"}""");
        var negative = await AssertRefusedAsync(header, envelope, Assert.Single(await PostAsync(envelope)), RejectionCode.HandlingCode);
        Assert.StartsWith("header/eval: ", negative.Detail, StringComparison.Ordinal);

        var stamped = Header(DataCategory.Declarations, Purpose.RiskManagement, HandlingCode.H1, "declaration", new EvaluationCode('A', 1));
        Assert.True(Assert.Single(await PostAsync(SealByNl(stamped, """{"mrn":"26NL0000000000001"}"""))).Accepted);
    }

    [Fact]
    public async Task A_100_KB_case_reference_is_refused_naming_the_field()
    {
        var header = Header() with { CaseReference = new string('K', 100_000) };
        var envelope = SealByNl(header);
        var negative = await AssertRefusedAsync(header, envelope, Assert.Single(await PostAsync(envelope)), RejectionCode.HeaderTooLarge);
        Assert.Equal("header/case: 100000 characters; at most 128 are accepted", negative.Detail);
    }

    [Fact]
    public async Task The_sender_gives_up_a_message_the_receiver_refused_with_a_signed_negative_receipt_and_delivers_the_rest_of_the_batch()
    {
        var nl = fixture.Net["NL"];
        var (first, bad, last) = (Header(), Header(), Header());
        // Straight into NL's outbox, as a faulty or compromised NL application could queue them; NL's dispatcher sends them.
        await using (var database = NodeDatabase.Open(Evidence.DatabaseOf(nl)))
        {
            await using var connection = await database.ConnectAsync();
            await using var transaction = await database.BeginWriteAsync(connection);
            await ExchangeStore.EnqueueAsync(connection, transaction,
                [(first, Encoding.UTF8.GetBytes(Good)), (bad, Encoding.UTF8.GetBytes(DuplicateMember)), (last, Encoding.UTF8.GetBytes(Good))],
                (h, p) => Envelope.Seal(h, p, fixture.Nl.SigningKey, fixture.Nl.Fingerprint, fixture.Kr.EncryptionKey), TimeProvider.System.GetUtcNow());
            await transaction.CommitAsync();
        }

        var ids = new[] { first.MessageId, bad.MessageId, last.MessageId };
        List<OutboxRow> rows = [];
        for (var wait = 0; wait < 100; wait++)
        {
            rows = (await Evidence.OutboxAsync(nl)).Where(r => ids.Contains(r.MessageId)).ToList();
            if (rows.Count == 3 && rows.All(r => r.State is ExchangeStore.Delivered or ExchangeStore.Failed)) break;
            await Task.Delay(100);
        }
        var states = rows.ToDictionary(r => r.MessageId);
        Assert.Equal(ExchangeStore.Delivered, states[first.MessageId].State);
        Assert.Equal(ExchangeStore.Delivered, states[last.MessageId].State);
        var failed = states[bad.MessageId];
        Assert.Equal(ExchangeStore.Failed, failed.State);
        Assert.Contains("invalid-payload", failed.LastError, StringComparison.Ordinal);

        // NL's ledger holds the refusal by KR with the digest of KR's signed negative receipt (appended just after the outbox row is marked).
        var outEntries = new List<JsonObject>();
        for (var wait = 0; wait < 50 && outEntries.Count == 0; wait++)
        {
            outEntries = (await RefusedEntriesAsync(nl)).Where(e => e["message"]!.GetValue<string>() == bad.MessageId).ToList();
            if (outEntries.Count == 0) await Task.Delay(100);
        }
        var refused = Assert.Single(outEntries);
        Assert.Equal(("out", "invalid-payload"), (refused["direction"]!.GetValue<string>(), refused["code"]!.GetValue<string>()));
        var atKr = Assert.Single(await RefusedEntriesAsync(fixture.Net["KR"]), e => e["message"]!.GetValue<string>() == bad.MessageId);
        Assert.Equal(atKr["negativeReceipt"]!.GetValue<string>(), refused["negativeReceipt"]!.GetValue<string>());
        await Evidence.AssertLedgerVerifiesAsync(nl);
        await Evidence.AssertLedgerVerifiesAsync(fixture.Net["KR"]);
    }
}
