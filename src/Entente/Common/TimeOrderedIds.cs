using System.Buffers.Binary;
using System.Security.Cryptography;

namespace Entente.Common;

/// <summary>
/// UUID version 7 (RFC 9562): the Unix time in milliseconds, then 74 random bits, as <see cref="Guid.CreateVersion7(DateTimeOffset)"/>
/// makes them, with the random bits drawn from the system's CSPRNG a few hundred ids at a time rather than by a system
/// call per id (a tenth of the time of a declaration's preparation on a bulk load).
/// </summary>
public static class TimeOrderedIds
{
    private const int RandomBytes = 10;

    [ThreadStatic] private static byte[]? t_random;
    [ThreadStatic] private static int t_used;

    public static Guid NewVersion7(DateTimeOffset at)
    {
        var milliseconds = at.ToUnixTimeMilliseconds();
        if (milliseconds is < 0 or > 0xFFFF_FFFF_FFFF)
            throw new ArgumentOutOfRangeException(nameof(at), at, "a UUID v7 holds the Unix time in 48 bits of milliseconds");
        var random = t_random;
        if (random is null || t_used + RandomBytes > random.Length)
        {
            random = t_random ??= new byte[4000];
            RandomNumberGenerator.Fill(random);
            t_used = 0;
        }
        Span<byte> bytes = stackalloc byte[16];
        BinaryPrimitives.WriteInt64BigEndian(bytes, milliseconds << 16);
        var drawn = random.AsSpan(t_used, RandomBytes);
        drawn.CopyTo(bytes[6..]);
        // Used randomness is not left in memory to be read again.
        drawn.Clear();
        t_used += RandomBytes;
        bytes[6] = (byte)(0x70 | (bytes[6] & 0x0F));
        bytes[8] = (byte)(0x80 | (bytes[8] & 0x3F));
        return new Guid(bytes, bigEndian: true);
    }
}
