using System.Data.Common;
using System.Security.Cryptography;
using System.Text.Json.Nodes;
using Entente.Agreements;
using Entente.Common;
using Entente.Ledger;
using Entente.Storage;

namespace Entente.Alerts;

/// <summary>An alert issued, moved or flagged, with what its push did (one entry per partner the agreement subscribes).</summary>
public sealed record AlertChange(StoredAlert Alert, IReadOnlyList<AlertPush> Pushed);

/// <summary>The outcome of a command on alerts: done, or refused with every problem at its pointer (nothing changed).</summary>
public abstract record AlertOutcome
{
    public sealed record Done(AlertChange Change) : AlertOutcome;

    /// <summary>The document is not a valid alert.</summary>
    public sealed record Invalid(IReadOnlyList<FieldError> Errors) : AlertOutcome;

    /// <summary>The alert cites an agreement that is not in force here, not with this node, or without alerts.</summary>
    public sealed record OutsideAgreement(IReadOnlyList<FieldError> Errors) : AlertOutcome;

    public sealed record NotFound(IReadOnlyList<FieldError> Errors) : AlertOutcome;

    /// <summary>The move is not a legal one from the alert's state, or not for an alert from that source.</summary>
    public sealed record NotAllowed(IReadOnlyList<FieldError> Errors) : AlertOutcome;

    public IReadOnlyList<FieldError> Problems => this switch
    {
        Invalid i => i.Errors,
        OutsideAgreement o => o.Errors,
        NotFound n => n.Errors,
        NotAllowed n => n.Errors,
        _ => [],
    };
}

/// <summary>What became of a partner's alert message.</summary>
public enum AlertReceiptOutcome { Stored, Updated, Withdrawn, Unchanged }

/// <summary>
/// The node's alerts: its own (issue, activate, withdraw), its partners' (received under agreements, flagged here), and
/// those of sanctions lists. Every change is stored and recorded in the ledger in one transaction; an own alert in force
/// under an agreement, and its withdrawal, are then handed to <c>push</c> (the exchange). The screening reads
/// <see cref="InForceAsync"/>.
/// </summary>
public sealed class AlertBook
{
    public const string SubjectPrefix = "alert:";

    private readonly LedgerStore _ledger;
    private readonly TimeProvider _time;
    private readonly Func<DateTimeOffset, IReadOnlyList<Agreement>> _agreementsInForce;
    private readonly IAlertOutbox? _outbox;

    /// <param name="node">This node's code (the issuer of its own alerts).</param>
    /// <param name="ledger">The node's ledger, on the node's database (migrated).</param>
    /// <param name="time">The clock: validity and expiry are read from it.</param>
    /// <param name="agreementsInForce">The agreements in force at a time.</param>
    /// <param name="outbox">Queues an own alert for the partners its agreement subscribes, and a flag for a partner's alert's issuer, in the transaction that stores the change (null: kept here).</param>
    public AlertBook(string node, LedgerStore ledger, TimeProvider time, Func<DateTimeOffset, IReadOnlyList<Agreement>> agreementsInForce, IAlertOutbox? outbox = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(node);
        Node = node;
        _ledger = ledger;
        _time = time;
        _agreementsInForce = agreementsInForce;
        _outbox = outbox;
    }

    public string Node { get; }

    private NodeDatabase Database => _ledger.Database;

    /// <summary>The agreement in force now that an alert rests on (null for a national basis, or one no longer in force).</summary>
    public Agreement? AgreementOf(Alert alert) =>
        alert.LegalBasis.Agreement is { } id ? _agreementsInForce(_time.GetUtcNow()).FirstOrDefault(a => a.Id == id) : null;

    public string NewId() => $"{Node}-AL-{_time.GetUtcNow():yyyyMMdd}-{RandomNumberGenerator.GetHexString(12, lowercase: true)}";

