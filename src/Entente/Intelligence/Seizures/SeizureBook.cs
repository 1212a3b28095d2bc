using System.Data.Common;
using System.Globalization;
using System.Text.Json.Nodes;
using Entente.Access;
using Entente.Common;
using Entente.Exchange;
using Entente.Ledger;
using Entente.Sharing;
using Entente.Storage;

namespace Entente.Intelligence.Seizures;

/// <summary>A seizure as listed: own or a partner's, its facts; never its offenders (personal data: <see cref="SeizureBook.ShowAsync"/>).</summary>
public sealed record SeizureListing(SeizureFacts Facts, DateTimeOffset RecordedAt, string Source, string? RecordId, string? MessageId, string? Agreement, DateTimeOffset? RetainUntil, int Offenders);

/// <summary>One seizure as a reader sees it: the document (offenders left out without an allowed purpose, <see cref="Withheld"/>), and where it came from.</summary>
public sealed record SeizureView(SeizureListing Listing, JsonObject Document)
{
    public IReadOnlyList<string>? Withheld { get; init; }

    public string? Notice { get; init; }
}

/// <summary>What an add or import did: the seizures recorded (each with its pushes), or every problem, nothing stored.</summary>
public abstract record SeizureOutcome
{
    public sealed record Recorded(IReadOnlyList<StoredRecord> Records) : SeizureOutcome;

    public sealed record Invalid(IReadOnlyList<FieldError> Errors) : SeizureOutcome;
}

public abstract record SeizureRead
{
    public sealed record Read(SeizureView View) : SeizureRead;

    public sealed record Refused(string Reason) : SeizureRead;

    public sealed record NotFound(string Id) : SeizureRead;
}

/// <summary>Which seizures: category, origin (this node or a partner's code), from/to month (yyyy-MM), at most <see cref="Limit"/>.</summary>
public sealed record SeizureFilter(string? Category = null, string? Origin = null, string? From = null, string? To = null, int Limit = 1000);

/// <summary>
/// The node's seizures (docs/intelligence.md), the use case behind POST /api/seizures, /api/seizures/imports and
/// `entente seizure add|import|list|show`: a seizure is checked (the seizure-report structure, its id not yet
/// recorded), recorded as a seizure-report (which the agreements' subscriptions push to partners) and kept with its
/// analytics columns; a batch or an import is all checked first, and stores nothing when one is wrong. Seizures
/// partners pushed are read from the inbox, where they stay with their agreement until its retention erases them.
/// Offenders are personal data: shown only under a purpose the reader may state, each read in the ledger.
/// </summary>
public sealed class SeizureBook(string node, RecordDesk desk, NodeDatabase database, ExchangeStore exchange, AccessRecorder recorder)
{
    public const string Kind = "seizure-report";

    public string Node => node;

    /// <summary>Checks every document (<c>{"seizure": {...}}</c>, each with where it came from for the errors), then records them all, or none.</summary>
    public async Task<SeizureOutcome> AddAsync(IReadOnlyList<(JsonObject Document, string? File, long? Line)> documents, LocalUser user, string source, CancellationToken cancellationToken = default)
    {
        var errors = new List<FieldError>();
        var ids = new HashSet<string>(StringComparer.Ordinal);
        var known = await KnownIdsAsync(documents.Select(d => (d.Document["seizure"] as JsonObject) is { } b ? SeizureReport.Text(b, "id") : null).OfType<string>().ToList(), cancellationToken);
        foreach (var (document, file, line) in documents)
        {
            var problems = RecordShared.Check(RecordKind.SeizureReport, document);
            errors.AddRange(problems.Select(p => new FieldError(p.Field, p.Message) { File = file, Line = line }));
            if (problems.Count > 0 || document["seizure"] is not JsonObject body || SeizureReport.Text(body, "id") is not { } id) continue;
            if (!ids.Add(id)) errors.Add(new FieldError("/seizure/id", $"'{id}' is given twice") { File = file, Line = line });
            else if (known.Contains(id)) errors.Add(new FieldError("/seizure/id", $"seizure '{id}' is already recorded at {node}") { File = file, Line = line });
        }
        if (errors.Count > 0) return new SeizureOutcome.Invalid(errors);
        var actor = new LedgerActor(user.Name, user.Authority ?? node);
        var records = new List<StoredRecord>();
        foreach (var (document, _, _) in documents)
        {
            var record = await desk.RecordAsync(RecordKind.SeizureReport, document, actor, cancellationToken);
            await InsertAsync(record, source, cancellationToken);
            records.Add(record);
        }
        return new SeizureOutcome.Recorded(records);
    }

