using System.Text.Json.Nodes;
using Entente.Agreements;
using static Entente.Tests.Agreements.AgreementTestKit;

namespace Entente.Tests.Agreements;

public class PolicyEngineTests
{
    private static readonly Agreement Nlkr = Bilateral();
    private const string Code = "/goodsShipment/goodsItems/*/classification/code";

    private static Decision Decide(AccessRequest request) => PolicyEngine.Decide([Nlkr], request);

    private static Deny Denied(AccessRequest request) => Assert.IsType<Deny>(Decide(request));

    [Fact]
    public void No_agreement_in_force_means_deny()
    {
        var deny = Assert.IsType<Deny>(PolicyEngine.Decide([], Request("KR", DataCategory.Declarations, Purpose.RiskManagement, Code)));
        Assert.Equal("no agreement in force covers data of NL requested by KR for KR", deny.Reason);
    }

    [Fact]
    public void A_request_without_a_purpose_is_denied() =>
        Assert.Equal("no purpose stated: every access names one", Denied(Request("KR", DataCategory.Declarations, null, Code)).Reason);

    [Fact]
    public void A_purpose_the_agreement_does_not_list_is_denied_naming_the_allowed_ones() =>
        Assert.Equal($"nl-kr-test v1: purpose prosecution is not allowed for declarations (allowed: risk-management, investigation)",
            Denied(Request("KR", DataCategory.Declarations, Purpose.Prosecution, Code)).Reason);

    [Fact]
    public void A_category_the_agreement_does_not_cover_is_denied() =>
        Assert.Equal("nl-kr-test v1: does not cover seizure-reports", Denied(Request("KR", DataCategory.SeizureReports, Purpose.RiskManagement, "/seizure")).Reason);

    [Fact]
    public void A_field_outside_the_allow_list_is_denied_when_other_fields_are_refused() =>
        Assert.Equal("nl-kr-test v1: field /goodsShipment/consignment/containers/*/id is not allowed for declarations",
            Denied(Request("KR", DataCategory.Declarations, Purpose.RiskManagement, Code, "/goodsShipment/consignment/containers/*/id")).Reason);

    [Fact]
    public void A_party_outside_the_agreement_is_denied() =>
        Assert.StartsWith("no agreement in force covers data of NL requested by DE", Denied(Request("DE", DataCategory.Declarations, Purpose.RiskManagement, Code)).Reason, StringComparison.Ordinal);

    [Fact]
    public void An_explicit_deny_rule_wins_and_names_its_agreement()
    {
        var deny = Denied(Request("KR", DataCategory.Declarations, Purpose.Statistics, Code));
        Assert.Equal("nl-kr-test v1 deny[0]: no personal data for statistics", deny.Reason);
        Assert.Equal(AgreementReference.Of(Nlkr), Assert.Single(deny.Agreements));
    }

    [Fact]
    public void An_alert_of_another_category_is_denied() =>
        Assert.Equal("nl-kr-test v1: does not cover alerts of category arrest",
            Denied(Request("KR", DataCategory.Alerts, Purpose.SpecificCheck, "/alert") with { AlertCategory = "arrest" }).Reason);

    [Fact]
    public void A_local_user_is_not_covered_by_rules_written_for_partner_nodes()
    {
        var request = new AccessRequest("NL", new Requester("NL", "j.devries", "officer"), "NL", DataCategory.Declarations, Purpose.RiskManagement, [Code], InForceAt);
        Assert.IsType<Deny>(PolicyEngine.Decide([Nlkr], request));
    }

