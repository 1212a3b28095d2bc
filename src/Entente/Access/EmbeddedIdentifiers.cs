using System.Text.Json.Nodes;
using System.Text.Json.Serialization.Metadata;
using System.Text.RegularExpressions;
using Entente.Declarations;

namespace Entente.Access;

/// <summary>
/// A party's identifier hides in other fields of its declaration: a UK DUCR is year digit, country, EORI, '-' and a
/// reference (5GB553202734852-20250727), a previous document or an additional reference may carry an EORI or a TIN, a
/// source file may be named after the trader. Where the party's identifier is withheld, each such occurrence is
/// masked in place, keeping the rest of the value: the identifier's national part (after a two-letter country prefix,
/// so a TIN written without it is found too) becomes [withheld] — 5GB[withheld]-20250727. Pure.
/// </summary>
public sealed class EmbeddedIdentifiers
{
    public const string Mask = "[withheld]";

    /// <summary>The shortest national part searched for on its own; a shorter identifier is searched for whole.</summary>
    public const int MinNationalPart = 6;

    /// <summary>The shortest identifier searched for at all (a shorter one would mask ordinary words and codes).</summary>
    public const int MinIdentifier = 4;

    private readonly Regex? _pattern;

    private EmbeddedIdentifiers(Regex? pattern) => _pattern = pattern;

    public static EmbeddedIdentifiers None { get; } = new(null);

    /// <summary>The forms searched for, given the parties' identifiers (EORI, TIN, national trader numbers).</summary>
    public static IReadOnlyList<string> Forms(IEnumerable<string?> partyIds)
    {
        var forms = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        foreach (var raw in partyIds)
        {
            if (string.IsNullOrWhiteSpace(raw)) continue;
            var id = raw.Trim();
            if (id == PersonalData.Withheld || id == Mask) continue;
            if (id.Length - 2 >= MinNationalPart && char.IsAsciiLetter(id[0]) && char.IsAsciiLetter(id[1])) forms.Add(id[2..]);
            else if (id.Length >= MinIdentifier) forms.Add(id);
        }
        return forms.OrderByDescending(f => f.Length).ThenBy(f => f, StringComparer.Ordinal).ToArray();
    }

    public static EmbeddedIdentifiers Of(IEnumerable<string?> partyIds)
    {
        var forms = Forms(partyIds);
        return forms.Count == 0
            ? None
            : new(new Regex(string.Join('|', forms.Select(Regex.Escape)), RegexOptions.IgnoreCase | RegexOptions.CultureInvariant, TimeSpan.FromSeconds(1)));
    }

    /// <summary>
    /// For a projection of a declaration sent to a partner: the parties' identifiers the projection does not disclose
    /// in clear at /parties/*/id (dropped, masked or pseudonymised there), to be masked wherever else they appear.
    /// </summary>
    public static EmbeddedIdentifiers NotDisclosedIn(JsonObject projection, IEnumerable<string> partyIds)
    {
        var disclosed = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        if (projection["parties"] is JsonArray parties)
        {
            foreach (var party in parties)
            {
                if (party is JsonObject p && p["id"] is JsonValue v && v.TryGetValue<string>(out var id)) disclosed.Add(id.Trim());
            }
        }
        return Of(partyIds.Where(id => !disclosed.Contains(id.Trim())));
    }

    /// <summary>The party identifiers of a declaration.</summary>
    public static EmbeddedIdentifiers Of(Declaration declaration) => Of(declaration.Parties.Select(p => p.Id));

    public bool IsEmpty => _pattern is null;

    /// <summary>The text with every occurrence masked (the same instance when there is none).</summary>
    public string? Apply(string? text) => _pattern is null || string.IsNullOrEmpty(text) ? text : _pattern.Replace(text, Mask);

