using System.Globalization;

namespace Entente.Screening.Matching;

/// <summary>How two name tokens were found to match.</summary>
internal enum TokenMatchKind { Identical, Transliterated, Romanisation, Initial, Skeleton, Typo, Joined }

internal readonly record struct TokenPair(string Watched, string Probe, double Similarity, TokenMatchKind How);

/// <summary>
/// Name similarity: each token of one name assigned to at most one of the other (greedy on the best pairs, order
/// free), a pair scoring 1 for the same romanisation key, 0.85 for an initial, Jaro-Winkler (or the consonant
/// skeleton for an abjad script) above 0.84, else 0. Syllables written apart on one side and joined on the other
/// (Xiao Ming / Xiaoming) are joined first. The score weighs the shorter name's coverage 0.6 and the longer's 0.4.
/// </summary>
internal static class NameComparison
{
    private const double TokenFloor = 0.78;

    /// <summary>A romanised word against a Han or Hangul syllable: only a close spelling counts (one letter in a long syllable).</summary>
    private const double SyllableFloor = 0.88;

    /// <summary>What each syllable of a Han or Hangul name left unmatched multiplies the score by: another syllable is another given name.</summary>
    internal const double MissingSyllable = 0.88;

    /// <summary>What a Han or Hangul given name with its syllables in another order (Ho-ji for Ji-ho) multiplies the score by.</summary>
    internal const double ReorderedSyllables = 0.75;

    /// <summary>What a name matched through an initial multiplies the score by when none of its other words is the same (only close).</summary>
    internal const double InitialWithoutSureWord = 0.9;

    public static double Score(PreparedName watched, PreparedName probe, List<TokenPair>? pairs, out bool reordered)
    {
        reordered = false;
        var a = Join(watched.Tokens, probe.Tokens);
        var b = Join(probe.Tokens, a);
        if (a.Length == 0 || b.Length == 0) return 0;
        Span<double> sims = stackalloc double[Math.Min(a.Length * b.Length, 256)];
        if (a.Length * b.Length > 256) return 0;
        for (var i = 0; i < a.Length; i++)
            for (var j = 0; j < b.Length; j++)
                sims[(i * b.Length) + j] = TokenSimilarity(a[i], b[j]);
        Span<bool> aUsed = stackalloc bool[a.Length];
        Span<bool> bUsed = stackalloc bool[b.Length];
        double matched = 0;
        var count = 0;
        var initials = 0;
        var sure = false;
        var lastJ = -1;
        Span<int> matchedI = stackalloc int[Math.Min(a.Length, b.Length)];
        Span<int> matchedJ = stackalloc int[Math.Min(a.Length, b.Length)];
        while (true)
        {
            var best = -1;
            for (var k = 0; k < a.Length * b.Length; k++)
                if (sims[k] > 0 && !aUsed[k / b.Length] && !bUsed[k % b.Length] && (best < 0 || sims[k] > sims[best])) best = k;
            if (best < 0) break;
            int i = best / b.Length, j = best % b.Length;
            aUsed[i] = bUsed[j] = true;
            matched += sims[best] * Math.Min(a[i].Weight, b[j].Weight);
            if (a[i].Is(TokenTraits.Initial) || b[j].Is(TokenTraits.Initial)) initials++;
            else if (sims[best] >= 1 || SameConsonants(a[i], b[j])) sure = true;
            matchedI[count] = i;
            matchedJ[count] = j;
            count++;
            pairs?.Add(new TokenPair(a[i].Text, b[j].Text, sims[best], How(a[i], b[j], sims[best])));
            if (j < lastJ) reordered = true;
            lastJ = j;
        }
        if (count == 0) return 0;
        double wa = 0, wb = 0;
        foreach (var t in a) wa += t.Weight;
        foreach (var t in b) wb += t.Weight;
        var score = (0.6 * matched / Math.Min(wa, wb)) + (0.4 * matched / Math.Max(wa, wb));
        if (count == 1 && Math.Max(a.Length, b.Length) > 1) score *= 0.85;
        // An initial is weak evidence: with it, at least one other word must be the same, not only close (Y. Zhukov is not Yamkogri Zhuelov).
        if (initials > 0 && !sure) score *= InitialWithoutSureWord;
        // A Han or Hangul name (on either side) is its syllables: one left unmatched, on either side, is another given name.
        var syllabic = HasSyllables(a) || HasSyllables(b);
        for (var i = 0; i < a.Length; i++)
            if (!aUsed[i] && (syllabic || a[i].Is(TokenTraits.Syllable | TokenTraits.Hyphen))) score *= MissingSyllable;
        for (var j = 0; j < b.Length; j++)
            if (!bUsed[j] && (syllabic || b[j].Is(TokenTraits.Syllable | TokenTraits.Hyphen))) score *= MissingSyllable;
        // The family name may stand first or last, but the syllables of a given name keep their order (Ji-ho is not Ho-ji).
        if (syllabic && count > 2 && !InOrderButOneEnd(matchedI[..count], matchedJ[..count], a.Length, b.Length)) score *= ReorderedSyllables;
        return Math.Min(1, score);
    }

