using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Text;
using Entente.Nodes;

namespace Entente.Tests.Support;

/// <summary>
/// A real node: a home made with `entente node init`, served by a separate `entente serve` process on a free
/// loopback port, reached over real HTTP. Disposing stops the process and removes the home.
/// </summary>
public sealed class NodeProcess : IAsyncDisposable
{
    private readonly Process process;
    private readonly StringBuilder log = new();

    private NodeProcess(string home, string adminKey, int port, Process process)
    {
        Home = home;
        AdminKey = adminKey;
        BaseAddress = new Uri($"http://127.0.0.1:{port}");
        this.process = process;
    }

    public string Home { get; }
    public string AdminKey { get; }
    public Uri BaseAddress { get; }
    public string Log
    {
        get
        {
            lock (log) return log.ToString();
        }
    }

    public static async Task<NodeProcess> StartAsync(string? database = null, IDictionary<string, string>? environment = null, string code = "GB")
    {
        var home = Path.Combine(Path.GetTempPath(), $"entente-test-{Guid.NewGuid():N}");
        var key = await NodeHome.InitAsync(new NodeOptions { Home = home, Code = code, Name = "Test administration", Database = database }, TimeProvider.System);
        var port = FreePort();
        var cli = Path.Combine(AppContext.BaseDirectory, "Entente.Cli.dll");
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var arg in new[] { cli, "serve", "--home", home, "--urls", $"http://127.0.0.1:{port}" }) start.ArgumentList.Add(arg);
        if (database is not null)
        {
            start.ArgumentList.Add("--database");
            start.ArgumentList.Add(database);
        }
        foreach (var (name, value) in environment ?? new Dictionary<string, string>()) start.Environment[name] = value;
        var process = Process.Start(start) ?? throw new InvalidOperationException("cannot start the node");
        var node = new NodeProcess(home, key, port, process);
        process.OutputDataReceived += (_, e) => node.Append(e.Data);
        process.ErrorDataReceived += (_, e) => node.Append(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();

        using var probe = new HttpClient { BaseAddress = node.BaseAddress, Timeout = TimeSpan.FromSeconds(2) };
        for (var attempt = 0; attempt < 300; attempt++)
        {
            if (process.HasExited) throw new InvalidOperationException($"the node exited with {process.ExitCode}:\n{node.Log}");
            try
            {
                if ((await probe.GetAsync(new Uri("/health", UriKind.Relative))).StatusCode == HttpStatusCode.OK) return node;
            }
            catch (HttpRequestException)
            {
            }
            catch (TaskCanceledException)
            {
            }
            await Task.Delay(100);
        }
        await node.DisposeAsync();
        throw new TimeoutException($"the node did not answer /health within 30 s:\n{node.Log}");
    }

    public HttpClient Client(string? key = null)
    {
        var client = new HttpClient { BaseAddress = BaseAddress, Timeout = TimeSpan.FromSeconds(60) };
        if (key is not null) client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", key);
        return client;
    }

    /// <summary>Creates a user with the given role through the node's own CLI and returns the key.</summary>
    public async Task<string> AddUserAsync(string name, string role, string? database = null)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        string[] args = ["user", "add", "--home", Home, "--name", name, "--role", role];
        if (database is not null) args = [.. args, "--database", database];
        var status = await Entente.Cli.EntenteCli.RunAsync(args, output, error);
        Assert.True(status == 0, error.ToString());
        return output.ToString().Trim().Split(' ')[^1];
    }

    private void Append(string? line)
    {
        if (line is null) return;
        lock (log) log.AppendLine(line);
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    public async ValueTask DisposeAsync()
    {
        if (!process.HasExited)
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
        }
        process.Dispose();
        try
        {
            Directory.Delete(Home, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
