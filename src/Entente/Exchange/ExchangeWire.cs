using System.Formats.Cbor;

namespace Entente.Exchange;

/// <summary>
/// What a receiver says about one envelope of a batch: accepted (with the signed receipt; also for a duplicate) or
/// refused (with the signed <see cref="Exchange.NegativeReceipt"/> when the refusal is final).
/// </summary>
public sealed record DeliveryResult(string? MessageId, byte[] Digest, byte[]? Receipt, Rejection? Rejection, bool Duplicate = false)
{
    public bool Accepted => Receipt is not null;

    /// <summary>The receiver's signed refusal (COSE_Sign1 over a <see cref="Exchange.NegativeReceipt"/>).</summary>
    public byte[]? NegativeReceipt { get; init; }
}

/// <summary>
/// The transport's bodies (docs/exchange.md): a batch is a CBOR array of envelopes (byte strings) POSTed to
/// /api/exchange/messages as application/cbor; the answer is a CBOR array with one map per envelope, in order.
/// </summary>
public static class ExchangeWire
{
    public const string MediaType = "application/cbor";
    public const string MessagesPath = "/api/exchange/messages";

    /// <summary>The most envelopes one batch may carry.</summary>
    public const int MaxBatch = 256;

    public static byte[] EncodeBatch(IReadOnlyList<byte[]> envelopes)
    {
        var writer = new CborWriter(CborConformanceMode.Strict);
        writer.WriteStartArray(envelopes.Count);
        foreach (var e in envelopes) writer.WriteByteString(e);
        writer.WriteEndArray();
        return writer.Encode();
    }

    /// <summary>Reads a batch; throws <see cref="EnvelopeFormatException"/> saying what is wrong.</summary>
    public static IReadOnlyList<byte[]> DecodeBatch(ReadOnlyMemory<byte> body)
    {
        try
        {
            var reader = new CborReader(body, CborConformanceMode.Lax);
            var count = reader.ReadStartArray() ?? throw new EnvelopeFormatException("batch: expected a definite-length CBOR array of envelopes");
            if (count is < 1 or > MaxBatch) throw new EnvelopeFormatException($"batch: {count} envelopes; 1 to {MaxBatch} expected");
            var envelopes = new List<byte[]>(count);
            for (var i = 0; i < count; i++)
            {
                if (reader.PeekState() != CborReaderState.ByteString) throw new EnvelopeFormatException($"batch/{i}: expected an envelope (a byte string)");
                envelopes.Add(reader.ReadByteString());
            }
            reader.ReadEndArray();
            if (reader.BytesRemaining != 0) throw new EnvelopeFormatException("batch: bytes after the array");
            return envelopes;
        }
        catch (Exception e) when (e is CborContentException or InvalidOperationException)
        {
            throw new EnvelopeFormatException($"batch: not a CBOR array of envelopes ({e.Message})");
        }
    }

    public static byte[] EncodeResults(IReadOnlyList<DeliveryResult> results)
    {
        var writer = new CborWriter(CborConformanceMode.Lax);
        writer.WriteStartArray(results.Count);
        foreach (var r in results)
        {
            writer.WriteStartMap(null);
            if (r.MessageId is not null)
            {
                writer.WriteTextString("id");
                writer.WriteTextString(r.MessageId);
            }
            writer.WriteTextString("digest");
            writer.WriteByteString(r.Digest);
            if (r.Receipt is not null)
            {
                writer.WriteTextString("status");
                writer.WriteTextString(r.Duplicate ? "duplicate" : "accepted");
                writer.WriteTextString("receipt");
                writer.WriteByteString(r.Receipt);
            }
            else if (r.Rejection is not null)
            {
                writer.WriteTextString("status");
                writer.WriteTextString("refused");
                writer.WriteTextString("code");
                writer.WriteTextString(r.Rejection.Name);
                writer.WriteTextString("detail");
                writer.WriteTextString(r.Rejection.Detail);
                writer.WriteTextString("permanent");
                writer.WriteBoolean(r.Rejection.Permanent);
                if (r.NegativeReceipt is not null)
                {
                    writer.WriteTextString("refusal");
                    writer.WriteByteString(r.NegativeReceipt);
                }
            }
            writer.WriteEndMap();
        }
        writer.WriteEndArray();
        return writer.Encode();
    }

    public static IReadOnlyList<DeliveryResult> DecodeResults(ReadOnlyMemory<byte> body)
    {
        try
        {
            var reader = new CborReader(body, CborConformanceMode.Lax);
            var count = reader.ReadStartArray() ?? throw new EnvelopeFormatException("results: expected a definite-length array");
            var results = new List<DeliveryResult>(count);
            for (var i = 0; i < count; i++)
            {
                string? id = null, status = null, code = null, detail = null;
                byte[] digest = [];
                byte[]? receipt = null, refusal = null;
                reader.ReadStartMap();
                while (reader.PeekState() != CborReaderState.EndMap)
                {
                    switch (reader.ReadTextString())
                    {
                        case "id": id = reader.ReadTextString(); break;
                        case "digest": digest = reader.ReadByteString(); break;
                        case "status": status = reader.ReadTextString(); break;
                        case "receipt": receipt = reader.ReadByteString(); break;
                        case "code": code = reader.ReadTextString(); break;
                        case "detail": detail = reader.ReadTextString(); break;
                        case "refusal": refusal = reader.ReadByteString(); break;
                        default: reader.SkipValue(); break;
                    }
                }
                reader.ReadEndMap();
                Rejection? rejection = null;
                if (status == "refused")
                {
                    var known = Enum.GetValues<RejectionCode>().FirstOrDefault(c => new Rejection(c, "").Name == code, RejectionCode.Unavailable);
                    rejection = new Rejection(known, detail ?? "");
                }
                else if (receipt is null) throw new EnvelopeFormatException($"results/{i}: neither a receipt nor a refusal");
                results.Add(new DeliveryResult(id, digest, receipt, rejection, status == "duplicate") { NegativeReceipt = refusal });
            }
            reader.ReadEndArray();
            return results;
        }
        catch (Exception e) when (e is CborContentException or InvalidOperationException)
        {
            throw new EnvelopeFormatException($"results: not the documented CBOR array ({e.Message})");
        }
    }
}
