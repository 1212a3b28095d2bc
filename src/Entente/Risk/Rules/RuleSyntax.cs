using System.Globalization;
using System.Text;

namespace Entente.Risk.Rules;

/// <summary>A problem in a rule set, where it is: file, line, column, and what was expected.</summary>
public sealed record RuleSetError(string File, int Line, int Column, string Message)
{
    public override string ToString() => $"{File}:{Line}:{Column}: {Message}";
}

/// <summary>A rule set that cannot be put into service, with every problem found.</summary>
public sealed class RuleSetException(IReadOnlyList<RuleSetError> errors)
    : Exception(string.Join(Environment.NewLine, errors.Select(e => e.ToString())))
{
    public IReadOnlyList<RuleSetError> Errors { get; } = errors;
}

internal enum TokenKind
{
    Word,
    String,
    Number,
    Path,
    Symbol,
    End,
}

internal readonly record struct Token(TokenKind Kind, string Text, int Line, int Column, int Start, int End, bool FirstOnLine)
{
    public bool Is(string word) => Kind == TokenKind.Word && string.Equals(Text, word, StringComparison.OrdinalIgnoreCase);

    public bool IsSymbol(string symbol) => Kind == TokenKind.Symbol && Text == symbol;

    public string Show => Kind switch
    {
        TokenKind.End => "the end of the file",
        TokenKind.String => $"\"{Text}\"",
        _ => $"'{Text}'",
    };
}

internal static class RuleLexer
{
    private const string Stops = "()=,!<>:\"#";

    public static List<Token> Tokenize(string text, string file, List<RuleSetError> errors)
    {
        var tokens = new List<Token>();
        int i = 0, line = 1, lineStart = 0;
        var lastLine = 0;
        while (true)
        {
            while (i < text.Length && (char.IsWhiteSpace(text[i]) || text[i] == '#'))
            {
                if (text[i] == '#')
                {
                    while (i < text.Length && text[i] != '\n') i++;
                    continue;
                }
                if (text[i] == '\n')
                {
                    line++;
                    lineStart = i + 1;
                }
                i++;
            }
            var column = i - lineStart + 1;
            var first = line != lastLine;
            if (i >= text.Length)
            {
                tokens.Add(new Token(TokenKind.End, "", line, column, i, i, true));
                return tokens;
            }
            var start = i;
            var c = text[i];
            Token token;
            if (c == '"')
            {
                var value = new StringBuilder();
                i++;
                var closed = false;
                while (i < text.Length && text[i] != '\n')
                {
                    if (text[i] == '\\' && i + 1 < text.Length && text[i + 1] is '"' or '\\')
                    {
                        value.Append(text[i + 1]);
                        i += 2;
                        continue;
                    }
                    if (text[i] == '"')
                    {
                        closed = true;
                        i++;
                        break;
                    }
                    value.Append(text[i++]);
                }
                if (!closed) errors.Add(new RuleSetError(file, line, column, "a text in quotes does not end on its line: expected a closing \""));
                token = new Token(TokenKind.String, value.ToString(), line, column, start, i, first);
            }
            else if (char.IsAsciiDigit(c) || (c == '-' && i + 1 < text.Length && char.IsAsciiDigit(text[i + 1])))
            {
                i++;
                while (i < text.Length && (char.IsAsciiLetterOrDigit(text[i]) || text[i] is '.' or '-' or '_')) i++;
                var word = text[start..i];
                var isNumber = double.TryParse(word, NumberStyles.AllowLeadingSign | NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out _);
                token = new Token(isNumber ? TokenKind.Number : TokenKind.Word, word, line, column, start, i, first);
            }
            else if (char.IsAsciiLetter(c) || c == '_')
            {
                while (i < text.Length && (char.IsAsciiLetterOrDigit(text[i]) || text[i] is '-' or '_' or '.')) i++;
                token = new Token(TokenKind.Word, text[start..i], line, column, start, i, first);
            }
            else if (c == '/')
            {
                while (i < text.Length && !char.IsWhiteSpace(text[i]) && !Stops.Contains(text[i], StringComparison.Ordinal)) i++;
                token = new Token(TokenKind.Path, text[start..i], line, column, start, i, first);
            }
            else if (c is '<' or '>' or '!' && i + 1 < text.Length && text[i + 1] == '=')
            {
                i += 2;
                token = new Token(TokenKind.Symbol, text[start..i], line, column, start, i, first);
            }
            else if ("()=,<>:".Contains(c, StringComparison.Ordinal))
            {
                i++;
                token = new Token(TokenKind.Symbol, text[start..i], line, column, start, i, first);
            }
            else
            {
                errors.Add(new RuleSetError(file, line, column, $"unexpected character '{c}'"));
                i++;
                continue;
            }
            tokens.Add(token);
            lastLine = line;
        }
    }
}

