using Entente.Agreements;
using Entente.Assistance;
using Microsoft.Extensions.Time.Testing;
using static Entente.Tests.Assistance.AssistanceTestKit;

namespace Entente.Tests.Assistance;

public class AssistanceRequestTests
{
    [Fact]
    public void A_request_moves_from_sent_through_acknowledged_and_partial_answers_to_answered()
    {
        var request = NewRequest();
        Assert.Equal(AssistanceStatus.Sent, request.Status);

        request.Acknowledge("KR", "KCS-2026-77", Start.AddHours(2));
        Assert.Equal(AssistanceStatus.Acknowledged, request.Status);
        Assert.Equal("KCS-2026-77", request.RequestedReference);

        request.Answer("KR", "Origin confirmed for item 1", null, final: false, Start.AddDays(3));
        Assert.Equal(AssistanceStatus.PartiallyAnswered, request.Status);
        request.Answer("KR", null, Data("item2", "origin not confirmed"), final: true, Start.AddDays(5));

        Assert.Equal(AssistanceStatus.Answered, request.Status);
        Assert.Equal([1, 2], request.Parts.Select(p => p.Number));
        Assert.Equal("origin not confirmed", request.Parts[1].Data!["item2"]!.GetValue<string>());
        Assert.Equal(Start.AddDays(5), request.ClosedAt);
        Assert.Equal([AssistanceMessageKind.Request, AssistanceMessageKind.Acknowledgement, AssistanceMessageKind.Answer, AssistanceMessageKind.Answer],
            request.History.Select(m => m.Kind));
    }

    [Theory]
    [InlineData("answered", "acknowledge", "request NL-AR-20260615-0001 is answered: it cannot acknowledge it (allowed only when sent)")]
    [InlineData("acknowledged", "acknowledge", "request NL-AR-20260615-0001 is acknowledged: it cannot acknowledge it (allowed only when sent)")]
    [InlineData("declined", "answer", "request NL-AR-20260615-0001 is declined: it cannot answer it (allowed only when sent or acknowledged or partially-answered)")]
    [InlineData("withdrawn", "withdraw", "request NL-AR-20260615-0001 is withdrawn: it cannot withdraw it (allowed only when sent or acknowledged or partially-answered)")]
    [InlineData("answered", "decline", "request NL-AR-20260615-0001 is answered: it cannot decline it (allowed only when sent or acknowledged or partially-answered)")]
    [InlineData("answered", "withdraw", "request NL-AR-20260615-0001 is answered: it cannot withdraw it (allowed only when sent or acknowledged or partially-answered)")]
    public void An_illegal_move_is_refused_naming_the_status_and_the_move(string status, string move, string expected)
    {
        var request = NewRequest();
        var at = Start.AddDays(1);
        switch (status)
        {
            case "answered": request.Answer("KR", "all done", null, true, at); break;
            case "acknowledged": request.Acknowledge("KR", null, at); break;
            case "declined": request.Decline("KR", "outside the agreement's scope", at); break;
            case "withdrawn": request.Withdraw("NL", "case closed", at); break;
        }
        var historyBefore = request.History.Count;

        var e = Assert.Throws<AssistanceException>(() => Move(request, move, at.AddDays(1)));

        Assert.Equal(AssistanceError.IllegalMove, e.Error);
        Assert.Equal(expected, e.Message);
        Assert.Equal(historyBefore, request.History.Count);
        Assert.Equal(status, PolicyEngine.Name(request.Status));
    }

    [Fact]
    public void Only_the_requested_authority_answers_and_only_the_applicant_withdraws()
    {
        var request = NewRequest();

        var answer = Assert.Throws<AssistanceException>(() => request.Answer("NL", "answering my own request", null, true, Start.AddDays(1)));
        var withdraw = Assert.Throws<AssistanceException>(() => request.Withdraw("KR", null, Start.AddDays(1)));

        Assert.Equal("only the requested authority (KR) may answer request NL-AR-20260615-0001, to NL; this move is from NL to KR", answer.Message);
        Assert.Equal("only the applicant (NL) may withdraw request NL-AR-20260615-0001, to KR; this move is from KR to NL", withdraw.Message);
        Assert.Equal(AssistanceStatus.Sent, request.Status);
    }

