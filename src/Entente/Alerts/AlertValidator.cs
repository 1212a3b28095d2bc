using System.Globalization;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Entente.Agreements;
using Entente.CodeLists;
using Entente.Common;

namespace Entente.Alerts;

/// <summary>The outcome of a check: the alert when there is no error, every error at its JSON pointer, and findings (kept, not refused).</summary>
public sealed record AlertCheck(Alert? Alert, IReadOnlyList<FieldError> Errors, IReadOnlyList<string> Findings)
{
    /// <summary>The cited agreement is not in force between this node and a partner for alerts: the alert is outside any agreement.</summary>
    public bool OutsideAgreement { get; init; }
}

/// <summary>
/// Checks an alert document (docs/alert.schema.json): its members, the subject kind and the members of that kind,
/// codes (categories, actions, ISO countries, handling codes), dates (until not before from, review inside), sizes.
/// Every error is a <see cref="FieldError"/> at a JSON pointer. Pure.
/// </summary>
public static partial class AlertValidator
{
    public const int MaxText = 200;
    public const int MaxId = 100;
    public const int MaxList = 50;

    private static readonly string[] Members = ["id", "issuer", "version", "state", "subject", "category", "action", "validity", "legalBasis", "handlingCode", "links", "remarks", "withdrawal"];

    private static readonly Dictionary<AlertSubjectKind, string[]> SubjectMembers = new()
    {
        [AlertSubjectKind.Person] = ["names", "birthDate", "nationalityCountryCodes", "documentNumbers"],
        [AlertSubjectKind.Company] = ["names", "legalForm", "eori", "tin", "address", "countryCode"],
        [AlertSubjectKind.Transport] = ["names", "imo", "vehicleRegistration", "vehicleCountryCode", "vin", "aircraftRegistration"],
        [AlertSubjectKind.Container] = ["containerNumber"],
        [AlertSubjectKind.Goods] = ["hsPrefix", "originCountryCode", "terms", "brand"],
        [AlertSubjectKind.Document] = ["documentNumber", "documentType"],
    };

    /// <summary>The subject members that hold lists (an import mapping's target may split a cell into them).</summary>
    public static IReadOnlySet<string> ListMembers { get; } = new HashSet<string>(["names", "nationalityCountryCodes", "documentNumbers", "terms", "links"], StringComparer.Ordinal);

    /// <summary>
    /// An alert issued here: the issuer is this node (or absent), the id is this node's (or absent: <paramref name="newId"/>
    /// gives one), the state draft or in force; a shared alert's agreement must be in force with this node as a party
    /// and cover alerts, else the alert is outside any agreement.
    /// </summary>
    public static AlertCheck CheckOwn(JsonObject document, string node, IReadOnlyList<Agreement> inForce, Func<string> newId)
    {
        var errors = new List<FieldError>();
        var findings = new List<string>();
        var issuer = Text(document, "issuer", "", errors, 20, required: false) ?? node;
        if (issuer != node) errors.Add(new("/issuer", $"an alert issued here has issuer {node}, got '{issuer}'"));
        var id = Id(document, "", errors, required: false);
        if (id is not null && !id.StartsWith(node + "-", StringComparison.Ordinal)) errors.Add(new("/id", $"an id issued here starts with '{node}-'"));
        var state = AlertState.InForce;
        if (document["state"] is not null && (!TryName(document["state"], out state) || state is not (AlertState.Draft or AlertState.InForce)))
            errors.Add(new("/state", "expected draft or in-force"));
        if (document["version"] is not null) errors.Add(new("/version", "set by this node: leave it out"));
        if (document["withdrawal"] is not null) errors.Add(new("/withdrawal", "an alert is withdrawn with its own move (alert withdraw), not added withdrawn"));
        var body = Body(document, "", errors, findings);
        var outside = false;
        if (body?.Basis.Agreement is { } agreementId)
        {
            var agreement = inForce.FirstOrDefault(a => a.Id == agreementId);
            string? why = agreement is null ? $"no agreement '{agreementId}' is in force at {node}"
                : agreement.Party(node) is null ? $"{node} is not a party to '{agreementId}'"
                : !agreement.Rules.Any(r => r.Category == DataCategory.Alerts) ? $"'{agreementId}' does not cover alerts"
                : null;
            if (why is not null)
            {
                errors.Add(new("/legalBasis/agreement", $"the alert is outside any agreement: {why}"));
                outside = true;
            }
        }
        if (errors.Count > 0 || body is null) return new AlertCheck(null, errors, findings) { OutsideAgreement = outside };
        return new AlertCheck(body.ToAlert(id ?? newId(), issuer, 1, state), errors, findings);
    }

