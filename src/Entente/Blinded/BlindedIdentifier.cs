using System.Globalization;
using System.Text;
using Entente.Common;

namespace Entente.Blinded;

/// <summary>The kinds of identifier a node can be asked about blinded (docs/blinded.md, Canonical encoding).</summary>
public enum IdentifierType { Eori, Tin, Imo, Container, Vehicle, Person, Document }

/// <summary>An identifier that could not be encoded: where (a field of the query) and what was expected.</summary>
public sealed class BlindedIdentifierException(FieldError error) : Exception(error.ToString())
{
    public FieldError Error { get; } = error;
}

/// <summary>
/// An identifier in its canonical form, the same at the asker and the holder, so that both compute the same OPRF
/// input: <c>type ":" normalised</c> in UTF-8. Normalisation: Unicode NFKC, upper case, no spaces, dashes, dots or
/// slashes; EORI two letters and up to 15 letters or digits; IMO seven digits (an "IMO" prefix dropped); container four
/// letters and seven digits (the check digit is not judged: a wrong one is kept as given); vehicle the country (ISO
/// 3166-1 alpha-2) "|" the registration; person the Latin name tokens (accents folded by a fixed table) sorted, space-separated, "|"
/// the birth date yyyy-MM-dd; TIN and document letters and digits.
/// </summary>
public sealed record BlindedIdentifier(IdentifierType Type, string Normalised)
{
    /// <summary>The OPRF input: UTF-8 of "type:normalised".</summary>
    public byte[] Input() => Encoding.UTF8.GetBytes($"{Name(Type)}:{Normalised}");

    public override string ToString() => $"{Name(Type)}:{Normalised}";

    public static string Name(IdentifierType type) => type.ToString().ToLowerInvariant();

    public static bool TryType(string? text, out IdentifierType type)
    {
        foreach (var t in Enum.GetValues<IdentifierType>())
        {
            if (string.Equals(Name(t), text, StringComparison.Ordinal))
            {
                type = t;
                return true;
            }
        }
        type = default;
        return false;
    }

    public static string TypeNames { get; } = string.Join(", ", Enum.GetValues<IdentifierType>().Select(Name));

