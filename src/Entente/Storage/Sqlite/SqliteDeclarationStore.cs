using System.Data.Common;
using System.Text;
using System.Text.Json;
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
    private static readonly string ConnectionPragmas =
        $"PRAGMA synchronous = FULL; PRAGMA foreign_keys = ON; PRAGMA busy_timeout = {BusyTimeoutSeconds * 1000};";

    private readonly string _connectionString;
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
    }

    public override StorageProvider Provider => StorageProvider.Sqlite;

    protected override string MigrationFolder => "sqlite";

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
            // WAL is a property of the file, set once; the other pragmas hold per connection.
            var setWal = Volatile.Read(ref _walSet) == 0;
            command.CommandText = setWal ? "PRAGMA journal_mode = WAL; " + ConnectionPragmas : ConnectionPragmas;
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

    public override ValueTask DisposeAsync()
    {
        using (var connection = new SqliteConnection(_connectionString)) SqliteConnection.ClearPool(connection);
        return ValueTask.CompletedTask;
    }

    /// <summary>Ingest on SQLite: prepared statements reused for every row of the unit, all in one transaction.</summary>
    private sealed class SqliteIngestSession : IngestSession
    {
        private readonly Statement _lookup;
        private readonly Statement _declaration;
        private readonly Statement _party;
        private readonly Statement _item;
        private readonly Statement _container;
        private readonly Statement _event;
        private readonly Statement _labels;

        public SqliteIngestSession(SqliteConnection connection, SqliteTransaction transaction, TimeProvider time)
            : base(connection, transaction, time)
        {
            _lookup = new(connection, transaction,
                "SELECT id, mrn, coalesce(declarant_id, ''), lrn FROM declarations " +
                "WHERE mrn IN (SELECT value FROM json_each(@mrns)) OR lrn IN (SELECT value FROM json_each(@lrns))",
                "@mrns", "@lrns");
            _declaration = new(connection, transaction,
                "INSERT INTO declarations (id, lrn, mrn, declarant_id, type_code, function_code, status, declaration_date, importer_id, " +
                "items, total_value, currency, received_at, source_format, source_file, document) VALUES (@id, @lrn, @mrn, @declarant_id, " +
                "@type_code, @function_code, @status, @declaration_date, @importer_id, @items, @total_value, @currency, @received_at, " +
                "@source_format, @source_file, @document)",
                "@id", "@lrn", "@mrn", "@declarant_id", "@type_code", "@function_code", "@status", "@declaration_date", "@importer_id",
                "@items", "@total_value", "@currency", "@received_at", "@source_format", "@source_file", "@document");
            _party = new(connection, transaction,
                "INSERT INTO declaration_parties (declaration_id, role, party_id) VALUES (@id, @role, @party_id)",
                "@id", "@role", "@party_id");
            _item = new(connection, transaction,
                "INSERT INTO goods_items (declaration_id, sequence, hs_code, origin, value, currency) VALUES (@id, @sequence, @hs_code, @origin, @value, @currency)",
                "@id", "@sequence", "@hs_code", "@origin", "@value", "@currency");
            _container = new(connection, transaction,
                "INSERT INTO containers (declaration_id, container_id) VALUES (@id, @container_id)",
                "@id", "@container_id");
            _event = new(connection, transaction,
                "INSERT INTO status_events (declaration_id, at, from_status, to_status, actor, reason) VALUES (@id, @at, NULL, @to_status, @actor, @reason)",
                "@id", "@at", "@to_status", "@actor", "@reason");
            _labels = new(connection, transaction,
                "INSERT INTO inspection_labels (declaration_id, fraud, critical_fraud, revenue) VALUES (@id, @fraud, @critical_fraud, @revenue)",
                "@id", "@fraud", "@critical_fraud", "@revenue");
        }

        protected override Task<IReadOnlyList<StoredKeys>> FindStoredAsync(IReadOnlyCollection<string> mrns, IReadOnlyCollection<string> lrns, CancellationToken cancellationToken)
        {
            var found = new List<StoredKeys>();
            using var reader = _lookup.Query(JsonArray(mrns), JsonArray(lrns));
            while (reader.Read())
            {
                found.Add(new StoredKeys(reader.GetString(0), reader.IsDBNull(1) ? null : reader.GetString(1), reader.GetString(2),
                    reader.IsDBNull(3) ? null : reader.GetString(3)));
            }
            return Task.FromResult<IReadOnlyList<StoredKeys>>(found);
        }

        // Microsoft.Data.Sqlite has no asynchronous I/O (its async methods run synchronously), so the loop stays synchronous.
        protected override Task InsertAsync(IReadOnlyList<DeclarationRow> rows, CancellationToken cancellationToken)
        {
            foreach (var row in rows)
            {
                cancellationToken.ThrowIfCancellationRequested();
                _declaration.Execute(row.Id, row.Lrn, row.Mrn, row.DeclarantId, row.TypeCode, row.FunctionCode, (int)row.Status, row.Date,
                    row.ImporterId, row.Items, row.TotalValue, row.Currency, row.ReceivedAt, DeclarationRow.FormatName(row.Format),
                    row.SourceFile, row.Document);
                foreach (var party in row.Parties) _party.Execute(row.Id, party.Role, party.PartyId);
                foreach (var item in row.GoodsItems) _item.Execute(row.Id, item.Sequence, item.HsCode, item.Origin, item.Value, item.Currency);
                foreach (var container in row.Containers) _container.Execute(row.Id, container);
                _event.Execute(row.Id, row.ReceivedAt, (int)DeclarationStatus.Received, DeclarationRow.IngestActor, row.SourceFile);
                if (row.Labels is { } labels) _labels.Execute(row.Id, labels.Fraud, labels.CriticalFraud, labels.RevenueRecovered);
            }
            return Task.CompletedTask;
        }

        public override async ValueTask DisposeAsync()
        {
            foreach (var statement in (Statement[])[_lookup, _declaration, _party, _item, _container, _event, _labels]) statement.Dispose();
            await base.DisposeAsync();
        }

        private static string JsonArray(IReadOnlyCollection<string> values)
        {
            using var buffer = new MemoryStream();
            using (var writer = new Utf8JsonWriter(buffer))
            {
                writer.WriteStartArray();
                foreach (var value in values) writer.WriteStringValue(value);
                writer.WriteEndArray();
            }
            return Encoding.UTF8.GetString(buffer.GetBuffer(), 0, (int)buffer.Length);
        }
    }

    /// <summary>A prepared command whose parameters are set positionally for each execution.</summary>
    private sealed class Statement : IDisposable
    {
        private readonly SqliteCommand _command;
        private readonly SqliteParameter[] _parameters;

        public Statement(SqliteConnection connection, SqliteTransaction transaction, string sql, params string[] names)
        {
            _command = connection.CreateCommand();
            _command.Transaction = transaction;
            _command.CommandText = sql;
            _parameters = new SqliteParameter[names.Length];
            for (var i = 0; i < names.Length; i++)
            {
                _parameters[i] = _command.CreateParameter();
                _parameters[i].ParameterName = names[i];
                _parameters[i].Value = DBNull.Value;
                _command.Parameters.Add(_parameters[i]);
            }
            _command.Prepare();
        }

        public void Execute(params object?[] values)
        {
            Bind(values);
            _command.ExecuteNonQuery();
        }

        public SqliteDataReader Query(params object?[] values)
        {
            Bind(values);
            return _command.ExecuteReader();
        }

        private void Bind(object?[] values)
        {
            for (var i = 0; i < values.Length; i++) _parameters[i].Value = values[i] ?? DBNull.Value;
        }

        public void Dispose() => _command.Dispose();
    }
}