    /// <summary>A word against an abjad word with the same consonants: as close as two scripts can be.</summary>
    private static bool SameConsonants(in NameToken a, in NameToken b) =>
        (a.Is(TokenTraits.Abjad) || b.Is(TokenTraits.Abjad)) && a.Skeleton.Length > 0 && a.Skeleton == b.Skeleton;

    private static bool HasSyllables(NameToken[] tokens)
    {
        foreach (var t in tokens)
            if (t.Is(TokenTraits.Syllable)) return true;
        return false;
    }

    /// <summary>The matched pairs in the same order on both sides once one pair at an end of both names (the family name) is set aside.</summary>
    private static bool InOrderButOneEnd(ReadOnlySpan<int> mi, ReadOnlySpan<int> mj, int aLength, int bLength)
    {
        for (var skip = -1; skip < mi.Length; skip++)
        {
            if (skip >= 0 && !((mi[skip] == 0 || mi[skip] == aLength - 1) && (mj[skip] == 0 || mj[skip] == bLength - 1))) continue;
            var ordered = true;
            for (var x = 0; x < mi.Length && ordered; x++)
                for (var y = 0; y < mi.Length && ordered; y++)
                    if (x != skip && y != skip && mi[x] < mi[y] && mj[x] > mj[y]) ordered = false;
            if (ordered) return true;
        }
        return false;
    }

