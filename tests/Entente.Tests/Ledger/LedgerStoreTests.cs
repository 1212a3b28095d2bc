using System.Data.Common;
using System.Security.Cryptography;
using System.Text.Json.Nodes;
using Entente.Ledger;
using Entente.Storage;
using Entente.Tests.Storage;

namespace Entente.Tests.Ledger;

public class LedgerStoreTests
{
    private const string Origin = "entente.test/KR/ledger";
    private static readonly LedgerActor Officer = new("kim.officer", "KR-ICN");

    internal static LedgerEntry Entry(TestStore store, int n) =>
        LedgerEntry.Now(store.Time, LedgerKinds.PersonalDataAccess, Officer, new JsonObject { ["n"] = n, ["purpose"] = "risk-management" });

    [StoreTheory, BothStores]
    public async Task Appended_entries_get_consecutive_indices_and_read_back_as_written(StorageProvider provider)
    {
        await using var store = await TestStore.CreateAsync(provider);
        await using var ledger = LedgerStore.Open(store.Database, store.Time);
        Assert.Equal(0, (await ledger.GetHeadAsync()).Size);
        var first = await ledger.AppendAsync(Entry(store, 0));
        var more = await ledger.AppendAsync([Entry(store, 1), Entry(store, 2), Entry(store, 3)]);
        Assert.Equal(0, first);
        Assert.Equal([1L, 2L, 3L], more);
        var stored = await ledger.GetEntryAsync(2);
        Assert.NotNull(stored);
        Assert.Equal(Entry(store, 2).ToBytes(), stored.Bytes);
        Assert.Equal(LedgerKinds.PersonalDataAccess, stored.Entry.Kind);
        Assert.Equal(2, stored.Entry.Body["n"]!.GetValue<int>());
        Assert.Null(await ledger.GetEntryAsync(4));
        var head = await ledger.GetHeadAsync();
        Assert.Equal(4, head.Size);
        Assert.Equal(MerkleTree.Root([.. Enumerable.Range(0, 4).Select(i => MerkleTree.LeafHash(Entry(store, i).ToBytes()))]), head.Root);
    }

