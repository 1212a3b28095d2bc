using System.Security.Cryptography;
using Entente.Hosting;
using Entente.Identity;
using Entente.Ledger;

namespace Entente.Tests.Agreements;

public sealed class AgreementLedgerTests : IDisposable
{
    private readonly string _folder = Path.Combine(Path.GetTempPath(), $"entente-agreement-ledger-{Guid.NewGuid():N}");

    public void Dispose()
    {
        if (Directory.Exists(_folder)) Directory.Delete(_folder, recursive: true);
    }

    [Fact]
    public async Task Signing_with_a_node_home_records_the_signature_and_the_coming_into_force_in_its_ledger()
    {
        var home = Path.Combine(_folder, "nl");
        await NodeHome.InitAsync(new NodeOptions { Home = home, Code = "NL", Name = "Douane" }, TimeProvider.System);
        using var nl = NodeKeys.LoadSigningKey(home);
        using var kr = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var krPem = Path.Combine(_folder, "kr.pem");
        await File.WriteAllTextAsync(krPem, kr.ExportPkcs8PrivateKeyPem());
        var file = Path.Combine(_folder, "nl-kr.yaml");
        Assert.Equal(0, (await Support.Cli.Run("agreement", "init", file, "--id", "nl-kr", "--kind", "bilateral",
            "--party", $"NL:{NodeKeys.Fingerprint(nl)}", "--party", $"KR:{NodeKeys.Fingerprint(kr)}")).Status);

        Assert.Equal(0, (await Support.Cli.Run("agreement", "sign", file, "--key", krPem)).Status);
        var signed = await Support.Cli.Run("agreement", "sign", file, "--home", home);

        Assert.True(signed.Status == 0, signed.Error);
        Assert.Contains("Recorded in the ledger", signed.Output, StringComparison.Ordinal);
        await using var ledger = LedgerStore.Open(Path.Combine(home, "entente.db"), TimeProvider.System);
        var head = await ledger.GetHeadAsync();
        var entries = new List<LedgerEntry>();
        for (var i = 0L; i < head.Size; i++) entries.Add((await ledger.GetEntryAsync(i))!.Entry);
        Assert.Equal([LedgerKinds.AgreementSigned, LedgerKinds.AgreementInForce], entries.Select(e => e.Kind));
        Assert.Equal("nl-kr", entries[0].Body["agreement"]!["id"]!.GetValue<string>());
        Assert.Equal(NodeKeys.Fingerprint(nl), entries[0].Body["fingerprint"]!.GetValue<string>());
        Assert.StartsWith("sha256:", entries[1].Body["agreement"]!["hash"]!.GetValue<string>(), StringComparison.Ordinal);
    }
}
