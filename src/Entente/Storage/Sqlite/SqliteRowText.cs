using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;
using Entente.Declarations;

namespace Entente.Storage.Sqlite;

/// <summary>
/// A declaration's rows as the SQLite ingest session binds them, in the order it binds them, in one array: UTF-8 text,
/// with decimals, dates and times in the forms Microsoft.Data.Sqlite writes (so the store reads them back the same
/// way), numbers, and the document. Written where the declaration is prepared (the reading thread of an ingest), it
/// leaves the writer only the binding, reading one array the other core just wrote instead of a dozen objects.
/// </summary>
/// <remarks>
/// The array starts with the count of the entries that follow, then per entry two integers: an offset into the text
/// part and a length (-1 for NULL), or a number and 0 (a NULL number is a null text).
/// </remarks>
internal static class SqliteRowText
{
    [ThreadStatic] private static Builder? s_builder;

    /// <summary>
    /// The declaration's columns (id, lrn, mrn, declarant, type, function, status, date, importer, items, total value,
    /// currency, received at, source format, source file, document), then the party count and per party its id and
    /// role, the goods item count and per item its sequence, HS code, origin, value and currency, the container count
    /// and their numbers, the finding code count and the codes, and, when there are labels, fraud, critical fraud and revenue. The document is the row's, or,
    /// given the <paramref name="declaration"/> the row was flattened from, written here.
    /// </summary>
    public static byte[] Of(DeclarationRow row, Declaration? declaration = null)
    {
        var b = s_builder ??= new Builder();
        b.Clear();
        b.Text(row.Id);
        b.Text(row.Lrn);
        b.Text(row.Mrn);
        b.Text(row.DeclarantId);
        b.Text(row.TypeCode);
        b.Text(row.FunctionCode);
        b.Number((int)row.Status);
        b.Date(row.Date);
        b.Text(row.ImporterId);
        b.Number(row.Items);
        b.Decimal(row.TotalValue);
        b.Text(row.Currency);
        b.Time(row.ReceivedAt);
        b.Text(DeclarationRow.FormatName(row.Format));
        b.Text(row.SourceFile);
        b.Bytes(declaration is null ? row.Document : DeclarationRow.WriteDocument(declaration, row.Id));
        b.Number(row.Parties.Count);
        foreach (var party in row.Parties)
        {
            b.Text(party.PartyId);
            b.Text(party.Role);
        }
        b.Number(row.GoodsItems.Count);
        foreach (var item in row.GoodsItems)
        {
            b.Number(item.Sequence);
            b.Text(item.HsCode);
            b.Text(item.Origin);
            b.Decimal(item.Value);
            b.Text(item.Currency);
        }
        b.Number(row.Containers.Count);
        foreach (var container in row.Containers) b.Text(container);
        b.Number(row.Findings.Count);
        foreach (var code in row.Findings) b.Text(code);
        b.Number(row.Labels is null ? 0 : 1);
        if (row.Labels is { } labels)
        {
            b.Number(labels.Fraud ? 1 : 0);
            b.Number(labels.CriticalFraud);
            b.Decimal(labels.RevenueRecovered);
        }
        var result = b.ToArray();
        // A rare huge declaration does not keep its buffer for the rest of the thread's life.
        if (b.Capacity > 1 << 20) s_builder = null;
        return result;
    }

    /// <summary>The entries one after the other.</summary>
    public ref struct Values
    {
        private readonly ReadOnlySpan<int> _entries;
        private readonly ReadOnlySpan<byte> _text;
        private int _next;

        public Values(byte[] row)
        {
            var count = MemoryMarshal.Read<int>(row);
            var header = sizeof(int) * (1 + 2 * count);
            _entries = MemoryMarshal.Cast<byte, int>(row.AsSpan(sizeof(int), header - sizeof(int)));
            _text = row.AsSpan(header);
        }

        /// <summary>The next entry as text; false when it is NULL.</summary>
        public bool Text(out ReadOnlySpan<byte> value)
        {
            var offset = _entries[_next++];
            var length = _entries[_next++];
            if (length < 0)
            {
                value = default;
                return false;
            }
            value = _text.Slice(offset, length);
            return true;
        }

        /// <summary>The next entry as a number; null when it is NULL.</summary>
        public int? Number()
        {
            var value = _entries[_next++];
            return _entries[_next++] < 0 ? null : value;
        }

        /// <summary>The next entry, a count or a flag written as a number.</summary>
        public int Count() => Number() ?? 0;
    }

