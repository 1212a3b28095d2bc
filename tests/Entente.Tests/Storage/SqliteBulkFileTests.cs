using Entente.Access;
using Entente.Declarations;
using Entente.Ingest;
using Entente.Storage;
using Entente.Storage.Sqlite;
using Entente.Tools.Generation;
using Microsoft.Data.Sqlite;

namespace Entente.Tests.Storage;

// A command-line load into an empty SQLite store that no other process has open is written as a new file and put in the
// node file's place when it commits. What a user depends on: afterwards the node's file holds everything it held before
// plus the load, in WAL, every index searchable; a failed load leaves the file as it was; a node that serves the file
// (another process) keeps the ordinary path; and a process opening the file during such a load waits, or says why not.
[Collection(SqliteFileLockCollection.Name)]
public sealed class SqliteBulkFileTests : IDisposable
{
    private readonly string folder = Directory.CreateTempSubdirectory("entente-bulk-").FullName;

    public void Dispose() => Directory.Delete(folder, recursive: true);

    private string Write(string name, IEnumerable<Entente.Declarations.Declaration> declarations)
    {
        var path = Path.Combine(folder, name);
        File.WriteAllText(path, string.Join('\n', declarations.Select(EntenteJson.Serialize)) + "\n");
        return path;
    }

    private static async Task SaveUserAsync(TestStore test, ApiUser user)
    {
        await using var database = NodeDatabase.Open(test.Database);
        await new ApiUserStore(database).SaveAsync(user);
    }

    private static async Task<IReadOnlyList<ApiUser>> ListUsersAsync(TestStore test)
    {
        await using var database = NodeDatabase.Open(test.Database);
        return await new ApiUserStore(database).ListAsync();
    }

    private static List<Entente.Declarations.Declaration> Generate(int seed, int count) =>
        new DeclarationGenerator(seed).Generate(count).Select(r => r.Declaration!).ToList();

    [Fact]
    public async Task A_first_load_is_written_as_a_new_file_that_replaces_the_nodes_own_keeping_what_it_held()
    {
        await using var test = await TestStore.CreateAsync(StorageProvider.Sqlite);
        await SaveUserAsync(test, new ApiUser("officer-1", Role.Officer, "key-hash-1", TestStore.Start));
        var declarations = Generate(3, 40);

        await using (var session = await test.Store.BeginBulkLoadAsync())
        {
            Assert.True(File.Exists(SqliteBulkFile.LoadingPathOf(test.Database)));
            var results = await session.AddAsync(declarations.Select(d => new PendingDeclaration(d, null, DeclarationFormat.Json, "history.ndjson")).ToList());
            Assert.All(results, Assert.Null);
            // Not yet in place: the node's file shows nothing of the load before it commits.
            Assert.Equal(0, await test.CountAsync("SELECT count(*) FROM declarations"));
            await session.CommitAsync();
        }

        Assert.False(File.Exists(SqliteBulkFile.LoadingPathOf(test.Database)));
        Assert.Equal(40, await test.Store.CountAsync());
        Assert.Equal("officer-1", Assert.Single(await ListUsersAsync(test)).Name);
        Assert.Equal("wal", await ScalarAsync(test, "PRAGMA journal_mode"));
        Assert.Equal(8192L, await ScalarAsync(test, "PRAGMA page_size"));
        Assert.Equal("ok", await ScalarAsync(test, "PRAGMA integrity_check"));
        var item = declarations[7].GoodsShipment.GoodsItems[0];
        var byHs = await test.Store.SearchAsync(new DeclarationQuery { HsPrefix = item.Classification!.Code[..4], Limit = 100 });
        Assert.Contains(byHs.Items, i => i.Mrn == declarations[7].Mrn);
        var declarant = declarations[7].Parties.First(p => p.Role == Entente.Declarations.PartyRole.Declarant).Id!;
        var byParty = await test.Store.SearchAsync(new DeclarationQuery { PartyId = declarant, Limit = 100 });
        Assert.Contains(byParty.Items, i => i.Mrn == declarations[7].Mrn);

        // The store keeps working on the new file: a second load is an ordinary one, and finds the first's duplicates.
        await using (var again = await test.Store.BeginBulkLoadAsync())
        {
            Assert.False(File.Exists(SqliteBulkFile.LoadingPathOf(test.Database)));
            var results = await again.AddAsync([new PendingDeclaration(declarations[0], null, DeclarationFormat.Json, "again.ndjson")]);
            Assert.NotNull(results[0]);
            await again.CommitAsync();
        }
        Assert.Equal(40, await test.Store.CountAsync());
    }

