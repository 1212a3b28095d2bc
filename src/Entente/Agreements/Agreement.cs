namespace Entente.Agreements;

/// <summary>
/// An agreement as parsed from its YAML document (docs/agreements.md). <see cref="CanonicalBytes"/> are what every
/// party signs; <see cref="ContentHash"/> ("sha256:" + hex) names this exact text in decisions and in the ledger.
/// </summary>
public sealed record Agreement(
    string Id,
    int Version,
    AgreementKind Kind,
    string? Title,
    IReadOnlyList<AgreementParty> Parties,
    IReadOnlyList<string> LegalBasis,
    DateOnly ValidFrom,
    DateOnly ValidUntil,
    IReadOnlyList<CategoryRule> Rules,
    IReadOnlyList<DenyRule> Denials,
    IReadOnlyList<AgreementSignature> Signatures,
    string ContentHash)
{
    /// <summary>The canonical JSON (UTF-8) of the document without its signatures.</summary>
    public required ReadOnlyMemory<byte> CanonicalBytes { get; init; }

    /// <summary>The file the agreement was read from (for messages).</summary>
    public string File { get; init; } = "";

    public AgreementParty? Party(string code)
    {
        for (var i = 0; i < Parties.Count; i++)
            if (Parties[i].Code == code) return Parties[i];
        return null;
    }

    public override string ToString() => $"{Id} v{Version}";
}

public enum AgreementKind { Bilateral, Multilateral, Regional, MutualAssistance, AeoMutualRecognition, National }

/// <param name="Code">The party's node code (NL, KR, NL-RTM).</param>
/// <param name="Fingerprint">"sha256:" + lowercase hex of SHA-256 of the node key's SubjectPublicKeyInfo DER.</param>
public sealed record AgreementParty(string Code, string Name, string Fingerprint);

/// <param name="PublicKey">The signer's SubjectPublicKeyInfo DER; its fingerprint must be the one the party lists.</param>
/// <param name="Signature">ECDSA P-256 over SHA-256 of the canonical bytes, IEEE P1363 (r‖s, 64 bytes).</param>
public sealed record AgreementSignature(string Party, byte[] PublicKey, byte[] Signature, DateTimeOffset? SignedAt);

/// <summary>The data an agreement covers; a closed list (docs/agreements.md says what each holds).</summary>
public enum DataCategory
{
    Declarations, GoodsItems, PersonalPartyData, SeizureReports, Alerts, RiskResults, AeoStatus,
    AssistanceRequests, AssistanceAnswers, Statistics,
    /// <summary>Blinded hit/no-hit: a partner may have this node evaluate blinded identifiers and fetch its blinded index (docs/blinded.md).</summary>
    BlindedIdentifiers,
}

/// <summary>What shared data may be used for; a closed list (docs/agreements.md).</summary>
public enum Purpose
{
    RiskManagement, Investigation, Prosecution, AeoMutualRecognition, Statistics, OperationalAnalysis,
    SpecificCheck, RevenueCollection, MutualAssistance,
}

/// <summary>Europol SIENA handling codes, compared by number (H3 is the most restrictive).</summary>
public enum HandlingCode { H0, H1, H2, H3 }

/// <summary>How a field outside the clear allow-list travels, from least to most restrictive.</summary>
public enum Treatment { Disclose, GeneraliseToMonth, Pseudonymise, Mask, Drop }

/// <summary>What a rule does with requested fields it neither discloses nor transforms.</summary>
public enum OtherFields { Refuse, Drop }

public enum OnwardTransferKind { Forbidden, WithConsent, AllowedTo }

/// <summary>Whether the recipient may pass the data on: never, with the provider's consent, or to the named parties.</summary>
public sealed record OnwardTransfer(OnwardTransferKind Kind, IReadOnlyList<string> Parties)
{
    public static OnwardTransfer Forbidden { get; } = new(OnwardTransferKind.Forbidden, []);

    public static OnwardTransfer WithConsent { get; } = new(OnwardTransferKind.WithConsent, []);

    public override string ToString() => Kind switch
    {
        OnwardTransferKind.Forbidden => "forbidden",
        OnwardTransferKind.WithConsent => "with-consent",
        _ => "allowed to " + string.Join(", ", Parties),
    };

    public bool Equals(OnwardTransfer? other) => other is not null && Kind == other.Kind && Parties.SequenceEqual(other.Parties);

    public override int GetHashCode() => HashCode.Combine(Kind, Parties.Count);
}

