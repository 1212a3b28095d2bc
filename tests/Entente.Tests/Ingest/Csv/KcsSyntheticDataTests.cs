using Entente.Declarations;
using Entente.Ingest;
using Entente.Ingest.Csv;
using Entente.Tests.Support;

namespace Entente.Tests.Ingest.Csv;

/// <summary>The Korea Customs Service synthetic declarations (54,000 rows, both versions) read through the shipped mappings.</summary>
public class KcsSyntheticDataTests
{
    private const string DataSet = "customs-import-declarations";

    // The records are only read by the tests, so each version is read once.
    private static readonly System.Collections.Concurrent.ConcurrentDictionary<string, Lazy<List<SourceRecord>>> Cache = new();

    private static List<SourceRecord> ReadAll(string mappingFile, string folder) =>
        Cache.GetOrAdd(mappingFile, _ => new Lazy<List<SourceRecord>>(() => ReadFiles(mappingFile, folder))).Value;

    private static List<SourceRecord> ReadFiles(string mappingFile, string folder)
    {
        var reader = new CsvReader(CsvMapping.Load(Path.Combine(SharedData.RepositoryRoot, "mappings", mappingFile)));
        var records = new List<SourceRecord>();
        foreach (var split in new[] { "train", "valid", "test" })
        {
            var path = SharedData.PathOf(DataSet, folder, $"df_syn_{split}_eng.csv");
            using var stream = File.OpenRead(path);
            records.AddRange(reader.Read(stream, path));
        }
        return records;
    }

    [SharedDataTheory(DataSet)]
    [InlineData("kcs-synthetic-hs6.yaml", "")]
    [InlineData("kcs-synthetic-hs10.yaml", "v2022-06-hs10")]
    public void Reads_all_54000_rows_into_declarations_that_pass_validation(string mapping, string folder)
    {
        var records = ReadAll(mapping, folder);

        Assert.Equal(54_000, records.Count);
        Assert.Empty(records.SelectMany(r => r.Errors));
        var invalid = records
            .SelectMany(r => DeclarationValidator.Validate(r.Declaration!).Select(r.ErrorFor))
            .Take(5)
            .Select(e => e.ToString())
            .ToList();
        Assert.Empty(invalid);
        Assert.Equal(54_000, records.Select(r => r.Declaration!.Mrn).Distinct().Count());
        Assert.All(records, r => Assert.Single(r.Declaration!.GoodsShipment.GoodsItems));
    }

    [SharedDataTheory(DataSet)]
    [InlineData("kcs-synthetic-hs6.yaml", "")]
    [InlineData("kcs-synthetic-hs10.yaml", "v2022-06-hs10")]
    public void Carries_the_fraud_labels_the_source_publishes(string mapping, string folder)
    {
        var records = ReadAll(mapping, folder);

        // SOURCE.md: 11,653 rows with Fraud=1; Critical Fraud is 2 in 545 rows and 0 exactly when Fraud=0.
        Assert.Equal(11_653, records.Count(r => r.Labels!.Fraud));
        Assert.Equal(545, records.Count(r => r.Labels!.CriticalFraud == 2));
        Assert.All(records, r => Assert.Equal(r.Labels!.Fraud, r.Labels.CriticalFraud > 0));
        Assert.All(records, r => Assert.DoesNotContain(r.Declaration!.NationalData.Keys, k => k.Contains("fraud", StringComparison.OrdinalIgnoreCase)));
    }

    [SharedDataFact(DataSet)]
    public void Maps_the_first_validation_row_field_by_field()
    {
        // 56839011,2021-01-01,40,B,11,11,11,40,76NV527,SHHZGSL,249LO7A,,760711,CN,CN,7.2,FCN1,E,901.2,415092.72,0,0
        var record = ReadAll("kcs-synthetic-hs6.yaml", "").Single(r => r.Declaration!.Mrn == "56839011");
        var d = record.Declaration!;
        var item = d.GoodsShipment.GoodsItems[0];

        Assert.Equal(new DateTimeOffset(2021, 1, 1, 0, 0, 0, TimeSpan.FromHours(9)), d.AcceptanceDateTime);
        Assert.Equal("40", d.DeclarationOfficeId);
        Assert.Equal(4, d.GoodsShipment.Consignment.ModeOfTransportAtBorder);
        Assert.Equal("CN", d.GoodsShipment.Consignment.DepartureCountryCode);
        Assert.Equal(
            [(PartyRole.Declarant, "76NV527"), (PartyRole.Importer, "SHHZGSL"), (PartyRole.Seller, "249LO7A")],
            d.Parties.Select(p => (p.Role, p.Id!)));
        Assert.Equal(new Classification("HS", "2017", "760711"), item.Classification);
        Assert.Equal(("CN", "E"), (item.OriginCountryCode, item.OriginTypeCode));
        Assert.Equal(901.2m, item.NetMassKg);
        Assert.Equal(new Amount(415092.72m, "KRW"), item.ItemPrice);
        var duty = Assert.Single(item.DutyTaxFees);
        Assert.Equal(("FCN1", 7.2m), (duty.TypeCode, duty.RatePercent));
        Assert.Equal(
            new Dictionary<string, string> { ["process-type"] = "B", ["import-type"] = "11", ["import-use"] = "11", ["payment-type"] = "11" },
            d.NationalData);
        Assert.Equal(new InspectionLabels(false, 0, null), record.Labels);
        Assert.Equal(new SourceLocation(2, "HS6 Code"), record.Locate!("/goodsShipment/goodsItems/0/classification/code"));
    }

    [SharedDataFact(DataSet)]
    public void Restores_the_leading_zero_of_nine_digit_hs10_codes()
    {
        var hs10 = ReadAll("kcs-synthetic-hs10.yaml", "v2022-06-hs10");
        var hs6 = ReadAll("kcs-synthetic-hs6.yaml", "").ToDictionary(r => r.Declaration!.Mrn!, r => r.Declaration!.GoodsShipment.GoodsItems[0].Classification!.Code);

        Assert.All(hs10, r => Assert.Equal(10, r.Declaration!.GoodsShipment.GoodsItems[0].Classification!.Code.Length));
        var early = hs10.Where(r => r.Declaration!.GoodsShipment.GoodsItems[0].Classification!.Code.StartsWith('0')).ToList();
        Assert.NotEmpty(early);
        // The HS6 version of the same declaration agrees on the first six digits once the zero is back.
        var agreeing = early.Count(r => r.Declaration!.GoodsShipment.GoodsItems[0].Classification!.Code[..6] == hs6[r.Declaration.Mrn!]);
        Assert.True(agreeing > early.Count * 0.9, $"{agreeing} of {early.Count} padded codes agree with the HS6 version");
    }

    [SharedDataFact(DataSet)]
    public void Sets_no_courier_when_the_courier_cell_is_empty_and_no_country_for_zz()
    {
        var records = ReadAll("kcs-synthetic-hs6.yaml", "");

        // SOURCE.md: Courier ID is empty in 44,462 rows; ZZ (unknown) appears as a country in a few dozen rows.
        Assert.Equal(54_000 - 44_462, records.Count(r => r.Declaration!.FindParty(PartyRole.Courier) is not null));
        Assert.Contains(records, r => r.Declaration!.GoodsShipment.Consignment.DepartureCountryCode is null);
        Assert.DoesNotContain(records, r => r.Declaration!.GoodsShipment.GoodsItems[0].OriginCountryCode == "ZZ");
    }
}
