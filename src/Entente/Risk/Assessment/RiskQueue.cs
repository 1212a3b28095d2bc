using System.Globalization;
using System.Text.Json;
using Entente.Risk.Rules;
using Entente.Storage;

namespace Entente.Risk.Assessment;

/// <summary>One declaration waiting for an inspection: its latest assessment (red or yellow) and no outcome recorded yet.</summary>
public sealed record QueuedDeclaration(long AssessmentId, string DeclarationId, DateTimeOffset AssessedAt, double Score, Lane Lane, bool RandomlySelected,
    IReadOnlyList<RiskReason> Reasons);

/// <summary>How the queue names a declaration (MRN, else LRN, else id) and the ids of its parties.</summary>
public sealed record QueuedLabel(string Label, IReadOnlyList<string> Parties);

/// <summary>A page of a queue; <see cref="Next"/> is the position of the following page (null: the last).</summary>
public sealed record QueuePage(IReadOnlyList<QueuedDeclaration> Items, long? Next);

/// <summary>
/// The risk desk's work lists (the console's risk desk, issue 18): the red and yellow queues, newest first, and the lanes
/// of the day. Index of migration 0030 on both providers.
/// </summary>
public sealed class RiskQueue(NodeDatabase database)
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    /// <summary>Declarations whose latest assessment is <paramref name="lane"/> and that have no inspection outcome, newest first, before <paramref name="before"/>.</summary>
    public async Task<QueuePage> PageAsync(Lane lane, int limit, long? before = null, CancellationToken cancellationToken = default)
    {
        if (limit is < 1 or > 1000) throw new ArgumentOutOfRangeException(nameof(limit), "expected 1 to 1000");
        await using var connection = await database.ConnectAsync(cancellationToken);
        await using var command = NodeDatabase.Command(connection, null,
            "SELECT a.id, a.declaration_id, a.assessed_at, a.score, a.lane, a.random_selection, a.reasons FROM risk_assessments a " +
            "WHERE a.lane = @lane AND a.id < @before " +
            "AND NOT EXISTS (SELECT 1 FROM risk_assessments b WHERE b.declaration_id = a.declaration_id AND b.id > a.id) " +
            "AND NOT EXISTS (SELECT 1 FROM inspection_outcomes o WHERE o.declaration_id = a.declaration_id) " +
            "ORDER BY a.id DESC LIMIT @n",
            ("@lane", RiskEngine.Name(lane)), ("@before", before ?? long.MaxValue), ("@n", limit + 1));
        var items = new List<QueuedDeclaration>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            items.Add(new QueuedDeclaration(reader.GetInt64(0), reader.GetString(1), reader.GetFieldValue<DateTimeOffset>(2), reader.GetDouble(3),
                Enum.Parse<Lane>(reader.GetString(4), ignoreCase: true), reader.GetBoolean(5),
                JsonSerializer.Deserialize<RiskReason[]>(reader.GetString(6), Json) ?? []));
        }
        return items.Count > limit ? new QueuePage(items[..limit], items[limit - 1].AssessmentId) : new QueuePage(items, null);
    }

    /// <summary>
    /// What the queue shows of each of <paramref name="declarationIds"/> in one query: the MRN (else the LRN, else the id)
    /// and the ids of its parties (whose names risk reasons are withheld for). Unknown ids are absent.
    /// </summary>
    public async Task<IReadOnlyDictionary<string, QueuedLabel>> LabelsAsync(IReadOnlyList<string> declarationIds, CancellationToken cancellationToken = default)
    {
        var labels = new Dictionary<string, QueuedLabel>(StringComparer.Ordinal);
        if (declarationIds.Count == 0) return labels;
        var names = declarationIds.Distinct(StringComparer.Ordinal).Select((id, i) => ($"@d{i.ToString(CultureInfo.InvariantCulture)}", (object?)id)).ToArray();
        await using var connection = await database.ConnectAsync(cancellationToken);
        await using var command = NodeDatabase.Command(connection, null,
            "SELECT d.id, coalesce(d.mrn, d.lrn, d.id), p.party_id FROM declarations d LEFT JOIN declaration_parties p ON p.declaration_key = d.key " +
            $"WHERE d.id IN ({string.Join(", ", names.Select(n => n.Item1))})", names);
        var parties = new Dictionary<string, SortedSet<string>>(StringComparer.Ordinal);
        var label = new Dictionary<string, string>(StringComparer.Ordinal);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            var id = reader.GetString(0);
            label[id] = reader.GetString(1);
            if (!parties.TryGetValue(id, out var set)) parties[id] = set = new SortedSet<string>(StringComparer.Ordinal);
            if (!reader.IsDBNull(2)) set.Add(reader.GetString(2));
        }
        foreach (var (id, text) in label) labels[id] = new QueuedLabel(text, [.. parties[id]]);
        return labels;
    }

    /// <summary>How many assessments went to each lane since <paramref name="since"/> (the start of the day).</summary>
    public async Task<IReadOnlyDictionary<Lane, long>> LanesSinceAsync(DateTimeOffset since, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.ConnectAsync(cancellationToken);
        await using var command = NodeDatabase.Command(connection, null,
            "SELECT lane, count(*) FROM risk_assessments WHERE assessed_at >= @since GROUP BY lane", ("@since", since));
        var lanes = Enum.GetValues<Lane>().ToDictionary(l => l, _ => 0L);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
            lanes[Enum.Parse<Lane>(reader.GetString(0), ignoreCase: true)] = Convert.ToInt64(reader.GetValue(1), CultureInfo.InvariantCulture);
        return lanes;
    }
}
