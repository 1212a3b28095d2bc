using System.Globalization;
using System.Security.Cryptography;
using System.Text.Json.Nodes;
using Entente.Exchange;
using Entente.Hosting;
using Entente.Ledger;
using Entente.Storage;
using Entente.Tests.Support;
using Npgsql;

namespace Entente.Tests.Exchange.Reliability;

public sealed record InboxRow(string MessageId, string Sender, string ConversationId, long Sequence, byte[] Digest, string Payload);

public sealed record OutboxRow(string MessageId, string ConversationId, long Sequence, string Recipient, string State, int Attempts, byte[] Digest, byte[]? Receipt, string? LastError);

/// <summary>
/// What a node's database shows after a run, read straight from its tables (the inbox, the outbox, the refusals and
/// the ledger), and the checks every reliability test makes with it.
/// </summary>
public static class Evidence
{
    public static string DatabaseOf(NodeProcess node) =>
        new NodeOptions { Home = node.Home, Code = node.Code, Database = node.Database }.DatabaseOrDefault;

    public static NodeOptions OptionsOf(NodeProcess node) =>
        new() { Home = node.Home, Code = node.Code, Name = "Test administration", Database = node.Database };

    public static async Task<List<InboxRow>> InboxAsync(NodeProcess node)
    {
        await using var database = NodeDatabase.Open(DatabaseOf(node));
        await using var connection = await database.ConnectAsync();
        await using var command = NodeDatabase.Command(connection, null, "SELECT message_id, sender, conversation_id, conversation_seq, digest, payload FROM inbox");
        await using var reader = await command.ExecuteReaderAsync();
        var rows = new List<InboxRow>();
        while (await reader.ReadAsync())
            rows.Add(new InboxRow(reader.GetString(0), reader.GetString(1), reader.GetString(2), reader.GetInt64(3), (byte[])reader[4], reader.GetString(5)));
        return rows;
    }

    public static async Task<List<OutboxRow>> OutboxAsync(NodeProcess node)
    {
        await using var database = NodeDatabase.Open(DatabaseOf(node));
        await using var connection = await database.ConnectAsync();
        await using var command = NodeDatabase.Command(connection, null,
            "SELECT message_id, conversation_id, conversation_seq, recipient, state, attempts, digest, receipt, last_error FROM outbox");
        await using var reader = await command.ExecuteReaderAsync();
        var rows = new List<OutboxRow>();
        while (await reader.ReadAsync())
        {
            rows.Add(new OutboxRow(reader.GetString(0), reader.GetString(1), reader.GetInt64(2), reader.GetString(3), reader.GetString(4), reader.GetInt32(5),
                (byte[])reader[6], reader.IsDBNull(7) ? null : (byte[])reader[7], reader.IsDBNull(8) ? null : reader.GetString(8)));
        }
        return rows;
    }

    public static async Task<long> CountAsync(NodeProcess node, string sql, params (string, object?)[] parameters)
    {
        await using var database = NodeDatabase.Open(DatabaseOf(node));
        await using var connection = await database.ConnectAsync();
        await using var command = NodeDatabase.Command(connection, null, sql, parameters);
        return Convert.ToInt64(await command.ExecuteScalarAsync(), CultureInfo.InvariantCulture);
    }

    /// <summary>The replicas holding a claim on outbox rows now.</summary>
    public static async Task<List<string>> ClaimantsAsync(NodeProcess node)
    {
        await using var database = NodeDatabase.Open(DatabaseOf(node));
        await using var connection = await database.ConnectAsync();
        await using var command = NodeDatabase.Command(connection, null, "SELECT DISTINCT claimed_by FROM outbox WHERE claimed_by IS NOT NULL");
        await using var reader = await command.ExecuteReaderAsync();
        var claimants = new List<string>();
        while (await reader.ReadAsync()) claimants.Add(reader.GetString(0));
        return claimants;
    }

