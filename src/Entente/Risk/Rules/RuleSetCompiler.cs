using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Entente.Declarations;

namespace Entente.Risk.Rules;

/// <summary>One file of a rule set artefact (a rule file, a list file, a test declaration), by its path relative to the set's folder.</summary>
public sealed record RuleSetFileContent(string Path, byte[] Bytes)
{
    public string Sha256 => Convert.ToHexStringLower(SHA256.HashData(Bytes));
}

/// <summary>
/// Turns rule set text into a <see cref="RuleSet"/>: parses, resolves every field and list, checks types, and compiles
/// each condition once into closures over pre-resolved slots (the facts' arrays), so evaluating a rule never looks a
/// field up by name. Refuses the whole set, with every problem's file, line and column, when anything is wrong.
/// </summary>
public static class RuleSetCompiler
{
    /// <summary>Compiles one rule file; list files and test declarations it names are read relative to <paramref name="fileName"/>'s folder.</summary>
    public static RuleSet Compile(string text, string fileName)
    {
        var folder = Path.GetDirectoryName(Path.GetFullPath(fileName)) ?? ".";
        var name = Path.GetFileName(fileName);
        return Compile([new RuleSetFileContent(name, Encoding.UTF8.GetBytes(text))], relative => File.ReadAllBytes(RuleSetFile.Inside(folder, relative)));
    }

    /// <summary>Compiles the rule files of one set; <paramref name="readFile"/> reads a list file or test declaration by its path relative to the set's folder.</summary>
    public static RuleSet Compile(IReadOnlyList<RuleSetFileContent> ruleFiles, Func<string, byte[]> readFile)
    {
        var errors = new List<RuleSetError>();
        var syntax = new RuleSetSyntax();
        foreach (var file in ruleFiles) RuleParser.Parse(Encoding.UTF8.GetString(file.Bytes), file.Path, syntax, errors);
        var files = new List<RuleSetFileContent>(ruleFiles);
        var compiler = new Compilation(syntax, errors, files, readFile);
        var set = compiler.Build();
        if (errors.Count > 0 || set is null) throw new RuleSetException(errors.Count > 0 ? errors : [new RuleSetError(ruleFiles[0].Path, 1, 1, "the rule set could not be compiled")]);
        return set;
    }

    private sealed class Compilation(RuleSetSyntax syntax, List<RuleSetError> errors, List<RuleSetFileContent> files, Func<string, byte[]> readFile)
    {
        private readonly Dictionary<string, (ListDeclaration Declaration, string[] Values)> _lists = new(StringComparer.OrdinalIgnoreCase);
        private readonly Dictionary<string, int> _textSlots = new(StringComparer.Ordinal);
        private readonly Dictionary<string, int> _numberSlots = new(StringComparer.Ordinal);
        private readonly List<RuleField> _textFields = [];
        private readonly List<RuleField> _numberFields = [];

        private void Error(string file, int line, int column, string message) => errors.Add(new RuleSetError(file, line, column, message));

        public RuleSet? Build()
        {
            if (syntax.Name is null && errors.Count == 0 && files.Count > 0)
                Error(files[0].Path, 1, 1, "a rule set names itself and its version first: ruleset \"NAME\" version N");
            foreach (var list in syntax.Lists) AddList(list);
            var rules = new List<CompiledRule>();
            var ids = new Dictionary<string, RuleDeclaration>(StringComparer.OrdinalIgnoreCase);
            foreach (var rule in syntax.Rules)
            {
                if (ids.TryGetValue(rule.Id, out var other))
                {
                    Error(rule.File, rule.Line, rule.Column, $"rule id '{rule.Id}' is used already at {other.File}:{other.Line}; give each rule its own id");
                    continue;
                }
                ids[rule.Id] = rule;
                var before = errors.Count;
                var test = Compile(rule.When, rule.File);
                if (errors.Count > before) continue;
                rules.Add(new CompiledRule(rules.Count, rule, test, UsedFields(rule.When)));
            }
            var tests = new List<RuleSetTestCase>();
            foreach (var t in syntax.Tests)
            {
                var compiled = CompileTest(t, ids);
                if (compiled is not null) tests.Add(compiled);
            }
            if (errors.Count > 0) return null;
            return new RuleSet(syntax.Name!, syntax.Version!, [.. rules], [.. _textFields], [.. _numberFields], tests, files,
                RuleIndex.Build(rules, _textFields), _lists.Values.Select(l => (l.Declaration.Name, l.Declaration.Domain, l.Values.Length)).ToList());
        }

