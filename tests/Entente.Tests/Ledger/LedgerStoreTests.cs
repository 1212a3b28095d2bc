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

    [StoreTheory, BothStores]
    public async Task A_change_commits_with_its_entries_and_a_failing_change_fails_only_its_own_caller_in_a_group_commit(StorageProvider provider)
    {
        await using var store = await TestStore.CreateAsync(provider);
        await using (var connection = store.Connect())
        {
            await connection.OpenAsync();
            await using var create = connection.CreateCommand();
            create.CommandText = "CREATE TABLE seizure_notes (id text PRIMARY KEY)";
            await create.ExecuteNonQueryAsync();
        }
        await using var database = NodeDatabase.Open(store.Database);
        var ledger = new LedgerStore(database, store.Time);

        LedgerChange Note(int n, bool fail = false, string? id = null) => async (connection, transaction, ct) =>
        {
            await using (var insert = NodeDatabase.Command(connection, transaction, "INSERT INTO seizure_notes (id) VALUES (@id)", ("@id", id ?? $"S-{n}")))
                await insert.ExecuteNonQueryAsync(ct);
            if (fail) throw new InvalidOperationException($"change {n} refused");
            return [Entry(store, n)];
        };

        // Queued together, so most share one transaction: a thrown change and a statement the database refuses (a
        // duplicate key) are each rolled back to their own savepoint while the others commit.
        var appends = Enumerable.Range(0, 40).Select(n => n switch
        {
            7 => ledger.AppendAsync(Note(n, fail: true)),
            23 => ledger.AppendAsync(Note(n, id: "S-3")),
            _ => ledger.AppendAsync(Note(n)),
        }).ToList();
        await Task.WhenAny(Task.WhenAll(appends));

        var refused = await Assert.ThrowsAsync<InvalidOperationException>(() => appends[7]);
        Assert.Equal("change 7 refused", refused.Message);
        await Assert.ThrowsAnyAsync<DbException>(() => appends[23]);
        var committed = Enumerable.Range(0, 40).Where(n => n is not 7 and not 23).ToList();
        Assert.Equal(committed.Count, await store.CountAsync("SELECT COUNT(*) FROM seizure_notes"));
        Assert.Equal(0, await store.CountAsync("SELECT COUNT(*) FROM seizure_notes WHERE id = 'S-7' OR id = 'S-23'"));
        Assert.Equal(committed.Count, (await ledger.GetHeadAsync()).Size);
        foreach (var n in committed)
        {
            var index = Assert.Single(await appends[n]);
            Assert.Equal(n, (await ledger.GetEntryAsync(index))!.Entry.Body["n"]!.GetValue<int>());
        }
        Assert.True((await ledger.VerifyAsync(null)).Ok);

        // Alone in its transaction, a failing change leaves nothing either.
        await Assert.ThrowsAsync<InvalidOperationException>(() => ledger.AppendAsync(Note(99, fail: true)));
        Assert.Equal(0, await store.CountAsync("SELECT COUNT(*) FROM seizure_notes WHERE id = 'S-99'"));
        Assert.Equal(committed.Count, (await ledger.GetHeadAsync()).Size);
    }
}
