using System.Globalization;
using Entente.Declarations;
using nietras.SeparatedValues;

namespace Entente.Ingest.Csv;

/// <summary>
/// Reads a national CSV extract through a <see cref="CsvMapping"/>, streaming: consecutive rows with the same
/// group-by key become one declaration, one goods item per row. Label columns go to <see cref="SourceRecord.Labels"/>.
/// </summary>
public sealed class CsvReader(CsvMapping mapping) : IDeclarationReader
{
    public DeclarationFormat Format => DeclarationFormat.Csv;

    public CsvMapping Mapping { get; } = mapping ?? throw new ArgumentNullException(nameof(mapping));

    public IEnumerable<SourceRecord> Read(Stream stream, string fileName, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentNullException.ThrowIfNull(fileName);
        return ReadRecords(stream, fileName, cancellationToken);
    }

    private IEnumerable<SourceRecord> ReadRecords(Stream stream, string fileName, CancellationToken cancellationToken)
    {
        var settings = Mapping.Settings;
        using var text = new GuardedTextReader(
            new StreamReader(stream, settings.CreateEncoding(), detectEncodingFromByteOrderMarks: true, bufferSize: 1 << 16, leaveOpen: true),
            fileName, settings.EncodingName, settings.MaxRowLength, settings.Quotes);
        using var sep = Open(text, fileName, settings);
        var assembler = new CsvAssembler(Mapping, fileName);
        if (settings.HasHeader) assembler.BindHeader(sep.Header.ColNames);

        while (MoveNext(sep, fileName, assembler))
        {
            cancellationToken.ThrowIfCancellationRequested();
            assembler.Accept(sep.Current);
            while (assembler.Ready.TryDequeue(out var record)) yield return record;
        }
        cancellationToken.ThrowIfCancellationRequested();
        assembler.Flush();
        while (assembler.Ready.TryDequeue(out var record)) yield return record;
    }

    private static SepReader Open(TextReader text, string fileName, CsvSettings settings)
    {
        try
        {
            var reader = Sep.New(settings.Separator).Reader(o => o with
            {
                HasHeader = settings.HasHeader,
                DisableColCountCheck = true,
                DisableQuotesParsing = !settings.Quotes,
                Unescape = settings.Quotes,
                CultureInfo = CultureInfo.InvariantCulture,
            }).From(text);
            if (settings.HasHeader && reader.Header.IsEmpty)
                throw new IngestFormatException(new IngestError(fileName, 1, "", "the file is empty: expected a header row"));
            return reader;
        }
        catch (Exception e) when (e is not IngestFormatException and not OperationCanceledException)
        {
            throw new IngestFormatException(new IngestError(fileName, 1, "header", $"cannot read the header row: {e.Message}"));
        }
    }

    private static bool MoveNext(SepReader sep, string fileName, CsvAssembler assembler)
    {
        try
        {
            return sep.MoveNext();
        }
        catch (Exception e) when (e is not IngestFormatException and not OperationCanceledException)
        {
            throw new IngestFormatException(new IngestError(fileName, assembler.LastLine + 1, "", $"cannot read the CSV after line {assembler.LastLine}: {e.Message}"));
        }
    }
}

/// <summary>Turns rows into records: keeps the declaration being assembled, its key, its label totals, its locator.</summary>
internal sealed class CsvAssembler
{
    private const char KeySeparator = '\u001F';

    private readonly CsvMapping _mapping;
    private readonly CsvSettings _settings;
    private readonly string _file;
    private readonly CsvRow _row = new();
    internal const int MaxRememberedKeys = 100_000;
    private readonly Dictionary<string, long> _seenKeys = new(StringComparer.Ordinal);
    private readonly HashSet<string>.AlternateLookup<ReadOnlySpan<char>> _fraudValues;
    private readonly HashSet<string>.AlternateLookup<ReadOnlySpan<char>> _notFraudValues;
    private readonly HashSet<string>.AlternateLookup<ReadOnlySpan<char>> _criticalValues;

    private int[] _declarationColumns = [];
    private int[] _itemColumns = [];
    private StringPool[] _declarationPools = [];
    private StringPool[] _itemPools = [];
    private int[] _keyColumns = [];
    private int _fraudColumn = -1, _criticalColumn = -1, _revenueColumn = -1;
    private int _nationalFields;
    private int _columnCount = -1;

