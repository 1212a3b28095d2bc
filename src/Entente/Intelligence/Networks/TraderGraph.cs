using System.Collections.Concurrent;
using System.Runtime.InteropServices;
using Entente.Declarations;

namespace Entente.Intelligence.Networks;

/// <summary>What a node of the trader network is. Consignments (declarations, seizures) link the others.</summary>
public enum NetworkNodeKind : byte
{
    Declaration,
    Seizure,
    Party,
    Container,
    Vessel,
    Address,
    Contact,
}

/// <summary>
/// The trader network: a bipartite graph where each consignment (a declaration, or a seizure known only by its container)
/// links the identifiers named on it: parties (importer, exporter, declarant, seller, carrier...), containers, vessels,
/// addresses and phone/e-mail contacts. Stored as compact arrays (CSR adjacency: <see cref="_offsets"/> into
/// <see cref="_edges"/>). Distances are counted in hops between identifiers: the identifiers on one consignment are one
/// hop apart. Identifiers named on more than <see cref="HubLimit"/> consignments (a shipping line, a big port address)
/// are hubs: reached, never walked through, or everything would be two hops from everything.
/// </summary>
public sealed class TraderGraph
{
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, Lazy<object>> _memo = new(StringComparer.Ordinal);
    private readonly string[] _keys;
    private readonly NetworkNodeKind[] _kinds;
    private readonly int[] _offsets;
    private readonly int[] _edges;
    private readonly Dictionary<string, int> _index;
    private readonly string?[] _seizures;
    private readonly ConcurrentBag<Marks> _marks = [];

    internal TraderGraph(string[] keys, NetworkNodeKind[] kinds, int[] offsets, int[] edges, Dictionary<string, int> index, string?[] seizures, int hubLimit)
    {
        _keys = keys;
        _kinds = kinds;
        _offsets = offsets;
        _edges = edges;
        _index = index;
        _seizures = seizures;
        HubLimit = hubLimit;
        SeizureHops = ComputeSeizureHops(3);
    }

    public int NodeCount => _keys.Length;

    public long EdgeCount => _edges.Length / 2;

    public int HubLimit { get; }

    /// <summary>Per node: hops to the nearest seized consignment (1: on one; 2: shares a consignment with an identifier on one...), 255 beyond 3.</summary>
    public byte[] SeizureHops { get; }

    public string Key(int node) => _keys[node];

    public NetworkNodeKind Kind(int node) => _kinds[node];

    /// <summary>How many consignments an identifier is named on, or how many identifiers a consignment names.</summary>
    public int Degree(int node) => _offsets[node + 1] - _offsets[node];

    public bool IsConsignment(int node) => _kinds[node] is NetworkNodeKind.Declaration or NetworkNodeKind.Seizure;

    public bool IsHub(int node) => !IsConsignment(node) && Degree(node) > HubLimit;

    /// <summary>The seizure references of a seized consignment (or of a seized container), null when none.</summary>
    public string? Seizure(int node) => _seizures[node];

    public ReadOnlySpan<int> Neighbours(int node) => _edges.AsSpan(_offsets[node], _offsets[node + 1] - _offsets[node]);

    public int Find(string key) => _index.TryGetValue(key, out var node) ? node : -1;

    public IEnumerable<int> Nodes(NetworkNodeKind kind)
    {
        for (var i = 0; i < _kinds.Length; i++) if (_kinds[i] == kind) yield return i;
    }

    /// <summary>Seized consignments, and seized containers known from a seizure.</summary>
    public IEnumerable<int> Seized()
    {
        for (var i = 0; i < _seizures.Length; i++) if (_seizures[i] is not null) yield return i;
    }

