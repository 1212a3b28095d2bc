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

    [StoreTheory, BothStores]
    public async Task A_revoked_key_is_refused_as_revoked_and_a_rotation_gives_a_new_one_while_the_old_stays_refused(StorageProvider provider)
    {
        await using var test = await TestStore.CreateAsync(provider);
        await using var database = NodeDatabase.Open(test.Database);
        var users = new ApiUserStore(database);
        var (oldKey, ana) = ApiKeys.NewUser("ana", Role.Analyst, "GB", test.Time);
        await users.SaveAsync(ana);
        Assert.Equal(KeyState.Valid, (await users.CheckKeyAsync(oldKey, Created)).State);

        Assert.True(await users.RevokeAsync("ana", Created.AddHours(1)));
        var revoked = await users.CheckKeyAsync(oldKey, Created.AddHours(2));
        Assert.Equal(KeyState.Revoked, revoked.State);
        Assert.Contains("revoked on 2025-03-01 09:00Z", revoked.Reason, StringComparison.Ordinal);
        Assert.False(await users.RevokeAsync("nobody", Created));

        var newKey = ApiKeys.NewKey();
        Assert.True(await users.RotateAsync("ana", ApiKeys.Hash(newKey), Created.AddHours(3), Created.AddDays(90)));
        Assert.Equal(KeyState.Valid, (await users.CheckKeyAsync(newKey, Created.AddHours(4))).State);
        Assert.Equal(KeyState.Revoked, (await users.CheckKeyAsync(oldKey, Created.AddHours(4))).State);
        Assert.Equal(KeyState.Unknown, (await users.CheckKeyAsync(ApiKeys.NewKey(), Created.AddHours(4))).State);

        // A rotation of a valid key retires it as replaced; it is refused as revoked, saying so.
        var third = ApiKeys.NewKey();
        Assert.True(await users.RotateAsync("ana", ApiKeys.Hash(third), Created.AddHours(5), null));
        var replaced = await users.CheckKeyAsync(newKey, Created.AddHours(6));
        Assert.Equal(KeyState.Revoked, replaced.State);
        Assert.Contains("replaced by a new one", replaced.Reason, StringComparison.Ordinal);
        Assert.False(await users.RotateAsync("nobody", ApiKeys.Hash(ApiKeys.NewKey()), Created, null));
    }

    [StoreTheory, BothStores]
    public async Task A_key_past_its_expiry_is_refused_as_expired_and_the_last_use_is_kept(StorageProvider provider)
    {
        await using var test = await TestStore.CreateAsync(provider);
        await using var database = NodeDatabase.Open(test.Database);
        var users = new ApiUserStore(database);
        var (key, ana) = ApiKeys.NewUser("ana", Role.Officer, "GB", test.Time, Created.AddDays(30));
        await users.SaveAsync(ana);

        Assert.Equal(KeyState.Valid, (await users.CheckKeyAsync(key, Created.AddDays(29))).State);
        var expired = await users.CheckKeyAsync(key, Created.AddDays(30));
        Assert.Equal(KeyState.Expired, expired.State);
        Assert.Contains("expired on 2025-03-31 08:00Z", expired.Reason, StringComparison.Ordinal);

        Assert.True(await users.ExpireAsync("ana", null));
        Assert.Equal(KeyState.Valid, (await users.CheckKeyAsync(key, Created.AddYears(5))).State);
        Assert.True(await users.ExpireAsync("ana", Created.AddDays(1)));
        Assert.Equal(KeyState.Expired, (await users.CheckKeyAsync(key, Created.AddDays(2))).State);
        Assert.False(await users.ExpireAsync("nobody", Created));

        await users.TouchAsync("ana", Created.AddHours(5));
        var listed = Assert.Single(await users.ListAsync());
        Assert.Equal(Created.AddHours(5), listed.LastUsedAt);
        Assert.Equal(Created.AddDays(1), listed.KeyExpiresAt);
        Assert.Null(listed.RevokedAt);
    }
}
