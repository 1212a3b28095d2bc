using System.Text.Json.Nodes;
using Entente.Agreements;
using Entente.Exchange;
using Entente.Ledger;

namespace Entente.Retention;

/// <summary>How long the node keeps the declarations it holds, and what happens then (national law; partners' data follows its agreement).</summary>
public sealed record RetentionRule(Period Period, RetentionEnd Then)
{
    public override string ToString() => $"declarations: {Period} then {(Then == RetentionEnd.Erase ? "erase" : "review")}";

    /// <summary>The rule in settings form: a period such as P10Y and "erase" or "review".</summary>
    public static RetentionRule Parse(string period, string? then)
    {
        if (!AgreementDocument.TryParsePeriod(period, out var p))
            throw new FormatException($"retention period (Retention:Declarations, --period): expected an ISO 8601 period such as P10Y or P6M, got '{period}'");
        var end = (then ?? "review").ToLowerInvariant() switch
        {
            "erase" => RetentionEnd.Erase,
            "review" => RetentionEnd.Review,
            _ => throw new FormatException($"what follows retention (Retention:Then, --then): expected erase or review, got '{then}'"),
        };
        return new RetentionRule(p, end);
    }

    /// <summary>The latest receipt time whose period has run out at <paramref name="now"/>.</summary>
    public DateTimeOffset Cutoff(DateTimeOffset now) =>
        now.AddHours(-Period.Hours).AddDays(-Period.Days).AddMonths(-Period.Months).AddYears(-Period.Years);
}

/// <summary>What one pass over the messages received from partners erased (their agreements' retention), and its ledger entries.</summary>
public sealed record ReceivedRetentionReport(long Erased, IReadOnlyList<long> LedgerEntries)
{
    /// <summary>Partners' alerts erased at the end of their agreements' retention (each with its `alert-erased` entry).</summary>
    public long AlertsErased { get; init; }
}

public sealed record RetentionReport(DateTimeOffset Cutoff, long Erased, long Flagged, bool DryRun, IReadOnlyList<long> LedgerEntries);

/// <summary>One run of the retention rule: the node's (Retention:Declarations, Retention:Then) unless the input names another.</summary>
public sealed record RunRetentionInput(string User, bool DryRun = false)
{
    public string? Period { get; init; }

    public string? Then { get; init; }
}

public abstract record RunRetentionResult
{
    private RunRetentionResult()
    {
    }

    public sealed record Ran(RetentionRule Rule, RetentionReport Report) : RunRetentionResult;

    /// <summary>Neither the input nor the node's settings give a retention period.</summary>
    public sealed record NoPeriod : RunRetentionResult;

    public sealed record InvalidRule(string Reason) : RunRetentionResult;
}

