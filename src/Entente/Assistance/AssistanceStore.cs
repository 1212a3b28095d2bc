using System.Data.Common;
using System.Globalization;
using System.Text.Json.Nodes;
using Entente.Agreements;
using Entente.Storage;

namespace Entente.Assistance;

/// <summary>Which requests a list shows: all, only those open past their answer-by time, of one status or role.</summary>
public sealed record AssistanceFilter(bool OverdueOnly = false, AssistanceStatus? Status = null, AssistanceRole? Role = null, int Limit = 100);

/// <summary>A request as lists show it.</summary>
public sealed record AssistanceSummary(
    string Id, AssistanceRole Role, string Applicant, string Requested, string AgreementId, Purpose Purpose, string CaseReference,
    AssistanceStatus Status, DateTimeOffset CreatedAt, DateTimeOffset? AnswerBy, bool Overdue);

/// <summary>The tables of migration 0008_assistance on either provider; callers hold the connection and transaction.</summary>
internal static class AssistanceStore
{
    public static async Task<AssistanceRequest?> LoadAsync(NodeDatabase database, DbConnection connection, DbTransaction? transaction, string id, bool lockIt, CancellationToken cancellationToken)
    {
        if (lockIt && database.IsPostgres)
        {
            await using var locking = NodeDatabase.Command(connection, transaction, "SELECT id FROM assistance_requests WHERE id = @id FOR UPDATE", ("@id", id));
            await locking.ExecuteScalarAsync(cancellationToken);
        }
        await using var command = NodeDatabase.Command(connection, transaction, "SELECT message FROM assistance_messages WHERE request_id = @id ORDER BY seq", ("@id", id));
        var messages = new List<AssistanceMessage>();
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken))
        {
            while (await reader.ReadAsync(cancellationToken))
                messages.Add(AssistanceMessage.FromJson(JsonNode.Parse(reader.GetString(0))!.AsObject()));
        }
        return messages.Count == 0 ? null : AssistanceRequest.Replay(messages);
    }

    /// <summary>Stores a new request with its first message; false when a request with this id exists already.</summary>
    public static async Task<bool> InsertAsync(NodeDatabase database, DbConnection connection, DbTransaction transaction, AssistanceRequest request, AssistanceRole role, CancellationToken cancellationToken)
    {
        await using var insert = NodeDatabase.Command(connection, transaction,
            """
            INSERT INTO assistance_requests (id, role, applicant, requested, agreement_id, purpose, case_reference, status, created_at, answer_by, updated_at)
            VALUES (@id, @role, @applicant, @requested, @agreement, @purpose, @case, @status, @created, @answerBy, @updated)
            ON CONFLICT (id) DO NOTHING
            """,
            ("@id", request.Id), ("@role", PolicyEngine.Name(role)), ("@applicant", request.Applicant), ("@requested", request.Requested),
            ("@agreement", request.Agreement.Id), ("@purpose", PolicyEngine.Name(request.Purpose)), ("@case", request.CaseReference),
            ("@status", PolicyEngine.Name(request.Status)), ("@created", Time(database, request.CreatedAt)), ("@answerBy", Time(database, request.AnswerBy)),
            ("@updated", Time(database, request.History[^1].At)));
        if (await insert.ExecuteNonQueryAsync(cancellationToken) == 0) return false;
        await InsertMessageAsync(database, connection, transaction, request, cancellationToken);
        return true;
    }

    /// <summary>Stores the request's last message and its new status.</summary>
    public static async Task AppendAsync(NodeDatabase database, DbConnection connection, DbTransaction transaction, AssistanceRequest request, CancellationToken cancellationToken)
    {
        await InsertMessageAsync(database, connection, transaction, request, cancellationToken);
        await using var update = NodeDatabase.Command(connection, transaction,
            "UPDATE assistance_requests SET status = @status, updated_at = @updated WHERE id = @id",
            ("@id", request.Id), ("@status", PolicyEngine.Name(request.Status)), ("@updated", Time(database, request.History[^1].At)));
        await update.ExecuteNonQueryAsync(cancellationToken);
    }

    private static async Task InsertMessageAsync(NodeDatabase database, DbConnection connection, DbTransaction transaction, AssistanceRequest request, CancellationToken cancellationToken)
    {
        var message = request.History[^1];
        await using var insert = NodeDatabase.Command(connection, transaction,
            "INSERT INTO assistance_messages (request_id, seq, kind, sender, at, digest, message) VALUES (@id, @seq, @kind, @sender, @at, @digest, @message)",
            ("@id", request.Id), ("@seq", request.History.Count), ("@kind", PolicyEngine.Name(message.Kind)), ("@sender", message.From),
            ("@at", Time(database, message.At)), ("@digest", message.Digest), ("@message", message.ToJson().ToJsonString()));
        await insert.ExecuteNonQueryAsync(cancellationToken);
    }

    public static async Task<IReadOnlyList<AssistanceSummary>> ListAsync(NodeDatabase database, AssistanceFilter filter, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var where = new List<string>();
        var parameters = new List<(string, object?)> { ("@limit", Math.Clamp(filter.Limit, 1, 10_000)) };
        if (filter.OverdueOnly)
        {
            where.Add("status IN ('sent', 'acknowledged', 'partially-answered') AND answer_by IS NOT NULL AND answer_by < @now");
            parameters.Add(("@now", Time(database, now)));
        }
        if (filter.Status is { } status)
        {
            where.Add("status = @status");
            parameters.Add(("@status", PolicyEngine.Name(status)));
        }
        if (filter.Role is { } role)
        {
            where.Add("role = @role");
            parameters.Add(("@role", PolicyEngine.Name(role)));
        }
        var sql = "SELECT id, role, applicant, requested, agreement_id, purpose, case_reference, status, created_at, answer_by FROM assistance_requests"
            + (where.Count > 0 ? " WHERE " + string.Join(" AND ", where) : "") + " ORDER BY created_at DESC, id LIMIT @limit";
        await using var connection = await database.ConnectAsync(cancellationToken);
        await using var command = NodeDatabase.Command(connection, null, sql, [.. parameters]);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var list = new List<AssistanceSummary>();
        while (await reader.ReadAsync(cancellationToken))
        {
            AgreementDocument.TryEnum<AssistanceRole>(reader.GetString(1), out var r);
            AgreementDocument.TryEnum<Purpose>(reader.GetString(5), out var purpose);
            AgreementDocument.TryEnum<AssistanceStatus>(reader.GetString(7), out var s);
            var answerBy = reader.IsDBNull(9) ? (DateTimeOffset?)null : ReadTime(reader, 9);
            var open = s is AssistanceStatus.Sent or AssistanceStatus.Acknowledged or AssistanceStatus.PartiallyAnswered;
            list.Add(new AssistanceSummary(reader.GetString(0), r, reader.GetString(2), reader.GetString(3), reader.GetString(4), purpose, reader.GetString(6),
                s, ReadTime(reader, 8), answerBy, open && answerBy is { } by && now > by));
        }
        return list;
    }

    private static object? Time(NodeDatabase database, DateTimeOffset? t) =>
        t is not { } value ? null : database.IsPostgres ? value.ToUniversalTime() : AssistanceText.Time(value);

    private static DateTimeOffset ReadTime(DbDataReader reader, int i) =>
        reader.GetFieldType(i) == typeof(string)
            ? DateTimeOffset.Parse(reader.GetString(i), CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal)
            : reader.GetFieldValue<DateTimeOffset>(i);
}
