using System.Globalization;
using System.Security.Cryptography;
using System.Text.Json.Nodes;
using Entente.Agreements;

namespace Entente.Assistance;

/// <summary>The messages of a mutual-assistance conversation (docs/assistance.md, "Messages").</summary>
public enum AssistanceMessageKind { Request, Acknowledgement, Answer, Decline, Withdrawal }

/// <summary>
/// One move of a mutual-assistance request as it travels between the applicant and the requested authority.
/// <see cref="Payload"/> is the JSON that crosses the border: <c>{"request": {...}}</c> for a
/// <see cref="AssistanceMessageKind.Request"/> or <see cref="AssistanceMessageKind.Withdrawal"/>, <c>{"answer": {...}}</c>
/// for the others, so that the agreements' field rules ("/request", "/answer") cover all of it.
/// </summary>
public sealed record AssistanceMessage(
    AssistanceMessageKind Kind,
    string RequestId,
    string From,
    string To,
    string AgreementId,
    Purpose Purpose,
    JsonObject Payload,
    DateTimeOffset At)
{
    /// <summary>The data category the message travels under: assistance-requests or assistance-answers.</summary>
    public DataCategory Category => CategoryOf(Kind);

    /// <summary>The one top-level member of <see cref="Payload"/>: "request" or "answer".</summary>
    public string PayloadMember => MemberOf(Kind);

    /// <summary>The field path the agreements' rules must disclose for this message ("/request" or "/answer").</summary>
    public string FieldPath => "/" + PayloadMember;

    /// <summary>"sha256:" + hex over the canonical JSON of the whole message: two deliveries of one message have the same digest.</summary>
    public string Digest => "sha256:" + Convert.ToHexStringLower(SHA256.HashData(AssistanceText.Canonical(ToJson())));

    public static DataCategory CategoryOf(AssistanceMessageKind kind) =>
        kind is AssistanceMessageKind.Request or AssistanceMessageKind.Withdrawal ? DataCategory.AssistanceRequests : DataCategory.AssistanceAnswers;

    public static string MemberOf(AssistanceMessageKind kind) =>
        kind is AssistanceMessageKind.Request or AssistanceMessageKind.Withdrawal ? "request" : "answer";

    /// <summary>The message as stored and as a transport may carry it whole.</summary>
    public JsonObject ToJson() => new()
    {
        ["kind"] = PolicyEngine.Name(Kind),
        ["requestId"] = RequestId,
        ["from"] = From,
        ["to"] = To,
        ["agreementId"] = AgreementId,
        ["purpose"] = PolicyEngine.Name(Purpose),
        ["payload"] = Payload.DeepClone(),
        ["at"] = AssistanceText.Time(At),
    };

    /// <summary>Reads <see cref="ToJson"/>'s shape back; throws <see cref="AssistanceException"/> naming the field.</summary>
    public static AssistanceMessage FromJson(JsonObject json)
    {
        var problems = new List<AssistanceProblem>();
        var kindText = AssistanceText.String(json, "kind", "", problems, 40);
        AssistanceMessageKind kind = default;
        if (kindText is not null && !AgreementDocument.TryEnum(kindText, out kind))
            problems.Add(new("/kind", $"expected {AgreementDocument.Names<AssistanceMessageKind>()}, got '{kindText}'"));
        var requestId = AssistanceText.String(json, "requestId", "", problems, AssistanceText.MaxId);
        var from = AssistanceText.String(json, "from", "", problems, AssistanceText.MaxCode);
        var to = AssistanceText.String(json, "to", "", problems, AssistanceText.MaxCode);
        var agreementId = AssistanceText.String(json, "agreementId", "", problems, AssistanceText.MaxId);
        var purpose = AssistanceText.PurposeOf(json, "purpose", "", problems);
        var at = AssistanceText.TimeOf(json, "at", "", problems, required: true);
        if (json["payload"] is not JsonObject payload)
        {
            problems.Add(new("/payload", "expected an object"));
            payload = [];
        }
        AssistanceException.ThrowIf(AssistanceError.Invalid, problems);
        return new AssistanceMessage(kind, requestId!, from!, to!, agreementId!, purpose!.Value, (JsonObject)payload.DeepClone(), at!.Value);
    }
}

/// <summary>Reading and writing the fields of assistance payloads, with pointers to the field at fault.</summary>
internal static class AssistanceText
{
    public const int MaxId = 100;
    public const int MaxCode = 20;
    public const int MaxShort = 200;
    public const int MaxLong = 20_000;
    public const int MaxItems = 1_000;

    public static string Time(DateTimeOffset t) => t.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fffffff'Z'", CultureInfo.InvariantCulture);

    public static string? String(JsonObject obj, string name, string at, List<AssistanceProblem> problems, int max, bool required = true)
    {
        var node = obj[name];
        if (node is null)
        {
            if (required) problems.Add(new($"{at}/{name}", "required"));
            return null;
        }
        if (node is not JsonValue v || !v.TryGetValue<string>(out var s))
        {
            problems.Add(new($"{at}/{name}", "expected a string"));
            return null;
        }
        if (required && string.IsNullOrWhiteSpace(s))
        {
            problems.Add(new($"{at}/{name}", "expected a non-empty text"));
            return null;
        }
        if (s.Length > max)
        {
            problems.Add(new($"{at}/{name}", $"at most {max} characters"));
            return null;
        }
        return s;
    }

    public static Purpose? PurposeOf(JsonObject obj, string name, string at, List<AssistanceProblem> problems)
    {
        var text = String(obj, name, at, problems, 40);
        if (text is null) return null;
        if (AgreementDocument.TryEnum<Purpose>(text, out var p)) return p;
        problems.Add(new($"{at}/{name}", $"expected one of {AgreementDocument.Names<Purpose>()}, got '{text}'"));
        return null;
    }

    public static DateTimeOffset? TimeOf(JsonObject obj, string name, string at, List<AssistanceProblem> problems, bool required)
    {
        var text = String(obj, name, at, problems, 40, required);
        if (text is null) return null;
        if (DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var t)) return t;
        problems.Add(new($"{at}/{name}", $"expected an ISO 8601 time (2026-06-15T10:00:00Z), got '{text}'"));
        return null;
    }

    public static List<string> Strings(JsonObject obj, string name, string at, List<AssistanceProblem> problems, int maxLength)
    {
        var list = new List<string>();
        var node = obj[name];
        if (node is null) return list;
        if (node is not JsonArray array)
        {
            problems.Add(new($"{at}/{name}", "expected an array of strings"));
            return list;
        }
        if (array.Count > MaxItems)
        {
            problems.Add(new($"{at}/{name}", $"at most {MaxItems} items"));
            return list;
        }
        for (var i = 0; i < array.Count; i++)
        {
            if (array[i] is JsonValue v && v.TryGetValue<string>(out var s) && !string.IsNullOrWhiteSpace(s) && s.Length <= maxLength) list.Add(s);
            else problems.Add(new($"{at}/{name}/{i}", $"expected a non-empty string of at most {maxLength} characters"));
        }
        return list;
    }

    /// <summary>UTF-8 JSON with object members sorted by name at every depth and no white space.</summary>
    public static byte[] Canonical(JsonNode node) => Common.SortedJson.Serialize(node);

    public static JsonArray Array(IEnumerable<string> items) => new(items.Select(s => (JsonNode)s).ToArray());
}
