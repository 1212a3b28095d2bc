using System.Text.Json.Nodes;
using Entente.Access;
using Entente.Common;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;

namespace Entente.Sharing;

/// <summary>POST /api/records/{kind} (officers and liaison officers), GET /api/records.</summary>
public static class RecordsApi
{
    public static IEndpointRouteBuilder MapRecordsApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/records").WithTags("Records");
        api.MapPost("/{kind}", Record).RequireAuthorization(AccessPolicies.Disclose)
            .WithSummary("Record a seizure report, risk result, AEO status or alert; the agreements' subscriptions push it to partners");
        api.MapGet("/", List).RequireAuthorization(AccessPolicies.Exchange).WithSummary("Records made here, newest first, with what was pushed");
        return app;
    }

    private static async Task<Results<Created<StoredRecord>, ProblemHttpResult>> Record(string kind, JsonObject body, HttpContext http, RecordShared record, CancellationToken cancellationToken) =>
        await record.HandleAsync(AccessPolicies.UserOf(http.User), kind, body, cancellationToken) switch
        {
            RecordSharedResult.Recorded r => TypedResults.Created($"/api/records/{r.Record.Id}", r.Record),
            RecordSharedResult.UnknownKind => TypedResults.Problem($"'{kind}' is not one of {RecordKind.Names}", statusCode: 404, title: "Unknown record kind"),
            RecordSharedResult.Invalid i => TypedResults.Problem(string.Join("; ", i.Problems), statusCode: 400, title: $"Invalid {kind}",
                extensions: new Dictionary<string, object?> { ["errors"] = i.Problems.Select(p => new FieldError(p.Field, p.Message)).ToArray() }),
            _ => throw new InvalidOperationException(),
        };

    private static async Task<Results<Ok<IReadOnlyList<StoredRecord>>, ProblemHttpResult>> List(RecordDesk desk, string? kind, int? limit, CancellationToken cancellationToken)
    {
        if (limit is < 1 or > 1000)
        {
            var error = new FieldError("limit", $"expected 1 to 1000, got {limit}");
            return TypedResults.Problem($"limit: {error.Message}", statusCode: 400, title: "Invalid query", extensions: new Dictionary<string, object?> { ["errors"] = new[] { error } });
        }
        return TypedResults.Ok(await desk.ListAsync(kind, limit ?? 100, cancellationToken));
    }
}
