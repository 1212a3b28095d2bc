using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Entente.Declarations;
using Entente.Storage;
using Entente.Tests.Declarations;
using Entente.Tests.Storage;
using Entente.Tools.Generation;

namespace Entente.Tests.Access;

/// <summary>
/// Read without a purpose through the API of a real node process, no field of a declaration — nor of its search hit —
/// holds any of its parties' identifiers, whole or as the national part after the country prefix, wherever it hides
/// (a DUCR in the previous documents, a reference, a mark, national data), on each database.
/// </summary>
public sealed class EmbeddedIdentifierSweepTests(NodeFixture fixture) : IClassFixture<NodeFixture>
{
    private const string ImporterEori = "GB553202734852";
    private const string DeclarantEori = "NL812345678";
    private const string ExporterTin = "CN91310000MA1K4";

    /// <summary>A declaration whose importer's and declarant's identifiers hide in every kind of free identifier it has.</summary>
    public static Declaration Crafted(string lrn)
    {
        var declaration = DeclarationBuilder.Import(lrn).Mrn("26GB0000000CRAFT1").Declarant(DeclarantEori).Item("847130", "CN", 1200m).Build();
        declaration.Parties.Add(new Party { Role = PartyRole.Importer, Id = ImporterEori, IdScheme = "EORI", Name = "Harbour Imports Ltd", Address = new Address { CountryCode = "GB" } });
        declaration.Parties.Add(new Party { Role = PartyRole.Exporter, Id = ExporterTin, Name = "Shenzhen Works", Address = new Address { CountryCode = "CN" } });
        declaration.Ucr = $"5{ImporterEori}-20250727";
        declaration.PreviousDocuments.Add(new Document { CategoryCode = "Z", TypeCode = "DCR", Id = $"5{ImporterEori}-20250727", LineNumeric = "1" });
        declaration.AdditionalDocuments.Add(new Document { CategoryCode = "Y", TypeCode = "AE1", Id = $"REF/{DeclarantEori.ToLowerInvariant()}/7", Name = "agent ref 812345678" });
        var item = declaration.GoodsShipment.GoodsItems[0];
        item.PreviousDocuments.Add(new Document { CategoryCode = "Z", TypeCode = "MCR", Id = $"A:{ImporterEori}:0042" });
        item.AdditionalDocuments.Add(new Document { CategoryCode = "N", TypeCode = "935", Id = $"INV-{ExporterTin}-9" });
        item.Packages.Add(new Packaging { Sequence = 1, TypeCode = "CT", Quantity = 3, Marks = $"FOR {ImporterEori} ONLY" });
        var consignment = declaration.GoodsShipment.Consignment;
        consignment.Containers.Add(new Container { Sequence = 1, Id = "MSCU1234566", Seals = [$"SEAL-553202734852"] });
        consignment.GoodsLocation = $"GBAUFXT{DeclarantEori}";
        declaration.NationalData["traderReference"] = $"importer 553202734852";
        declaration.NationalData[$"note-{DeclarantEori}"] = "as agreed";
        return declaration;
    }

