using System.Security.Cryptography;
using System.Text.Json.Nodes;
using Entente.Agreements;
using Entente.Alerts;
using Entente.Exchange;
using Entente.Ledger;
using Entente.Retention;
using Entente.Screening;
using Entente.Screening.Matching;
using Entente.Sharing;
using Entente.Storage;
using Entente.Tests.Storage;
using Microsoft.Extensions.Logging.Abstractions;
using static Entente.Tests.Agreements.AgreementTestKit;

namespace Entente.Tests.Screening;

/// <summary>
/// Two nodes in one process, each on its own real store with its real exchange (signed, encrypted, receipted), alert
/// book and screening desk: NL issues alerts, KR receives them, hits, flags and reports. Envelopes move by
/// <see cref="DeliverAsync"/> (the HTTP transport is tested between real processes in ActionTakenReportTests).
/// The partner directory can be emptied (a policy refusal) or made to fail (a failure inside the transaction).
/// </summary>
internal sealed class HitFollowUpKit : IAsyncDisposable
{
    public const string AgreementId = "nl-kr-alerts-clock";
    public const int InformWithinHours = 4;

    private static readonly ECDiffieHellman NlEncryption = ECDiffieHellman.Create(ECCurve.NamedCurves.nistP256);
    private static readonly ECDiffieHellman KrEncryption = ECDiffieHellman.Create(ECCurve.NamedCurves.nistP256);

    public static Agreement Agreement { get; } = Signed($$"""
        agreement: {{AgreementId}}
        version: 1
        kind: bilateral
        parties:
          - { code: NL, name: Douane Nederland, fingerprint: {{Fingerprint(NlKey)}} }
          - { code: KR, name: Korea Customs Service, fingerprint: {{Fingerprint(KrKey)}} }
        legal-basis:
          - "Test agreement, Art. 1"
        validity: { from: 2020-01-01, until: 2099-12-31 }
        categories:
          alerts:
            purposes: [specific-check, risk-management]
            disclose: [/alert]
            handling-code: H1
            onward-transfer: forbidden
            retention: { period: P1Y, then: erase }
            push: { to: all-parties, purpose: specific-check }
            inform-within-hours: {{InformWithinHours}}
          seizure-reports:
            purposes: [risk-management]
            disclose: [/seizure]
            handling-code: H2
            onward-transfer: forbidden
            retention: { period: P5Y, then: review }
            push: { to: all-parties, purpose: risk-management }
        """, NlKey, KrKey);

    private HitFollowUpKit(Side nl, Side kr) => (Nl, Kr) = (nl, kr);

    public Side Nl { get; }

    public Side Kr { get; }

    /// <summary>One node: its store, ledger, exchange, alert book, screening desk, and what its partner directory does.</summary>
    public sealed class Side : IAsyncDisposable
    {
        public required string Code { get; init; }
        public required TestStore Store { get; init; }
        public required LedgerStore Ledger { get; init; }
        public required NodeDatabase Database { get; init; }
        public required ExchangeNode Exchange { get; init; }
        public required AlertBook Book { get; init; }
        public required ScreeningDesk Desk { get; init; }
        public required RecordDesk Records { get; init; }
        public required RunRetention Retention { get; init; }

        /// <summary>The partner is known (true), absent from the directory (false: the policy refuses), or the lookup throws (null).</summary>
        public bool? PartnerKnown { get; set; } = true;

        public Microsoft.Extensions.Time.Testing.FakeTimeProvider Time => Store.Time;

        public Task<long> CountAsync(string sql) => Store.CountAsync(sql);

        public async Task<IReadOnlyList<LedgerEntry>> EntriesAsync()
        {
            var head = await Ledger.GetHeadAsync();
            var entries = new List<LedgerEntry>();
            for (var i = 0L; i < head.Size; i++) entries.Add((await Ledger.GetEntryAsync(i))!.Entry);
            return entries;
        }

        public async ValueTask DisposeAsync()
        {
            await Ledger.DisposeAsync();
            await Database.DisposeAsync();
            await Store.DisposeAsync();
        }
    }

    public static async Task<HitFollowUpKit> CreateAsync(StorageProvider provider)
    {
        var nl = await SideAsync(provider, "NL", NlKey, NlEncryption, new ExchangePartner("KR", new Uri("http://127.0.0.1:9/"), KrKey, Fingerprint(KrKey), KrEncryption));
        var kr = await SideAsync(provider, "KR", KrKey, KrEncryption, new ExchangePartner("NL", new Uri("http://127.0.0.1:9/"), NlKey, Fingerprint(NlKey), NlEncryption));
        return new HitFollowUpKit(nl, kr);
    }

