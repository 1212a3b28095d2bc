using System.Buffers;
using System.Globalization;

namespace Entente.Ingest.Json;

/// <summary>One top-level value found in the stream: where it is in <see cref="JsonSplitter.Buffer"/> and where it starts in the file.</summary>
internal readonly record struct JsonSlice(int Index, long Line, int Offset, int Length, bool MultiLine, int Depth, string RecordPath, string? Error);

/// <summary>
/// Finds the top-level values of a JSON file without parsing them: the elements of a top-level array, the lines of
/// NDJSON, or one or more objects. It only tracks strings and brackets, so a broken element still has an end and
/// the next one can be read. Keeps at most one element (≤ <see cref="JsonDeclarationReader.MaxElementBytes"/>) in memory.
/// </summary>
internal sealed class JsonSplitter(Stream stream, string file)
{
    private enum Mode
    {
        Unknown,
        Array,
        Lines,
        Values,
        Done,
    }

    private static readonly SearchValues<byte> Structure = SearchValues.Create("\"{}[]\n"u8);
    private static readonly SearchValues<byte> InString = SearchValues.Create("\"\\\n"u8);
    private static readonly SearchValues<byte> ScalarEnd = SearchValues.Create(",]} \t\r\n"u8);

    private byte[] _buffer = new byte[1 << 16];
    private int _start, _end;
    private bool _eof;
    private long _line = 1;
    private Mode _mode;
    private int _index;
    private bool _afterElement;

    // Scan state of the value being delimited.
    private int _scan;
    private int _depth, _maxDepth;
    private bool _inString, _escape;
    private long _elementLines;
    private bool _oversized;

    public byte[] Buffer => _buffer;

    public bool TryNext(out JsonSlice slice)
    {
        slice = default;
        switch (_mode)
        {
            case Mode.Unknown:
                return Detect(out slice);
            case Mode.Array:
                return NextInArray(out slice);
            case Mode.Lines:
                return NextLine(out slice);
            case Mode.Values:
                if (!SkipWhitespace())
                {
                    _mode = Mode.Done;
                    return false;
                }
                slice = ScanElement($"value {_index + 1}");
                return true;
            default:
                return false;
        }
    }

    private bool Detect(out JsonSlice slice)
    {
        slice = default;
        while (_end - _start < 3 && Fill()) { }
        if (_end - _start >= 3 && _buffer.AsSpan(_start, 3).SequenceEqual("\uFEFF"u8)) _start += 3;
        if (!SkipWhitespace())
        {
            _mode = Mode.Done;
            return false;
        }
        switch (_buffer[_start])
        {
            case (byte)'[':
                _mode = Mode.Array;
                _start++;
                return NextInArray(out slice);
            case (byte)'{':
                var first = ScanElement("$");
                if (first.MultiLine || first.Error is not null)
                {
                    _mode = Mode.Values;
                    slice = first;
                    return true;
                }
                // One object on its first line: NDJSON. Read that line again as a line, so a bad line never hides the next.
                _mode = Mode.Lines;
                _start = first.Offset;
                _line = first.Line;
                _index = 0;
                return NextLine(out slice);
            default:
                throw Format(_line, $"expected a JSON object '{{', an array '[' of declarations, or one object per line (NDJSON); the file starts with {Describe(_buffer[_start])}");
        }
    }

    private bool NextInArray(out JsonSlice slice)
    {
        slice = default;
        if (!SkipWhitespace()) throw Format(_line, "the JSON ends before the array is closed with ']' (truncated)");
        if (_afterElement)
        {
            var b = _buffer[_start];
            if (b == ']')
            {
                _start++;
                return End(out slice);
            }
            if (b != ',') throw Format(_line, $"expected ',' or ']' after element {_index - 1} of the array, got {Describe(b)}");
            _start++;
            if (!SkipWhitespace()) throw Format(_line, "the JSON ends before the array is closed with ']' (truncated)");
            if (_buffer[_start] == ']') throw Format(_line, "a comma before ']' closes the array: remove the trailing comma");
        }
        else if (_buffer[_start] == ']')
        {
            _start++;
            return End(out slice);
        }
        slice = ScanElement(string.Create(CultureInfo.InvariantCulture, $"[{_index}]"));
        _afterElement = true;
        return true;
    }

    private bool End(out JsonSlice slice)
    {
        slice = default;
        _mode = Mode.Done;
        if (SkipWhitespace()) throw Format(_line, $"unexpected {Describe(_buffer[_start])} after the closing ']' of the array");
        return false;
    }

    private bool NextLine(out JsonSlice slice)
    {
        while (true)
        {
            slice = default;
            if (_start == _end && !Fill())
            {
                _mode = Mode.Done;
                return false;
            }
            var line = _line;
            _oversized = false;
            _scan = _start;
            int newline;
            while ((newline = _buffer.AsSpan(_scan, _end - _scan).IndexOf((byte)'\n')) < 0)
            {
                _scan = _end;
                if (_scan - _start > JsonDeclarationReader.MaxElementBytes) Discard();
                if (!Fill()) break;
            }
            var stop = newline < 0 ? _end : _scan + newline;
            var raw = _buffer.AsSpan(_start, stop - _start);
            var content = raw.Trim(" \t\r"u8);
            var offset = _start + raw.Length - raw.TrimStart(" \t\r"u8).Length;
            _start = newline < 0 ? _end : stop + 1;
            _line++;
            if (_oversized)
            {
                slice = new JsonSlice(_index++, line, 0, 0, false, 0, $"line {line}", TooLarge);
                return true;
            }
            if (content.IsEmpty) continue;
            slice = new JsonSlice(_index++, line, offset, content.Length, false, 0, $"line {line}", null);
            return true;
        }
    }

