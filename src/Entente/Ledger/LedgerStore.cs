using System.Data.Common;
using System.Security.Cryptography;
using System.Text.Json.Nodes;
using Entente.Storage;

namespace Entente.Ledger;

/// <summary>The tree after some appends: its size and root.</summary>
public sealed record TreeHead(long Size, byte[] Root);

/// <summary>An entry as stored, with its index and leaf hash.</summary>
public sealed record StoredLedgerEntry(long Index, byte[] LeafHash, byte[] Bytes)
{
    public LedgerEntry Entry => LedgerEntry.Parse(Bytes);
}

/// <summary>An inclusion proof (RFC 9162 §2.1.3) of entry <see cref="Index"/> in the tree of size <see cref="TreeSize"/>.</summary>
public sealed record InclusionProof(long Index, long TreeSize, byte[] LeafHash, IReadOnlyList<byte[]> Hashes, byte[] Root);

/// <summary>A consistency proof (RFC 9162 §2.1.4) between the trees of sizes <see cref="Size1"/> and <see cref="Size2"/>.</summary>
public sealed record ConsistencyProof(long Size1, long Size2, byte[] Root1, byte[] Root2, IReadOnlyList<byte[]> Hashes);

/// <summary>
/// A change to the node's database and the ledger entries that record it, run by the ledger's writer inside its append
/// transaction: the rows and the entries commit together or not at all. Use only <paramref name="connection"/> and
/// <paramref name="transaction"/>. It runs once; when it throws, its work is rolled back and its caller gets the exception.
/// </summary>
public delegate Task<IReadOnlyList<LedgerEntry>> LedgerChange(DbConnection connection, DbTransaction transaction, CancellationToken cancellationToken);

/// <summary>
/// The node's ledger in its database (SQLite or PostgreSQL, the tables of migration 0002_ledger), over the node's
/// gateway: appends with group commit (<see cref="LedgerAppender"/>), reads, proofs and checkpoints
/// (<see cref="LedgerReads"/>). The schema must be migrated first (<see cref="NodeDatabase.MigrateAsync"/>).
/// </summary>
public sealed class LedgerStore : IAsyncDisposable
{
    private readonly LedgerAppender _appender;
    private readonly LedgerReads _reads;
    private readonly bool _ownsDatabase;

    public LedgerStore(NodeDatabase database, TimeProvider time) : this(database, time, ownsDatabase: false)
    {
    }

    private LedgerStore(NodeDatabase database, TimeProvider time, bool ownsDatabase)
    {
        ArgumentNullException.ThrowIfNull(database);
        ArgumentNullException.ThrowIfNull(time);
        Database = database;
        Time = time;
        _ownsDatabase = ownsDatabase;
        _appender = new LedgerAppender(database);
        _reads = new LedgerReads(database, time);
    }

    public NodeDatabase Database { get; }

    public StorageProvider Provider => Database.Provider;

    public TimeProvider Time { get; }

    /// <summary>
    /// Opens the gateway a setting names and a ledger over it that closes it when disposed: for a tool that needs only
    /// the ledger. A process that also writes what the ledger records shares one <see cref="NodeDatabase"/> instead.
    /// </summary>
    public static LedgerStore Open(string database, TimeProvider time) => new(NodeDatabase.Open(database), time, ownsDatabase: true);

    /// <summary>Appends one entry, stamped now by the ledger's clock; returns its index.</summary>
    public async Task<long> AppendAsync(string kind, LedgerActor actor, JsonObject body, CancellationToken cancellationToken = default) =>
        (await AppendAsync([LedgerEntry.Now(Time, kind, actor, body)], cancellationToken))[0];

    public async Task<long> AppendAsync(LedgerEntry entry, CancellationToken cancellationToken = default) =>
        (await AppendAsync([entry], cancellationToken))[0];

    /// <summary>Appends entries durably, in order, at consecutive indices; returns their indices.</summary>
    public Task<IReadOnlyList<long>> AppendAsync(IReadOnlyList<LedgerEntry> entries, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(entries);
        return _appender.AppendAsync(entries, cancellationToken);
    }

    /// <summary>
    /// Runs <paramref name="change"/> in the transaction that appends the entries it returns (group commit still
    /// applies): both are durable when this returns the entries' indices, and neither when it throws.
    /// </summary>
    public Task<IReadOnlyList<long>> AppendAsync(LedgerChange change, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(change);
        return _appender.AppendAsync(change, cancellationToken);
    }

    public Task<TreeHead> GetHeadAsync(CancellationToken cancellationToken = default) => _reads.GetHeadAsync(cancellationToken);

    public Task<StoredLedgerEntry?> GetEntryAsync(long index, CancellationToken cancellationToken = default) => _reads.GetEntryAsync(index, cancellationToken);

    /// <summary>The inclusion proof of entry <paramref name="index"/> in the tree of <paramref name="treeSize"/> entries (default: now).</summary>
    public Task<InclusionProof> InclusionProofAsync(long index, long? treeSize = null, CancellationToken cancellationToken = default) =>
        _reads.InclusionProofAsync(index, treeSize, cancellationToken);

    /// <summary>The consistency proof from the tree of <paramref name="size1"/> entries to that of <paramref name="size2"/>.</summary>
    public Task<ConsistencyProof> ConsistencyProofAsync(long size1, long size2, CancellationToken cancellationToken = default) =>
        _reads.ConsistencyProofAsync(size1, size2, cancellationToken);

    /// <summary>The checkpoint of the largest tree signed so far, or null.</summary>
    public Task<StoredCheckpoint?> LatestCheckpointAsync(CancellationToken cancellationToken = default) => _reads.LatestCheckpointAsync(cancellationToken);

    /// <summary>
    /// Signs a checkpoint of the tree as it is now, after checking that it extends the latest stored checkpoint (which
    /// must open with this key): refused when the tree is smaller or the consistency proof fails. Holds the append
    /// lock while it does, so no append slips between the check and the signature.
    /// </summary>
    public Task<StoredCheckpoint> SignCheckpointAsync(ECDsa key, string origin, CancellationToken cancellationToken = default) =>
        _reads.SignCheckpointAsync(key, origin, cancellationToken);

    /// <summary>
    /// Recomputes the whole tree from the stored entries and checks every stored hash and checkpoint
    /// (<see cref="LedgerVerifier"/>). Checkpoint signatures are checked with <paramref name="publicKeySpki"/>; without
    /// it, each checkpoint is reported unchecked.
    /// </summary>
    public Task<LedgerVerification> VerifyAsync(byte[]? publicKeySpki, CancellationToken cancellationToken = default) =>
        _reads.VerifyAsync(publicKeySpki, cancellationToken);

    /// <summary>
    /// The entries filed under a subject (a declaration id, a party's tag), newest first. Each is checked against its
    /// own bytes: an index row the entry does not bear is not returned.
    /// </summary>
    public Task<IReadOnlyList<StoredLedgerEntry>> EntriesAboutAsync(string subject, int limit, CancellationToken cancellationToken = default) =>
        _reads.EntriesAboutAsync(subject, limit, cancellationToken);

    public ValueTask DisposeAsync() => _ownsDatabase ? Database.DisposeAsync() : ValueTask.CompletedTask;
}
