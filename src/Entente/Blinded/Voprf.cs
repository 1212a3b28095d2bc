using System.Buffers.Binary;
using System.Security.Cryptography;

namespace Entente.Blinded;

/// <summary>RFC 9497 VerifyError: the holder's proof does not show that it evaluated with the key its public key commits to.</summary>
public sealed class OprfProofException(string message) : Exception(message);

/// <summary>What the holder answers in mode 0x01: the evaluated elements, in order, and one batched DLEQ proof (c || s, 64 bytes) for all of them.</summary>
public sealed record VoprfEvaluation(byte[][] Evaluated, byte[] Proof);

/// <summary>
/// RFC 9497's VOPRF, mode 0x01 (verifiable OPRF), suite ristretto255-SHA512, as the RFC writes it: the base OPRF's
/// steps under contextString "OPRFV1-" || 0x01 || "-ristretto255-SHA512", and a batched discrete-log-equality proof
/// (§2.2: GenerateProof with ComputeCompositesFast at the holder, VerifyProof with ComputeComposites at the asker)
/// that each evaluated element is k·blindedElement for the same k as the holder's public key pkS = k·G. Finalize
/// verifies the proof, then unblinds and hashes as the base mode does. A proof is Ser(c) || Ser(s), 64 bytes.
/// </summary>
public static class Voprf
{
    /// <summary>The suite named in the index, its deltas and the evaluations: RFC 9497 mode 0x01 over ristretto255-SHA512.</summary>
    public const string Suite = "VOPRF(ristretto255, SHA-512)";

    public const byte Mode = 0x01;

    public const int ProofBytes = 2 * Oprf.ScalarBytes;

    internal static readonly OprfContext Context = new(Mode);

    private static readonly byte[] ChallengeLabel = "Challenge"u8.ToArray();
    private static readonly byte[] CompositeLabel = "Composite"u8.ToArray();

    public static byte[] ContextString => [.. Context.ContextString];

    public static byte[] HashToGroup(ReadOnlySpan<byte> input) => Oprf.HashToGroup(Context, input);

    public static byte[] HashToScalar(ReadOnlySpan<byte> input) => Oprf.HashToScalar(Context, input);

    /// <summary>DeriveKeyPair(seed, info) under the mode 0x01 context string.</summary>
    public static (byte[] PrivateKey, byte[] PublicKey) DeriveKeyPair(ReadOnlySpan<byte> seed, ReadOnlySpan<byte> info) => Oprf.DeriveKeyPair(Context, seed, info);

    /// <summary>Blind(input) with a fresh random blind.</summary>
    public static OprfBlind Blind(ReadOnlySpan<byte> input) => Oprf.Blind(Context, input, Oprf.GenerateKey());

    /// <summary>Blind(input) with a given blind (the RFC's test vectors fix it).</summary>
    public static OprfBlind Blind(ReadOnlySpan<byte> input, byte[] blind) => Oprf.Blind(Context, input, blind);

    /// <summary>Evaluate(skS, input): what the holder computes for its own identifiers, equal to the asker's Finalize.</summary>
    public static byte[] Evaluate(ReadOnlySpan<byte> privateKey, ReadOnlySpan<byte> input) => Oprf.Evaluate(Context, privateKey, input);

    /// <summary>skS·blindedElement for one element; <see cref="OprfException"/> for one that is not a valid non-identity element.</summary>
    public static byte[] EvaluateElement(ReadOnlySpan<byte> privateKey, ReadOnlySpan<byte> blindedElement) => Oprf.BlindEvaluate(privateKey, blindedElement);

    /// <summary>
    /// BlindEvaluate(skS, pkS, blindedElements) batched (RFC 9497 §3.3.2): every element evaluated and one proof for
    /// them all; <paramref name="proofRandom"/> is the proof's random scalar r (fresh unless a test vector fixes it).
    /// </summary>
    public static VoprfEvaluation BlindEvaluate(ReadOnlySpan<byte> privateKey, ReadOnlySpan<byte> publicKey, IReadOnlyList<byte[]> blindedElements, byte[]? proofRandom = null)
    {
        var evaluated = new byte[blindedElements.Count][];
        for (var i = 0; i < evaluated.Length; i++) evaluated[i] = EvaluateElement(privateKey, blindedElements[i]);
        return new VoprfEvaluation(evaluated, GenerateProof(privateKey, publicKey, blindedElements, evaluated, proofRandom));
    }

