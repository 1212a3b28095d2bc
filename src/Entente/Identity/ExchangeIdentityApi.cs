using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;

namespace Entente.Identity;

/// <summary>The node's public identity for partners: certificates and the key fingerprint agreements list.</summary>
public static class ExchangeIdentityApi
{
    public static IEndpointRouteBuilder MapExchangeIdentityApi(this IEndpointRouteBuilder app)
    {
        // Public by design: a partner fetches it before any trust exists, and checks it against the signed agreements.
        app.MapGet("/api/exchange/identity", Identity).AllowAnonymous().WithTags("Exchange")
            .WithSummary("This node's code, name, key fingerprint, signing and encryption certificates and CA chain (PEM)")
            .ProducesProblem(StatusCodes.Status503ServiceUnavailable);
        return app;
    }

    private static Results<Ok<IdentityDocument>, ProblemHttpResult> Identity(IdentityHome home)
    {
        try
        {
            // Read per request: `node cert import` may replace the certificates while the node runs.
            using var identity = home.Load();
            return TypedResults.Ok(identity.Document());
        }
        catch (Exception e) when (e is FileNotFoundException or InvalidDataException)
        {
            // The home's paths stay out of an anonymous answer; the operator sees them with `entente node cert show`.
            return TypedResults.Problem(statusCode: StatusCodes.Status503ServiceUnavailable, title: "No node identity",
                detail: "this node's keys or certificates are missing or damaged; its operator runs `entente node keys` or `entente node cert show`");
        }
    }
}
