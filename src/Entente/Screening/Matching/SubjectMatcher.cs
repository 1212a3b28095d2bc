using System.Globalization;

namespace Entente.Screening.Matching;

/// <summary>A subject with its normalised parts computed once (names, identifiers, legal form, goods terms).</summary>
internal sealed class PreparedSubject
{
    public PreparedSubject(Subject subject)
    {
        Subject = subject;
        var company = subject.Kind == SubjectKind.Company;
        Names = [.. subject.Names.Where(n => !string.IsNullOrWhiteSpace(n)).Select(n => NameNormaliser.Prepare(n, company))];
        Identifiers = [.. subject.Identifiers.Select(i => new PreparedIdentifier(i.Scheme is null ? null : NameNormaliser.Scheme(i.Scheme), NameNormaliser.IdentifierValue(i.Scheme, i.Value), i)).Where(i => i.Value.Length > 0)];
        Countries = [.. subject.Countries.Select(c => c.Trim().ToUpperInvariant()).Where(c => c.Length > 0).Distinct()];
        LegalForms = [.. new[] { Matching.LegalForms.Parse(subject.LegalForm) }.Concat(Names.Select(n => n.LegalForm)).OfType<LegalForm>().Distinct()];
        Hs = subject.HsCode is null ? null : new string([.. subject.HsCode.Where(char.IsAsciiDigit)]);
        Terms = [.. subject.DescriptionTerms.SelectMany(NameNormaliser.TextKeys).Distinct()];
        Brand = subject.Brand is null ? [] : NameNormaliser.TextKeys(subject.Brand);
    }

    public Subject Subject { get; }
    public PreparedName[] Names { get; }
    public PreparedIdentifier[] Identifiers { get; }
    public string[] Countries { get; }
    /// <summary>The legal forms of the subject: as given, and as its names (aliases in other scripts included) write them.</summary>
    public LegalForm[] LegalForms { get; }
    public string? Hs { get; }
    public string[] Terms { get; }
    public string[] Brand { get; }
}

internal sealed record PreparedIdentifier(string? Scheme, string Value, Identifier Original);

/// <summary>
/// Compares a probe with a watched subject: a score in [0,1] and, when asked, an explanation per feature in words.
/// Pure. The rules per kind are in docs/matching.md: the name gives the base; an equal identifier makes a hit on
/// its own; a birth date, country, legal form add or take a little; a conflicting strong attribute (another birth
/// date, another identifier of the same scheme, a company or plate in another country, goods outside the HS prefix)
/// multiplies the score by <see cref="MatchingThresholds.ConflictFactor"/>.
/// </summary>
public static class SubjectMatcher
{
    /// <summary>Compares <paramref name="probe"/> with <paramref name="watched"/> (which carries the alert id).</summary>
    public static Match Compare(Subject watched, Subject probe, MatchingThresholds? thresholds = null)
    {
        var explanation = new List<FeatureExplanation>();
        var score = Score(new PreparedSubject(watched), new PreparedSubject(probe), explanation);
        return new Match(watched.Id ?? "", watched.Kind, score, (thresholds ?? MatchingThresholds.Default).For(watched.Kind), explanation);
    }

    internal static double Score(PreparedSubject w, PreparedSubject p, List<FeatureExplanation>? why)
    {
        if (w.Subject.Kind != p.Subject.Kind && !(IsParty(w.Subject.Kind) && IsParty(p.Subject.Kind))) return 0;
        return w.Subject.Kind switch
        {
            SubjectKind.Person or SubjectKind.Company => Party(w, p, why),
            SubjectKind.Transport => Transport(w, p, why),
            SubjectKind.Goods => Goods(w, p, why),
            _ => IdentifierOnly(w, p, why),
        };
    }

    private static bool IsParty(SubjectKind kind) => kind is SubjectKind.Person or SubjectKind.Company;

    /// <summary>
    /// The highest score <see cref="Score"/> can give this pair, from the attributes that are cheap to compare (a birth
    /// date, an identifier of the same scheme, a company's country): <see cref="MatchingThresholds.ConflictFactor"/> when
    /// one conflicts, 1 otherwise. Screening skips the name comparison of a candidate whose ceiling is below the threshold.
    /// </summary>
    internal static double Ceiling(PreparedSubject w, PreparedSubject p)
    {
        switch (w.Subject.Kind)
        {
            case SubjectKind.Person or SubjectKind.Company when IsParty(p.Subject.Kind):
                var company = w.Subject.Kind == SubjectKind.Company;
                var conflict = (!company && w.Subject.BirthDate is not null && p.Subject.BirthDate is not null && BirthDate(w.Subject.BirthDate, p.Subject.BirthDate, null) == FeatureVerdict.Conflicts)
                    || (company && w.Countries.Length > 0 && p.Countries.Length > 0 && Countries(w, p, null, "") == FeatureVerdict.Conflicts)
                    || (w.Identifiers.Length > 0 && p.Identifiers.Length > 0 && Identifiers(w, p, null).Verdict == FeatureVerdict.Conflicts);
                return conflict ? MatchingThresholds.ConflictFactor : 1;
            case SubjectKind.Transport when p.Subject.Kind == SubjectKind.Transport:
                // Another identifier of the same scheme leaves 0.6 of the name and the 0.03 of an agreeing country (Transport below).
                return w.Identifiers.Length > 0 && p.Identifiers.Length > 0 && Identifiers(w, p, null).Verdict == FeatureVerdict.Conflicts ? 0.63 : 1;
            default:
                return 1;
        }
    }

