using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Entente.Declarations;
using Entente.Identity;
using Entente.Ledger;
using Entente.Storage;
using Entente.Tests.Access;
using Entente.Tests.Exchange;
using Entente.Tests.Exchange.Reliability;
using Entente.Tests.Storage;
using Entente.Tools.Generation;

namespace Entente.Tests.Audit;

/// <summary>
/// A generated workload of reads with and without a purpose, refused reads, searches and disclosures to a partner,
/// through the API of real node processes; then the ledger is held against the accesses made: each access that
/// touches personal data has exactly one entry, filed under the declaration and the parties it concerns (refusals
/// included), and `entente audit subject` finds every one of them, on each database.
/// </summary>
public sealed class AuditCompletenessTests
{
    /// <summary>What one access should leave in the ledger: nothing (null kind), or one entry of the kind, decision and subjects.</summary>
    private sealed record Expected(string What, string? Kind, string? Decision, IReadOnlySet<string> Subjects);

    [StoreTheory, BothStores]
    public async Task Every_access_has_one_ledger_entry_filed_under_its_declaration_and_parties_and_audit_subject_lists_them_all(StorageProvider provider)
    {
        await using var postgres = provider == StorageProvider.PostgreSql ? await Evidence.CreatePostgresAsync() : null;
        var yaml = File.ReadAllText(Path.Combine(Support.SharedData.RepositoryRoot, "tests", "Entente.Tests", "Exchange", "Samples", "network.yaml"))
            .Replace("      - /mrn\n", "      - /mrn\n      - /ucr\n      - /previousDocuments\n", StringComparison.Ordinal);
        await using var net = await TestNetwork.StartAsync(["GB", "NL"], database: code => code == "GB" ? postgres?.ConnectionString : null, agreementYaml: yaml);
        var gb = net["GB"];
        using var officer = gb.Client(await gb.AddUserAsync("officer", "officer", gb.Database));
        using var analyst = gb.Client(await gb.AddUserAsync("analyst", "analyst", gb.Database));
        using var liaison = net.Liaison("GB");
        var subjectKey = NodeKeys.LoadSubjectKey(gb.Home);
        string Tag(string partyId) => LedgerSubjects.Party(subjectKey, partyId);

        var declarations = new DeclarationGenerator(1402, referencePrefix: "AC-").Generate(6).Select(r => r.Declaration!).ToList();
        declarations.Add(EmbeddedIdentifierSweepTests.Crafted("AC-CRAFTED-000001"));
        var submit = await officer.PostAsync(new Uri("/api/declarations", UriKind.Relative),
            new StringContent(JsonSerializer.Serialize(declarations, EntenteJson.Options), Encoding.UTF8, "application/json"));
        Assert.True(submit.IsSuccessStatusCode, await submit.Content.ReadAsStringAsync());
        var ids = new List<string>();
        foreach (var d in declarations)
        {
            var hits = await officer.GetFromJsonAsync<JsonElement>(new Uri($"/api/declarations?reference={d.Lrn}", UriKind.Relative));
            ids.Add(hits.GetProperty("items")[0].GetProperty("id").GetString()!);
        }

        await using var ledger = LedgerStore.Open(gb.Database ?? Path.Combine(gb.Home, "entente.db"), TimeProvider.System);
        var start = (await ledger.GetHeadAsync()).Size;
        var random = new Random(14);
        var expected = new List<Expected>();
        for (var n = 0; n < 48; n++)
        {
            var k = random.Next(declarations.Count);
            var (declaration, id) = (declarations[k], ids[k]);
            var parties = declaration.Parties.Select(p => p.Id).OfType<string>().ToList();
            var all = Subjects(id, parties.Select(Tag));
            var importer = declaration.FindParty(PartyRole.Importer)?.Id ?? parties[0];
            switch (random.Next(8))
            {
                case 0:
                    await Expect(officer, $"/api/declarations/{id}?purpose=investigation&justification=case%20{n}", HttpStatusCode.OK);
                    expected.Add(new($"read {n} with a purpose", LedgerKinds.PersonalDataAccess, "permit", all));
                    break;
                case 1:
                    await Expect(officer, $"/api/declarations/{id}", HttpStatusCode.OK);
                    expected.Add(new($"read {n} without a purpose", null, null, all));
                    break;
                case 2:
                    await Expect(analyst, $"/api/declarations/{id}?purpose=investigation&justification=curious", HttpStatusCode.Forbidden);
                    expected.Add(new($"read {n} refused (purpose outside the role)", LedgerKinds.PolicyDecision, "deny", all));
                    break;
                case 3:
                    await Expect(officer, $"/api/declarations/{declaration.Lrn}?purpose=investigation", HttpStatusCode.Forbidden);
                    expected.Add(new($"read {n} by LRN refused (no justification)", LedgerKinds.PolicyDecision, "deny", all));
                    break;
                case 4:
                    await Expect(officer, $"/api/declarations?reference={declaration.Lrn}&purpose=risk-management&justification=lane%20review", HttpStatusCode.OK);
                    // A hit shows its references unmasked, which may embed any party's identifier: filed under every party.
                    expected.Add(new($"search {n} with a purpose", LedgerKinds.PersonalDataAccess, "permit", all));
                    break;
                case 5:
                    await Expect(officer, $"/api/declarations?party={importer}", HttpStatusCode.Forbidden);
                    expected.Add(new($"search {n} by party refused", LedgerKinds.PolicyDecision, "deny", new HashSet<string> { Tag(importer) }));
                    break;
                case 6:
                    var shared = await liaison.PostAsJsonAsync("/api/exchange/disclosures", new { recipient = "NL", category = "declarations", purpose = "risk-management", declarationId = id });
                    var answer = await shared.Content.ReadAsStringAsync();
                    Assert.True(shared.IsSuccessStatusCode, answer);
                    // What leaves for the partner holds none of the parties' identifiers (pseudonymised at /parties/*/id).
                    foreach (var party in parties) Assert.DoesNotContain(party.Length > 8 ? party[2..] : party, answer, StringComparison.OrdinalIgnoreCase);
                    expected.Add(new($"disclosure {n}", LedgerKinds.DisclosurePrepared, "permit", all));
                    break;
                default:
                    var statistics = await liaison.PostAsJsonAsync("/api/exchange/disclosures", new { recipient = "NL", category = "declarations", purpose = "statistics", declarationId = id });
                    Assert.False(statistics.IsSuccessStatusCode, await statistics.Content.ReadAsStringAsync());
                    expected.Add(new($"disclosure {n} refused by the agreement", LedgerKinds.PolicyDecision, "deny", all));
                    break;
            }
        }
        Assert.Contains(expected, e => e.Decision == "deny" && e.What.StartsWith("read", StringComparison.Ordinal));

        // The entries since the workload began, but for the partner's receipts of delivered messages (filed under the message).
        var end = (await ledger.GetHeadAsync()).Size;
        var entries = new List<(long Index, LedgerEntry Entry)>();
        for (var i = start; i < end; i++)
        {
            var entry = (await ledger.GetEntryAsync(i))!.Entry;
            if (entry.Kind is not LedgerKinds.DisclosureReceipted) entries.Add((i, entry));
        }
        var recorded = expected.Where(e => e.Kind is not null).ToList();
        Assert.True(recorded.Count == entries.Count,
            $"{recorded.Count} accesses to record, {entries.Count} entries: {string.Join(", ", entries.Select(e => e.Entry.Kind))}");
        var filed = new Dictionary<string, HashSet<long>>(StringComparer.Ordinal);
        for (var i = 0; i < recorded.Count; i++)
        {
            var (index, entry) = entries[i];
            Assert.True(recorded[i].Kind == entry.Kind, $"{recorded[i].What}: entry {index} is {entry.Kind}");
            Assert.Equal(recorded[i].Decision, entry.Body["decision"]?.GetValue<string>() ?? (entry.Kind == LedgerKinds.PersonalDataAccess ? "permit" : null));
            var about = LedgerSubjects.Of(entry).Where(s => s.StartsWith("declaration:", StringComparison.Ordinal) || s.StartsWith("party:", StringComparison.Ordinal)).ToHashSet();
            Assert.True(recorded[i].Subjects.SetEquals(about),
                $"{recorded[i].What}: entry {index} ({entry.Kind}) is filed under [{string.Join(", ", about.Order())}], expected [{string.Join(", ", recorded[i].Subjects.Order())}]");
            foreach (var subject in about)
            {
                if (!filed.TryGetValue(subject, out var set)) filed[subject] = set = [];
                set.Add(index);
            }
        }

        // The auditor's question, asked at the console for each declaration and each party: every entry, refusals included.
        string[] Db(string[] args) => TestNetwork.WithDatabase(args, gb);
        var listedRefusals = 0;
        for (var k = 0; k < declarations.Count; k++)
        {
            var (status, output, error) = await Support.Cli.Run(Db(["audit", "subject", "--home", gb.Home, "--declaration", ids[k], "--json"]));
            Assert.True(status == 0, error);
            var listed = Listed(output, start, end);
            var about = filed.GetValueOrDefault(LedgerSubjects.Declaration(ids[k])) ?? [];
            Assert.True(about.SetEquals(listed), $"audit subject --declaration {ids[k]}: listed [{string.Join(", ", listed.Order())}], filed [{string.Join(", ", about.Order())}]");
            listedRefusals += JsonDocument.Parse(output).RootElement.GetProperty("events").EnumerateArray()
                .Count(e => e.GetProperty("decision").GetString() == "deny" && e.GetProperty("channel").GetString() == "api");
            foreach (var party in declarations[k].Parties.Select(p => p.Id).OfType<string>())
            {
                var (partyStatus, partyOutput, partyError) = await Support.Cli.Run(Db(["audit", "subject", "--home", gb.Home, "--party", party, "--justification", "completeness check", "--json"]));
                Assert.True(partyStatus == 0, partyError);
                Assert.True((filed.GetValueOrDefault(Tag(party)) ?? []).SetEquals(Listed(partyOutput, start, end)), $"audit subject --party of {declarations[k].Lrn}");
            }
        }
        Assert.Equal(expected.Count(e => e.Decision == "deny" && e.What.StartsWith("read", StringComparison.Ordinal)), listedRefusals);
    }

    private static IReadOnlySet<string> Subjects(string declarationId, IEnumerable<string> partyTags) =>
        new HashSet<string>(partyTags.Prepend(LedgerSubjects.Declaration(declarationId)), StringComparer.Ordinal);

    private static HashSet<long> Listed(string json, long start, long end) =>
        JsonDocument.Parse(json).RootElement.GetProperty("events").EnumerateArray().Select(e => e.GetProperty("entry").GetInt64())
            .Where(i => i >= start && i < end).ToHashSet();

    private static async Task Expect(HttpClient client, string path, HttpStatusCode status)
    {
        var response = await client.GetAsync(new Uri(path, UriKind.Relative));
        Assert.True(response.StatusCode == status, $"GET {path}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
    }
}
