using System.Globalization;
using System.Text;
using AnyAscii;

namespace Entente.Screening.Matching;

[Flags]
internal enum TokenTraits : byte
{
    None = 0,
    /// <summary>A single Latin letter as written (J. Smith): matches any token it begins.</summary>
    Initial = 1,
    /// <summary>From an abjad script (Arabic, Hebrew): vowels are mostly not written, so the consonant skeleton is compared.</summary>
    Abjad = 2,
    /// <summary>One syllable of a Han or Hangul name: romanisations join syllables freely (Xiaoming, Min-ho).</summary>
    Syllable = 4,
    /// <summary>A particle or generic word (bin, van, trading, international): counts less.</summary>
    Minor = 8,
    /// <summary>Written with a hyphen to its neighbour (Min-ho, Young-soo): others write the two as one word.</summary>
    Hyphen = 16,
    /// <summary>A Hangul syllable (with <see cref="Syllable"/>); a Han one has Syllable alone.</summary>
    Hangul = 32,
}

/// <summary>One word of a name: as written (lower case ASCII after transliteration), its romanisation key and its consonant skeleton.</summary>
internal readonly record struct NameToken(string Text, string Key, string Skeleton, TokenTraits Traits)
{
    /// <summary>The key compared with a Han or Hangul syllable (<see cref="NameNormaliser.SyllableKey"/>).</summary>
    public string Syllabic { get; } = Text.Length > 8 ? Text : NameNormaliser.SyllableKey(Text);

    /// <summary>
    /// Whether a romanised word (this token is not a syllable) may write the Han or Hangul <paramref name="syllable"/>: the
    /// same key, or ㅓ (eo) written o (Yeong as Yong), or u before a final consonant (Seong as Sung, Hyeon as Hyun). Latin eo
    /// is only ㅓ (Yeong is not 용 yong).
    /// </summary>
    public bool Writes(in NameToken syllable)
    {
        foreach (var spelling in Spellings(syllable.Text))
            if (Syllabic == spelling) return true;
        return false;
    }

    /// <summary>The keys a syllable's romanisation may be written as (<see cref="Writes"/>).</summary>
    public static IEnumerable<string> Spellings(string text)
    {
        yield return NameNormaliser.SyllableKey(text);
        var eo = text.IndexOf("eo", StringComparison.Ordinal);
        if (eo >= 0) yield return NameNormaliser.SyllableKey(text.Replace("eo", "o", StringComparison.Ordinal));
        if (eo >= 0 && eo + 2 < text.Length) yield return NameNormaliser.SyllableKey(text.Replace("eo", "u", StringComparison.Ordinal));
        // ㅡ (eu) is written u as often (Haneul, Ha Nul).
        if (text.Contains("eu", StringComparison.Ordinal)) yield return NameNormaliser.SyllableKey(text.Replace("eu", "u", StringComparison.Ordinal));
        // McCune-Reischauer and Wade-Giles write the plain initials k, t, p, ch where Revised Romanisation and pinyin write
        // g, d, b, j (교 gyo / kyo, 동 dong / tong, 재 jae / chae; 江 jiang / chiang).
        if (NameNormaliser.PlainInitial(text) is { } other) yield return NameNormaliser.SyllableKey(other);
    }

    public bool Is(TokenTraits trait) => (Traits & trait) != 0;
    public float Weight => Is(TokenTraits.Minor) ? 0.35f : 1f;
}

/// <summary>A name ready to compare: its tokens (legal form removed) and, for companies, the legal form found.</summary>
internal sealed class PreparedName(string original, NameToken[] tokens, LegalForm? legalForm)
{
    public string Original { get; } = original;
    public NameToken[] Tokens { get; } = tokens;
    public LegalForm? LegalForm { get; } = legalForm;
    public float Weight { get; } = tokens.Sum(t => t.Weight);
}

/// <summary>
/// Name normalisation: Unicode NFKC, transliteration of any script to Latin (AnyAscii), case and diacritics folded,
/// punctuation as word breaks, then a romanisation key per word that makes the known families equal (Lee/Yi/Rhee,
/// Mohammed/Muhammad, -ov/-off, zh/j, kh/h, ks/x, ou/u, y/i/j, Schmidt/Shmidt...). docs/matching.md.
/// </summary>
internal static class NameNormaliser
{
    public static PreparedName Prepare(string name, bool company)
    {
        var text = name.Normalize(NormalizationForm.FormKC);
        LegalForm? form = null;
        if (company) (text, form) = LegalForms.StripNative(text);
        var words = Words(text);
        if (company)
        {
            JoinLetters(words);
            var (rest, found) = LegalForms.Strip(words);
            words = rest;
            form ??= found;
        }
        else MergeArabicParticles(words);
        var tokens = new NameToken[words.Count];
        for (var i = 0; i < words.Count; i++) tokens[i] = Token(words[i].Text, words[i].Traits, company);
        return new PreparedName(name, tokens, form);
    }

