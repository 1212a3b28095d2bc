using Entente.CodeLists;
using Entente.Declarations;
using Entente.Ingest;
using Entente.Storage;
using Entente.Tests.Storage;
using Entente.Tests.Support;
using Xunit.Abstractions;

namespace Entente.Tests.Ingest;

/// <summary>
/// Findings, not refusals: what the national system accepted is kept, with what is wrong in it said as findings that
/// are stored, searchable and raisable to refusals (docs/formats/findings.md).
/// </summary>
public sealed class FindingsTests(ITestOutputHelper output) : IDisposable
{
    private readonly string folder = Directory.CreateTempSubdirectory("entente-findings-").FullName;

    public void Dispose() => Directory.Delete(folder, recursive: true);

    private string Write(string name, string content)
    {
        var path = Path.Combine(folder, name);
        File.WriteAllText(path, content);
        return path;
    }

    /// <summary>A declaration the national system accepted, with a container number that fails ISO 6346 and an unknown origin.</summary>
    private static Declaration WithFindings(string lrn)
    {
        var d = Entente.Tests.Declarations.SampleDeclarations.Valid(lrn);
        d.GoodsShipment.Consignment.Containers = [new Container { Id = "AD12345" }];
        d.GoodsShipment.GoodsItems[0].OriginCountryCode = "ZG";
        return d;
    }

    [StoreTheory, BothStores]
    public async Task A_declaration_with_check_digit_and_code_list_failures_is_kept_with_findings_stored_and_searchable(StorageProvider provider)
    {
        await using var test = await TestStore.CreateAsync(provider);
        var file = Write("accepted.ndjson", EntenteJson.Serialize(WithFindings("F1")) + "\n" + EntenteJson.Serialize(Entente.Tests.Declarations.SampleDeclarations.Valid("OK1")) + "\n");

        var report = await new DeclarationIngest(test.Store).IngestFilesAsync([file], new IngestOptions());

        Assert.True(report.Succeeded, string.Join("\n", report.Errors));
        Assert.Equal(2, report.Accepted);
        Assert.Equal(1, report.WithFindings);
        Assert.Equal(1, report.FindingCounts[FindingCodes.ContainerCheckDigit]);
        Assert.Equal(1, report.FindingCounts[FindingCodes.UnknownCountry]);
        Assert.All(report.Findings, f => Assert.Equal(file, f.File));

        var stored = (await test.Store.FindAsync("F1"))!.Declaration;
        var findings = stored.Findings!;
        Assert.Contains(findings, f => f is { Code: FindingCodes.ContainerCheckDigit, Path: "/goodsShipment/consignment/containers/0/id" });
        Assert.Contains(findings, f => f is { Code: FindingCodes.UnknownCountry, Path: "/goodsShipment/goodsItems/0/originCountryCode" });
        Assert.Equal("AD12345", stored.GoodsShipment.Consignment.Containers[0].Id);

        var hits = await test.Store.SearchAsync(new DeclarationQuery { Finding = FindingCodes.ContainerCheckDigit });
        Assert.Equal(["F1"], hits.Items.Select(i => i.Lrn));
        Assert.Empty((await test.Store.SearchAsync(new DeclarationQuery { Finding = FindingCodes.ImoCheckDigit })).Items);
    }

    [StoreTheory, BothStores]
    public async Task Strict_or_the_node_configuration_raises_findings_to_refusals(StorageProvider provider)
    {
        await using var test = await TestStore.CreateAsync(provider);
        var file = Write("one.ndjson", EntenteJson.Serialize(WithFindings("F2")) + "\n");
        var ingest = new DeclarationIngest(test.Store);

        var strict = await ingest.IngestFilesAsync([file], new IngestOptions { Strict = true });
        var raised = await ingest.IngestFilesAsync([file], new IngestOptions { RefuseFindings = [FindingCodes.ContainerCheckDigit] });

        Assert.Equal((0L, 1L), (strict.Accepted, strict.Rejected));
        Assert.Contains(strict.Errors, e => e.Message.Contains("(finding container-check-digit, refused by --strict)", StringComparison.Ordinal));
        Assert.Contains(strict.Errors, e => e.Message.Contains("(finding unknown-country, refused by --strict)", StringComparison.Ordinal));
        Assert.Equal((0L, 1L), (raised.Accepted, raised.Rejected));
        var error = Assert.Single(raised.Errors);
        Assert.Contains("refused by this node's Entente:Ingest:Refuse", error.Message, StringComparison.Ordinal);
        Assert.Equal(0, await test.Store.CountAsync());
    }

