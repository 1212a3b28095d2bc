using System.Formats.Cbor;
using System.Globalization;
using Entente.Agreements;

namespace Entente.Exchange;

/// <summary>
/// What an envelope says about the message it carries, in the clear but signed (and bound into the encryption as
/// additional data): who sends it to whom, in which conversation and at which place in it, under which agreement
/// (id and content hash), for which purpose and data category, with which handling and evaluation codes, and when it
/// was made and stops being valid. docs/exchange.md gives the wire form (a CBOR map with these text keys).
/// </summary>
public sealed record EnvelopeHeader(
    string MessageId,
    string ConversationId,
    long Sequence,
    string Kind,
    string Sender,
    string Recipient,
    string AgreementId,
    string AgreementHash,
    Purpose Purpose,
    DataCategory Category,
    HandlingCode HandlingCode,
    EvaluationCode? Evaluation,
    DateTimeOffset CreatedAt,
    DateTimeOffset ExpiresAt)
{
    public const int Version = 1;

    /// <summary>For alerts: the alert category (discreet-check, objects-for-seizure...).</summary>
    public string? AlertCategory { get; init; }

    /// <summary>The applicant's case reference, for requests and answers.</summary>
    public string? CaseReference { get; init; }

    /// <summary>The header as the envelope carries it: a CBOR map with text keys in a fixed order.</summary>
    public byte[] ToCbor()
    {
        var writer = new CborWriter(CborConformanceMode.Strict);
        var count = 14 + (Evaluation is null ? 0 : 1) + (AlertCategory is null ? 0 : 1) + (CaseReference is null ? 0 : 1);
        writer.WriteStartMap(count);
        writer.WriteTextString("v");
        writer.WriteInt32(Version);
        Text(writer, "id", MessageId);
        Text(writer, "conv", ConversationId);
        writer.WriteTextString("seq");
        writer.WriteInt64(Sequence);
        Text(writer, "kind", Kind);
        Text(writer, "from", Sender);
        Text(writer, "to", Recipient);
        Text(writer, "agr", AgreementId);
        Text(writer, "agr-hash", AgreementHash);
        Text(writer, "purpose", PolicyEngine.Name(Purpose));
        Text(writer, "cat", PolicyEngine.Name(Category));
        Text(writer, "hc", HandlingCode.ToString());
        if (Evaluation is { } e) Text(writer, "eval", e.ToString());
        Text(writer, "iat", Time(CreatedAt));
        Text(writer, "exp", Time(ExpiresAt));
        if (AlertCategory is not null) Text(writer, "alert", AlertCategory);
        if (CaseReference is not null) Text(writer, "case", CaseReference);
        writer.WriteEndMap();
        return writer.Encode();
    }

    private static readonly HashSet<string> Keys =
        ["v", "id", "conv", "seq", "kind", "from", "to", "agr", "agr-hash", "purpose", "cat", "hc", "eval", "iat", "exp", "alert", "case"];

    /// <summary>Reads a header; throws <see cref="EnvelopeFormatException"/> naming the key when it is missing or malformed.</summary>
    public static EnvelopeHeader FromCbor(ReadOnlyMemory<byte> cbor)
    {
        var values = new Dictionary<string, object>(StringComparer.Ordinal);
        try
        {
            var reader = new CborReader(cbor, CborConformanceMode.Lax);
            var count = reader.ReadStartMap() ?? throw new EnvelopeFormatException("header: expected a definite-length map");
            if (count > 32) throw new EnvelopeFormatException($"header: {count} entries, at most 32 expected");
            var unknownBytes = 0;
            for (var i = 0; i < count; i++)
            {
                var before = reader.BytesRemaining;
                var key = reader.ReadTextString();
                object value = reader.PeekState() switch
                {
                    CborReaderState.TextString => reader.ReadTextString(),
                    CborReaderState.UnsignedInteger or CborReaderState.NegativeInteger => reader.ReadInt64(),
                    _ => throw new EnvelopeFormatException($"header/{key}: expected a text string or an integer"),
                };
                if (!values.TryAdd(key, value)) throw new EnvelopeFormatException($"header/{key}: appears twice");
                // Keys this node does not know are skipped, not kept: the bound on them is on the bytes that arrived.
                if (!Keys.Contains(key) && (unknownBytes += before - reader.BytesRemaining) > HeaderRules.MaxHeaderBytes)
                    throw new EnvelopeFormatException($"header: keys this node does not know take more than {HeaderRules.MaxHeaderBytes.ToString(CultureInfo.InvariantCulture)} bytes");
            }
            reader.ReadEndMap();
            if (reader.BytesRemaining != 0) throw new EnvelopeFormatException("header: bytes after the map");
        }
        catch (CborContentException e)
        {
            throw new EnvelopeFormatException($"header: not valid CBOR ({e.Message})");
        }
        catch (InvalidOperationException e)
        {
            throw new EnvelopeFormatException($"header: not the expected CBOR map ({e.Message})");
        }
        catch (OverflowException)
        {
            throw new EnvelopeFormatException("header: an integer out of range");
        }

        long Number(string key) => values.TryGetValue(key, out var v) && v is long n ? n : throw new EnvelopeFormatException($"header/{key}: expected an integer");
        string Required(string key, int max = 200)
        {
            if (!values.TryGetValue(key, out var v) || v is not string s || s.Length == 0) throw new EnvelopeFormatException($"header/{key}: expected a text string");
            if (s.Length > max) throw new EnvelopeFormatException($"header/{key}: longer than {max} characters");
            return s;
        }
        string? Optional(string key) => values.TryGetValue(key, out var v) ? v as string ?? throw new EnvelopeFormatException($"header/{key}: expected a text string") : null;
        T Enum<T>(string key) where T : struct, Enum =>
            AgreementDocument.TryEnum<T>(Required(key), out var value) ? value : throw new EnvelopeFormatException($"header/{key}: '{values[key]}' is not one of {AgreementDocument.Names<T>()}");
        DateTimeOffset When(string key) =>
            DateTimeOffset.TryParseExact(Required(key), "yyyy-MM-dd'T'HH:mm:ss.fffffff'Z'", CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var t)
                ? t
                : throw new EnvelopeFormatException($"header/{key}: expected a UTC time yyyy-MM-ddTHH:mm:ss.fffffffZ");

        if (Number("v") != Version) throw new EnvelopeFormatException($"header/v: version {values["v"]} is not supported (expected {Version})");
        var sequence = Number("seq");
        if (sequence < 1) throw new EnvelopeFormatException("header/seq: expected a positive integer");
        if (!System.Enum.TryParse<HandlingCode>(Required("hc"), out var handling) || !System.Enum.IsDefined(handling))
            throw new EnvelopeFormatException($"header/hc: '{values["hc"]}' is not one of H0, H1, H2, H3");
        EvaluationCode? evaluation = null;
        if (Optional("eval") is { } eval)
        {
            if (eval.Length != 2 || !"ABCX".Contains(eval[0], StringComparison.Ordinal) || eval[1] is < '1' or > '4')
                throw new EnvelopeFormatException($"header/eval: '{eval}' is not a source reliability A, B, C or X followed by an accuracy 1-4");
            evaluation = new EvaluationCode(eval[0], eval[1] - '0');
        }
        return new EnvelopeHeader(
            Identifier(Required("id", 100), "id"), Identifier(Required("conv", 100), "conv"), sequence, Identifier(Required("kind", 64), "kind"),
            Required("from", 20), Required("to", 20), Required("agr"), Required("agr-hash", 80),
            Enum<Purpose>("purpose"), Enum<DataCategory>("cat"), handling, evaluation, When("iat"), When("exp"))
        {
            AlertCategory = Optional("alert"),
            CaseReference = Optional("case"),
        };
    }

    /// <summary>Message, conversation and kind identifiers: 1-100 characters of letters, digits and . _ : -.</summary>
    public static bool IsIdentifier(string text) =>
        text.Length is > 0 and <= 100 && text.All(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '_' or ':' or '-');

    private static string Identifier(string text, string key) =>
        IsIdentifier(text) ? text : throw new EnvelopeFormatException($"header/{key}: '{text}' has characters other than letters, digits and . _ : -");

    private static void Text(CborWriter writer, string key, string value)
    {
        writer.WriteTextString(key);
        writer.WriteTextString(value);
    }

    private static string Time(DateTimeOffset t) => t.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fffffff'Z'", CultureInfo.InvariantCulture);
}

/// <summary>An envelope (or a part of one) that is not in the documented shape; the message names the part.</summary>
public sealed class EnvelopeFormatException(string message) : Exception(message);
