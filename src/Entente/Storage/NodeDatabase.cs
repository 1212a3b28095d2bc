using System.Data.Common;
using Entente.Storage.Sqlite;
using Microsoft.Data.Sqlite;
using Npgsql;

namespace Entente.Storage;

/// <summary>
/// The process's one gateway to the node's database: every store (declarations, ledger, exchange, partners, witnesses,
/// assistance, risk, retention) takes one and none opens connections of its own, so a change and the ledger entry
/// that records it can share a transaction. SQLite: one pooled connection string, WAL, synchronous=FULL, foreign keys,
/// one 30 s busy timeout, a lease on the file (<see cref="SqliteFileLock"/>) and the writer gate (<see cref="BeginWriteAsync"/>);
/// PostgreSQL: one <see cref="NpgsqlDataSource"/>. Whoever opens it disposes it; the stores built on it do not.
/// </summary>
public sealed class NodeDatabase : IAsyncDisposable
{
    internal const int BusyTimeoutSeconds = 30;

    // Set once, on the file: 8 KiB pages hold six ~1.3 KiB declaration rows where 4 KiB pages held three, and make
    // bulk ingest about a quarter faster (docs/storage.md); page_size only takes effect on a new, empty file.
    private const string NewFilePragmas = "PRAGMA page_size = 8192; PRAGMA journal_mode = WAL; ";

    private static readonly string ConnectionPragmas =
        $"PRAGMA synchronous = FULL; PRAGMA foreign_keys = ON; PRAGMA busy_timeout = {BusyTimeoutSeconds * 1000};";

    // pg_advisory_xact_lock key for schema migrations: "Entente" in ASCII.
    private const long MigrationLock = 0x456E74656E7465;

    private readonly string? _sqlite;
    private readonly NpgsqlDataSource? _postgres;
    private readonly IDisposable? _lease;

    // SQLite has one writer at a time, and its busy handler waits by sleeping on the caller's thread: fifty requests
    // waiting for the write lock held fifty pool threads asleep, starved the pool (health checks answered after 16 s,
    // issue 14) and some waited past the busy timeout ("database is locked"). Writers of this process queue here
    // instead, first come first served and without holding a thread, until their connection is closed.
    private readonly SemaphoreSlim _writer = new(1, 1);
    private readonly System.Runtime.CompilerServices.ConditionalWeakTable<SqliteConnection, object> _writing = [];
    private int _walSet;
    private int _disposed;

    private NodeDatabase(NpgsqlDataSource postgres)
    {
        Provider = StorageProvider.PostgreSql;
        _postgres = postgres;
    }

    private NodeDatabase(string sqlite, string path)
    {
        Provider = StorageProvider.Sqlite;
        _sqlite = sqlite;
        SqlitePath = path;
        _lease = SqliteFileLock.Share(path);
    }

    public StorageProvider Provider { get; }

    public bool IsPostgres => Provider == StorageProvider.PostgreSql;

    /// <summary>The full path of the SQLite file; null on PostgreSQL.</summary>
    internal string? SqlitePath { get; }

    internal NpgsqlDataSource? Postgres => _postgres;

