using System.Globalization;
using System.Text.Json.Nodes;
using Entente.Agreements;

namespace Entente.Sharing;

/// <summary>
/// The records a node shares beyond declarations, each a data category governed by the agreements: seizure reports,
/// risk results (ICS style: a lane and, per goods item, a result code and text), AEO status (the seven fields of the
/// EU–US mutual recognition arrangement) and alerts. A record is a JSON object with one top-level member
/// (<see cref="RecordKind.Root"/>) so that the agreements' field paths (/seizure, /riskResult, /aeo, /alert) apply.
/// </summary>
public sealed record RecordKind(string Name, DataCategory Category, string Root)
{
    public static readonly RecordKind SeizureReport = new("seizure-report", DataCategory.SeizureReports, "seizure");
    public static readonly RecordKind RiskResult = new("risk-result", DataCategory.RiskResults, "riskResult");
    public static readonly RecordKind AeoStatus = new("aeo-status", DataCategory.AeoStatus, "aeo");
    public static readonly RecordKind Alert = new("alert", DataCategory.Alerts, "alert");

    public static IReadOnlyList<RecordKind> All { get; } = [SeizureReport, RiskResult, AeoStatus, Alert];

    public static RecordKind? Named(string name) => All.FirstOrDefault(k => k.Name == name);

    public static string Names => string.Join(", ", All.Select(k => k.Name));
}

/// <summary>A problem in a record, at a JSON pointer.</summary>
public sealed record RecordProblem(string Field, string Message)
{
    public override string ToString() => $"{Field}: {Message}";
}

/// <summary>Checks a record of a kind: its shape, codes (ISO countries, dates, lanes, statuses) and sizes; every problem with its pointer. Pure.</summary>
public static class RecordValidator
{
    private static readonly string[] SeizureCategories = SeizureReport.Categories;
    private static readonly string[] Lanes = ["red", "yellow", "green", "blue"];
    private static readonly string[] AeoStatuses = ["certified", "suspended", "revoked"];

    public static IReadOnlyList<RecordProblem> Check(RecordKind kind, JsonObject document)
    {
        var problems = new List<RecordProblem>();
        // Withheld is never data: what a partner received with fields withheld (or an earlier version's placeholders)
        // is not a record of this node's own.
        if (document[PolicyEngine.WithheldMember] is not null)
        {
            problems.Add(new("/" + PolicyEngine.WithheldMember, "a record listing withheld fields is a projection of one, not a record: record the original values"));
            return problems;
        }
        Placeholders(document, "", problems);
        if (problems.Count > 0) return problems;
        if (document.Count != 1 || document[kind.Root] is not JsonObject body)
        {
            problems.Add(new("/", $"a {kind.Name} is an object with one member \"{kind.Root}\""));
            return problems;
        }
        var at = "/" + kind.Root;
        if (kind == RecordKind.SeizureReport)
        {
            Text(body, "id", at, problems, 100);
            Time(body, "seizedAt", at, problems);
            OneOf(body, "category", at, problems, SeizureCategories);
            Text(body, "place", at, problems, 10, required: false);
            Countries(body, at, problems);
            SeizureReport.Check(body, at, problems);
        }
        else if (kind == RecordKind.RiskResult)
        {
            Text(body, "declarationMrn", at, problems, 35);
            OneOf(body, "lane", at, problems, Lanes);
            Time(body, "assessedAt", at, problems);
            if (body["items"] is not JsonArray items || items.Count == 0) problems.Add(new(at + "/items", "expected the result per goods item: [{sequence, resultCode, text}]"));
            else
            {
                for (var i = 0; i < items.Count; i++)
                {
                    var itemAt = $"{at}/items/{i}";
                    if (items[i] is not JsonObject item)
                    {
                        problems.Add(new(itemAt, "expected an object"));
                        continue;
                    }
                    if (item["sequence"] is not JsonValue s || !s.TryGetValue<int>(out var seq) || seq < 1) problems.Add(new(itemAt + "/sequence", "expected the goods item's sequence number (1, 2, ...)"));
                    Text(item, "resultCode", itemAt, problems, 10);
                    Text(item, "text", itemAt, problems, 2000);
                }
            }
            Countries(body, at, problems);
        }
        else if (kind == RecordKind.AeoStatus)
        {
            Text(body, "id", at, problems, 35);
            Text(body, "name", at, problems, 200);
            if (body["address"] is not JsonObject) problems.Add(new(at + "/address", "expected the trader's address"));
            OneOf(body, "status", at, problems, AeoStatuses);
            Date(body, "validatedOn", at, problems, required: true);
            var status = (body["status"] as JsonValue)?.GetValue<string>();
            Date(body, "suspendedOn", at, problems, required: status == "suspended");
            Date(body, "revokedOn", at, problems, required: status == "revoked");
            Countries(body, at, problems);
        }
        else if (kind == RecordKind.Alert)
        {
            Text(body, "id", at, problems, 100);
            Text(body, "category", at, problems, 64);
            Countries(body, at, problems);
        }
        return problems;
    }

