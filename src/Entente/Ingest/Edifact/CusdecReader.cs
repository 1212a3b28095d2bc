using System.Globalization;
using Entente.Declarations;

namespace Entente.Ingest.Edifact;

/// <summary>
/// Reads UN/EDIFACT CUSDEC interchanges (D.96B and later directories) into canonical declarations, one
/// <see cref="SourceRecord"/> per UNH..UNT message, streaming. Checks the envelope: UNB..UNZ (count and
/// control reference), optional UNG..UNE groups, UNH..UNT (segment count and message reference).
/// A message of another type yields a record with an error and no declaration. What the reader maps is
/// documented in docs/formats/edifact.md.
/// </summary>
/// <param name="defaultCurrency">Currency for amounts that name none (national files often leave it out); null to report them.</param>
public sealed class CusdecReader(string? defaultCurrency = null) : IDeclarationReader
{
    public DeclarationFormat Format => DeclarationFormat.Edifact;

    public IEnumerable<SourceRecord> Read(Stream stream, string fileName, CancellationToken cancellationToken = default)
    {
        using var text = EdifactText.Open(stream);
        foreach (var record in Read(text, fileName, cancellationToken))
            yield return record;
    }

    /// <summary>Reads an interchange that is already text (the caller chose the character set).</summary>
    public IEnumerable<SourceRecord> Read(TextReader text, string fileName, CancellationToken cancellationToken = default)
    {
        var tokenizer = new EdifactTokenizer(text, fileName);
        var strings = new CodeInterner();
        Interchange? interchange = null;
        FunctionalGroup? group = null;
        Message? message = null;
        var interchanges = 0;
        var lastSegment = 0;

        while (tokenizer.Read())
        {
            cancellationToken.ThrowIfCancellationRequested();
            var s = tokenizer.Current;
            lastSegment = s.Number;

            if (message is not null)
            {
                if (s.Tag == "UNT")
                {
                    yield return Close(message, s, fileName);
                    message = null;
                    continue;
                }
                if (s.Tag is "UNH" or "UNB" or "UNZ" or "UNG" or "UNE")
                    throw Fail(fileName, s, s.Label(), $"{s.Tag} comes before the UNT of message {message.Reference} (segment {message.Segment}, line {message.Line}): that message has no UNT");
                message.Count++;
                message.Mapper?.Add(s);
                continue;
            }

            switch (s.Tag)
            {
                case "UNB":
                    if (interchange is not null)
                        throw Fail(fileName, s, s.Label(), $"a new interchange starts while the one opened on line {interchange.Line} has no UNZ");
                    interchange = new Interchange(s.GetString(5, 1) ?? "", s.Line);
                    break;
                case "UNG":
                    if (interchange is null) throw NotAnInterchange(fileName, s, interchanges);
                    if (group is not null)
                        throw Fail(fileName, s, s.Label(), $"a new group starts while the group opened on line {group.Line} has no UNE");
                    group = new FunctionalGroup(s.GetString(5, 1) ?? "", s.Line);
                    break;
                case "UNE":
                    if (group is null)
                        throw Fail(fileName, s, s.Label(), "UNE closes a group that no UNG opened");
                    CheckCount(fileName, s, "UNE", group.Messages, "messages", "the group");
                    CheckReference(fileName, s, "UNE", group.Reference, "UNG");
                    interchange!.Groups++;
                    group = null;
                    break;
                case "UNH":
                    if (interchange is null) throw NotAnInterchange(fileName, s, interchanges);
                    message = Open(s, fileName, strings);
                    interchange.Messages++;
                    if (group is not null) group.Messages++;
                    break;
                case "UNZ":
                    if (interchange is null)
                        throw Fail(fileName, s, s.Label(), "UNZ closes an interchange that no UNB opened");
                    if (group is not null)
                        throw Fail(fileName, s, s.Label(), $"UNZ comes before the UNE of the group opened on line {group.Line}");
                    if (interchange.Groups > 0)
                        CheckCount(fileName, s, "UNZ", interchange.Groups, "functional groups", "the interchange");
                    else
                        CheckCount(fileName, s, "UNZ", interchange.Messages, "messages", "the interchange");
                    CheckReference(fileName, s, "UNZ", interchange.Reference, "UNB");
                    interchange = null;
                    interchanges++;
                    break;
                case "UNA" when interchange is null && interchanges > 0:
                    // The service string advice of a second interchange in the same file: the delimiters carry on.
                    break;
                default:
                    if (interchange is null) throw NotAnInterchange(fileName, s, interchanges);
                    throw Fail(fileName, s, s.Label(), $"{s.Tag} is outside a message: expected UNH, UNG, UNE or UNZ");
            }
        }

        if (message is not null)
            throw Fail(fileName, tokenizer.Line, lastSegment, $"segment {lastSegment}",
                $"the file ends inside message {message.Reference} (segment {message.Segment}, line {message.Line}): its UNT and the UNZ are missing, so the file is truncated");
        if (interchange is not null)
            throw Fail(fileName, tokenizer.Line, lastSegment, $"segment {lastSegment}",
                $"the file ends without the UNZ of the interchange opened on line {interchange.Line}: the file is truncated");
        if (interchanges == 0)
            throw Fail(fileName, tokenizer.Line, 0, "", "the file holds no EDIFACT interchange (no UNB segment)");
    }

