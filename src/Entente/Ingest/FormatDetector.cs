using System.Text;
using Entente.Declarations;

namespace Entente.Ingest;

/// <summary>Tells the format of a declarations file from its first bytes.</summary>
public static class FormatDetector
{
    public const int SniffLength = 4096;

    /// <summary>Detects from a prefix of the file. Returns null when the prefix fits none of the formats.</summary>
    public static DeclarationFormat? Detect(ReadOnlySpan<byte> prefix, out string reason)
    {
        reason = "";
        if (prefix.IsEmpty)
        {
            reason = "the file is empty";
            return null;
        }
        string text;
        if (prefix.StartsWith((ReadOnlySpan<byte>)[0xFF, 0xFE]) || prefix.StartsWith((ReadOnlySpan<byte>)[0xFE, 0xFF]))
        {
            var bigEndian = prefix[0] == 0xFE;
            text = (bigEndian ? Encoding.BigEndianUnicode : Encoding.Unicode).GetString(prefix[2..(prefix.Length & ~1)]);
        }
        else
        {
            if (prefix.IndexOf((byte)0) >= 0)
            {
                reason = "the file holds binary data (NUL bytes), not a declarations file";
                return null;
            }
            var start = prefix.StartsWith("\uFEFF"u8) ? 3 : 0;
            text = Encoding.UTF8.GetString(prefix[start..]);
        }
        var trimmed = text.AsSpan().TrimStart();
        if (trimmed.IsEmpty)
        {
            reason = "the file holds only white space";
            return null;
        }
        if (trimmed[0] == '<') return DeclarationFormat.WcoXml;
        if (trimmed.StartsWith("UNA", StringComparison.Ordinal) || trimmed.StartsWith("UNB", StringComparison.Ordinal))
            return DeclarationFormat.Edifact;
        if (trimmed[0] is '{' or '[') return DeclarationFormat.Json;
        var firstLine = trimmed[..Math.Max(0, trimmed.IndexOfAny('\r', '\n') is var eol and >= 0 ? eol : trimmed.Length)];
        if (firstLine.IndexOfAny(',', ';', '\t') >= 0 || firstLine.Contains('|')) return DeclarationFormat.Csv;
        reason = "the file starts with none of '<' (WCO XML), 'UNA'/'UNB' (EDIFACT), '{'/'[' (JSON) or a delimited header line (CSV)";
        return null;
    }

    public static string Name(DeclarationFormat format) => DeclarationFormats.Name(format);

    public static bool TryParseName(string name, out DeclarationFormat format)
    {
        foreach (var f in Enum.GetValues<DeclarationFormat>())
        {
            if (string.Equals(Name(f), name, StringComparison.OrdinalIgnoreCase))
            {
                format = f;
                return true;
            }
        }
        format = DeclarationFormat.Auto;
        return false;
    }
}
