using System.Globalization;
using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using Entente.Common;

namespace Entente.Alerts;

/// <summary>What an alert is on (SIS: persons, objects; customs: traders, means of transport, containers, goods, documents).</summary>
public enum AlertSubjectKind { Person, Company, Transport, Container, Goods, Document }

/// <summary>Why the alert was issued.</summary>
public enum AlertCategory { Drugs, Tobacco, Ipr, Weapons, Cash, Wildlife, DualUse, Sanctions, Fraud, Other }

/// <summary>What the issuer asks an officer to do on a hit (SIS Art. 36/38: discreet or specific check, seizure; refusal; inform the issuer).</summary>
public enum AlertAction { DiscreetCheck, SpecificCheck, Seize, Refuse, InformIssuer }

/// <summary>
/// Where an alert is in its life: a draft is not yet in force; in force until withdrawn or its validity ends (expired is
/// never stored: it is computed from the clock, <see cref="AlertLifecycle.StateAt"/>).
/// </summary>
public enum AlertState { Draft, InForce, Expired, Withdrawn }

/// <summary>Where an alert came from: issued here, received from a partner under an agreement, or imported from a sanctions list.</summary>
public enum AlertSource { Own, Partner, List }

/// <summary>
/// The subject of an alert: one kind and the members of that kind (others must be absent). Identifiers are kept as given
/// (a container number whose check digit is wrong is stored, with a finding); matching normalises them.
/// Country members end in CountryCode(s) so the agreements' involved-parties subscriptions see them.
/// </summary>
public sealed record AlertSubject
{
    public AlertSubjectKind Kind { get; init; }

    /// <summary>Person, company, vessel: the names and aliases, in any script, the first being the main one.</summary>
    public IReadOnlyList<string>? Names { get; init; }

    /// <summary>Person: yyyy, yyyy-MM or yyyy-MM-dd (lists often know only the year).</summary>
    public string? BirthDate { get; init; }

    public IReadOnlyList<string>? NationalityCountryCodes { get; init; }

    /// <summary>Person: passport, identity card and other document numbers.</summary>
    public IReadOnlyList<string>? DocumentNumbers { get; init; }

    public string? LegalForm { get; init; }

    public string? Eori { get; init; }

    /// <summary>Company: tax or registration number.</summary>
    public string? Tin { get; init; }

    public string? Address { get; init; }

    /// <summary>Company: country of establishment.</summary>
    public string? CountryCode { get; init; }

    public string? Imo { get; init; }

    public string? VehicleRegistration { get; init; }

    public string? VehicleCountryCode { get; init; }

    public string? Vin { get; init; }

    public string? AircraftRegistration { get; init; }

    /// <summary>ISO 6346 container number, as given.</summary>
    public string? ContainerNumber { get; init; }

    /// <summary>Goods: the first 2 to 10 digits of the commodity code.</summary>
    public string? HsPrefix { get; init; }

    public string? OriginCountryCode { get; init; }

    /// <summary>Goods: words of the goods description to look for.</summary>
    public IReadOnlyList<string>? Terms { get; init; }

    /// <summary>Goods: the brand an IPR alert protects.</summary>
    public string? Brand { get; init; }

    /// <summary>Document: certificate, licence or permit number.</summary>
    public string? DocumentNumber { get; init; }

    public string? DocumentType { get; init; }
}

/// <summary>From and until (both days included, UTC), and when the issuer reviews the alert.</summary>
public sealed record AlertValidity(DateOnly From, DateOnly? Until = null, DateOnly? Review = null);

/// <summary>An agreement id for an alert shared under it, or a national basis for one kept here.</summary>
public sealed record AlertLegalBasis(string? Agreement = null, string? National = null);

public sealed record AlertWithdrawal(DateTimeOffset At, string Reason);

/// <summary>
/// An alert as its issuer states it, and as it travels between nodes (<c>{"alert": ...}</c>, docs/alert.schema.json).
/// The issuer raises <see cref="Version"/> with every change; a receiver keeps the highest.
/// </summary>
public sealed record Alert
{
    public required string Id { get; init; }

    public required string Issuer { get; init; }

    public int Version { get; init; } = 1;

    public AlertState State { get; init; } = AlertState.InForce;

    public required AlertSubject Subject { get; init; }

    public AlertCategory Category { get; init; }

    public AlertAction Action { get; init; }

    public required AlertValidity Validity { get; init; }

    public required AlertLegalBasis LegalBasis { get; init; }

    /// <summary>H0 to H3 (docs/agreements.md): what a receiver may do with it.</summary>
    public string HandlingCode { get; init; } = "H0";

    public IReadOnlyList<string>? Links { get; init; }

    public string? Remarks { get; init; }

    public AlertWithdrawal? Withdrawal { get; init; }
}

/// <summary>A receiving administration's flag: the action is not taken on its territory, for the reason given (SIS's flag).</summary>
public sealed record AlertFlag(string By, DateTimeOffset At, string Reason)
{
    /// <summary>This node's flag on a partner's alert under an agreement: how telling the issuer went (null on a flag a partner told, or one kept here).</summary>
    public FlagDelivery? Delivery { get; init; }
}

/// <summary>
/// How a flag was told to the alert's issuer: the message queued in the exchange's outbox (which delivers it, retrying
/// while the issuer is unreachable), or why it was not (refused here, or refused by the issuer), and the attempts so far.
/// </summary>
public sealed record FlagDelivery(DateTimeOffset At, string? MessageId, string? Refused)
{
    public int Attempts { get; init; } = 1;
}

