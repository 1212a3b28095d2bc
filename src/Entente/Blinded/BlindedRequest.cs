using System.Formats.Cbor;
using System.Security.Cryptography;
using Entente.Exchange;

namespace Entente.Blinded;

/// <summary>What a request asks: the index, or the evaluation of blinded elements.</summary>
public enum BlindedOperation { Index, Evaluate }

/// <summary>
/// A partner's request to a holder, signed with the partner node's key (COSE_Sign1, ES256, kid = its code): who asks
/// whom, under which agreement and for which purpose, a fresh 16-byte nonce and the time (replay window), and for an
/// evaluation the blinded elements (32 bytes each). docs/blinded.md gives the CBOR map.
/// </summary>
public sealed record BlindedRequest(BlindedOperation Operation, string From, string To, string Agreement, string Purpose, byte[] Nonce, DateTimeOffset At,
    IReadOnlyList<byte[]> Elements)
{
    public const string ContentType = "application/entente-blinded-request+cbor";

    public const string EvaluationContentType = "application/entente-blinded-evaluation+cbor";

    /// <summary>The header a GET of the index carries its signed request in (base64url).</summary>
    public const string Header = "Entente-Blinded-Request";

    public string NonceText => Convert.ToHexStringLower(Nonce);

    public static BlindedRequest New(BlindedOperation operation, string from, string to, string agreement, string purpose, DateTimeOffset at, IReadOnlyList<byte[]>? elements = null) =>
        new(operation, from, to, agreement, purpose, RandomNumberGenerator.GetBytes(16), at, elements ?? []);

    public byte[] Sign(ECDsa key) => SignedCbor.Sign(ToCbor(), ContentType, key, From);

    public byte[] ToCbor()
    {
        var writer = new CborWriter(CborConformanceMode.Canonical);
        writer.WriteStartMap(Operation == BlindedOperation.Evaluate ? 8 : 7);
        writer.WriteTextString("at"); writer.WriteInt64(At.ToUnixTimeSeconds());
        writer.WriteTextString("op"); writer.WriteTextString(Operation == BlindedOperation.Index ? "index" : "evaluate");
        writer.WriteTextString("to"); writer.WriteTextString(To);
        writer.WriteTextString("from"); writer.WriteTextString(From);
        writer.WriteTextString("nonce"); writer.WriteByteString(Nonce);
        if (Operation == BlindedOperation.Evaluate)
        {
            writer.WriteTextString("elements");
            writer.WriteStartArray(Elements.Count);
            foreach (var e in Elements) writer.WriteByteString(e);
            writer.WriteEndArray();
        }
        writer.WriteTextString("purpose"); writer.WriteTextString(Purpose);
        writer.WriteTextString("agreement"); writer.WriteTextString(Agreement);
        writer.WriteEndMap();
        return writer.Encode();
    }

    /// <summary>The request in a payload; <see cref="FormatException"/> naming the member that is missing or wrong.</summary>
    public static BlindedRequest FromCbor(ReadOnlyMemory<byte> payload, int maxElements)
    {
        try
        {
            var reader = new CborReader(payload, CborConformanceMode.Lax);
            var count = reader.ReadStartMap() ?? throw new FormatException("request: an indefinite map");
            string? op = null, from = null, to = null, agreement = null, purpose = null;
            byte[]? nonce = null;
            long? at = null;
            var elements = new List<byte[]>();
            for (var i = 0; i < count; i++)
            {
                switch (reader.ReadTextString())
                {
                    case "op": op = reader.ReadTextString(); break;
                    case "from": from = reader.ReadTextString(); break;
                    case "to": to = reader.ReadTextString(); break;
                    case "agreement": agreement = reader.ReadTextString(); break;
                    case "purpose": purpose = reader.ReadTextString(); break;
                    case "nonce": nonce = reader.ReadByteString(); break;
                    case "at": at = reader.ReadInt64(); break;
                    case "elements":
                        var n = reader.ReadStartArray() ?? throw new FormatException("request/elements: an indefinite array");
                        if (n > maxElements) throw new FormatException($"request/elements: {n} elements; at most {maxElements} in one batch");
                        for (var j = 0; j < n; j++)
                        {
                            var element = reader.ReadByteString();
                            if (element.Length != Oprf.ElementBytes) throw new FormatException($"request/elements/{j}: {element.Length} bytes; an element is {Oprf.ElementBytes}");
                            elements.Add(element);
                        }
                        reader.ReadEndArray();
                        break;
                    default: reader.SkipValue(); break;
                }
            }
            var operation = op switch
            {
                "index" => BlindedOperation.Index,
                "evaluate" => BlindedOperation.Evaluate,
                _ => throw new FormatException($"request/op: '{op}', expected index or evaluate"),
            };
            if (nonce is not { Length: 16 }) throw new FormatException("request/nonce: expected 16 random bytes");
            if (operation == BlindedOperation.Evaluate && elements.Count == 0) throw new FormatException("request/elements: expected at least one blinded element");
            return new BlindedRequest(operation, from ?? throw new FormatException("request/from: missing"), to ?? throw new FormatException("request/to: missing"),
                agreement ?? throw new FormatException("request/agreement: missing"), purpose ?? throw new FormatException("request/purpose: missing"), nonce,
                DateTimeOffset.FromUnixTimeSeconds(at ?? throw new FormatException("request/at: missing")), elements);
        }
        catch (Exception e) when (e is CborContentException or InvalidOperationException or ArgumentOutOfRangeException)
        {
            throw new FormatException($"request: not the expected CBOR map ({e.Message})", e);
        }
    }

    /// <summary>
    /// The holder's signed answer to an evaluation: its code, the suite, key id, index version, the request's nonce,
    /// the evaluated elements in order and the batched DLEQ proof (c || s) for them all.
    /// </summary>
    public static byte[] SignEvaluation(string holder, string keyId, long indexVersion, byte[] nonce, IReadOnlyList<byte[]> evaluated, byte[] proof, ECDsa key)
    {
        var writer = new CborWriter(CborConformanceMode.Canonical);
        writer.WriteStartMap(7);
        writer.WriteTextString("key"); writer.WriteTextString(keyId);
        writer.WriteTextString("nonce"); writer.WriteByteString(nonce);
        writer.WriteTextString("proof"); writer.WriteByteString(proof);
        writer.WriteTextString("suite"); writer.WriteTextString(Voprf.Suite);
        writer.WriteTextString("holder"); writer.WriteTextString(holder);
        writer.WriteTextString("version"); writer.WriteInt64(indexVersion);
        writer.WriteTextString("evaluated");
        writer.WriteStartArray(evaluated.Count);
        foreach (var e in evaluated) writer.WriteByteString(e);
        writer.WriteEndArray();
        writer.WriteEndMap();
        return SignedCbor.Sign(writer.Encode(), EvaluationContentType, key, holder);
    }

    /// <summary>Reads a verified evaluation payload: key id, index version, nonce, evaluated elements, proof; <see cref="FormatException"/> for another suite or no proof.</summary>
    public static (string KeyId, long Version, byte[] Nonce, IReadOnlyList<byte[]> Evaluated, byte[] Proof) ReadEvaluation(ReadOnlyMemory<byte> payload)
    {
        try
        {
            var reader = new CborReader(payload, CborConformanceMode.Lax);
            var count = reader.ReadStartMap() ?? throw new FormatException("evaluation: an indefinite map");
            string? key = null;
            long version = 0;
            byte[]? nonce = null, proof = null;
            string? suite = null;
            var evaluated = new List<byte[]>();
            for (var i = 0; i < count; i++)
            {
                switch (reader.ReadTextString())
                {
                    case "key": key = reader.ReadTextString(); break;
                    case "suite": suite = reader.ReadTextString(); break;
                    case "proof": proof = reader.ReadByteString(); break;
                    case "version": version = reader.ReadInt64(); break;
                    case "nonce": nonce = reader.ReadByteString(); break;
                    case "evaluated":
                        var n = reader.ReadStartArray() ?? throw new FormatException("evaluation/evaluated: an indefinite array");
                        for (var j = 0; j < n; j++) evaluated.Add(reader.ReadByteString());
                        reader.ReadEndArray();
                        break;
                    default: reader.SkipValue(); break;
                }
            }
            if (suite != Voprf.Suite)
                throw new FormatException(suite is null
                    ? $"evaluation/suite: missing (an evaluation without a proof, from a node still on the base OPRF); expected '{Voprf.Suite}'"
                    : $"evaluation/suite: '{suite}', expected '{Voprf.Suite}'");
            if (proof is not { Length: Voprf.ProofBytes }) throw new FormatException($"evaluation/proof: expected {Voprf.ProofBytes} bytes (c || s), got {proof?.Length.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "none"}");
            return (key ?? throw new FormatException("evaluation/key: missing"), version, nonce ?? throw new FormatException("evaluation/nonce: missing"), evaluated, proof);
        }
        catch (Exception e) when (e is CborContentException or InvalidOperationException)
        {
            throw new FormatException($"evaluation: not the expected CBOR map ({e.Message})", e);
        }
    }
}
