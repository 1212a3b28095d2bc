using System.Buffers.Binary;
using System.Formats.Cbor;

namespace Entente.Blinded;

/// <summary>
/// A holder's blinded index: the sorted, distinct 8-byte tags (the first 8 bytes of F_k(x), big-endian) of every
/// identifier it holds, under key <see cref="KeyId"/>, at <see cref="Version"/>. With n tags a query that the holder
/// does not hold matches by chance with probability n / 2^64 (1,000,000 tags: 5.4e-14). On the wire (docs/blinded.md):
/// a CBOR map signed by the holder (COSE_Sign1), 8 bytes per tag.
/// </summary>
public sealed class BlindedIndex
{
    public const int TagBytes = 8;

    public const string ContentType = "application/entente-blinded-index+cbor";

    public BlindedIndex(string holder, string keyId, byte[] publicKey, long version, ulong[] sortedTags)
    {
        Holder = holder;
        KeyId = keyId;
        PublicKey = publicKey;
        Version = version;
        Tags = sortedTags;
    }

    public string Holder { get; }

    public string KeyId { get; }

    /// <summary>pkS = k·G of the key the tags were made with (32 bytes): every evaluation's proof is verified against it.</summary>
    public byte[] PublicKey { get; }

    public long Version { get; }

    public ulong[] Tags { get; }

    public int Count => Tags.Length;

    /// <summary>The entity tag the index is served under: the key and the version.</summary>
    public string ETag => $"\"{KeyId}-{Version}\"";

    public bool Contains(ulong tag) => Array.BinarySearch(Tags, tag) >= 0;

    public static ulong TagOf(ReadOnlySpan<byte> output) => BinaryPrimitives.ReadUInt64BigEndian(output);

    public static string Hex(ulong tag) => tag.ToString("x16", System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>The CBOR payload: {"holder", "suite", "key", "pk", "version", "tagBytes", "count", "tags": one byte string of count × 8 bytes}.</summary>
    public byte[] ToCbor()
    {
        var writer = new CborWriter(CborConformanceMode.Canonical, initialCapacity: Tags.Length * TagBytes + 256);
        writer.WriteStartMap(8);
        writer.WriteTextString("pk"); writer.WriteByteString(PublicKey);
        writer.WriteTextString("key"); writer.WriteTextString(KeyId);
        writer.WriteTextString("tags");
        var bytes = new byte[Tags.Length * TagBytes];
        for (var i = 0; i < Tags.Length; i++) BinaryPrimitives.WriteUInt64BigEndian(bytes.AsSpan(i * TagBytes), Tags[i]);
        writer.WriteByteString(bytes);
        writer.WriteTextString("count"); writer.WriteInt32(Tags.Length);
        writer.WriteTextString("suite"); writer.WriteTextString(Voprf.Suite);
        writer.WriteTextString("holder"); writer.WriteTextString(Holder);
        writer.WriteTextString("version"); writer.WriteInt64(Version);
        writer.WriteTextString("tagBytes"); writer.WriteInt32(TagBytes);
        writer.WriteEndMap();
        return writer.Encode();
    }

    /// <summary>Reads the payload; <see cref="FormatException"/> naming what is wrong (tags out of order included).</summary>
    public static BlindedIndex FromCbor(ReadOnlyMemory<byte> cbor)
    {
        try
        {
            var reader = new CborReader(cbor, CborConformanceMode.Lax);
            var fields = new Dictionary<string, object>(StringComparer.Ordinal);
            var count = reader.ReadStartMap() ?? throw new FormatException("index: an indefinite map");
            for (var i = 0; i < count; i++)
            {
                var key = reader.ReadTextString();
                fields[key] = reader.PeekState() switch
                {
                    CborReaderState.TextString => reader.ReadTextString(),
                    CborReaderState.ByteString => reader.ReadByteString(),
                    CborReaderState.UnsignedInteger => reader.ReadInt64(),
                    _ => throw new FormatException($"index: '{key}' is neither text, bytes nor a whole number"),
                };
            }
            string Text(string k) => fields.GetValueOrDefault(k) as string ?? throw new FormatException($"index: '{k}' missing or not text");
            long Number(string k) => fields.GetValueOrDefault(k) is long n ? n : throw new FormatException($"index: '{k}' missing or not a number");
            if (Text("suite") != Voprf.Suite)
                throw new FormatException($"index: suite '{Text("suite")}', expected '{Voprf.Suite}' (RFC 9497 mode 0x01; an index from a node still on the base OPRF cannot be checked)");
            if (Number("tagBytes") != TagBytes) throw new FormatException($"index: tagBytes {Number("tagBytes")}, expected {TagBytes}");
            var bytes = fields.GetValueOrDefault("tags") as byte[] ?? throw new FormatException("index: 'tags' missing or not bytes");
            if (bytes.Length != Number("count") * TagBytes) throw new FormatException($"index: {bytes.Length} bytes of tags for a count of {Number("count")}");
            var tags = new ulong[bytes.Length / TagBytes];
            for (var i = 0; i < tags.Length; i++)
            {
                tags[i] = BinaryPrimitives.ReadUInt64BigEndian(bytes.AsSpan(i * TagBytes));
                if (i > 0 && tags[i] <= tags[i - 1]) throw new FormatException($"index: tag {i} is not above the one before (tags are sorted and distinct)");
            }
            var pk = fields.GetValueOrDefault("pk") as byte[] ?? throw new FormatException("index: 'pk' (the public key the index commits to) missing or not bytes");
            if (pk.Length != Oprf.ElementBytes || !Sodium.IsValidPoint(pk) || pk.AsSpan().IndexOfAnyExcept((byte)0) < 0)
                throw new FormatException($"index: 'pk' is not a ristretto255 element ({pk.Length} bytes)");
            if (BlindedKey.IdOf(pk) != Text("key")) throw new FormatException($"index: key '{Text("key")}' is not the id of its 'pk' ({BlindedKey.IdOf(pk)})");
            return new BlindedIndex(Text("holder"), Text("key"), pk, Number("version"), tags);
        }
        catch (CborContentException e)
        {
            throw new FormatException($"index: not the expected CBOR ({e.Message})", e);
        }
        catch (InvalidOperationException e)
        {
            throw new FormatException($"index: not the expected CBOR ({e.Message})", e);
        }
    }
}
