using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;
using Entente.Declarations;

namespace Entente.Ingest.Json;

/// <summary>
/// Reads declarations in Entente's canonical JSON (docs/formats/json.md, docs/declaration.schema.json): one object,
/// a top-level array of objects, or NDJSON (one object per line). Streams one element at a time; a broken element
/// becomes a record with an error (JSON pointer and line) and the next one is still read.
/// </summary>
public sealed class JsonDeclarationReader : IDeclarationReader
{
    /// <summary>Deepest nesting accepted; the canonical declaration needs about eight levels.</summary>
    public const int MaxDepth = 32;

    /// <summary>Largest single element (declaration) accepted, in bytes.</summary>
    public const int MaxElementBytes = 16 << 20;

    /// <summary>Properties the canonical model cannot do without; the schema lists the same ones as required.</summary>
    internal static readonly IReadOnlyDictionary<Type, string[]> RequiredProperties = new Dictionary<Type, string[]>
    {
        [typeof(Party)] = ["role"],
        [typeof(GoodsItem)] = ["sequence"],
        [typeof(Classification)] = ["scheme", "code"],
        [typeof(Amount)] = ["value", "currency"],
        [typeof(Quantity)] = ["value"],
        [typeof(Container)] = ["id"],
        [typeof(Finding)] = ["code", "path", "message"],
    };

    internal static readonly JsonTypeInfo<Declaration> TypeInfo = CreateTypeInfo();

    public DeclarationFormat Format => DeclarationFormat.Json;

    public IEnumerable<SourceRecord> Read(Stream stream, string fileName, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentNullException.ThrowIfNull(fileName);
        return ReadRecords(stream, fileName, cancellationToken);
    }

    private static IEnumerable<SourceRecord> ReadRecords(Stream stream, string fileName, CancellationToken cancellationToken)
    {
        var splitter = new JsonSplitter(stream, fileName);
        while (splitter.TryNext(out var slice))
        {
            cancellationToken.ThrowIfCancellationRequested();
            yield return ToRecord(splitter.Buffer.AsSpan(slice.Offset, slice.Length), slice, fileName);
        }
    }

    private static SourceRecord ToRecord(ReadOnlySpan<byte> json, JsonSlice slice, string fileName)
    {
        var record = new SourceRecord { File = fileName, Line = slice.Line, RecordPath = slice.RecordPath };
        if (slice.Error is { } error)
        {
            record.AddError("", error);
            return record;
        }
        if (json[0] != (byte)'{')
        {
            record.AddError("", $"expected a declaration object '{{...}}', got {What(json)}");
            return record;
        }
        if (slice.Depth > MaxDepth)
        {
            record.AddError("", $"the element is nested {slice.Depth} levels deep; at most {MaxDepth} are accepted");
            return record;
        }
        // A read with party data withheld, saved and sent back, is not a declaration.
        foreach (var (pointer, message) in WithheldPlaceholders.Find(json)) record.AddError(pointer, message);
        if (record.Errors.Count > 0) return record;
        try
        {
            record.Declaration = JsonSerializer.Deserialize(json, TypeInfo);
        }
        catch (JsonException e)
        {
            record.AddError(JsonErrors.Pointer(e.Path), JsonErrors.Describe(e), slice.Line + (e.LineNumber ?? 0));
            return record;
        }
        if (slice.MultiLine)
        {
            var copy = json.ToArray();
            var line = slice.Line;
            record.Locate = pointer => new SourceLocation(line + (JsonErrors.LineOf(copy, pointer) ?? 0), pointer);
        }
        else
        {
            var line = slice.Line;
            record.Locate = pointer => new SourceLocation(line, pointer);
        }
        return record;
    }

    private static string What(ReadOnlySpan<byte> json)
    {
        try
        {
            var reader = new Utf8JsonReader(json);
            reader.Read();
            return reader.TokenType switch
            {
                JsonTokenType.StartArray => "an array",
                JsonTokenType.String => "a string",
                JsonTokenType.Number => "a number",
                JsonTokenType.True or JsonTokenType.False => "a boolean",
                JsonTokenType.Null => "null",
                _ => "something else",
            };
        }
        catch (JsonException)
        {
            return "text that is not JSON";
        }
    }

    private static JsonTypeInfo<Declaration> CreateTypeInfo()
    {
        var options = new JsonSerializerOptions(EntenteJson.Options)
        {
            RespectNullableAnnotations = true,
            AllowDuplicateProperties = false,
            MaxDepth = MaxDepth,
        };
        // Enum values are names only: "importer", not 0 or "0".
        options.Converters.Clear();
        options.Converters.Add(new JsonStringEnumConverter(JsonNamingPolicy.KebabCaseLower, allowIntegerValues: false));
        options.TypeInfoResolver = options.TypeInfoResolver!.WithAddedModifier(static info =>
        {
            if (!RequiredProperties.TryGetValue(info.Type, out var required)) return;
            foreach (var property in info.Properties)
            {
                if (required.Contains(property.Name)) property.IsRequired = true;
            }
        });
        options.MakeReadOnly();
        return (JsonTypeInfo<Declaration>)options.GetTypeInfo(typeof(Declaration));
    }
}
