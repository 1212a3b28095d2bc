using System.Buffers;
using System.Text.Json;
using Entente.Common;
using Entente.Declarations;

namespace Entente.Storage;

/// <summary>A stored declaration flattened into the columns and side-table rows both providers write. Pure.</summary>
internal sealed record DeclarationRow(
    string Id, string? Lrn, string? Mrn, string? DeclarantId, string? TypeCode, string? FunctionCode,
    DeclarationStatus Status, DateOnly? Date, string? ImporterId, int Items, decimal? TotalValue, string? Currency,
    DateTimeOffset ReceivedAt, DeclarationFormat Format, string SourceFile, byte[] Document,
    IReadOnlyList<PartyRow> Parties, IReadOnlyList<GoodsItemRow> GoodsItems, IReadOnlyList<string> Containers,
    InspectionLabels? Labels)
{
    public const string IngestActor = "ingest";

    /// <summary>The codes of the declaration's findings, each once (the side table search uses).</summary>
    public IReadOnlyList<string> Findings { get; init; } = [];

    /// <summary>The declarant part of the LRN key: an LRN is unique per declarant, and a missing declarant is one declarant.</summary>
    public string DeclarantKey => DeclarantId ?? "";

    /// <summary>
    /// Flattens a declaration received at <paramref name="receivedAt"/> as it will be stored: a new UUID v7 id, the
    /// received status, the document as UTF-8 JSON (<see cref="WriteDocument"/>; left empty without
    /// <paramref name="withDocument"/>, for a caller that writes it itself). The declaration is left unchanged.
    /// </summary>
    public static DeclarationRow Of(PendingDeclaration pending, DateTimeOffset receivedAt, bool withDocument = true)
    {
        var d = pending.Declaration;
        var id = TimeOrderedIds.NewVersion7(receivedAt).ToString();
        var (total, currency) = TotalValueOf(d);
        // The side tables are keyed by what search asks (party, container): a repeated pair says nothing more.
        var parties = new List<PartyRow>(d.Parties.Count);
        foreach (var party in d.Parties)
        {
            if (Key(party.Id) is not { } partyId) continue;
            var row = new PartyRow(RoleName(party.Role), partyId);
            if (!parties.Contains(row)) parties.Add(row);
        }
        var items = new List<GoodsItemRow>(d.GoodsShipment.GoodsItems.Count);
        foreach (var item in d.GoodsShipment.GoodsItems)
        {
            var amount = item.CustomsValue ?? item.ItemPrice;
            items.Add(new GoodsItemRow(item.Sequence, HsCode(item.Classification?.Code), CountryCode(item.OriginCountryCode),
                amount?.Value, CurrencyCode(amount?.Currency)));
        }
        var containers = new List<string>(d.GoodsShipment.Consignment.Containers.Count);
        foreach (var container in d.GoodsShipment.Consignment.Containers)
        {
            if (ContainerNumber(container.Id) is { } number && !containers.Contains(number)) containers.Add(number);
        }
        return new DeclarationRow(
            id, Key(d.Lrn), Key(d.Mrn), DeclarantIdOf(d), Key(d.TypeCode), Key(d.FunctionCode), DeclarationStatus.Received,
            DateOf(d), Key(d.FindParty(PartyRole.Importer)?.Id), d.GoodsShipment.GoodsItems.Count, total, currency,
            receivedAt, pending.Format, pending.SourceFile, withDocument ? WriteDocument(d, id).ToArray() : [], parties, items, containers,
            pending.Labels)
        {
            Findings = d.Findings is { Count: > 0 } findings ? findings.Select(f => f.Code).Distinct(StringComparer.Ordinal).ToArray() : [],
        };
    }

    /// <summary>
    /// The canonical JSON of the declaration as stored, with its node id and the received status, in the thread's
    /// serialisation buffer (<see cref="EntenteJson.SerializeToThreadBuffer"/>).
    /// </summary>
    public static ReadOnlySpan<byte> WriteDocument(Declaration d, string id)
    {
        var (previousId, previousStatus) = (d.Id, d.Status);
        d.Id = id;
        d.Status = DeclarationStatus.Received;
        try
        {
            return EntenteJson.SerializeToThreadBuffer(d);
        }
        finally
        {
            (d.Id, d.Status) = (previousId, previousStatus);
        }
    }

    /// <summary>A reference as it is keyed: trimmed, and absent when blank.</summary>
    public static string? Key(string? value) => string.IsNullOrWhiteSpace(value) ? null : value.Trim();

    public static string? DeclarantIdOf(Declaration d) => Key(d.FindParty(PartyRole.Declarant)?.Id);

    /// <summary>The date a declaration is filed under: acceptance by customs, else issue by the declarant, as written.</summary>
    public static DateOnly? DateOf(Declaration d) =>
        (d.AcceptanceDateTime ?? d.IssueDateTime) is { } at ? DateOnly.FromDateTime(at.DateTime) : null;

    /// <summary>The invoice amount, else the items' customs values (or prices) summed when they share one currency.</summary>
    public static (decimal? Value, string? Currency) TotalValueOf(Declaration d)
    {
        if (d.InvoiceAmount is { } invoice) return (invoice.Value, CurrencyCode(invoice.Currency));
        decimal sum = 0;
        string? currency = null;
        var any = false;
        foreach (var item in d.GoodsShipment.GoodsItems)
        {
            if ((item.CustomsValue ?? item.ItemPrice) is not { } amount) continue;
            var code = CurrencyCode(amount.Currency);
            if (any && !string.Equals(code, currency, StringComparison.Ordinal)) return (null, null);
            currency = code;
            sum += amount.Value;
            any = true;
        }
        return any ? (sum, currency) : (null, null);
    }

    /// <summary>An HS code as indexed: digits and letters only ("8471.30" is 847130).</summary>
    public static string? HsCode(string? code)
    {
        if (string.IsNullOrWhiteSpace(code)) return null;
        // The common case, a code already made of digits (and capitals), is kept as it is.
        if (!code.AsSpan().ContainsAnyExcept(IndexedCharacters)) return code;
        var kept = string.Concat(code.Where(char.IsAsciiLetterOrDigit));
        return kept.Length == 0 ? null : kept.ToUpperInvariant();
    }

    /// <summary>A container number as indexed: capitals, no spaces or dashes ("CSQU 305438-3" is CSQU3054383).</summary>
    public static string? ContainerNumber(string? id)
    {
        if (string.IsNullOrWhiteSpace(id)) return null;
        if (!id.AsSpan().ContainsAnyExcept(IndexedCharacters)) return id;
        var kept = string.Concat(id.Where(c => c is not (' ' or '-' or '\t')));
        return kept.Length == 0 ? null : kept.ToUpperInvariant();
    }

    private static readonly SearchValues<char> IndexedCharacters = SearchValues.Create("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ");

    public static string? CountryCode(string? code) => Key(code)?.ToUpperInvariant();

    public static string? CurrencyCode(string? code) => Key(code)?.ToUpperInvariant();

    private static readonly Dictionary<PartyRole, string> PartyRoleNames = Enum.GetValues<PartyRole>().ToDictionary(r => r, Kebab);

    private static readonly Dictionary<DeclarationFormat, string> FormatNames = Enum.GetValues<DeclarationFormat>().ToDictionary(f => f, Kebab);

    private static string Kebab<T>(T value) where T : struct, Enum => JsonNamingPolicy.KebabCaseLower.ConvertName(value.ToString());

    public static string RoleName(PartyRole role) => PartyRoleNames.TryGetValue(role, out var name) ? name : Kebab(role);

    public static string FormatName(DeclarationFormat format) => FormatNames.TryGetValue(format, out var name) ? name : Kebab(format);

    public static DeclarationFormat ParseFormat(string name)
    {
        foreach (var format in Enum.GetValues<DeclarationFormat>())
        {
            if (string.Equals(FormatName(format), name, StringComparison.Ordinal)) return format;
        }
        throw new FormatException($"unknown source format '{name}' in the store");
    }
}

internal sealed record PartyRow(string Role, string PartyId);

internal sealed record GoodsItemRow(int Sequence, string? HsCode, string? Origin, decimal? Value, string? Currency);

/// <summary>The keys of a stored declaration that duplicate detection compares.</summary>
internal sealed record StoredKeys(string Id, string? Mrn, string DeclarantKey, string? Lrn);
