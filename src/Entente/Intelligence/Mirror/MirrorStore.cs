using System.Data.Common;
using System.Text.Json;
using Entente.Declarations;
using Entente.Storage;

namespace Entente.Intelligence.Mirror;

/// <summary>One stored pair: the import here, the partner's export (as received), both sides' totals and the discrepancies.</summary>
public sealed record MirrorPairRecord(
    string ImportId, string Partner, string MessageId, string? ExportMrn, string Key, DateTimeOffset MatchedAt, string Month, string? Hs6, string? Currency,
    decimal? ExportValue, decimal? ImportValue, decimal? ExportMass, decimal? ImportMass, IReadOnlyList<MirrorDiscrepancy> Discrepancies);

/// <summary>
/// The mirror pairs on both databases, and the discrepancies written into the import declaration as findings (its
/// document and the findings side table, earlier <c>mirror-*</c> findings replaced), inside the caller's transaction.
/// </summary>
internal static class MirrorStore
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    public static async Task SaveAsync(NodeDatabase database, DbConnection connection, DbTransaction transaction, MirrorPairRecord pair, CancellationToken cancellationToken)
    {
        await using (var clear = NodeDatabase.Command(connection, transaction, "DELETE FROM mirror_pairs WHERE import_id = @id", ("@id", pair.ImportId)))
            await clear.ExecuteNonQueryAsync(cancellationToken);
        await using (var insert = NodeDatabase.Command(connection, transaction,
            "INSERT INTO mirror_pairs (import_id, partner, message_id, export_mrn, match_key, matched_at, month, hs6, currency, export_value, import_value, " +
            "export_mass, import_mass, discrepancies, codes) VALUES (@id, @partner, @message, @mrn, @key, @at, @month, @hs6, @currency, @ev, @iv, @em, @im, @d, @codes)",
            ("@id", pair.ImportId), ("@partner", pair.Partner), ("@message", pair.MessageId), ("@mrn", pair.ExportMrn), ("@key", pair.Key), ("@at", pair.MatchedAt),
            ("@month", pair.Month), ("@hs6", pair.Hs6), ("@currency", pair.Currency), ("@ev", pair.ExportValue), ("@iv", pair.ImportValue), ("@em", pair.ExportMass),
            ("@im", pair.ImportMass), ("@d", JsonSerializer.Serialize(pair.Discrepancies, Json)), ("@codes", string.Join(' ', pair.Discrepancies.Select(d => d.Code).Distinct()))))
        {
            NullsAsText(database, insert);
            await insert.ExecuteNonQueryAsync(cancellationToken);
        }
        await WriteFindingsAsync(database, connection, transaction, pair.ImportId, pair.Discrepancies, cancellationToken);
    }

    /// <summary>Replaces the import declaration's <c>mirror-*</c> findings by <paramref name="discrepancies"/>, in its document and in the side table search uses.</summary>
    private static async Task WriteFindingsAsync(NodeDatabase database, DbConnection connection, DbTransaction transaction, string id, IReadOnlyList<MirrorDiscrepancy> discrepancies,
        CancellationToken cancellationToken)
    {
        long key;
        string document;
        await using (var read = NodeDatabase.Command(connection, transaction, "SELECT key, document FROM declarations WHERE id = @id", ("@id", id)))
        await using (var reader = await read.ExecuteReaderAsync(cancellationToken))
        {
            if (!await reader.ReadAsync(cancellationToken)) return;
            key = reader.GetInt64(0);
            document = reader.GetString(1);
        }
        var declaration = EntenteJson.Deserialize(document);
        var findings = (declaration.Findings ?? []).Where(f => !f.Code.StartsWith("mirror-", StringComparison.Ordinal)).ToList();
        findings.AddRange(discrepancies.Select(d => new Finding(d.Code, d.Path, d.Message)));
        declaration.Findings = findings.Count == 0 ? null : findings;
        await using (var update = NodeDatabase.Command(connection, transaction, "UPDATE declarations SET document = @document WHERE key = @key",
            ("@document", EntenteJson.Serialize(declaration)), ("@key", key)))
            await update.ExecuteNonQueryAsync(cancellationToken);
        await using (var clear = NodeDatabase.Command(connection, transaction, "DELETE FROM declaration_findings WHERE declaration_key = @key AND code LIKE 'mirror-%'", ("@key", key)))
            await clear.ExecuteNonQueryAsync(cancellationToken);
        foreach (var code in discrepancies.Select(d => d.Code).Distinct(StringComparer.Ordinal))
        {
            await using var insert = NodeDatabase.Command(connection, transaction, "INSERT INTO declaration_findings (code, declaration_key) VALUES (@code, @key)", ("@code", code), ("@key", key));
            await insert.ExecuteNonQueryAsync(cancellationToken);
        }
    }

    public static async Task<IReadOnlyList<MirrorPairRecord>> ListAsync(NodeDatabase database, string? partner, bool discrepanciesOnly, int limit, CancellationToken cancellationToken)
    {
        await using var connection = await database.ConnectAsync(cancellationToken);
        await using var command = NodeDatabase.Command(connection, null,
            "SELECT import_id, partner, message_id, export_mrn, match_key, matched_at, month, hs6, currency, export_value, import_value, export_mass, import_mass, discrepancies " +
            "FROM mirror_pairs WHERE (@partner IS NULL OR partner = @partner) AND (@only = 0 OR codes <> '') ORDER BY month DESC, import_id LIMIT @limit",
            ("@partner", partner), ("@only", discrepanciesOnly ? 1 : 0), ("@limit", limit));
        NullsAsText(database, command);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var list = new List<MirrorPairRecord>();
        while (await reader.ReadAsync(cancellationToken))
        {
            list.Add(new MirrorPairRecord(reader.GetString(0), reader.GetString(1), reader.GetString(2), Text(reader, 3), reader.GetString(4),
                reader.GetFieldValue<DateTimeOffset>(5), reader.GetString(6), Text(reader, 7), Text(reader, 8), Number(reader, 9), Number(reader, 10), Number(reader, 11),
                Number(reader, 12), JsonSerializer.Deserialize<MirrorDiscrepancy[]>(reader.GetString(13), Json) ?? []));
        }
        return list;
    }

    private static string? Text(DbDataReader reader, int i) => reader.IsDBNull(i) ? null : reader.GetString(i);

    private static decimal? Number(DbDataReader reader, int i) => reader.IsDBNull(i) ? null : Convert.ToDecimal(reader.GetValue(i), System.Globalization.CultureInfo.InvariantCulture);

    private static void NullsAsText(NodeDatabase database, DbCommand command)
    {
        if (!database.IsPostgres) return;
        foreach (DbParameter p in command.Parameters)
            if (p.Value is DBNull) ((Npgsql.NpgsqlParameter)p).NpgsqlDbType = p.ParameterName is "@ev" or "@iv" or "@em" or "@im" ? NpgsqlTypes.NpgsqlDbType.Numeric : NpgsqlTypes.NpgsqlDbType.Text;
    }
}
