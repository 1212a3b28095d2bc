using Entente.Agreements;
using Entente.Tests.Screening;
using static Entente.Tests.Agreements.AgreementTestKit;

namespace Entente.Tests.Alerts;

/// <summary>An agreement's alerts rule may set the clock of hits on its alerts (inform-within-hours): optional, alerts only, 1 to 720 hours.</summary>
public sealed class AlertClockAgreementTests
{
    [Fact]
    public void An_alerts_rule_sets_its_clock_an_older_agreement_without_it_stays_valid()
    {
        var rule = HitFollowUpKit.Agreement.Rules.Single(r => r.Category == DataCategory.Alerts);
        Assert.Equal(HitFollowUpKit.InformWithinHours, rule.InformWithinHours);
        Assert.All(Bilateral().Rules, r => Assert.Null(r.InformWithinHours)); // written before the member: no clock, the node's
    }

    [Theory]
    [InlineData("alerts", "0", "categories.alerts.inform-within-hours", "expected a whole number from 1 to 720")]
    [InlineData("alerts", "721", "categories.alerts.inform-within-hours", "expected a whole number from 1 to 720")]
    [InlineData("alerts", "twelve", "categories.alerts.inform-within-hours", "expected a whole number from 1 to 720")]
    [InlineData("declarations", "12", "categories.declarations.inform-within-hours", "only the alerts category")]
    public void A_clock_out_of_range_or_outside_the_alerts_rule_is_refused_at_its_line(string category, string value, string path, string expected)
    {
        var yaml = BilateralYaml().Replace($"  {category}:\n", $"  {category}:\n    inform-within-hours: {value}\n", StringComparison.Ordinal);
        Assert.Contains("inform-within-hours", yaml, StringComparison.Ordinal);
        var e = Assert.Throws<AgreementFormatException>(() => AgreementDocument.Parse(yaml, "bad.yaml"));
        Assert.Contains(e.Errors, x => x.Path == path && x.Message.Contains(expected, StringComparison.Ordinal) && x.Line > 0);
    }
}