    /// <summary>
    /// The identifiers within <paramref name="hops"/> of <paramref name="start"/> (an identifier, or a consignment whose
    /// identifiers are at hop 1), with their hop count; the consignments that link them are returned as well, at the hop
    /// of the identifier they lead to. At most <paramref name="limit"/> nodes.
    /// </summary>
    public IReadOnlyList<(int Node, int Hops)> Neighbourhood(int start, int hops, int limit = 10_000)
    {
        var seen = Rent();
        try
        {
            seen.TryMark(start, 0);
            var result = new List<(int, int)> { (start, 0) };
            var frontier = new List<int>();
            if (IsConsignment(start))
            {
                foreach (var e in Neighbours(start))
                {
                    if (seen.TryMark(e, 1)) { result.Add((e, 1)); frontier.Add(e); }
                }
            }
            else frontier.Add(start);
            var level = IsConsignment(start) ? 1 : 0;
            var next = new List<int>();
            while (level < hops && frontier.Count > 0 && result.Count < limit)
            {
                level++;
                next.Clear();
                foreach (var entity in frontier)
                {
                    if (IsHub(entity) && entity != start) continue;
                    foreach (var consignment in Neighbours(entity))
                    {
                        if (!seen.TryMark(consignment, level)) continue;
                        result.Add((consignment, level));
                        foreach (var other in Neighbours(consignment))
                        {
                            if (!seen.TryMark(other, level)) continue;
                            result.Add((other, level));
                            next.Add(other);
                            if (result.Count >= limit) return result;
                        }
                    }
                }
                (frontier, next) = (next, frontier);
            }
            return result;
        }
        finally
        {
            _marks.Add(seen);
        }
    }

    /// <summary>
    /// A shortest path between two nodes (identifiers and the consignments linking them), or null when the far end is more
    /// than <paramref name="maxHops"/> away, hops counted as <see cref="Neighbourhood"/> counts them (<see cref="PathHops"/>):
    /// at most 2 × maxHops links between identifiers, one fewer from a consignment, two fewer between consignments.
    /// Searched from both ends at once, one level at a time on the smaller frontier, until the two searches meet.
    /// </summary>
    public IReadOnlyList<int>? ShortestPath(int from, int to, int maxHops = 8)
    {
        if (from == to) return [from];
        var links = 2 * maxHops - (IsConsignment(from) ? 1 : 0);
        var ahead = Rent();
        var behind = Rent();
        try
        {
            ahead.TryMark(from, -1);
            behind.TryMark(to, -1);
            var forward = new List<int> { from };
            var backward = new List<int> { to };
            var next = new List<int>();
            // Every level expanded adds one link to the shortest path still possible; the first meeting is at that length.
            for (var length = 1; length <= links && forward.Count > 0 && backward.Count > 0; length++)
            {
                int meeting;
                next.Clear();
                if (forward.Count <= backward.Count)
                {
                    meeting = Expand(forward, next, ahead, behind, from, walkingBack: false);
                    (forward, next) = (next, forward);
                }
                else
                {
                    meeting = Expand(backward, next, behind, ahead, from, walkingBack: true);
                    (backward, next) = (next, backward);
                }
                if (meeting < 0) continue;
                var path = new List<int>();
                for (var at = meeting; at != -1; at = ahead.Value(at)) path.Add(at);
                path.Reverse();
                for (var at = behind.Value(meeting); at != -1; at = behind.Value(at)) path.Add(at);
                return path;
            }
            return null;
        }
        finally
        {
            _marks.Add(ahead);
            _marks.Add(behind);
        }
    }

    /// <summary>
    /// The hops from the start of a path to the node <paramref name="links"/> links along it, as <see cref="Neighbourhood"/>
    /// counts them: from an identifier, each consignment and the identifiers on it one hop further; from a consignment,
    /// the identifiers on it at hop 1.
    /// </summary>
    public static int PathHops(bool fromConsignment, int links) => links == 0 ? 0 : fromConsignment ? links / 2 + 1 : (links + 1) / 2;

    /// <summary>
    /// One level of a path search: marks the unmarked neighbours of <paramref name="frontier"/> in <paramref name="mine"/>
    /// (with the node they were reached from) into <paramref name="next"/>; returns the first one the other end's search
    /// has marked already, or -1. Hubs other than <paramref name="from"/> are not walked through: searching from the
    /// start they are not expanded, searching back from the end they are not stepped onto.
    /// </summary>
    private int Expand(List<int> frontier, List<int> next, Marks mine, Marks theirs, int from, bool walkingBack)
    {
        foreach (var node in frontier)
        {
            if (!walkingBack && node != from && IsHub(node)) continue;
            foreach (var n in Neighbours(node))
            {
                if (walkingBack && n != from && IsHub(n)) continue;
                if (!mine.TryMark(n, node)) continue;
                if (theirs.IsMarked(n)) return n;
                next.Add(n);
            }
        }
        return -1;
    }

