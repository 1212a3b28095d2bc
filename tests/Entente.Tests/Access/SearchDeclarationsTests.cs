using Entente.Access;
using Entente.Declarations;
using Entente.Hosting;
using Entente.Ingest;
using Entente.Storage;
using Entente.Tests.Storage;
using Entente.Tools.Generation;

namespace Entente.Tests.Access;

/// <summary>The search use case (issue 13): its checks, and the personal-data rules it applies for the API and the console alike.</summary>
public sealed class SearchDeclarationsTests
{
    [Fact]
    public void Every_filter_that_is_not_understood_is_named_with_what_was_expected()
    {
        var (query, problems) = SearchDeclarations.Decide(new SearchDeclarationsInput { From = "2026-13-01", Hs = "85A7", Status = "lost", Limit = 0 });
        Assert.Null(query);
        Assert.Equal(["from", "status", "hs", "limit"], problems.Select(p => p.Parameter));
        Assert.Contains("yyyy-MM-dd", problems[0].Message, StringComparison.Ordinal);
        Assert.Equal("limit: expected 1 to 1000, got 0", problems[3].ToString());
    }

    [Fact]
    public void Filters_become_the_store_query_with_codes_in_capitals_and_fifty_hits_by_default()
    {
        var (query, problems) = SearchDeclarations.Decide(new SearchDeclarationsInput { Origin = "cn", Container = "msku1234565", From = "2026-01-01", Status = "accepted" });
        Assert.Empty(problems);
        Assert.Equal("CN", query!.OriginCountryCode);
        Assert.Equal("MSKU1234565", query.ContainerId);
        Assert.Equal(new DateOnly(2026, 1, 1), query.From);
        Assert.Equal(DeclarationStatus.Accepted, query.Status);
        Assert.Equal(SearchDeclarations.DefaultLimit, query.Limit);
    }

    [StoreTheory, BothStores]
    public async Task A_party_search_needs_an_allowed_purpose_and_each_refusal_and_read_is_in_the_ledger(StorageProvider provider)
    {
        await using var database = await TestStore.CreateAsync(provider, migrate: false);
        var home = Directory.CreateTempSubdirectory("entente-search-").FullName;
        try
        {
            await NodeHome.InitAsync(new NodeOptions { Home = home, Code = "NL", Name = "Douane", Database = database.Database }, TimeProvider.System);
            await using var node = await NodeServices.OpenAsync(NodeHome.Load(home, database.Database));
            var declarations = new DeclarationGenerator(31).Generate(3).Select(r => r.Declaration!).ToList();
            using var ndjson = new MemoryStream(System.Text.Encoding.UTF8.GetBytes(string.Join('\n', declarations.Select(EntenteJson.Serialize))));
            var ingested = await node.Get<IngestDeclarations>().StreamAsync(ndjson, "batch.ndjson", new IngestInput(DeclarationFormat.Json, null, false), default);
            Assert.Equal(3, ingested.Report.Accepted);
            var declarant = declarations[1].FindParty(PartyRole.Declarant)!.Id!;
            var search = node.Get<SearchDeclarations>();
            var ledger = node.Get<Entente.Ledger.LedgerStore>();
            var officer = new LocalUser("officer-1", "NL", Role.Officer);

            var before = (await ledger.GetHeadAsync()).Size;
            var refused = Assert.IsType<SearchDeclarationsResult.Refused>(await search.HandleAsync(officer, AccessRecorder.Api, new SearchDeclarationsInput { Party = declarant }));
            Assert.Equal("party", refused.Parameter);
            Assert.Equal(before + 1, (await ledger.GetHeadAsync()).Size);

            var withheld = Assert.IsType<SearchDeclarationsResult.Found>(await search.HandleAsync(officer, AccessRecorder.Api, new SearchDeclarationsInput()));
            Assert.Equal(3, withheld.Page.Items.Count);
            Assert.NotNull(withheld.Notice);
            Assert.All(withheld.Page.Items, i => Assert.Null(i.ImporterId));
            Assert.All(withheld.Page.Items, i => Assert.Contains("/importerId", i.Withheld!));
            Assert.Equal(before + 1, (await ledger.GetHeadAsync()).Size);

            var read = Assert.IsType<SearchDeclarationsResult.Found>(await search.HandleAsync(officer, AccessRecorder.Api,
                new SearchDeclarationsInput { Party = declarant, Purpose = "risk-management", Justification = "profile review" }));
            Assert.Contains(read.Page.Items, i => i.Lrn == declarations[1].Lrn);
            Assert.Null(read.Notice);
            Assert.Equal(before + 2, (await ledger.GetHeadAsync()).Size);
        }
        finally
        {
            Directory.Delete(home, recursive: true);
        }
    }
}
