using System.Collections;
using System.Reflection;
using System.Text.Json;
using System.Text.Json.Nodes;
using Entente.Declarations;
using Entente.Ingest.Json;
using Entente.Tests.Support;
using Json.Schema;
using static Entente.Tests.Ingest.Json.SampleDeclarations;

namespace Entente.Tests.Ingest.Json;

/// <summary>docs/declaration.schema.json is written by hand; these tests keep it in step with Declaration.cs.</summary>
public class DeclarationSchemaTests
{
    private static readonly string SchemaPath = Path.Combine(SharedData.RepositoryRoot, "docs", "declaration.schema.json");
    private static readonly JsonNode Schema = JsonNode.Parse(File.ReadAllText(SchemaPath))!;
    private static readonly Lazy<JsonSchema> Compiled = new(() => JsonSchema.FromFile(SchemaPath));

    private static JsonObject Resolve(JsonNode node)
    {
        if (node["$ref"]?.GetValue<string>() is { } reference)
            return Resolve(Schema["$defs"]![reference["#/$defs/".Length..]]!);
        if (node["anyOf"] is JsonArray anyOf)
            return Resolve(anyOf.First(n => n!["$ref"] is not null)!);
        return node.AsObject();
    }

    /// <summary>Every property path the schema defines ("goodsShipment.goodsItems[].classification.code"), and the maps whose keys are data.</summary>
    private static (SortedSet<string> Paths, HashSet<string> Maps) SchemaPaths()
    {
        var paths = new SortedSet<string>(StringComparer.Ordinal);
        var maps = new HashSet<string>(StringComparer.Ordinal);
        void Walk(JsonObject schema, string prefix)
        {
            if (schema["items"] is JsonNode items)
            {
                Walk(Resolve(items), prefix + "[]");
                return;
            }
            if (schema["properties"] is not JsonObject properties)
            {
                if (schema["additionalProperties"] is JsonObject) maps.Add(prefix);
                return;
            }
            foreach (var (name, property) in properties)
            {
                var path = prefix.Length == 0 ? name : $"{prefix}.{name}";
                paths.Add(path);
                Walk(Resolve(property!), path);
            }
        }
        Walk(Resolve(Schema), "");
        return (paths, maps);
    }

    private static SortedSet<string> WrittenPaths(string json, HashSet<string> maps)
    {
        var paths = new SortedSet<string>(StringComparer.Ordinal);
        void Walk(JsonElement element, string prefix)
        {
            if (element.ValueKind == JsonValueKind.Array)
            {
                foreach (var item in element.EnumerateArray()) Walk(item, prefix + "[]");
            }
            else if (element.ValueKind == JsonValueKind.Object && !maps.Contains(prefix))
            {
                foreach (var property in element.EnumerateObject())
                {
                    var path = prefix.Length == 0 ? property.Name : $"{prefix}.{property.Name}";
                    paths.Add(path);
                    Walk(property.Value, path);
                }
            }
        }
        using var document = JsonDocument.Parse(json);
        Walk(document.RootElement, "");
        return paths;
    }

    private static EvaluationResults Evaluate(string json)
    {
        var schema = Compiled.Value;
        using var document = JsonDocument.Parse(json);
        return schema.Evaluate(document.RootElement, new EvaluationOptions { OutputFormat = OutputFormat.List });
    }

    [Fact]
    public void The_sample_sets_every_property_of_the_model()
    {
        var unset = new List<string>();
        void Walk(object value, string path)
        {
            foreach (var property in value.GetType().GetProperties(BindingFlags.Public | BindingFlags.Instance).Where(p => p.CanWrite && p.GetIndexParameters().Length == 0))
            {
                var child = property.GetValue(value);
                var at = $"{path}.{property.Name}";
                switch (child)
                {
                    case null or "":
                        unset.Add(at);
                        break;
                    case string or ValueType:
                        break;
                    case IDictionary { Count: 0 } or IList { Count: 0 }:
                        unset.Add(at);
                        break;
                    case IDictionary:
                        break;
                    case IList list:
                        foreach (var item in list)
                        {
                            if (item is not string) Walk(item!, at + "[]");
                        }
                        break;
                    default:
                        Walk(child, at);
                        break;
                }
            }
        }

        Walk(FullyPopulated(), "Declaration");

        Assert.Empty(unset);
    }

    [Fact]
    public void Names_exactly_the_properties_the_serializer_writes()
    {
        var (schemaPaths, maps) = SchemaPaths();

        var written = WrittenPaths(ToJson(FullyPopulated()), maps);

        Assert.Equal(["nationalData"], maps);
        Assert.Empty(written.Except(schemaPaths));
        Assert.Empty(schemaPaths.Except(written));
    }

    [Fact]
    public void Accepts_a_fully_populated_declaration_and_one_with_only_what_is_required()
    {
        Assert.True(Evaluate(ToJson(FullyPopulated())).IsValid);
        Assert.True(Evaluate(ToJson(Valid("A"))).IsValid);
        Assert.True(Evaluate("{}").IsValid);
    }

    [Theory]
    [InlineData("""{"lrn":"A","vatNumber":"1"}""", "")]
    [InlineData("""{"status":"5"}""", "/status")]
    [InlineData("""{"parties":[{"role":"shipper"}]}""", "/parties/0/role")]
    [InlineData("""{"parties":[{"id":"X"}]}""", "/parties/0")]
    [InlineData("""{"goodsShipment":{"goodsItems":[{"sequence":1,"netMassKg":"heavy"}]}}""", "/goodsShipment/goodsItems/0/netMassKg")]
    [InlineData("""{"goodsShipment":{"goodsItems":[{"sequence":1,"classification":{"code":"01"}}]}}""", "/goodsShipment/goodsItems/0/classification")]
    [InlineData("""{"nationalData":{"x":1}}""", "/nationalData/x")]
    public void Refuses_what_the_reader_refuses(string json, string where)
    {
        var results = Evaluate(json);

        Assert.False(results.IsValid);
        Assert.Contains(results.Details!, d => !d.IsValid && d.InstanceLocation.ToString() == where);
        Assert.NotEmpty(Assert.Single(new JsonDeclarationReader().Read(new MemoryStream(System.Text.Encoding.UTF8.GetBytes(json)), "x.json")).Errors);
    }

    [Fact]
    public void Lists_every_enum_value_as_the_serializer_writes_it()
    {
        static string[] Written<T>() where T : struct, Enum =>
            Enum.GetValues<T>().Select(v => JsonSerializer.Serialize(v, EntenteJson.Options).Trim('"')).ToArray();
        static string[] Listed(string definition, string property) =>
            Schema["$defs"]![definition]!["properties"]![property]!["enum"]!.AsArray().Select(n => n!.GetValue<string>()).ToArray();

        Assert.Equal(Written<DeclarationStatus>(), Listed("declaration", "status"));
        Assert.Equal(Written<PartyRole>(), Listed("party", "role"));
        Assert.Contains("authorisation-holder", Listed("party", "role"));
    }

    [Fact]
    public void Requires_the_properties_the_reader_requires()
    {
        var required = Schema["$defs"]!.AsObject()
            .Where(d => d.Value!["required"] is not null)
            .ToDictionary(d => d.Key, d => d.Value!["required"]!.AsArray().Select(n => n!.GetValue<string>()).ToArray());

        var expected = JsonDeclarationReader.RequiredProperties
            .ToDictionary(r => JsonNamingPolicy.CamelCase.ConvertName(r.Key.Name), r => r.Value);

        Assert.Equal(expected.OrderBy(e => e.Key), required.OrderBy(e => e.Key));
    }
}