    /// <summary>Per-query marks over the nodes (visited, with a value), reused between queries: no dictionary on the query path.</summary>
    private Marks Rent()
    {
        if (!_marks.TryTake(out var marks)) marks = new Marks(NodeCount);
        marks.Reset();
        return marks;
    }

    private sealed class Marks(int nodes)
    {
        private readonly int[] _stamp = new int[nodes];
        private readonly int[] _value = new int[nodes];
        private int _generation;

        public void Reset()
        {
            if (++_generation == int.MaxValue)
            {
                Array.Clear(_stamp);
                _generation = 1;
            }
        }

        /// <summary>Marks <paramref name="node"/> with <paramref name="value"/>; false when it was marked already.</summary>
        public bool TryMark(int node, int value)
        {
            if (_stamp[node] == _generation) return false;
            _stamp[node] = _generation;
            _value[node] = value;
            return true;
        }

        public int Value(int node) => _value[node];

        public bool IsMarked(int node) => _stamp[node] == _generation;
    }

    /// <summary>Connected components (hubs not walked through: each hub is its own): a component number per node.</summary>
    public int[] Components()
    {
        var parent = new int[NodeCount];
        for (var i = 0; i < parent.Length; i++) parent[i] = i;
        int Root(int x)
        {
            while (parent[x] != x)
            {
                parent[x] = parent[parent[x]];
                x = parent[x];
            }
            return x;
        }
        for (var c = 0; c < NodeCount; c++)
        {
            if (!IsConsignment(c)) continue;
            foreach (var e in Neighbours(c))
            {
                if (IsHub(e)) continue;
                var a = Root(c);
                var b = Root(e);
                if (a != b) parent[Math.Max(a, b)] = Math.Min(a, b);
            }
        }
        for (var i = 0; i < parent.Length; i++) parent[i] = Root(i);
        return parent;
    }

    /// <summary>PageRank over the bipartite graph (damping 0.85, <paramref name="iterations"/> rounds), scaled so the mean node scores 1.</summary>
    public double[] PageRank(int iterations = 20)
    {
        var n = NodeCount;
        if (n == 0) return [];
        var rank = new double[n];
        var next = new double[n];
        Array.Fill(rank, 1.0 / n);
        const double damping = 0.85;
        for (var round = 0; round < iterations; round++)
        {
            var dangling = 0.0;
            Array.Clear(next);
            for (var i = 0; i < n; i++)
            {
                var degree = Degree(i);
                if (degree == 0)
                {
                    dangling += rank[i];
                    continue;
                }
                var share = rank[i] / degree;
                foreach (var j in Neighbours(i)) next[j] += share;
            }
            var teleport = (1 - damping + damping * dangling) / n;
            for (var i = 0; i < n; i++) next[i] = teleport + damping * next[i];
            (rank, next) = (next, rank);
        }
        for (var i = 0; i < n; i++) rank[i] *= n;
        return rank;
    }

    /// <summary>
    /// What <paramref name="compute"/> makes of this graph, computed once: a graph never changes once built, so whole-graph
    /// answers (communities, components with their ranks) are worked out on the first request after a build and served
    /// from then on. <paramref name="key"/> names the computation.
    /// </summary>
    public T Memo<T>(string key, Func<TraderGraph, T> compute) where T : class =>
        (T)_memo.GetOrAdd(key, _ => new Lazy<object>(() => compute(this), LazyThreadSafetyMode.ExecutionAndPublication)).Value;

    /// <summary>
    /// Communities by label propagation (hubs take no part): every node takes the label most of its neighbours carry,
    /// ties to the smallest, in a fixed pseudo-random order, until nothing changes or <paramref name="rounds"/> pass.
    /// </summary>
    public int[] Communities(int rounds = 20, int seed = 17)
    {
        var n = NodeCount;
        var label = new int[n];
        for (var i = 0; i < n; i++) label[i] = i;
        var order = new int[n];
        for (var i = 0; i < n; i++) order[i] = i;
        new Random(seed).Shuffle(order);
        var counts = new Dictionary<int, int>();
        for (var round = 0; round < rounds; round++)
        {
            var changed = 0;
            foreach (var i in order)
            {
                if (IsHub(i) || Degree(i) == 0) continue;
                counts.Clear();
                foreach (var j in Neighbours(i))
                {
                    if (IsHub(j)) continue;
                    ref var c = ref CollectionsMarshal.GetValueRefOrAddDefault(counts, label[j], out _);
                    c++;
                }
                if (counts.Count == 0) continue;
                var best = label[i];
                var bestCount = counts.GetValueOrDefault(best);
                foreach (var (l, c) in counts)
                {
                    if (c > bestCount || (c == bestCount && l < best))
                    {
                        best = l;
                        bestCount = c;
                    }
                }
                if (best != label[i])
                {
                    label[i] = best;
                    changed++;
                }
            }
            if (changed == 0) break;
        }
        return label;
    }

