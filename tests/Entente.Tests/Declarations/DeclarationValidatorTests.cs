using Entente.Declarations;

namespace Entente.Tests.Declarations;

public class DeclarationValidatorTests
{
    private static ValidationProblem Single(Declaration declaration)
    {
        var problems = DeclarationValidator.Validate(declaration);
        return Assert.Single(problems);
    }

    [Fact]
    public void Accepts_a_complete_valid_declaration() =>
        Assert.Empty(DeclarationValidator.Validate(SampleDeclarations.Valid()));

    [Fact]
    public void Refuses_an_unknown_origin_country_with_its_pointer()
    {
        var d = SampleDeclarations.Valid();
        d.GoodsShipment.GoodsItems[0].OriginCountryCode = "XX";
        var problem = Single(d);
        Assert.Equal("/goodsShipment/goodsItems/0/originCountryCode", problem.Path);
        Assert.Contains("ISO 3166-1", problem.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Refuses_an_unknown_currency()
    {
        var d = SampleDeclarations.Valid();
        d.InvoiceAmount = new Amount(10m, "GBX");
        Assert.Equal("/invoiceAmount/currency", Single(d).Path);
    }

    [Theory]
    [InlineData("85076", "6 digits")]
    [InlineData("8507600", "6 digits")]
    [InlineData("85A760", "digits only")]
    [InlineData("770100", "reserved")]
    [InlineData("980100", "01 to 97")]
    [InlineData("000100", "01 to 97")]
    public void Refuses_commodity_codes_of_the_wrong_shape_or_chapter(string code, string expected)
    {
        var d = SampleDeclarations.Valid();
        d.GoodsShipment.GoodsItems[0].Classification = new Classification("HS", "2022", code);
        var problem = Single(d);
        Assert.Equal("/goodsShipment/goodsItems/0/classification/code", problem.Path);
        Assert.Contains(expected, problem.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("CN", "85076000")]
    [InlineData("TARIC", "8507600000")]
    [InlineData("HSK", "8507600000")]
    public void Accepts_national_extensions_of_the_hs_in_their_own_scheme(string scheme, string code)
    {
        var d = SampleDeclarations.Valid();
        d.GoodsShipment.GoodsItems[0].Classification = new Classification(scheme, null, code);
        Assert.Empty(DeclarationValidator.Validate(d));
    }

    [Fact]
    public void Refuses_an_unknown_classification_scheme()
    {
        var d = SampleDeclarations.Valid();
        d.GoodsShipment.GoodsItems[0].Classification = new Classification("XYZ", null, "850760");
        Assert.Equal("/goodsShipment/goodsItems/0/classification/scheme", Single(d).Path);
    }

    [Fact]
    public void Refuses_a_container_number_with_a_wrong_check_digit()
    {
        var d = SampleDeclarations.Valid();
        d.GoodsShipment.Consignment.Containers[0].Id = "CSQU3054384";
        var problem = Single(d);
        Assert.Equal("/goodsShipment/consignment/containers/0/id", problem.Path);
        Assert.Contains("check digit should be 3", problem.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Refuses_an_imo_number_with_a_wrong_check_digit()
    {
        var d = SampleDeclarations.Valid();
        d.GoodsShipment.Consignment.BorderTransportMeans!.Id = "9074728";
        Assert.Equal("/goodsShipment/consignment/borderTransportMeans/id", Single(d).Path);
    }

    [Fact]
    public void Refuses_a_malformed_un_locode()
    {
        var d = SampleDeclarations.Valid();
        d.GoodsShipment.Consignment.LoadingLocation = "CNSH1";
        Assert.Equal("/goodsShipment/consignment/loadingLocation", Single(d).Path);
    }

    [Fact]
    public void Refuses_negative_masses_and_amounts()
    {
        var d = SampleDeclarations.Valid();
        d.GoodsShipment.GoodsItems[0].NetMassKg = -1m;
        d.GoodsShipment.GoodsItems[0].CustomsValue = new Amount(-5m, "GBP");
        var paths = DeclarationValidator.Validate(d).Select(p => p.Path).ToList();
        Assert.Equal(["/goodsShipment/goodsItems/0/customsValue/value", "/goodsShipment/goodsItems/0/netMassKg"], paths);
    }

    [Fact]
    public void Refuses_a_net_mass_above_the_gross_mass()
    {
        var d = SampleDeclarations.Valid();
        d.GoodsShipment.GoodsItems[0].NetMassKg = 900m;
        Assert.Contains("exceeds gross mass", Single(d).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Refuses_an_implausible_date()
    {
        var d = SampleDeclarations.Valid();
        d.IssueDateTime = new DateTimeOffset(1900, 1, 1, 0, 0, 0, TimeSpan.Zero);
        Assert.Equal("/issueDateTime", Single(d).Path);
    }

    [Fact]
    public void Refuses_a_transport_mode_outside_rec_19()
    {
        var d = SampleDeclarations.Valid();
        d.GoodsShipment.Consignment.ModeOfTransportAtBorder = 12;
        Assert.Equal("/goodsShipment/consignment/modeOfTransportAtBorder", Single(d).Path);
    }

    [Fact]
    public void Needs_a_reference_and_a_goods_item()
    {
        var d = SampleDeclarations.Valid();
        d.Lrn = null;
        d.GoodsShipment.GoodsItems.Clear();
        d.GoodsItemQuantity = null;
        var paths = DeclarationValidator.Validate(d).Select(p => p.Path).ToList();
        Assert.Equal(["/lrn", "/goodsShipment/goodsItems"], paths);
    }

    [Fact]
    public void Refuses_repeated_goods_item_numbers_and_a_wrong_item_count()
    {
        var d = SampleDeclarations.Valid();
        var second = SampleDeclarations.Valid().GoodsShipment.GoodsItems[0];
        d.GoodsShipment.GoodsItems.Add(second);
        var paths = DeclarationValidator.Validate(d).Select(p => p.Path).ToList();
        Assert.Equal(["/goodsShipment/goodsItems/1/sequence", "/goodsItemQuantity"], paths);
    }

    [Fact]
    public void Refuses_an_eori_without_a_country_prefix()
    {
        var d = SampleDeclarations.Valid();
        d.Parties[0].Id = "553202734852";
        Assert.Equal("/parties/0/id", Single(d).Path);
    }

    [Fact]
    public void Accepts_northern_ireland_eoris()
    {
        var d = SampleDeclarations.Valid();
        d.Parties[0].Id = "XI553202734852";
        Assert.Empty(DeclarationValidator.Validate(d));
    }

    [Fact]
    public void Accepts_a_representative_named_by_its_status_alone_but_not_another_party()
    {
        var d = SampleDeclarations.Valid();
        d.Parties.Add(new Party { Role = PartyRole.Representative, FunctionCode = "2" });
        Assert.Empty(DeclarationValidator.Validate(d));
        d.Parties.Add(new Party { Role = PartyRole.Consignee });
        Assert.Equal("/parties/4", Single(d).Path);
    }

    [Fact]
    public void Reports_every_problem_of_a_declaration_with_its_full_pointer_in_document_order()
    {
        // A good declaration is checked without writing any pointer; one with problems is checked again to write them,
        // so the pointers of nested, indexed fields must come out whole.
        var d = SampleDeclarations.Valid();
        var second = d.GoodsShipment.GoodsItems[0];
        d.GoodsShipment.GoodsItems.Add(new GoodsItem
        {
            Sequence = 2,
            Classification = second.Classification,
            OriginCountryCode = "CN",
            DutyTaxFees = [new DutyTaxFee { TypeCode = "A00" }, new DutyTaxFee { TypeCode = "B00", Payable = new Amount(-1m, "ZZZ") }],
        });
        d.GoodsItemQuantity = 2;
        d.Parties[1].Address = new Address { CountryCode = "QQ" };
        d.GoodsShipment.Consignment.BorderTransportMeans = new TransportMeans { NationalityCode = "1X" };

        var problems = DeclarationValidator.Validate(d);

        Assert.Equal(
            [
                "/parties/1/address/countryCode",
                "/goodsShipment/consignment/borderTransportMeans/nationalityCode",
                "/goodsShipment/goodsItems/1/dutyTaxFees/1/payable/value",
                "/goodsShipment/goodsItems/1/dutyTaxFees/1/payable/currency",
            ],
            problems.Select(p => p.Path));
        Assert.Contains("-1", problems[2].Message, StringComparison.Ordinal);
        Assert.Contains("'ZZZ'", problems[3].Message, StringComparison.Ordinal);
    }
}
