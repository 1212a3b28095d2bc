using Entente.Declarations;
using Entente.Ingest;
using Entente.Storage;
using Entente.Tests.Storage;
using Entente.Tools.Generation;
using Entente.Tools.Writers;
using Xunit.Abstractions;

namespace Entente.Tests.Ingest.WcoXml;

/// <summary>
/// Other WCO DM flavours than HMRC's DMS (docs/formats/wco-xml.md): other namespaces and versions, bare Declaration
/// roots, no namespaces, explicit prefixes, other element orders, optional elements absent, ISO dates, national
/// envelopes. A corpus written here (never a copy of a public file): each declaration in every flavour.
/// </summary>
public sealed class WcoXmlFlavourTests(ITestOutputHelper output) : IDisposable
{
    private const int PerFlavour = 12;

    private readonly string folder = Directory.CreateTempSubdirectory("entente-flavours-").FullName;

    public void Dispose() => Directory.Delete(folder, recursive: true);

    private static List<Declaration> Corpus()
    {
        var generator = new DeclarationGenerator(seed: 1506, referencePrefix: "FL");
        var corpus = new List<Declaration>();
        for (var i = 0; i < PerFlavour; i++)
        {
            var d = generator.Next(out _);
            d.Mrn = null;
            // What national systems accept and the node keeps with findings: a bad container number, an unknown origin.
            if (i % 3 == 0) d.GoodsShipment.Consignment.Containers = [new Container { Sequence = 1, Id = "AD12345" }];
            if (i % 4 == 1) d.GoodsShipment.GoodsItems[0].OriginCountryCode = "ZG";
            corpus.Add(d);
        }
        return corpus;
    }

    [StoreTheory, BothStores]
    public async Task Every_flavour_of_the_corpus_is_stored_with_the_same_findings_as_the_DMS_original(StorageProvider provider)
    {
        await using var test = await TestStore.CreateAsync(provider);
        var corpus = Corpus();
        var files = new List<(WcoXmlFlavour Flavour, int Index, string Path)>();
        foreach (var flavour in Enum.GetValues<WcoXmlFlavour>())
        {
            for (var i = 0; i < corpus.Count; i++)
            {
                var d = EntenteJson.Deserialize(EntenteJson.Serialize(corpus[i]));
                d.Lrn = $"{flavour}-{i}";
                var path = Path.Combine(folder, $"{flavour}-{i:00}.xml");
                await File.WriteAllTextAsync(path, WcoXmlVariants.ToXml(d, flavour));
                files.Add((flavour, i, path));
            }
        }

        var report = await new DeclarationIngest(test.Store).IngestFilesAsync(files.Select(f => f.Path).ToList(), new IngestOptions());

        foreach (var e in report.Errors.Take(10)) output.WriteLine(e.ToString());
        var stored = report.Files.Count(f => f.Accepted == 1);
        output.WriteLine($"{stored} of {files.Count} stored; findings: {string.Join(", ", report.FindingCounts.Select(c => $"{c.Key} {c.Value}"))}");
        Assert.True(stored >= files.Count * 95 / 100, $"only {stored} of {files.Count} stored");
        Assert.Equal(files.Count, stored);

        // Each flavour reads to what the DMS original reads to: the same findings, goods, containers, parties and dates.
        for (var i = 0; i < corpus.Count; i++)
        {
            var original = (await test.Store.FindAsync($"{WcoXmlFlavour.HmrcDms}-{i}"))!.Declaration;
            var codes = Codes(original);
            if (i % 3 == 0) Assert.Contains(FindingCodes.ContainerCheckDigit, codes);
            if (i % 4 == 1) Assert.Contains(FindingCodes.UnknownCountry, codes);
            foreach (var flavour in Enum.GetValues<WcoXmlFlavour>().Where(f => f is not (WcoXmlFlavour.HmrcDms or WcoXmlFlavour.Minimal)))
            {
                var read = (await test.Store.FindAsync($"{flavour}-{i}"))!.Declaration;
                Assert.True(codes.SetEquals(Codes(read)), $"{flavour}-{i}: findings {string.Join(",", Codes(read))}, the DMS original's {string.Join(",", codes)}");
                // Goods items are known by their sequence numbers, whatever order the document gives them in.
                Assert.Equal(original.GoodsShipment.GoodsItems.Select(g => (g.Sequence, g.Classification?.Code, g.OriginCountryCode, g.CustomsValue)),
                    read.GoodsShipment.GoodsItems.OrderBy(g => g.Sequence).Select(g => (g.Sequence, g.Classification?.Code, g.OriginCountryCode, g.CustomsValue)));
                Assert.Equal(original.GoodsShipment.Consignment.Containers.Select(c => c.Id), read.GoodsShipment.Consignment.Containers.Select(c => c.Id));
                Assert.Equal(original.Parties.Select(p => (p.Role, p.Id, p.Name)).Order(), read.Parties.Select(p => (p.Role, p.Id, p.Name)).Order());
                Assert.Equal(original.IssueDateTime, read.IssueDateTime);
                Assert.Equal(original.InvoiceAmount, read.InvoiceAmount);
            }
            var minimal = (await test.Store.FindAsync($"{WcoXmlFlavour.Minimal}-{i}"))!.Declaration;
            Assert.Null(minimal.FindParty(PartyRole.Representative));
            Assert.Equal(original.GoodsShipment.GoodsItems.Count, minimal.GoodsShipment.GoodsItems.Count);
        }
    }

    private static HashSet<string> Codes(Declaration d) => (d.Findings ?? []).Select(f => f.Code).ToHashSet(StringComparer.Ordinal);

    [Fact]
    public void A_response_written_without_namespaces_is_still_refused_as_a_response()
    {
        const string response = """
            <?xml version="1.0" encoding="UTF-8"?>
            <MetaData>
              <WCODataModelVersionCode>3.6</WCODataModelVersionCode>
              <WCOTypeName>RES</WCOTypeName>
              <Response><FunctionCode>01</FunctionCode><Declaration><ID>24GB0000000000001</ID></Declaration></Response>
            </MetaData>
            """;

        var refusal = Assert.Throws<IngestFormatException>(() => WcoXmlFiles.ReadXml(response, "res.xml"));

        Assert.Contains("<MetaData> is in no namespace", refusal.Message, StringComparison.Ordinal);
        Assert.Contains("customs response", refusal.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_date_written_as_text_that_is_no_date_is_reported_where_it_is()
    {
        const string xml = """
            <Declaration>
              <FunctionCode>9</FunctionCode>
              <FunctionalReferenceID>ISO-1</FunctionalReferenceID>
              <IssueDateTime>2024-02-30</IssueDateTime>
            </Declaration>
            """;

        var record = Assert.Single(WcoXmlFiles.ReadXml(xml, "bad-date.xml"));

        var error = Assert.Single(record.Errors);
        Assert.Equal(("/Declaration/IssueDateTime", 4L), (error.Path, error.Line));
        Assert.Contains("ISO 8601", error.Message, StringComparison.Ordinal);
    }
}
