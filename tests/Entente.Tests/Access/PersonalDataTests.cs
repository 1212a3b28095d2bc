using Entente.Access;
using Entente.Declarations;
using Entente.Tools.Generation;

namespace Entente.Tests.Access;

public class PersonalDataTests
{
    [Theory]
    [InlineData(Role.Officer, "investigation", true)]
    [InlineData(Role.Officer, "statistics", false)]
    [InlineData(Role.Analyst, "risk-management", true)]
    [InlineData(Role.Analyst, "prosecution", false)]
    [InlineData(Role.Liaison, "mutual-assistance", true)]
    [InlineData(Role.Auditor, "audit", true)]
    [InlineData(Role.Auditor, "investigation", false)]
    [InlineData(Role.Admin, "risk-management", false)]
    public void Each_role_reads_personal_data_only_for_its_purposes(Role role, string purpose, bool allowed)
    {
        var decision = PersonalData.Decide(role, purpose, "case 17");
        Assert.Equal(allowed, decision.Allowed);
        Assert.True(decision.PurposeStated);
        if (!allowed) Assert.StartsWith("purpose:", decision.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void No_purpose_is_not_a_refusal_but_not_an_allowance_either()
    {
        var decision = PersonalData.Decide(Role.Officer, null, null);
        Assert.False(decision.Allowed);
        Assert.False(decision.PurposeStated);
    }

    [Fact]
    public void A_justification_is_required_and_bounded()
    {
        Assert.Contains("needs a justification", PersonalData.Decide(Role.Officer, "investigation", " ").Reason, StringComparison.Ordinal);
        Assert.Contains("at most 500", PersonalData.Decide(Role.Officer, "investigation", new string('x', 501)).Reason, StringComparison.Ordinal);
        Assert.Equal("case 9", PersonalData.Decide(Role.Officer, "investigation", "  case 9 ").Justification);
    }

    [Fact]
    public void Withholding_hides_every_party_name_id_and_address_and_leaves_the_original_alone()
    {
        var declaration = new DeclarationGenerator(7).Generate(1).Single().Declaration!;
        declaration.Parties[0].Address = new Address { Line = "1 Harbour Road", CityName = "Busan", PostcodeId = "48940", CountryCode = "KR" };
        var originalId = declaration.Parties[0].Id;

        var (withheld, pointers) = PersonalData.Withhold(declaration);

        // Left out and listed, never replaced by a placeholder a reader could take for (or store as) data.
        Assert.All(withheld.Parties, p => Assert.True(p.Id is null && p.Name is null));
        Assert.Equal("KR", withheld.Parties[0].Address!.CountryCode);
        Assert.Null(withheld.Parties[0].Address!.Line);
        Assert.Contains("/parties/0/address/postcodeId", pointers);
        Assert.Contains("/parties/0/address/line", pointers);
        Assert.Contains("/parties/0/id", pointers);
        Assert.DoesNotContain("withheld", EntenteJson.Serialize(withheld), StringComparison.OrdinalIgnoreCase);
        Assert.Equal(originalId, declaration.Parties[0].Id);
        Assert.Equal(declaration.GoodsShipment.GoodsItems.Count, withheld.GoodsShipment.GoodsItems.Count);
    }
}
