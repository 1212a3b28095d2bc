using System.Security.Cryptography;
using Entente.Agreements;
using Entente.Identity;
using Entente.Ledger;
using Entente.Storage;
using Entente.Tests.Storage;
using Microsoft.Extensions.Time.Testing;

namespace Entente.Tests.Agreements;

public sealed class AgreementWatchTests : IDisposable
{
    private readonly string _folder = Path.Combine(Path.GetTempPath(), $"entente-watch-{Guid.NewGuid():N}");

    public AgreementWatchTests() => Directory.CreateDirectory(_folder);

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private static string Yaml(string nl, string kr) => $"""
        agreement: nl-kr-watch
        version: 1
        kind: bilateral
        parties:
          - {"{"} code: NL, name: "Douane", fingerprint: {nl} {"}"}
          - {"{"} code: KR, name: "KCS", fingerprint: {kr} {"}"}
        legal-basis: ["Bilateral agreement, Art. 3"]
        validity: {"{"} from: 2027-01-01, until: 2027-12-31 {"}"}
        categories:
          declarations:
            purposes: [risk-management]
            disclose: [/mrn]
            other-fields: drop
            handling-code: H1
            onward-transfer: forbidden
            retention: {"{"} period: P1Y, then: erase {"}"}
        """;

    [StoreTheory, BothStores]
    public async Task Records_coming_into_force_on_the_first_day_and_expiry_after_the_last_once_each(StorageProvider provider)
    {
        await using var test = await TestStore.CreateAsync(provider);
        await using var ledger = LedgerStore.Open(test.Database, test.Time);
        using var nl = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        using var kr = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var path = Path.Combine(_folder, "nl-kr.yaml");
        var text = Yaml(NodeKeys.Fingerprint(nl), NodeKeys.Fingerprint(kr));
        foreach (var key in new[] { nl, kr })
            text = AgreementSignatures.AddTo(text, path, AgreementSignatures.Sign(AgreementDocument.Parse(text, path), key, test.Time.GetUtcNow()));
        await File.WriteAllTextAsync(path, text);
        var clock = new FakeTimeProvider(new DateTimeOffset(2026, 12, 31, 12, 0, 0, TimeSpan.Zero));
        var actor = new LedgerActor("agreement-watch", "NL");

        Assert.Empty(await AgreementWatch.RunAsync(_folder, ledger, actor, clock));
        clock.Advance(TimeSpan.FromDays(1));
        var inForce = Assert.Single(await AgreementWatch.RunAsync(_folder, ledger, actor, clock));
        Assert.Empty(await AgreementWatch.RunAsync(_folder, ledger, actor, clock));
        clock.Advance(TimeSpan.FromDays(365));
        var expired = Assert.Single(await AgreementWatch.RunAsync(_folder, ledger, actor, clock));
        Assert.Empty(await AgreementWatch.RunAsync(_folder, ledger, actor, clock));

        Assert.Equal(LedgerKinds.AgreementInForce, (await ledger.GetEntryAsync(inForce))!.Entry.Kind);
        var entry = (await ledger.GetEntryAsync(expired))!.Entry;
        Assert.Equal(LedgerKinds.AgreementExpired, entry.Kind);
        Assert.Equal(AgreementDocument.Parse(text, path).ContentHash, entry.Body["agreement"]!["hash"]!.GetValue<string>());
        Assert.Equal(2, (await ledger.EntriesAboutAsync(AgreementWatch.Subject("nl-kr-watch"), 10)).Count);
    }

    [Fact]
    public void An_unsigned_or_malformed_agreement_is_never_recorded_as_in_force()
    {
        var path = Path.Combine(_folder, "bad.yaml");
        File.WriteAllText(path, "agreement: [");
        var files = AgreementFile.ReadFolder(_folder, new DateTimeOffset(2027, 6, 1, 0, 0, 0, TimeSpan.Zero));
        Assert.Empty(AgreementWatch.Changes(files, _ => []));
    }
}