        private void AddList(ListDeclaration list)
        {
            if (_lists.TryGetValue(list.Name, out var other))
            {
                Error(list.File, list.Line, list.Column, $"list '{list.Name}' is defined already at {other.Declaration.File}:{other.Declaration.Line}");
                return;
            }
            var values = new List<string>();
            if (list.FromFile is { } path)
            {
                string text;
                try
                {
                    var bytes = readFile(path);
                    if (!files.Any(f => f.Path == path)) files.Add(new RuleSetFileContent(path, bytes));
                    text = Encoding.UTF8.GetString(bytes);
                }
                catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
                {
                    Error(list.File, list.Line, list.Column, $"list '{list.Name}': cannot read {path} ({e.Message})");
                    return;
                }
                var lineNumber = 0;
                foreach (var raw in text.Split('\n'))
                {
                    lineNumber++;
                    var hash = raw.IndexOf('#', StringComparison.Ordinal);
                    var entry = (hash >= 0 ? raw[..hash] : raw).Trim();
                    if (entry.Length == 0) continue;
                    if (EntryProblem(list.Domain, entry) is { } problem) Error(path, lineNumber, 1, $"list '{list.Name}': {problem}");
                    else values.Add(Normalise(list.Domain, entry));
                }
            }
            else
            {
                foreach (var v in list.Values)
                {
                    if (EntryProblem(list.Domain, v.Text) is { } problem) Error(list.File, v.Line, v.Column, $"list '{list.Name}': {problem}");
                    else values.Add(Normalise(list.Domain, v.Text));
                }
            }
            _lists[list.Name] = (list, values.Distinct(StringComparer.OrdinalIgnoreCase).ToArray());
        }

        private static string? EntryProblem(RuleDomain domain, string entry) => domain switch
        {
            RuleDomain.Country when entry.Length != 2 || !entry.All(char.IsAsciiLetter) => $"'{entry}' is not a country code (ISO 3166-1 alpha-2, e.g. VN)",
            RuleDomain.Hs when !Normalise(RuleDomain.Hs, entry).All(char.IsAsciiDigit) || Normalise(RuleDomain.Hs, entry).Length is 0 or > 12 =>
                $"'{entry}' is not an HS code or prefix (digits, dots allowed: 2402 or 2402.20)",
            RuleDomain.Route when entry.IndexOf('-', StringComparison.Ordinal) <= 0 => $"'{entry}' is not a route (LOADING-UNLOADING, e.g. CNSHA-NLRTM)",
            _ => null,
        };

        private static string Normalise(RuleDomain domain, string value) =>
            domain == RuleDomain.Hs ? value.Replace(".", "", StringComparison.Ordinal).Replace(" ", "", StringComparison.Ordinal) : value;

        private static bool IsNumeric(FieldCondition c) =>
            c.Op is FieldOp.Less or FieldOp.LessOrEqual or FieldOp.Greater or FieldOp.GreaterOrEqual or FieldOp.Between ||
            (c.Op is FieldOp.Equal or FieldOp.NotEqual or FieldOp.In && c.ListName is null && c.Values.Count > 0 && c.Values.All(v => v.IsNumber));

