using System.Runtime.CompilerServices;
using Entente.Alerts;
using Entente.Storage;

namespace Entente.Blinded;

/// <summary>
/// The identifiers in the alerts a node holds that apply now — its own and those its partners sent it, not the public
/// sanctions lists it imported (any node can hold those; a hit on one says nothing about this node): a company's EORI
/// and TIN, a vessel's IMO number, a vehicle's registration with its country, a container, a person's names each
/// with the full birth date (a person without one is not an identifier here), document numbers. A withdrawn or
/// expired alert leaves the index at the next build; a name outside Latin is left out (docs/blinded.md).
/// </summary>
public sealed class AlertIdentifiers(AlertBook alerts, NodeDatabase database, TimeProvider time) : IBlindedIdentifierSource
{
    public string Name => "alerts";

    /// <summary>The book's stamp (any alert stored, changed, withdrawn or flagged) and the day (validity ends by the day).</summary>
    public async Task<string> StampAsync(CancellationToken cancellationToken) =>
        $"{await alerts.StampAsync(cancellationToken)}|{DateOnly.FromDateTime(time.GetUtcNow().UtcDateTime):yyyy-MM-dd}|{await InForceCountAsync(cancellationToken)}";

    public async IAsyncEnumerable<BlindedIdentifier> IdentifiersAsync([EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await foreach (var stored in alerts.InForceAsync(cancellationToken))
        {
            if (stored.Source == AlertSource.List) continue;
            foreach (var identifier in Of(stored.Alert.Subject)) yield return identifier;
        }
    }

    /// <summary>Alerts that apply now (own and partners'), counted in the database: one that expires by its retention changes it between two changes of the book.</summary>
    private async Task<long> InForceCountAsync(CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var today = AlertJson.Day(DateOnly.FromDateTime(now.UtcDateTime));
        await using var connection = await database.ConnectAsync(cancellationToken);
        await using var command = NodeDatabase.Command(connection, null,
            "SELECT count(*) FROM alerts WHERE source <> 'list' AND state = 'in-force' AND valid_from <= @today AND (valid_until IS NULL OR valid_until >= @today) " +
            "AND (retain_until IS NULL OR retain_until > @now)", ("@today", today), ("@now", AlertJson.Time(now)));
        return Convert.ToInt64(await command.ExecuteScalarAsync(cancellationToken), System.Globalization.CultureInfo.InvariantCulture);
    }

    /// <summary>The identifiers one alert's subject names, canonical; those that do not normalise are left out.</summary>
    public static IEnumerable<BlindedIdentifier> Of(AlertSubject subject)
    {
        var found = new List<BlindedIdentifier?>
        {
            Try(IdentifierType.Eori, subject.Eori),
            Try(IdentifierType.Tin, subject.Tin),
            Try(IdentifierType.Imo, subject.Imo),
            subject.VehicleRegistration is null ? null : Try(IdentifierType.Vehicle, subject.VehicleRegistration, subject.VehicleCountryCode),
            Try(IdentifierType.Container, subject.ContainerNumber),
            Try(IdentifierType.Document, subject.DocumentNumber),
        };
        foreach (var number in subject.DocumentNumbers ?? []) found.Add(Try(IdentifierType.Document, number));
        if (subject.Kind == AlertSubjectKind.Person && subject.BirthDate is { Length: 10 } birthDate)
        {
            foreach (var name in subject.Names ?? []) found.Add(Try(IdentifierType.Person, name, birthDate: birthDate));
        }
        return found.OfType<BlindedIdentifier>().Distinct();
    }

    private static BlindedIdentifier? Try(IdentifierType type, string? value, string? country = null, string? birthDate = null)
    {
        if (string.IsNullOrWhiteSpace(value)) return null;
        try
        {
            return BlindedIdentifier.Of(type, value, country, birthDate);
        }
        catch (BlindedIdentifierException)
        {
            return null;
        }
    }
}
