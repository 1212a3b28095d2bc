using Entente.Storage;

namespace Entente.Tests.Storage;

public class ApiUserTests
{
    private static readonly DateTimeOffset Created = new(2025, 3, 1, 8, 0, 0, TimeSpan.Zero);

    [StoreTheory, BothStores]
    public async Task Finds_a_user_by_the_hash_of_their_key(StorageProvider provider)
    {
        await using var test = await TestStore.CreateAsync(provider);
        var analyst = new ApiUser("ana", Role.Analyst, new string('a', 64), Created);
        var liaison = new ApiUser("lia", Role.Liaison, new string('b', 64), Created.AddDays(1), "NL-FIOD");
        await test.Store.SaveApiUserAsync(liaison);
        await test.Store.SaveApiUserAsync(analyst);

        Assert.Equal(liaison, await test.Store.FindApiUserByKeyHashAsync(new string('b', 64)));
        Assert.Null(await test.Store.FindApiUserByKeyHashAsync(new string('c', 64)));
        Assert.Equal([analyst, liaison], await test.Store.ListApiUsersAsync());
    }

    [StoreTheory, BothStores]
    public async Task Saving_a_user_again_replaces_their_key_and_role(StorageProvider provider)
    {
        await using var test = await TestStore.CreateAsync(provider);
        await test.Store.SaveApiUserAsync(new ApiUser("ana", Role.Analyst, new string('a', 64), Created));

        var rotated = new ApiUser("ana", Role.Admin, new string('d', 64), Created.AddDays(30));
        await test.Store.SaveApiUserAsync(rotated);

        Assert.Null(await test.Store.FindApiUserByKeyHashAsync(new string('a', 64)));
        Assert.Equal(rotated, await test.Store.FindApiUserByKeyHashAsync(new string('d', 64)));
        Assert.Single(await test.Store.ListApiUsersAsync());
    }
}
