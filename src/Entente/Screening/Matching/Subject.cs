using System.Globalization;

namespace Entente.Screening.Matching;

/// <summary>What an alert is about, or what a check looks at (docs/matching.md).</summary>
public enum SubjectKind { Person, Company, Transport, Container, Goods, Document }

/// <summary>A birth date known to the day or to the year only.</summary>
public readonly record struct PartialDate(int Year, int? Month = null, int? Day = null)
{
    public bool IsFull => Month is not null && Day is not null;

    public static PartialDate Of(DateOnly date) => new(date.Year, date.Month, date.Day);

    /// <summary>Reads 1970-03-12, 1970-03 or 1970.</summary>
    public static PartialDate Parse(string text)
    {
        var parts = text.Trim().Split('-');
        if (parts.Length is < 1 or > 3 || !parts.All(p => p.Length > 0 && p.All(char.IsAsciiDigit)))
            throw new FormatException($"birth date: expected YYYY-MM-DD, YYYY-MM or YYYY, got '{text}'");
        var year = int.Parse(parts[0], CultureInfo.InvariantCulture);
        int? month = parts.Length > 1 ? int.Parse(parts[1], CultureInfo.InvariantCulture) : null;
        int? day = parts.Length > 2 ? int.Parse(parts[2], CultureInfo.InvariantCulture) : null;
        if (year is < 1000 or > 9999 || month is < 1 or > 12 || (day is not null && (day < 1 || day > DateTime.DaysInMonth(year, month!.Value))))
            throw new FormatException($"birth date: '{text}' is not a calendar date");
        return new PartialDate(year, month, day);
    }

    public override string ToString() => Day is { } d ? $"{Year:D4}-{Month:D2}-{d:D2}" : Month is { } m ? $"{Year:D4}-{m:D2}" : $"{Year:D4}";
}

/// <summary>
/// An identifier under a scheme (EORI, TIN, LEI, IMO, VIN, PLATE, AIRCRAFT, CONTAINER, PASSPORT, CERTIFICATE...).
/// Compared exactly after normalisation (spaces, dashes, dots, case); no check digit is required. A probe
/// identifier without a scheme is compared with every identifier of the watched subject.
/// </summary>
public sealed record Identifier(string? Scheme, string Value)
{
    public override string ToString() => Scheme is null ? Value : $"{Scheme} {Value}";
}

/// <summary>The identifier schemes Entente names; any other scheme is compared by its upper-case name.</summary>
public static class IdentifierSchemes
{
    public const string Eori = "EORI", Tin = "TIN", Vat = "VAT", Lei = "LEI", Duns = "DUNS";
    public const string Passport = "PASSPORT", NationalId = "NATIONAL-ID";
    public const string Imo = "IMO", Vin = "VIN", Plate = "PLATE", Aircraft = "AIRCRAFT", Container = "CONTAINER";
    public const string Certificate = "CERTIFICATE", Licence = "LICENCE";
}

/// <summary>
/// A watched subject (an alert's, with the alert id) or a probe (what a check looks at, without id). One record for
/// all kinds; each kind uses the fields that describe it (docs/matching.md lists them). Names are in any script.
/// </summary>
public sealed record Subject
{
    public required SubjectKind Kind { get; init; }

    /// <summary>The alert this subject belongs to (watched subjects); null on probes.</summary>
    public string? Id { get; init; }

    /// <summary>Names and aliases (person, company, vessel name), in any script.</summary>
    public IReadOnlyList<string> Names { get; init; } = [];

    public PartialDate? BirthDate { get; init; }

    /// <summary>ISO 3166 alpha-2: nationalities of a person, country of a company, registration country of a vehicle, origin of goods.</summary>
    public IReadOnlyList<string> Countries { get; init; } = [];

    public IReadOnlyList<Identifier> Identifiers { get; init; } = [];

    /// <summary>A company's legal form as given (GmbH, Co. Ltd., ООО...); also read from the end or start of its names.</summary>
    public string? LegalForm { get; init; }

    public string? Address { get; init; }

    /// <summary>Goods: HS code (probe) or HS prefix (watched), digits only after normalisation.</summary>
    public string? HsCode { get; init; }

    /// <summary>Goods: description (probe) or terms that must all appear in it (watched).</summary>
    public IReadOnlyList<string> DescriptionTerms { get; init; } = [];

    /// <summary>Goods: brand (IPR alerts).</summary>
    public string? Brand { get; init; }

    public static Subject Person(string? id, IEnumerable<string> names, PartialDate? birthDate = null, IEnumerable<string>? nationalities = null, IEnumerable<Identifier>? documents = null) =>
        new() { Kind = SubjectKind.Person, Id = id, Names = [.. names], BirthDate = birthDate, Countries = [.. nationalities ?? []], Identifiers = [.. documents ?? []] };

    public static Subject Company(string? id, IEnumerable<string> names, string? country = null, IEnumerable<Identifier>? identifiers = null, string? legalForm = null, string? address = null) =>
        new() { Kind = SubjectKind.Company, Id = id, Names = [.. names], Countries = country is null ? [] : [country], Identifiers = [.. identifiers ?? []], LegalForm = legalForm, Address = address };

    public static Subject Vessel(string? id, string imo, string? name = null, string? flag = null) =>
        new() { Kind = SubjectKind.Transport, Id = id, Identifiers = [new Identifier(IdentifierSchemes.Imo, imo)], Names = name is null ? [] : [name], Countries = flag is null ? [] : [flag] };

    public static Subject Vehicle(string? id, string? registration, string? country = null, string? vin = null) =>
        new()
        {
            Kind = SubjectKind.Transport,
            Id = id,
            Countries = country is null ? [] : [country],
            Identifiers = [.. new[] { registration is null ? null : new Identifier(IdentifierSchemes.Plate, registration), vin is null ? null : new Identifier(IdentifierSchemes.Vin, vin) }.OfType<Identifier>()],
        };

    public static Subject Aircraft(string? id, string registration) =>
        new() { Kind = SubjectKind.Transport, Id = id, Identifiers = [new Identifier(IdentifierSchemes.Aircraft, registration)] };

    public static Subject Container(string? id, string number) =>
        new() { Kind = SubjectKind.Container, Id = id, Identifiers = [new Identifier(IdentifierSchemes.Container, number)] };

    public static Subject Goods(string? id, string? hsCode = null, string? origin = null, IEnumerable<string>? descriptionTerms = null, string? brand = null) =>
        new() { Kind = SubjectKind.Goods, Id = id, HsCode = hsCode, Countries = origin is null ? [] : [origin], DescriptionTerms = [.. descriptionTerms ?? []], Brand = brand };

    public static Subject Document(string? id, string scheme, string number) =>
        new() { Kind = SubjectKind.Document, Id = id, Identifiers = [new Identifier(scheme, number)] };
}

/// <summary>Everything a declaration shows that can be screened: its parties, transport means, containers, goods lines and documents.</summary>
public sealed record DeclarationProbe(string Reference, IReadOnlyList<Subject> Subjects);
