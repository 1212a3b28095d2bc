using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;

namespace Entente.Ledger;

/// <summary>
/// What an entry is about: its body's "subjects" list. A declaration is named by its node id (not personal data); a
/// party by a tag keyed with the node's subject key, so the ledger — kept for ever and shown to auditors — never holds
/// the identifier, and an erased party's entries say nothing about it to anyone without the key.
/// </summary>
public static class LedgerSubjects
{
    public const string Field = "subjects";

    public static string Declaration(string id) => "declaration:" + id;

    /// <summary>A message received from a partner (its payload is the partner's data, read here under the same rules).</summary>
    public static string Message(string id) => "message:" + id;

    /// <summary>"party:" and the first 16 bytes, base64url, of HMAC-SHA-256(subject key, "party:" + identifier as keyed).</summary>
    public static string Party(ReadOnlySpan<byte> subjectKey, string partyId)
    {
        Span<byte> mac = stackalloc byte[32];
        HMACSHA256.HashData(subjectKey, Encoding.UTF8.GetBytes("party:" + partyId.Trim().ToUpperInvariant()), mac);
        return "party:" + Convert.ToBase64String(mac[..16]).TrimEnd('=').Replace('+', '-').Replace('/', '_');
    }

    public static string[] Of(LedgerEntry entry) =>
        entry.Body[Field] is JsonArray subjects
            ? subjects.Select(s => s?.GetValueKind() == System.Text.Json.JsonValueKind.String ? s.GetValue<string>() : null)
                .OfType<string>().Distinct(StringComparer.Ordinal).ToArray()
            : [];

    public static JsonArray ToJson(IEnumerable<string> subjects) => new(subjects.Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).Select(s => (JsonNode)s).ToArray());
}
