using System.Text.Json.Nodes;
using Entente.Access;
using Entente.Agreements;
using Entente.Common;
using Entente.Ledger;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Options;

namespace Entente.Exchange;

/// <summary>A request to disclose data to a partner: a stored declaration by id, or a document given whole.</summary>
public sealed record DisclosureRequest(
    string Recipient, string Category, string Purpose, string? Kind = null, string? DeclarationId = null, JsonObject? Document = null,
    string? Agreement = null, string? Conversation = null, string? AlertCategory = null, string? CaseReference = null);

public sealed record ForwardRequest(string MessageId, string Recipient, string Purpose);

public sealed record ConsentRequest(string MessageId, string Recipient);

public sealed record DisclosureAnswer(string MessageId, string ConversationId, long Sequence, string Recipient, string Agreement, string HandlingCode, JsonObject Projected);

public sealed record ExchangeStatus(string Node, IReadOnlyList<PartnerQueue> Partners, IReadOnlyList<RecordedRejection> RecentRejections);

public sealed record InboxSummary(
    string MessageId, string Sender, string ConversationId, long Sequence, string Kind, string Category, string Purpose, string Agreement,
    string HandlingCode, string? Evaluation, string OnwardTransfer, DateTimeOffset RetainUntil, DateTimeOffset ReceivedAt, string Digest)
{
    /// <summary>When the retention job erased its payload (null while it is held).</summary>
    public DateTimeOffset? ErasedAt { get; init; }

    public static InboxSummary Of(InboxItem i) => new(i.MessageId, i.Sender, i.ConversationId, i.ConversationSeq, i.Kind, i.Category, i.Purpose,
        i.AgreementId, i.HandlingCode, i.Evaluation, i.OnwardTransfer, i.RetainUntil, i.ReceivedAt, ExchangeStore.Hex(i.Digest))
    {
        ErasedAt = i.ErasedAt,
    };
}

public sealed record InboxMessage(InboxSummary Summary, JsonNode? Payload, string Receipt)
{
    /// <summary>For a message erased at retention: that its payload is gone, when and why, and what evidence stays.</summary>
    public string? Erased { get; init; }
}

public sealed record OutboxMessage(string MessageId, string ConversationId, long Sequence, string Recipient, string Kind, string State, int Attempts, string? LastError, string? Receipt);

/// <summary>
/// The exchange over HTTP: partners POST batches of envelopes (anonymous at the HTTP level: every envelope is signed
/// and checked); liaison officers disclose data and read what arrived; the status shows the queues per partner.
/// </summary>
public static class ExchangeApi
{
    public static IEndpointRouteBuilder MapExchangeApi(this IEndpointRouteBuilder app)
    {
        app.MapPost(ExchangeWire.MessagesPath, Receive).AllowAnonymous().WithTags("Exchange")
            .WithSummary("Partners deliver envelopes here: a CBOR array of COSE envelopes; one result (receipt or refusal) each")
            .Accepts<byte[]>(ExchangeWire.MediaType)
            .ProducesProblem(StatusCodes.Status400BadRequest).ProducesProblem(StatusCodes.Status403Forbidden).ProducesProblem(StatusCodes.Status413PayloadTooLarge);
        var api = app.MapGroup("/api/exchange").WithTags("Exchange");
        api.MapGet("/status", Status).RequireAuthorization(AccessPolicies.Exchange).WithSummary("Outbox depth per partner, oldest undelivered, last success, failures, recent refusals");
        api.MapGet("/inbox", Inbox).RequireAuthorization(AccessPolicies.Exchange).WithSummary("Messages received from partners, newest first");
        api.MapGet("/inbox/{id}", InboxOne).RequireAuthorization(AccessPolicies.Exchange).WithSummary("One received message with its payload (personal data: purpose and justification, recorded in the ledger) and the receipt this node signed");
        api.MapGet("/outbox/{id}", OutboxOne).RequireAuthorization(AccessPolicies.Exchange).WithSummary("One sent message: its state and the partner's receipt");
        api.MapPost("/disclosures", Share).RequireAuthorization(AccessPolicies.Disclose)
            .WithSummary("Disclose a declaration or document to a partner under an agreement (decided, projected, sealed, queued)");
        api.MapPost("/forwards", Forward).RequireAuthorization(AccessPolicies.Disclose)
            .WithSummary("Pass a received message on to a third node, if the provider's terms allow it (onward transfer, handling code)");
        api.MapPost("/consents", Consent).RequireAuthorization(AccessPolicies.Disclose)
            .WithSummary("As the provider, consent to the recipient of one of this node's messages passing it on to a third node")
            .ProducesProblem(StatusCodes.Status409Conflict);
        return app;
    }

