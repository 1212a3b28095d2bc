using System.Text.Json.Nodes;
using Entente.Access;
using Entente.Declarations;
using Entente.Hosting;
using Entente.Ingest;
using Entente.Intelligence.Analytics;
using Entente.Intelligence.Seizures;
using Entente.Ledger;
using Entente.Storage;
using Entente.Tests.Storage;
using Entente.Tools.Generation;

namespace Entente.Tests.Intelligence.Seizures;

/// <summary>A node's seizures on each store: imported through a mapping (all or nothing), linked to an assessment for hit rates, exported to Parquet.</summary>
public sealed class SeizureStoreTests
{
    internal const string Mapping = """
        name: national-seizures
        format: csv
        csv: { separator: ";" }
        fields:
          - { column: case, target: /id, required: true }
          - { column: date, target: /seizedAt, required: true }
          - { column: goods, target: /category, map: { COC: drugs, CIG: tobacco, BAG: counterfeits } }
          - { column: drug, target: /drugType }
          - { column: brand, target: /brand }
          - { column: qty, target: /quantity/amount }
          - { column: unit, target: /quantity/unit, map: { kg: KGM, pcs: NAR } }
          - { column: from, target: /route/departureCountryCode }
          - { column: via, target: /route/transitCountryCodes, split: "|" }
          - { column: to, target: /route/destinationCountryCode }
          - { column: hidden, target: /concealmentMethod }
          - { column: found, target: /detectionMethod }
          - { column: assessment, target: /assessmentId }
          - { column: suspect, target: /offenders/0/name }
          - { column: suspect-kind, target: /offenders/0/kind }
        """;

    internal const string Good = """
        case;date;goods;drug;brand;qty;unit;from;via;to;hidden;found;assessment;suspect;suspect-kind
        NL-1;2026-08-02;COC;cocaine;;120;kg;EC;PA|ES;NL;reefer-unit;scanner;;Jan de Vries;person
        NL-2;2026-09-14;CIG;;;800000;pcs;AE;;NL;in-goods;risk-profile;;;
        NL-3;2026-09-20;BAG;;Gucci;1200;pcs;CN;;NL;false-declaration;dog;;;
        """;

