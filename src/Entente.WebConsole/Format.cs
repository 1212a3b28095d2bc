using System.Globalization;

namespace Entente.WebConsole;

/// <summary>Dates and numbers in the user's culture (English or French); times are shown in UTC and say so.</summary>
public static class Format
{
    public static string When(DateTimeOffset? at) =>
        at is { } t ? t.ToUniversalTime().ToString("g", CultureInfo.CurrentCulture) + " UTC" : "—";

    public static string Day(DateOnly? day) => day is { } d ? d.ToString("d", CultureInfo.CurrentCulture) : "—";

    public static string Rate(double? rate) => rate is { } r ? r.ToString("P1", CultureInfo.CurrentCulture) : "—";

    public static string Number(decimal? value) => value is { } v ? v.ToString("N2", CultureInfo.CurrentCulture) : "—";

    public static string Money(decimal? value, string? currency) => value is { } v ? v.ToString("N2", CultureInfo.CurrentCulture) + (currency is null ? "" : " " + currency) : "—";
}