    /// <summary>The refusals a node recorded: (message id, code, detail) per row.</summary>
    public static async Task<List<(string? MessageId, string Code, string Direction)>> RejectionsAsync(NodeProcess node)
    {
        await using var database = NodeDatabase.Open(DatabaseOf(node));
        await using var connection = await database.ConnectAsync();
        await using var command = NodeDatabase.Command(connection, null, "SELECT message_id, code, direction FROM exchange_rejections");
        await using var reader = await command.ExecuteReaderAsync();
        var rows = new List<(string?, string, string)>();
        while (await reader.ReadAsync()) rows.Add((reader.IsDBNull(0) ? null : reader.GetString(0), reader.GetString(1), reader.GetString(2)));
        return rows;
    }

    /// <summary>Per message id, how many ledger entries of <paramref name="kind"/> name it.</summary>
    public static async Task<Dictionary<string, int>> LedgerMessagesAsync(NodeProcess node, string kind)
    {
        await using var database = NodeDatabase.Open(DatabaseOf(node));
        await using var connection = await database.ConnectAsync();
        await using var command = NodeDatabase.Command(connection, null, "SELECT entry FROM ledger_entries ORDER BY idx");
        await using var reader = await command.ExecuteReaderAsync();
        var counts = new Dictionary<string, int>(StringComparer.Ordinal);
        while (await reader.ReadAsync())
        {
            var entry = LedgerEntry.Parse((byte[])reader[0]);
            if (entry.Kind != kind) continue;
            var id = entry.Body["message"] switch
            {
                JsonObject message => message["id"]!.GetValue<string>(),
                JsonValue value => value.GetValue<string>(),
                _ => throw new InvalidOperationException($"a {kind} entry without a message"),
            };
            counts[id] = counts.GetValueOrDefault(id) + 1;
        }
        return counts;
    }

    public static async Task AssertLedgerVerifiesAsync(NodeProcess node)
    {
        await using var ledger = LedgerStore.Open(DatabaseOf(node), TimeProvider.System);
        using var key = Entente.Identity.NodeKeys.LoadSigningKey(node.Home);
        var verification = await ledger.VerifyAsync(key.ExportSubjectPublicKeyInfo());
        Assert.True(verification.Ok, $"{node.Code}'s ledger: " + string.Join("; ", verification.Problems));
    }