    private static async Task<Results<Ok<DisclosureAnswer>, ProblemHttpResult>> Forward(ForwardRequest body, HttpContext http, ExchangeNode node, CancellationToken cancellationToken)
    {
        if (!AgreementDocument.TryEnum<Purpose>(body.Purpose, out var purpose))
            return Problem(400, "Invalid purpose", $"/purpose: '{body.Purpose}' is not one of {AgreementDocument.Names<Purpose>()}");
        var user = AccessPolicies.UserOf(http.User);
        try
        {
            return await node.ForwardAsync(body.MessageId, body.Recipient, purpose, new LedgerActor(user.Name, user.Authority ?? node.Code), cancellationToken) switch
            {
                DisclosureOutcome.Queued q => TypedResults.Ok(new DisclosureAnswer(q.Item.MessageId, q.Item.ConversationId, q.Item.ConversationSeq, q.Item.Recipient,
                    q.Item.AgreementId, q.Permit.Obligations.HandlingCode.ToString(), q.Projected)),
                DisclosureOutcome.Refused r => Problem(403, "Not permitted", r.Deny.Reason),
                _ => throw new InvalidOperationException(),
            };
        }
        catch (KeyNotFoundException e)
        {
            return Problem(404, "Not found", "/messageId: " + e.Message);
        }
    }

    private static async Task<Results<Ok<OutboxMessage>, ProblemHttpResult>> Consent(ConsentRequest body, HttpContext http, ExchangeNode node, CancellationToken cancellationToken)
    {
        var user = AccessPolicies.UserOf(http.User);
        try
        {
            var item = await node.ConsentAsync(body.MessageId, body.Recipient, new LedgerActor(user.Name, user.Authority ?? node.Code), cancellationToken);
            return TypedResults.Ok(new OutboxMessage(item.MessageId, item.ConversationId, item.ConversationSeq, item.Recipient, item.Kind, item.State, 0, null, null));
        }
        catch (KeyNotFoundException e)
        {
            return Problem(404, "Not found", "/messageId: " + e.Message);
        }
        catch (InvalidOperationException e)
        {
            return Problem(409, "Cannot send", e.Message);
        }
    }

    private static async Task<IResult> Receive(HttpRequest request, ExchangeNode node, IOptions<ExchangeOptions> options, PartnerBook partners, CancellationToken cancellationToken)
    {
        if (options.Value.MutualTls)
        {
            var certificate = request.HttpContext.Connection.ClientCertificate;
            if (certificate is null || !partners.Fingerprints().Contains(Identity.NodeCertificates.KeyFingerprint(certificate)))
            {
                var why = certificate is null ? "no client certificate" : $"the client certificate {certificate.Subject} is not a partner's";
                await node.Store.RecordRejectionAsync(node.Time.GetUtcNow(), "in", null, null, new Rejection(RejectionCode.UnknownSender, "mutual TLS: " + why), null, cancellationToken);
                return Problem(403, "Mutual TLS required", $"this node accepts messages only over TLS with a partner's node certificate: {why}");
            }
        }
        if (request.HttpContext.Features.Get<Microsoft.AspNetCore.Http.Features.IHttpMaxRequestBodySizeFeature>()?.MaxRequestBodySize is { } most && request.ContentLength > most)
            return Problem(413, "Too large", $"the batch is {request.ContentLength} bytes; at most {most} are accepted");
        using var buffer = new MemoryStream();
        await request.Body.CopyToAsync(buffer, cancellationToken);
        IReadOnlyList<byte[]> envelopes;
        try
        {
            envelopes = ExchangeWire.DecodeBatch(buffer.GetBuffer().AsMemory(0, (int)buffer.Length));
        }
        catch (EnvelopeFormatException e)
        {
            await node.Store.RecordRejectionAsync(node.Time.GetUtcNow(), "in", null, null, new Rejection(RejectionCode.Malformed, e.Message), null, cancellationToken);
            return Problem(400, "Not a batch of envelopes", e.Message);
        }
        var results = await node.ReceiveAsync(envelopes, request.HttpContext.Connection.RemoteIpAddress?.ToString(), cancellationToken);
        return Results.Bytes(ExchangeWire.EncodeResults(results), ExchangeWire.MediaType);
    }

