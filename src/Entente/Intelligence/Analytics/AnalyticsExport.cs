using System.Collections.Concurrent;
using System.Data.Common;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Text.Json.Nodes;
using System.Threading.Channels;
using DuckDB.NET.Data;
using Entente.Ledger;
using Entente.Storage;
using Microsoft.Data.Sqlite;
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
public sealed partial class AnalyticsExport(string node, NodeDatabase database, LedgerStore ledger, byte[] subjectKey, TimeProvider time)
{
    public static readonly string[] Datasets = ["declarations", "items", "seizures", "assessments", "outcomes"];

    /// <summary>
    /// The items' pre-aggregate, written with them month by month: per month and HS chapter the declarations (distinct),
    /// the items and their value (<c>items_by_chapter/month=YYYY-MM/part-0.parquet</c>), what the monthly trend reads.
    /// </summary>
    public const string ChapterAggregate = "items_by_chapter";

    /// <summary>Purposes under which parties' identifiers may leave in clear (operational work on the named traders); any other, or none, pseudonymises.</summary>
    public static readonly string[] ClearPurposes = ["investigation", "customs-control", "risk-management"];

    /// <summary>Rows per row group when a month's rows come together (as they do when declarations arrive in date order).</summary>
    private const int RowGroup = 262_144;

    /// <summary>Rows held in memory across all months: past it, the month with the most rows is written out as a row group.</summary>
    private const int Buffered = 1_500_000;

