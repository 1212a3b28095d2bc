using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Entente.Declarations;
using Entente.Tests.Support;
using Entente.Tools.Generation;

namespace Entente.Tests.Hosting;

/// <summary>
/// Every 4xx of a running node says why (issue 15, item 7): binding failures, content types, search parameters, each as
/// problem details with a detail and the field in the one <c>errors</c> shape {path, message, file?, line?}; and the
/// ingest API takes the content types docs/api.md names. Real HTTP against a started node.
/// </summary>
public sealed class ApiErrorsTests(ApiErrorsTests.Node fixture) : IClassFixture<ApiErrorsTests.Node>
{
    public sealed class Node : IAsyncLifetime
    {
        public NodeProcess Process { get; private set; } = null!;
        public string OfficerKey { get; private set; } = "";

        public string AdminKey { get; private set; } = "";

        public async Task InitializeAsync()
        {
            Process = await NodeProcess.StartAsync();
            OfficerKey = await Process.AddUserAsync("officer", "officer");
            AdminKey = await Process.AddUserAsync("admin-2", "admin");
        }

        public async Task DisposeAsync() => await Process.DisposeAsync();
    }

    private HttpClient Officer() => fixture.Process.Client(fixture.OfficerKey);

    /// <summary>The answer as problem details with a detail and the one errors shape; returns the errors.</summary>
    private static async Task<JsonElement[]> ProblemAsync(HttpResponseMessage response, HttpStatusCode status)
    {
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(status == response.StatusCode, $"{(int)response.StatusCode}: {body}");
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = JsonDocument.Parse(body).RootElement;
        Assert.False(string.IsNullOrWhiteSpace(problem.GetProperty("detail").GetString()), body);
        var errors = problem.GetProperty("errors").EnumerateArray().ToArray();
        Assert.NotEmpty(errors);
        foreach (var error in errors)
        {
            Assert.Equal(JsonValueKind.String, error.GetProperty("path").ValueKind);
            Assert.False(string.IsNullOrWhiteSpace(error.GetProperty("message").GetString()));
            Assert.All(error.EnumerateObject(), p => Assert.Contains(p.Name, new[] { "path", "message", "file", "line" }));
        }
        Assert.DoesNotContain("System.", body, StringComparison.Ordinal);
        return errors;
    }

    private static JsonElement Only(JsonElement[] errors, string path) => Assert.Single(errors, e => e.GetProperty("path").GetString() == path);

