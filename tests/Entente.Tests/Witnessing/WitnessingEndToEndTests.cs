using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Nodes;
using Entente.Identity;
using Entente.Ledger;
using Entente.Tests.Agreements;
using Entente.Tests.Support;
using Entente.Witnessing;

namespace Entente.Tests.Witnessing;

/// <summary>
/// Two real node processes on loopback, NL and KR, parties to a bilateral agreement in force signed by both node keys.
/// NL witnesses KR; KR's ledger is grown and checkpointed through its own database and CLI, as an operator would.
/// </summary>
public sealed class TwoNodes : IAsyncLifetime
{
    public NodeProcess Nl { get; private set; } = null!;
    public NodeProcess Kr { get; private set; } = null!;
    public string NlAuditor { get; private set; } = "";
    public string KrAuditor { get; private set; } = "";
    public string KrPublicKeyFile { get; private set; } = "";
    public string NlPublicKeyFile { get; private set; } = "";

    public async Task InitializeAsync()
    {
        var started = await Task.WhenAll(NodeProcess.StartAsync(code: "NL"), NodeProcess.StartAsync(code: "KR"));
        (Nl, Kr) = (started[0], started[1]);
        using var nlKey = NodeKeys.LoadSigningKey(Nl.Home);
        using var krKey = NodeKeys.LoadSigningKey(Kr.Home);
        var yaml = File.ReadAllText(AgreementTestKit.SamplePath("bilateral.yaml"))
            .Replace("{NL}", AgreementTestKit.Fingerprint(nlKey), StringComparison.Ordinal)
            .Replace("{KR}", AgreementTestKit.Fingerprint(krKey), StringComparison.Ordinal)
            .Replace("until: 2026-12-31", "until: 2099-12-31", StringComparison.Ordinal);
        var signed = AgreementTestKit.SignedText(yaml, nlKey, krKey);
        foreach (var home in new[] { Nl.Home, Kr.Home })
        {
            Directory.CreateDirectory(Path.Combine(home, "agreements"));
            await File.WriteAllTextAsync(Path.Combine(home, "agreements", "nl-kr.yaml"), signed);
        }
        // KR takes cosignatures only from partners whose registered key the agreement lists.
        var added = await Support.Cli.Run("partner", "add", "--home", Kr.Home, "--code", "NL", "--endpoint", Nl.BaseAddress.ToString());
        Assert.True(added.Status == 0, added.Error);
        KrPublicKeyFile = Path.Combine(Nl.Home, "kr-public.pem");
        await File.WriteAllTextAsync(KrPublicKeyFile, NodeKeys.PublicKeyPem(krKey));
        NlPublicKeyFile = Path.Combine(Kr.Home, "nl-public.pem");
        await File.WriteAllTextAsync(NlPublicKeyFile, NodeKeys.PublicKeyPem(nlKey));
        NlAuditor = await Nl.AddUserAsync("nl-auditor", "auditor");
        KrAuditor = await Kr.AddUserAsync("kr-auditor", "auditor");
        await GrowKrAsync(3);
    }

    /// <summary>Appends entries to KR's ledger and signs a checkpoint with KR's CLI; returns its size.</summary>
    public async Task<long> GrowKrAsync(int entries)
    {
        await using (var ledger = LedgerStore.Open(Path.Combine(Kr.Home, "entente.db"), TimeProvider.System))
        {
            for (var i = 0; i < entries; i++)
                await ledger.AppendAsync("retention-review", new LedgerActor("test", "KR"), new JsonObject { ["n"] = i });
        }
        var (status, output, error) = await Support.Cli.Run("ledger", "checkpoint", "--home", Kr.Home);
        Assert.True(status == 0, error);
        return Checkpoint.Parse(output).Checkpoint!.TreeSize;
    }

    public Task<(int Status, string Output, string Error)> WitnessAsync(string partner, Uri endpoint, string keyFile) =>
        Support.Cli.Run("ledger", "witness", "--home", Nl.Home, "--partner", partner, "--endpoint", endpoint.ToString(), "--key", keyFile);

    public async Task DisposeAsync()
    {
        await Nl.DisposeAsync();
        await Kr.DisposeAsync();
    }
}

public sealed class WitnessingEndToEndTests(TwoNodes nodes) : IClassFixture<TwoNodes>
{
    private static async Task<JsonElement> GetAsync(NodeProcess node, string key, string path)
    {
        using var client = node.Client(key);
        return await client.GetFromJsonAsync<JsonElement>(new Uri(path, UriKind.Relative));
    }

    private async Task<string> PublishedCheckpointAsync()
    {
        using var anyone = nodes.Kr.Client();
        return (await anyone.GetFromJsonAsync<JsonElement>(new Uri("/api/ledger/checkpoint", UriKind.Relative))).GetProperty("note").GetString()!;
    }