    /// <summary>Checks and issues an alert of this node (draft or in force); in force under an agreement, it is pushed.</summary>
    public async Task<AlertOutcome> IssueAsync(JsonObject document, string user, CancellationToken cancellationToken = default)
    {
        var now = _time.GetUtcNow();
        var check = AlertValidator.CheckOwn(document, Node, _agreementsInForce(now), NewId);
        if (check.Alert is not { } alert)
            return check.OutsideAgreement ? new AlertOutcome.OutsideAgreement(check.Errors) : new AlertOutcome.Invalid(check.Errors);
        var stored = new StoredAlert(alert, AlertSource.Own, AlertLifecycle.StateAt(alert, now), [], check.Findings, now, now);
        var taken = false;
        IReadOnlyList<AlertPush> pushed = [];
        await _ledger.AppendAsync(async (connection, transaction, ct) =>
        {
            pushed = [];
            if (await AlertStore.ExistsAsync(connection, transaction, alert.Id, ct))
            {
                taken = true;
                return [];
            }
            await AlertStore.SaveAsync(connection, transaction, stored, insert: true, ct);
            var entries = new List<LedgerEntry> { Entry(LedgerKinds.AlertIssued, stored, new LedgerActor(user, Node)) };
            pushed = await QueueAsync(connection, transaction, stored, entries, ct);
            return entries;
        }, cancellationToken);
        if (taken) return new AlertOutcome.NotAllowed([new("/id", $"alert {alert.Id} exists already")]);
        Sent(pushed);
        return new AlertOutcome.Done(new AlertChange(stored, pushed));
    }

    /// <summary>Puts a draft of this node in force (and pushes it when its basis is an agreement).</summary>
    public Task<AlertOutcome> ActivateAsync(string id, string user, CancellationToken cancellationToken = default) =>
        MoveAsync(id, user, null, LedgerKinds.AlertUpdated, (stored, now) =>
        {
            if (stored.Source != AlertSource.Own) return $"{id} is a {AlertJson.Name(stored.Source)} alert: only its issuer puts it in force";
            if (stored.Alert.State != AlertState.Draft) return $"{id} is {AlertJson.Name(stored.State)}: only a draft is put in force";
            return null;
        }, (stored, now) => stored with { Alert = stored.Alert with { State = AlertState.InForce, Version = stored.Alert.Version + 1 } }, cancellationToken);

    /// <summary>Withdraws an alert of this node (or of a list it imported), with the reason; a shared one's withdrawal is pushed.</summary>
    public Task<AlertOutcome> WithdrawAsync(string id, string reason, string user, CancellationToken cancellationToken = default) =>
        MoveAsync(id, user, reason, LedgerKinds.AlertWithdrawn, (stored, now) =>
        {
            if (stored.Source == AlertSource.Partner) return $"{id} is {stored.Alert.Issuer}'s alert: only its issuer withdraws it (flag it to not take its action here)";
            if (!AlertLifecycle.CanMove(stored.State, AlertState.Withdrawn)) return $"{id} is {AlertJson.Name(stored.State)}: it cannot be withdrawn";
            return null;
        }, (stored, now) => stored with
        {
            Alert = stored.Alert with { State = AlertState.Withdrawn, Version = stored.Alert.Version + 1, Withdrawal = new AlertWithdrawal(now, reason) },
        }, cancellationToken);

    /// <summary>Flags a partner's alert: a hit here is reported, its action is not taken on this territory.</summary>
    public Task<AlertOutcome> FlagAsync(string id, string reason, string user, CancellationToken cancellationToken = default) =>
        MoveAsync(id, user, reason, LedgerKinds.AlertFlagged, (stored, now) =>
        {
            if (stored.Source != AlertSource.Partner) return $"{id} is not a partner's alert: a flag is how a receiving administration declines a partner's action (withdraw an own alert instead)";
            if (stored.State == AlertState.Withdrawn) return $"{id} is withdrawn";
            if (stored.Flags.Any(f => f.By == Node)) return $"{id} is flagged here already";
            return null;
        }, (stored, now) => stored with { Flags = [.. stored.Flags, new AlertFlag(Node, now, reason)] }, cancellationToken);

