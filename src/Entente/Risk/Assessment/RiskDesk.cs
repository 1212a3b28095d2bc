using System.Text.Json.Nodes;
using Entente.Declarations;
using Entente.Exchange;
using Entente.Risk.Model;
using Entente.Risk.Rules;
using Entente.Storage;

namespace Entente.Risk.Assessment;

/// <summary>A stored declaration and the assessment just made of it.</summary>
public sealed record Assessed(StoredDeclaration Stored, RiskAssessment Assessment);

/// <summary>What is in service at a node: the signed rule set, the promoted model and the lane policy.</summary>
public sealed record Targeting(RuleSet? Rules, RiskModel? Model, LanePolicy Policy)
{
    public bool Active => Rules is not null || Model is not null;

    /// <summary>Whether the rule set or the model in service reads the national data element <paramref name="key"/>.</summary>
    public bool ReadsNational(string key) => Rules?.Reads(RuleFields.NationalPrefix + key) == true || Model?.ReadsNational(key) == true;
}

/// <summary>
/// A derived fact added to a declaration before it is assessed: the national data element it sets and how. Called only
/// when the rule set or model in service reads <paramref name="Element"/>; it answers from what is already computed
/// (the host connects network proximity, docs/networks.md) and never waits on a rebuild.
/// </summary>
public sealed record RiskEnrichment(string Element, Func<Declaration, CancellationToken, ValueTask> Annotate);

/// <summary>
/// The risk desk of a node: loads what is in service (again when a new version is put into service), assesses stored
/// declarations with their partners' results and today's red load, saves each assessment with its explanation, and
/// records inspection outcomes. The decision itself is <see cref="RiskEngine.Assess"/>.
/// </summary>
public sealed class RiskDesk(string home, NodeDatabase database, IDeclarationStore declarations, TimeProvider time)
{
    private readonly object _gate = new();
    private (string? Rules, string? Model, DateTime PolicyWritten) _loadedKey;
    private Targeting? _loaded;

    public RiskStore Store { get; } = new(database);

    public TimeProvider Time => time;

    /// <summary>Derived facts added to a declaration before it is assessed, each only when what is in service reads it.</summary>
    public IReadOnlyList<RiskEnrichment> Enrichments { get; init; } = [];

    /// <summary>The rule set, model and lane policy in service now (loaded once per version).</summary>
    /// <exception cref="InvalidDataException">A stored rule set or model fails its checks (tampered, unreadable).</exception>
    public Targeting InService()
    {
        var policyFile = Path.Combine(home, "risk", LanePolicy.FileName);
        var key = (RuleSetStore.InServiceVersion(home), ModelRegistry.ReadInService(home)?.Version,
            File.Exists(policyFile) ? File.GetLastWriteTimeUtc(policyFile) : DateTime.MinValue);
        lock (_gate)
        {
            if (_loaded is not null && _loadedKey == key) return _loaded;
            _loaded = new Targeting(
                key.Item1 is { } rules ? RuleSetStore.Load(home, rules) : null,
                ModelRegistry.LoadInService(home),
                LanePolicy.Load(home));
            _loadedKey = key;
            return _loaded;
        }
    }

    /// <summary>Assesses stored declarations by id; ids the node does not hold are skipped (null in the result).</summary>
    public async Task<IReadOnlyList<Assessed?>> AssessAsync(IReadOnlyList<string> ids, CancellationToken cancellationToken = default)
    {
        var targeting = InService();
        var now = time.GetUtcNow();
        var redToday = await Store.RedSinceAsync(new DateTimeOffset(now.UtcDateTime.Date, TimeSpan.Zero), cancellationToken);
        var enrichments = Needed(targeting);
        var results = new Assessed?[ids.Count];
        var assessed = new List<RiskAssessment>(ids.Count);
        for (var i = 0; i < ids.Count; i++)
        {
            if (await declarations.GetAsync(ids[i], cancellationToken) is not { } stored) continue;
            foreach (var enrichment in enrichments) await enrichment.Annotate(stored.Declaration, cancellationToken);
            var partners = await Store.PartnerIndicatorsAsync(References(stored.Declaration), cancellationToken);
            var assessment = RiskEngine.Assess(stored.Declaration, targeting.Rules, targeting.Model, partners, targeting.Policy, new LaneLoad(redToday), now);
            if (assessment.Lane == Lane.Red) redToday++;
            results[i] = new Assessed(stored, assessment);
            assessed.Add(assessment);
        }
        await Store.SaveAsync(assessed, cancellationToken);
        return results;
    }

