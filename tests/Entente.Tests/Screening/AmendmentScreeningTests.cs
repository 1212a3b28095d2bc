using Entente.Declarations;
using Entente.Ingest;
using Entente.Storage;
using Entente.Tests.Storage;
using Entente.Tools.Writers;

namespace Entente.Tests.Screening;

/// <summary>
/// An amendment or replacement is a new version of the declaration: it is screened again on ingest, its hits are on
/// the new version, and a party it leaves as it was is not a second hit against the same alert.
/// </summary>
public sealed class AmendmentScreeningTests
{
    private static Declaration Message(string lrn, string function, string importer, string country, Action<Declaration>? change = null)
    {
        var d = Entente.Tests.Declarations.SampleDeclarations.Valid(lrn);
        d.FunctionCode = function;
        var party = d.FindParty(PartyRole.Importer)!;
        party.Name = importer;
        party.Id = null;
        party.IdScheme = null;
        party.Address = new Address { CountryCode = country, CityName = "Moskva" };
        change?.Invoke(d);
        return d;
    }

    private static async Task<IngestReport> IngestAsync(ScreeningTestKit kit, string name, params Declaration[] messages)
    {
        using var stream = new MemoryStream();
        CusdecWriter.WriteInterchange(stream, messages, new CusdecWriterOptions { Sender = "NLDECL", Recipient = "NLCUST", ControlReference = name, PreparedAt = DateTimeOffset.UnixEpoch });
        stream.Position = 0;
        var outcome = await kit.Ingest.StreamAsync(stream, name + ".edi", new IngestInput(DeclarationFormat.Edifact, null, false), CancellationToken.None);
        Assert.True(outcome.Report.Succeeded, string.Join("\n", outcome.Report.Errors));
        return outcome.Report;
    }

    [StoreTheory, BothStores]
    public async Task An_amended_declaration_is_screened_again_and_an_unchanged_party_is_not_a_second_hit(StorageProvider provider)
    {
        await using var kit = await ScreeningTestKit.CreateAsync(provider);
        var alert = await kit.IssueAsync(ScreeningTestKit.CyrillicCompany());

        var originals = await IngestAsync(kit, "ORIGINALS", Message("AMD-1", "9", "Lavanda OOO", "RU"), Message("AMD-2", "9", "Romashka OOO", "RU"));
        Assert.Equal(2, originals.Accepted);
        var first = Assert.Single(await kit.HitsAsync());
        Assert.Equal(("AMD-2", alert.Alert.Id, (int?)null), (first.DeclarationReference, first.AlertId, first.DeclarationVersion));

        // AMD-1 replaced: its importer is now the alert's company, a hit on version 2. AMD-2 replaced with only its goods
        // description changed: the importer is as it was, no second hit against the same alert.
        var changes = await IngestAsync(kit, "CHANGES",
            Message("AMD-1", "5", "Romashka OOO", "RU"),
            Message("AMD-2", "5", "Romashka OOO", "RU", d => d.GoodsShipment.GoodsItems[0].Description = "Lithium primary cells"));
        Assert.Equal((0L, 2L), (changes.Accepted, changes.Amended));
        var hits = await kit.HitsAsync();
        Assert.Equal(2, hits.Count);
        var onAmended = Assert.Single(hits, h => h.DeclarationReference == "AMD-1");
        Assert.Equal((alert.Alert.Id, (int?)2), (onAmended.AlertId, onAmended.DeclarationVersion));
        Assert.StartsWith("/parties/", onAmended.Checked, StringComparison.Ordinal);
        Assert.Contains("Romashka", onAmended.Input, StringComparison.Ordinal);
        Assert.Single(hits, h => h.DeclarationReference == "AMD-2");
        Assert.Single(await kit.Store.Store.GetVersionsAsync(onAmended.DeclarationId!));

        // Another replacement of AMD-2 that leaves its importer alone (a new declarant comes in): still no second hit.
        await IngestAsync(kit, "CHANGES2", Message("AMD-2", "5", "Romashka OOO", "RU", d => d.Parties.Insert(0, new Party { Role = PartyRole.Consignee, Name = "Harbour Logistics BV", Address = new Address { CountryCode = "NL" } })));
        Assert.Equal(2, (await kit.HitsAsync()).Count);
        Assert.Equal(2, (await kit.Store.Store.GetVersionsAsync(first.DeclarationId!)).Count);
    }
}
