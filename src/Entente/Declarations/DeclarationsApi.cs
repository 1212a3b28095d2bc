using System.Globalization;
using System.Security.Claims;
using Entente.Access;
using Entente.Ingest;
using Entente.Ingest.Csv;
using Entente.Nodes;
using Entente.Risk.Assessment;
using Entente.Storage;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Entente.Declarations;

/// <summary>A stored declaration as the API shows it; <see cref="Withheld"/> lists the personal data left out and <see cref="Notice"/> says how to read it.</summary>
public sealed record DeclarationEnvelope(string Id, string Status, DateTimeOffset ReceivedAt, string Format, string SourceFile, Declaration Declaration)
{
    public IReadOnlyList<string>? Withheld { get; init; }

    public string? Notice { get; init; }
}

/// <summary>A page of search hits; party identifiers withheld unless a purpose was stated.</summary>
public sealed record SearchResult(IReadOnlyList<DeclarationListing> Items, string? Next, string? Notice);

public sealed record IngestErrorDto(string File, long? Line, string Path, string Message);

public sealed record IngestResult(long Accepted, long Rejected, long Duplicates, IReadOnlyList<IngestErrorDto> Errors, IReadOnlyList<IngestErrorDto> DuplicateRecords)
{
    /// <summary>Declarations the risk desk assessed after the ingest (when a rule set or model is in service).</summary>
    public long? Assessed { get; init; }

    public static IngestResult From(IngestReport report) => new(
        report.Accepted, report.Rejected, report.Duplicates,
        report.Errors.Select(ToDto).ToList(), report.DuplicateRecords.Select(ToDto).ToList());

    public static IngestErrorDto ToDto(IngestError e) =>
        new(e.File, e.Line, e.Segment is { } s && !e.Path.StartsWith("segment", StringComparison.Ordinal) ? $"segment {s}: {e.Path}" : e.Path, e.Message);
}

public sealed record StatusChangeRequest(string Status, string? Reason);

public sealed record StatusChangeResponse(string Id, string From, string To);

public sealed record HistoryEntry(DateTimeOffset At, string? From, string To, string Actor, string? Reason);

public static class DeclarationsApi
{
    public static IEndpointRouteBuilder MapDeclarationsApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/declarations").WithTags("Declarations");

