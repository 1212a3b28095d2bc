using System.Globalization;
using System.Text.Json.Nodes;
using Entente.Sharing;

namespace Entente.WebConsole.Pages.Sharing;

public enum InputKind { Text, Select, Date, DateTime, Number }

/// <summary>
/// One input of a record's form: <see cref="Pointer"/> is where its value lands in the record (the API's JSON pointer,
/// relative to its group's item for a repeated group), <see cref="Label"/> a string resource's name.
/// </summary>
public sealed record FormInput(string Pointer, string Label, InputKind Input = InputKind.Text, IReadOnlyList<string>? Options = null, bool Required = false,
    string? OptionLabels = null, bool Upper = false);

/// <summary>A fieldset of the form: its inputs, or, when <see cref="Repeated"/>, a list at <see cref="Pointer"/> with one row per item.</summary>
public sealed record FormSection(string Legend, IReadOnlyList<FormInput> Inputs, string? Pointer = null, bool Repeated = false, int StartRows = 1);

/// <summary>A record kind's form: its sections, in the order shown.</summary>
public sealed record RecordForm(string Kind, string Root, IReadOnlyList<FormSection> Sections);

/// <summary>
/// The forms of the records an officer shares (seizure report, risk result, AEO status), and the two pure steps around
/// the use case: the submitted fields into the API's JSON document, and each problem the use case finds (at a JSON
/// pointer) back to the input, repeated row or section that caused it.
/// </summary>
public static class RecordForms
{
    private static readonly string[] Lanes = ["red", "yellow", "green", "blue"];
    private static readonly string[] AeoStatuses = ["certified", "suspended", "revoked"];
    private static readonly string[] Modes = ["1", "2", "3", "4", "5", "7", "8", "9"];

    public static readonly RecordForm Seizure = new(RecordKind.SeizureReport.Name, "/seizure",
    [
        new("Share_Seizure", [
            new("/id", "Intel_CaseNumber", Required: true),
            new("/seizedAt", "Share_SeizedAt", InputKind.DateTime, Required: true),
            new("/category", "Intel_Category", InputKind.Select, SeizureReport.Categories, Required: true),
            new("/drugType", "Intel_DrugType", InputKind.Select, SeizureReport.DrugTypes),
            new("/brand", "Share_Brand"),
            new("/species", "Share_Species"),
            new("/hsCode", "HsCode"),
        ]),
        new("Share_QuantityValue", [
            new("/quantity/amount", "Intel_Quantity", InputKind.Number),
            new("/quantity/unit", "Intel_Unit", InputKind.Select, [.. SeizureReport.Units.Keys]),
            new("/value/amount", "Intel_EstimatedValue", InputKind.Number),
            new("/value/currency", "Intel_Currency", Upper: true),
        ]),
        new("Share_WhereHow", [
            new("/place", "Share_Locode", Upper: true),
            new("/office", "Share_Office", Upper: true),
            new("/detectionMethod", "Intel_Detection", InputKind.Select, SeizureReport.DetectionMethods),
            new("/concealmentMethod", "Intel_Concealment", InputKind.Select, SeizureReport.ConcealmentMethods),
            new("/transport/mode", "Intel_TransportMode", InputKind.Select, Modes, OptionLabels: "Intel_Mode_"),
            new("/transport/means", "Share_Means"),
        ]),
        new("Intel_Route", [
            new("/route/departureCountryCode", "Intel_Departure", Upper: true),
            new("/route/destinationCountryCode", "Intel_Destination", Upper: true),
        ]),
        new("Share_Transit", [new("", "CountryCode", Upper: true)], "/route/transitCountryCodes", Repeated: true, StartRows: 1),
        new("Share_Links", [
            new("/declarationMrn", "Mrn", Upper: true),
            new("/container", "Container", Upper: true),
            new("/assessmentId", "Share_AssessmentId", InputKind.Number),
            new("/hitId", "Share_HitId"),
        ]),
        new("Intel_Offenders", [
            new("/kind", "Share_OffenderKind", InputKind.Select, SeizureReport.OffenderKinds, OptionLabels: "Intel_Offender_"),
            new("/name", "Name"),
            new("/id", "Id"),
            new("/countryCode", "CountryCode", Upper: true),
        ], "/offenders", Repeated: true, StartRows: 1),
    ]);

