using System.Globalization;
using Entente.Intelligence.Seizures;
using Entente.Storage;

namespace Entente.Intelligence.Analytics;

/// <summary>
/// A hit rate of one group (a lane, a rule) in one month: assessments, inspected, found by inspection, seized (a seizure
/// linked to the assessment, or to the declaration's MRN), and the rate of those found or seized.
/// </summary>
public sealed record GroupHitRate(string Group, string Month, long Assessed, long Inspected, long Found, long Seized, long FoundOrSeized)
{
    public double Rate => Assessed == 0 ? 0 : (double)FoundOrSeized / Assessed;
}

public sealed record HitRatesOverTime(IReadOnlyList<GroupHitRate> ByLane, IReadOnlyList<GroupHitRate> ByRule);

/// <summary>The analytics over the node's seizures and assessments, for `entente analytics` and /api/analytics.</summary>
public sealed class SeizureAnalytics(SeizureBook seizures, NodeDatabase database)
{
    public async Task<Trend> TrendAsync(TrendBy by, string? from, string? to, CancellationToken cancellationToken = default) =>
        SeizureTrends.Of(await seizures.FactsAsync(cancellationToken), by, from, to);

    public async Task<IReadOnlyList<Flow>> FlowsAsync(int top, CancellationToken cancellationToken = default) =>
        SeizureTrends.Flows(await seizures.FactsAsync(cancellationToken), top);

    /// <summary>Hit rates per lane and per rule per month of assessment, counting seizures linked to the assessment or the declaration as hits.</summary>
    public async Task<HitRatesOverTime> HitRatesAsync(CancellationToken cancellationToken = default)
    {
        var assessments = new List<(long Id, string Month, string Lane, bool Inspected, bool Found, bool Seized)>();
        await using var connection = await database.ConnectAsync(cancellationToken);
        await using (var command = NodeDatabase.Command(connection, null,
            "SELECT a.id, a.assessed_at, a.lane, " +
            "EXISTS (SELECT 1 FROM inspection_outcomes o WHERE o.declaration_id = a.declaration_id), " +
            "EXISTS (SELECT 1 FROM inspection_outcomes o WHERE o.declaration_id = a.declaration_id AND o.found), " +
            "EXISTS (SELECT 1 FROM seizures s WHERE s.assessment_id = a.id OR (s.mrn IS NOT NULL AND s.mrn = (SELECT d.mrn FROM declarations d WHERE d.id = a.declaration_id))) " +
            "FROM risk_assessments a ORDER BY a.id"))
        {
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                assessments.Add((reader.GetInt64(0), reader.GetFieldValue<DateTimeOffset>(1).UtcDateTime.ToString("yyyy-MM", CultureInfo.InvariantCulture), reader.GetString(2),
                    Convert.ToBoolean(reader.GetValue(3), CultureInfo.InvariantCulture), Convert.ToBoolean(reader.GetValue(4), CultureInfo.InvariantCulture),
                    Convert.ToBoolean(reader.GetValue(5), CultureInfo.InvariantCulture)));
            }
        }
        var rules = new List<(string Rule, long Assessment)>();
        await using (var command = NodeDatabase.Command(connection, null, "SELECT rule_id, assessment_id FROM risk_assessment_rules"))
        {
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken)) rules.Add((reader.GetString(0), reader.GetInt64(1)));
        }
        var byId = assessments.ToDictionary(a => a.Id);
        static GroupHitRate Rate(string group, string month, IEnumerable<(long Id, string Month, string Lane, bool Inspected, bool Found, bool Seized)> rows)
        {
            var list = rows.ToList();
            return new GroupHitRate(group, month, list.Count, list.Count(r => r.Inspected), list.Count(r => r.Found), list.Count(r => r.Seized), list.Count(r => r.Found || r.Seized));
        }
        var byLane = assessments.GroupBy(a => (a.Lane, a.Month)).Select(g => Rate(g.Key.Lane, g.Key.Month, g))
            .OrderBy(r => r.Group, StringComparer.Ordinal).ThenBy(r => r.Month, StringComparer.Ordinal).ToList();
        var byRule = rules.Where(r => byId.ContainsKey(r.Assessment)).GroupBy(r => (r.Rule, byId[r.Assessment].Month))
            .Select(g => Rate(g.Key.Rule, g.Key.Month, g.Select(r => byId[r.Assessment])))
            .OrderBy(r => r.Group, StringComparer.Ordinal).ThenBy(r => r.Month, StringComparer.Ordinal).ToList();
        return new HitRatesOverTime(byLane, byRule);
    }
}
