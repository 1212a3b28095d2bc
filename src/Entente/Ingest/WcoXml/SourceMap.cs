using System.Text;

namespace Entente.Ingest.WcoXml;

/// <summary>A JSON pointer into the canonical model, built from segments so that only the looked-up ones become strings.</summary>
internal sealed class Pointer(Pointer? parent, string segment)
{
    public Pointer? Parent { get; } = parent;

    /// <summary>Settable: a party's index is known only once the parties are put in order.</summary>
    public string Segment { get; set; } = segment;

    public Pointer this[string segment] => new(this, segment);

    public Pointer this[int index] => new(this, index.ToString(System.Globalization.CultureInfo.InvariantCulture));

    public override string ToString()
    {
        var parts = new List<string>();
        for (var p = this; p is not null; p = p.Parent) parts.Add(p.Segment);
        var text = new StringBuilder();
        for (var i = parts.Count - 1; i >= 0; i--) text.Append('/').Append(parts[i]);
        return text.ToString();
    }
}

/// <summary>Canonical pointer → the element it was read from, for <see cref="SourceRecord.Locate"/>.</summary>
internal sealed class SourceMap
{
    private readonly List<(Pointer Pointer, long Line, ElementPath Path)> _entries = new(64);
    private Dictionary<string, SourceLocation>? _index;

    public void Add(Pointer pointer, long line, ElementPath path) => _entries.Add((pointer, line, path));

    public SourceLocation? Locate(string pointer)
    {
        if (_index is null)
        {
            var index = new Dictionary<string, SourceLocation>(_entries.Count, StringComparer.Ordinal);
            foreach (var (p, line, path) in _entries) index.TryAdd(p.ToString(), new SourceLocation(line, path.ToString()));
            _index = index;
        }
        return _index.TryGetValue(pointer, out var at) ? at : null;
    }
}
