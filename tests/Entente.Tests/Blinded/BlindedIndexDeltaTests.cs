using Entente.Blinded;

namespace Entente.Tests.Blinded;

/// <summary>The change between two versions of an index: computed, combined, read back from CBOR and applied; a delta that does not fit is refused.</summary>
public sealed class BlindedIndexDeltaTests
{
    private static readonly byte[] PublicKey = Oprf.PublicKeyOf(Oprf.GenerateKey());

    private static BlindedIndex Index(long version, params ulong[] tags) => new("KR", "0123456789abcdef", PublicKey, version, tags);

    [Fact]
    public void A_delta_turns_the_older_index_into_the_newer_and_successive_deltas_combine()
    {
        var v1 = Index(1, 10, 20, 30);
        var v2 = Index(2, 5, 20, 30, 40);
        var v3 = Index(3, 5, 10, 30, 40, 50);
        var d12 = BlindedIndexDelta.Between(v1, v2);
        Assert.Equal([5ul, 40ul], d12.Added);
        Assert.Equal([10ul], d12.Removed);
        var wire = BlindedIndexDelta.FromCbor(d12.ToCbor());
        Assert.Equal(v2.Tags, wire.ApplyTo(v1).Tags);
        Assert.Equal((2L, 4), (wire.ApplyTo(v1).Version, wire.Count));

        // 10 went (v2) and came back (v3): the combined delta does not carry it.
        var combined = BlindedIndexDelta.Combine([d12, BlindedIndexDelta.Between(v2, v3)]);
        Assert.Equal((1L, 3L), (combined.From, combined.Version));
        Assert.Equal([5ul, 40ul, 50ul], combined.Added);
        Assert.Equal([20ul], combined.Removed);
        Assert.Equal(v3.Tags, combined.ApplyTo(v1).Tags);
    }

    [Fact]
    public void A_delta_that_does_not_fit_the_copy_kept_is_refused()
    {
        var v1 = Index(1, 10, 20, 30);
        var d = BlindedIndexDelta.Between(v1, Index(2, 10, 40));
        Assert.Contains("version 1", Assert.Throws<FormatException>(() => d.ApplyTo(Index(7, 10, 20, 30))).Message, StringComparison.Ordinal);
        Assert.Throws<FormatException>(() => d.ApplyTo(Index(1, 10, 30))); // 20 is not there to remove
        Assert.Throws<FormatException>(() => d.ApplyTo(Index(1, 10, 20, 30, 40))); // 40 is there already
        Assert.Throws<FormatException>(() => new BlindedIndexDelta("KR", "0123456789abcdef", 1, 2, 5, [40], [20, 30]).ApplyTo(v1)); // the count
    }

    [Fact]
    public async Task The_indexer_gives_the_change_since_a_version_it_kept_and_none_when_too_old_or_under_another_key()
    {
        var identifiers = new List<BlindedIdentifier> { BlindedIdentifier.Of(IdentifierType.Eori, "GB553202734852") };
        var source = new ListedIdentifiers("test", identifiers);
        var key = BlindedKey.FromScalar(Oprf.GenerateKey());
        var time = new Microsoft.Extensions.Time.Testing.FakeTimeProvider(DateTimeOffset.UnixEpoch.AddYears(55));
        var indexer = new BlindedIndexer("KR", () => key, [source], time, deltaHistory: 2);
        var versions = new List<BlindedIndex> { await indexer.CurrentAsync() };
        for (var i = 0; i < 3; i++)
        {
            identifiers.Add(BlindedIdentifier.Of(IdentifierType.Container, $"CSQU{3054380 + i}"));
            time.Advance(TimeSpan.FromSeconds(1));
            versions.Add(await indexer.CurrentAsync());
        }
        var last = versions[^1];
        var delta = await indexer.DeltaSinceAsync(key.Id, versions[1].Version);
        Assert.NotNull(delta);
        Assert.Equal(last.Tags, delta.ApplyTo(versions[1]).Tags);
        Assert.Equal(2, delta.Added.Length);
        Assert.Null(await indexer.DeltaSinceAsync(key.Id, versions[0].Version)); // older than the 2 changes kept
        Assert.Null(await indexer.DeltaSinceAsync("ffffffffffffffff", versions[2].Version));
        Assert.Null(await indexer.DeltaSinceAsync(key.Id, last.Version)); // current already
    }
}
