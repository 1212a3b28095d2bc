using System.Buffers.Binary;
using System.Security.Cryptography;

namespace Entente.Blinded;

/// <summary>The input could not be used (RFC 9497 InvalidInputError): it hashes to the identity, or an element is not a valid one.</summary>
public sealed class OprfException(string message) : Exception(message);

/// <summary>What the client keeps between Blind and Finalize: the blind scalar, never sent.</summary>
public sealed record OprfBlind(byte[] Blind, byte[] BlindedElement);

/// <summary>
/// RFC 9497's OPRF, mode 0x00 (base OPRF), suite ristretto255-SHA512, step by step as the RFC writes it:
/// expand_message_xmd (RFC 9380 §5.3.1, SHA-512), HashToGroup (hash_to_ristretto255), HashToScalar, DeriveKeyPair,
/// Blind, BlindEvaluate, Finalize and the holder's own Evaluate. Elements and scalars are 32 bytes (ristretto255's
/// encoding; scalars little-endian), outputs 64 bytes.
/// </summary>
public static class Oprf
{
    public const string Suite = "ristretto255-SHA512";

    public const int ElementBytes = Sodium.ElementBytes, ScalarBytes = Sodium.ScalarBytes, OutputBytes = 64;

    /// <summary>"OPRFV1-" || I2OSP(mode, 1) || "-" || identifier, mode 0x00.</summary>
    public static byte[] ContextString => [.. Base.ContextString];

    internal static readonly OprfContext Base = new(0x00);

    private static readonly byte[] FinalizeLabel = "Finalize"u8.ToArray();

    /// <summary>expand_message_xmd with SHA-512 (b_in_bytes 64, s_in_bytes 128), RFC 9380 §5.3.1.</summary>
    public static byte[] ExpandMessageXmd(ReadOnlySpan<byte> message, ReadOnlySpan<byte> dst, int length)
    {
        const int b = 64, s = 128;
        var ell = (length + b - 1) / b;
        if (ell > 255 || length > 65535 || dst.Length > 255) throw new ArgumentException("expand_message_xmd: length or DST too long");
        var dstPrime = new byte[dst.Length + 1];
        dst.CopyTo(dstPrime);
        dstPrime[^1] = (byte)dst.Length;

        var prime = new byte[s + message.Length + 2 + 1 + dstPrime.Length];
        message.CopyTo(prime.AsSpan(s));
        BinaryPrimitives.WriteUInt16BigEndian(prime.AsSpan(s + message.Length), (ushort)length);
        dstPrime.CopyTo(prime.AsSpan(s + message.Length + 3));
        var b0 = SHA512.HashData(prime);

        var output = new byte[ell * b];
        var block = new byte[b + 1 + dstPrime.Length];
        dstPrime.CopyTo(block.AsSpan(b + 1));
        Span<byte> previous = stackalloc byte[b];
        for (var i = 1; i <= ell; i++)
        {
            for (var j = 0; j < b; j++) block[j] = (byte)(b0[j] ^ (i == 1 ? 0 : previous[j]));
            block[b] = (byte)i;
            SHA512.HashData(block, previous);
            previous.CopyTo(output.AsSpan((i - 1) * b));
        }
        return length == output.Length ? output : output[..length];
    }

    /// <summary>hash_to_ristretto255 (RFC 9380 Appendix B) with DST "HashToGroup-" || contextString.</summary>
    public static byte[] HashToGroup(ReadOnlySpan<byte> input) => HashToGroup(Base, input);

    internal static byte[] HashToGroup(OprfContext context, ReadOnlySpan<byte> input)
    {
        var element = new byte[ElementBytes];
        Sodium.FromHash(ExpandMessageXmd(input, context.HashToGroupDst, 64), element);
        return element;
    }

