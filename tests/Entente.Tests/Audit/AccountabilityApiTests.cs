using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Entente.Declarations;
using Entente.Ledger;
using Entente.Storage;
using Entente.Tests.Declarations;
using Entente.Tests.Storage;

namespace Entente.Tests.Audit;

/// <summary>Reads of personal data land in the ledger, and an auditor finds them by party or declaration, on each database.</summary>
public sealed class AccountabilityApiTests(NodeFixture fixture) : IClassFixture<NodeFixture>
{
    [StoreTheory, BothStores]
    public async Task An_officers_read_is_recorded_and_the_auditor_finds_it_by_party_and_by_declaration(StorageProvider provider)
    {
        var node = await fixture.ForAsync(provider);
        var (declaration, id) = await node.SubmitGeneratedAsync(201);
        var importer = declaration.FindParty(PartyRole.Importer)!.Id!;
        using var officer = node.Client(node.OfficerKey);
        using var auditor = node.Client(node.AuditorKey);

        Assert.Equal(HttpStatusCode.OK, (await officer.GetAsync(new Uri($"/api/declarations/{id}?purpose=investigation&justification=case%20NL-2026-88", UriKind.Relative))).StatusCode);

        var byParty = await auditor.GetFromJsonAsync<JsonElement>(new Uri($"/api/audit/subject?party={importer}&justification=DPO%20request%2012", UriKind.Relative));
        var read = byParty.GetProperty("events").EnumerateArray().Single(e => e.GetProperty("records").EnumerateArray().Any(r => r.GetString() == id));
        Assert.Equal("personal-data-access", read.GetProperty("kind").GetString());
        Assert.Equal("officer", read.GetProperty("user").GetString());
        Assert.Equal("investigation", read.GetProperty("purpose").GetString());
        Assert.Equal("case NL-2026-88", read.GetProperty("justification").GetString());
        Assert.Equal("officer", read.GetProperty("recipient").GetString());
        Assert.Equal("permit", read.GetProperty("decision").GetString());

        var byDeclaration = await auditor.GetFromJsonAsync<JsonElement>(new Uri($"/api/audit/subject?declaration={declaration.Lrn}", UriKind.Relative));
        Assert.Contains(byDeclaration.GetProperty("events").EnumerateArray(), e => e.GetProperty("entry").GetInt64() == read.GetProperty("entry").GetInt64());
    }

    [StoreTheory, BothStores]
    public async Task A_refused_read_is_recorded_too_and_the_ledger_never_holds_a_party_identifier(StorageProvider provider)
    {
        var node = await fixture.ForAsync(provider);
        var (declaration, id) = await node.SubmitGeneratedAsync(202);
        var declarant = declaration.FindParty(PartyRole.Declarant)!.Id!;
        using var analyst = node.Client(node.AnalystKey);
        using var officer = node.Client(node.OfficerKey);
        using var auditor = node.Client(node.AuditorKey);

        Assert.Equal(HttpStatusCode.Forbidden, (await officer.GetAsync(new Uri($"/api/declarations?party={declarant}", UriKind.Relative))).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await analyst.GetAsync(new Uri($"/api/declarations/{id}?purpose=prosecution&justification=x", UriKind.Relative))).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await officer.GetAsync(new Uri($"/api/declarations/{id}?purpose=risk-management&justification=lane%20review", UriKind.Relative))).StatusCode);

        var events = (await auditor.GetFromJsonAsync<JsonElement>(new Uri($"/api/audit/subject?party={declarant}&justification=spot%20check", UriKind.Relative)))
            .GetProperty("events").EnumerateArray().ToList();
        Assert.Contains(events, e => e.GetProperty("decision").GetString() == "deny" && e.GetProperty("user").GetString() == "officer"
            && e.GetProperty("reason").GetString()!.Contains("party", StringComparison.Ordinal));
        var aboutDeclaration = (await auditor.GetFromJsonAsync<JsonElement>(new Uri($"/api/audit/subject?declaration={id}", UriKind.Relative))).GetProperty("events");
        Assert.Contains(aboutDeclaration.EnumerateArray(), e => e.GetProperty("kind").GetString() == "personal-data-access");

        await using var ledger = LedgerStore.Open(node.Store, TimeProvider.System);
        var head = await ledger.GetHeadAsync();
        for (var i = 0L; i < head.Size; i++)
        {
            var text = Encoding.UTF8.GetString((await ledger.GetEntryAsync(i))!.Bytes);
            Assert.DoesNotContain(declarant, text, StringComparison.Ordinal);
            Assert.DoesNotContain(declaration.FindParty(PartyRole.Importer)!.Id!, text, StringComparison.Ordinal);
        }
    }

    [StoreTheory, BothStores]
    public async Task Only_an_auditor_asks_and_asking_about_a_person_needs_a_justification(StorageProvider provider)
    {
        var node = await fixture.ForAsync(provider);
        using var officer = node.Client(node.OfficerKey);
        using var auditor = node.Client(node.AuditorKey);

        Assert.Equal(HttpStatusCode.Forbidden, (await officer.GetAsync(new Uri("/api/audit/subject?party=GB123456789000&justification=x", UriKind.Relative))).StatusCode);
        var unjustified = await auditor.GetAsync(new Uri("/api/audit/subject?party=GB123456789000", UriKind.Relative));
        Assert.Equal(HttpStatusCode.Forbidden, unjustified.StatusCode);
        Assert.Contains("justification", await unjustified.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.BadRequest, (await auditor.GetAsync(new Uri("/api/audit/subject", UriKind.Relative))).StatusCode);
    }

    [StoreTheory, BothStores]
    public async Task The_ledger_serves_proofs_that_verify_against_its_head(StorageProvider provider)
    {
        var node = await fixture.ForAsync(provider);
        var (_, id) = await node.SubmitGeneratedAsync(203);
        using var officer = node.Client(node.OfficerKey);
        using var auditor = node.Client(node.AuditorKey);
        using var anonymous = node.Client();
        Assert.Equal(HttpStatusCode.OK, (await officer.GetAsync(new Uri($"/api/declarations/{id}?purpose=investigation&justification=c", UriKind.Relative))).StatusCode);

        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.GetAsync(new Uri("/api/ledger/proof?entry=0", UriKind.Relative))).StatusCode);
        var answer = await auditor.GetFromJsonAsync<JsonElement>(new Uri("/api/ledger/proof?entry=0", UriKind.Relative));
        var check = MerkleTree.VerifyInclusion(0, answer.GetProperty("treeSize").GetInt64(), Convert.FromBase64String(answer.GetProperty("leafHash").GetString()!),
            answer.GetProperty("proof").EnumerateArray().Select(h => Convert.FromBase64String(h.GetString()!)).ToList(), Convert.FromBase64String(answer.GetProperty("root").GetString()!));
        Assert.True(check.Valid, check.Reason);
        Assert.Equal(MerkleTree.LeafHash(Convert.FromBase64String(answer.GetProperty("entryBytes").GetString()!)), Convert.FromBase64String(answer.GetProperty("leafHash").GetString()!));

        var size = answer.GetProperty("treeSize").GetInt64();
        var consistency = await anonymous.GetAsync(new Uri($"/api/ledger/consistency?from=1&to={size}", UriKind.Relative));
        Assert.Equal(HttpStatusCode.OK, consistency.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await anonymous.GetAsync(new Uri($"/api/ledger/consistency?from=2&to=1", UriKind.Relative))).StatusCode);
    }
}
