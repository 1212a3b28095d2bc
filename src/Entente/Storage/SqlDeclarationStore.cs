using System.Data.Common;
using System.Globalization;
using System.Text;
using Entente.Common;
using Entente.Declarations;

namespace Entente.Storage;

/// <summary>
/// What both providers share: the SQL that reads the same on SQLite and PostgreSQL, over the node's gateway
/// (<see cref="NodeDatabase"/>: connections and migrations). A provider supplies its bulk ingest path and the few
/// fragments where the dialects differ.
/// </summary>
internal abstract class SqlDeclarationStore(NodeDatabase database, TimeProvider time, bool ownsDatabase) : IDeclarationStore
{
    protected const string ListingColumns =
        "d.id, d.lrn, d.mrn, d.type_code, d.status, d.declaration_date, d.declarant_id, d.importer_id, d.items, d.total_value, d.currency";

    protected TimeProvider Time { get; } = time;

    protected NodeDatabase Database { get; } = database;

    public StorageProvider Provider => Database.Provider;

    /// <summary>What to append to a SELECT that is about to update the row it reads.</summary>
    protected abstract string ForUpdate { get; }

    /// <summary>
    /// The identifiers of all the parties in a listed declaration's document (d.document), joined by
    /// <see cref="PartyIdSeparator"/>: a hit's references may embed any of them, not only the declarant's and importer's.
    /// </summary>
    protected abstract string PartyIdsColumn { get; }

    protected const char PartyIdSeparator = '\u001f';

    protected Task<DbConnection> OpenConnectionAsync(CancellationToken cancellationToken) => Database.ConnectAsync(cancellationToken);

    public abstract Task<IIngestSession> BeginIngestAsync(CancellationToken cancellationToken = default);

    public virtual Task<IIngestSession> BeginBulkLoadAsync(CancellationToken cancellationToken = default) => BeginIngestAsync(cancellationToken);

    public PreparedDeclaration Prepare(PendingDeclaration pending)
    {
        ArgumentNullException.ThrowIfNull(pending);
        return Prepare(pending, Time.GetUtcNow());
    }

    /// <summary>The row, and what the provider's writer wants ready beside it, made on the caller's thread.</summary>
    protected virtual PreparedDeclaration Prepare(PendingDeclaration pending, DateTimeOffset receivedAt) => new(DeclarationRow.Of(pending, receivedAt));

    /// <summary>A store opened from a setting (<see cref="DeclarationStores.Open(string, TimeProvider)"/>) closes the gateway it opened.</summary>
    public ValueTask DisposeAsync() => ownsDatabase ? Database.DisposeAsync() : ValueTask.CompletedTask;

    /// <summary>The parameter that carries the canonical JSON document into the document column.</summary>
    protected virtual void AddDocument(DbCommand command, string name, string json) => Add(command, name, json);

    public Task MigrateAsync(CancellationToken cancellationToken = default) => Database.MigrateAsync(Time, cancellationToken);

    public async Task<StoredDeclaration?> GetAsync(string id, CancellationToken cancellationToken = default)
    {
        await using var connection = await OpenConnectionAsync(cancellationToken);
        return await ReadStoredAsync(connection, "d.id = @reference", id, cancellationToken);
    }

    public async Task<StoredDeclaration?> FindAsync(string reference, CancellationToken cancellationToken = default)
    {
        var key = DeclarationRow.Key(reference);
        if (key is null) return null;
        await using var connection = await OpenConnectionAsync(cancellationToken);
        return await ReadStoredAsync(connection,
            "(d.id = @reference OR d.mrn = @reference OR d.lrn = @reference) " +
            "ORDER BY CASE WHEN d.id = @reference THEN 0 WHEN d.mrn = @reference THEN 1 ELSE 2 END, d.id LIMIT 1",
            key, cancellationToken);
    }

