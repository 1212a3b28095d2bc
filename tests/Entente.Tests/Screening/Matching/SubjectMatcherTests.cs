using System.ComponentModel.DataAnnotations;
using Entente.Screening.Matching;
using Microsoft.Extensions.Configuration;

namespace Entente.Tests.Screening.Matching;

public class SubjectMatcherTests
{
    private static readonly PartialDate Born = PartialDate.Parse("1971-03-12");
    private static readonly Subject Ivanov = Subject.Person("ALERT-1", ["Сергей Иванов", "Serge Ivanoff"], Born, ["RU"], [new Identifier(IdentifierSchemes.Passport, "75 1234567")]);

    private static Match Check(Subject probe, Subject? watched = null) => SubjectMatcher.Compare(watched ?? Ivanov, probe);

    [Fact]
    public void An_initial_matches_the_given_name_it_begins()
    {
        Assert.True(Check(Subject.Person(null, ["S. Ivanov"])).IsHit);
        var other = Check(Subject.Person(null, ["P. Ivanov"]));
        Assert.False(other.IsHit, other.ToString());
    }

    [Fact]
    public void An_initial_with_a_family_name_only_close_does_not_hit()
    {
        var watched = Subject.Person("ALERT-Z", ["Yamkogri Zhuelov"]);
        var close = Check(Subject.Person(null, ["Y. Zhukov"]), watched);
        Assert.False(close.IsHit, close.ToString());
        Assert.True(Check(Subject.Person(null, ["Y. Zhuelov"]), watched).IsHit);
    }

    [Theory]
    [InlineData("Youssef", "يوسف", true, "y-s-f both")]
    [InlineData("Youssef", "وسف", false, "w-s-f is another word: the y of Yusuf is a consonant")]
    [InlineData("Vasileiou", "شحل", false, "s-l alone is too little, and Vasileiou opens with v")]
    [InlineData("Fatma Alzahraa", "فاطمة الزهراء", true, "the z and h of الزهراء are two letters, not the zh of Zhang")]
    public void Latin_and_arabic_words_compare_by_their_consonants_as_written(string latin, string arabic, bool hit, string why)
    {
        var watched = Subject.Person("ALERT-A", [arabic.Contains(' ', StringComparison.Ordinal) ? arabic : $"أحمد {arabic}"]);
        var probe = Subject.Person(null, [latin.Contains(' ', StringComparison.Ordinal) ? latin : $"Ahmed {latin}"]);
        var match = Check(probe, watched);
        Assert.True(match.IsHit == hit, $"{why}: {match}");
    }

    [Theory]
    [InlineData("Μαυρίδης", "Mavridis")]
    [InlineData("Ευστάθιος Παπαδόπουλος", "Efstathios Papadopoulos")]
    public void Greek_diphthongs_are_written_as_passports_write_them(string greek, string latin)
    {
        var match = Check(Subject.Person(null, [latin]), Subject.Person("ALERT-G", [greek]));
        Assert.True(match.IsHit && match.Score >= 0.99, match.ToString());
    }

    [Theory]
    [InlineData("Song Hye-kyo", "송혜교")]
    [InlineData("Song Hye Gyo", "Song Hye-kyo")]
    [InlineData("Kim Tong-won", "김동원")]
    [InlineData("Chiang Kai", "蒋凯")]
    public void Korean_and_chinese_plain_initials_are_the_same_in_both_romanisations(string probe, string watched)
    {
        var match = Check(Subject.Person(null, [probe]), Subject.Person("ALERT-K", [watched]));
        Assert.True(match.IsHit, match.ToString());
    }

    [Fact]
    public void A_typo_still_hits_and_the_explanation_says_the_spelling_differs()
    {
        var match = Check(Subject.Person(null, ["Sergei Ivnaov"], Born));
        Assert.True(match.IsHit, match.ToString());
        Assert.Contains("spelling differs", Feature(match, "name").Text);
    }

    [Fact]
    public void Word_order_does_not_matter_and_is_said()
    {
        var match = Check(Subject.Person(null, ["IVANOV, Sergei"]));
        Assert.True(match.IsHit, match.ToString());
        Assert.Contains("word order differs", Feature(match, "name").Text);
    }

    [Fact]
    public void The_same_name_with_another_birth_date_does_not_hit()
    {
        var match = Check(Subject.Person(null, ["Sergei Ivanov"], PartialDate.Parse("1985-07-01"), ["RU"]));
        Assert.False(match.IsHit, match.ToString());
        Assert.Equal(FeatureVerdict.Conflicts, Feature(match, "birth date").Verdict);
        Assert.True(match.Score <= MatchingThresholds.ConflictFactor, match.ToString());
    }