    private static async Task<Ok<ExchangeStatus>> Status(ExchangeNode node, CancellationToken cancellationToken) =>
        TypedResults.Ok(new ExchangeStatus(node.Code, await node.Store.QueuesAsync(cancellationToken), await node.Store.RejectionsAsync(20, cancellationToken)));

    private static async Task<Results<Ok<List<InboxSummary>>, ProblemHttpResult>> Inbox(ExchangeNode node, string? sender, string? kind, int? limit, CancellationToken cancellationToken)
    {
        if (limit is < 1 or > 1000)
        {
            var error = new FieldError("limit", $"expected 1 to 1000, got {limit}");
            return TypedResults.Problem($"limit: {error.Message}", statusCode: 400, title: "Invalid query", extensions: new Dictionary<string, object?> { ["errors"] = new[] { error } });
        }
        return TypedResults.Ok((await node.Store.ListInboxAsync(sender, kind, limit ?? 100, cancellationToken)).Select(InboxSummary.Of).ToList());
    }

    private static async Task<Results<Ok<InboxMessage>, ProblemHttpResult>> InboxOne(
        string id, string? purpose, string? justification, ReadReceived read, HttpContext http, CancellationToken cancellationToken) =>
        await read.HandleAsync(AccessPolicies.UserOf(http.User), AccessRecorder.Api, id, purpose, justification, cancellationToken) switch
        {
            ReadReceivedResult.Read r => TypedResults.Ok(r.Message),
            ReadReceivedResult.Erased e => TypedResults.Ok(e.Message),
            ReadReceivedResult.Refused r => Problem(403, "Personal data refused", r.Reason),
            _ => Problem(404, "Not found", $"no received message '{id}'"),
        };

    private static async Task<Results<Ok<OutboxMessage>, ProblemHttpResult>> OutboxOne(string id, ExchangeNode node, CancellationToken cancellationToken)
    {
        var item = await node.Store.GetOutboxAsync(id, cancellationToken);
        if (item is null) return Problem(404, "Not found", $"no sent message '{id}'");
        var receipt = await node.Store.ReceiptForAsync(id, cancellationToken);
        return TypedResults.Ok(new OutboxMessage(item.MessageId, item.ConversationId, item.ConversationSeq, item.Recipient, item.Kind, item.State, item.Attempts,
            item.LastError, receipt is null ? null : Convert.ToBase64String(receipt)));
    }

    private static async Task<Results<Ok<DisclosureAnswer>, ProblemHttpResult>> Share(
        DisclosureRequest body, HttpContext http, Disclose disclose, CancellationToken cancellationToken) =>
        await disclose.HandleAsync(AccessPolicies.UserOf(http.User), body, cancellationToken) switch
        {
            DiscloseResult.Queued q => TypedResults.Ok(q.Answer),
            DiscloseResult.Refused r => Problem(403, "Not permitted by any agreement in force", r.Reason),
            DiscloseResult.NotFound n => Problem(404, "Not found", n.Detail),
            DiscloseResult.Invalid i => Problem(400, i.Title, i.Detail),
            _ => throw new InvalidOperationException(),
        };

    private static ProblemHttpResult Problem(int status, string title, string detail) => TypedResults.Problem(detail, statusCode: status, title: title);
}
