using System.Buffers;
using System.Globalization;

namespace Entente.Declarations;

/// <summary>What a text field may hold beyond its length.</summary>
public enum TextKind
{
    /// <summary>A reference or identification number (MRN, EORI, container number): no control character at all.</summary>
    Identifier,

    /// <summary>A code from a list (type, procedure, package type): no control character at all.</summary>
    Code,

    /// <summary>Free text (names, addresses, descriptions, marks): no control character except tab.</summary>
    FreeText,
}

/// <summary>The format of one text field, written as the WCO Data Model writes it (an..35: up to 35 characters).</summary>
public sealed record FieldFormat(string Wco, int Max, TextKind Kind)
{
    /// <summary>What the field expects, for an error message: "an..35, no control characters".</summary>
    public string Expected => Kind == TextKind.FreeText ? $"{Wco}, no control characters but tab and line breaks" : $"{Wco}, no control characters";
}

/// <summary>
/// The formats of the declaration's text fields, in one place: every reader (WCO XML, EDIFACT, CSV, JSON) yields the one
/// <see cref="Declaration"/> model and <see cref="DeclarationValidator"/> checks each field against this table, so a
/// value too long or with a control character (NUL, ESC, a line break, DEL, C1) is refused whatever the format it came
/// in (issue 14). Lengths are the WCO Data Model's (and the EU/UK data elements' where they are tighter); where the WCO
/// gives none, Entente's own bound is marked in docs/formats/fields.md. Code lists, check digits and patterns (country
/// a2, currency a3, HS digits, ISO 6346, UN/LOCODE, EORI) are checked on top.
/// </summary>
public static class FieldFormats
{
    private static FieldFormat Id(int max) => new($"an..{max}", max, TextKind.Identifier);

    private static FieldFormat Code(int max) => new($"an..{max}", max, TextKind.Code);

    private static FieldFormat Text(int max) => new($"an..{max}", max, TextKind.FreeText);

    // Declaration (WCO 42A)
    public static readonly FieldFormat FunctionCode = Code(3);          // D017 n..2
    public static readonly FieldFormat Lrn = Id(35);                    // D026 an..35 (EU DE 2/5 an..22)
    public static readonly FieldFormat Mrn = Id(35);                    // D014 an..35 (EU MRN an18)
    public static readonly FieldFormat Ucr = Id(35);                    // 016 an..35
    public static readonly FieldFormat TypeCode = Code(10);             // D013 + DE 1/2 (a2 + a1); room for national codes
    public static readonly FieldFormat OfficeId = Id(17);               // G005 / DE 5/12 an..17 (EU an8)

    // Parties (WCO R0xx)
    public static readonly FieldFormat PartyId = Id(35);                // R013... an..35 (EORI an..17, checked on top)
    public static readonly FieldFormat PartyIdScheme = Code(17);
    public static readonly FieldFormat PartyName = Text(70);            // R012... an..70
    public static readonly FieldFormat PartyRoleCode = Code(35);        // AEO role, representative status (DE 3/21 n1)
    public static readonly FieldFormat AddressLine = Text(70);          // street and number an..70
    public static readonly FieldFormat CityName = Text(35);             // an..35
    public static readonly FieldFormat Postcode = Id(17);               // an..9 in the WCO DM; EU DE 3/x postcode an..17

    // Documents (previous, additional)
    public static readonly FieldFormat DocumentId = Id(70);             // D005 an..35; EU DE 12/01, 12/03, 12/04 reference numbers an..70
    public static readonly FieldFormat DocumentCode = Code(4);          // category an1, type an..4
    public static readonly FieldFormat DocumentName = Text(35);
    public static readonly FieldFormat DocumentLine = Code(5);          // n..5

    // Goods shipment, consignment, transport (WCO 67A, 28A)
    public static readonly FieldFormat TransactionNatureCode = Code(2); // 096 n..2
    public static readonly FieldFormat GoodsLocation = Id(70);          // L017 an..35; the DMS reader joins its qualifier, type and name
    public static readonly FieldFormat TransportMeansId = Id(35);       // T001 an..35
    public static readonly FieldFormat TransportMeansIdType = Code(4);  // T002 n2
    public static readonly FieldFormat TransportMeansName = Text(35);
    public static readonly FieldFormat ContainerId = Id(17);            // 159 an..17 (ISO 6346: 11)
    public static readonly FieldFormat SealId = Id(35);                 // 165 an..35 (EU DE 7/18 an..20)

    // Goods items (WCO 68A, 23A)
    public static readonly FieldFormat Description = Text(512);         // 137 an..512
    public static readonly FieldFormat ClassificationScheme = Code(17);
    public static readonly FieldFormat ClassificationEdition = Code(9);
    public static readonly FieldFormat CommodityCode = new("n..12", 12, TextKind.Code); // 145: HS 6, CN 8, TARIC 10, national up to 12 (classification-schemes.txt)
    public static readonly FieldFormat AdditionalCode = Code(18);       // TARIC/national additional codes
    public static readonly FieldFormat ProcedureCode = Code(7);         // DE 1/10 an4 + 1/11 an3 (a UK CPC: 4000C07)
    public static readonly FieldFormat OriginTypeCode = Code(3);
    public static readonly FieldFormat ValuationMethodCode = Code(3);   // DE 4/16 n1
    public static readonly FieldFormat UnitCode = Code(8);              // UN/ECE Rec. 20 an..3, national qualifiers
    public static readonly FieldFormat PackageTypeCode = Code(2);       // 142 an2 (UN/ECE Rec. 21)
    public static readonly FieldFormat PackageMarks = Text(512);        // 143 an..512
    public static readonly FieldFormat DutyTaxFeeCode = Code(8);        // type an..3, regime, payment method; national tax types (KCS FEU1)

    // What a CSV mapping keeps without a WCO home.
    public static readonly FieldFormat NationalDataName = Id(512);      // a DMS element the reader keeps is named by its path
    public static readonly FieldFormat NationalDataValue = Text(512);

    private static readonly SearchValues<char> AnyControl = SearchValues.Create(Controls(tab: true));
    private static readonly SearchValues<char> ControlButLayout = SearchValues.Create(Controls(tab: false));

    // Free text (descriptions, marks, names, addresses) may keep its layout: tab, line feed and carriage return.
    private static string Controls(bool tab) =>
        new([.. Enumerable.Range(0, 0xA0).Select(c => (char)c).Where(c => char.IsControl(c) && (tab || c is not ('\t' or '\n' or '\r')))]);

    /// <summary>Null when the value fits the format (null values fit), else what is wrong, with the expected format.</summary>
    public static string? Problem(string? value, FieldFormat format)
    {
        if (value is null) return null;
        if (value.Length > format.Max) return $"expected {format.Expected}: at most {format.Max} characters, got {value.Length}";
        var at = value.AsSpan().IndexOfAny(format.Kind == TextKind.FreeText ? ControlButLayout : AnyControl);
        if (at < 0) return null;
        return $"expected {format.Expected}: found the control character U+{(int)value[at]:X4} ({Name(value[at])}) at character {(at + 1).ToString(CultureInfo.InvariantCulture)}";
    }

    private static string Name(char c) => c switch
    {
        '\0' => "NUL",
        '\t' => "tab",
        '\n' => "line feed",
        '\r' => "carriage return",
        '\x1B' => "ESC",
        '\x7F' => "DEL",
        >= '\x80' => "C1 control",
        _ => "C0 control",
    };
}
