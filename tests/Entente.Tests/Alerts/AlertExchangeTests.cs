using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Entente.Agreements;
using Entente.Exchange;
using Entente.Identity;
using Entente.Ledger;
using Entente.Tests.Exchange;
using Evidence = Entente.Tests.Exchange.Reliability.Evidence;

namespace Entente.Tests.Alerts;

/// <summary>Two real nodes (NL, KR) under an agreement whose alerts rule pushes to every party.</summary>
public sealed class AlertNetwork : IAsyncLifetime
{
    public TestNetwork Net { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        var yaml = await File.ReadAllTextAsync(Path.Combine(Support.SharedData.RepositoryRoot, "tests", "Entente.Tests", "Exchange", "Samples", "network.yaml"));
        const string alerts = "    disclose: [/alert]\n    handling-code: H0\n    onward-transfer: forbidden\n    retention: { period: P1Y, then: erase }\n";
        Assert.Contains(alerts, yaml, StringComparison.Ordinal);
        yaml = yaml.Replace(alerts, alerts + "    push: { to: all-parties, purpose: specific-check }\n", StringComparison.Ordinal);
        Net = await TestNetwork.StartAsync(["NL", "KR"], agreementYaml: yaml);
    }

    public async Task DisposeAsync() => await Net.DisposeAsync();
}

/// <summary>
/// Alerts between real nodes over loopback HTTP: an alert issued at NL reaches KR under the agreement and its withdrawal
/// follows; KR flags it; the API's errors; an alert message outside its agreement or of an unknown subject kind is refused
/// by KR, recorded, and changes nothing.
/// </summary>
public sealed class AlertExchangeTests(AlertNetwork fixture) : IClassFixture<AlertNetwork>
{
    private TestNetwork Net => fixture.Net;

    private static JsonObject Alert(string agreement = "test-network") => AlertsTestKit.Company(agreement: agreement, until: "2099-12-31");

    private async Task<JsonElement> AlertsAtAsync(string node, string query = "")
    {
        using var client = Net.Liaison(node);
        return await client.GetFromJsonAsync<JsonElement>("/api/alerts" + query);
    }

