using System.Data.Common;
using System.Security.Cryptography;
using System.Text.Json.Nodes;
using Entente.Alerts;
using Entente.Common;
using Entente.Ledger;
using Entente.Screening.Matching;
using Entente.Storage;

namespace Entente.Screening;

/// <summary>An officer's ad-hoc check: one of a name (with birth date and country when known), a plate with its country, a container, an IMO number, a stored declaration.</summary>
public sealed record ScreeningCheck(string? Name = null, string? BirthDate = null, string? Country = null, string? Plate = null, string? Container = null,
    string? Imo = null, string? Declaration = null, string? Place = null)
{
    /// <summary>Why, when the officer is to see the names a hit on a person alert shows (docs/alerts.md): a purpose the role allows, with a justification.</summary>
    public string? Purpose { get; init; }

    public string? Justification { get; init; }
}

/// <summary>What a screening found: what was checked, against how many alerts in force, the hits (recorded).</summary>
public sealed record ScreeningResult(string Checked, int AlertsInForce, IReadOnlyList<Hit> Hits);

/// <summary>A run over stored declarations: how many were screened, how many new alerts looked back, the hits recorded.</summary>
public sealed record ScreeningRun(int Declarations, int AlertsLookedBack, int Hits);

public abstract record ScreeningOutcome
{
    public sealed record Done(ScreeningResult Result) : ScreeningOutcome;

    public sealed record Invalid(IReadOnlyList<FieldError> Errors) : ScreeningOutcome;

    public sealed record NotFound(IReadOnlyList<FieldError> Errors) : ScreeningOutcome;
}

public abstract record HitOutcome
{
    public sealed record Done(Hit Hit) : HitOutcome;

    public sealed record Invalid(IReadOnlyList<FieldError> Errors) : HitOutcome;

    public sealed record NotFound(IReadOnlyList<FieldError> Errors) : HitOutcome;

    /// <summary>The hit is decided already.</summary>
    public sealed record NotAllowed(IReadOnlyList<FieldError> Errors) : HitOutcome;

    public IReadOnlyList<FieldError> Problems => this switch
    {
        Invalid i => i.Errors,
        NotFound n => n.Errors,
        NotAllowed n => n.Errors,
        _ => [],
    };
}

/// <summary>
/// Screening against the alerts in force (own, partners', lists'): a watch list built from <see cref="AlertBook.InForceAsync"/>,
/// rebuilt when the alert book changes (its stamp) or the day turns, and every match checked again with
/// <see cref="AlertLifecycle.Applies"/> at the time of the check, so a withdrawn or expired alert never hits. Screens stored
/// declarations once each (on ingest), a new alert version back over the declarations of the look-back window, and an
/// officer's ad-hoc checks; records every hit with its ledger entry in one transaction; confirms and discards hits and,
/// for a partner's alert, sends the issuer the action-taken report.
/// </summary>
public sealed partial class ScreeningDesk
{
    public const string SubjectPrefix = "hit:";
    private const int Batch = 200;

    private readonly NodeDatabase _database;
    private readonly LedgerStore _ledger;
    private readonly IDeclarationStore _declarations;
    private readonly AlertBook _alerts;
    private readonly TimeProvider _time;
    private readonly ScreeningSettings _settings;
    private readonly MatchingThresholds _thresholds;
    private readonly IHitReporter? _report;

    /// <param name="report">Queues a confirmed hit's action-taken report to the issuer of a partner's alert, in the confirmation's transaction (null: none sent).</param>
    public ScreeningDesk(string node, NodeDatabase database, LedgerStore ledger, IDeclarationStore declarations, AlertBook alerts, TimeProvider time,
        ScreeningSettings settings, MatchingThresholds thresholds, IHitReporter? report = null)
    {
        Node = node;
        _database = database;
        _ledger = ledger;
        _declarations = declarations;
        _alerts = alerts;
        _time = time;
        _settings = settings;
        _thresholds = thresholds;
        _report = report;
    }

    public string Node { get; }