    private static async Task<Side> SideAsync(StorageProvider provider, string code, ECDsa key, ECDiffieHellman encryption, ExchangePartner partner)
    {
        var store = await TestStore.CreateAsync(provider);
        store.Time.SetUtcNow(InForceAt);
        var database = NodeDatabase.Open(store.Database);
        var ledger = LedgerStore.Open(store.Database, store.Time);
        Side? side = null;
        var exchange = new ExchangeNode(code, key, Fingerprint(key), encryption, new byte[32], new ExchangeStore(database), ledger, store.Time,
            (c, _) => side!.PartnerKnown switch
            {
                null => throw new InvalidOperationException("the partner directory failed (injected)"),
                true when c == partner.Code => Task.FromResult<ExchangePartner?>(partner),
                _ => Task.FromResult<ExchangePartner?>(null),
            },
            _ => [Agreement], new ExchangeMetrics(), NullLogger.Instance);
        var book = new AlertBook(code, ledger, store.Time, _ => [Agreement], AlertExchange.Outbox(exchange));
        var desk = new ScreeningDesk(code, database, ledger, store.Store, book, store.Time, new ScreeningSettings(), MatchingThresholds.Default, ActionTakenReports.Reporter(exchange));
        AlertExchange.Connect(exchange, () => book);
        ActionTakenReports.Connect(exchange, () => desk);
        var retention = new RunRetention(new RetentionStore(database, store.Time), ledger, () => new byte[32], code, store.Time,
            eraseAlerts: (actor, ct) => book.EraseExpiredPartnerAlertsAsync(actor, ct));
        side = new Side
        {
            Code = code,
            Store = store,
            Ledger = ledger,
            Database = database,
            Exchange = exchange,
            Book = book,
            Desk = desk,
            Records = new RecordDesk(exchange, database),
            Retention = retention,
        };
        return side;
    }

    /// <summary>Moves every message <paramref name="from"/> has queued to <paramref name="to"/>, marks the receipted ones delivered, and answers the results.</summary>
    public static async Task<IReadOnlyList<DeliveryResult>> DeliverAsync(Side from, Side to)
    {
        var now = from.Time.GetUtcNow();
        var items = await from.Exchange.Store.ClaimAsync("test", now, now.AddMinutes(1), 100, 100);
        if (items.Count == 0) return [];
        var results = await to.Exchange.ReceiveAsync(items.Select(i => i.Envelope).ToArray(), "test");
        var receipts = items.Zip(results).Where(r => r.Second.Receipt is not null).Select(r => (r.First.MessageId, r.Second.Receipt!)).ToArray();
        if (receipts.Length > 0) await from.Exchange.Store.MarkDeliveredAsync(receipts, now);
        await from.Exchange.Store.ReleaseClaimsAsync("test");
        return results;
    }

    /// <summary>NL's company alert under the kit's agreement, in force until 2099.</summary>
    public static JsonObject CompanyAlert() => Alerts.AlertsTestKit.Company(agreement: AgreementId, until: "2099-12-31");

    /// <summary>NL issues its company alert and KR receives it: the alert's id.</summary>
    public async Task<string> SharedAlertAsync()
    {
        var change = Assert.IsType<AlertOutcome.Done>(await Nl.Book.IssueAsync(CompanyAlert(), "officer-nl")).Change;
        Assert.NotNull(Assert.Single(change.Pushed).MessageId);
        Assert.All(await DeliverAsync(Nl, Kr), r => Assert.True(r.Accepted, r.Rejection?.Detail));
        return change.Alert.Alert.Id;
    }

    /// <summary>KR's officer checks the company's name ad hoc: the hit on NL's alert.</summary>
    public async Task<Hit> KrHitAsync()
    {
        var result = Assert.IsType<ScreeningOutcome.Done>(await Kr.Desk.CheckAsync(new ScreeningCheck(Name: "Nordwind Handels GmbH", Country: "DE"), "officer-kr")).Result;
        return Assert.Single(result.Hits);
    }

    public async ValueTask DisposeAsync()
    {
        await Nl.DisposeAsync();
        await Kr.DisposeAsync();
    }
}
