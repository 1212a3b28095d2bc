using System.CommandLine;
using Entente.Hosting;

namespace Entente.Cli;

/// <summary>Options every command against a node takes: its home and, optionally, a PostgreSQL database.</summary>
internal static class CommonOptions
{
    public static Option<string> Home() => new("--home")
    {
        Description = "The node's home folder (default: $ENTENTE_HOME)",
        DefaultValueFactory = _ => Environment.GetEnvironmentVariable("ENTENTE_HOME") ?? "",
    };

    public static Option<string?> Database() => new("--database")
    {
        Description = "A PostgreSQL connection string (Host=...;Database=...) to use instead of the home's SQLite file",
    };

    public static Option<bool> Json() => new("--json") { Description = "Print a machine-readable JSON result" };

    public static NodeOptions LoadNode(ParseResult parse, Option<string> home, Option<string?> database)
    {
        var folder = parse.GetValue(home);
        if (string.IsNullOrWhiteSpace(folder)) throw new CliException("name the node's home with --home DIR (or set ENTENTE_HOME)");
        try
        {
            return NodeHome.Load(folder, parse.GetValue(database));
        }
        catch (Exception e) when (e is FileNotFoundException or InvalidDataException or System.Text.Json.JsonException)
        {
            throw new CliException(e.Message);
        }
    }
}

/// <summary>A user error: printed as one line, exit status 2.</summary>
internal sealed class CliException(string message) : Exception(message);
