using Entente.Common;

namespace Entente.Tests.Common;

// Declaration ids are UUID v7: searches page by them in time order and the retention cutoff compares their time prefix.
public sealed class TimeOrderedIdsTests
{
    [Fact]
    public void An_id_is_a_version_7_uuid_whose_first_48_bits_are_the_time_as_the_runtime_writes_them()
    {
        var at = new DateTimeOffset(2026, 11, 28, 23, 59, 58, 765, TimeSpan.FromHours(9));
        var id = TimeOrderedIds.NewVersion7(at);
        var text = id.ToString();

        Assert.Equal(7, id.Version);
        Assert.Equal(0b10, id.Variant >> 2);
        Assert.Equal(Guid.CreateVersion7(at).ToString()[..14], text[..14]);
        Assert.Equal(at.ToUnixTimeMilliseconds(), Convert.ToInt64(text[..8] + text[9..13], 16));
    }

    [Fact]
    public void Ids_are_unique_carry_random_bits_and_sort_by_time_across_milliseconds()
    {
        var start = new DateTimeOffset(2025, 1, 1, 0, 0, 0, TimeSpan.Zero);
        var ids = new List<string>();
        for (var i = 0; i < 200_000; i++) ids.Add(TimeOrderedIds.NewVersion7(start.AddMilliseconds(i / 100)).ToString());

        Assert.Equal(ids.Count, ids.Distinct(StringComparer.Ordinal).Count());
        // Each random nibble position (not the version at 14 nor the variant at 19) takes many values: drawn, not counted.
        foreach (var position in new[] { 15, 16, 17, 20, 21, 24, 30, 35 })
            Assert.True(ids.Take(1_000).Select(id => id[position]).Distinct().Count() >= 12, $"position {position}");
        for (var i = 100; i < ids.Count; i += 100)
            Assert.True(string.CompareOrdinal(ids[i - 1][..13], ids[i][..13]) < 0);
    }

    [Fact]
    public void Times_a_uuid_v7_cannot_hold_are_refused()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => TimeOrderedIds.NewVersion7(new DateTimeOffset(1969, 12, 31, 0, 0, 0, TimeSpan.Zero)));
    }
}