    [Fact]
    public void The_same_family_name_with_another_given_name_does_not_hit()
    {
        var match = Check(Subject.Person(null, ["Dmitri Ivanov"], Born));
        Assert.False(match.IsHit, match.ToString());
    }

    [Fact]
    public void Close_korean_family_names_are_different_names()
    {
        var match = Check(Subject.Person(null, ["Choi Hyun-woo"]), Subject.Person("K", ["조현우"]));
        Assert.False(match.IsHit, match.ToString());
    }

    [Fact]
    public void A_birth_year_agrees_with_a_full_date_of_that_year()
    {
        var match = Check(Subject.Person(null, ["Sergey Ivanov"], new PartialDate(1971)));
        Assert.True(match.IsHit);
        Assert.Equal(FeatureVerdict.Partial, Feature(match, "birth date").Verdict);
        Assert.Contains("year 1971 agrees", Feature(match, "birth date").Text);
    }

    [Fact]
    public void Another_document_number_of_the_same_scheme_pulls_a_perfect_name_below_the_threshold()
    {
        var match = Check(Subject.Person(null, ["Sergei Ivanov"], Born, ["RU"], [new Identifier("passport", "75 7654321")]));
        Assert.False(match.IsHit, match.ToString());
        Assert.Equal(FeatureVerdict.Conflicts, Feature(match, "identifier").Verdict);
    }

    [Fact]
    public void An_equal_document_number_hits_whatever_the_spelling()
    {
        var match = Check(Subject.Person(null, ["S. Ivanv"], null, null, [new Identifier("PASSPORT", "751234567")]));
        Assert.True(match.IsHit, match.ToString());
        Assert.Contains("equal", Feature(match, "identifier").Text);
    }

    [Fact]
    public void Every_feature_is_explained_in_words()
    {
        var match = Check(Subject.Person(null, ["Sergei Ivanov"], Born, ["RU"], [new Identifier(IdentifierSchemes.Passport, "751234567")]));
        Assert.Contains("similarity", Feature(match, "name").Text);
        Assert.Contains("sergei ~ sergey (romanisation variant)", Feature(match, "name").Text);
        Assert.Equal("exact: 1971-03-12", Feature(match, "birth date").Text);
        Assert.Equal("RU agrees", Feature(match, "nationality").Text);
        Assert.StartsWith("equal: PASSPORT 751234567", Feature(match, "identifier").Text);
        Assert.All(match.Explanation, f => Assert.False(string.IsNullOrWhiteSpace(f.Text)));
    }

    [Fact]
    public void A_company_with_its_legal_form_written_otherwise_hits_and_the_form_is_a_feature_of_its_own()
    {
        var watched = Subject.Company("C1", ["Samjin Trading Co., Ltd.", "삼진무역 주식회사"], "KR", [new Identifier(IdentifierSchemes.Tin, "123-45-67890")]);
        var match = Check(Subject.Company(null, ["SAMJIN TRADING COMPANY LIMITED"], "KR"), watched);
        Assert.True(match.IsHit, match.ToString());
        Assert.Equal(FeatureVerdict.Agrees, Feature(match, "legal form").Verdict);
        Assert.Equal(FeatureVerdict.Agrees, Feature(match, "name").Verdict);
        Assert.DoesNotContain("unmatched", Feature(match, "name").Text);
    }

    [Fact]
    public void The_same_company_stem_in_another_country_with_another_identifier_does_not_hit()
    {
        var watched = Subject.Company("C1", ["Acme Trading GmbH"], "DE", [new Identifier(IdentifierSchemes.Eori, "DE123456789012345")]);
        var match = Check(Subject.Company(null, ["Acme Trading GmbH"], "AT", [new Identifier("eori", "AT987654321")]), watched);
        Assert.False(match.IsHit, match.ToString());
        Assert.Equal(FeatureVerdict.Conflicts, Feature(match, "country").Verdict);
        Assert.Equal(FeatureVerdict.Conflicts, Feature(match, "identifier").Verdict);
        Assert.True(Check(Subject.Company(null, ["ACME TRADING G.m.b.H."], "DE"), watched).IsHit);
    }

