using Entente.Ingest;
using Entente.Ingest.Edifact;

namespace Entente.Tests.Ingest.Edifact;

public class EdifactTokenizerTests
{
    private static List<EdifactSegment> Segments(string text) =>
        new EdifactTokenizer(new StringReader(text), "test.edi").ReadAll().ToList();

    private static IngestFormatException Refused(string text) =>
        Assert.Throws<IngestFormatException>(() => Segments(text));

    [Fact]
    public void Splits_segments_into_elements_and_components()
    {
        var segments = Segments("UNB+UNOC:3+SENDER+RECIPIENT+240315:0930+REF1'UNH+1+CUSDEC:D:96B:UN'");

        Assert.Equal(["UNB", "UNH"], segments.Select(s => s.Tag));
        var unh = segments[1];
        Assert.Equal(2, unh.ElementCount);
        Assert.Equal("1", unh.GetString(1));
        Assert.Equal(4, unh.ComponentCount(2));
        Assert.Equal("CUSDEC", unh.GetString(2, 1));
        Assert.Equal("96B", unh.GetString(2, 3));
        Assert.Equal("UN", unh.GetString(2, 4));
        Assert.Null(unh.GetString(2, 5));
        Assert.Null(unh.GetString(3));
    }

    [Fact]
    public void Uses_the_separators_a_UNA_announces()
    {
        var tokenizer = new EdifactTokenizer(new StringReader("UNA|*,# ~UNB*UNOC|3*S*R*240101|1200*1~FTX*AAA***A#*B##C#~D|E#|F~"), "custom.edi");
        var segments = tokenizer.ReadAll().ToList();

        Assert.True(tokenizer.HasServiceStringAdvice);
        Assert.Equal(new EdifactDelimiters('|', '*', ',', '#', ' ', '~'), tokenizer.Delimiters);
        Assert.Equal("UNOC", segments[0].GetString(1, 1));
        Assert.Equal("3", segments[0].GetString(1, 2));
        Assert.Equal("A*B#C~D", segments[1].GetString(4, 1));
        Assert.Equal("E|F", segments[1].GetString(4, 2));
    }

    [Fact]
    public void Counts_lines_when_the_segment_terminator_is_a_line_break()
    {
        var segments = Segments("UNA:+.? \nUNB+UNOC:3+A+B+240101:1200+1\nUNH+1+CUSDEC:D:96B:UN\n");

        Assert.Equal(["UNB", "UNH"], segments.Select(s => s.Tag));
        Assert.Equal([2L, 3L], segments.Select(s => s.Line));
    }

    [Fact]
    public void Release_character_escapes_separators_the_terminator_and_itself()
    {
        var ftx = Segments("FTX+AAA+++Price?: 5?+VAT:it??s?'ok'")[0];

        Assert.Equal("Price: 5+VAT", ftx.GetString(4, 1));
        Assert.Equal("it?s'ok", ftx.GetString(4, 2));
    }

    [Fact]
    public void Ignores_line_breaks_between_and_inside_segments_and_keeps_line_numbers()
    {
        var segments = Segments("UNB+UNOC:3+A+B+240101:1200+1'\r\n  NAD+IM+NL123\r\n+ACME'\r\n\r\nLOC+9+NLRTM'\n");

        Assert.Equal(["UNB", "NAD", "LOC"], segments.Select(s => s.Tag));
        Assert.Equal("NL123", segments[1].GetString(2));
        Assert.Equal("ACME", segments[1].GetString(3));
        Assert.Equal([1L, 2L, 5L], segments.Select(s => s.Line));
    }

    [Fact]
    public void Keeps_empty_elements_and_trailing_empty_components_as_empty()
    {
        var segments = Segments("PAC+3++CT'MOA+38:12.5::'UNS+D'");

        var pac = segments[0];
        Assert.Equal(3, pac.ElementCount);
        Assert.False(pac.Has(2));
        Assert.Equal("CT", pac.GetString(3));
        var moa = segments[1];
        Assert.Equal(4, moa.ComponentCount(1));
        Assert.Null(moa.GetString(1, 3));
        Assert.Null(moa.GetString(1, 4));
        Assert.Equal(1, segments[2].ElementCount);
    }

    [Fact]
    public void Numbers_segments_from_1_within_each_interchange()
    {
        var segments = Segments("UNB+UNOC:3+A+B+240101:1200+1'UNH+1+CUSDEC:D:96B:UN'UNT+2+1'UNZ+1+1'UNB+UNOC:3+A+B+240101:1200+2'UNZ+0+2'");

        Assert.Equal([1, 2, 3, 4, 1, 2], segments.Select(s => s.Number));
    }

    [Fact]
    public void Refuses_a_segment_longer_than_64_KiB_naming_the_file_segment_and_line()
    {
        var error = Refused("UNB+UNOC:3+A+B+240101:1200+1'\nFTX+AAA+++" + new string('A', 70_000) + "'").Error;

        Assert.Equal("test.edi", error.File);
        Assert.Equal(2, error.Segment);
        Assert.Equal(2, error.Line);
        Assert.Contains("longer than 64 KiB", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Refuses_a_segment_with_more_than_1000_elements()
    {
        var error = Refused("GIS" + string.Concat(Enumerable.Repeat("+1", 1001)) + "'").Error;

        Assert.Equal(1, error.Segment);
        Assert.Contains("more than 1000 data elements", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("unb+UNOC:3'", "'u'")]
    [InlineData("UNBX+UNOC:3'", "'UNBX'")]
    [InlineData("UN+UNOC:3'", "'UN'")]
    public void Refuses_a_segment_tag_that_is_not_three_capital_letters_or_digits(string text, string seen)
    {
        var error = Refused(text).Error;

        Assert.Contains("segment tag of three capital letters or digits", error.Message, StringComparison.Ordinal);
        Assert.Contains(seen, error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("UNB+UNOC:3+A\0B'")]
    [InlineData("\u0089PNG\r\n\u001a\n")]
    [InlineData("UNB+\uFFFD'")]
    public void Refuses_binary_content(string text)
    {
        var error = Refused(text).Error;

        Assert.Contains("binary content", error.Message, StringComparison.Ordinal);
        Assert.Equal(1, error.Line);
    }

    [Theory]
    [InlineData("UNB+UNOC:3+A+B+240101:1200+1'UNH+1+CUSDEC:D:96B:UN'BGM+929+LRN")]
    [InlineData("UNB+UNOC:3+A+B+240101:1200+1'FTX+AAA+++ends with release?")]
    public void Reports_input_that_ends_inside_a_segment_as_truncated(string text)
    {
        var error = Refused(text).Error;

        Assert.Contains("truncated", error.Message, StringComparison.Ordinal);
        Assert.Contains("terminator", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Refuses_a_UNA_that_uses_one_character_for_two_delimiters()
    {
        var error = Refused("UNA::.? 'UNB:UNOC'").Error;

        Assert.Contains("two different delimiters", error.Message, StringComparison.Ordinal);
    }
}
