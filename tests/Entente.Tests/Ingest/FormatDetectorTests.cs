using System.Text;
using Entente.Declarations;
using Entente.Ingest;

namespace Entente.Tests.Ingest;

public class FormatDetectorTests
{
    [Theory]
    [InlineData("<?xml version=\"1.0\"?><md:MetaData/>", DeclarationFormat.WcoXml)]
    [InlineData("\n  <Declaration/>", DeclarationFormat.WcoXml)]
    [InlineData("UNA:+.? 'UNB+UNOC:3+SENDER+RECIPIENT+260115:0930+1'", DeclarationFormat.Edifact)]
    [InlineData("UNB+UNOC:3+SENDER+RECIPIENT+260115:0930+1'", DeclarationFormat.Edifact)]
    [InlineData("{\"lrn\":\"X\"}", DeclarationFormat.Json)]
    [InlineData("[{\"lrn\":\"X\"}]", DeclarationFormat.Json)]
    [InlineData("Declaration ID,Date,Office ID\n1,2020-01-01,30", DeclarationFormat.Csv)]
    [InlineData("lrn;date\nA;2020", DeclarationFormat.Csv)]
    public void Tells_the_format_from_the_first_bytes(string text, DeclarationFormat expected)
    {
        Assert.Equal(expected, FormatDetector.Detect(Encoding.UTF8.GetBytes(text), out _));
    }

    [Fact]
    public void Reads_past_a_utf8_byte_order_mark() =>
        Assert.Equal(DeclarationFormat.Json, FormatDetector.Detect([0xEF, 0xBB, 0xBF, (byte)'{', (byte)'}'], out _));

    [Fact]
    public void Reads_utf16_with_a_byte_order_mark() =>
        Assert.Equal(DeclarationFormat.WcoXml, FormatDetector.Detect([0xFF, 0xFE, .. Encoding.Unicode.GetBytes("<Declaration/>")], out _));

    [Theory]
    [InlineData(new byte[] { 0x7F, 0x45, 0x4C, 0x46, 0x02, 0x01, 0x00, 0x00 }, "binary")]
    [InlineData(new byte[0], "empty")]
    [InlineData(new byte[] { 0x20, 0x0A, 0x20 }, "white space")]
    [InlineData(new byte[] { (byte)'h', (byte)'e', (byte)'l', (byte)'l', (byte)'o' }, "none of")]
    public void Says_why_it_cannot_tell(byte[] bytes, string expected)
    {
        Assert.Null(FormatDetector.Detect(bytes, out var reason));
        Assert.Contains(expected, reason, StringComparison.Ordinal);
    }
}