public enum RetentionEnd { Erase, Review }

/// <summary>A calendar period (ISO 8601 PnYnMnDTnH), added to a time in that order.</summary>
public readonly record struct Period(int Years, int Months, int Days, int Hours)
{
    public DateTimeOffset After(DateTimeOffset t) => t.AddYears(Years).AddMonths(Months).AddDays(Days).AddHours(Hours);

    /// <summary>True when no part is shorter than <paramref name="other"/>'s, so that <see cref="After"/> is never earlier.</summary>
    internal bool AtLeast(Period other) => Years >= other.Years && Months >= other.Months && Days >= other.Days && Hours >= other.Hours;

    public override string ToString()
    {
        var date = (Years > 0 ? $"{Years}Y" : "") + (Months > 0 ? $"{Months}M" : "") + (Days > 0 ? $"{Days}D" : "");
        var text = "P" + date + (Hours > 0 ? $"T{Hours}H" : "");
        return text == "P" ? "P0D" : text;
    }
}

public sealed record Retention(Period Period, RetentionEnd Then);

/// <summary>A JSON-pointer-like path over the canonical declaration ("/goodsShipment/goodsItems/*/classification/code"); "*" stands for any one segment.</summary>
public sealed record FieldPattern(string Path, string? WcoId)
{
    public string[] Segments { get; } = FieldPaths.Split(Path);

    internal int[] SegmentIds { get; } = FieldPaths.PatternIds(FieldPaths.Split(Path));

    public override string ToString() => Path;
}

/// <summary>A treatment for the fields a pattern covers.</summary>
public sealed record FieldTransform(FieldPattern Field, Treatment Treatment);

/// <summary>
/// What an agreement allows for one data category (for alerts, optionally only some alert categories; for local
/// users, optionally only some roles): the purposes, the fields in clear, the fields transformed, and the obligations.
/// </summary>
public sealed record CategoryRule(
    DataCategory Category,
    IReadOnlyList<string> AlertCategories,
    IReadOnlyList<string> Roles,
    IReadOnlyList<Purpose> Purposes,
    IReadOnlyList<FieldPattern> Disclose,
    IReadOnlyList<FieldTransform> Transforms,
    OtherFields OtherFields,
    HandlingCode HandlingCode,
    EvaluationCode? Evaluation,
    OnwardTransfer OnwardTransfer,
    Retention Retention,
    Period? AnswerWithin)
{
    internal FieldMatcher Matcher { get; } = new(Disclose, Transforms);

    /// <summary>When set, this category's records go to partners automatically (a subscription the agreement makes).</summary>
    public PushRule? Push { get; init; }

    /// <summary>Alerts only: within how many hours of a hit on an alert under this agreement its issuer must be informed (the node's setting when null).</summary>
    public int? InformWithinHours { get; init; }
}

/// <summary>Which partners a pushed record goes to: every other party, or those the record involves (their traders or routes).</summary>
public enum PushTo { AllParties, InvolvedParties }

/// <summary>A subscription in an agreement: push this category's records to <see cref="To"/> for <see cref="Purpose"/>; risk results only in <see cref="Lanes"/> when given.</summary>
public sealed record PushRule(PushTo To, Purpose Purpose, IReadOnlyList<string> Lanes)
{
    public bool Equals(PushRule? other) => other is not null && To == other.To && Purpose == other.Purpose && Lanes.SequenceEqual(other.Lanes);

    public override int GetHashCode() => HashCode.Combine(To, Purpose, Lanes.Count);
}

/// <summary>SIENA evaluation: source reliability (A, B, C, X) and information accuracy (1–4), e.g. "B2".</summary>
public readonly record struct EvaluationCode(char Source, int Accuracy)
{
    public override string ToString() => $"{Source}{Accuracy}";

    /// <summary>Order of caution: A &lt; B &lt; C &lt; X (X: cannot be assessed).</summary>
    internal static int SourceRank(char c) => c switch { 'A' => 0, 'B' => 1, 'C' => 2, _ => 3 };
}

/// <summary>
/// An explicit refusal: it matches a request when every criterion it names matches (an absent criterion matches
/// anything); "fields" matches when a requested field and a listed pattern overlap.
/// </summary>
public sealed record DenyRule(
    string? Reason,
    IReadOnlyList<string> Parties,
    IReadOnlyList<DataCategory> Categories,
    IReadOnlyList<Purpose> Purposes,
    IReadOnlyList<FieldPattern> Fields,
    IReadOnlyList<string> Roles);
