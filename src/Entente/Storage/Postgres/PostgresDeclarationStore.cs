using System.Data.Common;
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
    /// <summary>The document column is text, not jsonb: see Migrations/postgres/0001_initial.sql.</summary>
    internal const NpgsqlDbType DocumentType = NpgsqlDbType.Text;

    private readonly NpgsqlDataSource _dataSource;

    public PostgresDeclarationStore(NodeDatabase database, TimeProvider time, bool ownsDatabase) : base(database, time, ownsDatabase)
    {
        _dataSource = database.Postgres ?? throw new ArgumentException("the node database is not on PostgreSQL", nameof(database));
    }

    protected override string ForUpdate => " FOR UPDATE";

    // The document is text (see the migration): parsed as json for the page's few rows only.
    protected override string PartyIdsColumn =>
        "(SELECT string_agg(p ->> 'id', chr(31)) FROM json_array_elements(d.document::json -> 'parties') p)";

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

    /// <summary>Ingest on PostgreSQL: one key lookup per batch, then binary COPY into each table.</summary>
    private sealed class PostgresIngestSession(NpgsqlConnection connection, NpgsqlTransaction transaction, TimeProvider time)
        : DbIngestSession(connection, transaction, time)
    {
        // Five COPYs and a key lookup per batch: a few thousand declarations amortise the round trips.
        public override int WriteBatchSize => 2_048;

        protected override async Task<string?[]> StoreAsync(IReadOnlyList<PreparedDeclaration> batch, CancellationToken cancellationToken)
        {
            // Duplicates are found by looking the batch's keys up inside this transaction, so earlier batches of the unit
            // are seen without a set that grows with the file; within the batch a dictionary of its keys is enough.
            var mrns = new HashSet<string>(StringComparer.Ordinal);
            var lrns = new HashSet<string>(StringComparer.Ordinal);
            foreach (var prepared in batch)
            {
                // An SQLite store prepares the document into its own row form only: it must not be written here empty.
                if (prepared.SqliteRow is not null)
                    throw new ArgumentException("a declaration prepared by an SQLite store cannot be written to PostgreSQL: prepare it with this store", nameof(batch));
                if (prepared.Row.Mrn is { } mrn) mrns.Add(mrn);
                if (prepared.Row.Lrn is { } lrn) lrns.Add(lrn);
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

            var results = new string?[batch.Count];
            var rows = new List<DeclarationRow>(batch.Count);
            for (var i = 0; i < batch.Count; i++)
            {
                var row = batch[i].Row;
                if (row.Mrn is { } mrn && byMrn.TryGetValue(mrn, out var sameMrn))
                {
                    results[i] = sameMrn;
                    continue;
                }
                if (row.Lrn is { } lrn && byLrn.TryGetValue((row.DeclarantKey, lrn), out var sameLrn))
                {
                    results[i] = sameLrn;
                    continue;
                }
                if (row.Mrn is { } newMrn) byMrn[newMrn] = row.Id;
                if (row.Lrn is { } newLrn) byLrn[(row.DeclarantKey, newLrn)] = row.Id;
                rows.Add(row);
            }
            if (rows.Count > 0) await InsertAsync(rows, cancellationToken);
            return results;
        }

        private async Task<IReadOnlyList<StoredKeys>> FindStoredAsync(IReadOnlyCollection<string> mrns, IReadOnlyCollection<string> lrns, CancellationToken cancellationToken)
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

        /// <summary>Takes <paramref name="count"/> numbers from the declarations' key sequence (not necessarily consecutive).</summary>
        private async Task<long[]> ReserveKeysAsync(int count, CancellationToken cancellationToken)
        {
            await using var command = new NpgsqlCommand(
                "SELECT nextval('declarations_key_seq') FROM generate_series(1, @count)", connection, transaction);
            command.Parameters.Add(new NpgsqlParameter("count", NpgsqlDbType.Integer) { Value = count });
            var keys = new long[count];
            var i = 0;
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken)) keys[i++] = reader.GetInt64(0);
            return keys;
        }

        private async Task InsertAsync(IReadOnlyList<DeclarationRow> rows, CancellationToken cancellationToken)
        {
            var keys = await ReserveKeysAsync(rows.Count, cancellationToken);
            await using (var copy = await connection.BeginBinaryImportAsync(
                "COPY declarations (key, id, lrn, mrn, declarant_id, type_code, function_code, status, declaration_date, importer_id, items, " +
                "total_value, currency, received_at, source_format, source_file, document) FROM STDIN (FORMAT BINARY)", cancellationToken))
            {
                for (var r = 0; r < rows.Count; r++)
                {
                    var row = rows[r];
                    await copy.StartRowAsync(cancellationToken);
                    await copy.WriteAsync(keys[r], NpgsqlDbType.Bigint, cancellationToken);
                    await copy.WriteAsync(row.Id, NpgsqlDbType.Text, cancellationToken);
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
                    "COPY declaration_parties (party_id, declaration_key, role) FROM STDIN (FORMAT BINARY)", cancellationToken);
                for (var r = 0; r < rows.Count; r++)
                {
                    foreach (var party in rows[r].Parties)
                    {
                        await copy.StartRowAsync(cancellationToken);
                        await copy.WriteAsync(party.PartyId, NpgsqlDbType.Text, cancellationToken);
                        await copy.WriteAsync(keys[r], NpgsqlDbType.Bigint, cancellationToken);
                        await copy.WriteAsync(party.Role, NpgsqlDbType.Text, cancellationToken);
                    }
                }
                await copy.CompleteAsync(cancellationToken);
            }

            if (rows.Any(r => r.GoodsItems.Count > 0))
            {
                await using var copy = await connection.BeginBinaryImportAsync(
                    "COPY goods_items (declaration_key, sequence, hs_code, origin, value, currency) FROM STDIN (FORMAT BINARY)", cancellationToken);
                for (var r = 0; r < rows.Count; r++)
                {
                    foreach (var item in rows[r].GoodsItems)
                    {
                        await copy.StartRowAsync(cancellationToken);
                        await copy.WriteAsync(keys[r], NpgsqlDbType.Bigint, cancellationToken);
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
                    "COPY containers (container_id, declaration_key) FROM STDIN (FORMAT BINARY)", cancellationToken);
                for (var r = 0; r < rows.Count; r++)
                {
                    foreach (var container in rows[r].Containers)
                    {
                        await copy.StartRowAsync(cancellationToken);
                        await copy.WriteAsync(container, NpgsqlDbType.Text, cancellationToken);
                        await copy.WriteAsync(keys[r], NpgsqlDbType.Bigint, cancellationToken);
                    }
                }
                await copy.CompleteAsync(cancellationToken);
            }

            if (rows.Any(r => r.Findings.Count > 0))
            {
                await using var copy = await connection.BeginBinaryImportAsync(
                    "COPY declaration_findings (code, declaration_key) FROM STDIN (FORMAT BINARY)", cancellationToken);
                for (var r = 0; r < rows.Count; r++)
                {
                    foreach (var code in rows[r].Findings)
                    {
                        await copy.StartRowAsync(cancellationToken);
                        await copy.WriteAsync(code, NpgsqlDbType.Text, cancellationToken);
                        await copy.WriteAsync(keys[r], NpgsqlDbType.Bigint, cancellationToken);
                    }
                }
                await copy.CompleteAsync(cancellationToken);
            }

            if (rows.Any(r => r.Labels is not null))
            {
                await using var copy = await connection.BeginBinaryImportAsync(
                    "COPY inspection_labels (declaration_key, fraud, critical_fraud, revenue) FROM STDIN (FORMAT BINARY)", cancellationToken);
                for (var r = 0; r < rows.Count; r++)
                {
                    if (rows[r].Labels is not { } labels) continue;
                    await copy.StartRowAsync(cancellationToken);
                    await copy.WriteAsync(keys[r], NpgsqlDbType.Bigint, cancellationToken);
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