    /// <summary>
    /// GenerateProof(k, G, B, C, D), RFC 9497 §2.2.1, with A the generator: a proof that k·G = B and k·C[i] = D[i] for
    /// every i. <paramref name="random"/> is r (a fresh random scalar when null).
    /// </summary>
    public static byte[] GenerateProof(ReadOnlySpan<byte> k, ReadOnlySpan<byte> b, IReadOnlyList<byte[]> c, IReadOnlyList<byte[]> d, byte[]? random = null)
    {
        var (m, z) = ComputeComposites(b, c, d, k.ToArray());
        var r = random ?? Oprf.GenerateKey();
        if (r.Length != Oprf.ScalarBytes) throw new ArgumentException("the proof's random scalar is 32 bytes", nameof(random));
        var t2 = new byte[Oprf.ElementBytes];
        var t3 = new byte[Oprf.ElementBytes];
        if (!Sodium.ScalarMultBase(r, t2) || !Sodium.ScalarMult(r, m, t3)) throw new OprfException("the proof's random scalar is zero");
        var challenge = Challenge(b, m, z, t2, t3);
        Span<byte> ck = stackalloc byte[Oprf.ScalarBytes];
        Sodium.ScalarMul(challenge, k, ck);
        var proof = new byte[ProofBytes];
        challenge.CopyTo(proof, 0);
        Sodium.ScalarSub(r, ck, proof.AsSpan(Oprf.ScalarBytes));
        return proof;
    }

    /// <summary>VerifyProof(G, B, C, D, proof), RFC 9497 §2.2.2: true when the proof shows k·G = B and k·C[i] = D[i] for one k.</summary>
    public static bool VerifyProof(ReadOnlySpan<byte> b, IReadOnlyList<byte[]> c, IReadOnlyList<byte[]> d, ReadOnlySpan<byte> proof)
    {
        if (proof.Length != ProofBytes || c.Count == 0 || c.Count != d.Count || !IsElement(b) || c.Any(e => !IsElement(e)) || d.Any(e => !IsElement(e))) return false;
        var challenge = proof[..Oprf.ScalarBytes];
        var s = proof[Oprf.ScalarBytes..];
        if (!IsCanonicalScalar(challenge) || !IsCanonicalScalar(s)) return false;
        var (m, z) = ComputeComposites(b, c, d, null);
        var t2 = new byte[Oprf.ElementBytes];
        var t3 = new byte[Oprf.ElementBytes];
        if (!Combine(s, null, challenge, b, t2) || !Combine(s, m, challenge, z, t3)) return false;
        return CryptographicOperations.FixedTimeEquals(Challenge(b, m, z, t2, t3), challenge);
    }

    /// <summary>
    /// Finalize(input, blind, evaluatedElement, blindedElement, pkS, proof), RFC 9497 §3.3.2, batched: the proof is
    /// verified for all the elements at once (<see cref="OprfProofException"/> when it fails), then each is unblinded
    /// and hashed with its input.
    /// </summary>
    public static byte[][] Finalize(IReadOnlyList<byte[]> inputs, IReadOnlyList<byte[]> blinds, IReadOnlyList<byte[]> evaluatedElements, IReadOnlyList<byte[]> blindedElements,
        ReadOnlySpan<byte> publicKey, ReadOnlySpan<byte> proof)
    {
        if (inputs.Count != blinds.Count || inputs.Count != evaluatedElements.Count || inputs.Count != blindedElements.Count)
            throw new ArgumentException("one input, blind, blinded and evaluated element each");
        if (!VerifyProof(publicKey, blindedElements, evaluatedElements, proof))
            throw new OprfProofException("VerifyError: the proof does not show that the evaluation used the key of the public key given");
        var outputs = new byte[inputs.Count][];
        for (var i = 0; i < outputs.Length; i++) outputs[i] = Oprf.Unblind(inputs[i], blinds[i], evaluatedElements[i]);
        return outputs;
    }

    /// <summary>Finalize for one element.</summary>
    public static byte[] Finalize(byte[] input, byte[] blind, byte[] evaluatedElement, byte[] blindedElement, ReadOnlySpan<byte> publicKey, ReadOnlySpan<byte> proof) =>
        Finalize([input], [blind], [evaluatedElement], [blindedElement], publicKey, proof)[0];