    /// <summary>Microsoft.Data.Sqlite's form of a decimal ("0.0###########################"), as UTF-8.</summary>
    public static int FormatDecimal(decimal value, Span<byte> destination)
    {
        // The general form of a decimal keeps its scale's trailing zeros and never uses an exponent: trimmed, and given
        // a ".0" when it has no fraction, it is the custom form, at a fraction of the cost.
        if (!value.TryFormat(destination, out var length, default, CultureInfo.InvariantCulture))
            throw new ArgumentException("the buffer is too small for a decimal", nameof(destination));
        var point = destination[..length].IndexOf((byte)'.');
        if (point < 0)
        {
            destination[length++] = (byte)'.';
            destination[length++] = (byte)'0';
            return length;
        }
        while (length > point + 2 && destination[length - 1] == (byte)'0') length--;
        return length;
    }

    /// <summary>Microsoft.Data.Sqlite's form of a time ("yyyy-MM-dd HH:mm:ss.FFFFFFFzzz"), as UTF-8.</summary>
    public static int FormatTime(DateTimeOffset value, Span<byte> destination)
    {
        // The round-trip form is yyyy-MM-ddTHH:mm:ss.fffffff+hh:mm: a space for the T, and the fraction without its
        // trailing zeros (none at all on a whole second).
        if (!value.TryFormat(destination, out var length, "O", CultureInfo.InvariantCulture))
            throw new ArgumentException("the buffer is too small for a time", nameof(destination));
        destination[10] = (byte)' ';
        const int Point = 19, FractionEnd = 27;
        var end = FractionEnd;
        while (end > Point + 1 && destination[end - 1] == (byte)'0') end--;
        if (end == Point + 1) end = Point;
        destination[FractionEnd..length].CopyTo(destination[end..]);
        return end + (length - FractionEnd);
    }

    /// <summary>Microsoft.Data.Sqlite's form of a date (yyyy-MM-dd), as UTF-8.</summary>
    public static int FormatDate(DateOnly value, Span<byte> destination)
    {
        if (!value.TryFormat(destination, out var length, "O", CultureInfo.InvariantCulture))
            throw new ArgumentException("the buffer is too small for a date", nameof(destination));
        return length;
    }

    private sealed class Builder
    {
        private byte[] _text = new byte[4096];
        private int _length;
        private int[] _entries = new int[128];
        private int _count;

        public int Capacity => _text.Length;

        public void Clear() => (_length, _count) = (0, 0);

        public void Text(string? value)
        {
            if (value is null)
            {
                Entry(0, -1);
                return;
            }
            Add(Encoding.UTF8.GetBytes(value, Room(Encoding.UTF8.GetMaxByteCount(value.Length))));
        }

        public void Bytes(ReadOnlySpan<byte> value)
        {
            value.CopyTo(Room(value.Length));
            Add(value.Length);
        }

        public void Number(int? value) => Entry(value ?? 0, value is null ? -1 : 0);

        public void Decimal(decimal? value)
        {
            if (value is { } v) Add(FormatDecimal(v, Room(64)));
            else Entry(0, -1);
        }

        public void Date(DateOnly? value)
        {
            if (value is { } v) Add(FormatDate(v, Room(16)));
            else Entry(0, -1);
        }

        public void Time(DateTimeOffset value) => Add(FormatTime(value, Room(40)));

        private Span<byte> Room(int most)
        {
            if (_length + most > _text.Length) Array.Resize(ref _text, Math.Max(_length + most, _text.Length * 2));
            return _text.AsSpan(_length, most);
        }

        private void Add(int length)
        {
            Entry(_length, length);
            _length += length;
        }

        private void Entry(int first, int second)
        {
            if (_count + 2 > _entries.Length) Array.Resize(ref _entries, _entries.Length * 2);
            _entries[_count++] = first;
            _entries[_count++] = second;
        }

        public byte[] ToArray()
        {
            var header = sizeof(int) * (1 + _count);
            var row = GC.AllocateUninitializedArray<byte>(header + _length);
            MemoryMarshal.Write(row, _count / 2);
            MemoryMarshal.AsBytes(_entries.AsSpan(0, _count)).CopyTo(row.AsSpan(sizeof(int)));
            _text.AsSpan(0, _length).CopyTo(row.AsSpan(header));
            return row;
        }
    }
}
