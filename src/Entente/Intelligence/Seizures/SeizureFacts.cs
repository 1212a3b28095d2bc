using System.Globalization;
using System.Text.Json.Nodes;
using Entente.Sharing;

namespace Entente.Intelligence.Seizures;

/// <summary>
/// A seizure as analytics reads it: the month and the columns trends group by, from a seizure-report's body, own or a
/// partner's (<see cref="Origin"/>: this node's code or the sender's). A partner's seizure time may arrive generalised
/// to the month (its agreement's transform): <see cref="SeizedOn"/> is then the month's first day.
/// </summary>
public sealed record SeizureFacts(
    string Id, string Origin, DateOnly SeizedOn, string Category, string? Detail, double? Quantity, string? Unit, double? Value, string? Currency,
    string? Place, string? Detection, string? Concealment, string? TransportMode, string? Departure, IReadOnlyList<string> Transit, string? Destination,
    string? Mrn, string? Container, long? AssessmentId, string? HitId)
{
    public string Month => SeizedOn.ToString("yyyy-MM", CultureInfo.InvariantCulture);

    /// <summary>Departure → destination, the lane of the route ("?" for a country not given).</summary>
    public string Flow => $"{Departure ?? "?"}→{Destination ?? "?"}";

    /// <summary>The facts of a seizure-report body (<c>{"seizure": {...}}</c>'s member), or null when it has no readable id, date or category.</summary>
    public static SeizureFacts? Of(JsonObject body, string origin)
    {
        if (SeizureReport.Text(body, "id") is not { } id || SeizureReport.Text(body, "category") is not { } category || Date(SeizureReport.Text(body, "seizedAt")) is not { } on)
            return null;
        var detail = SeizureReport.Text(body, "drugType") ?? SeizureReport.Text(body, "brand") ?? SeizureReport.Text(body, "species");
        double? quantity = null;
        string? unit = null;
        if (body["quantity"] is JsonObject q)
        {
            quantity = SeizureReport.Number(q["amount"]);
            unit = SeizureReport.Text(q, "unit");
        }
        else if (SeizureReport.Number(body["quantityKg"]) is { } kg) (quantity, unit) = (kg, "KGM");
        var value = body["value"] as JsonObject;
        var (departure, transit, destination) = SeizureReport.Route(body);
        var transport = body["transport"] as JsonObject;
        return new SeizureFacts(id, origin, on, category, detail, quantity, unit, value is null ? null : SeizureReport.Number(value["amount"]),
            value is null ? null : SeizureReport.Text(value, "currency"), SeizureReport.Text(body, "place") ?? SeizureReport.Text(body, "port"),
            SeizureReport.Text(body, "detectionMethod"), SeizureReport.Text(body, "concealmentMethod"),
            transport is null ? null : transport["mode"] is JsonValue m ? m.ToString() : null, departure, transit, destination,
            SeizureReport.Text(body, "declarationMrn"), SeizureReport.Text(body, "container"),
            SeizureReport.Number(body["assessmentId"]) is { } a ? (long)a : null, SeizureReport.Text(body, "hitId"));
    }

    /// <summary>A date and time, a date, or a month (yyyy-MM, a generalised date) as the day it starts on.</summary>
    public static DateOnly? Date(string? text)
    {
        if (text is null) return null;
        if (DateOnly.TryParseExact(text, "yyyy-MM", CultureInfo.InvariantCulture, DateTimeStyles.None, out var month)) return month;
        if (DateOnly.TryParseExact(text, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var day)) return day;
        return DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var at) ? DateOnly.FromDateTime(at.UtcDateTime) : null;
    }
}
