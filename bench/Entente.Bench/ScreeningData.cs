using System.Globalization;
using System.Text;
using Entente.Screening.Matching;

namespace Entente.Bench;

/// <summary>
/// Generated watched subjects and declarations for the screening benchmarks, deterministic per seed. Names come
/// from pools per script (Latin and Cyrillic syllables, Hangul and Han characters, Arabic letters) with skewed
/// frequencies, so that common family names (Kim, Wang, a frequent Latin one) have long posting lists as in life.
/// </summary>
internal static class ScreeningData
{
    private static readonly string[] LatinSyllables = ["ka", "ro", "mi", "lan", "ter", "son", "ber", "gu", "di", "vo", "sel", "mar", "tin", "ko", "la", "ne", "ri", "sto", "ham", "el", "ur", "bo", "zen", "fa", "pe", "lu", "dor", "vik", "an", "ja", "wen", "ste", "rup", "gal", "mo"];
    private static readonly string[] CyrillicSyllables = ["ко", "ва", "ло", "ми", "ре", "сан", "пет", "ни", "дор", "бу", "гри", "сла", "тар", "зу", "ель", "ир", "жу", "хо", "ше", "ям"];
    private static readonly string[] HangulFamilies = ["김", "이", "박", "최", "정", "강", "조", "윤", "장", "임", "한", "오", "서", "신", "권", "황", "안", "송", "류", "홍"];
    private static readonly string[] HangulSyllables = ["민", "준", "서", "연", "지", "호", "현", "우", "수", "영", "하", "늘", "동", "원", "재", "성", "은", "혜", "진", "태", "경", "미", "석", "훈", "선", "희", "상", "철", "용", "빈"];
    private static readonly string[] HanFamilies = ["王", "李", "张", "刘", "陈", "杨", "黄", "赵", "吴", "周", "徐", "孙", "马", "朱", "胡", "郭", "何", "高", "林", "罗"];
    private static readonly string[] HanGiven = ["伟", "芳", "娜", "敏", "静", "丽", "强", "磊", "军", "洋", "勇", "艳", "杰", "娟", "涛", "明", "超", "秀", "霞", "平", "刚", "桂", "文", "华", "建", "国", "红", "志", "小", "海"];
    private static readonly string[] ArabicLetters = ["ب", "ت", "ج", "ح", "خ", "د", "ر", "س", "ش", "ع", "ف", "ق", "ك", "ل", "م", "ن", "ه", "و", "ي", "ا"];
    private static readonly string[] LegalFormsWritten = ["GmbH", "Ltd", "Co., Ltd.", "LLC", "S.A.", "B.V.", "OOO", "Inc.", "AG", "Sp. z o.o.", "PLC", "SARL", ""];
    private static readonly string[] Countries = ["DE", "NL", "FR", "KR", "CN", "RU", "GB", "US", "PL", "ES", "IT", "BE", "JP", "TR", "AE", "SA", "EG", "GR", "UA", "KZ", "SG", "HK", "IN", "BR", "MX", "ZA", "NG", "SE", "NO", "CZ"];
    private static readonly string[] GoodsWords = ["cotton", "shirts", "engine", "parts", "mobile", "phones", "cigarettes", "tobacco", "watches", "shoes", "bags", "toys", "steel", "pipes", "solar", "panels", "tyres", "perfume", "medicines", "batteries"];
    private static readonly string[] Brands = ["Rolex", "Nike", "Adidas", "Gucci", "Chanel", "Apple", "Samsung", "Marlboro", "Louis Vuitton", "Prada"];

    /// <summary>Pools of names per script, built from the seed; index i of a pool is drawn with probability falling with i (u² skew).</summary>
    private sealed class Pools
    {
        public readonly string[] LatinFamilies, LatinGiven, CyrillicFamilies, CyrillicGiven, ArabicNames, CompanyStems;

