namespace Entente.Ingest;

/// <summary>
/// Where a problem is, and what was expected. <see cref="Line"/> is the 1-based line (CSV, JSON, XML)
/// or segment number (EDIFACT, with <see cref="Segment"/> set); <see cref="Path"/> is a pointer in the
/// source (XML element path, EDIFACT segment/element, CSV column) or in the canonical model (JSON pointer).
/// </summary>
public sealed record IngestError(string File, long? Line, string Path, string Message)
{
    public int? Segment { get; init; }

    public override string ToString()
    {
        var where = Line is { } l ? $"{File}:{(Segment is { } s ? $"segment {s} (line {l})" : l.ToString(System.Globalization.CultureInfo.InvariantCulture))}" : File;
        return string.IsNullOrEmpty(Path) ? $"{where}: {Message}" : $"{where}: {Path}: {Message}";
    }
}

/// <summary>Thrown by a reader when the input cannot be read further (truncated, not the format, unsafe).</summary>
public sealed class IngestFormatException(IngestError error) : Exception(error.ToString())
{
    public IngestError Error { get; } = error;
}
