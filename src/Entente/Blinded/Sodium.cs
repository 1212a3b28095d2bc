using System.Runtime.InteropServices;

namespace Entente.Blinded;

/// <summary>libsodium's ristretto255 group (RFC 9496), the only native code the OPRF needs; the library comes with the libsodium package.</summary>
internal static unsafe partial class Sodium
{
    private const string Library = "libsodium";

    public const int ElementBytes = 32, ScalarBytes = 32, HashBytes = 64, NonReducedScalarBytes = 64;

    static Sodium()
    {
        if (sodium_init() < 0) throw new InvalidOperationException("libsodium could not be initialised");
    }

    /// <summary>Runs the static initialiser (sodium_init) before the first use from any thread.</summary>
    public static void Init() { }

    [LibraryImport(Library)]
    private static partial int sodium_init();

    [LibraryImport(Library)]
    private static partial int crypto_core_ristretto255_from_hash(byte* p, byte* r);

    [LibraryImport(Library)]
    private static partial int crypto_core_ristretto255_is_valid_point(byte* p);

    [LibraryImport(Library)]
    private static partial int crypto_scalarmult_ristretto255(byte* q, byte* n, byte* p);

    [LibraryImport(Library)]
    private static partial int crypto_scalarmult_ristretto255_base(byte* q, byte* n);

    [LibraryImport(Library)]
    private static partial void crypto_core_ristretto255_scalar_random(byte* r);

    [LibraryImport(Library)]
    private static partial int crypto_core_ristretto255_scalar_invert(byte* recip, byte* s);

    [LibraryImport(Library)]
    private static partial void crypto_core_ristretto255_scalar_reduce(byte* r, byte* s);

    [LibraryImport(Library)]
    private static partial int crypto_core_ristretto255_add(byte* r, byte* p, byte* q);

    [LibraryImport(Library)]
    private static partial void crypto_core_ristretto255_scalar_mul(byte* z, byte* x, byte* y);

    [LibraryImport(Library)]
    private static partial void crypto_core_ristretto255_scalar_sub(byte* z, byte* x, byte* y);

    /// <summary>The ristretto255 one-way map of 64 uniform bytes (RFC 9496 §4.3.4).</summary>
    public static void FromHash(ReadOnlySpan<byte> uniform64, Span<byte> element)
    {
        Check(uniform64, HashBytes, element, ElementBytes);
        fixed (byte* u = uniform64)
        fixed (byte* e = element)
            crypto_core_ristretto255_from_hash(e, u);
    }

    /// <summary>True when the 32 bytes are the canonical encoding of a group element (the identity is valid here: callers reject it).</summary>
    public static bool IsValidPoint(ReadOnlySpan<byte> element)
    {
        if (element.Length != ElementBytes) return false;
        fixed (byte* e = element)
            return crypto_core_ristretto255_is_valid_point(e) == 1;
    }

    /// <summary>scalar·element; false when the element is not canonical or the result is the identity.</summary>
    public static bool ScalarMult(ReadOnlySpan<byte> scalar, ReadOnlySpan<byte> element, Span<byte> result)
    {
        Check(scalar, ScalarBytes, result, ElementBytes);
        if (element.Length != ElementBytes) throw new ArgumentException("an element is 32 bytes", nameof(element));
        fixed (byte* n = scalar)
        fixed (byte* p = element)
        fixed (byte* q = result)
            return crypto_scalarmult_ristretto255(q, n, p) == 0;
    }

    public static bool ScalarMultBase(ReadOnlySpan<byte> scalar, Span<byte> result)
    {
        Check(scalar, ScalarBytes, result, ElementBytes);
        fixed (byte* n = scalar)
        fixed (byte* q = result)
            return crypto_scalarmult_ristretto255_base(q, n) == 0;
    }

    public static void RandomScalar(Span<byte> scalar)
    {
        if (scalar.Length != ScalarBytes) throw new ArgumentException("a scalar is 32 bytes", nameof(scalar));
        fixed (byte* r = scalar)
            crypto_core_ristretto255_scalar_random(r);
    }

    /// <summary>1/s mod L; false for s = 0.</summary>
    public static bool Invert(ReadOnlySpan<byte> scalar, Span<byte> result)
    {
        Check(scalar, ScalarBytes, result, ScalarBytes);
        fixed (byte* s = scalar)
        fixed (byte* r = result)
            return crypto_core_ristretto255_scalar_invert(r, s) == 0;
    }

    /// <summary>A 64-byte little-endian number reduced mod L.</summary>
    public static void Reduce(ReadOnlySpan<byte> wide64, Span<byte> scalar)
    {
        Check(wide64, NonReducedScalarBytes, scalar, ScalarBytes);
        fixed (byte* s = wide64)
        fixed (byte* r = scalar)
            crypto_core_ristretto255_scalar_reduce(r, s);
    }

    /// <summary>p + q; false when either is not a canonical encoding.</summary>
    public static bool Add(ReadOnlySpan<byte> p, ReadOnlySpan<byte> q, Span<byte> result)
    {
        Check(p, ElementBytes, result, ElementBytes);
        if (q.Length != ElementBytes) throw new ArgumentException("an element is 32 bytes", nameof(q));
        fixed (byte* a = p)
        fixed (byte* b = q)
        fixed (byte* r = result)
            return crypto_core_ristretto255_add(r, a, b) == 0;
    }

    /// <summary>x·y mod L.</summary>
    public static void ScalarMul(ReadOnlySpan<byte> x, ReadOnlySpan<byte> y, Span<byte> result)
    {
        Check(x, ScalarBytes, result, ScalarBytes);
        if (y.Length != ScalarBytes) throw new ArgumentException("a scalar is 32 bytes", nameof(y));
        fixed (byte* a = x)
        fixed (byte* b = y)
        fixed (byte* z = result)
            crypto_core_ristretto255_scalar_mul(z, a, b);
    }

    /// <summary>x − y mod L.</summary>
    public static void ScalarSub(ReadOnlySpan<byte> x, ReadOnlySpan<byte> y, Span<byte> result)
    {
        Check(x, ScalarBytes, result, ScalarBytes);
        if (y.Length != ScalarBytes) throw new ArgumentException("a scalar is 32 bytes", nameof(y));
        fixed (byte* a = x)
        fixed (byte* b = y)
        fixed (byte* z = result)
            crypto_core_ristretto255_scalar_sub(z, a, b);
    }

    private static void Check(ReadOnlySpan<byte> input, int inputBytes, Span<byte> output, int outputBytes)
    {
        if (input.Length != inputBytes) throw new ArgumentException($"expected {inputBytes} bytes, got {input.Length}", nameof(input));
        if (output.Length != outputBytes) throw new ArgumentException($"expected room for {outputBytes} bytes, got {output.Length}", nameof(output));
    }
}
