using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using Entente.Agreements;
using Entente.Exchange;
using Entente.Identity;
using Entente.Ledger;

namespace Entente.Tests.Exchange.Reliability;

/// <summary>Two real nodes, NL and KR, and NL's keys at hand to craft envelopes a partner could not or must not send.</summary>
public sealed class RefusalNetwork : IAsyncLifetime
{
    public TestNetwork Net { get; private set; } = null!;

    public NodeIdentity Nl { get; private set; } = null!;

    public NodeIdentity Kr { get; private set; } = null!;

    public Agreement Agreement { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Net = await TestNetwork.StartAsync(["NL", "KR"]);
        Nl = NodeIdentity.Load(Net["NL"].Home, "NL", "Test administration");
        Kr = NodeIdentity.Load(Net["KR"].Home, "KR", "Test administration");
        Agreement = AgreementFile.ReadFolder(Path.Combine(Net["KR"].Home, "agreements"), TimeProvider.System.GetUtcNow()).Single().Agreement!;
    }

    public async Task DisposeAsync()
    {
        Nl.Dispose();
        Kr.Dispose();
        await Net.DisposeAsync();
    }
}

/// <summary>
/// Issue 4, reliability: every kind of message a node must refuse is refused with its code, stored nowhere, recorded
/// in the node's refusals, and — when its signature verified, so its sender is known for certain — in the ledger.
/// </summary>
[Trait("Category", "Reliability")]
[Collection(ReliabilityCollection.Name)]
public sealed class RefusalTests(RefusalNetwork fixture) : IClassFixture<RefusalNetwork>
{
    private static readonly TimeProvider Clock = TimeProvider.System;

    private EnvelopeHeader Header(DataCategory category = DataCategory.SeizureReports, Purpose purpose = Purpose.Investigation, HandlingCode handling = HandlingCode.H2)
    {
        var now = Clock.GetUtcNow();
        var id = Guid.CreateVersion7().ToString("N");
        return new EnvelopeHeader("m-" + id, "c-" + id, 1, HeaderRules.Kinds[category][0], "NL", "KR", fixture.Agreement.Id, fixture.Agreement.ContentHash,
            purpose, category, handling, null, now, now.AddDays(1));
    }

    private static byte[] Payload(string json) => Encoding.UTF8.GetBytes(json);

    private byte[] SealByNl(EnvelopeHeader header, string json = """{"seizure":{"id":"S-1","goods":"cocaine"}}""") =>
        Envelope.Seal(header, Payload(json), fixture.Nl.SigningKey, fixture.Nl.Fingerprint, fixture.Kr.EncryptionKey);

    private async Task<DeliveryResult> PostAsync(byte[] envelope)
    {
        using var client = fixture.Net["KR"].Client();
        using var content = new ByteArrayContent(ExchangeWire.EncodeBatch([envelope]));
        content.Headers.ContentType = new MediaTypeHeaderValue(ExchangeWire.MediaType);
        using var response = await client.PostAsync(new Uri(ExchangeWire.MessagesPath, UriKind.Relative), content);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var results = ExchangeWire.DecodeResults(await response.Content.ReadAsByteArrayAsync());
        return Assert.Single(results);
    }

    /// <summary>Refused with <paramref name="code"/>, not in the inbox, in the refusals, and in the ledger exactly when <paramref name="inLedger"/>.</summary>
    private async Task AssertRefusedAsync(EnvelopeHeader header, DeliveryResult result, RejectionCode code, bool inLedger)
    {
        Assert.False(result.Accepted);
        Assert.Equal(code, result.Rejection!.Code);
        Assert.True(result.Rejection.Permanent);
        var kr = fixture.Net["KR"];
        Assert.DoesNotContain(await Evidence.InboxAsync(kr), i => i.MessageId == header.MessageId);
        Assert.Contains((header.MessageId, result.Rejection.Name, "in"), (await Evidence.RejectionsAsync(kr)).Select(r => (r.MessageId, r.Code, r.Direction)));
        var ledger = await Evidence.LedgerMessagesAsync(kr, LedgerKinds.MessageRefused);
        Assert.Equal(inLedger ? 1 : 0, ledger.GetValueOrDefault(header.MessageId));
        Assert.Equal(0, (await Evidence.LedgerMessagesAsync(kr, LedgerKinds.DisclosureReceived)).GetValueOrDefault(header.MessageId));
    }

    [Fact]
    public async Task A_forged_signature_is_refused_and_recorded_but_never_enters_the_ledger()
    {
        var header = Header();
        using var forger = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var forged = Envelope.Seal(header, Payload("""{"seizure":{"id":"S-1"}}"""), forger, fixture.Nl.Fingerprint, fixture.Kr.EncryptionKey);
        await AssertRefusedAsync(header, await PostAsync(forged), RejectionCode.BadSignature, inLedger: false);
    }

