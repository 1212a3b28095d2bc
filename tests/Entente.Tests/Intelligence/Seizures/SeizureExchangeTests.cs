using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Entente.Storage;
using Entente.Tests.Exchange;
using Entente.Tests.Exchange.Reliability;
using Entente.Tests.Storage;

namespace Entente.Tests.Intelligence.Seizures;

/// <summary>Seizures between real nodes: recorded structured at KR, pushed by the subscription to the partner the route involves, received structured there.</summary>
public sealed class SeizureExchangeTests
{
    private const string Seizure = """
        {"seizure":{"id":"KCS-2026-0412","seizedAt":"2026-10-03T10:00:00Z","category":"drugs","drugType":"cocaine",
         "quantity":{"amount":41.5,"unit":"KGM"},"value":{"amount":1200000,"currency":"EUR"},"place":"KRPUS","office":"KR000100",
         "detectionMethod":"scanner","concealmentMethod":"reefer-unit","transport":{"mode":"1","means":"MSC ANNA"},
         "route":{"departureCountryCode":"EC","transitCountryCodes":["KR"],"destinationCountryCode":"NL"},
         "declarationMrn":"26KR000000000001","container":"MSCU1234565",
         "offenders":[{"kind":"company","name":"Busan Fresh Trading","id":"KR1234567890"}]}}
        """;

    [StoreTheory, BothStores]
    public async Task A_seizure_is_pushed_to_the_partner_its_route_involves_and_received_structured_while_bad_input_stores_nothing(StorageProvider provider)
    {
        await using var krDatabase = provider == StorageProvider.PostgreSql ? await Evidence.CreatePostgresAsync() : null;
        await using var nlDatabase = provider == StorageProvider.PostgreSql ? await Evidence.CreatePostgresAsync() : null;
        await using var net = await TestNetwork.StartAsync(["NL", "KR", "DE"], database: code => code switch
        {
            "KR" => krDatabase?.ConnectionString,
            "NL" => nlDatabase?.ConnectionString,
            _ => null,
        });
        using var kr = net.Liaison("KR");
        var recorded = await kr.PostAsJsonAsync("/api/seizures", JsonDocument.Parse(Seizure).RootElement);
        Assert.True(recorded.StatusCode == HttpStatusCode.Created, await recorded.Content.ReadAsStringAsync());
        var pushed = (await recorded.Content.ReadFromJsonAsync<JsonElement>())[0].GetProperty("pushed");
        Assert.Equal(["NL"], pushed.EnumerateArray().Select(p => p.GetProperty("recipient").GetString()));

        using var nl = net.Liaison("NL");
        JsonElement received = default;
        await net.EventuallyAsync(async () =>
        {
            received = await nl.GetFromJsonAsync<JsonElement>("/api/seizures?origin=KR");
            return received.GetArrayLength() == 1;
        }, what: "KR's seizure at NL");
        var facts = received[0].GetProperty("facts");
        Assert.Equal("KCS-2026-0412", facts.GetProperty("id").GetString());
        Assert.Equal("drugs", facts.GetProperty("category").GetString());
        Assert.Equal("cocaine", facts.GetProperty("detail").GetString());
        Assert.Equal(41.5, facts.GetProperty("quantity").GetDouble());
        Assert.Equal("KGM", facts.GetProperty("unit").GetString());
        Assert.Equal("EC", facts.GetProperty("departure").GetString());
        Assert.Equal("NL", facts.GetProperty("destination").GetString());
        Assert.Equal("reefer-unit", facts.GetProperty("concealment").GetString());
        // Kept with the agreement it came under and the end of its retention.
        Assert.False(string.IsNullOrEmpty(received[0].GetProperty("agreement").GetString()));
        Assert.True(received[0].GetProperty("retainUntil").GetDateTimeOffset() > TimeProvider.System.GetUtcNow().AddYears(4));
        using var de = net.Liaison("DE");
        Assert.Equal(0, (await de.GetFromJsonAsync<JsonElement>("/api/seizures")).GetArrayLength());

        // Offenders are personal data: withheld without a purpose, shown with one (and the read is in NL's ledger).
        var message = received[0].GetProperty("messageId").GetString();
        var plain = await nl.GetFromJsonAsync<JsonElement>($"/api/seizures/{message}");
        Assert.False(plain.GetProperty("document").GetProperty("seizure").TryGetProperty("offenders", out _));
        Assert.Equal("/seizure/offenders", plain.GetProperty("withheld")[0].GetString());
        var read = await nl.GetFromJsonAsync<JsonElement>($"/api/seizures/{message}?purpose=investigation&justification=case%20NL-17");
        Assert.Equal("KR1234567890", read.GetProperty("document").GetProperty("seizure").GetProperty("offenders")[0].GetProperty("id").GetString());

        var bad = await kr.PostAsJsonAsync("/api/seizures", JsonDocument.Parse("""
            {"seizure":{"id":"KCS-2026-0413","seizedAt":"2026-10-04T10:00:00Z","category":"gemstones",
             "quantity":{"amount":-3,"unit":"BOXES"},"route":{"departureCountryCode":"XX","destinationCountryCode":"NL"}}}
            """).RootElement);
        Assert.Equal(HttpStatusCode.UnprocessableEntity, bad.StatusCode);
        var paths = (await bad.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("errors").EnumerateArray().Select(e => e.GetProperty("path").GetString()).ToList();
        Assert.Contains("/seizure/category", paths);
        Assert.Contains("/seizure/quantity/amount", paths);
        Assert.Contains("/seizure/quantity/unit", paths);
        Assert.Contains("/seizure/route/departureCountryCode", paths);
        var again = await kr.PostAsJsonAsync("/api/seizures", JsonDocument.Parse(Seizure).RootElement);
        Assert.Equal(HttpStatusCode.UnprocessableEntity, again.StatusCode);
        Assert.Contains("already recorded", await again.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(1, (await kr.GetFromJsonAsync<JsonElement>("/api/seizures")).GetArrayLength());
        Assert.Equal(1, (await kr.GetFromJsonAsync<JsonElement>("/api/records?kind=seizure-report")).GetArrayLength());
    }
}
