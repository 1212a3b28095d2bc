using System.Data.Common;
using Entente.Declarations;
using Npgsql;
using NpgsqlTypes;

namespace Entente.Storage.Postgres;

/// <summary>
/// The production store. Several replicas of one node may share the database: migrations take an advisory lock,
/// status changes lock their row, and ingest sessions rely on the unique indexes as the last guard (a session that
/// adds a declaration another open session has just added waits for it, then fails and rolls back whole).
/// </summary>
internal sealed class PostgresDeclarationStore : SqlDeclarationStore
{
    // pg_advisory_xact_lock key for schema migrations: "Entente" in ASCII.
    private const long MigrationLock = 0x456E74656E7465;

    /// <summary>The document column is text, not jsonb: see Migrations/postgres/0001_initial.sql.</summary>
    internal const NpgsqlDbType DocumentType = NpgsqlDbType.Text;

    private readonly NpgsqlDataSource _dataSource;

    public PostgresDeclarationStore(string connectionString, TimeProvider time) : base(time)
    {
        _dataSource = NpgsqlDataSource.Create(connectionString);
    }

    public override StorageProvider Provider => StorageProvider.PostgreSql;

    protected override string MigrationFolder => "postgres";

    protected override string SchemaMigrationsTable =>
        "CREATE TABLE IF NOT EXISTS schema_migrations (version integer NOT NULL PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL)";

    protected override string ForUpdate => " FOR UPDATE";

    protected override async ValueTask<DbConnection> OpenConnectionAsync(CancellationToken cancellationToken) =>
        await _dataSource.OpenConnectionAsync(cancellationToken);

