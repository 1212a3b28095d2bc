using System.Text.Json.Serialization;
using Entente.Declarations;

namespace Entente.Storage;

/// <summary>
/// The node's declaration store: one schema, two providers (SQLite embedded, PostgreSQL in production).
/// This is the seam between the node and its database; everything above it is provider-agnostic.
/// </summary>
public interface IDeclarationStore : IAsyncDisposable
{
    StorageProvider Provider { get; }

    /// <summary>Applies the versioned migrations not yet applied (idempotent, safe to call on every start).</summary>
    Task MigrateAsync(CancellationToken cancellationToken = default);

    /// <summary>Opens one ingest unit: everything added commits together or not at all.</summary>
    Task<IIngestSession> BeginIngestAsync(CancellationToken cancellationToken = default);

    /// <summary>
    /// As <see cref="BeginIngestAsync"/>, for a caller that is the store's only user in its process while the unit runs
    /// (a command-line load, not a serving node). A first load into an empty SQLite store that no other process has open
    /// is then written as a new file, each page once, and put in place when it commits; other processes that open the
    /// store meanwhile wait for it. Otherwise (PostgreSQL, a store with declarations, a node serving it) this is the
    /// ordinary session.
    /// </summary>
    Task<IIngestSession> BeginBulkLoadAsync(CancellationToken cancellationToken = default);

    /// <summary>
    /// Does the part of storing that needs no database: assigns the node id (a UUID v7, <see cref="Common.TimeOrderedIds"/>, at the received
    /// time), flattens the declaration into its index rows and serialises its document, so that a pipeline can do it
    /// on another thread than the one writing, and keep only what is written. Safe to call from any thread (one call
    /// per declaration at a time); the declaration is left as it was, and not referred to afterwards.
    /// </summary>
    PreparedDeclaration Prepare(PendingDeclaration pending);

    Task<StoredDeclaration?> GetAsync(string id, CancellationToken cancellationToken = default);

    /// <summary>Finds a declaration by node id, MRN or LRN (first match, in that order).</summary>
    Task<StoredDeclaration?> FindAsync(string reference, CancellationToken cancellationToken = default);

    Task<SearchPage> SearchAsync(DeclarationQuery query, CancellationToken cancellationToken = default);

    /// <summary>Moves a declaration to a new lifecycle status if <see cref="DeclarationLifecycle"/> allows it; records the move.</summary>
    Task<StatusChange> ChangeStatusAsync(string id, DeclarationStatus to, string actor, string? reason, CancellationToken cancellationToken = default);

    Task<IReadOnlyList<StatusEvent>> GetHistoryAsync(string id, CancellationToken cancellationToken = default);

    /// <summary>
    /// Applies an amendment, replacement or cancellation to the declaration it names (by MRN, else LRN): the declaration
    /// becomes a new version (amendment-accepted) or is invalidated, the version it supersedes is kept, the move is in its
    /// history. A reference no stored declaration has is kept as a pending amendment (unless the request says not to).
    /// </summary>
    Task<AmendmentOutcome> AmendAsync(AmendmentRequest request, CancellationToken cancellationToken = default);

    /// <summary>Applies the pending amendments whose declaration is now stored, oldest first.</summary>
    Task<IReadOnlyList<AmendmentOutcome>> ApplyPendingAmendmentsAsync(Func<Declaration, IReadOnlyList<string>> revalidate, CancellationToken cancellationToken = default);

    /// <summary>The amendments waiting for their declaration.</summary>
    Task<IReadOnlyList<PendingAmendment>> GetPendingAmendmentsAsync(CancellationToken cancellationToken = default);

    /// <summary>The versions of a declaration that amendments superseded, oldest first (the current one is not among them).</summary>
    Task<IReadOnlyList<DeclarationVersion>> GetVersionsAsync(string id, CancellationToken cancellationToken = default);

    Task<DeclarationSummary> SummariseAsync(int top = 10, CancellationToken cancellationToken = default);

    Task<long> CountAsync(CancellationToken cancellationToken = default);
}

public enum StorageProvider
{
    Sqlite,
    PostgreSql,
}

