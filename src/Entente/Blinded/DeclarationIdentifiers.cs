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
    private const string StateSql =
        "SELECT count(*), coalesce(max(key), 0), coalesce(max(id), ''), (SELECT count(*) FROM declaration_versions) FROM declarations";

    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly List<BlindedIdentifier> _held = [];
    private State? _read;

    /// <summary>What the identifiers held were read from: the number of declarations, the highest key and id, the number of superseded versions.</summary>
    private sealed record State(long Count, long MaxKey, string MaxId, long Versions);

    public string Name => "declarations";

    public async Task<string> StampAsync(CancellationToken cancellationToken)
    {
        var state = await StateAsync(cancellationToken);
        return string.Create(CultureInfo.InvariantCulture, $"{state.Count}:{state.MaxKey}:{state.MaxId}:{state.Versions}");
    }

    /// <summary>
    /// The identifiers of every stored declaration. Read incrementally: when the declarations only grew since the last
    /// read (every row above the highest key read is new, and none went: the count adds up; no amendment: the versions
    /// are as they were) only the new rows are read; otherwise all of them again.
    /// </summary>
    public async IAsyncEnumerable<BlindedIdentifier> IdentifiersAsync([EnumeratorCancellation] CancellationToken cancellationToken)
    {
        BlindedIdentifier[] snapshot;
        await _gate.WaitAsync(cancellationToken);
        try
        {
            var state = await StateAsync(cancellationToken);
            await using var connection = await database.ConnectAsync(cancellationToken);
            if (_read is { } read && state.Versions == read.Versions && state.Count >= read.Count)
            {
                var added = new List<BlindedIdentifier>();
                long rows = 0, maxKey = read.MaxKey;
                var maxId = read.MaxId;
                await using (var command = NodeDatabase.Command(connection, null, "SELECT key, id, document FROM declarations WHERE key > @key ORDER BY key", ("@key", read.MaxKey)))
                await using (var reader = await command.ExecuteReaderAsync(cancellationToken))
                {
                    while (await reader.ReadAsync(cancellationToken))
                    {
                        rows++;
                        maxKey = reader.GetInt64(0);
                        if (string.CompareOrdinal(reader.GetString(1), maxId) > 0) maxId = reader.GetString(1);
                        added.AddRange(Of(EntenteJson.Deserialize(reader.GetString(2))));
                    }
                }
                if (read.Count + rows == state.Count && maxId == state.MaxId)
                {
                    _held.AddRange(added);
                    _read = state with { MaxKey = Math.Max(maxKey, state.MaxKey) };
                }
                else
                {
                    _read = null;
                }
            }
            if (_read is null)
            {
                _held.Clear();
                await using var command = NodeDatabase.Command(connection, null, "SELECT document FROM declarations");
                await using var reader = await command.ExecuteReaderAsync(cancellationToken);
                while (await reader.ReadAsync(cancellationToken)) _held.AddRange(Of(EntenteJson.Deserialize(reader.GetString(0))));
                _read = state;
            }
            snapshot = [.. _held];
        }
        finally
        {
            _gate.Release();
        }
        foreach (var identifier in snapshot) yield return identifier;
    }

    private async Task<State> StateAsync(CancellationToken cancellationToken)
    {
        await using var connection = await database.ConnectAsync(cancellationToken);
        await using var command = NodeDatabase.Command(connection, null, StateSql);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        await reader.ReadAsync(cancellationToken);
        return new State(reader.GetInt64(0), reader.GetInt64(1), reader.GetString(2), reader.GetInt64(3));
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
