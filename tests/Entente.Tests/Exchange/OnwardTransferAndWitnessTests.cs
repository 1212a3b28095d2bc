using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using Entente.Ledger;

namespace Entente.Tests.Exchange;

/// <summary>Three real nodes: what one received under H2 goes to a third only with the provider's consent; each witnesses the others.</summary>
public sealed class OnwardTransferAndWitnessTests : IAsyncLifetime
{
    private TestNetwork _net = null!;

    public async Task InitializeAsync() =>
        _net = await TestNetwork.StartAsync(["NL", "KR", "DE"], new Dictionary<string, string> { ["Entente__Witness__Every"] = "00:00:01" });

    public async Task DisposeAsync() => await _net.DisposeAsync();

    [Fact]
    public async Task Data_received_under_H2_is_not_passed_on_without_the_providers_recorded_consent_and_is_with_it()
    {
        var sent = await _net.DiscloseAsync("NL", "KR", "seizure-reports", "investigation", JsonNode.Parse("""{"seizure":{"id":"S-9","goods":"heroin"}}""")!.AsObject());
        var id = sent.GetProperty("messageId").GetString()!;
        using var kr = _net.Liaison("KR");
        using var nl = _net.Liaison("NL");
        await _net.EventuallyAsync(async () => (await kr.GetAsync(new Uri($"/api/exchange/inbox/{id}?purpose=investigation&justification=case%2015", UriKind.Relative))).StatusCode == HttpStatusCode.OK, what: "the report at KR");

        var refused = await kr.PostAsJsonAsync("/api/exchange/forwards", new { messageId = id, recipient = "DE", purpose = "investigation" });
        Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
        Assert.Contains("needs NL's recorded consent", await refused.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        await using (var ledger = LedgerStore.Open(Path.Combine(_net["KR"].Home, "entente.db"), TimeProvider.System))
        {
            var head = await ledger.GetHeadAsync();
            var last = (await ledger.GetEntryAsync(head.Size - 1))!.Entry;
            Assert.Equal(LedgerKinds.PolicyDecision, last.Kind);
            Assert.Equal("deny", last.Body["decision"]!.GetValue<string>());
            Assert.Equal(id, last.Body["forwardOf"]!.GetValue<string>());
        }

        var consent = await nl.PostAsJsonAsync("/api/exchange/consents", new { messageId = id, recipient = "DE" });
        Assert.True(consent.IsSuccessStatusCode, await consent.Content.ReadAsStringAsync());
        await _net.EventuallyAsync(async () =>
            (await kr.PostAsJsonAsync("/api/exchange/forwards", new { messageId = id, recipient = "DE", purpose = "investigation" })).StatusCode == HttpStatusCode.OK,
            what: "the forward accepted once the consent arrived");
        using var de = _net.Liaison("DE");
        await _net.EventuallyAsync(async () => (await de.GetFromJsonAsync<JsonElement>("/api/exchange/inbox?sender=KR")).GetArrayLength() == 1, what: "the report at DE");
        var atDe = (await de.GetFromJsonAsync<JsonElement>("/api/exchange/inbox?sender=KR"))[0];
        var full = await de.GetFromJsonAsync<JsonElement>($"/api/exchange/inbox/{atDe.GetProperty("messageId").GetString()}?purpose=investigation&justification=case%2015");
        Assert.Equal("heroin", full.GetProperty("payload").GetProperty("seizure").GetProperty("goods").GetString());
    }

    [Fact]
    public async Task Each_node_witnesses_the_others_and_its_checkpoint_carries_their_cosignatures()
    {
        await _net.DiscloseAsync("NL", "KR", "seizure-reports", "investigation", JsonNode.Parse("""{"seizure":{"id":"S-1"}}""")!.AsObject());
        using var anonymous = _net["KR"].Client();
        await _net.EventuallyAsync(async () =>
        {
            // 404 until KR has signed its first checkpoint.
            using var response = await anonymous.GetAsync(new Uri("/api/ledger/checkpoint", UriKind.Relative));
            if (!response.IsSuccessStatusCode) return false;
            var note = await response.Content.ReadAsStringAsync();
            return note.Contains("\u2014 NL ", StringComparison.Ordinal) && note.Contains("\u2014 DE ", StringComparison.Ordinal);
        }, what: "KR's checkpoint cosigned by NL and DE");
    }
}
