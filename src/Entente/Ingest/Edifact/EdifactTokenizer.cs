using System.Buffers;
using System.Globalization;

namespace Entente.Ingest.Edifact;

/// <summary>
/// Splits an EDIFACT interchange into segments while reading it: never more than one segment in memory.
/// Honours a leading UNA service string advice, the release character, and ignores line breaks and
/// blanks between segments (and line breaks inside them). Refuses, with the file, segment number and
/// line, a segment over <see cref="MaxSegmentLength"/> characters or <see cref="MaxElements"/> elements,
/// a bad segment tag, binary content, and input that ends inside a segment.
/// </summary>
public sealed class EdifactTokenizer
{
    public const int MaxSegmentLength = 64 * 1024;
    public const int MaxElements = 1000;

    private readonly TextReader _reader;
    private readonly string _file;
    private readonly char[] _buffer = new char[32 * 1024];
    private int _pos;
    private int _len;
    private long _line = 1;
    private int _segmentNumber;
    private bool _started;
    private readonly EdifactSegment _segment = new();
    private readonly Dictionary<int, string> _tags = [];
    private SearchValues<char>? _stops;

    public EdifactTokenizer(TextReader reader, string fileName)
    {
        _reader = reader;
        _file = fileName;
    }

    /// <summary>The delimiters in force: the UNA's, the defaults, or those of syntax level B.</summary>
    public EdifactDelimiters Delimiters { get; private set; } = EdifactDelimiters.Default;

    /// <summary>True when the interchange started with a UNA service string advice.</summary>
    public bool HasServiceStringAdvice { get; private set; }

    /// <summary>The segment read by the last successful <see cref="Read"/>; the same instance is reused.</summary>
    public EdifactSegment Current => _segment;

    /// <summary>The line the reader has reached (for errors at the end of the input).</summary>
    public long Line => _line;

    /// <summary>Reads the next segment into <see cref="Current"/>; false at the end of the input.</summary>
    public bool Read()
    {
        if (!_started)
        {
            _started = true;
            ReadServiceStringAdvice();
        }
        while (true)
        {
            if (_pos == _len && !Fill()) return false;
            var c = _buffer[_pos];
            if (c == '\n') _line++;
            else if (c is not (' ' or '\r' or '\t' or '\uFEFF')) break;
            _pos++;
        }
        ReadSegment();
        return true;
    }

    /// <summary>Every remaining segment, each an independent copy (convenient for tests and small files).</summary>
    public IEnumerable<EdifactSegment> ReadAll()
    {
        while (Read()) yield return _segment.Clone();
    }

    private void ReadServiceStringAdvice()
    {
        // A UNA is the first thing in the file, after an optional byte-order mark and blank lines.
        while (true)
        {
            if (!EnsureAvailable(1)) return;
            var c = _buffer[_pos];
            if (c is not (' ' or '\r' or '\n' or '\t' or '\uFEFF')) break;
            if (c == '\n') _line++;
            _pos++;
        }
        EnsureAvailable(9);
        var head = _buffer.AsSpan(_pos, _len - _pos);
        if (head.StartsWith("UNA"))
        {
            if (head.Length < 9)
                throw Error(1, "the file ends inside the UNA service string advice (it needs 6 characters after 'UNA')");
            var una = head.Slice(3, 6);
            var release = una[3] == ' ' ? EdifactDelimiters.NoRelease : una[3];
            var delimiters = new EdifactDelimiters(una[0], una[1], una[2], release, una[4], una[5]);
            CheckDistinct(delimiters);
            Delimiters = delimiters;
            HasServiceStringAdvice = true;
            _line += una.Count('\n');
            _pos += 9;
        }
        else if (head.Length >= 4 && head.StartsWith("UNB") && head[3] == '\u001D')
        {
            Delimiters = EdifactDelimiters.LevelB;
        }
    }

