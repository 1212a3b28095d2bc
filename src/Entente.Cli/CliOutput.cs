using System.CommandLine;
using System.CommandLine.Parsing;
using System.Data.Common;
using System.Net.Sockets;
using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.RegularExpressions;

namespace Entente.Cli;

/// <summary>The exit statuses of every command (docs/cli.md).</summary>
public static class ExitCodes
{
    /// <summary>It did what was asked.</summary>
    public const int Success = 0;

    /// <summary>It ran, and the answer is no: data refused, a check failed, a move not allowed, nothing under that reference.</summary>
    public const int Refused = 1;

    /// <summary>The command line is wrong: unknown or missing options, a value of the wrong kind, options that do not go together.</summary>
    public const int Usage = 2;

    /// <summary>The command could not run where it runs: store unreachable or busy, a file not readable or writable, a partner unreachable, a broken configuration.</summary>
    public const int Environment = 3;

    /// <summary>Stopped by Ctrl+C.</summary>
    public const int Cancelled = 130;

    /// <summary>The name of an exit status in a JSON error ("refused", "usage", "environment").</summary>
    public static string Name(int exit) => exit switch
    {
        Refused => "refused",
        Usage => "usage",
        Environment => "environment",
        Cancelled => "cancelled",
        _ => "error",
    };
}

/// <summary>
/// A command's error, said in one line (or a few) and ended with its exit status: usage (2) unless the command says it
/// is a refusal (1) or an environment problem (3).
/// </summary>
internal sealed class CliException(string message, int exit = ExitCodes.Usage) : Exception(message)
{
    public int Exit { get; } = exit;

    /// <summary>The data was refused or a check failed: exit 1.</summary>
    public static CliException Refused(string message) => new(message, ExitCodes.Refused);

    /// <summary>The command could not run here (store, files, network, configuration): exit 3.</summary>
    public static CliException Environment(string message) => new(message, ExitCodes.Environment);

    /// <summary>A file named on the command line that could not be read: missing (2), not what was expected (1), not readable (3).</summary>
    public static CliException ForFile(string what, Exception e) => e switch
    {
        FileNotFoundException or DirectoryNotFoundException => new($"{what}: no such file"),
        System.Text.Json.JsonException or InvalidDataException or FormatException => Refused($"{what}: {e.Message}"),
        _ => Environment($"{what}: {e.Message}"),
    };
}

/// <summary>
/// How every command prints: results as text or, with --json, as one JSON document on standard output; errors as
/// "entente: message" on standard error or, with --json, as <c>{"error": {"code", "exit", "message", "details"?}}</c> on
/// standard output. The one place that maps exceptions and parse errors to exit statuses (docs/cli.md).
/// </summary>
public static partial class CliOutput
{
    public const string JsonOptionName = "--json";

