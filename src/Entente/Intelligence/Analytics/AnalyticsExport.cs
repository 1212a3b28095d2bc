using System.Data.Common;
using System.Globalization;
using System.Text.Json.Nodes;
using DuckDB.NET.Data;
using Entente.Ledger;
using Entente.Storage;
using Parquet;
using Parquet.Schema;

namespace Entente.Intelligence.Analytics;

/// <summary>What one export wrote: per data set, the months rewritten and the rows in them; how personal data went.</summary>
public sealed record ExportReport(string Folder, IReadOnlyList<DatasetExport> Datasets, string PersonalData, long LedgerIndex);

public sealed record DatasetExport(string Dataset, IReadOnlyList<string> Months, long Rows, long Watermark);

/// <summary>The result of an analytics query: column names and rows.</summary>
public sealed record QueryResult(IReadOnlyList<string> Columns, IReadOnlyList<object?[]> Rows);

/// <summary>
/// The analytics store (docs/intelligence.md): declarations, goods items, seizures, risk assessments and inspection
/// outcomes exported as Parquet, one folder per data set and one file per month (<c>dataset/month=YYYY-MM/part-0.parquet</c>,
/// Hive partitioning, which DuckDB, Spark and Trino read as they are), refreshed incrementally: a data set's rows past its
/// watermark (the last row key exported to that folder) name the months that changed, and only those files are
/// rewritten. Parties' identifiers are replaced by the node's keyed party tags (the ledger's) unless the export's
/// purpose allows them in clear; every export is a ledger entry. Queried embedded with DuckDB.
/// </summary>
public sealed class AnalyticsExport(string node, NodeDatabase database, LedgerStore ledger, byte[] subjectKey, TimeProvider time)
{
    public static readonly string[] Datasets = ["declarations", "items", "seizures", "assessments", "outcomes"];

    /// <summary>Purposes under which parties' identifiers may leave in clear (operational work on the named traders); any other, or none, pseudonymises.</summary>
    public static readonly string[] ClearPurposes = ["investigation", "customs-control", "risk-management"];

    private const int RowGroup = 200_000;

    public async Task<ExportReport> ExportAsync(string folder, string? purpose, string? justification, string user, CancellationToken cancellationToken = default)
    {
        var clear = purpose is not null && ClearPurposes.Contains(purpose);
        if (clear && string.IsNullOrWhiteSpace(justification)) throw new ArgumentException("justification: an export with parties in clear needs a justification (recorded in the ledger)");
        folder = Path.GetFullPath(folder);
        Directory.CreateDirectory(folder);
        var results = new List<DatasetExport>();
        foreach (var dataset in Datasets) results.Add(await ExportAsync(folder, Definition(dataset), clear, cancellationToken));
        var personal = clear ? "clear" : "pseudonymised";
        var body = new JsonObject
        {
            ["folder"] = folder,
            ["purpose"] = purpose,
            ["justification"] = justification,
            ["personalData"] = personal,
            ["datasets"] = new JsonArray(results.Select(r => (JsonNode)new JsonObject
            {
                ["dataset"] = r.Dataset,
                ["months"] = new JsonArray(r.Months.Select(m => (JsonNode)m).ToArray()),
                ["rows"] = r.Rows,
                ["watermark"] = r.Watermark,
            }).ToArray()),
        };
        var index = await ledger.AppendAsync(LedgerKinds.AnalyticsExport, new LedgerActor(user, node), body, cancellationToken);
        return new ExportReport(folder, results, personal, index);
    }

    private sealed record Column(string Name, Type Type);

    /// <summary>A data set: its columns, the query over rows past a watermark (key first, month second), and whether a column holds a party's identifier.</summary>
    private sealed record Dataset(string Name, IReadOnlyList<Column> Columns, string Sql, IReadOnlySet<string> Parties);