    private async Task<AlertOutcome> MoveAsync(string id, string user, string? reason, string kind, Func<StoredAlert, DateTimeOffset, string?> refuse,
        Func<StoredAlert, DateTimeOffset, StoredAlert> move, CancellationToken cancellationToken)
    {
        if (reason is not null && (string.IsNullOrWhiteSpace(reason) || reason.Length > 2000))
            return new AlertOutcome.Invalid([new("/reason", "required: say why, in 1 to 2000 characters")]);
        var now = _time.GetUtcNow();
        AlertOutcome? refused = null;
        StoredAlert? moved = null;
        IReadOnlyList<AlertPush> pushed = [];
        await _ledger.AppendAsync(async (connection, transaction, ct) =>
        {
            pushed = [];
            var stored = await AlertStore.LoadAsync(Database, connection, transaction, id, lockIt: true, now, ct);
            if (stored is null)
            {
                refused = new AlertOutcome.NotFound([new("/id", $"no alert {id} at {Node}")]);
                return [];
            }
            if (refuse(stored, now) is { } why)
            {
                refused = new AlertOutcome.NotAllowed([new("/id", why)]);
                return [];
            }
            var wasDraft = stored.Alert.State == AlertState.Draft;
            moved = move(stored, now) with { UpdatedAt = now };
            moved = moved with { State = AlertLifecycle.StateAt(moved.Alert, now, moved.RetainUntil) };
            await AlertStore.SaveAsync(connection, transaction, moved, insert: false, ct);
            var entries = new List<LedgerEntry> { Entry(kind, moved, new LedgerActor(user, Node), reason) };
            // A flag goes to the alert's issuer; a draft withdrawn was never sent; the rest goes where the alert went.
            if (kind == LedgerKinds.AlertFlagged)
            {
                if (_outbox is not null && moved.Alert.LegalBasis.Agreement is not null)
                {
                    var queued = await _outbox.FlagAsync(connection, transaction, moved, moved.Flags[^1], ct);
                    entries.AddRange(queued.Entries);
                    pushed = queued.Pushed;
                    moved = WithDelivery(moved, moved.Flags.Count - 1, Delivery(now, pushed, 1));
                    await AlertStore.SaveAsync(connection, transaction, moved, insert: false, ct);
                }
            }
            else if (!(wasDraft && kind == LedgerKinds.AlertWithdrawn))
            {
                pushed = await QueueAsync(connection, transaction, moved, entries, ct);
            }
            return entries;
        }, cancellationToken);
        if (refused is not null) return refused;
        Sent(pushed);
        return new AlertOutcome.Done(new AlertChange(moved!, pushed));
    }

    /// <summary>How long after an attempt a flag that did not get through is told again: 1, 2, 4... minutes, at most an hour (as action-taken reports).</summary>
    public static TimeSpan ResendAfter(int attempts) => TimeSpan.FromMinutes(Math.Min(60, Math.Pow(2, Math.Max(0, attempts - 1))));

    /// <summary>How many times a flag the issuer refused (a signed negative receipt) is told again before it is left refused.</summary>
    public const int MaxAttemptsRefusedByIssuer = 8;

    /// <summary>
    /// Tells the issuers again the flags of this node that did not get through, each in its own transaction with the
    /// alert's update, once its back-off (<see cref="ResendAfter"/>) has passed: a flag not queued (the policy refused it
    /// here: the agreement not in force, the issuer not in the directory...), and a flag whose message the issuer refused
    /// (up to <see cref="MaxAttemptsRefusedByIssuer"/> attempts). A flag whose message is pending or delivered is left to
    /// the exchange's outbox, which retries an unreachable issuer itself. The issuer keeps the same flag once (by who
    /// and when it was flagged), however often it is told. Run by every screening pass, as the reports are.
    /// </summary>
    public async Task<int> ResendFlagsAsync(CancellationToken cancellationToken = default)
    {
        if (_outbox is null) return 0;
        var sent = 0;
        foreach (var id in await AlertStore.FlaggedPartnerAlertsAsync(Database, cancellationToken))
        {
            var now = _time.GetUtcNow();
            var before = await GetAsync(id, cancellationToken);
            if (before?.Flags.FirstOrDefault(f => f.By == Node)?.Delivery is not { } last || now - last.At < ResendAfter(last.Attempts)) continue;
            string? refusedByIssuer = null;
            if (last.MessageId is { } messageId)
            {
                refusedByIssuer = await _outbox.RefusedAsync(messageId, cancellationToken);
                if (refusedByIssuer is null || last.Attempts >= MaxAttemptsRefusedByIssuer) continue;
            }
            IReadOnlyList<AlertPush> pushed = [];
            await _ledger.AppendAsync(async (connection, transaction, ct) =>
            {
                pushed = [];
                var stored = await AlertStore.LoadAsync(Database, connection, transaction, id, lockIt: true, now, ct);
                var index = stored is null || stored.ErasedAt is not null || stored.Alert.LegalBasis.Agreement is null ? -1 : stored.Flags.ToList().FindIndex(f => f.By == Node);
                if (index < 0 || stored!.Flags[index].Delivery != last) return [];
                var queued = await _outbox.FlagAsync(connection, transaction, stored, stored.Flags[index], ct);
                pushed = queued.Pushed;
                var delivery = Delivery(now, pushed, last.Attempts + 1);
                if (refusedByIssuer is not null && delivery.MessageId is null) delivery = delivery with { Refused = $"{delivery.Refused} (before: refused by {stored.Alert.Issuer}: {refusedByIssuer})" };
                await AlertStore.SaveAsync(connection, transaction, WithDelivery(stored, index, delivery), insert: false, ct);
                return queued.Entries;
            }, cancellationToken);
            if (pushed.Any(p => p.MessageId is not null)) sent++;
        }
        if (sent > 0) _outbox.Queued();
        return sent;
    }

