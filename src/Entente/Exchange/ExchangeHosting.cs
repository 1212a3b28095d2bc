using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using Entente.Agreements;
using Entente.Ledger;
using Entente.Nodes;
using Entente.Partners;
using Entente.Storage;
using Entente.Witnessing;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Server.Kestrel.Https;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;

namespace Entente.Exchange;

/// <summary>
/// The partners the exchange may talk to, read from the partner directory and kept for a few seconds (a partner
/// added with the CLI while the server runs is seen within <see cref="Refresh"/>). A partner is usable only while
/// an agreement in force lists its signing key's fingerprint: the agreements are the root of trust.
/// </summary>
public sealed class PartnerBook(PartnerDirectory directory, Func<DateTimeOffset, IReadOnlyList<Agreement>> agreements, TimeProvider time)
{
    public static readonly TimeSpan Refresh = TimeSpan.FromSeconds(5);

    private readonly ConcurrentDictionary<string, (ExchangePartner? Partner, DateTimeOffset Read)> _cache = new(StringComparer.Ordinal);
    private volatile Tuple<HashSet<string>, DateTimeOffset>? _fingerprints;

    public async Task<ExchangePartner?> GetAsync(string code, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        if (_cache.TryGetValue(code, out var cached) && now - cached.Read < Refresh && now >= cached.Read) return cached.Partner;
        var partner = await directory.GetAsync(code, cancellationToken);
        ExchangePartner? usable = null;
        if (partner is not null)
        {
            var fingerprint = partner.Fingerprint;
            if (agreements(now).Any(a => a.Party(code)?.Fingerprint == fingerprint))
                usable = new ExchangePartner(partner.Code, partner.Endpoint, partner.SigningKey(), fingerprint, partner.EncryptionKey());
        }
        // Only partners found are kept: one added while the server runs is seen at once.
        if (usable is not null) _cache[code] = (usable, now);
        else _cache.TryRemove(code, out _);
        return usable;
    }

    /// <summary>The signing-key fingerprints of every partner in the directory (to pin their TLS certificates).</summary>
    public HashSet<string> Fingerprints()
    {
        var now = time.GetUtcNow();
        if (_fingerprints is { } f && now - f.Item2 < Refresh) return f.Item1;
        var set = directory.ListAsync().GetAwaiter().GetResult().Select(p => p.Fingerprint).ToHashSet(StringComparer.Ordinal);
        _fingerprints = Tuple.Create(set, now);
        return set;
    }
}

/// <summary>
/// The agreements in force read from the home's folder. The folder is read again when a file in it changes (name,
/// size or time) or the day changes (validity is by date); otherwise the parsed, checked agreements are kept.
/// </summary>
public sealed class AgreementShelf(string folder)
{
    private volatile Shelved? _cached;

    public IReadOnlyList<Agreement> InForce(DateTimeOffset now)
    {
        var stamp = Stamp();
        var day = DateOnly.FromDateTime(now.UtcDateTime);
        if (_cached is { } c && c.Stamp == stamp && c.Day == day) return c.InForce;
        var inForce = AgreementStatus.SelectInForce(AgreementFile.ReadFolder(folder, now).Select(f => f.Agreement).OfType<Agreement>(), now);
        _cached = new Shelved(stamp, day, inForce);
        return inForce;
    }

    private sealed record Shelved(string Stamp, DateOnly Day, IReadOnlyList<Agreement> InForce);

    private string Stamp()
    {
        if (!Directory.Exists(folder)) return "";
        var files = new DirectoryInfo(folder).GetFiles().OrderBy(f => f.Name, StringComparer.Ordinal);
        return string.Join("|", files.Select(f => $"{f.Name}:{f.Length}:{f.LastWriteTimeUtc.Ticks}"));
    }
}

/// <summary>The exchange of a node opened outside the server (the CLI): its own database, ledger and identity handles.</summary>
public sealed class OpenedExchange(ExchangeNode node, NodeDatabase database, LedgerStore ledger, NodeIdentity identity) : IAsyncDisposable
{
    public ExchangeNode Node { get; } = node;

    public NodeDatabase Database { get; } = database;

    public LedgerStore Ledger { get; } = ledger;

    public NodeIdentity Identity { get; } = identity;

