using System.Buffers;
using System.Globalization;

namespace Entente.Ingest.Csv;

/// <summary>
/// Sits between the decoder and the CSV parser and stops a file that is not text before it costs memory:
/// a NUL character (binary data), or a row that never ends (an unterminated quote, a file with no line breaks).
/// </summary>
internal sealed class GuardedTextReader(TextReader inner, string file, string encodingName, long maxRowChars, bool quotes) : TextReader
{
    private static readonly SearchValues<char> WithQuotes = SearchValues.Create("\n\"\0");
    private static readonly SearchValues<char> WithoutQuotes = SearchValues.Create("\n\0");

    private readonly SearchValues<char> _stops = quotes ? WithQuotes : WithoutQuotes;
    private long _line = 1;
    private long _rowStartLine = 1;
    private long _rowChars;
    private bool _inQuotes;

    public override int Read(Span<char> buffer)
    {
        var n = inner.Read(buffer);
        Scan(buffer[..n]);
        return n;
    }

    public override int Read(char[] buffer, int index, int count) => Read(buffer.AsSpan(index, count));

    public override int ReadBlock(Span<char> buffer)
    {
        var total = 0;
        while (total < buffer.Length)
        {
            var n = Read(buffer[total..]);
            if (n == 0) break;
            total += n;
        }
        return total;
    }

    public override int ReadBlock(char[] buffer, int index, int count) => ReadBlock(buffer.AsSpan(index, count));

    public override int Read()
    {
        var c = inner.Read();
        if (c >= 0)
        {
            Span<char> one = [(char)c];
            Scan(one);
        }
        return c;
    }

    public override int Peek() => inner.Peek();

    protected override void Dispose(bool disposing)
    {
        if (disposing) inner.Dispose();
        base.Dispose(disposing);
    }

    private void Scan(ReadOnlySpan<char> chunk)
    {
        while (true)
        {
            var i = chunk.IndexOfAny(_stops);
            if (i < 0)
            {
                _rowChars += chunk.Length;
                CheckRowLength();
                return;
            }
            _rowChars += i;
            CheckRowLength();
            switch (chunk[i])
            {
                case '\0':
                    throw new IngestFormatException(new IngestError(file, _line, "",
                        $"binary data (a NUL character) on line {_line}: this is not a {encodingName} CSV file"));
                case '"':
                    _inQuotes = !_inQuotes;
                    _rowChars++;
                    break;
                default:
                    _line++;
                    if (_inQuotes)
                    {
                        _rowChars++;
                    }
                    else
                    {
                        _rowChars = 0;
                        _rowStartLine = _line;
                    }
                    break;
            }
            chunk = chunk[(i + 1)..];
        }
    }

    private void CheckRowLength()
    {
        if (_rowChars <= maxRowChars) return;
        var why = _inQuotes ? "a quote (\") that is never closed" : "no line break";
        throw new IngestFormatException(new IngestError(file, _rowStartLine, "",
            string.Create(CultureInfo.InvariantCulture, $"the row starting on line {_rowStartLine} runs past {maxRowChars:N0} characters: {why}; this is not a readable CSV file")));
    }
}
