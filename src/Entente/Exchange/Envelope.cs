using System.Formats.Cbor;
using System.Security.Cryptography;
using System.Security.Cryptography.Cose;
using System.Text;

namespace Entente.Exchange;

/// <summary>
/// The envelope: a COSE_Sign1 (RFC 9052) signed with the sender's ECDSA P-256 key (ES256) whose payload is a
/// COSE_Encrypt to the recipient — content AES-256-GCM under a key agreed by ECDH-ES with HKDF-SHA-256 (RFC 9053
/// alg -25) between a fresh ephemeral key and the recipient's encryption key. The header
/// (<see cref="EnvelopeHeader"/>) rides in the signed protected headers and is the encryption's external AAD, so
/// neither can be moved to other content. docs/exchange.md describes every byte.
/// </summary>
public static class Envelope
{
    /// <summary>The largest envelope a node opens (16 MiB).</summary>
    public const int MaxBytes = 16 * 1024 * 1024;

    /// <summary>How far a sender's clock may run ahead of ours.</summary>
    public static readonly TimeSpan ClockTolerance = TimeSpan.FromMinutes(5);

    public const string ContentType = "application/cose; cose-type=\"cose-encrypt\"";

    /// <summary>The protected header that carries <see cref="EnvelopeHeader"/>.</summary>
    public static readonly CoseHeaderLabel HeaderLabel = new("entente");

    private const int AlgA256Gcm = 3;
    private const int AlgEcdhEsHkdf256 = -25;
    private const int CoseTagEncrypt = 96;
    private const int NonceBytes = 12;
    private const int TagBytes = 16;

    /// <summary>Seals <paramref name="payload"/> to the recipient's encryption key and signs it with the sender's key.</summary>
    public static byte[] Seal(EnvelopeHeader header, ReadOnlySpan<byte> payload, ECDsa senderSigningKey, string senderKeyId, ECDiffieHellman recipientEncryptionKey)
    {
        using var agreement = EphemeralAgreement.With(recipientEncryptionKey);
        return Seal(header, payload, senderSigningKey, senderKeyId, agreement);
    }

    /// <summary>
    /// Seals with an ephemeral key agreed once for several messages to one recipient (a batch): each message still
    /// gets its own content key, since the key derivation names the message id (COSE_KDF_Context PartyU nonce).
    /// </summary>
    public static byte[] Seal(EnvelopeHeader header, ReadOnlySpan<byte> payload, ECDsa senderSigningKey, string senderKeyId, EphemeralAgreement agreement)
    {
        var headerBytes = header.ToCbor();
        var encrypted = Encrypt(payload, headerBytes, header, agreement);
        var protectedHeaders = new CoseHeaderMap
        {
            { CoseHeaderLabel.ContentType, ContentType },
            { CoseHeaderLabel.KeyIdentifier, Encoding.UTF8.GetBytes(senderKeyId) },
        };
        protectedHeaders.Add(HeaderLabel, CoseHeaderValue.FromEncodedValue(headerBytes));
        var signer = new CoseSigner(senderSigningKey, HashAlgorithmName.SHA256, protectedHeaders);
        return CoseSign1Message.SignEmbedded(encrypted, signer);
    }

    /// <summary>The SHA-256 of an envelope's bytes: what receipts and the ledgers name it by.</summary>
    public static byte[] Digest(ReadOnlySpan<byte> envelope) => SHA256.HashData(envelope);