    private static string F(double x) => x.ToString("0.00", CultureInfo.InvariantCulture);

    private static double Party(PreparedSubject w, PreparedSubject p, List<FeatureExplanation>? why)
    {
        var company = w.Subject.Kind == SubjectKind.Company;
        var name = BestName(w, p, why);
        var (idVerdict, _) = Identifiers(w, p, why);
        double score = name;
        if (idVerdict == FeatureVerdict.Agrees) score = Math.Max(score, 0.97);
        var conflict = idVerdict == FeatureVerdict.Conflicts;
        if (!company)
        {
            switch (BirthDate(w.Subject.BirthDate, p.Subject.BirthDate, why))
            {
                case FeatureVerdict.Agrees: score += 0.06; break;
                case FeatureVerdict.Partial: score += 0.02; break;
                case FeatureVerdict.Conflicts: conflict = true; break;
            }
        }
        else
        {
            switch (LegalForm(w.LegalForms, p.LegalForms, why))
            {
                case FeatureVerdict.Agrees: score += 0.02; break;
                case FeatureVerdict.Conflicts: score -= 0.04; break;
            }
        }
        switch (Countries(w, p, why, company ? "country" : "nationality"))
        {
            case FeatureVerdict.Agrees: score += company ? 0.03 : 0.02; break;
            case FeatureVerdict.Conflicts when company: conflict = true; break;
            case FeatureVerdict.Conflicts: score -= 0.03; break;
        }
        // The conflict factor applies last, so a look-alike never scores above it whatever else agrees.
        score = Math.Clamp(score, 0, 1);
        return conflict ? score * MatchingThresholds.ConflictFactor : score;
    }

    private static double BestName(PreparedSubject w, PreparedSubject p, List<FeatureExplanation>? why)
    {
        if (w.Names.Length == 0 || p.Names.Length == 0)
        {
            why?.Add(new("name", FeatureVerdict.NotCompared, w.Names.Length == 0 ? "the alert names no name" : "no name given"));
            return 0;
        }
        double best = 0;
        (PreparedName W, PreparedName P)? bestPair = null;
        foreach (var wn in w.Names)
        {
            foreach (var pn in p.Names)
            {
                var s = NameComparison.Score(wn, pn, null, out _);
                if (s > best || bestPair is null) (best, bestPair) = (s, (wn, pn));
            }
        }
        if (why is not null)
        {
            var pairs = new List<TokenPair>();
            var (wn, pn) = bestPair!.Value;
            NameComparison.Score(wn, pn, pairs, out var reordered);
            var verdict = best >= 0.97 ? FeatureVerdict.Agrees : best >= 0.7 ? FeatureVerdict.Partial : FeatureVerdict.Conflicts;
            var aliases = w.Names.Length > 1 ? $" (best of {w.Names.Length} names and aliases)" : "";
            why.Add(new("name", verdict, $"similarity {NameComparison.Describe(wn, pn, best, pairs, reordered)}{aliases}"));
        }
        return best;
    }

    private static FeatureVerdict BirthDate(PartialDate? w, PartialDate? p, List<FeatureExplanation>? why)
    {
        const string Feature = "birth date";
        if (w is not { } a || p is not { } b)
        {
            why?.Add(new(Feature, FeatureVerdict.NotCompared, w is null ? "the alert gives no birth date" : "no birth date given"));
            return FeatureVerdict.NotCompared;
        }
        if (a.Year != b.Year)
        {
            why?.Add(new(Feature, FeatureVerdict.Conflicts, $"conflict: {b} checked, {a} in the alert"));
            return FeatureVerdict.Conflicts;
        }
        if (a.IsFull && b.IsFull)
        {
            if (a == b)
            {
                why?.Add(new(Feature, FeatureVerdict.Agrees, $"exact: {a}"));
                return FeatureVerdict.Agrees;
            }
            if (a.Month == b.Day && a.Day == b.Month)
            {
                why?.Add(new(Feature, FeatureVerdict.Partial, $"same year, day and month swapped: {b} checked, {a} in the alert"));
                return FeatureVerdict.Partial;
            }
            why?.Add(new(Feature, FeatureVerdict.Conflicts, $"conflict: {b} checked, {a} in the alert (same year)"));
            return FeatureVerdict.Conflicts;
        }
        if (a.Month is { } am && b.Month is { } bm && am != bm)
        {
            why?.Add(new(Feature, FeatureVerdict.Conflicts, $"conflict: {b} checked, {a} in the alert (same year)"));
            return FeatureVerdict.Conflicts;
        }
        why?.Add(new(Feature, FeatureVerdict.Partial, $"year {a.Year} agrees (one side gives only {(a.IsFull ? b : a)})"));
        return FeatureVerdict.Partial;
    }

