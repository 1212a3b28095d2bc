using System.Text.Json;
using System.Text.Json.Nodes;
using Entente.Common;

namespace Entente.Alerts;

/// <summary>What every alert of an imported list gets: its reason, the action, the national basis, from when.</summary>
public sealed record SanctionsTerms(AlertCategory Category, AlertAction Action, string Basis, DateOnly From, string HandlingCode = "H0");

/// <summary>A sanctions list read: the entities that are subjects, the lines that are not (skipped), and the lines that cannot be read.</summary>
public sealed record SanctionsRead(IReadOnlyList<ListEntity> Entities, int Skipped, IReadOnlyList<FieldError> Errors);

/// <summary>
/// Reads a list in the FollowTheMoney entity format OpenSanctions publishes (one JSON entity per line: id, schema,
/// properties with lists of values) into alert documents. Person → person (name, alias, weakAlias, birthDate,
/// nationality/citizenship, passportNumber/idNumber); Company, Organization, LegalEntity → company (name, alias,
/// legalForm, taxNumber/vatCode/innCode, registrationNumber, address, country/jurisdiction); Vessel → transport
/// (imoNumber, name); Airplane → transport (registrationNumber). Other schemas (sanctions, addresses, links) are skipped. Pure.
/// </summary>
public static class SanctionsList
{
    private static readonly string[] Companies = ["Company", "Organization", "LegalEntity", "PublicBody"];

    public static SanctionsRead Read(string text, string file, SanctionsTerms terms)
    {
        var entities = new List<ListEntity>();
        var errors = new List<FieldError>();
        var skipped = 0;
        var lines = text.Split('\n');
        for (var i = 0; i < lines.Length; i++)
        {
            var line = i + 1;
            if (lines[i].Trim().Length == 0) continue;
            JsonObject entity;
            try
            {
                entity = JsonNode.Parse(lines[i]) as JsonObject ?? throw new JsonException("expected an object");
            }
            catch (JsonException e)
            {
                errors.Add(new FieldError("", $"not a FollowTheMoney entity (one JSON object per line): {e.Message}") { File = file, Line = line });
                continue;
            }
            var id = (entity["id"] as JsonValue)?.TryGetValue<string>(out var s) == true ? s : null;
            var schema = (entity["schema"] as JsonValue)?.TryGetValue<string>(out var sc) == true ? sc : null;
            if (id is null || schema is null || entity["properties"] is not JsonObject properties)
            {
                errors.Add(new FieldError("", "an entity has id, schema and properties") { File = file, Line = line });
                continue;
            }
            var subject = Subject(schema, properties);
            if (subject is null)
            {
                skipped++;
                continue;
            }
            var remarks = string.Join("; ", Values(properties, "program", "sourceUrl").Take(3));
            var document = new JsonObject
            {
                ["subject"] = subject,
                ["category"] = AlertJson.Name(terms.Category),
                ["action"] = AlertJson.Name(terms.Action),
                ["validity"] = new JsonObject { ["from"] = AlertJson.Day(terms.From) },
                ["legalBasis"] = new JsonObject { ["national"] = terms.Basis },
                ["handlingCode"] = terms.HandlingCode,
            };
            if (remarks.Length > 0) document["remarks"] = remarks.Length > 2000 ? remarks[..2000] : remarks;
            entities.Add(new ListEntity(id, document, file, line));
        }
        return new SanctionsRead(entities, skipped, errors);
    }

    private static JsonObject? Subject(string schema, JsonObject p)
    {
        var subject = new JsonObject();
        if (schema == "Person")
        {
            subject["kind"] = "person";
            Add(subject, "names", Values(p, "name", "alias", "weakAlias", "previousName"), AlertValidator.MaxText);
            if (First(p, "birthDate") is { } birth) subject["birthDate"] = birth.Length > 10 ? birth[..10] : birth;
            Add(subject, "nationalityCountryCodes", Countries(p, "nationality", "citizenship"), 2);
            Add(subject, "documentNumbers", Values(p, "passportNumber", "idNumber"), 70);
        }
        else if (Companies.Contains(schema))
        {
            subject["kind"] = "company";
            Add(subject, "names", Values(p, "name", "alias", "weakAlias", "previousName"), AlertValidator.MaxText);
            if (First(p, "legalForm") is { Length: <= 50 } form) subject["legalForm"] = form;
            if (Values(p, "taxNumber", "vatCode", "innCode", "registrationNumber").FirstOrDefault(v => v.Length <= 35) is { } tin) subject["tin"] = tin;
            if (First(p, "address") is { } address) subject["address"] = address.Length > 300 ? address[..300] : address;
            if (Countries(p, "country", "jurisdiction", "mainCountry").FirstOrDefault() is { } country) subject["countryCode"] = country;
        }
        else if (schema == "Vessel")
        {
            subject["kind"] = "transport";
            Add(subject, "names", Values(p, "name", "alias"), AlertValidator.MaxText);
            if (First(p, "imoNumber") is { } imo) subject["imo"] = imo;
            else return null;
        }
        else if (schema == "Airplane")
        {
            subject["kind"] = "transport";
            if (First(p, "registrationNumber") is { } registration) subject["aircraftRegistration"] = registration;
            else return null;
        }
        else return null;
        return subject;
    }

    private static void Add(JsonObject subject, string name, IEnumerable<string> values, int max)
    {
        var list = values.Where(v => v.Length <= max).Distinct(StringComparer.Ordinal).Take(AlertValidator.MaxList).ToArray();
        if (list.Length > 0) subject[name] = new JsonArray(list.Select(v => (JsonNode)v).ToArray());
    }

    private static IEnumerable<string> Values(JsonObject p, params string[] names) =>
        names.SelectMany(n => p[n] is JsonArray a ? a.OfType<JsonValue>().Select(v => v.TryGetValue<string>(out var s) ? s.Trim() : null).OfType<string>() : [])
            .Where(v => v.Length > 0);

    private static string? First(JsonObject p, string name) => Values(p, name).FirstOrDefault();

    /// <summary>FtM country codes are ISO 3166-1 lower case (and some of its own, suppressed here: "suhh", "zz").</summary>
    private static IEnumerable<string> Countries(JsonObject p, params string[] names) =>
        Values(p, names).Select(c => c.ToUpperInvariant()).Where(c => c.Length == 2 && CodeLists.CodeLists.Default.IsCountry(c)).Distinct(StringComparer.Ordinal);
}