    private List<Hit> Find(StoredDeclaration stored, WatchList list, IReadOnlyDictionary<string, StoredAlert> alerts, DateTimeOffset now)
    {
        var d = stored.Declaration;
        var probes = AlertSubjects.Of(d);
        var found = new List<Hit>();
        if (probes.Count == 0) return found;
        foreach (var m in list.Screen(new DeclarationProbe(d.Id!, probes.Select(p => p.Subject).ToArray())))
        {
            if (!alerts.TryGetValue(m.Match.AlertId, out var alert) || !AlertLifecycle.Applies(alert.Alert, now, alert.RetainUntil)) continue;
            var probe = probes[m.SubjectIndex];
            found.Add(NewHit(alert, m.Match, now, probe.Path, probe.Input, d.DeclarationOfficeId) with
            {
                DeclarationId = d.Id,
                DeclarationReference = d.Mrn ?? d.Lrn,
            });
        }
        return found;
    }

    private Hit NewHit(StoredAlert alert, Match match, DateTimeOffset now, string path, string input, string? office) => new()
    {
        Id = $"{Node}-HIT-{now:yyyyMMdd}-{RandomNumberGenerator.GetHexString(12, lowercase: true)}",
        AlertId = alert.Alert.Id,
        AlertIssuer = alert.Alert.Issuer,
        AlertSource = AlertJson.Name(alert.Source),
        Category = AlertJson.Name(alert.Alert.Category),
        Action = AlertJson.Name(alert.Alert.Action),
        SubjectKind = AlertJson.Name(alert.Alert.Subject.Kind),
        Flagged = alert.Flagged,
        Checked = path,
        Input = input,
        Score = Math.Round(match.Score, 4),
        Threshold = match.Threshold,
        Explanation = match.Explanation,
        FoundAt = now,
        Node = Node,
        Office = office,
        InformBy = now.AddHours(InformWithinHours(alert)),
        State = HitState.Open,
    };

    /// <summary>The clock of a hit on this alert: its agreement's alerts rule's inform-within-hours when it sets one, else Entente:Screening:InformWithinHours.</summary>
    public int InformWithinHours(StoredAlert alert)
    {
        if (alert.Alert.LegalBasis.Agreement is not { } id) return _settings.InformWithinHours;
        // Looked up once a minute per agreement: screening at scale finds many hits, and the shelf reads its folder.
        var now = _time.GetUtcNow();
        if (_clocks.TryGetValue(id, out var known) && now - known.At < TimeSpan.FromMinutes(1)) return known.Hours;
        var hours = _alerts.AgreementOf(alert.Alert)?.Rules.FirstOrDefault(r => r.Category == Agreements.DataCategory.Alerts)?.InformWithinHours ?? _settings.InformWithinHours;
        _clocks[id] = (now, hours);
        return hours;
    }

    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, (DateTimeOffset At, int Hours)> _clocks = new(StringComparer.Ordinal);

    /// <summary>Stores the hits not stored before (one per alert, declaration and field) with their ledger entries, and marks what was screened, in one transaction.</summary>
    private async Task<IReadOnlyList<Hit>> RecordAsync(IReadOnlyList<Hit> hits, string how, IReadOnlyList<string> declarations, IReadOnlyList<(string, int)> alerts,
        CancellationToken cancellationToken)
    {
        var recorded = new List<Hit>();
        if (hits.Count == 0 && declarations.Count == 0 && alerts.Count == 0) return recorded;
        var now = _time.GetUtcNow();
        await _ledger.AppendAsync(async (connection, transaction, ct) =>
        {
            recorded.Clear();
            var entries = new List<LedgerEntry>();
            foreach (var hit in hits)
            {
                if (!await HitStore.InsertAsync(connection, transaction, hit, ct)) continue;
                recorded.Add(hit);
                entries.Add(Entry(LedgerKinds.HitRecorded, hit, new LedgerActor(how, Node), how));
            }
            await HitStore.MarkDeclarationsAsync(connection, transaction, declarations, now, ct);
            await HitStore.MarkAlertsAsync(connection, transaction, alerts, now, ct);
            return entries;
        }, cancellationToken);
        return recorded;
    }

