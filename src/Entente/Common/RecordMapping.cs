using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Entente.Common;

/// <summary>A record mapping that cannot be used, or a file it cannot read: every problem with its file, line and key.</summary>
public sealed class RecordMappingException(IReadOnlyList<FieldError> errors) : Exception(string.Join(Environment.NewLine, errors.Select(e => $"{e.File}:{e.Line}: {e}")))
{
    public IReadOnlyList<FieldError> Errors { get; } = errors;
}

/// <summary>One column (CSV) or member (JSON) and where its value goes in the record (a JSON pointer), optionally split, mapped, required.</summary>
public sealed record MappedField(string Column, string Target, string? Split, IReadOnlyDictionary<string, string?> Map, bool Required);

/// <summary>
/// What a mapping fills: the record's name and its article in messages ("alert", "an alert"), example pointers for
/// <c>set</c> and for <c>fields</c>, the members that hold a list (a split cell or a JSON list fills them) and those that
/// hold a number (a cell that is not one is an error at its line and column).
/// </summary>
public sealed record MappingTarget(string Record, string Article, string SetExamples, string FieldExamples, IReadOnlySet<string> ListMembers, IReadOnlySet<string> NumberMembers);

/// <summary>One row of an import: the record it became, where it was (file, line), what could not be read, and which column filled each target.</summary>
public sealed record MappedRow(JsonObject Document, string File, long Line, IReadOnlyList<FieldError> Errors, IReadOnlyDictionary<string, string> Columns);

/// <summary>
/// The mapping engine behind the alert and seizure imports, in the format of the declaration mappings (mappings/): how a
/// national file (CSV or JSON) becomes JSON records. <c>format</c> csv or json (a JSON array of objects, or one object per
/// line); for CSV <c>separator</c> and <c>header</c>; <c>set</c>: values every record gets (pointer: value);
/// <c>fields</c>: column, target pointer (a number segment makes a list: /offenders/0/name), optional split (a list
/// member), map (the file's values to Entente's codes), required. Every error carries the file, line and field path.
/// </summary>
public sealed class RecordMapping
{
    private static readonly string[] TopKeys = ["name", "description", "format", "csv", "set", "fields"];

    private RecordMapping(MappingTarget target, string name, string format, char separator, bool header, IReadOnlyList<(string Target, string Value)> set, IReadOnlyList<MappedField> fields) =>
        (Target, Name, Format, Separator, Header, Set, Fields) = (target, name, format, separator, header, set, fields);

    public MappingTarget Target { get; }

    public string Name { get; }

    /// <summary>csv or json (a JSON array of objects, or one object per line).</summary>
    public string Format { get; }

    public char Separator { get; }

    public bool Header { get; }

    public IReadOnlyList<(string Target, string Value)> Set { get; }

    public IReadOnlyList<MappedField> Fields { get; }