        public Pools(int seed)
        {
            var r = new Random(seed);
            LatinFamilies = Distinct(r, 20_000, () => Word(r, LatinSyllables, 2, 4, capital: true));
            LatinGiven = Distinct(r, 1_500, () => Word(r, LatinSyllables, 2, 3, capital: true));
            CyrillicFamilies = Distinct(r, 8_000, () => Word(r, CyrillicSyllables, 2, 3, capital: true) + (r.Next(2) == 0 ? "ов" : "ин"));
            CyrillicGiven = Distinct(r, 600, () => Word(r, CyrillicSyllables, 2, 3, capital: true));
            ArabicNames = Distinct(r, 1_500, () => Word(r, ArabicLetters, 3, 5, capital: false));
            CompanyStems = Distinct(r, 60_000, () => Word(r, LatinSyllables, 2, 4, capital: true));
        }

        private static string[] Distinct(Random r, int count, Func<string> make)
        {
            var set = new HashSet<string>();
            for (var tries = 0; set.Count < count && tries < count * 20; tries++) set.Add(make());
            return [.. set];
        }
    }

    private static string Word(Random r, string[] syllables, int min, int max, bool capital)
    {
        var sb = new StringBuilder();
        var n = r.Next(min, max + 1);
        for (var i = 0; i < n; i++) sb.Append(syllables[r.Next(syllables.Length)]);
        return capital ? char.ToUpperInvariant(sb[0]) + sb.ToString(1, sb.Length - 1) : sb.ToString();
    }

    private static T Skewed<T>(Random r, T[] pool)
    {
        var u = r.NextDouble();
        return pool[(int)(u * u * pool.Length)];
    }

    private static readonly Dictionary<int, Pools> PoolCache = [];

    private static Pools PoolsFor(int seed)
    {
        lock (PoolCache)
        {
            if (!PoolCache.TryGetValue(seed, out var pools)) PoolCache[seed] = pools = new Pools(seed);
            return pools;
        }
    }

    public static string PersonName(Random r, int seed)
    {
        var p = PoolsFor(seed);
        return r.Next(100) switch
        {
            < 40 => $"{Skewed(r, p.LatinGiven)} {Skewed(r, p.LatinFamilies)}",
            < 60 => $"{Skewed(r, p.CyrillicGiven)} {Skewed(r, p.CyrillicFamilies)}",
            < 75 => Skewed(r, HangulFamilies) + HangulSyllables[r.Next(HangulSyllables.Length)] + HangulSyllables[r.Next(HangulSyllables.Length)],
            < 90 => Skewed(r, HanFamilies) + HanGiven[r.Next(HanGiven.Length)] + (r.Next(3) == 0 ? "" : HanGiven[r.Next(HanGiven.Length)]),
            _ => $"{Skewed(r, p.ArabicNames)} {Skewed(r, p.ArabicNames)} {Skewed(r, p.ArabicNames)}",
        };
    }

    public static string CompanyName(Random r, int seed)
    {
        var p = PoolsFor(seed);
        var stem = Skewed(r, p.CompanyStems) + (r.Next(2) == 0 ? " " + Skewed(r, p.CompanyStems) : "");
        var generic = r.Next(3) == 0 ? " Trading" : r.Next(4) == 0 ? " Logistics" : "";
        return $"{stem}{generic} {LegalFormsWritten[r.Next(LegalFormsWritten.Length)]}".Trim();
    }

    private static string Digits(Random r, int n)
    {
        Span<char> s = stackalloc char[n];
        for (var i = 0; i < n; i++) s[i] = (char)('0' + r.Next(10));
        return new string(s);
    }

    private static string Letters(Random r, int n)
    {
        Span<char> s = stackalloc char[n];
        for (var i = 0; i < n; i++) s[i] = (char)('A' + r.Next(26));
        return new string(s);
    }

    private static PartialDate Born(Random r) => new(1940 + r.Next(65), 1 + r.Next(12), 1 + r.Next(28));

