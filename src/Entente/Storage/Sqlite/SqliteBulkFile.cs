using System.Runtime.InteropServices;
using Microsoft.Data.Sqlite;
using SQLitePCL;

namespace Entente.Storage.Sqlite;

/// <summary>
/// A first load into an empty store, written as a new file: a copy of the node's database (its keys, users, ledger and
/// empty declaration tables) that the load fills without a journal, each page written once, and that replaces the
/// node's file when the load commits (a rename, made durable). In WAL mode every page would be written twice, to the log
/// and again by the checkpoint; here a failed or interrupted load leaves the node's file as it was and the copy is
/// deleted. Only for a process that has the file to itself (<see cref="SqliteFileLock.TryExclusive"/>): a serving node
/// keeps the ordinary path, on which readers go on reading while a load runs.
/// </summary>
internal sealed partial class SqliteBulkFile : IDisposable
{
    private readonly string _databasePath;
    private readonly string _loadingPath;
    private readonly IDisposable _exclusive;
    private readonly CancellationTokenSource _stopFlushing = new();
    private readonly Task _flushing;
    private bool _installed;

    private readonly (long Length, DateTime Written) _copied;

    private SqliteBulkFile(string databasePath, string loadingPath, sqlite3 handle, IDisposable exclusive, (long, DateTime) copied)
    {
        _copied = copied;
        _databasePath = databasePath;
        _loadingPath = loadingPath;
        Handle = handle;
        _exclusive = exclusive;
        _flushing = Task.Run(() => FlushWhileLoadingAsync(_stopFlushing.Token));
    }

    /// <summary>
    /// Sends what the load has written to disk every second, while the load goes on: the disk would otherwise sit idle
    /// until the final sync, which then waits for the whole file (a million declarations are 1.5 GB, ~7 s at 220 MB/s).
    /// </summary>
    private async Task FlushWhileLoadingAsync(CancellationToken stop)
    {
        try
        {
            using var file = new FileStream(_loadingPath, FileMode.Open, FileAccess.ReadWrite, FileShare.ReadWrite);
            using var timer = new PeriodicTimer(TimeSpan.FromSeconds(1));
            while (await timer.WaitForNextTickAsync(stop)) file.Flush(flushToDisk: true);
        }
        catch (OperationCanceledException)
        {
        }
    }

    private void StopFlushing()
    {
        _stopFlushing.Cancel();
        _flushing.GetAwaiter().GetResult();
    }

    /// <summary>
    /// SQLite's own connection to the new file, opened without a mutex: the load's one writer uses it from one thread
    /// at a time, and taking the connection's mutex in each of its ~50 calls per declaration cost a tenth of the load.
    /// No one else can reach it (ADO.NET connections to the file are refused by the exclusive lock).
    /// </summary>
    public sqlite3 Handle { get; }

    public static string LoadingPathOf(string databasePath) => databasePath + "-loading";

    /// <summary>
    /// Copies the node's database to a new file for a bulk load when its store has no declarations and nothing of it
    /// waits in the write-ahead log; null when not, so the caller takes the ordinary path. The caller holds the file
    /// exclusively (<see cref="SqliteFileLock.TryExclusive"/>) and hands that lock to the result, which gives it back.
    /// </summary>
    public static SqliteBulkFile? TryCreate(string databasePath, SqliteConnection node, IDisposable exclusive)
    {
        using (var empty = node.CreateCommand())
        {
            empty.CommandText = "SELECT NOT EXISTS (SELECT 1 FROM declarations)";
            if (Convert.ToInt64(empty.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture) != 1) return null;
        }
        // Everything committed into the node's file itself, so that its state can be compared before the swap.
        using (var checkpoint = node.CreateCommand())
        {
            checkpoint.CommandText = "PRAGMA wal_checkpoint(TRUNCATE)";
            using var result = checkpoint.ExecuteReader();
            // busy = 1: a connection of this process is reading; the node's file would move under it.
            if (result.Read() && result.GetInt64(0) != 0) return null;
        }
        var loadingPath = LoadingPathOf(databasePath);
        sqlite3? handle = null;
        try
        {
            // Left by a load that was killed: nobody else can be writing it, this process holds the exclusive lock.
            File.Delete(loadingPath);
            using (var copy = node.CreateCommand())
            {
                copy.CommandText = "VACUUM INTO @path";
                copy.Parameters.AddWithValue("@path", loadingPath);
                copy.ExecuteNonQuery();
            }
            var copied = FileStateOf(databasePath);
            var rc = raw.sqlite3_open_v2(loadingPath, out handle, raw.SQLITE_OPEN_READWRITE | raw.SQLITE_OPEN_NOMUTEX, null);
            SqliteException.ThrowExceptionForRC(rc, handle);
            // Nothing to roll back to but the node's own file, which is untouched: no journal, no syncs until the end.
            Execute(handle, "PRAGMA locking_mode = EXCLUSIVE; PRAGMA journal_mode = OFF; PRAGMA synchronous = OFF; PRAGMA foreign_keys = OFF;");
            return new SqliteBulkFile(databasePath, loadingPath, handle, exclusive, copied);
        }
        catch
        {
            handle?.Dispose();
            File.Delete(loadingPath);
            throw;
        }
    }

