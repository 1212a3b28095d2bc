using System.Data.Common;
using Entente.Declarations;

namespace Entente.Storage;

/// <summary>
/// The duplicate rule and id assignment both providers share. Duplicates are found by looking the batch's keys up
/// in the database inside this session's transaction, so earlier batches of the same unit are seen without a
/// set that grows with the file; within one batch a dictionary of that batch's keys is enough.
/// </summary>
internal abstract class IngestSession(DbConnection connection, DbTransaction transaction, TimeProvider time) : IIngestSession
{
    private bool _committed;

    protected DbConnection Connection { get; } = connection;

    protected DbTransaction Transaction { get; } = transaction;

    /// <summary>The stored declarations having one of these MRNs or LRNs (any declarant), as this transaction sees them.</summary>
    protected abstract Task<IReadOnlyList<StoredKeys>> FindStoredAsync(IReadOnlyCollection<string> mrns, IReadOnlyCollection<string> lrns, CancellationToken cancellationToken);

    /// <summary>Writes new declarations with their side-table rows and their received event.</summary>
    protected abstract Task InsertAsync(IReadOnlyList<DeclarationRow> rows, CancellationToken cancellationToken);

    public async Task<IReadOnlyList<string?>> AddAsync(IReadOnlyList<PendingDeclaration> batch, CancellationToken cancellationToken = default)
    {
        if (_committed) throw new InvalidOperationException("this ingest session is committed: begin another one");
        var mrns = new HashSet<string>(StringComparer.Ordinal);
        var lrns = new HashSet<string>(StringComparer.Ordinal);
        foreach (var pending in batch)
        {
            if (DeclarationRow.Key(pending.Declaration.Mrn) is { } mrn) mrns.Add(mrn);
            if (DeclarationRow.Key(pending.Declaration.Lrn) is { } lrn) lrns.Add(lrn);
        }

        var byMrn = new Dictionary<string, string>(StringComparer.Ordinal);
        var byLrn = new Dictionary<(string Declarant, string Lrn), string>();
        if (mrns.Count > 0 || lrns.Count > 0)
        {
            foreach (var stored in await FindStoredAsync(mrns, lrns, cancellationToken))
            {
                if (stored.Mrn is { } mrn) byMrn.TryAdd(mrn, stored.Id);
                if (stored.Lrn is { } lrn) byLrn.TryAdd((stored.DeclarantKey, lrn), stored.Id);
            }
        }

        var now = time.GetUtcNow();
        var results = new string?[batch.Count];
        var rows = new List<DeclarationRow>(batch.Count);
        for (var i = 0; i < batch.Count; i++)
        {
            var declaration = batch[i].Declaration;
            var mrn = DeclarationRow.Key(declaration.Mrn);
            var lrn = DeclarationRow.Key(declaration.Lrn);
            var declarant = DeclarationRow.DeclarantKey(declaration);
            if (mrn is not null && byMrn.TryGetValue(mrn, out var sameMrn))
            {
                results[i] = sameMrn;
                continue;
            }
            if (lrn is not null && byLrn.TryGetValue((declarant, lrn), out var sameLrn))
            {
                results[i] = sameLrn;
                continue;
            }
            var id = Guid.CreateVersion7(now).ToString();
            declaration.Id = id;
            declaration.Status = DeclarationStatus.Received;
            if (mrn is not null) byMrn[mrn] = id;
            if (lrn is not null) byLrn[(declarant, lrn)] = id;
            rows.Add(DeclarationRow.Of(batch[i], now));
        }
        if (rows.Count > 0) await InsertAsync(rows, cancellationToken);
        return results;
    }

    public async Task CommitAsync(CancellationToken cancellationToken = default)
    {
        if (_committed) throw new InvalidOperationException("this ingest session is already committed");
        await Transaction.CommitAsync(cancellationToken);
        _committed = true;
    }

    public virtual async ValueTask DisposeAsync()
    {
        // Disposing an uncommitted transaction rolls it back: nothing of the unit is left behind.
        await Transaction.DisposeAsync();
        await Connection.DisposeAsync();
        GC.SuppressFinalize(this);
    }
}