        api.MapPost("/", Submit).RequireAuthorization(AccessPolicies.Submit).DisableAntiforgery()
            .WithSummary("Submit one or a batch of declarations (WCO XML, EDIFACT CUSDEC, JSON or CSV with ?mapping=NAME)")
            .Accepts<Declaration>("application/json", "application/x-ndjson", "application/xml", "application/edifact", "text/csv");
        api.MapGet("/", Search).RequireAuthorization(AccessPolicies.Read).WithSummary("Search declarations");
        api.MapGet("/{reference}", Get).RequireAuthorization(AccessPolicies.Read).WithSummary("Get a declaration by id, MRN or LRN");
        api.MapGet("/{reference}/history", History).RequireAuthorization(AccessPolicies.Read).WithSummary("Status history of a declaration");
        api.MapPost("/{reference}/status", ChangeStatus).RequireAuthorization(AccessPolicies.ChangeStatus)
            .WithSummary("Move a declaration to a new lifecycle status (01 accepted, 05 control, 08 released, 09 cleared...)");
        app.MapGet("/api/summary", Summary).RequireAuthorization(AccessPolicies.Read).WithTags("Declarations")
            .WithSummary("Counts, top HS chapters and origins, declared value");
        return app;
    }

    private static async Task<Results<Ok<IngestResult>, ProblemHttpResult>> Submit(
        HttpRequest request, IDeclarationStore store, IOptions<NodeOptions> node, ClaimsPrincipal user, ILoggerFactory loggers,
        RiskDesk risk, RiskSettings riskSettings, string? format, string? mapping, bool? partial, CancellationToken cancellationToken)
    {
        var options = node.Value;
        var declaredFormat = DeclarationFormat.Auto;
        if (format is not null && !FormatDetector.TryParseName(format, out declaredFormat))
            return Problem(400, "Unknown format", $"format '{format}' is not one of auto, wco-xml, edifact, json, csv");
        if (declaredFormat == DeclarationFormat.Auto) declaredFormat = FromContentType(request.ContentType);

        CsvMapping? csvMapping = null;
        if (mapping is not null)
        {
            if (FindMapping(mapping, options) is not { } mappingPath)
                return Problem(400, "Unknown mapping", $"no mapping '{mapping}' in {options.MappingsPath} or among the mappings shipped with Entente");
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
            await using (var file = new FileStream(spool, FileMode.CreateNew, FileAccess.ReadWrite, FileShare.None, 1 << 16, FileOptions.DeleteOnClose))
            {
                await request.Body.CopyToAsync(file, cancellationToken);
                if (file.Length == 0) return Problem(400, "Empty request", "the request body holds no declaration");
                file.Position = 0;
                var ingest = new DeclarationIngest(store, loggers.CreateLogger<DeclarationIngest>());
                var name = request.Headers["X-File-Name"].ToString() is { Length: > 0 and < 200 } given ? Path.GetFileName(given) : "request";
                var report = await ingest.IngestStreamAsync(file, name,
                    new IngestOptions { Format = declaredFormat, Mapping = csvMapping, Partial = partial ?? false }, cancellationToken);
                var result = IngestResult.From(report);
                var logger = loggers.CreateLogger(typeof(DeclarationsApi).FullName!);
                var who = user.Identity?.Name ?? "?";
                if (report.Files.TrueForAll(f => f.Committed))
                {
                    Log.Submitted(logger, who, name, FormatDetector.Name(report.Files[0].Format), report.Accepted, report.Rejected, report.Duplicates);
                    if (report.Accepted > 0 && risk.AssessesOnIngest(riskSettings.AssessOnIngest))
                    {
                        // The declarations are stored whatever happens here: a targeting problem is the node's to fix, not the sender's.
                        try
                        {
                            result = result with { Assessed = await risk.AssessPendingAsync(cancellationToken: cancellationToken) };
                        }
                        catch (InvalidDataException e)
                        {
                            Log.AssessmentFailed(logger, name, e.Message);
                        }
                    }
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
        }
        catch (BadHttpRequestException e) when (e.StatusCode == 413)
        {
            return Problem(413, "Request too large", $"the body exceeds {options.MaxRequestBytes} bytes; split the batch");
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

    /// <summary>A mapping named by the API: from the node's mappings folder, else those shipped with Entente.</summary>
    public static string? FindMapping(string name, NodeOptions options)
    {
        if (name.Length is 0 or > 64 || !name.All(c => char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c) || c == '-')) return null;
        foreach (var folder in new[] { options.MappingsPath, Path.Combine(AppContext.BaseDirectory, "mappings") })
        {
            var path = Path.Combine(folder, name + ".yaml");
            if (File.Exists(path)) return path;
        }
        return null;
    }

    private static async Task<Results<Ok<SearchResult>, ProblemHttpResult>> Search(
        IDeclarationStore store, AccessRecorder recorder, ClaimsPrincipal principal, string? reference, string? party, string? hs, string? origin, string? from, string? to,
        string? container, string? status, int? limit, string? after, string? purpose, string? justification, CancellationToken cancellationToken)
    {
        var user = AccessPolicies.UserOf(principal);
        var access = PersonalData.Decide(user.Role!.Value, purpose, justification);
        var asked = recorder.Query("search declarations", [new("reference", reference), new("party", party), new("hs", hs), new("origin", origin),
            new("from", from), new("to", to), new("container", container), new("status", status), new("after", after)], "party");
        if (access.PurposeStated && !access.Allowed)
        {
            await recorder.RecordRefusalAsync(user, AccessRecorder.Api, purpose, access.Reason!, asked, cancellationToken);
            return Problem(403, "Personal data refused", access.Reason!);
        }
        // Searching by a party's identifier is itself a use of personal data.
        if (party is not null && !access.Allowed)
        {
            var reason = $"party: {PersonalData.Notice(user.Role!.Value)}";
            await recorder.RecordRefusalAsync(user, AccessRecorder.Api, purpose, reason, asked, cancellationToken);
            return Problem(403, "Personal data refused", reason);
        }
        DateOnly? fromDate = null, toDate = null;
        if (from is not null)
        {
            if (!DateOnly.TryParseExact(from, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var f))
                return Problem(400, "Bad query", $"from: expected a date yyyy-MM-dd, got '{from}'");
            fromDate = f;
        }
        if (to is not null)
        {
            if (!DateOnly.TryParseExact(to, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var t))
                return Problem(400, "Bad query", $"to: expected a date yyyy-MM-dd, got '{to}'");
            toDate = t;
        }
        DeclarationStatus? statusFilter = null;
        if (status is not null)
        {
            if (!DeclarationLifecycle.TryParse(status, out var s)) return Problem(400, "Bad query", $"status: '{status}' is not a declaration status");
            statusFilter = s;
        }
        if (hs is not null && !hs.All(char.IsAsciiDigit)) return Problem(400, "Bad query", $"hs: expected the leading digits of a commodity code, got '{hs}'");
        if (limit is < 1 or > 1000) return Problem(400, "Bad query", "limit: expected 1 to 1000");
        var page = await store.SearchAsync(new DeclarationQuery
        {
            Reference = reference,
            PartyId = party,
            HsPrefix = hs,
            OriginCountryCode = origin?.ToUpperInvariant(),
            From = fromDate,
            To = toDate,
            ContainerId = container?.ToUpperInvariant(),
            Status = statusFilter,
            Limit = limit ?? 50,
            After = after,
        }, cancellationToken);
        if (!access.Allowed) return TypedResults.Ok(new SearchResult(page.Items.Select(PersonalData.Withhold).ToList(), page.Next, PersonalData.Notice(user.Role!.Value)));
        await recorder.RecordReadAsync(user, AccessRecorder.Api, access, asked,
            page.Items.Select(i => (i.Id, (IEnumerable<string>)new[] { i.DeclarantId, i.ImporterId }.OfType<string>().ToArray())).ToList(), cancellationToken);
        return TypedResults.Ok(new SearchResult(page.Items, page.Next, null));
    }

    private static async Task<Results<Ok<DeclarationEnvelope>, ProblemHttpResult>> Get(
        string reference, string? purpose, string? justification, IDeclarationStore store, AccessRecorder recorder, ClaimsPrincipal principal,
        CancellationToken cancellationToken)
    {
        var user = AccessPolicies.UserOf(principal);
        var access = PersonalData.Decide(user.Role!.Value, purpose, justification);
        var asked = recorder.Query("get declaration", [new("reference", reference)]);
        if (access.PurposeStated && !access.Allowed)
        {
            await recorder.RecordRefusalAsync(user, AccessRecorder.Api, purpose, access.Reason!, asked, cancellationToken);
            return Problem(403, "Personal data refused", access.Reason!);
        }
        var stored = await store.FindAsync(reference, cancellationToken);
        if (stored is null) return Problem(404, "Not found", $"no declaration with id, MRN or LRN '{reference}'");
        if (access.Allowed)
        {
            await recorder.RecordReadAsync(user, AccessRecorder.Api, access, asked,
                [(stored.Declaration.Id!, stored.Declaration.Parties.Select(p => p.Id).OfType<string>())], cancellationToken);
            return TypedResults.Ok(ToEnvelope(stored));
        }
        var (withheld, pointers) = PersonalData.Withhold(stored.Declaration);
        return TypedResults.Ok(ToEnvelope(stored) with
        {
            Declaration = withheld,
            Withheld = pointers,
            Notice = pointers.Count > 0 ? PersonalData.Notice(user.Role!.Value) : null,
        });
    }

    public static DeclarationEnvelope ToEnvelope(StoredDeclaration stored) => new(
        stored.Declaration.Id!, DeclarationLifecycle.ToName(stored.Declaration.Status), stored.ReceivedAt,
        FormatDetector.Name(stored.Format), stored.SourceFile, stored.Declaration);

    private static async Task<Results<Ok<IReadOnlyList<HistoryEntry>>, ProblemHttpResult>> History(string reference, IDeclarationStore store, CancellationToken cancellationToken)
    {
        var stored = await store.FindAsync(reference, cancellationToken);
        if (stored is null) return Problem(404, "Not found", $"no declaration with id, MRN or LRN '{reference}'");
        var history = await store.GetHistoryAsync(stored.Declaration.Id!, cancellationToken);
        return TypedResults.Ok<IReadOnlyList<HistoryEntry>>(history
            .Select(h => new HistoryEntry(h.At, h.From is { } f ? DeclarationLifecycle.ToName(f) : null, DeclarationLifecycle.ToName(h.To), h.Actor, h.Reason))
            .ToList());
    }

    private static async Task<Results<Ok<StatusChangeResponse>, ProblemHttpResult>> ChangeStatus(
        string reference, StatusChangeRequest body, IDeclarationStore store, ClaimsPrincipal user, ILoggerFactory loggers, CancellationToken cancellationToken)
    {
        if (body.Status is null || !DeclarationLifecycle.TryParse(body.Status, out var to))
            return Problem(400, "Unknown status", $"status: '{body.Status}' is not a declaration status; use a notification code (01, 05, 08, 09...) or a name (accepted, control, goods-released, cleared...)");
        if (body.Reason is { Length: > 1000 }) return Problem(400, "Reason too long", "reason: at most 1000 characters");
        var stored = await store.FindAsync(reference, cancellationToken);
        if (stored is null) return Problem(404, "Not found", $"no declaration with id, MRN or LRN '{reference}'");
        var change = await store.ChangeStatusAsync(stored.Declaration.Id!, to, user.Identity?.Name ?? "?", body.Reason, cancellationToken);
        if (!change.Found) return Problem(404, "Not found", $"no declaration '{reference}'");
        if (!change.Allowed)
        {
            var allowed = string.Join(", ", DeclarationLifecycle.AllowedFrom(change.From!.Value).Select(DeclarationLifecycle.ToName));
            return Problem(409, "Status move not allowed",
                $"a declaration cannot move from {DeclarationLifecycle.ToName(change.From.Value)} to {DeclarationLifecycle.ToName(to)}; allowed: {(allowed.Length > 0 ? allowed : "none (final status)")}");
        }
        Log.StatusMoved(loggers.CreateLogger(typeof(DeclarationsApi).FullName!), user.Identity?.Name ?? "?", stored.Declaration.Id!,
            DeclarationLifecycle.ToName(change.From!.Value), DeclarationLifecycle.ToName(to));
        return TypedResults.Ok(new StatusChangeResponse(stored.Declaration.Id!, DeclarationLifecycle.ToName(change.From!.Value), DeclarationLifecycle.ToName(to)));
    }

    private static async Task<Ok<DeclarationSummary>> Summary(IDeclarationStore store, CancellationToken cancellationToken) =>
        TypedResults.Ok(await store.SummariseAsync(10, cancellationToken));

    private static ProblemHttpResult Problem(int status, string title, string detail) =>
        TypedResults.Problem(detail, statusCode: status, title: title);
}
