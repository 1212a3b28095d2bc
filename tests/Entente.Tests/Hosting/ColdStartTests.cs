using System.Net;
using System.Net.Sockets;
using System.Text;
using Entente.Declarations;
using Entente.Tests.Support;
using Entente.Tools.Generation;

namespace Entente.Tests.Hosting;

/// <summary>
/// Issue 14, findings 6 and 7: a node just started takes a burst of submissions without a 5xx or "database is locked",
/// and a body that comes too slowly or ends early is answered 408/400, with no unhandled exception, the node serving on.
/// Never timed: the load figures are in the benchmark (`./entente bench startup`, docs/benchmarks.md).
/// </summary>
public sealed class ColdStartTests
{
    [Fact]
    public async Task A_cold_node_answers_fifty_concurrent_submissions_each_with_2xx()
    {
        await using var node = await NodeProcess.StartAsync();
        await node.WaitReadyAsync();
        using var client = node.Client(node.AdminKey);
        client.Timeout = TimeSpan.FromMinutes(3);
        var bodies = new DeclarationGenerator(seed: 14, referencePrefix: "CS").Generate(50).Select(r => EntenteJson.Serialize(r.Declaration!)).ToList();

        var go = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var answers = bodies.Select(body => Task.Run(async () =>
        {
            await go.Task;
            using var response = await client.PostAsync(new Uri("/api/declarations", UriKind.Relative), new StringContent(body, Encoding.UTF8, "application/json"));
            return (response.StatusCode, Body: await response.Content.ReadAsStringAsync());
        })).ToList();
        go.SetResult();
        var results = await Task.WhenAll(answers);

        Assert.All(results, r => Assert.True(r.StatusCode == HttpStatusCode.OK, $"{(int)r.StatusCode}: {r.Body}"));
        Assert.All(results, r => Assert.Contains("\"accepted\":1", r.Body, StringComparison.Ordinal));
        Assert.DoesNotContain("database is locked", node.Log, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("unhandled exception", node.Log, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task A_body_sent_at_one_byte_a_second_is_answered_408_and_the_node_keeps_serving()
    {
        await using var node = await NodeProcess.StartAsync();
        await node.WaitReadyAsync();
        using var socket = await ConnectAsync(node);
        await SendAsync(socket, Headers(node, 2_000));

        // Kestrel allows a 5 s grace, then wants 240 bytes/s: one byte a second is cut off after about five.
        var answer = ReadAnswerAsync(socket);
        for (var i = 0; i < 30 && !answer.IsCompleted; i++)
        {
            try
            {
                await SendAsync(socket, "{"u8.ToArray());
            }
            catch (SocketException)
            {
                break;
            }
            await Task.WhenAny(answer, Task.Delay(1_000));
        }

        Assert.StartsWith("HTTP/1.1 408", await answer, StringComparison.Ordinal);
        await AssertServingWithoutUnhandledExceptionAsync(node);
    }

    [Fact]
    public async Task A_body_that_ends_before_its_length_is_never_a_500_and_the_node_keeps_serving()
    {
        await using var node = await NodeProcess.StartAsync();
        await node.WaitReadyAsync();
        using var socket = await ConnectAsync(node);
        await SendAsync(socket, Headers(node, 2_000));
        await SendAsync(socket, Encoding.ASCII.GetBytes("{\"lrn\":\"GB1\""));
        socket.Shutdown(SocketShutdown.Send);

        // Kestrel takes the client's end of sending as the end of the connection: it closes without an answer, or
        // answers 400 when it can; never 500, never an unhandled exception.
        var answer = await ReadAnswerAsync(socket);
        Assert.True(answer.Length == 0 || answer.StartsWith("HTTP/1.1 400", StringComparison.Ordinal), answer);
        await AssertServingWithoutUnhandledExceptionAsync(node);
    }

    [Fact]
    public async Task A_connection_dropped_mid_body_leaves_no_unhandled_exception()
    {
        await using var node = await NodeProcess.StartAsync();
        await node.WaitReadyAsync();
        using (var socket = await ConnectAsync(node))
        {
            await SendAsync(socket, Headers(node, 2_000));
            await SendAsync(socket, Encoding.ASCII.GetBytes("{\"lrn\":\"GB1\""));
            socket.LingerState = new LingerOption(true, 0);
            socket.Close();
        }
        await Task.Delay(1_000);
        await AssertServingWithoutUnhandledExceptionAsync(node);
    }

    private static async Task AssertServingWithoutUnhandledExceptionAsync(NodeProcess node)
    {
        using var client = node.Client(node.AdminKey);
        var body = EntenteJson.Serialize(new DeclarationGenerator(seed: 7, referencePrefix: "OK").Generate(1).First().Declaration!);
        var after = await client.PostAsync(new Uri("/api/declarations", UriKind.Relative), new StringContent(body, Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.OK, after.StatusCode);
        Assert.DoesNotContain("unhandled exception", node.Log, StringComparison.OrdinalIgnoreCase);
    }

    private static async Task<Socket> ConnectAsync(NodeProcess node)
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await socket.ConnectAsync(IPAddress.Loopback, node.BaseAddress.Port);
        return socket;
    }

    private static byte[] Headers(NodeProcess node, int length) => Encoding.ASCII.GetBytes(
        $"POST /api/declarations HTTP/1.1\r\nHost: 127.0.0.1:{node.BaseAddress.Port}\r\nAuthorization: Bearer {node.AdminKey}\r\n" +
        $"Content-Type: application/json\r\nContent-Length: {length}\r\n\r\n");

    private static async Task SendAsync(Socket socket, byte[] bytes) => await socket.SendAsync(bytes, SocketFlags.None);

    /// <summary>What the node answers, until it closes the connection or a minute passes.</summary>
    private static async Task<string> ReadAnswerAsync(Socket socket)
    {
        var buffer = new byte[8192];
        var text = new StringBuilder();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(1));
        try
        {
            while (true)
            {
                var n = await socket.ReceiveAsync(buffer, SocketFlags.None, timeout.Token);
                if (n == 0) break;
                text.Append(Encoding.ASCII.GetString(buffer, 0, n));
                if (text.ToString().Contains("\r\n\r\n", StringComparison.Ordinal) && text.ToString().Contains("}", StringComparison.Ordinal)) break;
            }
        }
        catch (Exception e) when (e is SocketException or OperationCanceledException)
        {
        }
        return text.ToString();
    }
}
