namespace Entente.CodeLists;

/// <summary>Check-digit and shape rules for identifiers that carry their own integrity check.</summary>
public static class CheckDigits
{
    /// <summary>
    /// ISO 6346 container number: owner code (3 letters), category (U, J or Z), serial (6 digits), check digit.
    /// Letters count 10..38 skipping multiples of 11; position i weighs 2^i; sum mod 11, where 10 counts as 0.
    /// </summary>
    public static bool IsValidContainerNumber(string id, out string reason)
    {
        if (id.Length != 11)
        {
            reason = $"an ISO 6346 container number has 11 characters (4 letters, 7 digits), got {id.Length}";
            return false;
        }
        for (var i = 0; i < 4; i++)
        {
            if (id[i] is < 'A' or > 'Z')
            {
                reason = "an ISO 6346 container number starts with 4 capital letters (owner code and category)";
                return false;
            }
        }
        if (id[3] is not ('U' or 'J' or 'Z'))
        {
            reason = $"the ISO 6346 equipment category (4th character) must be U, J or Z, got '{id[3]}'";
            return false;
        }
        for (var i = 4; i < 11; i++)
        {
            if (!char.IsAsciiDigit(id[i]))
            {
                reason = "an ISO 6346 container number ends with 6 serial digits and a check digit";
                return false;
            }
        }
        var expected = ContainerCheckDigit(id.AsSpan(0, 10));
        if (id[10] - '0' != expected)
        {
            reason = $"ISO 6346 check digit should be {expected}, got {id[10]}";
            return false;
        }
        reason = "";
        return true;
    }

    public static int ContainerCheckDigit(ReadOnlySpan<char> first10)
    {
        var sum = 0;
        for (var i = 0; i < first10.Length; i++)
        {
            var c = first10[i];
            var value = char.IsAsciiDigit(c) ? c - '0' : LetterValue(c);
            sum += value << i;
        }
        var digit = sum % 11;
        return digit == 10 ? 0 : digit;
    }

    private static int LetterValue(char letter)
    {
        // A=10, then each next letter +1, skipping 11, 22 and 33.
        var value = 10;
        for (var c = 'A'; c < letter; c++)
        {
            value++;
            if (value % 11 == 0) value++;
        }
        return value;
    }

    /// <summary>IMO ship number: 7 digits, the last a check digit (weights 7..2 over the first six, mod 10). "IMO" prefix allowed.</summary>
    public static bool IsValidImoNumber(string id, out string reason)
    {
        var digits = id.StartsWith("IMO", StringComparison.OrdinalIgnoreCase) ? id[3..].TrimStart() : id;
        if (digits.Length != 7 || !digits.All(char.IsAsciiDigit))
        {
            reason = "an IMO number has 7 digits (optionally prefixed IMO)";
            return false;
        }
        var sum = 0;
        for (var i = 0; i < 6; i++) sum += (digits[i] - '0') * (7 - i);
        var expected = sum % 10;
        if (digits[6] - '0' != expected)
        {
            reason = $"IMO check digit should be {expected}, got {digits[6]}";
            return false;
        }
        reason = "";
        return true;
    }

    /// <summary>UN/LOCODE: ISO country (2 letters) + 3 characters of A-Z and 2-9, with or without a space.</summary>
    public static bool IsValidLocode(string code, CodeLists lists, out string reason)
    {
        var compact = code.Length == 6 && code[2] == ' ' ? string.Concat(code.AsSpan(0, 2), code.AsSpan(3)) : code;
        if (compact.Length != 5)
        {
            reason = "a UN/LOCODE has 5 characters: a 2-letter ISO country code and 3 letters or digits 2-9";
            return false;
        }
        if (!lists.IsCountry(compact[..2]))
        {
            reason = $"a UN/LOCODE starts with an ISO 3166-1 country code; '{compact[..2]}' is not one";
            return false;
        }
        for (var i = 2; i < 5; i++)
        {
            var c = compact[i];
            if (!(c is >= 'A' and <= 'Z' or >= '2' and <= '9'))
            {
                reason = $"UN/LOCODE location characters are A-Z and 2-9; '{c}' is not allowed";
                return false;
            }
        }
        reason = "";
        return true;
    }
}
