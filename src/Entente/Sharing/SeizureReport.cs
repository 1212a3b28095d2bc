using System.Globalization;
using System.Text.Json.Nodes;
using Entente.CodeLists;

namespace Entente.Sharing;

/// <summary>
/// The structure a <c>seizure-report</c> carries, as the WCO Customs Enforcement Network (CEN) structures seizures
/// (docs/intelligence.md): commodity category with drug type, brand or species; quantity and unit; estimated value;
/// place (UN/LOCODE) and office; detection and concealment methods from code lists; transport mode and means; the route
/// (departure, transit, destination countries); the linked declaration MRN, container, risk assessment and alert hit;
/// offenders (personal data). Every member but id, seizedAt and category is optional, and the members of earlier
/// reports (goods, quantityKg, concealment as text, port, route as a list of countries) stay valid. Pure.
/// </summary>
public static class SeizureReport
{
    public static readonly string[] Categories = ["drugs", "tobacco", "alcohol", "counterfeits", "wildlife", "weapons", "cash", "precursors", "cultural-goods", "other"];

    public static readonly string[] DrugTypes =
        ["cocaine", "heroin", "opium", "cannabis", "cannabis-resin", "methamphetamine", "amphetamine", "mdma", "ketamine", "fentanyl", "tramadol", "captagon", "khat", "new-psychoactive", "other"];

