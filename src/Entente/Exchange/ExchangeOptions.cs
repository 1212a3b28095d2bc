using System.ComponentModel.DataAnnotations;

namespace Entente.Exchange;

/// <summary>
/// The exchange's settings: section Entente:Exchange of HOME/entente.json or the environment
/// (ENTENTE__EXCHANGE__POLL=00:00:02...). Validated when the node starts.
/// </summary>
public sealed class ExchangeOptions
{
    public const string Section = "Entente:Exchange";

    /// <summary>Partners must present their node certificate at the exchange endpoint (HTTPS).</summary>
    public bool MutualTls { get; set; }

    /// <summary>
    /// This node's name in outbox claims, stable across restarts (default: the host name); replicas sharing one database
    /// must differ. At start the node releases the claims under its name, left by its previous run.
    /// </summary>
    [StringLength(200)]
    public string? Replica { get; set; }

    [Range(typeof(TimeSpan), "00:00:00.010", "01:00:00", ErrorMessage = "Exchange:Poll is a time span from 10 ms to an hour")]
    public TimeSpan Poll { get; set; } = TimeSpan.FromSeconds(1);

    [Range(typeof(TimeSpan), "00:00:00.010", "1.00:00:00", ErrorMessage = "Exchange:RetryBase is a time span from 10 ms to a day")]
    public TimeSpan RetryBase { get; set; } = TimeSpan.FromSeconds(1);

    [Range(typeof(TimeSpan), "00:00:00.010", "7.00:00:00", ErrorMessage = "Exchange:RetryMax is a time span from 10 ms to a week")]
    public TimeSpan RetryMax { get; set; } = TimeSpan.FromMinutes(10);

    [Range(typeof(TimeSpan), "00:00:01", "1.00:00:00", ErrorMessage = "Exchange:Lease is a time span from a second to a day")]
    public TimeSpan Lease { get; set; } = TimeSpan.FromSeconds(60);

    [Range(1, ExchangeWire.MaxBatch, ErrorMessage = "Exchange:Batch is the number of envelopes per request, 1 to {2}")]
    public int Batch { get; set; } = 128;

    [Range(1, 16, ErrorMessage = "Exchange:Lanes is the number of requests in flight per partner, 1 to 16")]
    public int Lanes { get; set; } = 4;

    public DispatcherSettings Dispatcher() => new()
    {
        Replica = string.IsNullOrWhiteSpace(Replica) ? new DispatcherSettings().Replica : Replica,
        Poll = Poll,
        RetryBase = RetryBase,
        RetryMax = RetryMax,
        Lease = Lease,
        Batch = Batch,
        Lanes = Lanes,
    };
}
