using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Entente.Blinded;
using Entente.Declarations;
using Entente.Identity;
using Entente.Ledger;
using Entente.Tests.Declarations;
using Entente.Tests.Exchange;
using Entente.Tests.Support;
using Microsoft.Data.Sqlite;

namespace Entente.Tests.Blinded;

/// <summary>
/// Real nodes on loopback: NL asks KR (which holds the EORI in a declaration) and DE (which holds nothing) whether they
/// hold it; KR answers hit, DE no-hit, and DE's log, ledger and database never see the identifier. Forged, replayed,
/// outside-agreement and flooding requests are refused and recorded.
/// </summary>
public sealed class BlindedNetworkTests
{
    private const string Eori = "GB553202734852";

    private static string Agreement()
    {
        var yaml = File.ReadAllText(Path.Combine(SharedData.RepositoryRoot, "tests", "Entente.Tests", "Exchange", "Samples", "network.yaml"));
        return yaml.Replace("\ndeny:", """

              blinded-identifiers:
                purposes: [risk-management, investigation]
                disclose: [/evaluation]
                handling-code: H1
                onward-transfer: forbidden
                retention: { period: P1Y, then: erase }
            deny:
            """, StringComparison.Ordinal);
    }

    private static Task<TestNetwork> StartAsync() => TestNetwork.StartAsync(["NL", "KR", "DE"], new Dictionary<string, string>
    {
        ["Entente__Blinded__Burst"] = "20",
        ["Entente__Blinded__EvaluationsPerMinute"] = "1",
    }, agreementYaml: Agreement());

    private static async Task IngestAsync(NodeProcess node, Declaration? declaration = null)
    {
        var file = Path.Combine(node.Home, "held.json");
        await File.WriteAllTextAsync(file, EntenteJson.Serialize(declaration ?? SampleDeclarations.Valid()));
        var (status, _, error) = await Support.Cli.Run(TestNetwork.WithDatabase(["ingest", file, "--home", node.Home], node));
        Assert.True(status == 0, error);
        File.Delete(file);
    }

    private static List<LedgerEntry> Ledger(NodeProcess node)
    {
        using var connection = new SqliteConnection($"Data Source={Path.Combine(node.Home, "entente.db")};Mode=ReadOnly;Pooling=False");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT entry FROM ledger_entries ORDER BY idx";
        using var reader = command.ExecuteReader();
        var entries = new List<LedgerEntry>();
        while (reader.Read()) entries.Add(LedgerEntry.Parse((byte[])reader[0]));
        return entries;
    }

    private static bool Contains(byte[] haystack, string needle) =>
        haystack.AsSpan().IndexOf(Encoding.UTF8.GetBytes(needle)) >= 0 || haystack.AsSpan().IndexOf(Encoding.Unicode.GetBytes(needle)) >= 0;

    [Fact]
    public async Task A_partner_that_holds_the_identifier_answers_hit_one_that_does_not_answers_no_hit_and_learns_nothing()
    {
        await using var network = await StartAsync();
        await IngestAsync(network["KR"]);

        var (status, output, error) = await Support.Cli.Run(TestNetwork.WithDatabase(
            ["blinded", "ask", "--home", network["NL"].Home, "--type", "eori", "--value", "gb 553202734852", "--purpose", "risk-management", "--json"], network["NL"]));
        Assert.True(status == 0, error + output);
        var answers = JsonDocument.Parse(output).RootElement;
        var byPartner = answers.GetProperty("answers").EnumerateArray().ToDictionary(a => a.GetProperty("partner").GetString()!, a => a);
        Assert.Equal("hit", byPartner["KR"].GetProperty("outcome").GetString());
        Assert.StartsWith("KR:", byPartner["KR"].GetProperty("reference").GetString(), StringComparison.Ordinal);
        Assert.Equal("no-hit", byPartner["DE"].GetProperty("outcome").GetString());
        Assert.Equal(1, answers.GetProperty("hits").GetInt32());

        // The same through the API, from the index cached by the first query.
        using var liaison = network.Liaison("NL");
        var response = await liaison.PostAsJsonAsync("/api/blinded/queries", new { type = "container", value = "CSQU3054383", purpose = "investigation", partners = new[] { "KR", "DE" } });
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, body);
        Assert.Equal(["DE no-hit", "KR hit"], JsonDocument.Parse(body).RootElement.GetProperty("answers").EnumerateArray()
            .Select(a => $"{a.GetProperty("partner").GetString()} {a.GetProperty("outcome").GetString()}"));

