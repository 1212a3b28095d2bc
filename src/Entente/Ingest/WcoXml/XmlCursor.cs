using System.Text;
using System.Xml;

namespace Entente.Ingest.WcoXml;

/// <summary>Where an element sits in the document: /MetaData/Declaration/GoodsShipment/GovernmentAgencyGoodsItem[1].</summary>
internal sealed class ElementPath(ElementPath? parent, string name, int position)
{
    public ElementPath? Parent { get; } = parent;

    public string Name { get; } = name;

    /// <summary>1-based position among same-named siblings; 0 when the element does not repeat.</summary>
    public int Position { get; } = position;

    public override string ToString() => Render(null);

    /// <summary>The path below <paramref name="ancestor"/>, without a leading slash.</summary>
    public string RelativeTo(ElementPath ancestor) => Render(ancestor)[1..];

    private string Render(ElementPath? stop)
    {
        var parts = new List<ElementPath>();
        for (var p = this; p is not null && p != stop; p = p.Parent) parts.Add(p);
        var text = new StringBuilder();
        for (var i = parts.Count - 1; i >= 0; i--)
        {
            text.Append('/').Append(parts[i].Name);
            if (parts[i].Position > 0) text.Append('[').Append(parts[i].Position).Append(']');
        }
        return text.ToString();
    }
}

/// <summary>
/// Forward-only walk over an <see cref="XmlReader"/> that enforces the reader's limits on every node
/// (nesting depth, text length) and knows the element path of where it stands.
/// </summary>
internal sealed class XmlCursor(XmlReader reader, string file)
{
    public const int MaxDepth = 64;
    public const int MaxTextLength = 1 << 20;

    private readonly IXmlLineInfo? _lines = reader as IXmlLineInfo;
    private readonly char[] _chunk = new char[4096];
    private readonly StringBuilder _nodeText = new();
    private readonly StringBuilder _leafText = new();
    private readonly List<Frame> _frames = [];
    private int _open;
    private ElementPath? _here;

    public string File { get; } = file;

    /// <summary>Local name of the current element.</summary>
    public string Name { get; private set; } = "";

    public string NamespaceUri { get; private set; } = "";

    /// <summary>Line where the current element starts.</summary>
    public long Line { get; private set; }

    private int _position;

    public long ReaderLine => _lines?.LineNumber ?? 0;

    public long ReaderPosition => _lines?.LinePosition ?? 0;

    public bool IsWco => IsWcoNamespace(NamespaceUri);

    /// <summary>
    /// The document writes WCO elements without a namespace (a root Declaration or MetaData in no namespace): elements in
    /// no namespace are then WCO elements.
    /// </summary>
    public bool Unqualified { get; set; }

    private bool IsWcoNamespace(string ns) => Dms.IsWco(ns) || (Unqualified && ns.Length == 0);

    /// <summary>Whether the element last entered is in a WCO namespace.</summary>
    public bool InsideWco => _open > 0 && _frames[_open - 1].Wco;

    /// <summary>Path of the current element.</summary>
    public ElementPath Here => _here ??= new ElementPath(_open > 0 ? _frames[_open - 1].Path : null, Name, _position);

    /// <summary>Path of the innermost element being read, for errors.</summary>
    public string? Where => _open > 0 ? _frames[_open - 1].Path.ToString() : null;

    /// <summary>Moves to the root element. False when the document has none.</summary>
    public bool MoveToRoot()
    {
        while (Read())
        {
            if (reader.NodeType == XmlNodeType.Element)
            {
                SetCurrent(null);
                return true;
            }
        }
        return false;
    }

    public string? Attribute(string localName) => reader.GetAttribute(localName)?.Trim() is { Length: > 0 } value ? value : null;

    /// <summary>The attributes of the current element that carry data (not namespace declarations or xsi:).</summary>
    public List<(string Name, string Value)> DataAttributes()
    {
        var found = new List<(string, string)>();
        if (!reader.HasAttributes) return found;
        while (reader.MoveToNextAttribute())
        {
            if (reader.NamespaceURI is "http://www.w3.org/2000/xmlns/" or "http://www.w3.org/2001/XMLSchema-instance") continue;
            if (reader.Value.Trim() is { Length: > 0 } value) found.Add((reader.LocalName, value));
        }
        reader.MoveToElement();
        return found;
    }

    /// <summary>Steps into the current element. False for an empty element, which is then passed.</summary>
    public bool Enter()
    {
        var path = Here;
        if (reader.IsEmptyElement)
        {
            AdvancePast();
            return false;
        }
        if (_open == _frames.Count) _frames.Add(new Frame());
        _frames[_open++].Reset(path, reader.Depth, IsWcoNamespace(NamespaceUri));
        Advance();
        return true;
    }

    /// <summary>
    /// Moves to the next child element of the element last entered. False when that element ends (its end tag is passed).
    /// Text between child elements goes to <paramref name="text"/> when given.
    /// </summary>
    public bool NextChild(StringBuilder? text = null)
    {
        var frame = _frames[_open - 1];
        while (true)
        {
            switch (reader.NodeType)
            {
                case XmlNodeType.Element:
                    SetCurrent(frame);
                    return true;
                case XmlNodeType.EndElement when reader.Depth == frame.Depth:
                    _open--;
                    _here = null;
                    AdvancePast();
                    return false;
                case XmlNodeType.Text or XmlNodeType.CDATA or XmlNodeType.SignificantWhitespace:
                    text?.Append(_nodeText);
                    Advance();
                    break;
                default:
                    Advance();
                    break;
            }
        }
    }