    protected override async Task LockForMigrationAsync(DbConnection connection, DbTransaction transaction, CancellationToken cancellationToken)
    {
        await using var command = Command(connection, transaction, "SELECT pg_advisory_xact_lock(@key)");
        Add(command, "@key", MigrationLock);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    protected override void AddDocument(DbCommand command, string name, string json) =>
        ((NpgsqlCommand)command).Parameters.Add(new NpgsqlParameter(name, DocumentType) { Value = json });

    protected override async Task<DbTransaction> BeginSnapshotAsync(DbConnection connection, CancellationToken cancellationToken) =>
        await connection.BeginTransactionAsync(System.Data.IsolationLevel.RepeatableRead, cancellationToken);

    public override async Task<IIngestSession> BeginIngestAsync(CancellationToken cancellationToken = default)
    {
        var connection = await _dataSource.OpenConnectionAsync(cancellationToken);
        try
        {
            var transaction = await connection.BeginTransactionAsync(cancellationToken);
            return new PostgresIngestSession(connection, transaction, Time);
        }
        catch
        {
            await connection.DisposeAsync();
            throw;
        }
    }

    public override ValueTask DisposeAsync() => _dataSource.DisposeAsync();

    /// <summary>Ingest on PostgreSQL: one key lookup per batch, then binary COPY into each table.</summary>
    private sealed class PostgresIngestSession(NpgsqlConnection connection, NpgsqlTransaction transaction, TimeProvider time)
        : IngestSession(connection, transaction, time)
    {
        protected override async Task<IReadOnlyList<StoredKeys>> FindStoredAsync(IReadOnlyCollection<string> mrns, IReadOnlyCollection<string> lrns, CancellationToken cancellationToken)
        {
            await using var command = new NpgsqlCommand(
                "SELECT id, mrn, coalesce(declarant_id, ''), lrn FROM declarations WHERE mrn = ANY(@mrns) OR lrn = ANY(@lrns)",
                connection, transaction);
            command.Parameters.Add(new NpgsqlParameter("mrns", NpgsqlDbType.Array | NpgsqlDbType.Text) { Value = mrns.ToArray() });
            command.Parameters.Add(new NpgsqlParameter("lrns", NpgsqlDbType.Array | NpgsqlDbType.Text) { Value = lrns.ToArray() });
            var found = new List<StoredKeys>();
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                found.Add(new StoredKeys(reader.GetString(0), reader.IsDBNull(1) ? null : reader.GetString(1), reader.GetString(2),
                    reader.IsDBNull(3) ? null : reader.GetString(3)));
            }
            return found;
        }

        protected override async Task InsertAsync(IReadOnlyList<DeclarationRow> rows, CancellationToken cancellationToken)
        {
            await using (var copy = await connection.BeginBinaryImportAsync(
                "COPY declarations (id, lrn, mrn, declarant_id, type_code, function_code, status, declaration_date, importer_id, items, " +
                "total_value, currency, received_at, source_format, source_file, document) FROM STDIN (FORMAT BINARY)", cancellationToken))
            {
                foreach (var row in rows)
                {
                    await copy.StartRowAsync(cancellationToken);
                    await Text(copy, row.Id, cancellationToken);
                    await Text(copy, row.Lrn, cancellationToken);
                    await Text(copy, row.Mrn, cancellationToken);
                    await Text(copy, row.DeclarantId, cancellationToken);
                    await Text(copy, row.TypeCode, cancellationToken);
                    await Text(copy, row.FunctionCode, cancellationToken);
                    await copy.WriteAsync((int)row.Status, NpgsqlDbType.Integer, cancellationToken);
                    if (row.Date is { } date) await copy.WriteAsync(date, NpgsqlDbType.Date, cancellationToken);
                    else await copy.WriteNullAsync(cancellationToken);
                    await Text(copy, row.ImporterId, cancellationToken);
                    await copy.WriteAsync(row.Items, NpgsqlDbType.Integer, cancellationToken);
                    await Numeric(copy, row.TotalValue, cancellationToken);
                    await Text(copy, row.Currency, cancellationToken);
                    await copy.WriteAsync(row.ReceivedAt, NpgsqlDbType.TimestampTz, cancellationToken);
                    await copy.WriteAsync(DeclarationRow.FormatName(row.Format), NpgsqlDbType.Text, cancellationToken);
                    await copy.WriteAsync(row.SourceFile, NpgsqlDbType.Text, cancellationToken);
                    await copy.WriteAsync(row.Document, DocumentType, cancellationToken);
                }
                await copy.CompleteAsync(cancellationToken);
            }

            if (rows.Any(r => r.Parties.Count > 0))
            {
                await using var copy = await connection.BeginBinaryImportAsync(
                    "COPY declaration_parties (declaration_id, role, party_id) FROM STDIN (FORMAT BINARY)", cancellationToken);
                foreach (var row in rows)
                {
                    foreach (var party in row.Parties)
                    {
                        await copy.StartRowAsync(cancellationToken);
                        await copy.WriteAsync(row.Id, NpgsqlDbType.Text, cancellationToken);
                        await copy.WriteAsync(party.Role, NpgsqlDbType.Text, cancellationToken);
                        await copy.WriteAsync(party.PartyId, NpgsqlDbType.Text, cancellationToken);
                    }
                }
                await copy.CompleteAsync(cancellationToken);
            }

            if (rows.Any(r => r.GoodsItems.Count > 0))
            {
                await using var copy = await connection.BeginBinaryImportAsync(
                    "COPY goods_items (declaration_id, sequence, hs_code, origin, value, currency) FROM STDIN (FORMAT BINARY)", cancellationToken);
                foreach (var row in rows)
                {
                    foreach (var item in row.GoodsItems)
                    {
                        await copy.StartRowAsync(cancellationToken);
                        await copy.WriteAsync(row.Id, NpgsqlDbType.Text, cancellationToken);
                        await copy.WriteAsync(item.Sequence, NpgsqlDbType.Integer, cancellationToken);
                        await Text(copy, item.HsCode, cancellationToken);
                        await Text(copy, item.Origin, cancellationToken);
                        await Numeric(copy, item.Value, cancellationToken);
                        await Text(copy, item.Currency, cancellationToken);
                    }
                }
                await copy.CompleteAsync(cancellationToken);
            }

            if (rows.Any(r => r.Containers.Count > 0))
            {
                await using var copy = await connection.BeginBinaryImportAsync(
                    "COPY containers (declaration_id, container_id) FROM STDIN (FORMAT BINARY)", cancellationToken);
                foreach (var row in rows)
                {
                    foreach (var container in row.Containers)
                    {
                        await copy.StartRowAsync(cancellationToken);
                        await copy.WriteAsync(row.Id, NpgsqlDbType.Text, cancellationToken);
                        await copy.WriteAsync(container, NpgsqlDbType.Text, cancellationToken);
                    }
                }
                await copy.CompleteAsync(cancellationToken);
            }

            await using (var copy = await connection.BeginBinaryImportAsync(
                "COPY status_events (declaration_id, at, to_status, actor, reason) FROM STDIN (FORMAT BINARY)", cancellationToken))
            {
                foreach (var row in rows)
                {
                    await copy.StartRowAsync(cancellationToken);
                    await copy.WriteAsync(row.Id, NpgsqlDbType.Text, cancellationToken);
                    await copy.WriteAsync(row.ReceivedAt, NpgsqlDbType.TimestampTz, cancellationToken);
                    await copy.WriteAsync((int)DeclarationStatus.Received, NpgsqlDbType.Integer, cancellationToken);
                    await copy.WriteAsync(DeclarationRow.IngestActor, NpgsqlDbType.Text, cancellationToken);
                    await copy.WriteAsync(row.SourceFile, NpgsqlDbType.Text, cancellationToken);
                }
                await copy.CompleteAsync(cancellationToken);
            }

            if (rows.Any(r => r.Labels is not null))
            {
                await using var copy = await connection.BeginBinaryImportAsync(
                    "COPY inspection_labels (declaration_id, fraud, critical_fraud, revenue) FROM STDIN (FORMAT BINARY)", cancellationToken);
                foreach (var row in rows)
                {
                    if (row.Labels is not { } labels) continue;
                    await copy.StartRowAsync(cancellationToken);
                    await copy.WriteAsync(row.Id, NpgsqlDbType.Text, cancellationToken);
                    await copy.WriteAsync(labels.Fraud, NpgsqlDbType.Boolean, cancellationToken);
                    if (labels.CriticalFraud is { } critical) await copy.WriteAsync(critical, NpgsqlDbType.Integer, cancellationToken);
                    else await copy.WriteNullAsync(cancellationToken);
                    await Numeric(copy, labels.RevenueRecovered, cancellationToken);
                }
                await copy.CompleteAsync(cancellationToken);
            }
        }

        private static Task Text(NpgsqlBinaryImporter copy, string? value, CancellationToken cancellationToken) =>
            value is null ? copy.WriteNullAsync(cancellationToken) : copy.WriteAsync(value, NpgsqlDbType.Text, cancellationToken);

        private static Task Numeric(NpgsqlBinaryImporter copy, decimal? value, CancellationToken cancellationToken) =>
            value is { } v ? copy.WriteAsync(v, NpgsqlDbType.Numeric, cancellationToken) : copy.WriteNullAsync(cancellationToken);
    }
}