    /// <summary>
    /// The canonical identifier, or <see cref="BlindedIdentifierException"/> naming the field (/value, /country,
    /// /birthDate) and what was expected. <paramref name="country"/> is for vehicles, <paramref name="birthDate"/> for persons.
    /// </summary>
    public static BlindedIdentifier Of(IdentifierType type, string? value, string? country = null, string? birthDate = null)
    {
        if (string.IsNullOrWhiteSpace(value)) throw Problem("/value", "required: the identifier to ask about");
        switch (type)
        {
            case IdentifierType.Eori:
                {
                    var v = Compact(value);
                    if (v.Length is < 3 or > 17 || !IsLetters(v.AsSpan(0, 2)) || !IsAlnum(v)) throw Problem("/value", "an EORI is two letters (the country) and up to 15 letters or digits");
                    return new(type, v);
                }
            case IdentifierType.Imo:
                {
                    var v = Compact(value);
                    if (v.StartsWith("IMO", StringComparison.Ordinal)) v = v[3..];
                    if (v.Length != 7 || !v.All(char.IsAsciiDigit)) throw Problem("/value", "an IMO number is seven digits (optionally after 'IMO')");
                    return new(type, v);
                }
            case IdentifierType.Container:
                {
                    var v = Compact(value);
                    if (v.Length != 11 || !IsLetters(v.AsSpan(0, 4)) || !v[4..].All(char.IsAsciiDigit)) throw Problem("/value", "a container number is four letters and seven digits (ISO 6346)");
                    return new(type, v);
                }
            case IdentifierType.Vehicle:
                {
                    var c = Compact(country ?? "");
                    if (c.Length != 2 || !IsLetters(c)) throw Problem("/country", "a vehicle is asked with the country of registration, two letters (ISO 3166-1 alpha-2)");
                    var v = Compact(value);
                    if (v.Length is 0 or > 20 || !IsAlnum(v)) throw Problem("/value", "a registration is letters and digits (spaces and dashes are ignored), at most 20");
                    return new(type, $"{c}|{v}");
                }
            case IdentifierType.Person:
                {
                    if (!DateOnly.TryParseExact(birthDate ?? "", "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var born))
                        throw Problem("/birthDate", "a person is asked with the birth date, yyyy-MM-dd");
                    var tokens = NameTokens(value);
                    if (tokens.Count == 0) throw Problem("/value", "a name in Latin letters (transliterate other scripts first)");
                    return new(type, $"{string.Join(' ', tokens)}|{born:yyyy-MM-dd}");
                }
            default:
                {
                    var v = Compact(value);
                    if (v.Length is 0 or > 64 || !IsAlnum(v)) throw Problem("/value", $"a {Name(type)} is letters and digits (spaces, dashes, dots and slashes are ignored), at most 64");
                    return new(type, v);
                }
        }
    }

    /// <summary>NFKC, upper case, without spaces, dashes, dots and slashes.</summary>
    public static string Compact(string text)
    {
        var normal = text.Normalize(NormalizationForm.FormKC).ToUpperInvariant();
        var sb = new StringBuilder(normal.Length);
        foreach (var ch in normal)
        {
            if (char.IsWhiteSpace(ch) || ch is '-' or '.' or '/' || CharUnicodeInfo.GetUnicodeCategory(ch) == UnicodeCategory.DashPunctuation) continue;
            sb.Append(ch);
        }
        return sb.ToString();
    }

    /// <summary>The name's tokens: upper case, accents folded (<see cref="Fold"/>), split on anything not a letter, sorted ordinally; empty when a letter is not Latin.</summary>
    public static List<string> NameTokens(string name)
    {
        var sb = new StringBuilder(name.Length);
        foreach (var c in name.Normalize(NormalizationForm.FormKC))
        {
            if (CharUnicodeInfo.GetUnicodeCategory(c) is UnicodeCategory.NonSpacingMark or UnicodeCategory.SpacingCombiningMark or UnicodeCategory.EnclosingMark) continue;
            if (!char.IsLetter(c))
            {
                sb.Append(' ');
                continue;
            }
            var upper = char.ToUpperInvariant(c);
            if (upper is >= 'A' and <= 'Z') sb.Append(upper);
            else if (Folds.TryGetValue(upper, out var folded)) sb.Append(folded);
            else return [];
        }
        var tokens = sb.ToString().Split(' ', StringSplitOptions.RemoveEmptyEntries).ToList();
        tokens.Sort(StringComparer.Ordinal);
        return tokens;
    }

    /// <summary>
    /// Latin letters with diacritics (Latin-1 Supplement, Latin Extended-A and the Romanian comma letters) and their
    /// plain letters: the fold both sides apply, written out so that it does not depend on the platform's Unicode data.
    /// </summary>
    public static readonly IReadOnlyList<(string Letters, string Plain)> Fold =
    [
        ("ÀÁÂÃÄÅĀĂĄ", "A"), ("ÇĆĈĊČ", "C"), ("ĎĐÐ", "D"), ("ÈÉÊËĒĔĖĘĚ", "E"), ("ĜĞĠĢ", "G"), ("ĤĦ", "H"), ("ÌÍÎÏĨĪĬĮİ", "I"),
        ("Ĵ", "J"), ("Ķ", "K"), ("ĹĻĽĿŁ", "L"), ("ÑŃŅŇ", "N"), ("ÒÓÔÕÖØŌŎŐ", "O"), ("ŔŖŘ", "R"), ("ŚŜŞŠȘ", "S"), ("ŢŤŦȚ", "T"),
        ("ÙÚÛÜŨŪŬŮŰŲ", "U"), ("Ŵ", "W"), ("ÝŶŸ", "Y"), ("ŹŻŽ", "Z"), ("ß", "SS"), ("Æ", "AE"), ("Œ", "OE"), ("Þ", "TH"), ("Ĳ", "IJ"),
    ];

    private static readonly Dictionary<char, string> Folds = Fold.SelectMany(f => f.Letters.Select(c => (c, f.Plain))).ToDictionary(p => p.c, p => p.Plain);

    private static bool IsLetters(ReadOnlySpan<char> s)
    {
        foreach (var c in s) if (c is not (>= 'A' and <= 'Z')) return false;
        return true;
    }

    private static bool IsAlnum(ReadOnlySpan<char> s)
    {
        foreach (var c in s) if (c is not ((>= 'A' and <= 'Z') or (>= '0' and <= '9'))) return false;
        return true;
    }

    private static BlindedIdentifierException Problem(string path, string message) => new(new FieldError(path, message));
}