    /// <summary><paramref name="count"/> watched subjects: 60 % persons, 28 % companies, 4 % transport, 4 % containers, 2 % goods, 2 % documents.</summary>
    public static IEnumerable<Subject> Subjects(int count, int seed)
    {
        var r = new Random(seed);
        for (var i = 0; i < count; i++)
        {
            var id = "A" + i.ToString(CultureInfo.InvariantCulture);
            var k = r.Next(100);
            yield return k switch
            {
                < 60 => Subject.Person(id, r.Next(5) == 0 ? [PersonName(r, seed), PersonName(r, seed)] : [PersonName(r, seed)], r.Next(10) < 8 ? Born(r) : null,
                    [Countries[r.Next(Countries.Length)]], r.Next(4) == 0 ? [new Identifier(IdentifierSchemes.Passport, Letters(r, 2) + Digits(r, 7))] : null),
                < 88 => Subject.Company(id, [CompanyName(r, seed)], Countries[r.Next(Countries.Length)], [new Identifier(IdentifierSchemes.Eori, Countries[r.Next(Countries.Length)] + Digits(r, 12))]),
                < 92 => (r.Next(3)) switch
                {
                    0 => Subject.Vessel(id, Digits(r, 7), CompanyName(r, seed), Countries[r.Next(Countries.Length)]),
                    1 => Subject.Vehicle(id, Letters(r, 2) + "-" + Digits(r, 4) + "-" + Letters(r, 2), Countries[r.Next(Countries.Length)], Letters(r, 3) + Digits(r, 14)),
                    _ => Subject.Aircraft(id, Letters(r, 2) + "-" + Letters(r, 3)),
                },
                < 96 => Subject.Container(id, Letters(r, 3) + "U " + Digits(r, 6) + "-" + Digits(r, 1)),
                < 98 => Subject.Goods(id, Digits(r, 4 + r.Next(3)), r.Next(2) == 0 ? Countries[r.Next(Countries.Length)] : null,
                    r.Next(2) == 0 ? [GoodsWords[r.Next(GoodsWords.Length)]] : null, r.Next(2) == 0 ? Brands[r.Next(Brands.Length)] : null),
                _ => Subject.Document(id, IdentifierSchemes.Certificate, Letters(r, 2) + Digits(r, 9)),
            };
        }
    }

    /// <summary>A declaration: exporter, importer, declarant (a person), transport means, two containers, three goods lines, a document.</summary>
    public static DeclarationProbe Declaration(Random r, int seed, int n) => new($"D{n}",
    [
        Subject.Company(null, [CompanyName(r, seed)], Countries[r.Next(Countries.Length)], [new Identifier(IdentifierSchemes.Eori, Countries[r.Next(Countries.Length)] + Digits(r, 12))]),
        Subject.Company(null, [CompanyName(r, seed)], Countries[r.Next(Countries.Length)], [new Identifier(IdentifierSchemes.Eori, Countries[r.Next(Countries.Length)] + Digits(r, 12))]),
        Subject.Person(null, [PersonName(r, seed)], Born(r), [Countries[r.Next(Countries.Length)]]),
        r.Next(2) == 0 ? Subject.Vessel(null, Digits(r, 7), CompanyName(r, seed)) : Subject.Vehicle(null, Letters(r, 2) + "-" + Digits(r, 4) + "-" + Letters(r, 2), Countries[r.Next(Countries.Length)]),
        Subject.Container(null, Letters(r, 3) + "U" + Digits(r, 7)),
        Subject.Container(null, Letters(r, 3) + "U" + Digits(r, 7)),
        Goods(r), Goods(r), Goods(r),
        Subject.Document(null, IdentifierSchemes.Certificate, Letters(r, 2) + Digits(r, 9)),
    ]);

    private static Subject Goods(Random r) =>
        Subject.Goods(null, Digits(r, 10), Countries[r.Next(Countries.Length)],
            [$"{GoodsWords[r.Next(GoodsWords.Length)]} {GoodsWords[r.Next(GoodsWords.Length)]} {(r.Next(5) == 0 ? Brands[r.Next(Brands.Length)] : "")}"]);
}
