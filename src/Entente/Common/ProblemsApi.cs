using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Entente.Common;

/// <summary>
/// The API's one shape of a refused request (RFC 9457, docs/api.md): a problem whose <c>detail</c> sums up the errors
/// and whose <c>errors</c> list each one with where it is (field path, and file and line for a submitted file).
/// </summary>
public static class ProblemsApi
{
    public static ProblemHttpResult Problem(int status, string title, IEnumerable<FieldError> errors, string? detail = null)
    {
        ArgumentNullException.ThrowIfNull(errors);
        var list = errors.ToArray();
        return TypedResults.Problem(detail ?? FieldError.Detail(list), statusCode: status, title: title, extensions: new Dictionary<string, object?> { ["errors"] = list });
    }
}