    [Fact]
    public void A_request_is_overdue_only_while_open_past_its_answer_by_time()
    {
        var clock = new FakeTimeProvider(Start);
        var request = NewRequest(answerBy: Start.AddDays(30));

        clock.Advance(TimeSpan.FromDays(30));
        Assert.False(request.IsOverdue(clock.GetUtcNow()));
        clock.Advance(TimeSpan.FromMinutes(1));
        Assert.True(request.IsOverdue(clock.GetUtcNow()));

        request.Answer("KR", "late, but complete", null, final: false, clock.GetUtcNow());
        Assert.True(request.IsOverdue(clock.GetUtcNow()));
        request.Answer("KR", "the rest", null, final: true, clock.GetUtcNow());
        Assert.False(request.IsOverdue(clock.GetUtcNow()));
    }

    [Fact]
    public void Answer_parts_must_come_in_order_and_a_decline_must_give_grounds()
    {
        var request = NewRequest();
        var skipping = request.Answer("KR", "part one", null, false, Start.AddDays(1)) with { };
        var third = skipping with { Payload = new() { ["answer"] = new System.Text.Json.Nodes.JsonObject { ["requestId"] = request.Id, ["part"] = 3, ["final"] = true, ["text"] = "x" } } };

        var e = Assert.Throws<AssistanceException>(() => request.Apply(third));
        Assert.Equal(AssistanceError.Invalid, e.Error);
        Assert.Contains(e.Problems, p => p.Field == "/answer/part" && p.Message.StartsWith("expected part 2", StringComparison.Ordinal));

        var noGrounds = Assert.Throws<AssistanceException>(() => request.Decline("KR", " ", Start.AddDays(2)));
        Assert.Contains(noGrounds.Problems, p => p.Field == "/answer/grounds");
        Assert.Equal(AssistanceStatus.PartiallyAnswered, request.Status);
    }

    [Fact]
    public void A_request_message_with_bad_fields_is_refused_naming_each_field()
    {
        var message = RequestMessage();
        var body = (System.Text.Json.Nodes.JsonObject)message.Payload["request"]!.DeepClone();
        body["applicant"] = "FR";
        body.Remove("legalBasis");
        body["declarations"] = new System.Text.Json.Nodes.JsonArray(42);
        body["answerBy"] = "2020-01-01T00:00:00Z";
        var payload = new System.Text.Json.Nodes.JsonObject { ["request"] = body, ["extra"] = 1 };

        var e = Assert.Throws<AssistanceException>(() => AssistanceRequest.Start(message with { Payload = payload }));

        Assert.Equal(["/extra"], e.Problems.Select(p => p.Field));
        payload.Remove("extra");
        e = Assert.Throws<AssistanceException>(() => AssistanceRequest.Start(message with { Payload = payload }));
        Assert.Equal(["/request/applicant", "/request/legalBasis", "/request/declarations/0", "/request/answerBy"], e.Problems.Select(p => p.Field));
    }

    [Fact]
    public void A_message_survives_its_json_form_with_the_same_digest()
    {
        var message = RequestMessage();
        var again = AssistanceMessage.FromJson(System.Text.Json.Nodes.JsonNode.Parse(message.ToJson().ToJsonString())!.AsObject());
        Assert.Equal(message.Digest, again.Digest);
        Assert.Equal(DataCategory.AssistanceRequests, again.Category);
        Assert.Equal(["request"], again.Payload.Select(p => p.Key));
    }

    internal static AssistanceMessage Move(AssistanceRequest request, string move, DateTimeOffset at) => move switch
    {
        "acknowledge" => request.Acknowledge(request.Requested, null, at),
        "answer" => request.Answer(request.Requested, "part", null, false, at),
        "final" => request.Answer(request.Requested, "all", null, true, at),
        "decline" => request.Decline(request.Requested, "no", at),
        _ => request.Withdraw(request.Applicant, null, at),
    };
}
