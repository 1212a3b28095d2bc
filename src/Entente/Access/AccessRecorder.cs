using System.Text.Json.Nodes;
using Entente.Ledger;

namespace Entente.Access;

/// <summary>
/// Puts every read of personal data — and every refused attempt — in the ledger with what the EU Law Enforcement
/// Directive (Art. 25) and the SIS Regulation (Art. 12) ask a log to hold: who (user and authority), when, the purpose
/// and justification, the query, the records touched and who received them. Parties are named by their keyed tags.
/// </summary>
public sealed class AccessRecorder(LedgerStore ledger, byte[] subjectKey, string nodeCode)
{
    public const string Api = "api";
    public const string Console = "console";

    /// <summary>A party's tag as the ledger files it.</summary>
    public string PartySubject(string partyId) => LedgerSubjects.Party(subjectKey, partyId);

    /// <summary>A query's parameters as the ledger keeps them: a party identifier becomes its tag.</summary>
    public JsonObject Query(string action, IEnumerable<KeyValuePair<string, string?>> parameters, params string[] partyParameters)
    {
        var query = new JsonObject { ["action"] = action };
        foreach (var (name, value) in parameters)
        {
            if (value is null) continue;
            query[name] = partyParameters.Contains(name, StringComparer.Ordinal) ? PartySubject(value) : value;
        }
        return query;
    }

    /// <summary>
    /// The personal-data check every reader goes through: the decision for the user's role (the operator at the
    /// console: <see cref="PersonalData.DecideForConsole"/>), and a refused stated purpose recorded in the ledger,
    /// filed under the records the read asked for (<paramref name="about"/>: declaration ids and their parties'
    /// identifiers) as an allowed read of them would be.
    /// </summary>
    public async Task<PersonalDataDecision> CheckAsync(LocalUser user, string channel, string? purpose, string? justification, JsonObject query,
        IReadOnlyList<(string DeclarationId, IEnumerable<string> PartyIds)>? about = null, CancellationToken cancellationToken = default,
        Func<string, string>? recordSubject = null)
    {
        var decision = user.Role is { } role ? PersonalData.Decide(role, purpose, justification) : PersonalData.DecideForConsole(purpose, justification);
        if (decision.Refused) await RecordRefusalAsync(user, channel, purpose, decision.Reason!, query, about, cancellationToken, recordSubject);
        return decision;
    }

    /// <summary>
    /// An allowed read, filed under each record (a declaration: <see cref="LedgerSubjects.Declaration"/>, or what
    /// <paramref name="recordSubject"/> names, such as a received message) and its parties' tags.
    /// </summary>
    public Task<long> RecordReadAsync(LocalUser user, string channel, PersonalDataDecision access, JsonObject query,
        IReadOnlyList<(string DeclarationId, IEnumerable<string> PartyIds)> records, CancellationToken cancellationToken = default,
        Func<string, string>? recordSubject = null)
    {
        if (!access.Allowed) throw new ArgumentException("only an allowed read is recorded as an access", nameof(access));
        var body = new JsonObject
        {
            ["channel"] = channel,
            ["role"] = user.RoleName,
            ["purpose"] = access.Purpose,
            ["justification"] = access.Justification,
            ["query"] = query,
            ["records"] = new JsonArray(records.Select(r => (JsonNode)r.DeclarationId).ToArray()),
            ["recipient"] = user.Name,
            [LedgerSubjects.Field] = LedgerSubjects.ToJson(Subjects(query, records, recordSubject)),
        };
        return ledger.AppendAsync(LedgerKinds.PersonalDataAccess, Actor(user), body, cancellationToken);
    }

    /// <summary>
    /// A refused read: filed under the party named in the query and under <paramref name="about"/>, the records the
    /// read would have shown (a refused read of a declaration is found by `audit subject --declaration`).
    /// </summary>
    public Task<long> RecordRefusalAsync(LocalUser user, string channel, string? purpose, string reason, JsonObject query,
        IReadOnlyList<(string DeclarationId, IEnumerable<string> PartyIds)>? about = null, CancellationToken cancellationToken = default,
        Func<string, string>? recordSubject = null)
    {
        about ??= [];
        var body = new JsonObject
        {
            ["decision"] = "deny",
            ["channel"] = channel,
            ["role"] = user.RoleName,
            ["purpose"] = purpose,
            ["reason"] = reason,
            ["query"] = query,
            [LedgerSubjects.Field] = LedgerSubjects.ToJson(Subjects(query, about, recordSubject)),
        };
        if (about.Count > 0) body["records"] = new JsonArray(about.Select(r => (JsonNode)r.DeclarationId).ToArray());
        return ledger.AppendAsync(LedgerKinds.PolicyDecision, Actor(user), body, cancellationToken);
    }

    /// <summary>What a read is about: each record's declaration and parties' tags, and a party named in the query.</summary>
    public List<string> Subjects(JsonObject query, IEnumerable<(string DeclarationId, IEnumerable<string> PartyIds)> records, Func<string, string>? recordSubject = null)
    {
        var subjects = new List<string>();
        foreach (var (id, parties) in records)
        {
            subjects.Add((recordSubject ?? LedgerSubjects.Declaration)(id));
            subjects.AddRange(parties.Where(p => !string.IsNullOrWhiteSpace(p) && p != PersonalData.Withheld).Select(PartySubject));
        }
        foreach (var (_, value) in query)
        {
            if (value is JsonValue v && v.TryGetValue<string>(out var text) && text.StartsWith("party:", StringComparison.Ordinal)) subjects.Add(text);
        }
        return subjects;
    }

    private LedgerActor Actor(LocalUser user) => new(user.Name, user.Authority ?? nodeCode);
}
