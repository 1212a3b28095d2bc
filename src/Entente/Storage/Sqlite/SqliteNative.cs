using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Entente.Storage.Sqlite;

/// <summary>
/// The few SQLite calls the ingest writer makes per value, on the raw statement pointer of a statement
/// <c>SQLitePCL.raw</c> prepared and keeps alive. Through SQLitePCL each call also takes and releases the statement's
/// SafeHandle, about a tenth of the writer's time at ~35 bindings per declaration. The bindings copy their value
/// (SQLITE_TRANSIENT) and return at once, so they skip the GC transition; stepping runs the statement and keeps it.
/// </summary>
internal static unsafe partial class SqliteNative
{
    private const string Library = "e_sqlite3";

    // SQLITE_TRANSIENT: SQLite copies the value before the call returns.
    private static readonly nint Transient = -1;

    // A null pointer would bind NULL: the empty text points here.
    private static readonly byte[] Empty = [0];

    public static int BindText(nint statement, int index, ReadOnlySpan<byte> utf8)
    {
        fixed (byte* text = utf8.IsEmpty ? Empty : utf8) return BindText(statement, index, text, utf8.Length, Transient);
    }

    [LibraryImport(Library, EntryPoint = "sqlite3_bind_text")]
    [SuppressGCTransition]
    private static partial int BindText(nint statement, int index, byte* text, int length, nint destructor);

    [LibraryImport(Library, EntryPoint = "sqlite3_bind_int64")]
    [SuppressGCTransition]
    public static partial int BindInt64(nint statement, int index, long value);

    [LibraryImport(Library, EntryPoint = "sqlite3_bind_null")]
    [SuppressGCTransition]
    public static partial int BindNull(nint statement, int index);

    [LibraryImport(Library, EntryPoint = "sqlite3_step")]
    public static partial int Step(nint statement);

    [LibraryImport(Library, EntryPoint = "sqlite3_reset")]
    public static partial int Reset(nint statement);

    [LibraryImport(Library, EntryPoint = "sqlite3_changes")]
    [SuppressGCTransition]
    public static partial int Changes(nint db);

    [LibraryImport(Library, EntryPoint = "sqlite3_last_insert_rowid")]
    [SuppressGCTransition]
    public static partial long LastInsertRowId(nint db);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static nint Pointer(SafeHandle handle) => handle.DangerousGetHandle();
}