    [Fact]
    public async Task A_load_that_does_not_commit_leaves_the_nodes_file_as_it_was_and_no_copy_behind()
    {
        await using var test = await TestStore.CreateAsync(StorageProvider.Sqlite);
        await SaveUserAsync(test, new ApiUser("officer-1", Role.Officer, "key-hash-1", TestStore.Start));
        var declarations = Generate(4, 30);
        declarations[25].TypeCode = new string('X', 40);
        var file = Write("history.ndjson", declarations);

        var report = await new DeclarationIngest(test.Store).IngestFilesAsync([file], new IngestOptions { BulkLoad = true, BatchSize = 8 });

        Assert.False(report.Succeeded);
        Assert.Equal(0, report.Accepted);
        Assert.False(File.Exists(SqliteBulkFile.LoadingPathOf(test.Database)));
        Assert.Equal(0, await test.Store.CountAsync());
        Assert.Equal("officer-1", Assert.Single(await ListUsersAsync(test)).Name);
        Assert.Equal("ok", await ScalarAsync(test, "PRAGMA integrity_check"));

        declarations[25].TypeCode = "IMA";
        var fixedReport = await new DeclarationIngest(test.Store).IngestFilesAsync([Write("fixed.ndjson", declarations)], new IngestOptions { BulkLoad = true });
        Assert.True(fixedReport.Succeeded);
        Assert.Equal(30, await test.Store.CountAsync());
    }

    [Fact]
    public async Task A_load_cancelled_half_way_leaves_nothing_and_a_copy_left_by_a_killed_load_is_cleared()
    {
        await using var test = await TestStore.CreateAsync(StorageProvider.Sqlite);
        var file = Write("history.ndjson", Generate(8, 60));
        using var cancel = new CancellationTokenSource();
        var progress = new SynchronousProgress(_ => cancel.Cancel());

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() =>
            new DeclarationIngest(test.Store).IngestFilesAsync([file], new IngestOptions { BulkLoad = true, BatchSize = 8 }, progress, cancel.Token));

        Assert.False(File.Exists(SqliteBulkFile.LoadingPathOf(test.Database)));
        Assert.Equal(0, await test.Store.CountAsync());

