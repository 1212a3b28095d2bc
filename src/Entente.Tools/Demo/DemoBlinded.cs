using System.Diagnostics;
using System.Globalization;
using System.Text.Json.Nodes;
using Entente.Declarations;
using Entente.Hosting;
using Entente.Ledger;

namespace Entente.Tools.Demo;

/// <summary>
/// Step 10c of the demo: NL asks KR and DE blinded whether they hold an EORI that only KR's declarations carry; KR
/// answers hit, DE no-hit; each holder's ledger records the evaluation (partner, agreement, count) and none of the
/// entries the query caused holds the EORI.
/// </summary>
internal static class DemoBlinded
{
    private const string Eori = "NL800412345";

    public static async Task RunAsync(DemoNode nl, DemoNode kr, DemoNode de, string officerKey, TextWriter output, CancellationToken ct)
    {
        var watch = Stopwatch.StartNew();
        // KR stores a declaration whose importer is the EORI: KR holds it, DE does not.
        var declaration = new Declaration
        {
            Lrn = "KR-DEMO-BLINDED-1",
            TypeCode = "IMA",
            DeclarationOfficeId = "KRPUS001",
            Parties = [new Party { Role = PartyRole.Importer, Name = "Van der Berg Logistics B.V.", Id = Eori, IdScheme = "EORI", Address = new Address { CountryCode = "NL" } }],
            GoodsShipment = new GoodsShipment
            {
                GoodsItems = [new GoodsItem { Sequence = 1, Classification = new Classification("HS", "2022", "850440"), OriginCountryCode = "CN", Description = "power supplies" }],
            },
        };
        using (var officer = kr.Client(officerKey))
        using (var content = new StringContent(EntenteJson.Serialize(declaration), System.Text.Encoding.UTF8, "application/json"))
        {
            using var submitted = await officer.PostAsync(new Uri("/api/declarations", UriKind.Relative), content, ct);
            if (!submitted.IsSuccessStatusCode) throw new DemoFailure($"10c. KR's ingest answered {(int)submitted.StatusCode}: {await submitted.Content.ReadAsStringAsync(ct)}");
        }
        var before = new Dictionary<string, long>();
        foreach (var holder in new[] { kr, de }) before[holder.Code] = await LedgerSizeAsync(holder, ct);

        // NL has never fetched an index: the holders build theirs when NL fetches it, so KR's is fresh (the declaration just stored is in it).
        var (status, text, error) = await nl.Cli.TryAsync(ct, "blinded", "ask", "--home", nl.Home, "--type", "eori", "--value", "NL 8004 1234 5", "--purpose", "risk-management",
            "--partner", kr.Code, "--partner", de.Code, "--json");
        if (status != 0) throw new DemoFailure($"10c. NL's blinded ask failed ({status}): {error}{text}");
        var answers = JsonNode.Parse(text)!;
        var outcomes = answers["answers"]!.AsArray().ToDictionary(a => a!["partner"]!.GetValue<string>(), a => a!);
        string Outcome(DemoNode node) => outcomes.TryGetValue(node.Code, out var a) ? $"{a["outcome"]!.GetValue<string>()}{(a["error"] is { } e ? $" ({e})" : "")}" : "not asked";
        if (Outcome(kr) != "hit" || Outcome(de) != "no-hit")
            throw new DemoFailure($"10c. NL's blinded ask should hit at KR and not at DE: KR {Outcome(kr)}, DE {Outcome(de)}");
        var reference = outcomes[kr.Code]["reference"]!.GetValue<string>();

        // Each holder recorded the evaluation; nothing the query caused in either ledger holds the EORI.
        var recorded = new List<string>();
        foreach (var holder in new[] { kr, de })
        {
            var entries = await EntriesSinceAsync(holder, before[holder.Code], ct);
            var evaluations = entries.Select(e => e.Entry).Where(e => e.Kind == LedgerKinds.BlindedEvaluation && e.Body["partner"]?.GetValue<string>() == nl.Code).ToList();
            if (evaluations.Count == 0) throw new DemoFailure($"10c. {holder.Code}'s ledger has no blinded-evaluation entry for NL's query");
            foreach (var (entry, json) in entries)
            {
                if (json.Contains(Eori, StringComparison.OrdinalIgnoreCase) || json.Contains("800412345", StringComparison.Ordinal))
                    throw new DemoFailure($"10c. {holder.Code}'s ledger entry {entry.Kind} holds the EORI: {json}");
            }
            var e = evaluations[^1].Body;
            recorded.Add($"{holder.Code}: blinded-evaluation {{partner {e["partner"]}, agreement {e["agreement"]}, purpose {e["purpose"]}, count {e["count"]}, key {e["key"]}}}");
        }
        if (watch.Elapsed > TimeSpan.FromSeconds(5)) output.WriteLine($"     (step 10c took {watch.Elapsed.TotalSeconds.ToString("N1", CultureInfo.InvariantCulture)} s, more than its 5 s)");
        output.WriteLine($"10c. NL asks KR and DE blinded (OPRF, RFC 9497 ristretto255) \"do you hold EORI {Eori}?\" under {DemoAgreements.Multilateral}: " +
            $"KR hit (reference {reference}; NL follows up with an ordinary assistance request), DE no-hit, in {watch.Elapsed.TotalSeconds.ToString("N1", CultureInfo.InvariantCulture)} s. " +
            "Neither saw the EORI: each received one blinded element.");
        foreach (var line in recorded) output.WriteLine($"     {line}: no identifier in any entry the query caused");
    }

    private static async Task<long> LedgerSizeAsync(DemoNode node, CancellationToken ct)
    {
        await using var services = await NodeServices.OpenAsync(node.Options, cancellationToken: ct);
        return (await services.Get<LedgerStore>().GetHeadAsync(ct)).Size;
    }

    /// <summary>The entries appended since <paramref name="from"/>, each with its JSON as the ledger stores it.</summary>
    private static async Task<List<(LedgerEntry Entry, string Json)>> EntriesSinceAsync(DemoNode node, long from, CancellationToken ct)
    {
        await using var services = await NodeServices.OpenAsync(node.Options, cancellationToken: ct);
        var ledger = services.Get<LedgerStore>();
        var size = (await ledger.GetHeadAsync(ct)).Size;
        var entries = new List<(LedgerEntry, string)>();
        for (var i = from; i < size; i++)
        {
            if (await ledger.GetEntryAsync(i, ct) is { } stored) entries.Add((LedgerEntry.Parse(stored.Bytes), System.Text.Encoding.UTF8.GetString(stored.Bytes)));
        }
        return entries;
    }
}
