using System.Security.Cryptography;
using System.Text;
using Entente.Hosting;
using Entente.Identity;
using Microsoft.Extensions.Time.Testing;

namespace Entente.Tests.Nodes;

public sealed class NodeKeysTests : IDisposable
{
    private readonly string _home = Path.Combine(Path.GetTempPath(), $"entente-keys-{Guid.NewGuid():N}");

    public void Dispose()
    {
        if (Directory.Exists(_home)) Directory.Delete(_home, recursive: true);
    }

    private Task<string> InitAsync() => NodeHome.InitAsync(new NodeOptions { Home = _home, Code = "KR", Name = "Korea Customs Service" }, new FakeTimeProvider());

    [Fact]
    public async Task Node_init_makes_a_P256_signing_key_that_signs_and_verifies()
    {
        await InitAsync();

        using var key = NodeKeys.LoadSigningKey(_home);
        Assert.Equal(256, key.KeySize);
        var data = Encoding.UTF8.GetBytes("agreement bytes");
        var signature = key.SignData(data, HashAlgorithmName.SHA256);
        using var partner = ECDsa.Create();
        partner.ImportSubjectPublicKeyInfo(NodeKeys.PublicKey(key), out _);
        Assert.True(partner.VerifyData(data, signature, HashAlgorithmName.SHA256));
    }

    [Fact]
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    public async Task The_key_file_is_readable_by_the_node_account_only()
    {
        await InitAsync();

        var mode = File.GetUnixFileMode(NodeKeys.SigningKeyPath(_home));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, mode);
    }

    [Fact]
    public async Task Every_node_gets_its_own_key()
    {
        await InitAsync();
        var other = Path.Combine(_home, "other");
        await NodeHome.InitAsync(new NodeOptions { Home = other, Code = "NL", Name = "Douane" }, new FakeTimeProvider());

        using var first = NodeKeys.LoadSigningKey(_home);
        using var second = NodeKeys.LoadSigningKey(other);
        Assert.NotEqual(NodeKeys.Fingerprint(first), NodeKeys.Fingerprint(second));
    }

    [Fact]
    public async Task A_signing_key_is_never_replaced()
    {
        await InitAsync();
        var before = await File.ReadAllTextAsync(NodeKeys.SigningKeyPath(_home));

        var e = Assert.Throws<InvalidOperationException>(() => NodeKeys.CreateSigningKey(_home));

        Assert.Contains("never replaced", e.Message, StringComparison.Ordinal);
        Assert.Equal(before, await File.ReadAllTextAsync(NodeKeys.SigningKeyPath(_home)));
    }

    [Fact]
    public async Task Node_keys_makes_what_a_home_lacks_and_keeps_what_it_has()
    {
        await InitAsync();
        var signing = await File.ReadAllTextAsync(NodeKeys.SigningKeyPath(_home));
        File.Delete(NodeKeys.SubjectKeyPath(_home));

        var (status, output, error) = await Support.Cli.Run("node", "keys", "--home", _home);

        Assert.True(status == 0, error);
        Assert.Contains("Subject key made", output, StringComparison.Ordinal);
        Assert.DoesNotContain("Signing key made", output, StringComparison.Ordinal);
        Assert.Equal(signing, await File.ReadAllTextAsync(NodeKeys.SigningKeyPath(_home)));
        Assert.Equal(32, NodeKeys.LoadSubjectKey(_home).Length);
    }

    [Fact]
    public void The_fingerprint_is_the_sha256_of_the_public_key_info()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var spki = key.ExportSubjectPublicKeyInfo();

        var fingerprint = NodeKeys.Fingerprint(key);

        Assert.Equal("sha256:" + Convert.ToHexStringLower(SHA256.HashData(spki)), fingerprint);
        Assert.Equal(71, fingerprint.Length);
    }

    [Fact]
    public void A_missing_or_damaged_key_says_which_file_and_what_to_do()
    {
        var missing = Assert.Throws<FileNotFoundException>(() => NodeKeys.LoadSigningKey(_home));
        Assert.Contains(NodeKeys.SigningKeyPath(_home), missing.Message, StringComparison.Ordinal);
        Assert.Contains("node keys", missing.Message, StringComparison.Ordinal);

        Directory.CreateDirectory(Path.GetDirectoryName(NodeKeys.SigningKeyPath(_home))!);
        File.WriteAllText(NodeKeys.SigningKeyPath(_home), "not a key");
        var damaged = Assert.Throws<InvalidDataException>(() => NodeKeys.LoadSigningKey(_home));
        Assert.Contains(NodeKeys.SigningKeyPath(_home), damaged.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_key_on_another_curve_is_refused()
    {
        using var p384 = ECDsa.Create(ECCurve.NamedCurves.nistP384);
        Directory.CreateDirectory(Path.GetDirectoryName(NodeKeys.SigningKeyPath(_home))!);
        File.WriteAllText(NodeKeys.SigningKeyPath(_home), p384.ExportPkcs8PrivateKeyPem());

        var e = Assert.Throws<InvalidDataException>(() => NodeKeys.LoadSigningKey(_home));
        Assert.Contains("P-256", e.Message, StringComparison.Ordinal);
    }
}
