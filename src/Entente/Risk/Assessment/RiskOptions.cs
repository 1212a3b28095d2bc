namespace Entente.Risk.Assessment;

/// <summary>Risk settings: section Risk (RISK__ASSESSONINGEST=false in the environment, or in HOME/entente.json).</summary>
public sealed class RiskOptions
{
    public const string Section = "Risk";

    /// <summary>Assess what ingest stored whenever a rule set or model is in service (default true).</summary>
    public bool AssessOnIngest { get; set; } = true;

    public RiskSettings Settings() => new(AssessOnIngest);
}