        private RuleField? Resolve(FieldCondition c, string file)
        {
            var field = RuleFields.Find(c.FieldName);
            if (field is null)
            {
                var hint = c.FieldName.StartsWith('/') ? "; fields by path are those with one in docs/risk.md" :
                    RuleFields.Closest(c.FieldName) is { } close ? $" (did you mean {close}?)" : "";
                Error(file, c.Line, c.Column, $"unknown field '{c.FieldName}'{hint}; the fields are listed in docs/risk.md \"## Rules\"");
                return null;
            }
            if (field.Name.StartsWith(RuleFields.NationalPrefix, StringComparison.Ordinal) && IsNumeric(c))
                field = RuleFields.National(field.Label, RuleFieldType.Number);
            return field;
        }

        private int SlotOf(RuleField field)
        {
            var (slots, list) = field.Type == RuleFieldType.Text ? (_textSlots, _textFields) : (_numberSlots, _numberFields);
            if (slots.TryGetValue(field.Name, out var slot)) return slot;
            slots[field.Name] = list.Count;
            list.Add(field);
            return list.Count - 1;
        }

        private static List<(RuleField Field, int Slot)> UsedFields(Condition c)
        {
            var used = new List<(RuleField, int)>();
            void Walk(Condition x)
            {
                switch (x)
                {
                    case AllCondition a: a.Parts.ForEach(Walk); break;
                    case AnyCondition a: a.Parts.ForEach(Walk); break;
                    case NotCondition n: Walk(n.Inner); break;
                    case SameItemCondition s: Walk(s.Inner); break;
                    case FieldCondition f when f.Op is not (FieldOp.Missing or FieldOp.Present) && f.Field!.Level != RuleFieldLevel.Many:
                        if (!used.Contains((f.Field, f.Slot))) used.Add((f.Field, f.Slot));
                        break;
                }
            }
            Walk(c);
            return used;
        }

        // Compiles a condition to "holds for the declaration" and, for item context (same item), "holds for item i".
        private Func<DeclarationFacts, bool> Compile(Condition c, string file)
        {
            switch (c)
            {
                case AllCondition all:
                    {
                        var parts = all.Parts.Select(p => Compile(p, file)).ToArray();
                        var atItem = all.Parts.Select(p => p.HoldsAt!).ToArray();
                        all.HoldsAt = (f, i) =>
                        {
                            foreach (var p in atItem) if (!p(f, i)) return false;
                            return true;
                        };
                        if (parts.Length == 2)
                        {
                            var (a, b) = (parts[0], parts[1]);
                            return all.Holds = f => a(f) && b(f);
                        }
                        return all.Holds = f =>
                        {
                            foreach (var p in parts) if (!p(f)) return false;
                            return true;
                        };
                    }
                case AnyCondition any:
                    {
                        var parts = any.Parts.Select(p => Compile(p, file)).ToArray();
                        var atItem = any.Parts.Select(p => p.HoldsAt!).ToArray();
                        any.HoldsAt = (f, i) =>
                        {
                            foreach (var p in atItem) if (p(f, i)) return true;
                            return false;
                        };
                        return any.Holds = f =>
                        {
                            foreach (var p in parts) if (p(f)) return true;
                            return false;
                        };
                    }
                case NotCondition not:
                    {
                        var inner = Compile(not.Inner, file);
                        var innerAt = not.Inner.HoldsAt!;
                        not.HoldsAt = (f, i) => !innerAt(f, i);
                        return not.Holds = f => !inner(f);
                    }
                case SameItemCondition same:
                    {
                        Compile(same.Inner, file);
                        var inner = same.Inner.HoldsAt!;
                        same.HoldsAt = inner;
                        return same.Holds = f =>
                        {
                            for (var i = 0; i < f.ItemCount; i++) if (inner(f, i)) return true;
                            return false;
                        };
                    }
                case PartnerCondition partner:
                    {
                        var holds = CompilePartner(partner);
                        partner.HoldsAt = (f, _) => holds(f);
                        return partner.Holds = holds;
                    }
                case FieldCondition field:
                    return CompileField(field, file);
                default:
                    throw new InvalidOperationException(c.GetType().Name);
            }
        }

