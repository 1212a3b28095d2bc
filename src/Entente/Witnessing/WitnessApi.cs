using System.Security.Claims;
using System.Text.Json.Nodes;
using Entente.Access;
using Entente.Agreements;
using Entente.Identity;
using Entente.Partners;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Logging;

namespace Entente.Witnessing;

public sealed record CosignatureAccepted(string Witness, long TreeSize, DateTimeOffset CosignedAt);

public sealed record AlarmAnswer(string Id, string Partner, DateTimeOffset DetectedAt, string Kind, string EvidenceDigest, JsonNode? Evidence,
    string? AcknowledgedBy, DateTimeOffset? AcknowledgedAt);

public sealed record WitnessedAnswer(string Partner, long TreeSize, string Root, DateTimeOffset SeenAt, bool Consistent, string Note);

public sealed record CosignatureAnswer(string Witness, long TreeSize, string Root, string Signature, DateTimeOffset CosignedAt, DateTimeOffset ReceivedAt);

/// <summary>Witnessing endpoints: partners' witnesses hand in cosignatures; auditors read alarms and what this node witnessed.</summary>
public static class WitnessApi
{
    public static IEndpointRouteBuilder MapWitnessApi(this IEndpointRouteBuilder app)
    {
        var ledger = app.MapGroup("/api/ledger").WithTags("Ledger");
        // Anonymous like the checkpoint itself: the cosignature is verified against the agreements in force instead.
        ledger.MapPost("/cosignatures", Cosign).AllowAnonymous()
            .WithSummary("A partner's witness hands in its cosignature of one of this node's checkpoints")
            .ProducesProblem(StatusCodes.Status403Forbidden);
        ledger.MapGet("/cosignatures", Cosignatures).RequireAuthorization(AccessPolicies.Audit).WithSummary("Cosignatures received for this node's checkpoints");
        ledger.MapGet("/alarms", Alarms).RequireAuthorization(AccessPolicies.Audit).WithSummary("Equivocation alarms raised against partners, with the evidence");
        ledger.MapPost("/alarms/{id}/acknowledge", Acknowledge).RequireAuthorization(AccessPolicies.Audit)
            .WithSummary("An auditor acknowledges an alarm (recorded in the ledger)")
            .ProducesProblem(StatusCodes.Status409Conflict);
        ledger.MapGet("/witnessed", Witnessed).RequireAuthorization(AccessPolicies.Audit).WithSummary("The partners' checkpoints this node witnessed");
        return app;
    }

    private static async Task<Results<Ok<CosignatureAccepted>, ProblemHttpResult>> Cosign(CosignatureSubmission? submission, WitnessStore store,
        AgreementShelf shelf, PartnerDirectory partners, IdentityHome node, TimeProvider time, HttpContext http, ILoggerFactory logs, CancellationToken cancellationToken)
    {
        var logger = logs.CreateLogger(typeof(WitnessApi));
        var remote = http.Connection.RemoteIpAddress?.ToString();
        if (submission is null)
        {
            WitnessLog.CosignatureRefused(logger, remote, null, "no body");
            return TypedResults.Problem("expected {witness, publicKey, treeSize, root, cosignature}", statusCode: 400, title: "Cosignature refused");
        }
        var now = time.GetUtcNow();
        var signed = submission.TreeSize > 0 ? await store.SignedCheckpointAsync(submission.TreeSize, cancellationToken) : null;
        var registered = string.IsNullOrWhiteSpace(submission.Witness) ? null : (await partners.GetAsync(submission.Witness, cancellationToken))?.Fingerprint;
        var decision = CosignatureDecision.Decide(submission, node.Code, shelf.InForce(now), registered, signed, now);
        if (!decision.Accepted)
        {
            WitnessLog.CosignatureRefused(logger, remote, submission.Witness, decision.Reason);
            return TypedResults.Problem(decision.Reason, statusCode: decision.Status, title: "Cosignature refused");
        }
        await store.RecordCosignatureAsync(new ReceivedCosignature(submission.Witness!, submission.TreeSize, decision.Root!, submission.Cosignature!.TrimEnd('\n'),
            decision.CosignedAt!.Value, now), cancellationToken);
        WitnessLog.CosignatureAccepted(logger, submission.Witness!, submission.TreeSize);
        return TypedResults.Ok(new CosignatureAccepted(submission.Witness!, submission.TreeSize, decision.CosignedAt.Value));
    }

    private static async Task<Ok<IReadOnlyList<CosignatureAnswer>>> Cosignatures(long? size, WitnessStore store, CancellationToken cancellationToken) =>
        TypedResults.Ok<IReadOnlyList<CosignatureAnswer>>((await store.CosignaturesAsync(size, cancellationToken))
            .Select(c => new CosignatureAnswer(c.Witness, c.TreeSize, Convert.ToBase64String(c.Root), c.Signature, c.CosignedAt, c.ReceivedAt)).ToList());

    private static async Task<Ok<IReadOnlyList<AlarmAnswer>>> Alarms(WitnessStore store, CancellationToken cancellationToken) =>
        TypedResults.Ok<IReadOnlyList<AlarmAnswer>>((await store.AlarmsAsync(cancellationToken))
            .Select(Answer).ToList());

    private static async Task<Results<Ok<AlarmAnswer>, ProblemHttpResult>> Acknowledge(string id, AcknowledgeAlarm acknowledge, ClaimsPrincipal principal,
        CancellationToken cancellationToken) =>
        await acknowledge.HandleAsync(AccessPolicies.UserOf(principal), id, cancellationToken) switch
        {
            AlarmAcknowledgement.Done done => TypedResults.Ok(Answer(done.Alarm)),
            AlarmAcknowledgement.NotFound n => TypedResults.Problem(n.Problem, statusCode: 404, title: "Not found"),
            var already => TypedResults.Problem(already.Problem, statusCode: 409, title: "Already acknowledged"),
        };

    private static AlarmAnswer Answer(EquivocationAlarm a) =>
        new(a.Id, a.Partner, a.DetectedAt, a.Kind, EquivocationEvidence.DigestOf(a.Evidence), JsonNode.Parse(a.Evidence), a.AcknowledgedBy, a.AcknowledgedAt);

    private static async Task<Ok<IReadOnlyList<WitnessedAnswer>>> Witnessed(string? partner, WitnessStore store, CancellationToken cancellationToken) =>
        TypedResults.Ok<IReadOnlyList<WitnessedAnswer>>((await store.WitnessedAsync(partner, cancellationToken))
            .Select(s => new WitnessedAnswer(s.Partner, s.TreeSize, Convert.ToBase64String(s.Root), s.SeenAt, s.Consistent, s.Note)).ToList());

    /// <summary>This node's checkpoint note with the cosignatures received for it appended (those over its size and root).</summary>
    public static async Task<string> CosignedAsync(WitnessStore store, string note, CancellationToken cancellationToken)
    {
        var checkpoint = Ledger.Checkpoint.Parse(note).Checkpoint!;
        var cosignatures = await store.CosignaturesAsync(checkpoint.TreeSize, cancellationToken);
        return Cosignature.Append(note, cosignatures.Where(c => c.Root.AsSpan().SequenceEqual(checkpoint.Root)).Select(c => c.Signature));
    }
}