    /// <summary>Opens the exchange of the node <paramref name="node"/> describes (its schema must be migrated).</summary>
    public static OpenedExchange Open(NodeOptions node, TimeProvider time, ILoggerFactory? logging = null)
    {
        var identity = NodeIdentity.Load(node.Home, node.Code, node.Name);
        var database = NodeDatabase.Open(node.DatabaseOrDefault);
        var ledger = new LedgerStore(database, time);
        var shelf = new AgreementShelf(Path.Combine(node.Home, "agreements"));
        var book = new PartnerBook(new PartnerDirectory(database, time), shelf.InForce, time);
        var exchange = new ExchangeNode(node.Code, identity.SigningKey, identity.Fingerprint, identity.EncryptionKey, NodeKeys.LoadSubjectKey(node.Home),
            new ExchangeStore(database), ledger, time, book.GetAsync, shelf.InForce, new ExchangeMetrics(),
            (logging ?? Microsoft.Extensions.Logging.Abstractions.NullLoggerFactory.Instance).CreateLogger<ExchangeNode>());
        return new OpenedExchange(exchange, database, ledger, identity);
    }

    public async ValueTask DisposeAsync()
    {
        await Ledger.DisposeAsync();
        await Database.DisposeAsync();
        Identity.Dispose();
    }
}

/// <summary>The transport settings the exchange endpoint enforces: with <see cref="MutualTls"/>, partners must present their node certificate.</summary>
public sealed record ExchangeTransport(bool MutualTls);

