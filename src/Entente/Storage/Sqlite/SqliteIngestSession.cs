using System.Text;
using Microsoft.Data.Sqlite;
using SQLitePCL;

namespace Entente.Storage.Sqlite;

/// <summary>
/// Ingest on SQLite: statements prepared once per unit and run through SQLite's own API, because per row the ADO.NET
/// layer costs as much as the b-tree work. Values are written in the text forms Microsoft.Data.Sqlite writes, so the
/// store reads them back the same way. A declaration is inserted unless it conflicts with the unique MRN or LRN index;
/// only a conflict costs a lookup, so the duplicate check is the index probe the insert does anyway.
/// </summary>
internal sealed class SqliteIngestSession : IngestSession
{
    // The writer's page cache, for the side-table indexes whose inserts land all over: bounded, and given back on dispose.
    private const int CacheKiB = 64 * 1024;

    // For the sorts that end a bulk load (party rows, the HS and origin indexes). SQLite sorts runs of the cache's size
    // in memory and merges them, on two threads; runs of 8 MiB took the end of a million-declaration load from 5.0 –
    // 5.7 s to 3.7 – 4.0 s (64 MiB: one thread sorts most of it; 256 MiB: slower still).
    private const int SortCacheKiB = 8 * 1024;

    private readonly sqlite3 _db;
    private readonly nint _dbPointer;
    private readonly List<Statement> _statements = [];
    private readonly Statement _declaration;
    private readonly Statement _byMrn;
    private readonly Statement _byLrn;
    // Party rows of one declaration in one statement: most declarations name a few parties, and each statement run has
    // a fixed cost (cursors opened, the transaction checked, the VM reset) larger than its row's b-tree work.
    private readonly Statement?[] _parties = new Statement?[MaxPartiesPerStatement + 1];
    private const int MaxPartiesPerStatement = 8;
    private readonly string _partyTable;
    private readonly Statement _item;
    private readonly Statement _container;
    private readonly Statement _finding;
    private readonly Statement _labels;
    private readonly int _defaultCacheSize;
    private readonly List<(string Name, string Sql)> _deferredIndexes = [];

    // Indexes whose keys arrive in no order (an HS code, an origin, and the date in an extract of several offices or a
    // resampled one): each insert lands on another page, so on a bulk load they are built after the rows, sorted (party
    // rows, keyed the same way, are staged and sorted). Those whose keys arrive in order (the time-ordered id, the status,
    // the LRN of a national extract) cost little as they grow and stay. Building the date index at the end measured
    // 0.8 s per million declarations against more than that spent in the load keeping it.
    private static readonly HashSet<string> ScatteredIndexes = ["goods_items_hs_code", "goods_items_origin", "declarations_date"];
    private readonly bool _partiesStaged;

    // The ordinary session's pooled connection and its transaction, or the new file of a bulk load.
    private readonly SqliteConnection? _connection;
    private readonly SqliteTransaction? _transaction;
    private readonly SqliteBulkFile? _bulkFile;

    /// <summary>
    /// A session on an open write transaction. When the store is empty (a first, bulk load, seen inside the transaction)
    /// the scattered search indexes (HS code, origin, date) are dropped in the transaction and built again, sorted, before it
    /// commits (far less work than a million scattered inserts), and party rows wait in a temporary table and go into
    /// their b-tree in key order. The unique indexes stay, so duplicates are found as they arrive.
    /// </summary>
    public SqliteIngestSession(SqliteConnection connection, SqliteTransaction transaction, TimeProvider time)
        : this(connection.Handle ?? throw new InvalidOperationException("the SQLite connection is not open"), time, begin: false)
    {
        _connection = connection;
        _transaction = transaction;
    }

    /// <summary>A session that fills a new file (<see cref="SqliteBulkFile"/>), in a transaction it begins; the commit puts the file in place.</summary>
    public SqliteIngestSession(SqliteBulkFile bulkFile, TimeProvider time) : this(bulkFile.Handle, time, begin: true) => _bulkFile = bulkFile;

