using System.Text.Json;
using System.Text.Json.Nodes;

namespace Entente.Ingest.Json;

/// <summary>
/// Withheld is never data. A read without a purpose leaves party data out and lists it under "withheld" (earlier
/// versions wrote the word "withheld" in its place), and masks identifiers inside other values as "[withheld]". Such a
/// read saved and ingested again would store the placeholder as a trader's name or identifier: each is refused, naming
/// the field. Pure; the full walk runs only when the bytes contain the word at all.
/// </summary>
internal static class WithheldPlaceholders
{
    private static readonly byte[] Word = "withheld"u8.ToArray();

    private const string Mask = "[withheld]";

    /// <summary>The fields a read without a purpose used to fill with the word.</summary>
    private static readonly string[] PartyFields = ["name", "id"];

    private static readonly string[] AddressFields = ["line", "cityName", "postcodeId"];

    public static IReadOnlyList<(string Pointer, string Message)> Find(ReadOnlySpan<byte> json)
    {
        if (!Contains(json)) return [];
        JsonObject? root;
        try
        {
            root = JsonNode.Parse(json) as JsonObject;
        }
        catch (JsonException)
        {
            return [];
        }
        if (root is null) return [];
        var found = new List<(string, string)>();
        if (root.ContainsKey("withheld"))
        {
            found.Add(("/withheld", "this is a read of a declaration with party data withheld (its 'withheld' member lists what was left out), " +
                "not a declaration: ingest the original, or read it with a purpose"));
        }
        Placeholder(root["ucr"], "/ucr", found);
        if (root["parties"] is JsonArray parties)
        {
            for (var i = 0; i < parties.Count; i++)
            {
                if (parties[i] is not JsonObject party) continue;
                foreach (var field in PartyFields) Placeholder(party[field], $"/parties/{i}/{field}", found);
                if (party["address"] is JsonObject address)
                {
                    foreach (var field in AddressFields) Placeholder(address[field], $"/parties/{i}/address/{field}", found);
                }
            }
        }
        Masks(root, "", found);
        return found;
    }

    private static void Placeholder(JsonNode? node, string pointer, List<(string, string)> found)
    {
        if (node is JsonValue value && value.TryGetValue<string>(out var text) && text.Trim().Equals("withheld", StringComparison.OrdinalIgnoreCase))
            found.Add((pointer, "'withheld' is the placeholder of a read without a purpose, not data: ingest the original value"));
    }

    private static void Masks(JsonNode? node, string pointer, List<(string, string)> found)
    {
        switch (node)
        {
            case JsonObject obj:
                foreach (var (name, child) in obj)
                {
                    var path = pointer + "/" + name.Replace("~", "~0", StringComparison.Ordinal).Replace("/", "~1", StringComparison.Ordinal);
                    if (name.Contains(Mask, StringComparison.OrdinalIgnoreCase)) found.Add((path, MaskMessage));
                    Masks(child, path, found);
                }
                break;
            case JsonArray array:
                for (var i = 0; i < array.Count; i++) Masks(array[i], $"{pointer}/{i}", found);
                break;
            case JsonValue value when value.TryGetValue<string>(out var text) && text.Contains(Mask, StringComparison.OrdinalIgnoreCase):
                found.Add((pointer, MaskMessage));
                break;
        }
    }

    private const string MaskMessage = "holds '[withheld]', the mask of a party identifier in a read without a purpose, not data: ingest the original value";

    private static bool Contains(ReadOnlySpan<byte> json)
    {
        // Case-insensitive for ASCII: the word is lower case; a capital first letter is the only other form looked for.
        return json.IndexOf(Word) >= 0 || json.IndexOf("Withheld"u8) >= 0 || json.IndexOf("WITHHELD"u8) >= 0;
    }
}
