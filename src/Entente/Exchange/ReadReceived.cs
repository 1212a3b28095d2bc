using System.Text.Json.Nodes;
using Entente.Access;
using Entente.Ledger;

namespace Entente.Exchange;

public abstract record ReadReceivedResult
{
    public sealed record Read(InboxMessage Message) : ReadReceivedResult;

    /// <summary>The message was erased at the end of its retention: what stays is the evidence (no payload, no personal data).</summary>
    public sealed record Erased(InboxMessage Message) : ReadReceivedResult;

    public sealed record Refused(string Reason) : ReadReceivedResult;

    public sealed record NotFound(string MessageId) : ReadReceivedResult;
}

/// <summary>
/// The read of a message received from a partner, for the API (GET /api/exchange/inbox/{id}) and the console
/// (`exchange show`). What a partner sent is personal data under the same rules as the node's own: its payload is read
/// only under a purpose the reader's role allows and a justification; every read and every refusal — a read without a
/// purpose included — is in the ledger, filed under the message and the tags of the parties the payload names.
/// </summary>
public sealed class ReadReceived(ExchangeStore store, AccessRecorder recorder)
{
    public async Task<ReadReceivedResult> HandleAsync(LocalUser user, string channel, string messageId, string? purpose, string? justification,
        CancellationToken cancellationToken = default)
    {
        var asked = recorder.Query("read received message", [new("message", messageId)]);
        // Looked up first so that a refusal is filed under the message and its parties; it still answers "refused".
        var item = await store.GetInboxAsync(messageId, cancellationToken);
        // An erased message holds no personal data any more: its evidence is answered to any reader, no purpose needed.
        if (item?.ErasedAt is { } erasedAt) return new ReadReceivedResult.Erased(ErasedMessage(item, erasedAt));
        var payload = item is null ? null : JsonNode.Parse(item.Payload);
        IReadOnlyList<(string, IEnumerable<string>)> about = item is null ? [] : [(item.MessageId, PartyIds(payload))];
        var access = await recorder.CheckAsync(user, channel, purpose, justification, asked, about, cancellationToken, LedgerSubjects.Message);
        if (access.Refused) return new ReadReceivedResult.Refused(access.Reason!);
        if (!access.Allowed)
        {
            // A payload is the partner's data whole: there is no withheld view of it, so no purpose is a refusal.
            var notice = PersonalData.NoticeFor(user).Replace("party data is personal data", "a received message's payload is personal data", StringComparison.Ordinal);
            await recorder.RecordRefusalAsync(user, channel, purpose, notice, asked, about, cancellationToken, LedgerSubjects.Message);
            return new ReadReceivedResult.Refused(notice);
        }
        if (item is null) return new ReadReceivedResult.NotFound(messageId);
        await recorder.RecordReadAsync(user, channel, access, asked, about, cancellationToken, LedgerSubjects.Message);
        return new ReadReceivedResult.Read(new InboxMessage(InboxSummary.Of(item), payload, Convert.ToBase64String(item.Receipt)));
    }

    /// <summary>What a read of an erased message answers: its summary and the receipt this node signed, no payload.</summary>
    public static InboxMessage ErasedMessage(InboxItem item, DateTimeOffset erasedAt) => new(InboxSummary.Of(item), null, Convert.ToBase64String(item.Receipt))
    {
        Erased = $"erased at retention on {erasedAt.UtcDateTime:yyyy-MM-dd HH:mm:ss} UTC (its agreement {item.AgreementId} set retain_until {item.RetainUntil.UtcDateTime:yyyy-MM-dd HH:mm:ss} UTC): " +
            "the payload and the envelope are gone; the digest and the receipt this node signed remain as evidence of what was received",
    };

    /// <summary>The identifiers of the parties a payload names in clear (parties[*].id at any depth; pseudonyms and masks are not identifiers).</summary>
    public static IReadOnlyList<string> PartyIds(JsonNode? payload)
    {
        var ids = new List<string>();
        void Walk(JsonNode? node)
        {
            switch (node)
            {
                case JsonObject obj:
                    foreach (var (name, child) in obj)
                    {
                        if (name == "parties" && child is JsonArray parties)
                        {
                            foreach (var party in parties)
                            {
                                if (party is JsonObject p && p["id"] is JsonValue v && v.TryGetValue<string>(out var id) && IsIdentifier(id)) ids.Add(id.Trim());
                            }
                        }
                        Walk(child);
                    }
                    break;
                case JsonArray array:
                    foreach (var child in array) Walk(child);
                    break;
            }
        }
        Walk(payload);
        return ids.Distinct(StringComparer.OrdinalIgnoreCase).ToArray();
    }

    private static bool IsIdentifier(string id) =>
        !string.IsNullOrWhiteSpace(id) && id != "***" && !id.StartsWith("hmac-sha256:", StringComparison.Ordinal) && !id.Contains(EmbeddedIdentifiers.Mask, StringComparison.Ordinal);
}
