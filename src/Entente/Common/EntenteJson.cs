using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;
using Entente.Declarations;

namespace Entente.Common;

/// <summary>Entente's canonical JSON: camelCase, enums as kebab-case strings, nulls omitted.</summary>
[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    UseStringEnumConverter = true,
    AllowTrailingCommas = false,
    ReadCommentHandling = JsonCommentHandling.Disallow,
    UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
    MaxDepth = 32)]
[JsonSerializable(typeof(Declaration))]
[JsonSerializable(typeof(List<Declaration>))]
internal sealed partial class CanonicalJsonContext : JsonSerializerContext;

public static class EntenteJson
{
    public static JsonSerializerOptions Options { get; } = CreateOptions();

    private static readonly JsonTypeInfo<Declaration> DeclarationInfo = (JsonTypeInfo<Declaration>)Options.GetTypeInfo(typeof(Declaration));

    private static JsonSerializerOptions CreateOptions()
    {
        var options = new JsonSerializerOptions(CanonicalJsonContext.Default.Options)
        {
            // Names in any script stay readable in the stored document; the JSON is data, never embedded in HTML.
            Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        };
        options.Converters.Add(new JsonStringEnumConverter(JsonNamingPolicy.KebabCaseLower));
        options.MakeReadOnly(populateMissingResolver: false);
        return options;
    }

    public static string Serialize(Declaration declaration) => JsonSerializer.Serialize(declaration, DeclarationInfo);

    public static byte[] SerializeToUtf8(Declaration declaration) => JsonSerializer.SerializeToUtf8Bytes(declaration, DeclarationInfo);

    public static Declaration Deserialize(string json) =>
        JsonSerializer.Deserialize(json, DeclarationInfo) ?? throw new JsonException("null is not a declaration");

    public static Declaration Deserialize(ReadOnlySpan<byte> utf8) =>
        JsonSerializer.Deserialize(utf8, DeclarationInfo) ?? throw new JsonException("null is not a declaration");
}
