using System.Security.Claims;
using Entente.Access;
using Entente.Common;
using Entente.Declarations;
using Entente.Ingest.Csv;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Logging;
using Microsoft.OpenApi;

namespace Entente.Ingest;

/// <summary>Where the API finds the CSV column mappings a submission may name (?mapping=NAME).</summary>
public sealed record MappingsFolder(string Path);

/// <summary>POST /api/declarations: the HTTP adapter of <see cref="IngestDeclarations"/>.</summary>
public static class IngestEndpoints
{
    public static IEndpointRouteBuilder MapIngestEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapPost("/api/declarations", Submit).WithTags("Declarations").RequireAuthorization(AccessPolicies.Submit).DisableAntiforgery()
            .WithSummary("Submit one or a batch of declarations (WCO XML, EDIFACT CUSDEC, JSON or CSV with ?mapping=NAME)")
            .ProducesProblem(StatusCodes.Status422UnprocessableEntity)
            .AddOpenApiOperationTransformer(async (operation, context, cancellationToken) =>
            {
                // Each content type with its own description: only JSON is described by the canonical schema.
                var declaration = await DeclarationSchemaAsync(context, cancellationToken);
                operation.RequestBody = new OpenApiRequestBody
                {
                    Required = true,
                    Description = "A declarations file as the body, its format from the Content-Type (or ?format=); text/plain, application/octet-stream "
                        + "or no content type: detected from the body. Other content types (multipart forms too) are answered 415.",
                    Content = new Dictionary<string, OpenApiMediaType>
                    {
                        ["application/json"] = new() { Schema = new OpenApiSchema { OneOf = [declaration, new OpenApiSchema { Type = JsonSchemaType.Array, Items = declaration }] } },
                        ["application/x-ndjson"] = Text("JSON lines: one canonical declaration (docs/declaration.schema.json) per line"),
                        ["application/xml"] = Text("WCO Data Model declaration(s) in XML (DEC-DAT, and the UK DMS profile): docs/formats/wco-xml.md"),
                        ["application/edifact"] = Text("UN/EDIFACT CUSDEC interchange(s) (UNA/UNB...UNZ): docs/formats/edifact.md"),
                        ["text/csv"] = Text("A delimited extract with a header line; needs ?mapping=NAME naming a column mapping (docs/formats/csv-mapping.md)"),
                        ["text/plain"] = Text("Any of the formats above, detected from the first bytes"),
                        ["application/octet-stream"] = Text("Any of the formats above, detected from the first bytes", "binary"),
                    },
                };
            });
        return app;
    }

    private static async Task<Results<Ok<IngestResult>, ProblemHttpResult>> Submit(
        HttpRequest request, IngestDeclarations ingest, MappingsFolder mappings, ClaimsPrincipal user, ILoggerFactory loggers,
        string? format, string? mapping, bool? partial, CancellationToken cancellationToken)
    {
        var declaredFormat = DeclarationFormat.Auto;
        if (format is not null && !FormatDetector.TryParseName(format, out declaredFormat))
            return Problem(400, "Unknown format", new FieldError("format", $"'{format}' is not one of auto, wco-xml, edifact, json, csv"));
        if (FromContentType(request.ContentType) is not { } byContentType)
        {
            var media = request.ContentType?.Split(';')[0].Trim();
            var multipart = media?.StartsWith("multipart/", StringComparison.OrdinalIgnoreCase) == true
                ? " A multipart form is not read: send the file itself as the body (curl --data-binary @FILE)." : "";
            return Problem(415, "Unsupported content type", new FieldError("Content-Type",
                $"'{media}' is not accepted; send the declarations file as the body with one of {string.Join(", ", AcceptedMedia)} "
                + $"(text/plain, application/octet-stream or none: the format is detected from the body).{multipart}"));
        }
        if (declaredFormat == DeclarationFormat.Auto) declaredFormat = byContentType;

        CsvMapping? csvMapping = null;
        if (mapping is not null)
        {
            if (IngestDeclarations.FindMapping(mapping, mappings.Path) is not { } mappingPath)
                return Problem(400, "Unknown mapping", new FieldError("mapping", $"no mapping '{mapping}' in the node's mappings folder or among the mappings shipped with Entente"));
            try
            {
                csvMapping = CsvMapping.Load(mappingPath);
            }
            catch (Exception e) when (e is InvalidDataException or IOException or FormatException)
            {
                return Problem(400, "Invalid mapping", new FieldError("mapping", e.Message));
            }
        }

        // The body is spooled to a temporary file so a large batch never sits in memory and the format can be sniffed.
        var spool = Path.Combine(Path.GetTempPath(), $"entente-{Guid.NewGuid():N}.upload");
        try
        {
            await using var file = new FileStream(spool, FileMode.CreateNew, FileAccess.ReadWrite, FileShare.None, 1 << 16, FileOptions.DeleteOnClose);
            await request.Body.CopyToAsync(file, cancellationToken);
            if (file.Length == 0) return Problem(400, "Empty request", new FieldError("", "the request body holds no declaration"));
            file.Position = 0;
            if (declaredFormat == DeclarationFormat.Auto)
            {
                var prefix = new byte[FormatDetector.SniffLength];
                var read = await file.ReadAtLeastAsync(prefix, prefix.Length, throwOnEndOfStream: false, cancellationToken);
                file.Position = 0;
                if (FormatDetector.Detect(prefix.AsSpan(0, read), out var reason) is not { } detected)
                    return Problem(422, "Format not recognised", new FieldError("", $"cannot tell the format: {reason}; name it with ?format= (wco-xml, edifact, json, csv) or the Content-Type"));
                declaredFormat = detected;
            }
            if (declaredFormat == DeclarationFormat.Csv && csvMapping is null)
                return Problem(400, "CSV needs a mapping", new FieldError("mapping",
                    "a CSV extract needs a column mapping: add ?mapping=NAME, NAME a mapping in the node's mappings folder or shipped with Entente (docs/formats/csv-mapping.md)"));
            var name = request.Headers["X-File-Name"].ToString() is { Length: > 0 and < 200 } given ? Path.GetFileName(given) : "request";
            var outcome = await ingest.StreamAsync(file, name, new IngestInput(declaredFormat, csvMapping, partial ?? false), cancellationToken);
            var report = outcome.Report;
            var result = IngestResult.From(report) with { Assessed = outcome.Assessed };
            var logger = loggers.CreateLogger(typeof(IngestEndpoints).FullName!);
            var who = user.Identity?.Name ?? "?";
            if (report.Files.TrueForAll(f => f.Committed))
            {
                Log.Submitted(logger, who, name, FormatDetector.Name(report.Files[0].Format), report.Accepted, report.Rejected, report.Duplicates);
                if (outcome.AssessmentProblem is { } problem) Log.AssessmentFailed(logger, name, problem);
                return TypedResults.Ok(result);
            }
            Log.SubmissionRefused(logger, who, request.HttpContext.Connection.RemoteIpAddress?.ToString() ?? "?", report.Rejected,
                report.Errors.FirstOrDefault()?.ToString() ?? "");
            return TypedResults.Problem(new ProblemDetails
            {
                Status = 422,
                Title = "Declarations refused",
                Detail = report.Rejected > 0
                    ? $"{report.Rejected} record(s) refused; nothing was stored (send ?partial=true to keep the good ones)"
                    : $"nothing was stored: {report.Errors.FirstOrDefault()?.Message}",
                Extensions =
                {
                    ["errors"] = result.Errors.Select(e => new FieldError(e.Path, e.Message) { File = e.File, Line = e.Line }).ToArray(),
                    ["rejected"] = report.Rejected,
                },
            });
        }
        catch (BadHttpRequestException e) when (e.StatusCode == 413)
        {
            var most = request.HttpContext.Features.Get<Microsoft.AspNetCore.Http.Features.IHttpMaxRequestBodySizeFeature>()?.MaxRequestBodySize;
            return Problem(413, "Request too large", new FieldError("", $"the body exceeds {most} bytes; split the batch"));
        }
        catch (BadHttpRequestException e)
        {
            // A body that came too slowly (408) or ended before its length (400): nothing was read into the store.
            Log.BodyRefused(loggers.CreateLogger(typeof(IngestEndpoints).FullName!), user.Identity?.Name ?? "?",
                request.HttpContext.Connection.RemoteIpAddress?.ToString() ?? "?", e.StatusCode, e.Message);
            request.HttpContext.Response.Headers.Connection = "close";
            return Problem(e.StatusCode, e.StatusCode == 408 ? "Request timed out" : "Bad request", new FieldError("",
                e.StatusCode == 408 ? $"the body arrived too slowly and was cut off ({e.Message}); nothing was stored" : $"{e.Message}; nothing was stored"));
        }
    }

    /// <summary>The content types a submission may have (docs/api.md); text/plain, octet-stream or none: detected from the body.</summary>
    private static readonly string[] AcceptedMedia =
        ["application/json", "application/x-ndjson", "application/xml", "text/xml", "application/edifact", "text/csv", "text/plain", "application/octet-stream"];

    /// <summary>The format a content type names (Auto: detect from the body); null for a content type that is not accepted.</summary>
    private static DeclarationFormat? FromContentType(string? contentType)
    {
        var media = contentType?.Split(';')[0].Trim().ToLowerInvariant();
        return media switch
        {
            "application/json" or "application/x-ndjson" or "application/ndjson" => DeclarationFormat.Json,
            "application/xml" or "text/xml" => DeclarationFormat.WcoXml,
            "application/edifact" => DeclarationFormat.Edifact,
            "text/csv" => DeclarationFormat.Csv,
            null or "" or "text/plain" or "application/octet-stream" => DeclarationFormat.Auto,
            _ => null,
        };
    }

    private static OpenApiMediaType Text(string description, string? format = null) =>
        new() { Schema = new OpenApiSchema { Type = JsonSchemaType.String, Format = format, Description = description } };

    private static ProblemHttpResult Problem(int status, string title, FieldError error) =>
        TypedResults.Problem(error.ToString(), statusCode: status, title: title, extensions: new Dictionary<string, object?> { ["errors"] = new[] { error } });

    /// <summary>The canonical declaration's schema, by reference to the component the document holds for it.</summary>
    private static async Task<IOpenApiSchema> DeclarationSchemaAsync(Microsoft.AspNetCore.OpenApi.OpenApiOperationTransformerContext context, CancellationToken cancellationToken)
    {
        _ = await context.GetOrCreateSchemaAsync(typeof(Declarations.Declaration), null, cancellationToken);
        return new OpenApiSchemaReference(nameof(Declarations.Declaration), context.Document);
    }
}
