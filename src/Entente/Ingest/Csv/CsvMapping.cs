using System.Globalization;
using System.Text;

namespace Entente.Ingest.Csv;

/// <summary>
/// A YAML mapping from the columns of a national CSV extract to the canonical declaration, checked and compiled
/// once (<see cref="Load"/>) and then used by any number of <see cref="CsvReader"/>s. See docs/formats/csv-mapping.md.
/// </summary>
public sealed class CsvMapping
{
    internal CsvMapping(string sourceFile, string name, string? description, CsvSettings settings,
        IReadOnlyList<string> groupBy, CompiledField[] fields, LabelColumns? labels)
    {
        SourceFile = sourceFile;
        Name = name;
        Description = description;
        Settings = settings;
        GroupBy = groupBy;
        Fields = fields;
        Labels = labels;
        Columns = groupBy
            .Concat(fields.Where(f => f.Column is not null).Select(f => f.Column!))
            .Concat(labels?.Columns ?? [])
            .Distinct(StringComparer.Ordinal)
            .ToArray();
        DeclarationFields = fields.Where(f => !f.Target.IsItem).ToArray();
        ItemFields = fields.Where(f => f.Target.IsItem).ToArray();
        Pointers = new CsvPointerIndex(fields);
    }

    /// <summary>The mapping file it was read from (used in error messages).</summary>
    public string SourceFile { get; }

    public string Name { get; }

    public string? Description { get; }

    /// <summary>Columns whose equal values, on consecutive rows, make one declaration; empty when every row is its own declaration.</summary>
    public IReadOnlyList<string> GroupBy { get; }

    /// <summary>Every CSV column the mapping reads, labels included.</summary>
    public IReadOnlyList<string> Columns { get; }

    internal CsvSettings Settings { get; }

    internal CompiledField[] Fields { get; }

    internal CompiledField[] DeclarationFields { get; }

    internal CompiledField[] ItemFields { get; }

    internal LabelColumns? Labels { get; }

    internal CsvPointerIndex Pointers { get; }

    /// <summary>Reads, checks and compiles a mapping file. Throws <see cref="CsvMappingException"/> listing every problem found.</summary>
    public static CsvMapping Load(string path)
    {
        var info = new FileInfo(path);
        if (!info.Exists)
            throw new CsvMappingException([new IngestError(path, null, "", "the mapping file does not exist")]);
        if (info.Length > CsvMappingParser.MaxMappingBytes)
            throw new CsvMappingException([new IngestError(path, null, "", $"a mapping file is at most {CsvMappingParser.MaxMappingBytes:N0} bytes; this one has {info.Length:N0}")]);
        return Parse(File.ReadAllText(path, Encoding.UTF8), path);
    }

    /// <summary>Checks and compiles mapping text; <paramref name="fileName"/> names it in errors.</summary>
    public static CsvMapping Parse(string yaml, string fileName) => CsvMappingParser.Parse(yaml, fileName);

    /// <summary>
    /// The problems with reading a CSV file whose header row is <paramref name="header"/> with this mapping:
    /// the columns it names that the header lacks. Empty when the mapping fits.
    /// </summary>
    public IReadOnlyList<IngestError> CheckHeader(IReadOnlyList<string> header, string csvFileName = "")
    {
        var errors = new List<IngestError>();
        if (!Settings.HasHeader)
        {
            foreach (var column in Columns)
            {
                var number = int.Parse(column, CultureInfo.InvariantCulture);
                if (number > header.Count)
                    errors.Add(new IngestError(csvFileName, 1, column, $"the mapping {SourceFile} reads column {number}, but the first row has {header.Count} columns"));
            }
            return errors;
        }
        var names = header.Select(h => h.Trim()).ToHashSet(StringComparer.Ordinal);
        foreach (var column in Columns)
        {
            if (names.Contains(column)) continue;
            var near = header.FirstOrDefault(h => string.Equals(h.Trim(), column, StringComparison.OrdinalIgnoreCase));
            var hint = near is not null ? $" (the header has '{near.Trim()}': names are case-sensitive)" : "";
            var where = UsesOf(column);
            errors.Add(new IngestError(csvFileName, 1, column,
                $"the header has no column '{column}', which the mapping {SourceFile} reads at {where}{hint}; the header has: {string.Join(", ", header.Select(h => h.Trim()))}"));
        }
        return errors;
    }

    private string UsesOf(string column)
    {
        var lines = Fields.Where(f => f.Column == column).Select(f => $"line {f.YamlLine} ({f.Target.Name})").ToList();
        if (GroupBy.Contains(column)) lines.Add("group-by");
        if (Labels?.Columns.Contains(column) == true) lines.Add("labels");
        return string.Join(", ", lines);
    }
}

/// <summary>A mapping file that cannot be used, with every problem found in it (file, line of the YAML node, what was expected).</summary>
public sealed class CsvMappingException(IReadOnlyList<IngestError> errors)
    : Exception(errors.Count == 1 ? errors[0].ToString() : $"{errors.Count} problems in the mapping:{Environment.NewLine}{string.Join(Environment.NewLine, errors)}")
{
    public IReadOnlyList<IngestError> Errors { get; } = errors;
}

internal sealed record CsvSettings(
    char Separator,
    bool HasHeader,
    int CodePage,
    string EncodingName,
    bool Quotes,
    NumberFormatInfo Numbers,
    NumberStyles NumberStyles,
    TimeSpan UtcOffset,
    int MaxFieldLength,
    int MaxRowLength)
{
    public Encoding CreateEncoding() =>
        Encoding.GetEncoding(CodePage, EncoderFallback.ReplacementFallback, new DecoderReplacementFallback("\uFFFD"));
}

internal delegate void CellSetter(ReadOnlySpan<char> cell, CsvRow row);

internal sealed class CompiledField
{
    public required CsvTarget Target { get; init; }

    /// <summary>The CSV column read; null when the field is a constant.</summary>
    public required string? Column { get; init; }

    public required long YamlLine { get; init; }

    public required bool Required { get; init; }

    public required CellSetter Set { get; init; }

    /// <summary>What a location points at: the column, or the constant in the mapping.</summary>
    public required string SourceName { get; init; }
}

internal sealed class LabelColumns
{
    public required string Fraud { get; init; }
    public required HashSet<string> FraudValues { get; init; }
    public required HashSet<string> NotFraudValues { get; init; }
    public string? Critical { get; init; }
    public HashSet<string> CriticalValues { get; init; } = [];
    public string? Revenue { get; init; }

    public IEnumerable<string> Columns => new[] { Fraud, Critical, Revenue }.OfType<string>();
}