    private static FlagDelivery Delivery(DateTimeOffset now, IReadOnlyList<AlertPush> pushed, int attempts) =>
        pushed.FirstOrDefault() is { } push
            ? new FlagDelivery(now, push.MessageId, push.MessageId is null ? push.Refused : null) { Attempts = attempts }
            : new FlagDelivery(now, null, "nothing queued") { Attempts = attempts };

    private static StoredAlert WithDelivery(StoredAlert stored, int index, FlagDelivery delivery)
    {
        var flags = stored.Flags.ToArray();
        flags[index] = flags[index] with { Delivery = delivery };
        return stored with { Flags = flags };
    }

    public async Task<StoredAlert?> GetAsync(string id, CancellationToken cancellationToken = default)
    {
        await using var connection = await Database.ConnectAsync(cancellationToken);
        return await AlertStore.LoadAsync(Database, connection, null, id, lockIt: false, _time.GetUtcNow(), cancellationToken);
    }

    public Task<IReadOnlyList<StoredAlert>> ListAsync(AlertFilter filter, CancellationToken cancellationToken = default) =>
        AlertStore.ListAsync(Database, filter, _time.GetUtcNow(), cancellationToken);

    /// <summary>
    /// Every alert that applies now — own, partners' and lists', in force, first day reached, not expired, not withdrawn —
    /// with its subject and this node's flags, streamed in id order: what a screening matches against.
    /// </summary>
    public IAsyncEnumerable<StoredAlert> InForceAsync(CancellationToken cancellationToken = default) =>
        AlertStore.InForceAsync(Database, _time.GetUtcNow(), cancellationToken);

    /// <summary>Changes whenever an alert is stored, changed, withdrawn or flagged (count, last change, versions, flags): how the screening knows its watch list is stale.</summary>
    public async Task<string> StampAsync(CancellationToken cancellationToken = default)
    {
        await using var connection = await Database.ConnectAsync(cancellationToken);
        await using var command = NodeDatabase.Command(connection, null, "SELECT COUNT(*), MAX(updated_at), SUM(version), SUM(flagged) FROM alerts");
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        await reader.ReadAsync(cancellationToken);
        // Versions and flags too: two changes within the same clock tick leave the last change time as it was.
        return $"{reader.GetValue(0)}|{(reader.IsDBNull(1) ? "" : reader.GetString(1))}|{reader.GetValue(2)}|{reader.GetValue(3)}";
    }

