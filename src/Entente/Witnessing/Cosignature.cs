using System.Buffers.Binary;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Entente.Agreements;
using Entente.Identity;
using Entente.Ledger;

namespace Entente.Witnessing;

/// <summary>
/// A witness's cosignature of a checkpoint, after C2SP tlog-cosignature (cosignature/v1) with one deviation: the .NET
/// base library has no Ed25519, so it is signed with the witness node's ECDSA P-256 key. The signed message is
/// <c>"cosignature/v1\ntime &lt;unix seconds&gt;\n" + checkpoint text</c>; the signature line is
/// <c>— &lt;witness code&gt; base64(key id ‖ time as 8 bytes big-endian ‖ ASN.1 DER ECDSA signature over SHA-256 of the message)</c>,
/// key id = SHA-256(SPKI DER)[:4] as for the ledger's own checkpoint signatures (signed-note type 0x02).
/// </summary>
public static class Cosignature
{
    private const string SignaturePrefix = "\u2014 ";

    public static byte[] Message(Checkpoint checkpoint, long unixSeconds) =>
        Encoding.UTF8.GetBytes($"cosignature/v1\ntime {unixSeconds.ToString(CultureInfo.InvariantCulture)}\n{checkpoint.Text}");

    /// <summary>The signature line (no final newline) by <paramref name="witness"/> over <paramref name="checkpoint"/> at <paramref name="at"/>.</summary>
    public static string Sign(Checkpoint checkpoint, string witness, ECDsa key, DateTimeOffset at)
    {
        Checkpoint.ValidateOrigin(witness);
        var time = at.ToUnixTimeSeconds();
        var signature = key.SignData(Message(checkpoint, time), HashAlgorithmName.SHA256, DSASignatureFormat.Rfc3279DerSequence);
        var blob = new byte[12 + signature.Length];
        BinaryPrimitives.WriteUInt32BigEndian(blob, Checkpoint.KeyId(key.ExportSubjectPublicKeyInfo()));
        BinaryPrimitives.WriteUInt64BigEndian(blob.AsSpan(4), (ulong)time);
        signature.CopyTo(blob, 12);
        return $"{SignaturePrefix}{witness} {Convert.ToBase64String(blob)}";
    }

    /// <summary>
    /// Verifies a cosignature line by <paramref name="witness"/> with its key (SPKI DER) over <paramref name="checkpoint"/>.
    /// Returns when it was made, or the reason it is refused.
    /// </summary>
    public static (DateTimeOffset? CosignedAt, string? Problem) Verify(Checkpoint checkpoint, string line, string witness, byte[] witnessKey)
    {
        line = line.TrimEnd('\n');
        var space = line.LastIndexOf(' ');
        if (!line.StartsWith(SignaturePrefix, StringComparison.Ordinal) || space <= SignaturePrefix.Length || line.Contains('\n', StringComparison.Ordinal))
            return (null, "cosignature: expected one line '— <witness code> <base64 signature>'");
        var name = line[SignaturePrefix.Length..space];
        if (name != witness) return (null, $"cosignature: signed under the name '{name}', expected the witness code '{witness}'");
        byte[] blob;
        try
        {
            blob = Convert.FromBase64String(line[(space + 1)..]);
        }
        catch (FormatException)
        {
            return (null, "cosignature: the signature is not base64");
        }
        if (blob.Length < 13) return (null, "cosignature: too short for a key id, a time and a signature");
        var keyId = Checkpoint.KeyId(witnessKey);
        if (BinaryPrimitives.ReadUInt32BigEndian(blob) != keyId) return (null, $"cosignature: key id {BinaryPrimitives.ReadUInt32BigEndian(blob):x8} is not that of the witness's key ({keyId:x8})");
        var time = BinaryPrimitives.ReadUInt64BigEndian(blob.AsSpan(4));
        if (time > (ulong)DateTimeOffset.MaxValue.ToUnixTimeSeconds()) return (null, "cosignature: the time is out of range");
        using var key = ECDsa.Create();
        try
        {
            key.ImportSubjectPublicKeyInfo(witnessKey, out _);
        }
        catch (CryptographicException e)
        {
            return (null, $"the witness key is not an SPKI DER ECDSA key: {e.Message}");
        }
        return key.VerifyData(Message(checkpoint, (long)time), blob.AsSpan(12), HashAlgorithmName.SHA256, DSASignatureFormat.Rfc3279DerSequence)
            ? (DateTimeOffset.FromUnixTimeSeconds((long)time), null)
            : (null, $"cosignature by {witness} does not verify over checkpoint {checkpoint.TreeSize}");
    }

