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

    /// <summary>The book's push: one disclosure per partner the alert's agreement subscribes.</summary>
    public static Func<StoredAlert, CancellationToken, Task<IReadOnlyList<AlertPush>>> Sender(ExchangeNode exchange) => async (stored, cancellationToken) =>
    {
        var alert = stored.Alert;
        if (alert.LegalBasis.Agreement is not { } agreementId) return [];
        var payload = AlertJson.Payload(alert);
        var inForce = exchange.AgreementsInForce(exchange.Time.GetUtcNow()).Where(a => a.Id == agreementId).ToArray();
        var targets = Subscriptions.Plan(inForce, exchange.Code, RecordKind.Alert, payload);
        if (targets.Count == 0) return [];
        var disclosures = targets.Select(t => new Disclosure(t.Recipient, DataCategory.Alerts, t.Purpose, Kind, payload)
        {
            AgreementId = agreementId,
            AlertCategory = AlertJson.Name(alert.Action),
            ConversationId = alert.Id,
            Subjects = [AlertBook.SubjectPrefix + alert.Id],
        }).ToArray();
        var outcomes = await exchange.DiscloseAsync(disclosures, new LedgerActor("alerts", exchange.Code), cancellationToken);
        return targets.Select((t, i) => outcomes[i] switch
        {
            DisclosureOutcome.Queued q => new AlertPush(t.Recipient, t.AgreementId, PolicyEngine.Name(t.Purpose), q.Item.MessageId, null),
            DisclosureOutcome.Refused r => new AlertPush(t.Recipient, t.AgreementId, PolicyEngine.Name(t.Purpose), null, r.Deny.Reason),
            _ => throw new InvalidOperationException(),
        }).ToArray();
    };

    /// <summary>Hands every alert message the exchange accepts to the book; the book is made when the first arrives.</summary>
    public static void Connect(ExchangeNode exchange, Func<AlertBook> book) =>
        exchange.Handle(Kind,
            async (item, payload, cancellationToken) =>
                await book().ReceiveAsync(item.Sender, item.AgreementId, item.HandlingCode, item.RetainUntil, payload, cancellationToken),
            (header, payload) => AlertValidator.CheckReceived(payload, header.Sender, header.AgreementId) is { Errors.Count: > 0 } check
                ? FieldError.Detail(check.Errors)
                : null);
}
