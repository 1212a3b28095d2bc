using System.Text.Json;
using Entente.Blinded;
using Entente.Hosting;
using Entente.Ledger;
using Entente.Storage;
using Entente.Tests.Storage;

namespace Entente.Tests.Blinded;

/// <summary>`blinded rotate-key` replaces the OPRF key and records the rotation in the ledger: the new key's id and public element, never the secret.</summary>
public sealed class BlindedKeyRotationTests : IDisposable
{
    private readonly DirectoryInfo _directory = Directory.CreateTempSubdirectory("entente-rotate-");

    public void Dispose() => _directory.Delete(recursive: true);

    [Fact]
    public async Task Rotate_key_makes_a_new_key_and_records_its_id_and_public_element_in_the_ledger_never_the_secret()
    {
        var home = Path.Combine(_directory.FullName, "node");
        Assert.Equal(0, (await Support.Cli.Run("node", "init", "--home", home, "--code", "KR", "--name", "Korea Customs Service")).Status);
        var (status, output, error) = await Support.Cli.Run("blinded", "index", "--home", home, "--json");
        Assert.True(status == 0, error);
        var first = JsonDocument.Parse(output).RootElement.GetProperty("key").GetString()!;
        var firstSecret = (await File.ReadAllTextAsync(BlindedKey.PathIn(home))).Trim();

        (status, output, error) = await Support.Cli.Run("blinded", "rotate-key", "--home", home, "--json");
        Assert.True(status == 0, error);
        var rotated = JsonDocument.Parse(output).RootElement;
        var second = rotated.GetProperty("key").GetString()!;
        Assert.NotEqual(first, second);
        Assert.Equal(first, rotated.GetProperty("retired").GetString());
        var secondSecret = (await File.ReadAllTextAsync(BlindedKey.PathIn(home))).Trim();
        Assert.True(File.Exists(BlindedKey.PathIn(home) + ".retired-" + first));

        // The index is now under the new key.
        (status, output, _) = await Support.Cli.Run("blinded", "index", "--home", home, "--json");
        Assert.Equal((0, second), (status, JsonDocument.Parse(output).RootElement.GetProperty("key").GetString()));

        await using var ledger = LedgerStore.Open(NodeHome.Load(home).DatabaseOrDefault, TimeProvider.System);
        var head = await ledger.GetHeadAsync();
        var entries = new List<(LedgerEntry Entry, string Json)>();
        for (var i = 0L; i < head.Size; i++)
        {
            var stored = (await ledger.GetEntryAsync(i))!;
            entries.Add((LedgerEntry.Parse(stored.Bytes), System.Text.Encoding.UTF8.GetString(stored.Bytes)));
        }
        var rotation = Assert.Single(entries, e => e.Entry.Kind == LedgerKinds.BlindedKeyRotated);
        Assert.Equal((second, first), (rotation.Entry.Body["key"]!.GetValue<string>(), rotation.Entry.Body["retired"]!.GetValue<string>()));
        // The public element is k·G: its hash gives the key id, so a partner can tie evaluations to this entry.
        var publicElement = Convert.FromBase64String(rotation.Entry.Body["public"]!.GetValue<string>().Replace('-', '+').Replace('_', '/') + "=");
        Assert.Equal(second, Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(publicElement).AsSpan(0, 8)));
        foreach (var secret in new[] { firstSecret, secondSecret })
        {
            var raw = Convert.FromBase64String(secret);
            Assert.All(entries, e => Assert.DoesNotContain(secret, e.Json, StringComparison.Ordinal));
            Assert.All(entries, e => Assert.DoesNotContain(Convert.ToHexStringLower(raw), e.Json, StringComparison.OrdinalIgnoreCase));
            Assert.All(entries, e => Assert.DoesNotContain(Convert.ToBase64String(raw).TrimEnd('=').Replace('+', '-').Replace('/', '_'), e.Json, StringComparison.Ordinal));
        }
    }

    [StoreTheory, BothStores]
    public async Task The_rotation_entry_is_appended_on_either_store(StorageProvider provider)
    {
        await using var test = await TestStore.CreateAsync(provider);
        await using var ledger = LedgerStore.Open(test.Database, test.Time);
        var home = Path.Combine(_directory.FullName, provider.ToString());
        var rotate = new RotateBlindedKey("NL", home, ledger);
        var first = await rotate.HandleAsync("operator");
        Assert.Null(first.Retired);
        var second = await rotate.HandleAsync("operator");
        Assert.Equal(first.Key, second.Retired);
        var head = await ledger.GetHeadAsync();
        var bodies = new List<LedgerEntry>();
        for (var i = 0L; i < head.Size; i++) bodies.Add(LedgerEntry.Parse((await ledger.GetEntryAsync(i))!.Bytes));
        Assert.Equal([(first.Key, (string?)null), (second.Key, first.Key)],
            bodies.Where(e => e.Kind == LedgerKinds.BlindedKeyRotated).Select(e => (e.Body["key"]!.GetValue<string>(), e.Body["retired"]?.GetValue<string>())));
    }
}
