using System.Text.Json;
using Entente.Hosting;

namespace Entente.Tests.Screening;

/// <summary>`entente screen` and `entente hits ...` against a real home (SQLite): --json, exit statuses, purpose-bound reads.</summary>
public sealed class ScreeningCommandsTests : IAsyncLifetime
{
    private string _home = "";

    public async Task InitializeAsync()
    {
        _home = Path.Combine(Path.GetTempPath(), $"entente-screen-{Guid.NewGuid():N}");
        await NodeHome.InitAsync(new NodeOptions { Home = _home, Code = "NL", Name = "Douane" }, TimeProvider.System);
    }

    public Task DisposeAsync()
    {
        Directory.Delete(_home, recursive: true);
        return Task.CompletedTask;
    }

    private Task<(int Status, string Output, string Error)> Run(params string[] args) => Support.Cli.Run([.. args, "--home", _home]);

    [Fact]
    public async Task An_officer_screens_a_name_reads_the_hit_under_a_purpose_and_confirms_it()
    {
        var alert = Path.Combine(_home, "alert.json");
        var today = TimeProvider.System.GetUtcNow().ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture);
        await File.WriteAllTextAsync(alert, $$"""
            { "subject": { "kind": "company", "names": ["ООО Ромашка"], "countryCode": "RU" }, "category": "sanctions", "action": "specific-check",
              "validity": { "from": "{{today}}", "until": "2099-12-31" }, "legalBasis": { "national": "Sanctions Act, Art. 2" } }
            """);
        var added = await Run("alert", "add", "--file", alert, "--json");
        Assert.True(added.Status == 0, added.Error);
        var alertId = JsonDocument.Parse(added.Output).RootElement.GetProperty("alert").GetProperty("alert").GetProperty("id").GetString();

        var screened = await Run("screen", "--name", "Romashka OOO", "--country", "RU", "--place", "NLRTM", "--json");
        Assert.True(screened.Status == 0, screened.Error);
        var result = JsonDocument.Parse(screened.Output).RootElement;
        Assert.Equal(1, result.GetProperty("alertsInForce").GetInt32());
        var hit = Assert.Single(result.GetProperty("hits").EnumerateArray().ToList());
        Assert.Equal((alertId, "ad-hoc", "NLRTM", "open"), (hit.GetProperty("alertId").GetString(), hit.GetProperty("checked").GetString(), hit.GetProperty("office").GetString(), hit.GetProperty("state").GetString()));
        Assert.Contains(hit.GetProperty("explanation").EnumerateArray(), e => e.GetProperty("feature").GetString() == "name" && e.GetProperty("text").GetString()!.Contains("romashka", StringComparison.OrdinalIgnoreCase));
        var hitId = hit.GetProperty("id").GetString()!;

        var nothing = await Run("screen", "--container", "MSCU1234565", "--json");
        Assert.Equal(0, nothing.Status);
        Assert.Empty(JsonDocument.Parse(nothing.Output).RootElement.GetProperty("hits").EnumerateArray());
        var usage = await Run("screen", "--name", "X", "--container", "Y", "--json");
        Assert.Equal(2, usage.Status);
        Assert.Contains("one thing at a time", JsonDocument.Parse(usage.Output).RootElement.GetProperty("error").GetProperty("message").GetString(), StringComparison.Ordinal);

        var refused = await Run("hits", "list", "--json");
        Assert.Equal(2, refused.Status);
        Assert.Contains("--purpose", refused.Output, StringComparison.Ordinal);
        var listed = await Run("hits", "list", "--purpose", "customs-control", "--justification", "check at Rotterdam", "--json");
        Assert.True(listed.Status == 0, listed.Error);
        Assert.Equal(hitId, Assert.Single(JsonDocument.Parse(listed.Output).RootElement.EnumerateArray().ToList()).GetProperty("id").GetString());

        var confirmed = await Run("hits", "confirm", hitId, "--action-taken", "specific check done", "--found", "nothing irregular", "--json");
        Assert.True(confirmed.Status == 0, confirmed.Error);
        Assert.Equal("confirmed", JsonDocument.Parse(confirmed.Output).RootElement.GetProperty("state").GetString());
        Assert.Equal(1, (await Run("hits", "discard", hitId, "--reason", "too late")).Status);
        var stats = JsonDocument.Parse((await Run("hits", "stats", "--json")).Output).RootElement;
        Assert.Equal(1.0, Assert.Single(stats.GetProperty("byCategory").EnumerateArray().ToList()).GetProperty("confirmedRate").GetDouble());
    }
}