    // The declaration being assembled.
    private bool _open;
    private Declaration _declaration = null!;
    private CsvLocator _locator = null!;
    private long _firstLine;
    private int _firstDataRow, _lastDataRow, _items;
    private char[] _key = new char[64];
    private int _keyLength;
    private char[] _scratchKey = new char[64];
    private bool _fraud;
    private int _critical;
    private decimal? _revenue;

    // The first row's text of every declaration-level column, to catch rows of one declaration that disagree.
    private char[] _firstCells = new char[256];
    private int _firstCellsLength;
    private int[] _firstStart = [];
    private int[] _firstCount = [];

    public CsvAssembler(CsvMapping mapping, string file)
    {
        _mapping = mapping;
        _settings = mapping.Settings;
        _file = file;
        _row.File = file;
        var labels = mapping.Labels;
        _fraudValues = (labels?.FraudValues ?? []).GetAlternateLookup<ReadOnlySpan<char>>();
        _notFraudValues = (labels?.NotFraudValues ?? []).GetAlternateLookup<ReadOnlySpan<char>>();
        _criticalValues = (labels?.CriticalValues ?? []).GetAlternateLookup<ReadOnlySpan<char>>();
    }

    public Queue<SourceRecord> Ready { get; } = new();

    public long LastLine { get; private set; }

    public void BindHeader(IReadOnlyList<string> header)
    {
        var problems = _mapping.CheckHeader(header, _file);
        if (problems.Count > 0)
        {
            var message = problems.Count == 1 ? problems[0].Message : $"{problems.Count} columns the mapping reads are missing: {string.Join(" | ", problems.Select(p => p.Message))}";
            throw new IngestFormatException(new IngestError(_file, 1, "header", message));
        }
        var index = new Dictionary<string, int>(StringComparer.Ordinal);
        for (var i = 0; i < header.Count; i++) index.TryAdd(header[i].Trim(), i);
        Bind(header.Count, column => index[column]);
        LastLine = 1;
    }

    private void Bind(int columnCount, Func<string, int> indexOf)
    {
        _columnCount = columnCount;
        _declarationColumns = _mapping.DeclarationFields.Select(f => f.Column is null ? -1 : indexOf(f.Column)).ToArray();
        _itemColumns = _mapping.ItemFields.Select(f => f.Column is null ? -1 : indexOf(f.Column)).ToArray();
        _keyColumns = _mapping.GroupBy.Select(indexOf).ToArray();
        _declarationPools = _declarationColumns.Select(_ => new StringPool()).ToArray();
        _itemPools = _itemColumns.Select(_ => new StringPool()).ToArray();
        _nationalFields = _mapping.DeclarationFields.Count(f => f.Target.NationalName is not null);
        if (_mapping.Labels is { } labels)
        {
            _fraudColumn = indexOf(labels.Fraud);
            _criticalColumn = labels.Critical is null ? -1 : indexOf(labels.Critical);
            _revenueColumn = labels.Revenue is null ? -1 : indexOf(labels.Revenue);
        }
        _firstStart = new int[_declarationColumns.Length];
        _firstCount = new int[_declarationColumns.Length];
    }

    public void Accept(SepReader.Row r)
    {
        // Sep numbers the first row of a header-less file from line 2.
        long line = r.RowIndex == 0 && !_settings.HasHeader ? 1 : r.LineNumberFrom;
        LastLine = r.LineNumberToExcl - 1;
        var dataRow = r.RowIndex + (_settings.HasHeader ? 0 : 1);
        if (r.ColCount == 1 && r[0].Span.Trim().IsEmpty) return;
        if (_columnCount < 0)
        {
            var problems = _mapping.CheckHeader(Enumerable.Range(1, r.ColCount).Select(i => i.ToString(CultureInfo.InvariantCulture)).ToArray(), _file);
            if (problems.Count > 0) throw new IngestFormatException(problems[0]);
            Bind(r.ColCount, column => int.Parse(column, CultureInfo.InvariantCulture) - 1);
        }
        if (r.ColCount != _columnCount)
        {
            Flush();
            var bad = new SourceRecord { File = _file, Line = line, RecordPath = $"row {dataRow}" };
            bad.AddError("", $"expected {_columnCount} columns{(_settings.HasHeader ? " as in the header" : "")}, found {r.ColCount}; check the separator ('{_settings.Separator}') and quoting of this row", line);
            Ready.Enqueue(bad);
            return;
        }

        var suspicious = r.Span.Contains('\uFFFD');
        if (!BuildKey(r, line, out var emptyKey) || !_open)
        {
            Flush();
            Start(r, line, dataRow, emptyKey, suspicious);
        }
        else
        {
            CheckDeclarationCells(r, line, suspicious);
        }
        _lastDataRow = dataRow;
        AddItem(r, line, suspicious);
        ReadLabels(r, line);
    }