    public async Task<ExportReport> ExportAsync(string folder, string? purpose, string? justification, string user, CancellationToken cancellationToken = default)
    {
        var clear = purpose is not null && ClearPurposes.Contains(purpose);
        if (clear && string.IsNullOrWhiteSpace(justification)) throw new ArgumentException("justification: an export with parties in clear needs a justification (recorded in the ledger)");
        folder = Path.GetFullPath(folder);
        Directory.CreateDirectory(folder);
        // The data sets are read side by side (one connection each), so that reading the store and encoding Parquet use every core.
        var results = await Task.WhenAll(Datasets.Select(dataset => Task.Run(() => ExportAsync(folder, Definition(dataset), clear, cancellationToken), cancellationToken)));
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

    private enum Kind { Text, Party, Offenders, Long, Double }

    private sealed record Column(string Name, Kind Kind)
    {
        public bool IsText => Kind is Kind.Text or Kind.Party or Kind.Offenders;
    }

    /// <summary>
    /// A data set: its columns, the row key (the watermark's), the month each row falls in ('unknown' without a date), and
    /// the select list (the columns, in order) over its tables.
    /// </summary>
    private sealed record Dataset(string Name, IReadOnlyList<Column> Columns, string Key, string Month, string Select, string From)
    {
        public string ChangedSql => $"SELECT {Month}, max({Key}) FROM {From} WHERE {Key} > @w GROUP BY 1";

        public string RowsSql(int months) =>
            $"SELECT {Key}, {Month}, {Select} FROM {From}" + (months == 0 ? "" : $" WHERE {Month} IN ({string.Join(", ", Enumerable.Range(0, months).Select(i => $"@m{i}"))})");
    }

    private Dataset Definition(string name)
    {
        static Column S(string n) => new(n, Kind.Text);
        static Column P(string n) => new(n, Kind.Party);
        static Column L(string n) => new(n, Kind.Long);
        static Column D(string n) => new(n, Kind.Double);
        var month = (string? date, string at) => "coalesce(" + (database.IsPostgres
            ? date is null ? $"to_char({at} AT TIME ZONE 'UTC', 'YYYY-MM')" : $"to_char({date}, 'YYYY-MM'), to_char({at} AT TIME ZONE 'UTC', 'YYYY-MM')"
            : date is null ? $"substr({at}, 1, 7)" : $"substr(coalesce({date}, {at}), 1, 7)") + ", 'unknown')";
        var text = (string column) => database.IsPostgres ? $"{column}::text" : column;
        return name switch
        {
            "declarations" => new Dataset(name,
                [L("key"), S("id"), S("lrn"), S("mrn"), S("type_code"), S("declaration_date"), S("received_at"), P("declarant"), P("importer"), L("items"), D("total_value"), S("currency")],
                "d.key", month("d.declaration_date", "d.received_at"),
                $"d.key, d.id, d.lrn, d.mrn, d.type_code, {text("d.declaration_date")}, {text("d.received_at")}, d.declarant_id, d.importer_id, d.items, CAST(d.total_value AS DOUBLE PRECISION), d.currency",
                "declarations d"),
            "items" => new Dataset(name,
                [L("declaration_key"), S("declaration_id"), L("sequence"), S("hs_code"), S("hs_chapter"), S("origin"), D("value"), S("currency")],
                "d.key", month("d.declaration_date", "d.received_at"),
                "d.key, d.id, g.sequence, g.hs_code, substr(g.hs_code, 1, 2), g.origin, CAST(g.value AS DOUBLE PRECISION), g.currency",
                "goods_items g JOIN declarations d ON d.key = g.declaration_key"),
            "seizures" => new Dataset(name,
                [L("key"), S("id"), S("seized_on"), S("category"), S("detail"), D("quantity"), S("unit"), D("value"), S("currency"), S("place"), S("detection"), S("concealment"),
                    S("transport_mode"), S("departure"), S("transit"), S("destination"), S("mrn"), S("container"), L("assessment_id"), S("hit_id"), new("offenders", Kind.Offenders)],
                "key", "coalesce(substr(seized_on, 1, 7), 'unknown')",
                "key, id, seized_on, category, detail, quantity, unit, value, currency, place, detection, concealment, transport_mode, departure, transit, destination, mrn, container, assessment_id, hit_id, document",
                "seizures"),
            "assessments" => new Dataset(name,
                [L("id"), S("declaration_id"), S("assessed_at"), S("lane"), D("score"), L("random_selection"), S("rule_set"), S("model"), D("probability")],
                "id", month(null, "assessed_at"),
                $"id, declaration_id, {text("assessed_at")}, lane, score, CASE WHEN random_selection THEN 1 ELSE 0 END, rule_set, model, probability",
                "risk_assessments"),
            "outcomes" => new Dataset(name,
                [L("id"), S("declaration_id"), S("recorded_at"), L("found"), L("critical"), D("revenue")],
                "id", month(null, "recorded_at"),
                $"id, declaration_id, {text("recorded_at")}, CASE WHEN found THEN 1 ELSE 0 END, CASE WHEN critical THEN 1 ELSE 0 END, CAST(revenue AS DOUBLE PRECISION)",
                "inspection_outcomes"),
            _ => throw new ArgumentOutOfRangeException(nameof(name)),
        };
    }

    /// <summary>
    /// One data set: the months with rows past the watermark (none asked on a first export: every month is new), then one
    /// streaming read of those months' rows into typed column buffers per month, handed as row groups to a writer task
    /// that encodes them into each month's file while the read goes on; the files replace the old ones once all are written.
    /// </summary>
    private async Task<DatasetExport> ExportAsync(string folder, Dataset dataset, bool clear, CancellationToken cancellationToken)
    {
        var watermark = await WatermarkAsync(folder, dataset.Name, cancellationToken);
        var changed = new SortedSet<string>(StringComparer.Ordinal);
        var last = watermark;
        if (watermark > 0)
        {
            await using var connection = await database.ConnectAsync(cancellationToken);
            await using var command = NodeDatabase.Command(connection, null, dataset.ChangedSql, ("@w", watermark));
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                changed.Add(reader.GetString(0));
                last = Math.Max(last, Convert.ToInt64(reader.GetValue(1), CultureInfo.InvariantCulture));
            }
            if (changed.Count == 0) return new DatasetExport(dataset.Name, [], 0, watermark);
        }

        var schema = new ParquetSchema(dataset.Columns.Select(c => c.IsText ? (DataField)new DataField<string>(c.Name, true)
            : c.Kind == Kind.Long ? new DataField<long?>(c.Name, true) : new DataField<double?>(c.Name, true)).ToArray());
        var files = new Dictionary<string, MonthFile>(StringComparer.Ordinal);
        (int Key, int Chapter, int Value)? chapters = dataset.Name == "items" ? ChapterCounts.Slots(dataset.Columns) : null;
        var channel = Channel.CreateBounded<(MonthFile File, Batch Batch)>(2);
        // Written batches come back for the next month's rows: a few, so that buffers are not allocated (and zeroed) afresh.
        var spare = new ConcurrentBag<Batch>();
        var writer = Task.Run(async () =>
        {
            try
            {
                await foreach (var (file, batch) in channel.Reader.ReadAllAsync(cancellationToken))
                {
                    await file.WriteAsync(batch, cancellationToken);
                    if (spare.Count < 2) spare.Add(batch.Reset());
                }
            }
            catch (Exception e)
            {
                channel.Writer.TryComplete(e);
                throw;
            }
        }, cancellationToken);
        long rows = 0;
        try
        {
            var buffered = 0;
            var tags = new Dictionary<string, string>(StringComparer.Ordinal);
            var columns = dataset.Columns.ToArray();
            await using (var connection = await database.ConnectAsync(cancellationToken))
            await using (var read = await RowReader.OpenAsync(connection, dataset.RowsSql(changed.Count), changed.Select((m, i) => ($"@m{i}", m)).ToArray(), cancellationToken))
            {
                while (await read.ReadAsync(cancellationToken))
                {
                    if (watermark == 0) last = Math.Max(last, read.Long(0));
                    var month = read.Text(1);
                    if (!files.TryGetValue(month, out var file))
                    {
                        files[month] = file = new MonthFile(Path.Combine(folder, dataset.Name, $"month={month}"), schema, dataset.Columns);
                        if (chapters is not null) file.Chapters = new ChapterCounts(chapters.Value);
                        changed.Add(month);
                    }
                    var batch = file.Filling;
                    var n = batch.Count;
                    for (var c = 0; c < columns.Length; c++)
                    {
                        var i = c + 2;
                        var column = columns[c];
                        var slot = batch.Slots[c];
                        if (read.IsNull(i))
                        {
                            if (column.IsText) batch.Texts[slot][n] = null;
                            else if (column.Kind == Kind.Long) batch.Longs[slot][n] = null;
                            else batch.Doubles[slot][n] = null;
                            continue;
                        }
                        switch (column.Kind)
                        {
                            case Kind.Text: batch.Texts[slot][n] = read.Text(i); break;
                            case Kind.Party: batch.Texts[slot][n] = clear ? read.Text(i) : Tag(tags, read.Text(i)); break;
                            case Kind.Offenders: batch.Texts[slot][n] = Offenders(read.Text(i), tags, clear); break;
                            case Kind.Long: batch.Longs[slot][n] = read.Long(i); break;
                            default: batch.Doubles[slot][n] = read.Double(i); break;
                        }
                    }
                    file.Chapters?.Add(batch, n);
                    batch.Count++;
                    rows++;
                    buffered++;
                    if (batch.Count == batch.Capacity && batch.Capacity < RowGroup) batch.Grow(RowGroup);
                    if (batch.Count == RowGroup)
                    {
                        buffered -= batch.Count;
                        await channel.Writer.WriteAsync((file, file.Take(spare)), cancellationToken);
                    }
                    else if (buffered >= Buffered)
                    {
                        var largest = files.Values.MaxBy(f => f.Filling.Count)!;
                        buffered -= largest.Filling.Count;
                        await channel.Writer.WriteAsync((largest, largest.Take(spare)), cancellationToken);
                    }
                }
            }
            foreach (var file in files.Values.Where(f => f.Filling.Count > 0)) await channel.Writer.WriteAsync((file, file.Take(spare)), cancellationToken);
            channel.Writer.Complete();
            await writer;
            foreach (var file in files.Values) await file.CommitAsync();
            foreach (var (month, file) in files)
                if (file.Chapters is { } counts) await counts.WriteAsync(Path.Combine(folder, ChapterAggregate, $"month={month}"), file.Written, cancellationToken);
        }
        catch
        {
            channel.Writer.TryComplete();
            try
            {
                await writer;
            }
            finally
            {
                foreach (var file in files.Values) await file.DiscardAsync();
            }
            throw;
        }
        if (rows == 0 && watermark == 0) return new DatasetExport(dataset.Name, [], 0, watermark);
        await SaveWatermarkAsync(folder, dataset.Name, last, rows, clear, cancellationToken);
        return new DatasetExport(dataset.Name, changed.ToList(), rows, last);
    }

