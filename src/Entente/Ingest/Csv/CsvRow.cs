using Entente.Declarations;

namespace Entente.Ingest.Csv;

/// <summary>
/// The state the compiled setters write into while one row is read: the declaration being assembled, the
/// current goods item, and the item values that only make sense together (price + currency, packages, duty).
/// One per Read call, reused for every row.
/// </summary>
internal sealed class CsvRow
{
    public Declaration Declaration = null!;
    public GoodsItem Item = null!;
    public string File = "";
    public long Line;
    public string Column = "";
    public string Target = "";

    public decimal? Price;
    public decimal? CustomsValue;
    public string? Currency;
    public decimal? Quantity;
    public string? QuantityUnit;
    public int? Packages;
    public string? PackageType;
    public string? DutyType;
    public decimal? DutyRate;

    /// <summary>The pool of the column being read (see <see cref="StringPool"/>).</summary>
    public StringPool Strings = StringPool.None;

    /// <summary>Errors of the record being assembled; moved into its SourceRecord when it is complete.</summary>
    public readonly List<IngestError> Errors = [];

    public Consignment Consignment => Declaration.GoodsShipment.Consignment;

    public TransportMeans BorderMeans => Consignment.BorderTransportMeans ??= new TransportMeans();

    public void Fail(string message)
    {
        Errors.Add(new IngestError(File, Line, Column, $"{Target}: {message}"));
    }

    // Declaration.GetOrAddParty allocates a closure per call; this is the same without it.
    public Party Party(PartyRole role)
    {
        foreach (var party in Declaration.Parties)
        {
            if (party.Role == role) return party;
        }
        var added = new Party { Role = role };
        Declaration.Parties.Add(added);
        return added;
    }

    public Address Address(PartyRole role) => Party(role).Address ??= new Address();

    public void AddContainers(string list)
    {
        var containers = Consignment.Containers;
        foreach (var range in list.AsSpan().Split(';'))
        {
            var id = list.AsSpan(range).Trim();
            if (id.IsEmpty) continue;
            containers.Add(new Container { Sequence = containers.Count + 1, Id = id.ToString() });
        }
        if (containers.Count > 0) Consignment.Containerised = true;
    }

    public void StartItem(int sequence)
    {
        Item = new GoodsItem { Sequence = sequence };
        Price = CustomsValue = Quantity = DutyRate = null;
        Currency = PackageType = DutyType = null;
        Packages = null;
    }

    /// <summary>Builds the item values assembled from several fields.</summary>
    public void FinishItem()
    {
        if (Price is not null || CustomsValue is not null)
        {
            // A row without a currency (and no constant in the mapping) takes the node's national currency at ingest,
            // with a finding (Ingest/ImpliedCurrency.cs).
            if (Price is { } p) Item.ItemPrice = new Amount(p, Currency ?? "");
            if (CustomsValue is { } c) Item.CustomsValue = new Amount(c, Currency ?? "");
        }
        if (Quantity is { } q) Item.SupplementaryQuantity = new Quantity(q, QuantityUnit);
        if (Packages is not null || PackageType is not null)
            Item.Packages.Add(new Packaging { Sequence = 1, Quantity = Packages, TypeCode = PackageType });
        if (DutyType is not null || DutyRate is not null)
            Item.DutyTaxFees.Add(new DutyTaxFee { TypeCode = DutyType, RatePercent = DutyRate });
        Declaration.GoodsShipment.GoodsItems.Add(Item);
    }
}

/// <summary>
/// Reuses the string for a short cell value already seen in one column (country codes, offices, procedure codes), so a
/// file of a million rows does not allocate a million copies of "CN". A column whose values rarely repeat (trader
/// numbers, references) fills its pool and the pool stops: looking up a million distinct values in a big table costs
/// a cache miss each, far more than the strings it would save.
/// </summary>
internal sealed class StringPool
{
    private const int MaxLength = 32;
    private const int Capacity = 1_024;
    private readonly Dictionary<string, string> _strings = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string>.AlternateLookup<ReadOnlySpan<char>> _lookup;
    private bool _stopped;

    /// <summary>A pool that keeps nothing.</summary>
    public static StringPool None { get; } = new() { _stopped = true };

    public StringPool() => _lookup = _strings.GetAlternateLookup<ReadOnlySpan<char>>();

    /// <summary>Whether the column turned out to have too many distinct values to pool.</summary>
    public bool Stopped => _stopped;

    public string Get(ReadOnlySpan<char> value)
    {
        if (_stopped || value.Length > MaxLength) return value.ToString();
        if (_lookup.TryGetValue(value, out var known)) return known;
        var created = value.ToString();
        if (_strings.Count < Capacity)
        {
            _strings.Add(created, created);
        }
        else
        {
            _stopped = true;
            _strings.Clear();
            _strings.TrimExcess();
        }
        return created;
    }
}
