using System.Globalization;
using System.Text;
using Entente.Common;
using Entente.Declarations;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Entente.Ingest.Csv;

/// <summary>Reads a mapping's YAML, checks every node (reporting its line), and compiles the fields into setters.</summary>
internal static class CsvMappingParser
{
    public const int MaxMappingBytes = 1 << 20;
    private const int MaxZeroPad = 64;

    // Sep refuses rows past 16 Mi characters; stop a little before, with a message that says why.
    private const int MaxRowLength = 12 << 20;

    private static readonly string[] TopKeys = ["name", "description", "csv", "group-by", "fields", "labels"];
    private static readonly string[] CsvKeys = ["separator", "header", "encoding", "decimal-separator", "group-separator", "quotes", "utc-offset", "max-field-length"];
    private static readonly string[] FieldKeys = ["target", "column", "value", "format", "map", "unmapped", "scheme", "edition", "zero-pad", "unit", "required", "note"];
    private static readonly string[] LabelKeys = ["fraud", "critical-fraud", "revenue"];

    internal static readonly string[] DefaultDateFormats =
        ["yyyy-MM-dd", "yyyy-MM-dd'T'HH:mm", "yyyy-MM-dd'T'HH:mm:ss", "yyyy-MM-dd'T'HH:mm:ss.FFFFFFF", "yyyy-MM-dd HH:mm:ss", "yyyy-MM-dd'T'HH:mm:ssK", "yyyy-MM-dd'T'HH:mm:ss.FFFFFFFK"];

    static CsvMappingParser() => Encoding.RegisterProvider(CodePagesEncodingProvider.Instance);

    public static CsvMapping Parse(string yaml, string file)
    {
        var p = new Problems(file);
        YamlMappingNode? root = null;
        var parser = new Parser(new StringReader(yaml));
        try
        {
            var stream = new YamlStream();
            stream.Load(parser);
            if (stream.Documents.Count == 0)
                p.Add(null, "", "the mapping is empty: expected name, csv, group-by, fields and labels");
            else if (stream.Documents.Count > 1)
                p.Add(stream.Documents[1].RootNode, "", "a mapping file holds one YAML document; remove the second '---'");
            else if (stream.Documents[0].RootNode is YamlMappingNode m)
                root = m;
            else
                p.Add(stream.Documents[0].RootNode, "", "expected a mapping with the keys name, csv, group-by, fields and labels");
        }
        catch (YamlException e)
        {
            throw new CsvMappingException([new IngestError(file, e.Start.Line, "", "not valid YAML: " + (e.InnerException?.Message ?? e.Message))]);
        }
        catch (Exception e) when (e is InvalidOperationException or ArgumentException)
        {
            // YamlDotNet throws these, without a position, for some unclosed flow collections and for an empty key
            // ("- : a", found by fuzzing): the line is where its parser stopped, at or just after the problem.
            var line = parser.Current is { } at ? at.Start.Line : (long?)null;
            throw new CsvMappingException([new IngestError(file, line, "", "not valid YAML up to here (an empty key, or an unclosed { or [ ?): " + e.Message)]);
        }
        if (root is null) throw new CsvMappingException(p.Errors);

        p.OnlyKeys(root, "", TopKeys);
        var name = p.RequiredText(root, "name", "");
        var description = p.OptionalText(root, "description", "");
        var settings = ParseSettings(p, root.Children.TryGetValue(new YamlScalarNode("csv"), out var csvNode) ? csvNode : null);
        var groupBy = ParseGroupBy(p, root, settings);
        var fields = ParseFields(p, root, settings);
        var labels = ParseLabels(p, root, settings);

        CrossCheck(p, fields, groupBy, labels);
        if (p.Errors.Count > 0) throw new CsvMappingException(p.Errors);
        return new CsvMapping(file, name!, description, settings, groupBy, fields.Select(f => f.Compiled!).ToArray(), labels);
    }

