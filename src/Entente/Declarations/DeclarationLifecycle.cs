using System.Text.Json.Serialization;

namespace Entente.Declarations;

/// <summary>Lifecycle statuses, numbered as the HMRC CDS notification function codes; named in JSON in kebab-case.</summary>
public enum DeclarationStatus
{
    [JsonStringEnumMemberName("accepted")] Accepted = 1,
    [JsonStringEnumMemberName("received")] Received = 2,
    [JsonStringEnumMemberName("rejected")] Rejected = 3,
    [JsonStringEnumMemberName("control")] Control = 5,
    [JsonStringEnumMemberName("documents-requested")] DocumentsRequested = 6,
    [JsonStringEnumMemberName("corrections-applied")] CorrectionsApplied = 7,
    [JsonStringEnumMemberName("goods-released")] GoodsReleased = 8,
    [JsonStringEnumMemberName("cleared")] Cleared = 9,
    [JsonStringEnumMemberName("invalidated")] Invalidated = 10,
    [JsonStringEnumMemberName("amendment-accepted")] AmendmentAccepted = 11,
    [JsonStringEnumMemberName("tax-calculated")] TaxCalculated = 13,
    [JsonStringEnumMemberName("goods-exited")] GoodsExited = 16,
}

/// <summary>The legal status moves of a declaration. Pure: the caller loads, asks, saves.</summary>
public static class DeclarationLifecycle
{
    private static readonly Dictionary<DeclarationStatus, DeclarationStatus[]> Moves = new()
    {
        [DeclarationStatus.Received] = [DeclarationStatus.Accepted, DeclarationStatus.Rejected, DeclarationStatus.Invalidated,
            DeclarationStatus.AmendmentAccepted],
        [DeclarationStatus.Accepted] = [DeclarationStatus.Control, DeclarationStatus.DocumentsRequested, DeclarationStatus.TaxCalculated,
            DeclarationStatus.GoodsReleased, DeclarationStatus.AmendmentAccepted, DeclarationStatus.Invalidated, DeclarationStatus.Rejected],
        [DeclarationStatus.Control] = [DeclarationStatus.DocumentsRequested, DeclarationStatus.CorrectionsApplied, DeclarationStatus.GoodsReleased,
            DeclarationStatus.Rejected, DeclarationStatus.Invalidated, DeclarationStatus.AmendmentAccepted],
        [DeclarationStatus.DocumentsRequested] = [DeclarationStatus.Control, DeclarationStatus.CorrectionsApplied, DeclarationStatus.GoodsReleased,
            DeclarationStatus.Rejected, DeclarationStatus.Invalidated, DeclarationStatus.AmendmentAccepted],
        [DeclarationStatus.CorrectionsApplied] = [DeclarationStatus.Control, DeclarationStatus.TaxCalculated, DeclarationStatus.GoodsReleased,
            DeclarationStatus.Invalidated],
        // A declaration amended once may be amended again (each amendment is a version and an event of its own).
        [DeclarationStatus.AmendmentAccepted] = [DeclarationStatus.Control, DeclarationStatus.DocumentsRequested, DeclarationStatus.TaxCalculated,
            DeclarationStatus.GoodsReleased, DeclarationStatus.Invalidated, DeclarationStatus.AmendmentAccepted],
        [DeclarationStatus.TaxCalculated] = [DeclarationStatus.Control, DeclarationStatus.GoodsReleased, DeclarationStatus.AmendmentAccepted,
            DeclarationStatus.Invalidated],
        [DeclarationStatus.GoodsReleased] = [DeclarationStatus.Cleared, DeclarationStatus.GoodsExited, DeclarationStatus.AmendmentAccepted],
        [DeclarationStatus.GoodsExited] = [DeclarationStatus.Cleared],
        [DeclarationStatus.Cleared] = [],
        [DeclarationStatus.Rejected] = [],
        [DeclarationStatus.Invalidated] = [],
    };

    public static IReadOnlyList<DeclarationStatus> AllowedFrom(DeclarationStatus from) => Moves[from];

    public static bool CanMove(DeclarationStatus from, DeclarationStatus to) => Moves[from].Contains(to);

    /// <summary>The two-digit notification function code of a status (01 accepted, 09 cleared...).</summary>
    public static string FunctionCode(DeclarationStatus status) => ((int)status).ToString("00", System.Globalization.CultureInfo.InvariantCulture);

    public static bool TryParse(string text, out DeclarationStatus status)
    {
        status = default;
        if (int.TryParse(text, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var code))
        {
            if (!Enum.IsDefined(typeof(DeclarationStatus), code)) return false;
            status = (DeclarationStatus)code;
            return true;
        }
        foreach (var value in Enum.GetValues<DeclarationStatus>())
        {
            if (string.Equals(ToName(value), text, StringComparison.OrdinalIgnoreCase) ||
                string.Equals(value.ToString(), text, StringComparison.OrdinalIgnoreCase))
            {
                status = value;
                return true;
            }
        }
        return false;
    }

    /// <summary>The kebab-case name used on the wire and in the CLI (goods-released).</summary>
    public static string ToName(DeclarationStatus status) =>
        System.Text.Json.JsonNamingPolicy.KebabCaseLower.ConvertName(status.ToString());
}
