using System.Globalization;
using System.Text;
using Entente.Ingest.Edifact;

namespace Entente.Tests.Ingest.Edifact;

/// <summary>Tests that measure the managed heap run alone, so other tests' allocations do not blur the figure.</summary>
[CollectionDefinition(nameof(HeapMeasuredTests), DisableParallelization = true)]
public sealed class HeapMeasuredTests;

[Collection(nameof(HeapMeasuredTests))]
public class CusdecStreamingTests
{
    private const int Messages = 200_000;
    private const long HeapBound = 32 * 1024 * 1024;

    [Fact]
    public void Reads_a_200000_message_interchange_while_the_heap_stays_bounded()
    {
        var source = new GeneratedInterchange(Messages);
        var baseline = GC.GetTotalMemory(forceFullCollection: true);
        long growth = 0;
        var count = 0;
        string? lastLrn = null;

        foreach (var record in new CusdecReader().Read(source, "generated.edi"))
        {
            Assert.Empty(record.Errors);
            count++;
            lastLrn = record.Declaration!.Lrn;
            if (count % 25_000 == 0)
                growth = Math.Max(growth, GC.GetTotalMemory(forceFullCollection: true) - baseline);
        }

        Assert.Equal(Messages, count);
        Assert.Equal($"LRN-{Messages - 1:D7}", lastLrn);
        Assert.True(source.BytesProduced > 3 * HeapBound, $"the interchange should dwarf the bound, it has {source.BytesProduced} bytes");
        Assert.True(growth < HeapBound, $"the heap grew by {growth / 1024 / 1024} MiB while reading");
    }

    /// <summary>A CUSDEC interchange made message by message as the reader asks for bytes, never held whole.</summary>
    private sealed class GeneratedInterchange(int messages) : Stream
    {
        private const string Body =
            "BGM+929+LRN-{0:D7}+9'\nLOC+9+CNSHA'\nLOC+11+NLRTM'\nLOC+22+NL000396'\nLOC+35+CN'\nDTM+137:20240315:102'\n" +
            "EQD+CN+MSCU6639870'\nSEL+CN{0:D7}'\nRFF+UCN:4NL123456789-{0:D7}'\nTDT+11++1+++++9074729:146:11:MSC ANNA:PA'\n" +
            "NAD+IM+NL123456789000:EORI++ACME Imports B.V.+Havenstraat 12+Rotterdam++3011AA+NL'\nNAD+DT+NL987654321000:EORI'\n" +
            "MOA+39:{1}.25:USD'\nUNS+D'\nCST+1+85176200:CN:ZZZ+4000:117:ZZZ'\nFTX+AAA+++Network switches?, item {0}'\nLOC+27+TW'\n" +
            "MEA+AAE+AAA+KGM:{1}.5'\nMEA+AAE+AAB+KGM:{2}'\nPAC+4++CT'\nMOA+38:{1}.25:USD'\nMOA+40:{1}:EUR'\n" +
            "TAX+1+B00+++:::21'\nMOA+161:{3}:EUR'\nUNS+S'\nCNT+2:1'\n";

        private static readonly int BodySegments = Body.Count(c => c == '\'');

        private byte[] _chunk = Encoding.ASCII.GetBytes("UNA:+.? '\nUNB+UNOC:3+GENERATOR+NLCUSTOMS+240315:0930+GEN1'\n");
        private int _offset;
        private int _next;
        private bool _done;

        public long BytesProduced { get; private set; }

        public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

        public override int Read(Span<byte> buffer)
        {
            if (_offset == _chunk.Length && !NextChunk()) return 0;
            var n = Math.Min(buffer.Length, _chunk.Length - _offset);
            _chunk.AsSpan(_offset, n).CopyTo(buffer);
            _offset += n;
            BytesProduced += n;
            return n;
        }

        private bool NextChunk()
        {
            if (_done) return false;
            string text;
            if (_next < messages)
            {
                var i = _next++;
                var reference = (i + 1).ToString(CultureInfo.InvariantCulture);
                text = $"UNH+{reference}+CUSDEC:D:96B:UN'\n" +
                       string.Format(CultureInfo.InvariantCulture, Body, i, 1000 + i % 9000, 1200 + i % 9000, 210 + i % 1900) +
                       $"UNT+{BodySegments + 2}+{reference}'\n";
            }
            else
            {
                text = $"UNZ+{messages}+GEN1'\n";
                _done = true;
            }
            _chunk = Encoding.ASCII.GetBytes(text);
            _offset = 0;
            return true;
        }

        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => BytesProduced; set => throw new NotSupportedException(); }
        public override void Flush() { }
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
