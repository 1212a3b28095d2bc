using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Entente.Declarations;
using Entente.Storage;
using Entente.Tests.Storage;
using Entente.Tests.Support;
using Entente.Tools.Generation;

namespace Entente.Tests.Declarations;

/// <summary>The API of a real node process over HTTP, on each database.</summary>
public sealed class DeclarationsApiTests(NodeFixture fixture) : IClassFixture<NodeFixture>
{

    private static StringContent Ndjson(IEnumerable<Entente.Declarations.Declaration> declarations) =>
        new(string.Join('\n', declarations.Select(EntenteJson.Serialize)), Encoding.UTF8, "application/x-ndjson");

    private static List<Entente.Declarations.Declaration> Generate(int seed, int count) =>
        new DeclarationGenerator(seed).Generate(count).Select(r => r.Declaration!).ToList();

    [StoreTheory, BothStores]
    public async Task Refuses_requests_without_an_api_key_with_problem_details(StorageProvider provider)
    {
        var node = await fixture.ForAsync(provider);
        using var anonymous = node.Node.Client();
        var response = await anonymous.GetAsync(new Uri("/api/declarations", UriKind.Relative));
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Contains("Bearer", response.Headers.WwwAuthenticate.ToString(), StringComparison.Ordinal);

        var submit = await anonymous.PostAsync(new Uri("/api/declarations", UriKind.Relative), Ndjson(Generate(1, 1)));
        Assert.Equal(HttpStatusCode.Unauthorized, submit.StatusCode);
    }

    [StoreTheory, BothStores]
    public async Task Refuses_an_unknown_api_key(StorageProvider provider)
    {
        var node = await fixture.ForAsync(provider);
        using var stranger = node.Node.Client("ent_not-a-key-this-node-issued");
        var response = await stranger.GetAsync(new Uri("/api/declarations", UriKind.Relative));
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
    }