internal sealed record Literal(string Text, bool IsNumber, int Line, int Column)
{
    public double Number => double.Parse(Text, NumberStyles.Float, CultureInfo.InvariantCulture);
}

internal enum FieldOp
{
    Equal,
    NotEqual,
    Less,
    LessOrEqual,
    Greater,
    GreaterOrEqual,
    Between,
    Starts,
    In,
    Contains,
    Missing,
    Present,
}

internal abstract class Condition
{
    public required int Line { get; init; }
    public required int Column { get; init; }
    public required string Source { get; init; }

    // Set by the compiler: holds for the declaration (any item), and holds for item i (inside same item (...)).
    public Func<DeclarationFacts, bool>? Holds { get; set; }
    public Func<DeclarationFacts, int, bool>? HoldsAt { get; set; }
}

internal sealed class AllCondition : Condition
{
    public required List<Condition> Parts { get; init; }
}

internal sealed class AnyCondition : Condition
{
    public required List<Condition> Parts { get; init; }
}

internal sealed class NotCondition : Condition
{
    public required Condition Inner { get; init; }
}

internal sealed class SameItemCondition : Condition
{
    public required Condition Inner { get; init; }
}

internal sealed class FieldCondition : Condition
{
    public required string FieldName { get; init; }
    public required FieldOp Op { get; init; }
    public List<Literal> Values { get; init; } = [];

    /// <summary>The list named by <c>in list NAME</c> or <c>starts list NAME</c>.</summary>
    public string? ListName { get; init; }

    // Set by the compiler.
    public RuleField? Field { get; set; }
    public int Slot { get; set; }
    public string? ListShown { get; set; }
    public string[]? IndexValues { get; set; }
}

internal enum PartnerTest
{
    Lane,
    Count,
    From,
}

internal sealed class PartnerCondition : Condition
{
    public required PartnerTest Test { get; init; }
    public Lane Lane { get; init; }
    public FieldOp Compare { get; init; }
    public int Count { get; init; }
    public string? Partner { get; init; }
}

internal sealed record RuleDeclaration(string Id, string Name, Condition When, Lane? Lane, int Score, string? Because, string File, int Line, int Column);

internal sealed record ListDeclaration(string Name, RuleDomain Domain, List<Literal> Values, string? FromFile, string File, int Line, int Column);

internal abstract record Given(int Line, int Column);

internal sealed record GivenField(string FieldName, Literal Value, int Item, int Line, int Column) : Given(Line, Column);

internal sealed record GivenFile(string Path, int Line, int Column) : Given(Line, Column);

internal sealed record GivenPartner(Lane Lane, string Partner, int Line, int Column) : Given(Line, Column);

internal abstract record Expectation(int Line, int Column);

internal sealed record ExpectLane(Lane? Lane, int Line, int Column) : Expectation(Line, Column);

internal sealed record ExpectFires(string RuleId, bool Fires, int Line, int Column) : Expectation(Line, Column);

internal sealed record ExpectNoneFire(int Line, int Column) : Expectation(Line, Column);

internal sealed record ExpectScore(int Score, int Line, int Column) : Expectation(Line, Column);

internal sealed record TestDeclaration(string Name, List<Given> Given, List<Expectation> Expect, string File, int Line);

internal sealed class RuleSetSyntax
{
    public string? Name { get; set; }
    public string? Version { get; set; }
    public (string File, int Line, int Column)? HeaderAt { get; set; }
    public List<RuleDeclaration> Rules { get; } = [];
    public List<ListDeclaration> Lists { get; } = [];
    public List<TestDeclaration> Tests { get; } = [];
}

