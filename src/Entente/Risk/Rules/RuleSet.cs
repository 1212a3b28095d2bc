using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Entente.Declarations;

namespace Entente.Risk.Rules;

/// <summary>
/// A compiled rule set: its rules as closures over the facts' slots, the index that picks the rules a declaration can
/// fire, its lists, its test cases and the files it was made from. Immutable and safe to share between threads.
/// </summary>
public sealed class RuleSet
{
    [ThreadStatic]
    private static DeclarationFacts? _threadFacts;

    [ThreadStatic]
    private static RuleSet? _threadFactsOwner;

    private readonly CompiledRule[] _rules;
    private readonly RuleField[] _textFields;
    private readonly RuleField[] _numberFields;
    private readonly RuleIndex _index;

    internal RuleSet(string name, string version, CompiledRule[] rules, RuleField[] textFields, RuleField[] numberFields,
        List<RuleSetTestCase> tests, List<RuleSetFileContent> files, RuleIndex index, List<(string Name, RuleDomain Domain, int Count)> lists)
    {
        Name = name;
        Version = version;
        _rules = rules;
        _textFields = textFields;
        _numberFields = numberFields;
        _index = index;
        Tests = tests;
        Files = [.. files.OrderBy(f => f.Path, StringComparer.Ordinal)];
        Lists = lists;
        Digest = DigestOf(Files);
        Label = $"{name} {version}";
    }

    public string Name { get; }

    public string Version { get; }

    /// <summary>"NAME VERSION", as outcomes name the rule set.</summary>
    public string Label { get; }

    /// <summary>"sha256:" and the hex SHA-256 over the set's files (each path and the SHA-256 of its bytes, sorted by path).</summary>
    public string Digest { get; }

    public int RuleCount => _rules.Length;

    internal IReadOnlyList<CompiledRule> CompiledRules => _rules;

    /// <summary>The rules as written: id, name, lane, score, condition, file and line.</summary>
    public IEnumerable<(string Id, string Name, Lane? Lane, int Score, string Condition, string Where)> Rules =>
        _rules.Select(r => (r.Id, r.Declaration.Name, r.Declaration.Lane, r.Declaration.Score, r.Declaration.When.Source, $"{r.Declaration.File}:{r.Declaration.Line}"));

    public IReadOnlyList<(string Name, RuleDomain Domain, int Count)> Lists { get; }

    public IReadOnlyList<RuleSetTestCase> Tests { get; }

    /// <summary>The files the set was compiled from (rule files, list files, test declarations), sorted by path.</summary>
    public IReadOnlyList<RuleSetFileContent> Files { get; }

    /// <summary>How many rules the index files under a value (the rest are evaluated for every declaration).</summary>
    public int IndexedRules => _index.Indexed;

    /// <summary>Whether a rule reads <paramref name="field"/> (a friendly name or <c>national.NAME</c>).</summary>
    public bool Reads(string field)
    {
        foreach (var f in _textFields) if (string.Equals(f.Name, field, StringComparison.OrdinalIgnoreCase)) return true;
        foreach (var f in _numberFields) if (string.Equals(f.Name, field, StringComparison.OrdinalIgnoreCase)) return true;
        return false;
    }

