using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Entente.Declarations;
using Entente.Storage;
using Entente.Tests.Storage;
using Entente.Tests.Support;

namespace Entente.Tests.Risk.Assessment;

/// <summary>The closed loop as users run it: a rule set put into service, declarations assessed as they arrive, an
/// officer's finding recorded, hit rates reported — over a real node's HTTP API and over the CLI.</summary>
public sealed class RiskLoopTests : IDisposable
{
    private readonly DirectoryInfo _work = Directory.CreateTempSubdirectory("entente-risk-loop-");

    public void Dispose() => _work.Delete(recursive: true);

    private string WriteRuleSet()
    {
        var folder = Path.Combine(_work.FullName, "rules");
        Directory.CreateDirectory(folder);
        File.WriteAllText(Path.Combine(folder, "gb.rules"), """
            ruleset "gb-targeting" version 1
            rule tobacco "tobacco from BY":
              if hs starts "2402" and origin = "BY"
              then red 100
              because "cigarettes from an origin known for smuggled tobacco"
            rule watched "declarant on watch":
              if declarant in ("GB1")
              then score 5
            test "tobacco":
              given hs "240220", origin BY
              expect lane red, fires tobacco
            """);
        return folder;
    }

    private static StringContent Ndjson(params Entente.Declarations.Declaration[] declarations) =>
        new(string.Join('\n', declarations.Select(EntenteJson.Serialize)), Encoding.UTF8, "application/x-ndjson");