    /// <summary>
    /// A partner's alert as its message carries it (<c>{"alert": ...}</c>): issued by the sender (its id starting with the
    /// sender's code), under the agreement the message came under, in force or withdrawn, with its version.
    /// </summary>
    public static AlertCheck CheckReceived(JsonObject payload, string sender, string agreementId)
    {
        var errors = new List<FieldError>();
        var findings = new List<string>();
        if (payload.Count != 1 || payload[AlertJson.Root] is not JsonObject document)
        {
            errors.Add(new("/", "an alert message is an object with one member \"alert\""));
            return new AlertCheck(null, errors, findings);
        }
        const string at = "/alert";
        var issuer = Text(document, "issuer", at, errors, 20);
        if (issuer is not null && issuer != sender) errors.Add(new(at + "/issuer", $"the alert's issuer '{issuer}' is not its sender {sender}"));
        var id = Id(document, at, errors, required: true);
        if (id is not null && !id.StartsWith(sender + "-", StringComparison.Ordinal)) errors.Add(new(at + "/id", $"a {sender} alert's id starts with '{sender}-'"));
        var version = document["version"] is JsonValue v && v.TryGetValue<int>(out var n) && n >= 1 ? n : 0;
        if (version == 0) errors.Add(new(at + "/version", "expected the alert's version, a whole number from 1"));
        if (!TryName(document["state"], out AlertState state) || state is not (AlertState.InForce or AlertState.Withdrawn))
            errors.Add(new(at + "/state", "expected in-force or withdrawn"));
        AlertWithdrawal? withdrawal = null;
        if (state == AlertState.Withdrawn)
        {
            if (document["withdrawal"] is not JsonObject w) errors.Add(new(at + "/withdrawal", "a withdrawn alert says when and why: {at, reason}"));
            else
            {
                var when = w["at"] is JsonValue a && a.TryGetValue<string>(out var s) && DateTimeOffset.TryParse(s, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var t) ? t : (DateTimeOffset?)null;
                if (when is null) errors.Add(new(at + "/withdrawal/at", "expected a date and time (ISO 8601)"));
                var reason = Text(w, "reason", at + "/withdrawal", errors, 2000);
                if (when is { } wt && reason is not null) withdrawal = new AlertWithdrawal(wt, reason);
            }
        }
        var body = Body(document, at, errors, findings);
        if (body?.Basis is { } basis && basis.Agreement != agreementId)
            errors.Add(new(at + "/legalBasis/agreement", basis.Agreement is null
                ? $"a partner's alert is shared under an agreement; this one cites a national basis (it came under '{agreementId}')"
                : $"the alert is outside the agreement it came under: it cites '{basis.Agreement}', the message '{agreementId}'"));
        if (errors.Count > 0 || body is null) return new AlertCheck(null, errors, findings);
        return new AlertCheck(body.ToAlert(id!, issuer!, version, state) with { Withdrawal = withdrawal }, errors, findings);
    }

    private sealed record Parsed(AlertSubject Subject, AlertCategory Category, AlertAction Action, AlertValidity Validity, AlertLegalBasis Basis,
        string HandlingCode, IReadOnlyList<string>? Links, string? Remarks)
    {
        public Alert ToAlert(string id, string issuer, int version, AlertState state) => new()
        {
            Id = id,
            Issuer = issuer,
            Version = version,
            State = state,
            Subject = Subject,
            Category = Category,
            Action = Action,
            Validity = Validity,
            LegalBasis = Basis,
            HandlingCode = HandlingCode,
            Links = Links,
            Remarks = Remarks,
        };
    }

