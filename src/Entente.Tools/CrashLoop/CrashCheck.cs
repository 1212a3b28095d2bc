using System.Data.Common;
using System.Text.Json.Nodes;
using Entente.Exchange;
using Entente.Hosting;
using Entente.Identity;
using Entente.Ledger;
using Entente.Storage;
using Microsoft.Data.Sqlite;
using Npgsql;

namespace Entente.Tools.CrashLoop;

/// <summary>
/// The checks after each kill, read straight from the tables: NL's store opens and its ledger verifies; every
/// acknowledged declaration, read and disclosure is there; nothing is there twice; every change has its ledger entry
/// and every entry its change (erasures, personal-data reads, disclosures prepared and receipted); KR holds each
/// message NL sent once, with its disclosure-received entry, and its ledger verifies too.
/// </summary>
internal sealed class CrashCheck(string nlHome, string? nlDatabase, string krHome)
{
    private const string JustificationPrefix = "crash-loop ";

    private readonly string _nl = new NodeOptions { Home = nlHome, Code = "NL", Database = nlDatabase }.DatabaseOrDefault;
    private readonly string _kr = new NodeOptions { Home = krHome, Code = "KR" }.DatabaseOrDefault;

    /// <summary>Every declaration id seen stored, by LRN: one that goes must go with its erasure entry.</summary>
    private readonly Dictionary<string, string> _ids = new(StringComparer.Ordinal);

    /// <summary>The declarations NL held at the last check.</summary>
    public IReadOnlyList<string> PresentIds { get; private set; } = [];

    public string Summary { get; private set; } = "";

    /// <summary>Receipts stored (or messages accepted) whose ledger entry the next recovery appends, at the last check.</summary>
    public int AwaitingRecovery { get; private set; }

    public async Task<IReadOnlyList<string>> RunAsync(CrashAcks acks, bool drained, bool partner, CancellationToken ct)
    {
        var problems = new List<string>();
        try
        {
            await CheckAsync(acks, drained, partner, problems, ct);
        }
        catch (Exception e) when (e is DbException or InvalidOperationException or IOException)
        {
            problems.Add($"the store did not open or could not be read: {e.GetType().Name}: {e.Message}");
        }
        finally
        {
            // The next process opens the files itself (SQLite recovers a hot journal at its first open).
            SqliteConnection.ClearAllPools();
            NpgsqlConnection.ClearAllPools();
        }
        return problems;
    }

    public async Task<IReadOnlyList<string>> PresentIdsNowAsync(CancellationToken ct)
    {
        await using var database = NodeDatabase.Open(_nl);
        await using var connection = await database.ConnectAsync(ct);
        PresentIds = (await RowsAsync(connection, null, "SELECT id FROM declarations ORDER BY id", r => r.GetString(0), ct)).ToList();
        return PresentIds;
    }

    /// <summary>Outbox rows not delivered yet.</summary>
    public async Task<long> WaitingAsync(CancellationToken ct)
    {
        await using var database = NodeDatabase.Open(_nl);
        await using var connection = await database.ConnectAsync(ct);
        return (await RowsAsync(connection, null, "SELECT count(*) FROM outbox WHERE state = @pending", r => Convert.ToInt64(r.GetValue(0), System.Globalization.CultureInfo.InvariantCulture),
            ct, ("@pending", ExchangeStore.Pending)))[0];
    }