    private static FeatureVerdict Countries(PreparedSubject w, PreparedSubject p, List<FeatureExplanation>? why, string feature)
    {
        if (w.Countries.Length == 0 || p.Countries.Length == 0)
        {
            why?.Add(new(feature, FeatureVerdict.NotCompared, w.Countries.Length == 0 ? "the alert gives none" : "none given"));
            return FeatureVerdict.NotCompared;
        }
        if (why is null)
        {
            foreach (var c in p.Countries)
                if (Array.IndexOf(w.Countries, c) >= 0) return FeatureVerdict.Agrees;
            return FeatureVerdict.Conflicts;
        }
        var common = w.Countries.Intersect(p.Countries).ToList();
        if (common.Count > 0)
        {
            why?.Add(new(feature, FeatureVerdict.Agrees, $"{string.Join(", ", common)} agrees"));
            return FeatureVerdict.Agrees;
        }
        why?.Add(new(feature, FeatureVerdict.Conflicts, $"conflict: {string.Join(", ", p.Countries)} checked, {string.Join(", ", w.Countries)} in the alert"));
        return FeatureVerdict.Conflicts;
    }

    private static FeatureVerdict LegalForm(LegalForm[] watched, LegalForm[] probe, List<FeatureExplanation>? why)
    {
        const string Feature = "legal form";
        var ws = watched.Where(f => f.Family != LegalForms.Unspecified).ToList();
        var ps = probe.Where(f => f.Family != LegalForms.Unspecified).ToList();
        string Codes(IEnumerable<LegalForm> forms) => string.Join("/", forms.Select(f => f.Code));
        if (ws.Count == 0 || ps.Count == 0)
        {
            why?.Add(new(Feature, FeatureVerdict.NotCompared, watched.Length == 0 && probe.Length == 0 ? "neither name gives one" : $"{(probe.Length == 0 ? "none" : Codes(probe))} checked, {(watched.Length == 0 ? "none" : Codes(watched))} in the alert: not compared"));
            return FeatureVerdict.NotCompared;
        }
        if (ps.FirstOrDefault(p => ws.Any(w => w.Code == p.Code)) is { } same)
        {
            why?.Add(new(Feature, FeatureVerdict.Agrees, $"same: {same}"));
            return FeatureVerdict.Agrees;
        }
        if (ps.FirstOrDefault(p => ws.Any(w => w.Family == p.Family)) is { } family)
        {
            why?.Add(new(Feature, FeatureVerdict.Partial, $"same family: {family.Code} checked, {Codes(ws.Where(w => w.Family == family.Family))} in the alert, both {family.Family}"));
            return FeatureVerdict.Partial;
        }
        why?.Add(new(Feature, FeatureVerdict.Conflicts, $"differs: {string.Join("/", ps)} checked, {string.Join("/", ws)} in the alert"));
        return FeatureVerdict.Conflicts;
    }

    /// <summary>Equal when a probe identifier equals one of the watched subject's (same scheme, or the probe names none); a conflict when the same scheme holds another value and none is equal.</summary>
    private static (FeatureVerdict Verdict, PreparedIdentifier? Equal) Identifiers(PreparedSubject w, PreparedSubject p, List<FeatureExplanation>? why)
    {
        const string Feature = "identifier";
        PreparedIdentifier? conflictW = null, conflictP = null;
        foreach (var pi in p.Identifiers)
        {
            foreach (var wi in w.Identifiers)
            {
                var sameScheme = pi.Scheme is null || wi.Scheme is null || pi.Scheme == wi.Scheme;
                if (!sameScheme) continue;
                if (pi.Value == wi.Value)
                {
                    why?.Add(new(Feature, FeatureVerdict.Agrees, $"equal: {wi.Scheme ?? pi.Scheme ?? "identifier"} {wi.Value}" + (pi.Original.Value != wi.Original.Value ? $" ('{pi.Original.Value}' checked, '{wi.Original.Value}' in the alert, equal after normalisation)" : "")));
                    return (FeatureVerdict.Agrees, wi);
                }
                if (pi.Scheme is not null && wi.Scheme is not null) (conflictW, conflictP) = (wi, pi);
            }
        }
        if (conflictW is not null)
        {
            why?.Add(new(Feature, FeatureVerdict.Conflicts, $"different {conflictW.Scheme}: {conflictP!.Value} checked, {conflictW.Value} in the alert"));
            return (FeatureVerdict.Conflicts, null);
        }
        if (why is not null && (w.Identifiers.Length > 0 || p.Identifiers.Length > 0))
            why.Add(new(Feature, FeatureVerdict.NotCompared, w.Identifiers.Length == 0 ? "the alert gives none" : p.Identifiers.Length == 0 ? "none given" : "no scheme in common"));
        return (FeatureVerdict.NotCompared, null);
    }

