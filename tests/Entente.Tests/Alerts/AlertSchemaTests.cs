using System.Reflection;
using System.Text.Json;
using System.Text.Json.Nodes;
using Entente.Alerts;
using Entente.Tests.Support;
using Json.Schema;

namespace Entente.Tests.Alerts;

/// <summary>docs/alert.schema.json is written by hand; these tests keep it in step with Alert.cs and the validator.</summary>
public sealed class AlertSchemaTests
{
    private static readonly string SchemaPath = Path.Combine(SharedData.RepositoryRoot, "docs", "alert.schema.json");
    private static readonly Lazy<JsonSchema> Compiled = new(() => JsonSchema.FromFile(SchemaPath));
    private static readonly JsonNode Schema = JsonNode.Parse(File.ReadAllText(SchemaPath))!;

    private static bool Valid(JsonNode document)
    {
        using var parsed = JsonDocument.Parse(document.ToJsonString());
        return Compiled.Value.Evaluate(parsed.RootElement, new EvaluationOptions { OutputFormat = OutputFormat.List }).IsValid;
    }

    private static IEnumerable<string> Names(Type type) =>
        type.GetProperties(BindingFlags.Public | BindingFlags.Instance).Select(p => JsonNamingPolicy.CamelCase.ConvertName(p.Name));

    [Fact]
    public void Every_member_of_an_alert_and_its_subject_is_in_the_schema()
    {
        var alert = Schema["$defs"]!["alert"]!["properties"]!.AsObject().Select(p => p.Key).Order(StringComparer.Ordinal);
        Assert.Equal(Names(typeof(Alert)).Order(StringComparer.Ordinal), alert);
        var subject = Schema["$defs"]!["subject"]!["properties"]!.AsObject().Select(p => p.Key).Order(StringComparer.Ordinal);
        Assert.Equal(Names(typeof(AlertSubject)).Order(StringComparer.Ordinal), subject);
    }

    [Fact]
    public void The_samples_validate_and_what_the_validator_refuses_for_its_shape_the_schema_refuses_too()
    {
        var alert = AlertsTestKit.Company(agreement: AlertsTestKit.AgreementId);
        Assert.True(Valid(alert));
        Assert.True(Valid(AlertsTestKit.Partner()["alert"]!));
        Assert.True(Valid(AlertJson.ToJson(AlertValidator.CheckOwn(alert, "NL", AlertsTestKit.Agreements, () => "NL-AL-1").Alert!)));
        var unknownKind = AlertsTestKit.Company();
        unknownKind["subject"]!["kind"] = "spaceship";
        Assert.False(Valid(unknownKind));
        var both = AlertsTestKit.Company();
        both["legalBasis"]!["agreement"] = "x";
        Assert.False(Valid(both));
        var badAction = AlertsTestKit.Company();
        badAction["action"] = "arrest";
        Assert.False(Valid(badAction));
    }
}
