using System.Text.Json;
using System.Text.Json.Nodes;
using Entente.Storage;

namespace Entente.Intelligence.Networks;

/// <summary>A consignment where something was found: the declaration (by id or MRN) and/or container it concerns, and where we know it from.</summary>
public sealed record SeizedConsignment(string Reference, string Source, string? DeclarationId, string? Mrn, string? Container, DateTimeOffset? At);

/// <summary>
/// Where the network learns what was seized. Today: seizure reports (recorded here, or received from partners) and
/// inspection outcomes that found something (an officer's, or a historical label); structured seizures plug in here.
/// </summary>
public interface ISeizureSource
{
    IAsyncEnumerable<SeizedConsignment> ReadAsync(CancellationToken cancellationToken = default);

    /// <summary>How many seizure records the source holds (cheap): the network rebuilds when it changes.</summary>
    Task<long> CountAsync(CancellationToken cancellationToken = default);
}

/// <summary>The seizures the node's database holds, from every feature that records one (read-only).</summary>
public sealed class StoredSeizures(NodeDatabase database) : ISeizureSource
{
    public const string SeizureReport = "seizure-report";

    public async Task<long> CountAsync(CancellationToken cancellationToken = default)
    {
        await using var connection = await database.ConnectAsync(cancellationToken);
        await using var command = NodeDatabase.Command(connection, null,
            "SELECT (SELECT count(*) FROM shared_records WHERE kind = @kind) + (SELECT count(*) FROM inbox WHERE kind = @kind AND erased_at IS NULL) + " +
            "(SELECT count(*) FROM inspection_outcomes WHERE CAST(found AS INTEGER) <> 0) + (SELECT count(*) FROM inspection_labels WHERE CAST(fraud AS INTEGER) <> 0)",
            ("@kind", SeizureReport));
        return Convert.ToInt64(await command.ExecuteScalarAsync(cancellationToken), System.Globalization.CultureInfo.InvariantCulture);
    }

    public async IAsyncEnumerable<SeizedConsignment> ReadAsync([System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        await using var connection = await database.ConnectAsync(cancellationToken);
        // Seizure reports recorded here, then those partners sent (payloads still held).
        await using (var own = NodeDatabase.Command(connection, null, "SELECT id, document FROM shared_records WHERE kind = @kind", ("@kind", SeizureReport)))
        await using (var reader = await own.ExecuteReaderAsync(cancellationToken))
        {
            while (await reader.ReadAsync(cancellationToken))
                if (FromReport(reader.GetString(0), "seizure report", reader.GetString(1)) is { } s) yield return s;
        }
        await using (var received = NodeDatabase.Command(connection, null,
            "SELECT message_id, sender, payload FROM inbox WHERE kind = @kind AND erased_at IS NULL", ("@kind", SeizureReport)))
        await using (var reader = await received.ExecuteReaderAsync(cancellationToken))
        {
            while (await reader.ReadAsync(cancellationToken))
                if (FromReport(reader.GetString(0), $"seizure report from {reader.GetString(1)}", reader.GetString(2)) is { } s) yield return s;
        }
        await using (var outcomes = NodeDatabase.Command(connection, null,
            "SELECT id, declaration_id, recorded_at, what FROM inspection_outcomes WHERE CAST(found AS INTEGER) <> 0"))
        await using (var reader = await outcomes.ExecuteReaderAsync(cancellationToken))
        {
            while (await reader.ReadAsync(cancellationToken))
                yield return new SeizedConsignment("inspection-" + reader.GetInt64(0), "inspection outcome" + (reader.IsDBNull(3) ? "" : ": " + reader.GetString(3)),
                    reader.GetString(1), null, null, reader.GetFieldValue<DateTimeOffset>(2));
        }
        await using (var labels = NodeDatabase.Command(connection, null,
            "SELECT d.id FROM inspection_labels l JOIN declarations d ON d.key = l.declaration_key WHERE CAST(l.fraud AS INTEGER) <> 0"))
        await using (var reader = await labels.ExecuteReaderAsync(cancellationToken))
        {
            while (await reader.ReadAsync(cancellationToken))
                yield return new SeizedConsignment("label-" + reader.GetString(0), "historical inspection label (fraud)", reader.GetString(0), null, null, null);
        }
    }

    /// <summary>A seizure report's document ({"seizure": {id, container, mrn or declaration...}}), null when it names no consignment.</summary>
    public static SeizedConsignment? FromReport(string id, string source, string json)
    {
        JsonNode? document;
        try
        {
            document = JsonNode.Parse(json);
        }
        catch (JsonException)
        {
            return null;
        }
        if (document?["seizure"] is not JsonObject seizure) return null;
        string? Text(string name) => seizure[name] is JsonValue v && v.TryGetValue<string>(out var s) && !string.IsNullOrWhiteSpace(s) ? s.Trim() : null;
        var container = Text("container");
        var mrn = Text("mrn") ?? Text("declaration");
        var declarationId = Text("declarationId");
        if (container is null && mrn is null && declarationId is null) return null;
        DateTimeOffset? at = DateTimeOffset.TryParse(Text("seizedAt"), System.Globalization.CultureInfo.InvariantCulture, System.Globalization.DateTimeStyles.AssumeUniversal, out var t) ? t : null;
        return new SeizedConsignment(Text("id") ?? id, source, declarationId, mrn, container, at);
    }
}
