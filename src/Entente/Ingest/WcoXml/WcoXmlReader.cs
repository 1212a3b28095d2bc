using System.Text;
using System.Text.RegularExpressions;
using System.Xml;
using Entente.Declarations;

namespace Entente.Ingest.WcoXml;

/// <summary>
/// Reads WCO Data Model 3.6 declarations in the DMS profile (HMRC CDS): a single md:MetaData document, a bare
/// Declaration, or a batch (any root, such as &lt;DeclarationBatch xmlns="urn:entente:batch:1"&gt;, holding MetaData or
/// Declaration elements). Streams one declaration at a time; refuses DTDs, nesting deeper than 64 levels and text
/// nodes longer than 1 MiB. Mapping: docs/formats/wco-xml.md.
/// </summary>
public sealed partial class WcoXmlReader : IDeclarationReader
{
    private static readonly XmlReaderSettings Settings = new()
    {
        DtdProcessing = DtdProcessing.Prohibit,
        XmlResolver = null,
        IgnoreComments = true,
        IgnoreProcessingInstructions = true,
        IgnoreWhitespace = true,
        CloseInput = false,
        MaxCharactersInDocument = 0,
        MaxCharactersFromEntities = 0,
    };

    public DeclarationFormat Format => DeclarationFormat.WcoXml;