    public static RecordMapping Parse(string yaml, string file, MappingTarget target)
    {
        var errors = new List<FieldError>();
        void Error(YamlNode? node, string path, string message) => errors.Add(new FieldError(path, message) { File = file, Line = node?.Start.Line });
        YamlMappingNode root;
        try
        {
            var stream = new YamlStream();
            stream.Load(new StringReader(yaml));
            root = stream.Documents.Count == 1 && stream.Documents[0].RootNode is YamlMappingNode r ? r : throw new RecordMappingException([new FieldError("", "expected one YAML document, a mapping") { File = file, Line = 1 }]);
        }
        catch (YamlException e)
        {
            throw new RecordMappingException([new FieldError("", e.Message) { File = file, Line = e.Start.Line }]);
        }
        foreach (var (key, _) in root.Children)
            if (key is YamlScalarNode k && !TopKeys.Contains(k.Value)) Error(key, k.Value ?? "", $"not a key of {target.Article} mapping (expected {string.Join(", ", TopKeys)})");
        var name = Scalar(root, "name") ?? Path.GetFileNameWithoutExtension(file);
        var format = Scalar(root, "format") ?? "csv";
        if (format is not ("csv" or "json")) Error(Node(root, "format"), "format", "expected csv or json");
        var separator = ',';
        var header = true;
        if (Node(root, "csv") is YamlMappingNode csv)
        {
            if (Scalar(csv, "separator") is { } s)
            {
                if (s.Length == 1) separator = s[0];
                else Error(Node(csv, "separator"), "csv.separator", "expected one character");
            }
            if (Scalar(csv, "header") is { } h)
            {
                if (bool.TryParse(h, out var b)) header = b;
                else Error(Node(csv, "header"), "csv.header", "expected true or false");
            }
        }
        var set = new List<(string, string)>();
        if (Node(root, "set") is { } setNode)
        {
            if (setNode is not YamlMappingNode setMap) Error(setNode, "set", "expected pointer: value pairs");
            else
                foreach (var (key, value) in setMap.Children)
                {
                    var pointer = (key as YamlScalarNode)?.Value ?? "";
                    if (!IsPointer(pointer)) Error(key, "set", $"'{pointer}' is not a JSON pointer into the {target.Record} ({target.SetExamples})");
                    else if (value is not YamlScalarNode { Value: { } v }) Error(value, "set." + pointer, "expected a value");
                    else set.Add((pointer, v));
                }
        }
        var fields = new List<MappedField>();
        if (Node(root, "fields") is not YamlSequenceNode list) Error(root, "fields", "expected a list of {column, target}");
        else
        {
            for (var i = 0; i < list.Children.Count; i++)
            {
                var at = $"fields[{i}]";
                if (list.Children[i] is not YamlMappingNode f)
                {
                    Error(list.Children[i], at, "expected {column, target}");
                    continue;
                }
                foreach (var (key, _) in f.Children)
                    if (key is YamlScalarNode k && k.Value is not ("column" or "target" or "split" or "map" or "required" or "note")) Error(key, $"{at}.{k.Value}", "expected column, target, split, map, required or note");
                var column = Scalar(f, "column");
                var to = Scalar(f, "target");
                if (string.IsNullOrEmpty(column)) Error(f, at + ".column", "required: the column (CSV header or number) or JSON member");
                if (to is null || !IsPointer(to)) Error(f, at + ".target", $"required: a JSON pointer into the {target.Record} ({target.FieldExamples})");
                var split = Scalar(f, "split");
                if (split is not null && to is not null && !target.ListMembers.Contains(to.Split('/')[^1]))
                    Error(Node(f, "split"), at + ".split", $"only a list member ({string.Join(", ", target.ListMembers)}) takes a split cell");
                var map = new Dictionary<string, string?>(StringComparer.Ordinal);
                if (Node(f, "map") is YamlMappingNode m)
                    foreach (var (key, value) in m.Children)
                        map[(key as YamlScalarNode)?.Value ?? ""] = value is YamlScalarNode { Value: var v } && v is not ("~" or "null") && !(value is YamlScalarNode { Style: ScalarStyle.Plain, Value: "" }) ? v : null;
                var required = Scalar(f, "required") is "true";
                if (column is not null && to is not null) fields.Add(new MappedField(column, to, split, map, required));
            }
        }
        if (errors.Count > 0) throw new RecordMappingException(errors);
        return new RecordMapping(target, name, format, separator, header, set, fields);
    }

    public static RecordMapping Load(string path, MappingTarget target) => Parse(File.ReadAllText(path), Path.GetFileName(path), target);

    /// <summary>Reads every row of <paramref name="text"/> into a record; a row that cannot be read carries its errors.</summary>
    public IReadOnlyList<MappedRow> Read(string text, string file) => Format == "json" ? ReadJson(text, file) : ReadCsv(text, file);