    /// <summary>
    /// The exactly-once checks between a sender and its receivers: every outbox row delivered with a receipt its
    /// recipient signed for those very bytes; every message in its recipient's inbox once, with the digest sent, each
    /// conversation numbered 1..n without a gap; one disclosure-prepared and one disclosure-receipted entry per message
    /// in the sender's ledger and one disclosure-received per message in the recipient's; every ledger verifies.
    /// </summary>
    public static async Task AssertDeliveredExactlyOnceAsync(NodeProcess sender, IReadOnlyList<NodeProcess> receivers, int expected)
    {
        var outbox = await OutboxAsync(sender);
        Assert.Equal(expected, outbox.Count);
        Assert.Equal(expected, outbox.Select(o => o.MessageId).Distinct().Count());
        var notDelivered = outbox.Where(o => o.State != ExchangeStore.Delivered).ToList();
        Assert.True(notDelivered.Count == 0, $"{notDelivered.Count} messages not delivered, e.g. {notDelivered.FirstOrDefault()}");

        foreach (var receiver in receivers)
        {
            using var key = TestNetwork.PublicKeyOf(receiver);
            var sent = outbox.Where(o => o.Recipient == receiver.Code).ToDictionary(o => o.MessageId);
            foreach (var o in sent.Values)
            {
                var receipt = Receipt.Verify(o.Receipt!, key);
                Assert.Equal(o.MessageId, receipt.MessageId);
                Assert.Equal(o.Digest, receipt.EnvelopeDigest);
                Assert.Equal(sender.Code, receipt.Sender);
            }

            var inbox = (await InboxAsync(receiver)).Where(i => i.Sender == sender.Code).ToList();
            var twice = inbox.GroupBy(i => i.MessageId).Where(g => g.Count() > 1).Select(g => g.Key).ToList();
            Assert.True(twice.Count == 0, $"{receiver.Code} holds {twice.Count} messages more than once");
            Assert.Equal(sent.Keys.Order(StringComparer.Ordinal), inbox.Select(i => i.MessageId).Order(StringComparer.Ordinal));
            foreach (var i in inbox)
            {
                Assert.True(i.Digest.AsSpan().SequenceEqual(sent[i.MessageId].Digest), $"{i.MessageId}: {receiver.Code} accepted other bytes than {sender.Code} sent");
                Assert.Equal(sent[i.MessageId].Sequence, i.Sequence);
            }
            foreach (var conversation in inbox.GroupBy(i => i.ConversationId))
                Assert.Equal(Enumerable.Range(1, conversation.Count()).Select(n => (long)n), conversation.Select(i => i.Sequence).Order());

            var received = await LedgerMessagesAsync(receiver, LedgerKinds.DisclosureReceived);
            AssertOncePerMessage(received, sent.Keys, $"{receiver.Code}'s disclosure-received entries");
            await AssertLedgerVerifiesAsync(receiver);
        }

        var ids = outbox.Select(o => o.MessageId).ToList();
        AssertOncePerMessage(await LedgerMessagesAsync(sender, LedgerKinds.DisclosurePrepared), ids, $"{sender.Code}'s disclosure-prepared entries");
        AssertOncePerMessage(await LedgerMessagesAsync(sender, LedgerKinds.DisclosureReceipted), ids, $"{sender.Code}'s disclosure-receipted entries");
        await AssertLedgerVerifiesAsync(sender);
    }

    private static void AssertOncePerMessage(Dictionary<string, int> counts, IEnumerable<string> ids, string what)
    {
        var expected = ids.ToHashSet(StringComparer.Ordinal);
        var missing = expected.Where(id => !counts.ContainsKey(id)).ToList();
        var doubled = counts.Where(c => c.Value > 1).ToList();
        var foreign = counts.Keys.Where(id => !expected.Contains(id)).ToList();
        Assert.True(missing.Count == 0 && doubled.Count == 0 && foreign.Count == 0,
            $"{what}: {missing.Count} messages without one (e.g. {missing.FirstOrDefault()}), {doubled.Count} with more than one " +
            $"(e.g. {doubled.FirstOrDefault()}), {foreign.Count} for messages not sent");
    }

    /// <summary>A fresh PostgreSQL database on the test server; dropped by disposing the result.</summary>
    public static async Task<PostgresDatabase> CreatePostgresAsync()
    {
        var server = Storage.TestDatabases.RequirePostgres();
        var name = "entente_rel_" + Guid.NewGuid().ToString("N");
        await PostgresDatabase.AdminAsync(server, $"CREATE DATABASE \"{name}\"");
        return new PostgresDatabase(server, new NpgsqlConnectionStringBuilder(server) { Database = name }.ConnectionString, name);
    }

    public static string Hex(byte[] bytes) => Convert.ToHexStringLower(bytes);

    public static byte[] Sha256(byte[] bytes) => SHA256.HashData(bytes);
}

public sealed class PostgresDatabase(string server, string connectionString, string name) : IAsyncDisposable
{
    public string ConnectionString { get; } = connectionString;

    public static async Task AdminAsync(string server, string sql)
    {
        await using var connection = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(server) { Pooling = false }.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }

    public async ValueTask DisposeAsync()
    {
        NpgsqlConnection.ClearAllPools();
        await AdminAsync(server, $"DROP DATABASE \"{name}\" WITH (FORCE)");
    }
}

/// <summary>The reliability tests run one after another (each starts several node processes; together they would starve a 2-core machine).</summary>
[CollectionDefinition(Name)]
public sealed class ReliabilityCollection
{
    public const string Name = "Reliability";
}
