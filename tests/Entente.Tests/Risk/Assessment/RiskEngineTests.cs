using Entente.Declarations;
using Entente.Risk.Assessment;
using Entente.Risk.Model;
using Entente.Risk.Rules;
using Entente.Tests.Storage;
using Entente.Tools.Generation;

namespace Entente.Tests.Risk.Assessment;

public class RiskEngineTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 28, 10, 0, 0, TimeSpan.Zero);

    private static readonly RuleSet Rules = RuleSetCompiler.Compile("""
        ruleset "gb-targeting" version 7
        list risky of countries = BY, AE
        rule tobacco "tobacco from risky origins":
          if hs starts "2402" and origin in list risky
          then red 100
          because "cigarettes from an origin known for smuggled tobacco"
        rule toys "toys from CN":
          if hs starts "9503" and origin = "CN"
          then score 55
        rule cheap "cheap per kg":
          if value-per-kg < 1
          then score 20
        rule partner-red "a partner sent red":
          if partner lane red
          then yellow 10
        """, "gb.rules");

    private static readonly LanePolicy NoRandom = new() { RandomRate = 0 };

    private static Declaration Goods(string hs, string origin, decimal value = 1000m, string lrn = "LRN-1") =>
        DeclarationBuilder.Import(lrn).Declarant("GB1").Item(hs, origin, value).Build();

    [Fact]
    public void A_rule_that_asks_for_red_sends_the_declaration_red_and_says_why_with_the_versions()
    {
        var a = RiskEngine.Assess(Goods("240220", "BY"), Rules, null, PartnerIndicators.None, NoRandom, LaneLoad.None, Now);

        Assert.Equal(Lane.Red, a.Lane);
        Assert.Equal(100, a.Score);
        Assert.Equal(["tobacco"], a.FiredRules);
        Assert.Equal("gb-targeting 7", a.RuleSet);
        Assert.Null(a.Model);
        var reason = Assert.Single(a.Reasons, r => r.Source == "rule tobacco");
        Assert.Contains("smuggled tobacco", reason.Text, StringComparison.Ordinal);
        Assert.Contains("asks for red", reason.Text, StringComparison.Ordinal);
        Assert.False(a.RandomlySelected);
    }

    [Fact]
    public void The_score_alone_picks_the_lane_by_the_policy_thresholds()
    {
        var toys = Goods("950300", "CN");
        Assert.Equal(Lane.Yellow, RiskEngine.Assess(toys, Rules, null, PartnerIndicators.None, NoRandom, LaneLoad.None, Now).Lane);
        Assert.Equal(Lane.Red, RiskEngine.Assess(toys, Rules, null, PartnerIndicators.None, NoRandom with { RedFrom = 55 }, LaneLoad.None, Now).Lane);
        Assert.Equal(Lane.Green, RiskEngine.Assess(Goods("847130", "CN"), Rules, null, PartnerIndicators.None, NoRandom, LaneLoad.None, Now).Lane);
    }

    [Fact]
    public void Random_selection_takes_about_its_rate_whatever_the_score_and_draws_the_same_for_the_same_declaration()
    {
        var policy = new LanePolicy { RandomRate = 0.02, Seed = "gb-2026" };
        var selected = 0;
        for (var i = 0; i < 20_000; i++)
        {
            var declaration = Goods("847130", "CN", lrn: $"LRN-{i}");
            var a = RiskEngine.Assess(declaration, Rules, null, PartnerIndicators.None, policy, LaneLoad.None, Now);
            if (!a.RandomlySelected) continue;
            selected++;
            Assert.Equal(Lane.Red, a.Lane);
            Assert.Contains(a.Reasons, r => r.Source == "random selection");
            Assert.True(RiskEngine.Assess(declaration, Rules, null, PartnerIndicators.None, policy, LaneLoad.None, Now).RandomlySelected);
        }
        Assert.InRange(selected / 20_000.0, 0.016, 0.024);
        Assert.NotEqual(RiskEngine.Draw("gb-2026", Goods("847130", "CN")), RiskEngine.Draw("nl-2026", Goods("847130", "CN")));
    }

    [Fact]
    public void When_red_is_full_a_red_the_score_asked_for_goes_yellow_but_a_rules_red_stays()
    {
        var policy = NoRandom with { RedFrom = 50, RedCapacityPerDay = 10 };
        var full = new LaneLoad(10);

        var byScore = RiskEngine.Assess(Goods("950300", "CN"), Rules, null, PartnerIndicators.None, policy, full, Now);
        Assert.Equal(Lane.Yellow, byScore.Lane);
        Assert.Contains(byScore.Reasons, r => r.Source == "capacity" && r.Text!.Contains("10 physical inspections a day", StringComparison.Ordinal));

        Assert.Equal(Lane.Red, RiskEngine.Assess(Goods("950300", "CN"), Rules, null, PartnerIndicators.None, policy, new LaneLoad(9), Now).Lane);
        Assert.Equal(Lane.Red, RiskEngine.Assess(Goods("240220", "BY"), Rules, null, PartnerIndicators.None, policy, full, Now).Lane);
    }

    [Fact]
    public void A_partners_red_is_named_in_the_reasons_and_can_fire_a_rule()
    {
        var partners = new PartnerIndicators([new PartnerIndication("NL", Lane.Red, "declaration 26NL0001", "rr-1")]);
        var a = RiskEngine.Assess(Goods("847130", "CN"), Rules, null, partners, NoRandom, LaneLoad.None, Now);

        Assert.Equal(Lane.Yellow, a.Lane);
        Assert.Contains("partner-red", a.FiredRules);
        Assert.Contains(a.Reasons, r => r.Source == "partner NL" && r.Text!.Contains("NL gave red about declaration 26NL0001", StringComparison.Ordinal));
    }

    [Fact]
    public void Missing_data_is_said_and_the_assessment_still_comes()
    {
        var declaration = DeclarationBuilder.Import("LRN-9").Declarant("GB1").Item("950300", "CN").Build();
        declaration.GoodsShipment.GoodsItems[0].NetMassKg = null;

        var a = RiskEngine.Assess(declaration, Rules, null, PartnerIndicators.None, NoRandom, LaneLoad.None, Now);

        Assert.Equal(Lane.Yellow, a.Lane);
        Assert.Contains(a.Reasons, r => r.Source == "missing data" && r.Text!.Contains("cheap", StringComparison.Ordinal));
    }

    [Fact]
    public void Without_rules_or_a_model_only_the_random_selection_applies_and_it_says_so()
    {
        var a = RiskEngine.Assess(Goods("240220", "BY"), null, null, PartnerIndicators.None, NoRandom, LaneLoad.None, Now);
        Assert.Equal(Lane.Green, a.Lane);
        Assert.Contains(a.Reasons, r => r.Source == "no targeting");
    }

    [Fact]
    public void The_model_adds_its_weighted_probability_and_its_reasons_in_words()
    {
        var training = new TrainingSet();
        foreach (var record in new DeclarationGenerator(11).Generate(3_000)) training.Add(record.Declaration!, record.Labels!);
        var model = RiskModelTrainer.Train(training, null, new BoostingOptions { Trees = 30, Threads = 1 }, seed: 1, Now);
        var declaration = new DeclarationGenerator(12).Generate(1).Single().Declaration!;

        var withModel = RiskEngine.Assess(declaration, null, model, PartnerIndicators.None, NoRandom with { ModelWeight = 80 }, LaneLoad.None, Now);

        var p = model.Score(declaration).Probability;
        Assert.Equal(p, withModel.Probability);
        Assert.Equal(Math.Round(80 * p, 2), withModel.Score);
        Assert.Equal(model.Version, withModel.Model);
        Assert.Contains(withModel.Reasons, r => r.Source == $"model {model.Version}" && r.Text!.StartsWith("fraud probability ", StringComparison.Ordinal));
        Assert.Equal(NoRandom.LaneOf(withModel.Score), withModel.Lane);
    }
}
