using System.Globalization;
using Entente.Agreements;

namespace Entente.Exchange;

/// <summary>
/// The rules an envelope header must meet beyond its shape, the same for the sender (before sealing) and the
/// receiver (after the signature verified): the message kinds each data category admits, and the length of every
/// text field and of the whole header. docs/exchange.md carries the same table.
/// </summary>
public static class HeaderRules
{
    /// <summary>Any category: consent to pass on a message travels under the original message's category.</summary>
    public const string AnyCategory = OnwardConsent.Kind;

    /// <summary>The kinds each category admits; a category's own name is its generic kind (no feature handles it).</summary>
    public static IReadOnlyDictionary<DataCategory, IReadOnlyList<string>> Kinds { get; } = new Dictionary<DataCategory, IReadOnlyList<string>>
    {
        [DataCategory.Declarations] = ["declaration", "declarations"],
        [DataCategory.GoodsItems] = ["goods-items"],
        [DataCategory.PersonalPartyData] = ["personal-party-data"],
        [DataCategory.SeizureReports] = ["seizure-report", "seizure-reports"],
        [DataCategory.Alerts] = ["alert", "alert-action-taken", "alert-flag", "alerts"],
        [DataCategory.RiskResults] = ["risk-result", "risk-results"],
        [DataCategory.AeoStatus] = ["aeo-status"],
        [DataCategory.AssistanceRequests] = ["assistance-request", "assistance-withdrawal", "assistance-requests"],
        [DataCategory.AssistanceAnswers] = ["assistance-acknowledgement", "assistance-answer", "assistance-decline", "assistance-answers"],
        [DataCategory.Statistics] = ["statistics"],
        [DataCategory.BlindedIdentifiers] = ["blinded-identifiers"],
    };

    /// <summary>The most characters each text field of the header may have.</summary>
    public static IReadOnlyList<(string Key, int Max)> FieldLimits { get; } =
    [
        ("id", 100), ("conv", 100), ("kind", 64), ("from", 20), ("to", 20), ("agr", 200), ("agr-hash", 80), ("alert", 64), ("case", 128),
    ];

    /// <summary>The most bytes the header's CBOR map may have.</summary>
    public const int MaxHeaderBytes = 2048;

    /// <summary>Whether <paramref name="kind"/> may travel under <paramref name="category"/>.</summary>
    public static bool KindAllowed(string kind, DataCategory category) =>
        kind == AnyCategory || (Kinds.TryGetValue(category, out var kinds) && kinds.Contains(kind, StringComparer.Ordinal));

    /// <summary>The first rule the header breaks, naming the field; null when it meets them all.</summary>
    public static Rejection? Check(EnvelopeHeader header)
    {
        foreach (var (key, max) in FieldLimits)
        {
            if (Field(header, key) is { } value && value.Length > max)
                return new Rejection(RejectionCode.HeaderTooLarge, $"header/{key}: {value.Length.ToString(CultureInfo.InvariantCulture)} characters; at most {max.ToString(CultureInfo.InvariantCulture)} are accepted");
        }
        var size = header.ToCbor().Length;
        if (size > MaxHeaderBytes)
            return new Rejection(RejectionCode.HeaderTooLarge, $"header: {size.ToString(CultureInfo.InvariantCulture)} bytes; at most {MaxHeaderBytes.ToString(CultureInfo.InvariantCulture)} are accepted");
        if (!KindAllowed(header.Kind, header.Category))
        {
            var category = PolicyEngine.Name(header.Category);
            var allowed = Kinds.TryGetValue(header.Category, out var kinds) ? string.Join(", ", kinds) : "none";
            return new Rejection(RejectionCode.KindNotAllowed, $"header/kind: '{header.Kind}' is not a kind of {category} (expected {allowed} or {AnyCategory})");
        }
        return null;
    }

    private static string? Field(EnvelopeHeader header, string key) => key switch
    {
        "id" => header.MessageId,
        "conv" => header.ConversationId,
        "kind" => header.Kind,
        "from" => header.Sender,
        "to" => header.Recipient,
        "agr" => header.AgreementId,
        "agr-hash" => header.AgreementHash,
        "alert" => header.AlertCategory,
        "case" => header.CaseReference,
        _ => null,
    };
}
