namespace Entente.Ingest.Edifact;

/// <summary>
/// Shares the strings of short codes (qualifiers, countries, currencies, units) across the messages of a file,
/// so a million declarations do not allocate a million "EUR"s. Bounded: past its capacity it stops remembering.
/// </summary>
internal sealed class CodeInterner
{
    private const int MaxLength = 12;
    private const int Capacity = 16 * 1024;

    private readonly Dictionary<string, string> _codes = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string>.AlternateLookup<ReadOnlySpan<char>> _lookup;

    public CodeInterner() => _lookup = _codes.GetAlternateLookup<ReadOnlySpan<char>>();

    public string? Get(ReadOnlySpan<char> text)
    {
        if (text.IsEmpty) return null;
        if (text.Length > MaxLength) return text.ToString();
        if (_lookup.TryGetValue(text, out var known)) return known;
        var code = text.ToString();
        if (_codes.Count < Capacity) _codes[code] = code;
        return code;
    }
}