    private void CheckDistinct(EdifactDelimiters d)
    {
        Span<char> used = [d.Component, d.Element, d.Terminator, d.HasRelease ? d.Release : '\uFFFF'];
        for (var i = 0; i < used.Length; i++)
        {
            for (var j = i + 1; j < used.Length; j++)
            {
                if (used[i] == used[j] && used[i] != '\uFFFF')
                    throw Error(1, $"the UNA uses '{Printable(used[i])}' for two different delimiters");
            }
            if (char.IsAsciiLetterOrDigit(used[i]))
                throw Error(1, $"the UNA uses the letter or digit '{used[i]}' as a delimiter");
        }
    }

    private void ReadSegment()
    {
        var d = Delimiters;
        var stops = _stops ??= Stops(d);
        var startLine = _line;
        var number = _segmentNumber + 1;
        var segment = _segment;
        segment.Begin(number, startLine);
        var raw = 0;
        var inTag = true;
        while (true)
        {
            if (_pos == _len && !Fill())
                throw Truncated(segment, number, startLine);

            // Copy the run of ordinary characters up to the next delimiter, line break or control character at once.
            var available = _buffer.AsSpan(_pos, _len - _pos);
            var stop = available.IndexOfAny(stops);
            var run = stop < 0 ? available : available[..stop];
            if (!run.IsEmpty)
            {
                raw += run.Length;
                if (raw > MaxSegmentLength) throw TooLong(segment, number, startLine);
                if (inTag) CheckTag(segment, run, number, startLine);
                segment.Append(run);
                _pos += run.Length;
                if (stop < 0) continue;
            }

            var c = _buffer[_pos++];
            if (++raw > MaxSegmentLength) throw TooLong(segment, number, startLine);
            if (c == d.Terminator)
            {
                if (c == '\n') _line++;
                if (inTag) EndTag(segment, number, startLine);
                // Segments are numbered within their interchange: a UNB starts again at 1.
                if (segment.Tag == "UNB") segment.SetNumber(1);
                _segmentNumber = segment.Number;
                return;
            }
            if (d.HasRelease && c == d.Release)
            {
                if (_pos == _len && !Fill())
                    throw Truncated(segment, number, startLine);
                c = _buffer[_pos++];
                raw++;
                if (c == '\n') _line++;
                else CheckText(c, number);
                if (inTag) throw BadTag(segment, number, startLine, c);
                segment.Append(c);
                continue;
            }
            if (c == d.Element)
            {
                if (inTag)
                {
                    EndTag(segment, number, startLine);
                    inTag = false;
                }
                if (segment.ElementCount >= MaxElements)
                    throw Error(number, startLine, $"segment {number} {segment.Tag} has more than {MaxElements} data elements; refusing to read further");
                segment.StartElement();
                continue;
            }
            if (c == d.Component)
            {
                if (inTag)
                {
                    // A tag may carry components (segment code:nesting:repetition); the code comes first.
                    EndTag(segment, number, startLine);
                    inTag = false;
                }
                segment.StartComponent();
                continue;
            }
            if (c == '\n')
            {
                _line++;
                continue;
            }
            if (c == '\r') continue;
            CheckText(c, number);
            // A character that stops a run but is none of the above is ordinary text (a tab).
            if (inTag) throw BadTag(segment, number, startLine, c);
            segment.Append(c);
        }
    }

    /// <summary>What interrupts a run of ordinary text: delimiters, line breaks, control characters, decoding failures.</summary>
    private static SearchValues<char> Stops(EdifactDelimiters d)
    {
        var stops = new List<char> { d.Terminator, d.Element, d.Component, '\n', '\r', '\uFFFD', '\uFFFE', '\uFFFF' };
        if (d.HasRelease) stops.Add(d.Release);
        for (var c = '\0'; c < ' '; c++) stops.Add(c);
        for (var c = '\u007F'; c <= '\u009F'; c++) stops.Add(c);
        return SearchValues.Create(stops.Distinct().ToArray());
    }