    /// <summary>UN/ECE Recommendation 20 units a seizure is counted in.</summary>
    public static readonly IReadOnlyDictionary<string, string> Units = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        ["KGM"] = "kilogram",
        ["GRM"] = "gram",
        ["TNE"] = "tonne",
        ["LTR"] = "litre",
        ["MTQ"] = "cubic metre",
        ["NAR"] = "number of articles (cigarettes, pills, items)",
        ["PR"] = "pair",
        ["H87"] = "piece",
        ["C62"] = "one (unit)",
    };

    public static readonly string[] DetectionMethods = ["risk-profile", "random", "intelligence", "scanner", "dog", "tip-off", "alert-hit", "other"];

    public static readonly string[] ConcealmentMethods =
    [
        "in-goods", "false-declaration", "hidden-compartment", "false-bottom", "container-structure", "reefer-unit", "vehicle", "vessel",
        "aircraft", "luggage", "on-body", "in-body", "postal-item", "express-courier", "clothing", "none", "other",
    ];

    public static readonly string[] OffenderKinds = ["person", "company"];

    /// <summary>Every problem in the body of a seizure report (at <paramref name="at"/>, "/seizure"), each naming its member.</summary>
    public static void Check(JsonObject body, string at, List<RecordProblem> problems)
    {
        var category = Text(body, "category");
        if (category is "drugs" or "precursors") { if (body["drugType"] is not null) OneOf(body, "drugType", at, problems, DrugTypes); }
        else if (body["drugType"] is not null) problems.Add(new(at + "/drugType", $"a drug type is for the categories drugs and precursors, not {category}"));
        Length(body, "brand", at, problems, 100);
        Length(body, "species", at, problems, 200);
        Length(body, "office", at, problems, 17);
        Length(body, "declarationMrn", at, problems, 35);
        Length(body, "container", at, problems, 17);
        Length(body, "hitId", at, problems, 100);
        if (body["hsCode"] is { } hs && (hs is not JsonValue hv || !hv.TryGetValue<string>(out var code) || code.Length is < 2 or > 10 || !code.All(char.IsAsciiDigit)))
            problems.Add(new(at + "/hsCode", "expected an HS code of 2 to 10 digits, as text"));
        if (body["quantityKg"] is { } kg && (Number(kg) is not { } mass || mass < 0))
            problems.Add(new(at + "/quantityKg", "expected a number of kilograms, 0 or more"));
        if (body["quantity"] is { } quantity)
        {
            if (quantity is not JsonObject q) problems.Add(new(at + "/quantity", "expected {amount, unit}"));
            else
            {
                if (Number(q["amount"]) is not { } amount) problems.Add(new(at + "/quantity/amount", "expected a number"));
                else if (amount < 0) problems.Add(new(at + "/quantity/amount", $"a quantity cannot be negative ({amount.ToString(CultureInfo.InvariantCulture)})"));
                if (Text(q, "unit") is not { } unit || !Units.ContainsKey(unit))
                    problems.Add(new(at + "/quantity/unit", $"expected a UN/ECE Rec. 20 unit: {string.Join(", ", Units.Keys)}"));
            }
        }
        if (body["value"] is { } value)
        {
            if (value is not JsonObject v) problems.Add(new(at + "/value", "expected {amount, currency}"));
            else
            {
                if (Number(v["amount"]) is not { } amount || amount < 0) problems.Add(new(at + "/value/amount", "expected an estimated value, 0 or more"));
                if (Text(v, "currency") is not { } currency || !CodeLists.CodeLists.Default.IsCurrency(currency))
                    problems.Add(new(at + "/value/currency", "expected an ISO 4217 currency code"));
            }
        }
        if (body["place"] is JsonValue pv && pv.TryGetValue<string>(out var place) && !CheckDigits.IsValidLocode(place, CodeLists.CodeLists.Default, out var reason))
            problems.Add(new(at + "/place", $"expected a UN/LOCODE: {reason}"));
        if (body["detectionMethod"] is not null) OneOf(body, "detectionMethod", at, problems, DetectionMethods);
        if (body["concealmentMethod"] is not null) OneOf(body, "concealmentMethod", at, problems, ConcealmentMethods);
        if (body["transport"] is { } transport)
        {
            if (transport is not JsonObject t) problems.Add(new(at + "/transport", "expected {mode, means}"));
            else
            {
                if (t["mode"] is not null && (Text(t, "mode") is not { } mode || !int.TryParse(mode, NumberStyles.None, CultureInfo.InvariantCulture, out var m) || !CodeLists.CodeLists.Default.TransportModes.ContainsKey(m)))
                    problems.Add(new(at + "/transport/mode", "expected a UN/ECE Rec. 19 transport mode, \"0\" to \"9\" (1 sea, 2 rail, 3 road, 4 air, 5 mail)"));
                Length(t, "means", at + "/transport", problems, 100);
            }
        }
        if (body["route"] is JsonObject route)
        {
            if (route["transitCountryCodes"] is { } transit and not JsonArray) problems.Add(new(at + "/route/transitCountryCodes", "expected a list of ISO 3166-1 alpha-2 codes"));
        }
        else if (body["route"] is { } r and not JsonArray) problems.Add(new(at + "/route", "expected {departureCountryCode, transitCountryCodes, destinationCountryCode} (or a list of countries in order)"));
        if (body["assessmentId"] is { } assessment && (Number(assessment) is not { } id || id < 1 || id != Math.Floor(id)))
            problems.Add(new(at + "/assessmentId", "expected the id of the risk assessment (a whole number)"));
        if (body["offenders"] is { } offenders)
        {
            if (offenders is not JsonArray list) problems.Add(new(at + "/offenders", "expected a list of {kind, name, id, countryCode}"));
            else
                for (var i = 0; i < list.Count; i++)
                {
                    var o = $"{at}/offenders/{i}";
                    if (list[i] is not JsonObject offender)
                    {
                        problems.Add(new(o, "expected {kind, name, id, countryCode}"));
                        continue;
                    }
                    OneOf(offender, "kind", o, problems, OffenderKinds);
                    if (Text(offender, "name") is null && Text(offender, "id") is null) problems.Add(new(o, "expected a name or an id"));
                    Length(offender, "name", o, problems, 200);
                    Length(offender, "id", o, problems, 35);
                }
        }
    }

    /// <summary>The route's countries in order: departure, transit..., destination (from the object, or an earlier report's list).</summary>
    public static (string? Departure, IReadOnlyList<string> Transit, string? Destination) Route(JsonObject body)
    {
        switch (body["route"])
        {
            case JsonObject route:
                // Earlier reports named the departure originCountryCode and the transit countries itinerary.
                return (Text(route, "departureCountryCode") ?? Text(route, "originCountryCode"),
                    (route["transitCountryCodes"] ?? route["itinerary"]) is JsonArray t ? t.Select(c => c is JsonValue v && v.TryGetValue<string>(out var s) ? s : null).OfType<string>().ToArray() : [],
                    Text(route, "destinationCountryCode"));
            case JsonArray list:
                var codes = list.Select(c => c is JsonValue v && v.TryGetValue<string>(out var s) ? s : null).OfType<string>().ToArray();
                return codes.Length == 0 ? (null, [], null) : (codes[0], codes.Length > 2 ? codes[1..^1] : [], codes.Length > 1 ? codes[^1] : null);
            default:
                return (null, [], null);
        }
    }

    public static string? Text(JsonObject obj, string name) => obj[name] is JsonValue v && v.TryGetValue<string>(out var s) && s.Length > 0 ? s : null;

    public static double? Number(JsonNode? node) => node is JsonValue v && (v.TryGetValue<double>(out var d) || v.TryGetValue<decimal>(out var m) && (d = (double)m) == d) ? d : null;

    private static void Length(JsonObject obj, string name, string at, List<RecordProblem> problems, int max)
    {
        if (obj[name] is null) return;
        if (obj[name] is not JsonValue v || !v.TryGetValue<string>(out var s) || s.Length == 0 || s.Length > max)
            problems.Add(new($"{at}/{name}", $"expected a text of 1 to {max} characters"));
    }

    private static void OneOf(JsonObject obj, string name, string at, List<RecordProblem> problems, string[] allowed)
    {
        if (Text(obj, name) is not { } s || !allowed.Contains(s)) problems.Add(new($"{at}/{name}", $"expected one of {string.Join(", ", allowed)}"));
    }
}