    [StoreTheory, BothStores]
    public async Task An_import_with_bad_rows_stores_nothing_a_good_one_is_listed_counted_in_hit_rates_and_exported_to_parquet_by_month(StorageProvider provider)
    {
        await using var database = await TestStore.CreateAsync(provider, migrate: false);
        var home = Directory.CreateTempSubdirectory("entente-seizures-").FullName;
        try
        {
            await NodeHome.InitAsync(new NodeOptions { Home = home, Code = "NL", Name = "Douane", Database = database.Database }, TimeProvider.System);
            await using var node = await NodeServices.OpenAsync(NodeHome.Load(home, database.Database));
            var book = node.Get<SeizureBook>();
            var officer = new LocalUser("officer-1", "NL", Role.Officer);
            var mapping = SeizureMapping.Parse(Mapping, "national.yaml");

            var bad = Good.Replace("120;kg;EC", "-120;kg;EC", StringComparison.Ordinal).Replace("AE;;NL", "AE;;QQ", StringComparison.Ordinal).Replace("1200;pcs", "1200;crates", StringComparison.Ordinal);
            var refused = Assert.IsType<SeizureOutcome.Invalid>(await book.ImportAsync(mapping.Read(bad, "bad.csv"), officer, "bad.csv"));
            Assert.Contains(refused.Errors, e => e is { Path: "/seizure/quantity/amount", Line: 2 } && e.Message.Contains("column 'qty'", StringComparison.Ordinal));
            Assert.Contains(refused.Errors, e => e is { Path: "/seizure/route/destinationCountryCode", Line: 3 } && e.Message.Contains("'QQ'", StringComparison.Ordinal));
            Assert.Contains(refused.Errors, e => e is { Path: "/seizure/quantity/unit", Line: 4, File: "bad.csv" });
            Assert.Empty(await book.ListAsync(new SeizureFilter()));
            Assert.Equal(0, await database.CountAsync("SELECT count(*) FROM shared_records"));

            // A declaration, its assessment (red) and a seizure that closes the loop.
            var declarations = new DeclarationGenerator(7).Generate(3).Select(r => r.Declaration!).ToList();
            using var ndjson = new MemoryStream(System.Text.Encoding.UTF8.GetBytes(string.Join('\n', declarations.Select(EntenteJson.Serialize))));
            Assert.Equal(3, (await node.Get<IngestDeclarations>().StreamAsync(ndjson, "batch.ndjson", new IngestInput(DeclarationFormat.Json, null, false), default)).Report.Accepted);
            var declarationId = (await database.Store.SearchAsync(new DeclarationQuery { Limit = 1 })).Items[0].Id;
            var assessment = await AssessAsync(node.Get<NodeDatabase>(), declarationId, "red");
            await AssessAsync(node.Get<NodeDatabase>(), declarationId + "-other", "red");

            var good = Good.Replace("scanner;;Jan", $"scanner;{assessment};Jan", StringComparison.Ordinal);
            var imported = Assert.IsType<SeizureOutcome.Recorded>(await book.ImportAsync(mapping.Read(good, "seizures.csv"), officer, "seizures.csv"));
            Assert.Equal(3, imported.Records.Count);
            var listed = await book.ListAsync(new SeizureFilter());
            Assert.Equal(["NL-3", "NL-2", "NL-1"], listed.Select(s => s.Facts.Id));
            var cocaine = listed.Single(s => s.Facts.Id == "NL-1").Facts;
            Assert.Equal(("EC", "NL", "KGM", 120.0), (cocaine.Departure, cocaine.Destination, cocaine.Unit, cocaine.Quantity));
            Assert.Equal(["PA", "ES"], cocaine.Transit);
            Assert.Equal(assessment, cocaine.AssessmentId);
            Assert.Equal("Gucci", listed.Single(s => s.Facts.Id == "NL-3").Facts.Detail);
            Assert.Single(await book.ListAsync(new SeizureFilter(Category: "tobacco")));

            var rates = await node.Get<SeizureAnalytics>().HitRatesAsync();
            var red = Assert.Single(rates.ByLane);
            Assert.Equal(("red", 2L, 1L, 0.5), (red.Group, red.Assessed, red.Seized, red.Rate));

            // The analytics store: Parquet by month, parties as keyed tags, recorded in the ledger, then only what changed.
            var folder = Path.Combine(home, "lake");
            var export = node.Get<AnalyticsExport>();
            var first = await export.ExportAsync(folder, null, null, "analyst");
            Assert.Equal("pseudonymised", first.PersonalData);
            Assert.Equal(3, first.Datasets.Single(d => d.Dataset == "seizures").Rows);
            Assert.Equal(["2026-08", "2026-09"], first.Datasets.Single(d => d.Dataset == "seizures").Months);
            Assert.True(File.Exists(Path.Combine(folder, "seizures", "month=2026-09", "part-0.parquet")));
            var declarantTags = AnalyticsExport.Query(folder, "SELECT declarant FROM declarations ORDER BY key").Rows.Select(r => (string?)r[0]).ToList();
            Assert.Equal(3, declarantTags.Count);
            Assert.All(declarantTags, t => Assert.StartsWith("party:", t, StringComparison.Ordinal));
            Assert.DoesNotContain(declarantTags, t => declarations.Any(d => d.FindParty(PartyRole.Declarant)?.Id == t));
            var offenders = AnalyticsExport.Query(folder, "SELECT offenders FROM seizures WHERE id = 'NL-1'").Rows[0][0] as string;
            Assert.StartsWith("party:", offenders, StringComparison.Ordinal);
            var byMonth = AnalyticsExport.Query(folder, "SELECT month, count(*) FROM seizures GROUP BY month ORDER BY month").Rows;
            Assert.Equal([("2026-08", 1L), ("2026-09", 2L)], byMonth.Select(r => ((string)r[0]!, Convert.ToInt64(r[1], System.Globalization.CultureInfo.InvariantCulture))));
            var entry = (await node.Get<LedgerStore>().GetEntryAsync(first.LedgerIndex))!.Entry;
            Assert.Equal(LedgerKinds.AnalyticsExport, entry.Kind);

            var again = await export.ExportAsync(folder, null, null, "analyst");
            Assert.All(again.Datasets, d => Assert.Empty(d.Months));
            var later = JsonNode.Parse("""{"seizure":{"id":"NL-4","seizedAt":"2026-10-01T08:00:00Z","category":"alcohol","quantity":{"amount":300,"unit":"LTR"}}}""")!.AsObject();
            Assert.IsType<SeizureOutcome.Recorded>(await book.AddAsync([(later, null, null)], officer, "api"));
            var third = await export.ExportAsync(folder, null, null, "analyst");
            Assert.Equal(["2026-10"], third.Datasets.Single(d => d.Dataset == "seizures").Months);
            Assert.All(third.Datasets.Where(d => d.Dataset != "seizures"), d => Assert.Empty(d.Months));
            Assert.Equal(4L, Convert.ToInt64(AnalyticsExport.Query(folder, "SELECT count(*) FROM seizures").Rows[0][0], System.Globalization.CultureInfo.InvariantCulture));

            // In clear only for an operational purpose with a justification.
            var clearFolder = Path.Combine(home, "lake-clear");
            await Assert.ThrowsAsync<ArgumentException>(() => export.ExportAsync(clearFolder, "investigation", null, "analyst"));
            var clear = await export.ExportAsync(clearFolder, "investigation", "case NL-2026-17", "analyst");
            Assert.Equal("clear", clear.PersonalData);
            var clearIds = AnalyticsExport.Query(clearFolder, "SELECT declarant FROM declarations ORDER BY key").Rows.Select(r => (string?)r[0]).ToList();
            Assert.Contains(clearIds, t => declarations.Any(d => d.FindParty(PartyRole.Declarant)?.Id == t));
        }
        finally
        {
            Directory.Delete(home, recursive: true);
        }
    }

    private static async Task<long> AssessAsync(NodeDatabase database, string declarationId, string lane)
    {
        await using var connection = await database.ConnectAsync();
        await using var insert = NodeDatabase.Command(connection, null,
            "INSERT INTO risk_assessments (declaration_id, assessed_at, score, lane, random_selection, reasons) VALUES (@d, @at, 80, @lane, @random, '[]')",
            ("@d", declarationId), ("@at", new DateTimeOffset(2026, 8, 1, 9, 0, 0, TimeSpan.Zero)), ("@lane", lane), ("@random", false));
        await insert.ExecuteNonQueryAsync();
        await using var id = NodeDatabase.Command(connection, null, "SELECT max(id) FROM risk_assessments");
        return Convert.ToInt64(await id.ExecuteScalarAsync(), System.Globalization.CultureInfo.InvariantCulture);
    }
}
