using System.Formats.Cbor;
using System.Globalization;
using System.Security.Cryptography;
using System.Security.Cryptography.Cose;
using System.Text;

namespace Entente.Exchange;

/// <summary>
/// A signed receipt: the receiver's COSE_Sign1 (ES256) over a CBOR map binding the message id, the SHA-256 digest of
/// the exact envelope bytes received, sender, recipient, agreement (id and hash) and the time of receipt. With the
/// envelope and both nodes' public keys anyone can check, offline, that this message was sent by the one and received
/// by the other under that agreement (<see cref="VerifyPair"/>).
/// </summary>
public sealed record Receipt(string MessageId, byte[] EnvelopeDigest, string Sender, string Recipient, string AgreementId, string AgreementHash, DateTimeOffset ReceivedAt)
{
    public const string ContentType = "application/entente-receipt+cbor";

    /// <summary>Signs a receipt for an opened envelope with the receiver's key.</summary>
    public static byte[] Sign(EnvelopeHeader header, byte[] envelopeDigest, DateTimeOffset receivedAt, ECDsa receiverKey, string receiverKeyId)
    {
        var receipt = new Receipt(header.MessageId, envelopeDigest, header.Sender, header.Recipient, header.AgreementId, header.AgreementHash, receivedAt);
        var protectedHeaders = new CoseHeaderMap
        {
            { CoseHeaderLabel.ContentType, ContentType },
            { CoseHeaderLabel.KeyIdentifier, Encoding.UTF8.GetBytes(receiverKeyId) },
        };
        return CoseSign1Message.SignEmbedded(receipt.ToCbor(), new CoseSigner(receiverKey, HashAlgorithmName.SHA256, protectedHeaders));
    }

    /// <summary>Reads and verifies a receipt with the receiver's public key; throws <see cref="EnvelopeFormatException"/> saying what is wrong.</summary>
    public static Receipt Verify(ReadOnlySpan<byte> signed, ECDsa receiverKey)
    {
        CoseSign1Message message;
        try
        {
            message = CoseMessage.DecodeSign1(signed);
        }
        catch (Exception e) when (e is CryptographicException or OverflowException) // a header label beyond 32 bits (fuzzing)
        {
            throw new EnvelopeFormatException($"receipt: not a COSE_Sign1 message ({e.Message})");
        }
        if (message.Content is not { } content) throw new EnvelopeFormatException("receipt: no embedded payload");
        bool verified;
        try
        {
            verified = message.VerifyEmbedded(receiverKey);
        }
        catch (CryptographicException e)
        {
            throw new EnvelopeFormatException($"receipt: the signature cannot be checked ({e.Message})");
        }
        if (!verified) throw new EnvelopeFormatException("receipt: the signature does not verify with the receiver's key");
        return FromCbor(content);
    }

    /// <summary>
    /// The offline check a third party runs: the envelope verifies with the sender's key, the receipt with the
    /// recipient's, and the receipt names that envelope (digest, id), those two nodes and the same agreement.
    /// Returns the problems found (none: the pair proves sending and receipt).
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
        if (!r.EnvelopeDigest.AsSpan().SequenceEqual(Envelope.Digest(envelope))) problems.Add("receipt: names another envelope (digest differs)");
        if (r.MessageId != header.MessageId) problems.Add($"receipt: for message {r.MessageId}, the envelope is {header.MessageId}");
        if (r.Sender != header.Sender || r.Recipient != header.Recipient) problems.Add($"receipt: {r.Sender} → {r.Recipient}, the envelope says {header.Sender} → {header.Recipient}");
        if (r.AgreementId != header.AgreementId || r.AgreementHash != header.AgreementHash) problems.Add($"receipt: agreement {r.AgreementId} ({r.AgreementHash}), the envelope names {header.AgreementId} ({header.AgreementHash})");
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