    /// <summary>The serializer every command's --json output uses: camelCase names, kebab-case enums, nulls left out.</summary>
    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        WriteIndented = true,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.KebabCaseLower) },
    };

    /// <summary>Prints a command's result as JSON on its output.</summary>
    public static void WriteJson(ParseResult parse, object? value) =>
        parse.InvocationConfiguration.Output.WriteLine(JsonSerializer.Serialize(value, Json));

    /// <summary>Whether the command line asked for JSON (the command's own --json, or the word anywhere when the command is unknown).</summary>
    public static bool WantsJson(ParseResult parse)
    {
        var option = parse.CommandResult.Command.Options.OfType<Option<bool>>().FirstOrDefault(o => o.Name == JsonOptionName);
        if (option is not null && parse.GetResult(option) is not null)
        {
            try
            {
                return parse.GetValue(option);
            }
            catch (Exception)
            {
                // A value the parser could not read (--json=maybe): the word itself says what was wanted.
            }
        }
        return parse.Tokens.Any(t => t.Value == JsonOptionName);
    }

    /// <summary>The exit status of an exception that ended a command.</summary>
    public static int ExitOf(Exception e) => e switch
    {
        CliException c => c.Exit,
        OperationCanceledException => ExitCodes.Cancelled,
        // What could not be read, written or reached where the command runs.
        IOException or UnauthorizedAccessException or DbException or TimeoutException or SocketException or HttpRequestException
            or Microsoft.Extensions.Options.OptionsValidationException => ExitCodes.Environment,
        // Data the command was given that cannot be taken.
        FormatException or JsonException or InvalidDataException or global::Entente.Ingest.IngestFormatException
            or global::Entente.Ingest.Csv.CsvMappingException or global::Entente.Agreements.AgreementFormatException
            or global::Entente.Risk.Rules.RuleSetException or global::Entente.Risk.Rules.RuleSetTestsFailedException
            or global::Entente.Exchange.EnvelopeFormatException or global::Entente.Sharing.RecordException
            or global::Entente.Assistance.AssistanceException => ExitCodes.Refused,
        _ => ExitCodes.Environment,
    };

    /// <summary>Prints the error that ended a command and returns its exit status.</summary>
    public static int Fail(ParseResult parse, Exception e, TextWriter output, TextWriter error)
    {
        while (e is AggregateException { InnerExceptions.Count: 1 } or System.Reflection.TargetInvocationException && e.InnerException is { } inner) e = inner;
        var exit = ExitOf(e);
        var message = e switch
        {
            _ when exit == ExitCodes.Cancelled => "cancelled",
            DbException => $"the node's store cannot be used: {Scrub(e.Message)}",
            _ => Scrub(e.Message),
        };
        WriteError(WantsJson(parse), exit, message.Split('\n', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries), output, error);
        return exit;
    }

    /// <summary>Prints the parse errors of a command line (unknown or missing options, values of the wrong kind) and returns 2.</summary>
    public static int ParseErrors(ParseResult parse, TextWriter output, TextWriter error)
    {
        var messages = parse.Errors.Select(Describe).Distinct(StringComparer.Ordinal).ToList();
        var json = WantsJson(parse);
        var names = new List<string>();
        for (SymbolResult? r = parse.CommandResult; r is not null; r = r.Parent)
        {
            if (r is CommandResult c) names.Insert(0, c.Command.Name);
        }
        var command = string.Join(' ', names);
        if (!json) messages.Add($"See '{command} --help'.");
        WriteError(json, ExitCodes.Usage, messages, output, error);
        return ExitCodes.Usage;
    }

    private static void WriteError(bool json, int exit, IReadOnlyList<string> lines, TextWriter output, TextWriter error)
    {
        if (lines.Count == 0) lines = ["failed"];
        if (!json)
        {
            error.WriteLine($"entente: {lines[0]}");
            foreach (var line in lines.Skip(1)) error.WriteLine($"  {line}");
            return;
        }
        var body = new Dictionary<string, object>
        {
            ["code"] = ExitCodes.Name(exit),
            ["exit"] = exit,
            ["message"] = lines[0],
        };
        if (lines.Count > 1) body["details"] = lines.Skip(1).ToArray();
        output.WriteLine(JsonSerializer.Serialize(new Dictionary<string, object> { ["error"] = body }, Json));
    }

    /// <summary>A parse error in the user's terms: a value of the wrong kind names the option and what it accepts, never a .NET type.</summary>
    private static string Describe(ParseError error)
    {
        var (name, type, tokens) = error.SymbolResult switch
        {
            OptionResult o => (o.Option.Name, o.Option.ValueType, o.Tokens),
            ArgumentResult { Parent: OptionResult o } => (o.Option.Name, o.Option.ValueType, o.Tokens),
            ArgumentResult a => ($"argument {a.Argument.Name}", a.Argument.ValueType, a.Tokens),
            _ => (null, null, null),
        };
        if (name is null || type is null || !MentionsType(error.Message, type)) return Scrub(error.Message);
        var given = tokens is { Count: > 0 } ? $" (got '{string.Join(' ', tokens.Select(t => t.Value))}')" : "";
        return $"{name} must be {Accepted(type)}{given}";
    }

    private static bool MentionsType(string message, Type type)
    {
        var element = Element(type);
        return message.Contains(element.FullName ?? element.Name, StringComparison.Ordinal) || message.Contains("expected type", StringComparison.Ordinal);
    }

    private static Type Element(Type type)
    {
        if (type.IsArray) type = type.GetElementType()!;
        else if (type.IsGenericType && type.GetGenericArguments() is [var item] && typeof(IEnumerable<>).MakeGenericType(item).IsAssignableFrom(type) && type != typeof(string)) type = item;
        return Nullable.GetUnderlyingType(type) ?? type;
    }

    /// <summary>What a value of a type may be, in words: "one of analyst, officer, ...", "a whole number".</summary>
    public static string Accepted(Type type)
    {
        type = Element(type);
        if (type.IsEnum) return "one of " + string.Join(", ", EnumNames(type));
        return Type.GetTypeCode(type) switch
        {
            TypeCode.Byte or TypeCode.SByte or TypeCode.Int16 or TypeCode.UInt16 or TypeCode.Int32 or TypeCode.UInt32 or TypeCode.Int64 or TypeCode.UInt64 => "a whole number",
            TypeCode.Single or TypeCode.Double or TypeCode.Decimal => "a number (e.g. 0.25)",
            TypeCode.Boolean => "true or false",
            TypeCode.DateTime => "a date (yyyy-MM-dd) or an ISO 8601 time",
            _ when type == typeof(DateOnly) => "a date (yyyy-MM-dd)",
            _ when type == typeof(DateTimeOffset) => "a date (yyyy-MM-dd) or an ISO 8601 time",
            _ when type == typeof(TimeSpan) => "a duration (hh:mm:ss)",
            _ when type == typeof(Uri) => "a URL",
            _ when typeof(FileSystemInfo).IsAssignableFrom(type) => "a path",
            _ => "a valid value",
        };
    }

    /// <summary>The names the command line accepts for an enum's values, lower case.</summary>
    public static IEnumerable<string> EnumNames(Type type) => Enum.GetNames(type).Select(n => n.ToLowerInvariant());

    /// <summary>No .NET type names in what a user reads ('System.Int32', 'Entente.Storage.Role'): the kind of value instead.</summary>
    public static string Scrub(string message) => TypeName().Replace(message, m =>
    {
        var found = AppDomain.CurrentDomain.GetAssemblies().Select(a => a.GetType(m.Groups[1].Value, throwOnError: false)).FirstOrDefault(t => t is not null);
        return found is null ? "a valid value" : Accepted(found);
    });

    [GeneratedRegex(@"'((?:System|Entente|Microsoft)\.[\w.`+]+)(?:\[[^\]']*\])?'", RegexOptions.CultureInvariant)]
    private static partial Regex TypeName();

    /// <summary>
    /// Every option of an enum type accepts only its names (never a number such as '7', which the parser would take),
    /// and says which names when given another.
    /// </summary>
    public static void Conventions(Command command)
    {
        foreach (var option in command.Options)
        {
            var type = Element(option.ValueType);
            if (!type.IsEnum) continue;
            option.Validators.Add(result =>
            {
                foreach (var token in result.Tokens)
                {
                    if (!Enum.GetNames(type).Any(n => string.Equals(n, token.Value, StringComparison.OrdinalIgnoreCase)))
                        result.AddError($"{option.Name} must be {Accepted(type)} (got '{token.Value}')");
                }
            });
        }
        foreach (var sub in command.Subcommands) Conventions(sub);
    }
}