    private string WriteKey(ECDsa key)
    {
        var file = Path.Combine(nodes.Nl.Home, $"key-{Guid.NewGuid():N}.pem");
        File.WriteAllText(file, key.ExportSubjectPublicKeyInfoPem());
        return file;
    }

    [Fact]
    public async Task A_partner_witnessed_as_its_ledger_grows_is_consistent_and_publishes_the_cosignature()
    {
        var first = await nodes.WitnessAsync("KR", nodes.Kr.BaseAddress, nodes.KrPublicKeyFile);
        Assert.True(first.Status == 0, first.Output + first.Error);
        Assert.Contains("KR: first-seen", first.Output, StringComparison.Ordinal);
        Assert.Contains("KR accepted the cosignature", first.Output, StringComparison.Ordinal);

        var grown = await nodes.GrowKrAsync(5);
        var second = await nodes.WitnessAsync("KR", nodes.Kr.BaseAddress, nodes.KrPublicKeyFile);
        Assert.True(second.Status == 0, second.Output + second.Error);
        Assert.Contains("KR: consistent", second.Output, StringComparison.Ordinal);
        Assert.Contains($"Cosigned checkpoint {grown}", second.Output, StringComparison.Ordinal);

        // KR publishes its checkpoint with NL's cosignature: KR's key still opens it, NL's key verifies the cosignature.
        var published = await PublishedCheckpointAsync();
        using var krKey = NodeKeys.LoadSigningKey(nodes.Kr.Home);
        using var nlKey = NodeKeys.LoadSigningKey(nodes.Nl.Home);
        var checkpoint = Checkpoint.Open(published, krKey.ExportSubjectPublicKeyInfo()).Checkpoint!;
        Assert.Equal(grown, checkpoint.TreeSize);
        var (_, signatures, _) = Checkpoint.Parse(published);
        Assert.Equal(["entente/KR/ledger", "NL"], signatures.Select(s => s.Name));
        var line = published.Split('\n').Single(l => l.StartsWith("\u2014 NL ", StringComparison.Ordinal));
        Assert.Null(Cosignature.Verify(checkpoint, line, "NL", nlKey.ExportSubjectPublicKeyInfo()).Problem);

        var witnessed = (await GetAsync(nodes.Nl, nodes.NlAuditor, "/api/ledger/witnessed?partner=KR")).EnumerateArray().ToList();
        Assert.Equal(grown, witnessed[^1].GetProperty("treeSize").GetInt64());
        Assert.All(witnessed, w => Assert.True(w.GetProperty("consistent").GetBoolean()));
        Assert.True(witnessed.Count >= 2);

        var (status, listed, _) = await Support.Cli.Run("ledger", "cosignatures", "--home", nodes.Kr.Home, "--json");
        Assert.Equal(0, status);
        Assert.Contains(JsonDocument.Parse(listed).RootElement.EnumerateArray(), c => c.GetProperty("witness").GetString() == "NL" && c.GetProperty("treeSize").GetInt64() == grown);
        var overApi = await GetAsync(nodes.Kr, nodes.KrAuditor, $"/api/ledger/cosignatures?size={grown}");
        Assert.Equal("NL", Assert.Single(overApi.EnumerateArray()).GetProperty("witness").GetString());
    }

