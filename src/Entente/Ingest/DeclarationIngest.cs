using System.Threading.Channels;
using Entente.Declarations;
using Entente.Ingest.Csv;
using Entente.Ingest.Edifact;
using Entente.Ingest.Json;
using Entente.Ingest.WcoXml;

using Entente.Storage;
using Microsoft.Extensions.Logging;

namespace Entente.Ingest;

public sealed record IngestOptions
{
    public DeclarationFormat Format { get; init; } = DeclarationFormat.Auto;

    /// <summary>Column mapping for CSV extracts; required when the format is (or is detected as) CSV.</summary>
    public CsvMapping? Mapping { get; init; }

    /// <summary>Keep the good records of a file with bad ones; by default a file is all-or-nothing.</summary>
    public bool Partial { get; init; }

    /// <summary>
    /// Declarations handed from the reading thread to the writer at a time. Small batches keep what is in flight young:
    /// it dies before the garbage collector would promote it (4,000 in flight cost a quarter of the ingest rate).
    /// </summary>
    public int BatchSize { get; init; } = 256;

    /// <summary>
    /// The caller is the store's only user in this process while the files load (a command-line run): a first load into
    /// an empty SQLite store may then be written as a new file (<see cref="IDeclarationStore.BeginBulkLoadAsync"/>).
    /// </summary>
    public bool BulkLoad { get; init; }

    /// <summary>Errors listed in the report past this many are counted, not listed.</summary>
    public int MaxListedErrors { get; init; } = 1_000;

    /// <summary>The ISO 4217 currency an amount that names none is taken to be in (a finding says so); null: such an amount is refused.</summary>
    public string? NationalCurrency { get; init; }

    /// <summary>Finding codes raised to refusals (<see cref="FindingCodes"/>): the node's Entente:Ingest:Refuse.</summary>
    public IReadOnlyCollection<string> RefuseFindings { get; init; } = [];

    /// <summary>Every finding is a refusal (`ingest --strict`).</summary>
    public bool Strict { get; init; }

    /// <summary>The name a file is known by in the report and the store, when not its path (standard input spooled to a temporary file is "-").</summary>
    public IReadOnlyDictionary<string, string>? Names { get; init; }

    /// <summary>Whether a finding of this code refuses the record.</summary>
    public bool Refuses(string code) => Strict || RefuseFindings.Contains(code);
}

public sealed record IngestProgress(string File, long BytesRead, long? TotalBytes, long Records);

/// <summary>
/// What one file (or request body) gave. <see cref="Problem"/> is set when the file as a whole could not be taken (missing,
/// a directory, empty, not a declarations file, malformed): it counts in the total as a failed file.
/// </summary>
public sealed record FileIngestOutcome(string File, DeclarationFormat Format, long Accepted, long Rejected, long Duplicates, bool Committed)
{
    /// <summary>Findings on the declarations stored from this file.</summary>
    public long Findings { get; init; }

    /// <summary>Why the file as a whole was not read, when it was not.</summary>
    public string? Problem { get; init; }

    /// <summary>Amendments and replacements applied to stored declarations (each a new version of its declaration).</summary>
    public long Amended { get; init; }

    /// <summary>Cancellations applied: the declarations they name are invalidated.</summary>
    public long Cancelled { get; init; }

    /// <summary>Amendments and cancellations of declarations not stored: kept pending, applied when the declaration arrives.</summary>
    public long PendingAmendments { get; init; }

    /// <summary>stored (everything kept), partial (good records kept, others refused), refused (records refused, nothing kept) or failed (the file could not be read).</summary>
    public string Outcome => Problem is not null ? "failed"
        : !Committed ? "refused"
        : Rejected > 0 ? "partial"
        : "stored";
}

public sealed class IngestReport
{
    public long Accepted { get; private set; }
    public long Rejected { get; private set; }
    public long Duplicates { get; private set; }

    /// <summary>Amendments and replacements applied (<see cref="FileIngestOutcome.Amended"/>).</summary>
    public long Amended { get; private set; }