    private static Parsed? Body(JsonObject document, string at, List<FieldError> errors, List<string> findings)
    {
        var before = errors.Count;
        foreach (var (name, _) in document)
            if (!Members.Contains(name)) errors.Add(new($"{at}/{name}", $"not a member of an alert (expected {string.Join(", ", Members)})"));
        var subject = Subject(document["subject"], at + "/subject", errors, findings);
        if (!TryName(document["category"], out AlertCategory category)) errors.Add(new(at + "/category", $"expected one of {AlertJson.Names<AlertCategory>()}"));
        if (!TryName(document["action"], out AlertAction action)) errors.Add(new(at + "/action", $"expected one of {AlertJson.Names<AlertAction>()}"));
        var validity = Validity(document["validity"], at + "/validity", errors);
        var basis = Basis(document["legalBasis"], at + "/legalBasis", errors);
        var handling = "H0";
        if (document["handlingCode"] is not null)
        {
            handling = (document["handlingCode"] as JsonValue)?.TryGetValue<string>(out var h) == true ? h : "";
            if (handling is not ("H0" or "H1" or "H2" or "H3")) errors.Add(new(at + "/handlingCode", "expected H0, H1, H2 or H3 (docs/agreements.md)"));
        }
        var links = List(document, "links", at, errors, MaxId);
        var remarks = Text(document, "remarks", at, errors, 2000, required: false);
        if (errors.Count > before || subject is null || validity is null || basis is null) return null;
        return new Parsed(subject, category, action, validity, basis, handling, links, remarks);
    }

