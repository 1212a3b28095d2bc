using System.Text;
using Entente.Ingest;
using Entente.Ingest.Edifact;

namespace Entente.Tests.Ingest.Edifact;

public class CusdecEnvelopeTests
{
    private const string Unb = "UNB+UNOC:3+SENDER+RECIPIENT+240315:0930+ICR1'\n";

    private static string Message(string reference, string lrn, int? untCount = null, string? untReference = null) =>
        $"UNH+{reference}+CUSDEC:D:96B:UN'\nBGM+929+{lrn}+9'\nUNS+D'\nCST+1+85176200:CN:ZZZ'\nUNS+S'\nUNT+{untCount ?? 6}+{untReference ?? reference}'\n";

    internal static List<SourceRecord> Read(string text) =>
        new CusdecReader().Read(new MemoryStream(Encoding.Latin1.GetBytes(text)), "envelope.edi").ToList();

    private static IngestFormatException Refused(string text) => Assert.Throws<IngestFormatException>(() => Read(text));

    [Fact]
    public void Reads_one_record_per_message_without_envelope_errors()
    {
        var records = Read(Unb + Message("1", "LRN1") + Message("2", "LRN2") + "UNZ+2+ICR1'\n");

        Assert.Equal(["LRN1", "LRN2"], records.Select(r => r.Declaration?.Lrn));
        Assert.All(records, r => Assert.Empty(r.Errors));
        Assert.Equal("UNH+2", records[1].RecordPath);
        Assert.Equal(8, records[1].Segment);
        Assert.Equal(8, records[1].Line);
    }

    [Fact]
    public void Reads_interchanges_that_follow_each_other_in_one_file()
    {
        var second = "UNA:+.? '\nUNB+UNOC:3+SENDER+RECIPIENT+240315:0931+ICR2'\n" + Message("1", "LRN2") + "UNZ+1+ICR2'\n";

        var records = Read("UNA:+.? '\n" + Unb + Message("1", "LRN1") + "UNZ+1+ICR1'\n" + second);

        Assert.Equal(["LRN1", "LRN2"], records.Select(r => r.Declaration?.Lrn));
        Assert.Equal(2, records[1].Segment);
    }

    [Fact]
    public void Reports_a_wrong_UNT_segment_count_on_the_message_naming_the_UNT()
    {
        var record = Assert.Single(Read(Unb + Message("1", "LRN1", untCount: 5) + "UNZ+1+ICR1'"));

        var error = Assert.Single(record.Errors);
        Assert.Equal("segment 7 UNT+5: element 1", error.Path);
        Assert.Equal(7, error.Segment);
        Assert.Contains("UNT counts 5 segments but message 1 has 6", error.Message, StringComparison.Ordinal);
        Assert.Equal("LRN1", record.Declaration?.Lrn);
    }

