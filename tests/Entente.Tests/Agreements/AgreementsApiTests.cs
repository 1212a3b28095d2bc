using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text.Json;
using Entente.Agreements;
using Entente.Identity;
using Entente.Storage;
using Entente.Tests.Declarations;
using Entente.Tests.Storage;

namespace Entente.Tests.Agreements;

/// <summary>The node's agreements over HTTP, from a real node process, on each database.</summary>
public sealed class AgreementsApiTests(NodeFixture fixture) : IClassFixture<NodeFixture>
{
    [StoreTheory, BothStores]
    public async Task Lists_the_agreements_on_file_with_their_status_for_liaison_auditors_and_administrators(StorageProvider provider)
    {
        var node = await fixture.ForAsync(provider);
        var folder = Path.Combine(node.Node.Home, "agreements");
        Directory.CreateDirectory(folder);
        using var ours = NodeKeys.LoadSigningKey(node.Node.Home);
        using var theirs = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var id = $"gb-nl-{provider.ToString().ToLowerInvariant()}";
        var path = Path.Combine(folder, id + ".yaml");
        var text = $$"""
            agreement: {{id}}
            version: 1
            kind: bilateral
            parties:
              - { code: GB, name: "HMRC", fingerprint: {{NodeKeys.Fingerprint(ours)}} }
              - { code: NL, name: "Douane", fingerprint: {{NodeKeys.Fingerprint(theirs)}} }
            legal-basis: ["Bilateral agreement, Art. 3"]
            validity: { from: 2020-01-01, until: 2099-12-31 }
            categories:
              declarations:
                purposes: [risk-management]
                disclose: [/mrn]
                other-fields: drop
                handling-code: H1
                onward-transfer: forbidden
                retention: { period: P1Y, then: erase }
            """;
        text = AgreementSignatures.AddTo(text, path, AgreementSignatures.Sign(AgreementDocument.Parse(text, path), ours, TimeProvider.System.GetUtcNow()));
        await File.WriteAllTextAsync(path, text);
        using var admin = node.Client(node.Node.AdminKey);
        using var officer = node.Client(node.OfficerKey);

        var listed = (await admin.GetFromJsonAsync<JsonElement>(new Uri("/api/agreements", UriKind.Relative))).EnumerateArray()
            .Single(a => a.GetProperty("id").GetString() == id);
        Assert.False(listed.GetProperty("inForce").GetBoolean());
        Assert.Equal("unsigned", listed.GetProperty("state").GetString());
        Assert.Contains("unsigned by NL", listed.GetProperty("reasons").EnumerateArray().Select(r => r.GetString()));

        text = AgreementSignatures.AddTo(text, path, AgreementSignatures.Sign(AgreementDocument.Parse(text, path), theirs, TimeProvider.System.GetUtcNow()));
        await File.WriteAllTextAsync(path, text);
        var one = await admin.GetFromJsonAsync<JsonElement>(new Uri($"/api/agreements/{id}", UriKind.Relative));
        Assert.True(one.GetProperty("inForce").GetBoolean());
        Assert.Equal(["GB", "NL"], one.GetProperty("parties").EnumerateArray().Select(p => p.GetString()));
        Assert.Equal(["declarations"], one.GetProperty("categories").EnumerateArray().Select(p => p.GetString()));

        Assert.Equal(HttpStatusCode.Forbidden, (await officer.GetAsync(new Uri("/api/agreements", UriKind.Relative))).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await admin.GetAsync(new Uri("/api/agreements/no-such", UriKind.Relative))).StatusCode);
    }
}
