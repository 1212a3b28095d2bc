using System.Security.Cryptography;
using Entente.Identity;

namespace Entente.Blinded;

/// <summary>
/// The node's OPRF key k (a ristretto255 scalar), kept in the home beside its other keys (keys/oprf-key, base64,
/// readable by the node's account only), never in the repository nor the database. <see cref="Id"/> (16 hex digits of
/// SHA-256 of the public element k·G) names the key in the index and in evaluations, so an asker sees a rotation; the
/// index also carries the public element itself, against which the asker checks each evaluation's proof (VOPRF).
/// </summary>
public sealed class BlindedKey
{
    public const string File = "oprf-key";

    private BlindedKey(byte[] scalar)
    {
        Scalar = scalar;
        Public = Oprf.PublicKeyOf(scalar);
        Id = IdOf(Public);
    }

    private byte[] Public { get; }

    /// <summary>The id of the key whose public element is <paramref name="publicElement"/>: 16 hex digits of its SHA-256.</summary>
    public static string IdOf(ReadOnlySpan<byte> publicElement) => Convert.ToHexStringLower(SHA256.HashData(publicElement).AsSpan(0, 8));

    internal byte[] Scalar { get; }

    public string Id { get; }

    public static string PathIn(string home) => Path.Combine(home, NodeKeys.Folder, File);

    /// <summary>The home's key, made the first time it is needed.</summary>
    public static BlindedKey LoadOrCreate(string home)
    {
        var path = PathIn(home);
        if (!System.IO.File.Exists(path))
        {
            try
            {
                NodeKeys.WriteSecret(path, Convert.ToBase64String(Oprf.GenerateKey()), "the OPRF key is replaced only by `entente blinded rotate-key`");
            }
            catch (InvalidOperationException) when (System.IO.File.Exists(path))
            {
                // Another process of the node made it first: use that one.
            }
        }
        return Load(path);
    }

    /// <summary>
    /// Rotation: the old key is kept aside as oprf-key.retired-ID (evaluations under it are no longer answered) and a
    /// new one made; the index is then rebuilt under the new key, and partners see a new key id.
    /// </summary>
    public static BlindedKey Rotate(string home) => Rotate(home, out _);

    /// <inheritdoc cref="Rotate(string)"/>
    /// <param name="retired">The id of the key replaced, null when the home had none.</param>
    public static BlindedKey Rotate(string home, out string? retired)
    {
        var path = PathIn(home);
        retired = null;
        if (System.IO.File.Exists(path))
        {
            var old = Load(path);
            System.IO.File.Move(path, $"{path}.retired-{old.Id}", overwrite: true);
            retired = old.Id;
        }
        return LoadOrCreate(home);
    }

    /// <summary>The public element pkS = k·G (32 bytes): a commitment to the key that reveals nothing of it; the index carries it and every evaluation's proof is checked against it.</summary>
    public byte[] PublicElement() => [.. Public];

    /// <summary>A key from its scalar (tests and benchmarks).</summary>
    public static BlindedKey FromScalar(byte[] scalar) => new(scalar);

    private static BlindedKey Load(string path)
    {
        try
        {
            var scalar = Convert.FromBase64String(System.IO.File.ReadAllText(path).Trim());
            if (scalar.Length != Oprf.ScalarBytes || scalar.AsSpan().IndexOfAnyExcept((byte)0) < 0) throw new InvalidDataException($"{path}: an OPRF key is a non-zero 32-byte scalar, base64");
            return new BlindedKey(scalar);
        }
        catch (FormatException e)
        {
            throw new InvalidDataException($"{path}: an OPRF key is a 32-byte scalar, base64 ({e.Message})", e);
        }
    }

    /// <summary>The index tag of one identifier: the first <see cref="BlindedIndex.TagBytes"/> bytes of F_k(input), as a big-endian number.</summary>
    public ulong Tag(BlindedIdentifier identifier) => BlindedIndex.TagOf(Voprf.Evaluate(Scalar, identifier.Input()));

    /// <summary>k·blindedElement for one element (<see cref="OprfException"/> when it is not a valid one).</summary>
    public byte[] Evaluate(ReadOnlySpan<byte> blindedElement) => Voprf.EvaluateElement(Scalar, blindedElement);

    /// <summary>The batched DLEQ proof (RFC 9497 mode 0x01) that each evaluated element is k times its blinded element, for the k of <see cref="PublicElement"/>.</summary>
    public byte[] Prove(IReadOnlyList<byte[]> blindedElements, IReadOnlyList<byte[]> evaluatedElements) => Voprf.GenerateProof(Scalar, Public, blindedElements, evaluatedElements);
}
