using System.Text.Json.Nodes;
using Entente.Agreements;
using Entente.Sharing;
using static Entente.Tests.Agreements.AgreementTestKit;

namespace Entente.Tests.Sharing;

public sealed class SubscriptionsTests
{
    private static readonly System.Security.Cryptography.ECDsa DeKey = System.Security.Cryptography.ECDsa.Create(System.Security.Cryptography.ECCurve.NamedCurves.nistP256);

    private static Agreement Network(string push, string category = "seizure-reports", string root = "/seizure", string purposes = "[risk-management, investigation]") => Signed($$"""
        agreement: push-test
        version: 1
        kind: multilateral
        parties:
          - { code: NL, name: NL, fingerprint: "{{Fingerprint(NlKey)}}" }
          - { code: KR, name: KR, fingerprint: "{{Fingerprint(KrKey)}}" }
          - { code: DE, name: DE, fingerprint: "{{Fingerprint(DeKey)}}" }
        legal-basis: ["Art. 1"]
        validity: { from: 2026-01-01, until: 2026-12-31 }
        categories:
          {{category}}:
            purposes: {{purposes}}
            disclose: [{{root}}]
            handling-code: H1
            onward-transfer: forbidden
            retention: { period: P1Y, then: erase }
            {{push}}
        """, NlKey, KrKey, DeKey);

    private static JsonObject Seizure(string origin, string importerCountry) => JsonNode.Parse($$$"""
        {"seizure":{"id":"S-1","seizedAt":"2026-06-01T10:00:00Z","category":"drugs","route":{"originCountryCode":"{{{origin}}}","itinerary":["PA","ES"]},
         "parties":[{"role":"importer","id":"X1","address":{"countryCode":"{{{importerCountry}}}"}}]}}
        """)!.AsObject();

    [Fact]
    public void A_record_goes_only_to_the_parties_whose_traders_or_routes_it_involves()
    {
        var agreement = Network("push: { to: involved-parties, purpose: risk-management }");
        var targets = Subscriptions.Plan([agreement], "NL", RecordKind.SeizureReport, Seizure("KR", "NL"));
        Assert.Equal([new PushTarget("KR", "push-test", Purpose.RiskManagement)], targets);
        Assert.Equal(["DE", "KR"], Subscriptions.Plan([agreement], "NL", RecordKind.SeizureReport, Seizure("KR", "DE")).Select(t => t.Recipient).Order());
        Assert.Empty(Subscriptions.Plan([agreement], "NL", RecordKind.SeizureReport, Seizure("CO", "NL")));
    }

    [Fact]
    public void All_parties_get_it_when_the_agreement_says_so_and_nobody_without_a_push()
    {
        Assert.Equal(["DE", "KR"], Subscriptions.Plan([Network("push: { to: all-parties, purpose: investigation }")], "NL", RecordKind.SeizureReport, Seizure("CO", "NL"))
            .Select(t => t.Recipient).Order());
        Assert.Empty(Subscriptions.Plan([Network("")], "NL", RecordKind.SeizureReport, Seizure("KR", "DE")));
        Assert.Empty(Subscriptions.Plan([Network("push: { to: all-parties, purpose: investigation }")], "JP", RecordKind.SeizureReport, Seizure("KR", "DE")));
    }

    [Fact]
    public void Risk_results_are_pushed_only_in_the_lanes_named()
    {
        var agreement = Network("push: { to: all-parties, purpose: risk-management, lanes: [red] }", "risk-results", "/riskResult", "[risk-management]");
        JsonObject Result(string lane) => JsonNode.Parse($$$"""{"riskResult":{"declarationMrn":"26NL1","lane":"{{{lane}}}","assessedAt":"2026-06-01T10:00:00Z","items":[{"sequence":1,"resultCode":"A","text":"x"}]}}""")!.AsObject();
        Assert.Equal(2, Subscriptions.Plan([agreement], "NL", RecordKind.RiskResult, Result("red")).Count);
        Assert.Empty(Subscriptions.Plan([agreement], "NL", RecordKind.RiskResult, Result("green")));
    }

    [Fact]
    public void A_push_for_a_purpose_the_rule_does_not_name_or_lanes_outside_risk_results_is_refused_by_name()
    {
        var e = Assert.Throws<AgreementFormatException>(() => Network("push: { to: all-parties, purpose: statistics }"));
        Assert.Contains("push.purpose", e.Message, StringComparison.Ordinal);
        var lanes = Assert.Throws<AgreementFormatException>(() => Network("push: { to: all-parties, purpose: investigation, lanes: [red] }"));
        Assert.Contains("only risk-results are pushed by lane", lanes.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Records_are_checked_with_pointers_to_each_problem()
    {
        var aeo = JsonNode.Parse("""{"aeo":{"id":"NL123","name":"Trader BV","address":{"countryCode":"XX"},"status":"suspended","validatedOn":"2024-02-30"}}""")!.AsObject();
        var problems = RecordValidator.Check(RecordKind.AeoStatus, aeo).Select(p => p.Field).ToList();
        Assert.Equal(["/aeo/validatedOn", "/aeo/suspendedOn", "/aeo/address/countryCode"], problems);
        var risk = JsonNode.Parse("""{"riskResult":{"declarationMrn":"26NL1","lane":"purple","assessedAt":"2026-06-01T10:00:00Z","items":[{"sequence":0,"resultCode":"A"}]}}""")!.AsObject();
        Assert.Equal(["/riskResult/lane", "/riskResult/items/0/sequence", "/riskResult/items/0/text"], RecordValidator.Check(RecordKind.RiskResult, risk).Select(p => p.Field));
        Assert.Empty(RecordValidator.Check(RecordKind.SeizureReport, Seizure("KR", "NL")));
        Assert.Equal("/", Assert.Single(RecordValidator.Check(RecordKind.SeizureReport, new JsonObject { ["alert"] = new JsonObject() })).Field);
    }

    [Fact]
    public void A_record_carrying_withheld_fields_or_a_placeholder_is_not_a_record()
    {
        var projected = JsonNode.Parse("""{"seizure":{"id":"S-1","seizedAt":"2026-06-01T10:00:00Z","category":"drugs"},"withheld":["/seizure/place"]}""")!.AsObject();
        Assert.Equal("/withheld", Assert.Single(RecordValidator.Check(RecordKind.SeizureReport, projected)).Field);
        var masked = JsonNode.Parse("""{"seizure":{"id":"S-1","seizedAt":"2026-06-01T10:00:00Z","category":"drugs","place":"***","goods":[{"description":"for 5GB[withheld]-1"}]}}""")!.AsObject();
        Assert.Equal(["/seizure/place", "/seizure/goods/0/description"], RecordValidator.Check(RecordKind.SeizureReport, masked).Select(p => p.Field));
    }
}