    /// <summary>HashToScalar: 64 uniform bytes, little-endian, reduced mod L; DST "HashToScalar-" || contextString unless given.</summary>
    public static byte[] HashToScalar(ReadOnlySpan<byte> input, ReadOnlySpan<byte> dst = default) => HashToScalar(Base, input, dst);

    internal static byte[] HashToScalar(OprfContext context, ReadOnlySpan<byte> input, ReadOnlySpan<byte> dst = default)
    {
        var scalar = new byte[ScalarBytes];
        Sodium.Reduce(ExpandMessageXmd(input, dst.IsEmpty ? context.HashToScalarDst : dst, 64), scalar);
        return scalar;
    }

    /// <summary>DeriveKeyPair(seed, info), RFC 9497 §3.2.1: the private scalar and the public element.</summary>
    public static (byte[] PrivateKey, byte[] PublicKey) DeriveKeyPair(ReadOnlySpan<byte> seed, ReadOnlySpan<byte> info) => DeriveKeyPair(Base, seed, info);

    internal static (byte[] PrivateKey, byte[] PublicKey) DeriveKeyPair(OprfContext context, ReadOnlySpan<byte> seed, ReadOnlySpan<byte> info)
    {
        if (seed.Length != 32) throw new ArgumentException("the seed is 32 bytes", nameof(seed));
        var deriveInput = new byte[seed.Length + 2 + info.Length + 1];
        seed.CopyTo(deriveInput);
        BinaryPrimitives.WriteUInt16BigEndian(deriveInput.AsSpan(seed.Length), checked((ushort)info.Length));
        info.CopyTo(deriveInput.AsSpan(seed.Length + 2));
        for (var counter = 0; counter <= 255; counter++)
        {
            deriveInput[^1] = (byte)counter;
            var key = HashToScalar(context, deriveInput, context.DeriveKeyPairDst);
            if (key.AsSpan().IndexOfAnyExcept((byte)0) < 0) continue;
            return (key, PublicKeyOf(key));
        }
        throw new OprfException("DeriveKeyPairError: no non-zero scalar in 256 tries");
    }

    public static byte[] PublicKeyOf(ReadOnlySpan<byte> privateKey)
    {
        var pk = new byte[ElementBytes];
        if (!Sodium.ScalarMultBase(privateKey, pk)) throw new OprfException("the private key is zero");
        return pk;
    }

    /// <summary>A new random private key (a non-zero scalar).</summary>
    public static byte[] GenerateKey()
    {
        var key = new byte[ScalarBytes];
        do Sodium.RandomScalar(key); while (key.AsSpan().IndexOfAnyExcept((byte)0) < 0);
        return key;
    }

    /// <summary>Blind(input) with a fresh random blind.</summary>
    public static OprfBlind Blind(ReadOnlySpan<byte> input) => Blind(input, GenerateKey());

    /// <summary>Blind(input) with a given blind (the RFC's test vectors fix it).</summary>
    public static OprfBlind Blind(ReadOnlySpan<byte> input, byte[] blind) => Blind(Base, input, blind);

    internal static OprfBlind Blind(OprfContext context, ReadOnlySpan<byte> input, byte[] blind)
    {
        var blinded = new byte[ElementBytes];
        if (!Sodium.ScalarMult(blind, HashToGroup(context, input), blinded)) throw new OprfException("InvalidInputError: the input hashes to the identity element");
        return new OprfBlind(blind, blinded);
    }

    /// <summary>BlindEvaluate(skS, blindedElement): skS·blindedElement; <see cref="OprfException"/> for an element that is not a valid non-identity one.</summary>
    public static byte[] BlindEvaluate(ReadOnlySpan<byte> privateKey, ReadOnlySpan<byte> blindedElement)
    {
        if (!Sodium.IsValidPoint(blindedElement)) throw new OprfException("DeserializeError: not the canonical encoding of a ristretto255 element (or the identity)");
        var evaluated = new byte[ElementBytes];
        if (!Sodium.ScalarMult(privateKey, blindedElement, evaluated)) throw new OprfException("the evaluation is the identity element");
        return evaluated;
    }

