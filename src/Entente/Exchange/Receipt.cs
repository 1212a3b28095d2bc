using System.Formats.Cbor;
using System.Globalization;
using System.Security.Cryptography;
using System.Security.Cryptography.Cose;

namespace Entente.Exchange;

/// <summary>
/// A signed receipt: the receiver's COSE_Sign1 (ES256) over a CBOR map binding the message id, the SHA-256 digest of
/// the exact envelope bytes received, sender, recipient, agreement (id and hash) and the time of receipt. With the
/// envelope, both nodes' certificates and the agreement anyone can check, offline, that this message was sent by the
/// one and received by the other under that agreement (<see cref="Evidence.Verify"/>).
/// </summary>
public sealed record Receipt(string MessageId, byte[] EnvelopeDigest, string Sender, string Recipient, string AgreementId, string AgreementHash, DateTimeOffset ReceivedAt)
{
    public const string ContentType = "application/entente-receipt+cbor";

    /// <summary>Signs a receipt for an opened envelope with the receiver's key.</summary>
    public static byte[] Sign(EnvelopeHeader header, byte[] envelopeDigest, DateTimeOffset receivedAt, ECDsa receiverKey, string receiverKeyId) =>
        SignedCbor.Sign(new Receipt(header.MessageId, envelopeDigest, header.Sender, header.Recipient, header.AgreementId, header.AgreementHash, receivedAt).ToCbor(),
            ContentType, receiverKey, receiverKeyId);

    /// <summary>Reads and verifies a receipt with the receiver's public key; throws <see cref="EnvelopeFormatException"/> saying what is wrong.</summary>
    public static Receipt Verify(ReadOnlySpan<byte> signed, ECDsa receiverKey) =>
        FromCbor(SignedCbor.Verify(signed, ContentType, receiverKey, "receipt", "the receiver's key"));

    /// <summary>
    /// Reads a receipt without checking its signature (to find the key it names, or to report); throws
    /// <see cref="EnvelopeFormatException"/> when the bytes are not a receipt.
    /// </summary>
    public static (CoseSign1Message Message, Receipt Receipt, string KeyId) Read(ReadOnlySpan<byte> signed)
    {
        var (message, payload, kid) = SignedCbor.Read(signed, ContentType, "receipt");
        return (message, FromCbor(payload), kid);
    }

    /// <summary>
    /// Whether the receipt names this envelope (digest, id), the same two nodes and the same agreement (id and hash);
    /// the problems found, none when it does.
    /// </summary>
    public IReadOnlyList<string> BindingProblems(EnvelopeHeader header, ReadOnlySpan<byte> envelope)
    {
        var problems = new List<string>();
        if (!EnvelopeDigest.AsSpan().SequenceEqual(Envelope.Digest(envelope))) problems.Add("receipt: names another envelope (digest differs)");
        if (MessageId != header.MessageId) problems.Add($"receipt: for message {MessageId}, the envelope is {header.MessageId}");
        if (Sender != header.Sender || Recipient != header.Recipient) problems.Add($"receipt: {Sender} → {Recipient}, the envelope says {header.Sender} → {header.Recipient}");
        if (AgreementId != header.AgreementId || AgreementHash != header.AgreementHash) problems.Add($"receipt: agreement {AgreementId} ({AgreementHash}), the envelope names {header.AgreementId} ({header.AgreementHash})");
        return problems;
    }

    /// <summary>
    /// The sender's check of a receipt its partner answered for <paramref name="envelope"/> (the bytes it sent): signed
    /// with the partner's registered key (<paramref name="partnerKey"/>) under its kid (<paramref name="partnerKeyId"/>,
    /// the key's fingerprint), naming that envelope, those two nodes and the agreement it was sent under. The receipt,
    /// or <see cref="EnvelopeFormatException"/> saying what does not match.
    /// </summary>
    public static Receipt Accept(ReadOnlySpan<byte> signed, ReadOnlySpan<byte> envelope, ECDsa partnerKey, string partnerKeyId)
    {
        var (_, _, kid) = Read(signed);
        if (kid != partnerKeyId) throw new EnvelopeFormatException($"receipt: kid '{(kid.Length <= 80 ? kid : kid[..80] + "…")}' is not the partner's key {partnerKeyId}");
        var receipt = Verify(signed, partnerKey);
        var sent = Envelope.Read(envelope).Header;
        if (receipt.BindingProblems(sent, envelope) is [var problem, ..]) throw new EnvelopeFormatException(problem);
        return receipt;
    }

