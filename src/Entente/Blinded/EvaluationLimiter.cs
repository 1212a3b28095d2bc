namespace Entente.Blinded;

/// <summary>
/// A token bucket per partner and agreement: <see cref="BlindedOptions.Burst"/> elements at once, refilled at
/// <see cref="BlindedOptions.EvaluationsPerMinute"/>. A batch takes as many tokens as it has elements, or none.
/// </summary>
public sealed class EvaluationLimiter(BlindedOptions options, TimeProvider time)
{
    private readonly Dictionary<(string Partner, string Agreement), (double Tokens, DateTimeOffset At)> _buckets = [];
    private readonly Lock _lock = new();

    /// <summary>True when the batch may be evaluated now; otherwise how long until it could be.</summary>
    public bool TryTake(string partner, string agreement, int count, out TimeSpan retryAfter)
    {
        var now = time.GetUtcNow();
        var perSecond = options.EvaluationsPerMinute / 60.0;
        lock (_lock)
        {
            var (tokens, at) = _buckets.TryGetValue((partner, agreement), out var b) ? b : (options.Burst, now);
            tokens = Math.Min(options.Burst, tokens + Math.Max(0, (now - at).TotalSeconds) * perSecond);
            if (count <= tokens)
            {
                _buckets[(partner, agreement)] = (tokens - count, now);
                retryAfter = TimeSpan.Zero;
                return true;
            }
            _buckets[(partner, agreement)] = (tokens, now);
            retryAfter = count > options.Burst ? TimeSpan.MaxValue : TimeSpan.FromSeconds(Math.Ceiling((count - tokens) / perSecond));
            return false;
        }
    }
}
