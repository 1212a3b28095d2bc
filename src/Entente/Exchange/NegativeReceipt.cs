using System.Formats.Cbor;
using System.Globalization;
using System.Security.Cryptography;

namespace Entente.Exchange;

/// <summary>
/// A signed refusal: the receiver's COSE_Sign1 (ES256) over a CBOR map binding the SHA-256 digest of the exact
/// envelope bytes refused, the recipient (the refusing node), and — when the receiver could read the header — the
/// message id, sender and agreement (id and hash), with the rejection code, its detail and the time. The sender checks
/// it with the receiver's key before it gives the message up for good; anyone can later check who refused what, why.
/// </summary>
public sealed record NegativeReceipt(
    string? MessageId, byte[] EnvelopeDigest, string? Sender, string Recipient, string? AgreementId, string? AgreementHash,
    string Code, string Detail, DateTimeOffset RefusedAt)
{
    public const string ContentType = "application/entente-refusal+cbor";

    /// <summary>The most characters of the detail a negative receipt carries (longer details are cut).</summary>
    public const int MaxDetail = 1000;

    /// <summary>Signs the refusal of the envelope with digest <paramref name="envelopeDigest"/> (its header when it could be read) with the receiver's key.</summary>
    public static byte[] Sign(
        EnvelopeHeader? header, byte[] envelopeDigest, string self, Rejection rejection, DateTimeOffset refusedAt, ECDsa receiverKey, string receiverKeyId)
    {
        var detail = rejection.Detail;
        if (detail.Length > MaxDetail) detail = detail[..(char.IsHighSurrogate(detail[MaxDetail - 1]) ? MaxDetail - 1 : MaxDetail)];
        var receipt = new NegativeReceipt(header?.MessageId, envelopeDigest, header?.Sender, self, header?.AgreementId, header?.AgreementHash, rejection.Name, detail, refusedAt);
        return SignedCbor.Sign(receipt.ToCbor(), ContentType, receiverKey, receiverKeyId);
    }

    /// <summary>Reads and verifies a negative receipt with the receiver's public key; throws <see cref="EnvelopeFormatException"/> saying what is wrong.</summary>
    public static NegativeReceipt Verify(ReadOnlySpan<byte> signed, ECDsa receiverKey) =>
        FromCbor(SignedCbor.Verify(signed, ContentType, receiverKey, "negative receipt", "the receiver's key"));

    /// <summary>
    /// The problems that keep this negative receipt from being the refusal of <paramref name="envelopeDigest"/>
    /// (message <paramref name="messageId"/> from <paramref name="sender"/>) by <paramref name="recipient"/> with
    /// <paramref name="code"/>; none when it is.
    /// </summary>
    public IReadOnlyList<string> Mismatches(string messageId, byte[] envelopeDigest, string sender, string recipient, string code)
    {
        var problems = new List<string>();
        if (!EnvelopeDigest.AsSpan().SequenceEqual(envelopeDigest)) problems.Add("negative receipt: names another envelope (digest differs)");
        if (MessageId is not null && MessageId != messageId) problems.Add($"negative receipt: for message {MessageId}, not {messageId}");
        if (Sender is not null && Sender != sender) problems.Add($"negative receipt: names {Sender} as the sender, not {sender}");
        if (Recipient != recipient) problems.Add($"negative receipt: signed as {Recipient}, not {recipient}");
        if (Code != code) problems.Add($"negative receipt: says {Code}, the answer says {code}");
        return problems;
    }

    /// <summary>The CBOR map, text keys in this order: id?, digest, from?, to, agr?, agr-hash?, code, detail, refused.</summary>
    public byte[] ToCbor()
    {
        var writer = new CborWriter(CborConformanceMode.Strict);
        var optional = (MessageId is null ? 0 : 1) + (Sender is null ? 0 : 1) + (AgreementId is null ? 0 : 1) + (AgreementHash is null ? 0 : 1);
        writer.WriteStartMap(5 + optional);
        Text(writer, "id", MessageId);
        writer.WriteTextString("digest");
        writer.WriteByteString(EnvelopeDigest);
        Text(writer, "from", Sender);
        Text(writer, "to", Recipient);
        Text(writer, "agr", AgreementId);
        Text(writer, "agr-hash", AgreementHash);
        Text(writer, "code", Code);
        Text(writer, "detail", Detail);
        Text(writer, "refused", RefusedAt.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fffffff'Z'", CultureInfo.InvariantCulture));
        writer.WriteEndMap();
        return writer.Encode();
    }

    public static NegativeReceipt FromCbor(ReadOnlyMemory<byte> cbor)
    {
        string? id = null, from = null, to = null, agreement = null, hash = null, code = null, detail = null, refused = null;
        byte[]? digest = null;
        try
        {
            var reader = new CborReader(cbor, CborConformanceMode.Lax);
            var count = reader.ReadStartMap() ?? throw new EnvelopeFormatException("negative receipt: expected a definite-length map");
            for (var i = 0; i < count; i++)
            {
                switch (reader.ReadTextString())
                {
                    case "id": id = reader.ReadTextString(); break;
                    case "digest": digest = reader.ReadByteString(); break;
                    case "from": from = reader.ReadTextString(); break;
                    case "to": to = reader.ReadTextString(); break;
                    case "agr": agreement = reader.ReadTextString(); break;
                    case "agr-hash": hash = reader.ReadTextString(); break;
                    case "code": code = reader.ReadTextString(); break;
                    case "detail": detail = reader.ReadTextString(); break;
                    case "refused": refused = reader.ReadTextString(); break;
                    default: reader.SkipValue(); break;
                }
            }
            reader.ReadEndMap();
        }
        catch (Exception e) when (e is CborContentException or InvalidOperationException)
        {
            throw new EnvelopeFormatException($"negative receipt: not the documented CBOR map ({e.Message})");
        }
        if (digest is not { Length: 32 } || to is null || code is null || detail is null || refused is null)
            throw new EnvelopeFormatException("negative receipt: expected digest (32 bytes), to, code, detail and refused");
        if (!DateTimeOffset.TryParseExact(refused, "yyyy-MM-dd'T'HH:mm:ss.fffffff'Z'", CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var at))
            throw new EnvelopeFormatException("negative receipt/refused: expected a UTC time yyyy-MM-ddTHH:mm:ss.fffffffZ");
        return new NegativeReceipt(id, digest, from, to, agreement, hash, code, detail, at);
    }

    private static void Text(CborWriter writer, string key, string? value)
    {
        if (value is null) return;
        writer.WriteTextString(key);
        writer.WriteTextString(value);
    }
}
