using System.Net;
using System.Net.Http.Headers;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Entente.Exchange;

/// <summary>How the dispatcher works: its name among replicas, lease, batch sizes, polling and retry delays.</summary>
public sealed record DispatcherSettings
{
    /// <summary>
    /// This node's name in claims: stable across restarts (the host name by default, never the process id), so that a
    /// restarted node takes back its own claims at once instead of waiting out their lease. Replicas sharing one
    /// database must differ (Exchange:Replica when two run on one host).
    /// </summary>
    public string Replica { get; init; } = Environment.MachineName;

    /// <summary>How long a claim holds; a replica that dies loses its claims when they run out.</summary>
    public TimeSpan Lease { get; init; } = TimeSpan.FromSeconds(60);

    public TimeSpan Poll { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>Conversation heads claimed per round.</summary>
    public int Heads { get; init; } = 128;

    /// <summary>Messages sent behind each head in the same conversation.</summary>
    public int Followers { get; init; } = 63;

    /// <summary>Envelopes per HTTP request.</summary>
    public int Batch { get; init; } = 128;

    /// <summary>Requests in flight to one partner at a time; each carries whole conversations, so order holds.</summary>
    public int Lanes { get; init; } = 4;

    public TimeSpan RetryBase { get; init; } = TimeSpan.FromSeconds(1);

    public TimeSpan RetryMax { get; init; } = TimeSpan.FromMinutes(10);

    public TimeSpan RequestTimeout { get; init; } = TimeSpan.FromSeconds(60);
}

/// <summary>
/// Sends the outbox: claims due messages (conversation heads and those behind them), posts them to each partner in
/// batches, checks every receipt's signature and digest before marking a message delivered, and sorts failures into
/// permanent (refused on the merits of the very bytes sent: never retried) and transient (unreachable partner,
/// damage on the way, busy partner: retried with exponential backoff and jitter, for as long as the message lives).
/// </summary>
public sealed class OutboxDispatcher(ExchangeNode node, HttpClient http, DispatcherSettings settings, ILogger<OutboxDispatcher> logger) : BackgroundService
{
    private readonly SemaphoreSlim _wake = new(0, 1);
    private readonly DateTimeOffset _started = node.Time.GetUtcNow();