    private Dataset Definition(string name)
    {
        static Column S(string n) => new(n, typeof(string));
        static Column L(string n) => new(n, typeof(long?));
        static Column D(string n) => new(n, typeof(double?));
        var month = (string? date, string at) => database.IsPostgres
            ? date is null ? $"to_char({at} AT TIME ZONE 'UTC', 'YYYY-MM')" : $"coalesce(to_char({date}, 'YYYY-MM'), to_char({at} AT TIME ZONE 'UTC', 'YYYY-MM'))"
            : date is null ? $"substr({at}, 1, 7)" : $"substr(coalesce({date}, {at}), 1, 7)";
        var text = (string column) => database.IsPostgres ? $"{column}::text" : column;
        return name switch
        {
            "declarations" => new Dataset(name,
                [L("key"), S("id"), S("lrn"), S("mrn"), S("type_code"), S("declaration_date"), S("received_at"), S("declarant"), S("importer"), L("items"), D("total_value"), S("currency")],
                $"SELECT d.key, {month("d.declaration_date", "d.received_at")}, d.key, d.id, d.lrn, d.mrn, d.type_code, {text("d.declaration_date")}, {text("d.received_at")}, d.declarant_id, d.importer_id, d.items, " +
                "CAST(d.total_value AS DOUBLE PRECISION), d.currency FROM declarations d WHERE d.key > @w ORDER BY d.key", new HashSet<string> { "declarant", "importer" }),
            "items" => new Dataset(name,
                [L("declaration_key"), S("declaration_id"), L("sequence"), S("hs_code"), S("hs_chapter"), S("origin"), D("value"), S("currency")],
                $"SELECT d.key, {month("d.declaration_date", "d.received_at")}, d.key, d.id, g.sequence, g.hs_code, substr(g.hs_code, 1, 2), g.origin, CAST(g.value AS DOUBLE PRECISION), g.currency " +
                "FROM goods_items g JOIN declarations d ON d.key = g.declaration_key WHERE d.key > @w ORDER BY d.key, g.sequence", new HashSet<string>()),
            "seizures" => new Dataset(name,
                [L("key"), S("id"), S("seized_on"), S("category"), S("detail"), D("quantity"), S("unit"), D("value"), S("currency"), S("place"), S("detection"), S("concealment"),
                    S("transport_mode"), S("departure"), S("transit"), S("destination"), S("mrn"), S("container"), L("assessment_id"), S("hit_id"), S("offenders")],
                "SELECT key, substr(seized_on, 1, 7), key, id, seized_on, category, detail, quantity, unit, value, currency, place, detection, concealment, transport_mode, departure, transit, " +
                "destination, mrn, container, assessment_id, hit_id, document FROM seizures WHERE key > @w ORDER BY key", new HashSet<string> { "offenders" }),
            "assessments" => new Dataset(name,
                [L("id"), S("declaration_id"), S("assessed_at"), S("lane"), D("score"), L("random_selection"), S("rule_set"), S("model"), D("probability")],
                $"SELECT id, {month(null, "assessed_at")}, id, declaration_id, {text("assessed_at")}, lane, score, CASE WHEN random_selection THEN 1 ELSE 0 END, rule_set, model, probability " +
                "FROM risk_assessments WHERE id > @w ORDER BY id", new HashSet<string>()),
            "outcomes" => new Dataset(name,
                [L("id"), S("declaration_id"), S("recorded_at"), L("found"), L("critical"), D("revenue")],
                $"SELECT id, {month(null, "recorded_at")}, id, declaration_id, {text("recorded_at")}, CASE WHEN found THEN 1 ELSE 0 END, CASE WHEN critical THEN 1 ELSE 0 END, " +
                "CAST(revenue AS DOUBLE PRECISION) FROM inspection_outcomes WHERE id > @w ORDER BY id", new HashSet<string>()),
            _ => throw new ArgumentOutOfRangeException(nameof(name)),
        };
    }