    [Fact]
    public void A_permit_carries_the_obligations_and_the_agreement_it_relied_on()
    {
        var permit = Assert.IsType<Permit>(Decide(Request("KR", DataCategory.Declarations, Purpose.Investigation,
            Code, "/acceptanceDateTime", "/parties/*/name", "/parties/0/id")));
        var o = permit.Obligations;
        Assert.Equal([Code], o.Disclose);
        Assert.Equal(["/acceptanceDateTime"], o.GeneraliseToMonth);
        Assert.Equal(["/parties/*/name"], o.Pseudonymise);
        Assert.Equal(["/parties/0/id"], o.Mask);
        Assert.Empty(o.Drop);
        Assert.Equal((HandlingCode.H2, "B2", RetentionEnd.Erase), (o.HandlingCode, o.Evaluation.ToString(), o.ThenRetention));
        Assert.Equal(InForceAt.AddYears(2), o.RetainUntil);
        Assert.Equal(OnwardTransfer.Forbidden, o.OnwardTransfer);
        Assert.Equal(new AgreementReference("nl-kr-test", 1, Nlkr.ContentHash), Assert.Single(permit.Agreements));
        Assert.StartsWith("permitted by nl-kr-test v1: declarations for investigation, KR to KR; stamp H2, keep until 2028-06-15 then erase", permit.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Alert_requests_get_their_answer_deadline_and_onward_transfer()
    {
        var permit = Assert.IsType<Permit>(Decide(Request("KR", DataCategory.Alerts, Purpose.SpecificCheck, "/alert/id") with { AlertCategory = "discreet-check" }));
        Assert.Equal(InForceAt.AddHours(12), permit.Obligations.AnswerBy);
        Assert.Equal("allowed to DE", permit.Obligations.OnwardTransfer.ToString());
        Assert.Equal(RetentionEnd.Review, permit.Obligations.ThenRetention);
    }

    [Fact]
    public void A_request_naming_another_agreement_as_legal_basis_is_not_permitted_by_this_one() =>
        Assert.IsType<Deny>(Decide(Request("KR", DataCategory.Declarations, Purpose.RiskManagement, Code) with { LegalBasis = "other" }));

    [Fact]
    public void Projection_keeps_only_what_the_obligations_allow_and_transforms_the_rest()
    {
        var permit = Assert.IsType<Permit>(Decide(Request("KR", DataCategory.Declarations, Purpose.Investigation,
            Code, "/acceptanceDateTime", "/parties/*/name", "/parties/*/id")));
        var document = JsonNode.Parse("""
            {"lrn":"L1","acceptanceDateTime":"2026-03-14T09:30:00Z",
             "parties":[{"role":"importer","name":"ACME BV","id":"NL123"},{"role":"exporter","name":"Kim Co","id":"KR9"}],
             "goodsShipment":{"goodsItems":[{"classification":{"code":"851712","scheme":"hs"},"netMassKg":3}]}}
            """)!.AsObject();
        var key = "secret"u8.ToArray();
        var projected = PolicyEngine.Project(document, permit.Obligations, key);
        string Hmac(string name) => "hmac-sha256:" + Convert.ToHexStringLower(System.Security.Cryptography.HMACSHA256.HashData(key, System.Text.Encoding.UTF8.GetBytes(name)));
        var expected = new JsonObject
        {
            ["acceptanceDateTime"] = "2026-03",
            // Withheld is never data: the masked identifiers are left out and listed, no "***" stands in for them.
            ["parties"] = new JsonArray(new JsonObject { ["name"] = Hmac("ACME BV") }, new JsonObject { ["name"] = Hmac("Kim Co") }),
            ["goodsShipment"] = new JsonObject { ["goodsItems"] = new JsonArray(new JsonObject { ["classification"] = new JsonObject { ["code"] = "851712" } }) },
            [PolicyEngine.WithheldMember] = new JsonArray("/parties/0/id", "/parties/1/id"),
        };
        Assert.Equal(expected.ToJsonString(), projected.ToJsonString());
        Assert.Equal("L1", document["lrn"]!.GetValue<string>());
    }

    [Fact]
    public void A_projection_withholds_a_date_that_is_not_one_and_keeps_what_a_passed_on_document_withheld()
    {
        var permit = Assert.IsType<Permit>(Decide(Request("KR", DataCategory.Declarations, Purpose.Investigation,
            Code, "/acceptanceDateTime", "/parties/0/id", "/parties/1/id")));
        var document = JsonNode.Parse("""
            {"acceptanceDateTime":"soon","parties":[{"id":"NL123"}],"withheld":["/parties/1/id","/goodsShipment/goodsItems/0/customsValue"]}
            """)!.AsObject();
        var projected = PolicyEngine.Project(document, permit.Obligations, "secret"u8);
        Assert.False(projected.ContainsKey("acceptanceDateTime"));
        Assert.DoesNotContain("***", projected.ToJsonString(), StringComparison.Ordinal);
        // Listed in document order; of what the document already withheld, only what these obligations cover.
        Assert.Equal(["/acceptanceDateTime", "/parties/0/id", "/parties/1/id"], PolicyEngine.WithheldOf(projected));
    }

    [Fact]
    public void Where_two_agreements_permit_the_most_restrictive_obligations_apply()
    {
        var stricter = Signed(BilateralYaml().Replace("agreement: nl-kr-test", "agreement: nl-kr-strict", StringComparison.Ordinal)
            .Replace("handling-code: H2", "handling-code: H3", StringComparison.Ordinal)
            .Replace("/parties/*/name: pseudonymise", "/parties/*/name: mask", StringComparison.Ordinal)
            .Replace("period: P2Y", "period: P6M", StringComparison.Ordinal), NlKey, KrKey);
        var permit = Assert.IsType<Permit>(PolicyEngine.Decide([Nlkr, stricter], Request("KR", DataCategory.Declarations, Purpose.RiskManagement, Code, "/parties/*/name")));
        Assert.Equal(HandlingCode.H3, permit.Obligations.HandlingCode);
        Assert.Equal(["/parties/*/name"], permit.Obligations.Mask);
        Assert.Equal(InForceAt.AddMonths(6), permit.Obligations.RetainUntil);
        Assert.Equal(["nl-kr-strict", "nl-kr-test"], permit.Agreements.Select(a => a.Id));
    }
}