    /// <summary>An officer's ad-hoc check, against every alert in force; the hits are recorded (a stored declaration's once per alert and field).</summary>
    public async Task<ScreeningOutcome> CheckAsync(ScreeningCheck check, string user, CancellationToken cancellationToken = default)
    {
        var errors = new List<FieldError>();
        var given = new[] { ("name", check.Name), ("plate", check.Plate), ("container", check.Container), ("imo", check.Imo), ("declaration", check.Declaration) }
            .Where(g => !string.IsNullOrWhiteSpace(g.Item2)).ToArray();
        if (given.Length != 1)
            errors.Add(new("", given.Length == 0 ? "say what to check: one of name, plate, container, imo, declaration" : $"check one thing at a time: {string.Join(", ", given.Select(g => g.Item1))} were given"));
        PartialDate? birthDate = null;
        if (check.BirthDate is { } text)
        {
            try
            {
                birthDate = PartialDate.Parse(text);
            }
            catch (FormatException e)
            {
                errors.Add(new("/birthDate", e.Message));
            }
            if (check.Name is null) errors.Add(new("/birthDate", "a birth date goes with a name"));
        }
        if (check.Country is { } country && (country.Length != 2 || !country.All(char.IsAsciiLetter)))
            errors.Add(new("/country", $"expected an ISO 3166-1 alpha-2 country code, got '{country}'"));
        if (check.Plate is not null && check.Country is null) errors.Add(new("/country", "a plate is checked with its registration country"));
        if (check.Place is { Length: > 35 }) errors.Add(new("/place", "at most 35 characters (a UN/LOCODE or an office id)"));
        if (errors.Count > 0) return new ScreeningOutcome.Invalid(errors);

        var inForce = await RefreshAsync(cancellationToken);
        var watch = _watch;
        var now = _time.GetUtcNow();
        var countryCode = check.Country?.ToUpperInvariant();
        if (check.Declaration is { } reference)
        {
            if (await _declarations.FindAsync(reference, cancellationToken) is not { } stored)
                return new ScreeningOutcome.NotFound([new("/declaration", $"no declaration {reference} at {Node}")]);
            var found = Find(stored, watch.List, watch.Alerts, now).Select(h => check.Place is null ? h : h with { Office = check.Place }).ToList();
            var recorded = await RecordAsync(found, "ad-hoc:" + user, [], [], cancellationToken);
            var hits = new List<Hit>(recorded);
            foreach (var h in found.Where(f => !recorded.Contains(f)))
                hits.AddRange((await HitStore.ListAsync(_database, new HitFilter(AlertId: h.AlertId, Limit: 1000), now, cancellationToken))
                    .Where(e => e.DeclarationId == h.DeclarationId && e.Checked == h.Checked));
            return new ScreeningOutcome.Done(new ScreeningResult($"declaration {stored.Declaration.Id}", inForce, hits));
        }
        var (probe, input) = check switch
        {
            { Name: { } name } => (Subject.Person(null, [name], birthDate, countryCode is null ? null : [countryCode]), Words("name", name, check.BirthDate, countryCode)),
            { Plate: { } plate } => (Subject.Vehicle(null, plate, countryCode), Words("plate", plate, countryCode)),
            { Container: { } container } => (Subject.Container(null, container), "container " + container),
            _ => (Subject.Vessel(null, check.Imo!), "IMO " + check.Imo),
        };
        var adHoc = new List<Hit>();
        var matches = watch.List.Screen(probe);
        // A name may be a person's or a company's (legal form and all): both readings are screened, the better match per alert kept.
        if (check.Name is { } companyName)
            matches = [.. matches.Concat(watch.List.Screen(Subject.Company(null, [companyName], countryCode))).GroupBy(m => m.AlertId).Select(g => g.MaxBy(m => m.Score)!)
                .OrderByDescending(m => m.Score)];
        foreach (var match in matches)
        {
            if (!watch.Alerts.TryGetValue(match.AlertId, out var alert) || !AlertLifecycle.Applies(alert.Alert, now, alert.RetainUntil)) continue;
            adHoc.Add(NewHit(alert, match, now, Hit.AdHoc, input, check.Place));
        }
        var stored2 = await RecordAsync(adHoc, "ad-hoc:" + user, [], [], cancellationToken);
        return new ScreeningOutcome.Done(new ScreeningResult(input, inForce, stored2));
    }

