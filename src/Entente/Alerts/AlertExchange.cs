using System.Data.Common;
using System.Text.Json.Nodes;
using Entente.Agreements;
using Entente.Common;
using Entente.Exchange;
using Entente.Ledger;
using Entente.Sharing;

namespace Entente.Alerts;

/// <summary>
/// Carries alerts over the exchange as messages of kind "alert" (category alerts, payload <c>{"alert": ...}</c>): an own
/// alert in force under an agreement goes to the partners that agreement's alerts rule pushes to, each change (a
/// withdrawal) as the next message of the alert's conversation so they arrive in order. The envelope's alert category
/// is the action (discreet-check, seize...), which an agreement's <c>alert-categories</c> may restrict. On receipt the
/// payload is checked before it is stored (<see cref="AlertValidator.CheckReceived"/>): what fails is refused with a
/// signed negative receipt and recorded by the exchange, and changes nothing.
/// </summary>
public static class AlertExchange
{
    public static readonly string Kind = RecordKind.Alert.Name;

    /// <summary>A flag told to the alert's issuer: kind, and the member of the payload's alert that carries it.</summary>
    public const string FlagKind = "alert-flag";

    public const string FlagMember = "flag";

    /// <summary>The purpose a message about an alert goes under: the one its agreement's alerts rule pushes with, else the rule's first; null when the agreement has no alerts rule in force here.</summary>
    public static (Agreement Agreement, CategoryRule Rule, Purpose Purpose)? Basis(ExchangeNode exchange, string agreementId)
    {
        var agreement = exchange.AgreementsInForce(exchange.Time.GetUtcNow()).FirstOrDefault(a => a.Id == agreementId);
        var rule = agreement?.Rules.FirstOrDefault(r => r.Category == DataCategory.Alerts);
        if (agreement is null || rule is null || (rule.Push is null && rule.Purposes.Count == 0)) return null;
        return (agreement, rule, rule.Push?.Purpose ?? rule.Purposes[0]);
    }

    /// <summary>The book's outbox on the exchange: each message queued in the book's own transaction (the alert and its messages commit together).</summary>
    public static IAlertOutbox Outbox(ExchangeNode exchange) => new ExchangeOutbox(exchange);

    private sealed class ExchangeOutbox(ExchangeNode exchange) : IAlertOutbox
    {
        public async Task<AlertQueued> PushAsync(DbConnection connection, DbTransaction transaction, StoredAlert stored, CancellationToken cancellationToken)
        {
            var alert = stored.Alert;
            if (alert.LegalBasis.Agreement is not { } agreementId) return AlertQueued.None;
            var payload = AlertJson.Payload(alert);
            var inForce = exchange.AgreementsInForce(exchange.Time.GetUtcNow()).Where(a => a.Id == agreementId).ToArray();
            var targets = Subscriptions.Plan(inForce, exchange.Code, RecordKind.Alert, payload);
            if (targets.Count == 0) return AlertQueued.None;
            var disclosures = targets.Select(t => new Disclosure(t.Recipient, DataCategory.Alerts, t.Purpose, Kind, payload)
            {
                AgreementId = agreementId,
                AlertCategory = AlertJson.Name(alert.Action),
                ConversationId = alert.Id,
                Subjects = [AlertBook.SubjectPrefix + alert.Id],
            }).ToArray();
            var (outcomes, entries) = await exchange.DiscloseWithinAsync(connection, transaction, disclosures, new LedgerActor("alerts", exchange.Code), cancellationToken);
            return new AlertQueued(targets.Select((t, i) => Push(t.Recipient, t.AgreementId, t.Purpose, outcomes[i])).ToArray(), entries);
        }

        public async Task<AlertQueued> FlagAsync(DbConnection connection, DbTransaction transaction, StoredAlert stored, AlertFlag flag, CancellationToken cancellationToken)
        {
            var alert = stored.Alert;
            if (alert.LegalBasis.Agreement is not { } agreementId) return AlertQueued.None;
            if (Basis(exchange, agreementId) is not var (_, _, purpose))
                return new AlertQueued([new AlertPush(alert.Issuer, agreementId, "", null, $"agreement {agreementId} is not in force here or has no alerts rule")], []);
            var payload = new JsonObject
            {
                [AlertJson.Root] = new JsonObject
                {
                    ["id"] = alert.Id,
                    ["issuer"] = alert.Issuer,
                    ["version"] = alert.Version,
                    [FlagMember] = new JsonObject { ["by"] = flag.By, ["at"] = AlertJson.Time(flag.At), ["reason"] = flag.Reason },
                },
            };
            var disclosure = new Disclosure(alert.Issuer, DataCategory.Alerts, purpose, FlagKind, payload)
            {
                AgreementId = agreementId,
                AlertCategory = AlertJson.Name(alert.Action),
                ConversationId = alert.Id,
                Subjects = [AlertBook.SubjectPrefix + alert.Id],
            };
            var (outcomes, entries) = await exchange.DiscloseWithinAsync(connection, transaction, [disclosure], new LedgerActor("alerts", exchange.Code), cancellationToken);
            return new AlertQueued([Push(alert.Issuer, agreementId, purpose, outcomes[0])], entries);
        }

