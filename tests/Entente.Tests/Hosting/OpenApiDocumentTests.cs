using System.Net;
using System.Text;
using Entente.Hosting;
using Entente.Tests.Support;
using Microsoft.OpenApi;
using Microsoft.OpenApi.Reader;

namespace Entente.Tests.Hosting;

/// <summary>
/// The OpenAPI document a running node serves, read with Microsoft.OpenApi as an integrator's tooling would (issue 15,
/// item 6): its title and version, security schemes required where the node requires a key (checked against the node
/// itself), every operation's errors as problem details, request bodies per content type, named schemas, integer parameters.
/// </summary>
public sealed class OpenApiDocumentTests(OpenApiDocumentTests.Node fixture) : IClassFixture<OpenApiDocumentTests.Node>
{
    /// <summary>Operations anyone may call: partners and witnesses (their messages are signed), and what is published.</summary>
    private static readonly HashSet<string> Public =
    [
        "POST /api/exchange/messages", "GET /api/exchange/identity", "GET /api/ledger/checkpoint", "GET /api/ledger/consistency", "POST /api/ledger/cosignatures",
        "GET /api/blinded/index", "POST /api/blinded/evaluate",
    ];

    /// <summary>Operations that take no input and need no key: their only error is the node's own (503).</summary>
    private static readonly HashSet<string> NoClientError = ["GET /api/exchange/identity"];

    public sealed class Node : IAsyncLifetime
    {
        public NodeProcess Process { get; private set; } = null!;
        public OpenApiDocument Document { get; private set; } = null!;
        public OpenApiDiagnostic Diagnostic { get; private set; } = null!;

        public async Task InitializeAsync()
        {
            Process = await NodeProcess.StartAsync();
            using var anonymous = Process.Client();
            await using var stream = await anonymous.GetStreamAsync(new Uri("/openapi/v1.json", UriKind.Relative));
            var read = await OpenApiDocument.LoadAsync(stream, "json");
            Document = read.Document!;
            Diagnostic = read.Diagnostic!;
        }

        public async Task DisposeAsync() => await Process.DisposeAsync();
    }

    private IEnumerable<(string Name, string Path, HttpMethod Method, OpenApiOperation Operation)> Operations() =>
        fixture.Document.Paths.SelectMany(p => (p.Value.Operations?.AsEnumerable() ?? []).Select(o => ($"{o.Key.Method} {p.Key}", p.Key, o.Key, o.Value)));

    [Fact]
    public void The_document_reads_without_errors_and_names_the_node_and_its_version()
    {
        Assert.Empty(fixture.Diagnostic.Errors);
        Assert.Equal("Entente", fixture.Document.Info.Title);
        Assert.Equal(NodeComposition.Version, fixture.Document.Info.Version);
        Assert.True(Operations().Count() >= 40, $"only {Operations().Count()} operations");
    }

    [Fact]
    public void It_declares_the_api_key_header_and_bearer_schemes()
    {
        var schemes = fixture.Document.Components!.SecuritySchemes!;
        var apiKey = schemes[NodeOpenApi.ApiKeyScheme];
        Assert.Equal(SecuritySchemeType.ApiKey, apiKey.Type);
        Assert.Equal(ParameterLocation.Header, apiKey.In);
        Assert.Equal("X-Api-Key", apiKey.Name);
        var bearer = schemes[NodeOpenApi.BearerScheme];
        Assert.Equal(SecuritySchemeType.Http, bearer.Type);
        Assert.Equal("bearer", bearer.Scheme);
    }

    [Fact]
    public async Task Every_operation_that_requires_a_key_says_so_and_the_node_answers_401_without_one()
    {
        using var anonymous = fixture.Process.Client();
        var wrong = new List<string>();
        foreach (var (name, path, method, operation) in Operations())
        {
            var schemes = (operation.Security ?? []).SelectMany(r => r.Keys).Select(k => k.Reference.Id).ToHashSet(StringComparer.Ordinal);
            if (Public.Contains(name))
            {
                if (schemes.Count > 0) wrong.Add($"{name}: public, yet requires {string.Join(", ", schemes)}");
                continue;
            }
            if (!schemes.SetEquals([NodeOpenApi.ApiKeyScheme, NodeOpenApi.BearerScheme])) wrong.Add($"{name}: security {string.Join(", ", schemes)}");
            // The document tells the truth: without a key the node refuses the operation.
            using var request = new HttpRequestMessage(method, path.Replace("{", "x", StringComparison.Ordinal).Replace("}", "", StringComparison.Ordinal));
            if (method == HttpMethod.Post) request.Content = new StringContent("{}", Encoding.UTF8, "application/json");
            var response = await anonymous.SendAsync(request);
            if (response.StatusCode != HttpStatusCode.Unauthorized) wrong.Add($"{name}: answered {(int)response.StatusCode} without a key");
        }
        Assert.True(wrong.Count == 0, string.Join("\n", wrong));
    }

