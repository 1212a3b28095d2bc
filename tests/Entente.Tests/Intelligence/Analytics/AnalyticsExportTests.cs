using System.Globalization;
using Entente.Declarations;
using Entente.Hosting;
using Entente.Ingest;
using Entente.Intelligence.Analytics;
using Entente.Storage;
using Entente.Tests.Storage;
using Entente.Tools.Generation;

namespace Entente.Tests.Intelligence.Analytics;

/// <summary>The analytics store's Parquet export on each store: every row once, in its month's file, with the store's values; a later export rewrites only the months that changed.</summary>
public sealed class AnalyticsExportTests
{
    [StoreTheory, BothStores]
    public async Task Every_declaration_and_item_is_exported_once_in_its_month_and_a_late_declaration_rewrites_only_its_month(StorageProvider provider)
    {
        await using var database = await TestStore.CreateAsync(provider, migrate: false);
        var home = Directory.CreateTempSubdirectory("entente-analytics-").FullName;
        try
        {
            await NodeHome.InitAsync(new NodeOptions { Home = home, Code = "NL", Name = "Douane", Database = database.Database }, TimeProvider.System);
            await using var node = await NodeServices.OpenAsync(NodeHome.Load(home, database.Database));
            var declarations = new DeclarationGenerator(11).Generate(400).Select(r => r.Declaration!).ToList();
            await IngestAsync(node, declarations);
            var items = declarations.Sum(d => d.GoodsShipment.GoodsItems.Count);
            var months = declarations.GroupBy(Month).OrderBy(g => g.Key, StringComparer.Ordinal).Select(g => (g.Key, (long)g.Count())).ToList();
            Assert.True(months.Count >= 10);

            var folder = Path.Combine(home, "lake");
            var export = node.Get<AnalyticsExport>();
            var first = await export.ExportAsync(folder, null, null, "analyst");
            Assert.Equal(months.Select(m => m.Key), first.Datasets.Single(d => d.Dataset == "declarations").Months);
            Assert.Equal((400L, (long)items), (first.Datasets.Single(d => d.Dataset == "declarations").Rows, first.Datasets.Single(d => d.Dataset == "items").Rows));
            Assert.Equal(months, Rows(folder, "SELECT month, count(DISTINCT id) FROM declarations GROUP BY month ORDER BY month").Select(r => ((string)r[0]!, Long(r[1]))));
            Assert.Equal(400L, Long(Rows(folder, "SELECT count(*) FROM declarations")[0][0]));
            // Each item in its declaration's month, its chapter the first two digits of its code, the values as stored.
            var itemMonths = declarations.GroupBy(Month).OrderBy(g => g.Key, StringComparer.Ordinal).Select(g => (g.Key, (long)g.Sum(d => d.GoodsShipment.GoodsItems.Count))).ToList();
            Assert.Equal(itemMonths, Rows(folder, "SELECT i.month, count(*) FROM items i JOIN declarations d ON d.key = i.declaration_key AND d.id = i.declaration_id AND d.month = i.month GROUP BY i.month ORDER BY i.month")
                .Select(r => ((string)r[0]!, Long(r[1]))));
            Assert.Equal(0L, Long(Rows(folder, "SELECT count(*) FROM items WHERE hs_code IS NULL OR hs_chapter <> substr(hs_code, 1, 2)")[0][0]));
            var value = declarations.SelectMany(d => d.GoodsShipment.GoodsItems).Sum(g => (double)((g.CustomsValue ?? g.ItemPrice)?.Value ?? 0));
            Assert.Equal(value, Convert.ToDouble(Rows(folder, "SELECT sum(value) FROM items")[0][0], CultureInfo.InvariantCulture), 2);

            // A declaration arriving late, dated in the first month: that month is rewritten with all its rows, no other.
            var january = months[0].Key;
            var late = new DeclarationGenerator(12, firstDay: DateOnly.ParseExact(january + "-05", "yyyy-MM-dd", CultureInfo.InvariantCulture), days: 1, referencePrefix: "LATE").Generate(1).Single().Declaration!;
            await IngestAsync(node, [late]);
            var again = await export.ExportAsync(folder, null, null, "analyst");
            Assert.Equal([january], again.Datasets.Single(d => d.Dataset == "declarations").Months);
            Assert.Equal(months[0].Item2 + 1, again.Datasets.Single(d => d.Dataset == "declarations").Rows);
            Assert.Equal([january], again.Datasets.Single(d => d.Dataset == "items").Months);
            Assert.Equal(months[0].Item2 + 1, Long(Rows(folder, $"SELECT count(*) FROM declarations WHERE month = '{january}'")[0][0]));
            Assert.Equal(401L, Long(Rows(folder, "SELECT count(*) FROM declarations")[0][0]));
            Assert.Equal(items + late.GoodsShipment.GoodsItems.Count, Long(Rows(folder, "SELECT count(*) FROM items")[0][0]));
            Assert.All((await export.ExportAsync(folder, null, null, "analyst")).Datasets, d => Assert.Empty(d.Months));
        }
        finally
        {
            Directory.Delete(home, recursive: true);
        }
    }

    private static string Month(Declaration declaration) => (declaration.AcceptanceDateTime ?? declaration.IssueDateTime)!.Value.DateTime.ToString("yyyy-MM", CultureInfo.InvariantCulture);

    private static long Long(object? value) => Convert.ToInt64(value, CultureInfo.InvariantCulture);

    private static IReadOnlyList<object?[]> Rows(string folder, string sql) => AnalyticsExport.Query(folder, sql).Rows;

    private static async Task IngestAsync(NodeServices node, IEnumerable<Declaration> declarations)
    {
        var list = declarations.ToList();
        using var ndjson = new MemoryStream(System.Text.Encoding.UTF8.GetBytes(string.Join('\n', list.Select(EntenteJson.Serialize))));
        Assert.Equal(list.Count, (await node.Get<IngestDeclarations>().StreamAsync(ndjson, "batch.ndjson", new IngestInput(DeclarationFormat.Json, null, false), default)).Report.Accepted);
    }
}
