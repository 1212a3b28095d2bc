using Entente.Alerts;
using Entente.Declarations;
using Entente.Screening.Matching;

namespace Entente.Screening;

/// <summary>An alert's subject as the matching engine watches it; a declaration as the probes it shows, each with its field path. Pure.</summary>
public static class AlertSubjects
{
    public static Subject ToWatched(string alertId, AlertSubject s) => s.Kind switch
    {
        AlertSubjectKind.Person => Subject.Person(alertId, s.Names ?? [], BirthDate(s.BirthDate), s.NationalityCountryCodes,
            (s.DocumentNumbers ?? []).Select(n => new Identifier(null, n))),
        AlertSubjectKind.Company => Subject.Company(alertId, s.Names ?? [], s.CountryCode,
            new[] { s.Eori is null ? null : new Identifier(IdentifierSchemes.Eori, s.Eori), s.Tin is null ? null : new Identifier(IdentifierSchemes.Tin, s.Tin) }.OfType<Identifier>(),
            s.LegalForm, s.Address),
        AlertSubjectKind.Transport => new Subject
        {
            Kind = SubjectKind.Transport,
            Id = alertId,
            Names = s.Names ?? [],
            Countries = s.VehicleCountryCode is { } c ? [c] : [],
            Identifiers =
            [
                .. new[]
                {
                    s.Imo is null ? null : new Identifier(IdentifierSchemes.Imo, s.Imo),
                    s.VehicleRegistration is null ? null : new Identifier(IdentifierSchemes.Plate, s.VehicleRegistration),
                    s.Vin is null ? null : new Identifier(IdentifierSchemes.Vin, s.Vin),
                    s.AircraftRegistration is null ? null : new Identifier(IdentifierSchemes.Aircraft, s.AircraftRegistration),
                }.OfType<Identifier>(),
            ],
        },
        AlertSubjectKind.Container => Subject.Container(alertId, s.ContainerNumber ?? ""),
        AlertSubjectKind.Goods => Subject.Goods(alertId, s.HsPrefix, s.OriginCountryCode, s.Terms, s.Brand),
        AlertSubjectKind.Document => new Subject { Kind = SubjectKind.Document, Id = alertId, Identifiers = [new Identifier(null, s.DocumentNumber ?? "")] },
        _ => throw new ArgumentOutOfRangeException(nameof(s), s.Kind, "unknown subject kind"),
    };

    private static PartialDate? BirthDate(string? text)
    {
        if (text is null) return null;
        try
        {
            return PartialDate.Parse(text);
        }
        catch (FormatException)
        {
            return null;
        }
    }

    /// <summary>One subject of a declaration to screen: where it is (JSON pointer), the probe, and what it shows in words.</summary>
    public sealed record Probe(string Path, Subject Subject, string Input);

    /// <summary>
    /// What a declaration shows that alerts may be on: parties (name, identifier under its scheme, country), transport
    /// means at the border and on arrival (IMO, registration with nationality, name), containers, goods lines (HS code,
    /// origin, description) and documents.
    /// </summary>
    public static IReadOnlyList<Probe> Of(Declaration d)
    {
        var probes = new List<Probe>();
        for (var i = 0; i < d.Parties.Count; i++)
        {
            var p = d.Parties[i];
            if (string.IsNullOrWhiteSpace(p.Name) && string.IsNullOrWhiteSpace(p.Id)) continue;
            var country = p.Address?.CountryCode;
            var ids = string.IsNullOrWhiteSpace(p.Id) ? Array.Empty<Identifier>() : [new Identifier(PartyScheme(p), p.Id)];
            probes.Add(new Probe($"/parties/{i}", Subject.Company(null, string.IsNullOrWhiteSpace(p.Name) ? [] : [p.Name], country, ids),
                Words(p.Role.ToString().ToLowerInvariant(), p.Name, p.Id, country)));
        }
        var consignment = d.GoodsShipment.Consignment;
        foreach (var (means, path) in new[] { (consignment.BorderTransportMeans, "/goodsShipment/consignment/borderTransportMeans"), (consignment.ArrivalTransportMeans, "/goodsShipment/consignment/arrivalTransportMeans") })
        {
            if (means is null || (string.IsNullOrWhiteSpace(means.Id) && string.IsNullOrWhiteSpace(means.Name))) continue;
            var scheme = TransportScheme(means);
            probes.Add(new Probe(path, new Subject
            {
                Kind = SubjectKind.Transport,
                Names = string.IsNullOrWhiteSpace(means.Name) ? [] : [means.Name],
                Countries = means.NationalityCode is { } n ? [n] : [],
                Identifiers = string.IsNullOrWhiteSpace(means.Id) ? [] : [new Identifier(scheme, means.Id)],
            }, Words("transport", means.Name, means.Id, means.NationalityCode)));
        }
        for (var i = 0; i < consignment.Containers.Count; i++)
        {
            var c = consignment.Containers[i];
            if (string.IsNullOrWhiteSpace(c.Id)) continue;
            probes.Add(new Probe($"/goodsShipment/consignment/containers/{i}", Subject.Container(null, c.Id), "container " + c.Id));
        }
        for (var i = 0; i < d.GoodsShipment.GoodsItems.Count; i++)
        {
            var g = d.GoodsShipment.GoodsItems[i];
            if (g.Classification is null && string.IsNullOrWhiteSpace(g.Description)) continue;
            probes.Add(new Probe($"/goodsShipment/goodsItems/{i}",
                Subject.Goods(null, g.Classification?.Code, g.OriginCountryCode, string.IsNullOrWhiteSpace(g.Description) ? null : [g.Description]),
                Words($"goods item {g.Sequence}", g.Classification?.Code, g.OriginCountryCode, g.Description)));
        }
        foreach (var (documents, path) in new[] { (d.AdditionalDocuments, "/additionalDocuments") })
        {
            for (var i = 0; i < documents.Count; i++)
            {
                if (documents[i].Id is not { Length: > 0 } id) continue;
                probes.Add(new Probe($"{path}/{i}", new Subject { Kind = SubjectKind.Document, Identifiers = [new Identifier(null, id)] }, Words("document", documents[i].TypeCode, id)));
            }
        }
        return probes;
    }

    private static string? PartyScheme(Party p) => p.IdScheme?.ToUpperInvariant() switch
    {
        null => LooksLikeEori(p.Id!) ? IdentifierSchemes.Eori : null,
        var s => s,
    };

    // Two letters of a country then up to 15 letters or digits: an EORI as the EU writes it.
    private static bool LooksLikeEori(string id) => id.Length is > 2 and <= 17 && char.IsAsciiLetterUpper(id[0]) && char.IsAsciiLetterUpper(id[1]) && id.Skip(2).All(char.IsAsciiLetterOrDigit);

    // DMS identification types: 10 IMO ship number, 11 ship name, 30/31 vehicle registration, 40/41 flight or aircraft.
    private static string? TransportScheme(TransportMeans m) => m.IdentificationTypeCode switch
    {
        "10" => IdentifierSchemes.Imo,
        "30" or "31" => IdentifierSchemes.Plate,
        "40" or "41" => IdentifierSchemes.Aircraft,
        _ => null,
    };

    private static string Words(string what, params string?[] parts) => what + ": " + string.Join(", ", parts.Where(p => !string.IsNullOrWhiteSpace(p)));
}