    /// <summary>
    /// The signatures only: the envelope verifies with <paramref name="senderKey"/>, the receipt with
    /// <paramref name="recipientKey"/>, and the receipt names that envelope, those two nodes and the same agreement.
    /// It says nothing about whose keys these are: a third party checks evidence with <see cref="Evidence.Verify"/>,
    /// which binds the keys to a trust anchor (the signed agreement or a signed partner directory).
    /// </summary>
    public static IReadOnlyList<string> VerifyPair(ReadOnlySpan<byte> envelope, ReadOnlySpan<byte> receipt, ECDsa senderKey, ECDsa recipientKey)
    {
        var problems = new List<string>();
        EnvelopeHeader header;
        try
        {
            var (message, h, _) = Envelope.Read(envelope);
            header = h;
            if (!message.VerifyEmbedded(senderKey)) problems.Add($"envelope: the signature does not verify with the sender's key ({h.Sender})");
        }
        catch (Exception e) when (e is EnvelopeFormatException or CryptographicException)
        {
            return [$"envelope: {e.Message}"];
        }
        Receipt r;
        try
        {
            r = Verify(receipt, recipientKey);
        }
        catch (Exception e) when (e is EnvelopeFormatException or CryptographicException)
        {
            problems.Add(e.Message);
            return problems;
        }
        problems.AddRange(r.BindingProblems(header, envelope));
        return problems;
    }

    public byte[] ToCbor()
    {
        var writer = new CborWriter(CborConformanceMode.Strict);
        writer.WriteStartMap(7);
        writer.WriteTextString("id");
        writer.WriteTextString(MessageId);
        writer.WriteTextString("digest");
        writer.WriteByteString(EnvelopeDigest);
        writer.WriteTextString("from");
        writer.WriteTextString(Sender);
        writer.WriteTextString("to");
        writer.WriteTextString(Recipient);
        writer.WriteTextString("agr");
        writer.WriteTextString(AgreementId);
        writer.WriteTextString("agr-hash");
        writer.WriteTextString(AgreementHash);
        writer.WriteTextString("received");
        writer.WriteTextString(ReceivedAt.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fffffff'Z'", CultureInfo.InvariantCulture));
        writer.WriteEndMap();
        return writer.Encode();
    }

    public static Receipt FromCbor(ReadOnlyMemory<byte> cbor)
    {
        string? id = null, from = null, to = null, agreement = null, hash = null, received = null;
        byte[]? digest = null;
        try
        {
            var reader = new CborReader(cbor, CborConformanceMode.Lax);
            var count = reader.ReadStartMap() ?? throw new EnvelopeFormatException("receipt: expected a definite-length map");
            for (var i = 0; i < count; i++)
            {
                var key = reader.ReadTextString();
                switch (key)
                {
                    case "id": id = reader.ReadTextString(); break;
                    case "digest": digest = reader.ReadByteString(); break;
                    case "from": from = reader.ReadTextString(); break;
                    case "to": to = reader.ReadTextString(); break;
                    case "agr": agreement = reader.ReadTextString(); break;
                    case "agr-hash": hash = reader.ReadTextString(); break;
                    case "received": received = reader.ReadTextString(); break;
                    default: reader.SkipValue(); break;
                }
            }
            reader.ReadEndMap();
        }
        catch (Exception e) when (e is CborContentException or InvalidOperationException)
        {
            throw new EnvelopeFormatException($"receipt: not the documented CBOR map ({e.Message})");
        }
        if (id is null || digest is not { Length: 32 } || from is null || to is null || agreement is null || hash is null || received is null)
            throw new EnvelopeFormatException("receipt: expected id, digest (32 bytes), from, to, agr, agr-hash and received");
        if (!DateTimeOffset.TryParseExact(received, "yyyy-MM-dd'T'HH:mm:ss.fffffff'Z'", CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var at))
            throw new EnvelopeFormatException("receipt/received: expected a UTC time yyyy-MM-ddTHH:mm:ss.fffffffZ");
        return new Receipt(id, digest, from, to, agreement, hash, at);
    }
}
