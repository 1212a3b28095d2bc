using System.Security.Claims;
using Entente.Access;
using Entente.Declarations;
using Entente.Ingest.Csv;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Logging;

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
            .Accepts<Declaration>("application/json", "application/x-ndjson", "application/xml", "application/edifact", "text/csv");
        return app;
    }

    private static async Task<Results<Ok<IngestResult>, ProblemHttpResult>> Submit(
        HttpRequest request, IngestDeclarations ingest, MappingsFolder mappings, ClaimsPrincipal user, ILoggerFactory loggers,
        string? format, string? mapping, bool? partial, CancellationToken cancellationToken)
    {
        var declaredFormat = DeclarationFormat.Auto;
        if (format is not null && !FormatDetector.TryParseName(format, out declaredFormat))
            return Problem(400, "Unknown format", $"format '{format}' is not one of auto, wco-xml, edifact, json, csv");
        if (declaredFormat == DeclarationFormat.Auto) declaredFormat = FromContentType(request.ContentType);

        CsvMapping? csvMapping = null;
        if (mapping is not null)
        {
            if (IngestDeclarations.FindMapping(mapping, mappings.Path) is not { } mappingPath)
                return Problem(400, "Unknown mapping", $"no mapping '{mapping}' in {mappings.Path} or among the mappings shipped with Entente");
            try
            {
                csvMapping = CsvMapping.Load(mappingPath);
            }
            catch (Exception e) when (e is InvalidDataException or IOException or FormatException)
            {
                return Problem(400, "Invalid mapping", e.Message);
            }
        }

        // The body is spooled to a temporary file so a large batch never sits in memory and the format can be sniffed.
        var spool = Path.Combine(Path.GetTempPath(), $"entente-{Guid.NewGuid():N}.upload");
        try
        {
            await using var file = new FileStream(spool, FileMode.CreateNew, FileAccess.ReadWrite, FileShare.None, 1 << 16, FileOptions.DeleteOnClose);
            await request.Body.CopyToAsync(file, cancellationToken);
            if (file.Length == 0) return Problem(400, "Empty request", "the request body holds no declaration");
            file.Position = 0;
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
                Extensions = { ["errors"] = result.Errors, ["rejected"] = report.Rejected },
            });
        }
        catch (BadHttpRequestException e) when (e.StatusCode == 413)
        {
            var most = request.HttpContext.Features.Get<Microsoft.AspNetCore.Http.Features.IHttpMaxRequestBodySizeFeature>()?.MaxRequestBodySize;
            return Problem(413, "Request too large", $"the body exceeds {most} bytes; split the batch");
        }
        catch (BadHttpRequestException e)
        {
            // A body that came too slowly (408) or ended before its length (400): nothing was read into the store.
            Log.BodyRefused(loggers.CreateLogger(typeof(IngestEndpoints).FullName!), user.Identity?.Name ?? "?",
                request.HttpContext.Connection.RemoteIpAddress?.ToString() ?? "?", e.StatusCode, e.Message);
            request.HttpContext.Response.Headers.Connection = "close";
            return Problem(e.StatusCode, e.StatusCode == 408 ? "Request timed out" : "Bad request",
                e.StatusCode == 408 ? $"the body arrived too slowly and was cut off ({e.Message}); nothing was stored" : $"{e.Message}; nothing was stored");
        }
    }

    private static DeclarationFormat FromContentType(string? contentType)
    {
        var media = contentType?.Split(';')[0].Trim().ToLowerInvariant();
        return media switch
        {
            "application/json" or "application/x-ndjson" or "application/ndjson" => DeclarationFormat.Json,
            "application/xml" or "text/xml" => DeclarationFormat.WcoXml,
            "application/edifact" or "application/edi-x12" => DeclarationFormat.Edifact,
            "text/csv" => DeclarationFormat.Csv,
            _ => DeclarationFormat.Auto,
        };
    }

    private static ProblemHttpResult Problem(int status, string title, string detail) =>
        TypedResults.Problem(detail, statusCode: status, title: title);
}
