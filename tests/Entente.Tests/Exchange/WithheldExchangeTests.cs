using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Entente.Declarations;
using Entente.Tests.Storage;

namespace Entente.Tests.Exchange;

/// <summary>
/// Withheld is never data between nodes either (issue 15, item 3): what a partner's projection withholds leaves the
/// node as a path in "withheld", never as "***" or "[withheld]", and the partner accepts that form.
/// </summary>
public sealed class WithheldExchangeTests : IAsyncLifetime
{
    private TestNetwork _net = null!;

    public async Task InitializeAsync()
    {
        // The network agreement, with the previous documents disclosed in clear: the DUCR in them embeds the
        // declarant's EORI, which the agreement lets travel only pseudonymised.
        var yaml = (await File.ReadAllTextAsync(Path.Combine(Support.SharedData.RepositoryRoot, "tests", "Entente.Tests", "Exchange", "Samples", "network.yaml")))
            .Replace("      - /mrn\n", "      - /mrn\n      - /previousDocuments\n", StringComparison.Ordinal);
        Assert.Contains("/previousDocuments", yaml, StringComparison.Ordinal);
        _net = await TestNetwork.StartAsync(["NL", "KR"], agreementYaml: yaml);
    }

    public async Task DisposeAsync() => await _net.DisposeAsync();

    [Fact]
    public async Task A_stored_declaration_leaves_with_what_it_withholds_listed_and_no_placeholder_and_the_partner_accepts_it()
    {
        var nl = _net["NL"];
        using var officer = nl.Client(await nl.AddUserAsync("officer", "officer", nl.Database));
        var declaration = DeclarationBuilder.Import("LRN-W-1").Mrn("26NL0000000000W01").Declarant("NL123456789").Item("854231", "CN", 1200m).Build();
        declaration.PreviousDocuments.Add(new Document { CategoryCode = "Z", TypeCode = "DCR", Id = "6NL123456789-20260301", LineNumeric = "1" });
        var submit = await officer.PostAsync(new Uri("/api/declarations", UriKind.Relative),
            new StringContent(EntenteJson.Serialize(declaration), Encoding.UTF8, "application/json"));
        Assert.True(submit.StatusCode == HttpStatusCode.OK, await submit.Content.ReadAsStringAsync());
        var found = await officer.GetFromJsonAsync<JsonElement>(new Uri("/api/declarations?reference=LRN-W-1", UriKind.Relative));
        var id = found.GetProperty("items")[0].GetProperty("id").GetString()!;

        using var liaison = _net.Liaison("NL");
        var response = await liaison.PostAsJsonAsync("/api/exchange/disclosures",
            new { recipient = "KR", category = "declarations", purpose = "risk-management", declarationId = id });
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, body);
        var sent = JsonDocument.Parse(body).RootElement;
        var messageId = sent.GetProperty("messageId").GetString()!;
        var projected = sent.GetProperty("projected");
        Assert.False(projected.GetProperty("previousDocuments")[0].TryGetProperty("id", out _));
        Assert.Contains("/previousDocuments/0/id", projected.GetProperty("withheld").EnumerateArray().Select(w => w.GetString()));
        Assert.Equal("DCR", projected.GetProperty("previousDocuments")[0].GetProperty("typeCode").GetString());

        using var kr = _net.Liaison("KR");
        await _net.EventuallyAsync(async () => (await liaison.GetFromJsonAsync<JsonElement>($"/api/exchange/outbox/{messageId}")).GetProperty("state").GetString() == "delivered",
            what: "delivery with a receipt");
        var received = await kr.GetFromJsonAsync<JsonElement>($"/api/exchange/inbox/{messageId}?purpose=investigation&justification=case%2015");
        var payload = received.GetProperty("payload");
        var text = payload.GetRawText();
        Assert.DoesNotContain("123456789", text, StringComparison.Ordinal);
        Assert.DoesNotContain("[withheld]", text, StringComparison.Ordinal);
        Assert.DoesNotContain("***", text, StringComparison.Ordinal);
        Assert.Contains("/previousDocuments/0/id", payload.GetProperty("withheld").EnumerateArray().Select(w => w.GetString()));
        Assert.StartsWith("hmac-sha256:", payload.GetProperty("parties")[0].GetProperty("id").GetString(), StringComparison.Ordinal);
    }
}
