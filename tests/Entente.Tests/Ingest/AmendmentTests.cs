using Entente.Declarations;
using Entente.Ingest;
using Entente.Storage;
using Entente.Tests.Storage;
using Entente.Tools.Writers;

namespace Entente.Tests.Ingest;

/// <summary>
/// Amendments and cancellations (docs/formats/findings.md): a DMS additional message or a CUSDEC change, replacement or
/// cancellation is applied to the declaration it names, which keeps its previous version and says so in its history.
/// </summary>
public sealed class AmendmentTests : IDisposable
{
    private const string Mrn = "24GBAMENDTEST00001";

    private readonly string folder = Directory.CreateTempSubdirectory("entente-amend-").FullName;

    public void Dispose() => Directory.Delete(folder, recursive: true);

    private string Write(string name, string content)
    {
        var path = Path.Combine(folder, name);
        File.WriteAllText(path, content);
        return path;
    }

    private string Original(string name = "original.xml")
    {
        var d = Entente.Tests.Declarations.SampleDeclarations.Valid("AMD-LRN-1");
        d.Mrn = Mrn;
        return Write(name, WcoXmlWriter.ToXml(d));
    }

    // As HMRC's DMS amendments are written: FunctionCode 13, the declaration's MRN as ID, TypeCode COR, the reason as an
    // AES statement, pointers to what changes, and only the changed data.
    private static string DmsAmendment(string mrn, string origin) => $"""
        <?xml version="1.0" encoding="UTF-8"?>
        <md:MetaData xmlns:md="urn:wco:datamodel:WCO:DocumentMetaData-DMS:2" xmlns="urn:wco:datamodel:WCO:DEC-DMS:2">
          <md:WCODataModelVersionCode>3.6</md:WCODataModelVersionCode>
          <md:WCOTypeName>DEC</md:WCOTypeName>
          <Declaration>
            <FunctionCode>13</FunctionCode>
            <FunctionalReferenceID>AMEND-REF-77</FunctionalReferenceID>
            <ID>{mrn}</ID>
            <TypeCode>COR</TypeCode>
            <Submitter><ID>GB603202734852</ID></Submitter>
            <AdditionalInformation>
              <StatementDescription>Origin corrected after supplier certificate</StatementDescription>
              <StatementTypeCode>AES</StatementTypeCode>
            </AdditionalInformation>
            <Amendment>
              <ChangeReasonCode>32</ChangeReasonCode>
              <Pointer><SequenceNumeric>1</SequenceNumeric><DocumentSectionCode>42A</DocumentSectionCode></Pointer>
              <Pointer><SequenceNumeric>1</SequenceNumeric><DocumentSectionCode>68A</DocumentSectionCode></Pointer>
            </Amendment>
            <GoodsShipment>
              <GovernmentAgencyGoodsItem>
                <SequenceNumeric>1</SequenceNumeric>
                <Origin><CountryCode>{origin}</CountryCode><TypeCode>1</TypeCode></Origin>
              </GovernmentAgencyGoodsItem>
            </GoodsShipment>
          </Declaration>
        </md:MetaData>
        """;

    private static string DmsCancellation(string mrn) => $"""
        <?xml version="1.0" encoding="UTF-8"?>
        <md:MetaData xmlns:md="urn:wco:datamodel:WCO:DocumentMetaData-DMS:2" xmlns="urn:wco:datamodel:WCO:DEC-DMS:2">
          <md:WCOTypeName>DEC</md:WCOTypeName>
          <Declaration>
            <FunctionCode>13</FunctionCode>
            <FunctionalReferenceID>CANCEL-REF-1</FunctionalReferenceID>
            <ID>{mrn}</ID>
            <TypeCode>INV</TypeCode>
            <AdditionalInformation>
              <StatementDescription>Duplicate entry</StatementDescription>
              <StatementTypeCode>AES</StatementTypeCode>
            </AdditionalInformation>
            <Amendment><ChangeReasonCode>1</ChangeReasonCode></Amendment>
          </Declaration>
        </md:MetaData>
        """;

