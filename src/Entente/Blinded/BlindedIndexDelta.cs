using System.Buffers.Binary;
using System.Formats.Cbor;

namespace Entente.Blinded;

/// <summary>
/// What changed in a holder's index between two versions under one key: the tags added and the tags removed (each
/// sorted, distinct, 8 bytes), and the count after. An asker holding version <see cref="From"/> applies it to get
/// <see cref="Version"/> without fetching the whole index (docs/blinded.md, Incremental refresh). On the wire: a CBOR
/// map signed by the holder (COSE_Sign1, content type <see cref="ContentType"/>).
/// </summary>
public sealed class BlindedIndexDelta(string holder, string keyId, long from, long version, int count, ulong[] added, ulong[] removed)
{
    public const string ContentType = "application/entente-blinded-index-delta+cbor";

    public string Holder => holder;

    public string KeyId => keyId;

    public long From => from;

    public long Version => version;

    /// <summary>The number of tags in the index at <see cref="Version"/>.</summary>
    public int Count => count;

    public ulong[] Added => added;

    public ulong[] Removed => removed;

    /// <summary>The change from <paramref name="older"/> to <paramref name="newer"/> (same key), by merging their sorted tags.</summary>
    public static BlindedIndexDelta Between(BlindedIndex older, BlindedIndex newer)
    {
        var (a, b) = (older.Tags, newer.Tags);
        var plus = new List<ulong>();
        var minus = new List<ulong>();
        int i = 0, j = 0;
        while (i < a.Length || j < b.Length)
        {
            if (j == b.Length || (i < a.Length && a[i] < b[j])) minus.Add(a[i++]);
            else if (i == a.Length || b[j] < a[i]) plus.Add(b[j++]);
            else
            {
                i++;
                j++;
            }
        }
        return new BlindedIndexDelta(newer.Holder, newer.KeyId, older.Version, newer.Version, newer.Count, [.. plus], [.. minus]);
    }

    /// <summary>Successive deltas as one: what went and came back cancels out.</summary>
    public static BlindedIndexDelta Combine(IReadOnlyList<BlindedIndexDelta> chain)
    {
        var added = new HashSet<ulong>();
        var removed = new HashSet<ulong>();
        foreach (var delta in chain)
        {
            foreach (var tag in delta.Removed)
            {
                if (!added.Remove(tag)) removed.Add(tag);
            }
            foreach (var tag in delta.Added)
            {
                if (!removed.Remove(tag)) added.Add(tag);
            }
        }
        var last = chain[^1];
        return new BlindedIndexDelta(last.Holder, last.KeyId, chain[0].From, last.Version, last.Count, [.. added.Order()], [.. removed.Order()]);
    }

    /// <summary>
    /// The index at <see cref="Version"/> from the one at <see cref="From"/>; <see cref="FormatException"/> when the
    /// delta does not fit it (another holder, key or version; a removed tag it lacks, an added one it has; the count).
    /// </summary>
    public BlindedIndex ApplyTo(BlindedIndex known)
    {
        if (known.Holder != Holder || known.KeyId != KeyId || known.Version != From)
            throw new FormatException($"delta: from {Holder} {KeyId} version {From}, but the index kept is {known.Holder} {known.KeyId} version {known.Version}");
        var tags = new List<ulong>(known.Count + Added.Length);
        int i = 0, r = 0, a = 0;
        var old = known.Tags;
        while (i < old.Length || a < Added.Length)
        {
            if (a == Added.Length || (i < old.Length && old[i] < Added[a]))
            {
                var tag = old[i++];
                if (r < Removed.Length && Removed[r] == tag) r++;
                else tags.Add(tag);
            }
            else if (i == old.Length || Added[a] < old[i]) tags.Add(Added[a++]);
            else throw new FormatException($"delta: tag {BlindedIndex.Hex(Added[a])} is added but the index has it already");
        }
        if (r != Removed.Length) throw new FormatException("delta: a tag it removes is not in the index kept");
        if (tags.Count != Count) throw new FormatException($"delta: {tags.Count} tags after applying it, the holder says {Count}");
        return new BlindedIndex(Holder, KeyId, known.PublicKey, Version, [.. tags]);
    }

