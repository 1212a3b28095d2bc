using System.Security.Cryptography;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;
using Entente.Ledger;

namespace Entente.Witnessing;

/// <summary>A partner whose ledger this node witnesses: its node code, its API endpoint, its signing key (SPKI DER).</summary>
public sealed record WitnessTarget(string Code, Uri Endpoint, byte[] SigningKey);

public enum WitnessVerdictKind
{
    /// <summary>The first checkpoint seen from this partner: it becomes the reference.</summary>
    FirstSeen,

    /// <summary>The log grew and the consistency proof from the reference verifies.</summary>
    Consistent,

    /// <summary>The same size and root as the reference.</summary>
    Unchanged,

    /// <summary>An older, smaller checkpoint than the reference, proven consistent with it (a lagging replica, a cache).</summary>
    StaleButConsistent,

    /// <summary>Refused: malformed, wrong origin, bad signature or no proof. Not evidence of anything; nothing stored.</summary>
    Invalid,

    /// <summary>Two signed histories that cannot both be true: stored as an alarm with the evidence.</summary>
    Equivocation,
}

/// <summary>The ways a partner's log can be caught showing two histories.</summary>
public static class EquivocationKinds
{
    public const string SameSizeDifferentRoot = "same-size-different-root";
    public const string GrowthNotConsistent = "growth-not-consistent";
    public const string SmallerNotConsistent = "smaller-not-consistent";
}

/// <summary>The consistency proof a partner served, as evidence: the sizes it is between and its hashes (base64).</summary>
public sealed record ProofEvidence(long From, long To, IReadOnlyList<string> Hashes);

/// <summary>
/// What an auditor shows a third party: two checkpoints signed by the partner's key (each a C2SP signed note that
/// opens with it) and, when their sizes differ, the proof the partner served that does not join them.
/// </summary>
public sealed record EquivocationEvidence(string Partner, string Kind, string Earlier, string Later, ProofEvidence? Proof, string Reason)
{
    private static readonly JsonSerializerOptions Compact = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <summary>The evidence as stored and shown: JSON, members in name order, no white space.</summary>
    public string ToJson()
    {
        var json = new JsonObject { ["earlier"] = Earlier, ["kind"] = Kind, ["later"] = Later, ["partner"] = Partner };
        if (Proof is not null)
            json["proof"] = new JsonObject { ["from"] = Proof.From, ["hashes"] = new JsonArray([.. Proof.Hashes.Select(h => (JsonNode)h!)]), ["to"] = Proof.To };
        json["reason"] = Reason;
        return json.ToJsonString(Compact);
    }

    /// <summary>"sha256:" and the hex SHA-256 of <see cref="ToJson"/> (UTF-8): what the ledger entry of the alarm records.</summary>
    public string Digest => DigestOf(ToJson());

    public static string DigestOf(string evidenceJson) => "sha256:" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(evidenceJson)));

    public static EquivocationEvidence FromJson(string json)
    {
        var node = JsonNode.Parse(json)!.AsObject();
        ProofEvidence? proof = node["proof"] is JsonObject p
            ? new ProofEvidence(p["from"]!.GetValue<long>(), p["to"]!.GetValue<long>(), p["hashes"]!.AsArray().Select(h => h!.GetValue<string>()).ToList())
            : null;
        return new EquivocationEvidence(node["partner"]!.GetValue<string>(), node["kind"]!.GetValue<string>(), node["earlier"]!.GetValue<string>(),
            node["later"]!.GetValue<string>(), proof, node["reason"]!.GetValue<string>());
    }
}

/// <summary>
/// The verdict on a partner's checkpoint. <see cref="Note"/> is the checkpoint as kept: its text and the partner's own
/// signature lines (others' cosignatures dropped).
/// </summary>
public sealed record WitnessVerdict(WitnessVerdictKind Kind, string Reason, Checkpoint? Checkpoint, string? Note, EquivocationEvidence? Evidence)
{
    /// <summary>Whether this node vouches for the checkpoint: only the newest history it has seen, proven.</summary>
    public bool Cosign => Kind is WitnessVerdictKind.FirstSeen or WitnessVerdictKind.Consistent or WitnessVerdictKind.Unchanged;

    /// <summary>Whether the checkpoint is kept as the partner's history (the reference for later rounds).</summary>
    public bool Keep => Kind is not (WitnessVerdictKind.Invalid or WitnessVerdictKind.Equivocation);
}

/// <summary>
/// The witness's decision, pure: compare a partner's new signed checkpoint with the one this node last relied on.
/// </summary>
public static class WitnessCheck
{
    /// <summary>The checkpoint origin of a node's ledger (and its signed-note key name).</summary>
    public static string OriginOf(string nodeCode) => $"entente/{nodeCode}/ledger";

