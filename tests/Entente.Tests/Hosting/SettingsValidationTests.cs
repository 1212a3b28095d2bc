using System.Text.Json.Nodes;
using Entente.Hosting;
using Microsoft.Extensions.Options;

namespace Entente.Tests.Hosting;

/// <summary>Every settings section is bound and validated when a node starts, the server's and the CLI's alike (issue 13).</summary>
public sealed class SettingsValidationTests : IAsyncLifetime
{
    private readonly string _home = Path.Combine(Path.GetTempPath(), $"entente-settings-{Guid.NewGuid():N}");

    public async Task InitializeAsync() =>
        await NodeHome.InitAsync(new NodeOptions { Home = _home, Code = "NL", Name = "Douane" }, TimeProvider.System);

    public Task DisposeAsync()
    {
        Directory.Delete(_home, recursive: true);
        return Task.CompletedTask;
    }

    private async Task SetAsync(string section, string name, JsonNode value)
    {
        var path = NodeHome.ConfigPath(_home);
        var settings = JsonNode.Parse(await File.ReadAllTextAsync(path))!;
        var entente = settings["Entente"]!.AsObject();
        if (entente[section] is not JsonObject target) entente[section] = target = new JsonObject();
        target[name] = value;
        await File.WriteAllTextAsync(path, settings.ToJsonString());
    }

    [Fact]
    public async Task Exchange_settings_from_the_home_are_bound_and_used()
    {
        await SetAsync("Exchange", "Lanes", 7);
        await SetAsync("Exchange", "Poll", "00:00:02");
        await using var node = await NodeServices.OpenAsync(NodeHome.Load(_home));
        var exchange = node.Get<IOptions<Entente.Exchange.ExchangeOptions>>().Value;
        Assert.Equal((7, TimeSpan.FromSeconds(2)), (exchange.Lanes, exchange.Poll));
        Assert.Equal(7, exchange.Dispatcher().Lanes);
    }

    [Fact]
    public async Task A_command_refuses_a_node_whose_exchange_setting_is_out_of_range_and_says_which()
    {
        await SetAsync("Exchange", "Lanes", 40);
        var (status, _, error) = await Entente.Tests.Support.Cli.Run("declarations", "search", "--home", _home);
        Assert.Equal(3, status);
        Assert.Contains("Exchange:Lanes", error, StringComparison.Ordinal);
        Assert.Contains("1 to 16", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_setting_that_is_not_a_time_span_is_refused_with_its_path()
    {
        await SetAsync("Exchange", "Poll", "often");
        var refused = await Assert.ThrowsAnyAsync<Exception>(() => NodeServices.OpenAsync(NodeHome.Load(_home)));
        Assert.Contains("Entente:Exchange:Poll", refused.Message + refused.InnerException?.Message, StringComparison.Ordinal);
    }
}