/// <summary>Adds the exchange to the server: identity, stores, the node's exchange, the dispatcher, and TLS settings.</summary>
public static class ExchangeHosting
{
    public static void AddExchange(this WebApplicationBuilder builder, NodeOptions node, byte[] subjectKey)
    {
        NodeIdentity.CreateMissing(node.Home, node.Code, node.Name, TimeProvider.System);
        var identity = NodeIdentity.Load(node.Home, node.Code, node.Name);
        var exchange = builder.Configuration.GetSection(NodeOptions.Section + ":Exchange");
        var mutualTls = bool.TryParse(exchange["MutualTls"], out var m) && m;
        builder.Services.AddSingleton(identity);
        builder.Services.AddSingleton(sp => new ExchangeStore(sp.GetRequiredService<NodeDatabase>()));
        builder.Services.AddSingleton(sp => new PartnerDirectory(sp.GetRequiredService<NodeDatabase>(), sp.GetRequiredService<TimeProvider>()));
        builder.Services.AddSingleton(_ => new AgreementShelf(Path.Combine(node.Home, "agreements")));
        var books = new System.Runtime.CompilerServices.StrongBox<PartnerBook?>();
        builder.Services.AddSingleton(sp => books.Value = new PartnerBook(sp.GetRequiredService<PartnerDirectory>(), sp.GetRequiredService<AgreementShelf>().InForce, sp.GetRequiredService<TimeProvider>()));
        builder.Services.AddSingleton(sp => new ExchangeMetrics(sp.GetService<IMeterFactory>()));
        // Metrics through OpenTelemetry; exported over OTLP when OTEL_EXPORTER_OTLP_ENDPOINT names a collector.
        builder.Services.AddOpenTelemetry()
            .ConfigureResource(r => r.AddService("entente", serviceInstanceId: node.Code))
            .WithMetrics(metrics =>
            {
                metrics.AddMeter(ExchangeMetrics.MeterName);
                if (!string.IsNullOrWhiteSpace(builder.Configuration["OTEL_EXPORTER_OTLP_ENDPOINT"])) metrics.AddOtlpExporter();
            });
        builder.Services.AddSingleton(sp =>
        {
            var book = sp.GetRequiredService<PartnerBook>();
            return new ExchangeNode(node.Code, identity.SigningKey, identity.Fingerprint, identity.EncryptionKey, subjectKey,
                sp.GetRequiredService<ExchangeStore>(), sp.GetRequiredService<LedgerStore>(), sp.GetRequiredService<TimeProvider>(),
                book.GetAsync, sp.GetRequiredService<AgreementShelf>().InForce, sp.GetRequiredService<ExchangeMetrics>(),
                sp.GetRequiredService<ILoggerFactory>().CreateLogger<ExchangeNode>());
        });
        var settings = new DispatcherSettings
        {
            Replica = exchange["Replica"] is { Length: > 0 } replica ? replica : new DispatcherSettings().Replica,
            Poll = TimeSpan.TryParse(exchange["Poll"], System.Globalization.CultureInfo.InvariantCulture, out var poll) ? poll : TimeSpan.FromSeconds(1),
            RetryBase = TimeSpan.TryParse(exchange["RetryBase"], System.Globalization.CultureInfo.InvariantCulture, out var retry) ? retry : TimeSpan.FromSeconds(1),
            RetryMax = TimeSpan.TryParse(exchange["RetryMax"], System.Globalization.CultureInfo.InvariantCulture, out var max) ? max : TimeSpan.FromMinutes(10),
            Lease = TimeSpan.TryParse(exchange["Lease"], System.Globalization.CultureInfo.InvariantCulture, out var lease) ? lease : TimeSpan.FromSeconds(60),
            Batch = int.TryParse(exchange["Batch"], System.Globalization.CultureInfo.InvariantCulture, out var batch) && batch is > 0 and <= ExchangeWire.MaxBatch ? batch : 128,
            Lanes = int.TryParse(exchange["Lanes"], System.Globalization.CultureInfo.InvariantCulture, out var lanes) && lanes is > 0 and <= 16 ? lanes : 4,
        };
        builder.Services.AddSingleton(sp =>
        {
            var book = sp.GetRequiredService<PartnerBook>();
            var handler = new SocketsHttpHandler
            {
                PooledConnectionLifetime = TimeSpan.FromMinutes(5),
                SslOptions = new SslClientAuthenticationOptions
                {
                    // Partners' TLS certificates are pinned to the keys the agreements name (self-issued in a pilot).
                    RemoteCertificateValidationCallback = (_, certificate, _, errors) =>
                        errors == SslPolicyErrors.None || (certificate is X509Certificate2 c && book.Fingerprints().Contains(NodeCertificates.KeyFingerprint(c))),
                    ClientCertificates = [identity.SigningCertificateWithKey()],
                },
            };
            return new OutboxDispatcher(sp.GetRequiredService<ExchangeNode>(), new HttpClient(handler) { Timeout = Timeout.InfiniteTimeSpan }, settings,
                sp.GetRequiredService<ILogger<OutboxDispatcher>>());
        });
        builder.Services.AddHostedService(sp => sp.GetRequiredService<OutboxDispatcher>());
        builder.Services.AddSingleton(sp => new Sharing.RecordDesk(sp.GetRequiredService<ExchangeNode>(), sp.GetRequiredService<NodeDatabase>()));
        // Witnessing: the partners in the directory that an agreement in force names are witnessed each round.
        builder.Services.AddSingleton<Func<IServiceProvider, CancellationToken, Task<IReadOnlyList<WitnessTarget>>>>(_ => WitnessTargetsAsync);
        var checkpointEvery = WitnessHosting.Every(builder.Configuration, node.Home);
        builder.Services.AddHostedService(sp => new CheckpointService(sp.GetRequiredService<LedgerStore>(), identity.SigningKey, CheckpointService.OriginOf(node.Code),
            checkpointEvery, sp.GetRequiredService<ILogger<CheckpointService>>()));
        // TLS: the server presents the node certificate and asks for a client certificate; whether a partner's is
        // required is decided at the exchange endpoint (Exchange:MutualTls), so officers' API clients need none.
        builder.Services.AddSingleton(new ExchangeTransport(mutualTls));
        builder.WebHost.ConfigureKestrel(k => k.ConfigureHttpsDefaults(https =>
        {
            https.ServerCertificate = identity.SigningCertificateWithKey();
            https.ClientCertificateMode = ClientCertificateMode.AllowCertificate;
            https.ClientCertificateValidation = (_, _, _) => true;
        }));
    }

    private static async Task<IReadOnlyList<WitnessTarget>> WitnessTargetsAsync(IServiceProvider services, CancellationToken cancellationToken)
    {
        var book = services.GetRequiredService<PartnerBook>();
        var targets = new List<WitnessTarget>();
        foreach (var partner in await services.GetRequiredService<PartnerDirectory>().ListAsync(cancellationToken))
        {
            if (await book.GetAsync(partner.Code, cancellationToken) is { } usable)
                targets.Add(new WitnessTarget(usable.Code, usable.Endpoint, usable.SigningKey.ExportSubjectPublicKeyInfo()));
        }
        return targets;
    }
}
