using Entente.Agreements;
using Entente.Ledger;

namespace Entente.Tests.Agreements;

public class DecisionRecordTests
{
    [Fact]
    public void A_denial_is_recorded_with_the_request_the_agreement_it_rests_on_and_the_reason()
    {
        var request = new AccessRequest("KR", new Requester("NL"), "NL", DataCategory.Declarations, Purpose.Prosecution, ["/mrn"],
            new DateTimeOffset(2027, 3, 1, 0, 0, 0, TimeSpan.Zero))
        { CaseReference = "NL-RTM-311" };
        var deny = new Deny(["purpose prosecution is not allowed for declarations"], [new AgreementReference("kr-nl", 2, "sha256:abc")]);

        var body = DecisionRecord.Body(request, deny, [LedgerSubjects.Declaration("0199-id")]);

        Assert.Equal("deny", body["decision"]!.GetValue<string>());
        Assert.Equal("prosecution", body["purpose"]!.GetValue<string>());
        Assert.Equal("NL-RTM-311", body["caseReference"]!.GetValue<string>());
        Assert.Equal("sha256:abc", body["agreement"]!["hash"]!.GetValue<string>());
        Assert.Equal(2, body["agreements"]![0]!["version"]!.GetValue<int>());
        Assert.Equal(["0199-id"], body["records"]!.AsArray().Select(r => r!.GetValue<string>()));
        var entry = new LedgerEntry(LedgerKinds.PolicyDecision, request.At, new LedgerActor("liaison", "KR"), body);
        Assert.Equal(["agreement:kr-nl", "declaration:0199-id"], LedgerSubjects.Of(entry));
        Assert.Null(body["handlingCode"]);
    }
}
