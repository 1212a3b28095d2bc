using System.Security.Cryptography;
using Entente.Ledger;
using Entente.Storage;
using Entente.Tests.Storage;

namespace Entente.Tests.Ledger;

/// <summary>Any single stored byte changed in the database is found by a full verification.</summary>
public class LedgerVerificationTests
{
    private const string Origin = "entente.test/KR/ledger";

    private static async Task<(TestStore Store, LedgerStore Ledger, byte[] PublicKey)> SignedLedgerAsync(StorageProvider provider)
    {
        var store = await TestStore.CreateAsync(provider);
        var ledger = LedgerStore.Open(store.Database, store.Time);
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        await ledger.AppendAsync([.. Enumerable.Range(0, 11).Select(i => LedgerStoreTests.Entry(store, i))]);
        await ledger.SignCheckpointAsync(key, Origin);
        store.Time.Advance(TimeSpan.FromSeconds(30));
        await ledger.AppendAsync([.. Enumerable.Range(11, 6).Select(i => LedgerStoreTests.Entry(store, i))]);
        await ledger.SignCheckpointAsync(key, Origin);
        return (store, ledger, key.ExportSubjectPublicKeyInfo());
    }

    [StoreTheory, BothStores]
    public async Task An_untouched_ledger_verifies_with_the_public_key_alone(StorageProvider provider)
    {
        var (store, ledger, publicKey) = await SignedLedgerAsync(provider);
        await using (store)
        await using (ledger)
        {
            var result = await ledger.VerifyAsync(publicKey);
            Assert.True(result.Ok, string.Join("; ", result.Problems));
            Assert.Equal(17, result.Size);
            Assert.Equal(2, result.Checkpoints);
            Assert.Equal(Convert.ToBase64String((await ledger.GetHeadAsync()).Root), result.Root);

            using var stranger = ECDsa.Create(ECCurve.NamedCurves.nistP256);
            var withWrongKey = await ledger.VerifyAsync(stranger.ExportSubjectPublicKeyInfo());
            Assert.False(withWrongKey.Ok);
            Assert.Contains(withWrongKey.Problems, p => p.Contains("no signature by", StringComparison.Ordinal));
        }
    }

    [StoreTheory, BothStores]
    public async Task A_removed_entry_or_node_is_reported_and_verification_ends(StorageProvider provider)
    {
        var (store, ledger, publicKey) = await SignedLedgerAsync(provider);
        await using (store)
        await using (ledger)
        {
            await LedgerStoreTests.ExecuteAsync(store, "DELETE FROM ledger_nodes WHERE last_leaf = 3 AND level = 2");
            var missingNode = await ledger.VerifyAsync(publicKey);
            Assert.False(missingNode.Ok);
            Assert.Contains(missingNode.Problems, p => p.StartsWith("node ", StringComparison.Ordinal) && p.EndsWith(": missing", StringComparison.Ordinal));

            await LedgerStoreTests.ExecuteAsync(store, "DELETE FROM ledger_entries WHERE idx = 9");
            var missingEntry = await ledger.VerifyAsync(publicKey);
            Assert.False(missingEntry.Ok);
            Assert.Contains("entries 9 to 9 are missing", missingEntry.Problems);
        }
    }

    public static TheoryData<StorageProvider, string> Places()
    {
        var data = new TheoryData<StorageProvider, string>();
        foreach (var provider in Enum.GetValues<StorageProvider>())
        {
            foreach (var place in new[] { "entry", "leaf", "node", "head", "note-text", "note-signature", "checkpoint-size" })
                data.Add(provider, place);
        }
        return data;
    }

    [StoreTheory, MemberData(nameof(Places))]
    public async Task Any_single_changed_byte_is_detected(StorageProvider provider, string place)
    {
        var (store, ledger, publicKey) = await SignedLedgerAsync(provider);
        await using (store)
        await using (ledger)
        {
            // One connection for the hundreds of changes and restores (an unpooled connection per statement would be a
            // new PostgreSQL backend each time).
            await using var tamper = store.Connect();
            await tamper.OpenAsync();
            var (select, update, column) = place switch
            {
                "entry" => ("SELECT entry FROM ledger_entries WHERE idx = {0}", "UPDATE ledger_entries SET entry = @v WHERE idx = {0}", 17),
                "leaf" => ("SELECT leaf_hash FROM ledger_entries WHERE idx = {0}", "UPDATE ledger_entries SET leaf_hash = @v WHERE idx = {0}", 17),
                "node" => ("SELECT hash FROM ledger_nodes WHERE last_leaf = {0} AND level = 1", "UPDATE ledger_nodes SET hash = @v WHERE last_leaf = {0} AND level = 1", 8),
                "head" => ("SELECT root FROM ledger_head WHERE id = 1 AND {0} >= 0", "UPDATE ledger_head SET root = @v WHERE id = 1 AND {0} >= 0", 1),
                _ => ("", "", 0),
            };
            if (place.StartsWith("note", StringComparison.Ordinal))
            {
                // Every character position of the note: its text (origin, size, root) or its signature line.
                var note = (await ledger.LatestCheckpointAsync())!.Note;
                var split = note.LastIndexOf("\n\n", StringComparison.Ordinal);
                var positions = place == "note-text" ? Enumerable.Range(0, split) : Enumerable.Range(split + 2 + "— ".Length, note.Length - split - 3 - "— ".Length);
                foreach (var position in positions.Where(p => note[p] != '\n'))
                {
                    var changed = note[..position] + (char)(note[position] == 'A' ? 'B' : note[position] == '1' ? '2' : 'A') + note[(position + 1)..];
                    await LedgerStoreTests.ExecuteAsync(tamper, "UPDATE ledger_checkpoints SET note = @v WHERE tree_size = 17", ("@v", changed));
                    var result = await ledger.VerifyAsync(publicKey);
                    Assert.False(result.Ok, $"note changed at {position} went unnoticed");
                    await LedgerStoreTests.ExecuteAsync(tamper, "UPDATE ledger_checkpoints SET note = @v WHERE tree_size = 17", ("@v", note));
                }
                Assert.True((await ledger.VerifyAsync(publicKey)).Ok);
                return;
            }
            if (place == "checkpoint-size")
            {
                await LedgerStoreTests.ExecuteAsync(store, "UPDATE ledger_checkpoints SET tree_size = 12 WHERE tree_size = 11");
                var result = await ledger.VerifyAsync(publicKey);
                Assert.False(result.Ok);
                Assert.Contains(result.Problems, p => p.Contains("tree size 11", StringComparison.Ordinal));
                return;
            }
            // Every row of the column, every byte of the value, one bit each.
            for (var row = 0; row < column; row++)
            {
                var original = await LedgerStoreTests.ScalarAsync(tamper, string.Format(System.Globalization.CultureInfo.InvariantCulture, select, place == "node" ? 2 * row + 1 : row));
                for (var i = 0; i < original.Length; i += place == "entry" ? 7 : 1)
                {
                    var changed = original.ToArray();
                    changed[i] ^= 0x01;
                    var sql = string.Format(System.Globalization.CultureInfo.InvariantCulture, update, place == "node" ? 2 * row + 1 : row);
                    await LedgerStoreTests.ExecuteAsync(tamper, sql, ("@v", changed));
                    var result = await ledger.VerifyAsync(publicKey);
                    Assert.False(result.Ok, $"{place} {row} byte {i} changed went unnoticed");
                    await LedgerStoreTests.ExecuteAsync(tamper, sql, ("@v", original));
                }
            }
            Assert.True((await ledger.VerifyAsync(publicKey)).Ok);
        }
    }
}
