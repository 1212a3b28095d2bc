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
        await using var net = await StartAsync();
        var id = await IssueAtNlAsync(net);
        using var kr = net.Liaison("KR");

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

    [Fact]
    public async Task A_flag_the_issuer_refuses_because_it_lost_the_alert_is_told_again_and_accepted_once_the_alert_is_back()
    {
        await using var net = await StartAsync();
        var id = await IssueAtNlAsync(net);
        using var kr = net.Liaison("KR");

        // NL's database is restored from a backup taken before the alert: NL no longer holds it (the row is kept aside).
        var nlDatabase = $"Data Source={Path.Combine(net["NL"].Home, "entente.db")};Pooling=False";
        var row = new List<(string Column, object Value)>();
        await using (var connection = new Microsoft.Data.Sqlite.SqliteConnection(nlDatabase))
        {
            await connection.OpenAsync();
            await using var read = connection.CreateCommand();
            read.CommandText = "SELECT * FROM alerts WHERE id = $id";
            read.Parameters.AddWithValue("$id", id);
            await using (var reader = await read.ExecuteReaderAsync())
            {
                Assert.True(await reader.ReadAsync());
                for (var i = 0; i < reader.FieldCount; i++) row.Add((reader.GetName(i), reader.GetValue(i)));
            }
            await using var delete = connection.CreateCommand();
            delete.CommandText = "DELETE FROM alerts WHERE id = $id";
            delete.Parameters.AddWithValue("$id", id);
            Assert.Equal(1, await delete.ExecuteNonQueryAsync());
        }

        var flagged = await kr.PostAsJsonAsync($"/api/alerts/{id}/flags", new { reason = "a national court order forbids the seizure here" });
        Assert.True(flagged.StatusCode == HttpStatusCode.OK, await flagged.Content.ReadAsStringAsync());
        var first = Assert.Single((await flagged.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("pushed").EnumerateArray()).GetProperty("messageId").GetString()!;
        async Task<JsonElement> DeliveryAsync() => Assert.Single((await kr.GetFromJsonAsync<JsonElement>($"/api/alerts/{id}")).GetProperty("flags").EnumerateArray()).GetProperty("delivery");
        var delivery = await DeliveryAsync();
        Assert.Equal((first, 1), (delivery.GetProperty("messageId").GetString(), delivery.GetProperty("attempts").GetInt32()));

        // NL refuses it (a signed refusal: it holds no such alert of its own); KR's outbox keeps the refusal, not retried as such.
        await net.EventuallyAsync(async () => (await Evidence.OutboxAsync(net["KR"])).Single(o => o.MessageId == first).State == "failed", what: "NL's refusal of the flag at KR");
        Assert.Contains($"holds no alert {id} of its own", (await Evidence.OutboxAsync(net["KR"])).Single(o => o.MessageId == first).LastError, StringComparison.Ordinal);
        Assert.Equal((first, 1), ((await DeliveryAsync()).GetProperty("messageId").GetString(), (await DeliveryAsync()).GetProperty("attempts").GetInt32()));

        // NL has its alert back (restored from its own records).
        await using (var connection = new Microsoft.Data.Sqlite.SqliteConnection(nlDatabase))
        {
            await connection.OpenAsync();
            await using var insert = connection.CreateCommand();
            insert.CommandText = $"INSERT INTO alerts ({string.Join(", ", row.Select(c => c.Column))}) VALUES ({string.Join(", ", row.Select((_, i) => "$p" + i))})";
            for (var i = 0; i < row.Count; i++) insert.Parameters.AddWithValue("$p" + i, row[i].Value);
            Assert.Equal(1, await insert.ExecuteNonQueryAsync());
        }

        // After its back-off (a minute after the first attempt) KR tells the flag again in a new message, second attempt, and NL accepts it.
        string? second = null;
        await net.EventuallyAsync(async () =>
        {
            delivery = await DeliveryAsync();
            second = delivery.GetProperty("messageId").GetString();
            return second != first;
        }, seconds: 150, what: "KR telling the refused flag again");
        Assert.Equal(2, delivery.GetProperty("attempts").GetInt32());
        Assert.True(delivery.TryGetProperty("refused", out var refused) is false || refused.ValueKind == JsonValueKind.Null, delivery.ToString());
        await net.EventuallyAsync(async () => (await Evidence.OutboxAsync(net["KR"])).Single(o => o.MessageId == second).State == "delivered", what: "the second message's receipt at KR");
        using var nlBack = net.Liaison("NL");
        var atNl = await nlBack.GetFromJsonAsync<JsonElement>($"/api/alerts/{id}");
        var partnerFlag = Assert.Single(atNl.GetProperty("partnerFlags").EnumerateArray());
        Assert.Equal(("KR", "a national court order forbids the seizure here"), (partnerFlag.GetProperty("by").GetString(), partnerFlag.GetProperty("reason").GetString()));
        // Delivered: nothing more is sent, the delivery stays at the second message.
        await Task.Delay(3000);
        Assert.Equal((second, 2), ((await DeliveryAsync()).GetProperty("messageId").GetString(), (await DeliveryAsync()).GetProperty("attempts").GetInt32()));
        Assert.Equal(2, (await Evidence.OutboxAsync(net["KR"])).Count(o => o.Recipient == "NL" && o.ConversationId == id));
        await Evidence.AssertLedgerVerifiesAsync(net["KR"]);
    }

    /// <summary>NL and KR under an agreement that pushes alerts to all parties, screening refreshed every second.</summary>
    private static async Task<TestNetwork> StartAsync()
    {
        var yaml = await File.ReadAllTextAsync(Path.Combine(Support.SharedData.RepositoryRoot, "tests", "Entente.Tests", "Exchange", "Samples", "network.yaml"));
        const string alerts = "    disclose: [/alert]\n    handling-code: H0\n    onward-transfer: forbidden\n    retention: { period: P1Y, then: erase }\n";
        yaml = yaml.Replace(alerts, alerts + "    push: { to: all-parties, purpose: specific-check }\n", StringComparison.Ordinal);
        return await TestNetwork.StartAsync(["NL", "KR"], new Dictionary<string, string> { ["Entente__Screening__RefreshSeconds"] = "1" }, agreementYaml: yaml);
    }

    /// <summary>NL issues a company alert under the agreement; its id, once KR holds it.</summary>
    private static async Task<string> IssueAtNlAsync(TestNetwork net)
    {
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
        return id;
    }
}
