using Entente.Declarations;

namespace Entente.Tests.Declarations;

public class DeclarationLifecycleTests
{
    [Theory]
    [InlineData(DeclarationStatus.Received, DeclarationStatus.Accepted, true)]
    [InlineData(DeclarationStatus.Accepted, DeclarationStatus.Control, true)]
    [InlineData(DeclarationStatus.Control, DeclarationStatus.GoodsReleased, true)]
    [InlineData(DeclarationStatus.GoodsReleased, DeclarationStatus.Cleared, true)]
    [InlineData(DeclarationStatus.Received, DeclarationStatus.GoodsReleased, false)]
    [InlineData(DeclarationStatus.Cleared, DeclarationStatus.Control, false)]
    [InlineData(DeclarationStatus.Rejected, DeclarationStatus.Accepted, false)]
    [InlineData(DeclarationStatus.Invalidated, DeclarationStatus.Accepted, false)]
    [InlineData(DeclarationStatus.Received, DeclarationStatus.AmendmentAccepted, true)]
    [InlineData(DeclarationStatus.AmendmentAccepted, DeclarationStatus.AmendmentAccepted, true)]
    [InlineData(DeclarationStatus.Invalidated, DeclarationStatus.AmendmentAccepted, false)]
    [InlineData(DeclarationStatus.Cleared, DeclarationStatus.AmendmentAccepted, false)]
    public void Allows_only_the_legal_status_moves(DeclarationStatus from, DeclarationStatus to, bool allowed) =>
        Assert.Equal(allowed, DeclarationLifecycle.CanMove(from, to));

    [Fact]
    public void Final_statuses_allow_no_move()
    {
        foreach (var final in new[] { DeclarationStatus.Cleared, DeclarationStatus.Rejected, DeclarationStatus.Invalidated })
            Assert.Empty(DeclarationLifecycle.AllowedFrom(final));
    }

    [Fact]
    public void Every_status_is_reachable_from_received()
    {
        var seen = new HashSet<DeclarationStatus> { DeclarationStatus.Received };
        var queue = new Queue<DeclarationStatus>(seen);
        while (queue.TryDequeue(out var s))
        {
            foreach (var next in DeclarationLifecycle.AllowedFrom(s))
                if (seen.Add(next)) queue.Enqueue(next);
        }
        Assert.Equal(Enum.GetValues<DeclarationStatus>().ToHashSet(), seen);
    }

    [Theory]
    [InlineData("08", DeclarationStatus.GoodsReleased)]
    [InlineData("9", DeclarationStatus.Cleared)]
    [InlineData("goods-released", DeclarationStatus.GoodsReleased)]
    [InlineData("Control", DeclarationStatus.Control)]
    public void Reads_notification_codes_and_names(string text, DeclarationStatus expected)
    {
        Assert.True(DeclarationLifecycle.TryParse(text, out var status));
        Assert.Equal(expected, status);
    }

    [Theory]
    [InlineData("04")]
    [InlineData("shipped")]
    [InlineData("")]
    public void Refuses_what_is_not_a_status(string text) =>
        Assert.False(DeclarationLifecycle.TryParse(text, out _));

    [Fact]
    public void Function_codes_are_two_digits() =>
        Assert.Equal("08", DeclarationLifecycle.FunctionCode(DeclarationStatus.GoodsReleased));
}
