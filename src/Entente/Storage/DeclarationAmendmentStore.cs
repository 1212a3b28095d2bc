using Entente.Declarations;

namespace Entente.Storage;

/// <summary>An amendment or cancellation to apply to the declaration it names (<see cref="IDeclarationStore.AmendAsync"/>).</summary>
public sealed record AmendmentRequest(AmendmentKind Kind, string Reference, Declaration Change, DeclarationFormat Format, string SourceFile)
{
    /// <summary>The reason the sender gave, kept in the declaration's history.</summary>
    public string? Reason { get; init; }

    /// <summary>Who applies it (the status event's actor).</summary>
    public string Actor { get; init; } = DeclarationRow.IngestActor;

    /// <summary>
    /// Judges the declaration as amended: sets its findings and returns why it cannot be stored (nothing: it can). Not
    /// called for a cancellation, which changes no data.
    /// </summary>
    public Func<Declaration, IReadOnlyList<string>> Revalidate { get; init; } = _ => [];

    /// <summary>Keep an amendment whose declaration is not stored as pending (false: report it as not found and keep nothing).</summary>
    public bool KeepUnmatched { get; init; } = true;
}

public enum AmendmentResult
{
    /// <summary>Applied: the declaration is a new version (or cancelled), the previous version kept.</summary>
    Applied,

    /// <summary>No stored declaration has the reference: kept as a pending amendment, applied when the declaration arrives.</summary>
    Pending,

    /// <summary>No stored declaration has the reference, and the caller wanted nothing kept.</summary>
    NotFound,

    /// <summary>The declaration's status does not allow the move (a cleared declaration is not amended).</summary>
    NotAllowed,

    /// <summary>The declaration as amended could not be stored (<see cref="AmendmentOutcome.Problems"/>).</summary>
    Refused,

    /// <summary>The same amendment (same reference, kind and content) was received before: nothing done again.</summary>
    Duplicate,
}

/// <summary>What became of an amendment; <see cref="DeclarationId"/> is the declaration amended, or the pending amendment's id.</summary>
public sealed record AmendmentOutcome(AmendmentResult Result, string? DeclarationId, DeclarationStatus? From, DeclarationStatus? To)
{
    /// <summary>The amendment's own id in the store (applied or pending).</summary>
    public string? AmendmentId { get; init; }

    /// <summary>The version the amendment superseded and kept (the declaration as first stored is version 1).</summary>
    public int? SupersededVersion { get; init; }

    public IReadOnlyList<string> Problems { get; init; } = [];

    /// <summary>The findings on the declaration as amended.</summary>
    public IReadOnlyList<Finding> Findings { get; init; } = [];
}

/// <summary>A version of a declaration an amendment superseded, kept for audit.</summary>
public sealed record DeclarationVersion(int Version, DateTimeOffset SupersededAt, string SupersededBy, Declaration Declaration);

/// <summary>An amendment kept because the declaration it names is not (yet) stored.</summary>
public sealed record PendingAmendment(string Id, string Reference, AmendmentKind Kind, DateTimeOffset ReceivedAt, string SourceFile, string? Reason);

/// <summary>Amendments on the shared SQL of both providers.</summary>
internal static class DeclarationAmendmentSql
{
    public static string KindName(AmendmentKind kind) => kind switch
    {
        AmendmentKind.Amend => "amend",
        AmendmentKind.Replace => "replace",
        _ => "cancel",
    };

    public static AmendmentKind ParseKind(string name) => name switch
    {
        "amend" => AmendmentKind.Amend,
        "replace" => AmendmentKind.Replace,
        "cancel" => AmendmentKind.Cancel,
        _ => throw new FormatException($"unknown amendment kind '{name}' in the store"),
    };

    public static string Describe(AmendmentKind kind) => kind switch
    {
        AmendmentKind.Amend => "amendment",
        AmendmentKind.Replace => "replacement",
        _ => "cancellation",
    };
}