    /// <summary>
    /// ComputeComposites(B, C, D) (the asker's: M = Σ dᵢ·C[i], Z = Σ dᵢ·D[i]) or, given k, ComputeCompositesFast(k, B, C, D)
    /// (the holder's: Z = k·M), RFC 9497 §2.2.
    /// </summary>
    private static (byte[] M, byte[] Z) ComputeComposites(ReadOnlySpan<byte> b, IReadOnlyList<byte[]> c, IReadOnlyList<byte[]> d, byte[]? k)
    {
        if (c.Count == 0 || c.Count != d.Count) throw new ArgumentException("C and D are non-empty lists of the same length");
        if (c.Count > ushort.MaxValue + 1) throw new ArgumentException("at most 65536 elements in one proof");
        var seed = SHA512.HashData(Framed([b.ToArray(), Context.SeedDst], []));
        byte[]? m = null, z = null;
        var index = new byte[2];
        for (var i = 0; i < c.Count; i++)
        {
            BinaryPrimitives.WriteUInt16BigEndian(index, (ushort)i);
            // I2OSP(len(seed), 2) || seed || I2OSP(i, 2) || I2OSP(len(Ci), 2) || Ci || I2OSP(len(Di), 2) || Di || "Composite"
            var transcript = new byte[2 + seed.Length + 2 + 2 + c[i].Length + 2 + d[i].Length + CompositeLabel.Length];
            var span = transcript.AsSpan();
            BinaryPrimitives.WriteUInt16BigEndian(span, (ushort)seed.Length);
            seed.CopyTo(span[2..]);
            index.CopyTo(span[(2 + seed.Length)..]);
            Framed([c[i], d[i]], CompositeLabel).CopyTo(span[(4 + seed.Length)..]);
            var di = HashToScalar(transcript);
            m = Accumulate(m, di, c[i]);
            if (k is null) z = Accumulate(z, di, d[i]);
        }
        if (k is not null)
        {
            z = new byte[Oprf.ElementBytes];
            if (!Sodium.ScalarMult(k, m!, z)) throw new OprfException("the composite element times the key is the identity");
        }
        return (m!, z!);
    }

    /// <summary>sum + d·element (sum null: the identity).</summary>
    private static byte[] Accumulate(byte[]? sum, byte[] d, byte[] element)
    {
        var term = new byte[Oprf.ElementBytes];
        if (!Sodium.ScalarMult(d, element, term)) throw new OprfException("an element is not a valid ristretto255 element");
        if (sum is null) return term;
        var result = new byte[Oprf.ElementBytes];
        if (!Sodium.Add(sum, term, result)) throw new OprfException("an element is not a valid ristretto255 element");
        return result;
    }

    /// <summary>s·P + c·Q into <paramref name="result"/> (P null: the generator); false when a product is the identity.</summary>
    private static bool Combine(ReadOnlySpan<byte> s, byte[]? p, ReadOnlySpan<byte> c, ReadOnlySpan<byte> q, Span<byte> result)
    {
        Span<byte> sp = stackalloc byte[Oprf.ElementBytes];
        Span<byte> cq = stackalloc byte[Oprf.ElementBytes];
        var first = p is null ? Sodium.ScalarMultBase(s, sp) : Sodium.ScalarMult(s, p, sp);
        return first && Sodium.ScalarMult(c, q, cq) && Sodium.Add(sp, cq, result);
    }

    /// <summary>HashToScalar(I2OSP(len(Bm), 2) || Bm || ... || I2OSP(len(a3), 2) || a3 || "Challenge").</summary>
    private static byte[] Challenge(ReadOnlySpan<byte> b, byte[] m, byte[] z, byte[] t2, byte[] t3) => HashToScalar(Framed([b.ToArray(), m, z, t2, t3], ChallengeLabel));

    /// <summary>Each part preceded by its length (I2OSP(len, 2)), then the label.</summary>
    private static byte[] Framed(IReadOnlyList<byte[]> parts, ReadOnlySpan<byte> label)
    {
        var result = new byte[parts.Sum(p => 2 + p.Length) + label.Length];
        var offset = 0;
        foreach (var part in parts)
        {
            BinaryPrimitives.WriteUInt16BigEndian(result.AsSpan(offset), checked((ushort)part.Length));
            part.CopyTo(result, offset + 2);
            offset += 2 + part.Length;
        }
        label.CopyTo(result.AsSpan(offset));
        return result;
    }

    private static bool IsElement(ReadOnlySpan<byte> element) => Sodium.IsValidPoint(element) && element.IndexOfAnyExcept((byte)0) >= 0;

    /// <summary>A scalar below L (ristretto255's scalars are canonical when reduced: reducing changes nothing).</summary>
    private static bool IsCanonicalScalar(ReadOnlySpan<byte> scalar)
    {
        Span<byte> wide = stackalloc byte[Sodium.NonReducedScalarBytes];
        wide.Clear();
        scalar.CopyTo(wide);
        Span<byte> reduced = stackalloc byte[Oprf.ScalarBytes];
        Sodium.Reduce(wide, reduced);
        return reduced.SequenceEqual(scalar);
    }
}