/// <summary>One transaction of ingest. Disposing without <see cref="CommitAsync"/> rolls everything back.</summary>
public interface IIngestSession : IAsyncDisposable
{
    /// <summary>
    /// Stores the batch (assigning ids and the received-at time) and returns, per input, null when stored or
    /// the id of the declaration it duplicates (same MRN, or same LRN from the same declarant) — earlier in this
    /// session or already in the store. Duplicates are not stored.
    /// </summary>
    Task<IReadOnlyList<string?>> AddAsync(IReadOnlyList<PendingDeclaration> batch, CancellationToken cancellationToken = default);

    /// <summary>
    /// As <see cref="AddAsync(IReadOnlyList{PendingDeclaration}, CancellationToken)"/>, for declarations prepared by
    /// <see cref="IDeclarationStore.Prepare"/>; a stored one's id is its <see cref="PreparedDeclaration.Id"/>.
    /// </summary>
    Task<IReadOnlyList<string?>> AddAsync(IReadOnlyList<PreparedDeclaration> batch, CancellationToken cancellationToken = default);

    /// <summary>
    /// How many declarations the store writes best at a time: an embedded store wants them as they come, a server
    /// fewer, larger round trips. Ingest gathers what is ready up to this many.
    /// </summary>
    int WriteBatchSize { get; }

    Task CommitAsync(CancellationToken cancellationToken = default);
}


/// <summary>A declaration as it will be written (see <see cref="IDeclarationStore.Prepare"/>).</summary>
public sealed class PreparedDeclaration
{
    internal PreparedDeclaration(DeclarationRow row) => Row = row;

    /// <summary>The node id the declaration has once stored (a duplicate is not stored).</summary>
    public string Id => Row.Id;

    internal DeclarationRow Row { get; }

    /// <summary>The rows as SQLite binds them (<see cref="Sqlite.SqliteRowText"/>), when an SQLite store prepared it.</summary>
    internal byte[]? SqliteRow { get; init; }
}

public sealed record StoredDeclaration(Declaration Declaration, DateTimeOffset ReceivedAt, DeclarationFormat Format, string SourceFile, InspectionLabels? Labels);

public sealed record DeclarationQuery
{
    public string? Reference { get; init; }
    public string? PartyId { get; init; }
    public string? HsPrefix { get; init; }
    public string? OriginCountryCode { get; init; }
    public DateOnly? From { get; init; }
    public DateOnly? To { get; init; }
    public string? ContainerId { get; init; }

    /// <summary>Declarations that carry a finding of this code (<see cref="FindingCodes"/>).</summary>
    public string? Finding { get; init; }
    public DeclarationStatus? Status { get; init; }
    public int Limit { get; init; } = 50;

    /// <summary>Opaque position from a previous page (the last id seen); ids are time-ordered UUID v7.</summary>
    public string? After { get; init; }
}

public sealed record DeclarationListing(
    string Id, string? Lrn, string? Mrn, string? TypeCode, DeclarationStatus Status, DateOnly? Date,
    string? DeclarantId, string? ImporterId, int Items, decimal? TotalValue, string? Currency)
{
    /// <summary>
    /// Every party's identifier in the declaration (exporter, consignor, carrier, representative... not only the two
    /// shown): what a hit's references may embed, masked when party data is withheld. Never shown.
    /// </summary>
    [JsonIgnore]
    public IReadOnlyList<string> PartyIds { get; init; } = [];

    /// <summary>JSON pointers of the fields left out or masked because party data is withheld (none: null).</summary>
    public IReadOnlyList<string>? Withheld { get; init; }
}

public sealed record SearchPage(IReadOnlyList<DeclarationListing> Items, string? Next);

public sealed record StatusChange(bool Found, bool Allowed, DeclarationStatus? From, DeclarationStatus To);

public sealed record StatusEvent(DateTimeOffset At, DeclarationStatus? From, DeclarationStatus To, string Actor, string? Reason);

public sealed record CountOf(string Key, long Count, decimal Value);

public sealed record DeclarationSummary(
    long Declarations, long GoodsItems, long WithLabels, long LabelledFraud,
    IReadOnlyList<CountOf> TopHsChapters, IReadOnlyList<CountOf> TopOrigins, IReadOnlyList<CountOf> ValueByCurrency,
    DateOnly? FirstDate, DateOnly? LastDate);
