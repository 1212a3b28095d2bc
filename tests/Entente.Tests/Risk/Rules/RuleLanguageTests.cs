using Entente.Declarations;
using Entente.Risk.Rules;

namespace Entente.Tests.Risk.Rules;

public sealed class RuleLanguageTests
{
    private const string Header = "ruleset \"t\" version 1\n";

    private static RuleSet Compile(string body) => RuleSetCompiler.Compile(Header + body, "t.rules");

    private static RuleSetError Refused(string body)
    {
        var e = Assert.Throws<RuleSetException>(() => Compile(body));
        return Assert.Single(e.Errors);
    }

    // A cigarette import from Belarus with two items and a container, used by most tests.
    private static Declaration Cigarettes()
    {
        var d = new Declaration { TypeCode = "IMA", DeclarationOfficeId = "GB000120", GoodsItemQuantity = 2 };
        d.Parties.Add(new Party { Role = PartyRole.Importer, Id = "GB123456789000", Name = "Atlas Trading" });
        d.GoodsShipment.DestinationCountryCode = "GB";
        d.GoodsShipment.Consignment.ModeOfTransportAtBorder = 1;
        d.GoodsShipment.Consignment.LoadingLocation = "AEJEA";
        d.GoodsShipment.Consignment.UnloadingLocation = "GBFXT";
        d.GoodsShipment.Consignment.Containers.Add(new Container { Id = "MSCU1234565" });
        d.GoodsShipment.Consignment.ItineraryCountryCodes.AddRange(["AE", "EG", "GB"]);
        d.NationalData["risk_flag"] = "7";
        d.GoodsShipment.GoodsItems.Add(new GoodsItem
        {
            Sequence = 1,
            Description = "Toys",
            Classification = new Classification("HS", "2022", "950300"),
            OriginCountryCode = "CN",
            CustomsValue = new Amount(500, "GBP"),
            NetMassKg = 100,
        });
        d.GoodsShipment.GoodsItems.Add(new GoodsItem
        {
            Sequence = 2,
            Description = "Cigarettes",
            Classification = new Classification("HS", "2022", "240220"),
            OriginCountryCode = "BY",
            CustomsValue = new Amount(2000, "GBP"),
            NetMassKg = 200,
            DutyTaxFees = [new DutyTaxFee { RatePercent = 57.6m }],
        });
        return d;
    }

