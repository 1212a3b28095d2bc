using System.Numerics;
using System.Runtime.InteropServices;

namespace Entente.Screening.Matching;

/// <summary>
/// The watched subjects in memory, with blocking keys so a probe is compared only with the few that share one:
/// name words by romanisation key and by consonant skeleton (and joined syllables), identifiers by their
/// normalised value, goods by HS prefix, description term, brand and origin. A name candidate must share two
/// words with the probe (or all it has, when fewer); words so common that their lists are long are checked
/// for the candidates the rarer words found. Subjects come and go (<see cref="Add"/>, <see cref="Remove"/>);
/// screening may run on many threads at once. docs/matching.md.
/// </summary>
public sealed class WatchList
{
    /// <summary>A posting list longer than this is not a source of candidates, only a check of them.</summary>
    internal const int LongList = 400;

    /// <summary>A posting list this short yields candidates even when they share a single word (a typo in the other).</summary>
    internal const int ShortList = 16;

    /// <summary>At most this many candidates are compared for one probe name (a single very common word).</summary>
    internal const int MaxCandidates = 5_000;

    private readonly List<Entry?> slots = [];
    private readonly Dictionary<string, int> slotById = new(StringComparer.Ordinal);
    private readonly Dictionary<string, List<int>> nameKeys = new(StringComparer.Ordinal);
    private readonly Dictionary<string, List<int>> skeletonKeys = new(StringComparer.Ordinal);
    private readonly Dictionary<string, List<int>> identifierKeys = new(StringComparer.Ordinal);
    private readonly Dictionary<string, List<int>> goodsKeys = new(StringComparer.Ordinal);
    private readonly ReaderWriterLockSlim gate = new();

    public WatchList(MatchingThresholds? thresholds = null) => Thresholds = thresholds ?? MatchingThresholds.Default;

    public MatchingThresholds Thresholds { get; }

    public int Count { get { gate.EnterReadLock(); try { return slotById.Count; } finally { gate.ExitReadLock(); } } }

    private sealed record Entry(PreparedSubject Prepared, int MinTokens);

    /// <summary>Builds the list from many subjects, normalising them on every core.</summary>
    public static WatchList Build(IEnumerable<Subject> subjects, MatchingThresholds? thresholds = null)
    {
        var list = new WatchList(thresholds);
        var prepared = subjects.AsParallel().AsOrdered().Select(Prepare).ToList();
        list.gate.EnterWriteLock();
        try
        {
            foreach (var entry in prepared) list.AddLocked(entry);
        }
        finally { list.gate.ExitWriteLock(); }
        return list;
    }

    /// <summary>Adds a watched subject, or replaces the one with the same alert id.</summary>
    public void Add(Subject subject)
    {
        var entry = Prepare(subject);
        gate.EnterWriteLock();
        try { AddLocked(entry); }
        finally { gate.ExitWriteLock(); }
    }

    /// <summary>Removes the watched subject of an alert; false when there is none.</summary>
    public bool Remove(string alertId)
    {
        gate.EnterWriteLock();
        try { return RemoveLocked(alertId); }
        finally { gate.ExitWriteLock(); }
    }

    public bool Contains(string alertId)
    {
        gate.EnterReadLock();
        try { return slotById.ContainsKey(alertId); }
        finally { gate.ExitReadLock(); }
    }

    private static Entry Prepare(Subject subject)
    {
        if (string.IsNullOrEmpty(subject.Id)) throw new ArgumentException("a watched subject needs the id of its alert", nameof(subject));
        var prepared = new PreparedSubject(subject);
        var min = prepared.Names.Length == 0 ? 0 : prepared.Names.Min(n => n.Tokens.Count(Searchable));
        return new Entry(prepared, min);
    }

    private static bool Searchable(NameToken t) => !t.Is(TokenTraits.Initial) && !t.Is(TokenTraits.Minor);

    private void AddLocked(Entry entry)
    {
        var id = entry.Prepared.Subject.Id!;
        if (slotById.ContainsKey(id)) RemoveLocked(id);
        var slot = slots.Count;
        slots.Add(entry);
        slotById[id] = slot;
        foreach (var (index, key) in Keys(entry.Prepared)) Post(index, key, slot);
    }

