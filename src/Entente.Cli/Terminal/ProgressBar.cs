using System.Diagnostics;
using Entente.Ingest;

namespace Entente.Cli.Terminal;

/// <summary>A one-line progress bar on standard error, drawn only when it is a terminal.</summary>
internal sealed class ProgressBar : IProgress<IngestProgress>, IDisposable
{
    private readonly Stopwatch clock = Stopwatch.StartNew();
    private readonly Lock gate = new();
    private long lastDraw;
    private bool drawn;

    public static ProgressBar? ForTerminal() => Console.IsErrorRedirected ? null : new ProgressBar();

    public void Report(IngestProgress value)
    {
        lock (gate)
        {
            if (clock.ElapsedMilliseconds - lastDraw < 100) return;
            lastDraw = clock.ElapsedMilliseconds;
            var rate = value.Records / Math.Max(0.001, clock.Elapsed.TotalSeconds);
            var name = Path.GetFileName(value.File);
            if (value.TotalBytes is { } total and > 0)
            {
                var fraction = Math.Clamp((double)value.BytesRead / total, 0, 1);
                var filled = (int)(fraction * 30);
                Console.Error.Write($"\r{name} [{new string('#', filled)}{new string('.', 30 - filled)}] {fraction,4:P0} {value.Records:N0} declarations, {rate:N0}/s   ");
            }
            else
            {
                Console.Error.Write($"\r{name} {value.Records:N0} declarations, {rate:N0}/s   ");
            }
            drawn = true;
        }
    }

    public void Dispose()
    {
        if (drawn) Console.Error.WriteLine();
    }
}
