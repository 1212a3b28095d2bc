using System.Security.Claims;
using Entente.Access;
using Entente.Common;
using Entente.Ledger;
using Entente.Witnessing;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;

namespace Entente.Audit;

public sealed record AuditAnswer(string Subject, IReadOnlyList<AuditEvent> Events);

public sealed record CheckpointAnswer(long TreeSize, string Root, string Note);

public sealed record ProofAnswer(long Entry, long TreeSize, string LeafHash, IReadOnlyList<string> Proof, string Root, string EntryBytes, string? Checkpoint);

public sealed record ConsistencyAnswer(long From, long To, string RootFrom, string RootTo, IReadOnlyList<string> Proof);

/// <summary>The auditors' endpoints: the accountability query, and the ledger's checkpoint and proofs for anyone checking it.</summary>
public static class AuditApi
{
    public static IEndpointRouteBuilder MapAuditApi(this IEndpointRouteBuilder app)
    {
        app.MapGet("/api/audit/subject", Subject).RequireAuthorization(AccessPolicies.Audit).WithTags("Audit")
            .WithSummary("Who got data about a party or a declaration, when, why, under which agreement (party needs justification; recorded)");
        var ledger = app.MapGroup("/api/ledger").WithTags("Ledger");
        // A checkpoint is a signed tree size and root, made to be published: partners and witnesses fetch it.
        ledger.MapGet("/checkpoint", Checkpoint).AllowAnonymous().WithSummary("The latest signed checkpoint (C2SP signed note)")
            .ProducesProblem(StatusCodes.Status404NotFound);
        ledger.MapGet("/consistency", Consistency).AllowAnonymous().WithSummary("A consistency proof between two tree sizes (RFC 9162 §2.1.4)");
        ledger.MapGet("/proof", Proof).RequireAuthorization(AccessPolicies.Audit).WithSummary("An entry, its bytes and its inclusion proof (RFC 9162 §2.1.3)");
        return app;
    }

    private static async Task<Results<Ok<AuditAnswer>, ProblemHttpResult>> Subject(
        string? party, string? declaration, string? justification, AuditSubject audit, ClaimsPrincipal principal, CancellationToken cancellationToken) =>
        await audit.HandleAsync(AccessPolicies.UserOf(principal), AccessRecorder.Api, new AuditSubjectInput(party, declaration, justification), cancellationToken) switch
        {
            AuditSubjectResult.Answered a => TypedResults.Ok(new AuditAnswer(a.Subject, a.Events)),
            AuditSubjectResult.Refused r => Problem(403, "Personal data refused", r.Reason),
            AuditSubjectResult.Invalid i => Problem(400, "Bad query", new FieldError(i.Parameter, i.Message)),
            _ => throw new InvalidOperationException(),
        };

    private static async Task<Results<Ok<CheckpointAnswer>, ProblemHttpResult>> Checkpoint(LedgerStore ledger, WitnessStore witnesses, CancellationToken cancellationToken)
    {
        if (await ledger.LatestCheckpointAsync(cancellationToken) is not { } latest)
            return Problem(404, "No checkpoint", "the ledger has no signed checkpoint yet (entente ledger checkpoint)");
        var parsed = Ledger.Checkpoint.Parse(latest.Note).Checkpoint!;
        // Published with the partners' witnesses' cosignatures (extra signature lines of the signed note).
        return TypedResults.Ok(new CheckpointAnswer(latest.TreeSize, Convert.ToBase64String(parsed.Root), await WitnessApi.CosignedAsync(witnesses, latest.Note, cancellationToken)));
    }

    private static async Task<Results<Ok<ConsistencyAnswer>, ProblemHttpResult>> Consistency(long from, long to, LedgerStore ledger, CancellationToken cancellationToken)
    {
        var head = await ledger.GetHeadAsync(cancellationToken);
        FieldError? wrong = from < 1 ? new("from", $"expected a tree size of at least 1, got {from}")
            : to < from ? new("to", $"expected a tree size of at least from ({from}), got {to}")
            : to > head.Size ? new("to", $"expected at most the ledger's size, {head.Size}, got {to}")
            : null;
        if (wrong is not null) return Problem(400, "Bad query", wrong);
        var proof = await ledger.ConsistencyProofAsync(from, to, cancellationToken);
        return TypedResults.Ok(new ConsistencyAnswer(from, to, Convert.ToBase64String(proof.Root1), Convert.ToBase64String(proof.Root2),
            proof.Hashes.Select(Convert.ToBase64String).ToList()));
    }

    private static async Task<Results<Ok<ProofAnswer>, ProblemHttpResult>> Proof(long entry, long? size, LedgerStore ledger, CancellationToken cancellationToken)
    {
        var head = await ledger.GetHeadAsync(cancellationToken);
        var latest = await ledger.LatestCheckpointAsync(cancellationToken);
        var treeSize = size ?? latest?.TreeSize ?? head.Size;
        FieldError? wrong = treeSize > head.Size ? new("size", $"expected at most the ledger's size, {head.Size}, got {treeSize}")
            : entry < 0 || entry >= treeSize ? new("entry", $"expected 0 <= entry < size ({treeSize}), got {entry}")
            : null;
        if (wrong is not null) return Problem(400, "Bad query", wrong);
        var proof = await ledger.InclusionProofAsync(entry, treeSize, cancellationToken);
        var stored = await ledger.GetEntryAsync(entry, cancellationToken);
        return TypedResults.Ok(new ProofAnswer(entry, treeSize, Convert.ToBase64String(proof.LeafHash), proof.Hashes.Select(Convert.ToBase64String).ToList(),
            Convert.ToBase64String(proof.Root), Convert.ToBase64String(stored!.Bytes), latest?.TreeSize == treeSize ? latest.Note : null));
    }

    private static ProblemHttpResult Problem(int status, string title, string detail) => TypedResults.Problem(detail, statusCode: status, title: title);

    private static ProblemHttpResult Problem(int status, string title, FieldError error) =>
        TypedResults.Problem(error.ToString(), statusCode: status, title: title, extensions: new Dictionary<string, object?> { ["errors"] = new[] { error } });
}