    internal static string DigestOf(IEnumerable<RuleSetFileContent> files)
    {
        var text = new StringBuilder();
        foreach (var f in files.OrderBy(f => f.Path, StringComparer.Ordinal)) text.Append(f.Path).Append('\n').Append(f.Sha256).Append('\n');
        return "sha256:" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text.ToString())));
    }

    /// <summary>New facts shaped for this rule set, to fill and evaluate repeatedly on one thread.</summary>
    public DeclarationFacts NewFacts() => new(_textFields, _numberFields, _rules.Length);

    /// <summary>Evaluates every rule against the declaration (and the partner results about it).</summary>
    public RuleOutcome Evaluate(Declaration declaration, PartnerIndicators? partners = null)
    {
        if (!ReferenceEquals(_threadFactsOwner, this) || _threadFacts is null)
        {
            _threadFacts = NewFacts();
            _threadFactsOwner = this;
        }
        _threadFacts.Fill(declaration, partners);
        return Evaluate(_threadFacts);
    }

    /// <summary>Evaluates every rule against facts filled by <see cref="DeclarationFacts.Fill"/> from <see cref="NewFacts"/>.</summary>
    public RuleOutcome Evaluate(DeclarationFacts facts)
    {
        _index.Candidates(facts);
        List<FiredRule>? fired = null;
        List<string>? missing = null;
        var score = 0;
        var lane = -1;
        foreach (var r in facts.Candidates)
        {
            var rule = _rules[r];
            if (rule.Holds(facts))
            {
                var d = rule.Declaration;
                (fired ??= []).Add(new FiredRule(d.Id, d.Name, d.Score, d.Lane, Explain(rule, facts)));
                score += d.Score;
                if (d.Lane is { } l && (int)l > lane) lane = (int)l;
            }
            else if (Missing(rule, facts) is { } why) (missing ??= []).Add(why);
        }
        return new RuleOutcome(Label, fired is null ? [] : fired, score, lane < 0 ? null : (Lane)lane, missing is null ? [] : Merge(missing));
    }

    // "value per kg missing on item 2 (no value or no net mass): rule cheap-tobacco could not be checked"
    private string? Missing(CompiledRule rule, DeclarationFacts facts)
    {
        List<string>? parts = null;
        foreach (var (field, slot) in rule.Fields)
        {
            var text = field.Type == RuleFieldType.Text;
            if (field.Level == RuleFieldLevel.Declaration)
            {
                if (text ? facts.TextMissing(slot, 0) : facts.NumberMissing(slot, 0)) (parts ??= []).Add($"{field.Label} missing");
                continue;
            }
            if (facts.ItemCount == 0)
            {
                (parts ??= []).Add("no goods items");
                continue;
            }
            List<int>? items = null;
            for (var i = 0; i < facts.ItemCount; i++)
                if (text ? facts.TextMissing(slot, i) : facts.NumberMissing(slot, i)) (items ??= []).Add(i + 1);
            if (items is null) continue;
            var where = facts.ItemCount == 1 ? "" : items.Count == facts.ItemCount ? " on every item" : $" on item{(items.Count > 1 ? "s" : "")} {string.Join(", ", items)}";
            var why = field.Name == "value-per-kg" ? " (no value or no net mass)" : "";
            (parts ??= []).Add($"{field.Label} missing{where}{why}");
        }
        return parts is null ? null : $"{string.Join("; ", parts.Distinct())}: rule {rule.Id} could not be checked";
    }

    // One line per missing field, naming every rule it kept from being checked.
    private static List<string> Merge(List<string> missing)
    {
        const string Marker = ": rule ";
        return missing
            .Select(m => (What: m[..m.LastIndexOf(Marker, StringComparison.Ordinal)], Rule: m[(m.LastIndexOf(Marker, StringComparison.Ordinal) + Marker.Length)..^" could not be checked".Length]))
            .GroupBy(m => m.What, StringComparer.Ordinal)
            .Select(g =>
            {
                var rules = g.Select(x => x.Rule).ToList();
                var shown = rules.Count <= 5 ? string.Join(", ", rules) : string.Join(", ", rules.Take(5)) + $" and {rules.Count - 5} more";
                return $"{g.Key}: rule{(rules.Count > 1 ? "s" : "")} {shown} could not be checked";
            })
            .ToList();
    }

    private static string Explain(CompiledRule rule, DeclarationFacts facts)
    {
        var parts = new List<string>();
        Explain(rule.Declaration.When, facts, -1, parts);
        var head = rule.Declaration.Because ?? rule.Declaration.Name;
        return parts.Count == 0 ? head : $"{head}: {string.Join("; ", parts)}";
    }

    private static void Explain(Condition c, DeclarationFacts facts, int item, List<string> parts)
    {
        switch (c)
        {
            case AllCondition all:
                foreach (var p in all.Parts) Explain(p, facts, item, parts);
                break;
            case AnyCondition any:
                var held = any.Parts.FirstOrDefault(p => item >= 0 ? p.HoldsAt!(facts, item) : p.Holds!(facts));
                if (held is not null) Explain(held, facts, item, parts);
                break;
            case SameItemCondition same:
                var at = item;
                for (var i = 0; at < 0 && i < facts.ItemCount; i++) if (same.HoldsAt!(facts, i)) at = i;
                if (at >= 0) Explain(same.Inner, facts, at, parts);
                break;
            case NotCondition not:
                var values = new List<string>();
                ValuesOf(not.Inner, facts, item, values);
                parts.Add($"not {not.Inner.Source}{(values.Count > 0 ? $" ({string.Join(", ", values.Distinct())})" : "")}");
                break;
            case PartnerCondition partner:
                parts.Add(Describe(partner, facts));
                break;
            case FieldCondition field:
                parts.Add(Describe(field, facts, item));
                break;
        }
    }

    private static void ValuesOf(Condition c, DeclarationFacts facts, int item, List<string> values)
    {
        switch (c)
        {
            case AllCondition all: all.Parts.ForEach(p => ValuesOf(p, facts, item, values)); break;
            case AnyCondition any: any.Parts.ForEach(p => ValuesOf(p, facts, item, values)); break;
            case NotCondition not: ValuesOf(not.Inner, facts, item, values); break;
            case SameItemCondition same: ValuesOf(same.Inner, facts, item, values); break;
            case FieldCondition { Field: { } f } field:
                var shown = ShownValues(field, facts, item);
                values.Add($"{f.Label} {(shown.Count == 0 ? "missing" : string.Join(", ", shown))}");
                break;
            case PartnerCondition:
                values.Add($"{facts.Partners.Count} partner result{(facts.Partners.Count == 1 ? "" : "s")}");
                break;
        }
    }

    private static List<string> ShownValues(FieldCondition c, DeclarationFacts facts, int item)
    {
        var field = c.Field!;
        var shown = new List<string>();
        var from = field.Level == RuleFieldLevel.Item && item >= 0 ? item : 0;
        var to = field.Level == RuleFieldLevel.Item && item >= 0 ? item + 1 : field.Type == RuleFieldType.Text ? facts.TextCounts[c.Slot] : facts.NumberCounts[c.Slot];
        for (var i = from; i < to && shown.Count < 5; i++)
        {
            if (field.Type == RuleFieldType.Text)
            {
                if (facts.Texts[c.Slot][i] is { } v) shown.Add(Format(field, v));
            }
            else if (!double.IsNaN(facts.Numbers[c.Slot][i])) shown.Add(Format(facts.Numbers[c.Slot][i]));
        }
        return shown;
    }

    private static string Describe(PartnerCondition p, DeclarationFacts facts) => p.Test switch
    {
        PartnerTest.Lane => $"partner {string.Join(", ", facts.Partners.Where(x => x.Lane == p.Lane).Select(x => x.Partner).Distinct())} gave lane {LaneNames.Name(p.Lane)}",
        PartnerTest.From => $"partner {p.Partner} sent a risk result",
        _ => $"{facts.Partners.Count} partner result{(facts.Partners.Count == 1 ? "" : "s")} ({string.Join(", ", facts.Partners.Select(x => $"{x.Partner} {LaneNames.Name(x.Lane)}"))})",
    };

    private static string Describe(FieldCondition c, DeclarationFacts facts, int item)
    {
        var field = c.Field!;
        if (field.Level == RuleFieldLevel.Item && item < 0)
            for (var i = 0; i < facts.ItemCount && item < 0; i++) if (c.HoldsAt!(facts, i)) item = i;
        var prefix = field.Level == RuleFieldLevel.Item && facts.ItemCount > 1 && item >= 0 ? $"item {item + 1} " : "";
        string value;
        if (c.Op is FieldOp.Missing) return $"{prefix}{field.Label} is missing";
        if (field.Level == RuleFieldLevel.Many)
        {
            var matching = new List<string>();
            for (var i = 0; i < facts.TextCounts[c.Slot] && matching.Count < 5; i++)
                if (facts.Texts[c.Slot][i] is { } v && TextMatches(c, v)) matching.Add(v);
            value = string.Join(", ", matching);
        }
        else
        {
            var at = field.Level == RuleFieldLevel.Item ? Math.Max(item, 0) : 0;
            value = field.Type == RuleFieldType.Text
                ? Format(field, facts.Texts[c.Slot][at] ?? "")
                : Format(facts.Numbers[c.Slot][at]);
        }
        var subject = $"{prefix}{field.Label} {value}";
        string Literal(int i) => field.Domain == RuleDomain.Hs ? FormatHs(c.IndexValues?[i] ?? c.Values[i].Text) : c.Values[i].Text;
        return c.Op switch
        {
            FieldOp.Present => subject,
            FieldOp.Equal => subject,
            FieldOp.NotEqual => $"{subject} is not {Literal(0)}",
            FieldOp.Less => $"{subject} is below {Literal(0)}",
            FieldOp.LessOrEqual => $"{subject} is at most {Literal(0)}",
            FieldOp.Greater => $"{subject} is above {Literal(0)}",
            FieldOp.GreaterOrEqual => $"{subject} is at least {Literal(0)}",
            FieldOp.Between => $"{subject} is between {Literal(0)} and {Literal(1)}",
            FieldOp.Contains => $"{prefix}{field.Label} \"{value}\" contains \"{c.Values[0].Text}\"",
            FieldOp.In when c.ListShown is { } list => $"{subject} is on list {list}",
            FieldOp.In => $"{subject} is one of {string.Join(", ", c.IndexValues ?? [])}",
            FieldOp.Starts when c.ListShown is { } list => $"{subject} starts with a code on list {list}",
            FieldOp.Starts => $"{subject} starts with {string.Join(" or ", (c.IndexValues ?? []).Where(p => value.Replace(".", "", StringComparison.Ordinal).StartsWith(p, StringComparison.OrdinalIgnoreCase)).DefaultIfEmpty(Literal(0)))}",
            _ => subject,
        };
    }

    private static bool TextMatches(FieldCondition c, string v) => c.Op switch
    {
        FieldOp.Equal or FieldOp.In => c.IndexValues?.Contains(v, StringComparer.OrdinalIgnoreCase) == true,
        FieldOp.Starts => c.IndexValues?.Any(p => v.StartsWith(p, StringComparison.OrdinalIgnoreCase)) == true,
        FieldOp.Contains => v.Contains(c.Values[0].Text, StringComparison.OrdinalIgnoreCase),
        FieldOp.NotEqual => c.Values.Count > 0 && !string.Equals(v, c.Values[0].Text, StringComparison.OrdinalIgnoreCase),
        _ => true,
    };

    private static string Format(RuleField field, string value) => field.Domain == RuleDomain.Hs ? FormatHs(value) : value;

    /// <summary>HS codes as officers write them: 2402.20, 2402.20.10.</summary>
    internal static string FormatHs(string code)
    {
        if (code.Length <= 4 || !code.All(char.IsAsciiDigit)) return code;
        var text = new StringBuilder(code[..4]);
        for (var i = 4; i < code.Length; i += 2) text.Append('.').Append(code.AsSpan(i, Math.Min(2, code.Length - i)));
        return text.ToString();
    }

    private static string Format(double value) => Math.Round(value, 2).ToString("0.##", CultureInfo.InvariantCulture);
}