/// <summary>The parser of the rule language (grammar in docs/risk.md "## Rules"). Recovers at the next statement, so one run reports every syntax error.</summary>
internal sealed class RuleParser
{
    private sealed class SyntaxError(Token at, string message) : Exception(message)
    {
        public Token At { get; } = at;
    }

    private static readonly string[] Statements = ["ruleset", "list", "rule", "test"];

    private static readonly string[] Reserved = ["and", "or", "not", "then", "because", "if", "rule", "test", "list", "ruleset", "given", "expect"];

    private readonly List<Token> _tokens;
    private readonly string _text;
    private readonly string _file;
    private readonly List<RuleSetError> _errors;
    private int _position;

    private RuleParser(string text, string file, List<RuleSetError> errors)
    {
        _text = text;
        _file = file;
        _errors = errors;
        _tokens = RuleLexer.Tokenize(text, file, errors);
    }

    public static void Parse(string text, string file, RuleSetSyntax into, List<RuleSetError> errors) => new RuleParser(text, file, errors).ParseInto(into);

    private Token Peek => _tokens[_position];

    private Token PeekAt(int offset) => _tokens[Math.Min(_position + offset, _tokens.Count - 1)];

    private Token Next() => _tokens[_position < _tokens.Count - 1 ? _position++ : _position];

    private SyntaxError Expected(string what) => new(Peek, $"expected {what}, found {Peek.Show}");

    private Token Expect(string word)
    {
        if (!Peek.Is(word)) throw Expected($"'{word}'");
        return Next();
    }

    private Token ExpectSymbol(string symbol)
    {
        if (!Peek.IsSymbol(symbol)) throw Expected($"'{symbol}'");
        return Next();
    }

    private bool Accept(string word)
    {
        if (!Peek.Is(word)) return false;
        _position++;
        return true;
    }

    private bool AcceptSymbol(string symbol)
    {
        if (!Peek.IsSymbol(symbol)) return false;
        _position++;
        return true;
    }

    private void ParseInto(RuleSetSyntax into)
    {
        while (Peek.Kind != TokenKind.End)
        {
            var start = Peek;
            try
            {
                if (Accept("ruleset")) Header(into, start);
                else if (Accept("list")) into.Lists.Add(List(start));
                else if (Accept("rule")) into.Rules.Add(Rule(start));
                else if (Accept("test")) into.Tests.Add(Test(start));
                else throw Expected("a statement: ruleset, list, rule or test");
                if (Peek.Kind != TokenKind.End && !Peek.FirstOnLine && !Statements.Any(Peek.Is))
                    throw Expected("the end of the statement");
            }
            catch (SyntaxError e)
            {
                _errors.Add(new RuleSetError(_file, e.At.Line, e.At.Column, e.Message));
                if (_position == _tokens.IndexOf(start)) _position++;
                while (Peek.Kind != TokenKind.End && !(Peek.FirstOnLine && Statements.Any(Peek.Is))) _position++;
            }
        }
    }

    private void Header(RuleSetSyntax into, Token start)
    {
        var name = Peek.Kind is TokenKind.String or TokenKind.Word ? Next().Text : throw Expected("the rule set's name");
        Expect("version");
        var version = Peek.Kind is TokenKind.Number or TokenKind.Word ? Next() : throw Expected("a version (e.g. 3 or 2026.1)");
        if (!version.Text.All(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '-' or '_') || version.Text.StartsWith('.'))
            throw new SyntaxError(version, $"a version is letters, digits, '.', '-' and '_' (it names a folder), not '{version.Text}'");
        if (into.HeaderAt is { } at)
            throw new SyntaxError(start, $"the rule set is named once; it was named at {at.File}:{at.Line}:{at.Column}");
        into.Name = name;
        into.Version = version.Text;
        into.HeaderAt = (_file, start.Line, start.Column);
    }

