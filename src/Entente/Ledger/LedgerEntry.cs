using System.Globalization;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Entente.Ledger;

/// <summary>Who did what an entry records: the unique user and the authority (administration or unit) they act for.</summary>
public sealed record LedgerActor(string User, string Authority);

/// <summary>
/// One event in the ledger. Its bytes (<see cref="ToBytes"/>) are what the Merkle leaf hashes: canonical JSON,
/// <c>{"actor":{"authority":..,"user":..},"at":"yyyy-MM-ddTHH:mm:ss.fffffffZ","body":{..},"kind":..}</c>, object members
/// sorted by name at every depth, no white space.
/// </summary>
public sealed record LedgerEntry(string Kind, DateTimeOffset At, LedgerActor Actor, JsonObject Body)
{
    private static readonly JsonWriterOptions WriterOptions = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping, Indented = false };

    /// <summary>An entry stamped with the time <paramref name="time"/> gives now.</summary>
    public static LedgerEntry Now(TimeProvider time, string kind, LedgerActor actor, JsonObject body) =>
        new(kind, time.GetUtcNow(), actor, body);

    /// <summary>The canonical bytes; throws <see cref="ArgumentException"/> when the kind or actor is not valid.</summary>
    public byte[] ToBytes()
    {
        if (!LedgerKinds.IsValid(Kind)) throw new ArgumentException($"ledger entry kind '{Kind}': expected lowercase words joined by hyphens (e.g. {LedgerKinds.PolicyDecision})");
        if (string.IsNullOrWhiteSpace(Actor.User)) throw new ArgumentException("ledger entry actor.user: expected the unique name of who acted");
        if (string.IsNullOrWhiteSpace(Actor.Authority)) throw new ArgumentException("ledger entry actor.authority: expected the authority the user acts for");
        using var stream = new MemoryStream();
        using (var writer = new Utf8JsonWriter(stream, WriterOptions))
        {
            writer.WriteStartObject();
            writer.WriteStartObject("actor");
            writer.WriteString("authority", Actor.Authority);
            writer.WriteString("user", Actor.User);
            writer.WriteEndObject();
            writer.WriteString("at", At.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fffffff'Z'", CultureInfo.InvariantCulture));
            writer.WritePropertyName("body");
            Common.SortedJson.Write(writer, Body);
            writer.WriteString("kind", Kind);
            writer.WriteEndObject();
        }
        return stream.ToArray();
    }

    /// <summary>Reads entry bytes back; throws <see cref="JsonException"/> naming the field when they are not an entry.</summary>
    public static LedgerEntry Parse(ReadOnlySpan<byte> bytes)
    {
        var node = JsonNode.Parse(bytes) as JsonObject ?? throw new JsonException("ledger entry: expected a JSON object");
        string Text(JsonNode? n, string path) => n is JsonValue v && v.TryGetValue<string>(out var s) ? s : throw new JsonException($"ledger entry {path}: expected a string");
        var actor = node["actor"] as JsonObject ?? throw new JsonException("ledger entry actor: expected an object");
        var at = Text(node["at"], "at");
        if (!DateTimeOffset.TryParseExact(at, "yyyy-MM-dd'T'HH:mm:ss.fffffff'Z'", CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var when))
            throw new JsonException($"ledger entry at: '{at}' is not a UTC time yyyy-MM-ddTHH:mm:ss.fffffffZ");
        var body = node["body"] as JsonObject ?? throw new JsonException("ledger entry body: expected an object");
        node.Remove("body");
        return new LedgerEntry(Text(node["kind"], "kind"), when, new LedgerActor(Text(actor["user"], "actor.user"), Text(actor["authority"], "actor.authority")), body);
    }
}
