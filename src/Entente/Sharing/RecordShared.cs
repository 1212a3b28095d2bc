using System.Text.Json.Nodes;
using Entente.Access;
using Entente.Ledger;

namespace Entente.Sharing;

public abstract record RecordSharedResult
{
    /// <summary>Stored, with the message queued (or the refusal) for each partner an agreement subscribes.</summary>
    public sealed record Recorded(StoredRecord Record) : RecordSharedResult;

    /// <summary>The kind is not one of <see cref="RecordKind.Names"/>.</summary>
    public sealed record UnknownKind(string Kind) : RecordSharedResult;

    /// <summary>Every problem in the document, each naming its field; nothing was stored or pushed.</summary>
    public sealed record Invalid(IReadOnlyList<RecordProblem> Problems) : RecordSharedResult;
}

/// <summary>
/// A seizure report, risk result, AEO status or alert recorded here and pushed to the partners the agreements subscribe,
/// for the API (POST /api/records/{kind}) and the console (`record add`).
/// </summary>
public sealed class RecordShared(RecordDesk desk)
{
    public async Task<RecordSharedResult> HandleAsync(LocalUser user, string kind, JsonObject document, CancellationToken cancellationToken = default)
    {
        if (RecordKind.Named(kind) is not { } recordKind) return new RecordSharedResult.UnknownKind(kind);
        if (Check(recordKind, document) is { Count: > 0 } problems) return new RecordSharedResult.Invalid(problems);
        return new RecordSharedResult.Recorded(await desk.RecordAsync(recordKind, document, new LedgerActor(user.Name, user.Authority ?? "local"), cancellationToken));
    }

    /// <summary>Every problem in the document, each naming its field: what <see cref="HandleAsync"/> refuses.</summary>
    public static IReadOnlyList<RecordProblem> Check(RecordKind kind, JsonObject document) =>
        // The alert kind grew into a model of its own, with a life cycle: it is issued there, and travels as the same kind.
        kind == RecordKind.Alert
            ? [new RecordProblem("/", "alerts are issued with POST /api/alerts or `entente alert add` (docs/alerts.md)")]
            : RecordValidator.Check(kind, document);
}
