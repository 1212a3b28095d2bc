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

    [StoreTheory, BothStores]
    public async Task The_monthly_trend_read_from_the_chapter_aggregate_equals_a_straight_count_over_the_items(StorageProvider provider)
    {
        await using var database = await TestStore.CreateAsync(provider, migrate: false);
        var home = Directory.CreateTempSubdirectory("entente-analytics-").FullName;
        try
        {
            await NodeHome.InitAsync(new NodeOptions { Home = home, Code = "NL", Name = "Douane", Database = database.Database }, TimeProvider.System);
            await using var node = await NodeServices.OpenAsync(NodeHome.Load(home, database.Database));
            await IngestAsync(node, new DeclarationGenerator(21).Generate(600).Select(r => r.Declaration!));
            // The first declaration's items written again after all the others (as an amendment does): read in the
            // store's order, its month's items no longer come one declaration after another in key order.
            await using (var connection = await node.Get<NodeDatabase>().ConnectAsync())
            {
                foreach (var sql in new[]
                {
                    "CREATE TEMPORARY TABLE moved AS SELECT * FROM goods_items WHERE declaration_key = (SELECT min(key) FROM declarations)",
                    "DELETE FROM goods_items WHERE declaration_key = (SELECT min(key) FROM declarations)",
                    "INSERT INTO goods_items SELECT * FROM moved",
                })
                {
                    await using var command = NodeDatabase.Command(connection, null, sql);
                    await command.ExecuteNonQueryAsync();
                }
            }

            var folder = Path.Combine(home, "lake");
            var export = node.Get<AnalyticsExport>();
            await export.ExportAsync(folder, null, null, "analyst");
            // Declarations with several items of one chapter (counted once) and of several chapters (once in each) are there.
            Assert.True(Long(Rows(folder, "SELECT count(*) FROM (SELECT declaration_key FROM items GROUP BY declaration_key, hs_chapter HAVING count(*) > 1)")[0][0]) > 0);
            Assert.True(Long(Rows(folder, "SELECT count(*) FROM (SELECT declaration_key FROM items GROUP BY declaration_key HAVING count(DISTINCT hs_chapter) > 1)")[0][0]) > 0);
            AssertSameTrend(folder);
            var items = Rows(folder, "SELECT CAST(sum(items) AS BIGINT) FROM items_by_chapter")[0][0];
            Assert.Equal(Long(Rows(folder, "SELECT count(*) FROM items")[0][0]), Long(items));

            // A late declaration in the first month: the aggregate of that month follows, the others stay as they were.
            var first = (string)Rows(folder, "SELECT min(month) FROM items")[0][0]!;
            var before = Rows(folder, $"SELECT month, hs_chapter, declarations, items FROM items_by_chapter WHERE month <> '{first}' ORDER BY ALL");
            var late = new DeclarationGenerator(22, firstDay: DateOnly.ParseExact(first + "-03", "yyyy-MM-dd", CultureInfo.InvariantCulture), days: 1, referencePrefix: "LATE").Generate(3).Select(r => r.Declaration!).ToList();
            await IngestAsync(node, late);
            Assert.Equal([first], (await export.ExportAsync(folder, null, null, "analyst")).Datasets.Single(d => d.Dataset == "items").Months);
            AssertSameTrend(folder);
            Assert.Equal(before, Rows(folder, $"SELECT month, hs_chapter, declarations, items FROM items_by_chapter WHERE month <> '{first}' ORDER BY ALL"));
            Assert.Equal(Long(Rows(folder, "SELECT count(*) FROM items")[0][0]), Long(Rows(folder, "SELECT CAST(sum(items) AS BIGINT) FROM items_by_chapter")[0][0]));
        }
        finally
        {
            Directory.Delete(home, recursive: true);
        }
    }

    /// <summary>The trend from the aggregate is the trend counted over the raw items: the same months, chapters and declarations, the same value to the cent.</summary>
    private static void AssertSameTrend(string folder)
    {
        var fast = Rows(folder, AnalyticsExport.ChapterTrendSql);
        var straight = Rows(folder, AnalyticsExport.ChapterTrendFromItemsSql);
        Assert.True(straight.Count >= 50);
        Assert.Equal(straight.Select(r => (r[0], r[1], Long(r[2]))), fast.Select(r => (r[0], r[1], Long(r[2]))));
        Assert.All(straight.Zip(fast), p => Assert.Equal(Convert.ToDouble(p.First[3], CultureInfo.InvariantCulture), Convert.ToDouble(p.Second[3], CultureInfo.InvariantCulture), 2));
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
