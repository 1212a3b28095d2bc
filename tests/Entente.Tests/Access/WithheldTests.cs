using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Entente.Access;
using Entente.Declarations;
using Entente.Hosting;
using Entente.Ingest;
using Entente.Ingest.Json;
using Entente.Storage;
using Entente.Tests.Declarations;
using Entente.Tests.Storage;

namespace Entente.Tests.Access;

/// <summary>
/// Withheld is never data (issue 15, item 3): what a reader without a purpose may not see is left out and listed, never
/// replaced by a word that could be saved and ingested as a trader's identifier; and a search hit masks the identifiers
/// of every party of its declaration, not only of the two it shows (issue 14).
/// </summary>
public sealed class WithheldTests(NodeFixture fixture) : IClassFixture<NodeFixture>
{
    private const string ConsignorEori = "GB98765432100";

    [StoreTheory, BothStores]
    public async Task A_search_hit_masks_the_identifier_of_every_party_not_only_the_declarant_and_importer(StorageProvider provider)
    {
        await using var database = await TestStore.CreateAsync(provider, migrate: false);
        var home = Directory.CreateTempSubdirectory("entente-withheld-").FullName;
        try
        {
            await NodeHome.InitAsync(new NodeOptions { Home = home, Code = "NL", Name = "Douane", Database = database.Database }, TimeProvider.System);
            await using var node = await NodeServices.OpenAsync(NodeHome.Load(home));
            // The consignor's EORI hides in the LRN the declarant gave; the hit shows the LRN, not the consignor.
            var lrn = $"C{(int)provider}-98765432100-7";
            var declaration = DeclarationBuilder.Import(lrn).Declarant("NL812345678").Item("847130", "CN", 1200m).Build();
            declaration.Parties.Add(new Party { Role = PartyRole.Consignor, Id = ConsignorEori, Name = "Harbour Forwarding", Address = new Address { CountryCode = "GB" } });
            using var json = new MemoryStream(Encoding.UTF8.GetBytes(EntenteJson.Serialize(declaration)));
            var ingested = await node.Get<IngestDeclarations>().StreamAsync(json, "one.json", new IngestInput(DeclarationFormat.Json, null, false), default);
            Assert.Equal(1, ingested.Report.Accepted);
            var search = node.Get<SearchDeclarations>();
            var officer = new LocalUser("officer-1", "NL", Role.Officer);

            var found = Assert.IsType<SearchDeclarationsResult.Found>(await search.HandleAsync(officer, AccessRecorder.Api, new SearchDeclarationsInput { Reference = lrn }));
            var hit = Assert.Single(found.Page.Items);
            Assert.DoesNotContain("98765432100", hit.Lrn, StringComparison.Ordinal);
            Assert.Equal($"C{(int)provider}-[withheld]-7", hit.Lrn);
            Assert.Equal(["/lrn", "/declarantId"], hit.Withheld!);
            Assert.Null(hit.DeclarantId);
            Assert.Empty(hit.PartyIds);

            var read = Assert.IsType<SearchDeclarationsResult.Found>(await search.HandleAsync(officer, AccessRecorder.Api,
                new SearchDeclarationsInput { Reference = lrn, Purpose = "investigation", Justification = "case 15/3" }));
            Assert.Equal(lrn, Assert.Single(read.Page.Items).Lrn);
            Assert.Null(read.Page.Items[0].Withheld);
        }
        finally
        {
            Directory.Delete(home, recursive: true);
        }
    }

    [StoreTheory, BothStores]
    public async Task A_source_file_named_after_the_trader_is_masked_and_listed_as_withheld(StorageProvider provider)
    {
        await using var database = await TestStore.CreateAsync(provider, migrate: false);
        var home = Directory.CreateTempSubdirectory("entente-withheld-").FullName;
        try
        {
            await NodeHome.InitAsync(new NodeOptions { Home = home, Code = "NL", Name = "Douane", Database = database.Database }, TimeProvider.System);
            await using var node = await NodeServices.OpenAsync(NodeHome.Load(home));
            var lrn = $"SF{(int)provider}-1";
            var declaration = DeclarationBuilder.Import(lrn).Declarant("NL812345678").Item("847130", "CN", 1200m).Build();
            using var json = new MemoryStream(Encoding.UTF8.GetBytes(EntenteJson.Serialize(declaration)));
            var ingested = await node.Get<IngestDeclarations>().StreamAsync(json, "NL812345678-march.json", new IngestInput(DeclarationFormat.Json, null, false), default);
            Assert.Equal(1, ingested.Report.Accepted);
            var officer = new LocalUser("officer-1", "NL", Role.Officer);

            var plain = Assert.IsType<ReadDeclarationResult.Read>(await node.Get<ReadDeclaration>().HandleAsync(officer, AccessRecorder.Api, new ReadDeclarationInput(lrn, null, null))).Envelope;
            Assert.DoesNotContain("812345678", plain.SourceFile, StringComparison.Ordinal);
            Assert.Contains(ReadDeclaration.SourceFilePointer, plain.Withheld!);
            Assert.NotNull(plain.Notice);

            var read = Assert.IsType<ReadDeclarationResult.Read>(await node.Get<ReadDeclaration>().HandleAsync(officer, AccessRecorder.Api,
                new ReadDeclarationInput(lrn, "investigation", "case 15/3"))).Envelope;
            Assert.EndsWith("NL812345678-march.json", read.SourceFile, StringComparison.Ordinal);
            Assert.Null(read.Withheld);
        }
        finally
        {
            Directory.Delete(home, recursive: true);
        }
    }