    [Fact]
    public void Reports_a_UNT_that_closes_another_message_reference()
    {
        var record = Assert.Single(Read(Unb + Message("1", "LRN1", untReference: "9") + "UNZ+1+ICR1'"));

        var error = Assert.Single(record.Errors);
        Assert.Equal("segment 7 UNT+6: element 2", error.Path);
        Assert.Contains("UNT closes message '9' but UNH (segment 2) opened '1'", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Refuses_a_wrong_UNZ_message_count_after_yielding_the_messages()
    {
        var read = new List<SourceRecord>();
        var stream = new MemoryStream(Encoding.Latin1.GetBytes(Unb + Message("1", "LRN1") + "UNZ+3+ICR1'"));

        var error = Assert.Throws<IngestFormatException>(() =>
        {
            foreach (var record in new CusdecReader().Read(stream, "envelope.edi")) read.Add(record);
        }).Error;

        Assert.Single(read);
        Assert.Equal("segment 8 UNZ+3: element 1", error.Path);
        Assert.Equal(8, error.Segment);
        Assert.Contains("UNZ counts 3 messages but the interchange holds 1", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Refuses_a_UNZ_whose_control_reference_differs_from_the_UNB()
    {
        var error = Refused(Unb + Message("1", "LRN1") + "UNZ+1+ICR2'").Error;

        Assert.Equal("segment 8 UNZ+1: element 2", error.Path);
        Assert.Contains("UNZ control reference 'ICR2' does not match the UNB's 'ICR1'", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Refuses_an_interchange_without_UNZ_as_truncated()
    {
        var error = Refused(Unb + Message("1", "LRN1")).Error;

        Assert.Contains("without the UNZ", error.Message, StringComparison.Ordinal);
        Assert.Contains("truncated", error.Message, StringComparison.Ordinal);
        Assert.Equal(7, error.Segment);
    }

    [Fact]
    public void Refuses_a_file_that_ends_inside_a_message()
    {
        var error = Refused(Unb + "UNH+1+CUSDEC:D:96B:UN'\nBGM+929+LRN1+9'\n").Error;

        Assert.Contains("ends inside message 1 (segment 2, line 2)", error.Message, StringComparison.Ordinal);
        Assert.Contains("truncated", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Refuses_a_message_that_starts_before_the_previous_one_ended()
    {
        var error = Refused(Unb + "UNH+1+CUSDEC:D:96B:UN'\nBGM+929+LRN1+9'\n" + Message("2", "LRN2") + "UNZ+2+ICR1'").Error;

        Assert.Equal("segment 4 UNH+2", error.Path);
        Assert.Contains("message 1 (segment 2, line 2): that message has no UNT", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Accepts_functional_groups_and_counts_them_in_the_UNZ()
    {
        var text = Unb + "UNG+CUSDEC+SENDER+RECIPIENT+240315:0930+GRP1+UN+D:96B'\n" + Message("1", "LRN1") + Message("2", "LRN2") +
                   "UNE+2+GRP1'\nUNZ+1+ICR1'\n";

        Assert.Equal(2, Read(text).Count);
    }

    [Fact]
    public void Refuses_a_UNE_whose_count_differs_from_the_group()
    {
        var text = Unb + "UNG+CUSDEC+SENDER+RECIPIENT+240315:0930+GRP1+UN+D:96B'\n" + Message("1", "LRN1") + "UNE+2+GRP1'\nUNZ+1+ICR1'\n";

        var error = Refused(text).Error;

        Assert.Equal("segment 9 UNE+2: element 1", error.Path);
        Assert.Contains("UNE counts 2 messages but the group holds 1", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Yields_a_record_with_an_error_for_a_message_that_is_not_a_CUSDEC()
    {
        var text = Unb + "UNH+1+CUSRES:D:96B:UN'\nBGM+962+X'\nUNT+3+1'\n" + Message("2", "LRN2") + "UNZ+2+ICR1'";

        var records = Read(text);

        Assert.Null(records[0].Declaration);
        var error = Assert.Single(records[0].Errors);
        Assert.Contains("message type 'CUSRES' is not a customs declaration (CUSDEC)", error.Message, StringComparison.Ordinal);
        Assert.Equal("LRN2", records[1].Declaration?.Lrn);
        Assert.Empty(records[1].Errors);
    }

    [Fact]
    public void Refuses_a_segment_outside_any_message()
    {
        var error = Refused(Unb + "BGM+929+LRN1+9'\nUNZ+0+ICR1'").Error;

        Assert.Equal("segment 2 BGM+929", error.Path);
        Assert.Contains("outside a message", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Refuses_a_file_that_does_not_start_with_UNB()
    {
        var error = Refused("UNH+1+CUSDEC:D:96B:UN'\nUNT+2+1'\n").Error;

        Assert.Contains("not an EDIFACT interchange", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Refuses_an_empty_file()
    {
        var error = Refused("  \r\n").Error;

        Assert.Contains("no EDIFACT interchange", error.Message, StringComparison.Ordinal);
    }
}
