using Entente.Blinded;

namespace Entente.Tests.Blinded;

public sealed class BlindedIdentifierTests
{
    [Theory]
    [InlineData("eori", "gb 553-202.734852", null, null, "eori:GB553202734852")]
    [InlineData("imo", "IMO 9074729", null, null, "imo:9074729")]
    [InlineData("container", "csqu 305438-3", null, null, "container:CSQU3054383")]
    [InlineData("container", "CSQU3054384", null, null, "container:CSQU3054384")]
    [InlineData("vehicle", "ab-123-cd", "nl", null, "vehicle:NL|AB123CD")]
    [InlineData("person", "Müller, Hans-Peter", null, "1970-02-03", "person:HANS MULLER PETER|1970-02-03")]
    [InlineData("person", "peter MULLER hans", null, "1970-02-03", "person:HANS MULLER PETER|1970-02-03")]
    [InlineData("person", "Łukasz Żółkiewski-Straße", null, "1981-12-31", "person:LUKASZ STRASSE ZOLKIEWSKI|1981-12-31")]
    [InlineData("document", "C/123.456", null, null, "document:C123456")]
    public void Asker_and_holder_write_the_same_identifier_the_same_way(string type, string value, string? country, string? birthDate, string canonical)
    {
        Assert.True(BlindedIdentifier.TryType(type, out var t));
        Assert.Equal(canonical, BlindedIdentifier.Of(t, value, country, birthDate).ToString());
    }

    [Theory]
    [InlineData("eori", "123", null, null, "/value")]
    [InlineData("imo", "907472", null, null, "/value")]
    [InlineData("container", "CSQ3054383", null, null, "/value")]
    [InlineData("vehicle", "AB123CD", null, null, "/country")]
    [InlineData("person", "Hans Muller", null, "03/02/1970", "/birthDate")]
    [InlineData("person", "Иван Петров", null, "1970-02-03", "/value")]
    [InlineData("tin", " ", null, null, "/value")]
    public void An_identifier_that_cannot_be_encoded_is_refused_naming_the_field(string type, string value, string? country, string? birthDate, string path)
    {
        BlindedIdentifier.TryType(type, out var t);
        var e = Assert.Throws<BlindedIdentifierException>(() => BlindedIdentifier.Of(t, value, country, birthDate));
        Assert.Equal(path, e.Error.Path);
    }

    [Fact]
    public void The_index_reads_back_as_written_and_finds_exactly_its_tags()
    {
        var key = BlindedKey.FromScalar(Oprf.GenerateKey());
        var held = new[] { "GB553202734852", "GB603202734852", "DE123456789" }.Select(v => BlindedIdentifier.Of(IdentifierType.Eori, v)).ToArray();
        var tags = held.Select(key.Tag).Order().ToArray();
        var index = BlindedIndex.FromCbor(new BlindedIndex("KR", key.Id, key.PublicElement(), 7, tags).ToCbor());
        Assert.Equal(("KR", key.Id, 7L, 3), (index.Holder, index.KeyId, index.Version, index.Count));
        Assert.All(held, h => Assert.True(index.Contains(key.Tag(h))));
        Assert.False(index.Contains(key.Tag(BlindedIdentifier.Of(IdentifierType.Eori, "NL000000001"))));
        Assert.False(index.Contains(BlindedKey.FromScalar(Oprf.GenerateKey()).Tag(held[0])), "another key gives other tags");
    }

    [Fact]
    public void An_index_with_tags_out_of_order_is_refused()
    {
        var key = BlindedKey.FromScalar(Oprf.GenerateKey());
        var bytes = new BlindedIndex("KR", key.Id, key.PublicElement(), 1, [5UL, 3UL]).ToCbor();
        Assert.Contains("sorted", Assert.Throws<FormatException>(() => BlindedIndex.FromCbor(bytes)).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void An_index_whose_key_id_is_not_that_of_its_public_key_is_refused()
    {
        var key = BlindedKey.FromScalar(Oprf.GenerateKey());
        var other = BlindedKey.FromScalar(Oprf.GenerateKey());
        var bytes = new BlindedIndex("KR", key.Id, other.PublicElement(), 1, [3UL, 5UL]).ToCbor();
        Assert.Contains($"key '{key.Id}' is not the id of its 'pk'", Assert.Throws<FormatException>(() => BlindedIndex.FromCbor(bytes)).Message, StringComparison.Ordinal);
    }
}
