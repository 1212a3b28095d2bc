using System.Diagnostics.Metrics;

namespace Entente.Exchange;

/// <summary>
/// The exchange's instruments (meter "Entente.Exchange"), exported through OpenTelemetry by the server: messages
/// sent (delivered with a receipt), received, retried and rejected (both ways), and the delivery latency from
/// sealing to receipt.
/// </summary>
public sealed class ExchangeMetrics : IDisposable
{
    public const string MeterName = "Entente.Exchange";

    private readonly Meter _meter;

    public ExchangeMetrics(IMeterFactory? factory = null)
    {
        _meter = factory?.Create(MeterName) ?? new Meter(MeterName);
        Sent = _meter.CreateCounter<long>("entente.exchange.messages.sent", "{message}", "Messages delivered to a partner and receipted");
        Received = _meter.CreateCounter<long>("entente.exchange.messages.received", "{message}", "Messages accepted from partners");
        Retried = _meter.CreateCounter<long>("entente.exchange.messages.retried", "{message}", "Deliveries that failed transiently and will be retried");
        Rejected = _meter.CreateCounter<long>("entente.exchange.messages.rejected", "{message}", "Messages refused (direction: in, out)");
        Latency = _meter.CreateHistogram<double>("entente.exchange.delivery.latency", "ms", "From sealing to the partner's receipt");
    }

    public Counter<long> Sent { get; }

    public Counter<long> Received { get; }

    public Counter<long> Retried { get; }

    public Counter<long> Rejected { get; }

    public Histogram<double> Latency { get; }

    public void Dispose() => _meter.Dispose();
}
