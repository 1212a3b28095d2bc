using System.Security.Cryptography;
using Entente.Identity;
using Entente.Partners;
using Entente.Storage;
using Entente.Tests.Storage;

namespace Entente.Tests.Partners;

public class PartnerDirectoryTests
{
    [StoreTheory, BothStores]
    public async Task A_partner_added_is_found_with_its_certificates_and_listed_by_code(StorageProvider provider)
    {
        await using var test = await TestStore.CreateAsync(provider);
        await using var database = NodeDatabase.Open(test.Database);
        var directory = new PartnerDirectory(database, test.Time);
        var korea = MakePartner("KR", "Korea Customs Service", "https://entente.customs.go.kr", test.Time.GetUtcNow());
        var japan = MakePartner("JP", "Japan Customs", "https://entente.customs.go.jp", test.Time.GetUtcNow());

        await directory.AddAsync(korea);
        await directory.AddAsync(japan);

        var found = await directory.GetAsync("KR");
        Assert.NotNull(found);
        Assert.Equal("Korea Customs Service", found.Name);
        Assert.Equal(new Uri("https://entente.customs.go.kr"), found.Endpoint);
        Assert.Equal(korea.SigningCertificate, found.SigningCertificate);
        Assert.Equal(korea.EncryptionCertificate, found.EncryptionCertificate);
        Assert.Equal(korea.Chain, found.Chain);
        Assert.Equal(korea.Fingerprint, found.Fingerprint);
        Assert.Equal(TestStore.Start, found.AddedAt);
        using var key = found.SigningKey();
        Assert.Equal(korea.Fingerprint, NodeKeys.Fingerprint(key));
        using var encryption = found.EncryptionKey();
        Assert.Equal(256, encryption.KeySize);
        Assert.Equal(["JP", "KR"], (await directory.ListAsync()).Select(p => p.Code));
        Assert.Null(await directory.GetAsync("DE"));
    }

    [StoreTheory, BothStores]
    public async Task Adding_a_known_partner_again_updates_its_endpoint_and_certificates_and_keeps_when_it_was_added(StorageProvider provider)
    {
        await using var test = await TestStore.CreateAsync(provider);
        await using var database = NodeDatabase.Open(test.Database);
        var directory = new PartnerDirectory(database, test.Time);
        var first = MakePartner("KR", "Korea Customs Service", "https://old.customs.go.kr", test.Time.GetUtcNow());
        await directory.AddAsync(first);
        test.Time.Advance(TimeSpan.FromDays(3));
        var renewed = MakePartner("KR", "Korea Customs Service", "https://entente.customs.go.kr/node", test.Time.GetUtcNow(), chain: true);

        var stored = await directory.AddAsync(renewed);

        Assert.Equal(new Uri("https://entente.customs.go.kr/node"), stored.Endpoint);
        Assert.Equal(renewed.Fingerprint, stored.Fingerprint);
        Assert.NotEqual(first.Fingerprint, stored.Fingerprint);
        Assert.Equal(renewed.Chain, stored.Chain);
        Assert.Equal(TestStore.Start, stored.AddedAt);
        Assert.Equal(TestStore.Start.AddDays(3), stored.UpdatedAt);
        Assert.Single(await directory.ListAsync());
    }

    [StoreTheory, BothStores]
    public async Task A_removed_partner_is_gone_and_removing_it_again_says_so(StorageProvider provider)
    {
        await using var test = await TestStore.CreateAsync(provider);
        await using var database = NodeDatabase.Open(test.Database);
        var directory = new PartnerDirectory(database, test.Time);
        await directory.AddAsync(MakePartner("KR", "Korea Customs Service", "https://entente.customs.go.kr", test.Time.GetUtcNow()));

        Assert.True(await directory.RemoveAsync("KR"));

        Assert.Null(await directory.GetAsync("KR"));
        Assert.Empty(await directory.ListAsync());
        Assert.False(await directory.RemoveAsync("KR"));
    }

    private static Partner MakePartner(string code, string name, string endpoint, DateTimeOffset now, bool chain = false)
    {
        using var signingKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        using var encryptionKey = ECDiffieHellman.Create(ECCurve.NamedCurves.nistP256);
        using var signing = NodeCertificates.IssueSelf(signingKey, code, name, now);
        using var encryption = NodeCertificates.IssueEncryption(signing, signingKey, encryptionKey, code, name, now);
        using var caKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        using var ca = NodeCertificates.IssueSelf(caKey, "ZZ", "Network CA", now);
        return new Partner(code, name, new Uri(endpoint), signing.RawData, encryption.RawData, chain ? [ca.RawData] : [], now, now);
    }
}
