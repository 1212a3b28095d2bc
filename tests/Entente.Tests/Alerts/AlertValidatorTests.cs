using System.Text.Json.Nodes;
using Entente.Alerts;

namespace Entente.Tests.Alerts;

/// <summary>The pure check of alerts: every problem at its JSON pointer, findings kept apart, the life cycle's moves.</summary>
public sealed class AlertValidatorTests
{
    private static AlertCheck Own(JsonObject document) => AlertValidator.CheckOwn(document, "NL", AlertsTestKit.Agreements, () => "NL-AL-1");

    private static IEnumerable<string> Paths(AlertCheck check) => check.Errors.Select(e => e.Path);

    [Fact]
    public void A_valid_company_alert_gets_this_node_as_issuer_an_id_and_is_in_force()
    {
        var check = Own(AlertsTestKit.Company());
        Assert.Empty(check.Errors);
        var alert = Assert.IsType<Alert>(check.Alert);
        Assert.Equal(("NL", "NL-AL-1", AlertState.InForce, 1), (alert.Issuer, alert.Id, alert.State, alert.Version));
        Assert.Equal(["Nordwind Handels GmbH", "Nordwind Trading"], alert.Subject.Names!);
        Assert.Equal(new DateOnly(2025, 6, 30), alert.Validity.Until);
    }

