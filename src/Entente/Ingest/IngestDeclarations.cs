using Entente.Declarations;
using Entente.Ingest.Csv;
using Entente.Storage;
using Microsoft.Extensions.Logging;

namespace Entente.Ingest;

public sealed record IngestErrorDto(string File, long? Line, string Path, string Message);

/// <summary>A finding on a stored declaration, where it is in the source and in the canonical declaration.</summary>
public sealed record IngestFindingDto(string File, long? Line, string Path, string Code, string Message);

public sealed record IngestResult(long Accepted, long Rejected, long Duplicates, IReadOnlyList<IngestErrorDto> Errors, IReadOnlyList<IngestErrorDto> DuplicateRecords)
{
    /// <summary>Declarations assessed after the ingest (when a rule set or model is in service).</summary>
    public long? Assessed { get; init; }

    /// <summary>Findings on the stored declarations by code (docs/formats/findings.md).</summary>
    public IReadOnlyDictionary<string, long> Findings { get; init; } = new Dictionary<string, long>();

    /// <summary>The findings, each where it is (listed up to the report's limit).</summary>
    public IReadOnlyList<IngestFindingDto> FindingDetails { get; init; } = [];

    /// <summary>Amendments and replacements applied to stored declarations.</summary>
    public long Amended { get; init; }

    /// <summary>Cancellations applied (the declarations invalidated).</summary>
    public long Cancelled { get; init; }

    /// <summary>Amendments of declarations the node does not hold, kept until they arrive.</summary>
    public long PendingAmendments { get; init; }

    public static IngestResult From(IngestReport report) => new(
        report.Accepted, report.Rejected, report.Duplicates,
        report.Errors.Select(ToDto).ToList(), report.DuplicateRecords.Select(ToDto).ToList())
    {
        Findings = report.FindingCounts,
        FindingDetails = report.Findings.Select(f => new IngestFindingDto(f.File, f.Line, ToDto(f).Path, f.Code!, f.Message)).ToList(),
        Amended = report.Amended,
        Cancelled = report.Cancelled,
        PendingAmendments = report.PendingAmendments,
    };

    public static IngestErrorDto ToDto(IngestError e) =>
        new(e.File, e.Line, e.Segment is { } s && !e.Path.StartsWith("segment", StringComparison.Ordinal) ? $"segment {s}: {e.Path}" : e.Path, e.Message);
}

/// <summary>
/// What happens to declarations once stored (the risk desk assesses them when targeting is in service). Defined here,
/// implemented by the feature that reacts, registered by the host.
/// </summary>
public interface IIngestFollowUp
{
    /// <summary>Acts on what an ingest stored; returns how many declarations it assessed, or null when it did nothing.</summary>
    Task<long?> AfterIngestAsync(IngestReport report, bool wanted, CancellationToken cancellationToken);
}

/// <summary>Where a file, a request body or a stream of declarations comes from and how to read it.</summary>
public sealed record IngestInput(DeclarationFormat Format, CsvMapping? Mapping, bool Partial)
{
    /// <summary>Assess what was stored when targeting is in service (false: leave it for `risk assess --pending`).</summary>
    public bool Assess { get; init; } = true;

    /// <summary>A command-line load into an empty store may write a new database file (docs/storage.md).</summary>
    public bool BulkLoad { get; init; }

    /// <summary>Every finding refuses its record (`ingest --strict`).</summary>
    public bool Strict { get; init; }

    /// <summary>The name a file is known by, when not its path (see <see cref="IngestOptions.Names"/>).</summary>
    public IReadOnlyDictionary<string, string>? Names { get; init; }

    /// <summary>Inputs named that hold nothing to read (an empty directory): counted as failed files.</summary>
    public IReadOnlyList<(string Name, string Problem)> Unread { get; init; } = [];
}

/// <summary>The outcome of an ingest: the report, and how many declarations were assessed after it.</summary>
public sealed record IngestOutcome(IngestReport Report, long? Assessed, string? AssessmentProblem);

/// <summary>
/// Ingest declarations, then let what follows ingest act (assessment). The API's POST /api/declarations and the CLI's
/// `entente ingest` both run this; the declarations are stored whatever a follow-up does.
/// </summary>
/// Follow-ups are asked for only once something was stored (a command-line bulk load needs the database to itself until then).
public sealed class IngestDeclarations(IDeclarationStore store, Func<IEnumerable<IIngestFollowUp>> followUps, ILoggerFactory? loggers = null, IngestSettings? settings = null)
{
    public async Task<IngestOutcome> FilesAsync(IReadOnlyList<string> paths, IngestInput input, IProgress<IngestProgress>? progress, CancellationToken cancellationToken)
    {
        var options = Options(input);
        var report = await Ingest().IngestFilesAsync(paths, options, progress, cancellationToken);
        foreach (var (name, problem) in input.Unread) DeclarationIngest.AddFailedFile(report, name, problem, options);
        return await FollowUpAsync(report, input, cancellationToken);
    }

    public async Task<IngestOutcome> StreamAsync(Stream stream, string name, IngestInput input, CancellationToken cancellationToken)
    {
        var report = await Ingest().IngestStreamAsync(stream, name, Options(input), cancellationToken);
        return await FollowUpAsync(report, input, cancellationToken);
    }

    /// <summary>A known mapping name: from the node's mappings folder, else those shipped with Entente; null for a name that is not one.</summary>
    public static string? FindMapping(string name, string mappingsFolder)
    {
        if (name.Length is 0 or > 64 || !name.All(c => char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c) || c == '-')) return null;
        foreach (var folder in new[] { mappingsFolder, Path.Combine(AppContext.BaseDirectory, "mappings") })
        {
            var path = Path.Combine(folder, name + ".yaml");
            if (File.Exists(path)) return path;
        }
        return null;
    }

    private DeclarationIngest Ingest() => loggers is null ? new DeclarationIngest(store) : new DeclarationIngest(store, loggers.CreateLogger<DeclarationIngest>());

    private IngestOptions Options(IngestInput input) => new()
    {
        Format = input.Format,
        Mapping = input.Mapping,
        Partial = input.Partial,
        BulkLoad = input.BulkLoad,
        Strict = input.Strict,
        Names = input.Names,
        NationalCurrency = settings?.NationalCurrency?.ToUpperInvariant(),
        RefuseFindings = settings?.Refuse ?? [],
    };

    private async Task<IngestOutcome> FollowUpAsync(IngestReport report, IngestInput input, CancellationToken cancellationToken)
    {
        // Amendments alone (nothing new stored) still follow up: each is a new version of a declaration, screened again.
        if ((report.Accepted == 0 && report.AmendedIds.Count == 0) || !report.Files.TrueForAll(f => f.Committed)) return new IngestOutcome(report, null, null);
        long? assessed = null;
        try
        {
            foreach (var followUp in followUps())
            {
                if (await followUp.AfterIngestAsync(report, input.Assess, cancellationToken) is { } n) assessed = (assessed ?? 0) + n;
            }
        }
        catch (InvalidDataException e)
        {
            // The declarations are stored: a targeting problem is the node's to fix, not the sender's.
            return new IngestOutcome(report, assessed, e.Message);
        }
        return new IngestOutcome(report, assessed, null);
    }
}
