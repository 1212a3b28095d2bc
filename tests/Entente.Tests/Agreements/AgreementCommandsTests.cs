using System.Security.Cryptography;
using System.Text.Json;
using Entente.Identity;

namespace Entente.Tests.Agreements;

/// <summary>`entente agreement ...` as a user runs it: write a template, sign it as each party, verify, list.</summary>
public sealed class AgreementCommandsTests : IDisposable
{
    private readonly string folder = Directory.CreateTempSubdirectory("entente-agreement-cli-").FullName;

    public void Dispose() => Directory.Delete(folder, recursive: true);

    [Fact]
    public async Task An_agreement_written_by_init_comes_into_force_once_both_parties_have_signed()
    {
        var nlHome = Path.Combine(folder, "nl");
        using var nl = NodeKeys.CreateSigningKey(nlHome);
        using var kr = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var krPem = Path.Combine(folder, "kr.pem");
        await File.WriteAllTextAsync(krPem, kr.ExportPkcs8PrivateKeyPem());
        var agreements = Path.Combine(nlHome, "agreements");
        Directory.CreateDirectory(agreements);
        var file = Path.Combine(agreements, "nl-kr.yaml");

        var init = await Support.Cli.Run("agreement", "init", file, "--id", "nl-kr", "--kind", "bilateral",
            "--party", $"NL:{NodeKeys.Fingerprint(nl)}", "--party", $"KR:{NodeKeys.Fingerprint(kr)}");
        Assert.True(init.Status == 0, init.Error);

        var unsigned = await Support.Cli.Run("agreement", "verify", file, "--json");
        Assert.Equal(1, unsigned.Status);
        using (var json = JsonDocument.Parse(unsigned.Output))
        {
            Assert.False(json.RootElement.GetProperty("inForce").GetBoolean());
            Assert.Equal(["unsigned by NL", "unsigned by KR"], json.RootElement.GetProperty("reasons").EnumerateArray().Select(e => e.GetString()));
        }

        var signNl = await Support.Cli.Run("agreement", "sign", file, "--home", nlHome);
        Assert.True(signNl.Status == 0, signNl.Error);
        Assert.Contains("as NL", signNl.Output, StringComparison.Ordinal);
        Assert.Contains("unsigned by KR", signNl.Output, StringComparison.Ordinal);
        var signKr = await Support.Cli.Run("agreement", "sign", file, "--key", krPem);
        Assert.True(signKr.Status == 0, signKr.Error);

        var verify = await Support.Cli.Run("agreement", "verify", file);
        Assert.True(verify.Status == 0, verify.Output + verify.Error);
        var list = await Support.Cli.Run("agreement", "list", "--home", nlHome);
        Assert.Contains("nl-kr v1", list.Output, StringComparison.Ordinal);
        Assert.Contains("in force", list.Output, StringComparison.Ordinal);
        var show = await Support.Cli.Run("agreement", "show", file);
        Assert.Contains("Category:  declarations", show.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Signing_with_a_key_the_agreement_does_not_list_is_refused_and_leaves_the_file_alone()
    {
        using var a = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        using var b = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        using var stranger = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var pem = Path.Combine(folder, "stranger.pem");
        await File.WriteAllTextAsync(pem, stranger.ExportPkcs8PrivateKeyPem());
        var file = Path.Combine(folder, "x.yaml");
        await Support.Cli.Run("agreement", "init", file, "--id", "x", "--kind", "bilateral", "--party", $"NL:{NodeKeys.Fingerprint(a)}", "--party", $"KR:{NodeKeys.Fingerprint(b)}");
        var before = await File.ReadAllTextAsync(file);
        var (status, _, error) = await Support.Cli.Run("agreement", "sign", file, "--key", pem);
        Assert.Equal(1, status);
        Assert.Contains($"the key {NodeKeys.Fingerprint(stranger)} is not listed for any party", error, StringComparison.Ordinal);
        Assert.Equal(before, await File.ReadAllTextAsync(file));
    }

    [Fact]
    public async Task Verify_reports_a_malformed_file_with_its_line_and_fails()
    {
        var file = Path.Combine(folder, "bad.yaml");
        await File.WriteAllTextAsync(file, "agreement: bad\nversion: one\n");
        var (status, output, _) = await Support.Cli.Run("agreement", "verify", file);
        Assert.Equal(1, status);
        Assert.Contains("bad.yaml:2: version: expected a whole number", output, StringComparison.Ordinal);
    }
}