    internal static double TokenSimilarity(in NameToken a, in NameToken b)
    {
        if (a.Is(TokenTraits.Initial) || b.Is(TokenTraits.Initial))
        {
            if (a.Is(TokenTraits.Initial) && b.Is(TokenTraits.Initial)) return a.Text == b.Text ? 0.9 : 0;
            var (initial, other) = a.Is(TokenTraits.Initial) ? (a, b) : (b, a);
            if (initial.Text[0] == other.Text[0] || initial.Key[0] == other.Key[0]) return 0.85;
            // An abjad word opening with hamza or ayn was given a leading "a" (أحمد ahmd, عمر amr): any vowel may stand for it.
            return other.Is(TokenTraits.Abjad) && other.Text[0] == 'a' && initial.Text[0] is 'a' or 'e' or 'i' or 'o' or 'u' ? 0.85 : 0;
        }
        var syllable = a.Is(TokenTraits.Syllable) || b.Is(TokenTraits.Syllable);
        if (syllable)
        {
            // A Han or Hangul syllable is one character of a closed set: a spelling close to its romanisation is most often
            // another character (jian / yan, sung / sang), so syllables compare by romanisation, not by spelling.
            var family = NameNormaliser.FamilyOf(a) is { } f && f == NameNormaliser.FamilyOf(b);
            if (a.Is(TokenTraits.Syllable) && b.Is(TokenTraits.Syllable)) return a.Text == b.Text || family ? 1 : 0;
            // Two different family names never match, however they are spelt (Zhou is not 朱 zhu, Cho is not 최 choe).
            if (!family && NameNormaliser.FamilyOf(a) is not null && NameNormaliser.FamilyOf(b) is not null) return 0;
            if (family || (a.Is(TokenTraits.Syllable) ? b.Writes(a) : a.Writes(b))) return 1;
            // A spelling close to a syllable's that is itself a syllable is another character (yang / yan, jian / juan,
            // yeong / gyeong); one that is no syllable is a slip (yag, minm, seoong), within two letters of its length.
            // Nor is a word that is a listed spelling of a family name (Yoon, Lee, Park), or that writes another syllable
            // (Young is 영, not a slip of 경), or other syllables written together (Minjun is not a slip of 민진); a slip is one
            // edit from a spelling of the syllable.
            var (word, other) = a.Is(TokenTraits.Syllable) ? (b, a) : (a, b);
            var hangul = other.Is(TokenTraits.Hangul);
            var joined = !NameNormaliser.IsSyllable(other.Text, hangul);
            if (NameNormaliser.IsSyllable(word.Text, hangul) || NameNormaliser.FamilyOf(word) is not null) return 0;
            // One letter from the syllable as written (Seoong for 성 seong) is a slip of it, whatever the rewritten word spells.
            var slip = !joined && Similarity.WithinOneEdit(word.Text, other.Text);
            if (!slip && NameNormaliser.WritesSyllables(word.Syllabic, hangul, joined ? 3 : 1)) return 0;
            double close = 0;
            if (slip) close = Similarity.JaroWinkler(word.Text, other.Text);
            foreach (var spelling in NameToken.Spellings(other.Text))
                if (Similarity.WithinOneEdit(word.Syllabic, spelling)) close = Math.Max(close, Similarity.JaroWinkler(word.Syllabic, spelling));
            return close >= SyllableFloor ? close : 0;
        }
        if (a.Key == b.Key) return 1;
        // The syllables of a hyphenated given name in two romanisations (Hye-kyo / Hye Gyo).
        if ((a.Is(TokenTraits.Hyphen) || b.Is(TokenTraits.Hyphen)) && NameNormaliser.SamePlainInitial(a.Text, b.Text)) return 1;
        if (NameNormaliser.DifferentFamilies(a.Key, b.Key)) return 0;
        var s = Math.Max(Similarity.JaroWinkler(a.Key, b.Key), Similarity.JaroWinkler(a.Text, b.Text));
        if ((a.Is(TokenTraits.Abjad) || b.Is(TokenTraits.Abjad)) && a.Skeleton.Length > 0 && b.Skeleton.Length > 0)
        {
            // Two consonants say little: only the same two count (Omar and عمر), not a close pair.
            var skeleton = a.Skeleton == b.Skeleton ? 1 : Math.Min(a.Skeleton.Length, b.Skeleton.Length) <= 2 ? 0 : Similarity.JaroWinkler(a.Skeleton, b.Skeleton);
            if (skeleton >= 0.84) s = Math.Max(s, 0.97 * skeleton);
        }
        if (s < 0.85 && Swapped(a.Key, b.Key)) s = 0.85;
        if (Math.Min(a.Key.Length, b.Key.Length) <= 3 && s < 1) s -= 0.05;
        return s < TokenFloor ? 0 : s;
    }

    /// <summary>Two letters side by side swapped (Mni / Min): Jaro-Winkler does not see it in short words.</summary>
    private static bool Swapped(string a, string b)
    {
        if (a.Length != b.Length || a.Length < 3) return false;
        var i = 0;
        while (i < a.Length && a[i] == b[i]) i++;
        return i + 1 < a.Length && a[i] == b[i + 1] && a[i + 1] == b[i] && a.AsSpan(i + 2).SequenceEqual(b.AsSpan(i + 2));
    }

    private static TokenMatchKind How(in NameToken a, in NameToken b, double similarity)
    {
        if (a.Is(TokenTraits.Initial) || b.Is(TokenTraits.Initial)) return TokenMatchKind.Initial;
        if (a.Text == b.Text) return a.Is(TokenTraits.Abjad | TokenTraits.Syllable) || b.Is(TokenTraits.Abjad | TokenTraits.Syllable) ? TokenMatchKind.Transliterated : TokenMatchKind.Identical;
        if (a.Key != b.Key && NameNormaliser.SamePlainInitial(a.Text, b.Text) && similarity >= 1) return TokenMatchKind.Romanisation;
        if (a.Key == b.Key) return a.Text.Length != b.Text.Length && (a.Text.Contains(b.Text) || b.Text.Contains(a.Text)) && (a.Is(TokenTraits.Syllable) || b.Is(TokenTraits.Syllable)) ? TokenMatchKind.Joined : TokenMatchKind.Romanisation;
        if ((a.Is(TokenTraits.Abjad) || b.Is(TokenTraits.Abjad)) && similarity >= 0.97 * Similarity.JaroWinkler(a.Skeleton, b.Skeleton) - 1e-9 && a.Skeleton.Length > 0) return TokenMatchKind.Skeleton;
        return TokenMatchKind.Typo;
    }

