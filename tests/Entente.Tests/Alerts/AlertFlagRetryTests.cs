using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Entente.Tests.Exchange;
using Evidence = Entente.Tests.Exchange.Reliability.Evidence;

namespace Entente.Tests.Alerts;

/// <summary>
/// A flag rides the exchange's durable outbox like an action-taken report: KR flags NL's alert while NL is down, the
/// flag waits in KR's outbox (retried, its delivery kept with the flag), and NL has it once it is back.
/// </summary>
public sealed class AlertFlagRetryTests
{
    [Fact]
    public async Task A_flag_told_while_the_issuer_is_down_reaches_it_when_it_comes_back()
    {
        var yaml = await File.ReadAllTextAsync(Path.Combine(Support.SharedData.RepositoryRoot, "tests", "Entente.Tests", "Exchange", "Samples", "network.yaml"));
        const string alerts = "    disclose: [/alert]\n    handling-code: H0\n    onward-transfer: forbidden\n    retention: { period: P1Y, then: erase }\n";
        yaml = yaml.Replace(alerts, alerts + "    push: { to: all-parties, purpose: specific-check }\n", StringComparison.Ordinal);
        await using var net = await TestNetwork.StartAsync(["NL", "KR"], new Dictionary<string, string> { ["Entente__Screening__RefreshSeconds"] = "1" }, agreementYaml: yaml);
        string id;
        using (var nl = net.Liaison("NL"))
        {
            var issued = await nl.PostAsJsonAsync("/api/alerts", AlertsTestKit.Company(agreement: "test-network", until: "2099-12-31"));
            var body = await issued.Content.ReadFromJsonAsync<JsonElement>();
            Assert.True(issued.StatusCode == HttpStatusCode.Created, body.ToString());
            id = body.GetProperty("alert").GetProperty("alert").GetProperty("id").GetString()!;
        }
        using var kr = net.Liaison("KR");
        await net.EventuallyAsync(async () => (await kr.GetAsync($"/api/alerts/{id}")).StatusCode == HttpStatusCode.OK, what: "NL's alert at KR");

        await net["NL"].KillAsync();
        var flagged = await kr.PostAsJsonAsync($"/api/alerts/{id}/flags", new { reason = "a national court order forbids the seizure here" });
        Assert.True(flagged.StatusCode == HttpStatusCode.OK, await flagged.Content.ReadAsStringAsync());
        var messageId = Assert.Single((await flagged.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("pushed").EnumerateArray()).GetProperty("messageId").GetString()!;

        // The flag keeps how it was told: the message queued, first attempt.
        var atKr = await kr.GetFromJsonAsync<JsonElement>($"/api/alerts/{id}");
        var delivery = Assert.Single(atKr.GetProperty("flags").EnumerateArray()).GetProperty("delivery");
        Assert.Equal((messageId, 1), (delivery.GetProperty("messageId").GetString(), delivery.GetProperty("attempts").GetInt32()));

        // NL is unreachable: the message waits in KR's outbox and is tried again.
        await net.EventuallyAsync(async () => (await Evidence.OutboxAsync(net["KR"])).Any(o => o.MessageId == messageId && o.Attempts >= 2), what: "KR retrying the flag");
        var waiting = Assert.Single(await Evidence.OutboxAsync(net["KR"]), o => o.MessageId == messageId);
        Assert.Equal("pending", waiting.State);

        await net["NL"].RestartAsync();
        using var nlBack = net.Liaison("NL");
        JsonElement atNl = default;
        await net.EventuallyAsync(async () =>
        {
            atNl = await nlBack.GetFromJsonAsync<JsonElement>($"/api/alerts/{id}");
            return atNl.TryGetProperty("partnerFlags", out var flags) && flags.GetArrayLength() == 1;
        }, what: "KR's flag at NL after its restart");
        Assert.Equal(("KR", "a national court order forbids the seizure here"),
            (atNl.GetProperty("partnerFlags")[0].GetProperty("by").GetString(), atNl.GetProperty("partnerFlags")[0].GetProperty("reason").GetString()));
        await net.EventuallyAsync(async () => (await Evidence.OutboxAsync(net["KR"])).Single(o => o.MessageId == messageId).State == "delivered", what: "the flag's receipt at KR");
        // Told once: no second message for a flag the outbox delivered.
        Assert.DoesNotContain(await Evidence.OutboxAsync(net["KR"]), o => o.MessageId != messageId && o.Recipient == "NL" && o.ConversationId == id);
        await Evidence.AssertLedgerVerifiesAsync(net["KR"]);
    }
}