    [Fact]
    public async Task An_alert_issued_at_one_node_reaches_its_partner_is_flagged_there_and_its_withdrawal_follows()
    {
        using var nl = Net.Liaison("NL");
        using var kr = Net.Liaison("KR");
        var issued = await nl.PostAsJsonAsync("/api/alerts", Alert());
        var body = await issued.Content.ReadFromJsonAsync<JsonElement>();
        Assert.True(issued.StatusCode == HttpStatusCode.Created, body.ToString());
        var id = body.GetProperty("alert").GetProperty("alert").GetProperty("id").GetString()!;
        Assert.Equal("KR", Assert.Single(body.GetProperty("pushed").EnumerateArray()).GetProperty("recipient").GetString());

        JsonElement atKr = default;
        await Net.EventuallyAsync(async () =>
        {
            var found = (await AlertsAtAsync("KR", "?source=partner")).EnumerateArray().Where(a => a.GetProperty("alert").GetProperty("id").GetString() == id).ToList();
            if (found.Count == 1) atKr = found[0];
            return found.Count == 1;
        }, what: "NL's alert at KR");
        Assert.Equal(("NL", "in-force", "H0"), (atKr.GetProperty("alert").GetProperty("issuer").GetString(), atKr.GetProperty("state").GetString(), atKr.GetProperty("receivedHandlingCode").GetString()));
        Assert.Equal("Nordwind Handels GmbH", atKr.GetProperty("alert").GetProperty("subject").GetProperty("names")[0].GetString());

        var flag = await kr.PostAsJsonAsync($"/api/alerts/{id}/flags", new { reason = "a national court order forbids the check here" });
        Assert.True(flag.StatusCode == HttpStatusCode.OK, await flag.Content.ReadAsStringAsync());
        // The flag reaches the issuer through the exchange and is kept with its alert there.
        var flagSent = Assert.Single((await flag.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("pushed").EnumerateArray());
        Assert.Equal("NL", flagSent.GetProperty("recipient").GetString());
        Assert.True(flagSent.TryGetProperty("messageId", out _), flagSent.ToString());
        JsonElement atNl = default;
        await Net.EventuallyAsync(async () =>
        {
            atNl = await nl.GetFromJsonAsync<JsonElement>($"/api/alerts/{id}");
            return atNl.TryGetProperty("partnerFlags", out var flags) && flags.GetArrayLength() == 1;
        }, what: "KR's flag at NL");
        Assert.Equal(("KR", "a national court order forbids the check here"),
            (atNl.GetProperty("partnerFlags")[0].GetProperty("by").GetString(), atNl.GetProperty("partnerFlags")[0].GetProperty("reason").GetString()));
        Assert.Equal(0, atNl.GetProperty("flags").GetArrayLength());
        var withdrawByKr = await kr.PostAsJsonAsync($"/api/alerts/{id}/withdrawal", new { reason = "not ours" });
        Assert.Equal(HttpStatusCode.Conflict, withdrawByKr.StatusCode);

        var withdrawn = await nl.PostAsJsonAsync($"/api/alerts/{id}/withdrawal", new { reason = "trader cleared by audit" });
        Assert.True(withdrawn.StatusCode == HttpStatusCode.OK, await withdrawn.Content.ReadAsStringAsync());
        await Net.EventuallyAsync(async () =>
        {
            using var client = Net.Liaison("KR");
            var one = await client.GetFromJsonAsync<JsonElement>($"/api/alerts/{id}");
            return one.GetProperty("state").GetString() == "withdrawn";
        }, what: "the withdrawal at KR");
        var final = await kr.GetFromJsonAsync<JsonElement>($"/api/alerts/{id}");
        Assert.Equal(1, final.GetProperty("flags").GetArrayLength());
        Assert.Equal("trader cleared by audit", final.GetProperty("alert").GetProperty("withdrawal").GetProperty("reason").GetString());
        await Evidence.AssertLedgerVerifiesAsync(Net["KR"]);
        await Evidence.AssertLedgerVerifiesAsync(Net["NL"]);
    }

    [Fact]
    public async Task A_person_alert_reaches_the_partner_and_its_names_are_read_there_only_under_a_purpose()
    {
        using var nl = Net.Liaison("NL");
        var person = new JsonObject
        {
            ["subject"] = new JsonObject { ["kind"] = "person", ["names"] = new JsonArray("Kim Min-jun", "김민준"), ["birthDate"] = "1980-02-03" },
            ["category"] = "drugs",
            ["action"] = "discreet-check",
            ["validity"] = new JsonObject { ["from"] = "2025-03-01", ["until"] = "2099-12-31" },
            ["legalBasis"] = new JsonObject { ["agreement"] = "test-network" },
        };
        var issued = await nl.PostAsJsonAsync("/api/alerts", person);
        Assert.True(issued.StatusCode == HttpStatusCode.Created, await issued.Content.ReadAsStringAsync());
        var id = (await issued.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("alert").GetProperty("alert").GetProperty("id").GetString()!;
        using var kr = Net.Liaison("KR");
        await Net.EventuallyAsync(async () => (await kr.GetAsync($"/api/alerts/{id}")).StatusCode == HttpStatusCode.OK, what: "NL's person alert at KR");

        var plain = await kr.GetStringAsync($"/api/alerts/{id}");
        Assert.DoesNotContain("김민준", plain, StringComparison.Ordinal);
        Assert.DoesNotContain("1980-02-03", plain, StringComparison.Ordinal);
        Assert.Contains("/alert/subject/names", plain, StringComparison.Ordinal);
        var list = await kr.GetStringAsync("/api/alerts?kind=person");
        Assert.DoesNotContain("Kim Min-jun", list, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Forbidden, (await kr.GetAsync($"/api/alerts/{id}?purpose=statistics&justification=x")).StatusCode);
        var shown = await kr.GetStringAsync($"/api/alerts/{id}?purpose=mutual-assistance&justification=request+NL-2026-17");
        Assert.Contains("김민준", shown, StringComparison.Ordinal);
        await Evidence.AssertLedgerVerifiesAsync(Net["KR"]);
    }

    [Fact]
    public async Task The_api_refuses_bad_alerts_and_queries_naming_the_field()
    {
        using var nl = Net.Liaison("NL");
        var unknown = Alert();
        unknown["subject"]!["kind"] = "spaceship";
        Assert.Equal("/subject/kind", Assert.Single(await ErrorsAsync(await nl.PostAsJsonAsync("/api/alerts", unknown), HttpStatusCode.BadRequest)));
        Assert.Equal("/legalBasis/agreement", Assert.Single(await ErrorsAsync(await nl.PostAsJsonAsync("/api/alerts", Alert("nowhere")), (HttpStatusCode)422)));
        Assert.Equal("limit", Assert.Single(await ErrorsAsync(await nl.GetAsync(new Uri("/api/alerts?limit=0", UriKind.Relative)), HttpStatusCode.BadRequest)));
        Assert.Equal("state", Assert.Single(await ErrorsAsync(await nl.GetAsync(new Uri("/api/alerts?state=dormant", UriKind.Relative)), HttpStatusCode.BadRequest)));
        Assert.Equal("/id", Assert.Single(await ErrorsAsync(await nl.GetAsync(new Uri("/api/alerts/NL-AL-none", UriKind.Relative)), HttpStatusCode.NotFound)));
        var import = await nl.PostAsJsonAsync("/api/alerts/imports", new
        {
            mapping = await File.ReadAllTextAsync(AlertsTestKit.Sample("alerts-mapping.yaml")),
            content = await File.ReadAllTextAsync(AlertsTestKit.Sample("alerts-bad.csv")),
            file = "alerts-bad.csv",
        });
        var problem = await import.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(HttpStatusCode.BadRequest, import.StatusCode);
        Assert.Contains(problem.GetProperty("errors").EnumerateArray(), e => e.GetProperty("line").GetInt32() == 3 && e.GetProperty("file").GetString() == "alerts-bad.csv");
    }

    private static async Task<List<string>> ErrorsAsync(HttpResponseMessage response, HttpStatusCode status)
    {
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == status, $"{(int)response.StatusCode}: {body}");
        return JsonDocument.Parse(body).RootElement.GetProperty("errors").EnumerateArray().Select(e => e.GetProperty("path").GetString()!).ToList();
    }

    [Fact]
    public async Task An_alert_message_outside_its_agreement_or_of_an_unknown_subject_kind_is_refused_recorded_and_changes_nothing()
    {
        using var nlIdentity = NodeIdentity.Load(Net["NL"].Home, "NL", "Test administration");
        using var krIdentity = NodeIdentity.Load(Net["KR"].Home, "KR", "Test administration");
        var agreement = AgreementFile.ReadFolder(Path.Combine(Net["KR"].Home, "agreements"), TimeProvider.System.GetUtcNow()).Single().Agreement!;
        var outside = AlertsTestKit.Partner(id: "NL-AL-20250301-0009", agreement: "nl-kr-elsewhere");
        outside["alert"]!["issuer"] = "NL";
        var unknownKind = AlertsTestKit.Partner(id: "NL-AL-20250301-0010", agreement: agreement.Id);
        unknownKind["alert"]!["issuer"] = "NL";
        unknownKind["alert"]!["subject"]!["kind"] = "spaceship";

        foreach (var (payload, expected) in new[] { (outside, "/alert/legalBasis/agreement"), (unknownKind, "/alert/subject/kind") })
        {
            var now = TimeProvider.System.GetUtcNow();
            var id = Guid.CreateVersion7().ToString("N");
            var header = new EnvelopeHeader("m-" + id, "c-" + id, 1, "alert", "NL", "KR", agreement.Id, agreement.ContentHash,
                Purpose.SpecificCheck, DataCategory.Alerts, HandlingCode.H0, null, now, now.AddDays(1))
            { AlertCategory = "seize" };
            var envelope = Envelope.Seal(header, Encoding.UTF8.GetBytes(payload.ToJsonString()), nlIdentity.SigningKey, nlIdentity.Fingerprint, krIdentity.EncryptionKey);
            using var client = Net["KR"].Client();
            using var content = new ByteArrayContent(ExchangeWire.EncodeBatch([envelope]));
            content.Headers.ContentType = new MediaTypeHeaderValue(ExchangeWire.MediaType);
            using var response = await client.PostAsync(new Uri(ExchangeWire.MessagesPath, UriKind.Relative), content);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            var result = Assert.Single(ExchangeWire.DecodeResults(await response.Content.ReadAsByteArrayAsync()));
            Assert.False(result.Accepted);
            Assert.Equal(RejectionCode.InvalidPayload, result.Rejection!.Code);
            Assert.Contains(expected, result.Rejection.Detail, StringComparison.Ordinal);
            Assert.Contains((header.MessageId, result.Rejection.Name, "in"), (await Evidence.RejectionsAsync(Net["KR"])).Select(r => (r.MessageId, r.Code, r.Direction)));
            Assert.True((await Evidence.LedgerMessagesAsync(Net["KR"], LedgerKinds.MessageRefused)).ContainsKey(header.MessageId));
            Assert.DoesNotContain(await Evidence.InboxAsync(Net["KR"]), i => i.MessageId == header.MessageId);
            var stored = (await AlertsAtAsync("KR")).EnumerateArray().Select(a => a.GetProperty("alert").GetProperty("id").GetString());
            Assert.DoesNotContain(payload["alert"]!["id"]!.GetValue<string>(), stored);
        }
    }
}