    [StoreTheory, BothStores]
    public async Task A_DMS_amendment_makes_a_new_version_keeps_the_previous_and_reruns_the_findings(StorageProvider provider)
    {
        await using var test = await TestStore.CreateAsync(provider);
        var ingest = new DeclarationIngest(test.Store);
        Assert.Equal(1, (await ingest.IngestFilesAsync([Original()], new IngestOptions())).Accepted);

        var report = await ingest.IngestFilesAsync([Write("amend.xml", DmsAmendment(Mrn, "ZG"))], new IngestOptions());

        Assert.True(report.Succeeded, string.Join("\n", report.Errors));
        Assert.Equal((0L, 1L, 0L), (report.Accepted, report.Amended, report.PendingAmendments));
        Assert.Equal(1, report.FindingCounts[FindingCodes.UnknownCountry]);
        var stored = (await test.Store.FindAsync(Mrn))!.Declaration;
        Assert.Equal(DeclarationStatus.AmendmentAccepted, stored.Status);
        Assert.Equal("ZG", stored.GoodsShipment.GoodsItems[0].OriginCountryCode);
        // What the amendment did not carry is kept: the declaration's own reference, type, commodity code, parties.
        Assert.Equal(("AMD-LRN-1", "IMA", "9"), (stored.Lrn, stored.TypeCode, stored.FunctionCode));
        Assert.Equal("850760", stored.GoodsShipment.GoodsItems[0].Classification!.Code);
        Assert.Equal(3, stored.Parties.Count);
        Assert.DoesNotContain(stored.NationalData.Keys, k => k.Contains("Amendment", StringComparison.Ordinal));
        Assert.Contains(stored.Findings!, f => f is { Code: FindingCodes.UnknownCountry, Path: "/goodsShipment/goodsItems/0/originCountryCode" });

        var version = Assert.Single(await test.Store.GetVersionsAsync(stored.Id!));
        Assert.Equal(1, version.Version);
        Assert.Equal("CN", version.Declaration.GoodsShipment.GoodsItems[0].OriginCountryCode);
        Assert.Equal(DeclarationStatus.Received, version.Declaration.Status);
        var history = await test.Store.GetHistoryAsync(stored.Id!);
        Assert.Equal([DeclarationStatus.Received, DeclarationStatus.AmendmentAccepted], history.Select(e => e.To));
        Assert.Contains("Origin corrected after supplier certificate", history[^1].Reason, StringComparison.Ordinal);
        Assert.Contains("amend.xml", history[^1].Reason, StringComparison.Ordinal);

        // The index follows the new version: search finds the amended origin and finding, not the old origin.
        Assert.Single((await test.Store.SearchAsync(new DeclarationQuery { OriginCountryCode = "ZG" })).Items);
        Assert.Empty((await test.Store.SearchAsync(new DeclarationQuery { OriginCountryCode = "CN" })).Items);
        Assert.Single((await test.Store.SearchAsync(new DeclarationQuery { Finding = FindingCodes.UnknownCountry })).Items);
        Assert.Single((await test.Store.SearchAsync(new DeclarationQuery { Status = DeclarationStatus.AmendmentAccepted })).Items);

        // Sent again, the same amendment is a duplicate, not a third version.
        var again = await ingest.IngestFilesAsync([Write("amend-again.xml", DmsAmendment(Mrn, "ZG"))], new IngestOptions());
        Assert.Equal((0L, 1L), (again.Amended, again.Duplicates));
        Assert.Single(await test.Store.GetVersionsAsync(stored.Id!));
    }

    [StoreTheory, BothStores]
    public async Task A_DMS_cancellation_invalidates_the_declaration_and_a_later_amendment_is_refused_saying_why(StorageProvider provider)
    {
        await using var test = await TestStore.CreateAsync(provider);
        var ingest = new DeclarationIngest(test.Store);
        await ingest.IngestFilesAsync([Original()], new IngestOptions());

        var report = await ingest.IngestFilesAsync([Write("cancel.xml", DmsCancellation(Mrn))], new IngestOptions());

        Assert.Equal((1L, 0L), (report.Cancelled, report.Rejected));
        var stored = (await test.Store.FindAsync(Mrn))!.Declaration;
        Assert.Equal(DeclarationStatus.Invalidated, stored.Status);
        Assert.Equal("CN", stored.GoodsShipment.GoodsItems[0].OriginCountryCode);
        var history = await test.Store.GetHistoryAsync(stored.Id!);
        Assert.Equal(DeclarationStatus.Invalidated, history[^1].To);
        Assert.Contains("Duplicate entry", history[^1].Reason, StringComparison.Ordinal);

        var late = await ingest.IngestFilesAsync([Write("late.xml", DmsAmendment(Mrn, "VN"))], new IngestOptions());
        Assert.Equal((0L, 1L), (late.Amended, late.Rejected));
        var error = Assert.Single(late.Errors);
        Assert.Contains($"the amendment of {Mrn} was not applied", error.Message, StringComparison.Ordinal);
        Assert.Contains("is invalidated", error.Message, StringComparison.Ordinal);
        Assert.Equal("CN", (await test.Store.FindAsync(Mrn))!.Declaration.GoodsShipment.GoodsItems[0].OriginCountryCode);
    }

