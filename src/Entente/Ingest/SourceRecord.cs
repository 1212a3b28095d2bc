using Entente.Declarations;

namespace Entente.Ingest;

/// <summary>Where a value came from in the source file.</summary>
public readonly record struct SourceLocation(long Line, string Path);

/// <summary>
/// One record read from a file: a declaration (or the reasons it could not be read), where it starts,
/// and, when the source carries them, inspection labels (kept apart from declaration data).
/// </summary>
public sealed class SourceRecord
{
    public required string File { get; init; }

    /// <summary>1-based line where the record starts (EDIFACT: the line of its UNH segment).</summary>
    public required long Line { get; init; }

    /// <summary>EDIFACT: number of the UNH segment within the interchange.</summary>
    public int? Segment { get; init; }

    /// <summary>Path of the record in the source (XML element path, "UNH 3", "row 17").</summary>
    public required string RecordPath { get; init; }

    public Declaration? Declaration { get; set; }

    /// <summary>Problems the reader met (bad numbers, dates, unknown codes it could not map).</summary>
    public List<IngestError> Errors { get; } = [];

    /// <summary>What the reader kept without understanding (a national qualifier): findings, judged with the validator's.</summary>
    public List<ValidationProblem> ReaderFindings { get; } = [];

    /// <summary>Inspection labels carried by the file (e.g. a Fraud column), never stored as declaration data.</summary>
    public InspectionLabels? Labels { get; set; }

    /// <summary>Maps a canonical JSON pointer to the place in the source it was read from, when the reader knows it.</summary>
    public Func<string, SourceLocation?>? Locate { get; set; }

    public void AddError(string path, string message, long? line = null) =>
        Errors.Add(new IngestError(File, line ?? Line, path, message) { Segment = Segment });

    /// <summary>Turns a validation problem on the canonical model into an error that points into the source.</summary>
    public IngestError ErrorFor(ValidationProblem problem)
    {
        if (Locate is not null)
        {
            // The most specific known location: the pointer itself, then its parents.
            for (var path = problem.Path; path.Length > 0; path = path[..Math.Max(0, path.LastIndexOf('/'))])
            {
                if (Locate(path) is { } at)
                {
                    var message = at.Path == problem.Path ? problem.Message : $"{problem.Message} (canonical {problem.Path})";
                    return new IngestError(File, at.Line, at.Path, message) { Segment = Segment };
                }
            }
        }
        return new IngestError(File, Line, problem.Path, problem.Message) { Segment = Segment };
    }
}

/// <summary>Reads declarations from a stream, one record at a time, without holding the file in memory.</summary>
public interface IDeclarationReader
{
    DeclarationFormat Format { get; }

    /// <summary>
    /// Yields records as they are read. A record with errors is still yielded so the caller can report it.
    /// Throws <see cref="IngestFormatException"/> when the file cannot be read any further (truncated, unsafe, not this format).
    /// </summary>
    IEnumerable<SourceRecord> Read(Stream stream, string fileName, CancellationToken cancellationToken = default);
}