    /// <summary>
    /// Imports alerts from a file read through a mapping: every row is checked; when any row has an error nothing is
    /// stored and the report lists them all (file, line, column); otherwise all are stored in one transaction, then pushed.
    /// </summary>
    public async Task<AlertImportReport> ImportAsync(string file, IReadOnlyList<AlertImportRow> rows, string user, CancellationToken cancellationToken = default)
    {
        var now = _time.GetUtcNow();
        var inForce = _agreementsInForce(now);
        var errors = new List<FieldError>();
        var alerts = new List<StoredAlert>();
        var ids = new HashSet<string>(StringComparer.Ordinal);
        foreach (var row in rows)
        {
            errors.AddRange(row.Errors);
            if (row.Errors.Count > 0) continue;
            var check = AlertValidator.CheckOwn(row.Document, Node, inForce, NewId);
            foreach (var e in check.Errors) errors.Add(row.Locate(e));
            if (check.Alert is not { } alert) continue;
            if (!ids.Add(alert.Id)) errors.Add(row.Locate(new FieldError("/id", $"{alert.Id} is also on an earlier row")));
            alerts.Add(new StoredAlert(alert, AlertSource.Own, AlertLifecycle.StateAt(alert, now), [], check.Findings, now, now));
        }
        var pushed = new List<AlertPush>();
        if (errors.Count == 0 && alerts.Count > 0)
        {
            var actor = new LedgerActor(user, Node);
            await _ledger.AppendAsync(async (connection, transaction, ct) =>
            {
                errors.Clear();
                pushed.Clear();
                for (var i = 0; i < alerts.Count; i++)
                    if (await AlertStore.ExistsAsync(connection, transaction, alerts[i].Alert.Id, ct)) errors.Add(rows[i].Locate(new FieldError("/id", $"alert {alerts[i].Alert.Id} exists already")));
                if (errors.Count > 0) return [];
                var entries = new List<LedgerEntry>(alerts.Count);
                foreach (var stored in alerts)
                {
                    await AlertStore.SaveAsync(connection, transaction, stored, insert: true, ct);
                    entries.Add(Entry(LedgerKinds.AlertIssued, stored, actor));
                    pushed.AddRange(await QueueAsync(connection, transaction, stored, entries, ct));
                }
                return entries;
            }, cancellationToken);
        }
        if (errors.Count > 0) return new AlertImportReport(file, rows.Count, 0, errors, []);
        Sent(pushed);
        return new AlertImportReport(file, rows.Count, alerts.Count, [], alerts.Select(a => a.Alert.Id).ToArray()) { Pushed = pushed };
    }

    /// <summary>
    /// Brings the alerts of a sanctions list in line with the list as now read, in one transaction: new entities become
    /// alerts, changed ones a new version, those no longer on the list are withdrawn; entities that are not valid alerts
    /// are reported and leave their earlier alert as it was.
    /// </summary>
    public async Task<SanctionsImportReport> ImportListAsync(string list, IReadOnlyList<ListEntity> entities, string user, CancellationToken cancellationToken = default)
    {
        var now = _time.GetUtcNow();
        var actor = new LedgerActor(user, Node);
        var errors = new List<FieldError>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var candidates = new List<(string Key, Alert Alert, IReadOnlyList<string> Findings)>();
        foreach (var entity in entities)
        {
            var key = list + "/" + entity.EntityId;
            if (!seen.Add(key))
            {
                errors.Add(new FieldError("/id", $"entity {entity.EntityId} appears twice; the first is kept") { File = entity.File, Line = entity.Line });
                continue;
            }
            var id = $"{Node}-SL-{Convert.ToHexStringLower(SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(key)))[..20]}";
            var check = AlertValidator.CheckOwn(entity.Document, Node, [], () => id);
            if (check.Alert is { } alert) candidates.Add((key, alert, check.Findings));
            else errors.AddRange(check.Errors.Select(e => e with { File = entity.File, Line = entity.Line, Message = $"entity {entity.EntityId}: {e.Message}" }));
        }
        int created = 0, updated = 0, unchanged = 0, withdrawn = 0;
        await _ledger.AppendAsync(async (connection, transaction, ct) =>
        {
            created = updated = unchanged = withdrawn = 0;
            var existing = await AlertStore.OfListAsync(connection, transaction, list, now, ct);
            var entries = new List<LedgerEntry>();
            foreach (var (key, alert, findings) in candidates)
            {
                if (existing.TryGetValue(key, out var before))
                {
                    if (before.Alert.State != AlertState.Withdrawn && Same(before.Alert, alert))
                    {
                        unchanged++;
                        continue;
                    }
                    var next = before with { Alert = alert with { Version = before.Alert.Version + 1 }, Findings = findings, UpdatedAt = now };
                    next = next with { State = AlertLifecycle.StateAt(next.Alert, now) };
                    await AlertStore.SaveAsync(connection, transaction, next, insert: false, ct);
                    entries.Add(Entry(LedgerKinds.AlertUpdated, next, actor, list: list));
                    updated++;
                    continue;
                }
                var stored = new StoredAlert(alert, AlertSource.List, AlertLifecycle.StateAt(alert, now), [], findings, now, now) { ListKey = key };
                await AlertStore.SaveAsync(connection, transaction, stored, insert: true, ct);
                entries.Add(Entry(LedgerKinds.AlertIssued, stored, actor, list: list));
                created++;
            }
            foreach (var (key, before) in existing)
            {
                if (seen.Contains(key) || before.Alert.State == AlertState.Withdrawn) continue;
                var reason = $"no longer on the list {list}";
                var gone = before with
                {
                    Alert = before.Alert with { State = AlertState.Withdrawn, Version = before.Alert.Version + 1, Withdrawal = new AlertWithdrawal(now, reason) },
                    State = AlertState.Withdrawn,
                    UpdatedAt = now,
                };
                await AlertStore.SaveAsync(connection, transaction, gone, insert: false, ct);
                entries.Add(Entry(LedgerKinds.AlertWithdrawn, gone, actor, reason, list));
                withdrawn++;
            }
            return entries;
        }, cancellationToken);
        return new SanctionsImportReport(list, entities.Count, created, updated, unchanged, withdrawn, errors);
    }