    private void CheckTag(EdifactSegment segment, ReadOnlySpan<char> run, int number, long line)
    {
        var typed = segment.TagText.Length;
        for (var i = 0; i < run.Length; i++)
        {
            var c = run[i];
            if (typed + i >= 3 || !(char.IsAsciiLetterUpper(c) || char.IsAsciiDigit(c)))
            {
                segment.Append(run[..i]);
                throw BadTag(segment, number, line, c);
            }
        }
    }

    private IngestFormatException TooLong(EdifactSegment segment, int number, long line) =>
        Error(number, line, $"segment {number} ({TagOrPreview(segment)}) is longer than {MaxSegmentLength / 1024} KiB; refusing to read further");

    private void EndTag(EdifactSegment segment, int number, long line)
    {
        var text = segment.TagText;
        if (text.Length != 3)
            throw Error(number, line, NotATag(number, text.ToString()));
        var key = (text[0] << 16) | (text[1] << 8) | text[2];
        if (!_tags.TryGetValue(key, out var tag))
        {
            tag = text.ToString();
            _tags[key] = tag;
        }
        segment.SetTag(tag);
    }

    private void CheckText(char c, int number)
    {
        if (c < ' ' && c != '\t' || c is >= '\u007F' and <= '\u009F' || c == '\uFFFD' || c == '\uFFFE' || c == '\uFFFF')
        {
            var what = c == '\uFFFD'
                ? "a byte sequence that is not valid in the file's character set"
                : $"the control character U+{(int)c:X4}";
            throw Error(number, _line, $"binary content at line {_line}: {what}; this is not an EDIFACT text file");
        }
    }

    private IngestFormatException BadTag(EdifactSegment segment, int number, long line, char next)
    {
        CheckText(next, number);
        var seen = string.Concat(segment.TagText, next.ToString());
        return Error(number, line, NotATag(number, seen));
    }

    // The first segment of a file that is not EDIFACT at all (XML, JSON named --format edifact) says what it looks like.
    private static string NotATag(int number, string seen) => number == 1 && seen.TrimStart().Length > 0 && seen.TrimStart()[0] is '<' or '{' or '['
        ? $"this is not an EDIFACT file: it begins with '{Preview(seen)}', like {(seen.TrimStart()[0] == '<' ? "XML (--format wco-xml)" : "JSON (--format json)")}; leave --format out to have the format detected"
        : $"expected a segment tag of three capital letters or digits, got '{Preview(seen)}'";

    private IngestFormatException Truncated(EdifactSegment segment, int number, long line) =>
        Error(number, line,
            $"the file ends inside segment {number} ({TagOrPreview(segment)}, begun on line {line}): " +
            $"its terminator '{Printable(Delimiters.Terminator)}' is missing, so the file is truncated");

    private static string TagOrPreview(EdifactSegment segment) =>
        segment.Tag.Length > 0 ? segment.Tag : $"'{Preview(segment.TagText.ToString())}'";

    private IngestFormatException Error(int number, string message) => Error(number, _line, message);

    private IngestFormatException Error(int number, long line, string message) =>
        new(new IngestError(_file, line, string.Create(CultureInfo.InvariantCulture, $"segment {number}"), message) { Segment = number });

    private static string Preview(string text) => text.Length <= 20 ? text : text[..20] + "…";

    private static string Printable(char c) => c switch
    {
        '\n' => "\\n",
        '\r' => "\\r",
        '\t' => "\\t",
        < ' ' => $"U+{(int)c:X4}",
        _ => c.ToString(),
    };

    private bool Fill()
    {
        _pos = 0;
        _len = _reader.Read(_buffer, 0, _buffer.Length);
        return _len > 0;
    }

    private bool EnsureAvailable(int count)
    {
        if (_len - _pos >= count) return true;
        if (_pos > 0)
        {
            Array.Copy(_buffer, _pos, _buffer, 0, _len - _pos);
            _len -= _pos;
            _pos = 0;
        }
        while (_len < count)
        {
            var read = _reader.Read(_buffer, _len, _buffer.Length - _len);
            if (read == 0) break;
            _len += read;
        }
        return _len - _pos >= count;
    }
}
