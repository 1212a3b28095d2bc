using System.CommandLine;
using System.Globalization;
using Entente.Access;
using Entente.Intelligence.Networks;

namespace Entente.Cli.Intelligence;

/// <summary>`entente network party|node|path|components|communities|seizures`: the trader network (docs/networks.md).</summary>
internal static class NetworkCommands
{
    public static Command Create()
    {
        var network = new Command("network", "The trader network: parties, containers, vessels, addresses and contacts linked by the consignments that name them");
        network.Add(Node("party", "The network around a party (its identifier); needs --purpose and --justification", "party:"));
        network.Add(Node("node", "The network around any node: party:ID, container:ID, vessel:ID, address:TEXT, contact:TEXT, declaration:ID or MRN", ""));
        network.Add(Path());
        network.Add(Groups("components", "Connected components, those with seizures first, members by PageRank", (q, u, query, ct) => q.ComponentsAsync(u, AccessRecorder.Console, query, ct)));
        network.Add(Groups("communities", "Communities (label propagation) with their members' seizure history", (q, u, query, ct) => q.CommunitiesAsync(u, AccessRecorder.Console, query, ct)));
        network.Add(Seizures());
        return network;
    }

    private static (Option<string?> Purpose, Option<string?> Justification) Purpose() =>
        (new Option<string?>("--purpose") { Description = "Why party data is read (shown and recorded in the ledger)" },
         new Option<string?>("--justification") { Description = "The case or reason, recorded with the read" });

    private static Command Node(string name, string description, string prefix)
    {
        var id = new Argument<string>(prefix.Length > 0 ? "ID" : "NODE") { Description = prefix.Length > 0 ? "The party's identifier" : "KIND:ID" };
        var hops = new Option<int>("--hops") { Description = "How far (1 to 6)", DefaultValueFactory = _ => 2 };
        var limit = new Option<int>("--limit") { Description = "At most this many nodes", DefaultValueFactory = _ => 1000 };
        var (purpose, justification) = Purpose();
        var command = new NodeCommand(name, description) { id, hops, limit, purpose, justification };
        command.SetNodeAction(async (parse, node, ct) =>
        {
            var query = new NetworkQuery(prefix + parse.GetValue(id), null, parse.GetValue(hops), parse.GetValue(limit), parse.GetValue(purpose), parse.GetValue(justification));
            var answer = Answer(await node.Get<NetworkQueries>().NeighbourhoodAsync(User(node), AccessRecorder.Console, query, ct));
            command.Print(parse, answer, output =>
            {
                Header(output, answer);
                foreach (var n in answer.Nodes) Write(output, n);
            });
            return 0;
        });
        return command;
    }

    private static Command Path()
    {
        var from = new Argument<string>("FROM") { Description = "KIND:ID" };
        var to = new Argument<string>("TO") { Description = "KIND:ID" };
        var hops = new Option<int>("--hops") { Description = "Longest path looked for (1 to 6)", DefaultValueFactory = _ => 6 };
        var (purpose, justification) = Purpose();
        var command = new NodeCommand("path", "A shortest path between two nodes, through the consignments that link them") { from, to, hops, purpose, justification };
        command.SetNodeAction(async (parse, node, ct) =>
        {
            var query = new NetworkQuery(parse.GetValue(from), parse.GetValue(to), parse.GetValue(hops), null, parse.GetValue(purpose), parse.GetValue(justification));
            var answer = Answer(await node.Get<NetworkQueries>().PathAsync(User(node), AccessRecorder.Console, query, ct));
            command.Print(parse, answer, output =>
            {
                Header(output, answer);
                output.WriteLine(string.Join(" — ", answer.Nodes.Select(n => n.Key)));
            });
            return 0;
        });
        return command;
    }