    private List<MappedRow> ReadCsv(string text, string file)
    {
        var rows = new List<MappedRow>();
        var records = CsvRecords(text).ToList();
        if (records.Count == 0) return rows;
        string[] names;
        var start = 0;
        if (Header)
        {
            names = records[0].Cells;
            start = 1;
            var missing = Fields.Where(f => !names.Contains(f.Column)).Select(f => f.Column).Distinct().ToList();
            if (missing.Count > 0)
                throw new RecordMappingException([new FieldError("", $"the header has no column {string.Join(", ", missing.Select(m => $"'{m}'"))} (it has {string.Join(", ", names)})") { File = file, Line = 1 }]);
        }
        else names = Enumerable.Range(1, records.Max(r => r.Cells.Length)).Select(i => i.ToString(System.Globalization.CultureInfo.InvariantCulture)).ToArray();
        for (var r = start; r < records.Count; r++)
        {
            var (line, cells) = records[r];
            if (cells.Length == 1 && cells[0].Trim().Length == 0) continue;
            var errors = new List<FieldError>();
            if (cells.Length != names.Length)
                errors.Add(new FieldError("", $"expected {names.Length} columns, found {cells.Length}; check the separator ('{Separator}') and quotes") { File = file, Line = line });
            var values = new Dictionary<string, string>(StringComparer.Ordinal);
            for (var c = 0; c < Math.Min(cells.Length, names.Length); c++) values[names[c]] = cells[c];
            rows.Add(Row(values, file, line, errors));
        }
        return rows;
    }

    private List<MappedRow> ReadJson(string text, string file)
    {
        var rows = new List<MappedRow>();
        var trimmed = text.TrimStart();
        var objects = new List<(long Line, JsonNode? Node, string? Error)>();
        if (trimmed.StartsWith('['))
        {
            var bytes = Encoding.UTF8.GetBytes(text);
            var reader = new Utf8JsonReader(bytes, new JsonReaderOptions { CommentHandling = JsonCommentHandling.Skip });
            try
            {
                while (reader.Read())
                {
                    if (reader.CurrentDepth != 1 || reader.TokenType is JsonTokenType.EndArray) continue;
                    var line = 1 + bytes.AsSpan(0, (int)reader.TokenStartIndex).Count((byte)'\n');
                    var begin = (int)reader.TokenStartIndex;
                    reader.Skip();
                    objects.Add((line, JsonNode.Parse(bytes.AsSpan(begin, (int)reader.BytesConsumed - begin)), null));
                }
            }
            catch (JsonException e)
            {
                throw new RecordMappingException([new FieldError("", $"not JSON: {e.Message}") { File = file, Line = (e.LineNumber ?? 0) + 1 }]);
            }
        }
        else
        {
            var lines = text.Split('\n');
            for (var i = 0; i < lines.Length; i++)
            {
                if (lines[i].Trim().Length == 0) continue;
                try
                {
                    objects.Add((i + 1, JsonNode.Parse(lines[i]), null));
                }
                catch (JsonException e)
                {
                    objects.Add((i + 1, null, $"not JSON: {e.Message}"));
                }
            }
        }
        foreach (var (line, node, error) in objects)
        {
            var errors = new List<FieldError>();
            var values = new Dictionary<string, string>(StringComparer.Ordinal);
            if (error is not null) errors.Add(new FieldError("", error) { File = file, Line = line });
            else if (node is not JsonObject obj) errors.Add(new FieldError("", "expected an object") { File = file, Line = line });
            else
                foreach (var (name, value) in obj)
                {
                    if (value is JsonValue v) values[name] = v.GetValueKind() == JsonValueKind.String ? v.GetValue<string>() : v.ToJsonString();
                    else if (value is JsonArray a && a.All(e => e is JsonValue)) values[name] = string.Join("\u001f", a.Select(e => e!.GetValueKind() == JsonValueKind.String ? e.GetValue<string>() : e.ToJsonString()));
                    else if (value is not null) errors.Add(new FieldError("", $"member '{name}': expected a text, number or list of them") { File = file, Line = line });
                }
            rows.Add(Row(values, file, line, errors, jsonLists: true));
        }
        return rows;
    }

    private MappedRow Row(Dictionary<string, string> values, string file, long line, List<FieldError> errors, bool jsonLists = false)
    {
        var document = new JsonObject();
        var columns = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (target, value) in Set) Put(document, target, [value]);
        foreach (var field in Fields)
        {
            var cell = values.GetValueOrDefault(field.Column)?.Trim() ?? "";
            if (cell.Length == 0)
            {
                if (field.Required) errors.Add(new FieldError(field.Target, $"column '{field.Column}': required, empty") { File = file, Line = line });
                continue;
            }
            var parts = field.Split is { } split ? cell.Split(split, StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
                : jsonLists && cell.Contains('\u001f', StringComparison.Ordinal) ? cell.Split('\u001f') : [cell];
            var mapped = new List<string>();
            foreach (var part in parts)
            {
                if (field.Map.Count > 0 && field.Map.TryGetValue(part, out var to))
                {
                    if (to is not null) mapped.Add(to);
                }
                else mapped.Add(part);
            }
            if (mapped.Count == 0) continue;
            if (Put(document, field.Target, mapped) is { } problem)
            {
                errors.Add(new FieldError(field.Target, $"column '{field.Column}': {problem}") { File = file, Line = line });
                continue;
            }
            columns[field.Target] = field.Column;
        }
        return new MappedRow(document, file, line, errors, columns);
    }

