using System.Text.Json.Nodes;
using Entente.Agreements;

namespace Entente.Exchange;

/// <summary>
/// Whether data this node received may be passed on to a third node: what the provider's agreement said when the data
/// came (onward transfer: forbidden, with consent, allowed to named parties) and the handling code it came under
/// (H2: no dissemination without the provider's permission; H3: other restrictions, never passed on). Pure.
/// </summary>
public static class OnwardRule
{
    /// <summary>Null when the transfer may go ahead; else why not.</summary>
    public static string? Check(InboxItem received, string recipient, bool providerConsented)
    {
        if (recipient == received.Sender) return null;
        var source = $"message {received.MessageId} from {received.Sender} ({received.Category}, {received.HandlingCode}, onward transfer {received.OnwardTransfer})";
        if (received.HandlingCode == nameof(HandlingCode.H3))
            return $"{source}: H3 data is not passed on";
        if (received.OnwardTransfer == "forbidden")
            return $"{source}: the agreement forbids passing it on";
        if (received.OnwardTransfer.StartsWith("allowed to ", StringComparison.Ordinal))
        {
            var allowed = received.OnwardTransfer["allowed to ".Length..].Split(", ");
            if (!allowed.Contains(recipient, StringComparer.Ordinal)) return $"{source}: {recipient} is not among the parties it may go to";
        }
        var needsConsent = received.OnwardTransfer == "with-consent" || received.HandlingCode == nameof(HandlingCode.H2);
        if (needsConsent && !providerConsented)
            return $"{source}: passing it to {recipient} needs {received.Sender}'s recorded consent (entente exchange consent at {received.Sender})";
        return null;
    }
}

/// <summary>
/// The provider's consent to an onward transfer, as it travels: a message of kind "onward-consent" in the original
/// message's conversation, whose payload is exactly <c>{"consent":{"message":ID,"recipient":CODE}}</c> and carries
/// no customs data, so it is checked by shape rather than by a data category's field rules.
/// </summary>
public static class OnwardConsent
{
    public const string Kind = "onward-consent";

    public static JsonObject Payload(string messageId, string recipient) =>
        new() { ["consent"] = new JsonObject { ["message"] = messageId, ["recipient"] = recipient } };

    /// <summary>The consented message and recipient, or null when the payload is not exactly the consent's shape.</summary>
    public static (string MessageId, string Recipient)? Read(JsonObject payload)
    {
        if (payload.Count != 1 || payload["consent"] is not JsonObject consent || consent.Count != 2) return null;
        if (consent["message"] is not JsonValue m || !m.TryGetValue<string>(out var message) || !EnvelopeHeader.IsIdentifier(message)) return null;
        if (consent["recipient"] is not JsonValue r || !r.TryGetValue<string>(out var recipient) || recipient.Length is 0 or > 20) return null;
        return (message, recipient);
    }
}
