using System.Text.Json.Nodes;
using Entente.Ledger;

namespace Entente.Audit;

/// <summary>One ledger entry as an auditor reads it: who did what with data, when, under which purpose or agreement, for whom.</summary>
public sealed record AuditEvent(
    long Entry, DateTimeOffset At, string Kind, string User, string Authority, string? Decision, string? Purpose,
    string? Justification, string? Recipient, string? Agreement, string? Channel, IReadOnlyList<string> Records, string? Reason);

/// <summary>
/// The accountability query: "which recipients got data about this party or declaration, under which agreement, when,
/// for what purpose", answered from the ledger's entries filed under the subject. Pure apart from the ledger read.
/// </summary>
public static class AuditTrail
{
    public const int MaxEvents = 1_000;

    public static AuditEvent ToEvent(StoredLedgerEntry stored)
    {
        var entry = stored.Entry;
        var body = entry.Body;
        string? Text(string name) => body[name] is JsonValue v && v.TryGetValue<string>(out var s) ? s : null;
        var records = body["records"] is JsonArray list ? list.Select(r => r?.GetValue<string>()).OfType<string>().ToList() : [];
        var agreement = body["agreement"] switch
        {
            JsonObject a => $"{a["id"]} v{a["version"]} ({a["hash"]})",
            JsonValue v when v.TryGetValue<string>(out var s) => s,
            _ => null,
        };
        var decision = Text("decision") ?? (entry.Kind == LedgerKinds.PersonalDataAccess ? "permit" : null);
        return new AuditEvent(stored.Index, entry.At, entry.Kind, entry.Actor.User, entry.Actor.Authority, decision, Text("purpose"),
            Text("justification"), Text("recipient"), agreement, Text("channel"), records, Text("reason"));
    }

    public static async Task<IReadOnlyList<AuditEvent>> AboutAsync(LedgerStore ledger, string subject, int limit = MaxEvents, CancellationToken cancellationToken = default) =>
        (await ledger.EntriesAboutAsync(subject, limit, cancellationToken)).Select(ToEvent).ToList();
}
