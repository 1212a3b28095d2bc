using System.Numerics;
using System.Runtime.InteropServices;

namespace Entente.Screening.Matching;

/// <summary>
/// The watched subjects in memory, with blocking keys so a probe is compared only with the few that share one:
/// name words by romanisation key, by consonant skeleton, by the keys within one edit (a deletion neighbourhood
/// of the name keys, for typos) and joined syllables; identifiers by their normalised value; goods by HS prefix,
/// description term, brand and origin. A name candidate must share two words with the probe (or all it has, when
/// fewer) unless a word it shares is rare (<see cref="ShortList"/>); rare words bring candidates, common ones are
/// intersected pairwise and checked for the candidates found. Subjects come and go (<see cref="Add"/>,
/// <see cref="Remove"/>); screening may run on many threads at once. docs/matching.md.
/// </summary>
public sealed class WatchList
{
    /// <summary>A word whose posting lists hold more than this (with its skeleton and neighbours) is not a source of candidates, only intersected and checked.</summary>
    internal const int LongList = 400;

    /// <summary>A posting list this short yields candidates even when they share a single word (a typo in the other).</summary>
    internal const int ShortList = 16;

    /// <summary>At most this many candidates come from common words for one probe name (their intersections, or a single very common word); rare words add at most <see cref="LongList"/> each.</summary>
    internal const int MaxCandidates = 5_000;

    private readonly List<Entry?> slots = [];

    /// <summary>Per slot, what the candidate filter reads without following the entry: kind, words a name needs, birth year.</summary>
    private readonly List<SlotFacts> facts = [];
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

    /// <summary>
    /// What the candidate filter reads of a subject without following its entry (one read per candidate instead of three):
    /// its kind, the words a name needs, birth year, its single country and single identifier (scheme interned, value
    /// hashed). Two different hashes are two different values, so a conflict found here is certain; an equal hash is
    /// left to <see cref="SubjectMatcher.Ceiling"/>.
    /// </summary>
    private readonly record struct SlotFacts(SubjectKind Kind, bool Removed, byte MinTokens, int BirthYear, int Country, int Scheme, int Identifier)
    {
        public static SlotFacts Of(PreparedSubject s, int minTokens) => new(
            s.Subject.Kind, false, (byte)Math.Min(minTokens, 255), s.Subject.BirthDate?.Year ?? 0,
            s.Countries is [var country] ? NonZero(country.GetHashCode()) : 0,
            s.Identifiers is [{ Scheme: { } scheme }] ? Schemes.GetOrAdd(scheme, _ => Interlocked.Increment(ref schemeCount)) : 0,
            s.Identifiers is [var identifier] ? NonZero(identifier.Value.GetHashCode()) : 0);

        private static int NonZero(int hash) => hash == 0 ? 1 : hash;
    }

    private static readonly System.Collections.Concurrent.ConcurrentDictionary<string, int> Schemes = new(StringComparer.Ordinal);
    private static int schemeCount;

