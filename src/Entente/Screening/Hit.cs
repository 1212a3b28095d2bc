using System.ComponentModel.DataAnnotations;
using System.Text.Json;
using System.Text.Json.Serialization;
using Entente.Screening.Matching;

namespace Entente.Screening;

/// <summary>Open until an officer decides: confirmed (it is the alert's subject) or discarded (it is not; the reason is kept).</summary>
public enum HitState { Open, Confirmed, Discarded }

/// <summary>What an officer decided on a hit: who, when, and what was done and found where (confirmed) or why not (discarded).</summary>
public sealed record HitDecision(string By, DateTimeOffset At, string? ActionTaken = null, string? Found = null, string? Place = null, string? Reason = null);

/// <summary>The action-taken report a confirmed hit on a partner's alert sent to the issuer: the message queued, or why not.</summary>
public sealed record HitReport(DateTimeOffset At, string? MessageId, string? Refused)
{
    /// <summary>How many times the report was tried (a refused one is tried again with a back-off).</summary>
    public int Attempts { get; init; } = 1;
}

/// <summary>A report queued in the confirmation's transaction: the hit's report, and the exchange's ledger entries that go with it.</summary>
public sealed record HitReportQueued(HitReport Report, IReadOnlyList<Entente.Ledger.LedgerEntry> Entries);

/// <summary>The exchange as the screening desk needs it: an action-taken report queued on the desk's connection and transaction; <see cref="Queued"/> after the commit.</summary>
public interface IHitReporter
{
    Task<HitReportQueued> QueueAsync(System.Data.Common.DbConnection connection, System.Data.Common.DbTransaction transaction, Hit hit, Entente.Alerts.StoredAlert alert,
        CancellationToken cancellationToken);

    void Queued();
}

/// <summary>
/// A hit: what was checked (a declaration and the field path of its subject, or an officer's ad-hoc input), which alert
/// (id, issuer, source, category, action; flagged here or not), the score with an explanation per feature in words, when
/// and where it was found, by when the issuer must be informed, the officer's decision and the report sent.
/// A hit on a person or a company is personal data: it is read under a stated purpose (docs/alerts.md).
/// </summary>
public sealed record Hit
{
    public required string Id { get; init; }
    public required string AlertId { get; init; }
    public required string AlertIssuer { get; init; }
    public required string AlertSource { get; init; }
    public required string Category { get; init; }
    public required string Action { get; init; }
    public required string SubjectKind { get; init; }

    /// <summary>Flagged here: the hit is reported, the alert's action is not taken on this territory.</summary>
    public bool Flagged { get; init; }

    /// <summary>The declaration checked (node id) and its MRN or LRN; null for an ad-hoc check.</summary>
    public string? DeclarationId { get; init; }

    public string? DeclarationReference { get; init; }

    /// <summary>The version of an amended declaration the hit was found on (an amendment's re-screening); null: the declaration as first stored.</summary>
    public int? DeclarationVersion { get; init; }

    /// <summary>The JSON pointer of the subject in the declaration (/parties/0), or "ad-hoc".</summary>
    public required string Checked { get; init; }

    /// <summary>What was compared, in words (a party's name and identifier, the plate an officer typed).</summary>
    public required string Input { get; init; }

    public double Score { get; init; }
    public double Threshold { get; init; }
    public IReadOnlyList<FeatureExplanation> Explanation { get; init; } = [];
    public DateTimeOffset FoundAt { get; init; }

    /// <summary>Where: this node, and the customs office (the declaration's office, or the place an officer gave).</summary>
    public required string Node { get; init; }

    public string? Office { get; init; }

    /// <summary>When the issuer must have been informed: found + the alert's agreement's inform-within-hours, else Entente:Screening:InformWithinHours.</summary>
    public DateTimeOffset InformBy { get; init; }

    public HitState State { get; init; }
    public HitDecision? Decision { get; init; }
    public HitReport? Report { get; init; }

    /// <summary>What a check without a stated purpose was not shown (JSON pointers): on a person alert, the input and the explanation.</summary>
    public IReadOnlyList<string>? Withheld { get; init; }

    public const string AdHoc = "ad-hoc";

    /// <summary>The issuer is another administration, which must be told of the hit (its action-taken report).</summary>
    [JsonIgnore]
    public bool IssuerToInform => AlertSource == "partner";

    /// <summary>Past its deadline while the issuer is still to be informed: open, or confirmed on a partner's alert without a report sent.</summary>
    public bool OverdueAt(DateTimeOffset now) => now > InformBy && (State == HitState.Open || (State == HitState.Confirmed && IssuerToInform && Report?.MessageId is null));

    /// <summary>The explanation in one line, as the action-taken report carries it.</summary>
    public string Summary() => $"score {Score:0.00} (threshold {Threshold:0.00}): {string.Join("; ", Explanation.Where(e => e.Verdict != FeatureVerdict.NotCompared))}";
}

/// <summary>Which hits a list shows; null members do not filter.</summary>
public sealed record HitFilter(HitState? State = null, bool Overdue = false, string? AlertId = null, int Limit = 100);

/// <summary>Hits per alert or per category: all, open, confirmed, discarded, and the rate confirmed / decided (null before any decision).</summary>
public sealed record HitRate(string Key, long Hits, long Open, long Confirmed, long Discarded)
{
    public double? ConfirmedRate => Confirmed + Discarded == 0 ? null : Math.Round((double)Confirmed / (Confirmed + Discarded), 4);
}

public sealed record HitStats(IReadOnlyList<HitRate> ByAlert, IReadOnlyList<HitRate> ByCategory, HitRate All);

/// <summary>Section Entente:Screening of HOME/entente.json.</summary>
public sealed class ScreeningSettings
{
    public const string Section = "Entente:Screening";

    /// <summary>How many hours after a hit the issuer must be informed (SIRENE: 12).</summary>
    [Range(1, 24 * 30)]
    public int InformWithinHours { get; set; } = 12;

    /// <summary>How many days of stored declarations a new alert is screened back against.</summary>
    [Range(0, 3660)]
    public int LookBackDays { get; set; } = 90;

    /// <summary>How often the server refreshes its watch list and screens what is not screened yet (new alerts, declarations).</summary>
    [Range(1, 86400)]
    public int RefreshSeconds { get; set; } = 10;
}

/// <summary>The JSON of hits: camelCase members, kebab-case enums, nulls left out.</summary>
public static class HitJson
{
    public static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.Web)
    {
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.KebabCaseLower) },
    };

    public static string Name(HitState state) => JsonNamingPolicy.KebabCaseLower.ConvertName(state.ToString());

    public static HitState? ParseState(string? text) =>
        Enum.GetValues<HitState>().Where(s => Name(s) == text).Select(s => (HitState?)s).FirstOrDefault();
}
