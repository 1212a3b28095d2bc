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
    private const int BusyTimeoutSeconds = 30;
    // Set once, on the file: 8 KiB pages hold six ~1.3 KiB declaration rows where 4 KiB pages held three, and make
    // bulk ingest about a quarter faster (docs/storage.md); page_size only takes effect on a new, empty file.
    private const string NewFilePragmas = "PRAGMA page_size = 8192; PRAGMA journal_mode = WAL; ";

    private static readonly string ConnectionPragmas =
        $"PRAGMA synchronous = FULL; PRAGMA foreign_keys = ON; PRAGMA busy_timeout = {BusyTimeoutSeconds * 1000};";

    private readonly string _connectionString;
    private readonly string _databasePath;
    private readonly IDisposable _lease;
    private int _walSet;

    public SqliteDeclarationStore(string connectionString, TimeProvider time) : base(time)
    {
        var builder = new SqliteConnectionStringBuilder(connectionString)
        {
            ForeignKeys = true,
            Pooling = true,
            DefaultTimeout = BusyTimeoutSeconds,
        };
        if (string.IsNullOrWhiteSpace(builder.DataSource)) throw new ArgumentException("the SQLite connection string names no file", nameof(connectionString));
        if (builder.DataSource == ":memory:" || builder.Mode == SqliteOpenMode.Memory)
            throw new ArgumentException("an in-memory SQLite database would be one per connection; give a file path", nameof(connectionString));
        if (Path.GetDirectoryName(Path.GetFullPath(builder.DataSource)) is { Length: > 0 } directory) Directory.CreateDirectory(directory);
        _connectionString = builder.ToString();
        _databasePath = Path.GetFullPath(builder.DataSource);
        _lease = SqliteFileLock.Share(_databasePath);
    }

    public override StorageProvider Provider => StorageProvider.Sqlite;

    protected override string MigrationFolder => "sqlite";

    protected override PreparedDeclaration Prepare(PendingDeclaration pending, DateTimeOffset receivedAt)
    {
        // The document is written straight into the row SQLite binds; the flattened row keeps no copy.
        var row = DeclarationRow.Of(pending, receivedAt, withDocument: false);
        return new(row) { SqliteRow = SqliteRowText.Of(row, pending.Declaration) };
    }

    protected override string SchemaMigrationsTable =>
        "CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER NOT NULL PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)";

    protected override string ForUpdate => "";

    protected override async ValueTask<DbConnection> OpenConnectionAsync(CancellationToken cancellationToken) =>
        await OpenAsync(cancellationToken);

    private async Task<SqliteConnection> OpenAsync(CancellationToken cancellationToken)
    {
        var connection = new SqliteConnection(_connectionString);
        try
        {
            await connection.OpenAsync(cancellationToken);
            using var command = connection.CreateCommand();
            // The page size and WAL are properties of the file, set once; the other pragmas hold per connection.
            var setWal = Volatile.Read(ref _walSet) == 0;
            command.CommandText = setWal ? NewFilePragmas + ConnectionPragmas : ConnectionPragmas;
            command.ExecuteNonQuery();
            if (setWal) Volatile.Write(ref _walSet, 1);
            return connection;
        }
        catch
        {
            await connection.DisposeAsync();
            throw;
        }
    }

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
            // IMMEDIATE: take the write lock now rather than fail to upgrade a read lock half-way through a file.
            var transaction = connection.BeginTransaction(deferred: false);
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

    public override ValueTask DisposeAsync()
    {
        using (var connection = new SqliteConnection(_connectionString)) SqliteConnection.ClearPool(connection);
        _lease.Dispose();
        return ValueTask.CompletedTask;
    }
}