    private bool RemoveLocked(string id)
    {
        if (!slotById.Remove(id, out var slot)) return false;
        var entry = slots[slot]!;
        slots[slot] = null;
        foreach (var (index, key) in Keys(entry.Prepared))
        {
            var dictionary = Index(index);
            if (!dictionary.TryGetValue(key, out var list)) continue;
            var at = list.BinarySearch(slot);
            if (at >= 0) list.RemoveAt(at);
            if (list.Count == 0) dictionary.Remove(key);
        }
        return true;
    }

    private enum KeyIndex { Name, Skeleton, Identifier, Goods }

    private Dictionary<string, List<int>> Index(KeyIndex index) => index switch
    {
        KeyIndex.Name => nameKeys,
        KeyIndex.Skeleton => skeletonKeys,
        KeyIndex.Identifier => identifierKeys,
        _ => goodsKeys,
    };

    private void Post(KeyIndex index, string key, int slot)
    {
        ref var list = ref CollectionsMarshal.GetValueRefOrAddDefault(Index(index), key, out _);
        list ??= new List<int>(1);
        if (list.Count == 0 || list[^1] != slot) list.Add(slot);
    }

    private static IEnumerable<(KeyIndex, string)> Keys(PreparedSubject s)
    {
        foreach (var name in s.Names)
        {
            var tokens = name.Tokens;
            for (var i = 0; i < tokens.Length; i++)
            {
                var t = tokens[i];
                if (i + 1 < tokens.Length && NameNormaliser.Joinable(t, tokens[i + 1])) yield return (KeyIndex.Name, NameNormaliser.Concat(t.Key, tokens[i + 1].Key));
                if (!Searchable(t)) continue;
                yield return (KeyIndex.Name, t.Key);
                if (t.Skeleton.Length >= 2) yield return (KeyIndex.Skeleton, t.Skeleton);
            }
        }
        foreach (var id in s.Identifiers) yield return (KeyIndex.Identifier, id.Value);
        if (s.Subject.Kind != SubjectKind.Goods) yield break;
        if (s.Hs is { Length: > 0 } hs) yield return (KeyIndex.Goods, "h:" + hs);
        else if (s.Brand.Length > 0) yield return (KeyIndex.Goods, "t:" + s.Brand[0]);
        else if (s.Terms.Length > 0) foreach (var t in s.Terms) yield return (KeyIndex.Goods, "t:" + t);
        else foreach (var c in s.Countries) yield return (KeyIndex.Goods, "o:" + c);
    }

    /// <summary>The watched subjects matching a probe: hits only (score at or above the threshold of their kind), or all from <paramref name="minScore"/>, best first.</summary>
    public IReadOnlyList<Match> Screen(Subject probe, double? minScore = null) => Screen(new PreparedSubject(probe), minScore);

    /// <summary>Screens every subject of a declaration (parties, transport means, containers, goods lines, documents): the hits.</summary>
    public IReadOnlyList<DeclarationMatch> Screen(DeclarationProbe declaration)
    {
        var hits = new List<DeclarationMatch>();
        for (var i = 0; i < declaration.Subjects.Count; i++)
            foreach (var match in Screen(declaration.Subjects[i]))
                hits.Add(new DeclarationMatch(i, declaration.Subjects[i], match));
        return hits;
    }

    [ThreadStatic] private static Dictionary<int, int>? candidatesCache;

    private const int Forced = 1 << 30;

    internal IReadOnlyList<Match> Screen(PreparedSubject probe, double? minScore)
    {
        var candidates = candidatesCache ??= [];
        candidates.Clear();
        gate.EnterReadLock();
        try
        {
            foreach (var name in probe.Names) NameCandidates(name, candidates);
            foreach (var id in probe.Identifiers)
                if (identifierKeys.TryGetValue(id.Value, out var list))
                    foreach (var slot in list) candidates[slot] = Forced;
            if (probe.Subject.Kind == SubjectKind.Goods) GoodsCandidates(probe, candidates);
            List<Match>? matches = null;
            var probeWords = probe.Names.Length == 0 ? 0 : probe.Names.Max(n => n.Tokens.Count(Searchable));
            foreach (var (slot, mask) in candidates)
            {
                var entry = slots[slot];
                if (entry is null || !Compatible(entry.Prepared.Subject.Kind, probe.Subject.Kind)) continue;
                if ((mask & Forced) == 0 && BitOperations.PopCount((uint)mask) < Math.Min(2, Math.Min(entry.MinTokens, probeWords))) continue;
                var threshold = Thresholds.For(entry.Prepared.Subject.Kind);
                var score = SubjectMatcher.Score(entry.Prepared, probe, null);
                if (score < (minScore ?? threshold)) continue;
                var why = new List<FeatureExplanation>();
                SubjectMatcher.Score(entry.Prepared, probe, why);
                (matches ??= []).Add(new Match(entry.Prepared.Subject.Id!, entry.Prepared.Subject.Kind, score, threshold, why));
            }
            if (matches is null) return [];
            matches.Sort((a, b) => b.Score.CompareTo(a.Score));
            return matches;
        }
        finally { gate.ExitReadLock(); }
    }