    /// <summary>The same alert but for its version and withdrawal: a list entity that did not change.</summary>
    private static bool Same(Alert a, Alert b) =>
        AlertJson.Digest(a with { Version = 1, Withdrawal = null }) == AlertJson.Digest(b with { Version = 1, Withdrawal = null });

    /// <summary>
    /// Stores a partner's alert as its message carries it (checked on receipt by <see cref="AlertValidator.CheckReceived"/>):
    /// new, a newer version, or its withdrawal; an older or equal version changes nothing. Flags made here are kept.
    /// </summary>
    public async Task<AlertReceiptOutcome> ReceiveAsync(string sender, string agreementId, string handlingCode, DateTimeOffset retainUntil, JsonObject payload,
        CancellationToken cancellationToken = default)
    {
        var check = AlertValidator.CheckReceived(payload, sender, agreementId);
        if (check.Alert is not { } alert) throw new InvalidOperationException($"a refused alert reached the book: {FieldError.Detail(check.Errors)}");
        var now = _time.GetUtcNow();
        var outcome = AlertReceiptOutcome.Unchanged;
        await _ledger.AppendAsync(async (connection, transaction, ct) =>
        {
            outcome = AlertReceiptOutcome.Unchanged;
            var before = await AlertStore.LoadAsync(Database, connection, transaction, alert.Id, lockIt: true, now, ct);
            if (before is not null && (before.Source != AlertSource.Partner || before.Alert.Issuer != sender || before.Alert.Version >= alert.Version)) return [];
            var stored = new StoredAlert(alert, AlertSource.Partner, AlertLifecycle.StateAt(alert, now, retainUntil), before?.Flags ?? [], check.Findings,
                before?.RecordedAt ?? now, now)
            {
                ReceivedHandlingCode = handlingCode,
                RetainUntil = retainUntil,
            };
            await AlertStore.SaveAsync(connection, transaction, stored, insert: before is null, ct);
            outcome = before is null ? AlertReceiptOutcome.Stored : alert.State == AlertState.Withdrawn ? AlertReceiptOutcome.Withdrawn : AlertReceiptOutcome.Updated;
            var kind = outcome switch
            {
                AlertReceiptOutcome.Stored => LedgerKinds.AlertReceived,
                AlertReceiptOutcome.Withdrawn => LedgerKinds.AlertWithdrawn,
                _ => LedgerKinds.AlertUpdated,
            };
            return [Entry(kind, stored, new LedgerActor("node:" + sender, sender), alert.Withdrawal?.Reason)];
        }, cancellationToken);
        return outcome;
    }

    /// <summary>Queues an own alert shared under an agreement (not a draft) for its partners, in the caller's transaction; its entries join <paramref name="entries"/>.</summary>
    private async Task<IReadOnlyList<AlertPush>> QueueAsync(DbConnection connection, DbTransaction transaction, StoredAlert stored, List<LedgerEntry> entries, CancellationToken cancellationToken)
    {
        if (_outbox is null || stored.Source != AlertSource.Own || stored.Alert.LegalBasis.Agreement is null || stored.Alert.State == AlertState.Draft) return [];
        var queued = await _outbox.PushAsync(connection, transaction, stored, cancellationToken);
        entries.AddRange(queued.Entries);
        return queued.Pushed;
    }

