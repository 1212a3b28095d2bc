using System.Globalization;
using Entente.Declarations;

namespace Entente.Ingest.Csv;

/// <summary>Which column (or mapping constant) each canonical pointer comes from, built once per mapping.</summary>
internal sealed class CsvPointerIndex
{
    private const string Items = "/goodsShipment/goodsItems/";
    private const string Parties = "/parties/";
    private const string Containers = "/goodsShipment/consignment/containers";

    private readonly Dictionary<string, string> _declaration = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string> _item = new(StringComparer.Ordinal);
    private readonly Dictionary<(PartyRole, string), string> _party = [];
    private readonly string? _containers;

    public CsvPointerIndex(IEnumerable<CompiledField> fields)
    {
        foreach (var field in fields)
        {
            var target = field.Target;
            if (target.Kind == TargetKind.Containers)
            {
                _containers = field.SourceName;
                continue;
            }
            foreach (var pointer in target.Pointers)
            {
                if (target.Role is { } role)
                {
                    _party.TryAdd((role, pointer), field.SourceName);
                    _party.TryAdd((role, ""), field.SourceName);
                    if (pointer.StartsWith("/address/", StringComparison.Ordinal)) _party.TryAdd((role, "/address"), field.SourceName);
                }
                else if (target.IsItem)
                {
                    _item.TryAdd(pointer, field.SourceName);
                    var parent = pointer[..pointer.LastIndexOf('/')];
                    if (parent.Length > 0) _item.TryAdd(parent, field.SourceName);
                }
                else
                {
                    _declaration.TryAdd(pointer, field.SourceName);
                }
            }
        }
    }

    public SourceLocation? Locate(string pointer, Declaration declaration, long firstLine, List<long>? itemLines)
    {
        if (pointer.StartsWith(Items, StringComparison.Ordinal))
        {
            var (index, rest) = Split(pointer, Items.Length);
            if (index < 0) return null;
            long line;
            if (index == 0) line = firstLine;
            else if (itemLines is not null && index - 1 < itemLines.Count) line = itemLines[index - 1];
            else return null;
            if (rest.Length == 0) return new SourceLocation(line, "");
            return _item.TryGetValue(rest, out var source) ? new SourceLocation(line, source) : null;
        }
        if (pointer.StartsWith(Parties, StringComparison.Ordinal))
        {
            var (index, rest) = Split(pointer, Parties.Length);
            if (index < 0 || index >= declaration.Parties.Count) return null;
            return _party.TryGetValue((declaration.Parties[index].Role, rest), out var source) ? new SourceLocation(firstLine, source) : null;
        }
        if (pointer.StartsWith(Containers, StringComparison.Ordinal) && _containers is not null)
            return new SourceLocation(firstLine, _containers);
        return _declaration.TryGetValue(pointer, out var column) ? new SourceLocation(firstLine, column) : null;
    }

    private static (int Index, string Remainder) Split(string pointer, int start)
    {
        var end = pointer.IndexOf('/', start);
        var digits = end < 0 ? pointer.AsSpan(start) : pointer.AsSpan(start, end - start);
        if (!int.TryParse(digits, NumberStyles.None, CultureInfo.InvariantCulture, out var index)) return (-1, "");
        return (index, end < 0 ? "" : pointer[end..]);
    }
}

/// <summary>The Locate function of one CSV record: the line of each goods item's row, and the column of each field.</summary>
internal sealed class CsvLocator(CsvPointerIndex index, Declaration declaration, long firstLine)
{
    private List<long>? _itemLines;

    public void AddItemLine(long line) => (_itemLines ??= []).Add(line);

    public SourceLocation? Locate(string pointer) => index.Locate(pointer, declaration, firstLine, _itemLines);
}