    /// <summary>Assesses a declaration that is not stored (a pre-arrival check, a what-if); nothing is saved.</summary>
    public async Task<RiskAssessment> AssessUnstoredAsync(Declaration declaration, CancellationToken cancellationToken = default)
    {
        var targeting = InService();
        var now = time.GetUtcNow();
        var redToday = await Store.RedSinceAsync(new DateTimeOffset(now.UtcDateTime.Date, TimeSpan.Zero), cancellationToken);
        var partners = await Store.PartnerIndicatorsAsync(References(declaration), cancellationToken);
        foreach (var enrichment in Needed(targeting)) await enrichment.Annotate(declaration, cancellationToken);
        return RiskEngine.Assess(declaration, targeting.Rules, targeting.Model, partners, targeting.Policy, new LaneLoad(redToday), now);
    }

    private RiskEnrichment[] Needed(Targeting targeting) => [.. Enrichments.Where(e => targeting.ReadsNational(e.Element))];

    /// <summary>Assesses every stored declaration that has no assessment yet, in pages; the number assessed.</summary>
    public async Task<long> AssessPendingAsync(IProgress<long>? progress = null, CancellationToken cancellationToken = default)
    {
        long done = 0;
        while (true)
        {
            var pending = await Store.PendingAsync(500, cancellationToken);
            if (pending.Count == 0) return done;
            var results = await AssessAsync(pending, cancellationToken);
            done += results.Count(r => r is not null);
            progress?.Report(done);
            if (results.All(r => r is null)) return done;
        }
    }

    /// <summary>Whether ingest should assess what it stored: something is in service and the node did not turn it off.</summary>
    public bool AssessesOnIngest(bool configured)
    {
        try
        {
            return configured && InService().Active;
        }
        catch (InvalidDataException)
        {
            return configured;
        }
    }

    /// <summary>Keeps a partner's risk result as an indicator for the declarations that carry its MRN.</summary>
    public static void Connect(ExchangeNode exchange, Func<RiskStore> store) =>
        exchange.Handle("risk-result", async (item, payload, cancellationToken) =>
        {
            if (payload["riskResult"] is not JsonObject result || result["declarationMrn"]?.GetValue<string>() is not { } mrn) return;
            if (!Enum.TryParse<Lane>(result["lane"]?.GetValue<string>(), ignoreCase: true, out var lane)) return;
            DateTimeOffset? assessedAt = DateTimeOffset.TryParse(result["assessedAt"]?.GetValue<string>(), System.Globalization.CultureInfo.InvariantCulture,
                System.Globalization.DateTimeStyles.None, out var at) ? at : null;
            await store().SavePartnerResultAsync(item.MessageId, item.Sender, mrn, lane, assessedAt, item.ReceivedAt, cancellationToken);
        }, PartnerResultProblem);

    /// <summary>What in a partner's risk result the handler cannot read (a member of the wrong JSON type); null when it can.</summary>
    public static string? PartnerResultProblem(JsonObject payload)
    {
        if (payload["riskResult"] is not { } node) return null;
        if (node is not JsonObject result) return "/riskResult: expected an object";
        foreach (var name in (string[])["declarationMrn", "lane", "assessedAt"])
        {
            if (result[name] is { } value && value.GetValueKind() != System.Text.Json.JsonValueKind.String) return $"/riskResult/{name}: expected a string";
        }
        return null;
    }

    private static string[] References(Declaration declaration) =>
        [.. new[] { declaration.Mrn }.Concat(declaration.PreviousDocuments.Select(d => d.Id)).OfType<string>().Where(r => r.Length > 0).Distinct()];
}