    private async Task<DatasetExport> ExportAsync(string folder, Dataset dataset, bool clear, CancellationToken cancellationToken)
    {
        var watermark = await WatermarkAsync(folder, dataset.Name, cancellationToken);
        // Pass 1: the months with rows past the watermark. Pass 2: every row of those months, one file per month.
        var changed = new SortedSet<string>(StringComparer.Ordinal);
        long last = watermark;
        await using (var connection = await database.ConnectAsync(cancellationToken))
        await using (var command = NodeDatabase.Command(connection, null, dataset.Sql, ("@w", watermark)))
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken))
        {
            while (await reader.ReadAsync(cancellationToken))
            {
                last = Math.Max(last, reader.GetInt64(0));
                changed.Add(reader.IsDBNull(1) ? "unknown" : reader.GetString(1));
            }
        }
        if (changed.Count == 0) return new DatasetExport(dataset.Name, [], 0, watermark);
        var buffers = changed.ToDictionary(m => m, _ => dataset.Columns.Select(_ => new List<object?>()).ToArray(), StringComparer.Ordinal);
        long rows = 0;
        await using (var connection = await database.ConnectAsync(cancellationToken))
        await using (var command = NodeDatabase.Command(connection, null, dataset.Sql, ("@w", 0L)))
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken))
        {
            while (await reader.ReadAsync(cancellationToken))
            {
                var month = reader.IsDBNull(1) ? "unknown" : reader.GetString(1);
                if (!buffers.TryGetValue(month, out var columns)) continue;
                for (var c = 0; c < dataset.Columns.Count; c++) columns[c].Add(Value(reader, c + 2, dataset.Columns[c], dataset.Parties.Contains(dataset.Columns[c].Name), clear));
                rows++;
                if (columns[0].Count >= RowGroup * 4) throw new InvalidOperationException("a month over 800,000 rows: export it in parts (not built yet)");
            }
        }
        foreach (var (month, columns) in buffers) await WriteAsync(Path.Combine(folder, dataset.Name, $"month={month}"), dataset, columns, cancellationToken);
        await SaveWatermarkAsync(folder, dataset.Name, last, rows, clear, cancellationToken);
        return new DatasetExport(dataset.Name, changed.ToList(), rows, last);
    }

    private object? Value(DbDataReader reader, int i, Column column, bool party, bool clear)
    {
        if (reader.IsDBNull(i)) return null;
        if (column.Name == "offenders")
        {
            // The seizure's document: its offenders' identifiers (or names), as tags unless in clear.
            if (JsonNode.Parse(reader.GetString(i))?["seizure"]?["offenders"] is not JsonArray offenders || offenders.Count == 0) return null;
            return string.Join(",", offenders.Select(o => (o?["id"] ?? o?["name"])?.GetValue<string>()).OfType<string>().Select(id => clear ? id : LedgerSubjects.Party(subjectKey, id)));
        }
        if (column.Type == typeof(string))
        {
            var text = Convert.ToString(reader.GetValue(i), CultureInfo.InvariantCulture)!;
            return party && !clear ? LedgerSubjects.Party(subjectKey, text) : text;
        }
        if (column.Type == typeof(long?)) return Convert.ToInt64(reader.GetValue(i), CultureInfo.InvariantCulture);
        return Convert.ToDouble(reader.GetValue(i), CultureInfo.InvariantCulture);
    }

    private static async Task WriteAsync(string directory, Dataset dataset, List<object?>[] columns, CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(directory);
        var fields = dataset.Columns.Select(c => c.Type == typeof(string) ? (DataField)new DataField<string>(c.Name, true)
            : c.Type == typeof(long?) ? new DataField<long?>(c.Name, true) : new DataField<double?>(c.Name, true)).ToArray();
        var schema = new ParquetSchema(fields);
        var path = Path.Combine(directory, "part-0.parquet");
        var temporary = path + ".tmp";
        await using (var stream = File.Create(temporary))
        {
            await using var writer = await ParquetWriter.CreateAsync(schema, stream, new ParquetOptions { CompressionMethod = CompressionMethod.Snappy }, false, cancellationToken);
            var count = columns[0].Count;
            for (var start = 0; start < count; start += RowGroup)
            {
                var n = Math.Min(RowGroup, count - start);
                using var group = writer.CreateRowGroup();
                for (var c = 0; c < fields.Length; c++)
                {
                    var slice = columns[c].GetRange(start, n);
                    if (dataset.Columns[c].Type == typeof(string)) await group.WriteAsync(fields[c], slice.Select(v => (string)v!).ToArray(), null);
                    else if (dataset.Columns[c].Type == typeof(long?)) await group.WriteAsync<long>(fields[c], slice.Select(v => (long?)v).ToArray().AsMemory(), null, null, cancellationToken);
                    else await group.WriteAsync<double>(fields[c], slice.Select(v => (double?)v).ToArray().AsMemory(), null, null, cancellationToken);
                }
                group.CompleteValidate();
            }
        }
        File.Move(temporary, path, overwrite: true);
    }

    private async Task<long> WatermarkAsync(string folder, string dataset, CancellationToken cancellationToken)
    {
        await using var connection = await database.ConnectAsync(cancellationToken);
        await using var command = NodeDatabase.Command(connection, null, "SELECT watermark FROM analytics_exports WHERE folder = @f AND dataset = @d", ("@f", folder), ("@d", dataset));
        var value = await command.ExecuteScalarAsync(cancellationToken);
        // A folder emptied by hand starts again from the beginning.
        return value is null or DBNull || !Directory.Exists(Path.Combine(folder, dataset)) ? 0 : Convert.ToInt64(value, CultureInfo.InvariantCulture);
    }

    private async Task SaveWatermarkAsync(string folder, string dataset, long watermark, long rows, bool clear, CancellationToken cancellationToken)
    {
        await using var connection = await database.ConnectAsync(cancellationToken);
        await using var command = NodeDatabase.Command(connection, null,
            "INSERT INTO analytics_exports (folder, dataset, watermark, rows, exported_at, personal_data) VALUES (@f, @d, @w, @r, @at, @p) " +
            "ON CONFLICT (folder, dataset) DO UPDATE SET watermark = excluded.watermark, rows = excluded.rows, exported_at = excluded.exported_at, personal_data = excluded.personal_data",
            ("@f", folder), ("@d", dataset), ("@w", watermark), ("@r", rows), ("@at", Seizures.SeizureBook.Iso(time.GetUtcNow())), ("@p", clear ? "clear" : "pseudonymised"));
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <summary>
    /// Runs SQL with DuckDB over an export folder: each data set is a view of its Parquet files (with the month column
    /// from the partition), so <c>SELECT ... FROM items</c> works as it would in Spark or Trino over the same files.
    /// </summary>
    public static QueryResult Query(string folder, string sql, int limit = 10_000)
    {
        using var connection = new DuckDBConnection("Data Source=:memory:");
        connection.Open();
        foreach (var dataset in Datasets)
        {
            var files = Path.Combine(Path.GetFullPath(folder), dataset);
            if (!Directory.Exists(files)) continue;
            using var view = connection.CreateCommand();
            view.CommandText = $"CREATE VIEW {dataset} AS SELECT * FROM read_parquet('{files.Replace("'", "''", StringComparison.Ordinal)}/*/*.parquet', hive_partitioning = true)";
            view.ExecuteNonQuery();
        }
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        using var reader = command.ExecuteReader();
        var columns = Enumerable.Range(0, reader.FieldCount).Select(reader.GetName).ToArray();
        var rows = new List<object?[]>();
        while (reader.Read() && rows.Count < limit)
        {
            var row = new object?[reader.FieldCount];
            for (var i = 0; i < row.Length; i++) row[i] = reader.IsDBNull(i) ? null : reader.GetValue(i);
            rows.Add(row);
        }
        return new QueryResult(columns, rows);
    }

    /// <summary>The monthly trend by HS chapter (declarations and value per month and chapter), the query the benchmark times.</summary>
    public const string ChapterTrendSql =
        "SELECT month, hs_chapter, count(DISTINCT declaration_key) AS declarations, sum(value) AS value FROM items GROUP BY month, hs_chapter ORDER BY month, hs_chapter";
}
