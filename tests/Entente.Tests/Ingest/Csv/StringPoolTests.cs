using Entente.Ingest.Csv;

namespace Entente.Tests.Ingest.Csv;

// A column of repeating codes shares one string per value; a column of distinct trader numbers stops pooling rather
// than look each value up in an ever larger table. Either way every cell reads back as written.
public sealed class StringPoolTests
{
    [Fact]
    public void Repeated_values_share_one_string_and_a_column_of_distinct_values_stops_pooling()
    {
        var countries = new StringPool();
        var china = countries.Get("CN".AsSpan());
        var korea = countries.Get("KR".AsSpan());
        for (var i = 0; i < 10_000; i++)
        {
            Assert.Same(china, countries.Get("CN".AsSpan()));
            Assert.Same(korea, countries.Get("KR".AsSpan()));
        }
        Assert.Equal("CN", china);
        Assert.False(countries.Stopped);

        var traders = new StringPool();
        for (var i = 0; i < 5_000; i++)
        {
            var id = $"T{i:D7}";
            Assert.Equal(id, traders.Get(id.AsSpan()));
        }
        Assert.True(traders.Stopped);
        // Stopped, it still gives every value back, as a new string.
        Assert.Equal("T0000001", traders.Get("T0000001".AsSpan()));
        Assert.NotSame(traders.Get("T0000002".AsSpan()), traders.Get("T0000002".AsSpan()));
    }

    [Fact]
    public void Long_values_are_not_pooled()
    {
        var descriptions = new StringPool();
        var text = new string('x', 40);
        Assert.NotSame(descriptions.Get(text.AsSpan()), descriptions.Get(text.AsSpan()));
        Assert.Equal(text, descriptions.Get(text.AsSpan()));
    }
}
