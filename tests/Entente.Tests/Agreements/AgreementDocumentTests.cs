using Entente.Agreements;
using Entente.Tests.Support;
using Json.Schema;
using static Entente.Tests.Agreements.AgreementTestKit;

namespace Entente.Tests.Agreements;

public class AgreementDocumentTests
{
    private static AgreementFormatException Refused(string yaml) => Assert.Throws<AgreementFormatException>(() => AgreementDocument.Parse(yaml, "bad.yaml"));

    [Fact]
    public void Reads_parties_validity_rules_and_deny_rules()
    {
        var a = AgreementDocument.Parse(BilateralYaml(), "test.yaml");
        Assert.Equal(("nl-kr-test", 1, AgreementKind.Bilateral), (a.Id, a.Version, a.Kind));
        Assert.Equal(["NL", "KR"], a.Parties.Select(p => p.Code));
        Assert.Equal(new DateOnly(2026, 12, 31), a.ValidUntil);
        var declarations = a.Rules.Single(r => r.Category == DataCategory.Declarations);
        Assert.Equal([Purpose.RiskManagement, Purpose.Investigation], declarations.Purposes);
        Assert.Equal("063", declarations.Disclose[1].WcoId);
        Assert.Contains(declarations.Transforms, t => t.Field.Path == "/parties/*/name" && t.Treatment == Treatment.Pseudonymise);
        Assert.Equal(new Period(2, 0, 0, 0), declarations.Retention.Period);
        var alerts = a.Rules.Single(r => r.Category == DataCategory.Alerts);
        Assert.Equal(["DE"], alerts.OnwardTransfer.Parties);
        Assert.Equal(new Period(0, 0, 0, 12), alerts.AnswerWithin);
        Assert.Equal([Purpose.Statistics], a.Denials.Single().Purposes);
        Assert.Matches("^sha256:[0-9a-f]{64}$", a.ContentHash);
    }

