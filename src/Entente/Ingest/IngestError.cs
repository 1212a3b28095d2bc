namespace Entente.Ingest;

/// <summary>
/// Where a problem is, and what was expected. <see cref="Line"/> is the 1-based line (CSV, JSON, XML)
/// or segment number (EDIFACT, with <see cref="Segment"/> set); <see cref="Path"/> is a pointer in the
/// source (XML element path, EDIFACT segment/element, CSV column) or in the canonical model (JSON pointer).
/// </summary>
public sealed record IngestError(string File, long? Line, string Path, string Message)
{
    public int? Segment { get; init; }

    /// <summary>The finding code (<see cref="Declarations.FindingCodes"/>) when this is a finding on a stored declaration, not an error.</summary>
    public string? Code { get; init; }

    public override string ToString()
    {
        var where = Line is { } l ? $"{File}:{(Segment is { } s ? $"segment {s} (line {l})" : l.ToString(System.Globalization.CultureInfo.InvariantCulture))}" : File;
        // An EDIFACT error on a whole segment has the segment as its path: the place already names it.
        var path = Segment is { } n && Path == string.Create(System.Globalization.CultureInfo.InvariantCulture, $"segment {n}") && Line is not null ? "" : Path;
        return string.IsNullOrEmpty(path) ? $"{where}: {Message}" : $"{where}: {path}: {Message}";
    }
}

/// <summary>Thrown by a reader when the input cannot be read further (truncated, not the format, unsafe).</summary>
public sealed class IngestFormatException(IngestError error) : Exception(error.ToString())
{
    public IngestError Error { get; } = error;
}