        private static Func<DeclarationFacts, bool> CompilePartner(PartnerCondition p)
        {
            switch (p.Test)
            {
                case PartnerTest.Lane:
                    var bit = 1 << (int)p.Lane;
                    return f => (f.PartnerLanes & bit) != 0;
                case PartnerTest.From:
                    var code = p.Partner!;
                    return f =>
                    {
                        foreach (var x in f.Partners) if (string.Equals(x.Partner, code, StringComparison.OrdinalIgnoreCase)) return true;
                        return false;
                    };
                default:
                    var n = p.Count;
                    return p.Compare switch
                    {
                        FieldOp.Equal => f => f.Partners.Count == n,
                        FieldOp.NotEqual => f => f.Partners.Count != n,
                        FieldOp.Less => f => f.Partners.Count < n,
                        FieldOp.LessOrEqual => f => f.Partners.Count <= n,
                        FieldOp.Greater => f => f.Partners.Count > n,
                        _ => f => f.Partners.Count >= n,
                    };
            }
        }

        private Func<DeclarationFacts, bool> CompileField(FieldCondition c, string file)
        {
            var field = Resolve(c, file);
            Func<DeclarationFacts, bool> never = _ => false;
            c.HoldsAt = (_, _) => false;
            c.Holds = never;
            if (field is null) return never;
            c.Field = field;
            if (c.ListName is not null)
            {
                if (!_lists.TryGetValue(c.ListName, out var list))
                {
                    var known = _lists.Count == 0 ? "this rule set defines no list" : "its lists: " + string.Join(", ", _lists.Keys.Order(StringComparer.Ordinal));
                    Error(file, c.Line, c.Column, $"unknown list '{c.ListName}' ({known})");
                    return never;
                }
                if (list.Declaration.Domain != RuleDomain.Any && field.Domain != RuleDomain.Any && list.Declaration.Domain != field.Domain)
                {
                    Error(file, c.Line, c.Column, $"type mismatch: list '{c.ListName}' holds {Kind(list.Declaration.Domain)}, but {field.Name} is {Article(field.Domain)}");
                    return never;
                }
            }
            var slot = c.Slot = SlotOf(field);
            var level = field.Level;

            if (c.Op is FieldOp.Missing or FieldOp.Present)
            {
                var present = c.Op == FieldOp.Present;
                Func<DeclarationFacts, int, bool> isMissing = field.Type == RuleFieldType.Text
                    ? (f, i) => f.Texts[slot][level == RuleFieldLevel.Item ? i : 0] is null
                    : (f, i) => double.IsNaN(f.Numbers[slot][level == RuleFieldLevel.Item ? i : 0]);
                c.HoldsAt = level == RuleFieldLevel.Item ? (f, i) => i < f.ItemCount && isMissing(f, i) != present : null!;
                Func<DeclarationFacts, bool> holds = level switch
                {
                    RuleFieldLevel.Many => present ? f => f.TextCounts[slot] > 0 : f => f.TextCounts[slot] == 0,
                    RuleFieldLevel.Declaration => f => isMissing(f, 0) != present,
                    _ => f =>
                    {
                        for (var i = 0; i < f.ItemCount; i++) if (isMissing(f, i) != present) return true;
                        return false;
                    }
                    ,
                };
                c.HoldsAt ??= (f, _) => holds(f);
                return c.Holds = holds;
            }

            if (field.Type == RuleFieldType.Text) return CompileText(c, field, slot, file);
            return CompileNumber(c, field, slot, file);
        }

        private static string Kind(RuleDomain domain) => domain switch
        {
            RuleDomain.Country => "countries",
            RuleDomain.Trader => "traders",
            RuleDomain.Hs => "HS codes",
            RuleDomain.Route => "routes",
            RuleDomain.Container => "containers",
            RuleDomain.Office => "offices",
            _ => "codes",
        };

        private static string Article(RuleDomain domain) => domain switch
        {
            RuleDomain.Country => "a country",
            RuleDomain.Trader => "a trader",
            RuleDomain.Hs => "an HS code",
            RuleDomain.Route => "a route",
            RuleDomain.Container => "a container",
            RuleDomain.Office => "an office",
            _ => "a code",
        };

