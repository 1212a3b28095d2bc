using System.Diagnostics;
using System.Globalization;
using System.Runtime.CompilerServices;

namespace Entente.Storage;

/// <summary>
/// Fault injection for crash tests: with ENTENTE_FAULT_KILL_AT=N the process kills itself (SIGKILL) just before its N-th
/// statement through the gateway (<see cref="NodeDatabase"/>'s commands and the ledger's writers, commits included).
/// Read once; unset, each statement costs one comparison with a constant.
/// </summary>
internal static class CrashPoint
{
    private static readonly long KillAt =
        long.TryParse(Environment.GetEnvironmentVariable("ENTENTE_FAULT_KILL_AT"), NumberStyles.None, CultureInfo.InvariantCulture, out var n) ? n : 0;

    private static long _statements;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void BeforeStatement()
    {
        if (KillAt > 0) Count();
    }

    private static void Count()
    {
        if (Interlocked.Increment(ref _statements) != KillAt) return;
        Process.GetCurrentProcess().Kill();
        Thread.Sleep(Timeout.Infinite);
    }
}