    /// <summary>After the commit: a dispatcher in this process sends what was queued at once.</summary>
    private void Sent(IEnumerable<AlertPush> pushed)
    {
        if (_outbox is not null && pushed.Any(p => p.MessageId is not null)) _outbox.Queued();
    }

    /// <summary>sha256: and the hex SHA-256 of a reason's text: what the ledger records of a withdrawal's, flag's or discard's reason (the text stays in the store).</summary>
    public static string ReasonDigest(string reason) => "sha256:" + Convert.ToHexStringLower(SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(reason)));

    /// <summary>Why a partner's message about alert <paramref name="id"/> (a report, a flag) is refused here: not an alert of this node, none such, or not under that agreement.</summary>
    public async Task<string?> OwnAlertProblemAsync(string id, string agreementId, CancellationToken cancellationToken = default)
    {
        if (!id.StartsWith(Node + "-", StringComparison.Ordinal)) return $"/alert/id: {id} is not an alert of {Node}";
        var stored = await GetAsync(id, cancellationToken);
        if (stored is null || stored.Source == AlertSource.Partner) return $"/alert/id: {Node} holds no alert {id} of its own";
        if (stored.Alert.LegalBasis.Agreement != agreementId) return $"/alert/id: {id} was not shared under agreement {agreementId}";
        return null;
    }

    /// <summary>
    /// The issuer's side of a flag: a partner tells this node it flagged one of its alerts (the action is not taken on
    /// its territory). The flag is kept with the alert (<see cref="StoredAlert.PartnerFlags"/>) and recorded
    /// (`alert-flag-received`, the reason by digest); the same flag told twice is kept once. Checked on receipt by <see cref="OwnAlertProblemAsync"/>.
    /// </summary>
    public async Task ReceiveFlagAsync(string messageId, string sender, string agreementId, JsonObject payload, CancellationToken cancellationToken = default)
    {
        var body = payload[AlertJson.Root]!.AsObject();
        var id = body["id"]!.GetValue<string>();
        var flag = body[AlertExchange.FlagMember]!.AsObject();
        var told = new AlertFlag(sender, AlertJson.ParseTime(flag["at"]!.GetValue<string>()), flag["reason"]!.GetValue<string>());
        var now = _time.GetUtcNow();
        await _ledger.AppendAsync(async (connection, transaction, ct) =>
        {
            var stored = await AlertStore.LoadAsync(Database, connection, transaction, id, lockIt: true, now, ct);
            if (stored is null || stored.PartnerFlags.Any(f => f.By == told.By && f.At == told.At)) return [];
            await AlertStore.SaveAsync(connection, transaction, stored with { PartnerFlags = [.. stored.PartnerFlags, told] }, insert: false, ct);
            return [LedgerEntry.Now(_time, LedgerKinds.AlertFlagReceived, new LedgerActor("node:" + sender, sender), new JsonObject
            {
                ["alert"] = id,
                ["from"] = sender,
                ["agreement"] = agreementId,
                ["message"] = messageId,
                ["flaggedAt"] = AlertJson.Time(told.At),
                ["reasonDigest"] = ReasonDigest(told.Reason),
                [LedgerSubjects.Field] = LedgerSubjects.ToJson([SubjectPrefix + id, LedgerSubjects.Message(messageId)]),
            })];
        }, cancellationToken);
    }

    /// <summary>
    /// Erases the partners' alerts whose retention (their agreement's, carried by their message) has ended, in batches:
    /// the subject and remarks leave the store, the row stays (id, issuer, version, erased at) and each erasure is in the
    /// ledger in its transaction (`alert-erased`: the alert, issuer, agreement, retention end, digest of what was held).
    /// </summary>
    public async Task<int> EraseExpiredPartnerAlertsAsync(LedgerActor actor, CancellationToken cancellationToken = default)
    {
        var erased = 0;
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var now = _time.GetUtcNow();
            var due = await AlertStore.DueForErasureAsync(Database, now, 500, cancellationToken);
            if (due.Count == 0) return erased;
            var count = 0;
            await _ledger.AppendAsync(async (connection, transaction, ct) =>
            {
                count = 0;
                var entries = new List<LedgerEntry>();
                foreach (var held in due)
                {
                    var gone = held with
                    {
                        Alert = held.Alert with { Subject = new AlertSubject { Kind = held.Alert.Subject.Kind }, Remarks = null, Links = null },
                        Findings = [],
                        ErasedAt = now,
                    };
                    await AlertStore.SaveAsync(connection, transaction, gone, insert: false, ct);
                    var subjects = new List<string> { SubjectPrefix + held.Alert.Id };
                    if (held.Alert.LegalBasis.Agreement is { } agreement) subjects.Add(AgreementWatch.Subject(agreement));
                    entries.Add(LedgerEntry.Now(_time, LedgerKinds.AlertErased, actor, new JsonObject
                    {
                        ["alert"] = held.Alert.Id,
                        ["issuer"] = held.Alert.Issuer,
                        ["version"] = held.Alert.Version,
                        ["agreement"] = held.Alert.LegalBasis.Agreement,
                        ["retainUntil"] = AlertJson.Time(held.RetainUntil!.Value),
                        ["digest"] = AlertJson.Digest(held.Alert),
                        ["records"] = new JsonArray(held.Alert.Id),
                        [LedgerSubjects.Field] = LedgerSubjects.ToJson(subjects),
                    }));
                    count++;
                }
                return entries;
            }, cancellationToken);
            erased += count;
        }
    }

    private LedgerEntry Entry(string kind, StoredAlert stored, LedgerActor actor, string? reason = null, string? list = null)
    {
        var a = stored.Alert;
        var subjects = new List<string> { SubjectPrefix + a.Id };
        if (a.LegalBasis.Agreement is { } agreement) subjects.Add(AgreementWatch.Subject(agreement));
        var body = new JsonObject
        {
            ["alert"] = a.Id,
            ["issuer"] = a.Issuer,
            ["version"] = a.Version,
            ["state"] = AlertJson.Name(a.State),
            ["source"] = AlertJson.Name(stored.Source),
            ["subjectKind"] = AlertJson.Name(a.Subject.Kind),
            ["category"] = AlertJson.Name(a.Category),
            ["action"] = AlertJson.Name(a.Action),
            ["basis"] = a.LegalBasis.Agreement is { } id ? "agreement:" + id : "national",
            ["digest"] = AlertJson.Digest(a),
            [LedgerSubjects.Field] = LedgerSubjects.ToJson(subjects),
        };
        // The reason's text stays with the alert in the store; the ledger holds its digest (it may name a person).
        if (reason is not null) body["reasonDigest"] = ReasonDigest(reason);
        if (list is not null) body["list"] = list;
        return LedgerEntry.Now(_time, kind, actor, body);
    }
}

