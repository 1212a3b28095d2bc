using CsCheck;
using Entente.Assistance;
using static Entente.Tests.Assistance.AssistanceTestKit;

namespace Entente.Tests.Assistance;

/// <summary>Random sequences of moves, legal and illegal, by either side.</summary>
public class AssistancePropertyTests
{
    private static readonly string[] Moves = ["acknowledge", "answer", "final", "decline", "withdraw"];

    private static readonly Gen<(string Move, bool WrongSide)[]> Sequences =
        Gen.Select(Gen.Int[0, Moves.Length - 1], Gen.Int[0, 9]).Select(x => (Moves[x.Item1], x.Item2 == 0)).Array[0, 12];

    [Fact]
    public void Random_move_sequences_never_reach_an_illegal_state() =>
        Sequences.Sample(sequence =>
        {
            var request = NewRequest();
            var at = Start;
            foreach (var (move, wrongSide) in sequence)
            {
                at = at.AddHours(1);
                var before = (request.Status, request.History.Count, request.Parts.Count);
                var legal = !wrongSide && AssistanceRequest.AllowedFrom(Kind(move)).Contains(before.Status);
                try
                {
                    if (wrongSide) Wrong(request, move, at);
                    else AssistanceRequestTests.Move(request, move, at);
                    Assert.True(legal, $"{move} from {before.Status} was applied");
                }
                catch (AssistanceException)
                {
                    Assert.False(legal, $"{move} from {before.Status} was refused");
                    Assert.Equal(before, (request.Status, request.History.Count, request.Parts.Count));
                }
                Invariants(request);
            }
        }, iter: 5_000);

    [Fact]
    public void Both_sides_copies_agree_after_the_same_messages() =>
        Sequences.Sample(sequence =>
        {
            var applicant = NewRequest();
            var requested = AssistanceRequest.Start(applicant.History[0]);
            var at = Start;
            foreach (var (move, _) in sequence)
            {
                at = at.AddHours(1);
                // Each move is made on the copy of the side that makes it and applied, as a message, to the other copy.
                var maker = move == "withdraw" ? applicant : requested;
                var other = ReferenceEquals(maker, applicant) ? requested : applicant;
                AssistanceMessage message;
                try
                {
                    message = AssistanceRequestTests.Move(maker, move, at);
                }
                catch (AssistanceException)
                {
                    continue;
                }
                other.Apply(message);
                Assert.True(other.Knows(message));
            }
            Assert.Equal(applicant.ToJson("NL", at).ToJsonString(), requested.ToJson("NL", at).ToJsonString());
            Assert.Equal(applicant.ToJson("NL", at).ToJsonString(), AssistanceRequest.Replay(requested.History).ToJson("NL", at).ToJsonString());
        }, iter: 3_000);

    private static AssistanceMessageKind Kind(string move) => move switch
    {
        "acknowledge" => AssistanceMessageKind.Acknowledgement,
        "answer" or "final" => AssistanceMessageKind.Answer,
        "decline" => AssistanceMessageKind.Decline,
        _ => AssistanceMessageKind.Withdrawal,
    };

    private static void Wrong(AssistanceRequest request, string move, DateTimeOffset at)
    {
        switch (move)
        {
            case "acknowledge": request.Acknowledge(request.Applicant, null, at); break;
            case "answer": request.Answer(request.Applicant, "x", null, false, at); break;
            case "final": request.Answer(request.Applicant, "x", null, true, at); break;
            case "decline": request.Decline(request.Applicant, "x", at); break;
            default: request.Withdraw(request.Requested, null, at); break;
        }
    }

    private static void Invariants(AssistanceRequest r)
    {
        Assert.Equal(Enumerable.Range(1, r.Parts.Count), r.Parts.Select(p => p.Number));
        Assert.Equal(r.Status == AssistanceStatus.Answered, r.Parts.Count > 0 && r.Parts[^1].Final);
        Assert.DoesNotContain(r.Parts.SkipLast(1), p => p.Final);
        Assert.Equal(r.Status == AssistanceStatus.PartiallyAnswered, r.Parts.Count > 0 && !r.Parts[^1].Final && r.IsOpen);
        Assert.Equal(r.Status == AssistanceStatus.Declined, r.DeclineGrounds is { Length: > 0 });
        Assert.Equal(r.IsOpen, r.ClosedAt is null);
        Assert.Equal(1, r.History.Count(m => m.Kind == AssistanceMessageKind.Request));
        Assert.True(r.History.Count(m => m.Kind == AssistanceMessageKind.Acknowledgement) <= 1);
        Assert.True(r.History.Count(m => m.Kind is AssistanceMessageKind.Decline or AssistanceMessageKind.Withdrawal) <= 1);
        var final = r.History.Select((m, i) => (m, i)).FirstOrDefault(x => x.m.Kind is AssistanceMessageKind.Decline or AssistanceMessageKind.Withdrawal
            || (x.m.Kind == AssistanceMessageKind.Answer && x.m.Payload["answer"]!["final"]!.GetValue<bool>()));
        if (final.m is not null) Assert.Equal(r.History.Count - 1, final.i);
    }
}
