using System.Text.Json.Nodes;
using Entente.Access;
using Entente.Common;
using Entente.Declarations;
using Entente.Risk.Assessment;
using Entente.Storage;

namespace Entente.Intelligence.Networks;

/// <summary>One node as an answer shows it: party, address and contact keys replaced by their keyed tags unless the purpose allows them.</summary>
public sealed record NetworkNodeView(string Key, string Kind, int Hops, int Consignments, bool Hub, string? Seized, int? SeizureHops, double? Rank = null, string? Via = null);

/// <summary>A group of identifiers (a component or a community), its size, and its members with their seizure history.</summary>
public sealed record NetworkGroup(int Id, int Identifiers, int Consignments, int Seized, IReadOnlyList<NetworkNodeView> Members);

/// <summary>The graph as built: its size, when, and the hub limit.</summary>
public sealed record NetworkSummary(int Nodes, long Edges, int Consignments, int Identifiers, int Seized, int HubLimit, DateTimeOffset BuiltAt);

/// <summary>An answer: the graph's summary, what was asked for, and the notice when identifiers were withheld.</summary>
public sealed record NetworkAnswer(NetworkSummary Graph, IReadOnlyList<NetworkNodeView> Nodes, IReadOnlyList<NetworkGroup> Groups, string? Notice);

public abstract record NetworkResult
{
    public sealed record Found(NetworkAnswer Answer) : NetworkResult;

    public sealed record NotFound(string Detail) : NetworkResult;

    public sealed record Refused(string Reason) : NetworkResult;

    public sealed record Invalid(IReadOnlyList<FieldError> Errors) : NetworkResult;
}

/// <summary>What a network query asks: the node(s), how far, how many, and the purpose for party data.</summary>
public sealed record NetworkQuery(string? Node = null, string? To = null, int? Hops = null, int? Limit = null, string? Purpose = null, string? Justification = null);