    private Message Open(EdifactSegment s, string fileName, CodeInterner strings)
    {
        var reference = s.GetString(1, 1) ?? "";
        var type = s.GetString(2, 1);
        var record = new SourceRecord
        {
            File = fileName,
            Line = s.Line,
            Segment = s.Number,
            RecordPath = string.IsNullOrEmpty(reference) ? "UNH" : $"UNH+{reference}",
        };
        var message = new Message(reference, s.Number, s.Line, record);
        if (reference.Length == 0)
            record.Errors.Add(Problem(fileName, s, $"{s.Label()}: element 1", "the message has no reference (UNH 0062)"));
        if (type == CusdecCodes.MessageType)
            message.Mapper = new CusdecMapper(fileName, defaultCurrency, strings);
        else
            record.Errors.Add(Problem(fileName, s, $"{s.Label()}: element 2 component 1",
                $"message type '{type}' is not a customs declaration (CUSDEC); the message is skipped"));
        return message;
    }

    private static SourceRecord Close(Message message, EdifactSegment unt, string fileName)
    {
        var record = message.Record;
        if (message.Mapper is { } mapper)
        {
            record.Declaration = mapper.Finish(out var origins);
            record.Errors.AddRange(mapper.Errors);
            record.ReaderFindings.AddRange(mapper.Findings);
            record.Locate = pointer =>
            {
                foreach (var origin in origins)
                {
                    if (origin.Pointer == pointer) return new SourceLocation(origin.Line, origin.Label);
                }
                return null;
            };
        }

        var segments = message.Count + 1;
        var declared = unt.Get(1, 1);
        if (!int.TryParse(declared, NumberStyles.None, CultureInfo.InvariantCulture, out var count))
            record.Errors.Add(Problem(fileName, unt, $"{unt.Label()}: element 1", $"expected the number of segments in the message, got '{declared}'"));
        else if (count != segments)
            record.Errors.Add(Problem(fileName, unt, $"{unt.Label()}: element 1",
                $"UNT counts {count} segments but message {message.Reference} has {segments} (UNH to UNT): segments were lost or added"));
        var reference = unt.GetString(2, 1) ?? "";
        if (reference != message.Reference)
            record.Errors.Add(Problem(fileName, unt, $"{unt.Label()}: element 2",
                $"UNT closes message '{reference}' but UNH (segment {message.Segment}) opened '{message.Reference}'"));
        return record;
    }

    private static void CheckCount(string fileName, EdifactSegment s, string tag, int actual, string what, string container)
    {
        var declared = s.Get(1, 1);
        if (!int.TryParse(declared, NumberStyles.None, CultureInfo.InvariantCulture, out var count))
            throw Fail(fileName, s, $"{s.Label()}: element 1", $"expected the number of {what}, got '{declared}'");
        if (count != actual)
            throw Fail(fileName, s, $"{s.Label()}: element 1", $"{tag} counts {count} {what} but {container} holds {actual}");
    }

    private static void CheckReference(string fileName, EdifactSegment s, string tag, string opened, string opener)
    {
        var reference = s.GetString(2, 1) ?? "";
        if (reference != opened)
            throw Fail(fileName, s, $"{s.Label()}: element 2", $"{tag} control reference '{reference}' does not match the {opener}'s '{opened}'");
    }

    private static IngestFormatException NotAnInterchange(string fileName, EdifactSegment s, int interchanges) =>
        interchanges == 0
            ? Fail(fileName, s, s.Label(), $"not an EDIFACT interchange: expected UNB (after an optional UNA) but the file starts with {s.Tag}")
            : Fail(fileName, s, s.Label(), $"{s.Tag} comes after the UNZ that closed the interchange: expected a new UNB");

    private static IngestError Problem(string fileName, EdifactSegment s, string path, string message) =>
        new(fileName, s.Line, path, message) { Segment = s.Number };

    private static IngestFormatException Fail(string fileName, EdifactSegment s, string path, string message) =>
        new(Problem(fileName, s, path, message));

    private static IngestFormatException Fail(string fileName, long line, int segment, string path, string message) =>
        new(new IngestError(fileName, line, path, message) { Segment = segment == 0 ? null : segment });

    private sealed class Interchange(string reference, long line)
    {
        public string Reference => reference;
        public long Line => line;
        public int Messages { get; set; }
        public int Groups { get; set; }
    }

    private sealed class FunctionalGroup(string reference, long line)
    {
        public string Reference => reference;
        public long Line => line;
        public int Messages { get; set; }
    }

    private sealed class Message(string reference, int segment, long line, SourceRecord record)
    {
        public string Reference => reference;
        public int Segment => segment;
        public long Line => line;
        public SourceRecord Record => record;
        public CusdecMapper? Mapper { get; set; }

        /// <summary>Segments from UNH on, UNT not yet included.</summary>
        public int Count { get; set; } = 1;
    }
}