    /// <summary>A party's keyed tag, computed once per distinct party in an export.</summary>
    private string Tag(Dictionary<string, string> tags, string party)
    {
        if (tags.TryGetValue(party, out var tag)) return tag;
        if (tags.Count >= 1_000_000) tags.Clear();
        return tags[party] = LedgerSubjects.Party(subjectKey, party);
    }

    /// <summary>The seizure's document: its offenders' identifiers (or names), as tags unless in clear.</summary>
    private string? Offenders(string document, Dictionary<string, string> tags, bool clear)
    {
        if (JsonNode.Parse(document)?["seizure"]?["offenders"] is not JsonArray offenders || offenders.Count == 0) return null;
        return string.Join(",", offenders.Select(o => (o?["id"] ?? o?["name"])?.GetValue<string>()).OfType<string>().Select(id => clear ? id : Tag(tags, id)));
    }

    /// <summary>
    /// Typed reads of a query's rows, column by column. On SQLite straight on the statement (no SafeHandle, no GC
    /// transition per value), repeated texts (months, codes, currencies, dates) decoded once; on PostgreSQL through
    /// Npgsql's reader, each column with its own getter (an integer, a count, a numeric) without boxing.
    /// </summary>
    private abstract class RowReader : IAsyncDisposable
    {
        public static async Task<RowReader> OpenAsync(DbConnection connection, string sql, (string Name, string Value)[] parameters, CancellationToken cancellationToken)
        {
            if (connection is SqliteConnection sqlite) return new SqliteRows(sqlite, sql, parameters);
            var command = NodeDatabase.Command(connection, null, sql, parameters.Select(p => (p.Name, (object?)p.Value)).ToArray());
            command.CommandTimeout = 0;
            return new DbRows(command, await command.ExecuteReaderAsync(cancellationToken));
        }