    private static CsvSettings ParseSettings(Problems p, YamlNode? node)
    {
        var defaults = new CsvSettings(',', true, 65001, "utf-8", true, NumberFormatInfo.InvariantInfo,
            NumberStyles.AllowLeadingSign | NumberStyles.AllowDecimalPoint | NumberStyles.AllowExponent, TimeSpan.Zero, 100_000, MaxRowLength);
        if (node is null) return defaults;
        if (node is not YamlMappingNode csv)
        {
            p.Add(node, "csv", "expected the CSV options (separator, header, encoding, decimal-separator, ...)");
            return defaults;
        }
        p.OnlyKeys(csv, "csv", CsvKeys);

        var separator = defaults.Separator;
        if (p.OptionalText(csv, "separator", "csv") is { } sep)
        {
            if (sep is "tab" or "\\t" or "\t") separator = '\t';
            else if (sep.Length == 1 && sep[0] is not ('"' or '\r' or '\n')) separator = sep[0];
            else p.Add(csv.Children[new YamlScalarNode("separator")], "csv.separator", $"expected one character (or 'tab'), got '{sep}'");
        }

        var header = p.OptionalBool(csv, "header", "csv") ?? true;
        var quotes = p.OptionalBool(csv, "quotes", "csv") ?? true;

        var codePage = defaults.CodePage;
        var encodingName = defaults.EncodingName;
        if (p.OptionalText(csv, "encoding", "csv") is { } enc)
        {
            try
            {
                codePage = Encoding.GetEncoding(enc).CodePage;
                encodingName = enc;
            }
            catch (ArgumentException)
            {
                p.Add(csv.Children[new YamlScalarNode("encoding")], "csv.encoding", $"unknown encoding '{enc}'; expected a name such as utf-8, utf-16, iso-8859-1, windows-1252, euc-kr, shift_jis");
            }
        }

        var numbers = (NumberFormatInfo)NumberFormatInfo.InvariantInfo.Clone();
        var styles = defaults.NumberStyles;
        if (p.OptionalText(csv, "decimal-separator", "csv") is { } dec)
        {
            if (dec.Length == 1 && !char.IsAsciiDigit(dec[0])) numbers.NumberDecimalSeparator = dec;
            else p.Add(csv.Children[new YamlScalarNode("decimal-separator")], "csv.decimal-separator", $"expected one character such as '.' or ',', got '{dec}'");
        }
        if (p.OptionalText(csv, "group-separator", "csv") is { Length: > 0 } group)
        {
            if (group.Length == 1 && !char.IsAsciiDigit(group[0]) && group != numbers.NumberDecimalSeparator)
            {
                numbers.NumberGroupSeparator = group;
                styles |= NumberStyles.AllowThousands;
            }
            else p.Add(csv.Children[new YamlScalarNode("group-separator")], "csv.group-separator", $"expected one character, different from the decimal separator, got '{group}'");
        }
        else if (numbers.NumberDecimalSeparator == numbers.NumberGroupSeparator)
        {
            // Invariant's group separator is ','; with decimal-separator ',' it must not stay the same.
            numbers.NumberGroupSeparator = "\u00A0";
        }
        numbers = NumberFormatInfo.ReadOnly(numbers);

        var offset = TimeSpan.Zero;
        if (p.OptionalText(csv, "utc-offset", "csv") is { } off)
        {
            if (off is "Z" or "UTC") offset = TimeSpan.Zero;
            else if (TimeSpan.TryParseExact(off.TrimStart('+', '-'), @"hh\:mm", CultureInfo.InvariantCulture, out var span) && span <= TimeSpan.FromHours(14))
                offset = off.StartsWith('-') ? -span : span;
            else p.Add(csv.Children[new YamlScalarNode("utc-offset")], "csv.utc-offset", $"expected an offset such as +09:00, -05:00 or Z, got '{off}'");
        }

        var maxField = defaults.MaxFieldLength;
        if (p.OptionalText(csv, "max-field-length", "csv") is { } mf)
        {
            if (int.TryParse(mf, NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n is >= 1 and <= 8 << 20) maxField = n;
            else p.Add(csv.Children[new YamlScalarNode("max-field-length")], "csv.max-field-length", $"expected a number of characters from 1 to {8 << 20}, got '{mf}'");
        }

        return defaults with
        {
            Separator = separator,
            HasHeader = header,
            Quotes = quotes,
            CodePage = codePage,
            EncodingName = encodingName,
            Numbers = numbers,
            NumberStyles = styles,
            UtcOffset = offset,
            MaxFieldLength = maxField,
        };
    }

    private static List<string> ParseGroupBy(Problems p, YamlMappingNode root, CsvSettings settings)
    {
        var columns = new List<string>();
        if (!root.Children.TryGetValue(new YamlScalarNode("group-by"), out var node)) return columns;
        IEnumerable<YamlNode> items = node switch
        {
            YamlSequenceNode seq => seq.Children,
            YamlScalarNode => [node],
            _ => [],
        };
        if (node is YamlMappingNode) p.Add(node, "group-by", "expected a column name or a list of column names");
        var i = 0;
        foreach (var item in items)
        {
            var path = node is YamlSequenceNode ? $"group-by[{i++}]" : "group-by";
            if (ColumnName(p, item, path, settings) is { } column)
            {
                if (columns.Contains(column)) p.Add(item, path, $"column '{column}' is listed twice");
                else columns.Add(column);
            }
        }
        return columns;
    }

    private sealed class FieldDraft
    {
        public required string Path { get; init; }
        public required YamlMappingNode Node { get; init; }
        public CompiledField? Compiled { get; set; }
    }

    private static List<FieldDraft> ParseFields(Problems p, YamlMappingNode root, CsvSettings settings)
    {
        var drafts = new List<FieldDraft>();
        if (!root.Children.TryGetValue(new YamlScalarNode("fields"), out var node))
        {
            p.Add(root, "fields", "the mapping has no fields: expected a list of { target, column | value }");
            return drafts;
        }
        if (node is not YamlSequenceNode seq || seq.Children.Count == 0)
        {
            p.Add(node, "fields", "expected a non-empty list of fields, each { target, column | value }");
            return drafts;
        }
        var seen = new Dictionary<string, long>(StringComparer.Ordinal);
        for (var i = 0; i < seq.Children.Count; i++)
        {
            var path = $"fields[{i}]";
            if (seq.Children[i] is not YamlMappingNode f)
            {
                p.Add(seq.Children[i], path, "expected a field: { target: ..., column: ... } or { target: ..., value: ... }");
                continue;
            }
            var draft = new FieldDraft { Path = path, Node = f };
            draft.Compiled = CompileField(p, f, path, settings, seen);
            if (draft.Compiled is not null) drafts.Add(draft);
        }
        return drafts;
    }

    private static CompiledField? CompileField(Problems p, YamlMappingNode f, string path, CsvSettings settings, Dictionary<string, long> seen)
    {
        var errorsBefore = p.Errors.Count;
        p.OnlyKeys(f, path, FieldKeys);
        var targetName = p.RequiredText(f, "target", path);
        if (targetName is null) return null;
        var targetNode = f.Children[new YamlScalarNode("target")];
        if (!CsvTargets.TryGet(targetName, out var target))
        {
            p.Add(targetNode, path + ".target", UnknownTarget(targetName));
            return null;
        }
        if (seen.TryGetValue(targetName, out var firstLine))
            p.Add(targetNode, path + ".target", $"target '{targetName}' is already mapped at line {firstLine}; a target takes one field");
        else
            seen[targetName] = Line(targetNode);

        var hasColumn = f.Children.TryGetValue(new YamlScalarNode("column"), out var columnNode);
        var hasValue = f.Children.TryGetValue(new YamlScalarNode("value"), out var valueNode);
        if (hasColumn && hasValue)
        {
            p.Add(f, path, $"'{targetName}' has both a column and a value; give the column to read, or the constant value, not both");
            return null;
        }
        if (!hasColumn && !hasValue)
        {
            p.Add(f, path, $"'{targetName}' needs a column (a name from the CSV header) or a value (a constant)");
            return null;
        }
        var column = hasColumn ? ColumnName(p, columnNode!, path + ".column", settings) : null;
        var constant = hasValue ? ConstantText(p, valueNode!, path + ".value") : null;

        string[]? formats = null;
        if (f.Children.TryGetValue(new YamlScalarNode("format"), out var formatNode))
        {
            if (target.Kind != TargetKind.Date)
                p.Add(formatNode, path + ".format", $"format applies to date targets (declaration.issue-date, declaration.acceptance-date), not to '{targetName}'");
            else
                formats = p.TextList(formatNode, path + ".format");
        }
        var scheme = p.OptionalText(f, "scheme", path);
        var edition = p.OptionalText(f, "edition", path);
        if ((scheme is not null || edition is not null) && target.Kind != TargetKind.Classification)
            p.Add(f, path, $"scheme and edition apply to item.hs-code, not to '{targetName}'");
        if (scheme is not null && !CodeLists.CodeLists.Default.ClassificationSchemes.ContainsKey(scheme))
            p.Add(f.Children[new YamlScalarNode("scheme")], path + ".scheme",
                $"unknown commodity code scheme '{scheme}'; expected one of {string.Join(", ", CodeLists.CodeLists.Default.ClassificationSchemes.Keys.Order(StringComparer.Ordinal))}");
        var unit = p.OptionalText(f, "unit", path);
        if (unit is not null && targetName != "item.quantity")
            p.Add(f.Children[new YamlScalarNode("unit")], path + ".unit", $"unit applies to item.quantity, not to '{targetName}'");

        var zeroPad = 0;
        if (p.OptionalText(f, "zero-pad", path) is { } zp)
        {
            var zpNode = f.Children[new YamlScalarNode("zero-pad")];
            if (!int.TryParse(zp, NumberStyles.None, CultureInfo.InvariantCulture, out zeroPad) || zeroPad is < 1 or > MaxZeroPad)
                p.Add(zpNode, path + ".zero-pad", $"expected the width to pad to with leading zeros, 1 to {MaxZeroPad}, got '{zp}'");
            else if (!hasColumn)
                p.Add(zpNode, path + ".zero-pad", "zero-pad applies to a column, not to a constant value");
        }
        var required = p.OptionalBool(f, "required", path) ?? false;
        if (required && !hasColumn)
            p.Add(f.Children[new YamlScalarNode("required")], path + ".required", "required applies to a column; a constant value is always there");

        var keepUnmapped = false;
        if (p.OptionalText(f, "unmapped", path) is { } unmapped)
        {
            var node = f.Children[new YamlScalarNode("unmapped")];
            if (unmapped is "keep") keepUnmapped = true;
            else if (unmapped is not "error") p.Add(node, path + ".unmapped", $"expected 'error' (a value missing from map is an error) or 'keep' (it is used as it is), got '{unmapped}'");
            if (!f.Children.ContainsKey(new YamlScalarNode("map"))) p.Add(node, path + ".unmapped", "unmapped applies to a field with a map");
        }
        f.Children.TryGetValue(new YamlScalarNode("map"), out var mapNode);
        if (mapNode is not null && !hasColumn)
            p.Add(mapNode, path + ".map", "map applies to a column; write the mapped constant as the value instead");

        var spec = new FieldSpec(path, targetName, constant, valueNode, mapNode as YamlMappingNode, keepUnmapped, zeroPad);
        if (mapNode is not null and not YamlMappingNode)
            p.Add(mapNode, path + ".map", "expected a table of source value: canonical value (use ~ for 'set nothing')");

        CellSetter? setter = target.Kind switch
        {
            TargetKind.Text or TargetKind.Containers => Compose(p, spec, Parsers.Text, (Action<CsvRow, string>)target.Assign),
            TargetKind.Decimal when unit is not null => Compose(p, spec, Parsers.Decimal(settings), WithUnit((Action<CsvRow, decimal>)target.Assign, unit)),
            TargetKind.Decimal => Compose(p, spec, Parsers.Decimal(settings), (Action<CsvRow, decimal>)target.Assign),
            TargetKind.Integer => Compose(p, spec, Parsers.Integer(targetName), (Action<CsvRow, int>)target.Assign),
            TargetKind.Date => Compose(p, spec, Parsers.Date(formats ?? DefaultDateFormats, settings.UtcOffset), (Action<CsvRow, DateTimeOffset>)target.Assign),
            TargetKind.Classification => Compose(p, spec, Parsers.Classification(scheme ?? "HS", edition), (Action<CsvRow, Classification>)target.Assign),
            _ => null,
        };
        if (setter is null || p.Errors.Count > errorsBefore) return null;
        return new CompiledField
        {
            Target = target,
            Column = column,
            YamlLine = Line(f),
            Required = required,
            Set = setter,
            SourceName = column ?? $"constant '{constant}' ({p.File} line {Line(valueNode!)})",
        };
    }

    private static Action<CsvRow, decimal> WithUnit(Action<CsvRow, decimal> assign, string unit) => (r, v) =>
    {
        assign(r, v);
        r.QuantityUnit = unit;
    };

    private sealed record FieldSpec(string Path, string Target, string? Constant, YamlNode? ConstantNode, YamlMappingNode? Map, bool KeepUnmapped, int ZeroPad);

    private readonly record struct Mapped<T>(bool HasValue, T Value);

    private static CellSetter? Compose<T>(Problems p, FieldSpec spec, Parser<T> parser, Action<CsvRow, T> assign)
    {
        if (spec.Constant is { } constantText)
        {
            if (!parser.TryParse(constantText, out var constant))
            {
                p.Add(spec.ConstantNode, spec.Path + ".value", $"expected {parser.Expectation} for '{spec.Target}', got '{constantText}'");
                return null;
            }
            return (_, row) => assign(row, constant);
        }

        var read = parser.Read;
        CellSetter setter = (cell, row) =>
        {
            if (read(cell, row, out var value)) assign(row, value);
        };

        if (spec.Map is { } mapNode)
        {
            var map = new Dictionary<string, Mapped<T>>(StringComparer.Ordinal);
            foreach (var (keyNode, valueNode) in mapNode.Children)
            {
                var key = (keyNode as YamlScalarNode)?.Value;
                if (key is null || keyNode is not YamlScalarNode)
                {
                    p.Add(keyNode, spec.Path + ".map", "expected a source value as the key");
                    continue;
                }
                if (IsNull(valueNode))
                {
                    map[key] = new Mapped<T>(false, default!);
                }
                else if (valueNode is YamlScalarNode { Value: { } text } && parser.TryParse(text, out var mapped))
                {
                    map[key] = new Mapped<T>(true, mapped);
                }
                else
                {
                    p.Add(valueNode, $"{spec.Path}.map.{key}", $"expected {parser.Expectation} for '{spec.Target}' (or ~ for 'set nothing'), got '{(valueNode as YamlScalarNode)?.Value ?? valueNode.NodeType.ToString()}'");
                }
            }
            var lookup = map.GetAlternateLookup<ReadOnlySpan<char>>();
            var known = string.Join(", ", map.Keys.Take(20)) + (map.Count > 20 ? ", ..." : "");
            var keep = spec.KeepUnmapped;
            var inner = setter;
            setter = (cell, row) =>
            {
                if (lookup.TryGetValue(cell, out var entry))
                {
                    if (entry.HasValue) assign(row, entry.Value);
                }
                else if (keep) inner(cell, row);
                else row.Fail($"'{Parsers.Clip(cell)}' is not in the mapping's value map (known: {known})");
            };
        }

        if (spec.ZeroPad > 0)
        {
            var width = spec.ZeroPad;
            var unpadded = setter;
            setter = (cell, row) =>
            {
                if (cell.Length >= width)
                {
                    unpadded(cell, row);
                    return;
                }
                Span<char> padded = stackalloc char[width];
                var pad = width - cell.Length;
                padded[..pad].Fill('0');
                cell.CopyTo(padded[pad..]);
                unpadded(padded, row);
            };
        }
        return setter;
    }

    private static LabelColumns? ParseLabels(Problems p, YamlMappingNode root, CsvSettings settings)
    {
        if (!root.Children.TryGetValue(new YamlScalarNode("labels"), out var node)) return null;
        if (node is not YamlMappingNode labels)
        {
            p.Add(node, "labels", "expected the label columns: fraud, critical-fraud, revenue");
            return null;
        }
        p.OnlyKeys(labels, "labels", LabelKeys);
        var fraud = LabelColumn(p, labels, "fraud", settings, out var fraudNode);
        var critical = LabelColumn(p, labels, "critical-fraud", settings, out var criticalNode);
        var revenue = LabelColumn(p, labels, "revenue", settings, out _);
        if (fraud is null)
        {
            if (critical is not null || revenue is not null)
                p.Add(labels, "labels.fraud", "labels need the fraud column (critical-fraud and revenue complete it)");
            return null;
        }
        string[] yes = ["1", "Y", "YES", "TRUE", "T"], no = ["0", "N", "NO", "FALSE", "F"];
        if (fraudNode is YamlMappingNode fm)
        {
            p.OnlyKeys(fm, "labels.fraud", ["column", "fraud-values", "not-fraud-values"]);
            if (fm.Children.TryGetValue(new YamlScalarNode("fraud-values"), out var v)) yes = p.TextList(v, "labels.fraud.fraud-values") ?? yes;
            if (fm.Children.TryGetValue(new YamlScalarNode("not-fraud-values"), out var n)) no = p.TextList(n, "labels.fraud.not-fraud-values") ?? no;
        }
        var criticalValues = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        if (critical is not null)
        {
            if (criticalNode is YamlMappingNode cm)
            {
                p.OnlyKeys(cm, "labels.critical-fraud", ["column", "critical-values"]);
                if (cm.Children.TryGetValue(new YamlScalarNode("critical-values"), out var cv))
                    criticalValues.UnionWith(p.TextList(cv, "labels.critical-fraud.critical-values") ?? []);
            }
            if (criticalValues.Count == 0)
                p.Add(criticalNode, "labels.critical-fraud", "critical-fraud needs critical-values: the value(s) of the column that mean critical (KCS: 2)");
        }
        return new LabelColumns
        {
            Fraud = fraud,
            FraudValues = new HashSet<string>(yes, StringComparer.OrdinalIgnoreCase),
            NotFraudValues = new HashSet<string>(no.Append(""), StringComparer.OrdinalIgnoreCase),
            Critical = critical,
            CriticalValues = criticalValues,
            Revenue = revenue,
        };
    }

    private static string? LabelColumn(Problems p, YamlMappingNode labels, string key, CsvSettings settings, out YamlNode? node)
    {
        if (!labels.Children.TryGetValue(new YamlScalarNode(key), out node)) return null;
        var path = "labels." + key;
        return node switch
        {
            YamlScalarNode => ColumnName(p, node, path, settings),
            YamlMappingNode m when m.Children.TryGetValue(new YamlScalarNode("column"), out var c) => ColumnName(p, c, path + ".column", settings),
            _ => p.Add(node, path, $"expected the column of the {key} label: a name, or {{ column: ... }}"),
        };
    }

    private static void CrossCheck(Problems p, List<FieldDraft> fields, List<string> groupBy, LabelColumns? labels)
    {
        var targets = fields.Select(f => f.Compiled!.Target.Name).ToHashSet(StringComparer.Ordinal);
        foreach (var f in fields)
        {
            var name = f.Compiled!.Target.Name;
            if (name is "item.price" or "item.customs-value" && !targets.Contains("item.currency"))
                p.Add(f.Node, f.Path, $"{name} is an amount and needs item.currency (a column, or a constant value such as EUR)");
            if (labels is not null && f.Compiled.Column is { } column && labels.Columns.Contains(column))
                p.Add(f.Node, f.Path, $"column '{column}' is a label column; labels never go into the declaration");
        }
        if (labels is not null)
        {
            foreach (var column in groupBy.Where(labels.Columns.Contains))
                p.Add(null, "group-by", $"column '{column}' is a label column; labels never go into the declaration or its key");
        }
    }

    private static string? ColumnName(Problems p, YamlNode node, string path, CsvSettings settings)
    {
        if (node is not YamlScalarNode { Value: { Length: > 0 } name } || IsNull(node))
            return p.Add(node, path, "expected a column name from the CSV header");
        name = name.Trim();
        if (!settings.HasHeader && !(int.TryParse(name, NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n >= 1))
            return p.Add(node, path, $"the file has no header row (csv.header: false), so columns are numbered from 1; got '{name}'");
        return name;
    }

    private static string? ConstantText(Problems p, YamlNode node, string path)
    {
        if (node is YamlScalarNode { Value: { Length: > 0 } text } && !IsNull(node)) return text;
        return p.Add(node, path, "expected a constant value");
    }

    private static bool IsNull(YamlNode node) =>
        node is YamlScalarNode { Style: not (YamlDotNet.Core.ScalarStyle.SingleQuoted or YamlDotNet.Core.ScalarStyle.DoubleQuoted) } s
        && s.Value is null or "" or "~" or "null" or "Null" or "NULL";

    private static string UnknownTarget(string name)
    {
        if (name.StartsWith("party.", StringComparison.Ordinal))
        {
            var parts = name.Split('.');
            if (parts.Length == 3 && !CsvTargets.Roles.ContainsKey(parts[1]))
                return $"unknown party role '{parts[1]}'; expected one of {string.Join(", ", CsvTargets.Roles.Keys)}";
        }
        var nearest = CsvTargets.All.Keys.MinBy(k => EditDistance.Between(k, name));
        var hint = nearest is not null && EditDistance.Between(nearest, name) <= 3 ? $"did you mean '{nearest}'? " : "";
        return $"unknown target '{name}'; {hint}targets are declaration.*, party.<role>.*, shipment.*, transport.*, container.id, item.*, national.<name> (see docs/formats/csv-mapping.md)";
    }

    internal static long Line(YamlNode? node) => node is null ? 1 : node.Start.Line;

    private sealed class Problems(string file)
    {
        public string File { get; } = file;

        public List<IngestError> Errors { get; } = [];

        public string? Add(YamlNode? node, string path, string message)
        {
            Errors.Add(new IngestError(File, Line(node), path, message));
            return null;
        }

        public void OnlyKeys(YamlMappingNode node, string path, string[] allowed)
        {
            foreach (var key in node.Children.Keys)
            {
                var name = (key as YamlScalarNode)?.Value ?? "";
                if (allowed.Contains(name)) continue;
                var nearest = allowed.MinBy(a => EditDistance.Between(a, name))!;
                var hint = EditDistance.Between(nearest, name) <= 2 ? $"did you mean '{nearest}'? " : "";
                Add(key, path.Length == 0 ? name : $"{path}.{name}", $"unknown key '{name}'; {hint}expected {string.Join(", ", allowed)}");
            }
        }

        public string? OptionalText(YamlMappingNode node, string key, string path)
        {
            if (!node.Children.TryGetValue(new YamlScalarNode(key), out var value) || IsNull(value)) return null;
            if (value is YamlScalarNode { Value: { } text }) return text;
            return Add(value, Join(path, key), "expected a single value");
        }

        public string? RequiredText(YamlMappingNode node, string key, string path)
        {
            if (!node.Children.TryGetValue(new YamlScalarNode(key), out var value))
                return Add(node, Join(path, key), $"'{key}' is missing");
            if (value is not YamlScalarNode scalar)
                return Add(value, Join(path, key), "expected a single value");
            if (IsNull(value) || string.IsNullOrWhiteSpace(scalar.Value))
                return Add(value, Join(path, key), $"'{key}' is empty");
            return scalar.Value;
        }

        public bool? OptionalBool(YamlMappingNode node, string key, string path)
        {
            var text = OptionalText(node, key, path);
            switch (text?.ToLowerInvariant())
            {
                case null: return null;
                case "true" or "yes" or "on": return true;
                case "false" or "no" or "off": return false;
                default:
                    Add(node.Children[new YamlScalarNode(key)], Join(path, key), $"expected true or false, got '{text}'");
                    return null;
            }
        }

        public string[]? TextList(YamlNode node, string path)
        {
            switch (node)
            {
                case YamlScalarNode { Value: { Length: > 0 } one }:
                    return [one];
                case YamlSequenceNode seq when seq.Children.All(c => c is YamlScalarNode { Value: not null }) && seq.Children.Count > 0:
                    return seq.Children.Select(c => ((YamlScalarNode)c).Value!).ToArray();
                default:
                    Add(node, path, "expected a value or a list of values");
                    return null;
            }
        }

        private static string Join(string path, string key) => path.Length == 0 ? key : $"{path}.{key}";
    }
}