    private static string Words(string what, params string?[] parts) => what + ": " + string.Join(", ", parts.Where(p => !string.IsNullOrWhiteSpace(p)));

    public async Task<Hit?> GetAsync(string id, CancellationToken cancellationToken = default)
    {
        await using var connection = await _database.ConnectAsync(cancellationToken);
        return await HitStore.LoadAsync(_database, connection, null, id, lockIt: false, cancellationToken);
    }

    public Task<IReadOnlyList<Hit>> ListAsync(HitFilter filter, CancellationToken cancellationToken = default) =>
        HitStore.ListAsync(_database, filter, _time.GetUtcNow(), cancellationToken);

    public Task<HitStats> StatsAsync(CancellationToken cancellationToken = default) => HitStore.StatsAsync(_database, cancellationToken);

    /// <summary>
    /// Confirms a hit: it is the alert's subject; what was done and found, where. On a partner's alert the issuer is sent
    /// the action-taken report (a flagged alert's report says the action was not taken here).
    /// </summary>
    public async Task<HitOutcome> ConfirmAsync(string id, string? actionTaken, string? found, string? place, string user, CancellationToken cancellationToken = default)
    {
        var errors = new List<FieldError>();
        if (string.IsNullOrWhiteSpace(actionTaken) || actionTaken.Length > 2000) errors.Add(new("/actionTaken", "required: what was done, in 1 to 2000 characters"));
        if (found is { Length: > 2000 }) errors.Add(new("/found", "at most 2000 characters"));
        if (place is { Length: > 35 }) errors.Add(new("/place", "at most 35 characters (a UN/LOCODE or an office id)"));
        if (errors.Count > 0) return new HitOutcome.Invalid(errors);
        var outcome = await DecideAsync(id, user, LedgerKinds.HitConfirmed, (hit, now) => hit with
        {
            State = HitState.Confirmed,
            Decision = new HitDecision(user, now, actionTaken!.Trim(), found?.Trim(), place?.Trim() ?? hit.Office),
        }, null, cancellationToken);
        if (outcome is HitOutcome.Done { Hit.Report.MessageId: not null }) _report!.Queued();
        return outcome;
    }

    /// <summary>
    /// The report of a confirmed hit on a partner's alert, queued in the transaction that stores the decision (both or
    /// neither); what the policy refused is kept on the hit, which stays overdue until <see cref="ResendReportsAsync"/> gets it out.
    /// </summary>
    private async Task<Hit> ReportAsync(DbConnection connection, DbTransaction transaction, Hit confirmed, List<LedgerEntry> entries, CancellationToken cancellationToken)
    {
        if (!confirmed.IssuerToInform || _report is null) return confirmed;
        var now = _time.GetUtcNow();
        var alert = await _alerts.GetAsync(confirmed.AlertId, cancellationToken);
        if (alert is null || alert.ErasedAt is not null)
            return confirmed with { Report = new HitReport(now, null, $"alert {confirmed.AlertId} is no longer held here") { Attempts = (confirmed.Report?.Attempts ?? 0) + 1 } };
        var queued = await _report.QueueAsync(connection, transaction, confirmed, alert, cancellationToken);
        entries.AddRange(queued.Entries);
        return confirmed with { Report = queued.Report with { Attempts = (confirmed.Report?.Attempts ?? 0) + 1 } };
    }