    /// <summary>{"holder", "suite", "key", "from", "version", "tagBytes", "count", "added": bytes, "removed": bytes}.</summary>
    public byte[] ToCbor()
    {
        var writer = new CborWriter(CborConformanceMode.Canonical, initialCapacity: (Added.Length + Removed.Length) * BlindedIndex.TagBytes + 256);
        writer.WriteStartMap(9);
        writer.WriteTextString("key"); writer.WriteTextString(KeyId);
        writer.WriteTextString("from"); writer.WriteInt64(From);
        writer.WriteTextString("added"); writer.WriteByteString(Bytes(Added));
        writer.WriteTextString("count"); writer.WriteInt32(Count);
        writer.WriteTextString("suite"); writer.WriteTextString(Voprf.Suite);
        writer.WriteTextString("holder"); writer.WriteTextString(Holder);
        writer.WriteTextString("removed"); writer.WriteByteString(Bytes(Removed));
        writer.WriteTextString("version"); writer.WriteInt64(Version);
        writer.WriteTextString("tagBytes"); writer.WriteInt32(BlindedIndex.TagBytes);
        writer.WriteEndMap();
        return writer.Encode();
    }

    public static BlindedIndexDelta FromCbor(ReadOnlyMemory<byte> cbor)
    {
        try
        {
            var reader = new CborReader(cbor, CborConformanceMode.Lax);
            var fields = new Dictionary<string, object>(StringComparer.Ordinal);
            var n = reader.ReadStartMap() ?? throw new FormatException("delta: an indefinite map");
            for (var i = 0; i < n; i++)
            {
                var key = reader.ReadTextString();
                fields[key] = reader.PeekState() switch
                {
                    CborReaderState.TextString => reader.ReadTextString(),
                    CborReaderState.ByteString => reader.ReadByteString(),
                    CborReaderState.UnsignedInteger => reader.ReadInt64(),
                    _ => throw new FormatException($"delta: '{key}' is neither text, bytes nor a whole number"),
                };
            }
            string Text(string k) => fields.GetValueOrDefault(k) as string ?? throw new FormatException($"delta: '{k}' missing or not text");
            long Number(string k) => fields.GetValueOrDefault(k) is long v ? v : throw new FormatException($"delta: '{k}' missing or not a number");
            if (Text("suite") != Voprf.Suite) throw new FormatException($"delta: suite '{Text("suite")}', expected '{Voprf.Suite}'");
            if (Number("tagBytes") != BlindedIndex.TagBytes) throw new FormatException($"delta: tagBytes {Number("tagBytes")}, expected {BlindedIndex.TagBytes}");
            if (Number("count") > int.MaxValue) throw new FormatException("delta: 'count' too large");
            return new BlindedIndexDelta(Text("holder"), Text("key"), Number("from"), Number("version"), (int)Number("count"), Tags(fields, "added"), Tags(fields, "removed"));
        }
        catch (Exception e) when (e is CborContentException or InvalidOperationException)
        {
            throw new FormatException($"delta: not the expected CBOR ({e.Message})", e);
        }
    }

    private static ulong[] Tags(Dictionary<string, object> fields, string name)
    {
        var bytes = fields.GetValueOrDefault(name) as byte[] ?? throw new FormatException($"delta: '{name}' missing or not bytes");
        if (bytes.Length % BlindedIndex.TagBytes != 0) throw new FormatException($"delta: '{name}' is not a whole number of {BlindedIndex.TagBytes}-byte tags");
        var tags = new ulong[bytes.Length / BlindedIndex.TagBytes];
        for (var i = 0; i < tags.Length; i++)
        {
            tags[i] = BinaryPrimitives.ReadUInt64BigEndian(bytes.AsSpan(i * BlindedIndex.TagBytes));
            if (i > 0 && tags[i] <= tags[i - 1]) throw new FormatException($"delta: {name} tag {i} is not above the one before (sorted and distinct)");
        }
        return tags;
    }

    private static byte[] Bytes(ulong[] tags)
    {
        var bytes = new byte[tags.Length * BlindedIndex.TagBytes];
        for (var i = 0; i < tags.Length; i++) BinaryPrimitives.WriteUInt64BigEndian(bytes.AsSpan(i * BlindedIndex.TagBytes), tags[i]);
        return bytes;
    }
}