    private async Task CheckAsync(CrashAcks acks, bool drained, bool partner, List<string> problems, CancellationToken ct)
    {
        await using var database = NodeDatabase.Open(_nl);
        await using var connection = await database.ConnectAsync(ct);

        // Declarations: each LRN once, each with all its goods items; every acknowledged one there unless erased with its entry.
        var rows = await RowsAsync(connection, null,
            "SELECT d.id, d.lrn, d.items, (SELECT count(*) FROM goods_items g WHERE g.declaration_key = d.key) FROM declarations d",
            r => (Id: r.GetString(0), Lrn: r.IsDBNull(1) ? "" : r.GetString(1), Items: Convert.ToInt64(r.GetValue(2), System.Globalization.CultureInfo.InvariantCulture),
                Goods: Convert.ToInt64(r.GetValue(3), System.Globalization.CultureInfo.InvariantCulture)), ct);
        PresentIds = rows.Select(r => r.Id).Order(StringComparer.Ordinal).ToList();
        foreach (var twice in rows.GroupBy(r => r.Lrn).Where(g => g.Count() > 1)) problems.Add($"declaration LRN {twice.Key} stored {twice.Count()} times");
        foreach (var half in rows.Where(r => r.Items != r.Goods)) problems.Add($"declaration {half.Id} ({half.Lrn}) says {half.Items} goods items but {half.Goods} are stored");

        var entries = await LedgerAsync(connection, null, ct);
        var erasures = Count(entries.Where(e => e.Kind == LedgerKinds.Erasure).Select(e => e.Body["declaration"]?.GetValue<string>() ?? ""));
        foreach (var (id, n) in erasures.Where(e => e.Value > 1)) problems.Add($"declaration {id} has {n} erasure entries");
        var present = rows.Select(r => r.Id).ToHashSet(StringComparer.Ordinal);
        foreach (var id in erasures.Keys.Where(present.Contains)) problems.Add($"declaration {id} has an erasure entry but is still stored");
        foreach (var (lrn, id) in _ids)
        {
            if (!present.Contains(id) && !erasures.ContainsKey(id)) problems.Add($"declaration {id} ({lrn}) is gone without an erasure entry");
        }
        foreach (var r in rows) _ids[r.Lrn] = r.Id;
        foreach (var (file, lrns) in acks.Files)
        {
            // A file is taken whole or not at all, killed or not (ingest is all-or-nothing per file).
            var stored = lrns.Count(_ids.ContainsKey);
            if (stored != 0 && stored != lrns.Count) problems.Add($"{Path.GetFileName(file)}: {stored} of its {lrns.Count} declarations were stored (all-or-nothing)");
        }
        foreach (var lrn in acks.Declarations.Where(l => !_ids.ContainsKey(l))) problems.Add($"acknowledged declaration {lrn} is not stored (nor erased)");
        if (acks.RetentionAcknowledged && rows.Count > 0) problems.Add($"`retention run --period P0D --then erase` exited 0 but {rows.Count} declarations are still stored");

        // Personal-data reads: each acknowledged read in the ledger once.
        var reads = Count(entries.Where(e => e.Kind == LedgerKinds.PersonalDataAccess)
            .Select(e => e.Body["justification"]?.GetValue<string>()).OfType<string>().Where(j => j.StartsWith(JustificationPrefix, StringComparison.Ordinal)));
        foreach (var (j, n) in reads.Where(r => r.Value > 1)) problems.Add($"the read '{j}' has {n} personal-data-access entries");
        foreach (var j in acks.Reads.Where(j => !reads.ContainsKey(j))) problems.Add($"the acknowledged read '{j}' has no personal-data-access entry");

        // Disclosures: each outbox row once, with one disclosure-prepared entry; delivered ones with a receipt and one disclosure-receipted entry.
        var outbox = await RowsAsync(connection, null, "SELECT message_id, recipient, conversation_id, conversation_seq, state, receipt FROM outbox",
            r => (Id: r.GetString(0), Recipient: r.GetString(1), Conversation: r.GetString(2), Seq: Convert.ToInt64(r.GetValue(3), System.Globalization.CultureInfo.InvariantCulture),
                State: r.GetString(4), HasReceipt: !r.IsDBNull(5)), ct);
        foreach (var twice in outbox.GroupBy(o => o.Id).Where(g => g.Count() > 1)) problems.Add($"outbox holds message {twice.Key} {twice.Count()} times");
        foreach (var twice in outbox.GroupBy(o => (o.Recipient, o.Conversation, o.Seq)).Where(g => g.Count() > 1))
            problems.Add($"conversation {twice.Key.Conversation} to {twice.Key.Recipient} numbers {twice.Count()} messages {twice.Key.Seq}");
        var sent = outbox.Select(o => o.Id).ToHashSet(StringComparer.Ordinal);
        var awaitingRecovery = 0;
        var prepared = Count(entries.Where(e => e.Kind == LedgerKinds.DisclosurePrepared).Select(MessageOf));
        var receipted = Count(entries.Where(e => e.Kind == LedgerKinds.DisclosureReceipted).Select(MessageOf));
        foreach (var o in outbox)
        {
            if (prepared.GetValueOrDefault(o.Id) != 1) problems.Add($"outbox message {o.Id} has {prepared.GetValueOrDefault(o.Id)} disclosure-prepared entries");
            var delivered = o.State == ExchangeStore.Delivered;
            if (delivered && !o.HasReceipt) problems.Add($"outbox message {o.Id} is delivered without a receipt");
            // A receipt is stored, then put in the ledger (two writes): a kill between them leaves a delivered row without
            // its entry, which the server's recovery appends at its next start. Only once it has run must every one be there.
            var receipts = receipted.GetValueOrDefault(o.Id);
            if (delivered && receipts == 0 && !drained) awaitingRecovery++;
            else if (receipts != (delivered ? 1 : 0)) problems.Add($"outbox message {o.Id} ({o.State}) has {receipts} disclosure-receipted entries");
            if (drained && !delivered) problems.Add($"outbox message {o.Id} is {o.State} after the server ran until nothing waited");
        }
        foreach (var id in prepared.Keys.Concat(receipted.Keys).Where(id => !sent.Contains(id)).Distinct()) problems.Add($"a ledger entry names message {id}, which is not in the outbox");
        foreach (var id in acks.Messages.Where(id => !sent.Contains(id))) problems.Add($"acknowledged disclosure {id} is not in the outbox");

        problems.AddRange(await VerifyAsync(_nl, nlHome, "NL", ct));

        // KR: each message from NL once, each one NL sent, each with one disclosure-received entry; what NL holds a receipt for is there.
        // KR changes only while NL's server runs (the exchange workload): checked after those cycles and at the end.
        if (!partner)
        {
            Summarise(rows.Count, erasures.Count, entries.Count, outbox.Count(o => o.State == ExchangeStore.Delivered), outbox.Count, awaitingRecovery);
            return;
        }
        await using (var kr = NodeDatabase.Open(_kr))
        {
            await using var krConnection = await kr.ConnectAsync(ct);
            await using var snapshot = await krConnection.BeginTransactionAsync(ct);
            var inbox = await RowsAsync(krConnection, snapshot, "SELECT message_id FROM inbox WHERE sender = 'NL'", r => r.GetString(0), ct);
            var received = Count((await LedgerAsync(krConnection, snapshot, ct)).Where(e => e.Kind == LedgerKinds.DisclosureReceived).Select(MessageOf));
            await snapshot.CommitAsync(ct);
            foreach (var twice in inbox.GroupBy(i => i).Where(g => g.Count() > 1)) problems.Add($"KR's inbox holds message {twice.Key} {twice.Count()} times");
            foreach (var id in inbox.Where(id => !sent.Contains(id))) problems.Add($"KR's inbox holds message {id}, which NL never queued");
            foreach (var id in inbox)
            {
                // Likewise at the receiver: a request cut off by the sender's kill is finished by KR's recovery (every 30 s).
                var count = received.GetValueOrDefault(id);
                if (count == 0 && !drained) awaitingRecovery++;
                else if (count != 1) problems.Add($"KR's message {id} has {count} disclosure-received entries");
            }
            var held = inbox.ToHashSet(StringComparer.Ordinal);
            foreach (var o in outbox.Where(o => o.State == ExchangeStore.Delivered && !held.Contains(o.Id)))
                problems.Add($"NL holds a receipt for {o.Id} but KR's inbox does not hold it");
            foreach (var id in received.Keys.Where(id => !held.Contains(id))) problems.Add($"KR has a disclosure-received entry for {id} without the message");
        }
        problems.AddRange(await VerifyAsync(_kr, krHome, "KR", ct));

        Summarise(rows.Count, erasures.Count, entries.Count, outbox.Count(o => o.State == ExchangeStore.Delivered), outbox.Count, awaitingRecovery);
    }

