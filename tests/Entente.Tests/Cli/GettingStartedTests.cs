using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Entente.Cli;
using Entente.Declarations;
using Entente.Tests.Support;
using Entente.Tools.Generation;
using Entente.Tools.Writers;

namespace Entente.Tests.Cli;

/// <summary>
/// docs/getting-started.md runs as written: every command of its sh blocks up to "A network of nodes" (which
/// `./entente demo` runs), in order, against a new SQLite home. Only what a reader fills in is filled in: the home
/// (/srv/entente/kr, H), the files named, the declaration id, the port and the key `user add` printed.
/// </summary>
public sealed partial class GettingStartedTests : IDisposable
{
    private readonly string folder = Path.Combine(Path.GetTempPath(), $"entente-getting-started-{Guid.NewGuid():N}");

    public GettingStartedTests() => Directory.CreateDirectory(folder);

    public void Dispose() => Directory.Delete(folder, recursive: true);

    /// <summary>The walk-through's commands: sh blocks, continuation lines joined, comments dropped, split at &amp;&amp;.</summary>
    public static List<(string Line, List<string> Words, bool Background)> Commands(string markdown)
    {
        var commands = new List<(string, List<string>, bool)>();
        foreach (Match block in ShBlock().Matches(markdown))
        {
            var text = block.Groups[1].Value.Replace("\\\n", " ", StringComparison.Ordinal);
            foreach (var raw in text.Split('\n'))
            {
                var words = Words(raw);
                if (words.Count == 0) continue;
                var background = words[^1] == "&";
                if (background) words.RemoveAt(words.Count - 1);
                var current = new List<string>();
                foreach (var word in words.Append("&&"))
                {
                    if (word != "&&")
                    {
                        current.Add(word);
                        continue;
                    }
                    if (current.Count > 0) commands.Add((raw.Trim(), current, background));
                    current = [];
                }
            }
        }
        return commands;
    }

    /// <summary>A line split as sh would: quotes group, a # that starts a word starts a comment.</summary>
    private static List<string> Words(string line)
    {
        var words = new List<string>();
        var word = new StringBuilder();
        var inWord = false;
        char? quote = null;
        foreach (var c in line)
        {
            if (quote is { } q)
            {
                if (c == q) quote = null;
                else word.Append(c);
                continue;
            }
            if (c is '"' or '\'')
            {
                quote = c;
                inWord = true;
                continue;
            }
            if (char.IsWhiteSpace(c))
            {
                if (inWord) words.Add(word.ToString());
                word.Clear();
                inWord = false;
                continue;
            }
            if (c == '#' && !inWord) break;
            word.Append(c);
            inWord = true;
        }
        if (inWord) words.Add(word.ToString());
        return words;
    }

    /// <summary>An sh block, unless the line before it is an HTML comment starting "not run" (an alternative that needs what a new machine lacks, e.g. a PostgreSQL server).</summary>
    [GeneratedRegex(@"(?<!<!-- not run[^\n]*-->\n)```sh\n(.*?)```", RegexOptions.Singleline)]
    private static partial Regex ShBlock();

    [GeneratedRegex(@"^[\w.-]+\.(xml|edi|ndjson|csv|json|yaml)$")]
    private static partial Regex FileName();

    [GeneratedRegex(@"^[0-9a-f]{8}-\.\.\.$")]
    private static partial Regex IdPlaceholder();

    [GeneratedRegex(@"API key \(shown once\): (\S+)")]
    private static partial Regex PrintedKey();

    [SharedDataFact("customs-import-declarations")]
    public async Task The_single_node_walk_through_runs_as_written()
    {
        var markdown = File.ReadAllText(Path.Combine(SharedData.RepositoryRoot, "docs", "getting-started.md")).Replace("\r\n", "\n", StringComparison.Ordinal);
        var walkThrough = markdown[..markdown.IndexOf("## A network of nodes", StringComparison.Ordinal)];
        var commands = Commands(walkThrough);
        Assert.Contains(commands, c => c.Words is ["./entente", "declarations", "status", ..]);
        WriteFiles();

        var home = Path.Combine(folder, "srv", "entente", "kr");
        var port = FreePort();
        string? declarationId = null, key = null;
        var servers = new List<(Task<int> Run, CancellationTokenSource Stop, StringWriter Error)>();
        try
        {
            foreach (var (line, words, background) in commands)
            {
                var args = new List<string>();
                foreach (var word in words.Skip(1))
                {
                    var filled = word.Replace("5080", port.ToString(System.Globalization.CultureInfo.InvariantCulture), StringComparison.Ordinal);
                    if (filled is "/srv/entente/kr" or "H") filled = home;
                    else if (IdPlaceholder().IsMatch(filled)) filled = declarationId ??= await AnyDeclarationAsync(home);
                    else if (FileName().IsMatch(filled) || filled == "inbox/") filled = Path.Combine(folder, filled);
                    if (key is not null) filled = filled.Replace("$KEY", key, StringComparison.Ordinal);
                    args.Add(filled);
                }
                if (words[0] == "curl")
                {
                    await CurlAsync(line, args);
                    continue;
                }
                Assert.True(words[0] == "./entente", $"the walk-through has a command this test cannot run: {line}");
                if (args[0] == "serve")
                {
                    var stop = new CancellationTokenSource();
                    var error = new StringWriter();
                    servers.Add((Task.Run(() => EntenteCli.RunAsync([.. args], TextWriter.Null, error, stop.Token)), stop, error));
                    await WaitUntilUpAsync(port, servers[^1].Run, error);
                    continue;
                }
                Assert.False(background, $"{line}: only serve runs in the background here");
                var (status, output, errors) = await Support.Cli.Run([.. args]);
                Assert.True(status == 0, $"`{line}` exited {status}:\n{errors}\n{output}");
                if (args[0] == "user" && PrintedKey().Match(output) is { Success: true } printed) key = printed.Groups[1].Value;
                if (args.Contains("--json")) JsonDocument.Parse(output).Dispose();
            }
        }
        finally
        {
            foreach (var (run, stop, _) in servers)
            {
                await stop.CancelAsync();
                await run;
                stop.Dispose();
            }
        }
        Assert.NotNull(key);
        Assert.NotNull(declarationId);
        var (_, history, _) = await Support.Cli.Run("declarations", "history", "--home", home, declarationId!, "--json");
        using var moves = JsonDocument.Parse(history);
        Assert.Equal(["accepted", "control"], moves.RootElement.GetProperty("moves").EnumerateArray().Select(m => m.GetProperty("to").GetString()).TakeLast(2));
    }