        // What a killed load leaves: a copy nobody is writing, which the next load replaces.
        await File.WriteAllTextAsync(SqliteBulkFile.LoadingPathOf(test.Database), "left by a killed load");
        var report = await new DeclarationIngest(test.Store).IngestFilesAsync([file], new IngestOptions { BulkLoad = true });
        Assert.True(report.Succeeded);
        Assert.Equal(60, await test.Store.CountAsync());
        Assert.False(File.Exists(SqliteBulkFile.LoadingPathOf(test.Database)));
    }

    [Fact]
    public async Task A_write_to_the_nodes_file_during_the_load_is_not_lost_to_the_swap_the_load_is_refused_instead()
    {
        await using var test = await TestStore.CreateAsync(StorageProvider.Sqlite);

        await using (var session = await test.Store.BeginBulkLoadAsync())
        {
            await session.AddAsync([new PendingDeclaration(Generate(7, 1)[0], null, DeclarationFormat.Json, "one.ndjson")]);
            // Against the contract (the loader is the store's only user in its process): a user added meanwhile.
            await SaveUserAsync(test, new ApiUser("officer-2", Role.Officer, "key-hash-2", TestStore.Start));
            var refused = await Assert.ThrowsAsync<InvalidOperationException>(() => session.CommitAsync());
            Assert.Contains(test.Database, refused.Message, StringComparison.Ordinal);
            Assert.Contains("nothing was stored", refused.Message, StringComparison.Ordinal);
        }

        Assert.Equal("officer-2", Assert.Single(await ListUsersAsync(test)).Name);
        Assert.Equal(0, await test.Store.CountAsync());
        Assert.False(File.Exists(SqliteBulkFile.LoadingPathOf(test.Database)));
    }

    [Fact]
    public async Task While_another_process_has_the_file_open_a_load_takes_the_ordinary_path()
    {
        await using var test = await TestStore.CreateAsync(StorageProvider.Sqlite);
        // What a serving node in another process holds: a shared lock of its own on the lock file.
        using (var otherProcess = new FileStream(SqliteFileLock.LockPathOf(test.Database), FileMode.OpenOrCreate, FileAccess.Read, FileShare.ReadWrite))
        {
            await using var session = await test.Store.BeginBulkLoadAsync();
            Assert.False(File.Exists(SqliteBulkFile.LoadingPathOf(test.Database)));
            await session.AddAsync([new PendingDeclaration(Generate(5, 1)[0], null, DeclarationFormat.Json, "one.ndjson")]);
            await session.CommitAsync();
        }
        Assert.Equal(1, await test.Store.CountAsync());

        // The same holds for a store that already has declarations, with nobody else on the file.
        await using (var session = await test.Store.BeginBulkLoadAsync())
        {
            Assert.False(File.Exists(SqliteBulkFile.LoadingPathOf(test.Database)));
        }
    }

    [Fact]
    public async Task Opening_a_file_another_process_is_loading_waits_for_it_then_says_why_it_gave_up()
    {
        var database = Path.Combine(folder, "node.db");
        var patience = SqliteFileLock.Patience;
        SqliteFileLock.Patience = TimeSpan.FromMilliseconds(300);
        var notices = new List<string>();
        void Notice(string notice)
        {
            if (!notice.Contains(database, StringComparison.Ordinal)) return;
            lock (notices) notices.Add(notice);
        }
        StorageNotices.Waiting += Notice;
        try
        {
            // What a loading process holds: the lock file to itself.
            using (new FileStream(SqliteFileLock.LockPathOf(database), FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None))
            {
                var refused = Assert.Throws<IOException>(() => DeclarationStores.Open(database, TimeProvider.System));
                Assert.Contains("being loaded in bulk by another process", refused.Message, StringComparison.Ordinal);
                Assert.Contains(database, refused.Message, StringComparison.Ordinal);
                Assert.Throws<IOException>(() => NodeDatabase.Open(database));
            }
            // The operator is told as the wait begins, once per opening, not only when it ends.
            Assert.Equal(2, notices.Count);
            Assert.All(notices, n => Assert.Contains("waiting for it to finish", n, StringComparison.Ordinal));
            await using var store = DeclarationStores.Open(database, TimeProvider.System);
            await store.MigrateAsync();
            Assert.Equal(0, await store.CountAsync());
        }
        finally
        {
            StorageNotices.Waiting -= Notice;
            SqliteFileLock.Patience = patience;
        }
    }

    [Fact]
    public async Task A_load_in_this_process_holds_other_processes_off_until_it_is_in_place()
    {
        await using var test = await TestStore.CreateAsync(StorageProvider.Sqlite);
        var lockPath = SqliteFileLock.LockPathOf(test.Database);

        await using (var session = await test.Store.BeginBulkLoadAsync())
        {
            Assert.Throws<IOException>(() => new FileStream(lockPath, FileMode.OpenOrCreate, FileAccess.Read, FileShare.ReadWrite).Dispose());
            await session.AddAsync([new PendingDeclaration(Generate(6, 1)[0], null, DeclarationFormat.Json, "one.ndjson")]);
            await session.CommitAsync();
        }

        // Given back: another process (a node starting) may open the file again, beside this process's own lease.
        using (new FileStream(lockPath, FileMode.OpenOrCreate, FileAccess.Read, FileShare.ReadWrite))
        {
            Assert.Equal(1, await test.Store.CountAsync());
        }
    }

    private static async Task<object?> ScalarAsync(TestStore test, string sql)
    {
        await using var connection = (SqliteConnection)test.Connect();
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        return await command.ExecuteScalarAsync();
    }
}

/// <summary>Reports on the calling thread (Progress&lt;T&gt; would post to the thread pool, after the fact).</summary>
internal sealed class SynchronousProgress(Action<IngestProgress> report) : IProgress<IngestProgress>
{
    public void Report(IngestProgress value) => report(value);
}

/// <summary>Tests that change <see cref="SqliteFileLock.Patience"/> or hold lock files run one at a time.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class SqliteFileLockCollection
{
    public const string Name = "SQLite file lock";
}