    public IEnumerable<SourceRecord> Read(Stream stream, string fileName, CancellationToken cancellationToken = default)
    {
        using var walk = new DocumentWalk(stream, fileName);
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (walk.Next() is not { } record) yield break;
            yield return record;
        }
    }

    [GeneratedRegex(@"\s*Line \d+, position \d+\.\s*$")]
    private static partial Regex LineSuffix();

    /// <summary>The walk through one document: wrappers are entered, each Declaration becomes a record.</summary>
    private sealed class DocumentWalk(Stream stream, string file) : IDisposable
    {
        private readonly PrologCopy _input = new(stream);
        private XmlReader? _reader;
        private XmlCursor? _c;
        private int _depth;
        private int _declarations;
        private bool _finished;

        // The root of a document written without namespaces, for the refusal when it turns out to hold no declaration.
        private (string Name, long Line, string Path)? _unqualifiedRoot;

        public SourceRecord? Next()
        {
            try
            {
                return Step();
            }
            catch (XmlException e)
            {
                throw Malformed(e);
            }
        }

        public void Dispose() => _reader?.Dispose();

        private SourceRecord? Step()
        {
            if (_finished) return null;
            if (_c is null)
            {
                _reader = XmlReader.Create(_input, Settings);
                _c = new XmlCursor(_reader, file);
                if (!_c.MoveToRoot()) throw new IngestFormatException(new IngestError(file, 1, "", "the file holds no XML element"));
                if (_c.Name is "MetaData" or "Declaration" && !_c.IsWco)
                {
                    if (_c.NamespaceUri.Length != 0) throw WrongNamespace(_c);
                    // Written without namespaces (some national systems and tools do): read as WCO, unless it is a response.
                    _c.Unqualified = true;
                    _unqualifiedRoot = (_c.Name, _c.Line, _c.Here.ToString());
                }
                if (_c.IsWco && _c.Name == "Declaration")
                {
                    _depth = 0;
                    return Declaration(_c);
                }
                if (_c.IsWco && _c.Name != "MetaData")
                {
                    throw _c.Refuse($"the root element <{_c.Name}> in '{_c.NamespaceUri}' is not a declaration; expected md:MetaData ({Dms.MetaDataNamespace}) or Declaration ({Dms.DeclarationNamespace})");
                }
                if (_c.Enter()) _depth = 1;
            }

            var c = _c;
            while (_depth > 0)
            {
                if (!c.NextChild())
                {
                    _depth--;
                    continue;
                }
                var wco = c.IsWco;
                if (wco && c.Name == "WCOTypeName")
                {
                    var type = c.Text();
                    // A customs response (a DMS notification) in the declarations folder: said as such.
                    if (type == "RES" && _unqualifiedRoot is { } root) throw NotADeclaration(root, "; its WCOTypeName is RES: this is a customs response (a notification), not a declaration");
                    if (type == "RES") throw c.Refuse("the document's WCOTypeName is RES: this is a customs response (a notification), not a declaration");
                    continue;
                }
                if (c.Name is "MetaData" or "Declaration" && !wco) return Misplaced(c);
                if (wco && c.Name == "Declaration") return Declaration(c);
                // Enter WCO MetaData, and non-WCO wrappers (a batch root, an HMRC submitDeclarationRequest) outside WCO elements.
                var enter = wco ? c.Name == "MetaData" : !c.InsideWco;
                if (enter)
                {
                    if (c.Enter()) _depth++;
                }
                else
                {
                    c.Skip();
                }
            }

            if (_declarations == 0 && _unqualifiedRoot is { } bare) throw NotADeclaration(bare, "");
            if (_declarations == 0)
            {
                throw new IngestFormatException(new IngestError(file, 1, "",
                    $"no WCO Declaration element ({Dms.DeclarationNamespace}) found in the file"));
            }
            c.ReadToEnd();
            _finished = true;
            return null;
        }

        private SourceRecord Declaration(XmlCursor c)
        {
            var record = new SourceRecord { File = file, Line = c.Line, RecordPath = c.Here.ToString() };
            DeclarationMapper.Read(c, record);
            _declarations++;
            return record;
        }

        // A Declaration in the wrong namespace inside a batch: reported, and the batch goes on.
        private SourceRecord Misplaced(XmlCursor c)
        {
            var record = new SourceRecord { File = file, Line = c.Line, RecordPath = c.Here.ToString() };
            record.AddError(record.RecordPath, $"<{c.Name}> is {Describe(c.NamespaceUri)}; expected '{Expected(c.Name)}'");
            c.Skip();
            _declarations++;
            return record;
        }

        private IngestFormatException WrongNamespace(XmlCursor c)
        {
            var (name, ns, line, path) = (c.Name, c.NamespaceUri, c.Line, c.Here.ToString());
            string? type = null;
            if (name == "MetaData" && c.Enter())
            {
                for (var i = 0; i < 16 && c.NextChild(); i++)
                {
                    if (c.Name == "WCOTypeName")
                    {
                        type = c.Text();
                        break;
                    }
                    c.Skip();
                }
            }
            var hint = type == "RES" ? "; its WCOTypeName is RES: this is a customs response (a notification), not a declaration" : "";
            return new IngestFormatException(new IngestError(file, line, path,
                $"the root element <{name}> is {Describe(ns)}; a WCO DMS declaration uses '{Expected(name)}'{hint}"));
        }

        private IngestFormatException NotADeclaration((string Name, long Line, string Path) root, string hint) =>
            new(new IngestError(file, root.Line, root.Path,
                $"the root element <{root.Name}> is in no namespace and holds no declaration; a WCO DMS declaration uses '{Expected(root.Name)}'{hint}"));

        private static string Describe(string ns) => ns.Length == 0 ? "in no namespace" : $"in namespace '{ns}'";

        private static string Expected(string name) => name == "MetaData" ? Dms.MetaDataNamespace : Dms.DeclarationNamespace;

        private IngestFormatException Malformed(XmlException e)
        {
            var detail = LineSuffix().Replace(e.Message, "");
            var (line, position) = ((long)e.LineNumber, (long)e.LinePosition);
            // XmlReader's own wording is the only signal that it met a DOCTYPE it was told to refuse; it gives no line for it.
            var dtd = detail.Contains("DTD", StringComparison.Ordinal);
            if (dtd && line == 0 && _input.Find("<!DOCTYPE") is { } doctype) (line, position) = doctype;
            var where = $"line {line}, position {position}";
            var message = dtd
                ? $"refused at {where}: the file declares a DTD (<!DOCTYPE>); WCO XML never needs one, and a DTD can carry external entities (XXE) or entity-expansion bombs"
                : $"not well-formed XML at {where}: {detail}";
            return new IngestFormatException(new IngestError(file, line > 0 ? line : null, _c?.Where ?? "", message));
        }
    }

    /// <summary>Passes reads through and keeps the first 16 KiB, where a prolog's DOCTYPE would be.</summary>
    private sealed class PrologCopy(Stream inner) : Stream
    {
        private readonly byte[] _head = new byte[16 * 1024];
        private int _kept;

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => throw new NotSupportedException();

        public override long Position
        {
            get => throw new NotSupportedException();
            set => throw new NotSupportedException();
        }

        public override int Read(byte[] buffer, int offset, int count) => Keep(buffer.AsSpan(offset, inner.Read(buffer, offset, count)));

        public override int Read(Span<byte> buffer) => Keep(buffer[..inner.Read(buffer)]);

        /// <summary>Line and position (1-based) of the first occurrence of <paramref name="text"/> in the kept bytes.</summary>
        public (long Line, long Position)? Find(string text)
        {
            var head = _head.AsSpan(0, _kept);
            var encoding = head switch
            {
                [0xFF, 0xFE, ..] or [(byte)'<', 0, ..] => Encoding.Unicode,
                [0xFE, 0xFF, ..] or [0, (byte)'<', ..] => Encoding.BigEndianUnicode,
                _ => Encoding.UTF8,
            };
            var chars = encoding.GetString(head);
            var at = chars.IndexOf(text, StringComparison.Ordinal);
            if (at < 0) return null;
            var before = chars.AsSpan(0, at);
            return (before.Count('\n') + 1, at - before.LastIndexOf('\n'));
        }

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        private int Keep(ReadOnlySpan<byte> read)
        {
            var room = _head.Length - _kept;
            if (room > 0)
            {
                var copy = read[..Math.Min(room, read.Length)];
                copy.CopyTo(_head.AsSpan(_kept));
                _kept += copy.Length;
            }
            return read.Length;
        }
    }
}
