namespace Entente.Declarations;

/// <summary>The format a declaration arrived in.</summary>
public enum DeclarationFormat
{
    Auto,
    WcoXml,
    Edifact,
    Json,
    Csv,
}

/// <summary>Inspection results delivered with historical data (for example the Fraud columns of a national extract).</summary>
public sealed record InspectionLabels(bool Fraud, int? CriticalFraud, decimal? RevenueRecovered);

public sealed record PendingDeclaration(Declaration Declaration, InspectionLabels? Labels, DeclarationFormat Format, string SourceFile);