    [StoreTheory, BothStores]
    public async Task Declarations_submitted_to_a_node_are_assessed_and_an_officers_finding_shows_in_the_hit_rates(StorageProvider provider)
    {
        await using var postgres = provider == StorageProvider.PostgreSql ? await TestStore.CreateAsync(provider, migrate: false) : null;
        await using var node = await NodeProcess.StartAsync(postgres?.Database, new Dictionary<string, string> { ["Risk__AssessOnIngest"] = "true" });
        string[] db = postgres is null ? [] : ["--database", postgres.Database];
        Directory.CreateDirectory(Path.Combine(node.Home, "risk"));
        await File.WriteAllTextAsync(Path.Combine(node.Home, "risk", "lanes.yaml"), "random-rate: 0\n");
        var activated = await Support.Cli.Run(["risk", "rules", "activate", "--home", node.Home, .. db, WriteRuleSet()]);
        Assert.True(activated.Status == 0, activated.Output + activated.Error);
        var officerKey = await node.AddUserAsync("officer", "officer", postgres?.Database);
        var analystKey = await node.AddUserAsync("analyst", "analyst", postgres?.Database);
        using var officer = node.Client(officerKey);
        using var analyst = node.Client(analystKey);

        var submit = await officer.PostAsync(new Uri("/api/declarations", UriKind.Relative), Ndjson(
            DeclarationBuilder.Import("LRN-T").Mrn("26GB00T1").Declarant("GB1").Item("240220", "BY", 900m).Build(),
            DeclarationBuilder.Import("LRN-L").Mrn("26GB00L1").Declarant("GB1").Item("847130", "CN", 100m).Build()));
        var submitted = await submit.Content.ReadAsStringAsync();
        Assert.True(submit.StatusCode == HttpStatusCode.OK, submitted);
        Assert.Equal(2, JsonDocument.Parse(submitted).RootElement.GetProperty("assessed").GetInt64());

        var found = await officer.GetFromJsonAsync<JsonElement>(new Uri("/api/declarations?reference=LRN-T", UriKind.Relative));
        var id = found.GetProperty("items")[0].GetProperty("id").GetString()!;
        var risk = await analyst.GetFromJsonAsync<JsonElement>(new Uri($"/api/risk/declarations/{id}", UriKind.Relative));
        var latest = risk.GetProperty("assessments")[0];
        Assert.Equal("red", latest.GetProperty("lane").GetString());
        Assert.Equal("gb-targeting 1", latest.GetProperty("ruleSet").GetString());
        Assert.Contains("smuggled tobacco", latest.GetProperty("reasons").ToString(), StringComparison.Ordinal);

        // The declarant's identifier in a reason is personal data: withheld without a purpose — the reason's text left
        // out and listed, no placeholder in its place — read (and ledgered) with one.
        Assert.DoesNotContain("GB1", latest.GetProperty("reasons").ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain("withheld", latest.GetProperty("reasons").ToString(), StringComparison.Ordinal);
        var withheldReasons = latest.GetProperty("withheld").EnumerateArray().Select(w => w.GetString()!).ToList();
        Assert.NotEmpty(withheldReasons);
        foreach (var pointer in withheldReasons)
        {
            Assert.Matches("^/reasons/[0-9]+/text$", pointer);
            Assert.False(latest.GetProperty("reasons")[int.Parse(pointer.Split('/')[2], System.Globalization.CultureInfo.InvariantCulture)].TryGetProperty("text", out _));
        }
        Assert.True(risk.TryGetProperty("notice", out _));
        var withPurpose = await analyst.GetFromJsonAsync<JsonElement>(new Uri($"/api/risk/declarations/{id}?purpose=risk-management&justification=weekly+targeting+review", UriKind.Relative));
        Assert.Contains("GB1", withPurpose.GetProperty("assessments")[0].GetProperty("reasons").ToString(), StringComparison.Ordinal);
        var ledger = await Support.Cli.Run(["audit", "subject", "--home", node.Home, .. db, "--declaration", id]);
        Assert.Contains("personal-data-access", ledger.Output + ledger.Error, StringComparison.Ordinal);

        var outcome = new { declarationId = id, found = true, critical = false, what = "10,000 cigarettes", revenue = 2400m };
        Assert.Equal(HttpStatusCode.Forbidden, (await analyst.PostAsJsonAsync(new Uri("/api/risk/outcomes", UriKind.Relative), outcome)).StatusCode);
        var recorded = await officer.PostAsJsonAsync(new Uri("/api/risk/outcomes", UriKind.Relative), outcome);
        Assert.True(recorded.StatusCode == HttpStatusCode.Created, await recorded.Content.ReadAsStringAsync());
        var unknown = await officer.PostAsJsonAsync(new Uri("/api/risk/outcomes", UriKind.Relative), outcome with { declarationId = "nope" });
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
        Assert.Contains("/declarationId", await unknown.Content.ReadAsStringAsync(), StringComparison.Ordinal);

        var rates = await analyst.GetFromJsonAsync<JsonElement>(new Uri("/api/risk/hit-rates", UriKind.Relative));
        var red = rates.GetProperty("byLane").EnumerateArray().Single(g => g.GetProperty("group").GetString() == "red");
        Assert.Equal(1, red.GetProperty("found").GetInt64());
        Assert.Equal(1.0, red.GetProperty("rate").GetDouble());
        var rule = rates.GetProperty("byRule").EnumerateArray().Single(g => g.GetProperty("group").GetString() == "tobacco");
        Assert.Equal(1, rule.GetProperty("found").GetInt64());

        using var anonymous = node.Client();
        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.GetAsync(new Uri("/api/risk/hit-rates", UriKind.Relative))).StatusCode);
    }

    [Fact]
    public async Task The_cli_assesses_imports_outcomes_all_or_nothing_reports_and_calibrates()
    {
        var home = Path.Combine(_work.FullName, "node");
        Assert.Equal(0, (await Support.Cli.Run("node", "init", "--home", home, "--code", "GB", "--name", "HMRC")).Status);
        var file = Path.Combine(_work.FullName, "in.ndjson");
        await File.WriteAllTextAsync(file, string.Join('\n', new[]
        {
            DeclarationBuilder.Import("LRN-T").Mrn("26GB00T1").Declarant("GB1").Item("240220", "BY", 900m).Build(),
            DeclarationBuilder.Import("LRN-L").Mrn("26GB00L1").Declarant("GB1").Item("847130", "CN", 100m).Build(),
        }.Select(EntenteJson.Serialize)));
        Assert.Equal(0, (await Support.Cli.Run("ingest", "--home", home, file)).Status);
        Assert.Equal(0, (await Support.Cli.Run("risk", "rules", "activate", "--home", home, WriteRuleSet())).Status);
        var later = Path.Combine(_work.FullName, "later.ndjson");
        await File.WriteAllTextAsync(later, EntenteJson.Serialize(DeclarationBuilder.Import("LRN-X").Mrn("26GB00X1").Declarant("GB2").Item("240290", "BY", 50m).Build()));
        var ingested = await Support.Cli.Run("ingest", "--home", home, later, "--json");
        Assert.True(ingested.Status == 0, ingested.Error);
        // With a rule set in service the ingest assesses what is waiting: the new declaration and the two stored before.
        Assert.Equal(3, JsonDocument.Parse(ingested.Output).RootElement.GetProperty("assessed").GetInt64());

        var assessed = await Support.Cli.Run("risk", "assess", "--home", home, "LRN-T");
        Assert.True(assessed.Status == 0, assessed.Error);
        Assert.Contains("LRN-T: RED (score 105", assessed.Output, StringComparison.Ordinal);
        Assert.Contains("rule tobacco: tobacco from BY: cigarettes from an origin known for smuggled tobacco", assessed.Output, StringComparison.Ordinal);
        Assert.Equal(0, (await Support.Cli.Run("risk", "assess", "--home", home, "--pending")).Status);

        var outcomes = Path.Combine(_work.FullName, "outcomes.csv");
        await File.WriteAllTextAsync(outcomes, "declaration,found,critical,what,revenue\nLRN-T,yes,no,cigarettes,2400\nLRN-L,maybe,,,\n");
        var refused = await Support.Cli.Run("risk", "outcomes", "import", "--home", home, outcomes);
        Assert.NotEqual(0, refused.Status);
        Assert.Contains("outcomes.csv:3: found: expected yes or no", refused.Error, StringComparison.Ordinal);
        Assert.Contains("nothing recorded", refused.Error, StringComparison.Ordinal);

        await File.WriteAllTextAsync(outcomes, "declaration,found,critical,what,revenue\nLRN-T,yes,no,cigarettes,2400\n26GB00L1,no,,,\n");
        var imported = await Support.Cli.Run("risk", "outcomes", "import", "--home", home, outcomes);
        Assert.True(imported.Status == 0, imported.Error);
        Assert.Contains("Recorded 2 inspection outcomes (1 found something)", imported.Output, StringComparison.Ordinal);

        var report = await Support.Cli.Run("risk", "report", "--home", home, "--json");
        using (var json = JsonDocument.Parse(report.Output))
        {
            Assert.Equal(3, json.RootElement.GetProperty("assessed").GetInt64());
            var tobacco = json.RootElement.GetProperty("byRule").EnumerateArray().Single(g => g.GetProperty("group").GetString() == "tobacco");
            Assert.Equal((1L, 1L), (tobacco.GetProperty("inspected").GetInt64(), tobacco.GetProperty("found").GetInt64()));
        }

        var calibrated = await Support.Cli.Run("risk", "lanes", "calibrate", "--home", home, "--write");
        Assert.True(calibrated.Status == 0, calibrated.Error);
        Assert.Contains("red-from: 105", await File.ReadAllTextAsync(Path.Combine(home, "risk", "lanes.yaml")), StringComparison.Ordinal);
        Assert.Equal(0, (await Support.Cli.Run("risk", "lanes", "show", "--home", home)).Status);
    }
}
