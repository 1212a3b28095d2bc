using Entente.Agreements;
using Entente.Assistance;

namespace Entente.Tests.Assistance;

/// <summary>The draft the new-request use case (issue 13) hands the desk, for POST /api/assistance-requests and `request new`.</summary>
public sealed class NewAssistanceRequestTests
{
    [Fact]
    public void A_request_without_a_known_purpose_makes_no_draft()
    {
        Assert.Null(NewAssistanceRequest.Draft(new("KR", "a", "Article 3", "curiosity", "case", "subject", null, null, null)));
        Assert.Null(NewAssistanceRequest.Draft(new("KR", "a", "Article 3", null, "case", "subject", null, null, null)));
    }

    [Fact]
    public void Missing_fields_are_left_empty_for_the_desk_to_name()
    {
        var draft = NewAssistanceRequest.Draft(new(null, null, null, "investigation", null, null, null, ["GB123"], null));
        Assert.NotNull(draft);
        Assert.Equal(Purpose.Investigation, draft.Purpose);
        Assert.Equal("", draft.To);
        Assert.Empty(draft.Declarations);
        Assert.Equal(["GB123"], draft.Parties);
    }
}
