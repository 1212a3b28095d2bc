using System.Globalization;
using System.Text;
using Entente.Declarations;
using Entente.Storage;
using Entente.Storage.Sqlite;
using Entente.Tests.Ingest.Json;
using Microsoft.Data.Sqlite;

namespace Entente.Tests.Storage;

// The ingest writer binds values the reading thread formatted; the store reads them as Microsoft.Data.Sqlite wrote them
// before, so the forms must be the same to the byte.
public sealed class SqliteRowTextTests
{
    private const string DecimalForm = "0.0###########################";
    private const string TimeForm = @"yyyy\-MM\-dd HH\:mm\:ss.FFFFFFFzzz";

    private static string Decimal(decimal value)
    {
        Span<byte> buffer = stackalloc byte[64];
        return Encoding.UTF8.GetString(buffer[..SqliteRowText.FormatDecimal(value, buffer)]);
    }

    private static string Time(DateTimeOffset value)
    {
        Span<byte> buffer = stackalloc byte[64];
        return Encoding.UTF8.GetString(buffer[..SqliteRowText.FormatTime(value, buffer)]);
    }

    [Fact]
    public void Decimals_come_out_in_the_custom_form_with_their_trailing_zeros_cut_and_at_least_one_decimal()
    {
        var values = new List<decimal>
        {
            0m, -0.0m, 0.000m, 1m, 10m, 100.00m, 372254.4m, 372254.40m, -5.5000m, 0.0000001m, 1E-28m, -1E-28m,
            decimal.MaxValue, decimal.MinValue, 79228162514264337593543950335m / 1000000m, 12345678901234567890.123456789m,
        };
        var random = new Random(7);
        for (var i = 0; i < 20_000; i++)
        {
            var value = new decimal(random.Next(), random.Next(), random.Next(0, 1 << 20), random.Next(2) == 0, (byte)random.Next(0, 29));
            values.Add(value);
            values.Add(Math.Round(value, random.Next(0, 6)));
        }

        foreach (var value in values) Assert.Equal(value.ToString(DecimalForm, CultureInfo.InvariantCulture), Decimal(value));
    }

    [Fact]
    public void Times_come_out_in_the_custom_form_without_trailing_fraction_zeros_or_a_point_on_whole_seconds()
    {
        var values = new List<DateTimeOffset>
        {
            new(2026, 11, 28, 23, 12, 19, TimeSpan.Zero),
            new(2026, 11, 28, 23, 12, 19, 500, TimeSpan.Zero),
            new(1999, 1, 2, 3, 4, 5, 6, TimeSpan.FromHours(9)),
            new(2020, 2, 29, 0, 0, 0, TimeSpan.FromMinutes(-330)),
            DateTimeOffset.MinValue, new DateTimeOffset(DateTime.MaxValue.Ticks, TimeSpan.Zero),
        };
        var random = new Random(11);
        for (var i = 0; i < 20_000; i++)
        {
            var ticks = random.NextInt64(new DateTime(1950, 1, 1).Ticks, new DateTime(2200, 1, 1).Ticks);
            if (random.Next(3) == 0) ticks -= ticks % TimeSpan.TicksPerSecond;
            else if (random.Next(3) == 0) ticks -= ticks % TimeSpan.TicksPerMillisecond;
            values.Add(new DateTimeOffset(ticks, TimeSpan.FromMinutes(15 * random.Next(-48, 57))));
        }

        foreach (var value in values) Assert.Equal(value.ToString(TimeForm, CultureInfo.InvariantCulture), Time(value));
    }

    [Fact]
    public void Dates_come_out_as_year_month_day()
    {
        Span<byte> buffer = stackalloc byte[16];
        foreach (var date in new[] { new DateOnly(2020, 1, 1), new DateOnly(1950, 12, 31), DateOnly.MinValue, DateOnly.MaxValue })
            Assert.Equal(date.ToString(@"yyyy\-MM\-dd", CultureInfo.InvariantCulture), Encoding.UTF8.GetString(buffer[..SqliteRowText.FormatDate(date, buffer)]));
    }

    [Fact]
    public async Task A_declaration_stored_through_prepared_text_has_the_columns_the_ado_net_layer_would_have_written()
    {
        await using var test = await TestStore.CreateAsync(StorageProvider.Sqlite);
        test.Time.SetUtcNow(new DateTimeOffset(2026, 11, 28, 8, 30, 15, 120, TimeSpan.Zero));
        var declaration = SampleDeclarations.FullyPopulated();
        declaration.GoodsShipment.GoodsItems[0].CustomsValue = new Amount(1250.500m, "EUR");
        var prepared = test.Store.Prepare(new PendingDeclaration(declaration, new InspectionLabels(true, 2, 310.2500m), DeclarationFormat.Json, "one.json"));
        await using (var session = await test.Store.BeginIngestAsync())
        {
            Assert.Equal([null], await session.AddAsync([prepared]));
            await session.CommitAsync();
        }

        await using var connection = new SqliteConnection($"Data Source={test.Database};Pooling=False");
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText =
            "SELECT d.received_at, typeof(d.total_value), d.declaration_date, d.source_format, g.value, g.currency, g.hs_code, l.revenue, " +
            "(SELECT group_concat(role || '=' || party_id, ',') FROM (SELECT * FROM declaration_parties ORDER BY role)) " +
            "FROM declarations d JOIN goods_items g ON g.declaration_key = d.key JOIN inspection_labels l ON l.declaration_key = d.key ORDER BY g.sequence LIMIT 1";
        await using var reader = await command.ExecuteReaderAsync();
        Assert.True(await reader.ReadAsync());
        Assert.Equal("2026-11-28 08:30:15.12+00:00", reader.GetString(0));
        Assert.NotEqual("text", reader.GetString(1));
        Assert.Equal(DeclarationRow.DateOf(declaration)?.ToString(@"yyyy\-MM\-dd", CultureInfo.InvariantCulture), reader.GetString(2));
        Assert.Equal("json", reader.GetString(3));
        Assert.Equal(1250.5m, reader.GetDecimal(4));
        Assert.Equal("EUR", reader.GetString(5));
        Assert.Equal(DeclarationRow.HsCode(declaration.GoodsShipment.GoodsItems[0].Classification!.Code), reader.GetString(6));
        Assert.Equal(310.25m, reader.GetDecimal(7));
        var parties = declaration.Parties.Where(p => p.Id is not null).Select(p => $"{DeclarationRow.RoleName(p.Role)}={p.Id}").Order(StringComparer.Ordinal);
        Assert.Equal(string.Join(",", parties), reader.GetString(8));
    }
}