    /// <summary>An import through a mapping: every row read and checked (errors at file, line and column), then all recorded, or none.</summary>
    public Task<SeizureOutcome> ImportAsync(IReadOnlyList<SeizureImportRow> rows, LocalUser user, string file, CancellationToken cancellationToken = default)
    {
        var readErrors = rows.SelectMany(r => r.Errors.Select(e => e with { Path = e.Path.StartsWith('/') ? "/seizure" + e.Path : e.Path })).ToList();
        var checkErrors = new List<FieldError>();
        foreach (var row in rows)
        {
            var document = new JsonObject { ["seizure"] = row.Document.DeepClone() };
            foreach (var p in RecordShared.Check(RecordKind.SeizureReport, document))
            {
                var target = p.Field.StartsWith("/seizure", StringComparison.Ordinal) ? p.Field["/seizure".Length..] : p.Field;
                var column = row.Columns.FirstOrDefault(c => target == c.Key || target.StartsWith(c.Key + "/", StringComparison.Ordinal)).Value;
                checkErrors.Add(new FieldError(p.Field, column is null ? p.Message : $"column '{column}': {p.Message}") { File = row.File, Line = row.Line });
            }
        }
        if (readErrors.Count + checkErrors.Count > 0) return Task.FromResult<SeizureOutcome>(new SeizureOutcome.Invalid([.. readErrors, .. checkErrors]));
        return AddAsync(rows.Select(r => ((JsonObject)new JsonObject { ["seizure"] = r.Document.DeepClone() }, (string?)r.File, (long?)r.Line)).ToList(), user, file, cancellationToken);
    }

    /// <summary>Own seizures and partners' (not erased), newest first, filtered.</summary>
    public async Task<IReadOnlyList<SeizureListing>> ListAsync(SeizureFilter filter, CancellationToken cancellationToken = default)
    {
        var all = new List<SeizureListing>();
        if (filter.Origin is null || filter.Origin == node) all.AddRange((await OwnAsync(null, cancellationToken)).Select(o => o.Listing));
        if (filter.Origin != node) all.AddRange((await ReceivedAsync(cancellationToken)).Select(r => r.Listing).Where(r => filter.Origin is null || r.Facts.Origin == filter.Origin));
        return all.Where(s => (filter.Category is null || s.Facts.Category == filter.Category)
                && (filter.From is null || string.CompareOrdinal(s.Facts.Month, filter.From) >= 0)
                && (filter.To is null || string.CompareOrdinal(s.Facts.Month, filter.To) <= 0))
            .OrderByDescending(s => s.Facts.SeizedOn).ThenBy(s => s.Facts.Id, StringComparer.Ordinal).Take(filter.Limit).ToList();
    }

    /// <summary>The facts of every seizure held (own and partners'), for analytics.</summary>
    public async Task<IReadOnlyList<SeizureFacts>> FactsAsync(CancellationToken cancellationToken = default) =>
        [.. (await OwnAsync(null, cancellationToken)).Select(o => o.Listing.Facts), .. (await ReceivedAsync(cancellationToken)).Select(r => r.Listing.Facts)];

