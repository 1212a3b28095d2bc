using Entente.Access;
using Entente.Storage;
using Entente.Tests.Storage;

namespace Entente.Tests.Access;

public class ApiUserStoreTests
{
    private static readonly DateTimeOffset Created = new(2025, 3, 1, 8, 0, 0, TimeSpan.Zero);

    [StoreTheory, BothStores]
    public async Task Finds_a_user_by_the_hash_of_their_key(StorageProvider provider)
    {
        await using var test = await TestStore.CreateAsync(provider);
        await using var database = NodeDatabase.Open(test.Database);
        var users = new ApiUserStore(database);
        var analyst = new ApiUser("ana", Role.Analyst, new string('a', 64), Created);
        var liaison = new ApiUser("lia", Role.Liaison, new string('b', 64), Created.AddDays(1), "NL-FIOD");
        await users.SaveAsync(liaison);
        await users.SaveAsync(analyst);

        Assert.Equal(liaison, await users.FindByKeyHashAsync(new string('b', 64)));
        Assert.Null(await users.FindByKeyHashAsync(new string('c', 64)));
        Assert.Equal([analyst, liaison], await users.ListAsync());
    }

    [StoreTheory, BothStores]
    public async Task Saving_a_user_again_replaces_their_key_and_role(StorageProvider provider)
    {
        await using var test = await TestStore.CreateAsync(provider);
        await using var database = NodeDatabase.Open(test.Database);
        var users = new ApiUserStore(database);
        await users.SaveAsync(new ApiUser("ana", Role.Analyst, new string('a', 64), Created));

        var rotated = new ApiUser("ana", Role.Admin, new string('d', 64), Created.AddDays(30));
        await users.SaveAsync(rotated);

        Assert.Null(await users.FindByKeyHashAsync(new string('a', 64)));
        Assert.Equal(rotated, await users.FindByKeyHashAsync(new string('d', 64)));
        Assert.Single(await users.ListAsync());
    }
}
