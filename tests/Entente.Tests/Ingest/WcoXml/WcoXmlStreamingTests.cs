using System.Text;
using System.Xml;
using Entente.Declarations;
using Entente.Tools.Writers;
using Xunit.Abstractions;

namespace Entente.Tests.Ingest.WcoXml;

[CollectionDefinition(nameof(MeasuresTheHeap), DisableParallelization = true)]
public sealed class MeasuresTheHeap;

/// <summary>Runs alone, so that the heap it measures is its own.</summary>
[Collection(nameof(MeasuresTheHeap))]
public class WcoXmlStreamingTests(ITestOutputHelper output)
{
    [Fact]
    public void Reads_200000_declarations_from_a_stream_that_never_holds_more_than_one()
    {
        const int count = 200_000;
        using var stream = new GeneratedBatchStream(count);
        var baseline = GC.GetTotalMemory(forceFullCollection: true);
        var peak = baseline;
        var read = 0;
        string? last = null;

        foreach (var record in new Entente.Ingest.WcoXml.WcoXmlReader().Read(stream, "generated.xml"))
        {
            Assert.Empty(record.Errors);
            last = record.Declaration!.Lrn;
            if (++read % 25_000 == 0) peak = Math.Max(peak, GC.GetTotalMemory(forceFullCollection: true));
        }

        output.WriteLine($"{read} declarations, {stream.Produced:N0} bytes read; heap {baseline:N0} bytes before, {peak:N0} at most while reading");
        Assert.Equal(count, read);
        Assert.Equal($"STREAM-{count - 1:D7}", last);
        Assert.True(stream.Produced > 150_000_000, $"only {stream.Produced} bytes were produced");
        Assert.True(peak - baseline < 16_000_000, $"the heap grew by {peak - baseline} bytes while reading {stream.Produced} bytes");
    }

    /// <summary>
    /// A DeclarationBatch made while it is read: the header, then one written declaration repeated with its LRN
    /// numbered in place, then the footer. At no time does more than one declaration's XML exist.
    /// </summary>
    private sealed class GeneratedBatchStream : Stream
    {
        private const string Placeholder = "STREAM-0000000";
        private readonly byte[] _header = Encoding.UTF8.GetBytes("<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<DeclarationBatch xmlns=\"urn:entente:batch:1\">\n");
        private readonly byte[] _footer = Encoding.UTF8.GetBytes("</DeclarationBatch>\n");
        private readonly byte[] _declaration;
        private readonly int _digitsAt;
        private readonly int _count;
        private int _next = -1;
        private byte[] _current = [];
        private int _offset;

        public GeneratedBatchStream(int count)
        {
            _count = count;
            using var buffer = new MemoryStream();
            var settings = WcoXmlWriter.Settings(indent: true);
            settings.ConformanceLevel = ConformanceLevel.Fragment;
            using (var writer = XmlWriter.Create(buffer, settings)) WcoXmlWriter.WriteMetaData(writer, Template());
            _declaration = [.. buffer.ToArray(), (byte)'\n'];
            _digitsAt = Encoding.UTF8.GetString(_declaration).IndexOf(Placeholder, StringComparison.Ordinal) + "STREAM-".Length;
        }

        public long Produced { get; private set; }

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => throw new NotSupportedException();

        public override long Position
        {
            get => throw new NotSupportedException();
            set => throw new NotSupportedException();
        }

        public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

        public override int Read(Span<byte> buffer)
        {
            var written = 0;
            while (written < buffer.Length)
            {
                if (_offset == _current.Length && !MoveNext()) break;
                var chunk = Math.Min(buffer.Length - written, _current.Length - _offset);
                _current.AsSpan(_offset, chunk).CopyTo(buffer[written..]);
                (_offset, written) = (_offset + chunk, written + chunk);
            }
            Produced += written;
            return written;
        }

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        private bool MoveNext()
        {
            if (_next > _count) return false;
            _next++;
            if (_next >= 1 && _next <= _count)
                Encoding.ASCII.GetBytes((_next - 1).ToString("D7", System.Globalization.CultureInfo.InvariantCulture), _declaration.AsSpan(_digitsAt, 7));
            _current = _next == 0 ? _header : _next <= _count ? _declaration : _footer;
            _offset = 0;
            return true;
        }

        private static Declaration Template() => new()
        {
            FunctionCode = "9",
            Lrn = Placeholder,
            TypeCode = "IMA",
            GoodsItemQuantity = 1,
            Parties = [new Party { Role = PartyRole.Importer, Id = "GB123456789000", IdScheme = "EORI" }],
            GoodsShipment = new GoodsShipment
            {
                ExportCountryCode = "CN",
                GoodsItems =
                [
                    new GoodsItem
                    {
                        Sequence = 1,
                        Description = "Electric shavers",
                        Classification = new Classification("CN", null, "85101000"),
                        OriginCountryCode = "CN",
                        GrossMassKg = 12.5m,
                        ItemPrice = new Amount(240m, "USD"),
                    },
                ],
            },
        };
    }
}
