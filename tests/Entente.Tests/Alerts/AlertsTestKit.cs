using System.Security.Cryptography;
using System.Text.Json.Nodes;
using Entente.Agreements;
using Entente.Alerts;
using Entente.Ledger;
using Entente.Storage;
using Entente.Tests.Storage;

namespace Entente.Tests.Alerts;

/// <summary>An NL node's alert book on a real store, an NL-KR agreement that covers alerts (and one that does not), sample alerts.</summary>
internal sealed class AlertsTestKit : IAsyncDisposable
{
    public const string AgreementId = "nl-kr-alerts";
    public const string NoAlertsId = "nl-kr-declarations";

    private static readonly ECDsa NlKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
    private static readonly ECDsa KrKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);

    private AlertsTestKit(TestStore store, LedgerStore ledger, AlertBook book) => (Store, Ledger, Book) = (store, ledger, book);

    public TestStore Store { get; }

    public LedgerStore Ledger { get; }

    public AlertBook Book { get; }

    public Microsoft.Extensions.Time.Testing.FakeTimeProvider Time => Store.Time;

    public static IReadOnlyList<Agreement> Agreements { get; } = [Agreement(AgreementId, alerts: true), Agreement(NoAlertsId, alerts: false)];

    public static async Task<AlertsTestKit> CreateAsync(StorageProvider provider)
    {
        var store = await TestStore.CreateAsync(provider);
        var ledger = LedgerStore.Open(store.Database, store.Time);
        return new AlertsTestKit(store, ledger, new AlertBook("NL", ledger, store.Time, _ => Agreements));
    }

    public static Agreement Agreement(string id, bool alerts)
    {
        var category = alerts
            ? """
              alerts:
                purposes: [specific-check, risk-management]
                disclose: [/alert]
                handling-code: H1
                onward-transfer: forbidden
                retention: { period: P1Y, then: erase }
                push: { to: all-parties, purpose: specific-check }
            """
            : """
              declarations:
                purposes: [risk-management]
                disclose: [/mrn]
                other-fields: drop
                handling-code: H1
                onward-transfer: forbidden
                retention: { period: P1Y, then: erase }
            """;
        var yaml = $$"""
            agreement: {{id}}
            version: 1
            kind: bilateral
            parties:
              - { code: NL, name: "Douane", fingerprint: {{AgreementSignatures.Fingerprint(NlKey.ExportSubjectPublicKeyInfo())}} }
              - { code: KR, name: "Korea Customs Service", fingerprint: {{AgreementSignatures.Fingerprint(KrKey.ExportSubjectPublicKeyInfo())}} }
            legal-basis:
              - "NL-KR customs cooperation agreement, Art. 5"
            validity: { from: 2020-01-01, until: 2099-12-31 }
            categories:
            {{category}}
            """;
        foreach (var key in new[] { NlKey, KrKey })
            yaml = AgreementSignatures.AddTo(yaml, "test.yaml", AgreementSignatures.Sign(AgreementDocument.Parse(yaml, "test.yaml"), key, new DateTimeOffset(2020, 1, 1, 0, 0, 0, TimeSpan.Zero)));
        return AgreementDocument.Parse(yaml, "test.yaml");
    }

    /// <summary>A company alert under the national basis, valid from 2025-03-01 to 2025-06-30 (the kit's clock starts 2025-03-14).</summary>
    public static JsonObject Company(string? agreement = null, string until = "2025-06-30") => new()
    {
        ["subject"] = new JsonObject
        {
            ["kind"] = "company",
            ["names"] = new JsonArray("Nordwind Handels GmbH", "Nordwind Trading"),
            ["eori"] = "DE123456789012",
            ["countryCode"] = "DE",
        },
        ["category"] = "fraud",
        ["action"] = "discreet-check",
        ["validity"] = new JsonObject { ["from"] = "2025-03-01", ["until"] = until },
        ["legalBasis"] = agreement is null ? new JsonObject { ["national"] = "Customs Code, Art. 46" } : new JsonObject { ["agreement"] = agreement },
        ["handlingCode"] = "H1",
    };

    /// <summary>KR's alert as its message carries it.</summary>
    public static JsonObject Partner(int version = 1, string state = "in-force", string agreement = AgreementId, string id = "KR-AL-20250301-0001")
    {
        var alert = new JsonObject
        {
            ["id"] = id,
            ["issuer"] = "KR",
            ["version"] = version,
            ["state"] = state,
            ["subject"] = new JsonObject { ["kind"] = "container", ["containerNumber"] = "CSQU3054383" },
            ["category"] = "drugs",
            ["action"] = "seize",
            ["validity"] = new JsonObject { ["from"] = "2025-03-01", ["until"] = "2026-03-01" },
            ["legalBasis"] = new JsonObject { ["agreement"] = agreement },
            ["handlingCode"] = "H1",
        };
        if (state == "withdrawn") alert["withdrawal"] = new JsonObject { ["at"] = "2025-03-20T10:00:00Z", ["reason"] = "container found and cleared" };
        return new JsonObject { ["alert"] = alert };
    }

    public async Task<IReadOnlyList<string>> KindsAboutAsync(string id) =>
        (await Ledger.EntriesAboutAsync(AlertBook.SubjectPrefix + id, 100)).OrderBy(e => e.Index).Select(e => e.Entry.Kind).ToArray();

    public async Task<int> LedgerSizeAsync() => (int)(await Ledger.GetHeadAsync()).Size;

    public static string Sample(string name) => Path.Combine(Support.SharedData.RepositoryRoot, "tests", "Entente.Tests", "Alerts", "Samples", name);

    public async ValueTask DisposeAsync()
    {
        await Ledger.DisposeAsync();
        await Store.DisposeAsync();
    }
}
