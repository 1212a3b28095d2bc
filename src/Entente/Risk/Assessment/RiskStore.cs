using System.Data.Common;
using System.Globalization;
using System.Text.Json;
using Entente.Declarations;
using Entente.Risk.Rules;
using Entente.Storage;

namespace Entente.Risk.Assessment;

/// <summary>What an officer found when a declaration was inspected.</summary>
/// <param name="DeclarationId">The node's id of the declaration.</param>
/// <param name="Found">Whether an irregularity was found.</param>
/// <param name="Critical">Whether it was a critical one (drugs, weapons, large-scale fraud): Critical Fraud in the KCS data.</param>
/// <param name="What">What was found, in words.</param>
/// <param name="Revenue">Duties and taxes recovered.</param>
public sealed record InspectionOutcome(string DeclarationId, bool Found, bool Critical = false, string? What = null, decimal? Revenue = null);

public sealed record RecordedOutcome(InspectionOutcome Outcome, DateTimeOffset RecordedAt, string RecordedBy);

/// <summary>Inspections and finds of one group (a lane, a rule, a model version, random or targeted).</summary>
public sealed record HitRate(string Group, long Assessed, long Inspected, long Found, long Critical, decimal Revenue)
{
    /// <summary>Finds per inspection; null before any inspection.</summary>
    public double? Rate => Inspected == 0 ? null : (double)Found / Inspected;
}

public sealed record LaneShare(Lane Lane, long Assessed, double Share, double? Expected);

public sealed record HitRates(
    long Assessed, IReadOnlyList<LaneShare> Lanes, IReadOnlyList<HitRate> ByLane, IReadOnlyList<HitRate> ByRule,
    IReadOnlyList<HitRate> ByModel, IReadOnlyList<HitRate> BySelection);

