using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using Entente.Declarations;
using Entente.Tests.Exchange;

namespace Entente.Tests.Intelligence.Mirror;

/// <summary>Two real nodes: KR shares its export declarations under an agreement, NL's mirror check finds the undervalued import.</summary>
public sealed class MirrorNetworkTests
{
    private const string Agreement = """
        agreement: kr-nl-mirror
        version: 1
        kind: multilateral
        title: "Export declarations for mirror checks (test)"
        parties:
        {PARTIES}
        legal-basis:
          - "Test convention, Art. 4 (exchange of export data)"
        validity:
          from: 2020-01-01
          until: 2099-12-31
        categories:
          declarations:
            purposes: [risk-management]
            disclose:
              - /typeCode
              - /mrn
              - /ucr
              - /acceptanceDateTime
              - /totalGrossMassKg
              - /totalPackageQuantity
              - /goodsShipment/exportCountryCode
              - /goodsShipment/goodsItems/*/classification
              - /goodsShipment/goodsItems/*/originCountryCode
              - /goodsShipment/goodsItems/*/customsValue
            transform:
              /parties/*/id: pseudonymise
              /parties/*/name: drop
              /parties/*/address: drop
            other-fields: drop
            handling-code: H1
            onward-transfer: forbidden
            retention: { period: P3Y, then: review }
        """;

    [Fact]
    public async Task KR_shares_exports_and_NLs_mirror_check_finds_the_planted_undervaluation()
    {
        await using var network = await TestNetwork.StartAsync(["KR", "NL"], agreementYaml: Agreement);
        var nl = network["NL"];
        // NL's imports of two consignments from KR, the first declared at a quarter of its export value.
        var imports = new[] { ("5KR-NET-A", 9_000m), ("5KR-NET-B", 30_000m) }.Select(p =>
        {
            var d = JsonNode.Parse(MirrorChecksTests.Export(p.Item1, p.Item2))!.AsObject();
            d["typeCode"] = "IMA";
            d["mrn"] = "25NL" + p.Item1.Replace("-", "", StringComparison.Ordinal).PadRight(14, '0')[..14];
            d["acceptanceDateTime"] = "2025-03-04T09:00:00Z";
            d["lrn"] = "NL-" + p.Item1;
            d["parties"] = new JsonArray(new JsonObject { ["role"] = "importer", ["id"] = "NL123456789", ["name"] = "Tulp Trading BV" },
                new JsonObject { ["role"] = "declarant", ["id"] = "NL123456789" });
            return d.ToJsonString();
        });
        var file = Path.Combine(nl.Home, "imports.ndjson");
        await File.WriteAllLinesAsync(file, imports);
        var (status, _, error) = await Entente.Tests.Support.Cli.Run(TestNetwork.WithDatabase(["ingest", file, "--home", nl.Home], nl));
        Assert.True(status == 0, error);

        foreach (var (ucr, value) in new[] { ("5KR-NET-A", 36_000m), ("5KR-NET-B", 29_500m) })
            await network.DiscloseAsync("KR", "NL", "declarations", "risk-management", JsonNode.Parse(MirrorChecksTests.Export(ucr, value))!.AsObject());
        using var admin = nl.Client(nl.AdminKey);
        await network.EventuallyAsync(async () =>
            (await admin.GetFromJsonAsync<JsonElement>("/api/exchange/inbox?sender=KR")).EnumerateArray().Count() == 2, what: "both exports at NL");

        var (ran, output, runError) = await Entente.Tests.Support.Cli.Run(TestNetwork.WithDatabase(["mirror", "run", "--partner", "KR", "--home", nl.Home, "--json"], nl));
        Assert.True(ran == 0, runError);
        var report = JsonDocument.Parse(output).RootElement;
        Assert.Equal(2, report.GetProperty("pairs").GetInt32());
        var discrepant = Assert.Single(report.GetProperty("discrepant").EnumerateArray().ToList());
        Assert.Equal(FindingCodes.MirrorUndervaluation, discrepant.GetProperty("discrepancies")[0].GetProperty("code").GetString());

        // Over the API as well: the stored pairs, and the statistics as a PNG chart.
        var pairs = await admin.GetFromJsonAsync<JsonElement>("/api/mirror/pairs?partner=KR&discrepancies=true");
        Assert.Equal(discrepant.GetProperty("importId").GetString(), Assert.Single(pairs.EnumerateArray().ToList()).GetProperty("importId").GetString());
        using var chart = await admin.GetAsync(new Uri("/api/mirror/stats?partner=KR&plot=png", UriKind.Relative));
        Assert.Equal("image/png", chart.Content.Headers.ContentType?.MediaType);
        Assert.True((await chart.Content.ReadAsByteArrayAsync()).Length > 5_000);
        using var bad = await admin.PostAsJsonAsync("/api/mirror/runs", new { partner = "KR", windowDays = 0 });
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        Assert.Contains("windowDays", await bad.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }
}
