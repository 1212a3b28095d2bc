using System.Text.Json;
using System.Text.Json.Serialization;
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

    private static JsonSerializerOptions CreateOptions()
    {
        var options = new JsonSerializerOptions(CanonicalJsonContext.Default.Options);
        options.Converters.Add(new JsonStringEnumConverter(JsonNamingPolicy.KebabCaseLower));
        options.MakeReadOnly(populateMissingResolver: false);
        return options;
    }

    public static string Serialize(Declaration declaration) =>
        JsonSerializer.Serialize(declaration, CanonicalJsonContext.Default.Declaration);

    public static byte[] SerializeToUtf8(Declaration declaration) =>
        JsonSerializer.SerializeToUtf8Bytes(declaration, CanonicalJsonContext.Default.Declaration);

    public static Declaration Deserialize(string json) =>
        JsonSerializer.Deserialize(json, CanonicalJsonContext.Default.Declaration)
        ?? throw new JsonException("null is not a declaration");

    public static Declaration Deserialize(ReadOnlySpan<byte> utf8) =>
        JsonSerializer.Deserialize(utf8, CanonicalJsonContext.Default.Declaration)
        ?? throw new JsonException("null is not a declaration");
}
