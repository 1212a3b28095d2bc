using Entente.Storage;

namespace Entente.Tests.Storage;

public class SummaryTests
{
    [StoreTheory, BothStores]
    public async Task Summarises_counts_chapters_origins_currencies_dates_and_labels(StorageProvider provider)
    {
        await using var test = await TestStore.CreateAsync(provider);
        await test.Store.IngestAsync(
            DeclarationBuilder.Import("L1").AcceptedOn("2025-01-10").Item("847130", "CN", 100.25m).Item("850440", "CN", 50m).Labelled(true, 2, 30m),
            DeclarationBuilder.Import("L2").IssuedOn("2025-03-02").Item("847150", "VN", 10m).Labelled(false),
            DeclarationBuilder.Import("L3").AcceptedOn("2025-02-01").Item("0901", "BR", 5m).Labelled(true),
            DeclarationBuilder.Import("L4").Invoice(1000m, "USD").Item("8471", "CN", 7m, "USD"),
            DeclarationBuilder.Import("L5"));

        var summary = await test.Store.SummariseAsync(top: 2);

        Assert.Equal(5, summary.Declarations);
        Assert.Equal(5, summary.GoodsItems);
        Assert.Equal(3, summary.WithLabels);
        Assert.Equal(2, summary.LabelledFraud);
        Assert.Equal([new CountOf("84", 3, 117.25m), new CountOf("09", 1, 5m)], summary.TopHsChapters);
        Assert.Equal([new CountOf("CN", 3, 157.25m), new CountOf("BR", 1, 5m)], summary.TopOrigins);
        Assert.Equal([new CountOf("USD", 1, 1000m), new CountOf("EUR", 3, 165.25m)], summary.ValueByCurrency);
        Assert.Equal(new DateOnly(2025, 1, 10), summary.FirstDate);
        Assert.Equal(new DateOnly(2025, 3, 2), summary.LastDate);
    }

    [StoreTheory, BothStores]
    public async Task An_empty_store_summarises_to_zeros(StorageProvider provider)
    {
        await using var test = await TestStore.CreateAsync(provider);

        var summary = await test.Store.SummariseAsync();

        Assert.Equal(new DeclarationSummary(0, 0, 0, 0, [], [], [], null, null) with
        {
            TopHsChapters = summary.TopHsChapters,
            TopOrigins = summary.TopOrigins,
            ValueByCurrency = summary.ValueByCurrency,
        }, summary);
        Assert.Empty(summary.TopHsChapters);
        Assert.Empty(summary.TopOrigins);
        Assert.Empty(summary.ValueByCurrency);
    }
}