    private static readonly Dictionary<string, RuleDomain> ListKinds = new(StringComparer.OrdinalIgnoreCase)
    {
        ["traders"] = RuleDomain.Trader,
        ["declarants"] = RuleDomain.Trader,
        ["countries"] = RuleDomain.Country,
        ["hs"] = RuleDomain.Hs,
        ["hs-codes"] = RuleDomain.Hs,
        ["routes"] = RuleDomain.Route,
        ["containers"] = RuleDomain.Container,
        ["offices"] = RuleDomain.Office,
        ["codes"] = RuleDomain.Any,
    };

    private ListDeclaration List(Token start)
    {
        var name = Peek.Kind == TokenKind.Word ? Next().Text : throw Expected("the list's name (e.g. high-risk-tobacco)");
        var domain = RuleDomain.Any;
        if (Accept("of"))
        {
            var kind = Next();
            if (!ListKinds.TryGetValue(kind.Text, out domain))
                throw new SyntaxError(kind, $"a list holds {string.Join(", ", ListKinds.Keys)}; not '{kind.Text}'");
        }
        if (Accept("from"))
        {
            var path = Peek.Kind == TokenKind.String ? Next().Text : throw Expected("the list file's path in quotes");
            return new ListDeclaration(name, domain, [], path, _file, start.Line, start.Column);
        }
        ExpectSymbol("=");
        var values = new List<Literal> { Value() };
        while (AcceptSymbol(",")) values.Add(Value());
        return new ListDeclaration(name, domain, values, null, _file, start.Line, start.Column);
    }

    private Literal Value()
    {
        var t = Peek;
        if (t.Kind is TokenKind.String or TokenKind.Number or TokenKind.Word)
        {
            Next();
            return new Literal(t.Text, t.Kind == TokenKind.Number, t.Line, t.Column);
        }
        throw Expected("a value (a number, a code, or a text in quotes)");
    }

    private RuleDeclaration Rule(Token start)
    {
        string? id = null;
        if (Peek.Kind == TokenKind.Word && !Peek.Is("if")) id = Next().Text;
        var name = Peek.Kind == TokenKind.String ? Next().Text : throw Expected("the rule's name in quotes");
        id ??= Slug(name);
        ExpectSymbol(":");
        Expect("if");
        var when = Or();
        Expect("then");
        Lane? lane = null;
        var score = 0;
        var thenAt = Peek;
        if (Peek.Kind == TokenKind.Word && LaneNames.TryParse(Peek.Text, out var l))
        {
            Next();
            lane = l;
        }
        Accept("score");
        if (Peek.Kind == TokenKind.Number)
        {
            var n = Next();
            if (!int.TryParse(n.Text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out score) || score is < -1_000_000 or > 1_000_000)
                throw new SyntaxError(n, $"a score is a whole number from -1000000 to 1000000, not {n.Text}");
        }
        else if (lane is null) throw new SyntaxError(thenAt, $"expected a lane (red, yellow, blue, green) and/or a score after 'then', found {thenAt.Show}");
        string? because = null;
        if (Accept("because")) because = Peek.Kind == TokenKind.String ? Next().Text : throw Expected("the reason in quotes");
        return new RuleDeclaration(id, name, when, lane, score, because, _file, start.Line, start.Column);
    }

    internal static string Slug(string name)
    {
        var slug = new StringBuilder();
        foreach (var c in name.ToLowerInvariant())
        {
            if (char.IsAsciiLetterOrDigit(c)) slug.Append(c);
            else if (slug.Length > 0 && slug[^1] != '-') slug.Append('-');
        }
        return slug.ToString().Trim('-');
    }

    private Condition Or()
    {
        var start = Peek;
        var first = And();
        if (!Peek.Is("or")) return first;
        var parts = new List<Condition> { first };
        while (Accept("or")) parts.Add(And());
        return new AnyCondition { Parts = parts, Line = start.Line, Column = start.Column, Source = SourceFrom(start) };
    }

    private Condition And()
    {
        var start = Peek;
        var first = Unary();
        if (!Peek.Is("and")) return first;
        var parts = new List<Condition> { first };
        while (Accept("and")) parts.Add(Unary());
        return new AllCondition { Parts = parts, Line = start.Line, Column = start.Column, Source = SourceFrom(start) };
    }

    private string SourceFrom(Token start) => _text[start.Start.._tokens[_position - 1].End];