    [Fact]
    public void A_syntax_error_names_the_file_line_and_column_and_what_was_expected()
    {
        var error = Refused("rule r \"x\":\n  if hs starts \"2402\" and\n  then red 100\n");
        Assert.Equal("t.rules", error.File);
        Assert.Equal(4, error.Line);
        Assert.Equal(3, error.Column);
        Assert.Contains("expected a field", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Every_syntax_error_of_a_file_is_reported_not_only_the_first()
    {
        var e = Assert.Throws<RuleSetException>(() => Compile("rule a \"a\": if hs starts then red\nrule b \"b\": if origin = CN then purple\n"));
        Assert.Equal([2, 3], e.Errors.Select(x => x.Line));
    }

    [Fact]
    public void An_unknown_field_is_refused_with_its_position_and_the_closest_name()
    {
        var error = Refused("rule r \"x\": if orign = \"CN\" then red\n");
        Assert.Equal((2, 16), (error.Line, error.Column));
        Assert.Contains("unknown field 'orign' (did you mean origin?)", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void An_unknown_list_is_refused_naming_the_lists_there_are()
    {
        var error = Refused("list risky of countries = BY\nrule r \"x\": if origin in list riksy then red\n");
        Assert.Equal(3, error.Line);
        Assert.Contains("unknown list 'riksy' (its lists: risky)", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("origin < 5", "origin is text")]
    [InlineData("value starts \"1\"", "value is a number")]
    [InlineData("value > cheap", "'cheap' is not one")]
    [InlineData("origin in list traders", "list 'traders' holds traders, but origin is a country")]
    public void A_type_mismatch_is_refused(string condition, string reason)
    {
        var error = Refused($"list traders of traders = GB1\nrule r \"x\": if {condition} then red\n");
        Assert.Contains("type mismatch", error.Message, StringComparison.Ordinal);
        Assert.Contains(reason, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_rule_set_without_its_name_and_version_is_refused()
    {
        var e = Assert.Throws<RuleSetException>(() => RuleSetCompiler.Compile("rule r \"x\": if origin = BY then red\n", "t.rules"));
        Assert.Contains("ruleset \"NAME\" version N", e.Errors[0].Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("origin = \"BY\"", true)]
    [InlineData("origin = VN", false)]
    [InlineData("origin != CN", true)] // item 2 is from BY: any item
    [InlineData("destination != GB", false)]
    [InlineData("value < 600", true)]
    [InlineData("value <= 499", false)]
    [InlineData("value > 1999", true)]
    [InlineData("value >= 2001", false)]
    [InlineData("value-per-kg between 9 and 10", true)]
    [InlineData("value-per-kg between 6 and 9", false)]
    [InlineData("hs starts \"2402\"", true)]
    [InlineData("hs starts 2402.20", true)]
    [InlineData("hs starts (\"8517\", \"9503\")", true)]
    [InlineData("hs-chapter = 24", true)]
    [InlineData("hs-heading in (2403, 2401)", false)]
    [InlineData("description contains \"cigar\"", true)]
    [InlineData("origin in (\"BY\", \"AE\")", true)]
    [InlineData("origin not in (\"BY\", \"CN\")", false)]
    [InlineData("container = MSCU1234565", true)]
    [InlineData("transit in (EG)", true)]
    [InlineData("route = AEJEA-GBFXT", true)]
    [InlineData("importer = GB123456789000 and importer-name starts Atlas", true)]
    [InlineData("transport-mode in (1, 4)", true)]
    [InlineData("item-count >= 2", true)]
    [InlineData("duty-rate > 50", true)]
    [InlineData("national.risk_flag > 5", true)]
    [InlineData("national.risk_flag = \"7\"", true)]
    [InlineData("/goodsShipment/goodsItems/*/originCountryCode = BY", true)]
    [InlineData("gross-mass is missing", true)]
    [InlineData("net-mass is present", true)]
    [InlineData("container is missing", false)]
    [InlineData("not origin = BY", false)]
    [InlineData("origin = VN or origin = BY", true)]
    [InlineData("(origin = VN or origin = CN) and not hs starts 24", false)] // not: no item starts 24
    [InlineData("same item ((origin = VN or origin = CN) and not hs starts 24)", true)]
    [InlineData("vessel is missing and exporter is missing", true)]
    public void Each_operator_decides_as_documented(string condition, bool fires)
    {
        var set = Compile($"rule r \"x\": if {condition} then red\n");
        Assert.Equal(fires, set.Evaluate(Cigarettes()).Fired.Count == 1);
    }

    [Fact]
    public void An_item_condition_holds_when_any_item_holds_and_same_item_requires_one_item_to_hold_them_all()
    {
        var set = Compile("""
            rule any "any": if hs starts 9503 and origin = BY then score 10
            rule same "same": if same item (hs starts 9503 and origin = BY) then score 20
            rule same-cigarettes "same cigarettes": if same item (hs starts 2402 and origin = BY and value-per-kg < 20) then red 30
            """);
        var outcome = set.Evaluate(Cigarettes());
        Assert.Equal(["any", "same-cigarettes"], outcome.Fired.Select(f => f.Id));
        Assert.Equal(40, outcome.Score);
        Assert.Equal(Lane.Red, outcome.Lane);
    }

    [Fact]
    public void The_reason_names_the_actual_values_the_list_and_the_item()
    {
        var set = Compile("""
            list high-risk-tobacco of countries = BY, AE
            rule tobacco "tobacco from risky origins": if hs starts "2402" and origin in list high-risk-tobacco then red 100 because "cigarettes from a risky origin"
            """);
        var fired = Assert.Single(set.Evaluate(Cigarettes()).Fired);
        Assert.Equal("cigarettes from a risky origin: item 2 HS 2402.20 starts with 2402; item 2 origin BY is on list high-risk-tobacco", fired.Reason);
        Assert.Equal((Lane.Red, 100, "tobacco"), (fired.Lane!.Value, fired.Score, fired.Id));
    }

    [Fact]
    public void The_strongest_lane_wins_and_scores_add_up()
    {
        var set = Compile("""
            rule a "a": if origin = BY then yellow 10
            rule b "b": if hs starts 95 then blue 5
            rule c "c": if transport-mode = 1 then score 7
            rule d "d": if origin = VN then red 100
            """);
        var outcome = set.Evaluate(Cigarettes());
        Assert.Equal((Lane.Yellow, 22), (outcome.Lane!.Value, outcome.Score));
    }

    [Fact]
    public void Partner_indicators_fire_rules_by_lane_by_count_and_by_partner()
    {
        var set = Compile("""
            rule red "partner red": if partner lane red then red 50
            rule two "two partners": if partner count >= 2 then score 20
            rule nl "from NL": if partner from NL then score 5
            """);
        Assert.Empty(set.Evaluate(Cigarettes()).Fired);
        Assert.Empty(set.Evaluate(Cigarettes(), PartnerIndicators.None).Fired);
        var one = set.Evaluate(Cigarettes(), new PartnerIndicators([new PartnerIndication("NL", Lane.Red, "container MSCU1234565")]));
        Assert.Equal(["red", "nl"], one.Fired.Select(f => f.Id));
        Assert.Equal("partner red: partner NL gave lane red", one.Fired[0].Reason);
        var two = set.Evaluate(Cigarettes(), new PartnerIndicators([new PartnerIndication("BE", Lane.Yellow), new PartnerIndication("FR", Lane.Green)]));
        Assert.Equal(["two"], two.Fired.Select(f => f.Id));
    }

    [Fact]
    public void A_missing_field_degrades_to_a_reason_naming_the_field_the_item_and_the_rules_not_checked()
    {
        var set = Compile("""
            rule cheap "cheap tobacco": if same item (hs starts 2402 and value-per-kg < 20) then red 50
            rule cheap-toys "cheap toys": if same item (hs starts 9503 and value-per-kg < 1) then score 5
            """);
        var declaration = Cigarettes();
        declaration.GoodsShipment.GoodsItems[1].NetMassKg = null;
        var outcome = set.Evaluate(declaration);
        Assert.Empty(outcome.Fired);
        Assert.Equal(["value per kg missing on item 2 (no value or no net mass): rules cheap, cheap-toys could not be checked"], outcome.Missing);

        var empty = set.Evaluate(new Declaration());
        Assert.Empty(empty.Fired);
    }

    [Fact]
    public void Lists_match_case_insensitively_and_hs_lists_match_by_prefix_with_dots_ignored()
    {
        var set = Compile("""
            list tobacco of hs = 2402.20, 2403
            list importers of traders = gb123456789000
            rule a "a": if hs starts list tobacco then score 1
            rule b "b": if importer in list importers then score 2
            """);
        Assert.Equal(3, set.Evaluate(Cigarettes()).Score);
    }

    [Fact]
    public void A_rule_set_compiled_once_evaluates_many_declarations_without_allocating_per_rule()
    {
        // 300 rules over lists, prefixes and thresholds, none of which fires: evaluating filled facts allocates
        // only the outcome, so no field is looked up by name and no text is built while rules run.
        var rules = new System.Text.StringBuilder("list risky of countries = AE, BY\n");
        for (var i = 0; i < 300; i++)
            rules.Append(System.Globalization.CultureInfo.InvariantCulture, $"rule r{i} \"r{i}\": if hs starts \"{1000 + i}\" and origin in list risky and value-per-kg < {i} then red {i}\n");
        rules.Append("rule wide \"wide\": if value > 1000000 or (transport-mode = 9 and container is missing) then score 1\n");
        var set = Compile(rules.ToString());
        var facts = set.NewFacts();
        facts.Fill(Cigarettes(), null);
        set.Evaluate(facts);
        var fired = 0;
        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < 1000; i++) fired += set.Evaluate(facts).Fired.Count;
        var perEvaluation = (GC.GetAllocatedBytesForCurrentThread() - before) / 1000;
        Assert.Equal(0, fired);
        Assert.True(perEvaluation <= 128, $"{perEvaluation} bytes allocated per evaluation");
    }

    [Fact]
    public void Duplicate_rule_ids_and_lists_are_refused()
    {
        var e = Assert.Throws<RuleSetException>(() => Compile("list a = X\nlist a = Y\nrule r \"x\": if origin = BY then red\nrule r \"y\": if origin = CN then red\n"));
        Assert.Contains(e.Errors, x => x.Line == 3 && x.Message.Contains("list 'a' is defined already", StringComparison.Ordinal));
        Assert.Contains(e.Errors, x => x.Line == 5 && x.Message.Contains("rule id 'r' is used already", StringComparison.Ordinal));
    }

    [Fact]
    public void A_rule_without_an_id_takes_one_from_its_name()
    {
        var set = Compile("rule \"Tobacco from risky origins\": if origin = BY then red 100\n");
        Assert.Equal("tobacco-from-risky-origins", Assert.Single(set.Evaluate(Cigarettes()).Fired).Id);
    }
}