    /// <summary>The probe's facts and the score it must reach: which slots are worth comparing at all.</summary>
    private readonly struct Filter(WatchList list, SlotFacts probe, double? minScore)
    {
        public SubjectKind ProbeKind => probe.Kind;

        /// <summary>
        /// False when the slot is gone, of a kind the probe is not compared with, or certain to score below the floor
        /// because a cheap attribute conflicts (another birth year, a company's other country, another identifier of
        /// the same scheme) — the same conflicts as <see cref="SubjectMatcher.Ceiling"/>, read from the facts alone.
        /// </summary>
        public bool Viable(int slot)
        {
            var f = list.facts[slot];
            if (f.Removed || !Compatible(f.Kind, probe.Kind)) return false;
            var floor = minScore ?? list.Thresholds.For(f.Kind);
            if (floor <= MatchingThresholds.ConflictFactor) return true;
            var otherIdentifier = f.Scheme != 0 && f.Scheme == probe.Scheme && f.Identifier != probe.Identifier;
            if (f.Kind is SubjectKind.Person or SubjectKind.Company && probe.Kind is SubjectKind.Person or SubjectKind.Company)
                return !(otherIdentifier
                    || (f.Kind == SubjectKind.Person && f.BirthYear != 0 && probe.BirthYear != 0 && f.BirthYear != probe.BirthYear)
                    || (f.Kind == SubjectKind.Company && f.Country != 0 && probe.Country != 0 && f.Country != probe.Country));
            return !(f.Kind == SubjectKind.Transport && otherIdentifier && floor > 0.63);
        }
    }

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
        facts.Add(SlotFacts.Of(entry.Prepared, entry.MinTokens));
        slotById[id] = slot;
        foreach (var (index, key) in Keys(entry.Prepared)) Post(index, key, slot);
    }

    private bool RemoveLocked(string id)
    {
        if (!slotById.Remove(id, out var slot)) return false;
        var entry = slots[slot]!;
        slots[slot] = null;
        facts[slot] = facts[slot] with { Removed = true };
        foreach (var (index, key) in Keys(entry.Prepared))
        {
            var dictionary = Index(index);
            if (!dictionary.TryGetValue(key, out var list)) continue;
            var at = list.BinarySearch(slot);
            if (at >= 0) list.RemoveAt(at);
            if (list.Count > 0) continue;
            dictionary.Remove(key);
            if (index == KeyIndex.Name && Fuzzy(key)) RemoveDeletions(key);
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
        ref var list = ref CollectionsMarshal.GetValueRefOrAddDefault(Index(index), key, out var known);
        if (!known && index == KeyIndex.Name && Fuzzy(key)) AddDeletions(key);
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

    /// <summary>How many watched subjects the last <see cref="Screen(Subject, double?)"/> on this thread scored (the candidates that passed blocking and could still reach the floor): the benchmark's candidates per query.</summary>
    [ThreadStatic] internal static int LastCompared;

    private const int Forced = 1 << 30;

    internal IReadOnlyList<Match> Screen(PreparedSubject probe, double? minScore)
    {
        var candidates = candidatesCache ??= [];
        candidates.Clear();
        gate.EnterReadLock();
        try
        {
            var filter = new Filter(this, SlotFacts.Of(probe, 0), minScore);
            foreach (var name in probe.Names) NameCandidates(name, candidates, filter);
            foreach (var id in probe.Identifiers)
                if (identifierKeys.TryGetValue(id.Value, out var list))
                    foreach (var slot in list) candidates[slot] = Forced;
            if (probe.Subject.Kind == SubjectKind.Goods) GoodsCandidates(probe, candidates);
            List<Match>? matches = null;
            var compared = 0;
            var probeWords = probe.Names.Length == 0 ? 0 : probe.Names.Max(n => n.Tokens.Count(Searchable));
            foreach (var (slot, mask) in candidates)
            {
                var f = facts[slot];
                if ((mask & Forced) == 0 && BitOperations.PopCount((uint)mask) < Math.Min(2, Math.Min(f.MinTokens, probeWords))) continue;
                if (!filter.Viable(slot)) continue;
                var threshold = Thresholds.For(f.Kind);
                var entry = slots[slot]!;
                if (SubjectMatcher.Ceiling(entry.Prepared, probe) < (minScore ?? threshold)) continue;
                compared++;
                var score = SubjectMatcher.Score(entry.Prepared, probe, null);
                if (score < (minScore ?? threshold)) continue;
                var why = new List<FeatureExplanation>();
                SubjectMatcher.Score(entry.Prepared, probe, why);
                (matches ??= []).Add(new Match(entry.Prepared.Subject.Id!, entry.Prepared.Subject.Kind, score, threshold, why));
            }
            LastCompared = compared;
            if (matches is null) return [];
            matches.Sort((a, b) => b.Score.CompareTo(a.Score));
            return matches;
        }
        finally { gate.ExitReadLock(); }
    }

    private static bool Compatible(SubjectKind watched, SubjectKind probe) =>
        watched == probe || (watched is SubjectKind.Person or SubjectKind.Company && probe is SubjectKind.Person or SubjectKind.Company);

    private sealed class Position(int bit, bool consonants = false)
    {
        public readonly int Bit = bit;

        /// <summary>The skeletons within one edit of a word's: intersected with other words, never alone.</summary>
        public readonly bool Consonants = consonants;
        public readonly List<(List<int> List, bool Force)> Lists = new(2);
        public int Size;

        public void Add(List<int> list, bool force)
        {
            foreach (var (l, _) in Lists)
                if (ReferenceEquals(l, list)) return;
            Lists.Add((list, force));
            Size += list.Count;
        }

        public bool Contains(int slot)
        {
            foreach (var (list, _) in Lists)
                if (list.BinarySearch(slot) >= 0) return true;
            return false;
        }

        /// <summary>A thread's bit per slot: a long position's slots marked there answer <see cref="Contains"/> in one read.</summary>
        [ThreadStatic] private static ulong[]? marks;

        /// <summary>
        /// Marks this position's slots in the thread's bits when testing <paramref name="probes"/> slots that way (marking and
        /// clearing every slot) costs less than a binary search of every list per slot; null when it does not.
        /// </summary>
        public ulong[]? MarkIfCheaper(int probes, int slotCount)
        {
            double search = 0;
            foreach (var (list, _) in Lists) search += Math.Log2(list.Count + 1);
            if (probes * search <= 2.0 * Size) return null;
            if (marks is null || marks.Length * 64 < slotCount) marks = new ulong[(slotCount / 64) + 1024];
            foreach (var (list, _) in Lists)
                foreach (var slot in list) marks[slot >> 6] |= 1UL << slot;
            return marks;
        }

        public static bool Marked(ulong[] marks, int slot) => (marks[slot >> 6] & (1UL << slot)) != 0;

        public void Unmark(ulong[] marks)
        {
            foreach (var (list, _) in Lists)
                foreach (var slot in list) marks[slot >> 6] = 0;
        }
    }

    /// <summary>
    /// The candidates of one probe name: the watched subjects that share words with it. A word stands for its romanisation
    /// key, its consonant skeleton and, when it is rare or unknown (a typo, most often), the keys of the index within one
    /// edit of it (<see cref="Neighbours"/>); two words written together (Min-ho / Minho) are a word of their own. A word
    /// whose lists are short is a source of candidates; the two or three commonest words are intersected pairwise (so a
    /// typo in a rare word still finds the subject through its two common ones); every common word is then checked for
    /// the candidates found. At most <see cref="MaxCandidates"/> come from the intersections and the single common word together.
    /// </summary>
    private void NameCandidates(PreparedName name, Dictionary<int, int> candidates, Filter filter)
    {
        var positions = new List<Position>();
        var tokens = name.Tokens;
        var bit = 0;
        List<string>? near = null;
        for (var i = 0; i < tokens.Length && bit < 30; i++)
        {
            var t = tokens[i];
            // Any two adjacent words written together may be a watched word (Jian Guo / Jianguo), not only the pairs the index joins.
            if (i + 1 < tokens.Length && !t.Is(TokenTraits.Initial) && !tokens[i + 1].Is(TokenTraits.Initial) && nameKeys.TryGetValue(NameNormaliser.Concat(t.Key, tokens[i + 1].Key), out var joined))
            {
                var p = new Position(1 << bit++);
                p.Add(joined, joined.Count <= ShortList);
                positions.Add(p);
            }
            if (!Searchable(t) || bit >= 30) continue;
            var position = new Position(1 << bit++);
            var exact = nameKeys.TryGetValue(t.Key, out var l) ? l : null;
            if (exact is not null) position.Add(exact, exact.Count <= ShortList);
            if (t.Skeleton.Length >= 2 && skeletonKeys.TryGetValue(t.Skeleton, out l))
            {
                // A known word's consonants, when many words share them (Acme's k-m is Kim's), are only intersected: they must not
                // make the word itself common.
                if (exact is null || l.Count <= LongList) position.Add(l, l.Count <= ShortList);
                else
                {
                    var consonants = new Position(position.Bit, consonants: true);
                    consonants.Add(l, false);
                    positions.Add(consonants);
                }
            }
            if (UsesNeighbours(exact, filter.ProbeKind))
            {
                (near ??= []).Clear();
                Neighbours(t.Key, near);
                // The word as written too: a slip in a word of a romanisation family (Yag for Yang) leaves the family's key two edits away.
                if (t.Text != t.Key) Neighbours(t.Text, near);
                foreach (var key in near) position.Add(nameKeys[key], false);
                // A person's name: the consonants within one edit too (Ibahim for إبراهيم, Lebedff for Lebedev), a word of their
                // own at the same place, so a long list of them is only intersected and never makes the word's own lists common.
                // Not for a company's, where a consonant less is most often another company (Al Nour, Anur).
                if (t.Skeleton.Length >= 3 && filter.ProbeKind == SubjectKind.Person)
                {
                    var consonants = new Position(position.Bit, consonants: true);
                    SkeletonNeighbours(t.Skeleton, consonants);
                    if (consonants.Lists.Count > 0) positions.Add(consonants);
                }
            }
            if (position.Lists.Count > 0) positions.Add(position);
        }
        if (positions.Count == 0) return;
        foreach (var p in positions)
        {
            if (p.Size > LongList) continue;
            foreach (var (list, force) in p.Lists)
            {
                var mask = p.Bit | (force ? Forced : 0);
                foreach (var slot in list)
                {
                    if (!filter.Viable(slot)) continue;
                    ref var m = ref CollectionsMarshal.GetValueRefOrAddDefault(candidates, slot, out _);
                    m |= mask;
                }
            }
        }
        var common = positions.Where(p => p.Size > LongList).OrderBy(p => p.Size).Take(3).ToList();
        if (OneWord(positions) && common.FirstOrDefault(p => !p.Consonants) is { } only)
        {
            common = [only];
            // A single common word (Muhammad), whatever consonants another word is near: its first subjects only.
            var taken = 0;
            foreach (var (list, _) in common[0].Lists)
                foreach (var slot in list)
                {
                    if (!filter.Viable(slot)) continue;
                    if (taken++ >= MaxCandidates) break;
                    candidates[slot] = candidates.GetValueOrDefault(slot) | common[0].Bit;
                }
            return;
        }
        var added = 0;
        for (var x = 0; x < common.Count && added < MaxCandidates; x++)
        {
            for (var y = x + 1; y < common.Count && added < MaxCandidates; y++)
            {
                var (a, b) = (common[x], common[y]);
                if (a.Bit == b.Bit) continue;
                var marked = b.MarkIfCheaper(a.Size, slots.Count);
                foreach (var (list, _) in a.Lists)
                {
                    foreach (var slot in list)
                    {
                        if (!(marked is null ? b.Contains(slot) : Position.Marked(marked, slot)) || !filter.Viable(slot)) continue;
                        candidates[slot] = candidates.GetValueOrDefault(slot) | a.Bit | b.Bit;
                        if (++added >= MaxCandidates) break;
                    }
                    if (added >= MaxCandidates) break;
                }
                if (marked is not null) b.Unmark(marked);
            }
        }
        foreach (var p in positions)
        {
            if (p.Size <= LongList) continue;
            var marked = p.MarkIfCheaper(candidates.Count, slots.Count);
            foreach (var slot in candidates.Keys)
            {
                ref var mask = ref CollectionsMarshal.GetValueRefOrNullRef(candidates, slot);
                // A candidate needs two words at most (Screen): one with two already, or forced, is not looked up again.
                if ((mask & (p.Bit | Forced)) == 0 && BitOperations.PopCount((uint)mask) < 2 && (marked is null ? p.Contains(slot) : Position.Marked(marked, slot))) mask |= p.Bit;
            }
            if (marked is not null) p.Unmark(marked);
        }
    }

    /// <summary>
    /// Whether a probe word also looks for the words within one edit of it: any word of a person's name short of common,
    /// but only an unknown word of a company's (a company's known word one letter off is most often another company: Nur, Anur).
    /// </summary>
    private static bool UsesNeighbours(List<int>? exact, SubjectKind probe) =>
        exact is null || (exact.Count <= LongList && probe == SubjectKind.Person);

    /// <summary>What blocking sees of a name: per word its key, skeleton, posting list sizes and neighbours (a diagnostic for the benchmark's --probe).</summary>
    internal IEnumerable<string> DescribeBlocking(string name, bool company)
    {
        gate.EnterReadLock();
        try
        {
            var lines = new List<string>();
            foreach (var t in NameNormaliser.Prepare(name, company).Tokens)
            {
                var near = new List<string>();
                if (UsesNeighbours(nameKeys.TryGetValue(t.Key, out var exact) ? exact : null, company ? SubjectKind.Company : SubjectKind.Person))
                {
                    Neighbours(t.Key, near);
                    if (t.Text != t.Key) Neighbours(t.Text, near);
                }
                lines.Add($"{t.Text}: key {t.Key} ({exact?.Count ?? 0}), skeleton {t.Skeleton} ({(skeletonKeys.TryGetValue(t.Skeleton, out var sk) ? sk.Count : 0)}), traits {t.Traits}, neighbours {string.Join(" ", near.Select(k => $"{k} ({nameKeys[k].Count})"))}");
            }
            return lines;
        }
        finally { gate.ExitReadLock(); }
    }

    /// <summary>Whether the probe name's positions are one word (its consonants within one edit aside).</summary>
    private static bool OneWord(List<Position> positions)
    {
        var bit = 0;
        foreach (var p in positions)
        {
            if (p.Consonants) continue;
            if (bit != 0 && p.Bit != bit) return false;
            bit = p.Bit;
        }
        return bit != 0;
    }

    /// <summary>Name keys from this length are indexed by their deletion neighbourhood; shorter ones are found only as the neighbours of a longer probe word.</summary>
    internal const int FuzzyMinLength = 4;

    private const int FuzzyMaxLength = 24;

    /// <summary>
    /// The deletion neighbourhood of the name keys in the index (SymSpell): every key of <see cref="FuzzyMinLength"/> letters
    /// or more under the hash of each spelling with one letter deleted, so that a probe word finds the keys within one
    /// edit (insertion, deletion, substitution, swap of two letters side by side) with a few lookups. The values are the
    /// keys themselves (a string, or a list of them when several share a hash), checked again by <see cref="Similarity.WithinOneEdit"/>.
    /// </summary>
    private readonly Dictionary<ulong, object> deletionKeys = [];

    private static ulong DeletionHash(string key, int skip)
    {
        var h = 14695981039346656037UL;
        for (var i = 0; i < key.Length; i++)
            if (i != skip) h = (h ^ key[i]) * 1099511628211UL;
        return h;
    }

    private static bool Fuzzy(string key) => key.Length is >= FuzzyMinLength and <= FuzzyMaxLength;

    private void AddDeletions(string key)
    {
        for (var p = 0; p < key.Length; p++)
        {
            if (p > 0 && key[p] == key[p - 1]) continue;
            ref var value = ref CollectionsMarshal.GetValueRefOrAddDefault(deletionKeys, DeletionHash(key, p), out _);
            if (value is null) value = key;
            else if (value is string s) { if (s != key) value = new List<string>(2) { s, key }; }
            else if (value is List<string> keys && !keys.Contains(key)) keys.Add(key);
        }
    }

    private void RemoveDeletions(string key)
    {
        for (var p = 0; p < key.Length; p++)
        {
            if (p > 0 && key[p] == key[p - 1]) continue;
            var h = DeletionHash(key, p);
            if (!deletionKeys.TryGetValue(h, out var value)) continue;
            if (value is string s) { if (s == key) deletionKeys.Remove(h); }
            else if (value is List<string> keys && keys.Remove(key) && keys.Count == 1) deletionKeys[h] = keys[0];
        }
    }

    /// <summary>Adds the keys of the index within one edit of <paramref name="key"/> (itself excluded) to <paramref name="into"/>.</summary>
    private void Neighbours(string key, List<string> into)
    {
        if (key.Length < FuzzyMinLength - 1 || key.Length > FuzzyMaxLength) return;
        void Consider(string k)
        {
            if (k != key && !into.Contains(k) && Similarity.WithinOneEdit(key, k)) into.Add(k);
        }
        void Take(ulong h)
        {
            if (!deletionKeys.TryGetValue(h, out var value)) return;
            if (value is string s) Consider(s);
            else foreach (var k in (List<string>)value) Consider(k);
        }
        // Keys one letter longer: a letter dropped from the probe word.
        Take(DeletionHash(key, -1));
        if (key.Length < FuzzyMinLength) return;
        var shorter = nameKeys.GetAlternateLookup<ReadOnlySpan<char>>();
        Span<char> buffer = stackalloc char[key.Length - 1];
        for (var p = 0; p < key.Length; p++)
        {
            if (p > 0 && key[p] == key[p - 1]) continue;
            // Keys of the same length (a letter changed, two swapped), and keys one letter shorter (a letter added).
            Take(DeletionHash(key, p));
            key.AsSpan(0, p).CopyTo(buffer);
            key.AsSpan(p + 1).CopyTo(buffer[p..]);
            if (shorter.TryGetValue(buffer, out var found, out _)) Consider(found);
        }
    }

    private const string Consonants = "bdghjklmnprstvxyz";

    /// <summary>Adds the skeleton keys within one edit of <paramref name="skeleton"/> (itself excluded) to <paramref name="into"/>.</summary>
    private void SkeletonNeighbours(string skeleton, Position into)
    {
        var lookup = skeletonKeys.GetAlternateLookup<ReadOnlySpan<char>>();
        Span<char> buffer = stackalloc char[skeleton.Length + 1];
        void Take(ReadOnlySpan<char> key)
        {
            if (!key.SequenceEqual(skeleton) && key.Length >= 2 && lookup.TryGetValue(key, out var list)) into.Add(list, false);
        }
        for (var p = 0; p < skeleton.Length; p++)
        {
            // A consonant dropped.
            skeleton.AsSpan(0, p).CopyTo(buffer);
            skeleton.AsSpan(p + 1).CopyTo(buffer[p..]);
            Take(buffer[..(skeleton.Length - 1)]);
            // A consonant changed.
            skeleton.AsSpan().CopyTo(buffer);
            foreach (var c in Consonants)
            {
                buffer[p] = c;
                Take(buffer[..skeleton.Length]);
            }
        }
        // A consonant added.
        for (var p = 0; p <= skeleton.Length; p++)
        {
            skeleton.AsSpan(0, p).CopyTo(buffer);
            skeleton.AsSpan(p).CopyTo(buffer[(p + 1)..]);
            foreach (var c in Consonants)
            {
                buffer[p] = c;
                Take(buffer[..(skeleton.Length + 1)]);
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
