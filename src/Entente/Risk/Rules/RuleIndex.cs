using System.Runtime.InteropServices;

namespace Entente.Risk.Rules;

/// <summary>
/// Finds the rules worth evaluating for a declaration. Each rule is filed under its most selective required condition
/// (a conjunct that must hold for it to fire): an HS prefix, an origin, a trader on a list... Only the rules filed under
/// a value the declaration has, plus those with no such condition, are evaluated; the rest cannot fire.
/// </summary>
internal sealed class RuleIndex
{
    private sealed record ExactIndex(int Slot, Dictionary<string, int[]>.AlternateLookup<ReadOnlySpan<char>> Lookup, Dictionary<string, int[]> Map);

    private sealed record PrefixIndex(int Slot, Dictionary<string, int[]>.AlternateLookup<ReadOnlySpan<char>> Lookup, int[] Lengths);

    private readonly int[] _always;
    private readonly ExactIndex[] _exact;
    private readonly PrefixIndex[] _prefix;

    private RuleIndex(int[] always, ExactIndex[] exact, PrefixIndex[] prefix)
    {
        _always = always;
        _exact = exact;
        _prefix = prefix;
    }

    public int AlwaysEvaluated => _always.Length;

    public int Indexed { get; private init; }

    public static RuleIndex Build(IReadOnlyList<CompiledRule> rules, IReadOnlyList<RuleField> textFields)
    {
        var always = new List<int>();
        var exact = new Dictionary<int, Dictionary<string, List<int>>>();
        var prefix = new Dictionary<int, Dictionary<string, List<int>>>();
        foreach (var rule in rules)
        {
            var best = (Condition: (FieldCondition?)null, Values: Array.Empty<string>(), Estimate: double.MaxValue);
            foreach (var c in Required(rule.Declaration.When))
            {
                if (c.Field is not { Type: RuleFieldType.Text } field || c.Op is not (FieldOp.Equal or FieldOp.In or FieldOp.Starts)) continue;
                var values = ValuesOf(c);
                if (values.Length == 0) continue;
                var estimate = c.Op == FieldOp.Starts
                    ? values.Sum(v => Math.Pow(10, -Math.Min(v.Length, 6)))
                    : values.Length * field.Domain switch { RuleDomain.Trader or RuleDomain.Container => 1e-4, RuleDomain.Hs => 1e-5, RuleDomain.Country => 0.02, _ => 0.05 };
                if (estimate < best.Estimate) best = (c, values, estimate);
            }
            if (best.Condition is not { } chosen)
            {
                always.Add(rule.Index);
                continue;
            }
            var target = chosen.Op == FieldOp.Starts ? prefix : exact;
            if (!target.TryGetValue(chosen.Slot, out var map)) target[chosen.Slot] = map = new Dictionary<string, List<int>>(StringComparer.OrdinalIgnoreCase);
            foreach (var v in best.Values)
            {
                if (!map.TryGetValue(v, out var list)) map[v] = list = [];
                list.Add(rule.Index);
            }
        }
        static Dictionary<string, int[]> Freeze(Dictionary<string, List<int>> map) =>
            map.ToDictionary(kv => kv.Key, kv => kv.Value.ToArray(), StringComparer.OrdinalIgnoreCase);
        return new RuleIndex(
            [.. always],
            [.. exact.Select(kv => { var m = Freeze(kv.Value); return new ExactIndex(kv.Key, m.GetAlternateLookup<ReadOnlySpan<char>>(), m); })],
            [.. prefix.Select(kv => new PrefixIndex(kv.Key, Freeze(kv.Value).GetAlternateLookup<ReadOnlySpan<char>>(), kv.Value.Keys.Select(k => k.Length).Distinct().Order().ToArray()))])
        {
            Indexed = rules.Count - always.Count,
        };
    }

    // The conditions that must hold for the rule to fire: the conjuncts of its top-level "and" (and of "same item (...)").
    private static IEnumerable<FieldCondition> Required(Condition c) => c switch
    {
        AllCondition all => all.Parts.SelectMany(Required),
        SameItemCondition same => Required(same.Inner),
        FieldCondition field => [field],
        _ => [],
    };

    private static string[] ValuesOf(FieldCondition c)
    {
        // The compiled test holds the values; the index needs them too, so they are read back from the literal or list.
        return c.IndexValues ?? [];
    }

    /// <summary>Fills <see cref="DeclarationFacts.Candidates"/> with the rules to evaluate, in rule order.</summary>
    public void Candidates(DeclarationFacts facts)
    {
        var candidates = facts.Candidates;
        candidates.Clear();
        var generation = ++facts.Generation;
        var seen = facts.Seen;
        if (generation == int.MaxValue)
        {
            Array.Clear(seen);
            facts.Generation = generation = 1;
        }
        foreach (var r in _always)
        {
            seen[r] = generation;
            candidates.Add(r);
        }
        foreach (var index in _exact)
        {
            var values = facts.Texts[index.Slot];
            var n = facts.TextCounts[index.Slot];
            for (var i = 0; i < n; i++)
            {
                if (values[i] is not { } v || !index.Lookup.TryGetValue(v, out var rules)) continue;
                Add(rules, seen, generation, candidates);
            }
        }
        foreach (var index in _prefix)
        {
            var values = facts.Texts[index.Slot];
            var n = facts.TextCounts[index.Slot];
            for (var i = 0; i < n; i++)
            {
                if (values[i] is not { } v) continue;
                foreach (var length in index.Lengths)
                {
                    if (length > v.Length) break;
                    if (index.Lookup.TryGetValue(v.AsSpan(0, length), out var rules)) Add(rules, seen, generation, candidates);
                }
            }
        }
        if (candidates.Count > _always.Length) CollectionsMarshal.AsSpan(candidates).Sort();
    }

    private static void Add(int[] rules, int[] seen, int generation, List<int> candidates)
    {
        foreach (var r in rules)
        {
            if (seen[r] == generation) continue;
            seen[r] = generation;
            candidates.Add(r);
        }
    }
}