    public static readonly RecordForm RiskResult = new(RecordKind.RiskResult.Name, "/riskResult",
    [
        new("Share_RiskResult", [
            new("/declarationMrn", "Mrn", Required: true, Upper: true),
            new("/lane", "Lane", InputKind.Select, Lanes, Required: true),
            new("/assessedAt", "Share_AssessedAt", InputKind.DateTime, Required: true),
        ]),
        new("Share_ResultItems", [
            new("/sequence", "Share_Sequence", InputKind.Number, Required: true),
            new("/resultCode", "Share_ResultCode", Required: true),
            new("/text", "Share_ResultText", Required: true),
        ], "/items", Repeated: true, StartRows: 1),
    ]);

    public static readonly RecordForm Aeo = new(RecordKind.AeoStatus.Name, "/aeo",
    [
        new("Share_Trader", [
            new("/id", "Share_AeoId", Required: true, Upper: true),
            new("/name", "Name", Required: true),
        ]),
        new("Share_Address", [
            new("/address/street", "Share_Street"),
            new("/address/postcode", "Share_Postcode"),
            new("/address/city", "Share_City"),
            new("/address/countryCode", "CountryCode", Upper: true),
        ], "/address"),
        new("Share_AeoStatus", [
            new("/status", "Status", InputKind.Select, AeoStatuses, Required: true),
            new("/validatedOn", "Share_ValidatedOn", InputKind.Date, Required: true),
            new("/suspendedOn", "Share_SuspendedOn", InputKind.Date),
            new("/revokedOn", "Share_RevokedOn", InputKind.Date),
        ]),
    ]);

    public static IReadOnlyList<RecordForm> All { get; } = [Seizure, RiskResult, Aeo];

    public static RecordForm Of(string kind) => All.First(f => f.Kind == kind);

    /// <summary>The form field's name for an input (its full pointer: "/seizure/offenders/1/name").</summary>
    public static string Name(RecordForm form, FormSection section, FormInput input, int? row) =>
        form.Root + (section.Repeated ? section.Pointer + "/" + row!.Value.ToString(CultureInfo.InvariantCulture) : "") + input.Pointer;

    /// <summary>An HTML id for a pointer ("/seizure/offenders/1/name" → "f-seizure-offenders-1-name").</summary>
    public static string Id(string pointer) => "f" + pointer.Replace('/', '-');

    /// <summary>The number of rows a repeated section shows: as submitted (the hidden count), at least its starting rows, at most 50.</summary>
    public static int Rows(FormSection section, Func<string, string?> field, string root)
    {
        var submitted = int.TryParse(field("rows:" + root + section.Pointer), NumberStyles.None, CultureInfo.InvariantCulture, out var n) ? n : section.StartRows;
        return Math.Clamp(submitted, 0, 50);
    }