/// <summary>The risk tables (migration 0010) on both providers.</summary>
public sealed class RiskStore(NodeDatabase database)
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    public async Task SaveAsync(IReadOnlyList<RiskAssessment> assessments, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.ConnectAsync(cancellationToken);
        await using var transaction = await database.BeginWriteAsync(connection, cancellationToken);
        foreach (var a in assessments)
        {
            await using var insert = NodeDatabase.Command(connection, transaction,
                "INSERT INTO risk_assessments (declaration_id, assessed_at, score, lane, random_selection, rule_set, model, probability, reasons) " +
                "VALUES (@d, @at, @s, @l, @r, @rs, @m, @p, @why) RETURNING id",
                ("@d", a.DeclarationId ?? throw new ArgumentException("only a stored declaration's assessment is saved")), ("@at", a.AssessedAt),
                ("@s", a.Score), ("@l", RiskEngine.Name(a.Lane)), ("@r", a.RandomlySelected), ("@rs", a.RuleSet), ("@m", a.Model),
                ("@p", a.Probability), ("@why", JsonSerializer.Serialize(a.Reasons, Json)));
            var id = Convert.ToInt64(await insert.ExecuteScalarAsync(cancellationToken), CultureInfo.InvariantCulture);
            foreach (var rule in a.FiredRules.Distinct())
            {
                await using var fired = NodeDatabase.Command(connection, transaction,
                    "INSERT INTO risk_assessment_rules (rule_id, assessment_id) VALUES (@r, @a)", ("@r", rule), ("@a", id));
                await fired.ExecuteNonQueryAsync(cancellationToken);
            }
        }
        await transaction.CommitAsync(cancellationToken);
    }

    /// <summary>The declaration's assessments, newest first.</summary>
    public async Task<IReadOnlyList<RiskAssessment>> HistoryAsync(string declarationId, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.ConnectAsync(cancellationToken);
        await using var command = NodeDatabase.Command(connection, null,
            "SELECT a.id, a.assessed_at, a.score, a.lane, a.random_selection, a.rule_set, a.model, a.probability, a.reasons " +
            "FROM risk_assessments a WHERE a.declaration_id = @d ORDER BY a.id DESC", ("@d", declarationId));
        var rows = new List<(long Id, RiskAssessment Assessment)>();
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken))
        {
            while (await reader.ReadAsync(cancellationToken))
            {
                rows.Add((reader.GetInt64(0), new RiskAssessment(declarationId, reader.GetFieldValue<DateTimeOffset>(1), reader.GetDouble(2),
                    Enum.Parse<Lane>(reader.GetString(3), ignoreCase: true), reader.GetBoolean(4), Text(reader, 5), Text(reader, 6),
                    reader.IsDBNull(7) ? null : reader.GetDouble(7), [],
                    JsonSerializer.Deserialize<RiskReason[]>(reader.GetString(8), Json) ?? [])));
            }
        }
        var result = new List<RiskAssessment>(rows.Count);
        foreach (var (id, assessment) in rows)
        {
            await using var fired = NodeDatabase.Command(connection, null, "SELECT rule_id FROM risk_assessment_rules WHERE assessment_id = @a ORDER BY rule_id", ("@a", id));
            var rules = new List<string>();
            await using var reader = await fired.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken)) rules.Add(reader.GetString(0));
            result.Add(assessment with { FiredRules = rules });
        }
        return result;
    }

    /// <summary>How many declarations went red since <paramref name="since"/> (the start of the day, for the capacity limit).</summary>
    public async Task<int> RedSinceAsync(DateTimeOffset since, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.ConnectAsync(cancellationToken);
        await using var command = NodeDatabase.Command(connection, null,
            "SELECT count(*) FROM risk_assessments WHERE assessed_at >= @since AND lane = 'red'", ("@since", since));
        return Convert.ToInt32(await command.ExecuteScalarAsync(cancellationToken), CultureInfo.InvariantCulture);
    }

    /// <summary>The scores of the latest <paramref name="limit"/> assessments (for calibrating the lane thresholds).</summary>
    public async Task<IReadOnlyList<double>> RecentScoresAsync(int limit, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.ConnectAsync(cancellationToken);
        await using var command = NodeDatabase.Command(connection, null, "SELECT score FROM risk_assessments ORDER BY id DESC LIMIT @n", ("@n", limit));
        var scores = new List<double>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken)) scores.Add(reader.GetDouble(0));
        return scores;
    }

    /// <summary>Stored declarations that have no assessment yet, oldest first.</summary>
    public async Task<IReadOnlyList<string>> PendingAsync(int limit, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.ConnectAsync(cancellationToken);
        await using var command = NodeDatabase.Command(connection, null,
            "SELECT d.id FROM declarations d WHERE NOT EXISTS (SELECT 1 FROM risk_assessments a WHERE a.declaration_id = d.id) ORDER BY d.key LIMIT @n",
            ("@n", limit));
        var ids = new List<string>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken)) ids.Add(reader.GetString(0));
        return ids;
    }

    /// <summary>
    /// Records an inspection outcome and makes it the declaration's inspection label, which is what training learns
    /// from (random selections included). False when the node holds no such declaration.
    /// </summary>
    public async Task<bool> RecordOutcomeAsync(InspectionOutcome outcome, string officer, DateTimeOffset now, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.ConnectAsync(cancellationToken);
        await using var transaction = await database.BeginWriteAsync(connection, cancellationToken);
        await using var find = NodeDatabase.Command(connection, transaction, "SELECT key FROM declarations WHERE id = @d", ("@d", outcome.DeclarationId));
        if (await find.ExecuteScalarAsync(cancellationToken) is not { } key || key is DBNull) return false;
        await using (var insert = NodeDatabase.Command(connection, transaction,
            "INSERT INTO inspection_outcomes (declaration_id, recorded_at, recorded_by, found, critical, what, revenue) VALUES (@d, @at, @by, @f, @c, @w, @r)",
            ("@d", outcome.DeclarationId), ("@at", now), ("@by", officer), ("@f", outcome.Found), ("@c", outcome.Critical && outcome.Found),
            ("@w", outcome.What), ("@r", outcome.Revenue)))
        {
            await insert.ExecuteNonQueryAsync(cancellationToken);
        }
        // Critical Fraud as the KCS data codes it: 2 critical, 1 other fraud, 0 none.
        var critical = outcome.Found ? outcome.Critical ? 2 : 1 : 0;
        await using (var label = NodeDatabase.Command(connection, transaction,
            "INSERT INTO inspection_labels (declaration_key, fraud, critical_fraud, revenue) VALUES (@k, @f, @c, @r) " +
            "ON CONFLICT (declaration_key) DO UPDATE SET fraud = excluded.fraud, critical_fraud = excluded.critical_fraud, revenue = excluded.revenue",
            ("@k", Convert.ToInt64(key, CultureInfo.InvariantCulture)), ("@f", outcome.Found), ("@c", critical), ("@r", outcome.Revenue)))
        {
            await label.ExecuteNonQueryAsync(cancellationToken);
        }
        await transaction.CommitAsync(cancellationToken);
        return true;
    }

    public async Task<IReadOnlyList<RecordedOutcome>> OutcomesAsync(string declarationId, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.ConnectAsync(cancellationToken);
        await using var command = NodeDatabase.Command(connection, null,
            "SELECT found, critical, what, revenue, recorded_at, recorded_by FROM inspection_outcomes WHERE declaration_id = @d ORDER BY id", ("@d", declarationId));
        var list = new List<RecordedOutcome>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            list.Add(new RecordedOutcome(
                new InspectionOutcome(declarationId, reader.GetBoolean(0), reader.GetBoolean(1), Text(reader, 2), reader.IsDBNull(3) ? null : reader.GetDecimal(3)),
                reader.GetFieldValue<DateTimeOffset>(4), reader.GetString(5)));
        }
        return list;
    }

    /// <summary>Every stored declaration that carries an inspection label (from a labelled extract or an officer's outcome), in storage order: what training learns from.</summary>
    public async IAsyncEnumerable<(Declaration Declaration, InspectionLabels Labels)> LabelledAsync(
        [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        await using var connection = await database.ConnectAsync(cancellationToken);
        await using var command = NodeDatabase.Command(connection, null,
            "SELECT d.document, l.fraud, l.critical_fraud, l.revenue FROM declarations d JOIN inspection_labels l ON l.declaration_key = d.key ORDER BY d.key");
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            yield return (EntenteJson.Deserialize(reader.GetString(0)), new InspectionLabels(reader.GetBoolean(1),
                reader.IsDBNull(2) ? null : reader.GetInt32(2), reader.IsDBNull(3) ? null : reader.GetDecimal(3)));
        }
    }

    /// <summary>A risk result a partner sent, kept as an indicator for the declarations that carry its MRN.</summary>
    public async Task SavePartnerResultAsync(string messageId, string partner, string mrn, Lane lane, DateTimeOffset? assessedAt, DateTimeOffset receivedAt, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.ConnectAsync(cancellationToken);
        await using var insert = NodeDatabase.Command(connection, null,
            "INSERT INTO partner_risk_results (message_id, partner, mrn, lane, assessed_at, received_at) VALUES (@id, @p, @mrn, @l, @at, @rx) " +
            "ON CONFLICT (message_id) DO NOTHING",
            ("@id", messageId), ("@p", partner), ("@mrn", mrn), ("@l", RiskEngine.Name(lane)), ("@at", assessedAt), ("@rx", receivedAt));
        await insert.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <summary>The partners' results about any of <paramref name="references"/> (the declaration's MRN and its previous documents).</summary>
    public async Task<PartnerIndicators> PartnerIndicatorsAsync(IReadOnlyCollection<string> references, CancellationToken cancellationToken = default)
    {
        if (references.Count == 0) return PartnerIndicators.None;
        await using var connection = await database.ConnectAsync(cancellationToken);
        var results = new List<PartnerIndication>();
        foreach (var reference in references)
        {
            await using var command = NodeDatabase.Command(connection, null,
                "SELECT partner, lane, message_id FROM partner_risk_results WHERE mrn = @m ORDER BY received_at, message_id", ("@m", reference));
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
                results.Add(new PartnerIndication(reader.GetString(0), Enum.Parse<Lane>(reader.GetString(1), ignoreCase: true), $"declaration {reference}", reader.GetString(2)));
        }
        return results.Count == 0 ? PartnerIndicators.None : new PartnerIndicators(results);
    }

    /// <summary>Hit rates over each declaration's latest assessment and its inspection outcomes.</summary>
    public async Task<HitRates> HitRatesAsync(LanePolicy policy, CancellationToken cancellationToken = default)
    {
        const string Latest =
            "WITH latest AS (SELECT id, declaration_id, lane, random_selection, model FROM " +
            "  (SELECT a.*, row_number() OVER (PARTITION BY declaration_id ORDER BY id DESC) AS n FROM risk_assessments a) r WHERE n = 1), " +
            "outcome AS (SELECT declaration_id, max(CASE WHEN found THEN 1 ELSE 0 END) AS found, max(CASE WHEN critical THEN 1 ELSE 0 END) AS critical, " +
            "  sum(coalesce(revenue, 0)) AS revenue FROM inspection_outcomes GROUP BY declaration_id) ";
        const string Measures =
            "count(*), count(o.declaration_id), coalesce(sum(o.found), 0), coalesce(sum(o.critical), 0), coalesce(sum(o.revenue), 0) " +
            "FROM latest l LEFT JOIN outcome o ON o.declaration_id = l.declaration_id ";
        await using var connection = await database.ConnectAsync(cancellationToken);
        var byLane = await GroupsAsync(connection, Latest + "SELECT l.lane, " + Measures + "GROUP BY l.lane ORDER BY l.lane", cancellationToken);
        var byRule = await GroupsAsync(connection, Latest + "SELECT f.rule_id, " + Measures +
            "JOIN risk_assessment_rules f ON f.assessment_id = l.id GROUP BY f.rule_id ORDER BY f.rule_id", cancellationToken);
        var byModel = await GroupsAsync(connection, Latest + "SELECT coalesce(l.model, 'no model'), " + Measures + "GROUP BY coalesce(l.model, 'no model') ORDER BY 1", cancellationToken);
        var bySelection = await GroupsAsync(connection, Latest + "SELECT CASE WHEN l.random_selection THEN 'random' ELSE 'targeted' END, " + Measures +
            "GROUP BY CASE WHEN l.random_selection THEN 'random' ELSE 'targeted' END ORDER BY 1", cancellationToken);
        var total = byLane.Sum(g => g.Assessed);
        var lanes = Enum.GetValues<Lane>().Reverse().Select(lane =>
        {
            var assessed = byLane.FirstOrDefault(g => g.Group == RiskEngine.Name(lane))?.Assessed ?? 0;
            double? expected = lane == Lane.Green ? 1 - policy.ExpectedRates.Values.Sum() : policy.ExpectedRates.TryGetValue(lane, out var e) ? e : null;
            return new LaneShare(lane, assessed, total == 0 ? 0 : (double)assessed / total, expected);
        }).ToArray();
        return new HitRates(total, lanes, byLane, byRule, byModel, bySelection);
    }

    private static async Task<List<HitRate>> GroupsAsync(DbConnection connection, string sql, CancellationToken cancellationToken)
    {
        await using var command = NodeDatabase.Command(connection, null, sql);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var list = new List<HitRate>();
        while (await reader.ReadAsync(cancellationToken))
        {
            list.Add(new HitRate(reader.GetString(0), reader.GetInt64(1), reader.GetInt64(2), Convert.ToInt64(reader.GetValue(3), CultureInfo.InvariantCulture),
                Convert.ToInt64(reader.GetValue(4), CultureInfo.InvariantCulture), Convert.ToDecimal(reader.GetValue(5), CultureInfo.InvariantCulture)));
        }
        return list;
    }

    private static string? Text(DbDataReader reader, int column) => reader.IsDBNull(column) ? null : reader.GetString(column);
}
