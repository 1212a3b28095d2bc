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

    /// <summary>Every command has it (docs/cli.md): the result, or the error, as one JSON document on standard output.</summary>
    public static Option<bool> Json() => new(CliOutput.JsonOptionName) { Description = "Print the result, or the error, as JSON on standard output" };

    public static NodeOptions LoadNode(ParseResult parse, Option<string> home, Option<string?> database)
    {
        var folder = parse.GetValue(home);
        if (string.IsNullOrWhiteSpace(folder)) throw new CliException("name the node's home with --home DIR (or set ENTENTE_HOME)");
        try
        {
            return NodeHome.Load(folder, parse.GetValue(database));
        }
        catch (Exception e) when (e is FileNotFoundException or StoreConflictException)
        {
            throw new CliException(e.Message);
        }
        catch (Exception e) when (e is InvalidDataException or System.Text.Json.JsonException)
        {
            // The home is there, its settings are not usable: the command cannot run here (exit 3).
            throw CliException.Environment(e.Message);
        }
    }
}
