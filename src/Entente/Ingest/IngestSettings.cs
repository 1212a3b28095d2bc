using System.ComponentModel.DataAnnotations;
using Entente.Declarations;

namespace Entente.Ingest;

/// <summary>
/// How this node judges what it is given: section Entente:Ingest of HOME/entente.json (docs/configuration.md,
/// docs/formats/findings.md).
/// </summary>
public sealed class IngestSettings : IValidatableObject
{
    public const string Section = "Entente:Ingest";

    /// <summary>The ISO 4217 currency an amount that names none is in (national EDIFACT guides leave it implied); a finding says so.</summary>
    public string? NationalCurrency { get; set; }

    /// <summary>Finding codes this node refuses instead of keeping (an administration that wants the gate).</summary>
    public List<string> Refuse { get; set; } = [];

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (NationalCurrency is not null && !CodeLists.CodeLists.Default.IsCurrency(NationalCurrency))
            yield return new ValidationResult($"NationalCurrency: expected an ISO 4217 currency code (ZAR, NZD, EUR), got '{NationalCurrency}'", [nameof(NationalCurrency)]);
        foreach (var code in Refuse.Where(c => !FindingCodes.IsKnown(c)))
            yield return new ValidationResult($"Refuse: '{code}' is not a finding code; expected any of {string.Join(", ", FindingCodes.All.Keys)}", [nameof(Refuse)]);
    }
}
