using System.Text.RegularExpressions;
using Entente.Declarations;
using Entente.Ingest;
using Entente.Tests.Support;
using Xunit.Abstractions;

namespace Entente.Tests.Ingest.WcoXml;

/// <summary>The 229 annotated DMS 3.6 files HMRC publishes for conformance testing (data set wco-dms-samples).</summary>
public partial class WcoXmlSampleTests(ITestOutputHelper output)
{
    private static string HmrcSample(string name) => SharedData.PathOf("wco-dms-samples", "declarations", name);

    private static IEnumerable<string> AllSamples() =>
        Directory.GetFiles(SharedData.PathOf("wco-dms-samples", "declarations")).Order(StringComparer.Ordinal);

    private sealed record Outcome(string File, List<SourceRecord> Records, IngestFormatException? Refusal);

    private static List<Outcome> ReadAll() =>
        AllSamples().Select(path =>
        {
            try
            {
                return new Outcome(Path.GetFileName(path), WcoXmlFiles.ReadFile(path), null);
            }
            catch (IngestFormatException e)
            {
                return new Outcome(Path.GetFileName(path), [], e);
            }
        }).ToList();

    [SharedDataFact("wco-dms-samples")]
    public void Every_HMRC_sample_is_read_or_refused_with_a_precise_error()
    {
        var outcomes = ReadAll();
        Assert.Equal(229, outcomes.Count);

        var read = outcomes.Where(o => o.Records.Any(r => r.Declaration is not null)).ToList();
        var refused = outcomes.Where(o => o.Refusal is not null).ToList();
        var misplaced = outcomes.Where(o => o.Records.Count > 0 && o.Records.All(r => r.Declaration is null)).ToList();
        foreach (var o in refused) output.WriteLine($"refused  {o.Refusal!.Error}");
        foreach (var o in misplaced) output.WriteLine($"no declaration  {o.Records[0].Errors[0]}");

        Assert.Equal(229, read.Count + refused.Count + misplaced.Count);
        Assert.All(read, o => Assert.Single(o.Records));
        Assert.All(refused, o =>
        {
            Assert.Equal(o.File, o.Refusal!.Error.File);
            Assert.True(o.Refusal.Error.Line >= 1, $"{o.File}: no line in '{o.Refusal.Message}'");
        });

        // 74 are DMS responses (notifications) filed beside the declarations; 73 of them say so in WCOTypeName.
        var responses = refused.Where(o => o.Refusal!.Message.Contains("<MetaData> is in no namespace", StringComparison.Ordinal)).ToList();
        Assert.Equal(74, responses.Count);
        Assert.Equal(73, responses.Count(o => o.Refusal!.Message.Contains("customs response", StringComparison.Ordinal)));

        // Two are not well-formed: a comment holds "--" ('->' typed for '-->').
        var malformed = refused.Except(responses).OrderBy(o => o.File, StringComparer.Ordinal).ToList();
        Assert.Equal(["TT_EX022a__TT_EX022a_Declaration1__Step1_.xml", "TT_IM084a__TT_IM084a.xml"], malformed.Select(o => o.File));
        Assert.Equal(52, malformed[0].Refusal!.Error.Line);
        Assert.Equal(164, malformed[1].Refusal!.Error.Line);
        Assert.All(malformed, o => Assert.Contains("not well-formed XML at line", o.Refusal!.Message, StringComparison.Ordinal));

        // One has its namespace prefixes mangled (xmlnsmd="urnwcodatamodel..."): its Declaration is reported, not read.
        var mangled = Assert.Single(misplaced);
        Assert.Equal("TT_IM222a__Step1_TT_IM222a.xml", mangled.File);
        Assert.Contains("expected 'urn:wco:datamodel:WCO:DEC-DMS:2'", mangled.Records[0].Errors[0].Message, StringComparison.Ordinal);

        Assert.Equal(152, read.Count);
        Assert.All(read, o => Assert.Empty(o.Records[0].Errors));
    }