    /// <summary>Every string value that is a placeholder for a withheld one ("***", "[withheld]"), at its pointer.</summary>
    private static void Placeholders(JsonNode? node, string at, List<RecordProblem> problems)
    {
        switch (node)
        {
            case JsonObject obj:
                foreach (var (name, child) in obj) Placeholders(child, at + "/" + name, problems);
                break;
            case JsonArray array:
                for (var i = 0; i < array.Count; i++) Placeholders(array[i], at + "/" + i.ToString(CultureInfo.InvariantCulture), problems);
                break;
            case JsonValue v when v.TryGetValue<string>(out var text) && Exchange.Acceptance.IsPlaceholder(text):
                problems.Add(new(at, $"'{text}' is a placeholder for a withheld value, not data: record the original value"));
                break;
        }
    }

    private static void Text(JsonObject obj, string name, string at, List<RecordProblem> problems, int max, bool required = true)
    {
        switch (obj[name])
        {
            case null when !required:
                return;
            case JsonValue v when v.TryGetValue<string>(out var s) && s.Length > 0 && s.Length <= max:
                return;
            default:
                problems.Add(new($"{at}/{name}", $"expected a text of 1 to {max} characters"));
                return;
        }
    }

    private static void OneOf(JsonObject obj, string name, string at, List<RecordProblem> problems, string[] allowed)
    {
        if (obj[name] is not JsonValue v || !v.TryGetValue<string>(out var s) || !allowed.Contains(s))
            problems.Add(new($"{at}/{name}", $"expected one of {string.Join(", ", allowed)}"));
    }

    private static void Time(JsonObject obj, string name, string at, List<RecordProblem> problems)
    {
        if (obj[name] is not JsonValue v || !v.TryGetValue<string>(out var s) ||
            !DateTimeOffset.TryParse(s, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out _))
            problems.Add(new($"{at}/{name}", "expected a date and time (ISO 8601, e.g. 2026-11-28T10:15:00Z)"));
    }

    private static void Date(JsonObject obj, string name, string at, List<RecordProblem> problems, bool required)
    {
        if (obj[name] is null && !required) return;
        if (obj[name] is not JsonValue v || !v.TryGetValue<string>(out var s) || !DateOnly.TryParseExact(s, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out _))
            problems.Add(new($"{at}/{name}", "expected a date yyyy-MM-dd"));
    }

    /// <summary>Every country code anywhere in the record is an ISO 3166-1 alpha-2 code.</summary>
    private static void Countries(JsonNode? node, string at, List<RecordProblem> problems)
    {
        foreach (var (path, code) in Involvement.CountryFields(node, at))
        {
            if (!CodeLists.CodeLists.Default.IsCountry(code)) problems.Add(new(path, $"'{code}' is not an ISO 3166-1 alpha-2 country code"));
        }
    }
}

/// <summary>Which countries a record involves: its traders' and routes' country codes (every member named *countryCode, and itinerary lists).</summary>
public static class Involvement
{
    public static IEnumerable<(string Path, string Code)> CountryFields(JsonNode? node, string at)
    {
        switch (node)
        {
            case JsonObject obj:
                foreach (var (name, value) in obj)
                {
                    var path = $"{at}/{name}";
                    var isCountry = name.EndsWith("countryCode", StringComparison.OrdinalIgnoreCase) || name.EndsWith("CountryCodes", StringComparison.Ordinal)
                        || name is "itinerary" or "route";
                    if (isCountry && value is JsonValue v && v.TryGetValue<string>(out var code)) yield return (path, code);
                    else if (isCountry && value is JsonArray list)
                    {
                        for (var i = 0; i < list.Count; i++)
                            if (list[i] is JsonValue e && e.TryGetValue<string>(out var c)) yield return ($"{path}/{i}", c);
                    }
                    else
                    {
                        foreach (var inner in CountryFields(value, path)) yield return inner;
                    }
                }
                break;
            case JsonArray array:
                for (var i = 0; i < array.Count; i++)
                    foreach (var inner in CountryFields(array[i], $"{at}/{i}")) yield return inner;
                break;
        }
    }

    /// <summary>True when a trader or route in the record is in the country of node <paramref name="node"/> (its code's first two letters).</summary>
    public static bool Involves(JsonObject record, string node) =>
        CountryFields(record, "").Any(c => string.Equals(c.Code, node[..2], StringComparison.Ordinal));
}