    /// <summary>
    /// A repeated section's row taken out (<paramref name="row"/> is its name, "/seizure/offenders/0"): the rows after it
    /// move up one with their values, so everything else typed stays. Returns the section and the row's index, or null
    /// when <paramref name="row"/> is not a row the form shows.
    /// </summary>
    public static (FormSection Section, int Index)? RemoveRow(RecordForm form, string row, IDictionary<string, string?> values, IDictionary<string, int> rowCounts)
    {
        var slash = row.LastIndexOf('/');
        if (slash <= 0 || !int.TryParse(row[(slash + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out var index)) return null;
        var sectionName = row[..slash];
        var section = form.Sections.FirstOrDefault(s => s.Repeated && form.Root + s.Pointer == sectionName);
        if (section is null || !rowCounts.TryGetValue(sectionName, out var rows) || index >= rows) return null;
        for (var at = index; at < rows; at++)
        {
            foreach (var input in section.Inputs)
            {
                var name = Name(form, section, input, at);
                if (at + 1 < rows && values.TryGetValue(Name(form, section, input, at + 1), out var next)) values[name] = next;
                else values.Remove(name);
            }
        }
        rowCounts[sectionName] = rows - 1;
        return (section, index);
    }

    /// <summary>
    /// The record as the API receives it, built from the submitted fields: blank inputs are left out (an empty row of a
    /// repeated section too: the record's list is the filled rows, <paramref name="rowOf"/> says which row each item came
    /// from); a number or a time that cannot be read stays as typed, so the use case refuses it at its pointer.
    /// </summary>
    public static JsonObject Build(RecordForm form, Func<string, string?> field, out Dictionary<string, int> rowOf)
    {
        rowOf = new(StringComparer.Ordinal);
        var body = new JsonObject();
        foreach (var section in form.Sections)
        {
            if (!section.Repeated)
            {
                foreach (var input in section.Inputs)
                    if (Value(input, field(Name(form, section, input, null))) is { } value) Put(body, input.Pointer, value);
                continue;
            }
            var list = new JsonArray();
            var rows = Rows(section, field, form.Root);
            for (var row = 0; row < rows; row++)
            {
                var values = section.Inputs.Select(i => (Input: i, Value: Value(i, field(Name(form, section, i, row))))).Where(v => v.Value is not null).ToList();
                if (values.Count == 0) continue;
                rowOf[section.Pointer + "/" + list.Count.ToString(CultureInfo.InvariantCulture)] = row;
                if (section.Inputs is [{ Pointer: "" }]) list.Add(values[0].Value);
                else
                {
                    var item = new JsonObject();
                    foreach (var (input, value) in values) Put(item, input.Pointer, value!);
                    list.Add(item);
                }
            }
            if (list.Count > 0) Put(body, section.Pointer!, list);
        }
        // Written and read back: the use case sees the document exactly as the API's body reader would give it.
        return (JsonObject)JsonNode.Parse(new JsonObject { [form.Root.TrimStart('/')] = body }.ToJsonString())!;
    }

    /// <summary>
    /// Where a problem at <paramref name="pointer"/> is shown: the form field's name it names, or the closest enclosing one
    /// (a repeated row's item, a section), renumbered from the record's list index to the form's row; null: the form as a whole.
    /// </summary>
    public static string? Target(RecordForm form, string pointer, IReadOnlyDictionary<string, int> rowOf)
    {
        if (!pointer.StartsWith(form.Root + "/", StringComparison.Ordinal)) return null;
        var inner = pointer[form.Root.Length..];
        foreach (var section in form.Sections.Where(s => s.Repeated))
        {
            var prefix = section.Pointer + "/";
            if (!inner.StartsWith(prefix, StringComparison.Ordinal)) continue;
            var rest = inner[prefix.Length..];
            var slash = rest.IndexOf('/', StringComparison.Ordinal);
            var index = slash < 0 ? rest : rest[..slash];
            if (!rowOf.TryGetValue(section.Pointer + "/" + index, out var row)) return form.Root + section.Pointer;
            var within = slash < 0 ? "" : rest[slash..];
            var name = form.Root + section.Pointer + "/" + row.ToString(CultureInfo.InvariantCulture);
            return section.Inputs.Any(i => i.Pointer == within) ? name + within : name;
        }
        var names = form.Sections.Where(s => !s.Repeated).SelectMany(s => s.Inputs.Select(i => i.Pointer)).ToList();
        for (var at = inner; at.Length > 0; at = at[..Math.Max(0, at.LastIndexOf('/'))])
        {
            if (names.Contains(at)) return form.Root + at;
            if (form.Sections.Any(s => s.Pointer == at)) return form.Root + at;
            // A whole object of inputs ("/quantity" for "/quantity/amount" and "/quantity/unit"): its first input.
            if (names.FirstOrDefault(n => n.StartsWith(at + "/", StringComparison.Ordinal)) is { } first) return form.Root + first;
        }
        return null;
    }

    private static JsonNode? Value(FormInput input, string? raw)
    {
        if (string.IsNullOrWhiteSpace(raw)) return null;
        var text = input.Upper ? raw.Trim().ToUpperInvariant() : raw.Trim();
        switch (input.Input)
        {
            case InputKind.Number:
                return decimal.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var number) ? JsonValue.Create(number) : JsonValue.Create(text);
            case InputKind.DateTime:
                // The browser's date-and-time field (yyyy-MM-ddTHH:mm, UTC as the label says) as ISO 8601 with its zone.
                return DateTime.TryParseExact(text, ["yyyy-MM-dd'T'HH:mm", "yyyy-MM-dd'T'HH:mm:ss"], CultureInfo.InvariantCulture, DateTimeStyles.None, out var at)
                    ? JsonValue.Create(at.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture))
                    : JsonValue.Create(text);
            default:
                return JsonValue.Create(text);
        }
    }

    /// <summary>A value at a relative pointer ("/quantity/amount"), making the objects on the way.</summary>
    private static void Put(JsonObject root, string pointer, JsonNode value)
    {
        var parts = pointer.TrimStart('/').Split('/');
        var at = root;
        foreach (var part in parts[..^1])
        {
            if (at[part] is not JsonObject next) at[part] = next = new JsonObject();
            at = next;
        }
        at[parts[^1]] = value;
    }
}