    [StoreTheory, BothStores]
    public async Task An_amendment_of_a_declaration_not_held_is_kept_pending_with_a_finding_and_applied_when_it_arrives(StorageProvider provider)
    {
        await using var test = await TestStore.CreateAsync(provider);
        var ingest = new DeclarationIngest(test.Store);

        var early = await ingest.IngestFilesAsync([Write("early.xml", DmsAmendment(Mrn, "VN"))], new IngestOptions());

        Assert.Equal((0L, 0L, 1L, 0L), (early.Accepted, early.Amended, early.PendingAmendments, early.Rejected));
        var finding = Assert.Single(early.Findings);
        Assert.Equal(FindingCodes.UnmatchedAmendment, finding.Code);
        Assert.Contains(Mrn, finding.Message, StringComparison.Ordinal);
        var pending = Assert.Single(await test.Store.GetPendingAmendmentsAsync());
        Assert.Equal((Mrn, AmendmentKind.Amend, "Origin corrected after supplier certificate"), (pending.Reference, pending.Kind, pending.Reason));
        Assert.Equal(0, await test.Store.CountAsync());

        var arrived = await ingest.IngestFilesAsync([Original()], new IngestOptions());

        Assert.Equal((1L, 1L), (arrived.Accepted, arrived.Amended));
        Assert.Empty(await test.Store.GetPendingAmendmentsAsync());
        var stored = (await test.Store.FindAsync(Mrn))!.Declaration;
        Assert.Equal((DeclarationStatus.AmendmentAccepted, "VN"), (stored.Status, stored.GoodsShipment.GoodsItems[0].OriginCountryCode));
        Assert.Single(await test.Store.GetVersionsAsync(stored.Id!));
    }

    [StoreTheory, BothStores]
    public async Task A_node_that_refuses_unmatched_amendments_says_which_reference_it_does_not_hold(StorageProvider provider)
    {
        await using var test = await TestStore.CreateAsync(provider);

        var report = await new DeclarationIngest(test.Store).IngestFilesAsync([Write("early.xml", DmsAmendment(Mrn, "VN"))],
            new IngestOptions { RefuseFindings = [FindingCodes.UnmatchedAmendment] });

        Assert.Equal((0L, 1L), (report.PendingAmendments, report.Rejected));
        var error = Assert.Single(report.Errors);
        Assert.Contains($"names declaration {Mrn}, which this node does not hold", error.Message, StringComparison.Ordinal);
        Assert.Contains("refused by this node's Entente:Ingest:Refuse", error.Message, StringComparison.Ordinal);
        Assert.Empty(await test.Store.GetPendingAmendmentsAsync());
    }

