using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Entente.Declarations;
using Entente.Tests.Alerts;
using Entente.Tests.Exchange;

namespace Entente.Tests.Screening;

/// <summary>
/// Two real nodes over loopback HTTP: NL's alert reaches KR, KR's ingest over the API hits it, KR's officer confirms,
/// and NL receives the action-taken report, stores it against its alert and lists it.
/// </summary>
public sealed class ActionTakenReportTests(AlertNetwork fixture) : IClassFixture<AlertNetwork>
{
    private TestNetwork Net => fixture.Net;

    [Fact]
    public async Task A_confirmed_hit_on_a_partners_alert_sends_the_issuer_an_action_taken_report()
    {
        using var nl = Net.Liaison("NL");
        var issued = await nl.PostAsJsonAsync("/api/alerts", AlertsTestKit.Company(agreement: "test-network", until: "2099-12-31"));
        var body = await issued.Content.ReadFromJsonAsync<JsonElement>();
        Assert.True(issued.StatusCode == HttpStatusCode.Created, body.ToString());
        var alertId = body.GetProperty("alert").GetProperty("alert").GetProperty("id").GetString()!;
        using var kr = Net["KR"].Client(await Net["KR"].AddUserAsync("officer-kr", "officer", Net["KR"].Database));
        await Net.EventuallyAsync(async () => (await kr.GetAsync($"/api/alerts/{alertId}")).StatusCode == HttpStatusCode.OK, what: "NL's alert at KR");

        // A variant of "Nordwind Handels GmbH" (DE) on an import declaration submitted to KR's API.
        var declaration = ScreeningTestKit.Declaration("KR-LRN-1", "NORDWIND HANDELS G.m.b.H.", "DE");
        using var content = new StringContent(JsonSerializer.Serialize(declaration, EntenteJson.Options), Encoding.UTF8, "application/json");
        var submitted = await kr.PostAsync(new Uri("/api/declarations", UriKind.Relative), content);
        Assert.True(submitted.StatusCode == HttpStatusCode.OK, await submitted.Content.ReadAsStringAsync());

        var hits = await kr.GetFromJsonAsync<JsonElement>("/api/hits?purpose=customs-control&justification=import+control");
        var hit = Assert.Single(hits.EnumerateArray().ToList());
        Assert.Equal((alertId, "NL", "/parties/0"), (hit.GetProperty("alertId").GetString(), hit.GetProperty("alertIssuer").GetString(), hit.GetProperty("checked").GetString()));
        var hitId = hit.GetProperty("id").GetString()!;
        var noPurpose = await kr.GetAsync($"/api/hits/{hitId}");
        Assert.Equal(HttpStatusCode.Forbidden, noPurpose.StatusCode);

        var confirmed = await kr.PostAsJsonAsync($"/api/hits/{hitId}/confirmation", new { actionTaken = "discreet check: goods released, trader's documents copied", found = "invoice from a new supplier", place = "KRPUS" });
        var hitAfter = await confirmed.Content.ReadFromJsonAsync<JsonElement>();
        Assert.True(confirmed.StatusCode == HttpStatusCode.OK, hitAfter.ToString());
        Assert.True(hitAfter.GetProperty("report").TryGetProperty("messageId", out _), hitAfter.ToString());
        var again = await kr.PostAsJsonAsync($"/api/hits/{hitId}/discard", new { reason = "changed my mind" });
        Assert.Equal(HttpStatusCode.Conflict, again.StatusCode);
        Assert.Empty((await kr.GetFromJsonAsync<JsonElement>("/api/hits?overdue=true&purpose=customs-control&justification=clock")).EnumerateArray());
        var badFilter = await kr.GetAsync("/api/hits?state=pending&purpose=customs-control&justification=x");
        Assert.Equal(HttpStatusCode.BadRequest, badFilter.StatusCode);
        Assert.Equal("state", (await badFilter.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("errors")[0].GetProperty("path").GetString());
        var stats = await kr.GetFromJsonAsync<JsonElement>("/api/hits/stats");
        Assert.Equal(1.0, stats.GetProperty("all").GetProperty("confirmedRate").GetDouble());

        JsonElement report = default;
        await Net.EventuallyAsync(async () =>
        {
            var reports = await nl.GetFromJsonAsync<JsonElement>($"/api/alerts/{alertId}/reports");
            if (reports.GetArrayLength() == 1) report = reports[0];
            return reports.GetArrayLength() == 1;
        }, what: "the action-taken report at NL");
        Assert.Equal("KR", report.GetProperty("from").GetString());
        var form = report.GetProperty("report");
        Assert.Equal((hitId, "KRPUS", "discreet check: goods released, trader's documents copied", false),
            (form.GetProperty("hit").GetString(), form.GetProperty("place").GetString(), form.GetProperty("actionTaken").GetString(), form.GetProperty("actionNotTaken").GetBoolean()));
        Assert.Contains("name:", form.GetProperty("explanation").GetString(), StringComparison.Ordinal);

        var (status, output, error) = await Support.Cli.Run(TestNetwork.WithDatabase(["alert", "show", alertId, "--home", Net["NL"].Home, "--json"], Net["NL"]));
        Assert.True(status == 0, error);
        Assert.Equal(hitId, JsonDocument.Parse(output).RootElement.GetProperty("actionTakenReports")[0].GetProperty("report").GetProperty("hit").GetString());
    }
}
