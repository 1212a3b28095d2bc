using System.Buffers;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;

namespace Entente.Declarations;

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

    // The source generator's straight-line writer for a declaration, run on a writer with Entente's encoder: the same
    // bytes as the serialiser with Options (the enums carry their kebab-case names), in about half the time, which
    // is a sixth of what ingest does per declaration on its reading thread.
    private static readonly Action<Utf8JsonWriter, Declaration> WriteDeclaration = CanonicalJsonContext.Default.Declaration.SerializeHandler
        ?? throw new InvalidOperationException("the canonical JSON context has no generated writer for Declaration");

    private static readonly JsonWriterOptions WriterOptions = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping, SkipValidation = true };

    [ThreadStatic]
    private static (ArrayBufferWriter<byte> Buffer, Utf8JsonWriter Writer)? _threadWriter;

    public static string Serialize(Declaration declaration) => Encoding.UTF8.GetString(SerializeToUtf8(declaration));

    public static byte[] SerializeToUtf8(Declaration declaration) => SerializeToThreadBuffer(declaration).ToArray();

    /// <summary>
    /// The canonical JSON of the declaration in this thread's buffer: valid until the thread serialises another, for a
    /// caller that copies it where it goes.
    /// </summary>
    internal static ReadOnlySpan<byte> SerializeToThreadBuffer(Declaration declaration)
    {
        ArgumentNullException.ThrowIfNull(declaration);
        // A rare huge declaration does not keep its buffer for the rest of the thread's life.
        if (_threadWriter is { } current && current.Buffer.Capacity > 1 << 20) _threadWriter = null;
        var (buffer, writer) = _threadWriter ??= CreateWriter();
        buffer.ResetWrittenCount();
        writer.Reset(buffer);
        WriteDeclaration(writer, declaration);
        writer.Flush();
        return buffer.WrittenSpan;
    }

    private static (ArrayBufferWriter<byte>, Utf8JsonWriter) CreateWriter()
    {
        var buffer = new ArrayBufferWriter<byte>(4096);
        return (buffer, new Utf8JsonWriter(buffer, WriterOptions));
    }

    public static Declaration Deserialize(string json) =>
        JsonSerializer.Deserialize(json, DeclarationInfo) ?? throw new JsonException("null is not a declaration");

    public static Declaration Deserialize(ReadOnlySpan<byte> utf8) =>
        JsonSerializer.Deserialize(utf8, DeclarationInfo) ?? throw new JsonException("null is not a declaration");
}