        private string[] Values(FieldCondition c, RuleField field) =>
            c.ListName is { } name ? _lists[name].Values : c.Values.Select(v => Normalise(field.Domain, v.Text)).ToArray();

        private Func<DeclarationFacts, bool> CompileText(FieldCondition c, RuleField field, int slot, string file)
        {
            Func<string, bool> test;
            switch (c.Op)
            {
                case FieldOp.Equal or FieldOp.NotEqual:
                    {
                        var value = Values(c, field)[0];
                        if (c.Op == FieldOp.Equal) c.IndexValues = [value];
                        test = c.Op == FieldOp.Equal ? v => string.Equals(v, value, StringComparison.OrdinalIgnoreCase) : v => !string.Equals(v, value, StringComparison.OrdinalIgnoreCase);
                        break;
                    }
                case FieldOp.In:
                    {
                        var set = new HashSet<string>(c.IndexValues = Values(c, field), StringComparer.OrdinalIgnoreCase);
                        c.ListShown = c.ListName;
                        test = set.Contains;
                        break;
                    }
                case FieldOp.Starts:
                    {
                        var prefixes = c.IndexValues = Values(c, field);
                        c.ListShown = c.ListName;
                        if (prefixes.Length == 1)
                        {
                            var p = prefixes[0];
                            test = v => v.StartsWith(p, StringComparison.OrdinalIgnoreCase);
                        }
                        else if (prefixes.Length <= 8) test = v =>
                        {
                            foreach (var p in prefixes) if (v.StartsWith(p, StringComparison.OrdinalIgnoreCase)) return true;
                            return false;
                        };
                        else
                        {
                            var set = new HashSet<string>(prefixes, StringComparer.OrdinalIgnoreCase).GetAlternateLookup<ReadOnlySpan<char>>();
                            var lengths = prefixes.Select(p => p.Length).Distinct().Order().ToArray();
                            test = v =>
                            {
                                foreach (var n in lengths)
                                {
                                    if (n > v.Length) return false;
                                    if (set.Contains(v.AsSpan(0, n))) return true;
                                }
                                return false;
                            };
                        }
                        break;
                    }
                case FieldOp.Contains:
                    {
                        var part = c.Values[0].Text;
                        test = v => v.Contains(part, StringComparison.OrdinalIgnoreCase);
                        break;
                    }
                default:
                    Error(file, c.Line, c.Column, $"type mismatch: {field.Name} is text; {Show(c.Op)} compares numbers (use =, !=, in, starts or contains)");
                    return _ => false;
            }
            c.HoldsAt = field.Level == RuleFieldLevel.Item
                ? (f, i) => f.Texts[slot][i] is { } v && test(v)
                : null!;
            Func<DeclarationFacts, bool> holds;
            if (field.Level == RuleFieldLevel.Declaration) holds = f => f.Texts[slot][0] is { } v && test(v);
            else holds = f =>
            {
                var values = f.Texts[slot];
                var n = f.TextCounts[slot];
                for (var i = 0; i < n; i++) if (values[i] is { } v && test(v)) return true;
                return false;
            };
            c.HoldsAt ??= (f, _) => holds(f);
            return c.Holds = holds;
        }

        private static string Show(FieldOp op) => op switch
        {
            FieldOp.Less => "'<'",
            FieldOp.LessOrEqual => "'<='",
            FieldOp.Greater => "'>'",
            FieldOp.GreaterOrEqual => "'>='",
            FieldOp.Between => "'between'",
            FieldOp.Starts => "'starts'",
            FieldOp.Contains => "'contains'",
            _ => op.ToString(),
        };