    /// <summary>The seized consignments within two hops of an identifier (hop 1: it is on one; hop 2: it shares a consignment with an identifier on one).</summary>
    public int SeizedWithinTwoHops(int entity)
    {
        var count = 0;
        foreach (var (node, hops) in Neighbourhood(entity, 2, 5_000))
            if (hops <= 2 && IsConsignment(node) && _seizures[node] is not null) count++;
        return count;
    }

    private byte[] ComputeSeizureHops(int most)
    {
        var hops = new byte[NodeCount];
        Array.Fill(hops, byte.MaxValue);
        var frontier = new List<int>();
        for (var i = 0; i < NodeCount; i++)
        {
            if (_seizures[i] is null) continue;
            hops[i] = 0;
            if (IsConsignment(i))
            {
                foreach (var e in Neighbours(i))
                {
                    if (hops[e] > 1)
                    {
                        hops[e] = 1;
                        frontier.Add(e);
                    }
                }
            }
            else
            {
                hops[i] = 1;
                frontier.Add(i);
            }
        }
        for (var level = 2; level <= most && frontier.Count > 0; level++)
        {
            var next = new List<int>();
            foreach (var entity in frontier)
            {
                if (IsHub(entity)) continue;
                foreach (var c in Neighbours(entity))
                {
                    foreach (var other in Neighbours(c))
                    {
                        if (hops[other] <= level) continue;
                        hops[other] = (byte)level;
                        next.Add(other);
                    }
                }
            }
            frontier = next;
        }
        return hops;
    }
}

/// <summary>An identifier named on a consignment: its kind and its key (kind-prefixed, normalised), and the role it plays there.</summary>
public readonly record struct NetworkLink(NetworkNodeKind Kind, string Key, string? Role);

/// <summary>Builds a <see cref="TraderGraph"/> from consignments, one at a time, then freezes it into arrays.</summary>
/// <remarks><c>nodes</c> and <c>links</c>: the expected sizes, when known, so nothing is regrown.</remarks>
public sealed class TraderGraphBuilder(int hubLimit = TraderGraphBuilder.DefaultHubLimit, int nodes = 0, int links = 0)
{
    public const int DefaultHubLimit = 500;

    private readonly List<string> _keys = new(nodes);
    private readonly List<NetworkNodeKind> _kinds = new(nodes);
    private readonly Dictionary<string, int> _index = new(nodes, StringComparer.Ordinal);
    private readonly List<int> _from = new(links);
    private readonly List<int> _to = new(links);
    private readonly Dictionary<int, string> _seizures = [];
    private readonly List<NetworkLink> _scratch = [];

    public int Consignments { get; private set; }

    /// <summary>The identifiers <paramref name="declaration"/> names, as links of the network.</summary>
    public static void Links(Declaration declaration, List<NetworkLink> links)
    {
        ArgumentNullException.ThrowIfNull(declaration);
        ArgumentNullException.ThrowIfNull(links);
        foreach (var party in declaration.Parties)
        {
            var role = party.Role.ToString().ToLowerInvariant();
            if (Normal(party.Id) is { } id) links.Add(new(NetworkNodeKind.Party, "party:" + id, role));
            else if (Normal(party.Name) is { } name) links.Add(new(NetworkNodeKind.Party, "party:~" + name + "|" + party.Address?.CountryCode, role));
            if (party.Address is { } address && Normal(address.Line) is { } line)
                links.Add(new(NetworkNodeKind.Address, "address:" + line + "|" + Normal(address.PostcodeId) + "|" + Normal(address.CityName) + "|" + address.CountryCode, role));
        }
        var consignment = declaration.GoodsShipment.Consignment;
        foreach (var container in consignment.Containers)
            if (Normal(container.Id) is { } c) links.Add(new(NetworkNodeKind.Container, "container:" + c, null));
        foreach (var means in new[] { consignment.BorderTransportMeans, consignment.ArrivalTransportMeans })
            if (Normal(means?.Id) is { } v) links.Add(new(NetworkNodeKind.Vessel, "vessel:" + v, null));
        foreach (var (name, value) in declaration.NationalData)
        {
            if (name.Contains("phone", StringComparison.OrdinalIgnoreCase) || name.Contains("email", StringComparison.OrdinalIgnoreCase) || name.Contains("e-mail", StringComparison.OrdinalIgnoreCase))
                if (Normal(value) is { } contact) links.Add(new(NetworkNodeKind.Contact, "contact:" + contact, name));
        }
    }

