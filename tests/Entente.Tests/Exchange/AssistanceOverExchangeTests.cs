using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace Entente.Tests.Exchange;

/// <summary>A mutual-assistance request between two real nodes: asked, acknowledged, answered in parts, over the exchange.</summary>
public sealed class AssistanceOverExchangeTests : IAsyncLifetime
{
    private const string LegalBasis = "Test convention, Art. 1 (exchange of information)";
    private TestNetwork _net = null!;

    public async Task InitializeAsync() => _net = await TestNetwork.StartAsync(["NL", "KR"]);

    public async Task DisposeAsync() => await _net.DisposeAsync();

    private async Task<string> StatusAtAsync(string code, string id)
    {
        using var client = _net.Liaison(code);
        var response = await client.GetAsync(new Uri($"/api/assistance-requests/{id}", UriKind.Relative));
        return response.StatusCode == HttpStatusCode.OK ? (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("status").GetString()! : "absent";
    }

    [Fact]
    public async Task A_request_is_asked_acknowledged_and_answered_in_parts_and_both_nodes_agree()
    {
        using var nl = _net.Liaison("NL");
        using var kr = _net.Liaison("KR");
        var created = await nl.PostAsJsonAsync("/api/assistance-requests", new
        {
            to = "KR",
            agreement = "test-network",
            legalBasis = LegalBasis,
            purpose = "investigation",
            caseReference = "NL-FIOD-2026-88",
            subject = "Confirm the exporter of container MSCU1234565",
        });
        Assert.True(created.StatusCode == HttpStatusCode.Created, await created.Content.ReadAsStringAsync());
        var id = (await created.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString()!;

        await _net.EventuallyAsync(async () => await StatusAtAsync("KR", id) == "sent", what: "the request at KR");
        Assert.Equal(HttpStatusCode.OK, (await kr.PostAsJsonAsync($"/api/assistance-requests/{id}/acknowledge", new { reference = "KCS-77" })).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await kr.PostAsJsonAsync($"/api/assistance-requests/{id}/answers", new { text = "Exporter identified", final = false })).StatusCode);
        await _net.EventuallyAsync(async () => await StatusAtAsync("NL", id) == "partially-answered", what: "the first part at NL");
        Assert.Equal(HttpStatusCode.OK, (await kr.PostAsJsonAsync($"/api/assistance-requests/{id}/answers", new { text = "No other shipments", final = true })).StatusCode);
        await _net.EventuallyAsync(async () => await StatusAtAsync("NL", id) == "answered", what: "the final answer at NL");

        var atNl = await nl.GetFromJsonAsync<JsonElement>($"/api/assistance-requests/{id}");
        var atKr = await kr.GetFromJsonAsync<JsonElement>($"/api/assistance-requests/{id}");
        Assert.Equal(atKr.GetProperty("answers").GetRawText(), atNl.GetProperty("answers").GetRawText());
        Assert.Equal("applicant", atNl.GetProperty("role").GetString());
        Assert.Equal("requested", atKr.GetProperty("role").GetString());
        var inbox = await nl.GetFromJsonAsync<JsonElement>("/api/exchange/inbox?sender=KR");
        Assert.Equal(3, inbox.GetArrayLength());
        Assert.All(inbox.EnumerateArray(), m => Assert.Equal(id, m.GetProperty("conversationId").GetString()));
    }
}