        public abstract ValueTask<bool> ReadAsync(CancellationToken cancellationToken);

        public abstract bool IsNull(int i);

        public abstract string Text(int i);

        public abstract long Long(int i);

        public abstract double Double(int i);

        public abstract ValueTask DisposeAsync();
    }

    private sealed class DbRows(DbCommand command, DbDataReader reader) : RowReader
    {
        private readonly Type[] types = Enumerable.Range(0, reader.FieldCount).Select(reader.GetFieldType).ToArray();

        public override async ValueTask<bool> ReadAsync(CancellationToken cancellationToken) => await reader.ReadAsync(cancellationToken);

        public override bool IsNull(int i) => reader.IsDBNull(i);

        public override string Text(int i) => types[i] == typeof(string) ? reader.GetString(i) : Convert.ToString(reader.GetValue(i), CultureInfo.InvariantCulture)!;

        public override long Long(int i)
        {
            if (types[i] == typeof(long)) return reader.GetInt64(i);
            if (types[i] == typeof(int)) return reader.GetInt32(i);
            if (types[i] == typeof(short)) return reader.GetInt16(i);
            return Convert.ToInt64(reader.GetValue(i), CultureInfo.InvariantCulture);
        }

        public override double Double(int i)
        {
            if (types[i] == typeof(double)) return reader.GetDouble(i);
            if (types[i] == typeof(float)) return reader.GetFloat(i);
            if (types[i] == typeof(decimal)) return (double)reader.GetDecimal(i);
            return Convert.ToDouble(reader.GetValue(i), CultureInfo.InvariantCulture);
        }