    private static AlertSubject? Subject(JsonNode? node, string at, List<FieldError> errors, List<string> findings)
    {
        if (node is not JsonObject subject)
        {
            errors.Add(new(at, "expected the alert's subject: {kind, ...}"));
            return null;
        }
        if (!TryName(subject["kind"], out AlertSubjectKind kind))
        {
            errors.Add(new(at + "/kind", $"expected one of {AlertJson.Names<AlertSubjectKind>()}"));
            return null;
        }
        var before = errors.Count;
        var allowed = SubjectMembers[kind];
        foreach (var (name, _) in subject)
            if (name != "kind" && !allowed.Contains(name)) errors.Add(new($"{at}/{name}", $"not a member of a {AlertJson.Name(kind)} subject (expected {string.Join(", ", allowed)})"));
        var s = new AlertSubject
        {
            Kind = kind,
            Names = List(subject, "names", at, errors, MaxText),
            BirthDate = Text(subject, "birthDate", at, errors, 10, required: false),
            NationalityCountryCodes = List(subject, "nationalityCountryCodes", at, errors, 2),
            DocumentNumbers = List(subject, "documentNumbers", at, errors, 70),
            LegalForm = Text(subject, "legalForm", at, errors, 50, required: false),
            Eori = Text(subject, "eori", at, errors, 17, required: false),
            Tin = Text(subject, "tin", at, errors, 35, required: false),
            Address = Text(subject, "address", at, errors, 300, required: false),
            CountryCode = Text(subject, "countryCode", at, errors, 2, required: false),
            Imo = Text(subject, "imo", at, errors, 10, required: false),
            VehicleRegistration = Text(subject, "vehicleRegistration", at, errors, 15, required: false),
            VehicleCountryCode = Text(subject, "vehicleCountryCode", at, errors, 2, required: false),
            Vin = Text(subject, "vin", at, errors, 17, required: false),
            AircraftRegistration = Text(subject, "aircraftRegistration", at, errors, 10, required: false),
            ContainerNumber = Text(subject, "containerNumber", at, errors, 20, required: false),
            HsPrefix = Text(subject, "hsPrefix", at, errors, 10, required: false),
            OriginCountryCode = Text(subject, "originCountryCode", at, errors, 2, required: false),
            Terms = List(subject, "terms", at, errors, 100),
            Brand = Text(subject, "brand", at, errors, 100, required: false),
            DocumentNumber = Text(subject, "documentNumber", at, errors, 70, required: false),
            DocumentType = Text(subject, "documentType", at, errors, 35, required: false),
        };
        foreach (var (name, code) in new[] { ("countryCode", s.CountryCode), ("vehicleCountryCode", s.VehicleCountryCode), ("originCountryCode", s.OriginCountryCode) })
            if (code is not null && !CodeLists.CodeLists.Default.IsCountry(code)) errors.Add(new($"{at}/{name}", $"'{code}' is not an ISO 3166-1 alpha-2 country code"));
        for (var i = 0; i < (s.NationalityCountryCodes?.Count ?? 0); i++)
            if (!CodeLists.CodeLists.Default.IsCountry(s.NationalityCountryCodes![i])) errors.Add(new($"{at}/nationalityCountryCodes/{i}", $"'{s.NationalityCountryCodes[i]}' is not an ISO 3166-1 alpha-2 country code"));
        switch (kind)
        {
            case AlertSubjectKind.Person:
                if (s.Names is null) errors.Add(new(at + "/names", "a person alert names the person: [name, alias...]"));
                if (s.BirthDate is { } birth && !IsPartialDate(birth)) errors.Add(new(at + "/birthDate", "expected yyyy, yyyy-MM or yyyy-MM-dd"));
                break;
            case AlertSubjectKind.Company:
                if (s.Names is null && s.Eori is null && s.Tin is null) errors.Add(new(at, "a company alert has names, an eori or a tin"));
                if (s.Eori is { } eori && !EoriPattern().IsMatch(eori)) errors.Add(new(at + "/eori", "expected an EORI: an ISO country code and up to 15 letters or digits"));
                break;
            case AlertSubjectKind.Transport:
                if (s.Imo is null && s.VehicleRegistration is null && s.Vin is null && s.AircraftRegistration is null)
                    errors.Add(new(at, "a transport alert has an imo, a vehicleRegistration, a vin or an aircraftRegistration"));
                if (s.Imo is { } imo)
                {
                    var digits = imo.StartsWith("IMO", StringComparison.OrdinalIgnoreCase) ? imo[3..].Trim() : imo;
                    if (!SevenDigits().IsMatch(digits)) errors.Add(new(at + "/imo", "expected an IMO number: 7 digits"));
                    else if (!CheckDigits.IsValidImoNumber(digits, out var why)) findings.Add($"{at}/imo: {why} (kept as given)");
                }
                if (s.Vin is { } vin && !VinPattern().IsMatch(vin)) errors.Add(new(at + "/vin", "expected a VIN: 17 letters and digits, no I, O or Q"));
                if (s.VehicleRegistration is not null && s.VehicleCountryCode is null) errors.Add(new(at + "/vehicleCountryCode", "a vehicle registration is read with its country"));
                break;
            case AlertSubjectKind.Container:
                if (s.ContainerNumber is not { } container) errors.Add(new(at + "/containerNumber", "expected an ISO 6346 container number (4 letters, 7 digits)"));
                else
                {
                    var compact = container.Replace(" ", "", StringComparison.Ordinal).Replace("-", "", StringComparison.Ordinal).ToUpperInvariant();
                    if (!ContainerPattern().IsMatch(compact)) errors.Add(new(at + "/containerNumber", "expected an ISO 6346 container number (4 letters, 7 digits)"));
                    else if (!CheckDigits.IsValidContainerNumber(compact, out var why)) findings.Add($"{at}/containerNumber: {why} (kept as given)");
                }
                break;
            case AlertSubjectKind.Goods:
                if (s.HsPrefix is null && s.Terms is null && s.Brand is null) errors.Add(new(at, "a goods alert has an hsPrefix, terms or a brand"));
                if (s.HsPrefix is { } hs && !HsPattern().IsMatch(hs)) errors.Add(new(at + "/hsPrefix", "expected 2 to 10 digits of a commodity code"));
                break;
            case AlertSubjectKind.Document:
                if (s.DocumentNumber is null) errors.Add(new(at + "/documentNumber", "a document alert has the document's number"));
                break;
        }
        return errors.Count > before ? null : s;
    }

    private static AlertValidity? Validity(JsonNode? node, string at, List<FieldError> errors)
    {
        if (node is not JsonObject validity)
        {
            errors.Add(new(at, "expected {from, until?, review?} (days, yyyy-MM-dd)"));
            return null;
        }
        var before = errors.Count;
        foreach (var (name, _) in validity)
            if (name is not ("from" or "until" or "review")) errors.Add(new($"{at}/{name}", "expected from, until or review"));
        var from = Day(validity, "from", at, errors, required: true);
        var until = Day(validity, "until", at, errors, required: false);
        var review = Day(validity, "review", at, errors, required: false);
        if (from is { } f && until is { } u && u < f) errors.Add(new(at + "/until", $"{AlertJson.Day(u)} is before from ({AlertJson.Day(f)})"));
        if (from is { } f2 && review is { } r && (r < f2 || (until is { } u2 && r > u2))) errors.Add(new(at + "/review", "expected a day between from and until"));
        return errors.Count > before || from is null ? null : new AlertValidity(from.Value, until, review);
    }

