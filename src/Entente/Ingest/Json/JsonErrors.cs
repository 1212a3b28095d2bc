using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Entente.Declarations;

namespace Entente.Ingest.Json;

/// <summary>Turns System.Text.Json's errors into what a customs integrator can act on: a JSON pointer and plain words.</summary>
internal static partial class JsonErrors
{
    /// <summary>"$.parties[0].address" → "/parties/0/address".</summary>
    public static string Pointer(string? path)
    {
        if (string.IsNullOrEmpty(path) || path == "$") return "";
        var pointer = new StringBuilder();
        var i = path[0] == '$' ? 1 : 0;
        while (i < path.Length)
        {
            if (path[i] == '.')
            {
                var j = i + 1;
                while (j < path.Length && path[j] is not ('.' or '[')) j++;
                pointer.Append('/').Append(Escape(path[(i + 1)..j]));
                i = j;
            }
            else if (path[i] == '[' && i + 1 < path.Length && path[i + 1] == '\'')
            {
                var j = path.IndexOf("']", i + 2, StringComparison.Ordinal);
                if (j < 0) break;
                pointer.Append('/').Append(Escape(path[(i + 2)..j]));
                i = j + 2;
            }
            else if (path[i] == '[')
            {
                var j = path.IndexOf(']', i);
                if (j < 0) break;
                pointer.Append('/').Append(path, i + 1, j - i - 1);
                i = j + 1;
            }
            else
            {
                i++;
            }
        }
        return pointer.ToString();
    }

    public static string Describe(JsonException e)
    {
        var message = e.Message;
        if (UnknownProperty().Match(message) is { Success: true } unknown)
            return $"unknown property '{unknown.Groups["name"].Value}': {Noun(unknown.Groups["type"].Value)} has no such field";
        if (NotConvertible().Match(message) is { Success: true } convert)
            return $"expected {Expectation(convert.Groups["type"].Value)}";
        if (MissingRequired().Match(message) is { Success: true } missing)
            return $"{Noun(missing.Groups["type"].Value)} needs {missing.Groups["names"].Value}";
        if (NullNotAllowed().Match(message) is { Success: true } isNull)
            return $"'{JsonNamingPolicy.CamelCase.ConvertName(isNull.Groups["name"].Value)}' cannot be null";
        if (Duplicate().Match(message) is { Success: true } duplicate)
            return $"property '{duplicate.Groups["name"].Value}' appears twice";
        if (message.StartsWith("Expected depth to be zero at the end of the JSON payload", StringComparison.Ordinal))
            return "the JSON is truncated: an object or array is not closed";
        if (message.Contains("maximum configured depth", StringComparison.Ordinal))
            return $"nested deeper than {JsonDeclarationReader.MaxDepth} levels";
        var cut = message.IndexOf(" Path:", StringComparison.Ordinal);
        if (cut < 0) cut = message.IndexOf(" LineNumber:", StringComparison.Ordinal);
        var text = (cut < 0 ? message : message[..cut]).Replace(" Change the reader options.", "", StringComparison.Ordinal).Trim();
        return "not valid JSON: " + text;
    }

    /// <summary>The 0-based line, within <paramref name="json"/>, of the value a pointer names; null when it is not there.</summary>
    public static long? LineOf(byte[] json, string pointer)
    {
        if (pointer.Length == 0) return 0;
        var segments = pointer[1..].Split('/').Select(s => s.Replace("~1", "/", StringComparison.Ordinal).Replace("~0", "~", StringComparison.Ordinal)).ToArray();
        var reader = new Utf8JsonReader(json, new JsonReaderOptions { MaxDepth = JsonDeclarationReader.MaxDepth + 1 });
        try
        {
            if (!reader.Read()) return null;
            foreach (var segment in segments)
            {
                if (!Enter(ref reader, segment)) return null;
            }
        }
        catch (JsonException)
        {
            return null;
        }
        return json.AsSpan(0, (int)reader.TokenStartIndex).Count((byte)'\n');
    }

    private static bool Enter(ref Utf8JsonReader reader, string segment)
    {
        if (reader.TokenType == JsonTokenType.StartObject)
        {
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                var match = reader.ValueTextEquals(segment);
                reader.Read();
                if (match) return true;
                reader.Skip();
            }
            return false;
        }
        if (reader.TokenType == JsonTokenType.StartArray && int.TryParse(segment, NumberStyles.None, CultureInfo.InvariantCulture, out var index))
        {
            for (var i = 0; reader.Read() && reader.TokenType != JsonTokenType.EndArray; i++)
            {
                if (i == index) return true;
                reader.Skip();
            }
        }
        return false;
    }

    private static string Escape(string segment) => segment.Replace("~", "~0", StringComparison.Ordinal).Replace("/", "~1", StringComparison.Ordinal);

    private static string Noun(string typeName)
    {
        var name = typeName[(typeName.LastIndexOf('.') + 1)..];
        return name switch
        {
            nameof(GoodsShipment) => "the goods shipment",
            nameof(Consignment) => "the consignment",
            nameof(GoodsItem) => "a goods item",
            nameof(DutyTaxFee) => "a duty, tax or fee",
            nameof(TransportMeans) => "a means of transport",
            nameof(Address) or nameof(Amount) => "an " + name.ToLowerInvariant(),
            _ => "a " + name.ToLowerInvariant(),
        };
    }

    private static string Expectation(string typeName)
    {
        if (typeName.StartsWith("System.Nullable`1[", StringComparison.Ordinal)) typeName = typeName["System.Nullable`1[".Length..^1];
        if (typeName.StartsWith("System.Collections.Generic.List`1", StringComparison.Ordinal)) return "an array";
        if (typeName.StartsWith("System.Collections.Generic.Dictionary`2", StringComparison.Ordinal)) return "an object whose values are strings";
        switch (typeName)
        {
            case "System.Int32": return "a whole number";
            case "System.Decimal": return "a number";
            case "System.String": return "a string";
            case "System.Boolean": return "true or false";
            case "System.DateTimeOffset": return "an ISO 8601 date-time such as 2024-05-01T10:00:00+02:00";
        }
        var type = typeof(Declaration).Assembly.GetType(typeName);
        if (type is { IsEnum: true })
            return "one of " + string.Join(", ", Enum.GetNames(type).Select(JsonNamingPolicy.KebabCaseLower.ConvertName));
        return type is null ? typeName : $"an object ({Noun(typeName)})";
    }

    [GeneratedRegex(@"^The JSON property '(?<name>.*)' could not be mapped to any \.NET member contained in type '(?<type>[^']+)'")]
    private static partial Regex UnknownProperty();

    [GeneratedRegex(@"^The JSON value could not be converted to (?<type>\S+)\. Path:")]
    private static partial Regex NotConvertible();

    [GeneratedRegex(@"^JSON deserialization for type '(?<type>[^']+)' was missing required properties(?: including)?: (?<names>.*?)\.?$")]
    private static partial Regex MissingRequired();

    [GeneratedRegex(@"^The (?:property or field|constructor parameter) '(?<name>[^']+)' on type '[^']+' doesn't allow (?:setting )?null values")]
    private static partial Regex NullNotAllowed();

    [GeneratedRegex(@"^Duplicate property '(?<name>[^']+)'")]
    private static partial Regex Duplicate();
}