    [Fact]
    public void An_unknown_purpose_is_reported_with_file_line_and_field_path()
    {
        var e = Refused(BilateralYaml().Replace("purposes: [risk-management, investigation]", "purposes: [risk-management, curiosity]", StringComparison.Ordinal));
        var error = Assert.Single(e.Errors);
        Assert.Equal(("bad.yaml", 19L, "categories.declarations.purposes"), (error.File, error.Line, error.Path));
        Assert.Contains("unknown purpose 'curiosity'; expected risk-management, investigation", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("fingerprint: {KR}", "fingerprint: sha1:abc", "parties[1].fingerprint", "expected sha256:")]
    [InlineData("handling-code: H2", "handling-code: H7", "categories.declarations.handling-code", "expected H0, H1, H2, H3")]
    [InlineData("until: 2026-12-31", "until: 2025-12-31", "validity.until", "is before 'from'")]
    [InlineData("period: P2Y", "period: two years", "categories.declarations.retention.period", "ISO 8601 period")]
    [InlineData("kind: bilateral", "kind: friendly", "kind", "expected bilateral, multilateral")]
    [InlineData("    other-fields: refuse", "    other-fields: refuse\n    colour: red", "categories.declarations.colour", "unknown key 'colour'")]
    [InlineData("  - /goodsShipment/goodsItems/*/classification/code", "  - goodsShipment//code", "categories.declarations.disclose[0]", "starts with '/'")]
    [InlineData("    purposes: [statistics]", "    purposes: [statistics]\n    fields: [/a//b]", "deny[0].fields[0]", "no empty segment")]
    public void Each_mistake_names_the_field_and_what_was_expected(string from, string to, string path, string expected)
    {
        var yaml = File.ReadAllText(SamplePath("bilateral.yaml")).Replace("{NL}", Fingerprint(NlKey), StringComparison.Ordinal);
        yaml = from == "fingerprint: {KR}" ? yaml.Replace(from, to, StringComparison.Ordinal) : yaml.Replace("{KR}", Fingerprint(KrKey), StringComparison.Ordinal).Replace(from, to, StringComparison.Ordinal);
        var e = Refused(yaml);
        Assert.Contains(e.Errors, x => x.Path == path && x.Message.Contains(expected, StringComparison.Ordinal) && x.Line > 0);
    }

    [Theory]
    [InlineData("agreement: [unclosed")]
    [InlineData("- just\n- a list")]
    [InlineData("agreement: x\nagreement: y")]
    [InlineData("")]
    public void Text_that_is_not_one_agreement_mapping_is_refused(string yaml) => Refused(yaml);

    [Fact]
    public void Aliases_cannot_blow_the_document_up()
    {
        var lines = new List<string> { "a0: &a0 [x, x, x, x, x, x, x, x, x, x]" };
        for (var i = 1; i < 9; i++) lines.Add($"a{i}: &a{i} [*a{i - 1}, *a{i - 1}, *a{i - 1}, *a{i - 1}, *a{i - 1}, *a{i - 1}, *a{i - 1}, *a{i - 1}, *a{i - 1}, *a{i - 1}]");
        var e = Refused(string.Join('\n', lines));
        Assert.Contains("more than", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_signed_bytes_ignore_comments_key_order_quoting_and_flow_style()
    {
        var original = AgreementDocument.Parse(BilateralYaml(), "a.yaml");
        var reformatted = "# moved around\nversion: \"1\"\n" + BilateralYaml()
            .Replace("version: 1\n", "", StringComparison.Ordinal)
            .Replace("purposes: [risk-management, investigation]", "purposes:\n      - 'risk-management'   # first\n      - investigation", StringComparison.Ordinal)
            .Replace("retention: { period: P2Y, then: erase }", "retention:\n      then: erase\n      period: \"P2Y\"", StringComparison.Ordinal);
        var other = AgreementDocument.Parse(reformatted, "b.yaml");
        Assert.Equal(original.ContentHash, other.ContentHash);
        Assert.Equal(original.CanonicalBytes.ToArray(), other.CanonicalBytes.ToArray());

        var changed = AgreementDocument.Parse(BilateralYaml().Replace("H2", "H1", StringComparison.Ordinal), "c.yaml");
        Assert.NotEqual(original.ContentHash, changed.ContentHash);
    }

    [Fact]
    public void Canonical_bytes_are_sorted_compact_json_without_the_signatures()
    {
        var a = Bilateral();
        var text = System.Text.Encoding.UTF8.GetString(a.CanonicalBytes.Span);
        Assert.StartsWith("{\"agreement\":\"nl-kr-test\",\"categories\":{\"alerts\":{", text, StringComparison.Ordinal);
        Assert.DoesNotContain("signatures", text, StringComparison.Ordinal);
        Assert.DoesNotContain(" :", text, StringComparison.Ordinal);
        Assert.Contains("\"version\":\"1\"", text, StringComparison.Ordinal);
    }

    private static readonly Lazy<JsonSchema> Schema = new(() => JsonSchema.FromFile(Path.Combine(SharedData.RepositoryRoot, "docs", "agreement.schema.json")));

    private static EvaluationResults Validate(string yaml)
    {
        var schema = Schema.Value;
        var json = CanonicalJson.FromYaml(AgreementDocument.LoadRoot(yaml, "x.yaml"));
        using var document = System.Text.Json.JsonDocument.Parse(json.ToJsonString());
        return schema.Evaluate(document.RootElement, new EvaluationOptions { OutputFormat = OutputFormat.List });
    }

    public static TheoryData<string> Documents() =>
    [
        "tests/Entente.Tests/Agreements/Samples/bilateral.yaml",
        "docs/agreements/nl-kr-mutual-assistance.yaml",
        "docs/agreements/eu-us-aeo-mutual-recognition.yaml",
    ];

    [Theory]
    [MemberData(nameof(Documents))]
    public void The_sample_agreements_conform_to_the_published_schema(string file)
    {
        var yaml = File.ReadAllText(Path.Combine(SharedData.RepositoryRoot, file)).Replace("{NL}", Fingerprint(NlKey), StringComparison.Ordinal).Replace("{KR}", Fingerprint(KrKey), StringComparison.Ordinal);
        var result = Validate(yaml);
        Assert.True(result.IsValid, string.Join("; ", result.Details?.Where(d => d.Errors is not null).SelectMany(d => d.Errors!.Select(e => $"{d.InstanceLocation}: {e.Value}")) ?? []));
    }

    [Fact]
    public void The_schema_refuses_a_document_with_an_unknown_purpose()
    {
        var yaml = BilateralYaml().Replace("[risk-management, investigation]", "[curiosity]", StringComparison.Ordinal);
        Assert.False(Validate(yaml).IsValid);
    }
}