    private static bool Compatible(SubjectKind watched, SubjectKind probe) =>
        watched == probe || (watched is SubjectKind.Person or SubjectKind.Company && probe is SubjectKind.Person or SubjectKind.Company);

    private void NameCandidates(PreparedName name, Dictionary<int, int> candidates)
    {
        var lists = new List<(List<int> List, int Bit, bool Joined)>();
        var tokens = name.Tokens;
        var bit = 0;
        for (var i = 0; i < tokens.Length && bit < 30; i++)
        {
            var t = tokens[i];
            if (i + 1 < tokens.Length && NameNormaliser.Joinable(t, tokens[i + 1]) && nameKeys.TryGetValue(NameNormaliser.Concat(t.Key, tokens[i + 1].Key), out var joined)) lists.Add((joined, 1 << bit++, true));
            if (!Searchable(t) || bit >= 30) continue;
            var b = 1 << bit++;
            if (nameKeys.TryGetValue(t.Key, out var l)) lists.Add((l, b, false));
            if (t.Skeleton.Length >= 2 && skeletonKeys.TryGetValue(t.Skeleton, out l)) lists.Add((l, b, false));
        }
        if (lists.Count == 0) return;
        var fromShort = false;
        foreach (var (list, b, join) in lists)
        {
            if (list.Count > LongList) continue;
            // Words joined (Xiao Ming as xiaoming) find the names written so, not those written apart: they do not stand for the words.
            fromShort |= !join || lists.All(l => l.Joined);
            var force = list.Count <= ShortList ? Forced : 0;
            foreach (var slot in list)
            {
                ref var mask = ref CollectionsMarshal.GetValueRefOrAddDefault(candidates, slot, out _);
                mask |= b | force;
            }
        }
        if (!fromShort)
        {
            // Every word is common (Muhammad Ali): the candidates are the intersection of the two shortest lists, or the shortest one alone.
            var words = lists.Where(l => !l.Joined).OrderBy(l => l.List.Count).ToList();
            if (words.Count == 0) words = [.. lists.OrderBy(l => l.List.Count)];
            var first = words[0];
            var second = words.FirstOrDefault(l => l.Bit != first.Bit);
            if (second.List is null)
            {
                foreach (var slot in first.List.Take(MaxCandidates)) candidates[slot] = candidates.GetValueOrDefault(slot) | first.Bit;
                return;
            }
            int x = 0, y = 0, added = 0;
            while (x < first.List.Count && y < second.List.Count && added < MaxCandidates)
            {
                var c = first.List[x].CompareTo(second.List[y]);
                if (c == 0)
                {
                    candidates[first.List[x]] = candidates.GetValueOrDefault(first.List[x]) | first.Bit | second.Bit;
                    added++;
                    x++;
                    y++;
                }
                else if (c < 0) x++;
                else y++;
            }
        }
        foreach (var (list, b, _) in lists)
        {
            if (list.Count <= LongList) continue;
            foreach (var slot in candidates.Keys)
            {
                ref var mask = ref CollectionsMarshal.GetValueRefOrNullRef(candidates, slot);
                if ((mask & b) == 0 && list.BinarySearch(slot) >= 0) mask |= b;
            }
        }
    }

    private void GoodsCandidates(PreparedSubject probe, Dictionary<int, int> candidates)
    {
        void Take(string key)
        {
            if (goodsKeys.TryGetValue(key, out var list))
                foreach (var slot in list) candidates[slot] = Forced;
        }
        if (probe.Hs is { Length: > 0 } hs)
            for (var n = 1; n <= hs.Length; n++) Take("h:" + hs[..n]);
        foreach (var t in probe.Terms.Concat(probe.Brand)) Take("t:" + t);
        foreach (var c in probe.Countries) Take("o:" + c);
    }
}