    /// <summary>
    /// Masks, in place, every occurrence in the string fields of a canonical declaration's JSON (a whole document or a
    /// projection of one: what is not there is skipped); fields that are not text (dates, enumerations, numbers) are
    /// left alone. Returns the JSON pointers of the fields changed.
    /// </summary>
    public IReadOnlyList<string> ApplyTo(JsonObject declaration)
    {
        var changed = new List<string>();
        if (_pattern is not null) Walk(declaration, typeof(Declaration), "", changed, leaveOut: false);
        return changed.Distinct(StringComparer.Ordinal).ToArray();
    }

    /// <summary>
    /// For what leaves the node (a projection sent to a partner): every string field of a canonical declaration's JSON
    /// in which an identifier occurs is left out whole — withheld is never data, so nothing is masked in place — an
    /// array element becoming null so that positions hold, a national-data entry whose name holds one removed (listed
    /// as its map's pointer and "/*", so that the pointer names no identifier). Returns the pointers of what was left out.
    /// </summary>
    public IReadOnlyList<string> LeaveOutOf(JsonObject declaration)
    {
        var changed = new List<string>();
        if (_pattern is not null) Walk(declaration, typeof(Declaration), "", changed, leaveOut: true);
        return changed.Distinct(StringComparer.Ordinal).ToArray();
    }

    /// <summary>What <see cref="Walk"/> answers for a field to be left out.</summary>
    private static readonly JsonValue LeftOut = JsonValue.Create("");

    private JsonNode? Walk(JsonNode? node, Type type, string pointer, List<string> changed, bool leaveOut)
    {
        if (node is null) return null;
        type = Nullable.GetUnderlyingType(type) ?? type;
        if (type == typeof(string))
        {
            if (node is not JsonValue value || !value.TryGetValue<string>(out var text)) return null;
            var masked = Apply(text);
            if (ReferenceEquals(masked, text) || masked == text) return null;
            changed.Add(pointer);
            return leaveOut ? LeftOut : JsonValue.Create(masked);
        }
        var info = EntenteJson.Options.GetTypeInfo(type);
        switch (info.Kind)
        {
            case JsonTypeInfoKind.Object when node is JsonObject obj:
                foreach (var property in info.Properties)
                {
                    if (obj[property.Name] is { } child && Walk(child, property.PropertyType, pointer + "/" + Escape(property.Name), changed, leaveOut) is { } replaced)
                    {
                        if (ReferenceEquals(replaced, LeftOut)) obj.Remove(property.Name);
                        else obj[property.Name] = replaced;
                    }
                }
                break;
            case JsonTypeInfoKind.Enumerable when node is JsonArray array && info.ElementType is { } element:
                for (var i = 0; i < array.Count; i++)
                {
                    if (Walk(array[i], element, $"{pointer}/{i}", changed, leaveOut) is { } replaced) array[i] = ReferenceEquals(replaced, LeftOut) ? null : replaced;
                }
                break;
            case JsonTypeInfoKind.Dictionary when node is JsonObject map && info.ElementType is { } valueType:
                foreach (var key in map.Select(p => p.Key).ToArray())
                {
                    var maskedKey = info.KeyType == typeof(string) ? Apply(key)! : key;
                    var child = map[key];
                    if (leaveOut && maskedKey != key)
                    {
                        changed.Add(pointer + "/*");
                        map.Remove(key);
                        continue;
                    }
                    var replaced = Walk(child, valueType, pointer + "/" + Escape(maskedKey), changed, leaveOut);
                    if (maskedKey != key)
                    {
                        changed.Add(pointer + "/" + Escape(maskedKey));
                        map.Remove(key);
                        map[maskedKey] = replaced ?? child;
                    }
                    else if (ReferenceEquals(replaced, LeftOut)) map.Remove(key);
                    else if (replaced is not null) map[key] = replaced;
                }
                break;
        }
        return null;
    }

    private static string Escape(string segment) => segment.Replace("~", "~0", StringComparison.Ordinal).Replace("/", "~1", StringComparison.Ordinal);
}
