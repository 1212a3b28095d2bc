namespace Entente.Common;

/// <summary>
/// One problem in a refused request, the one shape of the <c>errors</c> list of every API problem (RFC 9457): where —
/// a JSON pointer into the body (<c>/declarationId</c>) or the name of a query parameter (<c>limit</c>), and for a
/// submitted file the file and line — and what was expected.
/// </summary>
public sealed record FieldError(string Path, string Message)
{
    public string? File { get; init; }

    public long? Line { get; init; }

    public override string ToString() => Path.Length > 0 ? $"{Path}: {Message}" : Message;

    /// <summary>The problems as one sentence for a problem's <c>detail</c>.</summary>
    public static string Detail(IEnumerable<FieldError> errors) => string.Join("; ", errors);
}