    /// <summary>How long after a failed attempt the report is tried again: 1, 2, 4... minutes, at most an hour (as the exchange's outbox backs off).</summary>
    public static TimeSpan ResendAfter(int attempts) => TimeSpan.FromMinutes(Math.Min(60, Math.Pow(2, Math.Max(0, attempts - 1))));

    /// <summary>
    /// Tries again every action-taken report not queued yet (the policy refused it: the agreement not in force, the
    /// partner not in the directory...), each in its own transaction with the hit's update, once its back-off has passed;
    /// a report queued is never queued again (the hit is locked and its message id checked). Run by every screening pass.
    /// </summary>
    public async Task<int> ResendReportsAsync(CancellationToken cancellationToken = default)
    {
        if (_report is null) return 0;
        var now = _time.GetUtcNow();
        var sent = 0;
        foreach (var pending in await HitStore.UnreportedAsync(_database, 100, cancellationToken))
        {
            if (pending.Report is { } last && now - last.At < ResendAfter(last.Attempts)) continue;
            Hit? after = null;
            await _ledger.AppendAsync(async (connection, transaction, ct) =>
            {
                after = null;
                var hit = await HitStore.LoadAsync(_database, connection, transaction, pending.Id, lockIt: true, ct);
                if (hit is not { State: HitState.Confirmed } || hit.Report?.MessageId is not null) return [];
                var entries = new List<LedgerEntry>();
                after = await ReportAsync(connection, transaction, hit, entries, ct);
                await HitStore.UpdateAsync(connection, transaction, after, ct);
                return entries;
            }, cancellationToken);
            if (after?.Report?.MessageId is not null) sent++;
        }
        if (sent > 0) _report.Queued();
        return sent;
    }

    /// <summary>Discards a hit: it is not the alert's subject. The reason is kept (it feeds the precision figures).</summary>
    public Task<HitOutcome> DiscardAsync(string id, string? reason, string user, CancellationToken cancellationToken = default)
    {
        if (string.IsNullOrWhiteSpace(reason) || reason.Length > 2000)
            return Task.FromResult<HitOutcome>(new HitOutcome.Invalid([new("/reason", "required: say why it is not the alert's subject, in 1 to 2000 characters")]));
        return DecideAsync(id, user, LedgerKinds.HitDiscarded, (hit, now) => hit with { State = HitState.Discarded, Decision = new HitDecision(user, now, Reason: reason.Trim()) },
            reason.Trim(), cancellationToken);
    }

    private async Task<HitOutcome> DecideAsync(string id, string user, string kind, Func<Hit, DateTimeOffset, Hit> decide, string? reason, CancellationToken cancellationToken)
    {
        HitOutcome? refused = null;
        Hit? decided = null;
        await _ledger.AppendAsync(async (connection, transaction, ct) =>
        {
            var hit = await HitStore.LoadAsync(_database, connection, transaction, id, lockIt: true, ct);
            if (hit is null)
            {
                refused = new HitOutcome.NotFound([new("/id", $"no hit {id} at {Node}")]);
                return [];
            }
            if (hit.State != HitState.Open)
            {
                refused = new HitOutcome.NotAllowed([new("/id", $"{id} is {HitJson.Name(hit.State)} already (by {hit.Decision?.By} at {hit.Decision?.At:u})")]);
                return [];
            }
            decided = decide(hit, _time.GetUtcNow());
            var entries = new List<LedgerEntry> { Entry(kind, decided, new LedgerActor(user, Node), reason) };
            if (decided.State == HitState.Confirmed) decided = await ReportAsync(connection, transaction, decided, entries, ct);
            await HitStore.UpdateAsync(connection, transaction, decided, ct);
            return entries;
        }, cancellationToken);
        return refused ?? new HitOutcome.Done(decided!);
    }

