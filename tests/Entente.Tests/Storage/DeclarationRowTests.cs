using Entente.Declarations;
using Entente.Storage;

namespace Entente.Tests.Storage;

public class DeclarationRowTests
{
    [Fact]
    public void Total_value_is_the_invoice_amount_when_there_is_one()
    {
        var declaration = DeclarationBuilder.Import().Invoice(900m, "usd").Item("0101", customsValue: 5m).Build();
        Assert.Equal((900m, "USD"), DeclarationRow.TotalValueOf(declaration));
    }

    [Fact]
    public void Total_value_sums_customs_values_or_else_prices_in_one_currency()
    {
        var declaration = DeclarationBuilder.Import()
            .Item("0101", customsValue: 100m, price: 90m)
            .Item("0102", price: 40.5m)
            .Item("0103")
            .Build();
        Assert.Equal((140.5m, "EUR"), DeclarationRow.TotalValueOf(declaration));
    }

    [Fact]
    public void Total_value_is_unknown_when_items_are_in_different_currencies()
    {
        var declaration = DeclarationBuilder.Import().Item("0101", customsValue: 100m).Item("0102", customsValue: 5m, currency: "USD").Build();
        Assert.Equal((null, null), DeclarationRow.TotalValueOf(declaration));
    }

    [Fact]
    public void Declaration_date_is_the_acceptance_date_else_the_issue_date_as_written()
    {
        var declaration = new Declaration { IssueDateTime = new DateTimeOffset(2025, 1, 31, 23, 30, 0, TimeSpan.FromHours(-5)) };
        Assert.Equal(new DateOnly(2025, 1, 31), DeclarationRow.DateOf(declaration));

        declaration.AcceptanceDateTime = new DateTimeOffset(2025, 2, 3, 0, 15, 0, TimeSpan.FromHours(2));
        Assert.Equal(new DateOnly(2025, 2, 3), DeclarationRow.DateOf(declaration));
    }

    [Theory]
    [InlineData("8471.30.00", "84713000")]
    [InlineData(" 8471 30 ", "847130")]
    [InlineData("..", null)]
    [InlineData("847130", "847130")]
    [InlineData("8471ab", "8471AB")]
    public void Hs_codes_are_indexed_as_bare_digits(string code, string? expected) =>
        Assert.Equal(expected, DeclarationRow.HsCode(code));

    [Theory]
    [InlineData("csqu 305438-3", "CSQU3054383")]
    [InlineData("CSQU3054383", "CSQU3054383")]
    [InlineData("MSCU\t1234565", "MSCU1234565")]
    [InlineData(" - ", null)]
    public void Container_numbers_are_indexed_without_spaces_in_capitals(string id, string? expected) =>
        Assert.Equal(expected, DeclarationRow.ContainerNumber(id));
}
