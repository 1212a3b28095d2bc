using System.Text.Json.Nodes;
using Entente.Access;
using Entente.Declarations;
using Entente.Tests.Storage;

namespace Entente.Tests.Access;

/// <summary>
/// What leaves the node for a partner holds no undisclosed identifier, not even masked in place: each field in which one
/// hides is left out whole and listed (issue 15, item 3), and the list itself names no identifier.
/// </summary>
public sealed class EmbeddedIdentifierLeaveOutTests
{
    [Fact]
    public void Fields_holding_an_identifier_are_left_out_whole_and_listed_without_naming_it()
    {
        var declaration = DeclarationBuilder.Import("LRN-LO-1").Declarant("GB553202734852").Item("847130", "CN", 100m).Build();
        declaration.PreviousDocuments.Add(new Document { CategoryCode = "Z", TypeCode = "DCR", Id = "5GB553202734852-20250727", LineNumeric = "1" });
        declaration.GoodsShipment.Consignment.Containers.Add(new Container { Sequence = 1, Id = "MSCU1234566", Seals = ["S-1", "SEAL-553202734852"] });
        declaration.NationalData["note-553202734852"] = "as agreed";
        declaration.NationalData["office"] = "GBFXT";
        var json = (JsonObject)JsonNode.Parse(EntenteJson.Serialize(declaration))!;

        var left = EmbeddedIdentifiers.Of(["GB553202734852"]).LeaveOutOf(json);

        var text = json.ToJsonString();
        Assert.DoesNotContain("553202734852", text, StringComparison.Ordinal);
        Assert.DoesNotContain("[withheld]", text, StringComparison.Ordinal);
        Assert.DoesNotContain("553202734852", string.Join(" ", left), StringComparison.Ordinal);
        Assert.Contains("/previousDocuments/0/id", left);
        Assert.False(json["previousDocuments"]![0]!.AsObject().ContainsKey("id"));
        Assert.Equal("DCR", json["previousDocuments"]![0]!["typeCode"]!.GetValue<string>());
        // A string in an array keeps its position as null; a national-data entry named after the trader is listed by its map.
        var seals = json["goodsShipment"]!["consignment"]!["containers"]![0]!["seals"]!.AsArray();
        Assert.Equal(2, seals.Count);
        Assert.Equal("S-1", seals[0]!.GetValue<string>());
        Assert.Null(seals[1]);
        Assert.Contains("/goodsShipment/consignment/containers/0/seals/1", left);
        Assert.Contains("/nationalData/*", left);
        Assert.Equal("GBFXT", json["nationalData"]!["office"]!.GetValue<string>());
    }
}
