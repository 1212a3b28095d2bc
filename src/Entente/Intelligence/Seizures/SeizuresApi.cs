using System.Text.Json.Nodes;
using Entente.Access;
using Entente.Common;
using Entente.Sharing;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;

namespace Entente.Intelligence.Seizures;

/// <summary>A bulk import: the mapping (YAML text), the file's content, and its name for the errors.</summary>
public sealed record SeizureImportRequest(string? Mapping, string? Content, string? File);

/// <summary>Seizures over HTTP (docs/intelligence.md): officers and liaison officers record and import; every reader lists; offenders under a purpose.</summary>
public static class SeizuresApi
{
    public static IEndpointRouteBuilder MapSeizuresApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/seizures").WithTags("Seizures");
        api.MapPost("/", Add).RequireAuthorization(AccessPolicies.Disclose)
            .WithSummary("Record a seizure ({\"seizure\": {...}}, the CEN structure); the agreements' subscriptions push it to partners as a seizure-report")
            .ProducesProblem(StatusCodes.Status422UnprocessableEntity);
        api.MapPost("/imports", Import).RequireAuthorization(AccessPolicies.Disclose)
            .WithSummary("Import a national seizure database's CSV or JSON through a mapping: all rows or none, every error with its line and column")
            .ProducesProblem(StatusCodes.Status422UnprocessableEntity);
        api.MapGet("/", List).RequireAuthorization(AccessPolicies.Read).WithSummary("Seizures held here, own and partners', newest first (offenders never listed)");
        api.MapGet("/{id}", Get).RequireAuthorization(AccessPolicies.Read)
            .WithSummary("One seizure by id (or a partner's by message id); offenders with ?purpose=...&justification=... (recorded in the ledger)")
            .ProducesProblem(StatusCodes.Status403Forbidden).ProducesProblem(StatusCodes.Status404NotFound);
        return app;
    }

    private static async Task<Results<Created<IReadOnlyList<StoredRecord>>, ProblemHttpResult>> Add(JsonObject body, HttpContext http, SeizureBook book, CancellationToken cancellationToken) =>
        Answer(await book.AddAsync([(body, null, null)], AccessPolicies.UserOf(http.User), "api", cancellationToken));

    private static async Task<Results<Created<IReadOnlyList<StoredRecord>>, ProblemHttpResult>> Import(SeizureImportRequest body, HttpContext http, SeizureBook book, CancellationToken cancellationToken)
    {
        var file = string.IsNullOrWhiteSpace(body.File) ? "upload" : Path.GetFileName(body.File);
        if (string.IsNullOrEmpty(body.Mapping) || body.Content is null)
            return Invalid([new FieldError(body.Mapping is null or "" ? "/mapping" : "/content", "required: the mapping (YAML) and the file's content")]);
        try
        {
            var mapping = SeizureMapping.Parse(body.Mapping, "mapping");
            return Answer(await book.ImportAsync(mapping.Read(body.Content, file), AccessPolicies.UserOf(http.User), file, cancellationToken));
        }
        catch (SeizureMappingException e)
        {
            return Invalid(e.Errors);
        }
    }

    private static async Task<Results<Ok<IReadOnlyList<SeizureListing>>, ProblemHttpResult>> List(SeizureBook book, string? category, string? origin, string? from, string? to, int? limit,
        CancellationToken cancellationToken)
    {
        var errors = new List<FieldError>();
        if (limit is < 1 or > 10000) errors.Add(new("limit", $"expected 1 to 10000, got {limit}"));
        if (category is not null && !SeizureReport.Categories.Contains(category)) errors.Add(new("category", $"expected one of {string.Join(", ", SeizureReport.Categories)}"));
        foreach (var (name, month) in new[] { ("from", from), ("to", to) })
            if (month is not null && SeizureFacts.Date(month) is null) errors.Add(new(name, "expected a month, yyyy-MM"));
        if (errors.Count > 0) return ProblemsApi.Problem(400, "Invalid query", errors);
        return TypedResults.Ok(await book.ListAsync(new SeizureFilter(category, origin, from, to, limit ?? 1000), cancellationToken));
    }

    private static async Task<Results<Ok<SeizureView>, ProblemHttpResult>> Get(string id, string? purpose, string? justification, HttpContext http, SeizureBook book, CancellationToken cancellationToken) =>
        await book.ShowAsync(AccessPolicies.UserOf(http.User), AccessRecorder.Api, id, purpose, justification, cancellationToken) switch
        {
            SeizureRead.Read r => TypedResults.Ok(r.View),
            SeizureRead.Refused r => ProblemsApi.Problem(403, "Personal data refused", [new FieldError("purpose", r.Reason)], r.Reason),
            _ => ProblemsApi.Problem(404, "Not found", [new FieldError("/id", $"no seizure {id}")], $"no seizure {id} at {book.Node}"),
        };

    private static Results<Created<IReadOnlyList<StoredRecord>>, ProblemHttpResult> Answer(SeizureOutcome outcome) => outcome switch
    {
        SeizureOutcome.Recorded r => TypedResults.Created($"/api/seizures/{r.Records[0].Document["seizure"]?["id"]}", r.Records),
        SeizureOutcome.Invalid i => Invalid(i.Errors),
        _ => throw new InvalidOperationException(),
    };

    private static ProblemHttpResult Invalid(IReadOnlyList<FieldError> errors) => ProblemsApi.Problem(422, "Invalid seizure; nothing was recorded", errors);
}
