using Entente.Declarations;
using Entente.Exchange;
using Entente.Hosting;
using Entente.Ingest;
using Entente.Intelligence.Mirror;
using Entente.Ledger;
using Entente.Risk.Rules;
using Entente.Storage;
using Entente.Tests.Storage;
using Entente.Tools.Generation;

namespace Entente.Tests.Intelligence.Mirror;

/// <summary>The mirror check on SQLite and PostgreSQL: a partner's exports in the inbox against our stored imports.</summary>
public sealed class MirrorChecksTests
{
    private static readonly DateTimeOffset Exported = new(2025, 2, 20, 8, 0, 0, TimeSpan.Zero);

    /// <summary>Three imports from KR: one undervalued, one as exported, one with no export.</summary>
    private static List<Declaration> Imports()
    {
        var generated = new DeclarationGenerator(41).Generate(3).Select(r => r.Declaration!).ToList();
        for (var i = 0; i < generated.Count; i++)
        {
            var d = generated[i];
            d.TypeCode = "IM";
            d.Ucr = $"5KR-MIRROR-{i}";
            d.AcceptanceDateTime = Exported.AddDays(12);
            d.IssueDateTime = Exported.AddDays(12);
            d.GoodsShipment.ExportCountryCode = "KR";
            d.GoodsShipment.Consignment.DepartureCountryCode = "KR";
            d.TotalGrossMassKg = 800;
            d.TotalPackageQuantity = 20;
            d.GoodsShipment.GoodsItems.RemoveRange(1, d.GoodsShipment.GoodsItems.Count - 1);
            var item = d.GoodsShipment.GoodsItems[0];
            item.Classification = new Classification("HS", "2022", "851713");
            item.OriginCountryCode = "KR";
            item.CustomsValue = new Amount(i == 0 ? 9_000m : 30_000m, "USD");
            item.ItemPrice = null;
            item.GrossMassKg = 800;
            item.NetMassKg = 700;
            d.GoodsItemQuantity = 1;
        }
        return generated;
    }

    /// <summary>KR's export of the same consignment, as received: typed EX, same UCR, the value it declared.</summary>
    internal static string Export(string ucr, decimal value) =>
        EntenteJson.Serialize(new Declaration
        {
            TypeCode = "EXD",
            Mrn = "25KR" + ucr.Replace("-", "", StringComparison.Ordinal).PadRight(14, '0')[..14],
            Ucr = ucr,
            AcceptanceDateTime = Exported,
            TotalGrossMassKg = 800,
            TotalPackageQuantity = 20,
            GoodsShipment = new GoodsShipment
            {
                ExportCountryCode = "KR",
                DestinationCountryCode = "NL",
                GoodsItems = [new GoodsItem { Sequence = 1, Classification = new Classification("HS", "2022", "851713"), OriginCountryCode = "KR", CustomsValue = new Amount(value, "USD") }],
            },
        });

    private static InboxItem Received(string id, long seq, string payload, string purpose = "risk-management") => new(
        id, "KR", "c-mirror", seq, "declarations", "declarations", purpose, "test-network", "sha256:00", "H1", "A1", "with-consent",
        Exported.AddYears(3), Exported.AddDays(1), [1], [2], payload, [3]);

