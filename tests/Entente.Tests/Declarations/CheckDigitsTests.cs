using Entente.CodeLists;

namespace Entente.Tests.Declarations;

public class CheckDigitsTests
{
    [Theory]
    [InlineData("CSQU3054383")]
    [InlineData("MSCU6639870")]
    [InlineData("TGHU8758592")]
    public void Accepts_real_container_numbers(string id) =>
        Assert.True(CheckDigits.IsValidContainerNumber(id, out var reason), reason);

    [Theory]
    [InlineData("CSQU3054384", "check digit should be 3")]
    [InlineData("CSQX3054383", "category")]
    [InlineData("CSQU305438", "11 characters")]
    [InlineData("C5QU3054383", "4 capital letters")]
    public void Refuses_bad_container_numbers_and_says_why(string id, string expected)
    {
        Assert.False(CheckDigits.IsValidContainerNumber(id, out var reason));
        Assert.Contains(expected, reason, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("9074729", true)]
    [InlineData("IMO 9074729", true)]
    [InlineData("9074728", false)]
    [InlineData("907472", false)]
    public void Checks_imo_numbers(string id, bool valid) =>
        Assert.Equal(valid, CheckDigits.IsValidImoNumber(id, out _));

    [Theory]
    [InlineData("GBFXT", true)]
    [InlineData("NL RTM", true)]
    [InlineData("DEHAM", true)]
    [InlineData("XXHAM", false)]
    [InlineData("GBFX1", false)]
    [InlineData("GBFX", false)]
    public void Checks_un_locodes(string code, bool valid) =>
        Assert.Equal(valid, CheckDigits.IsValidLocode(code, Entente.CodeLists.CodeLists.Default, out _));
}
