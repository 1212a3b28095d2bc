using Entente.Agreements;
using Entente.Tests.Support;

namespace Entente.Tests.Agreements;

/// <summary>The decisions docs/agreements.md shows for its worked example are the ones the engine gives.</summary>
public class WorkedExampleTests
{
    private static readonly DateTimeOffset At = new(2027, 3, 1, 0, 0, 0, TimeSpan.Zero);
    private static readonly Agreement[] InForce =
    [
        .. AgreementStatus.SelectInForce(AgreementFile.ReadFolder(Path.Combine(SharedData.RepositoryRoot, "docs", "agreements"), At).Select(f => f.Agreement!), At),
    ];

    private static Decision Decide(string requester, DataCategory category, Purpose purpose, params string[] fields) =>
        PolicyEngine.Decide(InForce, new AccessRequest("NL", new Requester(requester), requester, category, purpose, fields, At));

    [Fact]
    public void Both_examples_are_in_force() => Assert.Equal(["eu-us-aeo-mutual-recognition", "nl-kr-mutual-assistance"], InForce.Select(a => a.Id));

    [Fact]
    public void Declarations_for_an_investigation_travel_with_names_pseudonymised_and_addresses_dropped()
    {
        var permit = Assert.IsType<Permit>(Decide("KR", DataCategory.Declarations, Purpose.Investigation,
            "/goodsShipment/goodsItems/*/classification/code", "/parties/*/name", "/parties/*/address/line"));
        var o = permit.Obligations;
        Assert.Equal(["/goodsShipment/goodsItems/*/classification/code"], o.Disclose);
        Assert.Equal(["/parties/*/name"], o.Pseudonymise);
        Assert.Equal(["/parties/*/address/line"], o.Drop);
        Assert.Equal((HandlingCode.H1, "A1", new DateTimeOffset(2030, 3, 1, 0, 0, 0, TimeSpan.Zero), RetentionEnd.Review, OnwardTransferKind.WithConsent),
            (o.HandlingCode, o.Evaluation.ToString(), o.RetainUntil, o.ThenRetention, o.OnwardTransfer.Kind));
    }

    [Fact]
    public void The_documented_refusals_give_the_documented_reasons()
    {
        Assert.Equal("nl-kr-mutual-assistance v2 deny[0]: Art. 11: personal data is never used for statistics",
            Decide("KR", DataCategory.Declarations, Purpose.Statistics, "/mrn").Reason);
        Assert.Equal("nl-kr-mutual-assistance v2: purpose risk-management is not allowed for personal-party-data (allowed: investigation, prosecution)",
            Decide("KR", DataCategory.PersonalPartyData, Purpose.RiskManagement, "/parties/*/name").Reason);
        Assert.Equal("nl-kr-mutual-assistance v2: field /lrn is not allowed for personal-party-data",
            Decide("KR", DataCategory.PersonalPartyData, Purpose.Investigation, "/parties/*/name", "/lrn").Reason);
        Assert.Equal("no agreement in force covers data of NL requested by DE for DE", Decide("DE", DataCategory.Declarations, Purpose.Investigation, "/mrn").Reason);
    }

    [Fact]
    public void An_assistance_request_gets_a_thirty_day_deadline() =>
        Assert.Equal(At.AddDays(30), Assert.IsType<Permit>(Decide("KR", DataCategory.AssistanceRequests, Purpose.MutualAssistance, "/request")).Obligations.AnswerBy);
}
