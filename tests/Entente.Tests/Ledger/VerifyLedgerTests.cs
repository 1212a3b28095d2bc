using System.Security.Cryptography;
using Entente.Ledger;
using Entente.Storage;
using Entente.Tests.Storage;

namespace Entente.Tests.Ledger;

public class VerifyLedgerTests
{
    [StoreTheory, BothStores]
    public async Task Checkpoints_are_checked_with_the_node_s_key_unless_another_is_given_and_a_break_is_not_verified(StorageProvider provider)
    {
        await using var test = await TestStore.CreateAsync(provider);
        await using var ledger = LedgerStore.Open(test.Database, test.Time);
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        using var stranger = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        await ledger.AppendAsync([.. Enumerable.Range(0, 5).Select(i => LedgerStoreTests.Entry(test, i))]);
        await ledger.SignCheckpointAsync(key, "entente/GB/ledger");
        var verify = new VerifyLedger(ledger, key.ExportSubjectPublicKeyInfo);

        var verified = Assert.IsType<VerifyLedgerResult.Verified>(await verify.HandleAsync(new VerifyLedgerInput()));
        var otherKey = Assert.IsType<VerifyLedgerResult.NotVerified>(await verify.HandleAsync(new VerifyLedgerInput(stranger.ExportSubjectPublicKeyInfo())));
        await LedgerStoreTests.ExecuteAsync(test, "DELETE FROM ledger_entries WHERE idx = 2");
        var broken = Assert.IsType<VerifyLedgerResult.NotVerified>(await verify.HandleAsync(new VerifyLedgerInput()));

        Assert.Equal((5L, 1L), (verified.Verification.Size, verified.Verification.Checkpoints));
        Assert.Contains(otherKey.Verification.Problems, p => p.Contains("no signature by", StringComparison.Ordinal));
        Assert.Contains("entries 2 to 2 are missing", broken.Verification.Problems);
    }
}
