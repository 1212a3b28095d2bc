using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Entente.Bench;

/// <summary>
/// What several benchmarks share: a real `entente serve` process on a free loopback port (its output kept in a log),
/// waiting until it answers /health/ready, and the Korean declarations resampled into N rows.
/// </summary>
internal static class BenchSupport
{
    /// <summary>Starts `entente serve` for the home (and the database, when it is not the home's SQLite file) with the environment given.</summary>
    public static Process Serve(string home, Uri address, StringBuilder log, IReadOnlyDictionary<string, string>? environment = null, string? database = null)
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var arg in new[] { Path.Combine(AppContext.BaseDirectory, "Entente.Cli.dll"), "serve", "--home", home, "--urls", address.ToString().TrimEnd('/') })
            start.ArgumentList.Add(arg);
        if (database is not null)
        {
            start.ArgumentList.Add("--database");
            start.ArgumentList.Add(database);
        }
        foreach (var (name, value) in environment ?? new Dictionary<string, string>()) start.Environment[name] = value;
        var process = Process.Start(start) ?? throw new InvalidOperationException("cannot start entente serve");
        void Append(string? line)
        {
            if (line is null) return;
            lock (log) log.AppendLine(line);
        }
        process.OutputDataReceived += (_, e) => Append(e.Data);
        process.ErrorDataReceived += (_, e) => Append(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return process;
    }

    /// <summary>Asks /health/ready every <paramref name="poll"/> until it answers 200; the node's log in the error when it exits or takes longer than <paramref name="limit"/>.</summary>
    public static async Task WaitReadyAsync(HttpClient http, Process process, StringBuilder log, TimeSpan limit, TimeSpan poll)
    {
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < limit)
        {
            if (process.HasExited)
            {
                lock (log) throw new InvalidOperationException($"entente serve exited with {process.ExitCode}:\n{log}");
            }
            try
            {
                using var answer = await http.GetAsync(new Uri("/health/ready", UriKind.Relative));
                if (answer.StatusCode == HttpStatusCode.OK) return;
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
            {
            }
            await Task.Delay(poll);
        }
        lock (log) throw new TimeoutException($"entente serve was not ready within {limit.TotalMinutes:0.#} minutes:\n{log}");
    }

    /// <summary>Ends a node process started by <see cref="Serve"/> (and anything it started).</summary>
    public static async Task StopAsync(Process process)
    {
        if (process.HasExited) return;
        process.Kill(entireProcessTree: true);
        await process.WaitForExitAsync();
    }

    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// <summary>
    /// The Korean rows resampled into <paramref name="count"/> rows: a fresh declaration id each, and the year moved so
    /// that the months spread over five leap years (2020, 2024 ... 2036: the set has 29 February).
    /// </summary>
    public static void ResampleKorean(string korean, string path, int count)
    {
        var lines = File.ReadAllLines(korean);
        using var writer = new StreamWriter(path);
        writer.WriteLine(lines[0]);
        var rows = lines.Length - 1;
        for (var i = 0; i < count; i++)
        {
            var line = lines[1 + i % rows];
            var comma = line.IndexOf(',', StringComparison.Ordinal);
            // The second column is the date, 2020-MM-DD.
            writer.Write((300_000_000 + i).ToString(CultureInfo.InvariantCulture));
            writer.Write(',');
            writer.Write((2020 + 4 * (i / rows % 5)).ToString(CultureInfo.InvariantCulture));
            writer.WriteLine(line.AsSpan(comma + 5));
        }
    }
}
