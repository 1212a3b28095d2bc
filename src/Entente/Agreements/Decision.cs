namespace Entente.Agreements;

/// <summary>The exact agreement text a decision relied on.</summary>
public sealed record AgreementReference(string Id, int Version, string ContentHash)
{
    public static AgreementReference Of(Agreement a) => new(a.Id, a.Version, a.ContentHash);

    public override string ToString() => $"{Id} v{Version} ({ContentHash})";
}

/// <summary>A policy decision: <see cref="Permit"/> with obligations or <see cref="Deny"/> with reasons; both name the agreements they rest on.</summary>
public abstract record Decision(string Reason, IReadOnlyList<AgreementReference> Agreements)
{
    public bool IsPermit => this is Permit;
}

public sealed record Permit(Obligations Obligations, string Reason, IReadOnlyList<AgreementReference> Agreements) : Decision(Reason, Agreements);

/// <summary>A refusal. <see cref="Agreements"/> are those whose deny rules matched (none for a default deny).</summary>
public sealed record Deny(IReadOnlyList<string> Reasons, IReadOnlyList<AgreementReference> Agreements)
    : Decision(string.Join("; ", Reasons), Agreements);

/// <summary>
/// What the provider must do when it discloses: each requested field is in exactly one of the five lists (sorted);
/// the handling code and evaluation to stamp; until when the recipient may keep the data and what happens then;
/// whether it may pass the data on; by when a request must be answered.
/// </summary>
public sealed record Obligations(
    IReadOnlyList<string> Disclose,
    IReadOnlyList<string> GeneraliseToMonth,
    IReadOnlyList<string> Pseudonymise,
    IReadOnlyList<string> Mask,
    IReadOnlyList<string> Drop,
    HandlingCode HandlingCode,
    EvaluationCode? Evaluation,
    DateTimeOffset RetainUntil,
    RetentionEnd ThenRetention,
    OnwardTransfer OnwardTransfer,
    DateTimeOffset? AnswerBy)
{
    public IReadOnlyList<string> Of(Treatment t) => t switch
    {
        Treatment.Disclose => Disclose,
        Treatment.GeneraliseToMonth => GeneraliseToMonth,
        Treatment.Pseudonymise => Pseudonymise,
        Treatment.Mask => Mask,
        _ => Drop,
    };

    public bool Equals(Obligations? o) =>
        o is not null && Disclose.SequenceEqual(o.Disclose) && GeneraliseToMonth.SequenceEqual(o.GeneraliseToMonth)
        && Pseudonymise.SequenceEqual(o.Pseudonymise) && Mask.SequenceEqual(o.Mask) && Drop.SequenceEqual(o.Drop)
        && HandlingCode == o.HandlingCode && Evaluation == o.Evaluation && RetainUntil == o.RetainUntil
        && ThenRetention == o.ThenRetention && OnwardTransfer.Equals(o.OnwardTransfer) && AnswerBy == o.AnswerBy;

    public override int GetHashCode() => HashCode.Combine(Disclose.Count, HandlingCode, RetainUntil);
}
