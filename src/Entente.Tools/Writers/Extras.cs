using System.Globalization;
using Entente.Ingest.WcoXml;

namespace Entente.Tools.Writers;

/// <summary>
/// The "dms:" national-data entries of one declaration as an element tree, so that the writer can put each one back
/// where the schema wants it. A key is an element path below Declaration, with "@name" for an attribute:
/// dms:GoodsShipment/GovernmentAgencyGoodsItem[1]/StatisticalValueAmount@currencyID.
/// </summary>
internal sealed class Extras(string name, int position)
{
    private List<Extras>? _children;
    private List<(string Name, string Value)>? _attributes;

    public string Name { get; } = name;

    public int Position { get; } = position;

    public string? Text { get; private set; }

    /// <summary>Set when the writer has written this element as part of a canonical one.</summary>
    public bool Taken { get; private set; }

    public IReadOnlyList<(string Name, string Value)> Attributes => _attributes ?? [];

    public IReadOnlyList<Extras> Children => _children ?? [];

    public static Extras? From(Dictionary<string, string> nationalData)
    {
        Extras? root = null;
        foreach (var (key, value) in nationalData)
        {
            if (!key.StartsWith(Dms.NationalDataPrefix, StringComparison.Ordinal)) continue;
            var path = key.AsSpan(Dms.NationalDataPrefix.Length);
            var at = path.IndexOf('@');
            var attribute = at >= 0 ? path[(at + 1)..].ToString() : null;
            if (at >= 0) path = path[..at];
            if (path.IsEmpty) continue;

            var node = root ??= new Extras("Declaration", 0);
            foreach (var range in path.Split('/'))
            {
                var segment = path[range];
                if (segment.IsEmpty) continue;
                var position = 0;
                var open = segment.IndexOf('[');
                if (open > 0 && segment[^1] == ']')
                {
                    if (!int.TryParse(segment[(open + 1)..^1], NumberStyles.None, CultureInfo.InvariantCulture, out position)) position = 0;
                    segment = segment[..open];
                }
                node = node.GetOrAdd(segment.ToString(), position);
            }
            if (attribute is null) node.Text = value;
            else (node._attributes ??= []).Add((attribute, value));
        }
        return root;
    }

    /// <summary>The child with this name and position, marked as taken by the caller.</summary>
    public Extras? Take(string name, int position = 0)
    {
        if (_children is null) return null;
        foreach (var child in _children)
        {
            if (child.Position == position && child.Name == name)
            {
                child.Taken = true;
                return child;
            }
        }
        return null;
    }

    public bool Has(string name)
    {
        if (_children is null) return false;
        foreach (var child in _children)
        {
            if (child.Name == name) return true;
        }
        return false;
    }

    private Extras GetOrAdd(string name, int position)
    {
        _children ??= [];
        foreach (var child in _children)
        {
            if (child.Position == position && child.Name == name) return child;
        }
        var added = new Extras(name, position);
        _children.Add(added);
        return added;
    }
}