    [SharedDataFact("wco-dms-samples")]
    public void Reads_TT_IM001b_as_HMRC_annotates_it()
    {
        var record = Assert.Single(WcoXmlFiles.ReadFile(HmrcSample("TT_IM001b__TT_IM001b.xml")));
        var d = record.Declaration!;

        Assert.Equal("/MetaData/Declaration", record.RecordPath);
        Assert.Equal("9", d.FunctionCode);
        Assert.Equal("TT_IM01b_v1.7_220322_1", d.Lrn);
        Assert.Equal("IMA", d.TypeCode);
        Assert.Equal(1, d.GoodsItemQuantity);
        Assert.Equal(50, d.TotalPackageQuantity);
        var exporter = d.FindParty(PartyRole.Exporter)!;
        Assert.Equal("US Clipper Inc.", exporter.Name);
        Assert.Equal("New York", exporter.Address!.CityName);
        Assert.Equal("GB553202734852", d.FindParty(PartyRole.Importer)!.Id);
        Assert.Equal("2", d.FindParty(PartyRole.Representative)!.FunctionCode);
        Assert.Equal(["CGU", "DPO"], d.Parties.Where(p => p.Role == PartyRole.AuthorisationHolder).Select(p => p.FunctionCode));
        Assert.Equal("GBAUWLALONBTW", d.GoodsShipment.Consignment.GoodsLocation);
        Assert.Equal(1, d.GoodsShipment.Consignment.ModeOfTransportAtBorder);
        Assert.Equal("US", d.GoodsShipment.Consignment.BorderTransportMeans!.NationalityCode);
        Assert.True(d.GoodsShipment.Consignment.Containerised);

        var item = Assert.Single(d.GoodsShipment.GoodsItems);
        Assert.Equal(new Classification("CN", null, "85109000"), item.Classification);
        Assert.Equal([new Classification("TRC", null, "00")], item.AdditionalClassifications);
        Assert.Equal("US", item.OriginCountryCode);
        Assert.Equal(150m, item.GrossMassKg);
        Assert.Equal(100m, item.NetMassKg);
        Assert.Equal(new Amount(1000m, "GBP"), item.ItemPrice);
        Assert.Equal(("40", "00"), (item.RequestedProcedureCode, item.PreviousProcedureCode));
        Assert.Equal(["000"], item.AdditionalProcedureCodes);
        Assert.Equal(["A00", "B00"], item.DutyTaxFees.Select(f => f.TypeCode));
        Assert.Equal("0000", d.NationalData["dms:GoodsShipment/GovernmentAgencyGoodsItem[1]/ValuationAdjustment/AdditionCode"]);
        Assert.Equal("CIF", d.NationalData["dms:GoodsShipment/TradeTerms/ConditionCode"]);

        Assert.Equal(new SourceLocation(263, "/MetaData/Declaration/GoodsShipment/GovernmentAgencyGoodsItem[1]/Origin[1]/CountryCode"),
            record.Locate!("/goodsShipment/goodsItems/0/originCountryCode"));
        // HMRC's container AD12345 is no ISO 6346 number: the validator says so, pointing into the file.
        var problem = Assert.Single(DeclarationValidator.Validate(d), p => p.Path == "/goodsShipment/consignment/containers/0/id");
        var error = record.ErrorFor(problem);
        Assert.Equal("/MetaData/Declaration/GoodsShipment/Consignment/TransportEquipment[1]/ID", error.Path);
        Assert.Equal(139, error.Line);
    }

    [SharedDataFact("wco-dms-samples")]
    public void Reads_the_TT_EX010a_cancellation_as_a_request_on_an_existing_declaration()
    {
        var d = Assert.Single(WcoXmlFiles.ReadFile(HmrcSample("TT_EX010a__TT_EX010a_Cancellation.xml"))).Declaration!;

        Assert.Equal(("13", "INV"), (d.FunctionCode, d.TypeCode));
        Assert.Equal("24GBDIRIGZ7QLCPAA8", d.Mrn);
        Assert.Equal("U.7867523JNCOL", d.Lrn);
        Assert.Empty(d.GoodsShipment.GoodsItems);
        Assert.Equal("1", d.NationalData["dms:Amendment[1]/ChangeReasonCode"]);
        Assert.Equal("GB150454489082", d.NationalData["dms:Submitter/ID"]);
        Assert.Equal("AES", d.NationalData["dms:AdditionalInformation[1]/StatementTypeCode"]);
        Assert.Equal("06A", d.NationalData["dms:AdditionalInformation[1]/Pointer[2]/DocumentSectionCode"]);
    }