    private SqliteIngestSession(sqlite3 db, TimeProvider time, bool begin) : base(time)
    {
        _db = db;
        _dbPointer = SqliteNative.Pointer(_db);
        try
        {
            if (begin) Statement.Execute(_db, "BEGIN IMMEDIATE");
            bool empty;
            using (var declarations = new Statement(_db, "SELECT NOT EXISTS (SELECT 1 FROM declarations)"))
            {
                declarations.Step();
                empty = declarations.Int32(0) == 1;
            }
            if (empty)
            {
                // The definitions come from the schema itself, so a migration that changes an index changes the rebuild too.
                using (var indexes = new Statement(_db, "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL"))
                {
                    while (indexes.Step())
                    {
                        if (ScatteredIndexes.Contains(indexes.Column(0))) _deferredIndexes.Add((indexes.Column(0), indexes.Column(1)));
                    }
                }
                foreach (var (name, _) in _deferredIndexes) Statement.Execute(_db, $"DROP INDEX \"{name}\"");
                _partiesStaged = true;
                Statement.Execute(_db, "CREATE TEMP TABLE ingest_parties (party_id TEXT NOT NULL, declaration_key INTEGER NOT NULL, role TEXT NOT NULL)");
                // The sorts that build the indexes may use the core the reading thread no longer needs.
                Statement.Execute(_db, "PRAGMA threads = 2");
            }
            _declaration = Compile(
                "INSERT INTO declarations (id, lrn, mrn, declarant_id, type_code, function_code, status, declaration_date, importer_id, " +
                "items, total_value, currency, received_at, source_format, source_file, document) " +
                "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16) ON CONFLICT DO NOTHING");
            _byMrn = Compile("SELECT id FROM declarations WHERE mrn = ?1");
            _byLrn = Compile("SELECT id FROM declarations WHERE lrn = ?1 AND coalesce(declarant_id, '') = ?2");
            _partyTable = _partiesStaged ? "temp.ingest_parties" : "declaration_parties";
            PartiesStatement(1);
            _item = Compile("INSERT INTO goods_items (declaration_key, sequence, hs_code, origin, value, currency) VALUES (?1, ?2, ?3, ?4, ?5, ?6)");
            _container = Compile("INSERT INTO containers (container_id, declaration_key) VALUES (?1, ?2)");
            _finding = Compile("INSERT INTO declaration_findings (code, declaration_key) VALUES (?1, ?2)");
            _labels = Compile("INSERT INTO inspection_labels (declaration_key, fraud, critical_fraud, revenue) VALUES (?1, ?2, ?3, ?4)");
            using (var cache = new Statement(_db, "PRAGMA cache_size"))
            {
                cache.Step();
                _defaultCacheSize = cache.Int32(0);
            }
            Statement.Execute(_db, $"PRAGMA cache_size = -{CacheKiB}");
        }
        catch
        {
            // The caller disposes the connection, which must not keep statements open.
            foreach (var statement in _statements) statement.Dispose();
            throw;
        }
    }

    // Each statement runs per row anyway: a bigger batch would only keep more declarations waiting in memory.
    public override int WriteBatchSize => 256;

    private Statement Compile(string sql)
    {
        var statement = new Statement(_db, sql);
        _statements.Add(statement);
        return statement;
    }

    private Statement PartiesStatement(int rows) => _parties[rows] ??= Compile(
        $"INSERT INTO {_partyTable} (party_id, declaration_key, role) VALUES " +
        string.Join(", ", Enumerable.Range(0, rows).Select(p => $"(?{3 * p + 1}, ?{3 * p + 2}, ?{3 * p + 3})")));

