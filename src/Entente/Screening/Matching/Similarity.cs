namespace Entente.Screening.Matching;

/// <summary>String similarity of two words: Jaro-Winkler (typos weigh less near the end, the start of a name is rarely misspelt).</summary>
internal static class Similarity
{
    public static double JaroWinkler(string a, string b)
    {
        if (a.Length == 0 || b.Length == 0) return 0;
        if (a == b) return 1;
        if (a.Length > 64 || b.Length > 64) return a == b ? 1 : 0;
        var window = Math.Max(0, (Math.Max(a.Length, b.Length) / 2) - 1);
        ulong aMatched = 0, bMatched = 0;
        var matches = 0;
        for (var i = 0; i < a.Length; i++)
        {
            var from = Math.Max(0, i - window);
            var to = Math.Min(b.Length - 1, i + window);
            for (var j = from; j <= to; j++)
            {
                if ((bMatched & (1UL << j)) != 0 || a[i] != b[j]) continue;
                aMatched |= 1UL << i;
                bMatched |= 1UL << j;
                matches++;
                break;
            }
        }
        if (matches == 0) return 0;
        var transpositions = 0;
        var k = 0;
        for (var i = 0; i < a.Length; i++)
        {
            if ((aMatched & (1UL << i)) == 0) continue;
            while ((bMatched & (1UL << k)) == 0) k++;
            if (a[i] != b[k]) transpositions++;
            k++;
        }
        double m = matches;
        var jaro = ((m / a.Length) + (m / b.Length) + ((m - (transpositions / 2.0)) / m)) / 3;
        var prefix = 0;
        while (prefix < Math.Min(4, Math.Min(a.Length, b.Length)) && a[prefix] == b[prefix]) prefix++;
        return jaro + (prefix * 0.1 * (1 - jaro));
    }

    /// <summary>Damerau-Levenshtein distance (optimal string alignment), for the explanation of a typo.</summary>
    public static int Edits(string a, string b)
    {
        var d = new int[a.Length + 1, b.Length + 1];
        for (var i = 0; i <= a.Length; i++) d[i, 0] = i;
        for (var j = 0; j <= b.Length; j++) d[0, j] = j;
        for (var i = 1; i <= a.Length; i++)
        {
            for (var j = 1; j <= b.Length; j++)
            {
                var cost = a[i - 1] == b[j - 1] ? 0 : 1;
                d[i, j] = Math.Min(Math.Min(d[i - 1, j] + 1, d[i, j - 1] + 1), d[i - 1, j - 1] + cost);
                if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1]) d[i, j] = Math.Min(d[i, j], d[i - 2, j - 2] + 1);
            }
        }
        return d[a.Length, b.Length];
    }

    /// <summary>Whether two different words are one insertion, deletion, substitution or swap of neighbours apart.</summary>
    internal static bool WithinOneEdit(string a, string b)
    {
        if (Math.Abs(a.Length - b.Length) > 1) return false;
        var i = 0;
        while (i < a.Length && i < b.Length && a[i] == b[i]) i++;
        if (a.Length == b.Length)
        {
            if (i == a.Length) return true;
            if (a.AsSpan(i + 1).SequenceEqual(b.AsSpan(i + 1))) return true;
            return i + 1 < a.Length && a[i] == b[i + 1] && a[i + 1] == b[i] && a.AsSpan(i + 2).SequenceEqual(b.AsSpan(i + 2));
        }
        var (longer, shorter) = a.Length > b.Length ? (a, b) : (b, a);
        return longer.AsSpan(i + 1).SequenceEqual(shorter.AsSpan(i));
    }
}