    /// <summary>
    /// Reads the header without checking anything (to route, to find the sender's key, or to report); throws
    /// <see cref="EnvelopeFormatException"/> when the bytes are not an envelope.
    /// </summary>
    public static (CoseSign1Message Message, EnvelopeHeader Header, string KeyId) Read(ReadOnlySpan<byte> envelope)
    {
        if (envelope.Length > MaxBytes) throw new EnvelopeFormatException($"envelope: {envelope.Length} bytes, at most {MaxBytes} accepted");
        CoseSign1Message message;
        try
        {
            message = CoseMessage.DecodeSign1(envelope);
        }
        // The COSE reader throws OverflowException, not CryptographicException, for a header label beyond 32 bits (found by fuzzing).
        catch (Exception e) when (e is CryptographicException or OverflowException)
        {
            throw new EnvelopeFormatException($"envelope: not a COSE_Sign1 message ({e.Message})");
        }
        if (message.Content is not { } content || content.Length == 0) throw new EnvelopeFormatException("envelope: the COSE_Sign1 has no embedded payload");
        if (!message.ProtectedHeaders.TryGetValue(HeaderLabel, out var headerValue))
            throw new EnvelopeFormatException("envelope: the protected header 'entente' is missing");
        if (!message.ProtectedHeaders.TryGetValue(CoseHeaderLabel.KeyIdentifier, out var kid))
            throw new EnvelopeFormatException("envelope: the protected header kid (4) is missing");
        string keyId;
        try
        {
            keyId = Encoding.UTF8.GetString(kid.GetValueAsBytes());
        }
        catch (InvalidOperationException)
        {
            throw new EnvelopeFormatException("envelope: the kid (4) is not a byte string");
        }
        return (message, EnvelopeHeader.FromCbor(headerValue.EncodedValue), keyId);
    }

    /// <summary>
    /// Checks the envelope cryptographically and in time, then decrypts it: the shape, that it is addressed to
    /// <paramref name="self"/>, that the sender is known (<paramref name="senderKey"/> gives its signing key and key id,
    /// or null), the signature, the validity window at <paramref name="now"/>, and the decryption. Pure: no I/O. The
    /// agreement, replay and field checks come after (<see cref="Acceptance"/>).
    /// </summary>
    public static EnvelopeOpening Open(
        ReadOnlySpan<byte> envelope,
        string self,
        ECDiffieHellman decryptionKey,
        Func<string, (ECDsa Key, string KeyId)?> senderKey,
        DateTimeOffset now,
        AgreedSecrets? secrets = null)
    {
        var digest = Digest(envelope);
        if (envelope.Length > MaxBytes) return new EnvelopeOpening.Refused(new Rejection(RejectionCode.TooLarge, $"{envelope.Length} bytes; at most {MaxBytes} are accepted"), null, digest);
        CoseSign1Message message;
        EnvelopeHeader header;
        string keyId;
        try
        {
            (message, header, keyId) = Read(envelope);
        }
        catch (EnvelopeFormatException e)
        {
            return new EnvelopeOpening.Refused(new Rejection(RejectionCode.Malformed, e.Message), null, digest);
        }
        if (header.Recipient != self)
            return new EnvelopeOpening.Refused(new Rejection(RejectionCode.WrongRecipient, $"addressed to {header.Recipient}, this node is {self}"), header, digest);
        if (senderKey(header.Sender) is not { } sender)
            return new EnvelopeOpening.Refused(new Rejection(RejectionCode.UnknownSender, $"{header.Sender} is not a partner of {self}"), header, digest);
        if (keyId != sender.KeyId)
            return new EnvelopeOpening.Refused(new Rejection(RejectionCode.BadSignature, $"signed with key {keyId}, but {header.Sender}'s key is {sender.KeyId}"), header, digest);
        bool verified;
        try
        {
            verified = message.VerifyEmbedded(sender.Key);
        }
        catch (CryptographicException e)
        {
            return new EnvelopeOpening.Refused(new Rejection(RejectionCode.BadSignature, $"the signature cannot be checked ({e.Message})"), header, digest);
        }
        if (!verified) return new EnvelopeOpening.Refused(new Rejection(RejectionCode.BadSignature, $"the signature does not verify with {header.Sender}'s key"), header, digest);
        if (now > header.ExpiresAt)
            return new EnvelopeOpening.Refused(new Rejection(RejectionCode.Expired, $"expired at {header.ExpiresAt:O}"), header, digest);
        if (header.CreatedAt > now + ClockTolerance)
            return new EnvelopeOpening.Refused(new Rejection(RejectionCode.NotYetValid, $"made at {header.CreatedAt:O}, later than this node's clock allows"), header, digest);
        try
        {
            var headerBytes = message.ProtectedHeaders[HeaderLabel].EncodedValue.Span;
            var payload = Decrypt(message.Content!.Value.Span, headerBytes, header, decryptionKey, secrets);
            return new EnvelopeOpening.Opened(header, payload, digest, keyId);
        }
        catch (EnvelopeFormatException e)
        {
            return new EnvelopeOpening.Refused(new Rejection(RejectionCode.Malformed, e.Message), header, digest);
        }
        catch (CryptographicException e)
        {
            return new EnvelopeOpening.Refused(new Rejection(RejectionCode.Undecryptable, $"the payload does not decrypt with {self}'s encryption key ({e.Message})"), header, digest);
        }
    }

