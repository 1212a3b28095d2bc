using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text.Json.Nodes;
using Entente.Agreements;
using Entente.Exchange;
using Entente.Hosting;
using Entente.Identity;
using Entente.Ledger;
using Entente.Storage;
using Npgsql;

namespace Entente.Bench;

/// <summary>
/// Exchange figures: envelopes sealed and opened per core, end-to-end delivered messages/s between two real node
/// processes on loopback (receipts and ledger entries on both sides), receipt latency of a 100 KiB message, and the
/// outbox drain rate after the receiver was down.
/// </summary>
internal static class ExchangeBenchmark
{
    private const string Sender = "NL";
    private const string Receiver = "KR";
    private const string Kind = "declarations";

    private static readonly string[] Origins = ["CN", "KR", "VN", "US", "DE", "TR", "IN", "BR"];

    public static async Task<int> RunAsync(string[] args)
    {
        var messages = 20_000;
        var conversations = 100;
        var batch = 500;
        var warmup = 2_000;
        var latencyCount = 200;
        var drainMessages = 20_000;
        var operations = 2_000;
        var items = 8;
        var parts = new[] { "crypto", "throughput", "latency", "drain" };
        var databases = new[] { "sqlite" };
        var poll = "00:00:00.010";
        string? postgres = Environment.GetEnvironmentVariable("ENTENTE_TEST_POSTGRES");
        var work = Path.Combine(Path.GetTempPath(), "entente-bench-exchange");
        for (var i = 0; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "--messages": messages = Int(args[++i]); break;
                case "--conversations": conversations = Int(args[++i]); break;
                case "--batch": batch = Int(args[++i]); break;
                case "--warmup": warmup = Int(args[++i]); break;
                case "--latency-count": latencyCount = Int(args[++i]); break;
                case "--drain-messages": drainMessages = Int(args[++i]); break;
                case "--operations": operations = Int(args[++i]); break;
                case "--items": items = Int(args[++i]); break;
                case "--parts": parts = args[++i].Split(','); break;
                case "--databases": databases = args[++i].Split(','); break;
                case "--poll": poll = args[++i]; break;
                case "--postgres": postgres = args[++i]; break;
                case "--work": work = args[++i]; break;
                default:
                    Console.Error.WriteLine($"entente bench exchange: unknown option {args[i]}");
                    return 2;
            }
        }
        Console.WriteLine($"# entente bench exchange on {Environment.ProcessorCount} cores ({CpuModel()}), {Environment.OSVersion}, .NET {Environment.Version}");
        if (parts.Contains("crypto")) Crypto(operations, items);
        var network = parts.Where(p => p is "throughput" or "latency" or "drain").ToArray();
        if (network.Length == 0) return 0;
        var environment = new Dictionary<string, string>
        {
            ["Entente__Exchange__Poll"] = poll,
            ["Entente__Exchange__RetryBase"] = "00:00:00.200",
            ["Entente__Exchange__RetryMax"] = "00:00:02",
        };
        Console.WriteLine($"# two `entente serve` processes on loopback, {string.Join(" ", environment.Select(e => $"{e.Key}={e.Value}"))}; messages enqueued by this process (OpenedExchange)");
        foreach (var database in databases)
        {
            if (database == "postgres" && string.IsNullOrEmpty(postgres))
            {
                Console.WriteLine("postgres: skipped (give --postgres CONNSTRING or run under scripts/with-postgres --durable)");
                continue;
            }
            await using var net = await Network.StartAsync(database, postgres, work, environment);
            await using var services = await NodeServices.OpenAsync(net.Nl.Options);
            var nl = services.Get<ExchangeNode>();
            if (warmup > 0)
            {
                // Three fresh processes compile as they go (tiered JIT): the first thousands of messages measure the compiler.
                var before = await net.CountsAsync();
                var clock = Stopwatch.StartNew();
                await EnqueueAsync(nl, warmup, conversations, batch, items);
                await net.WaitDeliveredAsync(before.Delivered + warmup, TimeSpan.FromMinutes(10));
                await net.WaitLedgersAsync(before, warmup);
                Console.WriteLine($"{net.Name}: warm-up, {warmup:N0} messages delivered untimed in {clock.Elapsed.TotalSeconds:F1} s");
            }
            if (network.Contains("throughput")) await Throughput(net, nl, messages, conversations, batch, items);
            if (network.Contains("latency")) await Latency(net, nl, latencyCount);
            if (network.Contains("drain")) await Drain(net, nl, drainMessages, conversations, batch, items);
        }
        return 0;
    }

    private static int Int(string text) => int.Parse(text, CultureInfo.InvariantCulture);

    // ---------------------------------------------------------------- sealing and opening, one thread

    private static void Crypto(int operations, int items)
    {
        using var nlKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        using var krKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        using var krEncryption = ECDiffieHellman.Create(ECCurve.NamedCurves.nistP256);
        using var nlPublic = ECDsa.Create();
        nlPublic.ImportSubjectPublicKeyInfo(nlKey.ExportSubjectPublicKeyInfo(), out _);
        using var krPublic = ECDsa.Create();
        krPublic.ImportSubjectPublicKeyInfo(krKey.ExportSubjectPublicKeyInfo(), out _);
        using var krEncryptionPublic = ECDiffieHellman.Create();
        krEncryptionPublic.ImportSubjectPublicKeyInfo(krEncryption.ExportSubjectPublicKeyInfo(), out _);
        var (nlId, krId) = (NodeKeys.Fingerprint(nlKey), NodeKeys.Fingerprint(krKey));
        var now = TimeProvider.System.GetUtcNow();
        var inForce = AgreementStatus.SelectInForce([AgreementDocument.Parse(SignedAgreement([(Sender, nlKey), (Receiver, krKey)]), "bench.yaml")], now);
        if (inForce.Count != 1) throw new InvalidOperationException("the benchmark's agreement is not in force");
        var pseudonymKey = RandomNumberGenerator.GetBytes(32);

        Console.WriteLine();
        Console.WriteLine($"Sealing and opening, one thread, {operations:N0} timed operations per line after {operations / 10:N0} untimed (load {Load()})");
        Console.WriteLine("payload                 operation             median µs     p99 µs   ops/s (1 core)");
        foreach (var (label, itemCount) in new[] { ("declaration", items), ("100 KiB", ItemsFor(100 * 1024, inForce, pseudonymKey, now)) })
        {
            var (header, payload) = Message(inForce, Declaration("26NL" + "1".PadLeft(14, '0'), itemCount), pseudonymKey, now);
            var name = $"{label} {payload.Length / 1024.0:F1} KiB";
            var envelope = Envelope.Seal(header, payload, nlKey, nlId, krEncryptionPublic);
            EnvelopeOpening.Opened Open() =>
                Envelope.Open(envelope, Receiver, krEncryption, code => code == Sender ? (nlPublic, nlId) : null, now) as EnvelopeOpening.Opened
                ?? throw new InvalidOperationException("the envelope does not open");
            var opened = Open();
            if (Acceptance.Check(opened, Receiver, inForce, null, now) is not AcceptanceResult.Accepted) throw new InvalidOperationException("the message is not accepted");
            var receipt = Receipt.Sign(header, opened.Digest, now, krKey, krId);
            // The large payload costs mostly bytes, not signatures: fewer runs keep the line short.
            var runs = payload.Length > 10_000 ? Math.Max(operations / 5, 50) : operations;
            var lines = new (string Operation, Stats Stats)[]
            {
                ("Envelope.Seal", Time(runs, () => Envelope.Seal(header, payload, nlKey, nlId, krEncryptionPublic))),
                ("Envelope.Open", Time(runs, () => Open())),
                ("Acceptance.Check", Time(runs, () => Acceptance.Check(opened, Receiver, inForce, null, now))),
                ("Receipt.Sign", Time(runs, () => Receipt.Sign(header, opened.Digest, now, krKey, krId))),
                ("Receipt.Verify", Time(runs, () => Receipt.Verify(receipt, krPublic))),
            };
            foreach (var (operation, stats) in lines)
                Console.WriteLine($"{name,-23} {operation,-20} {stats.Median,10:F1} {stats.P99,10:F1} {1e6 / stats.Mean,16:N0}");
            var perMessage = lines.Sum(l => l.Stats.Mean);
            Console.WriteLine($"{name,-23} {"all five (mean sum)",-20} {"",10} {"",10} {1e6 / perMessage,16:N0}   ({perMessage:F0} µs of CPU per message, both sides)");
        }
    }

    private sealed record Stats(double Median, double P99, double Mean);

    private static Stats Time(int runs, Action operation)
    {
        for (var i = 0; i < Math.Max(runs / 10, 20); i++) operation();
        var times = new double[runs];
        for (var i = 0; i < runs; i++)
        {
            var start = Stopwatch.GetTimestamp();
            operation();
            times[i] = Stopwatch.GetElapsedTime(start).TotalMicroseconds;
        }
        var mean = times.Average();
        Array.Sort(times);
        return new Stats(times[runs / 2], times[Math.Min(runs - 1, runs * 99 / 100)], mean);
    }

    /// <summary>The header and projected payload the sending node would seal, made as ExchangeNode.DiscloseAsync makes them.</summary>
    private static (EnvelopeHeader Header, byte[] Payload) Message(IReadOnlyList<Agreement> inForce, JsonObject document, byte[] pseudonymKey, DateTimeOffset now)
    {
        var request = new AccessRequest(Sender, new Requester(Receiver), Receiver, DataCategory.Declarations, Purpose.RiskManagement, ExchangeNode.FieldsOf(document), now)
        {
            LegalBasis = inForce[0].Id,
        };
        if (PolicyEngine.Decide(inForce, request) is not Permit permit) throw new InvalidOperationException("the benchmark's agreement does not permit the declaration");
        var projected = PolicyEngine.Project(document, permit.Obligations, pseudonymKey);
        var agreement = permit.Agreements[0];
        var header = new EnvelopeHeader("m-" + Guid.CreateVersion7(now).ToString("N"), "c-" + Guid.CreateVersion7(now).ToString("N"), 1, Kind, Sender, Receiver,
            agreement.Id, agreement.ContentHash, Purpose.RiskManagement, DataCategory.Declarations, permit.Obligations.HandlingCode, permit.Obligations.Evaluation,
            now, now + ExchangeNode.DefaultValidity);
        return (header, System.Text.Encoding.UTF8.GetBytes(projected.ToJsonString()));
    }

    /// <summary>How many goods items make a projected declaration of about <paramref name="bytes"/>.</summary>
    private static int ItemsFor(int bytes, IReadOnlyList<Agreement> inForce, byte[] pseudonymKey, DateTimeOffset now)
    {
        var one = Message(inForce, Declaration("26NL00000000000001", 1), pseudonymKey, now).Payload.Length;
        var hundred = Message(inForce, Declaration("26NL00000000000001", 101), pseudonymKey, now).Payload.Length;
        return 1 + (int)Math.Ceiling((bytes - one) / ((hundred - one) / 100.0));
    }

    /// <summary>A declaration with three parties and <paramref name="items"/> goods items; the agreement lets about half of it travel.</summary>
    private static JsonObject Declaration(string mrn, int items)
    {
        var goods = new JsonArray();
        for (var i = 1; i <= items; i++)
        {
            goods.Add(new JsonObject
            {
                ["sequence"] = i,
                ["classification"] = new JsonObject { ["scheme"] = "HS", ["code"] = (847130 + (i * 37 % 9000)).ToString(CultureInfo.InvariantCulture) },
                ["originCountryCode"] = Origins[i % Origins.Length],
                ["customsValue"] = new JsonObject { ["amount"] = 1200 + (i * 13), ["currency"] = "EUR" },
                ["netMassKg"] = 12.5 + i,
                ["description"] = "integrated circuits, processors and controllers, lot " + i.ToString(CultureInfo.InvariantCulture),
            });
        }
        static JsonObject Party(string role, string id, string name, string city, string country) => new()
        {
            ["role"] = role,
            ["id"] = id,
            ["name"] = name,
            ["address"] = new JsonObject { ["street"] = "Havenstraat 12", ["city"] = city, ["postcode"] = "3011 AB", ["countryCode"] = country },
        };
        return new JsonObject
        {
            ["mrn"] = mrn,
            ["acceptanceDateTime"] = "2026-05-14T10:00:00Z",
            ["parties"] = new JsonArray(
                Party("importer", "NL123456789", "Van Dijk Import BV", "Rotterdam", "NL"),
                Party("exporter", "KR9876543210", "Hanbit Electronics Co.", "Busan", "KR"),
                Party("declarant", "NL987654321", "Maas Customs Brokers", "Rotterdam", "NL")),
            ["goodsShipment"] = new JsonObject { ["goodsItems"] = goods },
        };
    }

    private const string AgreementYaml = """
        # The benchmark's agreement between its two nodes (declarations for risk management, projected as a real one would be).
        agreement: bench-exchange
        version: 1
        kind: bilateral
        title: "Exchange benchmark agreement"
        parties:
        {PARTIES}
        legal-basis:
          - "Benchmark convention, Art. 1"
        validity:
          from: 2020-01-01
          until: 2099-12-31
        categories:
          declarations:
            purposes: [risk-management, investigation]
            disclose:
              - /mrn
              - /goodsShipment/goodsItems/*/classification
              - /goodsShipment/goodsItems/*/originCountryCode
              - /goodsShipment/goodsItems/*/customsValue
              - /goodsShipment/goodsItems/*/netMassKg
            transform:
              /acceptanceDateTime: generalise-to-month
              /parties/*/id: pseudonymise
              /parties/*/name: drop
              /parties/*/address: drop
            other-fields: drop
            handling-code: H1
            evaluation: A1
            onward-transfer: with-consent
            retention: { period: P3Y, then: review }

        """;

    /// <summary>The agreement with both parties and their key fingerprints, signed by both keys.</summary>
    private static string SignedAgreement(IReadOnlyList<(string Code, ECDsa Key)> parties)
    {
        var list = string.Join("\n", parties.Select(p => $"  - code: {p.Code}\n    name: \"Administration {p.Code}\"\n    fingerprint: {NodeKeys.Fingerprint(p.Key)}"));
        var text = AgreementYaml.Replace("{PARTIES}", list, StringComparison.Ordinal);
        foreach (var (_, key) in parties)
            text = AgreementSignatures.AddTo(text, "bench.yaml", AgreementSignatures.Sign(AgreementDocument.Parse(text, "bench.yaml"), key, DateTimeOffset.UnixEpoch.AddYears(55)));
        return text;
    }

    // ---------------------------------------------------------------- two real nodes

    private static readonly LedgerActor Actor = new("bench", Sender);

    private static Disclosure[] Disclosures(int from, int count, string[] conversations, int items, string run) =>
        Enumerable.Range(from, count).Select(i => new Disclosure(Receiver, DataCategory.Declarations, Purpose.RiskManagement, Kind,
            Declaration($"26NL{run}{i.ToString("D10", CultureInfo.InvariantCulture)}", items))
        {
            ConversationId = conversations[i % conversations.Length],
        }).ToArray();

    private static async Task<TimeSpan> EnqueueAsync(ExchangeNode nl, int messages, int conversations, int batch, int items)
    {
        var run = Guid.NewGuid().ToString("N")[..4].ToUpperInvariant();
        var ids = Enumerable.Range(0, conversations).Select(_ => "c-bench-" + Guid.NewGuid().ToString("N")).ToArray();
        var clock = Stopwatch.StartNew();
        for (var start = 0; start < messages; start += batch)
        {
            var outcomes = await nl.DiscloseAsync(Disclosures(start, Math.Min(batch, messages - start), ids, items, run), Actor);
            if (outcomes.FirstOrDefault(o => o is not DisclosureOutcome.Queued) is DisclosureOutcome.Refused refused)
                throw new InvalidOperationException("the policy refused a benchmark disclosure: " + refused.Deny.Reason);
        }
        return clock.Elapsed;
    }

    private static async Task Throughput(Network net, ExchangeNode nl, int messages, int conversations, int batch, int items)
    {
        var before = await net.CountsAsync();
        var load = Load();
        var clock = Stopwatch.StartNew();
        var enqueued = await EnqueueAsync(nl, messages, conversations, batch, items);
        await net.WaitDeliveredAsync(before.Delivered + messages, TimeSpan.FromMinutes(10));
        var seconds = clock.Elapsed.TotalSeconds;
        var after = await net.WaitLedgersAsync(before, messages);
        Console.WriteLine();
        Console.WriteLine($"{net.Name}: end to end, {messages:N0} declarations in {conversations} conversations, enqueued in batches of {batch} (load {load} → {Load()})");
        Console.WriteLine($"  enqueued (decided, projected, sealed, stored, ledger) in {enqueued.TotalSeconds:F1} s: {messages / enqueued.TotalSeconds:N0}/s");
        Console.WriteLine($"  all delivered with verified receipts {seconds:F1} s after the first enqueue: {messages / seconds:N0} messages/s");
        Console.WriteLine($"  ledgers: {Sender} +{after.SenderLedger - before.SenderLedger:N0} entries (prepared + receipted), {Receiver} +{after.ReceiverLedger - before.ReceiverLedger:N0} (received); " +
            $"{Receiver} inbox +{after.Inbox - before.Inbox:N0}");
    }

    private static async Task Latency(Network net, ExchangeNode nl, int count)
    {
        var now = TimeProvider.System.GetUtcNow();
        var inForce = nl.AgreementsInForce(now);
        var items = ItemsFor(100 * 1024, inForce, RandomNumberGenerator.GetBytes(32), now);
        var before = await net.CountsAsync();
        var load = Load();
        var total = new double[count];
        var enqueue = new double[count];
        var transport = new double[count];
        var recorded = new double[count];
        var run = Guid.NewGuid().ToString("N")[..4].ToUpperInvariant();
        for (var i = 0; i < Math.Min(5, count) + count; i++)
        {
            var warm = i < Math.Min(5, count);
            var disclosure = Disclosures(i, 1, ["c-bench-" + Guid.NewGuid().ToString("N")], items, run)[0];
            var start = Stopwatch.GetTimestamp();
            var outcome = await nl.DiscloseAsync(disclosure, Actor);
            var queued = outcome as DisclosureOutcome.Queued ?? throw new InvalidOperationException("the policy refused a benchmark disclosure");
            var enqueuedAt = Stopwatch.GetElapsedTime(start);
            var (createdAt, deliveredAt) = await net.WaitOneDeliveredAsync(queued.Item.MessageId, TimeSpan.FromSeconds(60));
            if (warm) continue;
            var k = i - Math.Min(5, count);
            total[k] = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
            enqueue[k] = enqueuedAt.TotalMilliseconds;
            transport[k] = total[k] - enqueue[k];
            recorded[k] = (deliveredAt - createdAt).TotalMilliseconds;
        }
        var size = ((DisclosureOutcome.Queued)(await nl.DiscloseAsync(Disclosures(0, 1, ["c-bench-" + Guid.NewGuid().ToString("N")], items, run)[0], Actor))).Item.Envelope.Length;
        await net.WaitDeliveredAsync(before.Delivered + count + Math.Min(5, count) + 1, TimeSpan.FromMinutes(1));
        Console.WriteLine();
        Console.WriteLine($"{net.Name}: receipt latency, {count} messages of {size / 1024.0:F1} KiB (envelope; {items} goods items), one at a time, each its own conversation, after {Math.Min(5, count)} untimed (load {load} → {Load()})");
        Console.WriteLine("  measure                                                      p50 ms   p99 ms   max ms");
        Print("enqueue → delivered with a verified receipt (seen in the DB)", total);
        Print("  of which enqueue (decide, project, seal, store, ledger)", enqueue);
        Print("  then: found by polling, sent, opened, stored, receipted", transport);
        Print("outbox created_at → delivered_at (the sender's own times)", recorded);

        static void Print(string what, double[] values)
        {
            var sorted = values.Order().ToArray();
            Console.WriteLine($"  {what,-60} {sorted[sorted.Length / 2],6:F1} {sorted[Math.Min(sorted.Length - 1, sorted.Length * 99 / 100)],8:F1} {sorted[^1],8:F1}");
        }
    }

    private static async Task Drain(Network net, ExchangeNode nl, int messages, int conversations, int batch, int items)
    {
        await net.Kr.StopAsync();
        var before = await net.CountsAsync();
        var load = Load();
        var enqueued = await EnqueueAsync(nl, messages, conversations, batch, items);
        // The sender has been failing to reach the receiver while messages were queued: they wait in backoff.
        await Task.Delay(TimeSpan.FromSeconds(3));
        var clock = Stopwatch.StartNew();
        await net.Kr.StartAsync();
        var up = clock.Elapsed;
        var first = await net.WaitDeliveredAsync(before.Delivered + 1, TimeSpan.FromMinutes(5));
        var firstAt = clock.Elapsed;
        await net.WaitDeliveredAsync(before.Delivered + messages, TimeSpan.FromMinutes(10));
        var done = clock.Elapsed;
        var after = await net.WaitLedgersAsync(before, messages);
        var attempts = await net.FailedAttemptsAsync();
        Console.WriteLine();
        Console.WriteLine($"{net.Name}: outbox drain after an outage, {messages:N0} declarations in {conversations} conversations queued while {Receiver} was down (load {load} → {Load()})");
        Console.WriteLine($"  enqueued in {enqueued.TotalSeconds:F1} s; {Receiver} started again: answering /health after {up.TotalSeconds:F1} s, first delivery after {firstAt.TotalSeconds:F1} s ({first - before.Delivered} delivered)");
        Console.WriteLine($"  all delivered {done.TotalSeconds:F1} s after the restart: {messages / (done - up).TotalSeconds:N0} messages/s from the moment {Receiver} answered, " +
            $"{messages / (done - firstAt).TotalSeconds:N0}/s from the first delivery (largest attempt count {attempts})");
        Console.WriteLine($"  ledgers: {Sender} +{after.SenderLedger - before.SenderLedger:N0}, {Receiver} +{after.ReceiverLedger - before.ReceiverLedger:N0}; {Receiver} inbox +{after.Inbox - before.Inbox:N0}");
    }

    private static string Load() => File.Exists("/proc/loadavg") ? string.Join(" ", File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : "?";

    private static string CpuModel() =>
        File.Exists("/proc/cpuinfo")
            ? File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal))?.Split(':', 2)[1].Trim() ?? "?"
            : "?";

    private sealed record Counts(long Delivered, long SenderLedger, long ReceiverLedger, long Inbox);

    /// <summary>Two nodes (homes made as `entente node init` makes them), bound by a signed agreement and registered as partners of each other.</summary>
    private sealed class Network : IAsyncDisposable
    {
        private readonly Func<Task> _cleanup;

        private Network(string name, BenchNode nl, BenchNode kr, Func<Task> cleanup) => (Name, Nl, Kr, _cleanup) = (name, nl, kr, cleanup);

        public string Name { get; }

        public BenchNode Nl { get; }

        public BenchNode Kr { get; }

        public static async Task<Network> StartAsync(string database, string? postgres, string work, IReadOnlyDictionary<string, string> environment)
        {
            var folder = Path.Combine(work, Guid.NewGuid().ToString("N"));
            Directory.CreateDirectory(folder);
            var created = new List<string>();
            string? Database(string code)
            {
                if (database == "sqlite") return null;
                var name = $"entente_bench_{code.ToLowerInvariant()}_{Guid.NewGuid():N}";
                created.Add(name);
                return new NpgsqlConnectionStringBuilder(postgres) { Database = name }.ConnectionString;
            }
            var nlDatabase = Database(Sender);
            var krDatabase = Database(Receiver);
            foreach (var name in created) await AdminAsync(postgres!, $"CREATE DATABASE \"{name}\"");
            async Task Cleanup()
            {
                foreach (var name in created) await AdminAsync(postgres!, $"DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)");
                Directory.Delete(folder, recursive: true);
            }
            var nodes = new List<BenchNode>();
            try
            {
                nodes.Add(await BenchNode.CreateAsync(Path.Combine(folder, "nl"), Sender, nlDatabase, environment));
                nodes.Add(await BenchNode.CreateAsync(Path.Combine(folder, "kr"), Receiver, krDatabase, environment));
                var keys = nodes.Select(n => NodeKeys.LoadSigningKey(n.Home)).ToArray();
                try
                {
                    var text = SignedAgreement(nodes.Select((n, i) => (n.Code, keys[i])).ToArray());
                    foreach (var node in nodes)
                    {
                        Directory.CreateDirectory(Path.Combine(node.Home, "agreements"));
                        await File.WriteAllTextAsync(Path.Combine(node.Home, "agreements", "bench-exchange.yaml"), text);
                    }
                }
                finally
                {
                    foreach (var k in keys) k.Dispose();
                }
                foreach (var node in nodes) await node.StartAsync();
                foreach (var node in nodes)
                {
                    foreach (var partner in nodes.Where(p => p != node))
                    {
                        string[] add = ["partner", "add", "--home", node.Home, "--code", partner.Code, "--endpoint", partner.BaseAddress.ToString()];
                        if (node.Postgres is not null) add = [.. add, "--database", node.Postgres];
                        var (output, error) = (new StringWriter(), new StringWriter());
                        if (await Cli.EntenteCli.RunAsync(add, output, error) != 0) throw new InvalidOperationException($"partner add failed: {error}");
                    }
                }
                return new Network(database == "sqlite" ? "SQLite (synchronous=FULL)" : "PostgreSQL", nodes[0], nodes[1], Cleanup);
            }
            catch
            {
                foreach (var node in nodes) await node.StopAsync();
                await Cleanup();
                throw;
            }
        }

        public async Task<Counts> CountsAsync()
        {
            await using var nlLedger = LedgerStore.Open(Nl.DatabaseSetting, TimeProvider.System);
            await using var krLedger = LedgerStore.Open(Kr.DatabaseSetting, TimeProvider.System);
            return new Counts(await ScalarAsync(Nl, "SELECT COUNT(*) FROM outbox WHERE state = 'delivered'"),
                (await nlLedger.GetHeadAsync()).Size, (await krLedger.GetHeadAsync()).Size, await ScalarAsync(Kr, "SELECT COUNT(*) FROM inbox"));
        }

        /// <summary>Waits until the sender's outbox holds <paramref name="delivered"/> delivered messages; returns the count seen.</summary>
        public async Task<long> WaitDeliveredAsync(long delivered, TimeSpan timeout)
        {
            var clock = Stopwatch.StartNew();
            while (true)
            {
                var now = await ScalarAsync(Nl, "SELECT COUNT(*) FROM outbox WHERE state = 'delivered'");
                if (now >= delivered) return now;
                if (await ScalarAsync(Nl, "SELECT COUNT(*) FROM outbox WHERE state = 'failed'") > 0)
                    throw new InvalidOperationException("a message failed: " + await TextAsync(Nl, "SELECT last_error FROM outbox WHERE state = 'failed' LIMIT 1"));
                if (clock.Elapsed > timeout) throw new TimeoutException($"{now} of {delivered} delivered after {timeout}\n--- {Sender}\n{Nl.Log}\n--- {Receiver}\n{Kr.Log}");
                await Task.Delay(20);
            }
        }

        /// <summary>Waits until one message is delivered; returns the sender's own enqueue and delivery times.</summary>
        public async Task<(DateTimeOffset CreatedAt, DateTimeOffset DeliveredAt)> WaitOneDeliveredAsync(string messageId, TimeSpan timeout)
        {
            var clock = Stopwatch.StartNew();
            await using var connection = await Nl.Db().ConnectAsync();
            while (true)
            {
                await using (var command = NodeDatabase.Command(connection, null, "SELECT state, created_at, delivered_at FROM outbox WHERE message_id = @id", ("@id", messageId)))
                await using (var reader = await command.ExecuteReaderAsync())
                {
                    if (await reader.ReadAsync() && reader.GetString(0) == ExchangeStore.Delivered)
                        return (reader.GetFieldValue<DateTimeOffset>(1), reader.GetFieldValue<DateTimeOffset>(2));
                }
                if (clock.Elapsed > timeout) throw new TimeoutException($"{messageId} not delivered after {timeout}\n--- {Sender}\n{Nl.Log}\n--- {Receiver}\n{Kr.Log}");
                await Task.Delay(1);
            }
        }

        /// <summary>Waits (up to a minute) until both ledgers hold the entries of <paramref name="messages"/> more messages.</summary>
        public async Task<Counts> WaitLedgersAsync(Counts before, int messages)
        {
            var clock = Stopwatch.StartNew();
            while (true)
            {
                var now = await CountsAsync();
                if ((now.SenderLedger >= before.SenderLedger + (2L * messages) && now.ReceiverLedger >= before.ReceiverLedger + messages) || clock.Elapsed > TimeSpan.FromMinutes(1))
                    return now;
                await Task.Delay(50);
            }
        }

        public Task<long> FailedAttemptsAsync() => ScalarAsync(Nl, "SELECT COALESCE(MAX(attempts), 0) FROM outbox");

        private static async Task<long> ScalarAsync(BenchNode node, string sql)
        {
            await using var connection = await node.Db().ConnectAsync();
            await using var command = NodeDatabase.Command(connection, null, sql);
            return Convert.ToInt64(await command.ExecuteScalarAsync(), CultureInfo.InvariantCulture);
        }

        private static async Task<string?> TextAsync(BenchNode node, string sql)
        {
            await using var connection = await node.Db().ConnectAsync();
            await using var command = NodeDatabase.Command(connection, null, sql);
            return await command.ExecuteScalarAsync() as string;
        }

        private static async Task AdminAsync(string server, string sql)
        {
            await using var connection = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(server) { Pooling = false }.ConnectionString);
            await connection.OpenAsync();
            await using var command = new NpgsqlCommand(sql, connection);
            await command.ExecuteNonQueryAsync();
        }

        public async ValueTask DisposeAsync()
        {
            await Nl.DisposeAsync();
            await Kr.DisposeAsync();
            NpgsqlConnection.ClearAllPools();
            await _cleanup();
        }
    }

    /// <summary>One node: its home, and its `entente serve` process on a fixed loopback port (stopped and started again by the drain part).</summary>
    private sealed class BenchNode : IAsyncDisposable
    {
        private readonly Queue<string> _log = new();
        private readonly IReadOnlyDictionary<string, string> _environment;
        private NodeDatabase? _database;
        private Process? _process;

        private BenchNode(string home, string code, string? database, int port, IReadOnlyDictionary<string, string> environment)
        {
            Home = home;
            Code = code;
            Postgres = database;
            BaseAddress = new Uri($"http://127.0.0.1:{port}");
            _environment = environment;
        }

        public string Home { get; }

        public string Code { get; }

        /// <summary>The PostgreSQL connection string, or null for the home's SQLite file.</summary>
        public string? Postgres { get; }

        public Uri BaseAddress { get; }

        public string DatabaseSetting => Postgres ?? Path.Combine(Home, "entente.db");

        public NodeOptions Options => new() { Home = Home, Code = Code, Name = "Administration " + Code, Database = Postgres };

        public string Log
        {
            get
            {
                lock (_log) return string.Join("\n", _log);
            }
        }

        public NodeDatabase Db() => _database ??= NodeDatabase.Open(DatabaseSetting);

        public static async Task<BenchNode> CreateAsync(string home, string code, string? database, IReadOnlyDictionary<string, string> environment)
        {
            var node = new BenchNode(home, code, database, FreePort(), environment);
            await NodeHome.InitAsync(node.Options, TimeProvider.System);
            return node;
        }

        public async Task StartAsync()
        {
            var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
            foreach (var arg in new[] { Path.Combine(AppContext.BaseDirectory, "Entente.Cli.dll"), "serve", "--home", Home, "--urls", BaseAddress.ToString().TrimEnd('/') })
                start.ArgumentList.Add(arg);
            if (Postgres is not null)
            {
                start.ArgumentList.Add("--database");
                start.ArgumentList.Add(Postgres);
            }
            foreach (var (name, value) in _environment) start.Environment[name] = value;
            _process = Process.Start(start) ?? throw new InvalidOperationException("cannot start entente serve");
            _process.OutputDataReceived += (_, e) => Append(e.Data);
            _process.ErrorDataReceived += (_, e) => Append(e.Data);
            _process.BeginOutputReadLine();
            _process.BeginErrorReadLine();
            using var probe = new HttpClient { BaseAddress = BaseAddress, Timeout = TimeSpan.FromSeconds(2) };
            for (var attempt = 0; attempt < 600; attempt++)
            {
                if (_process.HasExited) throw new InvalidOperationException($"{Code}: entente serve exited with {_process.ExitCode}:\n{Log}");
                try
                {
                    if ((await probe.GetAsync(new Uri("/health", UriKind.Relative))).StatusCode == HttpStatusCode.OK) return;
                }
                catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
                {
                }
                await Task.Delay(20);
            }
            throw new TimeoutException($"{Code}: entente serve did not answer /health within a minute:\n{Log}");
        }

        public async Task StopAsync()
        {
            if (_process is null) return;
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
                await _process.WaitForExitAsync();
            }
            _process.Dispose();
            _process = null;
        }

        private void Append(string? line)
        {
            if (line is null) return;
            lock (_log)
            {
                _log.Enqueue(line);
                if (_log.Count > 100) _log.Dequeue();
            }
        }

        private static int FreePort()
        {
            using var listener = new TcpListener(IPAddress.Loopback, 0);
            listener.Start();
            return ((IPEndPoint)listener.LocalEndpoint).Port;
        }

        public async ValueTask DisposeAsync()
        {
            await StopAsync();
            if (_database is not null) await _database.DisposeAsync();
        }
    }
}
