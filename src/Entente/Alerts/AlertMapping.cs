using Entente.Common;

namespace Entente.Alerts;

/// <summary>A mapping that cannot be used: every problem with the mapping file, line and key.</summary>
public sealed class AlertMappingException(IReadOnlyList<FieldError> errors) : Exception(string.Join(Environment.NewLine, errors.Select(e => $"{e.File}:{e.Line}: {e}")))
{
    public IReadOnlyList<FieldError> Errors { get; } = errors;
}

/// <summary>
/// How a national file of alerts (CSV or JSON) becomes alert documents, like the declaration mappings (mappings/): the
/// shared <see cref="RecordMapping"/> engine (<c>format</c>, <c>csv</c>, <c>set</c>, <c>fields</c>) into an alert, whose
/// list members (<see cref="AlertValidator.ListMembers"/>) take split cells.
/// </summary>
public sealed class AlertMapping
{
    public static readonly MappingTarget Target = new("alert", "an alert", "/category, /subject/kind...", "/subject/names, /category...",
        AlertValidator.ListMembers, new HashSet<string>(StringComparer.Ordinal));

    private readonly RecordMapping _mapping;

    private AlertMapping(RecordMapping mapping) => _mapping = mapping;

    public string Name => _mapping.Name;

    /// <summary>csv or json (a JSON array of objects, or one object per line).</summary>
    public string Format => _mapping.Format;

    public char Separator => _mapping.Separator;

    public bool Header => _mapping.Header;

    public IReadOnlyList<(string Target, string Value)> Set => _mapping.Set;

    public IReadOnlyList<MappedField> Fields => _mapping.Fields;

    public static AlertMapping Parse(string yaml, string file) => new(Refused(() => RecordMapping.Parse(yaml, file, Target)));

    public static AlertMapping Load(string path) => Parse(File.ReadAllText(path), Path.GetFileName(path));

    /// <summary>Reads every row of <paramref name="text"/> into an alert document; a row that cannot be read carries its errors.</summary>
    public IReadOnlyList<AlertImportRow> Read(string text, string file) =>
        [.. Refused(() => _mapping.Read(text, file)).Select(r => new AlertImportRow(r.Document, r.File, r.Line, r.Errors, r.Columns))];

    private static T Refused<T>(Func<T> read)
    {
        try
        {
            return read();
        }
        catch (RecordMappingException e)
        {
            throw new AlertMappingException(e.Errors);
        }
    }
}