    /// <summary>Cancellations applied (<see cref="FileIngestOutcome.Cancelled"/>).</summary>
    public long Cancelled { get; private set; }

    /// <summary>Amendments kept pending (<see cref="FileIngestOutcome.PendingAmendments"/>).</summary>
    public long PendingAmendments { get; private set; }

    public List<IngestError> Errors { get; } = [];
    public List<IngestError> DuplicateRecords { get; } = [];
    public long UnlistedErrors { get; private set; }
    public List<FileIngestOutcome> Files { get; } = [];

    /// <summary>Findings on the stored declarations, listed up to the report's limit (each with its <see cref="IngestError.Code"/>).</summary>
    public List<IngestError> Findings { get; } = [];

    /// <summary>Findings on the stored declarations by code.</summary>
    public SortedDictionary<string, long> FindingCounts { get; } = new(StringComparer.Ordinal);

    /// <summary>Stored declarations that carry at least one finding.</summary>
    public long WithFindings { get; private set; }

    public long FilesFailed => Files.Count(f => f.Problem is not null);

    /// <summary>At most this many stored declaration ids are kept in <see cref="StoredIds"/>.</summary>
    public const int MaxStoredIds = 100_000;

    /// <summary>The node ids of the declarations stored (committed), up to <see cref="MaxStoredIds"/>: what a follow-up (screening) looks at. Not part of the report's text.</summary>
    [System.Text.Json.Serialization.JsonIgnore]
    public List<string> StoredIds { get; } = [];

    internal void AddStored(List<string> ids)
    {
        foreach (var id in ids)
        {
            if (StoredIds.Count >= MaxStoredIds) return;
            StoredIds.Add(id);
        }
    }

    /// <summary>The declarations amendments or replacements made a new version of (node id, the new version), up to <see cref="MaxStoredIds"/>: what the screening looks at again. Not part of the report's text.</summary>
    [System.Text.Json.Serialization.JsonIgnore]
    public List<(string Id, int Version)> AmendedIds { get; } = [];

    internal void AddAmended(List<(string, int)> amended)
    {
        foreach (var one in amended)
        {
            if (AmendedIds.Count >= MaxStoredIds) return;
            AmendedIds.Add(one);
        }
    }

    /// <summary>Every file committed and no record was refused.</summary>
    public bool Succeeded => Rejected == 0 && Errors.Count == 0 && UnlistedErrors == 0 && Files.TrueForAll(f => f.Committed);

    internal void Add(FileIngestOutcome outcome, IEnumerable<IngestError> errors, IEnumerable<IngestError> duplicates, long unlisted, int maxListed)
    {
        // A file that failed before any record was read says so once, as the file's problem.
        if (outcome.Problem is null && !outcome.Committed && outcome.Accepted == 0 && outcome.Rejected == 0 && outcome.Duplicates == 0
            && errors.FirstOrDefault() is { } first)
            outcome = outcome with { Problem = first.Message };
        Files.Add(outcome);
        Accepted += outcome.Accepted;
        Rejected += outcome.Rejected;
        Duplicates += outcome.Duplicates;
        Amended += outcome.Amended;
        Cancelled += outcome.Cancelled;
        PendingAmendments += outcome.PendingAmendments;
        foreach (var error in errors)
        {
            if (Errors.Count < maxListed) Errors.Add(error);
            else UnlistedErrors++;
        }
        UnlistedErrors += unlisted;
        foreach (var duplicate in duplicates)
        {
            if (DuplicateRecords.Count < maxListed) DuplicateRecords.Add(duplicate);
        }
    }

    internal void AddFindings(IReadOnlyList<IngestError> findings, int maxListed)
    {
        if (findings.Count == 0) return;
        WithFindings++;
        foreach (var finding in findings)
        {
            FindingCounts[finding.Code!] = FindingCounts.GetValueOrDefault(finding.Code!) + 1;
            if (Findings.Count < maxListed) Findings.Add(finding);
        }
    }
}

