using System.Text.Json.Nodes;
using Entente.Ledger;

namespace Entente.Blinded;

/// <summary>The new key's id, its public element (base64url) and the id of the key it replaced.</summary>
public sealed record RotatedKey(string Key, string Public, string? Retired, string File);

/// <summary>
/// `entente blinded rotate-key`: replaces the node's OPRF key (the old one kept aside, no longer answered) and records
/// the rotation in the ledger as blinded-key-rotated: the new key's id and public element k·G, the retired key's id —
/// never the secret. Partners see the new key id in the next evaluation and fetch the new index.
/// </summary>
public sealed class RotateBlindedKey(string code, string home, LedgerStore ledger)
{
    public async Task<RotatedKey> HandleAsync(string user, CancellationToken cancellationToken = default)
    {
        var key = BlindedKey.Rotate(home, out var retired);
        var rotated = new RotatedKey(key.Id, Convert.ToBase64String(key.PublicElement()).TrimEnd('=').Replace('+', '-').Replace('/', '_'), retired, BlindedKey.PathIn(home));
        var body = new JsonObject { ["key"] = rotated.Key, ["public"] = rotated.Public };
        if (retired is not null) body["retired"] = retired;
        await ledger.AppendAsync(LedgerKinds.BlindedKeyRotated, new LedgerActor(user, code), body, cancellationToken);
        return rotated;
    }
}
