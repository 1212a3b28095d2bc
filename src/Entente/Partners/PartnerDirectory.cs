using System.Data.Common;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json.Nodes;
using Entente.Ledger;
using Entente.Storage;

namespace Entente.Partners;

/// <summary>
/// The partners this node exchanges with (table partners, migration 0005): endpoint and certificates per partner code.
/// Whether a partner may be added is <see cref="PartnerTrust"/>'s decision; this only keeps the result.
/// </summary>
public sealed class PartnerDirectory(NodeDatabase database, TimeProvider time)
{
    private const string Columns = "code, name, endpoint, signing_certificate, encryption_certificate, chain, added_at, updated_at";

    /// <summary>Adds the partner, or updates its name, endpoint and certificates when its code is known (keeping when it was first added).</summary>
    public async Task<Partner> AddAsync(Partner partner, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.ConnectAsync(cancellationToken);
        await using var transaction = await database.BeginWriteAsync(connection, cancellationToken);
        var stored = await AddAsync(connection, transaction, partner, cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return stored;
    }

    /// <summary>Adds or updates the partner and appends its partner-added entry in one transaction; returns it as stored and the entry's index.</summary>
    public async Task<(Partner Partner, long Entry)> AddAsync(Partner partner, LedgerStore ledger, LedgerActor actor, CancellationToken cancellationToken = default)
    {
        Partner? stored = null;
        var entries = await ledger.AppendAsync(async (connection, transaction, ct) =>
        {
            stored = await AddAsync(connection, transaction, partner, ct);
            return [LedgerEntry.Now(ledger.Time, PartnerLedger.PartnerAdded, actor, PartnerLedger.Body(stored.Code, stored.Endpoint, stored.Fingerprint))];
        }, cancellationToken);
        return (stored!, entries[0]);
    }

    /// <summary>Removes the partner and appends its partner-removed entry in one transaction; returns the entry's index.</summary>
    public async Task<long> RemoveAsync(Partner partner, LedgerStore ledger, LedgerActor actor, CancellationToken cancellationToken = default)
    {
        var entries = await ledger.AppendAsync(async (connection, transaction, ct) =>
        {
            await using (var command = NodeDatabase.Command(connection, transaction, "DELETE FROM partners WHERE code = @code", ("@code", partner.Code)))
                await command.ExecuteNonQueryAsync(ct);
            return [LedgerEntry.Now(ledger.Time, PartnerLedger.PartnerRemoved, actor, PartnerLedger.Body(partner.Code, partner.Endpoint, partner.Fingerprint))];
        }, cancellationToken);
        return entries[0];
    }

    private async Task<Partner> AddAsync(DbConnection connection, DbTransaction transaction, Partner partner, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        await using (var upsert = NodeDatabase.Command(connection, transaction,
            "INSERT INTO partners (code, name, endpoint, fingerprint, signing_certificate, encryption_certificate, chain, added_at, updated_at) " +
            "VALUES (@code, @name, @endpoint, @fingerprint, @signing, @encryption, @chain, @at, @at) " +
            "ON CONFLICT (code) DO UPDATE SET name = excluded.name, endpoint = excluded.endpoint, fingerprint = excluded.fingerprint, " +
            "signing_certificate = excluded.signing_certificate, encryption_certificate = excluded.encryption_certificate, " +
            "chain = excluded.chain, updated_at = excluded.updated_at",
            ("@code", partner.Code), ("@name", partner.Name), ("@endpoint", partner.Endpoint.AbsoluteUri), ("@fingerprint", partner.Fingerprint),
            ("@signing", partner.SigningCertificate), ("@encryption", partner.EncryptionCertificate), ("@chain", ChainPem(partner.Chain)), ("@at", Time(now))))
        {
            await upsert.ExecuteNonQueryAsync(cancellationToken);
        }
        return (await GetAsync(connection, transaction, partner.Code, cancellationToken))!;
    }

    public async Task<Partner?> GetAsync(string code, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.ConnectAsync(cancellationToken);
        return await GetAsync(connection, null, code, cancellationToken);
    }

    public async Task<IReadOnlyList<Partner>> ListAsync(CancellationToken cancellationToken = default)
    {
        await using var connection = await database.ConnectAsync(cancellationToken);
        await using var command = NodeDatabase.Command(connection, null, $"SELECT {Columns} FROM partners ORDER BY code");
        return await ReadAsync(command, cancellationToken);
    }

    /// <summary>Removes the partner; false when there was none with that code.</summary>
    public async Task<bool> RemoveAsync(string code, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.ConnectAsync(cancellationToken);
        await using var command = NodeDatabase.Command(connection, null, "DELETE FROM partners WHERE code = @code", ("@code", code));
        return await command.ExecuteNonQueryAsync(cancellationToken) > 0;
    }

    private static async Task<Partner?> GetAsync(DbConnection connection, DbTransaction? transaction, string code, CancellationToken cancellationToken)
    {
        await using var command = NodeDatabase.Command(connection, transaction, $"SELECT {Columns} FROM partners WHERE code = @code", ("@code", code));
        return (await ReadAsync(command, cancellationToken)).SingleOrDefault();
    }

    private static async Task<IReadOnlyList<Partner>> ReadAsync(DbCommand command, CancellationToken cancellationToken)
    {
        var partners = new List<Partner>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            partners.Add(new Partner(reader.GetString(0), reader.GetString(1), new Uri(reader.GetString(2)),
                reader.GetFieldValue<byte[]>(3), reader.GetFieldValue<byte[]>(4), ChainDer(reader.GetString(5)),
                reader.GetFieldValue<DateTimeOffset>(6).ToUniversalTime(), reader.GetFieldValue<DateTimeOffset>(7).ToUniversalTime()));
        }
        return partners;
    }

    private object Time(DateTimeOffset at) => database.IsPostgres ? at.ToUniversalTime() : at.ToUniversalTime().ToString("O", System.Globalization.CultureInfo.InvariantCulture);

    private static string ChainPem(IReadOnlyList<byte[]> chain) =>
        string.Concat(chain.Select(der => new string(System.Security.Cryptography.PemEncoding.Write("CERTIFICATE", der)) + "\n"));

    private static byte[][] ChainDer(string pem)
    {
        if (pem.Length == 0) return [];
        var certificates = new X509Certificate2Collection();
        certificates.ImportFromPem(pem);
        return certificates.Select(c => c.RawData).ToArray();
    }
}

/// <summary>The ledger's record of the partner directory: who was added, updated or removed, where, with which key.</summary>
public static class PartnerLedger
{
    public const string PartnerAdded = LedgerKinds.PartnerAdded;

    public const string PartnerRemoved = LedgerKinds.PartnerRemoved;

    public static string Subject(string code) => "partner:" + code;

    public static JsonObject Body(string code, Uri endpoint, string fingerprint) => new()
    {
        ["code"] = code,
        ["endpoint"] = endpoint.AbsoluteUri,
        ["fingerprint"] = fingerprint,
        [LedgerSubjects.Field] = new JsonArray(Subject(code)),
    };

    public static Task<long> RecordAddedAsync(LedgerStore ledger, LedgerActor actor, Partner partner, CancellationToken cancellationToken = default) =>
        ledger.AppendAsync(PartnerAdded, actor, Body(partner.Code, partner.Endpoint, partner.Fingerprint), cancellationToken);

    public static Task<long> RecordRemovedAsync(LedgerStore ledger, LedgerActor actor, Partner partner, CancellationToken cancellationToken = default) =>
        ledger.AppendAsync(PartnerRemoved, actor, Body(partner.Code, partner.Endpoint, partner.Fingerprint), cancellationToken);
}