        // Each holder recorded each evaluation: partner, agreement, count — and DE nowhere has the identifier.
        foreach (var holder in new[] { "KR", "DE" })
        {
            var evaluations = Ledger(network[holder]).Where(e => e.Kind == LedgerKinds.BlindedEvaluation).ToList();
            Assert.Equal(2, evaluations.Count);
            Assert.All(evaluations, e => Assert.Equal(("NL", "test-network", 1), (e.Body["partner"]!.GetValue<string>(), e.Body["agreement"]!.GetValue<string>(), e.Body["count"]!.GetValue<int>())));
        }
        var de = network["DE"];
        var deLedger = string.Join("\n", Ledger(de).Select(e => e.Body.ToJsonString()));
        foreach (var needle in new[] { Eori, "553202734852", "CSQU3054383", "3054383" })
        {
            Assert.DoesNotContain(needle, de.Log, StringComparison.OrdinalIgnoreCase);
            Assert.DoesNotContain(needle, deLedger, StringComparison.OrdinalIgnoreCase);
            foreach (var file in Directory.EnumerateFiles(de.Home, "*", SearchOption.AllDirectories))
                Assert.False(Contains(await File.ReadAllBytesAsync(file), needle), $"{file} holds {needle}");
        }
        // The asker recorded its queries: purpose, type and partners, never the value.
        var queries = Ledger(network["NL"]).Where(e => e.Kind == LedgerKinds.BlindedQuery).ToList();
        Assert.Equal(["eori", "container"], queries.Select(q => q.Body["type"]!.GetValue<string>()));
        Assert.DoesNotContain(Eori, string.Join("\n", queries.Select(q => q.Body.ToJsonString())), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Forged_replayed_outside_agreement_and_flooding_requests_are_refused_and_recorded()
    {
        await using var network = await StartAsync();
        var kr = network["KR"];
        using var http = new HttpClient { BaseAddress = kr.BaseAddress };
        using var nlKey = NodeKeys.LoadSigningKey(network["NL"].Home);
        var element = Voprf.Blind("eori:GB553202734852"u8).BlindedElement;
        var now = TimeProvider.System.GetUtcNow();

        async Task<(HttpStatusCode Status, JsonElement Problem, HttpResponseMessage Response)> PostAsync(byte[] signed)
        {
            using var content = new ByteArrayContent(signed);
            content.Headers.ContentType = new MediaTypeHeaderValue(BlindedRequest.ContentType);
            var response = await http.PostAsync(BlindedPaths.Evaluate, content);
            var text = await response.Content.ReadAsStringAsync();
            return (response.StatusCode, response.IsSuccessStatusCode ? default : JsonDocument.Parse(text).RootElement.Clone(), response);
        }

        var fine = BlindedRequest.New(BlindedOperation.Evaluate, "NL", "KR", "test-network", "risk-management", now, [element]).Sign(nlKey);
        Assert.Equal(HttpStatusCode.OK, (await PostAsync(fine)).Status);

        var replayed = await PostAsync(fine);
        Assert.Equal((HttpStatusCode.Conflict, "replayed"), (replayed.Status, replayed.Problem.GetProperty("code").GetString()));

        using var stranger = System.Security.Cryptography.ECDsa.Create(System.Security.Cryptography.ECCurve.NamedCurves.nistP256);
        var forged = await PostAsync(BlindedRequest.New(BlindedOperation.Evaluate, "NL", "KR", "test-network", "risk-management", now, [element]).Sign(stranger));
        Assert.Equal((HttpStatusCode.Unauthorized, "forged"), (forged.Status, forged.Problem.GetProperty("code").GetString()));
        Assert.Contains("does not verify", forged.Problem.GetProperty("detail").GetString(), StringComparison.Ordinal);

        var unknown = await PostAsync(BlindedRequest.New(BlindedOperation.Evaluate, "FR", "KR", "test-network", "risk-management", now, [element]).Sign(stranger));
        Assert.Equal((HttpStatusCode.Forbidden, "unknown-partner"), (unknown.Status, unknown.Problem.GetProperty("code").GetString()));

        var outside = await PostAsync(BlindedRequest.New(BlindedOperation.Evaluate, "NL", "KR", "test-network", "statistics", now, [element]).Sign(nlKey));
        Assert.Equal((HttpStatusCode.Forbidden, "outside-agreement"), (outside.Status, outside.Problem.GetProperty("code").GetString()));
        var noSuchAgreement = await PostAsync(BlindedRequest.New(BlindedOperation.Evaluate, "NL", "KR", "nl-kr-other", "risk-management", now, [element]).Sign(nlKey));
        Assert.Equal((HttpStatusCode.Forbidden, "outside-agreement"), (noSuchAgreement.Status, noSuchAgreement.Problem.GetProperty("code").GetString()));

        var stale = await PostAsync(BlindedRequest.New(BlindedOperation.Evaluate, "NL", "KR", "test-network", "risk-management", now.AddHours(-1), [element]).Sign(nlKey));
        Assert.Equal((HttpStatusCode.Unauthorized, "stale"), (stale.Status, stale.Problem.GetProperty("code").GetString()));

        // A flood: 20 at once, refilled at 1 a minute; the first evaluation took one, a batch of 10 passes, the next does not.
        var batch = Enumerable.Range(0, 10).Select(i => Voprf.Blind(Encoding.UTF8.GetBytes($"eori:GB{i:D12}")).BlindedElement).ToList();
        Assert.Equal(HttpStatusCode.OK, (await PostAsync(BlindedRequest.New(BlindedOperation.Evaluate, "NL", "KR", "test-network", "risk-management", now, batch).Sign(nlKey))).Status);
        var flood = await PostAsync(BlindedRequest.New(BlindedOperation.Evaluate, "NL", "KR", "test-network", "risk-management", now, batch).Sign(nlKey));
        Assert.Equal((HttpStatusCode.TooManyRequests, "rate-limited"), (flood.Status, flood.Problem.GetProperty("code").GetString()));
        Assert.Contains("rate", flood.Problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.NotNull(flood.Response.Headers.RetryAfter);

        var refusals = Ledger(kr).Where(e => e.Kind == LedgerKinds.BlindedRefused).Select(e => e.Body["code"]!.GetValue<string>()).ToList();
        Assert.Equal(["replayed", "forged", "unknown-partner", "outside-agreement", "outside-agreement", "stale", "rate-limited"], refusals);
        Assert.Equal([1, 10], Ledger(kr).Where(e => e.Kind == LedgerKinds.BlindedEvaluation).Select(e => e.Body["count"]!.GetValue<int>()));
    }

    private static async Task<JsonElement> AskAsync(TestNetwork network, string eori, string partner)
    {
        var (status, output, error) = await Support.Cli.Run(TestNetwork.WithDatabase(
            ["blinded", "ask", "--home", network["NL"].Home, "--type", "eori", "--value", eori, "--purpose", "risk-management", "--partner", partner, "--json"], network["NL"]));
        Assert.True(status == 0, error + output);
        return JsonDocument.Parse(output).RootElement.GetProperty("answers")[0].Clone();
    }

    [Fact]
    public async Task The_asker_keeps_a_partners_index_and_fetches_only_the_change_then_the_whole_index_under_a_new_key()
    {
        await using var network = await TestNetwork.StartAsync(["NL", "KR"], new Dictionary<string, string> { ["Entente__Blinded__IndexMaxAge"] = "00:00:00.300" }, agreementYaml: Agreement());
        var kr = network["KR"];
        // 200 containers besides the parties and the vessel: an index of some size, so that a change is worth sending alone.
        var many = SampleDeclarations.Valid();
        for (var i = 0; i < 200; i++) many.GoodsShipment.Consignment.Containers.Add(new Container { Id = $"MSCU{1000000 + i}" });
        await IngestAsync(kr, many);
        var first = await AskAsync(network, Eori, "KR");
        Assert.Equal(("hit", "full"), (first.GetProperty("outcome").GetString(), first.GetProperty("indexTransfer").GetString()));
        var fullBytes = first.GetProperty("indexBytes").GetInt64();

        // KR stores a declaration with a new EORI: NL's next query (a new process: the copy kept is read from NL's home) gets only the change.
        var other = SampleDeclarations.Valid("GB260115-0002");
        other.Parties[0].Id = "GB000000000001";
        await IngestAsync(kr, other);
        await Task.Delay(800);
        var second = await AskAsync(network, "GB000000000001", "KR");
        Assert.Equal(("hit", "delta", first.GetProperty("indexSize").GetInt32() + 1),
            (second.GetProperty("outcome").GetString(), second.GetProperty("indexTransfer").GetString(), second.GetProperty("indexSize").GetInt32()));
        Assert.True(second.GetProperty("indexBytes").GetInt64() < fullBytes, $"the delta ({second.GetProperty("indexBytes")} bytes) is smaller than the index ({fullBytes})");
        Assert.True(second.GetProperty("indexVersion").GetInt64() > first.GetProperty("indexVersion").GetInt64());
        Assert.True(File.Exists(Path.Combine(network["NL"].Home, "blinded", "partners", "KR.deltas")));

        // The copy with its delta answers for the old identifier too (read back from the home, verified); nothing changed at KR.
        await Task.Delay(800);
        var third = await AskAsync(network, Eori, "KR");
        Assert.Equal("hit", third.GetProperty("outcome").GetString());
        Assert.Contains(third.GetProperty("indexTransfer").GetString(), new[] { "kept", "not-modified" });
        Assert.Equal(second.GetProperty("indexVersion").GetInt64(), third.GetProperty("indexVersion").GetInt64());

        // A new key at KR: no delta can bridge it, the whole index comes again.
        var (status, _, error) = await Support.Cli.Run(TestNetwork.WithDatabase(["blinded", "rotate-key", "--home", kr.Home], kr));
        Assert.True(status == 0, error);
        await Task.Delay(800);
        var fourth = await AskAsync(network, Eori, "KR");
        Assert.Equal(("hit", "full"), (fourth.GetProperty("outcome").GetString(), fourth.GetProperty("indexTransfer").GetString()));
        Assert.False(File.Exists(Path.Combine(network["NL"].Home, "blinded", "partners", "KR.deltas")));
        Assert.Single(Ledger(kr), e => e.Kind == LedgerKinds.BlindedKeyRotated);
    }

    [Fact]
    public async Task A_holder_that_evaluates_with_another_key_than_its_signed_index_commits_to_is_refused_and_recorded()
    {
        await using var network = await TestNetwork.StartAsync(["NL", "KR"], agreementYaml: Agreement());
        var (nl, kr) = (network["NL"], network["KR"]);
        await IngestAsync(kr);
        Assert.Equal("hit", (await AskAsync(network, Eori, "KR")).GetProperty("outcome").GetString());
        var signedIndex = await File.ReadAllBytesAsync(Path.Combine(nl.Home, "blinded", "partners", "KR.index"));
        var committed = BlindedIndex.FromCbor(Entente.Exchange.SignedCbor.Read(signedIndex, BlindedIndex.ContentType, "index").Payload);

        // KR's node is replaced at its address by a holder with KR's signing key, serving the index KR signed.
        await kr.KillAsync();
        using var signing = NodeKeys.LoadSigningKey(kr.Home);
        await using var rogue = await RogueHolder.StartAsync(kr.BaseAddress, "KR", signing, signedIndex);
        // Under KR's own OPRF key it answers as KR did: the stand-in is faithful.
        rogue.Key = Convert.FromBase64String((await File.ReadAllTextAsync(BlindedKey.PathIn(kr.Home))).Trim());
        Assert.Equal("hit", (await AskAsync(network, Eori, "KR")).GetProperty("outcome").GetString());

        // Under another key (proved honestly for that key, claiming the index's key id): without the proof check NL
        // would read a no-hit; it refuses the answer, says why naming KR, and exits 1.
        rogue.Key = Oprf.GenerateKey();
        string[] ask = ["blinded", "ask", "--home", nl.Home, "--type", "eori", "--value", Eori, "--purpose", "risk-management", "--partner", "KR"];
        var (status, output, error) = await Support.Cli.Run(TestNetwork.WithDatabase([.. ask, "--json"], nl));
        Assert.True(status == 1, $"exit {status}: {error}{output}");
        var answers = JsonDocument.Parse(output).RootElement;
        var answer = answers.GetProperty("answers")[0];
        Assert.Equal(("KR", "refused", 0), (answer.GetProperty("partner").GetString(), answer.GetProperty("outcome").GetString(), answers.GetProperty("hits").GetInt32()));
        Assert.False(answer.TryGetProperty("reference", out var reference) && reference.ValueKind != JsonValueKind.Null);
        Assert.Contains("KR's evaluation is refused: its proof does not verify against the public key of its signed index", answer.GetProperty("error").GetString(), StringComparison.Ordinal);
        (status, output, error) = await Support.Cli.Run(TestNetwork.WithDatabase(ask, nl));
        Assert.True(status == 1, $"exit {status}: {error}{output}");
        Assert.Contains("KR       refused KR's evaluation is refused", output, StringComparison.Ordinal);

        // Both refusals are in NL's ledger, and the queries record the outcome.
        var refusals = Ledger(nl).Where(e => e.Kind == LedgerKinds.BlindedProofRefused).ToList();
        Assert.Equal(2, refusals.Count);
        Assert.All(refusals, r => Assert.Equal(("KR", "test-network", committed.KeyId, committed.Version),
            (r.Body["partner"]!.GetValue<string>(), r.Body["agreement"]!.GetValue<string>(), r.Body["key"]!.GetValue<string>(), r.Body["indexVersion"]!.GetValue<long>())));
        Assert.Equal(["hit", "hit", "refused", "refused"],
            Ledger(nl).Where(e => e.Kind == LedgerKinds.BlindedQuery).Select(q => q.Body["partners"]![0]!["outcome"]!.GetValue<string>()));
    }
}
