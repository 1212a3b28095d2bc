using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Entente.Agreements;
using Entente.Assistance;
using Entente.Hosting;
using Entente.Storage;
using Entente.Tests.Declarations;
using Entente.Tests.Storage;
using static Entente.Tests.Assistance.AssistanceTestKit;

namespace Entente.Tests.Assistance;

/// <summary>Mutual-assistance requests over HTTP, from a real node process (GB), on each database.</summary>
public sealed class AssistanceApiTests(NodeFixture fixture) : IClassFixture<NodeFixture>
{
    private static readonly Uri Requests = new("/api/assistance-requests", UriKind.Relative);

    [StoreTheory, BothStores]
    public async Task A_liaison_officer_sends_and_withdraws_a_request_and_other_roles_may_not(StorageProvider provider)
    {
        var node = await fixture.ForAsync(provider);
        await EnsureAgreementAsync(node);
        using var liaison = node.Node.Client(await node.Node.AddUserAsync("liaison-" + Guid.NewGuid().ToString("N")[..6], "liaison", node.Database));
        using var analyst = node.Node.Client(node.AnalystKey);
        using var anonymous = node.Node.Client();
        var body = new
        {
            to = "NL",
            agreement = AgreementId,
            legalBasis = Article3,
            purpose = "investigation",
            caseReference = "HMRC-2026-1",
            subject = "Confirm the consignee",
            declarations = new[] { "26GB0000000000001" },
            parties = new[] { "GB123456789000" },
        };

        var created = await liaison.PostAsJsonAsync(Requests, body);
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var request = await created.Content.ReadFromJsonAsync<JsonElement>();
        var id = request.GetProperty("id").GetString()!;
        Assert.Equal($"/api/assistance-requests/{id}", created.Headers.Location?.ToString());
        Assert.Equal("sent", request.GetProperty("status").GetString());
        Assert.False(request.GetProperty("overdue").GetBoolean());

        Assert.Equal(HttpStatusCode.Forbidden, (await analyst.PostAsJsonAsync(Requests, body)).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await analyst.GetAsync(Requests)).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.GetAsync(Requests)).StatusCode);

        var refused = await liaison.PostAsJsonAsync(Requests, body with { legalBasis = "Art. 99" });
        Assert.Equal(HttpStatusCode.UnprocessableEntity, refused.StatusCode);
        var problem = await refused.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("No legal basis", problem.GetProperty("title").GetString());
        Assert.Equal("/legalBasis", problem.GetProperty("errors")[0].GetProperty("path").GetString());
        var invalid = await liaison.PostAsJsonAsync(Requests, body with { purpose = "curiosity" });
        Assert.Equal(HttpStatusCode.BadRequest, invalid.StatusCode);
        Assert.Equal("/purpose", (await invalid.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("errors")[0].GetProperty("path").GetString());

        using var officer = node.Node.Client(node.OfficerKey);
        var listed = await officer.GetFromJsonAsync<JsonElement>(Requests);
        Assert.Contains(listed.EnumerateArray(), r => r.GetProperty("id").GetString() == id && r.GetProperty("role").GetString() == "applicant");
        Assert.DoesNotContain((await officer.GetFromJsonAsync<JsonElement>(new Uri("/api/assistance-requests?overdue=true", UriKind.Relative))).EnumerateArray(),
            r => r.GetProperty("id").GetString() == id);

        var acknowledge = await liaison.PostAsync(new Uri($"/api/assistance-requests/{id}/acknowledge", UriKind.Relative), null);
        Assert.Equal(HttpStatusCode.Conflict, acknowledge.StatusCode);
        var withdrawn = await liaison.PostAsJsonAsync(new Uri($"/api/assistance-requests/{id}/withdraw", UriKind.Relative), new { reason = "case closed" });
        Assert.Equal(HttpStatusCode.OK, withdrawn.StatusCode);
        var shown = await officer.GetFromJsonAsync<JsonElement>(new Uri($"/api/assistance-requests/{id}", UriKind.Relative));
        Assert.Equal("withdrawn", shown.GetProperty("status").GetString());
        Assert.Equal(["request", "withdrawal"], shown.GetProperty("history").EnumerateArray().Select(h => h.GetProperty("kind").GetString()));
        Assert.Equal(HttpStatusCode.NotFound, (await officer.GetAsync(new Uri("/api/assistance-requests/GB-AR-none", UriKind.Relative))).StatusCode);
    }

    [StoreTheory, BothStores]
    public async Task An_officer_acknowledges_answers_and_declines_requests_received_from_a_partner(StorageProvider provider)
    {
        var node = await fixture.ForAsync(provider);
        await EnsureAgreementAsync(node);
        var answered = "NL-AR-" + Guid.NewGuid().ToString("N")[..8];
        var declined = "NL-AR-" + Guid.NewGuid().ToString("N")[..8];
        await ReceiveAsync(node, answered, declined);
        using var officer = node.Node.Client(node.OfficerKey);
        Uri At(string id, string move) => new($"/api/assistance-requests/{id}/{move}", UriKind.Relative);

        Assert.Equal(HttpStatusCode.OK, (await officer.PostAsJsonAsync(At(answered, "acknowledge"), new { reference = "HMRC-77" })).StatusCode);
        var part = await officer.PostAsJsonAsync(At(answered, "answers"), new { text = "Consignee confirmed", data = new { eori = "GB123456789000" }, final = false });
        Assert.Equal(HttpStatusCode.OK, part.StatusCode);
        Assert.Equal("partially-answered", (await part.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("status").GetString());
        var last = await officer.PostAsJsonAsync(At(answered, "answers"), new { text = "No further shipments", final = true });
        var done = await last.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("answered", done.GetProperty("status").GetString());
        Assert.Equal("GB123456789000", done.GetProperty("answers")[0].GetProperty("data").GetProperty("eori").GetString());

        var noGrounds = await officer.PostAsJsonAsync(At(declined, "decline"), new { grounds = "" });
        Assert.Equal(HttpStatusCode.BadRequest, noGrounds.StatusCode);
        Assert.Equal("/grounds", (await noGrounds.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("errors")[0].GetProperty("path").GetString());
        var decline = await officer.PostAsJsonAsync(At(declined, "decline"), new { grounds = "Outside the agreement's scope" });
        Assert.Equal("declined", (await decline.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("status").GetString());
        var withdraw = await officer.PostAsync(At(declined, "withdraw"), null);
        Assert.Equal(HttpStatusCode.Conflict, withdraw.StatusCode);
        Assert.Contains("only the applicant (NL) may withdraw", (await withdraw.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    private static async Task EnsureAgreementAsync(RunningNode node)
    {
        if (!File.Exists(Path.Combine(node.Node.Home, "agreements", AgreementId + ".yaml")))
            await RequestCommandsTests.WriteAgreementAsync(node.Node.Home, "GB", "NL", node.Database);
    }

    /// <summary>Requests from NL arrive as the transport will hand them over: through the node's desk, on its database.</summary>
    private static async Task ReceiveAsync(RunningNode node, params string[] ids)
    {
        var options = NodeHome.Load(node.Node.Home, node.Database);
        var agreement = AgreementReference.Of(AssistanceDesks.AgreementsInForce(options.Home, TimeProvider.System)().Single(a => a.Id == AgreementId));
        await using var services = await NodeServices.OpenAsync(options);
        var desk = services.Get<AssistanceDesk>();
        foreach (var id in ids)
        {
            var draft = new AssistanceDraft("GB", AgreementId, Article3, Purpose.Investigation, "NL-FIOD-1", "Who is the consignee?");
            var receipt = await desk.ReceiveAsync(AssistanceRequest.Compose(id, "NL", draft, agreement, null, TimeProvider.System.GetUtcNow()));
            Assert.Equal(AssistanceReceiptOutcome.Applied, receipt.Outcome);
        }
    }
}
