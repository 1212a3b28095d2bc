using System.Security.Claims;
using System.Text.Json;
using Entente.Access;
using Entente.Common;
using Entente.Declarations;
using Entente.Storage;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Routing;
using Microsoft.OpenApi;

namespace Entente.Risk.Assessment;

/// <summary>Risk settings of a node: Risk:AssessOnIngest (default true) assesses what ingest stored whenever a rule set or model is in service.</summary>
public sealed record RiskSettings(bool AssessOnIngest);

public sealed record AssessRequest(IReadOnlyList<string>? DeclarationIds, bool Pending = false);

public sealed record AssessResponse(IReadOnlyList<RiskAssessment> Assessments, IReadOnlyList<string> NotFound, long PendingAssessed);

public sealed record DeclarationRisk(string DeclarationId, IReadOnlyList<RiskAssessment> Assessments, IReadOnlyList<RecordedOutcome> Outcomes)
{
    /// <summary>Why reasons naming a party came without their text (no purpose was given: each assessment's withheld lists them), and how to read them.</summary>
    public string? Notice { get; init; }
}

public sealed record InService(string? RuleSet, string? Model, LanePolicy Policy);

/// <summary>
/// /api/risk: assess stored declarations (officers, analysts), a what-if assessment of a declaration that is not stored,
/// a declaration's assessments and outcomes, inspection outcomes (officers), hit rates and what is in service.
/// </summary>
public static class RiskApi
{
    public static IEndpointRouteBuilder MapRiskApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/risk").WithTags("Risk");
        api.MapPost("/assessments", Assess).RequireAuthorization(AccessPolicies.Assess)
            .WithSummary("Assess stored declarations by id, or every one not yet assessed ({\"pending\": true}); each result is saved with its explanation");
        api.MapPost("/what-if", WhatIf).RequireAuthorization(AccessPolicies.Assess)
            .WithSummary("Assess a canonical declaration that is not stored (nothing is saved)")
            .AddOpenApiOperationTransformer(async (operation, context, cancellationToken) =>
            {
                var declaration = await DeclarationSchemaAsync(context, cancellationToken);
                operation.RequestBody = new OpenApiRequestBody
                {
                    Required = true,
                    Description = "One canonical declaration (docs/declaration.schema.json); it is assessed, not stored",
                    Content = new Dictionary<string, OpenApiMediaType> { ["application/json"] = new() { Schema = declaration } },
                };
            });
        api.MapGet("/declarations/{id}", Declaration).RequireAuthorization(AccessPolicies.Read)
            .WithSummary("A declaration's assessments (newest first) and inspection outcomes; reasons naming a party are withheld (left out, listed in each assessment's withheld) unless ?purpose=&justification= (recorded in the ledger)");
        api.MapPost("/outcomes", RecordOutcome).RequireAuthorization(AccessPolicies.RecordOutcome)
            .WithSummary("Record what an inspection found; it becomes the declaration's inspection label for training");
        api.MapGet("/hit-rates", HitRates).RequireAuthorization(AccessPolicies.Read)
            .WithSummary("Lane shares against the expected ones; hit rates per lane, rule, model version and random or targeted selection");
        api.MapGet("/in-service", Current).RequireAuthorization(AccessPolicies.Read)
            .WithSummary("The rule set, model and lane policy in service");
        return app;
    }

    private static async Task<Results<Ok<AssessResponse>, ProblemHttpResult>> Assess(AssessRequest request, RiskDesk desk, CancellationToken cancellationToken)
    {
        var ids = request.DeclarationIds ?? [];
        if (ids.Count == 0 && !request.Pending) return Problem(400, "Nothing to assess", new FieldError("/declarationIds", "give declarationIds (the node's ids) or pending: true"));
        if (ids.Count > 10_000) return Problem(400, "Too many declarations", new FieldError("/declarationIds", "at most 10,000 ids per request; use pending: true for a backlog"));
        try
        {
            var results = await desk.AssessAsync(ids, cancellationToken);
            var pending = request.Pending ? await desk.AssessPendingAsync(cancellationToken: cancellationToken) : 0;
            // The answer names no party: read the reasons whole with GET /api/risk/declarations/{id} and a purpose.
            var assessed = results.OfType<Assessed>().Select(a => Withhold(a.Assessment, a.Stored.Declaration.Parties.Select(p => p.Id).OfType<string>())).ToArray();
            return TypedResults.Ok(new AssessResponse(assessed, [.. ids.Where((_, i) => results[i] is null)], pending));
        }
        catch (InvalidDataException e)
        {
            return Problem(500, "Targeting not usable", e.Message);
        }
    }

    private static async Task<Results<Ok<RiskAssessment>, ProblemHttpResult>> WhatIf(HttpRequest request, RiskDesk desk, CancellationToken cancellationToken)
    {
        Declaration? declaration;
        try
        {
            using var body = new MemoryStream();
            await request.Body.CopyToAsync(body, cancellationToken);
            declaration = EntenteJson.Deserialize(body.GetBuffer().AsSpan(0, (int)body.Length));
        }
        catch (JsonException e)
        {
            return Problem(400, "Not a canonical declaration", new FieldError(JsonPointer(e.Path), $"{e.Message} (docs/declaration.schema.json)") { Line = e.LineNumber + 1 });
        }
        if (declaration is null) return Problem(400, "Not a canonical declaration", new FieldError("", "the body is empty"));
        declaration.Id = null;
        return TypedResults.Ok(await desk.AssessUnstoredAsync(declaration, cancellationToken));
    }

    private static async Task<Results<Ok<DeclarationRisk>, ProblemHttpResult>> Declaration(
        string id, string? purpose, string? justification, RiskDesk desk, IDeclarationStore store, AccessRecorder recorder, ClaimsPrincipal principal,
        CancellationToken cancellationToken)
    {
        var user = AccessPolicies.UserOf(principal);
        var asked = recorder.Query("get risk assessments", [new("declaration", id)]);
        // Looked up first so that a refused read is filed under the declaration it asked for.
        var stored = await store.GetAsync(id, cancellationToken);
        var parties = stored?.Declaration.Parties.Select(p => p.Id).OfType<string>().ToArray() ?? [];
        var access = await recorder.CheckAsync(user, AccessRecorder.Api, purpose, justification, asked, stored is null ? [] : [(id, parties)], cancellationToken);
        if (access.Refused) return Problem(403, "Personal data refused", access.Reason!);
        if (stored is null) return Problem(404, "No such declaration", $"no declaration {id} at this node");
        var risk = new DeclarationRisk(id, await desk.Store.HistoryAsync(id, cancellationToken), await desk.Store.OutcomesAsync(id, cancellationToken));
        if (access.Allowed)
        {
            await recorder.RecordReadAsync(user, AccessRecorder.Api, access, asked, [(id, parties)], cancellationToken);
            return TypedResults.Ok(risk);
        }
        var withheld = risk with { Assessments = [.. risk.Assessments.Select(a => Withhold(a, parties))] };
        return TypedResults.Ok(withheld.Assessments.SequenceEqual(risk.Assessments) ? risk : withheld with { Notice = PersonalData.Notice(user.Role!.Value) });
    }

    /// <summary>
    /// The assessment with every reason whose text names one of the declaration's party identifiers left without its
    /// text (withheld is never data: nothing stands in for it), the pointers of what was left out in its withheld
    /// ("/reasons/2/text"); the reason's source and points stay.
    /// </summary>
    public static RiskAssessment Withhold(RiskAssessment assessment, IEnumerable<string> partyIds)
    {
        var ids = partyIds.Where(p => p.Length > 0).ToArray();
        if (ids.Length == 0) return assessment;
        var withheld = new List<string>();
        var reasons = assessment.Reasons.Select((r, i) =>
        {
            if (r.Text is not { } text || !ids.Any(party => text.Contains(party, StringComparison.OrdinalIgnoreCase))) return r;
            withheld.Add($"/reasons/{i}/text");
            return r with { Text = null };
        }).ToArray();
        return withheld.Count == 0 ? assessment : assessment with { Reasons = reasons, Withheld = withheld };
    }

    private static async Task<Results<Created<RecordedOutcome>, ProblemHttpResult>> RecordOutcome(
        InspectionOutcome outcome, RiskDesk desk, ClaimsPrincipal user, CancellationToken cancellationToken)
    {
        if (string.IsNullOrWhiteSpace(outcome.DeclarationId)) return Problem(400, "Invalid outcome", new FieldError("/declarationId", "expected the node's id of the inspected declaration"));
        if (outcome.Revenue is < 0) return Problem(400, "Invalid outcome", new FieldError("/revenue", "expected an amount ≥ 0"));
        if (outcome.What is { Length: > 2000 }) return Problem(400, "Invalid outcome", new FieldError("/what", "at most 2,000 characters"));
        var officer = AccessPolicies.UserOf(user).Name;
        var now = desk.Time.GetUtcNow();
        if (!await desk.Store.RecordOutcomeAsync(outcome, officer, now, cancellationToken))
            return Problem(404, "No such declaration", new FieldError("/declarationId", $"no declaration {outcome.DeclarationId} at this node"));
        return TypedResults.Created($"/api/risk/declarations/{outcome.DeclarationId}", new RecordedOutcome(outcome, now, officer));
    }

    private static async Task<Ok<HitRates>> HitRates(RiskDesk desk, CancellationToken cancellationToken) =>
        TypedResults.Ok(await desk.Store.HitRatesAsync(desk.InService().Policy, cancellationToken));

    private static Ok<InService> Current(RiskDesk desk)
    {
        var targeting = desk.InService();
        return TypedResults.Ok(new InService(targeting.Rules is { } r ? $"{r.Name} {r.Version}" : null, targeting.Model?.Version, targeting.Policy));
    }

    private static ProblemHttpResult Problem(int status, string title, string detail) =>
        TypedResults.Problem(new ProblemDetails { Status = status, Title = title, Detail = detail });

    private static ProblemHttpResult Problem(int status, string title, FieldError error) =>
        TypedResults.Problem(new ProblemDetails { Status = status, Title = title, Detail = error.ToString(), Extensions = { ["errors"] = new[] { error } } });

    /// <summary>System.Text.Json's "$.goods[0].x" as the pointer "/goods/0/x".</summary>
    private static string JsonPointer(string? path) =>
        string.IsNullOrEmpty(path) || path == "$" ? "" : path.TrimStart('$').Replace("[", ".", StringComparison.Ordinal).Replace("]", "", StringComparison.Ordinal).Replace('.', '/');

    /// <summary>The canonical declaration's schema, by reference to the component the document holds for it.</summary>
    private static async Task<IOpenApiSchema> DeclarationSchemaAsync(Microsoft.AspNetCore.OpenApi.OpenApiOperationTransformerContext context, CancellationToken cancellationToken)
    {
        _ = await context.GetOrCreateSchemaAsync(typeof(Declarations.Declaration), null, cancellationToken);
        return new OpenApiSchemaReference(nameof(Declarations.Declaration), context.Document);
    }
}
