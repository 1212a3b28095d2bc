using System.Buffers;
using System.Globalization;
using Entente.Ingest.Edifact;

namespace Entente.Tools.Writers;

/// <summary>
/// Writes segments element by element, escaping service characters with the release character and
/// leaving out trailing empty elements and components, as ISO 9735 asks.
/// </summary>
internal sealed class EdifactSegmentWriter(TextWriter output, EdifactDelimiters delimiters, bool latin1, bool segmentPerLine)
{
    private readonly SearchValues<char> _special = SearchValues.Create(
        [delimiters.Component, delimiters.Element, delimiters.Release, delimiters.Terminator, '\r', '\n']);
    private int _pendingElements;
    private int _pendingComponents;
    private int _componentIndex;

    /// <summary>Segments written since the last <see cref="StartCount"/>.</summary>
    public int Count { get; private set; }

    public void StartCount() => Count = 0;

    public void Begin(string tag)
    {
        output.Write(tag);
        _pendingElements = 0;
        Count++;
    }

    public void End()
    {
        output.Write(delimiters.Terminator);
        if (segmentPerLine) output.Write('\n');
    }

    /// <summary>Starts the next data element; its components follow.</summary>
    public void Element()
    {
        _pendingElements++;
        _pendingComponents = 0;
        _componentIndex = 0;
    }

    public void Element(string? value)
    {
        Element();
        Component(value);
    }

    public void Element(string? first, string? second, string? third = null, string? fourth = null)
    {
        Element();
        Component(first);
        Component(second);
        Component(third);
        Component(fourth);
    }

    public void Component(string? value) => Component(value.AsSpan());

    public void Component(ReadOnlySpan<char> value)
    {
        if (_componentIndex++ > 0) _pendingComponents++;
        if (value.IsEmpty) return;
        Separators();
        Escaped(value);
    }

    public void Component(decimal? value)
    {
        if (_componentIndex++ > 0) _pendingComponents++;
        if (value is not { } number) return;
        Separators();
        Span<char> digits = stackalloc char[40];
        number.TryFormat(digits, out var length, default, CultureInfo.InvariantCulture);
        output.Write(digits[..length]);
    }

    public void Component(int? value) => Component((decimal?)value);

    /// <summary>Free text over several components of at most <paramref name="size"/> characters, cut at spaces when it can be.</summary>
    public void Text(string? value, int size, int components)
    {
        var rest = value.AsSpan();
        for (var n = 1; !rest.IsEmpty; n++)
        {
            if (n == components || rest.Length <= size)
            {
                Component(rest);
                return;
            }
            var cut = rest[..(size + 1)].LastIndexOf(' ');
            if (cut <= 0)
            {
                Component(rest[..size]);
                rest = rest[size..];
            }
            else
            {
                Component(rest[..cut]);
                rest = rest[(cut + 1)..];
            }
        }
    }

    private void Separators()
    {
        for (; _pendingElements > 0; _pendingElements--) output.Write(delimiters.Element);
        for (; _pendingComponents > 0; _pendingComponents--) output.Write(delimiters.Component);
    }

    private void Escaped(ReadOnlySpan<char> value)
    {
        if (latin1 && value.ContainsAnyExceptInRange('\0', '\u00FF'))
            throw new InvalidOperationException(
                $"'{value}' has a character outside ISO 8859-1, which syntax UNOC cannot carry; write with EdifactCharacterSet.Unow (UTF-8)");
        while (true)
        {
            var at = value.IndexOfAny(_special);
            if (at < 0)
            {
                output.Write(value);
                return;
            }
            output.Write(value[..at]);
            var c = value[at];
            if (c is '\r' or '\n')
            {
                // Line breaks are layout between segments, not data: a receiver drops them.
                output.Write(' ');
            }
            else
            {
                output.Write(delimiters.Release);
                output.Write(c);
            }
            value = value[(at + 1)..];
        }
    }
}