    /// <summary>The consistency proof the check needs, (from, to), or null when the sizes are equal or nothing was seen.</summary>
    public static (long From, long To)? ProofNeeded(long? referenceSize, long newSize) =>
        referenceSize is not { } seen || seen == newSize || seen == 0 || newSize == 0 ? null : (Math.Min(seen, newSize), Math.Max(seen, newSize));

    /// <summary>
    /// Checks <paramref name="newNote"/> from <paramref name="partner"/> against <paramref name="referenceNote"/> (the
    /// checkpoint of that partner this node relies on: one of the same size if it has one, else its largest; null if
    /// none). <paramref name="proof"/> is the partner's consistency proof between the two sizes when they differ
    /// (<see cref="ProofNeeded"/>).
    /// </summary>
    public static WitnessVerdict Check(string partner, byte[] partnerKey, string? referenceNote, string newNote, IReadOnlyList<byte[]>? proof)
    {
        var (opened, problem) = Checkpoint.Open(newNote, partnerKey);
        if (opened is null) return Invalid($"checkpoint from {partner}: {problem}");
        var origin = OriginOf(partner);
        if (opened.Origin != origin) return Invalid($"checkpoint from {partner} line 1: origin '{opened.Origin}', expected '{origin}'");
        if (opened.TreeSize == 0) return Invalid($"checkpoint from {partner} line 2: an empty log proves nothing");
        var note = OwnSignaturesOnly(newNote, opened.Origin);
        if (referenceNote is null) return new(WitnessVerdictKind.FirstSeen, $"first checkpoint seen from {partner}: size {opened.TreeSize}", opened, note, null);

        var reference = Checkpoint.Parse(referenceNote).Checkpoint
            ?? throw new ArgumentException($"the stored reference checkpoint of {partner} does not parse", nameof(referenceNote));
        if (reference.TreeSize == opened.TreeSize)
        {
            if (reference.Root.AsSpan().SequenceEqual(opened.Root))
                return new(WitnessVerdictKind.Unchanged, $"{partner} still at size {opened.TreeSize}", opened, note, null);
            return Equivocation(EquivocationKinds.SameSizeDifferentRoot, referenceNote, note, null,
                $"{partner} signed two different roots for size {opened.TreeSize}");
        }
        var (from, to) = ProofNeeded(reference.TreeSize, opened.TreeSize)!.Value;
        if (proof is null) return Invalid($"{partner} served no consistency proof from size {from} to {to}");
        var grew = opened.TreeSize > reference.TreeSize;
        var (small, large) = grew ? (reference, opened) : (opened, reference);
        var check = MerkleTree.VerifyConsistency(small.TreeSize, large.TreeSize, small.Root, large.Root, proof);
        if (check.Valid)
        {
            return grew
                ? new(WitnessVerdictKind.Consistent, $"{partner} grew from {reference.TreeSize} to {opened.TreeSize}, proven consistent", opened, note, null)
                : new(WitnessVerdictKind.StaleButConsistent, $"{partner} showed size {opened.TreeSize}, older than the {reference.TreeSize} seen, consistent with it", opened, note, null);
        }
        return Equivocation(grew ? EquivocationKinds.GrowthNotConsistent : EquivocationKinds.SmallerNotConsistent, referenceNote, note,
            new ProofEvidence(from, to, proof.Select(Convert.ToBase64String).ToList()),
            $"{partner}'s checkpoint of size {opened.TreeSize} is not consistent with its checkpoint of size {reference.TreeSize}: {check.Reason}");

        WitnessVerdict Invalid(string reason) => new(WitnessVerdictKind.Invalid, reason, null, null, null);

        WitnessVerdict Equivocation(string kind, string earlier, string later, ProofEvidence? evidence, string reason) =>
            new(WitnessVerdictKind.Equivocation, reason, opened, note, new EquivocationEvidence(partner, kind, earlier, later, evidence, reason));
    }

    /// <summary>The note's text and the signature lines by <paramref name="keyName"/>, in their order.</summary>
    public static string OwnSignaturesOnly(string note, string keyName)
    {
        var (checkpoint, signatures, _) = Checkpoint.Parse(note);
        if (checkpoint is null) throw new ArgumentException("not a signed note", nameof(note));
        var text = new StringBuilder(checkpoint.Text).Append('\n');
        foreach (var (name, blob) in signatures.Where(s => s.Name == keyName))
            text.Append("\u2014 ").Append(name).Append(' ').Append(Convert.ToBase64String(blob)).Append('\n');
        return text.ToString();
    }
}