/// <summary>
/// The use case behind `entente network ...` and /api/network/*: the trader network built from the stored declarations
/// and the seizures the node knows (<see cref="ISeizureSource"/>), then a neighbourhood, a path, components, communities
/// or the neighbourhoods of seized consignments. Party identifiers, addresses and contacts are personal data: shown only
/// under a purpose the reader's role allows (the read in the ledger, filed under the declarations and parties shown),
/// otherwise replaced by their keyed tags; asking about a party needs the purpose.
/// </summary>
public sealed class NetworkQueries(NodeDatabase database, IDeclarationStore store, ISeizureSource seizures, AccessRecorder recorder, TimeProvider time,
    int hubLimit = TraderGraphBuilder.DefaultHubLimit) : IAsyncDisposable
{
    /// <summary>How long an assessment uses the graph before a background check for changes (and a rebuild if any).</summary>
    public static readonly TimeSpan RefreshAfter = TimeSpan.FromMinutes(10);

    private sealed record Cached(TraderGraph Graph, NetworkSummary Summary, string Fingerprint);

    private readonly Lock _gate = new();
    private readonly CancellationTokenSource _closing = new();
    private volatile Cached? _cache;
    private Task<Cached>? _refreshing;
    private DateTimeOffset _nextBackgroundCheck = DateTimeOffset.MinValue;

    /// <summary>The proximity fact as a risk enrichment (the desk calls it only when a rule or the model reads it).</summary>
    public RiskEnrichment Enrichment => new(NetworkProximity.Element, AnnotateAsync);

    /// <summary>The graph as of the stored data now: the one built, or a rebuild (one at a time, shared by every caller) when the data changed.</summary>
    public async Task<(TraderGraph Graph, NetworkSummary Summary)> GraphAsync(CancellationToken cancellationToken = default)
    {
        var fingerprint = await FingerprintAsync(cancellationToken);
        var current = _cache;
        if (current is null || current.Fingerprint != fingerprint) current = await Refresh().WaitAsync(cancellationToken);
        // A rebuild already under way may have started before the latest change: then one more.
        if (current.Fingerprint != fingerprint && await FingerprintAsync(cancellationToken) != current.Fingerprint)
            current = await Refresh().WaitAsync(cancellationToken);
        return (current.Graph, current.Summary);
    }

    /// <summary>
    /// Network proximity to past seizures as a fact on <paramref name="declaration"/> before it is assessed
    /// (<see cref="NetworkProximity.Element"/> in its national data, in memory only), from the graph as last built.
    /// Never waits: when that graph is older than <see cref="RefreshAfter"/>, a rebuild starts in the background (if the
    /// data changed) and this assessment still reads the previous one. Nothing is set before the first graph is built
    /// or when it holds no seizure.
    /// </summary>
    public ValueTask AnnotateAsync(Declaration declaration, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(declaration);
        var current = _cache;
        var now = time.GetUtcNow();
        if (now >= _nextBackgroundCheck) RefreshInBackground(now);
        if (current is null || current.Summary.Seized == 0) return ValueTask.CompletedTask;
        var graph = current.Graph;
        var links = new List<NetworkLink>();
        TraderGraphBuilder.Links(declaration, links);
        var best = byte.MaxValue;
        foreach (var link in links)
        {
            var node = graph.Find(link.Key);
            if (node >= 0 && graph.SeizureHops[node] < best) best = graph.SeizureHops[node];
        }
        declaration.NationalData[NetworkProximity.Element] = NetworkProximity.Bucket(best);
        return ValueTask.CompletedTask;
    }

    public async ValueTask DisposeAsync()
    {
        await _closing.CancelAsync();
        Task? running;
        lock (_gate) running = _refreshing;
        if (running is not null) await running.ContinueWith(_ => { }, CancellationToken.None, TaskContinuationOptions.None, TaskScheduler.Default);
        _closing.Dispose();
    }

    private void RefreshInBackground(DateTimeOffset now)
    {
        lock (_gate)
        {
            if (now < _nextBackgroundCheck) return;
            _nextBackgroundCheck = now + RefreshAfter;
        }
        // Observed here: a failed rebuild leaves the previous graph in service, and the next check tries again.
        _ = Refresh().ContinueWith(t => _ = t.Exception, CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted, TaskScheduler.Default);
    }

    /// <summary>The rebuild under way, or a new one: rebuilt only when the data changed since the graph in service.</summary>
    private Task<Cached> Refresh()
    {
        lock (_gate)
        {
            if (_refreshing is { IsCompleted: false } running) return running;
            var token = _closing.Token;
            return _refreshing = Task.Run(async () =>
            {
                var fingerprint = await FingerprintAsync(token);
                if (_cache is { } current && current.Fingerprint == fingerprint) return current;
                return _cache = await BuildAsync(fingerprint, token);
            }, token);
        }
    }

    /// <summary>What the graph depends on, cheaply: the declarations, their amendments and the seizures the node holds.</summary>
    private async Task<string> FingerprintAsync(CancellationToken cancellationToken)
    {
        long declarations, versions;
        await using (var connection = await database.ConnectAsync(cancellationToken))
        await using (var command = NodeDatabase.Command(connection, null, "SELECT (SELECT count(*) FROM declarations), (SELECT count(*) FROM declaration_versions)"))
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken))
        {
            await reader.ReadAsync(cancellationToken);
            declarations = reader.GetInt64(0);
            versions = reader.GetInt64(1);
        }
        var seized = await seizures.CountAsync(cancellationToken);
        return string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{declarations}/{versions}/{seized}");
    }

    private async Task<Cached> BuildAsync(string fingerprint, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var builder = new TraderGraphBuilder(hubLimit);
        var byMrn = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        await using (var connection = await database.ConnectAsync(cancellationToken))
        await using (var command = NodeDatabase.Command(connection, null, "SELECT id, document FROM declarations"))
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken))
        {
            while (await reader.ReadAsync(cancellationToken))
            {
                var id = reader.GetString(0);
                var declaration = EntenteJson.Deserialize(reader.GetString(1));
                builder.Add(id, declaration);
                if (declaration.Mrn is { } mrn) byMrn.TryAdd(mrn.Trim(), id);
            }
        }
        await foreach (var seized in seizures.ReadAsync(cancellationToken))
        {
            var reference = $"{seized.Reference} ({seized.Source})";
            var id = seized.DeclarationId ?? (seized.Mrn is { } m && byMrn.TryGetValue(m, out var found) ? found : null);
            if (id is not null && builder.MarkSeized("declaration:" + id, reference)) continue;
            if (TraderGraphBuilder.Normal(seized.Container) is { } container)
                builder.Add(NetworkNodeKind.Seizure, "seizure:" + seized.Reference, [new NetworkLink(NetworkNodeKind.Container, "container:" + container, null)], reference);
        }
        var graph = builder.Build();
        var consignments = 0;
        var seizedCount = 0;
        for (var i = 0; i < graph.NodeCount; i++)
        {
            if (graph.IsConsignment(i)) consignments++;
            if (graph.Seizure(i) is not null) seizedCount++;
        }
        var summary = new NetworkSummary(graph.NodeCount, graph.EdgeCount, consignments, graph.NodeCount - consignments, seizedCount, hubLimit, now);
        return new Cached(graph, summary, fingerprint);
    }

    /// <summary>The identifiers within <see cref="NetworkQuery.Hops"/> (default 2) of a node: party:ID, container:ID, vessel:ID, declaration:ID or MRN.</summary>
    public async Task<NetworkResult> NeighbourhoodAsync(LocalUser user, string channel, NetworkQuery query, CancellationToken cancellationToken = default)
    {
        var errors = Check(query, node: true, hops: true);
        if (errors.Count > 0) return new NetworkResult.Invalid(errors);
        var asked = recorder.Query("network neighbourhood", [new("node", PartyTagged(query.Node!)), new("hops", (query.Hops ?? 2).ToString(System.Globalization.CultureInfo.InvariantCulture))]);
        var access = await AccessAsync(user, channel, query, asked, query.Node!, cancellationToken);
        if (access.Refusal is { } refusal) return refusal;
        var (graph, summary) = await GraphAsync(cancellationToken);
        var start = await ResolveAsync(graph, query.Node!, cancellationToken);
        if (start < 0) return new NetworkResult.NotFound($"node: '{query.Node}' is not in the network (kinds: party, container, vessel, address, contact, declaration)");
        var nodes = graph.Neighbourhood(start, query.Hops ?? 2, query.Limit ?? 1000).Select(n => View(graph, n.Node, n.Hops)).ToList();
        return await AnswerAsync(user, channel, access.Decision!, asked, graph, summary, nodes, [], cancellationToken);
    }

    /// <summary>A shortest path between two nodes, identifiers and the consignments linking them.</summary>
    public async Task<NetworkResult> PathAsync(LocalUser user, string channel, NetworkQuery query, CancellationToken cancellationToken = default)
    {
        var errors = Check(query, node: true, hops: true);
        if (string.IsNullOrWhiteSpace(query.To)) errors.Add(new("to", "name the other end: party:ID, container:ID, vessel:ID or declaration:ID"));
        if (errors.Count > 0) return new NetworkResult.Invalid(errors);
        var asked = recorder.Query("network path", [new("node", PartyTagged(query.Node!)), new("to", PartyTagged(query.To!))]);
        var access = await AccessAsync(user, channel, query, asked, query.Node! + " " + query.To!, cancellationToken);
        if (access.Refusal is { } refusal) return refusal;
        var (graph, summary) = await GraphAsync(cancellationToken);
        var from = await ResolveAsync(graph, query.Node!, cancellationToken);
        var to = await ResolveAsync(graph, query.To!, cancellationToken);
        if (from < 0) return new NetworkResult.NotFound($"node: '{query.Node}' is not in the network");
        if (to < 0) return new NetworkResult.NotFound($"to: '{query.To}' is not in the network");
        var path = graph.ShortestPath(from, to, query.Hops ?? 6);
        if (path is null) return new NetworkResult.NotFound($"no path of at most {query.Hops ?? 6} hops between '{query.Node}' and '{query.To}' (hubs of more than {graph.HubLimit} consignments are not walked through)");
        var nodes = path.Select((n, i) => View(graph, n, TraderGraph.PathHops(graph.IsConsignment(from), i))).ToList();
        return await AnswerAsync(user, channel, access.Decision!, asked, graph, summary, nodes, [], cancellationToken);
    }

    /// <summary>Connected components, largest first, with their most central members (PageRank).</summary>
    public Task<NetworkResult> ComponentsAsync(LocalUser user, string channel, NetworkQuery query, CancellationToken cancellationToken = default) =>
        GroupsAsync(user, channel, query, "network components", g => g.Components(), cancellationToken);

    /// <summary>Communities (label propagation), those with seizures first, members with their seizure history.</summary>
    public Task<NetworkResult> CommunitiesAsync(LocalUser user, string channel, NetworkQuery query, CancellationToken cancellationToken = default) =>
        GroupsAsync(user, channel, query, "network communities", g => g.Communities(), cancellationToken);

    /// <summary>For each seized consignment, who is within <see cref="NetworkQuery.Hops"/> (default 2) of it.</summary>
    public async Task<NetworkResult> SeizedAsync(LocalUser user, string channel, NetworkQuery query, CancellationToken cancellationToken = default)
    {
        var errors = Check(query, node: false, hops: true);
        if (errors.Count > 0) return new NetworkResult.Invalid(errors);
        var asked = recorder.Query("network around seizures", [new("hops", (query.Hops ?? 2).ToString(System.Globalization.CultureInfo.InvariantCulture))]);
        var access = await AccessAsync(user, channel, query, asked, null, cancellationToken);
        if (access.Refusal is { } refusal) return refusal;
        var (graph, summary) = await GraphAsync(cancellationToken);
        var groups = new List<NetworkGroup>();
        foreach (var seized in graph.Seized().Where(graph.IsConsignment).Take(query.Limit ?? 50))
        {
            var members = graph.Neighbourhood(seized, query.Hops ?? 2, 500).Select(n => View(graph, n.Node, n.Hops)).ToList();
            groups.Add(new NetworkGroup(seized, members.Count(m => !IsConsignmentKind(m.Kind)), members.Count(m => IsConsignmentKind(m.Kind)),
                members.Count(m => m.Seized is not null && IsConsignmentKind(m.Kind)), members));
        }
        return await AnswerAsync(user, channel, access.Decision!, asked, graph, summary, [], groups, cancellationToken);
    }

    private async Task<NetworkResult> GroupsAsync(LocalUser user, string channel, NetworkQuery query, string action, Func<TraderGraph, int[]> group, CancellationToken cancellationToken)
    {
        var errors = Check(query, node: false, hops: false);
        if (errors.Count > 0) return new NetworkResult.Invalid(errors);
        var asked = recorder.Query(action, [new("limit", (query.Limit ?? 20).ToString(System.Globalization.CultureInfo.InvariantCulture))]);
        var access = await AccessAsync(user, channel, query, asked, null, cancellationToken);
        if (access.Refusal is { } refusal) return refusal;
        var (graph, summary) = await GraphAsync(cancellationToken);
        var all = graph.Memo(action, g => Groups(g, group(g)));
        var groups = all.Take(query.Limit ?? 20).ToList();
        return await AnswerAsync(user, channel, access.Decision!, asked, graph, summary, [], groups, cancellationToken);
    }

    /// <summary>Every group of at least two identifiers, those with the most seizures and identifiers first, its 25 best-ranked members listed.</summary>
    private List<NetworkGroup> Groups(TraderGraph graph, int[] labels)
    {
        var rank = graph.PageRank();
        return Enumerable.Range(0, graph.NodeCount).GroupBy(n => labels[n])
            .Select(g => (Id: g.Key, Nodes: g.ToList()))
            .Where(g => g.Nodes.Count(n => !graph.IsConsignment(n)) >= 2)
            .Select(g =>
            {
                var seized = g.Nodes.Count(n => graph.IsConsignment(n) && graph.Seizure(n) is not null);
                var identifiers = g.Nodes.Where(n => !graph.IsConsignment(n)).ToList();
                var members = identifiers.OrderByDescending(n => graph.SeizureHops[n] == 1).ThenByDescending(n => rank[n]).Take(25)
                    .Select(n => View(graph, n, 0) with { Rank = Math.Round(rank[n], 3) }).ToList();
                return new NetworkGroup(g.Id, identifiers.Count, g.Nodes.Count - identifiers.Count, seized, members);
            })
            .OrderByDescending(g => g.Seized).ThenByDescending(g => g.Identifiers).ToList();
    }

    private async Task<NetworkResult> AnswerAsync(LocalUser user, string channel, PersonalDataDecision access, JsonObject asked, TraderGraph graph, NetworkSummary summary,
        List<NetworkNodeView> nodes, List<NetworkGroup> groups, CancellationToken cancellationToken)
    {
        var all = nodes.Concat(groups.SelectMany(g => g.Members)).ToList();
        if (!access.Allowed)
        {
            return new NetworkResult.Found(new NetworkAnswer(summary, nodes.Select(Withhold).ToList(),
                groups.Select(g => g with { Members = g.Members.Select(Withhold).ToList() }).ToList(),
                PersonalData.NoticeFor(user).Replace("party data is personal data", "party identifiers, addresses and contacts in the network are personal data", StringComparison.Ordinal)));
        }
        // The read filed under each consignment shown and the parties named on it.
        var shown = all.Select(n => n.Key).ToHashSet(StringComparer.Ordinal);
        var records = all.Where(n => n.Kind == "declaration").Select(n => n.Key["declaration:".Length..]).Distinct(StringComparer.Ordinal)
            .Select(id => (id, (IEnumerable<string>)PartiesOn(graph, "declaration:" + id).Where(p => shown.Contains(p)).Select(p => p["party:".Length..]).ToArray())).ToList();
        var partiesAlone = all.Where(n => n.Kind == "party").Select(n => n.Key["party:".Length..]).ToList();
        if (records.Count == 0 && partiesAlone.Count > 0) records.Add(("network", partiesAlone));
        if (records.Count > 0) await recorder.RecordReadAsync(user, channel, access, asked, records, cancellationToken);
        return new NetworkResult.Found(new NetworkAnswer(summary, nodes, groups, null));
    }

    private static List<string> PartiesOn(TraderGraph graph, string key)
    {
        var parties = new List<string>();
        var node = graph.Find(key);
        if (node < 0) return parties;
        foreach (var n in graph.Neighbours(node)) if (graph.Kind(n) == NetworkNodeKind.Party) parties.Add(graph.Key(n));
        return parties;
    }

    private async Task<(PersonalDataDecision? Decision, NetworkResult? Refusal)> AccessAsync(LocalUser user, string channel, NetworkQuery query, JsonObject asked, string? named,
        CancellationToken cancellationToken)
    {
        var access = await recorder.CheckAsync(user, channel, query.Purpose, query.Justification, asked, cancellationToken: cancellationToken);
        if (access.Refused) return (null, new NetworkResult.Refused(access.Reason!));
        // Asking about a party, an address or a contact is itself a use of personal data.
        if (named is not null && !access.Allowed && named.Split(' ').Any(IsPersonal))
        {
            var notice = PersonalData.NoticeFor(user);
            await recorder.RecordRefusalAsync(user, channel, query.Purpose, $"node: {notice}", asked, cancellationToken: cancellationToken);
            return (null, new NetworkResult.Refused(notice));
        }
        return (access, null);
    }

    private async Task<int> ResolveAsync(TraderGraph graph, string name, CancellationToken cancellationToken)
    {
        var colon = name.IndexOf(':', StringComparison.Ordinal);
        var kind = name[..colon].Trim().ToLowerInvariant();
        var value = TraderGraphBuilder.Normal(name[(colon + 1)..]) ?? "";
        if (kind == "declaration")
        {
            var node = graph.Find("declaration:" + name[(colon + 1)..].Trim());
            if (node >= 0) return node;
            return await store.FindAsync(name[(colon + 1)..].Trim(), cancellationToken) is { } stored && stored.Declaration.Id is { } id ? graph.Find("declaration:" + id) : -1;
        }
        var found = graph.Find(kind + ":" + value);
        return found >= 0 ? found : graph.Find(kind + ":" + value.ToUpperInvariant());
    }

    private NetworkNodeView View(TraderGraph graph, int node, int hops)
    {
        var kind = graph.Kind(node);
        return new NetworkNodeView(graph.Key(node), KindName(kind), hops, graph.Degree(node), graph.IsHub(node), graph.Seizure(node),
            graph.SeizureHops[node] == byte.MaxValue ? null : graph.SeizureHops[node]);
    }

    private NetworkNodeView Withhold(NetworkNodeView view)
    {
        if (!IsPersonal(view.Key)) return view;
        var colon = view.Key.IndexOf(':', StringComparison.Ordinal);
        var tag = recorder.PartySubject(view.Key[(colon + 1)..])["party:".Length..];
        return view with { Key = view.Key[..colon] + ":~" + (view.Kind == "party" ? tag : LedgerTag(view.Key)) };
    }

    private string LedgerTag(string key) => recorder.PartySubject(key)["party:".Length..];

    private string PartyTagged(string name) => IsPersonal(name) ? recorder.PartySubject(name[(name.IndexOf(':', StringComparison.Ordinal) + 1)..]) : name;

    private static bool IsPersonal(string key) =>
        key.StartsWith("party:", StringComparison.OrdinalIgnoreCase) || key.StartsWith("address:", StringComparison.OrdinalIgnoreCase) || key.StartsWith("contact:", StringComparison.OrdinalIgnoreCase);

    private static bool IsConsignmentKind(string kind) => kind is "declaration" or "seizure";

    public static string KindName(NetworkNodeKind kind) => kind.ToString().ToLowerInvariant();

    private static List<FieldError> Check(NetworkQuery query, bool node, bool hops)
    {
        var errors = new List<FieldError>();
        if (node)
        {
            var colon = query.Node?.IndexOf(':', StringComparison.Ordinal) ?? -1;
            if (string.IsNullOrWhiteSpace(query.Node) || colon <= 0 || colon == query.Node.Length - 1)
                errors.Add(new("node", "name a node as KIND:ID: party:ID, container:ID, vessel:ID, address:TEXT, contact:TEXT or declaration:ID (or MRN)"));
            else if (!Enum.TryParse<NetworkNodeKind>(query.Node[..colon].Trim(), ignoreCase: true, out _))
                errors.Add(new("node", $"'{query.Node[..colon]}' is not a kind of node: party, container, vessel, address, contact, declaration, seizure"));
        }
        if (hops && query.Hops is < 1 or > 6) errors.Add(new("hops", $"expected 1 to 6, got {query.Hops}"));
        if (query.Limit is < 1 or > 10_000) errors.Add(new("limit", $"expected 1 to 10000, got {query.Limit}"));
        return errors;
    }
}
