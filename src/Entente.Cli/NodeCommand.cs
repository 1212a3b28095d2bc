using System.CommandLine;
using Entente.Hosting;

namespace Entente.Cli;

/// <summary>
/// A command against a node: adds --home, --database and --json once, loads the home, and hands the action the node's
/// services from the same composition as the server (<see cref="NodeServices"/>), disposed when the command ends.
/// Every command has --json (docs/cli.md); the json parameter is kept for the callers that still say so.
/// </summary>
internal sealed class NodeCommand : Command
{
    public NodeCommand(string name, string description, bool json = true) : base(name, description)
    {
        _ = json;
        Add(HomeOption);
        Add(DatabaseOption);
        Add(JsonOption);
    }

    public Option<string> HomeOption { get; } = CommonOptions.Home();

    public Option<string?> DatabaseOption { get; } = CommonOptions.Database();

    public Option<bool> JsonOption { get; } = CommonOptions.Json();

    public bool Json(ParseResult parse) => parse.GetValue(JsonOption);

    /// <summary>Prints the result: <paramref name="json"/> under --json, else the text.</summary>
    public void Print(ParseResult parse, object json, Action<TextWriter> text)
    {
        if (Json(parse)) CliOutput.WriteJson(parse, json);
        else text(parse.InvocationConfiguration.Output);
    }

    public NodeOptions Node(ParseResult parse) => CommonOptions.LoadNode(parse, HomeOption, DatabaseOption);

    /// <summary>Runs <paramref name="action"/> with the node's services opened (settings validated, schema migrated).</summary>
    public void SetNodeAction(Func<ParseResult, NodeServices, CancellationToken, Task<int>> action) =>
        SetAction(async (parse, cancellationToken) =>
        {
            await using var services = await OpenAsync(parse, cancellationToken);
            return await action(parse, services, cancellationToken);
        });

    /// <summary>Opens the node's services, for an action that needs them only sometimes (the caller disposes them).</summary>
    public async Task<NodeServices> OpenAsync(ParseResult parse, CancellationToken cancellationToken)
    {
        var node = Node(parse);
        try
        {
            return await NodeServices.OpenAsync(node, cancellationToken: cancellationToken);
        }
        catch (Microsoft.Extensions.Options.OptionsValidationException e)
        {
            throw CliException.Environment($"{NodeHome.ConfigPath(node.Home)}: {string.Join("; ", e.Failures)}");
        }
    }
}
