using System.Reflection;
using System.Text.Json;
using System.Text.Json.Serialization;
using Entente.Declarations;
using Entente.Tests.Ingest.Json;
using Entente.Tools.Generation;

namespace Entente.Tests.Common;

// The stored document and every API answer are EntenteJson's bytes: the generated fast writer must write exactly what
// the serialiser writes with Entente's options (kebab-case enums, names in any script unescaped, nulls left out).
public sealed class EntenteJsonTests
{
    private static byte[] Reference(Declaration declaration) => JsonSerializer.SerializeToUtf8Bytes(declaration, EntenteJson.Options);

    [Fact]
    public void The_fast_writer_writes_the_serialisers_bytes_for_every_field_and_generated_declarations()
    {
        var declarations = new List<Declaration> { SampleDeclarations.FullyPopulated() };
        foreach (var seed in new[] { 1, 2, 3 })
            declarations.AddRange(new DeclarationGenerator(seed).Generate(400).Select(r => r.Declaration!));

        foreach (var declaration in declarations)
        {
            Assert.Equal(Reference(declaration), EntenteJson.SerializeToUtf8(declaration));
            Assert.Equal(System.Text.Encoding.UTF8.GetString(Reference(declaration)), EntenteJson.Serialize(declaration));
        }
    }

    [Fact]
    public void Text_that_needs_escaping_and_names_in_any_script_come_out_as_the_serialiser_writes_them()
    {
        var declaration = SampleDeclarations.FullyPopulated();
        declaration.Parties[0].Name = "Société \"Générale\" <import> & 株式会社 \\ tab\there\nnew line \u0001 😀";
        declaration.GoodsShipment.GoodsItems[0].Description = "ПШЕНИЦА / قمح / 小麦";
        declaration.Status = DeclarationStatus.DocumentsRequested;

        var written = EntenteJson.SerializeToUtf8(declaration);

        Assert.Equal(Reference(declaration), written);
        var text = System.Text.Encoding.UTF8.GetString(written);
        Assert.Contains("株式会社", text, StringComparison.Ordinal);
        Assert.Contains("\"status\":\"documents-requested\"", text, StringComparison.Ordinal);
        Assert.Equal(declaration.Parties[0].Name, EntenteJson.Deserialize(written).Parties[0].Name);
    }

    [Theory]
    [InlineData(typeof(PartyRole))]
    [InlineData(typeof(DeclarationStatus))]
    public void Every_enum_member_is_named_in_kebab_case_and_reads_back(Type type)
    {
        foreach (var field in type.GetFields(BindingFlags.Public | BindingFlags.Static))
        {
            var named = field.GetCustomAttribute<JsonStringEnumMemberNameAttribute>();
            Assert.NotNull(named);
            Assert.Equal(JsonNamingPolicy.KebabCaseLower.ConvertName(field.Name), named.Name);
        }
        foreach (var role in Enum.GetValues<PartyRole>())
        {
            var declaration = SampleDeclarations.Valid("LRN-1");
            declaration.Parties[0].Role = role;
            Assert.Equal(role, EntenteJson.Deserialize(EntenteJson.SerializeToUtf8(declaration)).Parties[0].Role);
        }
    }
}