    /// <summary>Joins adjacent tokens of <paramref name="tokens"/> whose concatenation is a token of <paramref name="other"/> (Min Ho / Minho).</summary>
    private static NameToken[] Join(NameToken[] tokens, NameToken[] other)
    {
        if (tokens.Length < 2) return tokens;
        List<NameToken>? list = null;
        for (var i = 0; i + 1 < (list?.Count ?? tokens.Length); i++)
        {
            var x = list is null ? tokens[i] : list[i];
            var y = list is null ? tokens[i + 1] : list[i + 1];
            if (x.Is(TokenTraits.Initial) || y.Is(TokenTraits.Initial)) continue;
            var joinable = NameNormaliser.Joinable(x, y);
            foreach (var o in other)
            {
                if (o.Key.Length <= x.Key.Length || o.Key[0] != x.Key[0]) continue;
                var key = NameNormaliser.Concat(x.Key, y.Key);
                if (Math.Abs(key.Length - o.Key.Length) > 2) continue;
                // Any two words joined exactly (Jian Guo / Jianguo); close only for syllables, hyphenated or short first words.
                var s = key == o.Key ? 1 : joinable ? Similarity.JaroWinkler(key, o.Key) : 0;
                if (s < 0.88 || s <= Similarity.JaroWinkler(x.Key, o.Key)) continue;
                list ??= [.. tokens];
                list[i] = new NameToken(x.Text + y.Text, key, NameNormaliser.Skeleton(x.Text + y.Text), (x.Traits | y.Traits) & ~TokenTraits.Minor);
                list.RemoveAt(i + 1);
                i--;
                break;
            }
        }
        return list is null ? tokens : [.. list];
    }

    public static string Describe(PreparedName watched, PreparedName probe, double score, List<TokenPair> pairs, bool reordered)
    {
        var parts = pairs.Select(p => p.How switch
        {
            TokenMatchKind.Identical => $"{p.Probe} = {p.Watched}",
            TokenMatchKind.Transliterated => $"{p.Probe} = {p.Watched} (transliterated)",
            TokenMatchKind.Romanisation => $"{p.Probe} ~ {p.Watched} (romanisation variant)",
            TokenMatchKind.Joined => $"{p.Probe} ~ {p.Watched} (syllables joined)",
            TokenMatchKind.Initial => $"{p.Probe} ~ {p.Watched} (initial)",
            TokenMatchKind.Skeleton => $"{p.Probe} ~ {p.Watched} (same consonants, {p.Similarity.ToString("0.00", CultureInfo.InvariantCulture)})",
            _ => $"{p.Probe} ~ {p.Watched} (spelling differs, {Similarity.Edits(p.Probe, p.Watched)} edit(s), {p.Similarity.ToString("0.00", CultureInfo.InvariantCulture)})",
        }).ToList();
        var unmatched = probe.Tokens.Select(t => t.Text).Where(t => !pairs.Any(p => p.Probe.Contains(t, StringComparison.Ordinal))).ToList();
        var unmatchedWatched = watched.Tokens.Select(t => t.Text).Where(t => !pairs.Any(p => p.Watched.Contains(t, StringComparison.Ordinal))).ToList();
        var text = $"'{probe.Original}' vs '{watched.Original}' {score.ToString("0.00", CultureInfo.InvariantCulture)}: "
            + (parts.Count == 0 ? "no word in common" : string.Join(", ", parts));
        if (reordered) text += "; word order differs";
        if (unmatched.Count > 0) text += $"; unmatched in the checked name: {string.Join(" ", unmatched)}";
        if (unmatchedWatched.Count > 0) text += $"; unmatched in the alert's name: {string.Join(" ", unmatchedWatched)}";
        return text;
    }
}