    [Fact]
    public void A_container_is_matched_exactly_as_given_even_with_a_wrong_check_digit()
    {
        var watched = Subject.Container("X1", "MSCU 123456-9");
        Assert.True(Check(Subject.Container(null, "mscu1234569"), watched).IsHit);
        Assert.False(Check(Subject.Container(null, "MSCU1234568"), watched).IsHit);
    }

    [Fact]
    public void A_plate_of_another_country_is_not_the_watched_vehicle()
    {
        var watched = Subject.Vehicle("V1", "B-AB 1234", "DE");
        Assert.True(Check(Subject.Vehicle(null, "BAB1234", "DE"), watched).IsHit);
        var other = Check(Subject.Vehicle(null, "BAB1234", "AT"), watched);
        Assert.False(other.IsHit, other.ToString());
    }

    [Fact]
    public void A_vessel_is_matched_by_its_imo_number()
    {
        Assert.True(Check(Subject.Vessel(null, "9074729"), Subject.Vessel("S1", "IMO 9074729", "Ever Given")).IsHit);
        Assert.False(Check(Subject.Vessel(null, "9074730", "Ever Given"), Subject.Vessel("S1", "IMO 9074729", "Ever Given")).IsHit);
    }

    [Fact]
    public void Goods_hit_on_brand_under_the_hs_prefix_and_not_outside_it()
    {
        var watched = Subject.Goods("G1", "9102", null, null, "Rolex");
        var hit = Check(Subject.Goods(null, "9102.11.00", "CN", ["wrist watches ROLEX submariner"]), watched);
        Assert.True(hit.IsHit, hit.ToString());
        var outside = Check(Subject.Goods(null, "6109100000", "CN", ["t-shirts Rolex"]), watched);
        Assert.False(outside.IsHit, outside.ToString());
        Assert.Equal(FeatureVerdict.Conflicts, Feature(outside, "hs code").Verdict);
    }

    [Fact]
    public void A_certificate_number_is_matched_exactly()
    {
        var watched = Subject.Document("D1", IdentifierSchemes.Certificate, "CITES-2026/00123");
        Assert.True(Check(Subject.Document(null, "certificate", "cites 2026 00123"), watched).IsHit);
        Assert.False(Check(Subject.Document(null, "certificate", "CITES-2026/00124"), watched).IsHit);
    }

    [Fact]
    public void Each_kind_has_its_own_threshold()
    {
        var thresholds = new MatchingThresholds { Person = 0.99 };
        var probe = Subject.Person(null, ["Sergei Ivnaov"]);
        var strict = SubjectMatcher.Compare(Ivanov, probe, thresholds);
        var lenient = SubjectMatcher.Compare(Ivanov, probe);
        Assert.Equal(lenient.Score, strict.Score);
        Assert.True(lenient.IsHit);
        Assert.False(strict.IsHit);
        Assert.Equal(0.99, strict.Threshold);
        var company = SubjectMatcher.Compare(Subject.Company("C", ["Acme GmbH"]), Subject.Company(null, ["Acme GmbH"]), thresholds);
        Assert.Equal(MatchingThresholds.Default.Company, company.Threshold);
        Assert.True(company.IsHit);
    }

    [Fact]
    public void Thresholds_bind_from_configuration_and_one_at_or_below_the_conflict_factor_is_refused()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Entente:Screening:Thresholds:Person"] = "0.9",
            ["Entente:Screening:Thresholds:Goods"] = "0.5",
        }).Build();
        var thresholds = configuration.GetSection(MatchingThresholds.Section).Get<MatchingThresholds>()!;
        Assert.Equal(0.9, thresholds.Person);
        Assert.Equal(MatchingThresholds.Default.Company, thresholds.Company);
        var errors = new List<ValidationResult>();
        Assert.False(Validator.TryValidateObject(thresholds, new ValidationContext(thresholds), errors, validateAllProperties: true));
        var error = Assert.Single(errors);
        Assert.Contains("Entente:Screening:Thresholds:Goods", error.ErrorMessage);
    }

    [Fact]
    public void A_birth_date_that_is_not_a_date_is_refused_saying_what_was_expected()
    {
        var error = Assert.Throws<FormatException>(() => PartialDate.Parse("1971-02-30"));
        Assert.Contains("1971-02-30", error.Message);
        Assert.Contains("YYYY", Assert.Throws<FormatException>(() => PartialDate.Parse("12/03/1971")).Message);
    }

    private static FeatureExplanation Feature(Match match, string feature) =>
        match.Explanation.SingleOrDefault(f => f.Feature == feature) ?? throw new Xunit.Sdk.XunitException($"no '{feature}' in {match}");
}