    private static double Transport(PreparedSubject w, PreparedSubject p, List<FeatureExplanation>? why)
    {
        var (verdict, equal) = Identifiers(w, p, why);
        double score;
        if (verdict == FeatureVerdict.Agrees) score = 1;
        else if (verdict == FeatureVerdict.Conflicts) score = 0.6 * BestName(w, p, why);
        else score = 0.9 * BestName(w, p, why);
        var countries = Countries(w, p, why, equal?.Scheme == IdentifierSchemes.Plate ? "registration country" : "country");
        if (countries == FeatureVerdict.Agrees && verdict != FeatureVerdict.Agrees) score += 0.03;
        score = Math.Clamp(score, 0, 1);
        return countries == FeatureVerdict.Conflicts && (equal is null || equal.Scheme is IdentifierSchemes.Plate or null) ? score * MatchingThresholds.ConflictFactor : score;
    }

    private static double IdentifierOnly(PreparedSubject w, PreparedSubject p, List<FeatureExplanation>? why)
    {
        var (verdict, _) = Identifiers(w, p, why);
        return verdict == FeatureVerdict.Agrees ? 1 : 0;
    }

    /// <summary>Goods: each criterion the alert sets (HS prefix, origin, description terms, brand) scores 0 to 1; the score is their mean; an HS code outside the prefix or another origin is a conflict.</summary>
    private static double Goods(PreparedSubject w, PreparedSubject p, List<FeatureExplanation>? why)
    {
        double sum = 0;
        var criteria = 0;
        var conflict = false;
        if (w.Hs is { Length: > 0 } prefix)
        {
            criteria++;
            if (p.Hs is not { Length: > 0 } code) why?.Add(new("hs code", FeatureVerdict.NotCompared, $"none given (alert: {prefix}*)"));
            else if (code.StartsWith(prefix, StringComparison.Ordinal)) { sum += 1; why?.Add(new("hs code", FeatureVerdict.Agrees, $"{code} is under {prefix}")); }
            else { conflict = true; why?.Add(new("hs code", FeatureVerdict.Conflicts, $"{code} is outside {prefix}")); }
        }
        if (w.Countries.Length > 0)
        {
            criteria++;
            switch (Countries(w, p, why, "origin"))
            {
                case FeatureVerdict.Agrees: sum += 1; break;
                case FeatureVerdict.NotCompared: sum += 0.5; break;
                case FeatureVerdict.Conflicts: conflict = true; break;
            }
        }
        var words = p.Terms.Concat(p.Brand).ToArray();
        if (w.Terms.Length > 0)
        {
            criteria++;
            var found = w.Terms.Where(t => Contains(words, t)).ToList();
            sum += (double)found.Count / w.Terms.Length;
            why?.Add(new("description", found.Count == w.Terms.Length ? FeatureVerdict.Agrees : found.Count > 0 ? FeatureVerdict.Partial : FeatureVerdict.NotCompared,
                $"{found.Count} of {w.Terms.Length} terms found" + (found.Count > 0 ? $" ({string.Join(", ", found)})" : "")));
        }
        if (w.Brand.Length > 0)
        {
            criteria++;
            var found = w.Brand.All(b => Contains(words, b));
            if (found) sum += 1;
            why?.Add(new("brand", found ? FeatureVerdict.Agrees : FeatureVerdict.NotCompared, found ? $"{w.Subject.Brand} found" : $"{w.Subject.Brand} not found"));
        }
        if (criteria == 0) return 0;
        var score = sum / criteria;
        return conflict ? score * MatchingThresholds.ConflictFactor : score;
    }

    private static bool Contains(string[] words, string term)
    {
        foreach (var word in words)
            if (word == term || (term.Length >= 5 && Similarity.JaroWinkler(word, term) >= 0.93)) return true;
        return false;
    }
}