/// <summary>One row of an import file as the mapping made it: the alert document, where it came from, the errors reading it.</summary>
public sealed record AlertImportRow(JsonObject Document, string File, long Line, IReadOnlyList<FieldError> Errors, IReadOnlyDictionary<string, string> Columns)
{
    /// <summary>An error on the document, placed at its file, line and the column that set the field (when one did).</summary>
    public FieldError Locate(FieldError error)
    {
        var column = Columns.Where(c => error.Path == c.Key || error.Path.StartsWith(c.Key + "/", StringComparison.Ordinal))
            .OrderByDescending(c => c.Key.Length).Select(c => c.Value).FirstOrDefault();
        return error with { File = File, Line = Line, Message = column is null ? error.Message : $"column '{column}': {error.Message}" };
    }
}

/// <summary>What an import did: rows read, alerts stored (0 when any row had an error), every error with file, line and column.</summary>
public sealed record AlertImportReport(string File, int Rows, int Imported, IReadOnlyList<FieldError> Errors, IReadOnlyList<string> Ids)
{
    public IReadOnlyList<AlertPush> Pushed { get; init; } = [];
}

/// <summary>One entity of a sanctions list as an alert document, with where it is in the file.</summary>
public sealed record ListEntity(string EntityId, JsonObject Document, string File, long Line);

/// <summary>What a sanctions-list import did.</summary>
public sealed record SanctionsImportReport(string List, int Entities, int Created, int Updated, int Unchanged, int Withdrawn, IReadOnlyList<FieldError> Errors)
{
    /// <summary>Lines of the file that were not subjects (sanctions programmes, addresses, ownership links...).</summary>
    public int Skipped { get; init; }
}
