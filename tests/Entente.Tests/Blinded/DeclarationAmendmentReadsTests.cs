using System.Security.Cryptography;
using Entente.Access;
using Entente.Declarations;
using Entente.Ingest;
using Entente.Ledger;
using Entente.Storage;
using Entente.Tests.Storage;

namespace Entente.Tests.Blinded;

/// <summary>
/// Amendments visible: a declaration's superseded versions (party data withheld without a purpose, whole and ledgered
/// with one, refused for a purpose the role may not state) and the amendments waiting for their declaration.
/// </summary>
public sealed class DeclarationAmendmentReadsTests
{
    private static readonly byte[] SubjectKey = RandomNumberGenerator.GetBytes(32);

    [StoreTheory, BothStores]
    public async Task A_declarations_versions_and_the_pending_amendments_are_listed(StorageProvider provider)
    {
        await using var test = await TestStore.CreateAsync(provider);
        await using var ledger = LedgerStore.Open(test.Database, test.Time);
        var read = new ReadDeclarationVersions(test.Store, new AccessRecorder(ledger, SubjectKey, "NL"));
        var pending = new ListPendingAmendments(test.Store);

        await test.Store.IngestAsync(DeclarationBuilder.Import("LRN-1").Mrn("25NL0000000000001").Declarant("NL100").Importer("NL200").Item("850440", "CN"));
        var officer = new LocalUser("kim", "NL-RTM", Role.Officer);
        var none = Assert.IsType<DeclarationVersionsResult.Read>(await read.HandleAsync(officer, AccessRecorder.Api, new ReadDeclarationInput("25NL0000000000001", null, null)));
        Assert.Equal((1, 0), (none.Versions.Current, none.Versions.Versions.Count));

        // A replacement with another importer supersedes version 1; an amendment naming an MRN not stored is kept pending.
        var replacement = DeclarationBuilder.Import("LRN-1").Mrn("25NL0000000000001").Declarant("NL100").Importer("NL300").Item("850440", "CN").Build();
        test.Time.Advance(TimeSpan.FromMinutes(5));
        Assert.Equal(AmendmentResult.Applied, (await test.Store.AmendAsync(new AmendmentRequest(AmendmentKind.Replace, "25NL0000000000001", replacement, DeclarationFormat.Json, "replace.json"))).Result);
        var later = DeclarationBuilder.Import("LRN-9").Mrn("25NL0000000000009").Importer("NL900").Build();
        var kept = await test.Store.AmendAsync(new AmendmentRequest(AmendmentKind.Cancel, "25NL0000000000009", later, DeclarationFormat.Json, "cancel.json") { Reason = "sent twice" });
        Assert.Equal(AmendmentResult.Pending, kept.Result);

        var withheld = Assert.IsType<DeclarationVersionsResult.Read>(await read.HandleAsync(officer, AccessRecorder.Api, new ReadDeclarationInput("LRN-1", null, null))).Versions;
        Assert.Equal((2, "amendment-accepted"), (withheld.Current, withheld.Status));
        var v1 = Assert.Single(withheld.Versions);
        Assert.Equal(1, v1.Version);
        Assert.DoesNotContain(v1.Declaration.Parties, p => p.Id is "NL100" or "NL200");
        Assert.NotEmpty(withheld.Withheld!);
        Assert.All(withheld.Withheld!, w => Assert.StartsWith("/versions/0/declaration/parties", w, StringComparison.Ordinal));
        Assert.NotNull(withheld.Notice);

        var size = (await ledger.GetHeadAsync()).Size;
        var whole = Assert.IsType<DeclarationVersionsResult.Read>(await read.HandleAsync(officer, AccessRecorder.Api, new ReadDeclarationInput("LRN-1", "investigation", "case NL-2025-17"))).Versions;
        Assert.Equal(["NL100", "NL200"], whole.Versions[0].Declaration.Parties.Select(p => p.Id));
        Assert.Null(whole.Withheld);
        Assert.Equal(size + 1, (await ledger.GetHeadAsync()).Size);

        var refused = Assert.IsType<DeclarationVersionsResult.Refused>(await read.HandleAsync(new LocalUser("lee", "NL-HQ", Role.Analyst), AccessRecorder.Api,
            new ReadDeclarationInput("LRN-1", "investigation", "curious")));
        Assert.Contains("investigation", refused.Reason, StringComparison.Ordinal);
        Assert.IsType<DeclarationVersionsResult.NotFound>(await read.HandleAsync(officer, AccessRecorder.Api, new ReadDeclarationInput("NO-SUCH", null, null)));

        var waiting = Assert.Single(await pending.HandleAsync());
        Assert.Equal(("25NL0000000000009", "cancel", "cancel.json", "sent twice"), (waiting.Reference, waiting.Kind, waiting.SourceFile, waiting.Reason));
        Assert.Equal(kept.AmendmentId, waiting.Id);
    }

    [Fact]
    public async Task The_commands_list_a_declarations_versions_and_the_pending_amendments()
    {
        var directory = Directory.CreateTempSubdirectory("entente-versions-");
        try
        {
            var home = Path.Combine(directory.FullName, "node");
            Assert.Equal(0, (await Support.Cli.Run("node", "init", "--home", home, "--code", "NL", "--name", "Douane")).Status);
            var file = Path.Combine(directory.FullName, "one.json");
            await File.WriteAllTextAsync(file, EntenteJson.Serialize(Declarations.SampleDeclarations.Valid()));
            Assert.Equal(0, (await Support.Cli.Run("ingest", file, "--home", home)).Status);

            var (status, output, error) = await Support.Cli.Run("declarations", "versions", "GB260115-0001", "--home", home, "--json");
            Assert.True(status == 0, error);
            var versions = System.Text.Json.JsonDocument.Parse(output).RootElement;
            Assert.Equal((1, 0), (versions.GetProperty("current").GetInt32(), versions.GetProperty("versions").GetArrayLength()));

            (status, output, error) = await Support.Cli.Run("declarations", "pending-amendments", "--home", home, "--json");
            Assert.True(status == 0, error);
            Assert.Equal(0, System.Text.Json.JsonDocument.Parse(output).RootElement.GetArrayLength());

            (status, _, error) = await Support.Cli.Run("declarations", "versions", "NO-SUCH", "--home", home);
            Assert.Equal(1, status);
            Assert.Contains("NO-SUCH", error, StringComparison.Ordinal);
        }
        finally
        {
            directory.Delete(recursive: true);
        }
    }
}