    internal record struct Word(string Text, TokenTraits Traits);

    /// <summary>Greek αυ, ευ, ηυ as AnyAscii writes them (ay, ey, iy), with the voiceless consonant after, if any (the words are lower-cased next).</summary>
    private static readonly System.Text.RegularExpressions.Regex GreekDiphthong = new("([aei])y([kxpstfc])?", System.Text.RegularExpressions.RegexOptions.IgnoreCase | System.Text.RegularExpressions.RegexOptions.CultureInvariant);

    /// <summary>Words of a name in lower-case ASCII. Han and Hangul give one word per syllable; Arabic and Hebrew words are marked abjad.</summary>
    internal static List<Word> Words(string text)
    {
        var words = new List<Word>();
        var current = new StringBuilder();
        var traits = TokenTraits.None;
        var greek = false;
        void Flush()
        {
            if (current.Length == 0) return;
            var ascii = current.ToString().Transliterate();
            // An abjad word opening with hamza or ayn opens with a vowel in Latin (أحمد Ahmad, عمر Omar): keep a vowel there.
            if ((traits & TokenTraits.Abjad) != 0 && ascii.Length > 1 && ascii[0] is '\'' or '`') ascii = "a" + ascii[1..];
            // AnyAscii writes Greek ου as "oy"; every romanisation writes "ou".
            if (greek) ascii = ascii.Replace("oy", "ou", StringComparison.Ordinal).Replace("OY", "OU", StringComparison.Ordinal).Replace("Oy", "Ou", StringComparison.Ordinal);
            // And αυ, ευ, ηυ as "ay", "ey", "iy", which ELOT 743 and every passport write av, ev, iv (af, ef, if before a voiceless consonant): Μαυρίδης Mavridis, Ευστάθιος Efstathios.
            if (greek) ascii = GreekDiphthong.Replace(ascii, m => m.Groups[1].Value + (m.Groups[2].Success ? "f" : "v") + m.Groups[2].Value);
            var sb = new StringBuilder(ascii.Length);
            foreach (var c in ascii)
            {
                if (char.IsAsciiLetterOrDigit(c)) sb.Append(char.ToLowerInvariant(c));
                else if (c is '\'' or '`' or '’') continue;
                else if (sb.Length > 0) { words.Add(new Word(sb.ToString(), traits)); sb.Clear(); }
            }
            if (sb.Length > 0) words.Add(new Word(sb.ToString(), traits));
            current.Clear();
            traits = TokenTraits.None;
            greek = false;
        }
        foreach (var rune in text.EnumerateRunes())
        {
            var v = rune.Value;
            if (IsSyllabic(v))
            {
                Flush();
                current.Append(rune.ToString());
                traits = v >= 0xAC00 ? TokenTraits.Syllable | TokenTraits.Hangul : TokenTraits.Syllable;
                Flush();
                continue;
            }
            var category = Rune.GetUnicodeCategory(rune);
            var letter = category is UnicodeCategory.UppercaseLetter or UnicodeCategory.LowercaseLetter or UnicodeCategory.TitlecaseLetter
                or UnicodeCategory.ModifierLetter or UnicodeCategory.OtherLetter or UnicodeCategory.DecimalDigitNumber
                or UnicodeCategory.NonSpacingMark or UnicodeCategory.SpacingCombiningMark or UnicodeCategory.EnclosingMark;
            if (v == '-' && current.Length > 0)
            {
                Flush();
                if (words.Count > 0) words[^1] = words[^1] with { Traits = words[^1].Traits | TokenTraits.Hyphen };
                traits = TokenTraits.Hyphen;
                continue;
            }
            if (letter || v is '\'' or '’' or '`')
            {
                if (IsAbjad(v)) traits |= TokenTraits.Abjad;
                if (v is (>= 0x0370 and <= 0x03FF) or (>= 0x1F00 and <= 0x1FFF)) greek = true;
                current.Append(rune.ToString());
            }
            else Flush();
        }
        Flush();
        return words;
    }