    private static byte[] Encrypt(ReadOnlySpan<byte> plaintext, byte[] externalAad, EnvelopeHeader header, EphemeralAgreement agreement)
    {
        var recipientProtected = ProtectedAlg(AlgEcdhEsHkdf256);
        var key = ContentKey(agreement.SharedSecret, recipientProtected, header);
        var bodyProtected = ProtectedAlg(AlgA256Gcm);
        var nonce = RandomNumberGenerator.GetBytes(NonceBytes);
        var sealedBytes = new byte[plaintext.Length + TagBytes];
        using (var aes = new AesGcm(key, TagBytes))
            aes.Encrypt(nonce, plaintext, sealedBytes.AsSpan(0, plaintext.Length), sealedBytes.AsSpan(plaintext.Length), EncStructure(bodyProtected, externalAad));
        CryptographicOperations.ZeroMemory(key);

        var writer = new CborWriter(CborConformanceMode.Strict);
        writer.WriteTag((CborTag)CoseTagEncrypt);
        writer.WriteStartArray(4);
        writer.WriteByteString(bodyProtected);
        writer.WriteStartMap(1);
        writer.WriteInt32(5); // IV
        writer.WriteByteString(nonce);
        writer.WriteEndMap();
        writer.WriteByteString(sealedBytes);
        writer.WriteStartArray(1);
        writer.WriteStartArray(3);
        writer.WriteByteString(recipientProtected);
        writer.WriteStartMap(1);
        writer.WriteInt32(-1); // ephemeral key
        writer.WriteStartMap(4);
        writer.WriteInt32(1); // kty: EC2
        writer.WriteInt32(2);
        writer.WriteInt32(-1); // crv: P-256
        writer.WriteInt32(1);
        writer.WriteInt32(-2);
        writer.WriteByteString(agreement.X);
        writer.WriteInt32(-3);
        writer.WriteByteString(agreement.Y);
        writer.WriteEndMap();
        writer.WriteEndMap();
        writer.WriteByteString([]);
        writer.WriteEndArray();
        writer.WriteEndArray();
        writer.WriteEndArray();
        return writer.Encode();
    }

