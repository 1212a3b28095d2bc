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

    private static async Task<Ok<IReadOnlyList<StoredRecord>>> List(RecordDesk desk, string? kind, int? limit, CancellationToken cancellationToken) =>
        TypedResults.Ok(await desk.ListAsync(kind, Math.Clamp(limit ?? 100, 1, 1000), cancellationToken));
}