    private static bool IsSyllabic(int v) =>
        v is (>= 0x4E00 and <= 0x9FFF) or (>= 0x3400 and <= 0x4DBF) or (>= 0xF900 and <= 0xFAFF) or (>= 0x20000 and <= 0x2FA1F) or (>= 0xAC00 and <= 0xD7A3);

    private static bool IsAbjad(int v) =>
        v is (>= 0x0590 and <= 0x05FF) or (>= 0x0600 and <= 0x06FF) or (>= 0x0750 and <= 0x077F) or (>= 0xFB1D and <= 0xFDFF) or (>= 0xFE70 and <= 0xFEFF);

    /// <summary>S.A.R.L., A/S, Sp. z o.o.: runs of single letters in a company name are one word.</summary>
    private static void JoinLetters(List<Word> words)
    {
        for (var i = 0; i < words.Count; i++)
        {
            if (words[i].Text.Length != 1 || words[i].Is(TokenTraits.Syllable)) continue;
            var j = i;
            var sb = new StringBuilder();
            while (j < words.Count && words[j].Text.Length == 1 && !words[j].Is(TokenTraits.Syllable)) sb.Append(words[j++].Text);
            if (j - i < 2) continue;
            words[i] = new Word(sb.ToString(), words[i].Traits);
            words.RemoveRange(i + 1, j - i - 1);
        }
    }

    /// <summary>Abd al-Rahman, Abdul Rahman, Abdulrahman, عبد الرحمن: one word "abd" + name; al-Hassan / el Hassan: one word.</summary>
    private static void MergeArabicParticles(List<Word> words)
    {
        for (var i = 0; i < words.Count; i++)
        {
            var w = words[i];
            var abjad = w.Is(TokenTraits.Abjad);
            if (i + 1 < words.Count && (abjad ? w.Text is "bd" or "abd" : w.Text is "abd" or "abdul" or "abdel" or "abdal" or "abdol" or "abdoul" or "abdu" or "abdur" or "abdoel"))
            {
                if (!abjad && words[i + 1].Text is "al" or "el" or "ul" or "ar" or "ur" && i + 2 < words.Count) words.RemoveAt(i + 1);
                var next = words[i + 1].Text;
                next = abjad ? (next.StartsWith('l') && next.Length > 2 ? next[1..] : next) : StripArticle(next);
                words[i] = new Word("abd" + next, w.Traits | words[i + 1].Traits);
                words.RemoveAt(i + 1);
            }
            else if (!abjad && i + 1 < words.Count && w.Text is "al" or "el" or "ul" or "ad" or "ar" or "as" or "ash" or "at" or "az" or "an" && words[i + 1].Text.Length > 2)
            {
                words[i] = new Word("al" + words[i + 1].Text, w.Traits | words[i + 1].Traits);
                words.RemoveAt(i + 1);
            }
            else if (!abjad && w.Text.Length > 5)
            {
                foreach (var p in AbdPrefixes)
                {
                    if (!w.Text.StartsWith(p, StringComparison.Ordinal)) continue;
                    words[i] = new Word("abd" + StripArticle(w.Text[p.Length..]), w.Traits);
                    break;
                }
            }
        }
    }

    private static readonly string[] AbdPrefixes = ["abdoul", "abdul", "abdel", "abdal", "abdol", "abdur", "abdu"];

    private static string StripArticle(string s)
    {
        foreach (var a in new[] { "al", "el", "ul", "ar", "ur", "er" })
            if (s.StartsWith(a, StringComparison.Ordinal) && s.Length > a.Length + 2) return s[a.Length..];
        return s;
    }

    internal static bool Is(this Word w, TokenTraits t) => (w.Traits & t) != 0;

    private static NameToken Token(string text, TokenTraits traits, bool company)
    {
        if (text.Length == 1 && (traits & (TokenTraits.Syllable | TokenTraits.Abjad)) == 0 && !char.IsAsciiDigit(text[0])) traits |= TokenTraits.Initial;
        if ((traits & TokenTraits.Initial) == 0 && (company ? GenericCompanyWords : Particles).Contains(text)) traits |= TokenTraits.Minor;
        var key = (traits & TokenTraits.Initial) != 0 ? text : RomanisationKey(text, (traits & TokenTraits.Syllable) != 0);
        return new NameToken(text, key, Skeleton(text), traits);
    }

    private static readonly HashSet<string> Particles =
        ["bin", "ibn", "bint", "ben", "van", "von", "der", "den", "de", "da", "di", "du", "del", "della", "la", "le", "ter", "ten", "y", "e", "dos", "das", "zu", "ould", "ait"];

