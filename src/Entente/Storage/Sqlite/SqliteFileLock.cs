namespace Entente.Storage.Sqlite;

/// <summary>
/// Who has a node's SQLite file open, across processes. Every <see cref="NodeDatabase"/> on the file holds a lease: the process keeps a shared lock on FILE-lock while it holds any. A bulk load
/// takes the lock exclusively, which it gets only when no other process has the file open; it may then write the store
/// as a new file and swap it in (<see cref="SqliteBulkFile"/>). A process that opens the file meanwhile waits for the
/// load to finish. The locks are advisory (flock, which is what .NET's FileShare becomes on Unix): tools outside
/// Entente, such as the sqlite3 shell, do not take them.
/// </summary>
internal static class SqliteFileLock
{
    private static readonly Dictionary<string, Holder> Held = new(StringComparer.Ordinal);

    /// <summary>How long an opener waits for another process's bulk load before giving up with a clear error.</summary>
    internal static TimeSpan Patience { get; set; } = TimeSpan.FromSeconds(30);

    private static readonly TimeSpan Poll = TimeSpan.FromMilliseconds(100);

    public static string LockPathOf(string databasePath) => Path.GetFullPath(databasePath) + "-lock";

    /// <summary>A lease on the file for as long as the caller has it open; dispose it when done.</summary>
    public static IDisposable Share(string databasePath)
    {
        var path = LockPathOf(databasePath);
        var attempts = Math.Max(1, (int)(Patience / Poll));
        for (var attempt = 1; ; attempt++)
        {
            lock (Held)
            {
                if (!Held.TryGetValue(path, out var holder)) Held[path] = holder = new Holder();
                if (holder.Lock is not null || holder.TryTakeShared(path))
                {
                    holder.Leases++;
                    return new Lease(path);
                }
                if (holder.Leases == 0) Held.Remove(path);
            }
            if (attempt == 1)
            {
                StorageNotices.RaiseWaiting(
                    $"the node database {Path.GetFullPath(databasePath)} is being loaded in bulk by another process; waiting for it to finish (up to {Patience.TotalSeconds:N0} s)");
            }
            if (attempt >= attempts)
            {
                throw new IOException(
                    $"the node database {Path.GetFullPath(databasePath)} is being loaded in bulk by another process (an 'entente ingest' into an empty store); " +
                    $"it was still loading after {Patience.TotalSeconds:N0} s: try again when it has finished");
            }
            Thread.Sleep(Poll);
        }
    }

    /// <summary>
    /// The file to this process alone, or null when another process has it open (or is loading it). Leases this process
    /// holds stay valid; the caller must not use connections opened before (clear the pools) once it replaces the file.
    /// </summary>
    public static IDisposable? TryExclusive(string databasePath)
    {
        var path = LockPathOf(databasePath);
        lock (Held)
        {
            if (!Held.TryGetValue(path, out var holder)) Held[path] = holder = new Holder();
            if (holder.Exclusive) return null;
            holder.Lock?.Dispose();
            holder.Lock = null;
            try
            {
                holder.Lock = new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
                holder.Exclusive = true;
                return new ExclusiveLease(path);
            }
            catch (IOException)
            {
                // Another process has the file: take the shared lock back for this process's own leases.
                if (holder.Leases > 0 && !holder.TryTakeShared(path))
                    throw new IOException($"lost the shared lock on {path} while trying for an exclusive one");
                if (holder.Leases == 0) Held.Remove(path);
                return null;
            }
        }
    }

    private static void Release(string path, bool exclusive)
    {
        lock (Held)
        {
            if (!Held.TryGetValue(path, out var holder)) return;
            if (exclusive)
            {
                holder.Exclusive = false;
                holder.Lock?.Dispose();
                holder.Lock = null;
                // Nobody else can hold it exclusively yet: the shared lock is taken straight back for the leases.
                if (holder.Leases > 0 && !holder.TryTakeShared(path))
                    throw new IOException($"could not take back the shared lock on {path} after a bulk load");
            }
            else
            {
                holder.Leases--;
                if (holder.Leases > 0) return;
                if (holder.Exclusive) return;
                holder.Lock?.Dispose();
                holder.Lock = null;
            }
            if (holder.Leases == 0 && !holder.Exclusive) Held.Remove(path);
        }
    }

    private sealed class Holder
    {
        public FileStream? Lock;
        public int Leases;
        public bool Exclusive;

        public bool TryTakeShared(string path)
        {
            try
            {
                Lock = new FileStream(path, FileMode.OpenOrCreate, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
                return true;
            }
            catch (UnauthorizedAccessException)
            {
                // A folder this process may not write (a read-only copy): nobody can bulk-load it either.
                return true;
            }
            catch (IOException)
            {
                return false;
            }
        }
    }

    private sealed class Lease(string path) : IDisposable
    {
        private int _released;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _released, 1) == 0) Release(path, exclusive: false);
        }
    }

    private sealed class ExclusiveLease(string path) : IDisposable
    {
        private int _released;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _released, 1) == 0) Release(path, exclusive: true);
        }
    }
}