    [Fact]
    public void An_unknown_subject_kind_is_refused_naming_the_kinds()
    {
        var document = AlertsTestKit.Company();
        document["subject"]!["kind"] = "spaceship";
        var check = Own(document);
        Assert.Null(check.Alert);
        var error = Assert.Single(check.Errors);
        Assert.Equal("/subject/kind", error.Path);
        Assert.Contains("person, company, transport, container, goods, document", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Invalid_dates_and_until_before_from_are_refused_at_their_pointers()
    {
        var document = AlertsTestKit.Company();
        document["validity"] = new JsonObject { ["from"] = "2025-03-01", ["until"] = "2025-02-28", ["review"] = "2025-13-01" };
        Assert.Equal(["/validity/review", "/validity/until"], Paths(Own(document)).Order(StringComparer.Ordinal));
        document["validity"] = new JsonObject { ["from"] = "1 March 2025" };
        Assert.Equal(["/validity/from"], Paths(Own(document)));
    }

    [Fact]
    public void A_bad_category_and_action_are_refused_with_the_choices()
    {
        var document = AlertsTestKit.Company();
        document["category"] = "smuggling";
        document["action"] = "arrest";
        var check = Own(document);
        Assert.Equal(["/action", "/category"], Paths(check).Order(StringComparer.Ordinal));
        Assert.Contains(check.Errors, e => e.Message.Contains("dual-use", StringComparison.Ordinal));
        Assert.Contains(check.Errors, e => e.Message.Contains("inform-issuer", StringComparison.Ordinal));
    }

    [Fact]
    public void Members_of_another_subject_kind_and_unknown_members_are_refused()
    {
        var document = AlertsTestKit.Company();
        document["subject"]!["containerNumber"] = "CSQU3054383";
        document["colour"] = "red";
        Assert.Equal(["/colour", "/subject/containerNumber"], Paths(Own(document)).Order(StringComparer.Ordinal));
    }

    [Fact]
    public void A_container_number_with_a_wrong_check_digit_is_kept_as_given_with_a_finding()
    {
        var document = AlertsTestKit.Company();
        document["subject"] = new JsonObject { ["kind"] = "container", ["containerNumber"] = "CSQU3054380" };
        var check = Own(document);
        Assert.Empty(check.Errors);
        Assert.Equal("CSQU3054380", check.Alert!.Subject.ContainerNumber);
        Assert.Contains("check digit should be 3", Assert.Single(check.Findings), StringComparison.Ordinal);

        document["subject"] = new JsonObject { ["kind"] = "container", ["containerNumber"] = "CSQU30543" };
        Assert.Equal(["/subject/containerNumber"], Paths(Own(document)));
    }

    [Fact]
    public void An_alert_citing_an_agreement_not_in_force_or_without_alerts_is_outside_any_agreement()
    {
        var unknown = Own(AlertsTestKit.Company(agreement: "nl-xx-none"));
        Assert.True(unknown.OutsideAgreement);
        Assert.Equal("/legalBasis/agreement", Assert.Single(unknown.Errors).Path);
        var noAlerts = Own(AlertsTestKit.Company(agreement: AlertsTestKit.NoAlertsId));
        Assert.True(noAlerts.OutsideAgreement);
        Assert.Contains("does not cover alerts", noAlerts.Errors[0].Message, StringComparison.Ordinal);
        Assert.Empty(Own(AlertsTestKit.Company(agreement: AlertsTestKit.AgreementId)).Errors);
    }

    [Fact]
    public void A_legal_basis_is_an_agreement_or_a_national_basis_never_both()
    {
        var document = AlertsTestKit.Company();
        document["legalBasis"] = new JsonObject { ["agreement"] = AlertsTestKit.AgreementId, ["national"] = "Customs Code" };
        Assert.Equal(["/legalBasis"], Paths(Own(document)));
    }

    [Fact]
    public void A_partner_alert_must_come_from_its_issuer_under_the_agreement_it_cites()
    {
        Assert.Empty(AlertValidator.CheckReceived(AlertsTestKit.Partner(), "KR", AlertsTestKit.AgreementId).Errors);
        Assert.Contains("/alert/issuer", Paths(AlertValidator.CheckReceived(AlertsTestKit.Partner(), "DE", AlertsTestKit.AgreementId)));
        var other = AlertValidator.CheckReceived(AlertsTestKit.Partner(agreement: "kr-xx-other"), "KR", AlertsTestKit.AgreementId);
        Assert.Contains("outside the agreement it came under", Assert.Single(other.Errors).Message, StringComparison.Ordinal);
        var withdrawnWithoutReason = AlertsTestKit.Partner(state: "withdrawn");
        withdrawnWithoutReason["alert"]!.AsObject().Remove("withdrawal");
        Assert.Equal(["/alert/withdrawal"], Paths(AlertValidator.CheckReceived(withdrawnWithoutReason, "KR", AlertsTestKit.AgreementId)));
        Assert.Equal(["/"], Paths(AlertValidator.CheckReceived(new JsonObject { ["seizure"] = new JsonObject() }, "KR", AlertsTestKit.AgreementId)));
    }

    [Theory]
    [InlineData(AlertState.Draft, AlertState.InForce, true)]
    [InlineData(AlertState.Draft, AlertState.Withdrawn, true)]
    [InlineData(AlertState.InForce, AlertState.Withdrawn, true)]
    [InlineData(AlertState.Expired, AlertState.Withdrawn, true)]
    [InlineData(AlertState.Withdrawn, AlertState.InForce, false)]
    [InlineData(AlertState.InForce, AlertState.Draft, false)]
    [InlineData(AlertState.Withdrawn, AlertState.Withdrawn, false)]
    public void Only_legal_moves_are_allowed(AlertState from, AlertState to, bool allowed) => Assert.Equal(allowed, AlertLifecycle.CanMove(from, to));

    [Fact]
    public void An_alert_expires_the_day_after_its_until_day_and_applies_only_from_its_first_day()
    {
        var alert = Own(AlertsTestKit.Company()).Alert!;
        Assert.False(AlertLifecycle.Applies(alert, new DateTimeOffset(2025, 2, 28, 23, 0, 0, TimeSpan.Zero)));
        Assert.True(AlertLifecycle.Applies(alert, new DateTimeOffset(2025, 6, 30, 23, 59, 0, TimeSpan.Zero)));
        Assert.Equal(AlertState.Expired, AlertLifecycle.StateAt(alert, new DateTimeOffset(2025, 7, 1, 0, 0, 1, TimeSpan.Zero)));
        Assert.Equal(AlertState.Expired, AlertLifecycle.StateAt(alert, new DateTimeOffset(2025, 4, 1, 0, 0, 0, TimeSpan.Zero), retainUntil: new DateTimeOffset(2025, 3, 31, 0, 0, 0, TimeSpan.Zero)));
    }

    [Fact]
    public void The_alert_json_round_trips_with_kebab_case_names()
    {
        var alert = Own(AlertsTestKit.Company()).Alert!;
        var json = AlertJson.ToJson(alert);
        Assert.Equal("in-force", json["state"]!.GetValue<string>());
        Assert.Equal("discreet-check", json["action"]!.GetValue<string>());
        Assert.Equal(AlertJson.Digest(alert), AlertJson.Digest(AlertJson.FromJson(json)));
    }
}