        public override async ValueTask DisposeAsync()
        {
            await reader.DisposeAsync();
            await command.DisposeAsync();
        }
    }

    private sealed unsafe partial class SqliteRows : RowReader
    {
        private const string Library = "e_sqlite3";
        private readonly SqliteConnection connection;
        private readonly SQLitePCL.sqlite3_stmt statement;
        private readonly nint pointer;
        private readonly Texts[] texts;

        public SqliteRows(SqliteConnection connection, string sql, (string Name, string Value)[] parameters)
        {
            this.connection = connection;
            Check(SQLitePCL.raw.sqlite3_prepare_v2(connection.Handle, sql, out statement));
            foreach (var (name, value) in parameters) Check(SQLitePCL.raw.sqlite3_bind_text(statement, SQLitePCL.raw.sqlite3_bind_parameter_index(statement, name), value));
            pointer = statement.DangerousGetHandle();
            texts = new Texts[SQLitePCL.raw.sqlite3_column_count(statement)];
            for (var i = 0; i < texts.Length; i++) texts[i] = new Texts();
        }

        public override ValueTask<bool> ReadAsync(CancellationToken cancellationToken)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var rc = Step(pointer);
            if (rc == SQLitePCL.raw.SQLITE_ROW) return ValueTask.FromResult(true);
            if (rc != SQLitePCL.raw.SQLITE_DONE) Check(rc);
            return ValueTask.FromResult(false);
        }

        public override bool IsNull(int i) => ColumnType(pointer, i) == SQLitePCL.raw.SQLITE_NULL;

        public override string Text(int i) => texts[i].Get(new ReadOnlySpan<byte>(ColumnText(pointer, i), ColumnBytes(pointer, i)));

        public override long Long(int i) => ColumnInt64(pointer, i);

        public override double Double(int i) => ColumnDouble(pointer, i);

        public override ValueTask DisposeAsync()
        {
            statement.Dispose();
            return ValueTask.CompletedTask;
        }

        private void Check(int rc)
        {
            if (rc != SQLitePCL.raw.SQLITE_OK) throw new SqliteException(SQLitePCL.raw.sqlite3_errmsg(connection.Handle).utf8_to_string(), rc);
        }

        [LibraryImport(Library, EntryPoint = "sqlite3_step")]
        private static partial int Step(nint statement);

        [LibraryImport(Library, EntryPoint = "sqlite3_column_type")]
        [SuppressGCTransition]
        private static partial int ColumnType(nint statement, int column);

        [LibraryImport(Library, EntryPoint = "sqlite3_column_int64")]
        [SuppressGCTransition]
        private static partial long ColumnInt64(nint statement, int column);

        [LibraryImport(Library, EntryPoint = "sqlite3_column_double")]
        [SuppressGCTransition]
        private static partial double ColumnDouble(nint statement, int column);

        [LibraryImport(Library, EntryPoint = "sqlite3_column_text")]
        [SuppressGCTransition]
        private static partial byte* ColumnText(nint statement, int column);

