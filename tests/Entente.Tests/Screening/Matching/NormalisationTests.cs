using Entente.Screening.Matching;

namespace Entente.Tests.Screening.Matching;

public class NormalisationTests
{
    [Theory]
    [InlineData("Сергей Иванов", "Sergei Ivanov")] // Cyrillic
    [InlineData("Γιώργος Παπαδόπουλος", "Giorgos Papadopoulos")] // Greek
    [InlineData("محمد عبد الله", "Mohammed Abdullah")] // Arabic
    [InlineData("이민호", "Lee Min-ho")] // Hangul
    [InlineData("王小明", "Wang Xiaoming")] // Han
    [InlineData("שמעון פרס", "Shimon Peres")] // Hebrew
    [InlineData("გიორგი ბერიძე", "Giorgi Beridze")] // Georgian
    [InlineData("Jürgen Müller", "Juergen Mueller")] // Latin with diacritics
    public void A_name_in_another_script_matches_its_latin_spelling(string native, string latin)
    {
        var match = SubjectMatcher.Compare(Subject.Person("A1", [native]), Subject.Person(null, [latin]));
        Assert.True(match.IsHit, match.ToString());
    }

    [Theory]
    [InlineData("Lee", "Yi")]
    [InlineData("Rhee", "Li")]
    [InlineData("Park", "Bak")]
    [InlineData("Pak", "Park")]
    [InlineData("Kim", "Gim")]
    [InlineData("Choi", "Choe")]
    [InlineData("Mohammed", "Muhammad")]
    [InlineData("Mohamed", "Mohammad")]
    [InlineData("Ivanov", "Ivanoff")]
    [InlineData("Smirnov", "Smirnow")]
    [InlineData("Lebedev", "Lebedeff")]
    [InlineData("Zhukov", "Joukov")]
    [InlineData("Djamal", "Jamal")]
    [InlineData("Khabibullin", "Habibulin")]
    [InlineData("Aleksandr", "Alexandr")]
    [InlineData("Yuri", "Iouri")]
    [InlineData("Schmidt", "Shmidt")]
    [InlineData("Olexandr", "Aleksandr")]
    public void Romanisation_families_share_one_key(string a, string b)
    {
        Assert.Equal(Key(a), Key(b));
    }

    [Theory]
    [InlineData("Cho", "Choi")]
    [InlineData("Kim", "Lim")]
    [InlineData("Ivanov", "Ivanova")]
    public void Different_names_keep_different_keys(string a, string b)
    {
        Assert.NotEqual(Key(a), Key(b));
    }

    [Fact]
    public void Abd_and_the_arabic_article_are_written_many_ways_and_compare_as_one()
    {
        var keys = new[] { "Abd al-Rahman", "Abdul Rahman", "Abdulrahman", "Abdel Rahman" }.Select(n => string.Join(" ", NameNormaliser.Prepare(n, company: false).Tokens.Select(t => t.Key))).Distinct().ToList();
        Assert.Single(keys);
    }

    [Theory]
    [InlineData("Co., Ltd.", "LTD")]
    [InlineData("Company Limited", "LTD")]
    [InlineData("GmbH", "GMBH")]
    [InlineData("S.A.R.L.", "SARL")]
    [InlineData("Sp. z o.o.", "SPZOO")]
    [InlineData("ООО", "OOO")]
    [InlineData("OOO", "OOO")]
    [InlineData("PAO", "AO")]
    [InlineData("株式会社", "KK")]
    [InlineData("Kabushiki Kaisha", "KK")]
    [InlineData("(주)", "KK")]
    [InlineData("주식회사", "KK")]
    [InlineData("有限公司", "LTD")]
    [InlineData("L.L.C.", "LLC")]
    [InlineData("B.V.", "BV")]
    [InlineData("Inc.", "INC")]
    public void Legal_forms_are_recognised_however_written(string written, string code)
    {
        Assert.Equal(code, LegalForms.Parse(written)?.Code);
    }

    [Theory]
    [InlineData("Acme Trading GmbH", "acme trading", "GMBH")]
    [InlineData("ООО Ромашка", "romashka", "OOO")]
    [InlineData("Samjin Trading Co., Ltd.", "samjin trading", "LTD")]
    [InlineData("(주)삼진", "sam jin", "KK")]
    [InlineData("Kowalski i Syn Sp. z o.o.", "kowalski i syn", "SPZOO")]
    public void A_legal_form_is_taken_out_of_the_name_words(string name, string words, string code)
    {
        var prepared = NameNormaliser.Prepare(name, company: true);
        Assert.Equal(words, string.Join(" ", prepared.Tokens.Select(t => t.Text)));
        Assert.Equal(code, prepared.LegalForm?.Code);
    }

    [Theory]
    [InlineData("MSCU 123456-7", "mscu1234567")]
    [InlineData("DE 1234.5678-9", "de123456789")]
    [InlineData("ＭＳＣＵ１２３４５６７", "MSCU1234567")]
    public void Identifiers_are_compared_without_spaces_dashes_dots_or_case(string a, string b)
    {
        Assert.Equal(NameNormaliser.IdentifierValue(null, a), NameNormaliser.IdentifierValue(null, b));
    }

    [Fact]
    public void An_imo_number_is_the_same_with_or_without_its_prefix()
    {
        Assert.Equal(NameNormaliser.IdentifierValue("IMO", "IMO 9074729"), NameNormaliser.IdentifierValue("imo", "9074729"));
    }

    private static string Key(string word) => Assert.Single(NameNormaliser.Prepare(word, company: false).Tokens).Key;
}