    private static readonly HashSet<string> GenericCompanyWords =
    [
        "the", "and", "of", "und", "et", "de", "la", "le", "der", "die", "trading", "trade", "international", "intl", "group", "holding", "holdings",
        "industries", "industrial", "industry", "enterprise", "enterprises", "import", "export", "importexport", "logistics", "shipping",
        "global", "services", "service", "solutions", "technologies", "technology", "tech", "commercial", "general", "handels", "handel",
        "company", "co", "corporation", "firm", "partners", "sons", "brothers", "bros", "foreign", "economic", "development", "investment", "investments",
    ];

    private static readonly (string From, string To)[] Rules =
    [
        ("woo", "u"), ("oo", "u"), ("ou", "u"), ("oi", "i"), ("eo", "o"), ("ue", "u"), ("oe", "o"), ("ae", "a"), ("tsch", "ch"), ("sch", "sh"), ("shch", "sh"), ("dzh", "j"), ("dj", "j"),
        ("zh", "j"), ("kh", "h"), ("ks", "x"), ("ph", "f"), ("ck", "k"), ("dt", "t"), ("w", "v"), ("y", "i"), ("j", "i"), ("q", "k"),
    ];

    /// <summary>Whole words that several romanisations write differently, to one key each (the rules below cover the rest).</summary>
    private static readonly Dictionary<string, string> Families = BuildFamilies(
        ("li", "lee yi rhee ri li rhie"), ("pak", "park pak bak bag bahk paek baek"), ("kim", "kim gim ghim"),
        ("choi", "choi choe chwe choy"), ("jung", "jung jeong chung cheong jeung"), ("kang", "kang gang"), ("cho", "cho jo"),
        ("yun", "yoon yun youn"), ("shin", "shin sin"), ("im", "lim im rim"), ("ryu", "ryu yoo yu ryoo you"), ("no", "roh noh no"),
        ("muhammad", "mohammed muhammad mohamed mohammad muhammed mohamad muhamad mohamud mohd mahomed mahammad magomed mohammod muhamed mukhammad mukhammed mohamood"),
        ("ahmad", "ahmed ahmad akhmed akhmad ahmet"), ("husain", "hussein husain hussain husayn houssein hussien husein husseyn"),
        ("yusuf", "yusuf youssef yousef yussuf yusef yousif yusif"), ("hasan", "hassan hasan"), ("umar", "omar umar omer"),
        ("usman", "osman usman othman uthman"), ("abdlah", "abdullah abdallah abdellah abdulla abdalla"),
        ("zhang", "zhang chang cheung"), ("chen", "chen chan chin"), ("wang", "wang wong"), ("zhou", "zhou chou chow"), ("liu", "liu lau"),
        ("zhao", "zhao chao chiu"), ("yang", "yang yeung"), ("xu", "xu hsu tsui"), ("sun", "sun suen"), ("zhu", "zhu chu"), ("guo", "guo kuo kwok"),
        ("gao", "gao kao"), ("lin", "lin lam"), ("luo", "luo lo law"), ("huang", "huang hwang"), ("wu", "wu ng"), ("hu", "hu foo"),
        ("aleksandr", "alexander aleksandr alexandr aleksander alexandre alexandros oleksandr"), ("georgios", "georgios giorgos yiorgos george georgy georgiy"),
        ("mikhail", "mikhail michail mihail mikhael"), ("yevgeny", "yevgeny evgeny evgeniy yevgeniy evgenij jewgeni"), ("pyotr", "pyotr petr piotr"),
        ("nikolai", "nikolai nikolay nicolai mykola"), ("andrei", "andrei andrey andrej andriy"), ("olga", "olga olha"), ("dmitri", "dmitri dmitry dmitriy dimitri dmytro"));

    /// <summary>The family members rewritten by the rules, so a spelling the list lacks but the rules reach (Olexandr) still finds its family; not for keys under five letters, where y/j as i would make Young a Jung.</summary>
    private static readonly Dictionary<string, string> FamiliesByRule = Families.Where(f => f.Key.Length >= 4).GroupBy(f => ApplyRules(f.Key)).Where(g => g.Key.Length >= 5).ToDictionary(g => g.Key, g => g.First().Value, StringComparer.Ordinal);

    private static readonly HashSet<string> FamilyKeys = [.. Families.Values];

