using System.IO.Hashing;
using System.Runtime.InteropServices;

namespace Entente.Risk.Model;

/// <summary>
/// The statistics of every value of every grouping in one open-addressing array keyed by a 64-bit hash of
/// (grouping, value). Scoring looks up some forty values per declaration in tables of hundreds of thousands: a
/// dictionary of strings costs a bucket, an entry and the key string (three cache misses each), this one entry.
/// The hash is seeded at random for each process, so no one can choose a trader code that collides with another's
/// history; a collision between two stored values is detected when the table is built and a new seed is drawn.
/// A value that is not stored matches a stored one with probability about n / 2^64 (n the values stored).
/// </summary>
internal sealed class HashedTable<T> where T : struct
{
    private struct Entry
    {
        public ulong Key;
        public T Value;
    }

    private readonly Entry[] _entries;
    private readonly int _mask;
    private readonly long _seed;

    private HashedTable(int capacity, long seed)
    {
        _entries = new Entry[capacity];
        _mask = capacity - 1;
        _seed = seed;
    }

    /// <summary>A table of the given groupings' values (null where a grouping has no table).</summary>
    public static HashedTable<T> Build(IReadOnlyList<Dictionary<string, T>?> groupings)
    {
        var count = groupings.Sum(g => g?.Count ?? 0);
        var capacity = (int)Math.Max(16, System.Numerics.BitOperations.RoundUpToPowerOf2((uint)(count + count / 2 + 1)));
        for (var attempt = 0; attempt < 8; attempt++)
        {
            var table = new HashedTable<T>(capacity, Random.Shared.NextInt64());
            if (table.Fill(groupings)) return table;
        }
        throw new InvalidOperationException("eight seeds in a row gave two stored values the same 64-bit hash: the tables cannot be indexed");
    }

    private bool Fill(IReadOnlyList<Dictionary<string, T>?> groupings)
    {
        for (var g = 0; g < groupings.Count; g++)
        {
            if (groupings[g] is not { } values) continue;
            foreach (var (value, statistics) in values)
            {
                var key = Key(g, value);
                var i = (int)key & _mask;
                while (_entries[i].Key != 0)
                {
                    if (_entries[i].Key == key) return false;
                    i = (i + 1) & _mask;
                }
                _entries[i] = new Entry { Key = key, Value = statistics };
            }
        }
        return true;
    }

    /// <summary>The key of a value of grouping <paramref name="grouping"/>; never 0 (0 marks an empty entry).</summary>
    public ulong Key(int grouping, ReadOnlySpan<char> value)
    {
        var key = XxHash3.HashToUInt64(MemoryMarshal.AsBytes(value), _seed ^ (long)((ulong)(grouping + 1) * 0x9E3779B97F4A7C15UL));
        return key == 0 ? 1 : key;
    }

    public T Get(ulong key)
    {
        var entries = _entries;
        var i = (int)key & _mask;
        while (true)
        {
            ref readonly var entry = ref entries[i];
            if (entry.Key == key) return entry.Value;
            if (entry.Key == 0) return default;
            i = (i + 1) & _mask;
        }
    }
}