    [StoreTheory, BothStores]
    public async Task A_read_without_a_purpose_saved_and_sent_back_is_refused_naming_the_field(StorageProvider provider)
    {
        var node = await fixture.ForAsync(provider);
        var (declaration, id) = await node.SubmitGeneratedAsync(1501);
        using var officer = node.Client(node.OfficerKey);
        var envelope = await officer.GetFromJsonAsync<JsonObject>(new Uri($"/api/declarations/{id}", UriKind.Relative));
        Assert.Contains("/parties/0/id", envelope!["withheld"]!.AsArray().Select(w => w!.GetValue<string>()));
        Assert.Null(envelope["declaration"]!["parties"]![0]!["id"]);

        // The read as it came, with its list of what was left out.
        var document = envelope["declaration"]!.DeepClone().AsObject();
        document["lrn"] = declaration.Lrn + "-A";
        document["mrn"] = null;
        document["withheld"] = envelope["withheld"]!.DeepClone();
        var sent = await officer.PostAsync(new Uri("/api/declarations", UriKind.Relative), new StringContent(document.ToJsonString(), Encoding.UTF8, "application/json"));
        var answer = await sent.Content.ReadAsStringAsync();
        Assert.NotEqual(HttpStatusCode.OK, sent.StatusCode);
        Assert.Contains("/withheld", answer, StringComparison.Ordinal);
        Assert.Contains("party data withheld", answer, StringComparison.Ordinal);

        // What earlier versions wrote: the word in place of the identifier.
        document.Remove("withheld");
        document["lrn"] = declaration.Lrn + "-B";
        document["parties"]![0]!["id"] = "withheld";
        sent = await officer.PostAsync(new Uri("/api/declarations", UriKind.Relative), new StringContent(document.ToJsonString(), Encoding.UTF8, "application/json"));
        answer = await sent.Content.ReadAsStringAsync();
        Assert.NotEqual(HttpStatusCode.OK, sent.StatusCode);
        Assert.Contains("/parties/0/id", answer, StringComparison.Ordinal);
        Assert.Contains("placeholder", answer, StringComparison.Ordinal);
        var hits = await officer.GetFromJsonAsync<JsonElement>(new Uri($"/api/declarations?reference={declaration.Lrn}-B", UriKind.Relative));
        Assert.Empty(hits.GetProperty("items").EnumerateArray());
    }

    [Fact]
    public void Placeholders_and_masks_are_refused_where_they_stand_and_ordinary_words_are_not()
    {
        var declaration = DeclarationBuilder.Import("LRN-W-1").Declarant("NL812345678").Item("847130", "CN", 1200m).Build();
        var json = JsonNode.Parse(EntenteJson.Serialize(declaration))!.AsObject();
        json["ucr"] = "Withheld";
        json["parties"]![0]!["name"] = "withheld";
        json["previousDocuments"] = new JsonArray(new JsonObject { ["categoryCode"] = "Z", ["typeCode"] = "DCR", ["id"] = "5GB[withheld]-20250727" });

        var record = Assert.Single(new JsonDeclarationReader().Read(new MemoryStream(Encoding.UTF8.GetBytes(json.ToJsonString())), "saved.json"));
        Assert.Null(record.Declaration);
        Assert.Equal(["/ucr", "/parties/0/name", "/previousDocuments/0/id"], record.Errors.Select(e => e.Path));

        // "withheld" as part of ordinary text (a description) is data.
        var plain = JsonNode.Parse(EntenteJson.Serialize(declaration))!.AsObject();
        plain["goodsShipment"]!["goodsItems"]![0]!["description"] = "payment withheld pending inspection";
        var ok = Assert.Single(new JsonDeclarationReader().Read(new MemoryStream(Encoding.UTF8.GetBytes(plain.ToJsonString())), "plain.json"));
        Assert.Empty(ok.Errors);
        Assert.NotNull(ok.Declaration);
    }
}