    private void Summarise(int declarations, int erased, int entries, int delivered, int outbox, int awaitingRecovery)
    {
        Summary = $"{declarations} declarations ({erased} erased), {entries} ledger entries, {outbox} outbox messages ({delivered} delivered)";
        AwaitingRecovery = awaitingRecovery;
    }

    private static string MessageOf(LedgerEntry entry) => entry.Body["message"] switch
    {
        JsonObject message => message["id"]?.GetValue<string>() ?? "",
        JsonValue value => value.GetValue<string>(),
        _ => "",
    };

    private static Dictionary<string, int> Count(IEnumerable<string> keys)
    {
        var counts = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var k in keys) counts[k] = counts.GetValueOrDefault(k) + 1;
        return counts;
    }

    private static async Task<IReadOnlyList<string>> VerifyAsync(string database, string home, string code, CancellationToken ct)
    {
        await using var ledger = LedgerStore.Open(database, TimeProvider.System);
        using var key = NodeKeys.LoadSigningKey(home);
        var verification = await ledger.VerifyAsync(key.ExportSubjectPublicKeyInfo(), ct);
        return verification.Ok ? [] : [.. verification.Problems.Select(p => $"{code}'s ledger does not verify: {p}")];
    }

    private static async Task<List<LedgerEntry>> LedgerAsync(DbConnection connection, DbTransaction? transaction, CancellationToken ct) =>
        await RowsAsync(connection, transaction, "SELECT entry FROM ledger_entries ORDER BY idx", r => LedgerEntry.Parse((byte[])r[0]), ct);

    private static async Task<List<T>> RowsAsync<T>(DbConnection connection, DbTransaction? transaction, string sql, Func<DbDataReader, T> read, CancellationToken ct,
        params (string, object?)[] parameters)
    {
        await using var command = NodeDatabase.Command(connection, transaction, sql, parameters);
        await using var reader = await command.ExecuteReaderAsync(ct);
        var rows = new List<T>();
        while (await reader.ReadAsync(ct)) rows.Add(read(reader));
        return rows;
    }
}