    private static void Execute(sqlite3 handle, string sql) => SqliteException.ThrowExceptionForRC(raw.sqlite3_exec(handle, sql), handle);

    private static (long Length, DateTime Written) FileStateOf(string path)
    {
        var file = new FileInfo(path);
        return (file.Length, file.LastWriteTimeUtc);
    }

    /// <summary>
    /// After the load's transaction has committed: turns the new file to WAL, makes it durable and puts it in the node
    /// file's place. Every connection this process pooled on the node's file is closed first (they would read the old one).
    /// </summary>
    public void Install()
    {
        Execute(Handle, "PRAGMA journal_mode = WAL");
        Handle.Dispose();
        StopFlushing();
        using (var file = new FileStream(_loadingPath, FileMode.Open, FileAccess.ReadWrite, FileShare.ReadWrite))
        {
            file.Flush(flushToDisk: true);
        }
        SqliteConnection.ClearAllPools();
        // Another connection of this process that wrote during the load (the contract says none may) would lose its
        // writes to the swap: refuse instead. Its writes are in the log, or, once its connection closed, in the file.
        var log = _databasePath + "-wal";
        if ((File.Exists(log) && new FileInfo(log).Length > 0) || FileStateOf(_databasePath) != _copied)
        {
            throw new InvalidOperationException(
                $"the node database {_databasePath} was written by another connection of this process during the bulk load, so the load cannot replace it; nothing was stored");
        }
        File.Delete(log);
        File.Delete(_databasePath + "-shm");
        File.Move(_loadingPath, _databasePath, overwrite: true);
        _installed = true;
        SyncDirectory(Path.GetDirectoryName(_databasePath)!);
    }

    public void Dispose()
    {
        StopFlushing();
        _stopFlushing.Dispose();
        Handle.Dispose();
        if (!_installed) File.Delete(_loadingPath);
        _exclusive.Dispose();
    }

    // A rename is durable once the folder that holds it is written to disk; .NET has no call for that.
    private static void SyncDirectory(string directory)
    {
        if (!OperatingSystem.IsLinux() && !OperatingSystem.IsMacOS() && !OperatingSystem.IsFreeBSD()) return;
        var fd = Open(directory, 0);
        if (fd < 0) throw new IOException($"cannot open {directory} to make the new database file durable (errno {Marshal.GetLastPInvokeError()})");
        try
        {
            if (Fsync(fd) != 0) throw new IOException($"cannot write {directory} to disk (errno {Marshal.GetLastPInvokeError()})");
        }
        finally
        {
            _ = Close(fd);
        }
    }

    [LibraryImport("libc", EntryPoint = "open", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int Open(string path, int flags);

    [LibraryImport("libc", EntryPoint = "fsync", SetLastError = true)]
    private static partial int Fsync(int fd);

    [LibraryImport("libc", EntryPoint = "close", SetLastError = true)]
    private static partial int Close(int fd);
}
