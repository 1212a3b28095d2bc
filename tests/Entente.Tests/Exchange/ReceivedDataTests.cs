using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using Entente.Exchange;
using Entente.Identity;
using Entente.Ledger;

namespace Entente.Tests.Exchange;

/// <summary>
/// Received data under the same rules as the node's own (issue 15, item 9), between real node processes: a received
/// payload is read only under a purpose and every read and refusal is in the ledger; a restarted node takes back its own
/// outbox claims at once instead of waiting out their lease.
/// </summary>
public sealed class ReceivedDataTests : IAsyncLifetime
{
    private const string Suspect = "NL555666777";

    private TestNetwork _net = null!;

    public async Task InitializeAsync() => _net = await TestNetwork.StartAsync(["NL", "KR"]);

    public async Task DisposeAsync() => await _net.DisposeAsync();

    private static JsonObject Report(string id) =>
        JsonNode.Parse($$$"""{"seizure":{"id":"{{{id}}}","goods":"cigarettes","parties":[{"role":"carrier","id":"{{{Suspect}}}"}]}}""")!.AsObject();

    [Fact]
    public async Task A_received_payload_is_read_only_under_a_purpose_and_each_read_and_refusal_is_in_the_ledger_under_its_parties()
    {
        var sent = await _net.DiscloseAsync("NL", "KR", "seizure-reports", "investigation", Report("S-15-1"));
        var id = sent.GetProperty("messageId").GetString()!;
        using var kr = _net.Liaison("KR");
        await _net.EventuallyAsync(async () => (await kr.GetFromJsonAsync<JsonElement>("/api/exchange/inbox?sender=NL")).GetArrayLength() == 1, what: "the report at KR");
        var home = _net["KR"].Home;
        var tag = LedgerSubjects.Party(new IdentityHome(home, "KR", "Test administration").LoadSubjectKey(), Suspect);

        var plain = await kr.GetAsync(new Uri($"/api/exchange/inbox/{id}", UriKind.Relative));
        var refusal = await plain.Content.ReadAsStringAsync();
        Assert.Equal(HttpStatusCode.Forbidden, plain.StatusCode);
        Assert.Contains("state a purpose", refusal, StringComparison.Ordinal);
        Assert.DoesNotContain("cigarettes", refusal, StringComparison.Ordinal);
        var denied = await LastEntryAsync(home);
        Assert.Equal(LedgerKinds.PolicyDecision, denied.Kind);
        Assert.Equal("deny", denied.Body["decision"]!.GetValue<string>());
        Assert.Contains(LedgerSubjects.Message(id), LedgerSubjects.Of(denied));
        Assert.Contains(tag, LedgerSubjects.Of(denied));

        var read = await kr.GetFromJsonAsync<JsonElement>($"/api/exchange/inbox/{id}?purpose=investigation&justification=case%20KR-15");
        Assert.Equal("cigarettes", read.GetProperty("payload").GetProperty("seizure").GetProperty("goods").GetString());
        var access = await LastEntryAsync(home);
        Assert.Equal(LedgerKinds.PersonalDataAccess, access.Kind);
        Assert.Equal("investigation", access.Body["purpose"]!.GetValue<string>());
        Assert.Equal(id, access.Body["records"]![0]!.GetValue<string>());
        Assert.Contains(tag, LedgerSubjects.Of(access));

        // The console reads under the same rules.
        var (status, output, _) = await Support.Cli.Run("exchange", "show", id, "--home", home);
        Assert.NotEqual(0, status);
        Assert.DoesNotContain("cigarettes", output, StringComparison.Ordinal);
        Assert.Equal(LedgerKinds.PolicyDecision, (await LastEntryAsync(home)).Kind);
        (status, output, var error) = await Support.Cli.Run("exchange", "show", id, "--home", home, "--purpose", "investigation", "--justification", "case KR-15");
        Assert.True(status == 0, error);
        Assert.Contains("cigarettes", output, StringComparison.Ordinal);
        var console = await LastEntryAsync(home);
        Assert.Equal(LedgerKinds.PersonalDataAccess, console.Kind);
        Assert.Equal("console", console.Body["channel"]!.GetValue<string>());
    }

    [Fact]
    public async Task A_restarted_node_takes_back_its_own_claims_at_once_instead_of_waiting_out_their_lease()
    {
        var nl = _net["NL"];
        await _net["KR"].KillAsync();
        var sent = await _net.DiscloseAsync("NL", "KR", "seizure-reports", "investigation", Report("S-15-2"));
        var id = sent.GetProperty("messageId").GetString()!;
        await nl.KillAsync();

        // As a crash mid-send leaves it: the message claimed under the node's name for an hour.
        await using (var database = Entente.Storage.NodeDatabase.Open(Path.Combine(nl.Home, "entente.db")))
        {
            var store = new ExchangeStore(database);
            var now = TimeProvider.System.GetUtcNow().AddMinutes(1);
            var claimed = await store.ClaimAsync(new DispatcherSettings().Replica, now, now.AddHours(1), 10, 0);
            Assert.Equal(id, Assert.Single(claimed).MessageId);
        }
        Assert.DoesNotContain(Environment.ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture), new DispatcherSettings().Replica, StringComparison.Ordinal);

        await _net["KR"].RestartAsync();
        await nl.RestartAsync();
        using var client = _net.Liaison("NL");
        await _net.EventuallyAsync(async () => (await client.GetFromJsonAsync<JsonElement>($"/api/exchange/outbox/{id}")).GetProperty("state").GetString() == "delivered",
            seconds: 30, what: "delivery after the restart, without waiting out the hour's lease");
    }

    private static async Task<LedgerEntry> LastEntryAsync(string home)
    {
        await using var ledger = LedgerStore.Open(Path.Combine(home, "entente.db"), TimeProvider.System);
        var head = await ledger.GetHeadAsync();
        return (await ledger.GetEntryAsync(head.Size - 1))!.Entry;
    }
}
