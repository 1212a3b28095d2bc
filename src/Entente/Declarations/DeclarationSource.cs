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

public static class DeclarationFormats
{
    /// <summary>The format's name on the command line and in the API (wco-xml, edifact, json, csv).</summary>
    public static string Name(DeclarationFormat format) => format switch
    {
        DeclarationFormat.WcoXml => "wco-xml",
        DeclarationFormat.Edifact => "edifact",
        DeclarationFormat.Json => "json",
        DeclarationFormat.Csv => "csv",
        _ => "auto",
    };
}

/// <summary>Inspection results delivered with historical data (for example the Fraud columns of a national extract).</summary>
public sealed record InspectionLabels(bool Fraud, int? CriticalFraud, decimal? RevenueRecovered);

public sealed record PendingDeclaration(Declaration Declaration, InspectionLabels? Labels, DeclarationFormat Format, string SourceFile);
