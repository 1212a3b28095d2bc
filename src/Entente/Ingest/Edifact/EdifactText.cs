using System.Text;

namespace Entente.Ingest.Edifact;

/// <summary>Turns an interchange's bytes into text in the character set its UNB syntax identifier names.</summary>
internal static class EdifactText
{
    private const int Peek = 1024;

    /// <summary>
    /// UNOA..UNOK are ISO 8859 (read as ISO 8859-1: the other parts differ only above 0xA0);
    /// UNOW (syntax 4) and UNOY are read as UTF-8, as is anything that names no syntax.
    /// </summary>
    public static TextReader Open(Stream stream)
    {
        var head = new byte[Peek];
        var length = stream.ReadAtLeast(head, Peek, throwOnEndOfStream: false);
        var encoding = Detect(head.AsSpan(0, length));
        return new StreamReader(new PrefixedStream(head, length, stream), encoding, detectEncodingFromByteOrderMarks: true, bufferSize: 64 * 1024, leaveOpen: true);
    }

    internal static Encoding Detect(ReadOnlySpan<byte> head)
    {
        var unb = head.IndexOf("UNB"u8);
        if (unb < 0 || unb + 8 > head.Length) return Utf8;
        var syntax = head.Slice(unb + 4, 4);
        if (syntax.SequenceEqual("UNOW"u8) || syntax.SequenceEqual("UNOY"u8)) return Utf8;
        if (syntax[0] == 'U' && syntax[1] == 'N' && syntax[2] == 'O' && syntax[3] is >= (byte)'A' and <= (byte)'K') return Encoding.Latin1;
        return Utf8;
    }

    private static readonly UTF8Encoding Utf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: false);

    /// <summary>Replays the bytes already peeked, then the rest of the stream.</summary>
    private sealed class PrefixedStream(byte[] prefix, int prefixLength, Stream inner) : Stream
    {
        private int _offset;

        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

        public override int Read(Span<byte> buffer)
        {
            if (_offset < prefixLength)
            {
                var n = Math.Min(buffer.Length, prefixLength - _offset);
                prefix.AsSpan(_offset, n).CopyTo(buffer);
                _offset += n;
                return n;
            }
            return inner.Read(buffer);
        }

        public override void Flush() { }
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