    private Condition Unary()
    {
        var start = Peek;
        if (Accept("not"))
        {
            var inner = Unary();
            return new NotCondition { Inner = inner, Line = start.Line, Column = start.Column, Source = SourceFrom(start) };
        }
        if (AcceptSymbol("("))
        {
            var inner = Or();
            ExpectSymbol(")");
            return inner;
        }
        if (Peek.Is("same") && PeekAt(1).Is("item"))
        {
            _position += 2;
            ExpectSymbol("(");
            var inner = Or();
            ExpectSymbol(")");
            return new SameItemCondition { Inner = inner, Line = start.Line, Column = start.Column, Source = SourceFrom(start) };
        }
        if (Peek.Is("partner") && PeekAt(1).Kind == TokenKind.Word && (PeekAt(1).Is("lane") || PeekAt(1).Is("count") || PeekAt(1).Is("from")))
            return Partner(start);
        return FieldTest(start);
    }

    private Condition Partner(Token start)
    {
        Next();
        if (Accept("lane"))
        {
            var lane = Next();
            if (!LaneNames.TryParse(lane.Text, out var l)) throw new SyntaxError(lane, $"expected a lane (red, yellow, blue, green), found {lane.Show}");
            return new PartnerCondition { Test = PartnerTest.Lane, Lane = l, Line = start.Line, Column = start.Column, Source = SourceFrom(start) };
        }
        if (Accept("from"))
        {
            var partner = Value();
            return new PartnerCondition { Test = PartnerTest.From, Partner = partner.Text, Line = start.Line, Column = start.Column, Source = SourceFrom(start) };
        }
        Expect("count");
        var op = Comparison() ?? throw Expected("a comparison (=, !=, <, <=, >, >=)");
        var n = Peek.Kind == TokenKind.Number && int.TryParse(Peek.Text, CultureInfo.InvariantCulture, out var count) ? count : throw Expected("a whole number");
        Next();
        return new PartnerCondition { Test = PartnerTest.Count, Compare = op, Count = n, Line = start.Line, Column = start.Column, Source = SourceFrom(start) };
    }

    private FieldOp? Comparison()
    {
        FieldOp? op = Peek.Kind != TokenKind.Symbol ? null : Peek.Text switch
        {
            "=" => FieldOp.Equal,
            "!=" => FieldOp.NotEqual,
            "<" => FieldOp.Less,
            "<=" => FieldOp.LessOrEqual,
            ">" => FieldOp.Greater,
            ">=" => FieldOp.GreaterOrEqual,
            _ => null,
        };
        if (op is not null) Next();
        return op;
    }

    private Condition FieldTest(Token start)
    {
        var field = Peek.Kind is TokenKind.Word or TokenKind.Path && !Reserved.Any(Peek.Is) ? Next()
            : throw Expected("a field (e.g. hs, origin, value-per-kg), 'not', 'same item', 'partner' or '('");
        FieldCondition Make(FieldOp op, List<Literal>? values = null, string? list = null) => new()
        {
            FieldName = field.Text,
            Op = op,
            Values = values ?? [],
            ListName = list,
            Line = field.Line,
            Column = field.Column,
            Source = SourceFrom(start),
        };
        if (Comparison() is { } op) return Make(op, [Value()]);
        if (Accept("between"))
        {
            var low = Value();
            Expect("and");
            return Make(FieldOp.Between, [low, Value()]);
        }
        if (Accept("starts"))
        {
            Accept("with");
            return SetOrList(FieldOp.Starts, Make);
        }
        if (Accept("contains")) return Make(FieldOp.Contains, [Value()]);
        if (Accept("in")) return SetOrList(FieldOp.In, Make);
        if (Peek.Is("not") && PeekAt(1).Is("in"))
        {
            _position += 2;
            var inner = SetOrList(FieldOp.In, Make);
            return new NotCondition { Inner = inner, Line = start.Line, Column = start.Column, Source = SourceFrom(start) };
        }
        if (Accept("is"))
        {
            var negated = Accept("not");
            if (Accept("missing")) return Make(negated ? FieldOp.Present : FieldOp.Missing);
            if (Accept("present")) return Make(negated ? FieldOp.Missing : FieldOp.Present);
            throw Expected("'missing' or 'present'");
        }
        throw Expected($"an operator after {field.Show}: =, !=, <, <=, >, >=, between, starts, contains, in, not in, is missing, is present");
    }

