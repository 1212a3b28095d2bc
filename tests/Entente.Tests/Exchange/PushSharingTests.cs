using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace Entente.Tests.Exchange;

/// <summary>Subscriptions: a record made at one node goes by itself to the partners its agreement names.</summary>
public sealed class PushSharingTests : IAsyncLifetime
{
    private TestNetwork _net = null!;

    public async Task InitializeAsync() => _net = await TestNetwork.StartAsync(["NL", "KR", "DE"]);

    public async Task DisposeAsync() => await _net.DisposeAsync();

    private async Task<int> InboxCountAsync(string at, string kind)
    {
        using var client = _net.Liaison(at);
        return (await client.GetFromJsonAsync<JsonElement>($"/api/exchange/inbox?kind={kind}")).GetArrayLength();
    }

    [Fact]
    public async Task A_seizure_report_is_pushed_to_the_partner_whose_route_it_involves_and_an_aeo_status_to_every_partner()
    {
        using var kr = _net.Liaison("KR");
        var seizure = await kr.PostAsJsonAsync("/api/records/seizure-report", JsonDocument.Parse("""
            {"seizure":{"id":"KCS-S-2026-311","seizedAt":"2026-11-20T08:00:00Z","category":"counterfeits","place":"KRPUS",
             "route":{"originCountryCode":"CN","itinerary":["KR","DE"]},"goods":[{"description":"handbags","hsCode":"420221","quantity":1200}]}}
            """).RootElement);
        Assert.True(seizure.StatusCode == HttpStatusCode.Created, await seizure.Content.ReadAsStringAsync());
        var pushed = (await seizure.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("pushed");
        Assert.Equal(["DE"], pushed.EnumerateArray().Select(p => p.GetProperty("recipient").GetString()));

        var aeo = await kr.PostAsJsonAsync("/api/records/aeo-status", JsonDocument.Parse("""
            {"aeo":{"id":"KR1234567890","name":"Busan Logistics Co.","address":{"city":"Busan","countryCode":"KR"},"status":"suspended",
             "validatedOn":"2023-04-01","suspendedOn":"2026-11-01"}}
            """).RootElement);
        Assert.Equal(HttpStatusCode.Created, aeo.StatusCode);
        await _net.EventuallyAsync(async () => await InboxCountAsync("DE", "seizure-report") == 1 && await InboxCountAsync("DE", "aeo-status") == 1
            && await InboxCountAsync("NL", "aeo-status") == 1, what: "pushed records at DE and NL");
        Assert.Equal(0, await InboxCountAsync("NL", "seizure-report"));

        var invalid = await kr.PostAsJsonAsync("/api/records/risk-result", JsonDocument.Parse("""{"riskResult":{"lane":"red"}}""").RootElement);
        Assert.Equal(HttpStatusCode.BadRequest, invalid.StatusCode);
        Assert.Contains("/riskResult/declarationMrn", await invalid.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }
}
