using System.Text;
using Entente.Declarations;
using Entente.Ingest;
using Entente.Ingest.Csv;
using Entente.Storage;
using Entente.Tests.Storage;
using Entente.Tests.Support;
using Entente.Tools.Generation;

namespace Entente.Tests.Ingest;

/// <summary>The ingest pipeline end to end on each database: files in, transactions, reports.</summary>
public sealed class DeclarationIngestTests : IDisposable
{
    private readonly string folder = Directory.CreateTempSubdirectory("entente-ingest-").FullName;

    public void Dispose() => Directory.Delete(folder, recursive: true);

    private string Write(string name, string content)
    {
        var path = Path.Combine(folder, name);
        File.WriteAllText(path, content);
        return path;
    }

    private static string Ndjson(IEnumerable<Entente.Declarations.Declaration> declarations) =>
        string.Join('\n', declarations.Select(EntenteJson.Serialize)) + "\n";

    private static List<Entente.Declarations.Declaration> Generate(int seed, int count) =>
        new DeclarationGenerator(seed).Generate(count).Select(r => r.Declaration!).ToList();

    [StoreTheory, BothStores]
    public async Task A_file_with_one_bad_record_stores_nothing_and_points_at_it(StorageProvider provider)
    {
        await using var test = await TestStore.CreateAsync(provider);
        var declarations = Generate(1, 12);
        declarations[8].GoodsShipment.Consignment.GoodsLocation = "GB\u0007X";
        var file = Write("batch.ndjson", Ndjson(declarations));

        var report = await new DeclarationIngest(test.Store).IngestFilesAsync([file], new IngestOptions { BatchSize = 5 });

        Assert.False(report.Succeeded);
        Assert.Equal(0, report.Accepted);
        Assert.Equal(1, report.Rejected);
        var error = Assert.Single(report.Errors);
        Assert.Equal((file, 9L), (error.File, error.Line!.Value));
        Assert.Contains("goodsLocation", error.Path, StringComparison.Ordinal);
        Assert.Equal(0, await test.Store.CountAsync());
        Assert.Equal(0, await test.CountAsync("SELECT COUNT(*) FROM goods_items"));
    }

    [StoreTheory, BothStores]
    public async Task Partial_ingest_keeps_every_good_record_across_batches(StorageProvider provider)
    {
        await using var test = await TestStore.CreateAsync(provider);
        var declarations = Generate(2, 23);
        declarations[0].TypeCode = new string('X', 40);
        declarations[17].Parties[0].Name = "Trader\u001b[2J";
        var file = Write("batch.ndjson", Ndjson(declarations));

        var report = await new DeclarationIngest(test.Store).IngestFilesAsync([file], new IngestOptions { Partial = true, BatchSize = 4 });

        Assert.Equal(21, report.Accepted);
        Assert.Equal(2, report.Rejected);
        Assert.Equal([1L, 18L], report.Errors.Select(e => e.Line!.Value));
        Assert.Equal(21, await test.Store.CountAsync());
    }

    [StoreTheory, BothStores]
    public async Task Duplicates_within_a_file_and_against_the_store_are_reported_not_stored(StorageProvider provider)
    {
        await using var test = await TestStore.CreateAsync(provider);
        var declarations = Generate(3, 6);
        var file = Write("first.ndjson", Ndjson([.. declarations, declarations[2]]));
        var ingest = new DeclarationIngest(test.Store);

        var first = await ingest.IngestFilesAsync([file], new IngestOptions { BatchSize = 3 });
        Assert.True(first.Succeeded);
        Assert.Equal((6L, 1L), (first.Accepted, first.Duplicates));
        Assert.Equal(7, first.DuplicateRecords.Single().Line);

        var again = await ingest.IngestFilesAsync([file], new IngestOptions());
        Assert.True(again.Succeeded);
        Assert.Equal((0L, 7L), (again.Accepted, again.Duplicates));
        Assert.Equal(6, await test.Store.CountAsync());
    }

    // The command line loads with BulkLoad: a new file on an empty SQLite store, the ordinary session otherwise.
    [StoreTheory, BothStores]
    public async Task A_command_line_load_stores_and_refuses_duplicates_as_any_load_does(StorageProvider provider)
    {
        await using var test = await TestStore.CreateAsync(provider);
        var declarations = Generate(3, 6);
        var file = Write("first.ndjson", Ndjson([.. declarations, declarations[2]]));
        var ingest = new DeclarationIngest(test.Store);

        var first = await ingest.IngestFilesAsync([file], new IngestOptions { BatchSize = 3, BulkLoad = true });
        Assert.True(first.Succeeded);
        Assert.Equal((6L, 1L), (first.Accepted, first.Duplicates));
        Assert.Equal(7, first.DuplicateRecords.Single().Line);
        var stored = await test.Store.FindAsync(declarations[4].Mrn ?? declarations[4].Lrn!);
        Assert.Equal(declarations[4].GoodsShipment.GoodsItems.Count, stored!.Declaration.GoodsShipment.GoodsItems.Count);

        var again = await ingest.IngestFilesAsync([file], new IngestOptions { BulkLoad = true });
        Assert.True(again.Succeeded);
        Assert.Equal((0L, 7L), (again.Accepted, again.Duplicates));
        Assert.Equal(6, await test.Store.CountAsync());
    }

