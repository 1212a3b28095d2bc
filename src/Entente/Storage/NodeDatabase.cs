using System.Data.Common;
using Microsoft.Data.Sqlite;
using Npgsql;

namespace Entente.Storage;

/// <summary>
/// Connections to the node's database for the features that keep tables beside the declarations (exchange, witnesses,
/// assistance requests): the same file or server the declaration store uses, opened with the same settings (SQLite:
/// WAL, synchronous=FULL, foreign keys, a 30 s busy timeout; PostgreSQL: one pooled data source). The schema is the
/// store's: run <see cref="IDeclarationStore.MigrateAsync"/> first.
/// </summary>
public sealed class NodeDatabase : IAsyncDisposable
{
    private const int BusyTimeoutSeconds = 30;

    private static readonly string SqlitePragmas =
        $"PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL; PRAGMA foreign_keys = ON; PRAGMA busy_timeout = {BusyTimeoutSeconds * 1000};";

    private readonly string _connectionString;
    private readonly NpgsqlDataSource? _postgres;
    private readonly IDisposable? _lease;

    private NodeDatabase(StorageProvider provider, string connectionString)
    {
        Provider = provider;
        _connectionString = connectionString;
        if (provider == StorageProvider.PostgreSql) _postgres = NpgsqlDataSource.Create(connectionString);
        else _lease = Sqlite.SqliteFileLock.Share(new SqliteConnectionStringBuilder(connectionString).DataSource);
    }

    public StorageProvider Provider { get; }

    public bool IsPostgres => Provider == StorageProvider.PostgreSql;

    /// <summary>Opens the database a setting names (a SQLite file or an Npgsql connection string, as the declaration store).</summary>
    public static NodeDatabase Open(string database)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(database);
        if (DeclarationStores.ProviderOf(database) == StorageProvider.PostgreSql) return new NodeDatabase(StorageProvider.PostgreSql, database);
        var builder = database.Contains('=', StringComparison.Ordinal)
            ? new SqliteConnectionStringBuilder(database)
            : new SqliteConnectionStringBuilder { DataSource = database };
        builder.Pooling = true;
        builder.ForeignKeys = true;
        builder.DefaultTimeout = BusyTimeoutSeconds;
        return new NodeDatabase(StorageProvider.Sqlite, builder.ToString());
    }

    /// <summary>An open connection; the caller disposes it.</summary>
    public async Task<DbConnection> ConnectAsync(CancellationToken cancellationToken = default)
    {
        if (_postgres is not null) return await _postgres.OpenConnectionAsync(cancellationToken);
        var connection = new SqliteConnection(_connectionString);
        try
        {
            await connection.OpenAsync(cancellationToken);
            using var command = connection.CreateCommand();
            command.CommandText = SqlitePragmas;
            await command.ExecuteNonQueryAsync(cancellationToken);
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
    /// </summary>
    public async Task<DbTransaction> BeginWriteAsync(DbConnection connection, CancellationToken cancellationToken = default) =>
        connection is SqliteConnection sqlite
            ? sqlite.BeginTransaction(deferred: false)
            : await connection.BeginTransactionAsync(cancellationToken);

    /// <summary>A command with named parameters (@name in the SQL, on both providers).</summary>
    public static DbCommand Command(DbConnection connection, DbTransaction? transaction, string sql, params (string Name, object? Value)[] parameters)
    {
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

    public async ValueTask DisposeAsync()
    {
        if (_postgres is not null) await _postgres.DisposeAsync();
        _lease?.Dispose();
    }
}