    public void Flush()
    {
        if (!_open) return;
        _open = false;
        var record = new SourceRecord
        {
            File = _file,
            Line = _firstLine,
            RecordPath = _items > 1 ? $"rows {_firstDataRow}-{_lastDataRow}" : $"row {_firstDataRow}",
            Declaration = _declaration,
            Locate = _locator.Locate,
        };
        if (_mapping.Labels is not null)
            record.Labels = new InspectionLabels(_fraud, _criticalColumn >= 0 ? _critical : null, _revenue);
        if (_row.Errors.Count > 0)
        {
            record.Errors.AddRange(_row.Errors);
            _row.Errors.Clear();
        }
        Ready.Enqueue(record);
    }

    /// <summary>True when the row continues the declaration being assembled.</summary>
    private bool BuildKey(SepReader.Row r, long line, out string? emptyColumn)
    {
        emptyColumn = null;
        if (_keyColumns.Length == 0) return false;
        var length = 0;
        for (var k = 0; k < _keyColumns.Length; k++)
        {
            var cell = r[_keyColumns[k]].Span.Trim();
            if (cell.IsEmpty) emptyColumn ??= _mapping.GroupBy[k];
            var needed = length + cell.Length + 1;
            if (needed > _scratchKey.Length) Array.Resize(ref _scratchKey, Math.Max(needed, _scratchKey.Length * 2));
            if (k > 0) _scratchKey[length++] = KeySeparator;
            cell.CopyTo(_scratchKey.AsSpan(length));
            length += cell.Length;
        }
        var same = emptyColumn is null && _open && _scratchKey.AsSpan(0, length).SequenceEqual(_key.AsSpan(0, _keyLength));
        if (!same)
        {
            (_key, _scratchKey) = (_scratchKey, _key);
            _keyLength = length;
        }
        return same;
    }

    private void Start(SepReader.Row r, long line, int dataRow, string? emptyKeyColumn, bool suspicious)
    {
        _open = true;
        _declaration = new Declaration();
        // Sized once for the national columns rather than grown as they are set.
        if (_nationalFields > 0) _declaration.NationalData.EnsureCapacity(_nationalFields);
        _row.Declaration = _declaration;
        _firstLine = line;
        _firstDataRow = dataRow;
        _items = 0;
        _fraud = false;
        _critical = 0;
        _revenue = null;
        _locator = new CsvLocator(_mapping.Pointers, _declaration, line);

        if (emptyKeyColumn is not null)
        {
            _row.Errors.Add(new IngestError(_file, line, emptyKeyColumn, $"group-by: the key column '{emptyKeyColumn}' is empty, so this row cannot be tied to a declaration"));
        }
        else if (_keyColumns.Length > 0)
        {
            var key = new string(_key, 0, _keyLength);
            // Memory stays flat on huge extracts: keys are remembered for the first MaxRememberedKeys declarations;
            // past that a repeated key reaches the store, whose MRN/LRN duplicate check reports it.
            if (!_seenKeys.ContainsKey(key))
            {
                if (_seenKeys.Count < MaxRememberedKeys) _seenKeys.Add(key, line);
            }
            else
            {
                var shown = key.Replace(KeySeparator, '|');
                _row.Errors.Add(new IngestError(_file, line, _mapping.GroupBy[0],
                    $"group-by: declaration '{Parsers.Clip(shown)}' already appeared on line {_seenKeys[key]}; the rows of one declaration must be consecutive"));
            }
        }

        _firstCellsLength = 0;
        var fields = _mapping.DeclarationFields;
        for (var i = 0; i < fields.Length; i++)
        {
            var column = _declarationColumns[i];
            var cell = column < 0 ? default : r[column].Span.Trim();
            Remember(i, cell);
            Apply(fields[i], _declarationPools[i], column, cell, line, suspicious);
        }
    }