        private Func<DeclarationFacts, bool> CompileNumber(FieldCondition c, RuleField field, int slot, string file)
        {
            if (c.Op is FieldOp.Starts or FieldOp.Contains || c.ListName is not null)
            {
                Error(file, c.Line, c.Column, $"type mismatch: {field.Name} is a number; {(c.ListName is null ? Show(c.Op) : "a list")} applies to text (compare with =, <, <=, >, >=, between or in (...))");
                return _ => false;
            }
            foreach (var v in c.Values)
            {
                if (!v.IsNumber)
                {
                    Error(file, v.Line, v.Column, $"type mismatch: {field.Name} is a number; '{v.Text}' is not one");
                    return _ => false;
                }
            }
            var x = c.Values[0].Number;
            Func<double, bool> test;
            switch (c.Op)
            {
                case FieldOp.Equal: test = v => v == x; break;
                case FieldOp.NotEqual: test = v => v != x; break;
                case FieldOp.Less: test = v => v < x; break;
                case FieldOp.LessOrEqual: test = v => v <= x; break;
                case FieldOp.Greater: test = v => v > x; break;
                case FieldOp.GreaterOrEqual: test = v => v >= x; break;
                case FieldOp.Between:
                    {
                        var high = c.Values[1].Number;
                        if (high < x)
                        {
                            Error(file, c.Values[1].Line, c.Values[1].Column, $"'between {c.Values[0].Text} and {c.Values[1].Text}': the low bound comes first");
                            return _ => false;
                        }
                        test = v => v >= x && v <= high;
                        break;
                    }
                default:
                    {
                        var set = c.Values.Select(v => v.Number).ToHashSet();
                        test = set.Contains;
                        break;
                    }
            }
            // NaN (missing) compares false with everything, so a missing number never satisfies a comparison.
            c.HoldsAt = field.Level == RuleFieldLevel.Item ? (f, i) => !double.IsNaN(f.Numbers[slot][i]) && test(f.Numbers[slot][i]) : null!;
            Func<DeclarationFacts, bool> holds;
            if (field.Level == RuleFieldLevel.Declaration) holds = f => !double.IsNaN(f.Numbers[slot][0]) && test(f.Numbers[slot][0]);
            else holds = f =>
            {
                var values = f.Numbers[slot];
                var n = f.NumberCounts[slot];
                for (var i = 0; i < n; i++) if (!double.IsNaN(values[i]) && test(values[i])) return true;
                return false;
            };
            c.HoldsAt ??= (f, _) => holds(f);
            return c.Holds = holds;
        }