    [StoreTheory, BothStores]
    public async Task No_field_of_any_declaration_read_without_a_purpose_holds_a_party_identifier(StorageProvider provider)
    {
        var node = await fixture.ForAsync(provider);
        var declarations = new DeclarationGenerator(1401, referencePrefix: $"SW{(int)provider}-").Generate(40).Select(r => r.Declaration!).ToList();
        declarations.Add(Crafted($"SW{(int)provider}-CRAFTED-000001"));
        using var officer = node.Client(node.OfficerKey);
        var submit = await officer.PostAsync(new Uri("/api/declarations", UriKind.Relative),
            new StringContent(JsonSerializer.Serialize(declarations, EntenteJson.Options), Encoding.UTF8, "application/json"));
        var submitted = await submit.Content.ReadAsStringAsync();
        Assert.True(submit.StatusCode == HttpStatusCode.OK, submitted);
        Assert.Equal(declarations.Count, JsonDocument.Parse(submitted).RootElement.GetProperty("accepted").GetInt64());

        var swept = 0;
        foreach (var declaration in declarations)
        {
            var forms = Forms(declaration);
            Assert.NotEmpty(forms);
            var hits = await officer.GetFromJsonAsync<JsonElement>(new Uri($"/api/declarations?reference={Uri.EscapeDataString(declaration.Lrn!)}", UriKind.Relative));
            var hit = Assert.Single(hits.GetProperty("items").EnumerateArray());
            AssertHoldsNone(hit, forms, $"search hit of {declaration.Lrn}");
            var id = hit.GetProperty("id").GetString()!;
            var read = await officer.GetFromJsonAsync<JsonElement>(new Uri($"/api/declarations/{id}", UriKind.Relative));
            swept += AssertHoldsNone(read, forms, $"declaration {declaration.Lrn} ({id})");
        }
        Assert.True(swept > declarations.Count * 50, $"only {swept} strings swept");

        // The crafted one keeps what is not the identifier, and says what it masked.
        var crafted = declarations[^1];
        var found = await officer.GetFromJsonAsync<JsonElement>(new Uri($"/api/declarations?reference={crafted.Lrn}", UriKind.Relative));
        var envelope = await officer.GetFromJsonAsync<JsonElement>(new Uri($"/api/declarations/{found.GetProperty("items")[0].GetProperty("id").GetString()}", UriKind.Relative));
        var document = envelope.GetProperty("declaration");
        Assert.Equal("5GB[withheld]-20250727", document.GetProperty("previousDocuments")[0].GetProperty("id").GetString());
        Assert.False(document.TryGetProperty("ucr", out _));
        var withheld = envelope.GetProperty("withheld").EnumerateArray().Select(w => w.GetString()).ToList();
        Assert.Contains("/ucr", withheld);
        Assert.Contains("/previousDocuments/0/id", withheld);
        Assert.Contains("/goodsShipment/goodsItems/0/packages/0/marks", withheld);
        Assert.Contains("/nationalData/traderReference", withheld);

        // With a purpose the officer reads them as declared.
        var full = await officer.GetFromJsonAsync<JsonElement>(new Uri(
            $"/api/declarations/{envelope.GetProperty("id").GetString()}?purpose=investigation&justification=case%2014", UriKind.Relative));
        Assert.Equal($"5{ImporterEori}-20250727", full.GetProperty("declaration").GetProperty("previousDocuments")[0].GetProperty("id").GetString());
    }

    /// <summary>What must not appear: each party identifier, and its national part after a two-letter country prefix.</summary>
    private static List<string> Forms(Declaration declaration)
    {
        var forms = new List<string>();
        foreach (var id in declaration.Parties.Select(p => p.Id).OfType<string>())
        {
            forms.Add(id);
            if (id.Length - 2 >= 6 && char.IsAsciiLetter(id[0]) && char.IsAsciiLetter(id[1])) forms.Add(id[2..]);
        }
        return forms;
    }

    /// <summary>Every string and member name of the answer, checked; returns how many strings were swept.</summary>
    private static int AssertHoldsNone(JsonElement answer, List<string> forms, string what)
    {
        var count = 0;
        void Check(string text, string pointer)
        {
            count++;
            foreach (var form in forms)
                Assert.False(text.Contains(form, StringComparison.OrdinalIgnoreCase), $"{what}: {pointer} = '{text}' holds the party identifier '{form}'");
        }
        void Walk(JsonElement element, string pointer)
        {
            switch (element.ValueKind)
            {
                case JsonValueKind.Object:
                    foreach (var property in element.EnumerateObject())
                    {
                        Check(property.Name, pointer + "/" + property.Name + " (name)");
                        Walk(property.Value, pointer + "/" + property.Name);
                    }
                    break;
                case JsonValueKind.Array:
                    var i = 0;
                    foreach (var item in element.EnumerateArray()) Walk(item, $"{pointer}/{i++}");
                    break;
                case JsonValueKind.String:
                    Check(element.GetString()!, pointer);
                    break;
            }
        }
        Walk(answer, "");
        return count;
    }
}
