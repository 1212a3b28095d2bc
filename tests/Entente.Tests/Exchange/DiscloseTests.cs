using System.Text.Json.Nodes;
using Entente.Exchange;

namespace Entente.Tests.Exchange;

/// <summary>The checks of the disclosure use case (issue 13), the same for POST /api/exchange/disclosures and `exchange share`.</summary>
public sealed class DiscloseTests
{
    [Theory]
    [InlineData("gossip", "risk-management", "NL", null, "Invalid category", "/category")]
    [InlineData("declarations", "curiosity", "NL", null, "Invalid purpose", "/purpose")]
    [InlineData("declarations", "risk-management", " ", null, "Invalid recipient", "/recipient")]
    [InlineData("declarations", "risk-management", "NL", "no spaces allowed", "Invalid kind", "/kind")]
    public void A_request_not_understood_names_its_field(string category, string purpose, string recipient, string? kind, string title, string field)
    {
        var invalid = Disclose.Check(new DisclosureRequest(recipient, category, purpose, kind, DeclarationId: "d-1"));
        Assert.NotNull(invalid);
        Assert.Equal(title, invalid.Title);
        Assert.StartsWith(field + ":", invalid.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void A_request_names_a_declaration_or_gives_a_document_but_not_both_nor_neither()
    {
        Assert.Equal("Ambiguous", Disclose.Check(new DisclosureRequest("KR", "declarations", "risk-management", DeclarationId: "d-1", Document: new JsonObject()))?.Title);
        Assert.Equal("Nothing to disclose", Disclose.Check(new DisclosureRequest("KR", "declarations", "risk-management"))?.Title);
        Assert.Null(Disclose.Check(new DisclosureRequest("KR", "alerts", "risk-management", Document: new JsonObject { ["alert"] = new JsonObject() })));
    }
}