    [Fact]
    public async Task Findings_a_sender_wrote_are_not_taken_for_the_nodes_own()
    {
        await using var test = await TestStore.CreateAsync(StorageProvider.Sqlite);
        var d = Entente.Tests.Declarations.SampleDeclarations.Valid("FORGED1");
        d.Findings = [new Finding(FindingCodes.ImoCheckDigit, "/lrn", "forged")];
        var file = Write("forged.ndjson", EntenteJson.Serialize(d) + "\n");

        var report = await new DeclarationIngest(test.Store).IngestFilesAsync([file], new IngestOptions());

        Assert.True(report.Succeeded, string.Join("\n", report.Errors));
        Assert.Null((await test.Store.FindAsync(d.Lrn!))!.Declaration.Findings);
        Assert.Empty((await test.Store.SearchAsync(new DeclarationQuery { Finding = FindingCodes.ImoCheckDigit })).Items);
    }

    /// <summary>
    /// A CUSDEC message as South Africa's and New Zealand's implementation guides write it: MOA amounts without C516
    /// component 3 (the national currency is implied) and a CUX that carries only an exchange rate.
    /// </summary>
    private const string NationalGuideCusdec =
        "UNA:+.? '\n" +
        "UNB+UNOC:3+ZA1234567:ZZ+ZASARS:ZZ+250301:0800+ZA0001'\n" +
        "UNH+1+CUSDEC:D:96B:UN'\n" +
        "BGM+929+ZA-LRN-2025-0007+9'\n" +
        "LOC+35+CN'\n" +
        "DTM+137:20250301:102'\n" +
        "NAD+IM+ZA0123456789++Cape Imports (Pty) Ltd+1 Dock Road+Cape Town++8001+ZA'\n" +
        "MOA+39:152000.00'\n" +
        "CUX+++18.2514'\n" +
        "UNS+D'\n" +
        "CST+1+851762:HS:ZZZ'\n" +
        "FTX+AAA+++Network switches'\n" +
        "MEA+AAE+AAA+KGM:310'\n" +
        "MEA+AAE+AAB+KGM:360'\n" +
        "MOA+40:152000.00'\n" +
        "UNS+S'\n" +
        "UNT+15+1'\n" +
        "UNZ+1+ZA0001'\n";

    [Fact]
    public async Task A_CUSDEC_without_MOA_currency_takes_the_national_currency_and_says_so()
    {
        await using var test = await TestStore.CreateAsync(StorageProvider.Sqlite);
        var file = Write("sars.edi", NationalGuideCusdec);

        var report = await new DeclarationIngest(test.Store).IngestFilesAsync([file], new IngestOptions { NationalCurrency = "ZAR" });

        Assert.True(report.Succeeded, string.Join("\n", report.Errors));
        Assert.Equal(1, report.Accepted);
        var stored = (await test.Store.FindAsync("ZA-LRN-2025-0007"))!.Declaration;
        Assert.Equal(new Amount(152000.00m, "ZAR"), stored.InvoiceAmount);
        Assert.Equal(new Amount(152000.00m, "ZAR"), stored.GoodsShipment.GoodsItems[0].CustomsValue);
        var implied = stored.Findings!.Where(f => f.Code == FindingCodes.ImpliedCurrency).ToList();
        Assert.Equal(["/invoiceAmount/currency", "/goodsShipment/goodsItems/0/customsValue/currency"], implied.Select(f => f.Path));
        Assert.All(implied, f => Assert.Contains("national currency ZAR is taken", f.Message, StringComparison.Ordinal));
        // The report points into the file: the MOA segments.
        var located = report.Findings.Where(f => f.Code == FindingCodes.ImpliedCurrency).ToList();
        Assert.Equal([8L, 15L], located.Select(f => f.Line ?? 0));
        Assert.Equal(["MOA+39", "MOA+40"], located.Select(f => f.Path[(f.Path.LastIndexOf(' ') + 1)..]));
    }

