using System.Data.Common;
using Entente.Declarations;

namespace Entente.Storage;

/// <summary>
/// What both providers' ingest sessions share: preparing, the commit-once rule, and updating the caller's pending
/// declarations once stored. A provider writes a batch and finds its duplicates (same MRN, or same LRN from the same declarant)
/// its own way, inside the session's transaction so earlier batches of the unit are seen.
/// </summary>
internal abstract class IngestSession(TimeProvider time) : IIngestSession
{
    private bool _committed;

    public abstract int WriteBatchSize { get; }

    public static PreparedDeclaration Prepare(PendingDeclaration pending, TimeProvider time) => new(DeclarationRow.Of(pending, time.GetUtcNow()));

    /// <summary>Writes the new declarations of the batch with their side-table rows; per input, null when stored or the id it duplicates.</summary>
    protected abstract Task<string?[]> StoreAsync(IReadOnlyList<PreparedDeclaration> batch, CancellationToken cancellationToken);

    public async Task<IReadOnlyList<string?>> AddAsync(IReadOnlyList<PendingDeclaration> batch, CancellationToken cancellationToken = default)
    {
        var prepared = new PreparedDeclaration[batch.Count];
        for (var i = 0; i < batch.Count; i++) prepared[i] = Prepare(batch[i], time);
        var results = await AddAsync(prepared, cancellationToken);
        for (var i = 0; i < batch.Count; i++)
        {
            if (results[i] is not null) continue;
            batch[i].Declaration.Id = prepared[i].Id;
            batch[i].Declaration.Status = DeclarationStatus.Received;
        }
        return results;
    }

    public async Task<IReadOnlyList<string?>> AddAsync(IReadOnlyList<PreparedDeclaration> batch, CancellationToken cancellationToken = default)
    {
        if (_committed) throw new InvalidOperationException("this ingest session is committed: begin another one");
        return await StoreAsync(batch, cancellationToken);
    }

    public async Task CommitAsync(CancellationToken cancellationToken = default)
    {
        if (_committed) throw new InvalidOperationException("this ingest session is already committed");
        await CompleteAsync(cancellationToken);
        await CommitTransactionAsync(cancellationToken);
        await CommittedAsync(cancellationToken);
        _committed = true;
    }

    /// <summary>Work the unit needs done in its transaction before it commits (for example indexes built after a bulk load).</summary>
    protected virtual Task CompleteAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    protected abstract Task CommitTransactionAsync(CancellationToken cancellationToken);

    /// <summary>Work after the transaction has committed (a bulk-loaded file put in place); a failure here fails the commit.</summary>
    protected virtual Task CommittedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>Ends the session: an uncommitted unit is rolled back, nothing of it is left behind.</summary>
    public abstract ValueTask DisposeAsync();
}

/// <summary>An ingest session on an ADO.NET connection and its transaction.</summary>
internal abstract class DbIngestSession(DbConnection connection, DbTransaction transaction, TimeProvider time) : IngestSession(time)
{
    protected override Task CommitTransactionAsync(CancellationToken cancellationToken) => transaction.CommitAsync(cancellationToken);

    public override async ValueTask DisposeAsync()
    {
        // Disposing an uncommitted transaction rolls it back.
        await transaction.DisposeAsync();
        await connection.DisposeAsync();
    }
}
