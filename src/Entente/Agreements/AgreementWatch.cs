using System.Text.Json.Nodes;
using Entente.Ledger;

namespace Entente.Agreements;

/// <summary>
/// Keeps the ledger's account of the node's agreements true to the calendar: an agreement that has come into force
/// (all signatures there and its first day reached) or expired since the ledger last said so gets an
/// agreement-in-force or agreement-expired entry, once per agreement text (id, version, hash).
/// </summary>
public static class AgreementWatch
{
    public static string Subject(string agreementId) => "agreement:" + agreementId;

    /// <summary>The entries to append, given the agreements on file and what the ledger already says about each (pure).</summary>
    public static IReadOnlyList<(string Kind, JsonObject Body)> Changes(IReadOnlyList<AgreementFile> files, Func<string, IReadOnlyList<LedgerEntry>> recorded)
    {
        var changes = new List<(string, JsonObject)>();
        foreach (var file in files)
        {
            if (file.Agreement is not { } agreement) continue;
            var kind = file.Status.State switch
            {
                AgreementState.InForce => LedgerKinds.AgreementInForce,
                AgreementState.Expired => LedgerKinds.AgreementExpired,
                _ => null,
            };
            if (kind is null) continue;
            var already = recorded(agreement.Id).Any(e => e.Kind == kind
                && e.Body["agreement"]?["hash"]?.GetValue<string>() == agreement.ContentHash);
            if (already) continue;
            changes.Add((kind, new JsonObject
            {
                ["agreement"] = new JsonObject { ["id"] = agreement.Id, ["version"] = agreement.Version, ["hash"] = agreement.ContentHash },
                ["parties"] = new JsonArray(agreement.Parties.Select(p => (JsonNode)p.Code).ToArray()),
                ["validFrom"] = agreement.ValidFrom.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture),
                ["validUntil"] = agreement.ValidUntil.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture),
                [LedgerSubjects.Field] = new JsonArray(Subject(agreement.Id)),
            }));
        }
        return changes;
    }

    /// <summary>Reads the home's agreements folder, asks the ledger what it said of each, appends what changed.</summary>
    public static async Task<IReadOnlyList<long>> RunAsync(string folder, LedgerStore ledger, LedgerActor actor, TimeProvider time, CancellationToken cancellationToken = default)
    {
        var files = AgreementFile.ReadFolder(folder, time.GetUtcNow());
        var recorded = new Dictionary<string, IReadOnlyList<LedgerEntry>>(StringComparer.Ordinal);
        foreach (var id in files.Select(f => f.Agreement?.Id).OfType<string>().Distinct())
            recorded[id] = (await ledger.EntriesAboutAsync(Subject(id), 1_000, cancellationToken)).Select(e => e.Entry).ToList();
        var changes = Changes(files, id => recorded.GetValueOrDefault(id, []));
        if (changes.Count == 0) return [];
        return await ledger.AppendAsync(changes.Select(c => LedgerEntry.Now(time, c.Kind, actor, c.Body)).ToList(), cancellationToken);
    }
}