    [StoreTheory, BothStores]
    public async Task A_partners_exports_are_paired_with_our_imports_and_the_undervaluation_becomes_a_finding_rules_can_read(StorageProvider provider)
    {
        await using var database = await TestStore.CreateAsync(provider, migrate: false);
        var home = Directory.CreateTempSubdirectory("entente-mirror-").FullName;
        try
        {
            await NodeHome.InitAsync(new NodeOptions { Home = home, Code = "NL", Name = "Douane", Database = database.Database }, TimeProvider.System);
            await using var node = await NodeServices.OpenAsync(NodeHome.Load(home, database.Database));
            var imports = Imports();
            using var ndjson = new MemoryStream(System.Text.Encoding.UTF8.GetBytes(string.Join('\n', imports.Select(EntenteJson.Serialize))));
            var ingested = await node.Get<IngestDeclarations>().StreamAsync(ndjson, "imports.ndjson", new IngestInput(DeclarationFormat.Json, null, false), default);
            Assert.Equal(3, ingested.Report.Accepted);
            var exchange = node.Get<ExchangeStore>();
            await exchange.StoreAsync([
                new InboxEntry("KR", "c-mirror", 1, Received("m-1", 1, Export("5KR-MIRROR-0", 36_000m))),
                new InboxEntry("KR", "c-mirror", 2, Received("m-2", 2, Export("5KR-MIRROR-1", 29_500m))),
                // Received for investigation only: a risk-management mirror check does not read it.
                new InboxEntry("KR", "c-mirror", 3, Received("m-3", 3, Export("5KR-MIRROR-2", 90_000m), "investigation")),
            ]);
            var ledger = node.Get<LedgerStore>();
            var before = (await ledger.GetHeadAsync()).Size;

            var checks = node.Get<MirrorChecks>();
            var report = Assert.IsType<MirrorResult.Ran>(await checks.RunAsync(new MirrorRunInput("KR"), "analyst-1")).Report;
            Assert.Equal((2, 3, 2, 1), (report.Exports, report.Imports, report.Pairs, report.WithDiscrepancies));
            Assert.Equal(2, report.ByKey["ucr"]);
            var discrepant = Assert.Single(report.Discrepant);
            Assert.Equal(FindingCodes.MirrorUndervaluation, Assert.Single(discrepant.Discrepancies).Code);
            Assert.Equal("m-1", discrepant.MessageId);

            // The finding is on the stored import: in its document, searchable, and a fact for the rules.
            var stored = (await node.Get<IDeclarationStore>().FindAsync("5KR-MIRROR-0"))?.Declaration
                ?? (await node.Get<IDeclarationStore>().GetAsync(discrepant.ImportId))!.Declaration;
            var finding = Assert.Single(stored.Findings!, f => f.Code == FindingCodes.MirrorUndervaluation);
            Assert.Contains("36000 USD", finding.Message, StringComparison.Ordinal);
            var found = await node.Get<IDeclarationStore>().SearchAsync(new DeclarationQuery { Finding = FindingCodes.MirrorUndervaluation });
            Assert.Equal(discrepant.ImportId, Assert.Single(found.Items).Id);
            var field = RuleFields.Find("finding.mirror-undervaluation");
            Assert.NotNull(field);

            // One ledger entry for the run, filed under the import and the partner's message.
            Assert.Equal(before + 1, (await ledger.GetHeadAsync()).Size);
            var entry = (await ledger.EntriesAboutAsync(LedgerSubjects.Declaration(discrepant.ImportId), 10)).Single(e => e.Entry.Kind == LedgerKinds.MirrorCheck).Entry;
            Assert.Equal(2, entry.Body["pairs"]!.GetValue<int>());
            Assert.Empty((await ledger.VerifyAsync(null)).Problems);

            // Run again: the pairs and the findings are replaced, not doubled.
            Assert.IsType<MirrorResult.Ran>(await checks.RunAsync(new MirrorRunInput("KR"), "analyst-1"));
            stored = (await node.Get<IDeclarationStore>().GetAsync(discrepant.ImportId))!.Declaration;
            Assert.Single(stored.Findings!, f => f.Code.StartsWith("mirror-", StringComparison.Ordinal));
            Assert.Equal(2, (await checks.ListAsync("KR", false, 100)).Count);
            Assert.Single(await checks.ListAsync("KR", true, 100));

            var statistics = await checks.StatisticsAsync("KR");
            var cell = Assert.Single(statistics);
            Assert.Equal(("KR", "851713", "2025-03", 2, 1), (cell.Partner, cell.Hs6, cell.Month, cell.Pairs, cell.Discrepant));
            Assert.Equal((65_500m, 39_000m), (cell.ExportValue, cell.ImportValue));

            // The chart, rendered to PNG and looked at: the expected axes, an image that is not blank.
            var plot = MirrorPlot.Chart(statistics);
            Assert.Equal(MirrorPlot.XAxis, plot.Axes.Bottom.Label.Text);
            Assert.Equal(MirrorPlot.YAxis, plot.Axes.Left.Label.Text);
            var png = Path.Combine(home, "mirror.png");
            MirrorPlot.Save(statistics, png);
            var bytes = await File.ReadAllBytesAsync(png);
            Assert.True(bytes.Length > 5_000, $"{bytes.Length} bytes");
            Assert.Equal([0x89, (byte)'P', (byte)'N', (byte)'G'], bytes[..4]);
            Assert.True(DistinctColours(plot) > 3, "the chart is blank");
            MirrorPlot.Save(statistics, Path.Combine(home, "mirror.svg"));
            Assert.Contains("<svg", await File.ReadAllTextAsync(Path.Combine(home, "mirror.svg")), StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(home, recursive: true);
        }
    }

    [StoreTheory, BothStores]
    public async Task A_run_that_is_not_understood_names_each_field_and_stores_nothing(StorageProvider provider)
    {
        await using var database = await TestStore.CreateAsync(provider, migrate: false);
        var home = Directory.CreateTempSubdirectory("entente-mirror-").FullName;
        try
        {
            await NodeHome.InitAsync(new NodeOptions { Home = home, Code = "NL", Name = "Douane", Database = database.Database }, TimeProvider.System);
            await using var node = await NodeServices.OpenAsync(NodeHome.Load(home, database.Database));
            var before = (await node.Get<LedgerStore>().GetHeadAsync()).Size;
            var invalid = Assert.IsType<MirrorResult.Invalid>(await node.Get<MirrorChecks>().RunAsync(new MirrorRunInput(" ", "gossip", "2025-13-01", null, 900), "analyst-1"));
            Assert.Equal(["partner", "purpose", "from", "windowDays"], invalid.Errors.Select(e => e.Path));
            Assert.Equal(before, (await node.Get<LedgerStore>().GetHeadAsync()).Size);
            Assert.Empty(await node.Get<MirrorChecks>().ListAsync(null, false, 10));
        }
        finally
        {
            Directory.Delete(home, recursive: true);
        }
    }

    private static int DistinctColours(ScottPlot.Plot plot)
    {
        using var image = plot.GetImage(400, 300);
        var png = image.GetImageBytes();
        using var bitmap = SkiaSharp.SKBitmap.Decode(png);
        var colours = new HashSet<uint>();
        for (var x = 0; x < bitmap.Width; x += 7)
            for (var y = 0; y < bitmap.Height; y += 7)
                colours.Add((uint)bitmap.GetPixel(x, y));
        return colours.Count;
    }
}
