using System.Data.Common;
using Entente.Declarations;
using Microsoft.Data.Sqlite;

namespace Entente.Storage.Sqlite;

/// <summary>
/// The embedded store: one SQLite file in WAL mode with synchronous=FULL (a committed ingest survives a power cut)
/// and foreign keys on. One writer at a time: an ingest session or a status change holds the write lock
/// (BEGIN IMMEDIATE) while readers go on reading the last committed state.
/// </summary>
internal sealed class SqliteDeclarationStore : SqlDeclarationStore
{
    private readonly string _databasePath;

    public SqliteDeclarationStore(NodeDatabase database, TimeProvider time, bool ownsDatabase) : base(database, time, ownsDatabase)
    {
        _databasePath = database.SqlitePath ?? throw new ArgumentException("the node database is not a SQLite file", nameof(database));
    }

    protected override PreparedDeclaration Prepare(PendingDeclaration pending, DateTimeOffset receivedAt)
    {
        // The document is written straight into the row SQLite binds; the flattened row keeps no copy.
        var row = DeclarationRow.Of(pending, receivedAt, withDocument: false);
        return new(row) { SqliteRow = SqliteRowText.Of(row, pending.Declaration) };
    }

    protected override string ForUpdate => "";

    protected override string PartyIdsColumn =>
        "(SELECT group_concat(json_extract(p.value, '$.id'), char(31)) FROM json_each(d.document, '$.parties') p)";

    private Task<SqliteConnection> OpenAsync(CancellationToken cancellationToken) => Database.ConnectSqliteAsync(cancellationToken);

    protected override Task<DbTransaction> BeginSnapshotAsync(DbConnection connection, CancellationToken cancellationToken) =>
        Task.FromResult<DbTransaction>(((SqliteConnection)connection).BeginTransaction(deferred: true));

    public override async Task<IIngestSession> BeginIngestAsync(CancellationToken cancellationToken = default)
    {
        var connection = await OpenAsync(cancellationToken);
        try
        {
            // The ingest session writes each side-table row with the key its declaration was just given, so checking that
            // key again is a b-tree probe per row for nothing (an eighth of the writer's time). Pragmas hold per
            // connection and are set again when the pool hands this connection out (OpenAsync).
            using (var command = connection.CreateCommand())
            {
                command.CommandText = "PRAGMA foreign_keys = OFF";
                command.ExecuteNonQuery();
            }
            // IMMEDIATE: take the write lock now rather than fail to upgrade a read lock half-way through a file; behind
            // the writer gate, so concurrent submissions queue without holding threads.
            var transaction = (SqliteTransaction)await Database.BeginWriteAsync(connection, cancellationToken);
            return new SqliteIngestSession(connection, transaction, Time);
        }
        catch
        {
            await connection.DisposeAsync();
            throw;
        }
    }

    /// <summary>
    /// A first load into an empty store by a process that has the file to itself is written as a new file and swapped in
    /// (<see cref="SqliteBulkFile"/>); otherwise, or when the store has declarations, this is the ordinary session.
    /// </summary>
    public override async Task<IIngestSession> BeginBulkLoadAsync(CancellationToken cancellationToken = default)
    {
        if (SqliteFileLock.TryExclusive(_databasePath) is not { } exclusive) return await BeginIngestAsync(cancellationToken);
        SqliteBulkFile? file;
        try
        {
            await using (var node = await OpenAsync(cancellationToken)) file = SqliteBulkFile.TryCreate(_databasePath, node, exclusive);
        }
        catch
        {
            exclusive.Dispose();
            throw;
        }
        if (file is null)
        {
            exclusive.Dispose();
            return await BeginIngestAsync(cancellationToken);
        }
        try
        {
            return new SqliteIngestSession(file, Time);
        }
        catch
        {
            // The file gives the exclusive lock back.
            file.Dispose();
            throw;
        }
    }
}