    [StoreTheory, BothStores]
    public async Task Every_proof_from_the_database_verifies(StorageProvider provider)
    {
        await using var store = await TestStore.CreateAsync(provider);
        await using var ledger = LedgerStore.Open(store.Database, store.Time);
        var roots = new Dictionary<long, byte[]>();
        for (var i = 0; i < 37; i++)
        {
            await ledger.AppendAsync(Entry(store, i));
            roots[i + 1] = (await ledger.GetHeadAsync()).Root;
        }
        for (long size = 1; size <= 37; size++)
        {
            for (long index = 0; index < size; index++)
            {
                var proof = await ledger.InclusionProofAsync(index, size);
                Assert.Equal(roots[size], proof.Root);
                var check = MerkleTree.VerifyInclusion(index, size, MerkleTree.LeafHash(Entry(store, (int)index).ToBytes()), proof.Hashes, roots[size]);
                Assert.True(check.Valid, $"{index} of {size}: {check.Reason}");
            }
            foreach (var size2 in new long[] { size, 37 })
            {
                var consistency = await ledger.ConsistencyProofAsync(size, size2);
                Assert.True(MerkleTree.VerifyConsistency(size, size2, roots[size], roots[size2], consistency.Hashes).Valid, $"{size} to {size2}");
            }
        }
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => ledger.InclusionProofAsync(0, 38));
    }

    [StoreTheory, BothStores]
    public async Task Two_replicas_appending_at_once_leave_no_gap_and_no_duplicate_index(StorageProvider provider)
    {
        await using var store = await TestStore.CreateAsync(provider);
        await using var replicaA = LedgerStore.Open(store.Database, store.Time);
        await using var replicaB = LedgerStore.Open(store.Database, store.Time);
        var appends = Enumerable.Range(0, 200).Select(i =>
            Task.Run(() => (i % 2 == 0 ? replicaA : replicaB).AppendAsync(i % 7 == 0 ? [Entry(store, i), Entry(store, i + 1000)] : [Entry(store, i)])));
        var indices = (await Task.WhenAll(appends)).SelectMany(x => x).ToList();
        Assert.Equal(Enumerable.Range(0, indices.Count).Select(i => (long)i), indices.Order());
        Assert.Equal(indices.Count, await store.CountAsync("SELECT COUNT(*) FROM ledger_entries"));
        var verification = await replicaA.VerifyAsync(null);
        Assert.True(verification.Ok, string.Join("; ", verification.Problems));
        Assert.Equal(indices.Count, verification.Size);
    }

    [StoreTheory, BothStores]
    public async Task A_checkpoint_is_signed_only_when_the_tree_extends_the_last_one(StorageProvider provider)
    {
        await using var store = await TestStore.CreateAsync(provider);
        await using var ledger = LedgerStore.Open(store.Database, store.Time);
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var spki = key.ExportSubjectPublicKeyInfo();
        await Assert.ThrowsAsync<InvalidOperationException>(() => ledger.SignCheckpointAsync(key, Origin));
        await ledger.AppendAsync([Entry(store, 0), Entry(store, 1), Entry(store, 2)]);
        var first = await ledger.SignCheckpointAsync(key, Origin);
        var (opened, problem) = Checkpoint.Open(first.Note, spki);
        Assert.True(opened is not null, problem);
        Assert.Equal(3, opened.TreeSize);
        Assert.Equal((await ledger.GetHeadAsync()).Root, opened.Root);

        store.Time.Advance(TimeSpan.FromMinutes(1));
        await ledger.AppendAsync(Entry(store, 3));
        var second = await ledger.SignCheckpointAsync(key, Origin);
        Assert.Equal(4, second.TreeSize);
        Assert.Equal(second.Note, (await ledger.LatestCheckpointAsync())!.Note);

        // A history rewritten under the checkpoints: entry 1 replaced, and its hashes recomputed to match.
        await RewriteEntryOneAsync(store);
        store.Time.Advance(TimeSpan.FromMinutes(1));
        await ledger.AppendAsync(Entry(store, 4));
        var refused = await Assert.ThrowsAsync<InvalidOperationException>(() => ledger.SignCheckpointAsync(key, Origin));
        Assert.Contains("not consistent with checkpoint 4", refused.Message);

        using var otherKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var wrongKey = await Assert.ThrowsAsync<InvalidOperationException>(() => ledger.SignCheckpointAsync(otherKey, Origin));
        Assert.Contains("does not open with this key", wrongKey.Message);
    }

    [StoreTheory, BothStores]
    public async Task A_checkpoint_is_refused_when_the_log_has_shrunk(StorageProvider provider)
    {
        await using var store = await TestStore.CreateAsync(provider);
        await using var ledger = LedgerStore.Open(store.Database, store.Time);
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        await ledger.AppendAsync([Entry(store, 0), Entry(store, 1), Entry(store, 2)]);
        await ledger.SignCheckpointAsync(key, Origin);
        await ExecuteAsync(store, "DELETE FROM ledger_entries WHERE idx = 2");
        await ExecuteAsync(store, "UPDATE ledger_head SET tree_size = 2");
        var refused = await Assert.ThrowsAsync<InvalidOperationException>(() => ledger.SignCheckpointAsync(key, Origin));
        Assert.Contains("shrank", refused.Message);
    }

    private static async Task RewriteEntryOneAsync(TestStore store)
    {
        var forged = LedgerEntry.Now(store.Time, LedgerKinds.Erasure, Officer, new JsonObject { ["forged"] = true }).ToBytes();
        var leaf = MerkleTree.LeafHash(forged);
        await using var connection = store.Connect();
        await connection.OpenAsync();
        var leaf0 = await ScalarAsync(connection, "SELECT leaf_hash FROM ledger_entries WHERE idx = 0");
        var leaf23 = await ScalarAsync(connection, "SELECT hash FROM ledger_nodes WHERE last_leaf = 3 AND level = 1");
        var level1 = MerkleTree.NodeHash(leaf0, leaf);
        await ExecuteAsync(connection, "UPDATE ledger_entries SET entry = @v, leaf_hash = @h WHERE idx = 1", ("@v", forged), ("@h", leaf));
        await ExecuteAsync(connection, "UPDATE ledger_nodes SET hash = @v WHERE last_leaf = 1 AND level = 1", ("@v", level1));
        await ExecuteAsync(connection, "UPDATE ledger_nodes SET hash = @v WHERE last_leaf = 3 AND level = 2", ("@v", MerkleTree.NodeHash(level1, leaf23)));
    }

    internal static async Task<byte[]> ScalarAsync(DbConnection connection, string sql)
    {
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        return (byte[])(await command.ExecuteScalarAsync())!;
    }

    internal static async Task ExecuteAsync(TestStore store, string sql, params (string Name, object Value)[] parameters)
    {
        await using var connection = store.Connect();
        await connection.OpenAsync();
        await ExecuteAsync(connection, sql, parameters);
    }

    internal static async Task ExecuteAsync(DbConnection connection, string sql, params (string Name, object Value)[] parameters)
    {
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        foreach (var (name, value) in parameters)
        {
            var p = command.CreateParameter();
            p.ParameterName = name;
            p.Value = value;
            command.Parameters.Add(p);
        }
        Assert.Equal(1, await command.ExecuteNonQueryAsync());
    }
}
