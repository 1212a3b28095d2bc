using Entente.Access;
using Entente.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Options;

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

    private static Ok<IReadOnlyList<AgreementSummary>> List(IOptions<NodeOptions> node, TimeProvider time) =>
        TypedResults.Ok<IReadOnlyList<AgreementSummary>>(Read(node.Value, time).Select(Summarise).ToList());

    private static Results<Ok<AgreementSummary>, ProblemHttpResult> Get(string id, IOptions<NodeOptions> node, TimeProvider time)
    {
        var file = Read(node.Value, time).Where(f => f.Agreement?.Id == id).MaxBy(f => f.Agreement!.Version);
        return file is null
            ? TypedResults.Problem($"no agreement '{id}' in {Folder(node.Value)}", statusCode: 404, title: "Not found")
            : TypedResults.Ok(Summarise(file));
    }

    private static string Folder(NodeOptions node) => Path.Combine(node.Home, "agreements");

    private static IReadOnlyList<AgreementFile> Read(NodeOptions node, TimeProvider time) => AgreementFile.ReadFolder(Folder(node), time.GetUtcNow());

    public static AgreementSummary Summarise(AgreementFile file)
    {
        var a = file.Agreement;
        return new AgreementSummary(Path.GetFileName(file.Path), a?.Id, a?.Version, a is null ? null : PolicyEngine.Name(a.Kind), a?.Title,
            a?.Parties.Select(p => p.Code).ToList() ?? [], a?.ValidFrom, a?.ValidUntil, a?.ContentHash,
            PolicyEngine.Name(file.Status.State), file.Status.InForce, file.Status.Reasons,
            a?.Rules.Select(r => PolicyEngine.Name(r.Category)).Distinct().ToList() ?? []);
    }
}
