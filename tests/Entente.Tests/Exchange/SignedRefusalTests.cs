using System.Security.Cryptography;
using Entente.Exchange;
using static Entente.Tests.Agreements.AgreementTestKit;

namespace Entente.Tests.Exchange;

/// <summary>
/// The sender gives a message up only on the partner's own signed refusal of that very message: a refusal anyone on
/// the way could claim (unsigned, signed by another key, for other bytes, another message, another code) leaves it
/// to be sent again.
/// </summary>
public sealed class SignedRefusalTests
{
    private static readonly EnvelopeHeader Header = EnvelopeTests.Header(id: "m-refused");
    private static readonly byte[] Digest = SHA256.HashData("the envelope NL sent"u8);
    private static readonly Rejection Refusal = new(RejectionCode.FieldNotAllowed, "payload/parties/0/id: the agreement does not let this field travel");
    private static readonly ExchangePartner Kr = new("KR", new Uri("http://127.0.0.1:1/"), KrKey, Fingerprint(KrKey), ECDiffieHellman.Create(ECCurve.NamedCurves.nistP256));

    private static byte[] SignedBy(ECDsa key, EnvelopeHeader? header = null, byte[]? digest = null, Rejection? rejection = null, string self = "KR") =>
        NegativeReceipt.Sign(header ?? Header, digest ?? Digest, self, rejection ?? Refusal, InForceAt, key, Fingerprint(key));

    private static string? Problem(byte[]? signed, Rejection? answered = null) =>
        OutboxDispatcher.SignedRefusalProblem("NL", Kr, Header.MessageId, Digest, answered ?? Refusal, signed);

    [Fact]
    public void The_partners_signed_refusal_of_this_message_is_final()
    {
        Assert.Null(Problem(SignedBy(KrKey)));
    }

    [Fact]
    public void A_refusal_without_a_negative_receipt_is_not_final()
    {
        Assert.Equal("the refusal carries no signed negative receipt", Problem(null));
    }

    [Fact]
    public void A_negative_receipt_signed_by_another_key_is_not_final()
    {
        using var stranger = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        Assert.Contains("signature", Problem(SignedBy(stranger)), StringComparison.Ordinal);
        // The sender's own key neither: only the partner can refuse.
        Assert.Contains("signature", Problem(SignedBy(NlKey)), StringComparison.Ordinal);
    }

    [Fact]
    public void A_negative_receipt_for_other_bytes_another_message_or_another_code_is_not_final()
    {
        Assert.Equal("negative receipt: names another envelope (digest differs)", Problem(SignedBy(KrKey, digest: SHA256.HashData("other bytes"u8))));
        Assert.Equal("negative receipt: for message m-other, not m-refused", Problem(SignedBy(KrKey, header: EnvelopeTests.Header(id: "m-other"))));
        Assert.Equal("negative receipt: says field-not-allowed, the answer says not-permitted",
            Problem(SignedBy(KrKey), new Rejection(RejectionCode.NotPermitted, "another reason")));
        Assert.Equal("negative receipt: signed as DE, not KR", Problem(SignedBy(KrKey, self: "DE")));
    }

    [Fact]
    public void A_damaged_negative_receipt_is_not_final()
    {
        var signed = SignedBy(KrKey);
        signed[^10] ^= 0x01;
        Assert.NotNull(Problem(signed));
    }
}