    public void Wake()
    {
        try
        {
            if (_wake.CurrentCount == 0) _wake.Release();
        }
        catch (SemaphoreFullException)
        {
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        node.Queued += Wake;
        try
        {
            // A claim under this name is from this node's previous run: nothing of this run is in flight yet.
            var released = await node.Store.ReleaseClaimsAsync(settings.Replica, stoppingToken);
            if (released > 0) logger.LogInformation("Released {Count} outbox claims left by this node's previous run ({Replica})", released, settings.Replica);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            logger.LogError(e, "Releasing this node's previous claims failed; they run out with their lease");
        }
        try
        {
            // What this process receives from now on is its own live work; anything older was interrupted.
            await node.RecoverAsync(_started, stoppingToken);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            logger.LogError(e, "Recovering unfinished exchange work failed; it is tried again at the next start");
        }
        var recovered = node.Time.GetUtcNow();
        while (!stoppingToken.IsCancellationRequested)
        {
            if (node.Time.GetUtcNow() - recovered > ExchangeNode.InFlight)
            {
                recovered = node.Time.GetUtcNow();
                try
                {
                    await node.RecoverAsync(stoppingToken);
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    logger.LogError(e, "Recovering unfinished exchange work failed; trying again later");
                }
            }
            int sent;
            try
            {
                sent = await RunOnceAsync(stoppingToken);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                logger.LogError(e, "Outbox round failed; trying again");
                sent = 0;
            }
            if (sent > 0) continue;
            using var delay = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
            var timer = Task.Delay(settings.Poll, node.Time, delay.Token);
            await Task.WhenAny(_wake.WaitAsync(delay.Token), timer);
            await delay.CancelAsync();
        }
    }

    /// <summary>One round: claims what is due and tries to deliver it. Returns how many messages were attempted.</summary>
    public async Task<int> RunOnceAsync(CancellationToken cancellationToken = default)
    {
        var now = node.Time.GetUtcNow();
        var items = await node.Store.ClaimAsync(settings.Replica, now, now + settings.Lease, settings.Heads, settings.Followers, cancellationToken);
        if (items.Count == 0) return 0;
        await Task.WhenAll(items.GroupBy(i => i.Recipient).Select(g => SendToAsync(g.Key, g.ToList(), cancellationToken)));
        return items.Count;
    }

    private async Task SendToAsync(string recipient, List<OutboxItem> items, CancellationToken cancellationToken)
    {
        var partner = await node.PartnerAsync(recipient, cancellationToken);
        if (partner is null)
        {
            await RetryAsync(items, $"{recipient} is not in the partner directory", cancellationToken);
            return;
        }
        if (partner.Endpoint.Scheme != Uri.UriSchemeHttps && !partner.Endpoint.IsLoopback)
        {
            await RetryAsync(items, $"{partner.Endpoint} is not HTTPS; plain HTTP is allowed on loopback only", cancellationToken);
            return;
        }
        // Conversations are spread over lanes that send side by side (the two nodes' cores both work); within a
        // lane, batches go one after the other, so a conversation's messages still arrive in order.
        var lanes = items.GroupBy(i => (StringComparer.Ordinal.GetHashCode(i.ConversationId) & int.MaxValue) % Math.Max(1, settings.Lanes))
            .Select(g => g.ToList()).ToArray();
        await Task.WhenAll(lanes.Select(lane => SendLaneAsync(partner, lane, cancellationToken)));
    }

    private async Task SendLaneAsync(ExchangePartner partner, List<OutboxItem> items, CancellationToken cancellationToken)
    {
        for (var start = 0; start < items.Count; start += settings.Batch)
        {
            var batch = items.GetRange(start, Math.Min(settings.Batch, items.Count - start));
            if (!await SendBatchAsync(partner, batch, cancellationToken))
            {
                // The link is down: what is left waits with the batch that failed, in order.
                await RetryAsync(items.GetRange(start + batch.Count, items.Count - start - batch.Count), "not sent: an earlier batch to the partner failed", cancellationToken);
                return;
            }
        }
    }

    /// <summary>Posts one batch; false when the partner could not be reached or answered nothing usable.</summary>
    private async Task<bool> SendBatchAsync(ExchangePartner partner, List<OutboxItem> batch, CancellationToken cancellationToken)
    {
        IReadOnlyList<DeliveryResult> results;
        try
        {
            using var content = new ByteArrayContent(ExchangeWire.EncodeBatch(batch.Select(b => b.Envelope).ToArray()));
            content.Headers.ContentType = new MediaTypeHeaderValue(ExchangeWire.MediaType);
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(settings.RequestTimeout);
            using var response = await http.PostAsync(new Uri(partner.Endpoint, ExchangeWire.MessagesPath), content, timeout.Token);
            var body = await response.Content.ReadAsByteArrayAsync(timeout.Token);
            if (response.StatusCode != HttpStatusCode.OK)
            {
                await RetryAsync(batch, $"{partner.Code} answered HTTP {(int)response.StatusCode}: {Excerpt(body)}", cancellationToken);
                return response.StatusCode is not (HttpStatusCode.ServiceUnavailable or HttpStatusCode.BadGateway or HttpStatusCode.GatewayTimeout);
            }
            results = ExchangeWire.DecodeResults(body);
            if (results.Count != batch.Count) throw new EnvelopeFormatException($"results: {results.Count} for {batch.Count} envelopes");
        }
        catch (Exception e) when (e is HttpRequestException or IOException or EnvelopeFormatException
                                      || (e is OperationCanceledException && !cancellationToken.IsCancellationRequested))
        {
            await RetryAsync(batch, $"{partner.Code} at {partner.Endpoint}: {e.Message}", cancellationToken);
            return e is EnvelopeFormatException;
        }

        var now = node.Time.GetUtcNow();
        var delivered = new List<(OutboxItem Item, byte[] Signed, Receipt Receipt)>();
        var transient = new List<OutboxItem>();
        var transientReason = "";
        var failed = new List<(OutboxItem Item, Rejection Rejection, byte[] Signed)>();
        for (var i = 0; i < batch.Count; i++)
        {
            var (item, result) = (batch[i], results[i]);
            if (!result.Digest.AsSpan().SequenceEqual(item.Digest))
            {
                transient.Add(item);
                transientReason = $"{partner.Code} received other bytes than were sent (damaged on the way)";
                continue;
            }
            if (result.Receipt is { } signed)
            {
                try
                {
                    delivered.Add((item, signed, Receipt.Accept(signed, item.Envelope, partner.SigningKey, partner.KeyId)));
                }
                catch (EnvelopeFormatException e)
                {
                    transient.Add(item);
                    transientReason = $"{partner.Code}'s receipt is not valid ({e.Message})";
                }
                continue;
            }
            var rejection = result.Rejection!;
            if (rejection.Permanent)
            {
                // Only a refusal the partner signed is final: anyone on the way could say "refused".
                if (SignedRefusalProblem(node.Code, partner, item.MessageId, item.Digest, rejection, result.NegativeReceipt) is { } problem)
                {
                    transient.Add(item);
                    transientReason = $"{partner.Code} refused it ({rejection}) but {problem}";
                }
                else failed.Add((item, rejection, result.NegativeReceipt!));
            }
            else
            {
                transient.Add(item);
                transientReason = $"{partner.Code}: {rejection}";
            }
        }

        var changed = (await node.Store.MarkDeliveredAsync(delivered.Select(d => (d.Item.MessageId, d.Signed)).ToArray(), now, cancellationToken)).ToHashSet(StringComparer.Ordinal);
        // The partner is reachable: messages waiting out a backoff for it go now rather than at their retry time.
        if (delivered.Count > 0 && batch.Any(b => b.Attempts > 0)) await node.Store.HurryAsync(partner.Code, now, cancellationToken);
        var recorded = delivered.Where(d => changed.Contains(d.Item.MessageId)).ToArray();
        await node.RecordReceiptsAsync(recorded, cancellationToken);
        foreach (var d in recorded) node.Metrics.Latency.Record((now - d.Item.CreatedAt).TotalMilliseconds);
        node.Metrics.Sent.Add(recorded.Length);
        foreach (var (item, rejection, _) in failed)
        {
            logger.LogWarning("{Partner} refused message {MessageId} ({Kind}): {Rejection}; it will not be sent again", partner.Code, item.MessageId, item.Kind, rejection);
            await node.Store.MarkFailedAsync(item.MessageId, rejection.ToString(), now, cancellationToken);
        }
        if (failed.Count > 0)
        {
            var refusals = failed.Select((f, k) => (k, f.Rejection, (EnvelopeHeader?)Envelope.Read(f.Item.Envelope).Header, f.Item.Digest, true)).ToList();
            await node.RecordRefusalsAsync(refusals, "out", partner.Endpoint.ToString(), now, cancellationToken,
                failed.Select((f, k) => (k, f.Signed)).ToDictionary(x => x.k, x => x.Signed));
        }
        await RetryAsync(transient, transientReason, cancellationToken);
        return true;
    }

    /// <summary>Why <paramref name="signed"/> is not the partner's signed refusal of this very message with this code; null when it is.</summary>
    internal static string? SignedRefusalProblem(string self, ExchangePartner partner, string messageId, byte[] digest, Rejection rejection, byte[]? signed)
    {
        if (signed is null) return "the refusal carries no signed negative receipt";
        try
        {
            var negative = NegativeReceipt.Verify(signed, partner.SigningKey);
            var mismatches = negative.Mismatches(messageId, digest, self, partner.Code, rejection.Name);
            return mismatches.Count == 0 ? null : string.Join("; ", mismatches);
        }
        catch (EnvelopeFormatException e)
        {
            return e.Message;
        }
    }

    private async Task RetryAsync(IReadOnlyList<OutboxItem> items, string reason, CancellationToken cancellationToken)
    {
        if (items.Count == 0) return;
        var attempts = items.Max(i => i.Attempts);
        var next = node.Time.GetUtcNow() + Backoff(attempts, settings.RetryBase, settings.RetryMax, Random.Shared.NextDouble());
        logger.LogInformation("{Count} message(s) to {Partner} wait until {Next:O}: {Reason}", items.Count, items[0].Recipient, next, reason);
        node.Metrics.Retried.Add(items.Count);
        await node.Store.RetryLaterAsync(items.Select(i => i.MessageId).ToArray(), reason, next, cancellationToken);
    }

    /// <summary>Exponential backoff with jitter: base·2^attempts, capped, then scaled by 0.5–1.0 (<paramref name="random"/> in [0, 1)).</summary>
    public static TimeSpan Backoff(int attempts, TimeSpan @base, TimeSpan max, double random)
    {
        var exponential = @base.TotalMilliseconds * Math.Pow(2, Math.Min(attempts, 30));
        var capped = Math.Min(exponential, max.TotalMilliseconds);
        return TimeSpan.FromMilliseconds(capped * (0.5 + (random * 0.5)));
    }

    private static string Excerpt(byte[] body) =>
        body.Length == 0 ? "(no body)" : System.Text.Encoding.UTF8.GetString(body, 0, Math.Min(body.Length, 300)).ReplaceLineEndings(" ");
}