    [StoreTheory, BothStores]
    public async Task An_analyst_may_search_but_not_submit_or_move_a_status(StorageProvider provider)
    {
        var node = await fixture.ForAsync(provider);
        using var analyst = node.Client(node.AnalystKey);
        Assert.Equal(HttpStatusCode.OK, (await analyst.GetAsync(new Uri("/api/declarations", UriKind.Relative))).StatusCode);
        var submit = await analyst.PostAsync(new Uri("/api/declarations", UriKind.Relative), Ndjson(Generate(2, 1)));
        Assert.Equal(HttpStatusCode.Forbidden, submit.StatusCode);
        Assert.Contains("analyst", await submit.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [StoreTheory, BothStores]
    public async Task An_officer_submits_a_batch_then_finds_reads_and_moves_a_declaration(StorageProvider provider)
    {
        var node = await fixture.ForAsync(provider);
        using var officer = node.Client(node.OfficerKey);
        var batch = Generate(3, 25);
        var response = await officer.PostAsync(new Uri("/api/declarations", UriKind.Relative), Ndjson(batch));
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, body);
        using (var result = JsonDocument.Parse(body))
        {
            Assert.Equal(25, result.RootElement.GetProperty("accepted").GetInt64());
            Assert.Equal(0, result.RootElement.GetProperty("rejected").GetInt64());
        }

        var lrn = batch[7].Lrn!;
        var found = await officer.GetFromJsonAsync<JsonElement>(new Uri($"/api/declarations?reference={lrn}", UriKind.Relative));
        var id = Assert.Single(found.GetProperty("items").EnumerateArray()).GetProperty("id").GetString()!;

        var one = await officer.GetFromJsonAsync<JsonElement>(new Uri($"/api/declarations/{id}", UriKind.Relative));
        Assert.Equal("received", one.GetProperty("status").GetString());
        Assert.Equal(lrn, one.GetProperty("declaration").GetProperty("lrn").GetString());
        Assert.Equal(batch[7].GoodsShipment.GoodsItems[0].Classification!.Code,
            one.GetProperty("declaration").GetProperty("goodsShipment").GetProperty("goodsItems")[0].GetProperty("classification").GetProperty("code").GetString());

        var accept = await officer.PostAsJsonAsync(new Uri($"/api/declarations/{id}/status", UriKind.Relative), new { status = "01", reason = "checks passed" });
        Assert.Equal(HttpStatusCode.OK, accept.StatusCode);
        var illegal = await officer.PostAsJsonAsync(new Uri($"/api/declarations/{id}/status", UriKind.Relative), new { status = "cleared" });
        Assert.Equal(HttpStatusCode.Conflict, illegal.StatusCode);
        Assert.Contains("cannot move from accepted to cleared", await illegal.Content.ReadAsStringAsync(), StringComparison.Ordinal);

        var history = await officer.GetFromJsonAsync<JsonElement>(new Uri($"/api/declarations/{id}/history", UriKind.Relative));
        var moves = history.EnumerateArray().Select(h => h.GetProperty("to").GetString()).ToList();
        Assert.Equal(["received", "accepted"], moves);
        Assert.Equal("officer", history[1].GetProperty("actor").GetString());
    }

    [StoreTheory, BothStores]
    public async Task A_batch_with_a_bad_declaration_is_refused_whole_with_pointers(StorageProvider provider)
    {
        var node = await fixture.ForAsync(provider);
        using var officer = node.Client(node.OfficerKey);
        var batch = Generate(4, 3);
        // A control character is refused; an unknown code would be a finding, kept (docs/formats/findings.md).
        batch[1].GoodsShipment.GoodsItems[0].Description = "Toys\u0007";
        var response = await officer.PostAsync(new Uri("/api/declarations", UriKind.Relative), Ndjson(batch));
        Assert.Equal((HttpStatusCode)422, response.StatusCode);
        using var problem = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        var error = Assert.Single(problem.RootElement.GetProperty("errors").EnumerateArray());
        Assert.Equal(2, error.GetProperty("line").GetInt64());
        Assert.Contains("description", error.GetProperty("path").GetString(), StringComparison.Ordinal);
        Assert.Contains("control character", error.GetProperty("message").GetString(), StringComparison.Ordinal);

        var search = await officer.GetFromJsonAsync<JsonElement>(new Uri($"/api/declarations?reference={batch[0].Lrn}", UriKind.Relative));
        Assert.Empty(search.GetProperty("items").EnumerateArray());

        // The refusal is logged with who sent it (console logging is asynchronous: give it a moment).
        for (var wait = 0; wait < 50 && !node.Node.Log.Contains("Refused a submission from officer", StringComparison.Ordinal); wait++) await Task.Delay(100);
        Assert.Contains("Refused a submission from officer", node.Node.Log, StringComparison.Ordinal);
    }

    [StoreTheory, BothStores]
    public async Task Partial_submission_keeps_the_good_declarations(StorageProvider provider)
    {
        var node = await fixture.ForAsync(provider);
        using var officer = node.Client(node.OfficerKey);
        var batch = Generate(5, 3);
        batch[2].GoodsShipment.GoodsItems[0].Classification = new("HS", "2022", "7700\u001b0");
        // HS chapter 77 does not exist: a finding, kept and counted.
        batch[0].GoodsShipment.GoodsItems[0].Classification = new("HS", "2022", "770000");
        var response = await officer.PostAsync(new Uri("/api/declarations?partial=true", UriKind.Relative), Ndjson(batch));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var result = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal(2, result.RootElement.GetProperty("accepted").GetInt64());
        Assert.Equal(1, result.RootElement.GetProperty("rejected").GetInt64());
        Assert.Equal(1, result.RootElement.GetProperty("findings").GetProperty("invalid-commodity-code").GetInt64());
        var found = await officer.GetFromJsonAsync<JsonElement>(new Uri("/api/declarations?finding=invalid-commodity-code", UriKind.Relative));
        Assert.Equal([batch[0].Lrn], found.GetProperty("items").EnumerateArray().Select(i => i.GetProperty("lrn").GetString()));
    }

    [StoreTheory, BothStores]
    public async Task Sending_the_same_batch_twice_stores_nothing_twice(StorageProvider provider)
    {
        var node = await fixture.ForAsync(provider);
        using var officer = node.Client(node.OfficerKey);
        var batch = Generate(6, 4);
        Assert.Equal(HttpStatusCode.OK, (await officer.PostAsync(new Uri("/api/declarations", UriKind.Relative), Ndjson(batch))).StatusCode);
        var again = await officer.PostAsync(new Uri("/api/declarations", UriKind.Relative), Ndjson(batch));
        using var result = JsonDocument.Parse(await again.Content.ReadAsStringAsync());
        Assert.Equal(0, result.RootElement.GetProperty("accepted").GetInt64());
        Assert.Equal(4, result.RootElement.GetProperty("duplicates").GetInt64());
        Assert.Contains("duplicate", result.RootElement.GetProperty("duplicateRecords")[0].GetProperty("message").GetString(), StringComparison.Ordinal);
    }

    [StoreTheory, BothStores]
    public async Task Unknown_declarations_and_bad_queries_are_problem_details(StorageProvider provider)
    {
        var node = await fixture.ForAsync(provider);
        using var officer = node.Client(node.OfficerKey);
        var missing = await officer.GetAsync(new Uri("/api/declarations/no-such-declaration", UriKind.Relative));
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
        Assert.Equal("application/problem+json", missing.Content.Headers.ContentType?.MediaType);
        var badDate = await officer.GetAsync(new Uri("/api/declarations?from=2026-13-01", UriKind.Relative));
        Assert.Equal(HttpStatusCode.BadRequest, badDate.StatusCode);
        Assert.Contains("yyyy-MM-dd", await badDate.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        var junk = await officer.PostAsync(new Uri("/api/declarations", UriKind.Relative), new ByteArrayContent([0x00, 0x01, 0x02, 0xFF]));
        Assert.Equal((HttpStatusCode)422, junk.StatusCode);
        Assert.Contains("binary", await junk.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [StoreTheory, BothStores]
    public async Task Accepts_wco_xml_edifact_and_csv_bodies_by_content_type(StorageProvider provider)
    {
        var node = await fixture.ForAsync(provider);
        using var officer = node.Client(node.OfficerKey);
        var xml = new MemoryStream();
        Entente.Tools.Writers.WcoXmlWriter.WriteBatch(xml, new DeclarationGenerator(7, referencePrefix: "XMLAPI").Generate(5).Select(r => r.Declaration!));
        var edifact = new MemoryStream();
        Entente.Tools.Writers.CusdecWriter.WriteInterchange(edifact, new DeclarationGenerator(8, referencePrefix: "EDIAPI").Generate(4).Select(r => r.Declaration!),
            new Entente.Tools.Writers.CusdecWriterOptions { Sender = "BROKER", Recipient = "CUSTOMS", ControlReference = "7", PreparedAt = new DateTimeOffset(2026, 1, 2, 3, 4, 0, TimeSpan.Zero) });
        const string Csv = """
            Declaration ID,Date,Office ID,Process Type,Import Type,Import Use,Payment Type,Mode of Transport,Declarant ID,Importer ID,Seller ID,Courier ID,HS6 Code,Country of Departure,Country of Origin,Tax Rate,Tax Type,Country of Origin Indicator,Net Mass,Item Price,Fraud,Critical Fraud
            71061800,2020-01-01,30,B,11,21,11,10,ZZR1LT6,QLRUBN9,0VKY2BR,,440890,BE,BE,0.0,FEU1,G,108.0,372254.4,0,0
            71945189,2020-01-01,40,B,11,21,11,40,SWF9S4X,7JD1S2X,8WDKMC6,,690722,CN,CN,8.0,A,Y,11352.0,375751.2,1,2
            """;

        foreach (var (body, mediaType, query, expected) in new[]
        {
            (xml.ToArray(), "application/xml", "", 5),
            (edifact.ToArray(), "application/edifact", "", 4),
            (Encoding.UTF8.GetBytes(Csv), "text/csv", "?mapping=kcs-synthetic-hs6", 2),
        })
        {
            var content = new ByteArrayContent(body);
            content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue(mediaType);
            var response = await officer.PostAsync(new Uri("/api/declarations" + query, UriKind.Relative), content);
            var text = await response.Content.ReadAsStringAsync();
            Assert.True(response.StatusCode == HttpStatusCode.OK, $"{mediaType}: {text}");
            using var result = JsonDocument.Parse(text);
            Assert.Equal(expected, result.RootElement.GetProperty("accepted").GetInt64());
        }
        var csvDeclaration = await officer.GetFromJsonAsync<JsonElement>(new Uri("/api/declarations/71945189", UriKind.Relative));
        Assert.Equal("csv", csvDeclaration.GetProperty("format").GetString());

        var noMapping = await officer.PostAsync(new Uri("/api/declarations?mapping=no-such-mapping", UriKind.Relative), new StringContent(Csv, Encoding.UTF8, "text/csv"));
        Assert.Equal(HttpStatusCode.BadRequest, noMapping.StatusCode);
        var traversal = await officer.PostAsync(new Uri("/api/declarations?mapping=..%2F..%2Fentente", UriKind.Relative), new StringContent(Csv, Encoding.UTF8, "text/csv"));
        Assert.Equal(HttpStatusCode.BadRequest, traversal.StatusCode);
    }

    [StoreTheory, BothStores]
    public async Task Serves_its_openapi_document(StorageProvider provider)
    {
        var node = await fixture.ForAsync(provider);
        using var anonymous = node.Node.Client();
        using var document = JsonDocument.Parse(await anonymous.GetStringAsync(new Uri("/openapi/v1.json", UriKind.Relative)));
        var paths = document.RootElement.GetProperty("paths");
        Assert.True(paths.TryGetProperty("/api/declarations", out _));
        Assert.True(paths.TryGetProperty("/api/declarations/{reference}/status", out _));
    }
}

public sealed record RunningNode(NodeProcess Node, string OfficerKey, string AnalystKey, string AuditorKey, string? Database)
{
    /// <summary>The node's database as the CLI names it: the PostgreSQL connection string, or the home's SQLite file.</summary>
    public string Store => Database ?? Path.Combine(Node.Home, "entente.db");

    /// <summary>An officer submits one generated declaration; returns it and the id the node gave it.</summary>
    public async Task<(Entente.Declarations.Declaration Declaration, string Id)> SubmitGeneratedAsync(int seed)
    {
        using var officer = Client(OfficerKey);
        var declaration = new DeclarationGenerator(seed).Generate(1).Single().Declaration!;
        var response = await officer.PostAsync(new Uri("/api/declarations", UriKind.Relative),
            new StringContent(EntenteJson.Serialize(declaration), Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var found = await officer.GetFromJsonAsync<JsonElement>(new Uri($"/api/declarations?reference={declaration.Lrn}", UriKind.Relative));
        return (declaration, found.GetProperty("items")[0].GetProperty("id").GetString()!);
    }

    public HttpClient Client(string? key = null) => Node.Client(key);
}

/// <summary>One node process per database for the whole test class, with an officer, an analyst and an auditor besides the administrator.</summary>
public sealed class NodeFixture : IAsyncLifetime
{
    private readonly SemaphoreSlim gate = new(1, 1);
    private readonly Dictionary<StorageProvider, RunningNode> nodes = [];
    private TestStore? postgres;

    public async Task<RunningNode> ForAsync(StorageProvider provider)
    {
        await gate.WaitAsync();
        try
        {
            if (nodes.TryGetValue(provider, out var running)) return running;
            string? database = null;
            if (provider == StorageProvider.PostgreSql)
            {
                postgres = await TestStore.CreateAsync(StorageProvider.PostgreSql, migrate: false);
                database = postgres.Database;
            }
            var node = await NodeProcess.StartAsync(database);
            running = new RunningNode(node, await node.AddUserAsync("officer", "officer", database), await node.AddUserAsync("analyst", "analyst", database),
                await node.AddUserAsync("auditor", "auditor", database), database);
            nodes[provider] = running;
            return running;
        }
        finally
        {
            gate.Release();
        }
    }

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        foreach (var running in nodes.Values) await running.Node.DisposeAsync();
        if (postgres is not null) await postgres.DisposeAsync();
        gate.Dispose();
    }
}