    [StoreTheory, BothStores]
    public async Task CUSDEC_change_replace_and_cancellation_apply_to_the_declaration_they_name(StorageProvider provider)
    {
        await using var test = await TestStore.CreateAsync(provider);
        var ingest = new DeclarationIngest(test.Store);
        Declaration Message(string lrn, string function, Action<Declaration>? change = null)
        {
            var d = Entente.Tests.Declarations.SampleDeclarations.Valid(lrn);
            d.FunctionCode = function;
            change?.Invoke(d);
            return d;
        }
        string Interchange(string name, params Declaration[] messages)
        {
            using var stream = new MemoryStream();
            CusdecWriter.WriteInterchange(stream, messages, new CusdecWriterOptions
            {
                Sender = "ZADECL",
                Recipient = "ZASARS",
                ControlReference = name.Length > 14 ? name[..14] : name,
                PreparedAt = DateTimeOffset.UnixEpoch,
            });
            return Write(name + ".edi", System.Text.Encoding.Latin1.GetString(stream.ToArray()));
        }

        var originals = await ingest.IngestFilesAsync([Interchange("originals", Message("ZA-1", "9"), Message("ZA-2", "9"), Message("ZA-3", "9"))], new IngestOptions());
        Assert.Equal(3, originals.Accepted);

        // BGM 1225 = 4 (change), 5 (replace), 1 (cancellation), naming each declaration by its document number (BGM 1004).
        var changes = await ingest.IngestFilesAsync([Interchange("changes",
            Message("ZA-1", "4", d => d.GoodsShipment.GoodsItems[0].NetMassKg = 700m),
            Message("ZA-2", "5", d =>
            {
                d.GoodsShipment.GoodsItems[0].Classification = new Classification("HS", "2022", "850650");
                d.GoodsShipment.GoodsItems[0].Description = "Lithium primary cells";
            }),
            Message("ZA-3", "1"))], new IngestOptions());

        Assert.True(changes.Succeeded, string.Join("\n", changes.Errors));
        Assert.Equal((0L, 2L, 1L), (changes.Accepted, changes.Amended, changes.Cancelled));
        var changed = (await test.Store.FindAsync("ZA-1"))!.Declaration;
        Assert.Equal((DeclarationStatus.AmendmentAccepted, 700m), (changed.Status, changed.GoodsShipment.GoodsItems[0].NetMassKg));
        var replaced = (await test.Store.FindAsync("ZA-2"))!.Declaration;
        Assert.Equal(("850650", "Lithium primary cells"), (replaced.GoodsShipment.GoodsItems[0].Classification!.Code, replaced.GoodsShipment.GoodsItems[0].Description));
        Assert.Equal("9", replaced.FunctionCode);
        Assert.Equal("850760", Assert.Single(await test.Store.GetVersionsAsync(replaced.Id!)).Declaration.GoodsShipment.GoodsItems[0].Classification!.Code);
        Assert.Equal(DeclarationStatus.Invalidated, (await test.Store.FindAsync("ZA-3"))!.Declaration.Status);
        Assert.Equal(3, await test.Store.CountAsync());
    }

    [Fact]
    public void An_amendment_overlays_what_it_carries_and_keeps_the_rest()
    {
        var stored = Entente.Tests.Declarations.SampleDeclarations.Valid("X1");
        stored.Id = "0190a0b0-0000-7000-8000-000000000001";
        stored.GoodsShipment.GoodsItems.Add(new GoodsItem { Sequence = 2, Description = "Chargers", OriginCountryCode = "VN" });
        var change = new Declaration { FunctionCode = "13", TypeCode = "COR", Mrn = "24GBX", Lrn = "MESSAGE-REF" };
        change.GoodsShipment.GoodsItems.Add(new GoodsItem { Sequence = 2, OriginCountryCode = "TH" });
        change.Parties.Add(new Party { Role = PartyRole.Importer, Name = "Harbour Imports Limited" });

        var amended = DeclarationAmendments.Apply(stored, change, AmendmentKind.Amend);

        Assert.Equal((stored.Id, "X1", "IMA", "24GBX"), (amended.Id, amended.Lrn, amended.TypeCode, amended.Mrn));
        Assert.Equal(2, amended.GoodsShipment.GoodsItems.Count);
        Assert.Equal(("Chargers", "TH"), (amended.GoodsShipment.GoodsItems[1].Description, amended.GoodsShipment.GoodsItems[1].OriginCountryCode));
        Assert.Equal("CN", amended.GoodsShipment.GoodsItems[0].OriginCountryCode);
        var importer = amended.FindParty(PartyRole.Importer)!;
        Assert.Equal(("GB553202734852", "Harbour Imports Limited"), (importer.Id, importer.Name));
        Assert.Equal("CN", stored.GoodsShipment.GoodsItems[0].OriginCountryCode);
        Assert.Equal("VN", stored.GoodsShipment.GoodsItems[1].OriginCountryCode);

        Assert.Equal(AmendmentKind.Amend, DeclarationAmendments.KindOf(change, DeclarationFormat.WcoXml));
        Assert.Null(DeclarationAmendments.KindOf(change, DeclarationFormat.Json));
        Assert.Equal("24GBX", DeclarationAmendments.TargetOf(change, DeclarationFormat.WcoXml));
        change.Mrn = null;
        Assert.Null(DeclarationAmendments.TargetOf(change, DeclarationFormat.WcoXml));
        Assert.Equal("MESSAGE-REF", DeclarationAmendments.TargetOf(change, DeclarationFormat.Edifact));
    }
}
