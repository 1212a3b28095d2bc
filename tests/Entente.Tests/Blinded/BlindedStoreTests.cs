using Entente.Blinded;
using Entente.Declarations;
using Entente.Storage;
using Entente.Tests.Declarations;
using Entente.Tests.Storage;

namespace Entente.Tests.Blinded;

public sealed class BlindedStoreTests
{
    [StoreTheory, BothStores]
    public async Task A_nonce_is_accepted_once_per_partner_and_forgotten_after_the_window(StorageProvider provider)
    {
        await using var test = await TestStore.CreateAsync(provider);
        await using var database = NodeDatabase.Open(test.Database);
        var nonces = new BlindedNonces(database);
        var t = TestStore.Start;
        Assert.True(await nonces.FirstUseAsync("NL", "aa", t, t.AddMinutes(-10)));
        Assert.False(await nonces.FirstUseAsync("NL", "aa", t.AddSeconds(5), t.AddMinutes(-10)));
        Assert.True(await nonces.FirstUseAsync("DE", "aa", t.AddSeconds(5), t.AddMinutes(-10)));
        Assert.True(await nonces.FirstUseAsync("NL", "bb", t.AddMinutes(20), t.AddMinutes(10)));
        Assert.Equal(1, await nonces.CountAsync());
    }

    [StoreTheory, BothStores]
    public async Task The_index_holds_the_declarations_parties_containers_and_vessels_and_is_rebuilt_when_they_change(StorageProvider provider)
    {
        await using var test = await TestStore.CreateAsync(provider);
        await using var database = NodeDatabase.Open(test.Database);
        var key = BlindedKey.FromScalar(Oprf.GenerateKey());
        var indexer = new BlindedIndexer("KR", () => key, [new DeclarationIdentifiers(database)], test.Time);
        Assert.Equal(0, (await indexer.CurrentAsync()).Count);

        await test.Store.IngestAsync(new PendingDeclaration(SampleDeclarations.Valid(), null, DeclarationFormat.Json, "one.json"));
        var index = await indexer.CurrentAsync();
        foreach (var (type, value) in new[] { (IdentifierType.Eori, "GB553202734852"), (IdentifierType.Eori, "GB603202734852"), (IdentifierType.Container, "CSQU3054383"), (IdentifierType.Imo, "9074729") })
            Assert.True(index.Contains(key.Tag(BlindedIdentifier.Of(type, value))), $"{type} {value}");
        Assert.Equal(4, index.Count);
        Assert.False(index.Contains(key.Tag(BlindedIdentifier.Of(IdentifierType.Eori, "GB000000000001"))));
        Assert.Same(index, await indexer.CurrentAsync());

        var other = SampleDeclarations.Valid("GB260115-0002");
        other.Parties[0].Id = "GB000000000001";
        test.Time.Advance(TimeSpan.FromSeconds(1));
        await test.Store.IngestAsync(new PendingDeclaration(other, null, DeclarationFormat.Json, "two.json"));
        var next = await indexer.CurrentAsync();
        Assert.True(next.Version > index.Version);
        Assert.True(next.Contains(key.Tag(BlindedIdentifier.Of(IdentifierType.Eori, "GB000000000001"))));
    }
}
