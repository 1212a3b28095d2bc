using Entente.Agreements;
using Entente.Exchange;
using Entente.Ledger;

namespace Entente.Assistance;

/// <summary>
/// Carries the assistance desk's messages over the exchange: each move travels as an envelope of kind
/// "assistance-request|acknowledgement|answer|decline|withdrawal" in the request's conversation (so a request's
/// messages arrive in order), under the agreement the request cites; the envelope's creation time is the message's.
/// </summary>
public static class AssistanceExchange
{
    public const string KindPrefix = "assistance-";

    public static string KindOf(AssistanceMessageKind kind) => KindPrefix + PolicyEngine.Name(kind);

    /// <summary>The desk's send: queue the message in the outbox (refused by the policy: an error with the reasons).</summary>
    public static Func<AssistanceMessage, CancellationToken, Task> Sender(ExchangeNode exchange) => async (message, cancellationToken) =>
    {
        var disclosure = new Disclosure(message.To, message.Category, message.Purpose, KindOf(message.Kind), message.Payload)
        {
            ConversationId = message.RequestId,
            AgreementId = message.AgreementId,
            CreatedAt = message.At,
        };
        var outcome = await exchange.DiscloseAsync(disclosure, new LedgerActor("assistance-desk", exchange.Code), cancellationToken);
        if (outcome is DisclosureOutcome.Refused refused)
            throw new InvalidOperationException($"the {PolicyEngine.Name(message.Kind)} for {message.RequestId} cannot be sent to {message.To}: {refused.Deny.Reason}");
    };

    /// <summary>Hands every assistance message the exchange accepts to the desk.</summary>
    /// <remarks>The desk is made when the first message arrives (it sends through the same exchange).</remarks>
    public static void Connect(ExchangeNode exchange, Func<AssistanceDesk> desk)
    {
        foreach (var kind in Enum.GetValues<AssistanceMessageKind>())
        {
            exchange.Handle(KindOf(kind), async (item, payload, cancellationToken) =>
            {
                var header = Envelope.Read(item.Envelope).Header;
                var message = new AssistanceMessage(kind, item.ConversationId, item.Sender, exchange.Code, item.AgreementId, header.Purpose, payload, header.CreatedAt);
                await desk().ReceiveAsync(message, cancellationToken);
            });
        }
    }
}