    /// <summary>The signed note with cosignature lines appended (signed-note allows any number of signature lines).</summary>
    public static string Append(string note, IEnumerable<string> lines)
    {
        var text = new StringBuilder(note);
        foreach (var line in lines) text.Append(line.TrimEnd('\n')).Append('\n');
        return text.ToString();
    }
}

/// <summary>A cosignature a partner's witness submits for one of this node's checkpoints.</summary>
public sealed record CosignatureSubmission(string? Witness, string? PublicKey, long TreeSize, string? Root, string? Cosignature);

/// <summary>Whether a submitted cosignature is accepted: accepted with when it was made, or refused with a status and why.</summary>
public sealed record CosignatureDecision(bool Accepted, int Status, string Reason, DateTimeOffset? CosignedAt, byte[]? Root)
{
    public static readonly TimeSpan MaxClockSkew = TimeSpan.FromMinutes(10);

    public static CosignatureDecision Refuse(int status, string reason) => new(false, status, reason, null, null);

    /// <summary>
    /// Pure: accepts a cosignature only from a witness that an agreement in force between it and this node names with
    /// the key's fingerprint and whose key in this node's partner directory is that same key
    /// (<paramref name="registeredKey"/>, the fingerprint the directory holds for the witness's code, null when it is
    /// not a partner), over a checkpoint this node signed (<paramref name="signedNote"/>, the note this node signed at
    /// that size, null if none), verified with that key under its key id, and not dated ahead of <paramref name="now"/>
    /// by more than <see cref="MaxClockSkew"/>.
    /// </summary>
    public static CosignatureDecision Decide(CosignatureSubmission submission, string ownCode, IReadOnlyList<Agreement> inForce, string? registeredKey,
        string? signedNote, DateTimeOffset now)
    {
        if (string.IsNullOrWhiteSpace(submission.Witness)) return Refuse(400, "witness: expected the witnessing node's code");
        if (string.IsNullOrWhiteSpace(submission.PublicKey)) return Refuse(400, "publicKey: expected the witness's public key, SubjectPublicKeyInfo DER in base64");
        if (string.IsNullOrWhiteSpace(submission.Cosignature)) return Refuse(400, "cosignature: expected the signature line '— <witness code> <base64>'");
        if (string.IsNullOrWhiteSpace(submission.Root)) return Refuse(400, "root: expected the checkpoint's root hash, base64");
        byte[] key;
        try
        {
            key = Convert.FromBase64String(submission.PublicKey);
            using var ecdsa = ECDsa.Create();
            ecdsa.ImportSubjectPublicKeyInfo(key, out _);
        }
        catch (Exception e) when (e is FormatException or CryptographicException)
        {
            return Refuse(400, "publicKey: expected an ECDSA P-256 SubjectPublicKeyInfo DER in base64");
        }
        var fingerprint = NodeKeys.Fingerprint(key);
        var agreement = inForce.FirstOrDefault(a => a.Party(submission.Witness) is { } p && p.Fingerprint == fingerprint && a.Party(ownCode) is not null);
        if (agreement is null)
            return Refuse(403, $"no agreement in force between {ownCode} and {submission.Witness} names {submission.Witness} with key {fingerprint}");
        if (registeredKey is null) return Refuse(403, $"{submission.Witness} is not in {ownCode}'s partner directory");
        if (registeredKey != fingerprint)
            return Refuse(403, $"signed with key {fingerprint}, but {ownCode}'s partner directory holds {submission.Witness}'s key as {registeredKey}");
        if (signedNote is null) return Refuse(400, $"treeSize: this node signed no checkpoint of size {submission.TreeSize}");
        var signed = Checkpoint.Parse(signedNote).Checkpoint!;
        if (Convert.ToBase64String(signed.Root) != submission.Root)
            return Refuse(400, $"root: this node's checkpoint of size {submission.TreeSize} has root {Convert.ToBase64String(signed.Root)}, not {submission.Root}");
        var (at, problem) = Cosignature.Verify(signed, submission.Cosignature, submission.Witness, key);
        if (at is null) return Refuse(400, problem!);
        // The newest cosignature per witness is the one published: one dated ahead would hide the next ones.
        if (at > now + MaxClockSkew)
            return Refuse(400, $"cosignature: its time {at:yyyy-MM-ddTHH:mm:ssZ} is more than {MaxClockSkew.TotalMinutes} minutes ahead of this node's clock ({now:yyyy-MM-ddTHH:mm:ssZ})");
        return new(true, 200, $"cosigned by {submission.Witness} under {agreement.Id} v{agreement.Version}", at, signed.Root);
    }
}
