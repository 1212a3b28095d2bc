using System.Text.RegularExpressions;
using CsCheck;
using Entente.Agreements;
using static Entente.Tests.Agreements.PolicyScenarios;

namespace Entente.Tests.Agreements;

/// <summary>The policy engine tested the way Cedar's is: properties over random agreements and requests, and a differential test against a naive evaluator.</summary>
public partial class PolicyPropertyTests
{
    private static readonly Gen<Scenario> Scenarios = Gen.Int.Select(seed => Generate(new Random(seed)));

    [Fact]
    public void Without_agreements_every_request_is_denied() =>
        Scenarios.Sample(s => Assert.IsType<Deny>(PolicyEngine.Decide([], s.Request)), iter: 2_000);

    [Fact]
    public void A_matching_deny_rule_turns_any_decision_into_a_deny() =>
        Gen.Int.Sample(seed =>
        {
            var r = new Random(seed);
            var agreements = new List<Agreement> { PolicyScenarios.Agreement(r, "target") };
            for (var i = r.Next(0, 4); i > 0; i--) agreements.Add(PolicyScenarios.Agreement(r, $"a{i}"));
            var parties = agreements[0].Parties.Select(p => p.Code).ToArray();
            var request = Request(r, agreements) with { Provider = Pick(r, parties), Recipient = Pick(r, parties) };
            request = request with { Requester = request.Requester with { Node = request.Requester.IsLocal ? request.Provider : Pick(r, parties) } };
            if (request.Requester.IsLocal) request = request with { Recipient = request.Provider };
            var deny = new DenyRule("added", [], [request.Category], request.Purpose is { } p ? [p] : [], [], []);
            var withDeny = agreements.Select((a, i) => i == 0 ? a with { Denials = [.. a.Denials, deny] } : a).ToList();
            var decision = PolicyEngine.Decide(Shuffled(r, withDeny), request);
            Assert.IsType<Deny>(decision);
        }, iter: 3_000);

    [Fact]
    public void Shuffling_agreements_and_their_rules_never_changes_the_decision() =>
        Gen.Int.Sample(seed =>
        {
            var r = new Random(seed);
            var s = Generate(r);
            var first = PolicyEngine.Decide(s.Agreements, s.Request);
            var again = PolicyEngine.Decide(Shuffle(r, s.Agreements), s.Request);
            Assert.Equal(Describe(first), Describe(again));
        }, iter: 3_000);

    [Fact]
    public void The_engine_agrees_with_a_naive_reference_evaluator() =>
        Scenarios.Sample(s =>
        {
            var decision = PolicyEngine.Decide(s.Agreements, s.Request);
            var expected = NaivePolicy.Decide(s.Agreements, s.Request);
            Assert.Equal(expected.Permit, decision.IsPermit);
            if (decision is Permit permit)
            {
                Assert.Equal(expected.Obligations, permit.Obligations);
                Assert.Equal(expected.AgreementIds, permit.Agreements.Select(a => a.Id));
            }
        }, iter: 20_000);

    [Fact]
    public void The_generated_cases_exercise_both_permits_and_denies()
    {
        var r = new Random(7);
        var decisions = Enumerable.Range(0, 5_000).Select(_ => Generate(r)).Select(s => PolicyEngine.Decide(s.Agreements, s.Request)).ToList();
        Assert.InRange(decisions.Count(d => d.IsPermit), 250, 4_750);
        Assert.Contains(decisions, d => d is Deny { Agreements.Count: > 0 });
    }

    // A deny reason names the rule by its position in the document ("deny[1]"), which moves when rules are shuffled.
    private static string Describe(Decision d) => $"{d.GetType().Name} {DenyIndex().Replace(d.Reason, "deny[]")} {string.Join(",", d.Agreements)} {(d as Permit)?.Obligations.GetHashCode()}"
        + (d is Permit p ? string.Join("|", Enum.GetValues<Treatment>().Select(t => string.Join(",", p.Obligations.Of(t)))) + p.Obligations.OnwardTransfer + p.Obligations.Evaluation + p.Obligations.AnswerBy + p.Obligations.ThenRetention : "");

    [GeneratedRegex(@"deny\[\d+\]")]
    private static partial Regex DenyIndex();
}
