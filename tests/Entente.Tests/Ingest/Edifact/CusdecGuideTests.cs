using Entente.Declarations;
using Entente.Ingest;
using Entente.Storage;
using Entente.Tests.Storage;
using Entente.Tests.Support;

namespace Entente.Tests.Ingest.Edifact;

/// <summary>
/// CUSDEC messages written to national implementation guides (docs/formats/edifact.md): New Zealand's and Australia's
/// style (D.01B, a UNA with other separators, MOA without currency, TDT main carriage), South Africa's (D.16A, SARS
/// codes in GIS and LOC), an EU member state's (D.96B, several goods items with CST and FTX, MRN/UCR/LRN references) and
/// a generic UN/CEFACT one (decimal comma, minute timestamps, two messages). Samples written for Entente's tests.
/// </summary>
public sealed class CusdecGuideTests
{
    private static string Sample(string name) =>
        Path.Combine(SharedData.RepositoryRoot, "tests", "Entente.Tests", "Ingest", "Edifact", "Samples", name);

    [StoreTheory, BothStores]
    public async Task Messages_to_national_guides_are_stored_with_findings_for_what_is_national(StorageProvider provider)
    {
        await using var test = await TestStore.CreateAsync(provider);
        var ingest = new DeclarationIngest(test.Store);

        var nz = await ingest.IngestFilesAsync([Sample("cusdec-nz-d01b-una.edi")], new IngestOptions { NationalCurrency = "NZD" });
        var za = await ingest.IngestFilesAsync([Sample("cusdec-za-d16a.edi")], new IngestOptions { NationalCurrency = "ZAR" });
        var others = await ingest.IngestFilesAsync([Sample("cusdec-eu-d96b-items.edi"), Sample("cusdec-uncefact-d16a-comma.edi")], new IngestOptions());

        Assert.All(new[] { nz, za, others }, r => Assert.True(r.Succeeded, string.Join("\n", r.Errors)));
        Assert.Equal(5, nz.Accepted + za.Accepted + others.Accepted);
        Assert.Equal(5, await test.Store.CountAsync());

        // New Zealand: '^' '|' '\' '~' separators, MOA in the implied NZD, the vessel in TDT+20, a port code of its own.
        var kiwi = (await test.Store.FindAsync("NZ-ENT-250304-01"))!.Declaration;
        Assert.Equal(("25NZ000000000123", "5NZ1234567-0001"), (kiwi.Mrn, kiwi.Ucr));
        Assert.Equal(new Amount(48250.00m, "NZD"), kiwi.InvoiceAmount);
        Assert.Equal(("9321483", "LAUREN OLDENDORFF"), (kiwi.GoodsShipment.Consignment.BorderTransportMeans?.Id, kiwi.GoodsShipment.Consignment.BorderTransportMeans?.Name));
        Assert.Equal(2, kiwi.GoodsShipment.GoodsItems.Count);
        Assert.Equal("Stainless steel cookware sets, 5-piece~ boxed", kiwi.GoodsShipment.GoodsItems[0].Description);
        Assert.Equal("AKL-SEAPORT-3", kiwi.NationalData["LOC+198"]);
        Assert.Contains(kiwi.Findings!, f => f is { Code: FindingCodes.UnmappedCode, Path: "/nationalData/LOC+198" });
        Assert.Contains(kiwi.Findings!, f => f is { Code: FindingCodes.UnmappedCode, Path: "/nationalData/GIS:NZ1" });
        Assert.Contains(kiwi.Findings!, f => f.Code == FindingCodes.ImpliedCurrency);
        var unmapped = Assert.Single(nz.Findings, f => f.Code == FindingCodes.UnmappedCode && f.Message.Contains("'198'", StringComparison.Ordinal));
        Assert.Equal(8L, unmapped.Line);

        // South Africa: D.16A, SARS codes in GIS and a terminal named in LOC+41, MOA in the implied ZAR with a CUX rate.
        var sizwe = (await test.Store.FindAsync("ZA-LRN-2025-0211"))!.Declaration;
        Assert.Equal(new Amount(152000.00m, "ZAR"), sizwe.GoodsShipment.GoodsItems[0].CustomsValue);
        Assert.Equal("9295206", sizwe.GoodsShipment.Consignment.BorderTransportMeans?.Id);
        Assert.Equal(("ZADUR", "ZADBN"), (sizwe.GoodsShipment.Consignment.UnloadingLocation, sizwe.DeclarationOfficeId));
        Assert.Contains(sizwe.Findings!, f => f is { Code: FindingCodes.UnmappedCode, Path: "/nationalData/GIS:SARS" });
        Assert.Contains(sizwe.Findings!, f => f is { Code: FindingCodes.UnmappedCode, Path: "/nationalData/LOC+41" });
        Assert.Contains(sizwe.Findings!, f => f.Code == FindingCodes.UnmappedCode && f.Path.Contains("SARSPREF", StringComparison.Ordinal));

        // EU: three goods items with their CST and FTX, MRN (ABT), UCR (UCN) and the LRN repeated in RFF+ABE.
        var hamburg = (await test.Store.FindAsync("25DE004851000012A4"))!.Declaration;
        Assert.Equal(("DE-LRN-250120-9", "5DE123456789-250120"), (hamburg.Lrn, hamburg.Ucr));
        Assert.Empty(hamburg.PreviousDocuments);
        Assert.Equal(["8504403000", "8517620000", "8544429000"], hamburg.GoodsShipment.GoodsItems.Select(g => g.Classification?.Code));
        Assert.Equal("Network routers", hamburg.GoodsShipment.GoodsItems[1].Description);
        Assert.Equal(("CNSHA", "DEHAM", "CN"), (hamburg.GoodsShipment.Consignment.LoadingLocation, hamburg.GoodsShipment.Consignment.UnloadingLocation, hamburg.GoodsShipment.ExportCountryCode));
        Assert.Contains(hamburg.Findings!, f => f is { Code: FindingCodes.ContainerCheckDigit, Path: "/goodsShipment/consignment/containers/1/id" });
        Assert.Contains(hamburg.Findings!, f => f is { Code: FindingCodes.UnknownCountry, Path: "/goodsShipment/goodsItems/1/originCountryCode" });

        // Generic UN/CEFACT: a decimal comma, two messages in one interchange.
        var generic = (await test.Store.FindAsync("GEN-LRN-0001"))!.Declaration;
        Assert.Equal(new Amount(12345.50m, "EUR"), generic.InvoiceAmount);
        Assert.Equal(1234.5m, generic.GoodsShipment.GoodsItems[0].NetMassKg);
        Assert.NotNull(await test.Store.FindAsync("GEN-LRN-0002"));
    }

    [StoreTheory, BothStores]
    public async Task A_node_may_refuse_national_codes_it_does_not_map(StorageProvider provider)
    {
        await using var test = await TestStore.CreateAsync(provider);

        var report = await new DeclarationIngest(test.Store).IngestFilesAsync([Sample("cusdec-za-d16a.edi")],
            new IngestOptions { NationalCurrency = "ZAR", RefuseFindings = [FindingCodes.UnmappedCode] });

        Assert.Equal((0L, 1L), (report.Accepted, report.Rejected));
        Assert.Contains(report.Errors, e => e.Message.Contains("GIS qualifier 'SARS'", StringComparison.Ordinal)
            && e.Message.Contains("(finding unmapped-code, refused by this node's Entente:Ingest:Refuse)", StringComparison.Ordinal));
    }
}