    [Fact]
    public void Every_operation_lists_its_errors_as_problem_details()
    {
        var wrong = new List<string>();
        foreach (var (name, _, _, operation) in Operations())
        {
            var errors = operation.Responses!.Where(r => r.Key[0] is '4' or '5').ToList();
            foreach (var (status, response) in errors)
            {
                if (response.Content is null || !response.Content.TryGetValue("application/problem+json", out var media)
                    || media.Schema is not OpenApiSchemaReference { Reference.Id: NodeOpenApi.ProblemSchema })
                    wrong.Add($"{name} {status}: not problem details");
            }
            if (!NoClientError.Contains(name) && !errors.Any(e => e.Key[0] == '4')) wrong.Add($"{name}: no 4xx answer");
            if (errors.Count == 0) wrong.Add($"{name}: no error answer");
            if (operation.Security is { Count: > 0 } && !(operation.Responses!.ContainsKey("401") && operation.Responses.ContainsKey("403")))
                wrong.Add($"{name}: requires a key but lists no 401/403");
            if ((operation.Parameters is { Count: > 0 } || operation.RequestBody is not null) && !operation.Responses!.ContainsKey("400"))
                wrong.Add($"{name}: takes input but lists no 400");
        }
        Assert.True(wrong.Count == 0, string.Join("\n", wrong));
        var problem = fixture.Document.Components!.Schemas![NodeOpenApi.ProblemSchema];
        var item = Assert.IsType<OpenApiSchemaReference>(problem.Properties!["errors"].Items);
        Assert.Equal(NodeOpenApi.FieldErrorSchema, item.Reference.Id);
        Assert.Equal(["message", "path"], fixture.Document.Components.Schemas[NodeOpenApi.FieldErrorSchema].Required!.Order(StringComparer.Ordinal));
    }

    [Fact]
    public void Request_bodies_are_described_per_content_type()
    {
        var wrong = new List<string>();
        foreach (var (name, _, _, operation) in Operations())
        {
            if (operation.RequestBody is null) continue;
            if (operation.RequestBody.Content is not { Count: > 0 } content) wrong.Add($"{name}: a body without media types");
            else wrong.AddRange(content.Where(c => c.Value.Schema is null).Select(c => $"{name} {c.Key}: no schema"));
        }
        Assert.True(wrong.Count == 0, string.Join("\n", wrong));

        var submit = fixture.Document.Paths["/api/declarations"].Operations![HttpMethod.Post];
        var body = submit.RequestBody!.Content!;
        Assert.Contains("application/json", body.Keys);
        Assert.Contains(body["application/json"].Schema!.OneOf!, s => s is OpenApiSchemaReference { Reference.Id: "Declaration" });
        foreach (var media in new[] { "application/xml", "application/edifact", "text/csv", "application/x-ndjson", "text/plain" })
        {
            var schema = body[media].Schema!;
            Assert.IsNotType<OpenApiSchemaReference>(schema);
            Assert.Equal(JsonSchemaType.String, schema.Type);
            Assert.Null(schema.Properties);
        }
        Assert.Contains("mapping", body["text/csv"].Schema!.Description, StringComparison.Ordinal);
        Assert.Contains(submit.Parameters!, p => p.Name == "mapping" && p.In == ParameterLocation.Query);
        Assert.Equal("Declaration", Assert.IsType<OpenApiSchemaReference>(
            fixture.Document.Paths["/api/risk/what-if"].Operations![HttpMethod.Post].RequestBody!.Content!["application/json"].Schema).Reference.Id);
    }

    [Fact]
    public void Schemas_have_proper_names_and_numeric_parameters_are_integers()
    {
        Assert.DoesNotContain(fixture.Document.Components!.Schemas!.Keys, k => k.StartsWith("AnonymousType", StringComparison.Ordinal));
        Assert.Contains("NodeInfo", fixture.Document.Components.Schemas.Keys);
        var wrong = new List<string>();
        foreach (var (name, _, _, operation) in Operations())
        {
            foreach (var parameter in operation.Parameters ?? [])
            {
                if (parameter.Schema?.Type is not { } type || (type & (JsonSchemaType.Integer | JsonSchemaType.Number)) == 0) continue;
                if (type is not (JsonSchemaType.Integer or JsonSchemaType.Number) || parameter.Schema.Pattern is not null)
                    wrong.Add($"{name} {parameter.Name}: {type} {parameter.Schema.Pattern}");
            }
        }
        Assert.True(wrong.Count == 0, string.Join("\n", wrong));
        var search = fixture.Document.Paths["/api/declarations"].Operations![HttpMethod.Get];
        Assert.Equal(JsonSchemaType.Integer, search.Parameters!.Single(p => p.Name == "limit").Schema!.Type);
    }
}
