using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Entente.Common;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Logging;

namespace Entente.Hosting;

/// <summary>
/// A request the endpoints could not even bind — a query parameter that is not of its type (<c>?limit=abc</c>), a
/// required one missing, a JSON body of the wrong shape (<c>{"found": "yes"}</c>), a body sent as another content type —
/// answered as ProblemDetails that say which field and what was expected, in the one <c>errors</c> shape
/// (<see cref="FieldError"/>). Minimal APIs throw these (RouteHandlerOptions.ThrowOnBadRequest) instead of a bare 400.
/// </summary>
internal sealed partial class BindingProblemHandler(IProblemDetailsService problems, ILogger<BindingProblemHandler> logger) : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext context, Exception exception, CancellationToken cancellationToken)
    {
        if (exception is not BadHttpRequestException bad || Describe(bad) is not { } problem || context.Response.HasStarted) return false;
        var detail = FieldError.Detail(problem.Errors);
        Log.RequestNotBound(logger, context.Request.Method, context.Request.Path, problem.Status, detail);
        context.Response.StatusCode = problem.Status;
        return await problems.TryWriteAsync(new ProblemDetailsContext
        {
            HttpContext = context,
            ProblemDetails = new ProblemDetails
            {
                Status = problem.Status,
                Title = problem.Title,
                Detail = detail,
                Extensions = { ["errors"] = problem.Errors },
            },
        });
    }

    /// <summary>
    /// The answers no endpoint wrote a detail for (status code pages): a body of a content type the endpoint does not
    /// take (415, from routing), no such endpoint (404) or method (405).
    /// </summary>
    public static void Explain(ProblemDetailsContext context)
    {
        var problem = context.ProblemDetails;
        if (problem.Detail is not null || problem.Extensions.ContainsKey("errors")) return;
        var request = context.HttpContext.Request;
        FieldError? error = problem.Status switch
        {
            415 => new("Content-Type", $"'{request.ContentType?.Split(';')[0].Trim()}' is not accepted here; send "
                + (request.Path.Equals(Entente.Exchange.ExchangeWire.MessagesPath, StringComparison.OrdinalIgnoreCase) ? Entente.Exchange.ExchangeWire.MediaType : "application/json")),
            404 when context.HttpContext.GetEndpoint() is null => new("", $"no endpoint {request.Method} {request.Path}; the operations are listed in /openapi/v1.json"),
            405 => new("", $"{request.Method} is not an operation of {request.Path}; the operations are listed in /openapi/v1.json"),
            _ => null,
        };
        if (error is null) return;
        problem.Detail = error.ToString();
        problem.Extensions["errors"] = new[] { error };
    }

    /// <summary>What a binding failure of minimal APIs means for the caller; null for any other bad request (left to the HTTP edge).</summary>
    public static (int Status, string Title, IReadOnlyList<FieldError> Errors)? Describe(BadHttpRequestException bad)
    {
        var message = bad.Message;
        if (bad.InnerException is JsonException json)
            return (400, "Invalid body", [FromJson(json)]);
        if (BindFailed().Match(message) is { Success: true } m)
            return (400, "Invalid parameter", [new FieldError(m.Groups["name"].Value, $"expected {Expected(m.Groups["type"].Value)}, got '{m.Groups["value"].Value}'")]);
        if (NotProvided().Match(message) is { Success: true } r)
        {
            return r.Groups["source"].Value == "body"
                ? (400, "Missing body", [new FieldError("", "a JSON body is required (see the operation in /openapi/v1.json)")])
                : (400, "Missing parameter", [new FieldError(r.Groups["name"].Value, $"required: {Expected(r.Groups["type"].Value)}")]);
        }
        if (ImplicitBody().IsMatch(message))
            return (400, "Missing body", [new FieldError("", "a JSON body is required (see the operation in /openapi/v1.json)")]);
        if (NotJson().Match(message) is { Success: true } c)
            return (415, "Unsupported content type", [new FieldError("Content-Type", $"expected application/json, got '{c.Groups["got"].Value}'")]);
        if (ReadFailed().Match(message) is { Success: true } f)
            return (400, "Invalid body", [new FieldError("", $"the body could not be read as JSON for {f.Groups["name"].Value}")]);
        return null;
    }

    private static FieldError FromJson(JsonException json)
    {
        var pointer = Pointer(json.Path);
        var text = json.Message;
        var cut = text.IndexOf(" Path: ", StringComparison.Ordinal);
        if (cut < 0) cut = text.IndexOf(" LineNumber: ", StringComparison.Ordinal);
        if (cut >= 0) text = text[..cut];
        var message = Converted().Match(text) is { Success: true } m
            ? $"expected {ClrWords(m.Groups["type"].Value, pointer)}"
            : $"not valid JSON: {text.TrimEnd('.')}";
        return new FieldError(pointer, message) { Line = json.LineNumber + 1 };
    }

    /// <summary>"$.goods[0]['a b']" as the JSON pointer "/goods/0/a b" ("" for the whole body).</summary>
    public static string Pointer(string? path)
    {
        if (string.IsNullOrEmpty(path) || path == "$") return "";
        var pointer = new StringBuilder();
        foreach (Match segment in PathSegment().Matches(path))
        {
            var name = segment.Groups[1].Success ? segment.Groups[1].Value : segment.Groups[2].Success ? segment.Groups[2].Value : segment.Groups[3].Value;
            pointer.Append('/').Append(name.Replace("~", "~0", StringComparison.Ordinal).Replace("/", "~1", StringComparison.Ordinal));
        }
        return pointer.ToString();
    }

    /// <summary>What a parameter of a C# type (as minimal APIs name it: "int?", "long", "DateTimeOffset") expects, in words.</summary>
    private static string Expected(string type) => (type.StartsWith("Nullable<", StringComparison.Ordinal) ? type[9..^1] : type).TrimEnd('?') switch
    {
        "int" or "long" or "short" or "byte" or "uint" or "ulong" or "ushort" or "Int32" or "Int64" => "an integer",
        "bool" or "Boolean" => "true or false",
        "decimal" or "double" or "float" or "Decimal" or "Double" => "a number",
        "DateTimeOffset" or "DateTime" => "a date and time (ISO 8601, 2025-01-31T10:00:00Z)",
        "DateOnly" => "a date (yyyy-MM-dd)",
        "Guid" => "a UUID",
        "string" or "String" => "a value",
        _ => "a value of the documented kind (see /openapi/v1.json)",
    };

    /// <summary>
    /// What the field at <paramref name="pointer"/> expects, in words, from the .NET type a System.Text.Json message names
    /// (no type names for the caller). For a mismatch inside an object System.Text.Json names the object: the property is looked up in it.
    /// </summary>
    private static string ClrWords(string name, string pointer)
    {
        if (Nullable().Match(name) is { Success: true } n) name = n.Groups[1].Value;
        var type = Type.GetType(name, throwOnError: false) ?? AppDomain.CurrentDomain.GetAssemblies()
            .Where(a => a.GetName().Name?.StartsWith("Entente", StringComparison.Ordinal) == true)
            .Select(a => a.GetType(name, throwOnError: false)).FirstOrDefault(t => t is not null);
        if (type is null) return name.Contains('`', StringComparison.Ordinal) || name.EndsWith("[]", StringComparison.Ordinal) ? "an array" : "a value of the documented kind";
        var last = pointer[(pointer.LastIndexOf('/') + 1)..];
        if (Words(type) == "an object" && last.Length > 0
            && type.GetProperty(last, System.Reflection.BindingFlags.Public | System.Reflection.BindingFlags.Instance | System.Reflection.BindingFlags.IgnoreCase) is { } property)
            return Words(property.PropertyType);
        return Words(type);
    }

    private static string Words(Type type)
    {
        type = System.Nullable.GetUnderlyingType(type) ?? type;
        if (type.IsEnum) return "one of " + string.Join(", ", Enum.GetNames(type).Select(JsonNamingPolicy.KebabCaseLower.ConvertName));
        return Type.GetTypeCode(type) switch
        {
            TypeCode.Boolean => "true or false",
            TypeCode.String or TypeCode.Char => "a string",
            TypeCode.Byte or TypeCode.SByte or TypeCode.Int16 or TypeCode.UInt16 or TypeCode.Int32 or TypeCode.UInt32 or TypeCode.Int64 or TypeCode.UInt64 => "an integer",
            TypeCode.Decimal or TypeCode.Double or TypeCode.Single => "a number",
            TypeCode.DateTime => "a date and time (ISO 8601, 2025-01-31T10:00:00Z)",
            _ when type == typeof(DateTimeOffset) => "a date and time (ISO 8601, 2025-01-31T10:00:00Z)",
            _ when type == typeof(DateOnly) => "a date (yyyy-MM-dd)",
            _ when type == typeof(Guid) => "a UUID",
            _ when type == typeof(System.Text.Json.Nodes.JsonArray) || typeof(System.Collections.IEnumerable).IsAssignableFrom(type)
                && type != typeof(System.Text.Json.Nodes.JsonObject) => "an array",
            _ => "an object",
        };
    }

    [GeneratedRegex("""^Failed to bind parameter "(?<type>.+) (?<name>[^ "]+)" from "(?<value>.*)"\.$""", RegexOptions.Singleline)]
    private static partial Regex BindFailed();

    [GeneratedRegex("""^Required parameter "(?<type>.+) (?<name>[^ "]+)" was not provided from (?<source>.+?)\.$""", RegexOptions.Singleline)]
    private static partial Regex NotProvided();

    [GeneratedRegex("""^Implicit body inferred for parameter""")]
    private static partial Regex ImplicitBody();

    [GeneratedRegex("""^Expected a supported JSON media type but got "(?<got>.*)"\.$""", RegexOptions.Singleline)]
    private static partial Regex NotJson();

    [GeneratedRegex("""^Failed to read parameter "(?<type>.+) (?<name>[^ "]+)" from the request body as JSON\.$""", RegexOptions.Singleline)]
    private static partial Regex ReadFailed();

    [GeneratedRegex("""could not be converted to (?<type>\S+?)\.?$""")]
    private static partial Regex Converted();

    [GeneratedRegex("""^System\.Nullable`1\[\[?([\w.]+)""")]
    private static partial Regex Nullable();

    [GeneratedRegex("""\.([^.\[]+)|\['((?:[^']|'')*)'\]|\[(\d+)\]""")]
    private static partial Regex PathSegment();
}

internal static partial class Log
{
    [LoggerMessage(EventId = 1050, Level = LogLevel.Information, Message = "{Method} {Path} answered {Status}: {Reason}")]
    public static partial void RequestNotBound(ILogger logger, string method, string path, int status, string reason);
}