    private static byte[] Decrypt(ReadOnlySpan<byte> coseEncrypt, ReadOnlySpan<byte> externalAad, EnvelopeHeader header, ECDiffieHellman ownKey, AgreedSecrets? secrets)
    {
        byte[] bodyProtected, nonce, sealedBytes, recipientProtected, x, y;
        try
        {
            var reader = new CborReader(coseEncrypt.ToArray(), CborConformanceMode.Lax);
            if (reader.ReadTag() != (CborTag)CoseTagEncrypt) throw new EnvelopeFormatException("payload: expected a COSE_Encrypt (tag 96)");
            Expect(reader.ReadStartArray(), 4, "payload: COSE_Encrypt");
            bodyProtected = reader.ReadByteString();
            ExpectAlg(bodyProtected, AlgA256Gcm, "payload: protected alg");
            nonce = ReadSingle(reader, 5, "payload: unprotected IV (5)");
            if (nonce.Length != NonceBytes) throw new EnvelopeFormatException($"payload: IV of {nonce.Length} bytes, {NonceBytes} expected");
            sealedBytes = reader.ReadByteString();
            if (sealedBytes.Length < TagBytes) throw new EnvelopeFormatException("payload: ciphertext shorter than its tag");
            Expect(reader.ReadStartArray(), 1, "payload: recipients");
            Expect(reader.ReadStartArray(), 3, "payload: recipient");
            recipientProtected = reader.ReadByteString();
            ExpectAlg(recipientProtected, AlgEcdhEsHkdf256, "payload: recipient alg");
            Expect(reader.ReadStartMap(), 1, "payload: recipient unprotected");
            if (reader.ReadInt32() != -1) throw new EnvelopeFormatException("payload: recipient unprotected: expected the ephemeral key (-1)");
            Expect(reader.ReadStartMap(), 4, "payload: ephemeral COSE_Key");
            int? kty = null, crv = null;
            x = y = [];
            for (var i = 0; i < 4; i++)
            {
                switch (reader.ReadInt32())
                {
                    case 1: kty = reader.ReadInt32(); break;
                    case -1: crv = reader.ReadInt32(); break;
                    case -2: x = reader.ReadByteString(); break;
                    case -3: y = reader.ReadByteString(); break;
                    default: throw new EnvelopeFormatException("payload: ephemeral COSE_Key: unexpected parameter");
                }
            }
            if (kty != 2 || crv != 1 || x.Length != 32 || y.Length != 32) throw new EnvelopeFormatException("payload: ephemeral key: expected an EC2 P-256 key with 32-byte x and y");
            reader.ReadEndMap();
            reader.ReadEndMap();
            reader.ReadByteString();
            reader.ReadEndArray();
            reader.ReadEndArray();
            reader.ReadEndArray();
            if (reader.BytesRemaining != 0) throw new EnvelopeFormatException("payload: bytes after the COSE_Encrypt");
        }
        catch (Exception e) when (e is CborContentException or InvalidOperationException or OverflowException)
        {
            throw new EnvelopeFormatException($"payload: not a COSE_Encrypt in the documented shape ({e.Message})");
        }

        var shared = secrets?.Get(x, y);
        if (shared is null)
        {
            using var ephemeral = ECDiffieHellman.Create(new ECParameters { Curve = ECCurve.NamedCurves.nistP256, Q = new ECPoint { X = x, Y = y } });
            shared = ownKey.DeriveRawSecretAgreement(ephemeral.PublicKey);
            secrets?.Put(x, y, shared);
        }
        var key = ContentKey(shared, recipientProtected, header);
        try
        {
            var plaintext = new byte[sealedBytes.Length - TagBytes];
            using var aes = new AesGcm(key, TagBytes);
            aes.Decrypt(nonce, sealedBytes.AsSpan(0, plaintext.Length), sealedBytes.AsSpan(plaintext.Length), plaintext, EncStructure(bodyProtected, externalAad));
            return plaintext;
        }
        finally
        {
            CryptographicOperations.ZeroMemory(key);
        }
    }

    /// <summary>
    /// HKDF-SHA-256 over the shared secret with the COSE_KDF_Context (RFC 9053 §5.2) naming both nodes, and the message
    /// id as the PartyU nonce: one content key per message even when an ephemeral key serves a batch.
    /// </summary>
    private static byte[] ContentKey(byte[] sharedSecret, byte[] recipientProtected, EnvelopeHeader header)
    {
        var context = new CborWriter(CborConformanceMode.Strict);
        context.WriteStartArray(4);
        context.WriteInt32(AlgA256Gcm);
        PartyInfo(context, header.Sender, header.MessageId);
        PartyInfo(context, header.Recipient, null);
        context.WriteStartArray(2);
        context.WriteInt32(256);
        context.WriteByteString(recipientProtected);
        context.WriteEndArray();
        context.WriteEndArray();
        return HKDF.DeriveKey(HashAlgorithmName.SHA256, sharedSecret, 32, [], context.Encode());
    }

    private static void PartyInfo(CborWriter writer, string identity, string? nonce)
    {
        writer.WriteStartArray(3);
        writer.WriteByteString(Encoding.UTF8.GetBytes(identity));
        if (nonce is null) writer.WriteNull();
        else writer.WriteByteString(Encoding.UTF8.GetBytes(nonce));
        writer.WriteNull();
        writer.WriteEndArray();
    }