    private FieldCondition SetOrList(FieldOp op, Func<FieldOp, List<Literal>?, string?, FieldCondition> make)
    {
        if (Accept("list"))
        {
            var name = Peek.Kind is TokenKind.Word or TokenKind.String ? Next().Text : throw Expected("the list's name");
            return make(op, null, name);
        }
        if (AcceptSymbol("("))
        {
            var values = new List<Literal> { Value() };
            while (AcceptSymbol(",")) values.Add(Value());
            ExpectSymbol(")");
            return make(op, values, null);
        }
        if (op == FieldOp.In) throw Expected("'list NAME' or values in parentheses: (\"CN\", \"VN\")");
        return make(op, [Value()], null);
    }

    private TestDeclaration Test(Token start)
    {
        var name = Peek.Kind == TokenKind.String ? Next().Text : throw Expected("the test case's name in quotes");
        ExpectSymbol(":");
        Expect("given");
        var given = new List<Given>();
        var items = 0;
        do
        {
            var at = Peek;
            if (Accept("item"))
            {
                ExpectSymbol("(");
                do given.Add(Assignment(items)); while (AcceptSymbol(","));
                ExpectSymbol(")");
                items++;
            }
            else if (Accept("file")) given.Add(new GivenFile(Peek.Kind == TokenKind.String ? Next().Text : throw Expected("the declaration file in quotes"), at.Line, at.Column));
            else if (Peek.Is("partner") && PeekAt(1).Kind == TokenKind.Word && LaneNames.TryParse(PeekAt(1).Text, out var lane))
            {
                _position += 2;
                Expect("from");
                given.Add(new GivenPartner(lane, Value().Text, at.Line, at.Column));
            }
            else given.Add(Assignment(-1));
        }
        while (AcceptSymbol(","));
        Expect("expect");
        var expect = new List<Expectation>();
        do
        {
            var at = Peek;
            if (Accept("lane"))
            {
                if (Accept("none")) expect.Add(new ExpectLane(null, at.Line, at.Column));
                else if (LaneNames.TryParse(Peek.Text, out var lane))
                {
                    Next();
                    expect.Add(new ExpectLane(lane, at.Line, at.Column));
                }
                else throw Expected("a lane (red, yellow, blue, green) or 'none'");
            }
            else if (Accept("fires"))
            {
                if (Accept("none")) expect.Add(new ExpectNoneFire(at.Line, at.Column));
                else expect.Add(new ExpectFires(RuleId(), true, at.Line, at.Column));
            }
            else if (Accept("not"))
            {
                Expect("fires");
                expect.Add(new ExpectFires(RuleId(), false, at.Line, at.Column));
            }
            else if (Accept("score"))
            {
                var n = Peek.Kind == TokenKind.Number && int.TryParse(Peek.Text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var s) ? s : throw Expected("a whole number");
                Next();
                expect.Add(new ExpectScore(n, at.Line, at.Column));
            }
            else throw Expected("an expectation: lane LANE, lane none, fires RULE, not fires RULE, fires none, score N");
        }
        while (AcceptSymbol(","));
        return new TestDeclaration(name, given, expect, _file, start.Line);
    }

    private string RuleId() => Peek.Kind is TokenKind.Word or TokenKind.String ? Next().Text : throw Expected("a rule's id");

    private GivenField Assignment(int item)
    {
        var field = Peek.Kind is TokenKind.Word or TokenKind.Path ? Next() : throw Expected("a field and its value (e.g. origin \"VN\"), item (...), partner LANE from CODE, or file \"...\"");
        AcceptSymbol("=");
        return new GivenField(field.Text, Value(), item, field.Line, field.Column);
    }
}

/// <summary>The names of the lanes as rules write them.</summary>
public static class LaneNames
{
    public static bool TryParse(string text, out Lane lane) => Enum.TryParse(text, ignoreCase: true, out lane) && Enum.IsDefined(lane) && !char.IsDigit(text[0]);

    public static string Name(Lane lane) => lane.ToString().ToLowerInvariant();
}