    [SharedDataFact("wco-dms-samples")]
    public void Reads_the_TT_EX041a_export_with_its_itinerary_carrier_and_seal()
    {
        var d = Assert.Single(WcoXmlFiles.ReadFile(HmrcSample("TT_EX041a__TT_EX041a.xml"))).Declaration!;
        var consignment = d.GoodsShipment.Consignment;

        Assert.Equal("EXD", d.TypeCode);
        Assert.Equal(["GB", "JP"], consignment.ItineraryCountryCodes);
        Assert.Equal("GB025115100010", d.FindParty(PartyRole.Carrier)!.Id);
        Assert.Equal(4, consignment.ModeOfTransportAtBorder);
        Assert.Equal(("CSCLGLOBE", "11"), (consignment.BorderTransportMeans!.Id, consignment.BorderTransportMeans.IdentificationTypeCode));
        var container = Assert.Single(consignment.Containers);
        Assert.Equal("CONU1234567", container.Id);
        Assert.Equal(["333"], container.Seals);
        Assert.Equal("GBAULHRLHRANS", consignment.GoodsLocation);
        Assert.Equal(("GB", "JP"), (d.GoodsShipment.ExportCountryCode, d.GoodsShipment.DestinationCountryCode));
        Assert.Equal(2, d.GoodsShipment.GoodsItems.Count);
        Assert.Equal("GB000040", d.NationalData["dms:ExitOffice/ID"]);
        Assert.Equal("CSCLGLOBE", d.NationalData["dms:GoodsShipment/Consignment/DepartureTransportMeans/ID"]);
        Assert.Equal("00400", d.NationalData["dms:GoodsShipment/GovernmentAgencyGoodsItem[1]/AdditionalInformation[1]/StatementCode"]);
        Assert.Equal("200", d.NationalData["dms:GoodsShipment/GovernmentAgencyGoodsItem[1]/StatisticalValueAmount"]);
        Assert.Equal("GBP", d.NationalData["dms:GoodsShipment/GovernmentAgencyGoodsItem[1]/StatisticalValueAmount@currencyID"]);
        Assert.Contains(new Classification("GN", null, "VATZ"), d.GoodsShipment.GoodsItems[0].AdditionalClassifications);
    }

    [SharedDataFact("wco-dms-samples")]
    public void Counts_the_samples_that_pass_validation_and_the_reasons_the_others_fail()
    {
        var declarations = ReadAll().SelectMany(o => o.Records.Where(r => r.Declaration is not null).Select(r => (o.File, Record: r))).ToList();
        var byFunction = declarations.GroupBy(x => $"{x.Record.Declaration!.FunctionCode}/{x.Record.Declaration.TypeCode?[..2]}")
            .ToDictionary(g => g.Key, g => g.Count());
        foreach (var (key, count) in byFunction.OrderBy(e => e.Key, StringComparer.Ordinal)) output.WriteLine($"function/type {key}: {count}");

        var reasons = new Dictionary<string, HashSet<string>>();
        var passed = new List<string>();
        foreach (var (file, record) in declarations)
        {
            var problems = DeclarationValidator.Validate(record.Declaration!);
            if (problems.Count == 0) passed.Add(file);
            foreach (var problem in problems) (reasons.TryGetValue(Reason(problem), out var files) ? files : reasons[Reason(problem)] = []).Add(file);
        }
        output.WriteLine($"{passed.Count} of {declarations.Count} declarations pass DeclarationValidator ({string.Join(", ", passed)}); the others fail for:");
        foreach (var (reason, files) in reasons.OrderByDescending(r => r.Value.Count)) output.WriteLine($"{files.Count,4} files  {reason}");

        // DMS FunctionCode 9 is an original declaration; 13 an additional message: amendment (COR) or cancellation (INV).
        Assert.Equal(new Dictionary<string, int> { ["9/IM"] = 115, ["9/EX"] = 27, ["9/CO"] = 3, ["13/CO"] = 5, ["13/IN"] = 2 }.OrderBy(e => e.Key),
            byFunction.OrderBy(e => e.Key));
        // The rest use deliberately fake test values (IMO "12345", container "AD12345", codes ZG/ZU), or are amendments without goods.
        Assert.Equal(10, passed.Count);
        Assert.Equal(94, reasons.Single(r => r.Key.StartsWith("/goodsShipment/consignment/arrivalTransportMeans/id", StringComparison.Ordinal)).Value.Count);
    }

    private static string Reason(ValidationProblem problem) =>
        $"{Indexes().Replace(problem.Path, "/*")}: {Quoted().Replace(problem.Message, "'…'")}";

    [GeneratedRegex(@"/\d+")]
    private static partial Regex Indexes();

    [GeneratedRegex(@"'[^']*'")]
    private static partial Regex Quoted();

    [SharedDataFact("wco-dms-samples")]
    public void Rewritten_samples_read_back_the_same_and_satisfy_the_HMRC_schema()
    {
        var declarations = ReadAll().SelectMany(o => o.Records.Where(r => r.Declaration is not null).Select(r => (o.File, r.Declaration))).ToList();
        Assert.NotEmpty(declarations);
        foreach (var (file, declaration) in declarations)
        {
            var xml = Entente.Tools.Writers.WcoXmlWriter.ToXml(declaration!);
            var again = Assert.Single(WcoXmlFiles.ReadXml(xml, file));
            Assert.Empty(again.Errors);
            Assert.True(WcoXmlFiles.Canonical(declaration!) == WcoXmlFiles.Canonical(again.Declaration!), $"{file} changed on a round trip");
            Assert.True(WcoXmlFiles.SchemaProblems(xml) is [], $"{file}: {string.Join("; ", WcoXmlFiles.SchemaProblems(xml))}");
        }
    }
}