    /// <summary>
    /// Sets the value at a pointer, making the objects (and, for a number segment, the lists) on the way; a list member
    /// gets every value (appended); a number member a number. Returns what is wrong, or null.
    /// </summary>
    private string? Put(JsonObject document, string target, IReadOnlyList<string> values)
    {
        var segments = target.TrimStart('/').Split('/');
        JsonNode at = document;
        for (var i = 0; i < segments.Length - 1; i++)
        {
            var nextIsIndex = int.TryParse(segments[i + 1], System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out _);
            JsonNode Make() => nextIsIndex ? new JsonArray() : new JsonObject();
            if (at is JsonArray array && int.TryParse(segments[i], System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var index))
            {
                while (array.Count <= index) array.Add(Make());
                at = array[index]!;
            }
            else if (at is JsonObject obj)
            {
                if (obj[segments[i]] is not { } next || (nextIsIndex ? next is not JsonArray : next is not JsonObject)) obj[segments[i]] = next = Make();
                at = next;
            }
            else return $"'{target}' does not fit the values before it";
        }
        var last = segments[^1];
        if (at is not JsonObject parent) return $"'{target}' does not fit the values before it";
        if (Target.ListMembers.Contains(last))
        {
            if (parent[last] is not JsonArray list) parent[last] = list = new JsonArray();
            foreach (var v in values) list.Add(v);
        }
        else if (Target.NumberMembers.Contains(last))
        {
            if (!double.TryParse(values[0], System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out var number))
                return $"expected a number, got '{values[0]}'";
            parent[last] = number;
        }
        else parent[last] = values[0];
        return null;
    }

    private static bool IsPointer(string text) => text.Length > 1 && text[0] == '/' && !text.EndsWith('/') && !text.Contains("//", StringComparison.Ordinal);

    private static YamlNode? Node(YamlMappingNode map, string key) => map.Children.TryGetValue(new YamlScalarNode(key), out var node) ? node : null;

    private static string? Scalar(YamlMappingNode map, string key) => Node(map, key) is YamlScalarNode s ? s.Value : null;

    /// <summary>RFC 4180 records with the line each starts on (quoted cells may hold separators, quotes doubled, line breaks).</summary>
    private IEnumerable<(long Line, string[] Cells)> CsvRecords(string text)
    {
        var cells = new List<string>();
        var cell = new StringBuilder();
        long line = 1, start = 1;
        var quoted = false;
        var any = false;
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (quoted)
            {
                if (c == '"' && i + 1 < text.Length && text[i + 1] == '"')
                {
                    cell.Append('"');
                    i++;
                }
                else if (c == '"') quoted = false;
                else
                {
                    if (c == '\n') line++;
                    cell.Append(c);
                }
                continue;
            }
            if (c == '"' && cell.Length == 0)
            {
                quoted = true;
                any = true;
            }
            else if (c == Separator)
            {
                cells.Add(cell.ToString());
                cell.Clear();
                any = true;
            }
            else if (c == '\n' || c == '\r')
            {
                if (c == '\r' && i + 1 < text.Length && text[i + 1] == '\n') i++;
                cells.Add(cell.ToString());
                yield return (start, cells.ToArray());
                cells.Clear();
                cell.Clear();
                any = false;
                line++;
                start = line;
            }
            else
            {
                cell.Append(c);
                any = true;
            }
        }
        if (any || cell.Length > 0 || cells.Count > 0)
        {
            cells.Add(cell.ToString());
            yield return (start, cells.ToArray());
        }
    }
}
