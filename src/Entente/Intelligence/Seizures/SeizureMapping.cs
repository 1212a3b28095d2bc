using System.Text.Json.Nodes;
using Entente.Common;

namespace Entente.Intelligence.Seizures;

/// <summary>A mapping that cannot be used: every problem with the mapping file, line and key.</summary>
public sealed class SeizureMappingException(IReadOnlyList<FieldError> errors) : Exception(string.Join(Environment.NewLine, errors.Select(e => $"{e.File}:{e.Line}: {e}")))
{
    public IReadOnlyList<FieldError> Errors { get; } = errors;
}

/// <summary>
/// How a national seizure database's export (CSV or JSON) becomes seizure-report bodies, with the shared
/// <see cref="RecordMapping"/> engine (the format of the alert and declaration mappings, mappings/): targets are pointers
/// into the seizure (/category, /quantity/amount, /route/departureCountryCode, /offenders/0/name...), the database's
/// values mapped to Entente's codes. Amounts and ids land as numbers; a cell that is not one is an error at its line and column.
/// </summary>
public sealed class SeizureMapping
{
    /// <summary>The members that hold a list (a split cell, or a JSON list, fills them).</summary>
    public static readonly IReadOnlySet<string> ListMembers = new HashSet<string>(["transitCountryCodes"], StringComparer.Ordinal);

    /// <summary>The members that hold a number.</summary>
    public static readonly IReadOnlySet<string> NumberMembers = new HashSet<string>(["amount", "quantityKg", "assessmentId"], StringComparer.Ordinal);

    public static readonly MappingTarget Target = new("seizure", "a seizure", "/category, /quantity/unit...", "/category, /quantity/amount...", ListMembers, NumberMembers);

    private readonly RecordMapping _mapping;

    private SeizureMapping(RecordMapping mapping) => _mapping = mapping;

    public string Name => _mapping.Name;

    /// <summary>csv or json (a JSON array of objects, or one object per line).</summary>
    public string Format => _mapping.Format;

    public char Separator => _mapping.Separator;

    public bool Header => _mapping.Header;

    public IReadOnlyList<(string Target, string Value)> Set => _mapping.Set;

    public IReadOnlyList<MappedField> Fields => _mapping.Fields;

    public static SeizureMapping Parse(string yaml, string file) => new(Refused(() => RecordMapping.Parse(yaml, file, Target)));

    public static SeizureMapping Load(string path) => Parse(File.ReadAllText(path), Path.GetFileName(path));

    /// <summary>Reads every row of <paramref name="text"/> into a seizure body; a row that cannot be read carries its errors.</summary>
    public IReadOnlyList<SeizureImportRow> Read(string text, string file) =>
        [.. Refused(() => _mapping.Read(text, file)).Select(r => new SeizureImportRow(r.Document, r.File, r.Line, r.Errors, r.Columns))];

    private static T Refused<T>(Func<T> read)
    {
        try
        {
            return read();
        }
        catch (RecordMappingException e)
        {
            throw new SeizureMappingException(e.Errors);
        }
    }
}

/// <summary>One row of an import: the seizure body it became, where it was (file, line), what could not be read, and which column filled each target.</summary>
public sealed record SeizureImportRow(JsonObject Document, string File, long Line, IReadOnlyList<FieldError> Errors, IReadOnlyDictionary<string, string> Columns);