    /// <summary>Delimits the value starting at <see cref="_start"/> and moves past it.</summary>
    private JsonSlice ScanElement(string recordPath)
    {
        var line = _line;
        _scan = _start;
        _depth = _maxDepth = 0;
        _inString = _escape = _oversized = false;
        _elementLines = 0;
        var first = _buffer[_start];
        var structural = first is (byte)'{' or (byte)'[';
        // A ',', ']' or '}' where a value starts would be an empty element that never moves on (found by fuzzing).
        if (!structural && ScalarEnd.Contains(first))
            throw Format(line, $"expected a value (a declaration object '{{') on line {line}, got {Describe(first)}");
        var complete = first == (byte)'"' || structural ? ScanStructure(structural) : ScanScalar();
        if (!complete)
            throw Format(line, $"the JSON ends inside the {(structural ? "element" : "value")} that starts on line {line} (truncated)");
        var index = _index++;
        var slice = _oversized
            ? new JsonSlice(index, line, 0, 0, _elementLines > 0, _maxDepth, recordPath, TooLarge)
            : new JsonSlice(index, line, _start, _scan - _start, _elementLines > 0, _maxDepth, recordPath, null);
        _start = _scan;
        _line = line + _elementLines;
        return slice;
    }

    private bool ScanStructure(bool structural)
    {
        while (true)
        {
            while (_scan < _end)
            {
                if (_escape)
                {
                    _escape = false;
                    _scan++;
                    continue;
                }
                var rest = _buffer.AsSpan(_scan, _end - _scan);
                var i = rest.IndexOfAny(_inString ? InString : Structure);
                if (i < 0)
                {
                    _scan = _end;
                    break;
                }
                _scan += i + 1;
                switch (rest[i])
                {
                    case (byte)'\n':
                        _elementLines++;
                        break;
                    case (byte)'\\':
                        _escape = true;
                        break;
                    case (byte)'"':
                        _inString = !_inString;
                        if (!_inString && !structural) return true;
                        break;
                    case (byte)'{' or (byte)'[':
                        _depth++;
                        _maxDepth = Math.Max(_maxDepth, _depth);
                        break;
                    default:
                        if (--_depth == 0) return true;
                        break;
                }
                if (_scan - _start > JsonDeclarationReader.MaxElementBytes) Discard();
            }
            if (_scan - _start > JsonDeclarationReader.MaxElementBytes) Discard();
            if (!Fill()) return false;
        }
    }

    private bool ScanScalar()
    {
        while (true)
        {
            var i = _buffer.AsSpan(_scan, _end - _scan).IndexOfAny(ScalarEnd);
            if (i >= 0)
            {
                _scan += i;
                return true;
            }
            _scan = _end;
            if (_scan - _start > JsonDeclarationReader.MaxElementBytes) Discard();
            if (!Fill()) return true;
        }
    }

    // The element is too large to keep: forget its bytes but keep scanning for its end.
    private void Discard()
    {
        _oversized = true;
        _start = _scan;
    }

    private bool SkipWhitespace()
    {
        while (true)
        {
            while (_start < _end)
            {
                switch (_buffer[_start])
                {
                    case (byte)'\n':
                        _line++;
                        _start++;
                        break;
                    case (byte)' ' or (byte)'\t' or (byte)'\r':
                        _start++;
                        break;
                    default:
                        return true;
                }
            }
            if (!Fill()) return false;
        }
    }

    /// <summary>Reads more of the stream after <see cref="_end"/>, moving the kept bytes (from <see cref="_start"/>) to the front first.</summary>
    private bool Fill()
    {
        if (_eof) return false;
        if (_start > 0)
        {
            var kept = _end - _start;
            System.Buffer.BlockCopy(_buffer, _start, _buffer, 0, kept);
            _scan -= _start;
            _end = kept;
            _start = 0;
        }
        if (_end == _buffer.Length) Array.Resize(ref _buffer, _buffer.Length * 2);
        var n = stream.Read(_buffer, _end, _buffer.Length - _end);
        if (n == 0)
        {
            _eof = true;
            return false;
        }
        _end += n;
        return true;
    }

    private static string TooLarge => string.Create(CultureInfo.InvariantCulture, $"the element is larger than {JsonDeclarationReader.MaxElementBytes / (1 << 20)} MiB; a declaration is far smaller");

    private IngestFormatException Format(long line, string message) => new(new IngestError(file, line, "", message));

    private static string Describe(byte b) => b switch
    {
        (byte)'"' => "a string",
        (byte)'[' => "an array",
        (byte)'{' => "an object",
        (byte)'t' or (byte)'f' => "a boolean",
        (byte)'n' => "null",
        (byte)'-' or (>= (byte)'0' and <= (byte)'9') => "a number",
        >= 0x20 and < 0x7F => $"'{(char)b}'",
        _ => $"the byte 0x{b:X2} (not JSON text)",
    };
}
