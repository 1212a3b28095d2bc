using System.Text;
using System.Text.Json.Nodes;
using YamlDotNet.RepresentationModel;

namespace Entente.Agreements;

/// <summary>
/// The bytes a party signs. The YAML is read with the YAML 1.2 failsafe schema (every scalar is a string, mappings
/// are objects, sequences are arrays), the top-level "signatures" key is left out, and the result is written as
/// RFC 8785 JSON: object keys sorted by UTF-16 code units, no whitespace, strings escaped only where JSON requires
/// (\" \\ \b \f \n \r \t, other controls as \u00xx), UTF-8. Comments, quoting, flow or block style and key order
/// therefore never change the bytes.
/// </summary>
public static class CanonicalJson
{
    public const int MaxNodes = 100_000;

    /// <summary>The failsafe JSON of a YAML node; throws <see cref="InvalidDataException"/> past <see cref="MaxNodes"/> (aliases can multiply nodes).</summary>
    public static JsonNode FromYaml(YamlNode node, params string[] leaveOutAtTop)
    {
        var budget = MaxNodes;
        return Convert(node, leaveOutAtTop, ref budget);
    }

    private static JsonNode Convert(YamlNode node, string[] leaveOut, ref int budget)
    {
        if (--budget < 0) throw new InvalidDataException($"the document has more than {MaxNodes} nodes");
        switch (node)
        {
            case YamlMappingNode map:
                var obj = new JsonObject();
                foreach (var (key, value) in map.Children)
                {
                    var name = (key as YamlScalarNode)?.Value ?? throw new InvalidDataException($"line {key.Start.Line}: a key must be a plain value");
                    if (leaveOut.Contains(name)) continue;
                    if (obj.ContainsKey(name)) throw new InvalidDataException($"line {key.Start.Line}: the key '{name}' appears twice");
                    obj[name] = Convert(value, [], ref budget);
                }
                return obj;
            case YamlSequenceNode seq:
                var array = new JsonArray();
                foreach (var item in seq.Children) array.Add(Convert(item, [], ref budget));
                return array;
            case YamlScalarNode scalar:
                return JsonValue.Create(scalar.Value ?? "");
            default:
                throw new InvalidDataException($"line {node.Start.Line}: unsupported YAML node");
        }
    }

    public static byte[] Serialize(JsonNode node)
    {
        var text = new StringBuilder();
        Write(node, text);
        return Encoding.UTF8.GetBytes(text.ToString());
    }

    private static void Write(JsonNode? node, StringBuilder text)
    {
        switch (node)
        {
            case null:
                text.Append("null");
                break;
            case JsonObject obj:
                text.Append('{');
                var first = true;
                foreach (var (key, value) in obj.OrderBy(p => p.Key, StringComparer.Ordinal))
                {
                    if (!first) text.Append(',');
                    first = false;
                    WriteString(key, text);
                    text.Append(':');
                    Write(value, text);
                }
                text.Append('}');
                break;
            case JsonArray array:
                text.Append('[');
                for (var i = 0; i < array.Count; i++)
                {
                    if (i > 0) text.Append(',');
                    Write(array[i], text);
                }
                text.Append(']');
                break;
            case JsonValue value when value.TryGetValue<string>(out var s):
                WriteString(s, text);
                break;
            case JsonValue value when value.TryGetValue<bool>(out var b):
                text.Append(b ? "true" : "false");
                break;
            case JsonValue value when value.TryGetValue<long>(out var l):
                text.Append(l.ToString(System.Globalization.CultureInfo.InvariantCulture));
                break;
            default:
                throw new InvalidDataException("canonical agreement JSON holds only strings, objects and arrays");
        }
    }

    private static void WriteString(string s, StringBuilder text)
    {
        text.Append('"');
        foreach (var c in s)
        {
            switch (c)
            {
                case '"': text.Append("\\\""); break;
                case '\\': text.Append("\\\\"); break;
                case '\b': text.Append("\\b"); break;
                case '\f': text.Append("\\f"); break;
                case '\n': text.Append("\\n"); break;
                case '\r': text.Append("\\r"); break;
                case '\t': text.Append("\\t"); break;
                case < ' ': text.Append("\\u").Append(((int)c).ToString("x4", System.Globalization.CultureInfo.InvariantCulture)); break;
                default: text.Append(c); break;
            }
        }
        text.Append('"');
    }
}
