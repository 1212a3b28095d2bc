using System.Buffers.Binary;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace Entente.Ledger;

/// <summary>
/// A signed tree head in the C2SP tlog-checkpoint / signed-note format:
/// <code>
/// &lt;origin&gt;\n&lt;tree size&gt;\n&lt;base64 root&gt;\n\n— &lt;origin&gt; &lt;base64(key id ‖ signature)&gt;\n
/// </code>
/// signed with the node's ECDSA P-256 key as signed-note signature type 0x02: key id = SHA-256(SPKI DER)[:4],
/// signature = ASN.1 DER ECDSA over SHA-256 of the note text (the three lines, final newline included).
/// </summary>
public sealed record Checkpoint(string Origin, long TreeSize, byte[] Root)
{
    private const string SignaturePrefix = "\u2014 ";

    /// <summary>The note text the signature covers.</summary>
    public string Text => $"{Origin}\n{TreeSize.ToString(CultureInfo.InvariantCulture)}\n{Convert.ToBase64String(Root)}\n";

    /// <summary>The signed-note key id of a P-256 public key: the first four bytes of SHA-256 of its SPKI DER.</summary>
    public static uint KeyId(ReadOnlySpan<byte> publicKeySpki) => BinaryPrimitives.ReadUInt32BigEndian(SHA256.HashData(publicKeySpki));

    /// <summary>Signs this checkpoint; the key name is the origin.</summary>
    public string Sign(ECDsa key)
    {
        ValidateOrigin(Origin);
        var text = Encoding.UTF8.GetBytes(Text);
        var signature = key.SignData(text, HashAlgorithmName.SHA256, DSASignatureFormat.Rfc3279DerSequence);
        var blob = new byte[4 + signature.Length];
        BinaryPrimitives.WriteUInt32BigEndian(blob, KeyId(key.ExportSubjectPublicKeyInfo()));
        signature.CopyTo(blob, 4);
        return $"{Text}\n{SignaturePrefix}{Origin} {Convert.ToBase64String(blob)}\n";
    }

    /// <summary>
    /// Opens a signed checkpoint with the log's public key (SPKI DER): the note must be well formed and carry a valid
    /// signature by that key under the origin's name. Returns the checkpoint, or the reason it is not acceptable.
    /// </summary>
    public static (Checkpoint? Checkpoint, string? Problem) Open(string note, ReadOnlySpan<byte> publicKeySpki)
    {
        var (checkpoint, signatures, problem) = Parse(note);
        if (checkpoint is null) return (null, problem);
        ECDsa key;
        try
        {
            key = ECDsa.Create();
            key.ImportSubjectPublicKeyInfo(publicKeySpki, out _);
        }
        catch (CryptographicException e)
        {
            return (null, $"the public key is not an SPKI DER ECDSA key: {e.Message}");
        }
        using (key)
        {
            var keyId = KeyId(publicKeySpki);
            var text = Encoding.UTF8.GetBytes(checkpoint.Text);
            var found = false;
            foreach (var (name, blob) in signatures)
            {
                if (name != checkpoint.Origin || blob.Length < 4 || BinaryPrimitives.ReadUInt32BigEndian(blob) != keyId) continue;
                found = true;
                if (!key.VerifyData(text, blob.AsSpan(4), HashAlgorithmName.SHA256, DSASignatureFormat.Rfc3279DerSequence))
                    return (null, $"the signature by {name} (key id {keyId:x8}) does not verify");
            }
            return found ? (checkpoint, null) : (null, $"no signature by {checkpoint.Origin} with key id {keyId:x8}");
        }
    }

    /// <summary>Reads the note's text and signature lines without checking any signature.</summary>
    public static (Checkpoint? Checkpoint, IReadOnlyList<(string Name, byte[] Signature)> Signatures, string? Problem) Parse(string note)
    {
        if (note.Any(c => c < 0x20 && c != '\n')) return (null, [], "checkpoint: control characters other than newline");
        var split = note.LastIndexOf("\n\n", StringComparison.Ordinal);
        if (split < 0 || !note.EndsWith('\n')) return (null, [], "checkpoint: expected text, a blank line, and signature lines each ending in a newline");
        var lines = note[..(split + 1)].Split('\n');
        // lines: origin, size, root, (extension lines)..., "" after the final newline
        if (lines.Length < 4) return (null, [], "checkpoint: expected at least 3 lines (origin, tree size, root hash)");
        if (lines.Length > 4) return (null, [], $"checkpoint line 4: unexpected extension line '{lines[3]}'");
        var origin = lines[0];
        if (origin.Length == 0) return (null, [], "checkpoint line 1: empty origin");
        if (lines[1].Length == 0 || lines[1].Length > 19 || !lines[1].All(char.IsAsciiDigit) || (lines[1].Length > 1 && lines[1][0] == '0') ||
            !long.TryParse(lines[1], NumberStyles.None, CultureInfo.InvariantCulture, out var size))
            return (null, [], $"checkpoint line 2: '{lines[1]}' is not a tree size (decimal, no leading zeros)");
        byte[] root;
        try
        {
            root = Convert.FromBase64String(lines[2]);
        }
        catch (FormatException)
        {
            return (null, [], "checkpoint line 3: the root hash is not base64");
        }
        if (root.Length != MerkleTree.HashSize || Convert.ToBase64String(root) != lines[2])
            return (null, [], $"checkpoint line 3: expected the canonical base64 of {MerkleTree.HashSize} bytes");

        var signatures = new List<(string, byte[])>();
        var signatureLines = note[(split + 2)..].Split('\n');
        for (var i = 0; i < signatureLines.Length - 1; i++)
        {
            var line = signatureLines[i];
            var space = line.LastIndexOf(' ');
            if (!line.StartsWith(SignaturePrefix, StringComparison.Ordinal) || space <= SignaturePrefix.Length)
                return (null, [], $"checkpoint signature line {i + 1}: expected '— <key name> <base64 signature>'");
            try
            {
                var encoded = line[(space + 1)..];
                var blob = Convert.FromBase64String(encoded);
                if (blob.Length < 5) return (null, [], $"checkpoint signature line {i + 1}: too short for a key id and a signature");
                // Only the canonical encoding is accepted: otherwise two different notes would carry one signature.
                if (Convert.ToBase64String(blob) != encoded) return (null, [], $"checkpoint signature line {i + 1}: the signature is not canonical base64");
                signatures.Add((line[SignaturePrefix.Length..space], blob));
            }
            catch (FormatException)
            {
                return (null, [], $"checkpoint signature line {i + 1}: the signature is not base64");
            }
        }
        if (signatures.Count == 0) return (null, [], "checkpoint: no signature line");
        return (new Checkpoint(origin, size, root), signatures, null);
    }

    /// <summary>Key names are non-empty and hold no spaces or '+' (signed-note); an origin is the log's key name.</summary>
    public static void ValidateOrigin(string origin)
    {
        if (string.IsNullOrEmpty(origin) || origin.Any(c => char.IsWhiteSpace(c) || c == '+' || c < 0x20))
            throw new ArgumentException($"checkpoint origin '{origin}': expected a non-empty name without spaces or '+', e.g. entente.example/KR/ledger", nameof(origin));
    }
}
