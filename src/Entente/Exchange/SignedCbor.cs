using System.Formats.Cbor;
using System.Security.Cryptography;
using System.Security.Cryptography.Cose;
using System.Text;

namespace Entente.Exchange;

/// <summary>
/// The COSE_Sign1 (ES256, embedded CBOR payload, protected content type and kid) that receipts and negative receipts
/// are written in (docs/protocol.md §6, §7.4.1); `what` names the artefact in error messages.
/// </summary>
internal static class SignedCbor
{
    public static byte[] Sign(byte[] payload, string contentType, ECDsa key, string keyId)
    {
        var protectedHeaders = new CoseHeaderMap
        {
            { CoseHeaderLabel.ContentType, contentType },
            { CoseHeaderLabel.KeyIdentifier, Encoding.UTF8.GetBytes(keyId) },
        };
        return CoseSign1Message.SignEmbedded(payload, new CoseSigner(key, HashAlgorithmName.SHA256, protectedHeaders));
    }

    /// <summary>The message, its payload and its kid, without checking the signature; <see cref="EnvelopeFormatException"/> when it is not one of <paramref name="contentType"/>.</summary>
    public static (CoseSign1Message Message, ReadOnlyMemory<byte> Payload, string KeyId) Read(ReadOnlySpan<byte> signed, string contentType, string what)
    {
        CoseSign1Message message;
        try
        {
            message = CoseMessage.DecodeSign1(signed);
        }
        // The COSE reader throws OverflowException, not CryptographicException, for a header label beyond 32 bits (found by fuzzing).
        catch (Exception e) when (e is CryptographicException or OverflowException)
        {
            throw new EnvelopeFormatException($"{what}: not a COSE_Sign1 message ({e.Message})");
        }
        if (message.Content is not { } content) throw new EnvelopeFormatException($"{what}: no embedded payload");
        if (!message.ProtectedHeaders.TryGetValue(CoseHeaderLabel.ContentType, out var type) || !IsText(type, contentType))
            throw new EnvelopeFormatException($"{what}: the content type is not {contentType}");
        if (!message.ProtectedHeaders.TryGetValue(CoseHeaderLabel.KeyIdentifier, out var kid))
            throw new EnvelopeFormatException($"{what}: the protected header kid (4) is missing");
        try
        {
            return (message, content, Encoding.UTF8.GetString(kid.GetValueAsBytes()));
        }
        catch (InvalidOperationException)
        {
            throw new EnvelopeFormatException($"{what}: the kid (4) is not a byte string");
        }
    }

    /// <summary>The payload of a message that verifies with <paramref name="key"/>; <see cref="EnvelopeFormatException"/> otherwise.</summary>
    public static ReadOnlyMemory<byte> Verify(ReadOnlySpan<byte> signed, string contentType, ECDsa key, string what, string whose)
    {
        var (message, payload, _) = Read(signed, contentType, what);
        bool verified;
        try
        {
            verified = message.VerifyEmbedded(key);
        }
        catch (CryptographicException e)
        {
            throw new EnvelopeFormatException($"{what}: the signature cannot be checked ({e.Message})");
        }
        if (!verified) throw new EnvelopeFormatException($"{what}: the signature does not verify with {whose}");
        return payload;
    }

    private static bool IsText(CoseHeaderValue value, string expected)
    {
        try
        {
            return value.GetValueAsString() == expected;
        }
        catch (Exception e) when (e is InvalidOperationException or CborContentException)
        {
            return false;
        }
    }
}