    [Fact]
    public async Task A_cosignature_by_a_key_no_agreement_names_is_refused_and_not_published()
    {
        var size = await nodes.GrowKrAsync(1);
        var checkpoint = Checkpoint.Parse(await PublishedCheckpointAsync()).Checkpoint!;
        Assert.Equal(size, checkpoint.TreeSize);
        using var stranger = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        using var client = nodes.Kr.Client();

        var response = await client.PostAsJsonAsync(new Uri("/api/ledger/cosignatures", UriKind.Relative), new CosignatureSubmission("NL",
            Convert.ToBase64String(stranger.ExportSubjectPublicKeyInfo()), size, Convert.ToBase64String(checkpoint.Root),
            Cosignature.Sign(checkpoint, "NL", stranger, TimeProvider.System.GetUtcNow())));

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Contains("no agreement in force between KR and NL names NL with key sha256:", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.DoesNotContain("\u2014 NL ", await PublishedCheckpointAsync(), StringComparison.Ordinal);
        Assert.Contains("Refused a cosignature", nodes.Kr.Log, StringComparison.Ordinal);

        // NL's own key, but over a root KR never signed: refused too.
        using var nlKey = NodeKeys.LoadSigningKey(nodes.Nl.Home);
        var forged = checkpoint with { Root = SHA256.HashData("forged"u8) };
        var wrongRoot = await client.PostAsJsonAsync(new Uri("/api/ledger/cosignatures", UriKind.Relative), new CosignatureSubmission("NL",
            Convert.ToBase64String(nlKey.ExportSubjectPublicKeyInfo()), size, Convert.ToBase64String(forged.Root),
            Cosignature.Sign(forged, "NL", nlKey, TimeProvider.System.GetUtcNow())));
        Assert.Equal(HttpStatusCode.BadRequest, wrongRoot.StatusCode);
    }

    [Fact]
    public async Task A_partner_showing_two_roots_for_one_size_raises_one_alarm_with_a_ledger_entry_listed_by_the_api()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var keyFile = WriteKey(key);
        var honest = TestLog.Of("DE", key, 8);
        var forked = TestLog.Of("DE", key, 8, history: "fork");
        await using var partner = await HostilePartner.StartAsync();

        partner.Note = honest.Note();
        var first = await nodes.WitnessAsync("DE", partner.Endpoint, keyFile);
        Assert.True(first.Status == 0, first.Output + first.Error);
        Assert.Equal(1, partner.CosignaturesReceived);

        partner.Note = forked.Note();
        var second = await nodes.WitnessAsync("DE", partner.Endpoint, keyFile);
        Assert.Equal(1, second.Status);
        Assert.Contains("EQUIVOCATION ALARM", second.Output, StringComparison.Ordinal);
        Assert.Equal(1, partner.CosignaturesReceived);
        // Shown again, the same fork is the same alarm, not a new one per round.
        Assert.Equal(1, (await nodes.WitnessAsync("DE", partner.Endpoint, keyFile)).Status);

        var alarms = (await GetAsync(nodes.Nl, nodes.NlAuditor, "/api/ledger/alarms")).EnumerateArray().Where(a => a.GetProperty("partner").GetString() == "DE").ToList();
        var alarm = Assert.Single(alarms);
        Assert.Equal(EquivocationKinds.SameSizeDifferentRoot, alarm.GetProperty("kind").GetString());
        var evidence = alarm.GetProperty("evidence");
        var earlier = Checkpoint.Open(evidence.GetProperty("earlier").GetString()!, honest.PublicKey).Checkpoint!;
        var later = Checkpoint.Open(evidence.GetProperty("later").GetString()!, honest.PublicKey).Checkpoint!;
        Assert.Equal((8L, 8L), (earlier.TreeSize, later.TreeSize));
        Assert.NotEqual(earlier.Root, later.Root);

        var entry = await AlarmEntryAsync(alarm.GetProperty("id").GetString()!);
        Assert.Equal("DE", entry.Body["partner"]!.GetValue<string>());
        Assert.Equal(alarm.GetProperty("evidenceDigest").GetString(), entry.Body["evidence"]!.GetValue<string>());
        var (listed, output, _) = await Support.Cli.Run("ledger", "alarms", "--home", nodes.Nl.Home);
        Assert.Equal(0, listed);
        Assert.Contains("DE  same-size-different-root", output, StringComparison.Ordinal);
        Assert.Equal(0, (await Support.Cli.Run("ledger", "verify", "--home", nodes.Nl.Home)).Status);

        var acknowledge = new Uri($"/api/ledger/alarms/{alarm.GetProperty("id").GetString()}/acknowledge", UriKind.Relative);
        using var auditor = nodes.Nl.Client(nodes.NlAuditor);
        using var anonymous = nodes.Nl.Client();
        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.PostAsync(acknowledge, null)).StatusCode);
        var acknowledged = await auditor.PostAsync(acknowledge, null);
        Assert.Equal(HttpStatusCode.OK, acknowledged.StatusCode);
        Assert.Equal("nl-auditor", (await acknowledged.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("acknowledgedBy").GetString());
        Assert.Equal(HttpStatusCode.Conflict, (await auditor.PostAsync(acknowledge, null)).StatusCode);
        Assert.Equal("nl-auditor", (await LatestEntryAsync(WitnessRound.AlarmAcknowledgedKind)).Actor.User);
    }

    [Fact]
    public async Task A_partner_whose_new_checkpoint_is_not_consistent_with_an_earlier_one_raises_an_alarm_with_the_proof()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var keyFile = WriteKey(key);
        var honest = TestLog.Of("FR", key, 4);
        var rewritten = TestLog.Of("FR", key, 9, history: "rewritten");
        await using var partner = await HostilePartner.StartAsync();

        partner.Note = honest.Note();
        Assert.Equal(0, (await nodes.WitnessAsync("FR", partner.Endpoint, keyFile)).Status);
        partner.Note = rewritten.Note();
        partner.Proof = rewritten.Proof;
        var second = await nodes.WitnessAsync("FR", partner.Endpoint, keyFile);

        Assert.Equal(1, second.Status);
        var alarm = Assert.Single((await GetAsync(nodes.Nl, nodes.NlAuditor, "/api/ledger/alarms")).EnumerateArray(), a => a.GetProperty("partner").GetString() == "FR");
        Assert.Equal(EquivocationKinds.GrowthNotConsistent, alarm.GetProperty("kind").GetString());
        var proof = alarm.GetProperty("evidence").GetProperty("proof");
        Assert.Equal((4L, 9L), (proof.GetProperty("from").GetInt64(), proof.GetProperty("to").GetInt64()));
        Assert.Equal("FR", (await AlarmEntryAsync(alarm.GetProperty("id").GetString()!)).Body["partner"]!.GetValue<string>());
        Assert.Equal(1, partner.CosignaturesReceived);

        // The auditor acknowledges it from the command line: once, recorded; a second time or an unknown id is refused.
        var id = alarm.GetProperty("id").GetString()!;
        var (done, output, _) = await Support.Cli.Run("ledger", "acknowledge", "--alarm", id, "--home", nodes.Nl.Home, "--json");
        Assert.Equal(0, done);
        Assert.Equal("FR", JsonDocument.Parse(output).RootElement.GetProperty("partner").GetString());
        Assert.Equal(id, (await LatestEntryAsync(WitnessRound.AlarmAcknowledgedKind)).Body["alarm"]!.GetValue<string>());
        var again = await Support.Cli.Run("ledger", "acknowledge", "--alarm", id, "--home", nodes.Nl.Home);
        Assert.Equal(1, again.Status);
        Assert.Contains(id, again.Error, StringComparison.Ordinal);
        Assert.Equal(1, (await Support.Cli.Run("ledger", "acknowledge", "--alarm", "no-such-alarm", "--home", nodes.Nl.Home)).Status);
    }

    [Fact]
    public async Task A_checkpoint_with_a_bad_signature_is_refused_and_not_cosigned()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        using var impostor = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var keyFile = WriteKey(key);
        await using var partner = await HostilePartner.StartAsync();
        partner.Note = TestLog.Of("IT", impostor, 6).Note();

        var (status, output, _) = await nodes.WitnessAsync("IT", partner.Endpoint, keyFile);

        Assert.Equal(1, status);
        Assert.Contains("IT: invalid", output, StringComparison.Ordinal);
        Assert.Equal(0, partner.CosignaturesReceived);
        Assert.Empty((await GetAsync(nodes.Nl, nodes.NlAuditor, "/api/ledger/witnessed?partner=IT")).EnumerateArray());
        Assert.DoesNotContain((await GetAsync(nodes.Nl, nodes.NlAuditor, "/api/ledger/alarms")).EnumerateArray(), a => a.GetProperty("partner").GetString() == "IT");
    }

    [Fact]
    public async Task An_unreachable_partner_is_not_an_alarm()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var partner = await HostilePartner.StartAsync();
        var endpoint = partner.Endpoint;
        await partner.DisposeAsync();

        var (status, output, _) = await nodes.WitnessAsync("PL", endpoint, WriteKey(key));

        Assert.Equal(3, status);
        Assert.Contains("PL: unreachable", output, StringComparison.Ordinal);
        Assert.DoesNotContain((await GetAsync(nodes.Nl, nodes.NlAuditor, "/api/ledger/alarms")).EnumerateArray(), a => a.GetProperty("partner").GetString() == "PL");
    }

    private async Task<LedgerEntry> LatestEntryAsync(string kind)
    {
        await using var ledger = LedgerStore.Open(Path.Combine(nodes.Nl.Home, "entente.db"), TimeProvider.System);
        for (var i = (await ledger.GetHeadAsync()).Size - 1; i >= 0; i--)
        {
            var entry = (await ledger.GetEntryAsync(i))!.Entry;
            if (entry.Kind == kind) return entry;
        }
        throw new Xunit.Sdk.XunitException($"no {kind} entry in NL's ledger");
    }

    private async Task<LedgerEntry> AlarmEntryAsync(string alarm)
    {
        await using var ledger = LedgerStore.Open(Path.Combine(nodes.Nl.Home, "entente.db"), TimeProvider.System);
        var head = await ledger.GetHeadAsync();
        for (var i = head.Size - 1; i >= 0; i--)
        {
            var entry = (await ledger.GetEntryAsync(i))!.Entry;
            if (entry.Kind == WitnessRound.AlarmKind && entry.Body["alarm"]!.GetValue<string>() == alarm) return entry;
        }
        throw new Xunit.Sdk.XunitException($"no {WitnessRound.AlarmKind} entry for {alarm} in NL's ledger");
    }
}