    /// <summary>
    /// Opens the database a setting names: a file path or a SQLite connection string (<c>Data Source=node.db</c>), or an
    /// Npgsql connection string (<c>Host=db;Database=entente;Username=entente</c>). The schema is not touched
    /// (<see cref="MigrateAsync"/> on start).
    /// </summary>
    public static NodeDatabase Open(string database)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(database);
        if (DeclarationStores.ProviderOf(database) == StorageProvider.PostgreSql) return new NodeDatabase(NpgsqlDataSource.Create(database));
        var builder = new SqliteConnectionStringBuilder(DeclarationStores.SqliteConnectionString(database))
        {
            ForeignKeys = true,
            Pooling = true,
            DefaultTimeout = BusyTimeoutSeconds,
        };
        if (string.IsNullOrWhiteSpace(builder.DataSource)) throw new ArgumentException("the SQLite connection string names no file", nameof(database));
        if (builder.DataSource == ":memory:" || builder.Mode == SqliteOpenMode.Memory)
            throw new ArgumentException("an in-memory SQLite database would be one per connection; give a file path", nameof(database));
        var path = Path.GetFullPath(builder.DataSource);
        if (Path.GetDirectoryName(path) is { Length: > 0 } directory) Directory.CreateDirectory(directory);
        return new NodeDatabase(builder.ToString(), path);
    }

    /// <summary>An open connection; the caller disposes it.</summary>
    public async Task<DbConnection> ConnectAsync(CancellationToken cancellationToken = default) =>
        _postgres is not null ? await _postgres.OpenConnectionAsync(cancellationToken) : await ConnectSqliteAsync(cancellationToken);

    internal async Task<SqliteConnection> ConnectSqliteAsync(CancellationToken cancellationToken = default)
    {
        var connection = new SqliteConnection(_sqlite ?? throw new InvalidOperationException("the node database is on PostgreSQL"));
        try
        {
            await connection.OpenAsync(cancellationToken);
            using var command = connection.CreateCommand();
            // The page size and WAL are properties of the file, set once; the other pragmas hold per connection (an
            // ingest session turns foreign keys off on its own, so they are set again each time the pool hands it out).
            var setWal = Volatile.Read(ref _walSet) == 0;
            command.CommandText = setWal ? NewFilePragmas + ConnectionPragmas : ConnectionPragmas;
            CrashPoint.BeforeStatement();
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

    /// <summary>
    /// Starts a write transaction. On SQLite it takes the write lock at once (BEGIN IMMEDIATE), so a read-then-write
    /// inside it cannot lose a race with another writer; on PostgreSQL use row locks (FOR UPDATE) where that matters.
    /// On SQLite the writers of this process first queue for the writer gate, held until the connection is closed:
    /// waiting never holds a thread, and a writer waits its turn instead of failing with "database is locked".
    /// </summary>
    public async Task<DbTransaction> BeginWriteAsync(DbConnection connection, CancellationToken cancellationToken = default)
    {
        if (connection is not SqliteConnection sqlite)
        {
            CrashPoint.BeforeStatement();
            return await connection.BeginTransactionAsync(cancellationToken);
        }
        var entered = await EnterWriterAsync(sqlite, cancellationToken);
        try
        {
            CrashPoint.BeforeStatement();
            return sqlite.BeginTransaction(deferred: false);
        }
        catch
        {
            if (entered) LeaveWriter(sqlite);
            throw;
        }
    }

    /// <summary>How many writers of this process wait for the SQLite writer gate or hold it (0 or 1 holds it).</summary>
    internal int WritersQueued => Volatile.Read(ref _writersQueued);

    private int _writersQueued;

    private async Task<bool> EnterWriterAsync(SqliteConnection connection, CancellationToken cancellationToken)
    {
        lock (_writing)
        {
            if (_writing.TryGetValue(connection, out _)) return false;
        }
        Interlocked.Increment(ref _writersQueued);
        try
        {
            if (!await _writer.WaitAsync(TimeSpan.FromSeconds(BusyTimeoutSeconds), cancellationToken))
                throw new DatabaseBusyException($"the database is busy: waited {BusyTimeoutSeconds} s for the write lock behind {WritersQueued - 1} other writer(s); try again");
        }
        catch
        {
            Interlocked.Decrement(ref _writersQueued);
            throw;
        }
        lock (_writing) _writing.Add(connection, connection);
        connection.StateChange += Closed;
        return true;

        void Closed(object? sender, System.Data.StateChangeEventArgs e)
        {
            if (e.CurrentState != System.Data.ConnectionState.Closed) return;
            connection.StateChange -= Closed;
            LeaveWriter(connection);
        }
    }

    private void LeaveWriter(SqliteConnection connection)
    {
        lock (_writing)
        {
            if (!_writing.Remove(connection)) return;
        }
        Interlocked.Decrement(ref _writersQueued);
        try
        {
            _writer.Release();
        }
        catch (ObjectDisposedException)
        {
            // A connection closed after the database itself was disposed (shutdown): nobody waits any more.
        }
    }

    /// <summary>A command with named parameters (@name in the SQL, on both providers); each counts as a statement for <see cref="CrashPoint"/>.</summary>
    public static DbCommand Command(DbConnection connection, DbTransaction? transaction, string sql, params (string Name, object? Value)[] parameters)
    {
        CrashPoint.BeforeStatement();
        var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = sql;
        foreach (var (name, value) in parameters)
        {
            var p = command.CreateParameter();
            p.ParameterName = name;
            p.Value = value ?? DBNull.Value;
            command.Parameters.Add(p);
        }
        return command;
    }

    /// <summary>
    /// Applies the embedded migrations (every feature's FEATURE/Migrations/NNNN_name.PROVIDER.sql) not yet recorded in schema_migrations, in one
    /// transaction; on PostgreSQL replicas starting together wait for each other (an advisory lock).
    /// </summary>
    public async Task MigrateAsync(TimeProvider time, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(time);
        var migrations = Migrations.For(IsPostgres ? "postgres" : "sqlite");
        // Every command opens the store: when the schema is current, a read says so, and no write lock is waited for
        // behind a serving node's writes (a CLI command beside a busy SQLite node).
        if (await AppliedAsync(cancellationToken) is { } current && migrations.All(m => current.Contains(m.Version))) return;
        await using var connection = await ConnectAsync(cancellationToken);
        await using var transaction = await BeginWriteAsync(connection, cancellationToken);
        if (IsPostgres)
        {
            await using var locking = Command(connection, transaction, "SELECT pg_advisory_xact_lock(@key)", ("@key", MigrationLock));
            await locking.ExecuteNonQueryAsync(cancellationToken);
        }
        await using (var table = Command(connection, transaction, IsPostgres
            ? "CREATE TABLE IF NOT EXISTS schema_migrations (version integer NOT NULL PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL)"
            : "CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER NOT NULL PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)"))
        {
            await table.ExecuteNonQueryAsync(cancellationToken);
        }

        var applied = new HashSet<int>();
        await using (var command = Command(connection, transaction, "SELECT version FROM schema_migrations"))
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken))
        {
            while (await reader.ReadAsync(cancellationToken)) applied.Add(reader.GetInt32(0));
        }

        foreach (var migration in migrations)
        {
            if (applied.Contains(migration.Version)) continue;
            await using (var script = Command(connection, transaction, migration.Sql)) await script.ExecuteNonQueryAsync(cancellationToken);
            await using var record = Command(connection, transaction,
                "INSERT INTO schema_migrations (version, name, applied_at) VALUES (@version, @name, @at)",
                ("@version", migration.Version), ("@name", migration.Name), ("@at", time.GetUtcNow()));
            await record.ExecuteNonQueryAsync(cancellationToken);
        }
        await transaction.CommitAsync(cancellationToken);
    }

    /// <summary>The migrations recorded, read without a write lock; null when there is no schema_migrations table yet.</summary>
    private async Task<HashSet<int>?> AppliedAsync(CancellationToken cancellationToken)
    {
        await using var connection = await ConnectAsync(cancellationToken);
        await using (var exists = Command(connection, null, IsPostgres
            ? "SELECT count(*) FROM information_schema.tables WHERE table_schema = current_schema() AND table_name = 'schema_migrations'"
            : "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'schema_migrations'"))
        {
            if (Convert.ToInt64(await exists.ExecuteScalarAsync(cancellationToken), System.Globalization.CultureInfo.InvariantCulture) == 0) return null;
        }
        var applied = new HashSet<int>();
        await using var command = Command(connection, null, "SELECT version FROM schema_migrations");
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken)) applied.Add(reader.GetInt32(0));
        return applied;
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0) return;
        _writer.Dispose();
        if (_postgres is not null) await _postgres.DisposeAsync();
        else
        {
            using (var connection = new SqliteConnection(_sqlite)) SqliteConnection.ClearPool(connection);
            _lease?.Dispose();
        }
    }
}

/// <summary>
/// The database stayed busy with other writers for the whole busy timeout: nothing was written, and trying again later
/// can help (the HTTP edge answers 503 with Retry-After).
/// </summary>
public sealed class DatabaseBusyException(string message) : TimeoutException(message);