    private static byte[] EncStructure(byte[] bodyProtected, ReadOnlySpan<byte> externalAad)
    {
        var writer = new CborWriter(CborConformanceMode.Strict);
        writer.WriteStartArray(3);
        writer.WriteTextString("Encrypt");
        writer.WriteByteString(bodyProtected);
        writer.WriteByteString(externalAad);
        writer.WriteEndArray();
        return writer.Encode();
    }

    private static byte[] ProtectedAlg(int alg)
    {
        var writer = new CborWriter(CborConformanceMode.Strict);
        writer.WriteStartMap(1);
        writer.WriteInt32(1);
        writer.WriteInt32(alg);
        writer.WriteEndMap();
        return writer.Encode();
    }

    private static void ExpectAlg(byte[] protectedBytes, int alg, string what)
    {
        var reader = new CborReader(protectedBytes, CborConformanceMode.Lax);
        Expect(reader.ReadStartMap(), 1, what);
        if (reader.ReadInt32() != 1 || reader.ReadInt32() != alg) throw new EnvelopeFormatException($"{what}: expected alg {alg}");
    }

    private static byte[] ReadSingle(CborReader reader, int label, string what)
    {
        Expect(reader.ReadStartMap(), 1, what);
        if (reader.ReadInt32() != label) throw new EnvelopeFormatException($"{what}: expected label {label}");
        var value = reader.ReadByteString();
        reader.ReadEndMap();
        return value;
    }

    private static void Expect(int? count, int expected, string what)
    {
        if (count != expected) throw new EnvelopeFormatException($"{what}: expected {expected} entries, found {count?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "an indefinite number"}");
    }
}

/// <summary>
/// A fresh ephemeral ECDH key and the secret it agrees with one recipient's key: made per batch of messages to that
/// recipient (a batch's messages then share the ephemeral public key but not their content keys). Dispose it when
/// the batch is sealed: the ephemeral private key and the secret are then gone.
/// </summary>
public sealed class EphemeralAgreement : IDisposable
{
    private EphemeralAgreement(byte[] x, byte[] y, byte[] sharedSecret) => (X, Y, SharedSecret) = (x, y, sharedSecret);

    public byte[] X { get; }

    public byte[] Y { get; }

    internal byte[] SharedSecret { get; }

    public static EphemeralAgreement With(ECDiffieHellman recipientKey)
    {
        using var ephemeral = ECDiffieHellman.Create(ECCurve.NamedCurves.nistP256);
        using var recipient = recipientKey.PublicKey;
        var point = ephemeral.ExportParameters(false).Q;
        return new EphemeralAgreement(point.X!, point.Y!, ephemeral.DeriveRawSecretAgreement(recipient));
    }

    public void Dispose() => CryptographicOperations.ZeroMemory(SharedSecret);
}

/// <summary>
/// The receiver's memory of secrets agreed with senders' ephemeral keys (a batch shares one): at most
/// <see cref="Capacity"/>, forgotten all at once when full. Thread-safe.
/// </summary>
public sealed class AgreedSecrets
{
    public const int Capacity = 4096;

    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, byte[]> _secrets = new(StringComparer.Ordinal);

    internal byte[]? Get(byte[] x, byte[] y) => _secrets.TryGetValue(Convert.ToBase64String(x) + Convert.ToBase64String(y), out var s) ? s : null;

    internal void Put(byte[] x, byte[] y, byte[] secret)
    {
        if (_secrets.Count >= Capacity) _secrets.Clear();
        _secrets[Convert.ToBase64String(x) + Convert.ToBase64String(y)] = secret;
    }
}

/// <summary>The outcome of <see cref="Envelope.Open"/>: the header and plaintext, or a refusal (with the header when it could be read).</summary>
public abstract record EnvelopeOpening(byte[] Digest)
{
    public sealed record Opened(EnvelopeHeader Header, byte[] Payload, byte[] Digest, string SignerKeyId) : EnvelopeOpening(Digest);

    public sealed record Refused(Rejection Rejection, EnvelopeHeader? Header, byte[] Digest) : EnvelopeOpening(Digest);
}