        public void Queued() => exchange.NotifyQueued();

        public async Task<string?> RefusedAsync(string messageId, CancellationToken cancellationToken) =>
            await exchange.Store.GetOutboxAsync(messageId, cancellationToken) is { State: ExchangeStore.Failed } failed ? failed.LastError ?? "refused" : null;

        private static AlertPush Push(string recipient, string agreementId, Purpose purpose, DisclosureOutcome outcome) => outcome switch
        {
            DisclosureOutcome.Queued q => new AlertPush(recipient, agreementId, PolicyEngine.Name(purpose), q.Item.MessageId, null),
            DisclosureOutcome.Refused r => new AlertPush(recipient, agreementId, PolicyEngine.Name(purpose), null, r.Deny.Reason),
            _ => throw new InvalidOperationException(),
        };
    }

    /// <summary>What a flag message from a partner must be: about an alert this node issued under the message's agreement, with the flag's time and reason.</summary>
    public static string? FlagProblem(JsonObject payload)
    {
        if (payload[AlertJson.Root] is not JsonObject alert || alert["id"] is not JsonValue id || !id.TryGetValue<string>(out _))
            return "/alert/id: required: the id of the alert flagged";
        if (alert[FlagMember] is not JsonObject flag) return $"/alert/{FlagMember}: required: the flag";
        if (flag["reason"] is not JsonValue r || !r.TryGetValue<string>(out var reason) || reason.Length is 0 or > 2000) return $"/alert/{FlagMember}/reason: required text of 1 to 2000 characters";
        if (flag["at"] is not JsonValue at || !at.TryGetValue<string>(out var time) || !DateTimeOffset.TryParse(time, System.Globalization.CultureInfo.InvariantCulture, System.Globalization.DateTimeStyles.AssumeUniversal, out _))
            return $"/alert/{FlagMember}/at: required: when the alert was flagged (ISO 8601)";
        return null;
    }

    /// <summary>Hands every alert message the exchange accepts to the book, and every flag a partner tells about an own alert; the book is made when the first arrives.</summary>
    public static void Connect(ExchangeNode exchange, Func<AlertBook> book)
    {
        exchange.Handle(Kind,
            async (item, payload, cancellationToken) =>
                await book().ReceiveAsync(item.Sender, item.AgreementId, item.HandlingCode, item.RetainUntil, payload, cancellationToken),
            (header, payload) => AlertValidator.CheckReceived(payload, header.Sender, header.AgreementId) is { Errors.Count: > 0 } check
                ? FieldError.Detail(check.Errors)
                : null);
        exchange.Handle(FlagKind,
            async (item, payload, cancellationToken) => await book().ReceiveFlagAsync(item.MessageId, item.Sender, item.AgreementId, payload, cancellationToken),
            async (header, payload, cancellationToken) => FlagProblem(payload)
                ?? await book().OwnAlertProblemAsync(payload[AlertJson.Root]!["id"]!.GetValue<string>(), header.AgreementId, cancellationToken));
    }
}

/// <summary>
/// The exchange as the alert book needs it: messages queued on the book's connection and in its transaction, so an
/// alert (or a flag) and the messages that announce it are stored together or not at all; <see cref="Queued"/> after the commit.
/// </summary>
public interface IAlertOutbox
{
    /// <summary>An own alert (or its change) for every partner its agreement's alerts rule pushes to.</summary>
    Task<AlertQueued> PushAsync(DbConnection connection, DbTransaction transaction, StoredAlert alert, CancellationToken cancellationToken);

    /// <summary>A flag on a partner's alert, told to its issuer.</summary>
    Task<AlertQueued> FlagAsync(DbConnection connection, DbTransaction transaction, StoredAlert alert, AlertFlag flag, CancellationToken cancellationToken);

    /// <summary>Why the partner refused the message queued as <paramref name="messageId"/> (its signed negative receipt); null while it is pending or once delivered.</summary>
    Task<string?> RefusedAsync(string messageId, CancellationToken cancellationToken);

    void Queued();
}

/// <summary>What was queued (or refused) per partner, and the ledger entries the book's transaction appends with the change.</summary>
public sealed record AlertQueued(IReadOnlyList<AlertPush> Pushed, IReadOnlyList<LedgerEntry> Entries)
{
    public static readonly AlertQueued None = new([], []);
}