    /// <summary>Every syllable a Han character or a Hangul block is romanised as (AnyAscii): a word among them is a syllable, not a slip of another.</summary>
    private static readonly Lazy<HashSet<string>> HanSyllables = new(() => Romanised(0x4E00, 0x9FFF));
    private static readonly Lazy<HashSet<string>> HangulSyllables = new(() => Romanised(0xAC00, 0xD7A3));

    private static HashSet<string> Romanised(int from, int to)
    {
        var set = new HashSet<string>(StringComparer.Ordinal);
        for (var c = from; c <= to; c++)
        {
            var ascii = ((char)c).ToString().Transliterate();
            var sb = new StringBuilder(ascii.Length);
            foreach (var ch in ascii)
                if (char.IsAsciiLetter(ch)) sb.Append(char.ToLowerInvariant(ch));
            if (sb.Length > 0) set.Add(sb.ToString());
        }
        return set;
    }

    private static readonly Lazy<HashSet<string>> HanSpellings = new(() => [.. HanSyllables.Value.SelectMany(NameToken.Spellings)]);
    private static readonly Lazy<HashSet<string>> HangulSpellings = new(() => [.. HangulSyllables.Value.SelectMany(NameToken.Spellings)]);

    /// <summary>
    /// Whether a word's syllable key (<see cref="NameToken.Syllabic"/>) is the spelling of one, or up to <paramref name="parts"/>,
    /// Hangul blocks or Han characters written together, each of two letters or more (yung = 영; minjun = 민 + 준): then it
    /// writes those syllables and is no slip of others.
    /// </summary>
    internal static bool WritesSyllables(string key, bool hangul, int parts)
    {
        var spellings = (hangul ? HangulSpellings : HanSpellings).Value;
        bool Splits(int from, int left)
        {
            if (from == key.Length) return true;
            if (left == 0) return false;
            for (var end = from + 2; end <= key.Length; end++)
                if (spellings.Contains(key[from..end]) && Splits(end, left - 1)) return true;
            return false;
        }
        return Splits(0, parts);
    }

    /// <summary>The other spelling of a syllable's plain initial consonant (g/k, d/t, b/p, j/ch), or null.</summary>
    internal static string? PlainInitial(string syllable) => syllable switch
    {
        ['g', _, ..] => "k" + syllable[1..],
        ['d', _, ..] => "t" + syllable[1..],
        ['b', _, ..] => "p" + syllable[1..],
        ['j', _, ..] => "ch" + syllable[1..],
        _ => null,
    };

    /// <summary>Whether two short romanised words are one syllable with its plain initial written both ways (Gyo / Kyo, Jae / Chae).</summary>
    internal static bool SamePlainInitial(string a, string b) =>
        a.Length <= 5 && b.Length <= 5 && (PlainInitial(a) == b || PlainInitial(b) == a);

    /// <summary>Whether a romanised word is itself the romanisation of some Hangul block, or Han character (yang, yan, seong, jin).</summary>
    internal static bool IsSyllable(string word, bool hangul) => (hangul ? HangulSyllables : HanSyllables).Value.Contains(word);

    /// <summary>The family a word belongs to as written (not as the rules rewrite it: Yong is not Jung); a Hangul or Han "i" is Li.</summary>
    internal static string? FamilyOf(in NameToken t) =>
        Families.TryGetValue(t.Text, out var family) && (t.Text.Length > 1 || t.Is(TokenTraits.Syllable)) ? family : t.Is(TokenTraits.Syllable) && t.Text == "i" ? "li" : null;

    /// <summary>The key of a word compared with a Han or Hangul syllable: the rules without y/j as i (no romanisation of these scripts writes one for the other) and without eo as o (<see cref="NameToken.Writes"/>).</summary>
    internal static string SyllableKey(string word)
    {
        var s = word;
        foreach (var (from, to) in Rules)
            if (from is not ("y" or "j" or "eo") && s.Contains(from, StringComparison.Ordinal)) s = s.Replace(from, to, StringComparison.Ordinal);
        return s;
    }

    /// <summary>Two different family keys (Cho and Choi, Li and Lim) are different names, however close their spelling.</summary>
    internal static bool DifferentFamilies(string a, string b) => a != b && FamilyKeys.Contains(a) && FamilyKeys.Contains(b);