    [Fact]
    public async Task A_limit_that_is_not_a_number_is_refused_naming_the_parameter()
    {
        using var officer = Officer();
        var errors = await ProblemAsync(await officer.GetAsync(new Uri("/api/declarations?limit=abc", UriKind.Relative)), HttpStatusCode.BadRequest);
        Assert.Contains("integer", Only(errors, "limit").GetProperty("message").GetString(), StringComparison.Ordinal);
        Assert.Contains("'abc'", Only(errors, "limit").GetProperty("message").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_consistency_proof_between_sizes_that_are_not_numbers_names_the_parameter()
    {
        using var anonymous = fixture.Process.Client();
        var errors = await ProblemAsync(await anonymous.GetAsync(new Uri("/api/ledger/consistency?from=a&to=1", UriKind.Relative)), HttpStatusCode.BadRequest);
        Assert.Contains("integer", Only(errors, "from").GetProperty("message").GetString(), StringComparison.Ordinal);
        var missing = await ProblemAsync(await anonymous.GetAsync(new Uri("/api/ledger/consistency?from=1", UriKind.Relative)), HttpStatusCode.BadRequest);
        Assert.Contains("required", Only(missing, "to").GetProperty("message").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_json_body_field_of_the_wrong_type_is_refused_with_its_pointer()
    {
        using var officer = Officer();
        var status = await officer.PostAsync(new Uri("/api/declarations/any/status", UriKind.Relative),
            new StringContent("""{"status": 5}""", Encoding.UTF8, "application/json"));
        Assert.Contains("string", Only(await ProblemAsync(status, HttpStatusCode.BadRequest), "/status").GetProperty("message").GetString(), StringComparison.Ordinal);

        var outcome = await officer.PostAsync(new Uri("/api/risk/outcomes", UriKind.Relative),
            new StringContent("""{"declarationId": "x", "found": "yes"}""", Encoding.UTF8, "application/json"));
        var found = Only(await ProblemAsync(outcome, HttpStatusCode.BadRequest), "/found");
        Assert.Contains("true or false", found.GetProperty("message").GetString(), StringComparison.Ordinal);
        Assert.Equal(1, found.GetProperty("line").GetInt64());

        var broken = await officer.PostAsync(new Uri("/api/risk/outcomes", UriKind.Relative), new StringContent("{\"found\": tru", Encoding.UTF8, "application/json"));
        Assert.Contains("not valid JSON", (await ProblemAsync(broken, HttpStatusCode.BadRequest))[0].GetProperty("message").GetString(), StringComparison.Ordinal);

        var text = await officer.PostAsync(new Uri("/api/risk/outcomes", UriKind.Relative), new StringContent("""{"declarationId": "x", "found": true}""", Encoding.UTF8, "text/plain"));
        Assert.Contains("application/json", Only(await ProblemAsync(text, HttpStatusCode.UnsupportedMediaType), "Content-Type").GetProperty("message").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Declarations_sent_as_text_plain_or_octet_stream_are_detected_from_the_body()
    {
        using var officer = Officer();
        var declarations = new DeclarationGenerator(1501).Generate(2).Select(r => r.Declaration!).ToArray();
        foreach (var (media, declaration) in new[] { "text/plain", "application/octet-stream" }.Zip(declarations))
        {
            var content = new ByteArrayContent(Encoding.UTF8.GetBytes(EntenteJson.Serialize(declaration)));
            content.Headers.ContentType = new(media);
            var response = await officer.PostAsync(new Uri("/api/declarations", UriKind.Relative), content);
            var body = await response.Content.ReadAsStringAsync();
            Assert.True(response.StatusCode == HttpStatusCode.OK, $"{media}: {(int)response.StatusCode} {body}");
            Assert.Equal(1, JsonDocument.Parse(body).RootElement.GetProperty("accepted").GetInt64());
        }
    }

    [Fact]
    public async Task Other_content_types_are_refused_with_the_accepted_list()
    {
        using var officer = Officer();
        using var form = new MultipartFormDataContent { { new StringContent("{}"), "file", "declarations.json" } };
        var multipart = Only(await ProblemAsync(await officer.PostAsync(new Uri("/api/declarations", UriKind.Relative), form), HttpStatusCode.UnsupportedMediaType), "Content-Type");
        Assert.Contains("application/xml", multipart.GetProperty("message").GetString(), StringComparison.Ordinal);
        Assert.Contains("--data-binary", multipart.GetProperty("message").GetString(), StringComparison.Ordinal);

        var urlEncoded = await officer.PostAsync(new Uri("/api/declarations", UriKind.Relative), new StringContent("a=b", Encoding.UTF8, "application/x-www-form-urlencoded"));
        Assert.Contains("text/csv", Only(await ProblemAsync(urlEncoded, HttpStatusCode.UnsupportedMediaType), "Content-Type").GetProperty("message").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_unknown_endpoint_or_method_says_where_the_operations_are_listed()
    {
        using var officer = Officer();
        var unknown = await ProblemAsync(await officer.GetAsync(new Uri("/api/nothing-here", UriKind.Relative)), HttpStatusCode.NotFound);
        Assert.Contains("/openapi/v1.json", unknown[0].GetProperty("message").GetString(), StringComparison.Ordinal);
        var method = await ProblemAsync(await officer.DeleteAsync(new Uri("/api/summary", UriKind.Relative)), HttpStatusCode.MethodNotAllowed);
        Assert.Contains("DELETE", method[0].GetProperty("message").GetString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("text/csv")]
    [InlineData("text/plain")]
    public async Task A_csv_without_a_mapping_is_told_in_the_api_s_words(string media)
    {
        using var officer = Officer();
        var response = await officer.PostAsync(new Uri("/api/declarations", UriKind.Relative), new StringContent("lrn,hs\nA1,0101\n", Encoding.UTF8, media));
        var mapping = Only(await ProblemAsync(response, HttpStatusCode.BadRequest), "mapping").GetProperty("message").GetString()!;
        Assert.Contains("?mapping=NAME", mapping, StringComparison.Ordinal);
        Assert.DoesNotContain("--mapping", mapping, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("origin=korea", "origin", "ISO 3166")]
    [InlineData("after=garbage", "after", "next")]
    [InlineData("from=2025-02-01&to=2025-01-01", "from", "after to")]
    [InlineData("from=yesterday", "from", "yyyy-MM-dd")]
    [InlineData("limit=0", "limit", "1 to 1000")]
    public async Task A_search_with_a_parameter_that_cannot_match_is_refused_naming_it(string query, string parameter, string expected)
    {
        using var officer = Officer();
        var errors = await ProblemAsync(await officer.GetAsync(new Uri($"/api/declarations?{query}", UriKind.Relative)), HttpStatusCode.BadRequest);
        Assert.Contains(expected, Only(errors, parameter).GetProperty("message").GetString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("/api/records?limit=0")]
    [InlineData("/api/records?limit=5000")]
    [InlineData("/api/exchange/inbox?limit=0")]
    [InlineData("/api/exchange/inbox?limit=1001")]
    public async Task A_list_limit_out_of_range_is_refused_not_quietly_changed(string path)
    {
        using var admin = fixture.Process.Client(fixture.AdminKey);
        var errors = await ProblemAsync(await admin.GetAsync(new Uri(path, UriKind.Relative)), HttpStatusCode.BadRequest);
        Assert.Contains("1 to 1000", Only(errors, "limit").GetProperty("message").GetString(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, (await admin.GetAsync(new Uri(path[..path.IndexOf('?')] + "?limit=10", UriKind.Relative))).StatusCode);
    }

    [Fact]
    public async Task A_search_with_a_known_country_and_an_ordered_range_is_answered()
    {
        using var officer = Officer();
        var response = await officer.GetAsync(new Uri("/api/declarations?origin=kr&from=2025-01-01&to=2025-02-01&after=0193f6c2-0000-7000-8000-000000000000", UriKind.Relative));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task Records_and_assistance_errors_have_the_one_shape()
    {
        using var officer = Officer();
        var record = await officer.PostAsync(new Uri("/api/records/alert", UriKind.Relative), JsonContent.Create(new { }));
        var errors = await ProblemAsync(record, HttpStatusCode.BadRequest);
        Assert.All(errors, e => Assert.StartsWith("/", e.GetProperty("path").GetString(), StringComparison.Ordinal));

        var assistance = await officer.PostAsync(new Uri("/api/assistance-requests/none/decline", UriKind.Relative), JsonContent.Create(new { grounds = "" }));
        Assert.Equal("/grounds", Assert.Single(await ProblemAsync(assistance, HttpStatusCode.BadRequest)).GetProperty("path").GetString());
    }
}