    private static AlertLegalBasis? Basis(JsonNode? node, string at, List<FieldError> errors)
    {
        if (node is not JsonObject basis)
        {
            errors.Add(new(at, "expected {agreement: id} for a shared alert or {national: text} for one kept here"));
            return null;
        }
        var before = errors.Count;
        foreach (var (name, _) in basis)
            if (name is not ("agreement" or "national")) errors.Add(new($"{at}/{name}", "expected agreement or national"));
        var agreement = Text(basis, "agreement", at, errors, MaxText, required: false);
        var national = Text(basis, "national", at, errors, MaxText, required: false);
        if ((agreement is null) == (national is null) && errors.Count == before) errors.Add(new(at, "expected exactly one of agreement (a shared alert) and national (one kept here)"));
        return errors.Count > before ? null : new AlertLegalBasis(agreement, national);
    }

    private static string? Id(JsonObject document, string at, List<FieldError> errors, bool required)
    {
        var id = Text(document, "id", at, errors, MaxId, required);
        if (id is not null && !IdPattern().IsMatch(id)) errors.Add(new(at + "/id", "expected letters, digits and . _ : - only"));
        return id;
    }

    private static string? Text(JsonObject obj, string name, string at, List<FieldError> errors, int max, bool required = true)
    {
        switch (obj[name])
        {
            case null when !required:
                return null;
            case JsonValue v when v.TryGetValue<string>(out var s) && s.Trim().Length > 0 && s.Length <= max:
                return s.Trim();
            default:
                errors.Add(new($"{at}/{name}", $"expected a text of 1 to {max} characters"));
                return null;
        }
    }

    private static List<string>? List(JsonObject obj, string name, string at, List<FieldError> errors, int max)
    {
        if (obj[name] is null) return null;
        if (obj[name] is not JsonArray array || array.Count == 0 || array.Count > MaxList)
        {
            errors.Add(new($"{at}/{name}", $"expected a list of 1 to {MaxList} texts"));
            return null;
        }
        var list = new List<string>();
        for (var i = 0; i < array.Count; i++)
        {
            if (array[i] is JsonValue v && v.TryGetValue<string>(out var s) && s.Trim().Length > 0 && s.Length <= max) list.Add(s.Trim());
            else errors.Add(new($"{at}/{name}/{i}", $"expected a text of 1 to {max} characters"));
        }
        return list;
    }

    private static DateOnly? Day(JsonObject obj, string name, string at, List<FieldError> errors, bool required)
    {
        if (obj[name] is null && !required) return null;
        if (obj[name] is JsonValue v && v.TryGetValue<string>(out var s) && DateOnly.TryParseExact(s, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var day))
            return day;
        errors.Add(new($"{at}/{name}", "expected a day, yyyy-MM-dd"));
        return null;
    }

    private static bool TryName<TEnum>(JsonNode? node, out TEnum value) where TEnum : struct, Enum
    {
        value = default;
        if (node is not JsonValue v || !v.TryGetValue<string>(out var s) || AlertJson.Parse<TEnum>(s) is not { } parsed) return false;
        value = parsed;
        return true;
    }

    private static bool IsPartialDate(string text) =>
        DateOnly.TryParseExact(text, ["yyyy", "yyyy-MM", "yyyy-MM-dd"], CultureInfo.InvariantCulture, DateTimeStyles.None, out _);

    [GeneratedRegex("^[A-Za-z0-9._:-]+$")]
    private static partial Regex IdPattern();

    [GeneratedRegex("^[A-Z]{2}[A-Za-z0-9]{1,15}$")]
    private static partial Regex EoriPattern();

    [GeneratedRegex("^[0-9]{7}$")]
    private static partial Regex SevenDigits();

    [GeneratedRegex("^[A-HJ-NPR-Z0-9]{17}$", RegexOptions.IgnoreCase)]
    private static partial Regex VinPattern();

    [GeneratedRegex("^[A-Z]{4}[0-9]{7}$")]
    private static partial Regex ContainerPattern();

    [GeneratedRegex("^[0-9]{2,10}$")]
    private static partial Regex HsPattern();
}