    private void CheckDeclarationCells(SepReader.Row r, long line, bool suspicious)
    {
        var fields = _mapping.DeclarationFields;
        for (var i = 0; i < fields.Length; i++)
        {
            var column = _declarationColumns[i];
            if (column < 0) continue;
            var cell = r[column].Span.Trim();
            if (cell.IsEmpty) continue;
            var first = _firstCells.AsSpan(_firstStart[i], _firstCount[i]);
            if (first.IsEmpty)
            {
                Remember(i, cell);
                Apply(fields[i], _declarationPools[i], column, cell, line, suspicious);
            }
            else if (!cell.SequenceEqual(first))
            {
                _row.Errors.Add(new IngestError(_file, line, fields[i].Column!,
                    $"{fields[i].Target.Name}: '{Parsers.Clip(cell)}' differs from '{Parsers.Clip(first)}' on line {_firstLine}, the first row of this declaration"));
            }
        }
    }

    private void Remember(int field, ReadOnlySpan<char> cell)
    {
        var needed = _firstCellsLength + cell.Length;
        if (needed > _firstCells.Length) Array.Resize(ref _firstCells, Math.Max(needed, _firstCells.Length * 2));
        cell.CopyTo(_firstCells.AsSpan(_firstCellsLength));
        _firstStart[field] = _firstCellsLength;
        _firstCount[field] = cell.Length;
        _firstCellsLength = needed;
    }

    private void AddItem(SepReader.Row r, long line, bool suspicious)
    {
        _items++;
        if (_items > 1) _locator.AddItemLine(line);
        _row.StartItem(_items);
        var fields = _mapping.ItemFields;
        for (var i = 0; i < fields.Length; i++)
        {
            var column = _itemColumns[i];
            Apply(fields[i], _itemPools[i], column, column < 0 ? default : r[column].Span.Trim(), line, suspicious);
        }
        _row.Line = line;
        _row.FinishItem();
    }

    private void Apply(CompiledField field, StringPool strings, int column, ReadOnlySpan<char> cell, long line, bool suspicious)
    {
        _row.Strings = strings;
        _row.Column = field.SourceName;
        _row.Target = field.Target.Name;
        _row.Line = line;
        if (column < 0)
        {
            field.Set(default, _row);
            return;
        }
        if (cell.IsEmpty)
        {
            if (field.Required) _row.Fail("a value is required, and the cell is empty");
            return;
        }
        if (cell.Length > _settings.MaxFieldLength)
        {
            _row.Fail(string.Create(CultureInfo.InvariantCulture, $"the value is {cell.Length:N0} characters long; at most {_settings.MaxFieldLength:N0} are accepted (csv.max-field-length)"));
            return;
        }
        if (suspicious && cell.Contains('\uFFFD'))
        {
            _row.Fail($"the text is not valid {_settings.EncodingName} (some bytes could not be decoded); check csv.encoding in the mapping");
            return;
        }
        field.Set(cell, _row);
    }

    private void ReadLabels(SepReader.Row r, long line)
    {
        if (_mapping.Labels is not { } labels) return;
        var fraudCell = r[_fraudColumn].Span.Trim();
        bool fraud;
        if (_fraudValues.Contains(fraudCell)) fraud = true;
        else if (_notFraudValues.Contains(fraudCell)) fraud = false;
        else
        {
            _row.Errors.Add(new IngestError(_file, line, labels.Fraud,
                $"labels.fraud: expected {string.Join(" or ", labels.FraudValues)} (fraud) or {string.Join(" or ", labels.NotFraudValues.Where(v => v.Length > 0))} (no fraud), got '{Parsers.Clip(fraudCell)}'"));
            fraud = false;
        }
        _fraud |= fraud;
        if (_criticalColumn >= 0)
        {
            var level = _criticalValues.Contains(r[_criticalColumn].Span.Trim()) ? 2 : fraud ? 1 : 0;
            _critical = Math.Max(_critical, level);
        }
        if (_revenueColumn >= 0)
        {
            var cell = r[_revenueColumn].Span.Trim();
            if (cell.IsEmpty) return;
            if (decimal.TryParse(cell, _settings.NumberStyles, _settings.Numbers, out var revenue))
                _revenue = (_revenue ?? 0) + revenue;
            else
                _row.Errors.Add(new IngestError(_file, line, labels.Revenue!, $"labels.revenue: expected an amount, got '{Parsers.Clip(cell)}'"));
        }
    }
}