    private static Dictionary<string, string> BuildFamilies(params (string Key, string Members)[] families)
    {
        var map = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (key, members) in families)
            foreach (var m in members.Split(' ')) map[m] = key;
        return map;
    }


    /// <summary>The romanisation key of a word: its family key, else the word rewritten by the rules, doubles collapsed, -off/-eff as -ov/-ev.</summary>
    internal static string RomanisationKey(string word, bool syllable)
    {
        if (Families.TryGetValue(word, out var family) && (word.Length > 1 || syllable)) return family;
        if (syllable && word is "i") return "li";
        var s = ApplyRules(word);
        return FamiliesByRule.TryGetValue(s, out family) ? family : s;
    }

    private static string ApplyRules(string word)
    {
        var s = word;
        foreach (var (from, to) in Rules)
            if (s.Contains(from, StringComparison.Ordinal)) s = s.Replace(from, to, StringComparison.Ordinal);
        Span<char> buffer = stackalloc char[s.Length];
        var n = 0;
        foreach (var c in s)
            if (n == 0 || buffer[n - 1] != c || char.IsAsciiDigit(c)) buffer[n++] = c;
        if (n > 3 && buffer[n - 1] == 'f' && buffer[n - 2] is 'o' or 'e') buffer[n - 1] = 'v';
        return new string(buffer[..n]);
    }

    /// <summary>Two keys written as one word (Min + ho, Van + Dijk), a double letter at the seam collapsed as in one word.</summary>
    internal static string Concat(string a, string b) => a.Length > 0 && b.Length > 0 && a[^1] == b[0] ? a + b[1..] : a + b;

    /// <summary>Adjacent words that romanisations often write as one: syllables of Han or Hangul, or a short first word (Van Dijk, Al Noor, De Luca).</summary>
    internal static bool Joinable(in NameToken a, in NameToken b) =>
        !a.Is(TokenTraits.Initial) && !b.Is(TokenTraits.Initial) && (a.Is(TokenTraits.Syllable | TokenTraits.Hyphen) || b.Is(TokenTraits.Syllable) || a.Text.Length <= 3);

    /// <summary>
    /// The consonants of a word as written (sh, kh, th as s, k, t; f and ph as p; c and q as k; no vowels, w, v or y), what an
    /// abjad script writes; from the spelling, not the romanisation key, whose rules are for Latin spellings (zh is j in
    /// Zhang, not ز + ه in الزهراء). A word with w, v or y first keeps it, as و and ي are consonants there (Yusuf is y-s-f,
    /// not s-f; Vasileiou is not شحل).
    /// </summary>
    internal static string Skeleton(string text)
    {
        Span<char> buffer = stackalloc char[text.Length + 1];
        var n = 0;
        if (text.Length > 1 && text[0] is 'y' or 'w' or 'v') buffer[n++] = text[0] == 'y' ? 'y' : 'v';
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (c is 'a' or 'e' or 'i' or 'o' or 'u' or 'v' or 'w' or 'y') continue;
            if (c == 'h' && n > 0 && buffer[n - 1] is 's' or 'c' or 't' or 'k' or 'g' or 'd' or 'p') continue;
            if (c == 'f') c = 'p';
            if (c is 'q' or 'c') c = 'k';
            if (n == 0 || buffer[n - 1] != c) buffer[n++] = c;
        }
        if (n > 2 && buffer[n - 1] == 'h') n--;
        return new string(buffer[..n]);
    }

    /// <summary>An identifier's comparable form: NFKC, transliterated, letters and digits only, upper case (IMO's "IMO" prefix dropped).</summary>
    public static string IdentifierValue(string? scheme, string value)
    {
        var ascii = value.Normalize(NormalizationForm.FormKC).Transliterate();
        var sb = new StringBuilder(ascii.Length);
        foreach (var c in ascii)
            if (char.IsAsciiLetterOrDigit(c)) sb.Append(char.ToUpperInvariant(c));
        var s = sb.ToString();
        if (scheme is not null && Scheme(scheme) == IdentifierSchemes.Imo && s.StartsWith("IMO", StringComparison.Ordinal)) s = s[3..];
        return s;
    }

    public static string Scheme(string scheme) => scheme.Trim().ToUpperInvariant() switch
    {
        "LICENSE" => IdentifierSchemes.Licence,
        "REGISTRATION" or "REG" or "PLATE" or "LICENCE-PLATE" or "LICENSE-PLATE" => IdentifierSchemes.Plate,
        var s => s,
    };

    /// <summary>Free text (goods descriptions, brands) as romanisation keys.</summary>
    public static string[] TextKeys(string text) =>
        [.. Words(text.Normalize(NormalizationForm.FormKC)).Select(w => RomanisationKey(w.Text, w.Is(TokenTraits.Syllable)))];
}