    private LedgerEntry Entry(string kind, Hit hit, LedgerActor actor, string? reason)
    {
        var subjects = new List<string> { SubjectPrefix + hit.Id, AlertBook.SubjectPrefix + hit.AlertId };
        if (hit.DeclarationId is { } declaration) subjects.Add(LedgerSubjects.Declaration(declaration));
        var body = new JsonObject
        {
            ["hit"] = hit.Id,
            ["alert"] = hit.AlertId,
            ["issuer"] = hit.AlertIssuer,
            ["source"] = hit.AlertSource,
            ["category"] = hit.Category,
            ["score"] = hit.Score,
            ["checked"] = hit.Checked,
            ["state"] = HitJson.Name(hit.State),
            ["flagged"] = hit.Flagged,
            ["informBy"] = AlertJson.Time(hit.InformBy),
            [LedgerSubjects.Field] = LedgerSubjects.ToJson(subjects),
        };
        if (hit.DeclarationId is { } d) body["declaration"] = d;
        // How a hit was found is a word; why it was discarded is the officer's text, kept with the hit: the ledger holds its digest.
        if (reason is not null && kind == LedgerKinds.HitDiscarded) body["reasonDigest"] = AlertBook.ReasonDigest(reason);
        else if (reason is not null) body["reason"] = reason;
        return LedgerEntry.Now(_time, kind, actor, body);
    }

    /// <summary>Action-taken reports partners sent about an alert of this node, oldest first.</summary>
    public async Task<IReadOnlyList<JsonObject>> ReportsAsync(string alertId, CancellationToken cancellationToken = default) =>
        (await HitStore.ReportsAsync(_database, alertId, cancellationToken)).Select(t => (JsonNode.Parse(t) as JsonObject)!).ToArray();

    /// <summary>Why a received report is refused: not a report (<see cref="ActionTakenReports.Problem"/>), or about no alert this node issued under the message's agreement.</summary>
    public async Task<string?> ReportProblemAsync(Exchange.EnvelopeHeader header, JsonObject payload, CancellationToken cancellationToken = default) =>
        ActionTakenReports.Problem(header, payload, Node)
            ?? await _alerts.OwnAlertProblemAsync(payload[ActionTakenReports.Root]!["id"]!.GetValue<string>(), header.AgreementId, cancellationToken);

    /// <summary>Stores a partner's action-taken report on an alert of this node, with its ledger entry.</summary>
    public async Task ReceiveReportAsync(string messageId, string sender, string agreementId, JsonObject payload, CancellationToken cancellationToken = default)
    {
        var alert = payload[ActionTakenReports.Root]!.AsObject();
        var alertId = alert["id"]!.GetValue<string>();
        var report = alert[ActionTakenReports.Member]!.AsObject();
        var now = _time.GetUtcNow();
        var document = new JsonObject
        {
            ["messageId"] = messageId,
            ["from"] = sender,
            ["agreement"] = agreementId,
            ["receivedAt"] = AlertJson.Time(now),
            ["report"] = report.DeepClone(),
        };
        var hitId = report["hit"]?.GetValue<string>();
        await _ledger.AppendAsync(async (connection, transaction, ct) =>
        {
            // One report per hit: the same hit reported again (in another message) is not stored twice.
            if (hitId is not null && await HitStore.HasReportAsync(connection, transaction, alertId, sender, hitId, ct)) return [];
            if (!await HitStore.SaveReportAsync(connection, transaction, messageId, alertId, sender, now, document.ToJsonString(), ct)) return [];
            var body = new JsonObject
            {
                ["alert"] = alertId,
                ["from"] = sender,
                ["agreement"] = agreementId,
                ["message"] = messageId,
                ["hit"] = report["hit"]?.GetValue<string>(),
                ["actionNotTaken"] = report["actionNotTaken"]?.GetValue<bool>() ?? false,
                [LedgerSubjects.Field] = LedgerSubjects.ToJson([AlertBook.SubjectPrefix + alertId, LedgerSubjects.Message(messageId)]),
            };
            return [LedgerEntry.Now(_time, LedgerKinds.ActionTakenReportReceived, new LedgerActor("node:" + sender, sender), body)];
        }, cancellationToken);
    }
}