/// <summary>
/// An alert as this node holds it: the issuer's alert, where it came from, its state now, this node's flags, and the
/// findings on it (a container number with a wrong check digit). The type the screening reads.
/// </summary>
public sealed record StoredAlert(
    Alert Alert, AlertSource Source, AlertState State, IReadOnlyList<AlertFlag> Flags, IReadOnlyList<string> Findings,
    DateTimeOffset RecordedAt, DateTimeOffset UpdatedAt)
{
    /// <summary>A partner's alert: the handling code its message carried and the end of retention its agreement set.</summary>
    public string? ReceivedHandlingCode { get; init; }

    public DateTimeOffset? RetainUntil { get; init; }

    /// <summary>A list's alert: list name and entity id.</summary>
    public string? ListKey { get; init; }

    /// <summary>Flagged here: a hit is reported, the action is not taken on this territory.</summary>
    public bool Flagged => Flags.Count > 0;

    /// <summary>An own alert: the flags partners reported (their action not taken on their territory), as their messages told.</summary>
    public IReadOnlyList<AlertFlag> PartnerFlags { get; init; } = [];

    /// <summary>A partner's alert erased when its agreement's retention ended: the subject and remarks are gone, the row is evidence.</summary>
    public DateTimeOffset? ErasedAt { get; init; }

    /// <summary>What a read without a stated purpose was not shown (JSON pointers): a person's names, birth date, documents, remarks.</summary>
    public IReadOnlyList<string>? Withheld { get; init; }
}

/// <summary>What an alert's push did for one partner: the message queued, or why not.</summary>
public sealed record AlertPush(string Recipient, string Agreement, string Purpose, string? MessageId, string? Refused);

/// <summary>The JSON of alerts: camelCase members, kebab-case names (in-force, dual-use), nulls left out.</summary>
public static class AlertJson
{
    public static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.Web)
    {
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.KebabCaseLower, allowIntegerValues: false) },
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    public static JsonObject ToJson(Alert alert) => (JsonSerializer.SerializeToNode(alert, Options) as JsonObject)!;

    public static Alert FromJson(JsonObject json) => json.Deserialize<Alert>(Options) ?? throw new JsonException("an alert is a JSON object");

    /// <summary>What travels: one member "alert", so the agreements' field path /alert applies.</summary>
    public static JsonObject Payload(Alert alert) => new() { [Root] = ToJson(alert) };

    public const string Root = "alert";

    /// <summary>sha256: and the hex SHA-256 of the alert's sorted JSON: what the ledger records instead of its content.</summary>
    public static string Digest(Alert alert) => "sha256:" + Convert.ToHexStringLower(SHA256.HashData(SortedJson.Serialize(ToJson(alert))));

    /// <summary>The kebab-case name of a value (InForce: in-force, DualUse: dual-use), as the JSON carries it.</summary>
    public static string Name<TEnum>(TEnum value) where TEnum : struct, Enum => JsonNamingPolicy.KebabCaseLower.ConvertName(value.ToString());

    public static string Names<TEnum>() where TEnum : struct, Enum => string.Join(", ", Enum.GetValues<TEnum>().Select(Name));

    /// <summary>The value named (kebab-case), or null.</summary>
    public static TEnum? Parse<TEnum>(string? text) where TEnum : struct, Enum
    {
        foreach (var v in Enum.GetValues<TEnum>())
            if (string.Equals(Name(v), text, StringComparison.Ordinal)) return v;
        return null;
    }

    public static string Time(DateTimeOffset at) => at.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fffffff'Z'", CultureInfo.InvariantCulture);

    public static DateTimeOffset ParseTime(string text) =>
        DateTimeOffset.Parse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal);

    public static string Day(DateOnly day) => day.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
}

/// <summary>The life cycle: the legal moves, and the state at a time (expired when the last valid day has passed). Pure.</summary>
public static class AlertLifecycle
{
    /// <summary>Draft to in force or withdrawn; in force to withdrawn. Nothing leaves withdrawn; expired is not stored.</summary>
    public static bool CanMove(AlertState from, AlertState to) => (from, to) switch
    {
        (AlertState.Draft, AlertState.InForce or AlertState.Withdrawn) => true,
        (AlertState.InForce, AlertState.Withdrawn) => true,
        (AlertState.Expired, AlertState.Withdrawn) => true,
        _ => false,
    };

    /// <summary>The state at <paramref name="now"/>: an alert in force whose until day (or whose retention) has passed is expired.</summary>
    public static AlertState StateAt(Alert alert, DateTimeOffset now, DateTimeOffset? retainUntil = null)
    {
        if (alert.State != AlertState.InForce) return alert.State;
        var today = DateOnly.FromDateTime(now.UtcDateTime);
        if (alert.Validity.Until is { } until && today > until) return AlertState.Expired;
        if (retainUntil is { } end && now >= end) return AlertState.Expired;
        return AlertState.InForce;
    }

    /// <summary>Whether a check at <paramref name="now"/> should find it: in force, its first day reached, not expired.</summary>
    public static bool Applies(Alert alert, DateTimeOffset now, DateTimeOffset? retainUntil = null) =>
        StateAt(alert, now, retainUntil) == AlertState.InForce && DateOnly.FromDateTime(now.UtcDateTime) >= alert.Validity.From;
}
