using System.Reflection;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Entente.Ledger;
using Entente.Storage;
using Entente.Tests.Storage;
using Entente.Tests.Support;

namespace Entente.Tests.Ledger;

/// <summary>The one list of ledger kinds (issue 13, item 8): the docs are generated from it, features write only its kinds, verify checks bodies against it.</summary>
public partial class LedgerKindsTests
{
    private const string Begin = "<!-- kinds:begin -->";
    private const string End = "<!-- kinds:end -->";
    private static readonly LedgerActor Officer = new("kim", "KR");

    [Fact]
    public void The_docs_list_every_kind_the_node_writes()
    {
        var path = Path.Combine(SharedData.RepositoryRoot, "docs", "ledger.md");
        var text = File.ReadAllText(path).ReplaceLineEndings("\n");
        var begin = text.IndexOf(Begin, StringComparison.Ordinal);
        var end = text.IndexOf(End, StringComparison.Ordinal);
        Assert.True(begin >= 0 && end > begin, $"{path}: expected the markers {Begin} and {End}");
        var generated = text[..(begin + Begin.Length)] + "\n" + LedgerKinds.Markdown() + text[end..];
        if (generated == text) return;
        if (Environment.GetEnvironmentVariable("ENTENTE_UPDATE_DOCS") == "1")
        {
            File.WriteAllText(path, generated);
            return;
        }
        Assert.Fail($"{path}: the table of kinds differs from LedgerKinds.All. Regenerate it: " +
            "ENTENTE_UPDATE_DOCS=1 dotnet test tests/Entente.Tests -c Release --filter \"FullyQualifiedName~LedgerKindsTests\"");
    }

    [Fact]
    public void Every_kind_constant_is_in_the_list_once_and_well_formed()
    {
        var constants = typeof(LedgerKinds).GetFields(BindingFlags.Public | BindingFlags.Static)
            .Where(f => f.IsLiteral && f.FieldType == typeof(string)).Select(f => (string)f.GetRawConstantValue()!).ToList();
        Assert.Equal(constants.Order(StringComparer.Ordinal), LedgerKinds.Known.Order(StringComparer.Ordinal));
        Assert.Equal(LedgerKinds.Known.Count, LedgerKinds.Known.Distinct(StringComparer.Ordinal).Count());
        Assert.All(LedgerKinds.All, kind =>
        {
            Assert.True(LedgerKinds.IsValid(kind.Name), kind.Name);
            Assert.False(string.IsNullOrWhiteSpace(kind.Meaning), kind.Name);
            Assert.False(string.IsNullOrWhiteSpace(kind.WrittenBy), kind.Name);
            var paths = kind.Body.Select(f => f.Path).ToList();
            Assert.Equal(paths.Count, paths.Distinct(StringComparer.Ordinal).Count());
            foreach (var field in kind.Body.Where(f => f.Path.Contains('.', StringComparison.Ordinal)))
            {
                // A nested member's parent is declared: an object, or (for "[]") an array.
                var parent = field.Path[..field.Path.LastIndexOf('.')];
                var declared = parent.EndsWith("[]", StringComparison.Ordinal)
                    ? kind.Body.SingleOrDefault(f => f.Path == parent[..^2])?.Type == BodyType.Array
                    : kind.Body.SingleOrDefault(f => f.Path == parent)?.Type == BodyType.Object;
                Assert.True(declared, $"{kind.Name}: {field.Path} has no parent {parent}");
            }
        });
    }

    [Fact]
    public void Features_write_kinds_by_their_constant_not_a_literal()
    {
        // A literal equal to a kind may appear only in the list; "onward-consent" is also the name of an exchange message kind.
        var kinds = LedgerKinds.Known.ToHashSet(StringComparer.Ordinal);
        var offenders = new List<string>();
        foreach (var file in Directory.EnumerateFiles(Path.Combine(SharedData.RepositoryRoot, "src"), "*.cs", SearchOption.AllDirectories))
        {
            if (file.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}", StringComparison.Ordinal)) continue;
            if (Path.GetFileName(file) == "LedgerKinds.cs") continue;
            var lines = File.ReadAllLines(file);
            for (var i = 0; i < lines.Length; i++)
            {
                if (lines[i].TrimStart().StartsWith("//", StringComparison.Ordinal)) continue;
                foreach (Match m in Literal().Matches(lines[i]))
                {
                    var value = m.Groups[1].Value;
                    if (!kinds.Contains(value)) continue;
                    if (value == LedgerKinds.OnwardConsent && Path.GetFileName(file) == "OnwardTransfer.cs") continue;
                    offenders.Add($"{Path.GetRelativePath(SharedData.RepositoryRoot, file)}:{i + 1}: \"{value}\"");
                }
            }
        }
        Assert.True(offenders.Count == 0, "use the LedgerKinds constant:\n" + string.Join("\n", offenders));
    }

    [Fact]
    public void A_body_that_fits_its_kind_has_no_problem_and_one_that_does_not_says_where()
    {
        static IReadOnlyList<string> Check(string kind, string body) => LedgerKinds.CheckBody(kind, JsonDocument.Parse(body).RootElement);

        Assert.Empty(Check(LedgerKinds.PartnerAdded, """{"code":"NL","endpoint":"https://nl.example/","fingerprint":"ab","subjects":["partner:NL"],"extra":1}"""));
        Assert.Equal(["body.endpoint: expected string, found number", "body.fingerprint: required string, missing"],
            Check(LedgerKinds.PartnerAdded, """{"code":"NL","endpoint":7,"fingerprint":null}"""));
        Assert.Equal(["body.agreements[1].version: expected integer, found string"],
            Check(LedgerKinds.PolicyDecision, """{"decision":"deny","agreements":[{"id":"a","version":1,"hash":"h"},{"id":"b","version":"2","hash":"h"}]}"""));
        Assert.Equal(["body.subjects: expected array, found string"], Check(LedgerKinds.EquivocationAlarmAcknowledged, """{"alarm":"eq-1","partner":"NL","subjects":"x"}"""));
        Assert.Equal(["kind 'model-in-service' is not one the node writes (LedgerKinds)"], Check("model-in-service", "{}"));
    }

    [Fact]
    public async Task Verify_warns_of_a_body_missing_a_required_member_and_of_an_unknown_kind_but_the_ledger_still_verifies()
    {
        await using var store = await TestStore.CreateAsync(StorageProvider.Sqlite);
        await using var ledger = LedgerStore.Open(store.Database, store.Time);
        await ledger.AppendAsync(LedgerKinds.PartnerAdded, Officer, new JsonObject { ["code"] = "NL", ["endpoint"] = "https://nl.example/", ["fingerprint"] = "ab" });
        await ledger.AppendAsync(LedgerKinds.AgreementSigned, Officer, new JsonObject { ["agreement"] = new JsonObject { ["id"] = "a", ["version"] = 1 }, ["party"] = "KR", ["fingerprint"] = "ab" });
        await ledger.AppendAsync("disclosure-sent", Officer, new JsonObject { ["message"] = "m-1" });

        var result = await ledger.VerifyAsync(null);

        Assert.True(result.Ok, string.Join("; ", result.Problems));
        Assert.Equal(
            ["entry 1 (agreement-signed): body.agreement.hash: required string, missing", "entry 2 (disclosure-sent): kind 'disclosure-sent' is not one the node writes (LedgerKinds)"],
            result.Warnings);
    }

    [GeneratedRegex("\"([a-z0-9]+(?:-[a-z0-9]+)+)\"")]
    private static partial Regex Literal();
}
