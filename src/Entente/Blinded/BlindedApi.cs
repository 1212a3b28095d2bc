using System.Globalization;
using System.Security.Claims;
using Entente.Access;
using Entente.Common;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;

namespace Entente.Blinded;

/// <summary>
/// Blinded hit/no-hit over HTTP (docs/blinded.md): partners fetch the index and have blinded elements evaluated
/// (anonymous at the HTTP level: every request is signed by the partner node and checked); officers ask partners.
/// </summary>
public static class BlindedApi
{
    public static IEndpointRouteBuilder MapBlindedApi(this IEndpointRouteBuilder app)
    {
        app.MapGet(BlindedPaths.Index, Index).AllowAnonymous().WithTags("Blinded")
            .WithSummary($"A partner fetches this node's blinded index (sorted 8-byte OPRF tags, signed CBOR); the signed request in the {BlindedRequest.Header} header; If-None-Match answers 304, or with Accept {BlindedIndexDelta.ContentType} the change since that version")
            .Produces<byte[]>(StatusCodes.Status200OK, BlindedIndex.ContentType, BlindedIndexDelta.ContentType).Produces(StatusCodes.Status304NotModified)
            .ProducesProblem(StatusCodes.Status400BadRequest).ProducesProblem(StatusCodes.Status401Unauthorized).ProducesProblem(StatusCodes.Status403Forbidden)
            .ProducesProblem(StatusCodes.Status409Conflict);
        app.MapPost(BlindedPaths.Evaluate, Evaluate).AllowAnonymous().WithTags("Blinded")
            .WithSummary("A partner has blinded elements evaluated with this node's OPRF key (signed CBOR request, batch allowed); rate-limited per partner and agreement, every batch in the ledger")
            .Accepts<byte[]>(BlindedRequest.ContentType).Produces<byte[]>(StatusCodes.Status200OK, BlindedRequest.EvaluationContentType)
            .ProducesProblem(StatusCodes.Status400BadRequest).ProducesProblem(StatusCodes.Status401Unauthorized).ProducesProblem(StatusCodes.Status403Forbidden)
            .ProducesProblem(StatusCodes.Status409Conflict).ProducesProblem(StatusCodes.Status413PayloadTooLarge).ProducesProblem(StatusCodes.Status429TooManyRequests);
        app.MapPost(BlindedPaths.Queries, Ask).RequireAuthorization(AccessPolicies.Assistance).WithTags("Blinded")
            .WithSummary("Ask partners blinded whether they hold an identifier (eori, tin, imo, container, vehicle, person, document): hit or no-hit per partner, with a reference for an assistance request")
            .ProducesProblem(StatusCodes.Status400BadRequest).ProducesProblem(StatusCodes.Status422UnprocessableEntity);
        return app;
    }

    private static async Task<IResult> Index(HttpRequest request, HttpResponse response, BlindedHolder holder, CancellationToken cancellationToken)
    {
        byte[] signed;
        try
        {
            var header = request.Headers[BlindedRequest.Header].ToString();
            signed = Convert.FromBase64String(Base64Padded(header.Replace('-', '+').Replace('_', '/')));
        }
        catch (FormatException)
        {
            signed = [];
        }
        var ifNoneMatch = request.Headers.IfNoneMatch.ToString();
        var acceptsDelta = request.Headers.Accept.ToString().Contains(BlindedIndexDelta.ContentType, StringComparison.Ordinal);
        return await holder.IndexAsync(signed, ifNoneMatch.Length > 0 ? ifNoneMatch : null, cancellationToken, acceptsDelta) switch
        {
            HolderOutcome.Index { NotModified: true } i => WithETag(response, i.Current, Results.StatusCode(StatusCodes.Status304NotModified)),
            HolderOutcome.Index { Delta: true } i => WithETag(response, i.Current, Results.Bytes(i.Signed, BlindedIndexDelta.ContentType)),
            HolderOutcome.Index i => WithETag(response, i.Current, Results.Bytes(i.Signed, BlindedIndex.ContentType)),
            HolderOutcome.Refused r => Problem(response, r),
            _ => throw new InvalidOperationException(),
        };
    }

    private static async Task<IResult> Evaluate(HttpRequest request, HttpResponse response, BlindedHolder holder, Microsoft.Extensions.Options.IOptions<BlindedOptions> options,
        CancellationToken cancellationToken)
    {
        var most = 1024 + options.Value.MaxBatch * (Oprf.ElementBytes + 2);
        if (request.ContentLength > most)
            return TypedResults.Problem($"the request is {request.ContentLength} bytes; at most {most} are accepted ({options.Value.MaxBatch} elements)", statusCode: 413, title: "Too large",
                extensions: Errors(new FieldError("request", $"at most {most} bytes")));
        using var buffer = new MemoryStream();
        await request.Body.CopyToAsync(buffer, cancellationToken);
        if (buffer.Length > most)
            return TypedResults.Problem($"the request is more than {most} bytes", statusCode: 413, title: "Too large", extensions: Errors(new FieldError("request", $"at most {most} bytes")));
        return await holder.EvaluateAsync(buffer.ToArray(), cancellationToken) switch
        {
            HolderOutcome.Evaluated e => Results.Bytes(e.Signed, BlindedRequest.EvaluationContentType),
            HolderOutcome.Refused r => Problem(response, r),
            _ => throw new InvalidOperationException(),
        };
    }

    private static async Task<Results<Ok<BlindedAnswers>, ProblemHttpResult>> Ask(AskInput body, AskPartners ask, ClaimsPrincipal user, CancellationToken cancellationToken) =>
        await ask.HandleAsync(AccessPolicies.UserOf(user).Name, body, cancellationToken) switch
        {
            AskOutcome.Answered a => TypedResults.Ok(a.Answers),
            AskOutcome.Invalid i => TypedResults.Problem(FieldError.Detail(i.Errors), statusCode: 400, title: "Invalid query", extensions: Errors([.. i.Errors])),
            AskOutcome.NoPartner n => TypedResults.Problem(FieldError.Detail(n.Errors), statusCode: 422, title: "No partner to ask", extensions: Errors([.. n.Errors])),
            _ => throw new InvalidOperationException(),
        };

    private static IResult WithETag(HttpResponse response, BlindedIndex index, IResult result)
    {
        response.Headers.ETag = index.ETag;
        return result;
    }

    private static IResult Problem(HttpResponse response, HolderOutcome.Refused refused)
    {
        if (refused.RetryAfter is { } after) response.Headers.RetryAfter = Math.Max(1, (int)Math.Ceiling(after.TotalSeconds)).ToString(CultureInfo.InvariantCulture);
        var title = refused.Code switch
        {
            RefusalCode.Malformed => "Not a blinded request",
            RefusalCode.Stale => "Outside the replay window",
            RefusalCode.Forged => "Signature does not verify",
            RefusalCode.UnknownPartner => "Unknown partner",
            RefusalCode.WrongRecipient => "Not for this node",
            RefusalCode.OutsideAgreement => "Outside any agreement",
            RefusalCode.Replayed => "Replayed request",
            _ => "Too many evaluations",
        };
        var extensions = Errors(new FieldError(refused.Path, refused.Reason));
        extensions["code"] = refused.Name;
        return TypedResults.Problem(refused.Reason, statusCode: refused.Status, title: title, extensions: extensions);
    }

    private static Dictionary<string, object?> Errors(params FieldError[] errors) => new() { ["errors"] = errors };

    private static string Base64Padded(string text) => (text.Length % 4) switch
    {
        2 => text + "==",
        3 => text + "=",
        _ => text,
    };
}