    /// <summary>Finalize(input, blind, evaluatedElement): SHA-512 over the input and blind⁻¹·evaluatedElement, RFC 9497 §3.3.1.</summary>
    public static byte[] Finalize(ReadOnlySpan<byte> input, ReadOnlySpan<byte> blind, ReadOnlySpan<byte> evaluatedElement) => Unblind(input, blind, evaluatedElement);

    /// <summary>blind⁻¹·evaluatedElement hashed with the input: the last step of Finalize in both modes (no context string in it).</summary>
    internal static byte[] Unblind(ReadOnlySpan<byte> input, ReadOnlySpan<byte> blind, ReadOnlySpan<byte> evaluatedElement)
    {
        if (!Sodium.IsValidPoint(evaluatedElement)) throw new OprfException("DeserializeError: the evaluated element is not a valid ristretto255 element");
        Span<byte> inverse = stackalloc byte[ScalarBytes];
        if (!Sodium.Invert(blind, inverse)) throw new OprfException("the blind is zero");
        var unblinded = new byte[ElementBytes];
        if (!Sodium.ScalarMult(inverse, evaluatedElement, unblinded)) throw new OprfException("the unblinded element is the identity");
        return FinalHash(input, unblinded);
    }

    /// <summary>Evaluate(skS, input), RFC 9497 §3.3.1: what the holder computes for its own identifiers, equal to the client's Finalize.</summary>
    public static byte[] Evaluate(ReadOnlySpan<byte> privateKey, ReadOnlySpan<byte> input) => Evaluate(Base, privateKey, input);

    internal static byte[] Evaluate(OprfContext context, ReadOnlySpan<byte> privateKey, ReadOnlySpan<byte> input)
    {
        var element = new byte[ElementBytes];
        if (!Sodium.ScalarMult(privateKey, HashToGroup(context, input), element)) throw new OprfException("InvalidInputError: the input hashes to the identity element");
        return FinalHash(input, element);
    }

    internal static byte[] FinalHash(ReadOnlySpan<byte> input, ReadOnlySpan<byte> element)
    {
        if (input.Length > ushort.MaxValue) throw new OprfException("the input is longer than 65535 bytes");
        var hashInput = new byte[2 + input.Length + 2 + element.Length + FinalizeLabel.Length];
        BinaryPrimitives.WriteUInt16BigEndian(hashInput, (ushort)input.Length);
        input.CopyTo(hashInput.AsSpan(2));
        BinaryPrimitives.WriteUInt16BigEndian(hashInput.AsSpan(2 + input.Length), (ushort)element.Length);
        element.CopyTo(hashInput.AsSpan(4 + input.Length));
        FinalizeLabel.CopyTo(hashInput.AsSpan(4 + input.Length + element.Length));
        return SHA512.HashData(hashInput);
    }
}

/// <summary>The domain separation tags of one mode: contextString = "OPRFV1-" || I2OSP(mode, 1) || "-ristretto255-SHA512" (RFC 9497 §3.1).</summary>
internal sealed class OprfContext
{
    public OprfContext(byte mode)
    {
        ContextString = [.. "OPRFV1-"u8, mode, .. "-ristretto255-SHA512"u8];
        HashToGroupDst = [.. "HashToGroup-"u8, .. ContextString];
        HashToScalarDst = [.. "HashToScalar-"u8, .. ContextString];
        DeriveKeyPairDst = [.. "DeriveKeyPair"u8, .. ContextString];
        SeedDst = [.. "Seed-"u8, .. ContextString];
    }

    public byte[] ContextString { get; }

    public byte[] HashToGroupDst { get; }

    public byte[] HashToScalarDst { get; }

    public byte[] DeriveKeyPairDst { get; }

    public byte[] SeedDst { get; }
}
