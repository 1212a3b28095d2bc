using System.Globalization;
using System.Text;

namespace Entente.Ingest.Edifact;

/// <summary>
/// One segment: its tag, its data elements and their components, already unescaped.
/// Elements and components are numbered from 1 as the directories number them (element 1 is the
/// first one after the tag); a position that is absent reads as empty.
/// The tokenizer reuses one instance for every segment: keep a <see cref="Clone"/> if you need it later.
/// </summary>
public sealed class EdifactSegment
{
    private char[] _content;
    private int _contentLength;
    // Per component: start and length in _content. Per element: index of its first component and how many.
    private int[] _componentStart;
    private int[] _componentLength;
    private int _componentCount;
    private int[] _elementFirst;
    private int[] _elementComponents;

    internal EdifactSegment()
    {
        _content = new char[256];
        _componentStart = new int[32];
        _componentLength = new int[32];
        _elementFirst = new int[16];
        _elementComponents = new int[16];
        Tag = "";
    }

    /// <summary>The segment tag, e.g. <c>NAD</c>.</summary>
    public string Tag { get; private set; }

    /// <summary>1-based position of the segment in its interchange (UNB is 1; a UNA is not counted).</summary>
    public int Number { get; private set; }

    /// <summary>1-based line of the source where the segment starts.</summary>
    public long Line { get; private set; }

    /// <summary>Number of data elements after the tag (trailing empty ones included when the sender wrote them).</summary>
    public int ElementCount { get; private set; }

    /// <summary>Number of components of a data element (0 when the element is absent).</summary>
    public int ComponentCount(int element) =>
        element >= 1 && element <= ElementCount ? _elementComponents[element] : 0;

    /// <summary>The text of one component; empty when absent.</summary>
    public ReadOnlySpan<char> Get(int element, int component = 1)
    {
        if (element < 1 || element > ElementCount || component < 1 || component > _elementComponents[element])
            return [];
        var index = _elementFirst[element] + component - 1;
        return _content.AsSpan(_componentStart[index], _componentLength[index]);
    }

    /// <summary>The text of one component, or null when it is absent or empty.</summary>
    public string? GetString(int element, int component = 1)
    {
        var span = Get(element, component);
        return span.IsEmpty ? null : span.ToString();
    }

    public bool Has(int element, int component = 1) => !Get(element, component).IsEmpty;

    public bool Is(int element, int component, string value) => Get(element, component).SequenceEqual(value);

    /// <summary>An independent copy that stays valid after the tokenizer moves on.</summary>
    public EdifactSegment Clone()
    {
        var copy = new EdifactSegment
        {
            _content = _content.AsSpan(0, _contentLength).ToArray(),
            _contentLength = _contentLength,
            _componentStart = _componentStart.AsSpan(0, _componentCount).ToArray(),
            _componentLength = _componentLength.AsSpan(0, _componentCount).ToArray(),
            _componentCount = _componentCount,
            _elementFirst = _elementFirst.AsSpan(0, ElementCount + 1).ToArray(),
            _elementComponents = _elementComponents.AsSpan(0, ElementCount + 1).ToArray(),
            Tag = Tag,
            Number = Number,
            Line = Line,
            ElementCount = ElementCount,
        };
        return copy;
    }

    /// <summary>The segment written back with the default delimiters (escaped), without its terminator.</summary>
    public override string ToString()
    {
        var d = EdifactDelimiters.Default;
        var text = new StringBuilder(Tag);
        for (var e = 1; e <= ElementCount; e++)
        {
            text.Append(d.Element);
            for (var c = 1; c <= _elementComponents[e]; c++)
            {
                if (c > 1) text.Append(d.Component);
                foreach (var ch in Get(e, c))
                {
                    if (ch == d.Component || ch == d.Element || ch == d.Release || ch == d.Terminator) text.Append(d.Release);
                    text.Append(ch);
                }
            }
        }
        return text.ToString();
    }

    /// <summary>"segment 17 MEA+AAE": how errors name a segment.</summary>
    internal string Label()
    {
        var qualifier = Get(1, 1);
        return qualifier.IsEmpty || qualifier.Length > 8
            ? string.Create(CultureInfo.InvariantCulture, $"segment {Number} {Tag}")
            : string.Create(CultureInfo.InvariantCulture, $"segment {Number} {Tag}+{qualifier}");
    }

    // Building, used by the tokenizer only.

    internal int ContentLength => _contentLength;

    internal void Begin(int number, long line)
    {
        Number = number;
        Line = line;
        Tag = "";
        _contentLength = 0;
        _componentCount = 0;
        ElementCount = -1;
        StartElement();
    }

    internal void StartElement()
    {
        ElementCount++;
        if (ElementCount == _elementFirst.Length)
        {
            Array.Resize(ref _elementFirst, _elementFirst.Length * 2);
            Array.Resize(ref _elementComponents, _elementComponents.Length * 2);
        }
        _elementFirst[ElementCount] = _componentCount;
        _elementComponents[ElementCount] = 0;
        StartComponent();
    }

    internal void StartComponent()
    {
        if (_componentCount == _componentStart.Length)
        {
            Array.Resize(ref _componentStart, _componentStart.Length * 2);
            Array.Resize(ref _componentLength, _componentLength.Length * 2);
        }
        _componentStart[_componentCount] = _contentLength;
        _componentLength[_componentCount] = 0;
        _componentCount++;
        _elementComponents[ElementCount]++;
    }

    internal void Append(ReadOnlySpan<char> text)
    {
        if (_contentLength + text.Length > _content.Length)
            Array.Resize(ref _content, Math.Max(_content.Length * 2, _contentLength + text.Length));
        text.CopyTo(_content.AsSpan(_contentLength));
        _contentLength += text.Length;
        _componentLength[_componentCount - 1] += text.Length;
    }

    internal void Append(char c)
    {
        if (_contentLength == _content.Length) Array.Resize(ref _content, _content.Length * 2);
        _content[_contentLength++] = c;
        _componentLength[_componentCount - 1]++;
    }

    /// <summary>The tag element (element 0), first component, as typed so far.</summary>
    internal ReadOnlySpan<char> TagText => _content.AsSpan(_componentStart[0], _componentLength[0]);

    internal void SetTag(string tag) => Tag = tag;

    internal void SetNumber(int number) => Number = number;
}
