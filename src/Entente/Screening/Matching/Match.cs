namespace Entente.Screening.Matching;

public enum FeatureVerdict { Agrees, Partial, Conflicts, NotCompared }

/// <summary>One feature of a comparison (name, birth date, country, identifier, legal form, HS code, origin, description, brand) in words.</summary>
public sealed record FeatureExplanation(string Feature, FeatureVerdict Verdict, string Text)
{
    public override string ToString() => $"{Feature}: {Text}";
}

/// <summary>A watched subject found close to a probe: which alert, the score in [0,1], the threshold of its kind, and why.</summary>
public sealed record Match(string AlertId, SubjectKind Kind, double Score, double Threshold, IReadOnlyList<FeatureExplanation> Explanation)
{
    public bool IsHit => Score >= Threshold;

    public override string ToString() => $"{AlertId} {Kind} {Score:0.000} (threshold {Threshold:0.00}): {string.Join("; ", Explanation)}";
}

/// <summary>A match of one subject of a declaration (its index in <see cref="DeclarationProbe.Subjects"/>).</summary>
public sealed record DeclarationMatch(int SubjectIndex, Subject Probe, Match Match);
