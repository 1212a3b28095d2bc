using Entente.Access;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;

namespace Entente.Agreements;

public sealed record AgreementSummary(
    string File, string? Id, int? Version, string? Kind, string? Title, IReadOnlyList<string> Parties, DateOnly? ValidFrom, DateOnly? ValidUntil,
    string? ContentHash, string State, bool InForce, IReadOnlyList<string> Reasons, IReadOnlyList<string> Categories);

/// <summary>The node's agreements (HOME/agreements/*.yaml) and their status today, for liaison officers, auditors and administrators.</summary>
public static class AgreementsApi
{
    public static IEndpointRouteBuilder MapAgreementsApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/agreements").WithTags("Agreements").RequireAuthorization(AccessPolicies.Agreements);
        api.MapGet("/", List).WithSummary("The node's agreements with their status today (in force, unsigned, expired...) and the reasons");
        api.MapGet("/{id}", Get).WithSummary("One agreement: the highest version on file, with its status");
        return app;
    }

    private static Ok<IReadOnlyList<AgreementSummary>> List(AgreementShelf shelf, TimeProvider time) =>
        TypedResults.Ok<IReadOnlyList<AgreementSummary>>(shelf.Files(time.GetUtcNow()).Select(Summarise).ToList());

    private static Results<Ok<AgreementSummary>, ProblemHttpResult> Get(string id, AgreementShelf shelf, TimeProvider time)
    {
        var file = shelf.Files(time.GetUtcNow()).Where(f => f.Agreement?.Id == id).MaxBy(f => f.Agreement!.Version);
        return file is null
            ? TypedResults.Problem($"no agreement '{id}' in {shelf.Folder}", statusCode: 404, title: "Not found")
            : TypedResults.Ok(Summarise(file));
    }


    public static AgreementSummary Summarise(AgreementFile file)
    {
        var a = file.Agreement;
        return new AgreementSummary(Path.GetFileName(file.Path), a?.Id, a?.Version, a is null ? null : PolicyEngine.Name(a.Kind), a?.Title,
            a?.Parties.Select(p => p.Code).ToList() ?? [], a?.ValidFrom, a?.ValidUntil, a?.ContentHash,
            PolicyEngine.Name(file.Status.State), file.Status.InForce, file.Status.Reasons,
            a?.Rules.Select(r => PolicyEngine.Name(r.Category)).Distinct().ToList() ?? []);
    }
}