    private static async Task<StoredDeclaration?> ReadStoredAsync(DbConnection connection, string where, string reference, CancellationToken cancellationToken)
    {
        await using var command = Command(connection, null,
            "SELECT d.document, d.received_at, d.source_format, d.source_file, l.fraud, l.critical_fraud, l.revenue " +
            "FROM declarations d LEFT JOIN inspection_labels l ON l.declaration_key = d.key WHERE " + where);
        Add(command, "@reference", reference);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        if (!await reader.ReadAsync(cancellationToken)) return null;
        var labels = reader.IsDBNull(4)
            ? null
            : new InspectionLabels(reader.GetBoolean(4), NullableInt(reader, 5), NullableDecimal(reader, 6));
        return new StoredDeclaration(
            EntenteJson.Deserialize(reader.GetString(0)),
            reader.GetFieldValue<DateTimeOffset>(1),
            DeclarationRow.ParseFormat(reader.GetString(2)),
            reader.GetString(3),
            labels);
    }

    public async Task<SearchPage> SearchAsync(DeclarationQuery query, CancellationToken cancellationToken = default)
    {
        var limit = Math.Clamp(query.Limit, 1, DeclarationStores.MaxPageSize);
        await using var connection = await OpenConnectionAsync(cancellationToken);
        await using var command = Command(connection, null, "");
        var where = new List<string>();

        if (DeclarationRow.Key(query.Reference) is { } reference)
        {
            where.Add("(d.id = @reference OR d.mrn = @reference OR d.lrn = @reference)");
            Add(command, "@reference", reference);
        }
        if (DeclarationRow.Key(query.PartyId) is { } party)
        {
            where.Add("d.key IN (SELECT p.declaration_key FROM declaration_parties p WHERE p.party_id = @party)");
            Add(command, "@party", party);
        }
        // HS prefix and origin describe one goods item together: "an item of chapter 84 from CN".
        var item = new List<string>();
        var itemValues = new List<(string Name, object Value)>();
        if (DeclarationRow.HsCode(query.HsPrefix) is { } prefix)
        {
            // A range on the code, not LIKE: both engines then walk the hs_code index.
            item.Add("g.hs_code >= @hs_from AND g.hs_code < @hs_to");
            itemValues.Add(("@hs_from", prefix));
            itemValues.Add(("@hs_to", prefix[..^1] + (char)(prefix[^1] + 1)));
        }
        if (DeclarationRow.CountryCode(query.OriginCountryCode) is { } origin)
        {
            item.Add("g.origin = @origin");
            itemValues.Add(("@origin", origin));
        }
        if (item.Count > 0)
        {
            var matching = "SELECT g.declaration_key FROM goods_items g WHERE " + string.Join(" AND ", item);
            // When few goods items match (a heading from one origin), their declarations are taken by key; otherwise walked
            // in id order. PostgreSQL's planner, taking the code and the origin as independent, overestimates how many
            // match and walks every declaration in id order to find a page of 50 among a few hundred (250 ms at 1M).
            var keys = await FewKeysAsync(connection, matching, itemValues, cancellationToken);
            if (keys is null)
            {
                where.Add($"d.key IN ({matching})");
                foreach (var (name, value) in itemValues) Add(command, name, value);
            }
            else where.Add(keys.Count == 0 ? "1 = 0" : $"d.key IN ({string.Join(", ", keys.Select(k => k.ToString(CultureInfo.InvariantCulture)))})");
        }
        if (query.From is { } from)
        {
            where.Add("d.declaration_date >= @from");
            Add(command, "@from", from);
        }
        if (query.To is { } to)
        {
            where.Add("d.declaration_date <= @to");
            Add(command, "@to", to);
        }
        if (DeclarationRow.ContainerNumber(query.ContainerId) is { } container)
        {
            where.Add("d.key IN (SELECT c.declaration_key FROM containers c WHERE c.container_id = @container)");
            Add(command, "@container", container);
        }
        if (DeclarationRow.Key(query.Finding) is { } finding)
        {
            where.Add("d.key IN (SELECT f.declaration_key FROM declaration_findings f WHERE f.code = @finding)");
            Add(command, "@finding", finding);
        }
        if (query.Status is { } status)
        {
            where.Add("d.status = @status");
            Add(command, "@status", (int)status);
        }
        if (DeclarationRow.Key(query.After) is { } after)
        {
            where.Add("d.id > @after");
            Add(command, "@after", after);
        }

        var sql = new StringBuilder("SELECT ").Append(ListingColumns).Append(", ").Append(PartyIdsColumn).Append(" FROM declarations d");
        if (where.Count > 0) sql.Append(" WHERE ").AppendJoin(" AND ", where);
        sql.Append(" ORDER BY d.id LIMIT @limit");
        Add(command, "@limit", limit + 1);
        command.CommandText = sql.ToString();

        var items = new List<DeclarationListing>(Math.Min(limit + 1, 64));
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken)) items.Add(ReadListing(reader));
        if (items.Count <= limit) return new SearchPage(items, null);
        items.RemoveAt(limit);
        return new SearchPage(items, items[^1].Id);
    }

    /// <summary>At most this many declaration keys found by their goods items are listed in a search's SQL.</summary>
    private const int FewKeys = 2_000;

    /// <summary>The keys of the declarations <paramref name="items"/> selects, when there are at most <see cref="FewKeys"/>; otherwise null.</summary>
    private static async Task<List<long>?> FewKeysAsync(DbConnection connection, string items, List<(string Name, object Value)> values, CancellationToken cancellationToken)
    {
        await using var command = Command(connection, null, $"{items} LIMIT {FewKeys + 1}");
        foreach (var (name, value) in values) Add(command, name, value);
        var keys = new HashSet<long>();
        var rows = 0;
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            if (++rows > FewKeys) return null;
            keys.Add(reader.GetInt64(0));
        }
        return [.. keys.Order()];
    }

    private static DeclarationListing ReadListing(DbDataReader r) => new(
        r.GetString(0), NullableString(r, 1), NullableString(r, 2), NullableString(r, 3), (DeclarationStatus)r.GetInt32(4),
        r.IsDBNull(5) ? null : r.GetFieldValue<DateOnly>(5), NullableString(r, 6), NullableString(r, 7), r.GetInt32(8),
        NullableDecimal(r, 9), NullableString(r, 10))
    {
        PartyIds = r.IsDBNull(11) ? [] : r.GetString(11).Split(PartyIdSeparator, StringSplitOptions.RemoveEmptyEntries),
    };

    public async Task<StatusChange> ChangeStatusAsync(string id, DeclarationStatus to, string actor, string? reason, CancellationToken cancellationToken = default)
    {
        await using var connection = await OpenConnectionAsync(cancellationToken);
        await using var transaction = await Database.BeginWriteAsync(connection, cancellationToken);
        DeclarationStatus from;
        string document;
        await using (var read = Command(connection, transaction, "SELECT status, document FROM declarations WHERE id = @id" + ForUpdate))
        {
            Add(read, "@id", id);
            await using var reader = await read.ExecuteReaderAsync(cancellationToken);
            if (!await reader.ReadAsync(cancellationToken)) return new StatusChange(false, false, null, to);
            from = (DeclarationStatus)reader.GetInt32(0);
            document = reader.GetString(1);
        }
        if (!DeclarationLifecycle.CanMove(from, to)) return new StatusChange(true, false, from, to);

        var declaration = EntenteJson.Deserialize(document);
        declaration.Status = to;
        await using (var update = Command(connection, transaction, "UPDATE declarations SET status = @status, document = @document WHERE id = @id"))
        {
            Add(update, "@status", (int)to);
            AddDocument(update, "@document", EntenteJson.Serialize(declaration));
            Add(update, "@id", id);
            await update.ExecuteNonQueryAsync(cancellationToken);
        }
        await using (var record = Command(connection, transaction,
            "INSERT INTO status_events (declaration_id, at, from_status, to_status, actor, reason) VALUES (@id, @at, @from, @to, @actor, @reason)"))
        {
            Add(record, "@id", id);
            Add(record, "@at", Time.GetUtcNow());
            Add(record, "@from", (int)from);
            Add(record, "@to", (int)to);
            Add(record, "@actor", actor);
            Add(record, "@reason", reason);
            await record.ExecuteNonQueryAsync(cancellationToken);
        }
        await transaction.CommitAsync(cancellationToken);
        return new StatusChange(true, true, from, to);
    }

    public async Task<IReadOnlyList<StatusEvent>> GetHistoryAsync(string id, CancellationToken cancellationToken = default)
    {
        await using var connection = await OpenConnectionAsync(cancellationToken);
        // Ingest writes no event: the first one, null -> received by the ingest from its source file, is read off the declaration.
        await using var command = Command(connection, null,
            "SELECT 0 AS n, received_at, NULL, @received, @actor, source_file FROM declarations WHERE id = @id " +
            "UNION ALL SELECT id, at, from_status, to_status, actor, reason FROM status_events WHERE declaration_id = @id ORDER BY n");
        Add(command, "@id", id);
        Add(command, "@received", (int)DeclarationStatus.Received);
        Add(command, "@actor", DeclarationRow.IngestActor);
        var events = new List<StatusEvent>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            events.Add(new StatusEvent(
                reader.GetFieldValue<DateTimeOffset>(1),
                reader.IsDBNull(2) ? null : (DeclarationStatus)reader.GetInt32(2),
                (DeclarationStatus)reader.GetInt32(3),
                reader.GetString(4),
                NullableString(reader, 5)));
        }
        return events;
    }

    public async Task<AmendmentOutcome> AmendAsync(AmendmentRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        await using var connection = await OpenConnectionAsync(cancellationToken);
        await using var transaction = await Database.BeginWriteAsync(connection, cancellationToken);
        var outcome = await AmendAsync(connection, transaction, request, null, cancellationToken);
        if (outcome.Result is AmendmentResult.Applied or AmendmentResult.Pending) await transaction.CommitAsync(cancellationToken);
        return outcome;
    }

    public async Task<IReadOnlyList<AmendmentOutcome>> ApplyPendingAmendmentsAsync(Func<Declaration, IReadOnlyList<string>> revalidate, CancellationToken cancellationToken = default)
    {
        var due = new List<(string Id, AmendmentRequest Request)>();
        await using var connection = await OpenConnectionAsync(cancellationToken);
        await using (var command = Command(connection, null,
            "SELECT p.id, p.reference, p.kind, p.source_format, p.source_file, p.reason, p.document FROM declaration_amendments p " +
            "WHERE p.applied_to IS NULL AND (EXISTS (SELECT 1 FROM declarations d WHERE d.mrn = p.reference) " +
            "OR EXISTS (SELECT 1 FROM declarations d WHERE d.lrn = p.reference)) ORDER BY p.id"))
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken))
        {
            while (await reader.ReadAsync(cancellationToken))
            {
                due.Add((reader.GetString(0), new AmendmentRequest(DeclarationAmendmentSql.ParseKind(reader.GetString(2)), reader.GetString(1),
                    EntenteJson.Deserialize(reader.GetString(6)), DeclarationRow.ParseFormat(reader.GetString(3)), reader.GetString(4))
                {
                    Reason = NullableString(reader, 5),
                    Revalidate = revalidate,
                }));
            }
        }
        var outcomes = new List<AmendmentOutcome>(due.Count);
        foreach (var (id, request) in due)
        {
            await using var transaction = await Database.BeginWriteAsync(connection, cancellationToken);
            var outcome = await AmendAsync(connection, transaction, request, id, cancellationToken);
            if (outcome.Result == AmendmentResult.Applied) await transaction.CommitAsync(cancellationToken);
            outcomes.Add(outcome);
        }
        return outcomes;
    }

    public async Task<IReadOnlyList<PendingAmendment>> GetPendingAmendmentsAsync(CancellationToken cancellationToken = default)
    {
        await using var connection = await OpenConnectionAsync(cancellationToken);
        await using var command = Command(connection, null,
            "SELECT id, reference, kind, received_at, source_file, reason FROM declaration_amendments WHERE applied_to IS NULL ORDER BY id");
        var pending = new List<PendingAmendment>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            pending.Add(new PendingAmendment(reader.GetString(0), reader.GetString(1), DeclarationAmendmentSql.ParseKind(reader.GetString(2)),
                reader.GetFieldValue<DateTimeOffset>(3), reader.GetString(4), NullableString(reader, 5)));
        }
        return pending;
    }

    public async Task<IReadOnlyList<DeclarationVersion>> GetVersionsAsync(string id, CancellationToken cancellationToken = default)
    {
        await using var connection = await OpenConnectionAsync(cancellationToken);
        await using var command = Command(connection, null,
            "SELECT version, superseded_at, superseded_by, document FROM declaration_versions WHERE declaration_id = @id ORDER BY version");
        Add(command, "@id", id);
        var versions = new List<DeclarationVersion>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            versions.Add(new DeclarationVersion(reader.GetInt32(0), reader.GetFieldValue<DateTimeOffset>(1), reader.GetString(2),
                EntenteJson.Deserialize(reader.GetString(3))));
        }
        return versions;
    }

    private async Task<AmendmentOutcome> AmendAsync(DbConnection connection, DbTransaction transaction, AmendmentRequest request, string? pendingId,
        CancellationToken cancellationToken)
    {
        var reference = DeclarationRow.Key(request.Reference) ?? throw new ArgumentException("an amendment names the declaration it amends", nameof(request));
        long key;
        string id;
        DeclarationStatus from;
        string document;
        await using (var read = Command(connection, transaction,
            "SELECT key, id, status, document FROM declarations WHERE mrn = @reference OR lrn = @reference " +
            "ORDER BY CASE WHEN mrn = @reference THEN 0 ELSE 1 END, id LIMIT 1" + ForUpdate))
        {
            Add(read, "@reference", reference);
            await using var reader = await read.ExecuteReaderAsync(cancellationToken);
            if (!await reader.ReadAsync(cancellationToken))
            {
                (key, id, from, document) = (0, "", default, "");
            }
            else
            {
                (key, id, from, document) = (reader.GetInt64(0), reader.GetString(1), (DeclarationStatus)reader.GetInt32(2), reader.GetString(3));
            }
        }
        var now = Time.GetUtcNow();
        var change = EntenteJson.Serialize(request.Change);
        if (pendingId is null)
        {
            await using var same = Command(connection, transaction,
                "SELECT id, applied_to FROM declaration_amendments WHERE reference = @reference AND kind = @kind AND document = @document ORDER BY id LIMIT 1");
            Add(same, "@reference", reference);
            Add(same, "@kind", DeclarationAmendmentSql.KindName(request.Kind));
            AddDocument(same, "@document", change);
            await using var reader = await same.ExecuteReaderAsync(cancellationToken);
            if (await reader.ReadAsync(cancellationToken))
                return new AmendmentOutcome(AmendmentResult.Duplicate, NullableString(reader, 1) ?? reader.GetString(0), null, null) { AmendmentId = reader.GetString(0) };
        }
        var amendmentId = pendingId ?? TimeOrderedIds.NewVersion7(now).ToString();
        if (id.Length == 0)
        {
            if (pendingId is not null) return new AmendmentOutcome(AmendmentResult.Pending, pendingId, null, null) { AmendmentId = pendingId };
            if (!request.KeepUnmatched) return new AmendmentOutcome(AmendmentResult.NotFound, null, null, null);
            await using var keep = Command(connection, transaction,
                "INSERT INTO declaration_amendments (id, reference, kind, received_at, source_format, source_file, reason, document) " +
                "VALUES (@id, @reference, @kind, @at, @format, @file, @reason, @document)");
            Add(keep, "@id", amendmentId);
            Add(keep, "@reference", reference);
            Add(keep, "@kind", DeclarationAmendmentSql.KindName(request.Kind));
            Add(keep, "@at", now);
            Add(keep, "@format", DeclarationRow.FormatName(request.Format));
            Add(keep, "@file", request.SourceFile);
            Add(keep, "@reason", request.Reason);
            AddDocument(keep, "@document", change);
            await keep.ExecuteNonQueryAsync(cancellationToken);
            return new AmendmentOutcome(AmendmentResult.Pending, amendmentId, null, null) { AmendmentId = amendmentId };
        }

        var to = request.Kind == AmendmentKind.Cancel ? DeclarationStatus.Invalidated : DeclarationStatus.AmendmentAccepted;
        if (!DeclarationLifecycle.CanMove(from, to))
        {
            return new AmendmentOutcome(AmendmentResult.NotAllowed, id, from, to)
            {
                Problems = [$"declaration {id} ({reference}) is {DeclarationLifecycle.ToName(from)}: a {DeclarationAmendmentSql.Describe(request.Kind)} cannot be applied " +
                    $"(from {DeclarationLifecycle.ToName(from)} it may move to: {string.Join(", ", DeclarationLifecycle.AllowedFrom(from).Select(DeclarationLifecycle.ToName))})"],
            };
        }
        var stored = EntenteJson.Deserialize(document);
        var amended = DeclarationAmendments.Apply(stored, request.Change, request.Kind);
        amended.Id = id;
        amended.Status = to;
        if (request.Kind == AmendmentKind.Cancel)
        {
            amended.Findings = stored.Findings;
        }
        else
        {
            var problems = request.Revalidate(amended);
            if (problems.Count > 0) return new AmendmentOutcome(AmendmentResult.Refused, id, from, to) { Problems = problems };
        }

        int version;
        await using (var count = Command(connection, transaction, "SELECT count(*) FROM declaration_versions WHERE declaration_id = @id"))
        {
            Add(count, "@id", id);
            version = Convert.ToInt32(await count.ExecuteScalarAsync(cancellationToken), System.Globalization.CultureInfo.InvariantCulture) + 1;
        }
        var by = $"{DeclarationAmendmentSql.Describe(request.Kind)} from {request.SourceFile}";
        await using (var keep = Command(connection, transaction,
            "INSERT INTO declaration_versions (declaration_id, version, superseded_at, superseded_by, document) VALUES (@id, @version, @at, @by, @document)"))
        {
            Add(keep, "@id", id);
            Add(keep, "@version", version);
            Add(keep, "@at", now);
            Add(keep, "@by", by);
            AddDocument(keep, "@document", document);
            await keep.ExecuteNonQueryAsync(cancellationToken);
        }

        var row = DeclarationRow.Of(new PendingDeclaration(amended, null, request.Format, request.SourceFile), now, withDocument: false);
        await using (var update = Command(connection, transaction,
            "UPDATE declarations SET lrn = @lrn, mrn = @mrn, declarant_id = @declarant, type_code = @type, status = @status, " +
            "declaration_date = @date, importer_id = @importer, items = @items, total_value = @total, currency = @currency, document = @document WHERE key = @key"))
        {
            Add(update, "@lrn", row.Lrn);
            Add(update, "@mrn", row.Mrn);
            Add(update, "@declarant", row.DeclarantId);
            Add(update, "@type", row.TypeCode);
            Add(update, "@status", (int)to);
            Add(update, "@date", row.Date);
            Add(update, "@importer", row.ImporterId);
            Add(update, "@items", row.Items);
            Add(update, "@total", row.TotalValue);
            Add(update, "@currency", row.Currency);
            AddDocument(update, "@document", EntenteJson.Serialize(amended));
            Add(update, "@key", key);
            await update.ExecuteNonQueryAsync(cancellationToken);
        }
        foreach (var table in new[] { "declaration_parties", "goods_items", "containers", "declaration_findings" })
        {
            await using var clear = Command(connection, transaction, $"DELETE FROM {table} WHERE declaration_key = @key");
            Add(clear, "@key", key);
            await clear.ExecuteNonQueryAsync(cancellationToken);
        }
        foreach (var party in row.Parties)
            await InsertAsync(connection, transaction, "INSERT INTO declaration_parties (party_id, declaration_key, role) VALUES (@a, @key, @b)", key, cancellationToken, party.PartyId, party.Role);
        foreach (var item in row.GoodsItems)
            await InsertAsync(connection, transaction, "INSERT INTO goods_items (declaration_key, sequence, hs_code, origin, value, currency) VALUES (@key, @a, @b, @c, @d, @e)",
                key, cancellationToken, item.Sequence, item.HsCode, item.Origin, item.Value, item.Currency);
        foreach (var container in row.Containers)
            await InsertAsync(connection, transaction, "INSERT INTO containers (container_id, declaration_key) VALUES (@a, @key)", key, cancellationToken, container);
        foreach (var code in row.Findings)
            await InsertAsync(connection, transaction, "INSERT INTO declaration_findings (code, declaration_key) VALUES (@a, @key)", key, cancellationToken, code);

        var reason = $"{by}{(request.Reason is { Length: > 0 } r ? $": {r}" : "")} (version {version} kept)";
        await using (var record = Command(connection, transaction,
            "INSERT INTO status_events (declaration_id, at, from_status, to_status, actor, reason) VALUES (@id, @at, @from, @to, @actor, @reason)"))
        {
            Add(record, "@id", id);
            Add(record, "@at", now);
            Add(record, "@from", (int)from);
            Add(record, "@to", (int)to);
            Add(record, "@actor", request.Actor);
            Add(record, "@reason", reason);
            await record.ExecuteNonQueryAsync(cancellationToken);
        }
        await using (var applied = Command(connection, transaction, pendingId is not null
            ? "UPDATE declaration_amendments SET applied_to = @to, applied_at = @at WHERE id = @id"
            : "INSERT INTO declaration_amendments (id, reference, kind, received_at, source_format, source_file, reason, document, applied_to, applied_at) " +
              "VALUES (@id, @reference, @kind, @at, @format, @file, @reason, @document, @to, @at)"))
        {
            Add(applied, "@to", id);
            Add(applied, "@at", now);
            Add(applied, "@id", amendmentId);
            if (pendingId is null)
            {
                Add(applied, "@reference", reference);
                Add(applied, "@kind", DeclarationAmendmentSql.KindName(request.Kind));
                Add(applied, "@format", DeclarationRow.FormatName(request.Format));
                Add(applied, "@file", request.SourceFile);
                Add(applied, "@reason", request.Reason);
                AddDocument(applied, "@document", change);
            }
            await applied.ExecuteNonQueryAsync(cancellationToken);
        }
        return new AmendmentOutcome(AmendmentResult.Applied, id, from, to) { SupersededVersion = version, Findings = amended.Findings ?? [], AmendmentId = amendmentId };
    }

    private static async Task InsertAsync(DbConnection connection, DbTransaction transaction, string sql, long key, CancellationToken cancellationToken, params object?[] values)
    {
        await using var command = Command(connection, transaction, sql);
        Add(command, "@key", key);
        for (var i = 0; i < values.Length; i++) Add(command, "@" + (char)('a' + i), values[i]);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    public async Task<DeclarationSummary> SummariseAsync(int top = 10, CancellationToken cancellationToken = default)
    {
        top = Math.Clamp(top, 1, DeclarationStores.MaxPageSize);
        await using var connection = await OpenConnectionAsync(cancellationToken);
        await using var transaction = await BeginSnapshotAsync(connection, cancellationToken);

        long declarations, goodsItems, withLabels, fraud;
        DateOnly? first, last;
        await using (var command = Command(connection, transaction,
            "SELECT (SELECT count(*) FROM declarations), (SELECT count(*) FROM goods_items), " +
            "(SELECT count(*) FROM inspection_labels), (SELECT count(*) FROM inspection_labels WHERE fraud), " +
            "(SELECT min(declaration_date) FROM declarations), (SELECT max(declaration_date) FROM declarations)"))
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken))
        {
            await reader.ReadAsync(cancellationToken);
            declarations = reader.GetInt64(0);
            goodsItems = reader.GetInt64(1);
            withLabels = reader.GetInt64(2);
            fraud = reader.GetInt64(3);
            first = reader.IsDBNull(4) ? null : reader.GetFieldValue<DateOnly>(4);
            last = reader.IsDBNull(5) ? null : reader.GetFieldValue<DateOnly>(5);
        }

        var chapters = await CountsAsync(connection, transaction,
            "SELECT substr(hs_code, 1, 2) AS k, count(*) AS n, sum(value) FROM goods_items WHERE hs_code IS NOT NULL " +
            "GROUP BY substr(hs_code, 1, 2) ORDER BY n DESC, k LIMIT @top", top, cancellationToken);
        var origins = await CountsAsync(connection, transaction,
            "SELECT origin AS k, count(*) AS n, sum(value) FROM goods_items WHERE origin IS NOT NULL " +
            "GROUP BY origin ORDER BY n DESC, k LIMIT @top", top, cancellationToken);
        var currencies = await CountsAsync(connection, transaction,
            "SELECT currency AS k, count(*) AS n, sum(total_value) AS v FROM declarations WHERE currency IS NOT NULL " +
            "GROUP BY currency ORDER BY v DESC, k LIMIT @top", top, cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return new DeclarationSummary(declarations, goodsItems, withLabels, fraud, chapters, origins, currencies, first, last);
    }

    /// <summary>A read transaction whose statements all see one state of the store.</summary>
    protected virtual async Task<DbTransaction> BeginSnapshotAsync(DbConnection connection, CancellationToken cancellationToken) =>
        await connection.BeginTransactionAsync(cancellationToken);

    private static async Task<IReadOnlyList<CountOf>> CountsAsync(DbConnection connection, DbTransaction transaction, string sql, int top, CancellationToken cancellationToken)
    {
        await using var command = Command(connection, transaction, sql);
        Add(command, "@top", top);
        var counts = new List<CountOf>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
            // SQLite sums indexed amounts as floating point: summaries are rounded to cents.
            counts.Add(new CountOf(reader.GetString(0), reader.GetInt64(1), Math.Round(NullableDecimal(reader, 2) ?? 0m, 2)));
        return counts;
    }

    public async Task<long> CountAsync(CancellationToken cancellationToken = default)
    {
        await using var connection = await OpenConnectionAsync(cancellationToken);
        await using var command = Command(connection, null, "SELECT count(*) FROM declarations");
        return Convert.ToInt64(await command.ExecuteScalarAsync(cancellationToken), System.Globalization.CultureInfo.InvariantCulture);
    }

    protected static DbCommand Command(DbConnection connection, DbTransaction? transaction, string sql)
    {
        CrashPoint.BeforeStatement();
        var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = sql;
        return command;
    }

    protected static DbParameter Add(DbCommand command, string name, object? value)
    {
        var parameter = command.CreateParameter();
        parameter.ParameterName = name;
        parameter.Value = value ?? DBNull.Value;
        command.Parameters.Add(parameter);
        return parameter;
    }

    protected static async Task ExecuteAsync(DbConnection connection, DbTransaction? transaction, string sql, CancellationToken cancellationToken)
    {
        await using var command = Command(connection, transaction, sql);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    protected static string? NullableString(DbDataReader r, int i) => r.IsDBNull(i) ? null : r.GetString(i);

    protected static int? NullableInt(DbDataReader r, int i) => r.IsDBNull(i) ? null : r.GetInt32(i);

    protected static decimal? NullableDecimal(DbDataReader r, int i) => r.IsDBNull(i) ? null : r.GetDecimal(i);
}