    // Microsoft.Data.Sqlite has no asynchronous I/O, so neither does this: the caller's pipeline overlaps the work.
    protected override Task<string?[]> StoreAsync(IReadOnlyList<PreparedDeclaration> batch, CancellationToken cancellationToken)
    {
        var results = new string?[batch.Count];
        for (var i = 0; i < batch.Count; i++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            // Prepared on the reading thread, unless the caller handed pending declarations.
            var values = new SqliteRowText.Values(batch[i].SqliteRow ?? SqliteRowText.Of(batch[i].Row));
            var insert = _declaration;
            for (var column = 1; column <= 6; column++) insert.Text(column, ref values);
            insert.Number(7, ref values);
            insert.Text(8, ref values);
            insert.Text(9, ref values);
            insert.Number(10, ref values);
            for (var column = 11; column <= 16; column++) insert.Text(column, ref values);
            if (!insert.Insert())
            {
                results[i] = DuplicateOf(batch[i].Row);
                continue;
            }
            var key = SqliteNative.LastInsertRowId(_dbPointer);

            var parties = values.Count();
            while (parties > 0)
            {
                var rows = Math.Min(parties, MaxPartiesPerStatement);
                var insertParties = PartiesStatement(rows);
                for (var p = 0; p < rows; p++)
                {
                    insertParties.Text(3 * p + 1, ref values);
                    insertParties.Int64(3 * p + 2, key);
                    insertParties.Text(3 * p + 3, ref values);
                }
                insertParties.Execute();
                parties -= rows;
            }
            for (var items = values.Count(); items > 0; items--)
            {
                _item.Int64(1, key);
                _item.Number(2, ref values);
                for (var column = 3; column <= 6; column++) _item.Text(column, ref values);
                _item.Execute();
            }
            for (var containers = values.Count(); containers > 0; containers--)
            {
                _container.Text(1, ref values);
                _container.Int64(2, key);
                _container.Execute();
            }
            for (var findings = values.Count(); findings > 0; findings--)
            {
                _finding.Text(1, ref values);
                _finding.Int64(2, key);
                _finding.Execute();
            }
            if (values.Count() == 1)
            {
                _labels.Int64(1, key);
                _labels.Number(2, ref values);
                _labels.Number(3, ref values);
                _labels.Text(4, ref values);
                _labels.Execute();
            }
        }
        return Task.FromResult(results);
    }

    /// <summary>The declaration a refused insert conflicts with: the same MRN first, else the same LRN from the same declarant.</summary>
    private string DuplicateOf(DeclarationRow row)
    {
        if (row.Mrn is not null)
        {
            _byMrn.Text(1, row.Mrn);
            if (_byMrn.QueryText() is { } sameMrn) return sameMrn;
        }
        if (row.Lrn is not null)
        {
            _byLrn.Text(1, row.Lrn);
            _byLrn.Text(2, row.DeclarantKey);
            if (_byLrn.QueryText() is { } sameLrn) return sameLrn;
        }
        throw new InvalidOperationException($"declaration {row.Id} conflicts with a stored one that has neither its MRN nor its LRN");
    }

    protected override Task CompleteAsync(CancellationToken cancellationToken)
    {
        if (_partiesStaged)
        {
            Statement.Execute(_db, $"PRAGMA cache_size = -{SortCacheKiB}");
            Statement.Execute(_db,
                "INSERT INTO declaration_parties (party_id, declaration_key, role) " +
                "SELECT party_id, declaration_key, role FROM temp.ingest_parties ORDER BY party_id, declaration_key, role");
            Statement.Execute(_db, "DROP TABLE temp.ingest_parties");
        }
        foreach (var (_, sql) in _deferredIndexes)
        {
            cancellationToken.ThrowIfCancellationRequested();
            Statement.Execute(_db, sql);
        }
        return Task.CompletedTask;
    }

    protected override Task CommitTransactionAsync(CancellationToken cancellationToken)
    {
        if (_transaction is not null) _transaction.Commit();
        else Statement.Execute(_db, "COMMIT");
        return Task.CompletedTask;
    }

    protected override Task CommittedAsync(CancellationToken cancellationToken)
    {
        if (_bulkFile is null) return Task.CompletedTask;
        foreach (var statement in _statements) statement.Dispose();
        _statements.Clear();
        _bulkFile.Install();
        return Task.CompletedTask;
    }

    public override async ValueTask DisposeAsync()
    {
        foreach (var statement in _statements) statement.Dispose();
        if (_connection is not null)
        {
            // The connection goes back to the pool: it keeps the default cache and sorter, not the writer's.
            Statement.Execute(_db, $"PRAGMA cache_size = {_defaultCacheSize}");
            if (_partiesStaged) Statement.Execute(_db, "PRAGMA threads = 0");
            // Disposing an uncommitted transaction rolls it back.
            await _transaction!.DisposeAsync();
            await _connection.DisposeAsync();
        }
        // An uncommitted load's file is deleted (without a journal there is nothing to roll back), and the exclusive
        // lock given back.
        _bulkFile?.Dispose();
    }

