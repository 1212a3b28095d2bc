using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Entente.Access;
using Entente.Alerts;
using Entente.Declarations;
using Entente.Ingest;
using Entente.Ledger;
using Entente.Screening;
using Entente.Screening.Matching;
using Entente.Storage;
using Entente.Tests.Alerts;
using Entente.Tests.Storage;

namespace Entente.Tests.Screening;

/// <summary>
/// An NL node on a real store: its alert book (under the kit's NL-KR agreement), the screening desk with the ingest
/// follow-up, and the reports it would send (the exchange is tested between real nodes in ActionTakenReportTests).
/// </summary>
internal sealed class ScreeningTestKit : IAsyncDisposable
{
    public static readonly byte[] SubjectKey = Enumerable.Range(1, 32).Select(i => (byte)i).ToArray();

    private ScreeningTestKit(TestStore store, LedgerStore ledger, AlertBook book, ScreeningDesk desk, List<(Hit, StoredAlert)> reports)
    {
        Store = store;
        Ledger = ledger;
        Book = book;
        Desk = desk;
        Reports = reports;
        Ingest = new IngestDeclarations(store.Store, () => [new ScreenAfterIngest(desk)]);
        Read = new ReadHits(desk, new AccessRecorder(ledger, SubjectKey, "NL"));
    }

    public TestStore Store { get; }
    public LedgerStore Ledger { get; }
    public AlertBook Book { get; }
    public ScreeningDesk Desk { get; }
    public IngestDeclarations Ingest { get; }
    public ReadHits Read { get; }
    public List<(Hit Hit, StoredAlert Alert)> Reports { get; }
    public Microsoft.Extensions.Time.Testing.FakeTimeProvider Time => Store.Time;

    public static async Task<ScreeningTestKit> CreateAsync(StorageProvider provider, ScreeningSettings? settings = null)
    {
        var store = await TestStore.CreateAsync(provider);
        var ledger = LedgerStore.Open(store.Database, store.Time);
        var book = new AlertBook("NL", ledger, store.Time, _ => AlertsTestKit.Agreements);
        var reports = new List<(Hit, StoredAlert)>();
        var desk = new ScreeningDesk("NL", ledger.Database, ledger, store.Store, book, store.Time, settings ?? new ScreeningSettings(), MatchingThresholds.Default,
            new ListReporter(reports, store.Time));
        return new ScreeningTestKit(store, ledger, book, desk, reports);
    }

    /// <summary>An own company alert (national basis) on a Russian company written in Cyrillic, valid 2025-03-01 to 2025-06-30.</summary>
    public static JsonObject CyrillicCompany() => new()
    {
        ["subject"] = new JsonObject { ["kind"] = "company", ["names"] = new JsonArray("ООО Ромашка"), ["countryCode"] = "RU" },
        ["category"] = "sanctions",
        ["action"] = "specific-check",
        ["validity"] = new JsonObject { ["from"] = "2025-03-01", ["until"] = "2025-06-30" },
        ["legalBasis"] = new JsonObject { ["national"] = "Sanctions Act, Art. 2" },
    };

    public async Task<StoredAlert> IssueAsync(JsonObject alert)
    {
        var outcome = await Book.IssueAsync(alert, "officer");
        return Assert.IsType<AlertOutcome.Done>(outcome).Change.Alert;
    }

    /// <summary>KR's partner alert on container CSQU3054383 (action seize), received under the agreement.</summary>
    public async Task<StoredAlert> ReceivePartnerAlertAsync()
    {
        await Book.ReceiveAsync("KR", AlertsTestKit.AgreementId, "H1", Time.GetUtcNow().AddYears(1), AlertsTestKit.Partner());
        return (await Book.GetAsync("KR-AL-20250301-0001"))!;
    }

    /// <summary>An import declaration: the importer (name, country), a container, one goods line.</summary>
    public static Declaration Declaration(string lrn, string importer, string country = "RU", string container = "MSCU1234565") => new()
    {
        Lrn = lrn,
        TypeCode = "IMA",
        DeclarationOfficeId = "NLRTM001",
        Parties = [new Party { Role = PartyRole.Importer, Name = importer, Address = new Address { CountryCode = country } }],
        GoodsShipment = new GoodsShipment
        {
            Consignment = new Consignment { Containers = [new Container { Id = container }] },
            GoodsItems = [new GoodsItem { Sequence = 1, Classification = new Classification("HS", "2022", "090121"), OriginCountryCode = "BR", Description = "coffee" }],
        },
    };

    public async Task<IngestOutcome> IngestAsync(params Declaration[] declarations)
    {
        var text = string.Join("\n", declarations.Select(d => JsonSerializer.Serialize(d, EntenteJson.Options)));
        using var stream = new MemoryStream(Encoding.UTF8.GetBytes(text));
        var outcome = await Ingest.StreamAsync(stream, "declarations.json", new IngestInput(DeclarationFormat.Json, null, false), CancellationToken.None);
        Assert.True(outcome.Report.Accepted == declarations.Length, string.Join("; ", outcome.Report.Errors.Select(e => e.Message)));
        return outcome;
    }

    public Task<IReadOnlyList<Hit>> HitsAsync(HitFilter? filter = null) => Desk.ListAsync(filter ?? new HitFilter());

    public async Task<IReadOnlyList<string>> KindsAboutAsync(string subject) =>
        (await Ledger.EntriesAboutAsync(subject, 100)).OrderBy(e => e.Index).Select(e => e.Entry.Kind).ToArray();

    public async ValueTask DisposeAsync()
    {
        await Ledger.DisposeAsync();
        await Store.DisposeAsync();
    }
}

/// <summary>The reports the desk would send, kept in a list (the exchange is tested between real nodes in ActionTakenReportTests and HitFollowUpTests).</summary>
internal sealed class ListReporter(List<(Hit, StoredAlert)> reports, TimeProvider time) : IHitReporter
{
    public Task<HitReportQueued> QueueAsync(System.Data.Common.DbConnection connection, System.Data.Common.DbTransaction transaction, Hit hit, StoredAlert alert, CancellationToken cancellationToken)
    {
        reports.Add((hit, alert));
        return Task.FromResult(new HitReportQueued(new HitReport(time.GetUtcNow(), "message-" + reports.Count, null), []));
    }

    public void Queued()
    {
    }
}