    private void WriteFiles()
    {
        Declaration[] Generate(int seed, int count, string prefix) =>
            [.. new DeclarationGenerator(seed, importingCountry: "KR", firstDay: new DateOnly(2026, 1, 1), days: 90, referencePrefix: prefix).Generate(count).Select(r => r.Declaration!)];
        using (var stream = File.Create(Path.Combine(folder, "declarations.xml"))) WcoXmlWriter.WriteBatch(stream, Generate(1, 20, "KRXML"));
        using (var stream = File.Create(Path.Combine(folder, "big-batch.xml"))) WcoXmlWriter.WriteBatch(stream, Generate(2, 200, "KRBIG"));
        using (var stream = File.Create(Path.Combine(folder, "cusdec.edi")))
        {
            CusdecWriter.WriteInterchange(stream, Generate(3, 20, "KREDI"), new CusdecWriterOptions
            {
                Sender = "KRBROKER01",
                Recipient = "KRCUSTOMS",
                ControlReference = "GS1",
                PreparedAt = TimeProvider.System.GetUtcNow(),
            });
        }
        File.WriteAllLines(Path.Combine(folder, "batch.ndjson"), Generate(4, 20, "KRJSON").Select(EntenteJson.Serialize));
        Directory.CreateDirectory(Path.Combine(folder, "inbox"));
        using (var stream = File.Create(Path.Combine(folder, "inbox", "day-1.xml"))) WcoXmlWriter.WriteBatch(stream, Generate(5, 10, "KRIN1"));
        File.WriteAllLines(Path.Combine(folder, "inbox", "day-2.ndjson"), Generate(6, 10, "KRIN2").Select(EntenteJson.Serialize));
        // A national extract: the first rows of the public Korean synthetic declarations, as the shipped mapping reads them.
        File.WriteAllLines(Path.Combine(folder, "extract.csv"), File.ReadLines(SharedData.PathOf("customs-import-declarations", "df_syn_test_eng.csv")).Take(101));
    }

    private static async Task<string> AnyDeclarationAsync(string home)
    {
        var (status, output, error) = await Support.Cli.Run("declarations", "search", "--home", home, "--limit", "1", "--json");
        Assert.True(status == 0, error);
        using var page = JsonDocument.Parse(output);
        return page.RootElement.GetProperty("items")[0].GetProperty("id").GetString()!;
    }

    private static async Task CurlAsync(string line, List<string> args)
    {
        using var http = new HttpClient();
        using var request = new HttpRequestMessage(HttpMethod.Get, args.Single(a => a.StartsWith("http", StringComparison.Ordinal)));
        for (var i = 0; i < args.Count - 1; i++)
        {
            if (args[i] != "-H") continue;
            var (name, value) = (args[i + 1][..args[i + 1].IndexOf(':', StringComparison.Ordinal)], args[i + 1][(args[i + 1].IndexOf(':', StringComparison.Ordinal) + 1)..].Trim());
            if (name == "Authorization") request.Headers.Authorization = AuthenticationHeaderValue.Parse(value);
            else request.Headers.Add(name, value);
        }
        using var response = await http.SendAsync(request);
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"`{line}` answered {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
        JsonDocument.Parse(await response.Content.ReadAsStringAsync()).Dispose();
    }

    private static async Task WaitUntilUpAsync(int port, Task<int> server, StringWriter error)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
        for (var attempt = 0; attempt < 600; attempt++)
        {
            Assert.False(server.IsCompleted, $"serve stopped: {error}");
            try
            {
                using var response = await http.GetAsync(new Uri($"http://127.0.0.1:{port}/health/ready"));
                if (response.IsSuccessStatusCode) return;
            }
            catch (HttpRequestException)
            {
            }
            catch (TaskCanceledException)
            {
            }
            await Task.Delay(100);
        }
        Assert.Fail($"serve did not come up on {port}: {error}");
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    [Fact]
    public void The_walk_through_is_read_as_sh_reads_it()
    {
        var commands = Commands("""
            ```sh
            ./entente ingest --home "/srv/x y" a.xml   # a comment
            ./entente ledger verify --home nl && ./entente ledger checkpoint --home nl
            ./entente serve --home nl --urls http://127.0.0.1:5081 &
            ./entente request new --home nl \
                --case "NL-1#2"
            ```
            """.Replace("\r\n", "\n", StringComparison.Ordinal));
        Assert.Equal(5, commands.Count);
        Assert.Equal(["./entente", "ingest", "--home", "/srv/x y", "a.xml"], commands[0].Words);
        Assert.Equal(["./entente", "ledger", "checkpoint", "--home", "nl"], commands[2].Words);
        Assert.True(commands[3].Background);
        Assert.Equal(["./entente", "request", "new", "--home", "nl", "--case", "NL-1#2"], commands[4].Words);
    }
}