    /// <summary>A prepared statement, its parameters bound by position (1-based), all of them before each execution.</summary>
    private sealed class Statement : IDisposable
    {
        private readonly sqlite3 _db;
        private readonly sqlite3_stmt _statement;
        // The statement and connection as SQLite's own pointers, for the calls made per value (SqliteNative).
        private readonly nint _pointer;
        private readonly nint _dbPointer;

        private byte[] _utf8 = new byte[256];

        public Statement(sqlite3 db, string sql)
        {
            _db = db;
            Check(raw.sqlite3_prepare_v3(db, sql, raw.SQLITE_PREPARE_PERSISTENT, out _statement));
            _pointer = SqliteNative.Pointer(_statement);
            _dbPointer = SqliteNative.Pointer(db);
        }

        public static void Execute(sqlite3 db, string sql)
        {
            using var statement = new Statement(db, sql);
            statement.Execute();
        }

        public void Text(int index, string? value)
        {
            if (value is null)
            {
                Check(SqliteNative.BindNull(_pointer, index));
                return;
            }
            var most = Encoding.UTF8.GetMaxByteCount(value.Length);
            if (most > _utf8.Length) _utf8 = new byte[Math.Max(most, _utf8.Length * 2)];
            var length = Encoding.UTF8.GetBytes(value, _utf8);
            Check(SqliteNative.BindText(_pointer, index, _utf8.AsSpan(0, length)));
        }

        /// <summary>Binds the row's next entry as text.</summary>
        public void Text(int index, ref SqliteRowText.Values values) =>
            Check(values.Text(out var value) ? SqliteNative.BindText(_pointer, index, value) : SqliteNative.BindNull(_pointer, index));

        /// <summary>Binds the row's next entry as a number.</summary>
        public void Number(int index, ref SqliteRowText.Values values) => Int64(index, values.Number());

        public void Int64(int index, long? value) =>
            Check(value is { } v ? SqliteNative.BindInt64(_pointer, index, v) : SqliteNative.BindNull(_pointer, index));

        /// <summary>Runs the statement to completion.</summary>
        public void Execute() => Run();

        /// <summary>Runs an INSERT to completion: false when it inserted nothing (ON CONFLICT DO NOTHING).</summary>
        public bool Insert()
        {
            Run();
            return SqliteNative.Changes(_dbPointer) > 0;
        }

        private void Run()
        {
            var rc = SqliteNative.Step(_pointer);
            try
            {
                if (rc != raw.SQLITE_DONE && rc != raw.SQLITE_ROW) Throw(rc);
            }
            finally
            {
                Reset();
            }
        }

        /// <summary>Steps once, leaving the row readable; true when there is one.</summary>
        public bool Step()
        {
            var rc = SqliteNative.Step(_pointer);
            if (rc == raw.SQLITE_ROW) return true;
            try
            {
                if (rc != raw.SQLITE_DONE) Throw(rc);
            }
            finally
            {
                Reset();
            }
            return false;
        }

        public int Int32(int column) => raw.sqlite3_column_int(_statement, column);

        public string Column(int column) => raw.sqlite3_column_text(_statement, column).utf8_to_string();

        /// <summary>The first column of the first row, or null when there is no row.</summary>
        public string? QueryText()
        {
            if (!Step()) return null;
            var text = raw.sqlite3_column_text(_statement, 0).utf8_to_string();
            Reset();
            return text;
        }

        // Every execution binds every parameter, so the bindings need no clearing.
        private void Reset() => SqliteNative.Reset(_pointer);

        private void Throw(int rc)
        {
            // The extended code and message are the connection's, as Microsoft.Data.Sqlite reports them.
            SqliteException.ThrowExceptionForRC(rc, _db);
            throw new InvalidOperationException($"SQLite error {rc}");
        }

        private void Check(int rc)
        {
            if (rc != raw.SQLITE_OK) Throw(rc);
        }

        public void Dispose() => _statement.Dispose();
    }
}
