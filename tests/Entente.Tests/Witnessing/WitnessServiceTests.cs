using System.Security.Cryptography;
using System.Text.Json.Nodes;
using Entente.Hosting;
using Entente.Ledger;
using Entente.Storage;
using Entente.Witnessing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Time.Testing;

namespace Entente.Tests.Witnessing;

public sealed class WitnessServiceTests : IAsyncLifetime
{
    private readonly string _home = Path.Combine(Path.GetTempPath(), $"entente-witness-{Guid.NewGuid():N}");

    public async Task InitializeAsync() =>
        await NodeHome.InitAsync(new NodeOptions { Home = _home, Code = "NL", Name = "Douane" }, TimeProvider.System);

    public Task DisposeAsync()
    {
        Directory.Delete(_home, recursive: true);
        return Task.CompletedTask;
    }

    private static IConfiguration Configuration(string? every) =>
        new ConfigurationBuilder().AddInMemoryCollection(every is null ? [] : [new("Entente:Witness:Every", every)]).Build();

    [Fact]
    public async Task The_service_witnesses_the_partners_the_registered_function_gives_on_demand_and_every_period()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var log = TestLog.Of("AT", key, 3);
        await using var partner = await HostilePartner.StartAsync();
        partner.Note = log.Note();
        var time = new FakeTimeProvider(TestTimes.Now);
        var node = NodeHome.Load(_home);
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddSingleton<TimeProvider>(time);
        services.AddSingleton(_ => NodeDatabase.Open(node.DatabaseOrDefault));
        services.AddSingleton(sp => new LedgerStore(sp.GetRequiredService<NodeDatabase>(), time));
        services.AddWitnessing(Configuration("00:10:00"), node);
        var asked = 0;
        Func<IServiceProvider, CancellationToken, Task<IReadOnlyList<WitnessTarget>>> targets = (_, _) =>
        {
            Interlocked.Increment(ref asked);
            return Task.FromResult<IReadOnlyList<WitnessTarget>>([new WitnessTarget("AT", partner.Endpoint, log.PublicKey)]);
        };
        services.AddSingleton(targets);
        await using var provider = services.BuildServiceProvider();
        var witness = provider.GetRequiredService<WitnessService>();
        Assert.Equal(TimeSpan.FromMinutes(10), witness.Every);

        var outcome = Assert.Single(await witness.RunRoundAsync());
        Assert.Equal((WitnessVerdictKind.FirstSeen, true), (outcome.Verdict, outcome.Cosigned));

        var hosted = provider.GetServices<IHostedService>().Single(s => s is WitnessService);
        await hosted.StartAsync(CancellationToken.None);
        await Until(() => partner.CosignaturesReceived == 2);
        log.Grow(4);
        partner.Note = log.Note();
        partner.Proof = log.Proof;
        time.Advance(TimeSpan.FromMinutes(10));
        await Until(() => partner.CosignaturesReceived == 3);
        await hosted.StopAsync(CancellationToken.None);

        Assert.Equal(3, asked);
        var seen = await provider.GetRequiredService<WitnessStore>().WitnessedAsync("AT");
        Assert.Equal([3L, 7L], seen.Select(s => s.TreeSize));
    }

    [Fact]
    public void The_period_comes_from_configuration_then_the_home_then_five_minutes()
    {
        Assert.Equal(TimeSpan.FromMinutes(5), WitnessHosting.Every(Configuration(null), _home));
        Assert.Equal(TimeSpan.FromSeconds(30), WitnessHosting.Every(Configuration("00:00:30"), _home));

        var settings = JsonNode.Parse(File.ReadAllText(NodeHome.ConfigPath(_home)))!;
        settings["Entente"]!["Witness"] = new JsonObject { ["Every"] = "01:00:00" };
        File.WriteAllText(NodeHome.ConfigPath(_home), settings.ToJsonString());
        Assert.Equal(TimeSpan.FromHours(1), WitnessHosting.Every(Configuration(null), _home));
        Assert.Equal(TimeSpan.FromSeconds(30), WitnessHosting.Every(Configuration("00:00:30"), _home));

        var bad = Assert.Throws<InvalidDataException>(() => WitnessHosting.Every(Configuration("often"), _home));
        Assert.Equal("Entente:Witness:Every: expected a time span of at least a second such as 00:05:00 (five minutes), got 'often'", bad.Message);
    }

    private static async Task Until(Func<bool> condition)
    {
        for (var i = 0; i < 200 && !condition(); i++) await Task.Delay(50);
        Assert.True(condition());
    }
}
