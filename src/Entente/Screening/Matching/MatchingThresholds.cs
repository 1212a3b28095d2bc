using System.ComponentModel.DataAnnotations;

namespace Entente.Screening.Matching;

/// <summary>
/// The score from which a comparison is a hit, per subject kind: section Entente:Screening:Thresholds of
/// HOME/entente.json (docs/matching.md says how the defaults were chosen and how to tune them). A conflicting
/// strong attribute multiplies a score by 0.6, so a threshold must stay above 0.6 for look-alikes never to hit.
/// </summary>
public sealed class MatchingThresholds : IValidatableObject
{
    public const string Section = "Entente:Screening:Thresholds";

    /// <summary>What a conflict (another birth date, another identifier of the same scheme, a company in another country) multiplies the score by.</summary>
    public const double ConflictFactor = 0.6;

    public double Person { get; set; } = 0.85;
    public double Company { get; set; } = 0.85;
    public double Transport { get; set; } = 0.9;
    public double Container { get; set; } = 0.99;
    public double Goods { get; set; } = 0.9;
    public double Document { get; set; } = 0.99;

    public static MatchingThresholds Default { get; } = new();

    public double For(SubjectKind kind) => kind switch
    {
        SubjectKind.Person => Person,
        SubjectKind.Company => Company,
        SubjectKind.Transport => Transport,
        SubjectKind.Container => Container,
        SubjectKind.Goods => Goods,
        SubjectKind.Document => Document,
        _ => throw new ArgumentOutOfRangeException(nameof(kind)),
    };

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        foreach (var (name, value) in new[] { (nameof(Person), Person), (nameof(Company), Company), (nameof(Transport), Transport), (nameof(Container), Container), (nameof(Goods), Goods), (nameof(Document), Document) })
            if (!(value > ConflictFactor && value <= 1))
                yield return new ValidationResult($"{Section}:{name}: expected a score above {ConflictFactor} and at most 1 (above {ConflictFactor} so that a conflicting birth date or identifier never hits), got {value}", [name]);
    }
}