    [Fact]
    public async Task Without_a_national_currency_the_amount_is_refused_naming_the_setting()
    {
        await using var test = await TestStore.CreateAsync(StorageProvider.Sqlite);
        var file = Write("sars.edi", NationalGuideCusdec);

        var report = await new DeclarationIngest(test.Store).IngestFilesAsync([file], new IngestOptions());

        Assert.Equal((0L, 1L), (report.Accepted, report.Rejected));
        Assert.All(report.Errors, e => Assert.Contains("Entente:Ingest:NationalCurrency", e.Message, StringComparison.Ordinal));
        Assert.DoesNotContain(report.Errors, e => e.Message.Contains("C516", StringComparison.Ordinal));
    }

    [Fact]
    public void The_settings_refuse_an_unknown_currency_or_finding_code()
    {
        var settings = new IngestSettings { NationalCurrency = "RAND", Refuse = ["container-check-digit", "bad-check"] };

        var problems = settings.Validate(new System.ComponentModel.DataAnnotations.ValidationContext(settings)).Select(r => r.ErrorMessage).ToList();

        Assert.Equal(2, problems.Count);
        Assert.Contains("NationalCurrency", problems[0], StringComparison.Ordinal);
        Assert.Contains("'bad-check' is not a finding code", problems[1], StringComparison.Ordinal);
    }

