using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Entente.Declarations;
using Entente.Storage;
using Entente.Tests.Declarations;
using Entente.Tests.Storage;

namespace Entente.Tests.Access;

/// <summary>Reading party data through the API of a real node process needs a purpose the role allows, on each database.</summary>
public sealed class PersonalDataApiTests(NodeFixture fixture) : IClassFixture<NodeFixture>
{
    private static Uri Get(string id, string? purpose = null, string? justification = null)
    {
        var query = new List<string>();
        if (purpose is not null) query.Add($"purpose={Uri.EscapeDataString(purpose)}");
        if (justification is not null) query.Add($"justification={Uri.EscapeDataString(justification)}");
        return new Uri($"/api/declarations/{id}" + (query.Count > 0 ? "?" + string.Join('&', query) : ""), UriKind.Relative);
    }

    [StoreTheory, BothStores]
    public async Task Without_a_purpose_party_names_identifiers_and_addresses_are_withheld(StorageProvider provider)
    {
        var node = await fixture.ForAsync(provider);
        var (declaration, id) = await node.SubmitGeneratedAsync(101);
        using var officer = node.Client(node.OfficerKey);

        var envelope = await officer.GetFromJsonAsync<JsonElement>(Get(id));

        var parties = envelope.GetProperty("declaration").GetProperty("parties");
        Assert.NotEmpty(parties.EnumerateArray());
        var text = envelope.GetRawText();
        foreach (var party in declaration.Parties)
        {
            if (party.Name is { } name) Assert.DoesNotContain(name, text, StringComparison.Ordinal);
            if (party.Id is { } partyId) Assert.DoesNotContain(partyId, text, StringComparison.Ordinal);
        }
        // Withheld is never data: the fields are left out, not filled with a placeholder, and each is listed.
        Assert.DoesNotContain("\"withheld\"", envelope.GetProperty("declaration").GetRawText(), StringComparison.Ordinal);
        Assert.All(parties.EnumerateArray(), p => Assert.False(p.TryGetProperty("id", out _) || p.TryGetProperty("name", out _)));
        Assert.Equal(declaration.Parties[0].Address?.CountryCode, parties[0].GetProperty("address").GetProperty("countryCode").GetString());
        var listed = envelope.GetProperty("withheld").EnumerateArray().Select(w => w.GetString()).ToList();
        for (var i = 0; i < declaration.Parties.Count; i++)
        {
            if (declaration.Parties[i].Id is not null) Assert.Contains($"/parties/{i}/id", listed);
            if (declaration.Parties[i].Name is not null) Assert.Contains($"/parties/{i}/name", listed);
        }
        Assert.Contains("state a purpose", envelope.GetProperty("notice").GetString(), StringComparison.Ordinal);
        Assert.Equal(declaration.GoodsShipment.GoodsItems[0].Classification!.Code,
            envelope.GetProperty("declaration").GetProperty("goodsShipment").GetProperty("goodsItems")[0].GetProperty("classification").GetProperty("code").GetString());
    }

    [StoreTheory, BothStores]
    public async Task An_officer_with_a_purpose_and_a_justification_reads_the_parties(StorageProvider provider)
    {
        var node = await fixture.ForAsync(provider);
        var (declaration, id) = await node.SubmitGeneratedAsync(102);
        using var officer = node.Client(node.OfficerKey);

        var envelope = await officer.GetFromJsonAsync<JsonElement>(Get(id, "investigation", "case 2026/417, undervaluation"));

        var parties = envelope.GetProperty("declaration").GetProperty("parties");
        Assert.Equal(declaration.Parties.Select(p => p.Id), parties.EnumerateArray().Select(p => p.GetProperty("id").GetString()));
        Assert.False(envelope.TryGetProperty("withheld", out var withheld) && withheld.ValueKind == JsonValueKind.Array);
    }

    [StoreTheory, BothStores]
    public async Task A_purpose_outside_the_role_or_without_a_justification_is_refused(StorageProvider provider)
    {
        var node = await fixture.ForAsync(provider);
        var (_, id) = await node.SubmitGeneratedAsync(103);
        using var analyst = node.Client(node.AnalystKey);
        using var admin = node.Client(node.Node.AdminKey);
        using var officer = node.Client(node.OfficerKey);

        var analystInvestigates = await analyst.GetAsync(Get(id, "investigation", "curious"));
        Assert.Equal(HttpStatusCode.Forbidden, analystInvestigates.StatusCode);
        var reason = await analystInvestigates.Content.ReadAsStringAsync();
        Assert.Contains("analyst role may not read personal data for investigation", reason, StringComparison.Ordinal);
        Assert.Contains("risk-management, statistics", reason, StringComparison.Ordinal);

        Assert.Equal(HttpStatusCode.Forbidden, (await admin.GetAsync(Get(id, "risk-management", "maintenance"))).StatusCode);
        var unknown = await officer.GetAsync(Get(id, "curiosity", "none"));
        Assert.Equal(HttpStatusCode.Forbidden, unknown.StatusCode);
        Assert.Contains("'curiosity' is not a purpose", await unknown.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        var unjustified = await officer.GetAsync(Get(id, "investigation"));
        Assert.Equal(HttpStatusCode.Forbidden, unjustified.StatusCode);
        Assert.Contains("justification", await unjustified.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [StoreTheory, BothStores]
    public async Task Searching_by_party_needs_a_purpose_and_hits_withhold_party_ids_without_one(StorageProvider provider)
    {
        var node = await fixture.ForAsync(provider);
        var (declaration, id) = await node.SubmitGeneratedAsync(104);
        var declarant = declaration.FindParty(PartyRole.Declarant)!.Id!;
        using var officer = node.Client(node.OfficerKey);

        var byParty = await officer.GetAsync(new Uri($"/api/declarations?party={declarant}", UriKind.Relative));
        Assert.Equal(HttpStatusCode.Forbidden, byParty.StatusCode);

        var withPurpose = await officer.GetFromJsonAsync<JsonElement>(
            new Uri($"/api/declarations?party={declarant}&purpose=risk-management&justification=profile%20review", UriKind.Relative));
        var hit = withPurpose.GetProperty("items").EnumerateArray().Single(i => i.GetProperty("id").GetString() == id);
        Assert.Equal(declarant, hit.GetProperty("declarantId").GetString());

        var plain = await officer.GetFromJsonAsync<JsonElement>(new Uri($"/api/declarations?reference={declaration.Lrn}", UriKind.Relative));
        var plainHit = plain.GetProperty("items")[0];
        Assert.False(plainHit.TryGetProperty("declarantId", out _));
        Assert.Contains("/declarantId", plainHit.GetProperty("withheld").EnumerateArray().Select(w => w.GetString()));
        Assert.Contains("state a purpose", plain.GetProperty("notice").GetString(), StringComparison.Ordinal);
    }
}
