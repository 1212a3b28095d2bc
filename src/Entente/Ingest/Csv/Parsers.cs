using System.Globalization;
using Entente.Declarations;

namespace Entente.Ingest.Csv;

internal delegate bool SpanTry<T>(ReadOnlySpan<char> text, out T value);

internal delegate bool CellReader<T>(ReadOnlySpan<char> cell, CsvRow row, out T value);

/// <summary>How one kind of target reads text: at load (constants, map values) and per cell (reporting errors on the row).</summary>
internal sealed record Parser<T>(string Expectation, SpanTry<T> Try, CellReader<T> Read)
{
    public bool TryParse(string text, out T value) => Try(text, out value);
}

internal static class Parsers
{
    public static readonly Parser<string> Text = new(
        "a text",
        static (ReadOnlySpan<char> s, out string v) =>
        {
            v = s.ToString();
            return true;
        },
        static (ReadOnlySpan<char> c, CsvRow r, out string v) =>
        {
            v = r.Strings.Get(c);
            return true;
        });

    public static Parser<decimal> Decimal(CsvSettings settings)
    {
        var styles = settings.NumberStyles;
        var numbers = settings.Numbers;
        var expectation = $"a number such as 1234{numbers.NumberDecimalSeparator}5"
            + ((styles & NumberStyles.AllowThousands) != 0 ? $" or 1{numbers.NumberGroupSeparator}234{numbers.NumberDecimalSeparator}5" : "");
        return Typed(expectation, (ReadOnlySpan<char> s, out decimal v) => decimal.TryParse(s, styles, numbers, out v));
    }

    public static Parser<int> Integer(string target) =>
        Typed(target.StartsWith("transport.", StringComparison.Ordinal) ? "a UN/ECE Rec. 19 transport mode code (0-9); use map to translate national codes" : "a whole number",
            static (ReadOnlySpan<char> s, out int v) => int.TryParse(s, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out v));

    public static Parser<DateTimeOffset> Date(string[] formats, TimeSpan offset)
    {
        var withOffset = formats.Where(HasOffset).ToArray();
        var withoutOffset = formats.Where(f => !HasOffset(f)).ToArray();
        var expectation = formats.Length == 1 ? $"a date in the format {formats[0]}" : $"a date in one of the formats {string.Join(", ", formats)}";
        return Typed(expectation, (ReadOnlySpan<char> s, out DateTimeOffset v) =>
        {
            if (withoutOffset.Length > 0 && DateTime.TryParseExact(s, withoutOffset, CultureInfo.InvariantCulture, DateTimeStyles.None, out var local))
            {
                v = new DateTimeOffset(DateTime.SpecifyKind(local, DateTimeKind.Unspecified), offset);
                return true;
            }
            if (withOffset.Length > 0 && DateTimeOffset.TryParseExact(s, withOffset, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out v))
                return true;
            v = default;
            return false;
        });
    }

    public static Parser<Classification> Classification(string scheme, string? edition) => new(
        "a commodity code",
        (ReadOnlySpan<char> s, out Classification v) =>
        {
            v = new Classification(scheme, edition, s.ToString());
            return true;
        },
        (ReadOnlySpan<char> c, CsvRow r, out Classification v) =>
        {
            v = new Classification(scheme, edition, r.Strings.Get(c));
            return true;
        });

    private static Parser<T> Typed<T>(string expectation, SpanTry<T> tryParse) => new(
        expectation,
        tryParse,
        (ReadOnlySpan<char> c, CsvRow r, out T v) =>
        {
            if (tryParse(c, out v)) return true;
            r.Fail($"expected {expectation}, got '{Clip(c)}'");
            return false;
        });

    private static bool HasOffset(string format) => format.Replace("'T'", "", StringComparison.Ordinal).IndexOfAny(['K', 'z']) >= 0;

    public static string Clip(ReadOnlySpan<char> value) => value.Length <= 40 ? value.ToString() : string.Concat(value[..40], "…");
}
