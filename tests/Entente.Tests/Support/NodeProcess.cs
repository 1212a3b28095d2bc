using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Text;
using Entente.Hosting;

namespace Entente.Tests.Support;

/// <summary>
/// A real node: a home made with `entente node init`, served by a separate `entente serve` process on a free
/// loopback port, reached over real HTTP. Disposing stops the process and removes the home.
/// </summary>
public sealed class NodeProcess : IAsyncDisposable
{
    private readonly StringBuilder log = new();
    private readonly IDictionary<string, string>? environment;
    private Process process;
    private bool ownsHome = true;

    private NodeProcess(string home, string adminKey, int port, Process process, string code, string? database, IDictionary<string, string>? environment, bool https = false)
    {
        Home = home;
        AdminKey = adminKey;
        BaseAddress = new Uri($"{(https ? "https" : "http")}://127.0.0.1:{port}");
        this.process = process;
        Code = code;
        Database = database;
        this.environment = environment;
    }

    public string Code { get; }
    public string? Database { get; }
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

    public static async Task<NodeProcess> StartAsync(string? database = null, IDictionary<string, string>? environment = null, string code = "GB", bool https = false)
    {
        var home = Path.Combine(Path.GetTempPath(), $"entente-test-{Guid.NewGuid():N}");
        var key = await NodeHome.InitAsync(new NodeOptions { Home = home, Code = code, Name = "Test administration", Database = database }, TimeProvider.System);
        var port = FreePort();
        var node = new NodeProcess(home, key, port, null!, code, database, environment, https);
        node.process = node.Launch();
        try
        {
            await node.WaitUntilUpAsync();
        }
        catch
        {
            await node.DisposeAsync();
            throw;
        }
        return node;
    }

    private Process Launch()
    {
        var cli = Path.Combine(AppContext.BaseDirectory, "Entente.Cli.dll");
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var arg in new[] { cli, "serve", "--home", Home, "--urls", BaseAddress.ToString().TrimEnd('/') }) start.ArgumentList.Add(arg);
        if (Database is not null)
        {
            start.ArgumentList.Add("--database");
            start.ArgumentList.Add(Database);
        }
        foreach (var (name, value) in environment ?? new Dictionary<string, string>()) start.Environment[name] = value;
        var started = Process.Start(start) ?? throw new InvalidOperationException("cannot start the node");
        started.OutputDataReceived += (_, e) => Append(e.Data);
        started.ErrorDataReceived += (_, e) => Append(e.Data);
        started.BeginOutputReadLine();
        started.BeginErrorReadLine();
        return started;
    }

    /// <summary>
    /// Starts a second `entente serve` process of this node (same home, same database, its own port) with
    /// <paramref name="environment"/> (e.g. another Entente__Exchange__Replica); disposing it leaves the home alone.
    /// </summary>
    public async Task<NodeProcess> StartReplicaAsync(IDictionary<string, string> environment)
    {
        var replica = new NodeProcess(Home, AdminKey, FreePort(), null!, Code, Database, environment) { ownsHome = false };
        replica.process = replica.Launch();
        try
        {
            await replica.WaitUntilUpAsync();
        }
        catch
        {
            await replica.DisposeAsync();
            throw;
        }
        return replica;
    }

    /// <summary>Kills the node's process at once (SIGKILL: no shutdown, no flush), as a crash would.</summary>
    public async Task KillAsync()
    {
        if (!process.HasExited)
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
        }
    }

    /// <summary>Starts the node again on the same home and port, after <see cref="KillAsync"/>.</summary>
    public async Task RestartAsync()
    {
        await KillAsync();
        process.Dispose();
        Append("--- restarted ---");
        process = Launch();
        await WaitUntilUpAsync();
    }

    public bool IsRunning => !process.HasExited;

    private async Task WaitUntilUpAsync()
    {
        var node = this;
        // The probe only asks whether the process answers; over HTTPS the node presents its self-issued certificate.
        using var probe = new HttpClient(new HttpClientHandler { ServerCertificateCustomValidationCallback = (_, _, _, _) => true })
        { BaseAddress = node.BaseAddress, Timeout = TimeSpan.FromSeconds(2) };
        for (var attempt = 0; attempt < 300; attempt++)
        {
            if (process.HasExited) throw new InvalidOperationException($"the node exited with {process.ExitCode}:\n{node.Log}");
            try
            {
                if ((await probe.GetAsync(new Uri("/health", UriKind.Relative))).StatusCode == HttpStatusCode.OK) return;
            }
            catch (HttpRequestException)
            {
            }
            catch (TaskCanceledException)
            {
            }
            await Task.Delay(100);
        }
        throw new TimeoutException($"the node did not answer /health within 30 s:\n{node.Log}");
    }

    /// <summary>Waits (up to a minute) until /health/ready answers 200: schema, ledger, dispatcher and warm-up done.</summary>
    public async Task WaitReadyAsync()
    {
        using var probe = Client();
        probe.Timeout = TimeSpan.FromSeconds(5);
        for (var attempt = 0; attempt < 600; attempt++)
        {
            if (process.HasExited) throw new InvalidOperationException($"the node exited with {process.ExitCode}:\n{Log}");
            try
            {
                if ((await probe.GetAsync(new Uri("/health/ready", UriKind.Relative))).StatusCode == HttpStatusCode.OK) return;
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
            {
            }
            await Task.Delay(100);
        }
        throw new TimeoutException($"the node was not ready within a minute:\n{Log}");
    }

    public HttpClient Client(string? apiKey = null)
    {
        // Over HTTPS the test trusts exactly this node's certificate (its key is in the home).
        var handler = new HttpClientHandler();
        if (BaseAddress.Scheme == Uri.UriSchemeHttps)
        {
            using var key = Entente.Identity.NodeKeys.LoadSigningKey(Home);
            var fingerprint = Entente.Identity.NodeKeys.Fingerprint(key);
            handler.ServerCertificateCustomValidationCallback = (_, certificate, _, _) =>
                certificate is not null && Entente.Identity.NodeCertificates.KeyFingerprint(certificate) == fingerprint;
        }
        var client = new HttpClient(handler) { BaseAddress = BaseAddress, Timeout = TimeSpan.FromSeconds(60) };
        if (apiKey is not null) client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", apiKey);
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
        if (!ownsHome) return;
        try
        {
            Directory.Delete(Home, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