    [Fact]
    public async Task A_message_signed_by_the_sender_but_with_a_byte_changed_on_the_way_is_refused_as_a_bad_signature()
    {
        var header = Header();
        var envelope = SealByNl(header);
        envelope[^10] ^= 0x40; // inside the signature
        await AssertRefusedAsync(header, await PostAsync(envelope), RejectionCode.BadSignature, inLedger: false);
    }

    [Fact]
    public async Task A_message_for_another_node_is_refused_as_wrong_recipient()
    {
        var header = Header() with { Recipient = "JP" };
        await AssertRefusedAsync(header, await PostAsync(SealByNl(header)), RejectionCode.WrongRecipient, inLedger: false);
    }

    [Fact]
    public async Task A_message_from_a_node_that_is_no_partner_is_refused_as_unknown_sender()
    {
        using var stranger = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var header = Header() with { Sender = "ZZ" };
        var envelope = Envelope.Seal(header, Payload("""{"seizure":{"id":"S-1"}}"""), stranger, NodeKeys.Fingerprint(stranger), fixture.Kr.EncryptionKey);
        await AssertRefusedAsync(header, await PostAsync(envelope), RejectionCode.UnknownSender, inLedger: false);
    }

    [Fact]
    public async Task An_expired_message_is_refused_and_the_refusal_is_in_the_ledger()
    {
        var now = Clock.GetUtcNow();
        var header = Header() with { CreatedAt = now.AddDays(-31), ExpiresAt = now.AddDays(-1) };
        await AssertRefusedAsync(header, await PostAsync(SealByNl(header)), RejectionCode.Expired, inLedger: true);
    }

    [Fact]
    public async Task A_replayed_message_id_with_other_content_is_refused_and_the_same_bytes_again_get_the_same_receipt()
    {
        var header = Header();
        var original = SealByNl(header);
        var first = await PostAsync(original);
        Assert.True(first.Accepted);
        Assert.False(first.Duplicate);

        var again = await PostAsync(original);
        Assert.True(again.Accepted);
        Assert.True(again.Duplicate);
        Assert.Equal(first.Receipt, again.Receipt);

        var replay = SealByNl(header with { Sequence = 2 }, """{"seizure":{"id":"S-1","goods":"sugar"}}""");
        var refused = await PostAsync(replay);
        Assert.Equal(RejectionCode.Replay, refused.Rejection!.Code);

        var kr = fixture.Net["KR"];
        var stored = Assert.Single(await Evidence.InboxAsync(kr), i => i.MessageId == header.MessageId);
        Assert.Contains("cocaine", stored.Payload, StringComparison.Ordinal);
        Assert.Equal(Envelope.Digest(original), stored.Digest);
        Assert.Equal(1, (await Evidence.LedgerMessagesAsync(kr, LedgerKinds.DisclosureReceived))[header.MessageId]);
        Assert.Contains((header.MessageId, "replay"), (await Evidence.RejectionsAsync(kr)).Select(r => (r.MessageId, r.Code)));
        Assert.Equal(1, (await Evidence.LedgerMessagesAsync(kr, LedgerKinds.MessageRefused)).GetValueOrDefault(header.MessageId));
    }

    [Fact]
    public async Task A_message_under_an_agreement_not_in_force_is_refused()
    {
        var unknown = Header() with { AgreementId = "expired-mou-2019" };
        await AssertRefusedAsync(unknown, await PostAsync(SealByNl(unknown)), RejectionCode.AgreementNotInForce, inLedger: true);
        var otherText = Header() with { AgreementHash = "sha256:" + new string('0', 64) };
        await AssertRefusedAsync(otherText, await PostAsync(SealByNl(otherText)), RejectionCode.AgreementNotInForce, inLedger: true);
    }

    [Fact]
    public async Task A_category_or_purpose_the_agreement_does_not_permit_is_refused()
    {
        var purpose = Header(purpose: Purpose.Prosecution);
        await AssertRefusedAsync(purpose, await PostAsync(SealByNl(purpose)), RejectionCode.NotPermitted, inLedger: true);
        // The test network's agreement covers no personal-party-data.
        var category = Header(category: DataCategory.PersonalPartyData, purpose: Purpose.Investigation);
        await AssertRefusedAsync(category, await PostAsync(SealByNl(category, """{"parties":[{"name":"X"}]}""")), RejectionCode.NotPermitted, inLedger: true);
    }

    [Fact]
    public async Task A_field_outside_the_allow_list_is_refused()
    {
        var header = Header(DataCategory.Declarations, Purpose.RiskManagement, HandlingCode.H1);
        var document = """{"mrn":"26NL0000000000001","parties":[{"role":"importer","name":"Van Dijk Import BV"}]}""";
        await AssertRefusedAsync(header, await PostAsync(SealByNl(header, document)), RejectionCode.FieldNotAllowed, inLedger: true);
        var extra = Header();
        await AssertRefusedAsync(extra, await PostAsync(SealByNl(extra, """{"seizure":{"id":"S-1"},"informant":{"name":"X"}}""")), RejectionCode.FieldNotAllowed, inLedger: true);
    }
}
