using System.Globalization;
using System.Runtime.CompilerServices;
using Entente.Declarations;
using Entente.Storage;

namespace Entente.Blinded;

/// <summary>
/// The identifiers in the declarations a node stores: every party's identification number (by its scheme; without
/// one, an EORI when it starts with two letters, otherwise a TIN), every container, and the means of transport (type
/// 10: an IMO number; 30: a vehicle registration with its nationality; no type: whichever normalises). Read from
/// the documents in the store; an identifier that does not normalise (docs/blinded.md) is left out.
/// </summary>
public sealed class DeclarationIdentifiers(NodeDatabase database) : IBlindedIdentifierSource
{
    public string Name => "declarations";

    public async Task<string> StampAsync(CancellationToken cancellationToken)
    {
        await using var connection = await database.ConnectAsync(cancellationToken);
        await using var command = NodeDatabase.Command(connection, null, "SELECT count(*), coalesce(max(key), 0) FROM declarations");
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        await reader.ReadAsync(cancellationToken);
        return string.Create(CultureInfo.InvariantCulture, $"{reader.GetInt64(0)}:{reader.GetInt64(1)}");
    }

    public async IAsyncEnumerable<BlindedIdentifier> IdentifiersAsync([EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await using var connection = await database.ConnectAsync(cancellationToken);
        await using var command = NodeDatabase.Command(connection, null, "SELECT document FROM declarations");
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            foreach (var identifier in Of(EntenteJson.Deserialize(reader.GetString(0)))) yield return identifier;
        }
    }

    /// <summary>The identifiers one declaration names.</summary>
    public static IEnumerable<BlindedIdentifier> Of(Declaration declaration)
    {
        foreach (var party in declaration.Parties)
        {
            if (string.IsNullOrWhiteSpace(party.Id)) continue;
            var compact = BlindedIdentifier.Compact(party.Id);
            var type = party.IdScheme?.ToUpperInvariant() switch
            {
                "EORI" => IdentifierType.Eori,
                "TIN" => IdentifierType.Tin,
                _ => compact.Length >= 3 && char.IsAsciiLetterUpper(compact[0]) && char.IsAsciiLetterUpper(compact[1]) ? IdentifierType.Eori : IdentifierType.Tin,
            };
            if (Try(type, party.Id) is { } id) yield return id;
        }
        foreach (var container in declaration.GoodsShipment.Consignment.Containers)
        {
            if (Try(IdentifierType.Container, container.Id) is { } id) yield return id;
        }
        foreach (var means in new[] { declaration.GoodsShipment.Consignment.BorderTransportMeans, declaration.GoodsShipment.Consignment.ArrivalTransportMeans })
        {
            if (means?.Id is not { Length: > 0 } identification) continue;
            // DMS identification types: 10 IMO ship number, 30 vehicle registration; others (ship name, flight) are not identifiers here.
            var found = means.IdentificationTypeCode switch
            {
                "10" => Try(IdentifierType.Imo, identification),
                "30" => Try(IdentifierType.Vehicle, identification, means.NationalityCode),
                null => Try(IdentifierType.Imo, identification) ?? Try(IdentifierType.Vehicle, identification, means.NationalityCode),
                _ => null,
            };
            if (found is not null) yield return found;
        }
    }

    private static BlindedIdentifier? Try(IdentifierType type, string? value, string? country = null)
    {
        try
        {
            return BlindedIdentifier.Of(type, value, country);
        }
        catch (BlindedIdentifierException)
        {
            return null;
        }
    }
}