    /// <summary>
    /// One seizure by id (own) or by the message id a partner's arrived in; offenders only under a purpose the reader's
    /// role allows, with a justification, the read recorded in the ledger (a refusal too).
    /// </summary>
    public async Task<SeizureRead> ShowAsync(LocalUser user, string channel, string id, string? purpose, string? justification, CancellationToken cancellationToken = default)
    {
        var found = (await OwnAsync(id, cancellationToken)).FirstOrDefault();
        if (found.Document is null) found = (await ReceivedAsync(cancellationToken)).FirstOrDefault(r => r.Listing.MessageId == id || r.Listing.Facts.Id == id);
        var offenders = found.Document?["seizure"]?["offenders"] as JsonArray;
        var partyIds = offenders?.Select(o => (o as JsonObject) is { } x ? SeizureReport.Text(x, "id") ?? SeizureReport.Text(x, "name") : null).OfType<string>().ToArray() ?? [];
        var asked = recorder.Query("get seizure", [new("id", id)]);
        string Subject(string s) => "seizure:" + s;
        IReadOnlyList<(string, IEnumerable<string>)> about = found.Document is null ? [] : [(found.Listing.Facts.Id, partyIds)];
        if (purpose is not null || justification is not null)
        {
            var access = await recorder.CheckAsync(user, channel, purpose, justification, asked, about, cancellationToken, Subject);
            if (access.Refused) return new SeizureRead.Refused(access.Reason!);
            if (found.Document is null) return new SeizureRead.NotFound(id);
            if (access.Allowed)
            {
                await recorder.RecordReadAsync(user, channel, access, asked, about, cancellationToken, Subject);
                return new SeizureRead.Read(new SeizureView(found.Listing, found.Document));
            }
        }
        if (found.Document is null) return new SeizureRead.NotFound(id);
        var copy = (JsonObject)found.Document.DeepClone();
        if (offenders is null || offenders.Count == 0) return new SeizureRead.Read(new SeizureView(found.Listing, copy));
        ((JsonObject)copy["seizure"]!).Remove("offenders");
        return new SeizureRead.Read(new SeizureView(found.Listing, copy) { Withheld = ["/seizure/offenders"], Notice = PersonalData.NoticeFor(user) });
    }

