namespace Entente.Screening.Matching;

/// <summary>A company's legal form: a code (LTD, GMBH, OOO, KK...) and its family (limited liability, joint stock...).</summary>
public sealed record LegalForm(string Code, string Family)
{
    public override string ToString() => $"{Code} ({Family})";
}

/// <summary>
/// Company legal forms, recognised at the end or the start of a name (after normalisation, so "Co., Ltd." and
/// "Company Limited" are the same words, "S.A.R.L." is "sarl") and in Han and Hangul before transliteration. They
/// are a feature of their own, never name tokens. docs/matching.md lists them.
/// </summary>
public static class LegalForms
{
    public const string LimitedLiability = "limited liability", JointStock = "joint stock", Partnership = "partnership", SoleTrader = "sole trader", Cooperative = "cooperative", Unspecified = "company";

    private static readonly (string Code, string Family, string[] Forms)[] Table =
    [
        ("LTD", LimitedLiability, ["ltd", "limited", "co ltd", "coltd", "company limited", "company ltd", "co limited", "pte ltd", "pty ltd", "private limited", "pvt ltd", "ltda", "yk", "yugen kaisha"]),
        ("GMBH", LimitedLiability, ["gmbh", "gesellschaft mit beschrankter haftung", "ges m b h", "gesmbh"]),
        ("SARL", LimitedLiability, ["sarl", "eurl"]),
        ("SRL", LimitedLiability, ["srl", "sl", "slu"]),
        ("BV", LimitedLiability, ["bv", "besloten vennootschap"]),
        ("LLC", LimitedLiability, ["llc", "l l c", "limited liability company"]),
        ("OOO", LimitedLiability, ["ooo", "tov"]),
        ("SPZOO", LimitedLiability, ["sp zoo", "spzoo", "sp z oo"]),
        ("SRO", LimitedLiability, ["sro", "spol sro"]),
        ("KFT", LimitedLiability, ["kft"]),
        ("AG", JointStock, ["ag", "aktiengesellschaft"]),
        ("SA", JointStock, ["sa", "sas", "spa", "sasu", "societe anonyme"]),
        ("NV", JointStock, ["nv", "naamloze vennootschap"]),
        ("PLC", JointStock, ["plc", "public limited company"]),
        ("INC", JointStock, ["inc", "incorporated"]),
        ("CORP", JointStock, ["corp", "corporation"]),
        ("AO", JointStock, ["ao", "oao", "zao", "pao", "jsc", "ojsc", "cjsc", "pjsc", "pat", "prat"]),
        ("KK", JointStock, ["kk", "kabushiki kaisha", "kabushikigaisha", "co ltd kk"]),
        ("AB", JointStock, ["ab", "as", "asa", "oy", "oyj"]),
        ("KG", Partnership, ["kg", "gmbh co kg", "ohg", "lp", "llp", "snc", "gbr", "vof", "cv"]),
        ("COOP", Cooperative, ["coop", "eg", "cooperative"]),
        ("IP", SoleTrader, ["ip", "ek", "sole proprietor"]),
        ("CO", Unspecified, ["co", "company", "cie", "and co", "co kg"]),
    ];

    private static readonly (string Native, string Code)[] Native =
    [
        ("股份有限公司", "AO"), ("株式会社", "KK"), ("有限会社", "LTD"), ("合同会社", "LLC"), ("有限责任公司", "LTD"), ("有限公司", "LTD"), ("公司", "CO"),
        ("주식회사", "KK"), ("(주)", "KK"), ("㈜", "KK"), ("유한회사", "LTD"), ("유한책임회사", "LLC"),
    ];

    private static readonly Dictionary<string, LegalForm> ByCode = Table.ToDictionary(t => t.Code, t => new LegalForm(t.Code, t.Family));

    private static readonly (string[] Words, LegalForm Form)[] ByWords =
        [.. Table.SelectMany(t => t.Forms.Select(f => (f.Split(' '), ByCode[t.Code]))).OrderByDescending(f => f.Item1.Length)];

    /// <summary>The legal form a text names (GmbH, "Co., Ltd.", ООО, 株式会社), or null.</summary>
    public static LegalForm? Parse(string? text)
    {
        if (string.IsNullOrWhiteSpace(text)) return null;
        var (rest, native) = StripNative(text);
        if (native is not null) return native;
        var words = NameNormaliser.Words(rest).Select(w => w.Text).ToList();
        var joined = string.Concat(words);
        foreach (var (forms, form) in ByWords)
            if (forms.SequenceEqual(words) || string.Concat(forms) == joined) return form;
        return null;
    }

    internal static (string Remainder, LegalForm? Form) StripNative(string text)
    {
        foreach (var (native, code) in Native)
        {
            var i = text.IndexOf(native, StringComparison.Ordinal);
            if (i >= 0) return (text.Remove(i, native.Length), ByCode[code]);
        }
        return (text, null);
    }

    /// <summary>Removes a legal form from the end of the words, else from the start ("OOO Romashka", "PT", "(주)").</summary>
    internal static (List<NameNormaliser.Word> Remainder, LegalForm? Form) Strip(List<NameNormaliser.Word> words)
    {
        foreach (var (forms, form) in ByWords)
        {
            if (forms.Length >= words.Count) continue;
            if (EndsWith(words, forms)) return (words[..^forms.Length], form);
        }
        foreach (var (forms, form) in ByWords)
        {
            if (forms.Length >= words.Count || form.Family == Unspecified) continue;
            if (StartsWith(words, forms)) return (words[forms.Length..], form);
        }
        return (words, null);
    }

    private static bool EndsWith(List<NameNormaliser.Word> words, string[] forms)
    {
        for (var i = 0; i < forms.Length; i++)
            if (words[words.Count - forms.Length + i].Text != forms[i]) return false;
        return true;
    }

    private static bool StartsWith(List<NameNormaliser.Word> words, string[] forms)
    {
        for (var i = 0; i < forms.Length; i++)
            if (words[i].Text != forms[i]) return false;
        return true;
    }
}