/// <summary>
/// The retention job, for the server's RetentionService and `entente retention run`: erases, or flags for review, every
/// declaration whose retention has run out, in batches. Each batch's rows go in the transaction that appends its ledger
/// entries (the declaration, when it came, the rule, its parties by tag): never an erasure without its record, nor a
/// record of an erasure that did not happen.
/// </summary>
/// <param name="eraseAlerts">Erases the partners' alerts whose agreement's retention has ended (the alert book's); null: none held.</param>
public sealed class RunRetention(RetentionStore store, LedgerStore ledger, Func<byte[]> subjectKey, string nodeCode, TimeProvider time,
    string? period = null, string then = "review", Func<LedgerActor, CancellationToken, Task<int>>? eraseAlerts = null)
{
    public const int BatchSize = 500;

    /// <summary>A dry run counts at most this many.</summary>
    public const int DryRunLimit = 10_000;

    public async Task<RunRetentionResult> HandleAsync(RunRetentionInput input, CancellationToken cancellationToken = default)
    {
        if ((input.Period ?? period) is not { } periodText) return new RunRetentionResult.NoPeriod();
        RetentionRule rule;
        try
        {
            rule = RetentionRule.Parse(periodText, input.Then ?? then);
        }
        catch (FormatException e)
        {
            return new RunRetentionResult.InvalidRule(e.Message);
        }
        var report = await RunAsync(rule, subjectKey(), new LedgerActor(input.User, nodeCode), input.DryRun, cancellationToken);
        return new RunRetentionResult.Ran(rule, report);
    }

    private async Task<RetentionReport> RunAsync(RetentionRule rule, byte[] key, LedgerActor actor, bool dryRun, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var cutoff = rule.Cutoff(now);
        long erased = 0, flagged = 0;
        var entries = new List<long>();
        if (dryRun)
        {
            // Nothing changes, so one look says what a run would do (up to the listing's limit).
            var due = await store.ListReceivedBeforeAsync(cutoff, DryRunLimit, cancellationToken);
            return new RetentionReport(cutoff, rule.Then == RetentionEnd.Erase ? due.Count : 0, rule.Then == RetentionEnd.Review ? due.Count : 0, true, []);
        }
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var held = await store.ListReceivedBeforeAsync(cutoff, BatchSize, cancellationToken);
            if (held.Count == 0) break;
            var records = held.Select(h => LedgerEntry.Now(time,
                rule.Then == RetentionEnd.Erase ? LedgerKinds.Erasure : LedgerKinds.RetentionReview, actor, Body(h, rule, key))).ToList();
            var ids = held.Select(h => h.Id).ToList();
            var erasedNow = 0;
            entries.AddRange(await ledger.AppendAsync(async (connection, transaction, ct) =>
            {
                if (rule.Then == RetentionEnd.Erase) erasedNow = await store.EraseAsync(connection, transaction, ids, ct);
                else await store.FlagForReviewAsync(connection, transaction, held.Select(h => (h.Id, rule.Period.After(h.ReceivedAt))).ToList(), rule.ToString(), ct);
                return records;
            }, cancellationToken));
            erased += erasedNow;
            if (rule.Then == RetentionEnd.Review) flagged += held.Count;
        }
        return new RetentionReport(cutoff, erased, flagged, false, entries);
    }

    /// <summary>
    /// Erases every message received from a partner whose retention, set by the agreement it arrived under, has run
    /// out (retain_until), in batches: each batch's rows go in the transaction that appends its `received-erasure`
    /// entries (the message, sender, agreement, dates, the parties its payload named by tag). Partners' data follows
    /// its agreement, whatever the node's own rule for declarations (or none).
    /// </summary>
    public async Task<ReceivedRetentionReport> EraseReceivedAsync(string user, CancellationToken cancellationToken = default)
    {
        var key = subjectKey();
        var actor = new LedgerActor(user, nodeCode);
        long erased = 0;
        var entries = new List<long>();
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var due = await store.ListReceivedDueAsync(time.GetUtcNow(), BatchSize, cancellationToken);
            if (due.Count == 0) break;
            var records = due.Select(m => LedgerEntry.Now(time, LedgerKinds.ReceivedErasure, actor, Body(m, key))).ToList();
            var erasedNow = 0;
            entries.AddRange(await ledger.AppendAsync(async (connection, transaction, ct) =>
            {
                erasedNow = await store.EraseReceivedAsync(connection, transaction, due.Select(m => m.MessageId).ToList(), ct);
                return records;
            }, cancellationToken));
            erased += erasedNow;
        }
        // Partners' alerts follow their agreement too: the subject goes, the row stays as evidence ("erased at retention").
        var alerts = eraseAlerts is null ? 0 : await eraseAlerts(actor, cancellationToken);
        return new ReceivedRetentionReport(erased, entries) { AlertsErased = alerts };
    }

    /// <summary>What a received message's erasure entry says: no payload, its parties by tag only.</summary>
    public static JsonObject Body(HeldMessage held, ReadOnlySpan<byte> subjectKey)
    {
        var subjects = new List<string> { LedgerSubjects.Message(held.MessageId) };
        JsonNode? payload;
        try
        {
            payload = JsonNode.Parse(held.Payload);
        }
        catch (System.Text.Json.JsonException)
        {
            payload = null;
        }
        foreach (var party in ReadReceived.PartyIds(payload)) subjects.Add(LedgerSubjects.Party(subjectKey, party));
        return new JsonObject
        {
            ["message"] = held.MessageId,
            ["sender"] = held.Sender,
            ["agreement"] = held.AgreementId,
            ["receivedAt"] = Utc(held.ReceivedAt),
            ["retainUntil"] = Utc(held.RetainUntil),
            ["records"] = new JsonArray(held.MessageId),
            [LedgerSubjects.Field] = LedgerSubjects.ToJson(subjects),
        };
    }

    private static string Utc(DateTimeOffset at) => at.UtcDateTime.ToString("O", System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>What an erasure (or review) entry says: the declaration, its receipt, the rule, its parties by tag only.</summary>
    public static JsonObject Body(HeldDeclaration held, RetentionRule rule, ReadOnlySpan<byte> subjectKey)
    {
        var subjects = new List<string> { LedgerSubjects.Declaration(held.Id) };
        foreach (var party in held.PartyIds) subjects.Add(LedgerSubjects.Party(subjectKey, party));
        return new JsonObject
        {
            ["declaration"] = held.Id,
            ["mrn"] = held.Mrn,
            ["receivedAt"] = held.ReceivedAt.UtcDateTime.ToString("O", System.Globalization.CultureInfo.InvariantCulture),
            ["rule"] = rule.ToString(),
            ["records"] = new JsonArray(held.Id),
            [LedgerSubjects.Field] = LedgerSubjects.ToJson(subjects),
        };
    }
}