    private async Task<HashSet<string>> KnownIdsAsync(IReadOnlyList<string> ids, CancellationToken cancellationToken)
    {
        var known = new HashSet<string>(StringComparer.Ordinal);
        await using var connection = await database.ConnectAsync(cancellationToken);
        foreach (var chunk in ids.Chunk(500))
        {
            var parameters = chunk.Select((id, i) => ($"@i{i}", (object?)id)).ToArray();
            await using var command = NodeDatabase.Command(connection, null, $"SELECT id FROM seizures WHERE id IN ({string.Join(", ", parameters.Select(p => p.Item1))})", parameters);
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken)) known.Add(reader.GetString(0));
        }
        return known;
    }

    private async Task InsertAsync(StoredRecord record, string source, CancellationToken cancellationToken)
    {
        var f = SeizureFacts.Of((JsonObject)record.Document["seizure"]!, node)!;
        await using var connection = await database.ConnectAsync(cancellationToken);
        await using var insert = NodeDatabase.Command(connection, null,
            "INSERT INTO seizures (id, record_id, recorded_at, recorded_by, source, seized_on, category, detail, quantity, unit, value, currency, place, detection, concealment, " +
            "transport_mode, departure, transit, destination, mrn, container, assessment_id, hit_id, document) VALUES (@id, @r, @at, @by, @src, @on, @cat, @detail, @q, @unit, @v, @cur, " +
            "@place, @det, @con, @mode, @dep, @transit, @dest, @mrn, @cont, @a, @hit, @doc)",
            ("@id", f.Id), ("@r", record.Id), ("@at", Iso(record.RecordedAt)), ("@by", record.RecordedBy), ("@src", source),
            ("@on", f.SeizedOn.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture)), ("@cat", f.Category), ("@detail", f.Detail), ("@q", f.Quantity), ("@unit", f.Unit),
            ("@v", f.Value), ("@cur", f.Currency), ("@place", f.Place), ("@det", f.Detection), ("@con", f.Concealment), ("@mode", f.TransportMode),
            ("@dep", f.Departure), ("@transit", f.Transit.Count == 0 ? null : string.Join(",", f.Transit)), ("@dest", f.Destination), ("@mrn", f.Mrn), ("@cont", f.Container),
            ("@a", f.AssessmentId), ("@hit", f.HitId), ("@doc", record.Document.ToJsonString()));
        Typed(insert);
        await insert.ExecuteNonQueryAsync(cancellationToken);
    }

    private async Task<List<(SeizureListing Listing, JsonObject Document)>> OwnAsync(string? id, CancellationToken cancellationToken)
    {
        await using var connection = await database.ConnectAsync(cancellationToken);
        await using var command = NodeDatabase.Command(connection, null,
            "SELECT recorded_at, source, record_id, document FROM seizures WHERE (@id IS NULL OR id = @id) ORDER BY seized_on DESC, id", ("@id", id));
        Typed(command);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var list = new List<(SeizureListing, JsonObject)>();
        while (await reader.ReadAsync(cancellationToken))
        {
            var document = (JsonObject)JsonNode.Parse(reader.GetString(3))!;
            var body = (JsonObject)document["seizure"]!;
            list.Add((new SeizureListing(SeizureFacts.Of(body, node)!, DateTimeOffset.Parse(reader.GetString(0), CultureInfo.InvariantCulture), reader.GetString(1), reader.GetString(2),
                null, null, null, (body["offenders"] as JsonArray)?.Count ?? 0), document));
        }
        return list;
    }

    /// <summary>Seizure reports partners pushed, as stored in the inbox (erased ones left out: their retention ran out).</summary>
    private async Task<List<(SeizureListing Listing, JsonObject Document)>> ReceivedAsync(CancellationToken cancellationToken)
    {
        var list = new List<(SeizureListing, JsonObject)>();
        foreach (var item in await exchange.ListInboxAsync(null, Kind, 100_000, cancellationToken))
        {
            if (item.ErasedAt is not null || JsonNode.Parse(item.Payload) is not JsonObject document || document["seizure"] is not JsonObject body) continue;
            if (SeizureFacts.Of(body, item.Sender) is not { } facts) continue;
            list.Add((new SeizureListing(facts, item.ReceivedAt, "partner", null, item.MessageId, item.AgreementId, item.RetainUntil, (body["offenders"] as JsonArray)?.Count ?? 0), document));
        }
        return list;
    }

    private void Typed(DbCommand command)
    {
        if (!database.IsPostgres) return;
        foreach (DbParameter p in command.Parameters)
        {
            if (p.Value is not DBNull) continue;
            ((Npgsql.NpgsqlParameter)p).NpgsqlDbType = p.ParameterName is "@q" or "@v" ? NpgsqlTypes.NpgsqlDbType.Double
                : p.ParameterName == "@a" ? NpgsqlTypes.NpgsqlDbType.Bigint : NpgsqlTypes.NpgsqlDbType.Text;
        }
    }

    public static string Iso(DateTimeOffset at) => at.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fffffff'Z'", CultureInfo.InvariantCulture);
}

/// <summary>
/// Seizure reports over the exchange: a partner's is checked on receipt against the same structure (a seizure time
/// generalised to the month is accepted); one that fails is refused with a signed negative receipt and changes
/// nothing. Accepted ones stay in the inbox, with their agreement and its retention.
/// </summary>
public static class SeizureExchange
{
    public static void Connect(ExchangeNode exchange) =>
        exchange.Handle(SeizureBook.Kind, (_, _, _) => Task.CompletedTask, CheckReceived);

    /// <summary>What is wrong with a received seizure report (naming the field), or null.</summary>
    public static string? CheckReceived(JsonObject payload)
    {
        if (payload["seizure"] is not JsonObject body) return "/seizure: expected the seizure";
        var problems = new List<RecordProblem>();
        SeizureReport.Check(body, "/seizure", problems);
        if (body["category"] is not null && (SeizureReport.Text(body, "category") is not { } category || !SeizureReport.Categories.Contains(category)))
            problems.Add(new("/seizure/category", $"expected one of {string.Join(", ", SeizureReport.Categories)}"));
        return problems.Count == 0 ? null : string.Join("; ", problems);
    }
}