    /// <summary>Passes the current element and everything in it, still checking every node.</summary>
    public void Skip()
    {
        if (reader.IsEmptyElement)
        {
            AdvancePast();
            return;
        }
        var depth = reader.Depth;
        do
        {
            Advance();
        }
        while (!(reader.NodeType == XmlNodeType.EndElement && reader.Depth == depth));
        AdvancePast();
    }

    /// <summary>The trimmed text of the current element (null when empty), passing the element.</summary>
    public string? Text()
    {
        if (reader.IsEmptyElement)
        {
            AdvancePast();
            return null;
        }
        var depth = reader.Depth;
        _leafText.Clear();
        Advance();
        while (!(reader.NodeType == XmlNodeType.EndElement && reader.Depth == depth))
        {
            switch (reader.NodeType)
            {
                case XmlNodeType.Element:
                    Skip();
                    break;
                case XmlNodeType.Text or XmlNodeType.CDATA or XmlNodeType.SignificantWhitespace:
                    _leafText.Append(_nodeText);
                    Advance();
                    break;
                default:
                    Advance();
                    break;
            }
        }
        AdvancePast();
        return Trimmed(_leafText);
    }

    /// <summary>Reads to the end of the document, so that content after the root is checked too.</summary>
    public void ReadToEnd()
    {
        while (Read())
        {
            if (reader.NodeType == XmlNodeType.Element)
                throw Refuse("a second root element: a WCO XML file has one root", ReaderLine);
        }
    }

    public static string? Trimmed(StringBuilder text)
    {
        var start = 0;
        var end = text.Length;
        while (start < end && char.IsWhiteSpace(text[start])) start++;
        while (end > start && char.IsWhiteSpace(text[end - 1])) end--;
        return start == end ? null : text.ToString(start, end - start);
    }

    public IngestFormatException Refuse(string message, long? line = null) =>
        new(new IngestError(File, line ?? Line, Where ?? "", message));

    private void Advance()
    {
        if (!Read()) throw Refuse("the file ends inside an element (truncated?)", ReaderLine);
    }

    // After an end tag or an empty element: the end of the document is allowed here (it was the root).
    private void AdvancePast() => Read();

    private bool Read()
    {
        if (!reader.Read()) return false;
        switch (reader.NodeType)
        {
            case XmlNodeType.Element:
                if (reader.Depth >= MaxDepth)
                    throw Refuse($"elements are nested deeper than {MaxDepth} levels (at <{reader.Name}>, position {ReaderPosition}); a WCO declaration needs far fewer", ReaderLine);
                CheckAttributes();
                break;
            case XmlNodeType.Text or XmlNodeType.CDATA or XmlNodeType.SignificantWhitespace or XmlNodeType.Whitespace:
                ReadNodeText();
                break;
            case XmlNodeType.DocumentType or XmlNodeType.EntityReference:
                throw Refuse("a DTD or entity reference: WCO XML never needs one (refused for safety)", ReaderLine);
        }
        return true;
    }

    private void ReadNodeText()
    {
        var line = ReaderLine;
        _nodeText.Clear();
        int read;
        while ((read = reader.ReadValueChunk(_chunk, 0, _chunk.Length)) > 0)
        {
            if (_nodeText.Length + read > MaxTextLength)
                throw Refuse($"a text node longer than {MaxTextLength} characters (1 MiB); no WCO data element is that long", line);
            _nodeText.Append(_chunk, 0, read);
        }
    }

    private void CheckAttributes()
    {
        if (!reader.HasAttributes) return;
        for (var i = 0; i < reader.AttributeCount; i++)
        {
            if (reader.GetAttribute(i).Length > MaxTextLength)
                throw Refuse($"an attribute longer than {MaxTextLength} characters (1 MiB) on <{reader.Name}>", ReaderLine);
        }
    }

    private void SetCurrent(Frame? parent)
    {
        Name = reader.LocalName;
        NamespaceUri = reader.NamespaceURI;
        Line = ReaderLine;
        _here = null;
        var repeats = Dms.Repeating.Contains(Name) || (parent is { Wco: false } && Name is "MetaData" or "Declaration");
        _position = parent is not null && repeats ? parent.Count(Name) : 0;
    }

    private sealed class Frame
    {
        private readonly List<(string Name, int Count)> _counts = [];

        public ElementPath Path { get; private set; } = null!;

        public int Depth { get; private set; }

        public bool Wco { get; private set; }

        public void Reset(ElementPath path, int depth, bool wco)
        {
            Path = path;
            Depth = depth;
            Wco = wco;
            _counts.Clear();
        }

        public int Count(string name)
        {
            for (var i = 0; i < _counts.Count; i++)
            {
                if (_counts[i].Name == name)
                {
                    _counts[i] = (name, _counts[i].Count + 1);
                    return _counts[i].Count;
                }
            }
            _counts.Add((name, 1));
            return 1;
        }
    }
}