    /// <summary>Adds a stored declaration; <paramref name="seizure"/> names the seizure that found something in it, if any.</summary>
    public int Add(string declarationId, Declaration declaration, string? seizure = null)
    {
        _scratch.Clear();
        Links(declaration, _scratch);
        return Add(NetworkNodeKind.Declaration, "declaration:" + declarationId, _scratch, seizure);
    }

    /// <summary>Adds a consignment and its links; returns its node.</summary>
    public int Add(NetworkNodeKind kind, string key, IReadOnlyList<NetworkLink> links, string? seizure = null)
    {
        ArgumentNullException.ThrowIfNull(links);
        var consignment = Node(kind, key);
        Consignments++;
        if (seizure is not null) MarkSeized(consignment, seizure);
        for (var i = 0; i < links.Count; i++)
        {
            var other = Node(links[i].Kind, links[i].Key);
            var duplicate = false;
            for (var j = 0; j < i; j++) if (links[j].Key == links[i].Key) { duplicate = true; break; }
            if (duplicate) continue;
            _from.Add(consignment);
            _to.Add(other);
        }
        return consignment;
    }

    /// <summary>Marks a node seized (a consignment, or a container named in a seizure) with the seizure's reference; false when there is no such node.</summary>
    public bool MarkSeized(string key, string seizure)
    {
        if (!_index.TryGetValue(key, out var node)) return false;
        MarkSeized(node, seizure);
        return true;
    }

    private void MarkSeized(int node, string seizure) =>
        _seizures[node] = _seizures.TryGetValue(node, out var earlier) && !earlier.Split(", ").Contains(seizure) ? earlier + ", " + seizure : seizure;

    public TraderGraph Build()
    {
        var n = _keys.Count;
        var offsets = new int[n + 1];
        foreach (var f in _from) offsets[f + 1]++;
        foreach (var t in _to) offsets[t + 1]++;
        for (var i = 0; i < n; i++) offsets[i + 1] += offsets[i];
        var edges = new int[offsets[n]];
        var fill = offsets.AsSpan(0, n).ToArray();
        var from = CollectionsMarshal.AsSpan(_from);
        var to = CollectionsMarshal.AsSpan(_to);
        for (var i = 0; i < from.Length; i++)
        {
            edges[fill[from[i]]++] = to[i];
            edges[fill[to[i]]++] = from[i];
        }
        var seizures = new string?[n];
        foreach (var (node, reference) in _seizures) seizures[node] = reference;
        return new TraderGraph([.. _keys], [.. _kinds], offsets, edges, _index, seizures, hubLimit);
    }

    private int Node(NetworkNodeKind kind, string key)
    {
        ref var node = ref CollectionsMarshal.GetValueRefOrAddDefault(_index, key, out var exists);
        if (exists) return node;
        node = _keys.Count;
        _keys.Add(key);
        _kinds.Add(kind);
        return node;
    }

    /// <summary>An identifier as the network keys it: trimmed, upper case, inner spaces collapsed; null when empty.</summary>
    public static string? Normal(string? value)
    {
        if (string.IsNullOrWhiteSpace(value)) return null;
        var trimmed = value.Trim();
        var simple = true;
        foreach (var c in trimmed)
        {
            if (char.IsLower(c) || c is '\t' or '\n' or '\r') { simple = false; break; }
        }
        if (simple && !trimmed.Contains("  ", StringComparison.Ordinal)) return trimmed;
        return string.Join(' ', trimmed.ToUpperInvariant().Split([' ', '\t', '\n', '\r'], StringSplitOptions.RemoveEmptyEntries));
    }
}