    private static Command Groups(string name, string description, Func<NetworkQueries, LocalUser, NetworkQuery, CancellationToken, Task<NetworkResult>> run)
    {
        var limit = new Option<int>("--limit") { Description = "At most this many groups", DefaultValueFactory = _ => 20 };
        var (purpose, justification) = Purpose();
        var command = new NodeCommand(name, description) { limit, purpose, justification };
        command.SetNodeAction(async (parse, node, ct) =>
        {
            var answer = Answer(await run(node.Get<NetworkQueries>(), User(node), new NetworkQuery(Limit: parse.GetValue(limit), Purpose: parse.GetValue(purpose),
                Justification: parse.GetValue(justification)), ct));
            command.Print(parse, answer, output => WriteGroups(output, answer, name));
            return 0;
        });
        return command;
    }

    private static Command Seizures()
    {
        var hops = new Option<int>("--hops") { Description = "How far (1 to 6)", DefaultValueFactory = _ => 2 };
        var limit = new Option<int>("--limit") { Description = "At most this many seized consignments", DefaultValueFactory = _ => 50 };
        var (purpose, justification) = Purpose();
        var command = new NodeCommand("seizures", "Who is within --hops of each seized consignment") { hops, limit, purpose, justification };
        command.SetNodeAction(async (parse, node, ct) =>
        {
            var answer = Answer(await node.Get<NetworkQueries>().SeizedAsync(User(node), AccessRecorder.Console,
                new NetworkQuery(Hops: parse.GetValue(hops), Limit: parse.GetValue(limit), Purpose: parse.GetValue(purpose), Justification: parse.GetValue(justification)), ct));
            command.Print(parse, answer, output =>
            {
                Header(output, answer);
                foreach (var group in answer.Groups)
                {
                    var seized = group.Members[0];
                    output.WriteLine($"{seized.Key}: {seized.Seized}; {group.Identifiers} identifiers, {group.Consignments} consignments within {parse.GetValue(hops)} hops");
                    foreach (var n in group.Members.Skip(1).Where(m => m.Kind is not ("declaration" or "seizure"))) Write(output, n);
                }
            });
            return 0;
        });
        return command;
    }

    private static NetworkAnswer Answer(NetworkResult result) => result switch
    {
        NetworkResult.Found f => f.Answer,
        NetworkResult.NotFound n => throw CliException.Refused(n.Detail),
        NetworkResult.Refused r => throw CliException.Refused("refused: " + r.Reason),
        NetworkResult.Invalid i => throw new CliException(string.Join(Environment.NewLine, i.Errors.Select(e => $"{e.Path}: {e.Message}"))),
        _ => throw new InvalidOperationException(),
    };

    private static LocalUser User(Entente.Hosting.NodeServices node) => new(Environment.UserName is { Length: > 0 } u ? u : "cli", node.Node.Code, null);

    private static void Header(TextWriter output, NetworkAnswer answer)
    {
        var g = answer.Graph;
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"Network of {g.Consignments:N0} consignments, {g.Identifiers:N0} identifiers, {g.Edges:N0} links, {g.Seized:N0} seized (hubs: more than {g.HubLimit} consignments)"));
        if (answer.Notice is { } notice) output.WriteLine($"Identifiers withheld: {notice}");
    }

    private static void Write(TextWriter output, NetworkNodeView n) =>
        output.WriteLine($"  {n.Hops} {n.Kind,-11} {n.Key,-40} on {n.Consignments} consignment(s){(n.Hub ? " [hub]" : "")}" +
            $"{(n.Seized is { } s ? $" SEIZED: {s}" : n.SeizureHops is { } h ? $" ({h} hop(s) from a seizure)" : "")}");

    private static void WriteGroups(TextWriter output, NetworkAnswer answer, string what)
    {
        Header(output, answer);
        foreach (var group in answer.Groups)
        {
            output.WriteLine($"{what[..^1]} {group.Id}: {group.Identifiers} identifiers, {group.Consignments} consignments, {group.Seized} seized");
            foreach (var n in group.Members) Write(output, n);
        }
    }
}