    [StoreTheory, BothStores]
    public async Task A_truncated_file_stores_nothing_unless_partial(StorageProvider provider)
    {
        await using var test = await TestStore.CreateAsync(provider);
        var json = "[" + string.Join(",", Generate(4, 5).Select(EntenteJson.Serialize));
        var file = Write("truncated.json", json[..(json.Length - 40)]);
        var ingest = new DeclarationIngest(test.Store);

        var strict = await ingest.IngestFilesAsync([file], new IngestOptions { BatchSize = 2 });
        Assert.False(strict.Succeeded);
        Assert.Equal(0, await test.Store.CountAsync());
        Assert.Contains(strict.Errors, e => e.File == file && e.Line is not null);

        var partial = await ingest.IngestFilesAsync([file], new IngestOptions { BatchSize = 2, Partial = true });
        Assert.Equal(4, partial.Accepted);
        Assert.Equal(4, await test.Store.CountAsync());
    }

    [StoreTheory, BothStores]
    public async Task Each_file_is_its_own_transaction(StorageProvider provider)
    {
        await using var test = await TestStore.CreateAsync(provider);
        var good = Write("good.ndjson", Ndjson(Generate(5, 3)));
        var bad = Generate(6, 3);
        bad[1].TypeCode = new string('X', 40);
        var badFile = Write("bad.ndjson", Ndjson(bad));

        var report = await new DeclarationIngest(test.Store).IngestFilesAsync([good, badFile, Path.Combine(folder, "missing.xml")], new IngestOptions());

        Assert.Equal([true, false, false], report.Files.Select(f => f.Committed));
        Assert.Equal(3, report.Accepted);
        Assert.Contains(report.Errors, e => e.File.EndsWith("missing.xml", StringComparison.Ordinal) && e.Message.Contains("cannot open", StringComparison.Ordinal));
        Assert.Equal(3, await test.Store.CountAsync());
    }

    [StoreTheory, BothStores]
    public async Task Binary_junk_is_refused_without_harm(StorageProvider provider)
    {
        await using var test = await TestStore.CreateAsync(provider);
        var path = Path.Combine(folder, "junk.bin");
        var bytes = new byte[10_000];
        new Random(9).NextBytes(bytes);
        File.WriteAllBytes(path, bytes);

        var report = await new DeclarationIngest(test.Store).IngestFilesAsync([path], new IngestOptions());

        Assert.False(report.Succeeded);
        Assert.Contains("binary", report.Errors.Single().Message, StringComparison.Ordinal);
        Assert.Equal(0, await test.Store.CountAsync());
    }

    [StoreTheory, BothStores]
    public async Task Labels_from_a_national_extract_are_stored_as_outcomes_not_declaration_data(StorageProvider provider)
    {
        await using var test = await TestStore.CreateAsync(provider);
        var csv = new StringBuilder("Declaration ID,Date,Office ID,Process Type,Import Type,Import Use,Payment Type,Mode of Transport,Declarant ID,Importer ID,Seller ID,Courier ID,HS6 Code,Country of Departure,Country of Origin,Tax Rate,Tax Type,Country of Origin Indicator,Net Mass,Item Price,Fraud,Critical Fraud\n");
        csv.Append("97061800,2020-01-01,30,B,11,21,11,10,ZZR1LT6,QLRUBN9,0VKY2BR,,440890,BE,BE,0.0,FEU1,G,108.0,372254.4,0,0\n");
        csv.Append("85945189,2020-01-01,40,B,11,21,11,40,SWF9S4X,7JD1S2X,8WDKMC6,,690722,CN,CN,8.0,A,Y,11352.0,375751.2,1,2\n");
        var file = Write("extract.csv", csv.ToString());
        var mapping = CsvMapping.Load(Path.Combine(SharedData.RepositoryRoot, "mappings", "kcs-synthetic-hs6.yaml"));

        var report = await new DeclarationIngest(test.Store).IngestFilesAsync([file], new IngestOptions { Mapping = mapping });

        Assert.True(report.Succeeded, string.Join("\n", report.Errors));
        var stored = await test.Store.FindAsync("85945189");
        Assert.NotNull(stored);
        Assert.Equal(new InspectionLabels(true, 2, null), stored.Labels);
        Assert.DoesNotContain("Fraud", EntenteJson.Serialize(stored.Declaration), StringComparison.OrdinalIgnoreCase);
        var summary = await test.Store.SummariseAsync();
        Assert.Equal((2L, 1L), (summary.WithLabels, summary.LabelledFraud));
    }

    [SharedDataFact("wco-dms-samples")]
    public async Task An_HMRC_dms_amendment_is_not_taken_for_a_declaration_but_kept_for_the_declaration_it_names()
    {
        await using var test = await TestStore.CreateAsync(StorageProvider.Sqlite);
        var amendment = Directory.GetFiles(SharedData.PathOf("wco-dms-samples", "declarations"), "*Amendment*.xml")
            .First(f => File.ReadAllText(f).Contains("<FunctionCode>13</FunctionCode>", StringComparison.Ordinal));

        var report = await new DeclarationIngest(test.Store).IngestFilesAsync([amendment], new IngestOptions());

        Assert.True(report.Succeeded, string.Join("\n", report.Errors));
        Assert.Equal((0L, 1L), (report.Accepted, report.PendingAmendments));
        Assert.Equal(0, await test.Store.CountAsync());
        var pending = Assert.Single(await test.Store.GetPendingAmendmentsAsync());
        Assert.Equal(AmendmentKind.Amend, pending.Kind);
        Assert.Contains(pending.Reference, Assert.Single(report.Findings).Message, StringComparison.Ordinal);
    }
}