/// <summary>
/// Reads, validates and stores declarations files: one transaction per file (all-or-nothing unless partial),
/// reading, validating and preparing (<see cref="IDeclarationStore.Prepare"/>) on one thread while the previous
/// batch is written on another.
/// </summary>
public sealed class DeclarationIngest(IDeclarationStore store, ILogger<DeclarationIngest>? logger = null)
{
    /// <summary>
    /// Ingests each file in turn (one unit each). A path that cannot be read as a file (missing, a directory, unreadable)
    /// is a failed file in the report.
    /// </summary>
    public async Task<IngestReport> IngestFilesAsync(IReadOnlyList<string> paths, IngestOptions options,
        IProgress<IngestProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        var report = new IngestReport();
        foreach (var path in paths)
        {
            var name = options.Names?.GetValueOrDefault(path) ?? path;
            FileStream stream;
            try
            {
                if (Directory.Exists(path)) throw new IOException("it is a directory (name the directory alone to take the files in it)");
                stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, FileOptions.SequentialScan);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                var why = e is FileNotFoundException or DirectoryNotFoundException ? "no such file" : e.Message;
                report.Add(new FileIngestOutcome(name, options.Format, 0, 0, 0, false),
                    [new IngestError(name, null, "", $"cannot open the file: {why}")], [], 0, options.MaxListedErrors);
                continue;
            }
            await using (stream)
            {
                await IngestAsync(stream, name, options, report, progress, cancellationToken);
            }
        }
        return report;
    }

    /// <summary>Records a file that is not read at all (an empty directory named on the command line) as a failed file.</summary>
    public static void AddFailedFile(IngestReport report, string name, string problem, IngestOptions options) =>
        report.Add(new FileIngestOutcome(name, options.Format, 0, 0, 0, false), [new IngestError(name, null, "", problem)], [], 0, options.MaxListedErrors);

    public async Task<IngestReport> IngestStreamAsync(Stream stream, string name, IngestOptions options, CancellationToken cancellationToken = default)
    {
        var report = new IngestReport();
        await IngestAsync(stream, name, options, report, null, cancellationToken);
        return report;
    }

    private async Task IngestAsync(Stream input, string file, IngestOptions options, IngestReport report,
        IProgress<IngestProgress>? progress, CancellationToken cancellationToken)
    {
        var errors = new List<IngestError>();
        var duplicates = new List<IngestError>();
        long unlisted = 0;
        void Error(IngestError e)
        {
            if (errors.Count < options.MaxListedErrors) errors.Add(e);
            else unlisted++;
        }

        var stream = input.CanSeek ? input : new BufferedStream(input, 1 << 16);
        var format = options.Format;
        if (format == DeclarationFormat.Auto)
        {
            var detected = await DetectAsync(stream, cancellationToken);
            if (detected.Format is not { } f)
            {
                report.Add(new FileIngestOutcome(file, format, 0, 0, 0, false),
                    [new IngestError(file, 1, "", $"cannot tell the format: {detected.Reason}; name it with --format")], [], 0, options.MaxListedErrors);
                return;
            }
            format = f;
        }
        if (format == DeclarationFormat.Csv && options.Mapping is null)
        {
            report.Add(new FileIngestOutcome(file, format, 0, 0, 0, false),
                [new IngestError(file, 1, "", "a CSV extract needs a column mapping (--mapping FILE.yaml); see docs/formats/csv-mapping.md")], [], 0, options.MaxListedErrors);
            return;
        }
        var reader = CreateReader(format, options.Mapping);

        long accepted = 0, rejected = 0, duplicateCount = 0;
        var storedIds = new List<string>();
        var amendedIds = new List<(string, int)>();
        var failed = false;
        var storeFailed = false;
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var session = options.BulkLoad ? await store.BeginBulkLoadAsync(cancellationToken) : await store.BeginIngestAsync(cancellationToken);
        // Closed once the file's declarations are committed (the amendments then write on their own), or on the way out.
        await using var open = new DisposeOnce(session);
        // Room for two of the store's batches: enough to keep the writer busy, little enough to die young in memory.
        var capacity = Math.Max(4, 2 * session.WriteBatchSize / Math.Max(1, options.BatchSize));
        var channel = Channel.CreateBounded<List<Read>>(new BoundedChannelOptions(capacity) { SingleReader = true, SingleWriter = true });
        var sourceFile = Path.GetFileName(file);
        var total = stream.CanSeek ? stream.Length : (long?)null;

        var producer = Task.Factory.StartNew(() =>
        {
            long records = 0;
            var anyRejected = false;
            var size = Math.Max(1, options.BatchSize);
            var batch = new List<Read>(size);
            try
            {
                foreach (var record in reader.Read(stream, file, stop.Token))
                {
                    List<IngestError>? findings = null;
                    if (record.Errors.Count == 0 && record.Declaration is { } declaration)
                    {
                        if (DeclarationAmendments.KindOf(declaration, format) is { } kind)
                        {
                            if (DeclarationAmendments.TargetOf(declaration, format) is { } target)
                            {
                                batch.Add(Read.Amendment(record, new AmendmentRequest(kind, target, declaration, format, sourceFile)
                                {
                                    Reason = DeclarationAmendments.ReasonOf(declaration),
                                    KeepUnmatched = !options.Refuses(FindingCodes.UnmatchedAmendment),
                                }));
                                continue;
                            }
                            record.AddError(record.RecordPath, format == DeclarationFormat.WcoXml
                                ? $"a DMS additional message (FunctionCode {declaration.FunctionCode}: {DescribeKind(kind)}) names no declaration: its ID (the MRN of the declaration it changes) is missing"
                                : $"a CUSDEC {DescribeKind(kind)} (BGM message function {declaration.FunctionCode}) names no declaration: it has neither an MRN (RFF+ABT) nor a document number (BGM 1004)");
                        }
                        else
                        {
                            findings = Judge(record, declaration, options);
                        }
                    }
                    else if (record.Errors.Count == 0)
                    {
                        record.AddError(record.RecordPath, "the record holds no declaration");
                    }
                    if (record.Errors.Count > 0)
                    {
                        anyRejected = true;
                        batch.Add(Read.Rejected(record));
                    }
                    else
                    {
                        // What the writer will not store (a rejected file keeps nothing) is not prepared.
                        batch.Add(Read.Valid(record, options.Partial || !anyRejected
                            ? store.Prepare(new PendingDeclaration(record.Declaration!, record.Labels, format, sourceFile))
                            : null, findings));
                    }
                    if (batch.Count >= size)
                    {
                        Publish(batch);
                        records += batch.Count;
                        batch = new List<Read>(size);
                        progress?.Report(new IngestProgress(file, stream.CanSeek ? stream.Position : records, total, records));
                    }
                }
                if (batch.Count > 0) Publish(batch);
                channel.Writer.Complete();
            }
            catch (Exception e)
            {
                if (batch.Count > 0) Publish(batch);
                channel.Writer.Complete(e);
            }

            void Publish(List<Read> full)
            {
                while (!channel.Writer.TryWrite(full))
                {
                    if (!channel.Writer.WaitToWriteAsync(stop.Token).AsTask().GetAwaiter().GetResult()) return;
                }
            }
        }, stop.Token, TaskCreationOptions.LongRunning, TaskScheduler.Default);

        var pending = new List<PreparedDeclaration>();
        var pendingRecords = new List<Read>();
        var fileFindings = new List<IReadOnlyList<IngestError>>();
        var amendments = new List<Read>();
        void Take(List<Read> batch)
        {
            foreach (var read in batch)
            {
                if (read.Request is not null)
                {
                    amendments.Add(read);
                }
                else if (read.Errors is { } recordErrors)
                {
                    rejected++;
                    failed = true;
                    foreach (var e in recordErrors) Error(e);
                }
                else if (read.Prepared is { } prepared)
                {
                    pending.Add(prepared);
                    pendingRecords.Add(read);
                }
            }
        }

        pending.Capacity = session.WriteBatchSize;
        pendingRecords.Capacity = session.WriteBatchSize;
        try
        {
            while (await channel.Reader.WaitToReadAsync(cancellationToken))
            {
                pending.Clear();
                pendingRecords.Clear();
                // What the reader has ready, up to the store's batch: never waiting for more than is there.
                while (pending.Count < session.WriteBatchSize && channel.Reader.TryRead(out var batch))
                {
                    Take(batch);
                }
                if (pending.Count == 0) continue;
                IReadOnlyList<string?> results;
                try
                {
                    results = await session.AddAsync(pending, cancellationToken);
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    storeFailed = true;
                    logger?.LogError(e, "Storing declarations from {File} failed", file);
                    Error(new IngestError(file, pendingRecords[0].Line, "", $"the store refused the batch, nothing from this file was kept: {e.Message}"));
                    break;
                }
                for (var i = 0; i < results.Count; i++)
                {
                    if (results[i] is { } original)
                    {
                        duplicateCount++;
                        // Re-sending a huge file must not hold one error per record: only the listed ones are kept.
                        if (duplicates.Count >= options.MaxListedErrors) continue;
                        var r = pendingRecords[i];
                        var key = r.Mrn is not null ? $"MRN {r.Mrn}" : $"LRN {r.Lrn} from declarant {r.DeclarantId ?? "(none)"}";
                        duplicates.Add(new IngestError(file, r.Line, r.RecordPath, $"duplicate: {key} is already declaration {original}; not stored again") { Segment = r.Segment });
                    }
                    else
                    {
                        accepted++;
                        if (storedIds.Count < IngestReport.MaxStoredIds) storedIds.Add(pending[i].Id);
                        if (pendingRecords[i].Findings is { Count: > 0 } found) fileFindings.Add(found);
                    }
                }
            }
        }
        catch (IngestFormatException e)
        {
            failed = true;
            Error(e.Error);
        }
        catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            failed = true;
            Error(new IngestError(file, null, "", $"the file cannot be read as {FormatDetector.Name(format)}: {e.Message}"));
            logger?.LogWarning(e, "Ingest of {File} stopped", file);
        }
        finally
        {
            if (!channel.Reader.Completion.IsCompleted) await stop.CancelAsync();
            await producer.ContinueWith(static _ => { }, TaskScheduler.Default);
        }

        var commit = !storeFailed && (!failed || options.Partial);
        if (commit)
        {
            await session.CommitAsync(cancellationToken);
        }
        else
        {
            accepted = 0;
            fileFindings.Clear();
        }
        await open.DisposeAsync();
        long amended = 0, cancelled = 0, kept = 0;
        if (commit)
        {
            // Amendments apply once the file's declarations are stored (one may amend a declaration of the same file), in file order.
            foreach (var read in amendments)
            {
                var request = read.Request! with { Revalidate = d => Revalidate(d, file, read, options) };
                var result = await store.AmendAsync(request, cancellationToken);
                switch (result.Result)
                {
                    case AmendmentResult.Applied:
                        if (request.Kind == AmendmentKind.Cancel) cancelled++;
                        else amended++;
                        if (request.Kind != AmendmentKind.Cancel && result.DeclarationId is { } amendedId) amendedIds.Add((amendedId, (result.SupersededVersion ?? 0) + 1));
                        if (result.Findings.Count > 0) fileFindings.Add(Locate(result.Findings, file, read));
                        break;
                    case AmendmentResult.Pending:
                        kept++;
                        fileFindings.Add([new IngestError(file, read.Line, read.RecordPath,
                            $"the {DescribeKind(request.Kind)} names declaration {request.Reference}, which this node does not hold: kept pending ({result.DeclarationId}), applied when it arrives")
                            { Code = FindingCodes.UnmatchedAmendment, Segment = read.Segment }]);
                        break;
                    case AmendmentResult.Duplicate:
                        duplicateCount++;
                        if (duplicates.Count < options.MaxListedErrors)
                            duplicates.Add(new IngestError(file, read.Line, read.RecordPath,
                                $"duplicate: this {DescribeKind(request.Kind)} of {request.Reference} was received before ({result.AmendmentId}); not applied again")
                            {
                                Segment = read.Segment,
                            });
                        break;
                    case AmendmentResult.NotFound:
                        rejected++;
                        Error(new IngestError(file, read.Line, read.RecordPath,
                            $"the {DescribeKind(request.Kind)} names declaration {request.Reference}, which this node does not hold " +
                            $"(finding {FindingCodes.UnmatchedAmendment}, {(options.Strict ? "refused by --strict" : "refused by this node's Entente:Ingest:Refuse")})")
                        {
                            Segment = read.Segment,
                        });
                        break;
                    default:
                        rejected++;
                        foreach (var problem in result.Problems)
                            Error(new IngestError(file, read.Line, read.RecordPath, $"the {DescribeKind(request.Kind)} of {request.Reference} was not applied: {problem}") { Segment = read.Segment });
                        break;
                }
            }
            // Amendments kept earlier for a declaration this file brought are applied now.
            if (accepted > 0)
            {
                foreach (var result in await store.ApplyPendingAmendmentsAsync(d => Revalidate(d, file, null, options), cancellationToken))
                {
                    if (result.Result != AmendmentResult.Applied) continue;
                    if (result.To == DeclarationStatus.Invalidated) cancelled++;
                    else amended++;
                    if (result.To != DeclarationStatus.Invalidated && result.DeclarationId is { } amendedId) amendedIds.Add((amendedId, (result.SupersededVersion ?? 0) + 1));
                }
            }
        }
        var outcome = new FileIngestOutcome(file, format, accepted, rejected, duplicateCount, commit)
        {
            Findings = fileFindings.Sum(f => (long)f.Count),
            Amended = amended,
            Cancelled = cancelled,
            PendingAmendments = kept,
        };
        // A file that could not be read through (not the format, truncated, unsafe) failed as a file, even past good records.
        if (failed && rejected == 0 && !storeFailed && errors.Count > 0) outcome = outcome with { Problem = errors[0].Message };
        report.Add(outcome, errors, duplicates, unlisted, options.MaxListedErrors);
        if (commit) report.AddStored(storedIds);
        if (commit) report.AddAmended(amendedIds);
        foreach (var found in fileFindings) report.AddFindings(found, options.MaxListedErrors);
    }

    /// <summary>
    /// What the writer needs of a record read and validated: its errors, or the declaration prepared for the store (when
    /// it is to be stored) and what a duplicate report names. The declaration itself is not kept: memory stays with
    /// what is written.
    /// </summary>
    private sealed record Read(
        List<IngestError>? Errors, PreparedDeclaration? Prepared, long Line, string RecordPath, int? Segment,
        string? Mrn, string? Lrn, string? DeclarantId, List<IngestError>? Findings)
    {
        /// <summary>An amendment or cancellation, applied once the file's declarations are stored.</summary>
        public AmendmentRequest? Request { get; init; }

        /// <summary>Maps the amended declaration's findings back into the amendment's source.</summary>
        public Func<string, SourceLocation?>? Locate { get; init; }

        public static Read Amendment(SourceRecord record, AmendmentRequest request) =>
            new(null, null, record.Line, record.RecordPath, record.Segment, null, null, null, null) { Request = request, Locate = record.Locate };

        public static Read Rejected(SourceRecord record) => new(record.Errors, null, record.Line, record.RecordPath, record.Segment, null, null, null, null);

        public static Read Valid(SourceRecord record, PreparedDeclaration? prepared, List<IngestError>? findings)
        {
            var d = record.Declaration!;
            return new(null, prepared, record.Line, record.RecordPath, record.Segment, d.Mrn, d.Lrn, d.FindParty(PartyRole.Declarant)?.Id, findings);
        }
    }

    /// <summary>
    /// Validates a declaration read without errors: a refusal becomes a record error, a finding (unless the node raises
    /// its code to a refusal) is kept on the declaration and returned, located in the source, for the report.
    /// </summary>
    internal static List<IngestError>? Judge(SourceRecord record, Declaration declaration, IngestOptions options)
    {
        // What the sender wrote as findings is not the node's judgement: findings are always this node's own.
        declaration.Findings = null;
        var problems = new List<ValidationProblem>();
        if (ImpliedCurrency.Fill(declaration, options.NationalCurrency) is { } missing)
            problems.AddRange(missing.Select(path => ImpliedCurrency.Problem(path, options.NationalCurrency)));
        problems.AddRange(record.ReaderFindings);
        problems.AddRange(DeclarationValidator.Validate(declaration));
        List<IngestError>? located = null;
        foreach (var problem in problems)
        {
            if (problem.Code is not { } code)
            {
                record.Errors.Add(record.ErrorFor(problem));
            }
            else if (options.Refuses(code))
            {
                var why = options.Strict ? "refused by --strict" : "refused by this node's Entente:Ingest:Refuse";
                record.Errors.Add(record.ErrorFor(problem with { Message = $"{problem.Message} (finding {code}, {why})" }));
            }
            else
            {
                (declaration.Findings ??= []).Add(new Finding(code, problem.Path, problem.Message));
                (located ??= []).Add(record.ErrorFor(problem) with { Code = code });
            }
        }
        if (record.Errors.Count > 0)
        {
            declaration.Findings = null;
            return null;
        }
        return located;
    }

    private static async Task<(DeclarationFormat? Format, string Reason)> DetectAsync(Stream stream, CancellationToken cancellationToken)
    {
        var buffer = new byte[FormatDetector.SniffLength];
        var read = 0;
        if (stream.CanSeek)
        {
            var start = stream.Position;
            while (read < buffer.Length && await stream.ReadAsync(buffer.AsMemory(read), cancellationToken) is var n and > 0) read += n;
            stream.Position = start;
        }
        else
        {
            throw new InvalidOperationException("format detection needs a seekable stream");
        }
        var format = FormatDetector.Detect(buffer.AsSpan(0, read), out var reason);
        return (format, reason);
    }

    private sealed class DisposeOnce(IAsyncDisposable inner) : IAsyncDisposable
    {
        private bool _done;

        public ValueTask DisposeAsync()
        {
            if (_done) return ValueTask.CompletedTask;
            _done = true;
            return inner.DisposeAsync();
        }
    }

    private static string DescribeKind(AmendmentKind kind) => kind switch
    {
        AmendmentKind.Amend => "amendment",
        AmendmentKind.Replace => "replacement",
        _ => "cancellation",
    };

    // The declaration as amended is judged as a new one is: refusals refuse the amendment, findings are its findings.
    private static IReadOnlyList<string> Revalidate(Declaration amended, string file, Read? read, IngestOptions options)
    {
        var record = new SourceRecord { File = file, Line = read?.Line ?? 1, RecordPath = read?.RecordPath ?? "" };
        Judge(record, amended, options);
        return record.Errors.Select(e => e.Path.Length > 0 ? $"{e.Path}: {e.Message}" : e.Message).ToList();
    }

    private static List<IngestError> Locate(IReadOnlyList<Finding> findings, string file, Read read)
    {
        var record = new SourceRecord { File = file, Line = read.Line, RecordPath = read.RecordPath, Segment = read.Segment, Locate = read.Locate };
        return findings.Select(f => record.ErrorFor(new ValidationProblem(f.Path, f.Message, f.Code)) with { Code = f.Code }).ToList();
    }

    public static IDeclarationReader CreateReader(DeclarationFormat format, CsvMapping? mapping) => format switch
    {
        DeclarationFormat.WcoXml => new WcoXmlReader(),
        DeclarationFormat.Edifact => new CusdecReader(),
        DeclarationFormat.Json => new JsonDeclarationReader(),
        DeclarationFormat.Csv => new CsvReader(mapping ?? throw new ArgumentException("CSV needs a mapping", nameof(mapping))),
        _ => throw new ArgumentOutOfRangeException(nameof(format), format, "name a concrete format"),
    };
}
