using System.Net;
using System.Net.Sockets;
using Entente.Exchange;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Entente.Tests.Exchange.Reliability;

/// <summary>
/// A real HTTP reverse proxy on loopback, put between two nodes by registering it as a partner's endpoint. Until
/// <see cref="Heal"/> it mistreats the batches it carries, one fault per request drawn from a seeded random source:
/// drops the request or the answer (the connection is cut), sends the request twice at once, corrupts a byte of the
/// request or of the answer, answers 504 at once and delivers the request seconds later (after newer ones), shuffles
/// the envelopes of a batch, or delays it.
/// </summary>
public sealed class FaultProxy : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly HttpClient _client = new() { Timeout = TimeSpan.FromSeconds(60) };
    private readonly Uri _target;
    private readonly Random _random;
    private readonly List<Task> _held = [];
    private volatile bool _healed;
    private readonly Dictionary<string, int> _faults = new(StringComparer.Ordinal);

    private FaultProxy(WebApplication app, Uri address, Uri target, int seed)
    {
        _app = app;
        Address = address;
        _target = target;
        _random = new Random(seed);
    }

    public Uri Address { get; }

    /// <summary>How many requests met each fault (pass, drop-request, drop-answer, duplicate, corrupt-request...).</summary>
    public IReadOnlyDictionary<string, int> Faults
    {
        get
        {
            lock (_faults) return new Dictionary<string, int>(_faults);
        }
    }

    public int Count(string fault) => Faults.GetValueOrDefault(fault);

    public static async Task<FaultProxy> StartAsync(Uri target, int seed)
    {
        var port = FreePort();
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls($"http://127.0.0.1:{port}");
        var app = builder.Build();
        var proxy = new FaultProxy(app, new Uri($"http://127.0.0.1:{port}/"), target, seed);
        app.Run(proxy.HandleAsync);
        await app.StartAsync();
        return proxy;
    }

    /// <summary>From now on every request passes untouched (requests already held are still delivered late).</summary>
    public void Heal() => _healed = true;

    private async Task HandleAsync(HttpContext context)
    {
        using var buffer = new MemoryStream();
        await context.Request.Body.CopyToAsync(buffer);
        var body = buffer.ToArray();
        var request = (context.Request.Method, context.Request.Path + context.Request.QueryString, context.Request.ContentType, body);
        if (_healed || context.Request.Path != ExchangeWire.MessagesPath)
        {
            await AnswerAsync(context, await ForwardAsync(request));
            return;
        }

        string fault;
        int position;
        double roll;
        lock (_random)
        {
            roll = _random.NextDouble();
            position = _random.Next(body.Length);
            fault = roll switch
            {
                < 0.05 => "drop-request",
                < 0.10 => "drop-answer",
                < 0.40 => "duplicate",
                < 0.425 => "corrupt-request",
                < 0.45 => "corrupt-answer",
                < 0.55 => "hold",
                < 0.60 => "shuffle",
                < 0.70 => "delay",
                _ => "pass",
            };
        }
        lock (_faults) _faults[fault] = _faults.GetValueOrDefault(fault) + 1;

        switch (fault)
        {
            case "drop-request":
                context.Abort();
                return;
            case "drop-answer":
                await ForwardAsync(request);
                context.Abort();
                return;
            case "duplicate":
                var both = await Task.WhenAll(ForwardAsync(request), ForwardAsync(request));
                await AnswerAsync(context, both[position % 2]);
                return;
            case "corrupt-request":
                var damaged = (byte[])body.Clone();
                damaged[position] ^= (byte)(1 + (position % 255));
                await AnswerAsync(context, await ForwardAsync(request with { body = damaged }));
                return;
            case "corrupt-answer":
                var answer = await ForwardAsync(request);
                if (answer.Body.Length > 0) answer.Body[position % answer.Body.Length] ^= (byte)(1 + (position % 255));
                await AnswerAsync(context, answer);
                return;
            case "hold":
                var delay = TimeSpan.FromMilliseconds(500 + (position % 2500));
                lock (_held) _held.Add(Task.Run(async () =>
                {
                    await Task.Delay(delay);
                    await ForwardAsync(request);
                }));
                context.Response.StatusCode = (int)HttpStatusCode.GatewayTimeout;
                return;
            case "shuffle":
                await AnswerAsync(context, await ForwardAsync(request with { body = Shuffle(body, position) }));
                return;
            case "delay":
                await Task.Delay(50 + (position % 450));
                await AnswerAsync(context, await ForwardAsync(request));
                return;
            default:
                await AnswerAsync(context, await ForwardAsync(request));
                return;
        }
    }

    /// <summary>The batch's envelopes in another order (rotated by a random amount and the first two swapped).</summary>
    private static byte[] Shuffle(byte[] batch, int seed)
    {
        var envelopes = ExchangeWire.DecodeBatch(batch).ToList();
        if (envelopes.Count < 2) return batch;
        var shift = 1 + (seed % (envelopes.Count - 1));
        var rotated = envelopes.Skip(shift).Concat(envelopes.Take(shift)).ToList();
        (rotated[0], rotated[1]) = (rotated[1], rotated[0]);
        return ExchangeWire.EncodeBatch(rotated);
    }

    private async Task<(int Status, string? ContentType, byte[] Body)> ForwardAsync((string Method, string PathAndQuery, string? ContentType, byte[] body) request)
    {
        using var message = new HttpRequestMessage(new HttpMethod(request.Method), new Uri(_target, request.PathAndQuery));
        if (request.body.Length > 0 || request.Method == "POST")
        {
            message.Content = new ByteArrayContent(request.body);
            if (request.ContentType is not null) message.Content.Headers.TryAddWithoutValidation("Content-Type", request.ContentType);
        }
        try
        {
            using var response = await _client.SendAsync(message);
            return ((int)response.StatusCode, response.Content.Headers.ContentType?.ToString(), await response.Content.ReadAsByteArrayAsync());
        }
        catch (HttpRequestException)
        {
            return ((int)HttpStatusCode.BadGateway, null, []);
        }
    }

    private static async Task AnswerAsync(HttpContext context, (int Status, string? ContentType, byte[] Body) answer)
    {
        context.Response.StatusCode = answer.Status;
        if (answer.ContentType is not null) context.Response.ContentType = answer.ContentType;
        await context.Response.Body.WriteAsync(answer.Body);
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// <summary>Waits for the requests still held to be delivered.</summary>
    public async Task DrainAsync()
    {
        Task[] held;
        lock (_held) held = [.. _held];
        await Task.WhenAll(held);
    }

    public async ValueTask DisposeAsync()
    {
        await DrainAsync();
        await _app.StopAsync();
        await _app.DisposeAsync();
        _client.Dispose();
    }
}