    /// <summary>
    /// Every well-formed declaration sample of the set (here HMRC's DMS conformance files; any WCO DM sample set laid out
    /// the same way): at least 95 % stored, each with the findings its data calls for.
    /// </summary>
    [SharedDataFact("wco-dms-samples")]
    public async Task At_least_95_percent_of_the_well_formed_WCO_DM_samples_are_stored_each_with_its_findings()
    {
        await using var test = await TestStore.CreateAsync(StorageProvider.Sqlite);
        var files = Directory.GetFiles(SharedData.PathOf("wco-dms-samples", "declarations")).Order(StringComparer.Ordinal).ToList();

        var report = await new DeclarationIngest(test.Store).IngestFilesAsync(files, new IngestOptions());

        // Well-formed declarations: the files the WCO reader reads a declaration from (not a response, not malformed XML,
        // not a Declaration in a mangled namespace).
        var wellFormed = files.Where(f =>
        {
            try
            {
                return Entente.Tests.Ingest.WcoXml.WcoXmlFiles.ReadFile(f).Any(r => r.Declaration is not null);
            }
            catch (IngestFormatException)
            {
                return false;
            }
        }).ToHashSet(StringComparer.Ordinal);
        var declarations = report.Files.Where(f => wellFormed.Contains(f.File)).ToList();
        // Stored, or (an amendment or cancellation, HMRC's FunctionCode 13) applied or kept pending for its declaration.
        var stored = declarations.Where(f => f.Accepted + f.Duplicates + f.Amended + f.Cancelled + f.PendingAmendments == 1).ToList();
        var rate = (double)stored.Count / declarations.Count;
        output.WriteLine($"{stored.Count} of {declarations.Count} well-formed declaration samples stored or applied ({rate:P1}); {report.Files.Count} files in all, {report.FilesFailed} failed as files");
        foreach (var f in declarations.Except(stored)) output.WriteLine($"not stored: {Path.GetFileName(f.File)}: {report.Errors.FirstOrDefault(e => e.File == f.File)?.Message}");
        foreach (var (code, count) in report.FindingCounts) output.WriteLine($"{count,5} {code}");
        Assert.True(rate >= 0.95, $"only {rate:P1} of the well-formed samples were stored");
        // HMRC's 7 DMS amendments and cancellations name declarations outside the set: kept pending, each with its finding.
        Assert.True(stored.Count >= 150, $"{stored.Count} of {declarations.Count} accounted for");
        Assert.Equal(7, report.PendingAmendments);
        Assert.Equal(7, report.FindingCounts[FindingCodes.UnmatchedAmendment]);
        Assert.Equal(files.Count, report.Files.Count);

        // The findings are where the data is wrong, checked here independently of the validator.
        var wrongContainers = 0;
        var wrongImo = 0;
        var withoutCode = 0;
        foreach (var file in stored.Where(f => f.Accepted == 1))
        {
            var record = Assert.Single(Entente.Tests.Ingest.WcoXml.WcoXmlFiles.ReadFile(file.File));
            var reference = record.Declaration!.Mrn ?? record.Declaration.Lrn!;
            var d = (await test.Store.FindAsync(reference))!.Declaration;
            var codes = (d.Findings ?? []).Select(f => f.Code).ToHashSet();
            if (d.GoodsShipment.Consignment.Containers.Any(c => !CheckDigits.IsValidContainerNumber(c.Id, out _)))
            {
                wrongContainers++;
                Assert.Contains(FindingCodes.ContainerCheckDigit, codes);
            }
            else
            {
                Assert.DoesNotContain(FindingCodes.ContainerCheckDigit, codes);
            }
            var means = new[] { d.GoodsShipment.Consignment.BorderTransportMeans, d.GoodsShipment.Consignment.ArrivalTransportMeans };
            if (means.Any(m => m is { IdentificationTypeCode: "10", Id: { } imo } && !CheckDigits.IsValidImoNumber(imo, out _)))
            {
                wrongImo++;
                Assert.Contains(FindingCodes.ImoCheckDigit, codes);
            }
            if (d.GoodsShipment.GoodsItems.Any(i => i.Classification is null))
            {
                withoutCode++;
                Assert.Contains(FindingCodes.MissingCommodityCode, codes);
            }
        }
        output.WriteLine($"{wrongContainers} with a bad container number, {wrongImo} with a bad IMO number, {withoutCode} with an item without commodity code");
        Assert.True(wrongContainers > 0 && wrongImo > 0, "the HMRC samples carry deliberately fake container and IMO numbers");
        var searched = await test.Store.SearchAsync(new DeclarationQuery { Finding = FindingCodes.ImoCheckDigit, Limit = 1000 });
        Assert.Equal(wrongImo, searched.Items.Count);
    }

    [Fact]
    public void Rules_read_findings_as_facts()
    {
        var set = Entente.Risk.Rules.RuleSetCompiler.Compile("""
            ruleset "t" version 1
            rule bad-box "bad container number": if finding.container-check-digit > 0 then yellow 40
            rule listed "listed finding": if findings in ("imo-check-digit", "unknown-country") then score 5
            """, "t.rules");
        var flagged = WithFindings("R1");
        flagged.Findings = [new Finding(FindingCodes.ContainerCheckDigit, "/goodsShipment/consignment/containers/0/id", "bad")];
        var clean = Entente.Tests.Declarations.SampleDeclarations.Valid("R2");

        Assert.Equal(["bad-box"], set.Evaluate(flagged).Fired.Select(f => f.Id));
        Assert.Empty(set.Evaluate(clean).Fired);
        flagged.Findings.Add(new Finding(FindingCodes.UnknownCountry, "/goodsShipment/goodsItems/0/originCountryCode", "ZG"));
        Assert.Equal(["bad-box", "listed"], set.Evaluate(flagged).Fired.Select(f => f.Id));
        var refused = Assert.Throws<Entente.Risk.Rules.RuleSetException>(() => Entente.Risk.Rules.RuleSetCompiler.Compile(
            "ruleset \"t\" version 1\nrule r \"x\": if finding.no-such-check > 0 then red\n", "t.rules"));
        Assert.Contains("finding.no-such-check", refused.Message, StringComparison.Ordinal);
    }
}