        [LibraryImport(Library, EntryPoint = "sqlite3_column_bytes")]
        [SuppressGCTransition]
        private static partial int ColumnBytes(nint statement, int column);
    }

    /// <summary>
    /// One column's texts decoded from UTF-8: the same bytes as the row before give the same string, and short texts
    /// seen before come from a table (months, dates, codes, currencies repeat), until the column proves to be unique
    /// values (ids), when it stops looking them up.
    /// </summary>
    private sealed class Texts
    {
        private const int Short = 64;
        private byte[] lastBytes = new byte[Short];
        private int lastLength = -1;
        private string lastText = "";
        private Dictionary<string, string>? known = new(StringComparer.Ordinal);
        private long lookups;
        private long misses;

        public string Get(ReadOnlySpan<byte> utf8)
        {
            if (utf8.Length == lastLength && utf8.SequenceEqual(lastBytes.AsSpan(0, lastLength))) return lastText;
            string text;
            if (known is not null && utf8.Length <= Short)
            {
                Span<char> chars = stackalloc char[Short];
                var length = System.Text.Encoding.UTF8.GetChars(utf8, chars);
                lookups++;
                if (!known.GetAlternateLookup<ReadOnlySpan<char>>().TryGetValue(chars[..length], out var found))
                {
                    misses++;
                    text = new string(chars[..length]);
                    if (known.Count < 65_536) known[text] = text;
                    if (lookups >= 4096 && misses * 2 > lookups) known = null;
                }
                else text = found;
            }
            else text = System.Text.Encoding.UTF8.GetString(utf8);
            if (utf8.Length > lastBytes.Length) lastBytes = new byte[utf8.Length];
            utf8.CopyTo(lastBytes);
            lastLength = utf8.Length;
            lastText = text;
            return text;
        }
    }

    /// <summary>Rows of one month being gathered: one typed array per column (texts, integers, numbers), no boxing.</summary>
    private sealed class Batch
    {
        public readonly int[] Slots;
        public readonly string?[][] Texts;
        public readonly long?[][] Longs;
        public readonly double?[][] Doubles;
        public int Count;

        public Batch(IReadOnlyList<Column> columns, int capacity)
        {
            Slots = new int[columns.Count];
            int texts = 0, longs = 0, doubles = 0;
            for (var c = 0; c < columns.Count; c++) Slots[c] = columns[c].IsText ? texts++ : columns[c].Kind == Kind.Long ? longs++ : doubles++;
            Texts = new string?[texts][];
            Longs = new long?[longs][];
            Doubles = new double?[doubles][];
            Capacity = capacity;
            for (var i = 0; i < texts; i++) Texts[i] = new string?[capacity];
            for (var i = 0; i < longs; i++) Longs[i] = new long?[capacity];
            for (var i = 0; i < doubles; i++) Doubles[i] = new double?[capacity];
        }

        public int Capacity { get; private set; }

        /// <summary>Empty again, its arrays kept (the values past <see cref="Count"/> are overwritten before they are read).</summary>
        public Batch Reset()
        {
            Count = 0;
            return this;
        }

        public void Grow(int limit)
        {
            Capacity = Math.Min(limit, Capacity * 2);
            for (var i = 0; i < Texts.Length; i++) Array.Resize(ref Texts[i], Capacity);
            for (var i = 0; i < Longs.Length; i++) Array.Resize(ref Longs[i], Capacity);
            for (var i = 0; i < Doubles.Length; i++) Array.Resize(ref Doubles[i], Capacity);
        }
    }

    /// <summary>One month's file: written to a temporary file row group by row group, moved over the old file at the end.</summary>
    private sealed class MonthFile(string directory, ParquetSchema schema, IReadOnlyList<Column> columns)
    {
        private readonly string path = Path.Combine(directory, "part-0.parquet");
        private FileStream? stream;
        private ParquetWriter? writer;

        public string Written => path;

        /// <summary>The month's counts per HS chapter, gathered as its rows are read (items only).</summary>
        public ChapterCounts? Chapters { get; set; }

        public Batch Filling { get; private set; } = new(columns, 1024);

        /// <summary>The rows gathered so far, for the writer task; a new batch starts: a written one if there is one, else one as large as this one's rows.</summary>
        public Batch Take(ConcurrentBag<Batch> spare)
        {
            var full = Filling;
            Filling = spare.TryTake(out var reused) ? reused : new Batch(columns, Math.Max(1024, full.Count));
            return full;
        }

        public async Task WriteAsync(Batch batch, CancellationToken cancellationToken)
        {
            if (writer is null)
            {
                Directory.CreateDirectory(directory);
                stream = File.Create(path + ".tmp");
                writer = await ParquetWriter.CreateAsync(schema, stream, new ParquetOptions { CompressionMethod = CompressionMethod.Snappy }, false, cancellationToken);
            }
            using var group = writer.CreateRowGroup();
            var fields = schema.DataFields;
            for (var c = 0; c < columns.Count; c++)
            {
                var slot = batch.Slots[c];
                if (columns[c].IsText) await group.WriteAsync(fields[c], new ArraySegment<string>(batch.Texts[slot]!, 0, batch.Count), null);
                else if (columns[c].Kind == Kind.Long) await group.WriteAsync<long>(fields[c], batch.Longs[slot].AsMemory(0, batch.Count), null, null, cancellationToken);
                else await group.WriteAsync<double>(fields[c], batch.Doubles[slot].AsMemory(0, batch.Count), null, null, cancellationToken);
            }
            group.CompleteValidate();
        }

        public async Task CommitAsync()
        {
            await CloseAsync();
            if (File.Exists(path + ".tmp")) File.Move(path + ".tmp", path, overwrite: true);
        }

        public async Task DiscardAsync()
        {
            try
            {
                await CloseAsync();
            }
            finally
            {
                File.Delete(path + ".tmp");
            }
        }

        private async Task CloseAsync()
        {
            if (writer is not null) await writer.DisposeAsync();
            if (stream is not null) await stream.DisposeAsync();
            writer = null;
            stream = null;
        }
    }

    /// <summary>
    /// One month's items counted per HS chapter as they stream past: items, value, and declarations, each counted once
    /// per chapter when its key changes, which is exact while a declaration's items come together, one declaration after
    /// another in key order (the order the stores return them in). Should a key come back lower than the last one, the
    /// month is counted again from its written file with DuckDB (count DISTINCT), so the figures are exact either way.
    /// </summary>
    private sealed class ChapterCounts((int Key, int Chapter, int Value) slots)
    {
        private readonly Dictionary<string, Cell> cells = new(StringComparer.Ordinal);
        private Cell? none;
        private long last = long.MinValue;
        private bool ordered = true;

        /// <summary>Where the items' declaration key, chapter and value sit in a batch.</summary>
        public static (int Key, int Chapter, int Value) Slots(IReadOnlyList<Column> columns)
        {
            var batch = new Batch(columns, 0);
            int Slot(string name) => batch.Slots[columns.ToList().FindIndex(c => c.Name == name)];
            return (Slot("declaration_key"), Slot("hs_chapter"), Slot("value"));
        }

        public void Add(Batch batch, int row)
        {
            if (batch.Longs[slots.Key][row] is not { } key) return;
            if (key < last) ordered = false;
            last = key;
            var chapter = batch.Texts[slots.Chapter][row];
            Cell? cell;
            if (chapter is null) cell = none ??= new Cell();
            else if (!cells.TryGetValue(chapter, out cell)) cells[chapter] = cell = new Cell();
            if (cell.Last != key)
            {
                cell.Declarations++;
                cell.Last = key;
            }
            cell.Items++;
            if (batch.Doubles[slots.Value][row] is { } value)
            {
                cell.Value += value;
                cell.Values++;
            }
        }

        public async Task WriteAsync(string directory, string items, CancellationToken cancellationToken)
        {
            var rows = new List<(string? Chapter, long Declarations, long Items, double? Value)>();
            if (ordered)
            {
                if (none is not null) rows.Add((null, none.Declarations, none.Items, none.Values > 0 ? (double?)none.Value : null));
                foreach (var (chapter, cell) in cells.OrderBy(c => c.Key, StringComparer.Ordinal))
                    rows.Add((chapter, cell.Declarations, cell.Items, cell.Values > 0 ? (double?)cell.Value : null));
            }
            else
            {
                using var connection = new DuckDBConnection("Data Source=:memory:");
                connection.Open();
                using var command = connection.CreateCommand();
                command.CommandText = "SELECT hs_chapter, count(DISTINCT declaration_key), count(*), sum(value) FROM read_parquet('" +
                    items.Replace("'", "''", StringComparison.Ordinal) + "') GROUP BY hs_chapter ORDER BY hs_chapter NULLS FIRST";
                using var reader = command.ExecuteReader();
                while (reader.Read())
                    rows.Add((reader.IsDBNull(0) ? null : reader.GetString(0), reader.GetInt64(1), reader.GetInt64(2), reader.IsDBNull(3) ? null : reader.GetDouble(3)));
            }
            Directory.CreateDirectory(directory);
            var path = Path.Combine(directory, "part-0.parquet");
            var schema = new ParquetSchema(new DataField<string>("hs_chapter", true), new DataField<long?>("declarations", true), new DataField<long?>("items", true), new DataField<double?>("value"));
            await using (var stream = File.Create(path + ".tmp"))
            await using (var writer = await ParquetWriter.CreateAsync(schema, stream, new ParquetOptions { CompressionMethod = CompressionMethod.Snappy }, false, cancellationToken))
            {
                using var group = writer.CreateRowGroup();
                await group.WriteAsync(schema.DataFields[0], new ArraySegment<string>(rows.Select(r => r.Chapter).ToArray()!), null);
                await group.WriteAsync<long>(schema.DataFields[1], rows.Select(r => (long?)r.Declarations).ToArray().AsMemory(), null, null, cancellationToken);
                await group.WriteAsync<long>(schema.DataFields[2], rows.Select(r => (long?)r.Items).ToArray().AsMemory(), null, null, cancellationToken);
                await group.WriteAsync<double>(schema.DataFields[3], rows.Select(r => r.Value).ToArray().AsMemory(), null, null, cancellationToken);
                group.CompleteValidate();
            }
            File.Move(path + ".tmp", path, overwrite: true);
        }

        private sealed class Cell
        {
            public long Last = long.MinValue;
            public long Declarations;
            public long Items;
            public double Value;
            public long Values;
        }
    }

    private async Task<long> WatermarkAsync(string folder, string dataset, CancellationToken cancellationToken)
    {
        await using var connection = await database.ConnectAsync(cancellationToken);
        await using var command = NodeDatabase.Command(connection, null, "SELECT watermark FROM analytics_exports WHERE folder = @f AND dataset = @d", ("@f", folder), ("@d", dataset));
        var value = await command.ExecuteScalarAsync(cancellationToken);
        // A folder emptied by hand starts again from the beginning.
        // So does one whose items were exported without their aggregate (by an earlier version).
        return value is null or DBNull || !Directory.Exists(Path.Combine(folder, dataset))
            || (dataset == "items" && !Directory.Exists(Path.Combine(folder, ChapterAggregate))) ? 0 : Convert.ToInt64(value, CultureInfo.InvariantCulture);
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
        foreach (var dataset in Datasets.Append(ChapterAggregate))
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

    /// <summary>The monthly trend by HS chapter (declarations and value per month and chapter), the query the benchmark times: it reads the pre-aggregate.</summary>
    public const string ChapterTrendSql =
        "SELECT month, hs_chapter, declarations, value FROM items_by_chapter ORDER BY month, hs_chapter";

    /// <summary>The same trend counted straight over the items' rows (what Spark or Trino run over the raw files).</summary>
    public const string ChapterTrendFromItemsSql =
        "SELECT month, hs_chapter, count(DISTINCT declaration_key) AS declarations, sum(value) AS value FROM items GROUP BY month, hs_chapter ORDER BY month, hs_chapter";
}