        private RuleSetTestCase? CompileTest(TestDeclaration t, Dictionary<string, RuleDeclaration> rules)
        {
            var declarations = new List<Declaration>();
            Declaration? built = null;
            var partners = new List<PartnerIndication>();
            var items = new Dictionary<int, GoodsItem>();
            var before = errors.Count;
            foreach (var given in t.Given)
            {
                switch (given)
                {
                    case GivenFile gf:
                        try
                        {
                            var bytes = readFile(gf.Path);
                            if (!files.Any(f => f.Path == gf.Path)) files.Add(new RuleSetFileContent(gf.Path, bytes));
                            declarations.Add(EntenteJson.Deserialize(bytes));
                        }
                        catch (Exception e) when (e is IOException or UnauthorizedAccessException or System.Text.Json.JsonException or ArgumentException or NotSupportedException)
                        {
                            Error(t.File, gf.Line, gf.Column, $"test \"{t.Name}\": cannot read the declaration {gf.Path} ({e.Message})");
                        }
                        break;
                    case GivenPartner gp:
                        partners.Add(new PartnerIndication(gp.Partner, gp.Lane, "test"));
                        break;
                    case GivenField g:
                        var field = RuleFields.Find(g.FieldName);
                        if (field is null || !field.Settable)
                        {
                            Error(t.File, g.Line, g.Column, field is null
                                ? $"test \"{t.Name}\": unknown field '{g.FieldName}'{(RuleFields.Closest(g.FieldName) is { } close ? $" (did you mean {close}?)" : "")}"
                                : $"test \"{t.Name}\": {field.Name} is derived from other fields; give those instead");
                            continue;
                        }
                        built ??= new Declaration { TypeCode = "IMA" };
                        try
                        {
                            if (field.Level == RuleFieldLevel.Item)
                            {
                                var index = Math.Max(g.Item, 0);
                                if (!items.TryGetValue(index, out var item))
                                {
                                    item = new GoodsItem { Sequence = index + 1 };
                                    items[index] = item;
                                }
                                field.SetItem!(item, g.Value.Text);
                            }
                            else if (g.Item >= 0) Error(t.File, g.Line, g.Column, $"test \"{t.Name}\": {field.Name} is a declaration field, not an item's; give it outside item (...)");
                            else field.SetHeader!(built, g.Value.Text);
                        }
                        catch (FormatException e)
                        {
                            Error(t.File, g.Value.Line, g.Value.Column, $"test \"{t.Name}\": {field.Name}: {e.Message}");
                        }
                        break;
                }
            }
            if (built is not null)
            {
                built.GoodsShipment.GoodsItems.AddRange(items.OrderBy(kv => kv.Key).Select(kv => kv.Value));
                declarations.Add(built);
            }
            if (declarations.Count != 1 && errors.Count == before)
                Error(t.File, t.Line, 1, $"test \"{t.Name}\": give one declaration: fields (and item (...)) or one file \"...\"");
            foreach (var e in t.Expect)
            {
                if (e is ExpectFires fires && !rules.ContainsKey(fires.RuleId))
                    Error(t.File, e.Line, e.Column, $"test \"{t.Name}\" expects rule '{fires.RuleId}', which this rule set does not have");
            }
            if (errors.Count > before) return null;
            return new RuleSetTestCase(t.Name, t.File, t.Line, declarations[0], new PartnerIndicators(partners), t.Expect);
        }
    }
}

internal sealed record CompiledRule(int Index, RuleDeclaration Declaration, Func<DeclarationFacts, bool> Holds, List<(RuleField Field, int Slot)> Fields)
{
    public string Id => Declaration.Id;
}

/// <summary>A test case of a rule set: one declaration, the partner results given with it, and what the rules must make of it.</summary>
public sealed class RuleSetTestCase
{
    internal RuleSetTestCase(string name, string file, int line, Declaration declaration, PartnerIndicators partners, List<Expectation> expect)
    {
        Name = name;
        File = file;
        Line = line;
        Declaration = declaration;
        Partners = partners;
        Expect = expect;
    }

    public string Name { get; }
    public string File { get; }
    public int Line { get; }
    public Declaration Declaration { get; }
    public PartnerIndicators Partners { get; }
    internal List<Expectation> Expect { get; }

    public string Where => $"{File}:{Line}";

    /// <summary>What did not go as the case expects; empty when it passed.</summary>
    public IReadOnlyList<string> Check(RuleOutcome outcome)
    {
        var problems = new List<string>();
        foreach (var e in Expect)
        {
            switch (e)
            {
                case ExpectLane lane when lane.Lane != outcome.Lane:
                    problems.Add($"expected lane {Show(lane.Lane)}, got {Show(outcome.Lane)}");
                    break;
                case ExpectFires fires when outcome.Fired.Any(f => string.Equals(f.Id, fires.RuleId, StringComparison.OrdinalIgnoreCase)) != fires.Fires:
                    problems.Add(fires.Fires ? $"expected rule {fires.RuleId} to fire; it did not" : $"expected rule {fires.RuleId} not to fire; it did");
                    break;
                case ExpectNoneFire when outcome.Fired.Count > 0:
                    problems.Add($"expected no rule to fire; fired: {string.Join(", ", outcome.Fired.Select(f => f.Id))}");
                    break;
                case ExpectScore score when score.Score != outcome.Score:
                    problems.Add($"expected score {score.Score.ToString(CultureInfo.InvariantCulture)}, got {outcome.Score.ToString(CultureInfo.InvariantCulture)}");
                    break;
            }
        }
        return problems;
    }

    private static string Show(Lane? lane) => lane is { } l ? LaneNames.Name(l) : "none";
}
