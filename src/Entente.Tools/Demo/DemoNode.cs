using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Text;
using Entente.Hosting;

namespace Entente.Tools.Demo;

/// <summary>
/// One administration in the demo: a home made with `entente node init` and its own `entente serve` process on a free
/// loopback port, reached over real HTTP. Disposing kills the process (the demo's finally does it, even on failure).
/// </summary>
internal sealed class DemoNode : IAsyncDisposable
{
    private readonly StringBuilder _log = new();
    private Process? _process;

    private DemoNode(DemoCli cli, string code, string name, string home)
    {
        Cli = cli;
        Code = code;
        Name = name;
        Home = home;
    }

    /// <summary>The command line this administration types its commands into.</summary>
    public DemoCli Cli { get; }

    public string Code { get; }

    public string Name { get; }

    public string Home { get; }

    /// <summary>Where the node's server listens (a free loopback port chosen when it starts).</summary>
    public Uri Endpoint { get; private set; } = new("http://127.0.0.1/");

    public NodeOptions Options => NodeHome.Load(Home);

    /// <summary>The node's liaison officer's API key (exchange, disclosures, assistance requests).</summary>
    public string LiaisonKey { get; set; } = "";

    public string Log
    {
        get
        {
            lock (_log) return _log.ToString();
        }
    }

    /// <summary>Creates the node's home with `entente node init` (keys, certificates, SQLite store, administrator).</summary>
    public static async Task<DemoNode> InitAsync(DemoCli cli, string root, string code, string name, CancellationToken cancellationToken)
    {
        var node = new DemoNode(cli, code, name, Path.Combine(root, code.ToLowerInvariant()));
        await cli.RunAsync(cancellationToken, "node", "init", "--home", node.Home, "--code", code, "--name", name);
        return node;
    }

    /// <summary>Starts `dotnet Entente.Cli.dll serve` for this home; <see cref="WaitUntilUpAsync"/> waits until /health/ready answers 200.</summary>
    public void Start(IReadOnlyDictionary<string, string> environment)
    {
        Endpoint = new Uri($"http://127.0.0.1:{FreePort()}");
        var cli = Cli.Assembly;
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var arg in new[] { cli, "serve", "--home", Home, "--urls", Endpoint.ToString().TrimEnd('/') }) start.ArgumentList.Add(arg);
        foreach (var (name, value) in environment) start.Environment[name] = value;
        _process = Process.Start(start) ?? throw new DemoFailure($"{Code}: cannot start `dotnet {cli} serve`");
        _process.OutputDataReceived += (_, e) => Append(e.Data);
        _process.ErrorDataReceived += (_, e) => Append(e.Data);
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
    }

    public async Task WaitUntilUpAsync(CancellationToken cancellationToken)
    {
        using var probe = new HttpClient { BaseAddress = Endpoint, Timeout = TimeSpan.FromSeconds(2) };
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < TimeSpan.FromSeconds(40))
        {
            if (_process is null || _process.HasExited) throw new DemoFailure($"{Code}: the node's server exited:{Environment.NewLine}{Tail()}");
            try
            {
                if ((await probe.GetAsync(new Uri("/health/ready", UriKind.Relative), cancellationToken)).StatusCode == HttpStatusCode.OK) return;
            }
            catch (HttpRequestException)
            {
            }
            catch (TaskCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
            }
            await Task.Delay(100, cancellationToken);
        }
        throw new DemoFailure($"{Code}: the node did not answer {Endpoint}health within 40 s:{Environment.NewLine}{Tail()}");
    }

    public HttpClient Client(string? key = null)
    {
        var client = new HttpClient { BaseAddress = Endpoint, Timeout = TimeSpan.FromSeconds(30) };
        if (key is not null) client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", key);
        return client;
    }

    public HttpClient Liaison() => Client(LiaisonKey);

    public string Tail() => Log is var log && log.Length <= 3000 ? log : log[^3000..];

    private void Append(string? line)
    {
        if (line is null) return;
        lock (_log) _log.AppendLine(line);
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    public async ValueTask DisposeAsync()
    {
        if (_process is null) return;
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
                await _process.WaitForExitAsync();
            }
        }
        catch (InvalidOperationException)
        {
            // Exited between the check and the kill.
        }
        _process.Dispose();
        _process = null;
    }
}

/// <summary>A step of the demo that did not check out: the demo stops, says why, and exits 1.</summary>
internal sealed class DemoFailure(string message) : Exception(message);

/// <summary>
/// The `entente` command line, given by the CLI that adds the demo command: <paramref name="run"/> runs a command in this
/// process, as an administrator would type it; <paramref name="assembly"/> is the CLI's dll each node's `serve` process runs.
/// </summary>
public sealed class DemoCli(Func<string[], TextWriter, TextWriter, CancellationToken, Task<int>> run, string assembly)
{
    /// <summary>The path of the CLI's dll, started as `dotnet {Assembly} serve`.</summary>
    public string Assembly { get; } = assembly;

    /// <summary>Runs the command; returns what it printed, or throws <see cref="DemoFailure"/> with its error when it exits non-zero.</summary>
    internal async Task<string> RunAsync(CancellationToken cancellationToken, params string[] args)
    {
        var (status, output, error) = await TryAsync(cancellationToken, args);
        if (status != 0) throw new DemoFailure($"`entente {string.Join(' ', args.Take(3))} ...` exited {status}: {error.Trim()}{output.Trim()}");
        return output;
    }

    internal async Task<(int Status, string Output, string Error)> TryAsync(CancellationToken cancellationToken, params string[] args)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        var status = await run(args, output, error, cancellationToken);
        return (status, output.ToString(), error.ToString());
    }
}
