using System.Security.Cryptography;
using System.Text;
using Entente.Agreements;
using Entente.Exchange;
using static Entente.Tests.Agreements.AgreementTestKit;

namespace Entente.Tests.Exchange;

public sealed class EnvelopeTests
{
    private static readonly ECDiffieHellman KrEncryption = ECDiffieHellman.Create(ECCurve.NamedCurves.nistP256);
    private static readonly ECDiffieHellman OtherEncryption = ECDiffieHellman.Create(ECCurve.NamedCurves.nistP256);
    private static readonly Agreement Nlkr = Bilateral();
    private static readonly DateTimeOffset Now = InForceAt;

    private static readonly byte[] Payload = Encoding.UTF8.GetBytes(
        """{"goodsShipment":{"goodsItems":[{"classification":{"code":"854231"},"originCountryCode":"CN"}]},"acceptanceDateTime":"2026-05"}""");

    internal static EnvelopeHeader Header(string id = "m-1", long seq = 1, string to = "KR", Purpose purpose = Purpose.RiskManagement,
        DataCategory category = DataCategory.Declarations, HandlingCode handling = HandlingCode.H2, Agreement? agreement = null) =>
        new(id, "c-1", seq, HeaderRules.Kinds[category][0], "NL", to, (agreement ?? Nlkr).Id, (agreement ?? Nlkr).ContentHash, purpose, category, handling,
            new EvaluationCode('B', 2), Now, Now.AddDays(30));

    private static byte[] Seal(EnvelopeHeader header, byte[]? payload = null, ECDsa? signer = null, ECDiffieHellman? to = null) =>
        Envelope.Seal(header, payload ?? Payload, signer ?? NlKey, Fingerprint(NlKey), to ?? KrEncryption);

    private static EnvelopeOpening Open(byte[] envelope, DateTimeOffset? at = null, string self = "KR", ECDiffieHellman? key = null) =>
        Envelope.Open(envelope, self, key ?? KrEncryption, code => code == "NL" ? (NlKey, Fingerprint(NlKey)) : null, at ?? Now);

    [Fact]
    public void A_sealed_envelope_opens_for_its_recipient_with_the_same_header_and_payload()
    {
        var header = Header() with { CaseReference = "NL-2026-0042" };
        var opened = Assert.IsType<EnvelopeOpening.Opened>(Open(Seal(header)));
        Assert.Equal(header, opened.Header);
        Assert.Equal(Payload, opened.Payload);
    }

    [Fact]
    public void The_payload_is_not_readable_in_the_envelope()
    {
        var envelope = Seal(Header());
        Assert.Equal(-1, envelope.AsSpan().IndexOf("854231"u8));
        Assert.Equal(-1, envelope.AsSpan().IndexOf("goodsShipment"u8));
    }

    [Fact]
    public void Any_changed_byte_is_refused_and_never_opened()
    {
        var envelope = Seal(Header());
        for (var i = 0; i < envelope.Length; i += 7)
        {
            var changed = (byte[])envelope.Clone();
            changed[i] ^= 0x20;
            var opening = Open(changed);
            Assert.IsType<EnvelopeOpening.Refused>(opening);
        }
    }

    [Fact]
    public void A_forged_signature_is_refused_as_such()
    {
        using var forger = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var envelope = Envelope.Seal(Header(), Payload, forger, Fingerprint(NlKey), KrEncryption);
        var refused = Assert.IsType<EnvelopeOpening.Refused>(Open(envelope));
        Assert.Equal(RejectionCode.BadSignature, refused.Rejection.Code);
        Assert.True(refused.Rejection.Permanent);
    }

    [Fact]
    public void A_message_for_another_node_is_refused_even_when_it_holds_the_key()
    {
        var refused = Assert.IsType<EnvelopeOpening.Refused>(Open(Seal(Header(to: "DE")), self: "KR"));
        Assert.Equal(RejectionCode.WrongRecipient, refused.Rejection.Code);
    }

    [Fact]
    public void A_message_sealed_to_another_key_does_not_decrypt()
    {
        var refused = Assert.IsType<EnvelopeOpening.Refused>(Open(Seal(Header(), to: OtherEncryption)));
        Assert.Equal(RejectionCode.Undecryptable, refused.Rejection.Code);
    }

    [Fact]
    public void An_unknown_sender_is_refused()
    {
        var envelope = Seal(Header() with { Sender = "DE" });
        var refused = Assert.IsType<EnvelopeOpening.Refused>(Open(envelope));
        Assert.Equal(RejectionCode.UnknownSender, refused.Rejection.Code);
    }

    [Fact]
    public void An_expired_message_and_one_from_the_future_are_refused()
    {
        var envelope = Seal(Header());
        Assert.Equal(RejectionCode.Expired, Assert.IsType<EnvelopeOpening.Refused>(Open(envelope, Now.AddDays(31))).Rejection.Code);
        Assert.Equal(RejectionCode.NotYetValid, Assert.IsType<EnvelopeOpening.Refused>(Open(envelope, Now.AddMinutes(-6))).Rejection.Code);
        Assert.IsType<EnvelopeOpening.Opened>(Open(envelope, Now.AddMinutes(-4)));
    }

    [Theory]
    [InlineData(new byte[0])]
    [InlineData(new byte[] { 0xd2, 0x84 })]
    [InlineData(new byte[] { 0xff, 0xff, 0xff, 0xff })]
    public void Junk_is_refused_as_malformed(byte[] junk) =>
        Assert.Equal(RejectionCode.Malformed, Assert.IsType<EnvelopeOpening.Refused>(Open(junk)).Rejection.Code);

    [Fact]
    public void A_receipt_binds_the_envelope_and_a_third_party_can_check_the_pair_offline()
    {
        var envelope = Seal(Header());
        var opened = Assert.IsType<EnvelopeOpening.Opened>(Open(envelope));
        var receipt = Receipt.Sign(opened.Header, opened.Digest, Now, KrKey, Fingerprint(KrKey));

        using var nlPublic = ECDsa.Create();
        nlPublic.ImportSubjectPublicKeyInfo(NlKey.ExportSubjectPublicKeyInfo(), out _);
        using var krPublic = ECDsa.Create();
        krPublic.ImportSubjectPublicKeyInfo(KrKey.ExportSubjectPublicKeyInfo(), out _);
        Assert.Empty(Receipt.VerifyPair(envelope, receipt, nlPublic, krPublic));

        var other = Seal(Header(id: "m-2"));
        Assert.Contains(Receipt.VerifyPair(other, receipt, nlPublic, krPublic), p => p.Contains("digest", StringComparison.Ordinal));
        Assert.Contains(Receipt.VerifyPair(envelope, receipt, nlPublic, nlPublic), p => p.Contains("receiver's key", StringComparison.Ordinal));
        var r = Receipt.Verify(receipt, krPublic);
        Assert.Equal(("m-1", "NL", "KR", Nlkr.ContentHash), (r.MessageId, r.Sender, r.Recipient, r.AgreementHash));
    }

    [Fact]
    public void The_header_survives_its_wire_form_and_refuses_a_bad_code_by_name()
    {
        var header = Header() with { AlertCategory = "discreet-check" };
        Assert.Equal(header, EnvelopeHeader.FromCbor(header.ToCbor()));
        var bad = header.ToCbor();
        var at = bad.AsSpan().IndexOf("H2"u8);
        bad[at + 1] = (byte)'7';
        var e = Assert.Throws<EnvelopeFormatException>(() => EnvelopeHeader.FromCbor(bad));
        Assert.Contains("header/hc", e.Message, StringComparison.Ordinal);
    }
}
