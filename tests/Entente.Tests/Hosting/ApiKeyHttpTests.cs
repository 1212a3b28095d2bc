using System.Net;
using System.Text.Json.Nodes;
using Entente.Storage;
using Entente.Tests.Storage;
using Entente.Tests.Support;

namespace Entente.Tests.Hosting;

/// <summary>Issue 15, item 5: keys revoked, rotated and expired over real HTTP, each refusal saying why; failures rate-limited per client.</summary>
public sealed class ApiKeyHttpTests
{
    private static async Task<(HttpStatusCode Status, string Title, string Detail, HttpResponseMessage Response)> Get(NodeProcess node, string? key, string path = "/api/node", string? forwardedFor = null)
    {
        using var client = node.Client(key);
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(path, UriKind.Relative));
        if (forwardedFor is not null) request.Headers.Add("X-Forwarded-For", forwardedFor);
        var response = await client.SendAsync(request);
        var body = await response.Content.ReadAsStringAsync();
        var problem = body.StartsWith('{') ? JsonNode.Parse(body) : null;
        return (response.StatusCode, problem?["title"]?.GetValue<string>() ?? "", problem?["detail"]?.GetValue<string>() ?? "", response);
    }

    [StoreTheory, BothStores]
    public async Task Missing_unknown_revoked_rotated_out_and_expired_keys_are_refused_each_with_its_own_reason(StorageProvider provider)
    {
        await using var postgres = provider == StorageProvider.PostgreSql ? await TestStore.CreateAsync(provider, migrate: false) : null;
        await using var node = await NodeProcess.StartAsync(postgres?.Database);
        var key = await node.AddUserAsync("ana", "analyst");

        var missing = await Get(node, null);
        Assert.Equal((HttpStatusCode.Unauthorized, "Authentication required"), (missing.Status, missing.Title));
        var unknown = await Get(node, "ent_" + new string('x', 43));
        Assert.Equal((HttpStatusCode.Unauthorized, "Unknown API key"), (unknown.Status, unknown.Title));
        Assert.Equal(HttpStatusCode.OK, (await Get(node, key)).Status);

        var (status, output, error) = await Support.Cli.Run("user", "revoke", "--home", node.Home, "--name", "ana");
        Assert.True(status == 0, error + output);
        var revoked = await Get(node, key);
        Assert.Equal((HttpStatusCode.Unauthorized, "API key revoked"), (revoked.Status, revoked.Title));
        Assert.Contains("ana", revoked.Detail, StringComparison.Ordinal);

        (status, output, error) = await Support.Cli.Run("user", "rotate", "--home", node.Home, "--name", "ana", "--json");
        Assert.True(status == 0, error + output);
        var fresh = JsonNode.Parse(output)!["key"]!.GetValue<string>();
        Assert.Equal(HttpStatusCode.OK, (await Get(node, fresh)).Status);
        var old = await Get(node, key);
        Assert.Equal((HttpStatusCode.Unauthorized, "API key revoked"), (old.Status, old.Title));

        (status, output, error) = await Support.Cli.Run("user", "expire", "--home", node.Home, "--name", "ana", "--at", "now");
        Assert.True(status == 0, error + output);
        var expired = await Get(node, fresh);
        Assert.Equal((HttpStatusCode.Unauthorized, "API key expired"), (expired.Status, expired.Title));
        Assert.Contains("expired on", expired.Detail, StringComparison.Ordinal);

        // Every refusal is in the node's log with the client's address.
        await WaitForLog(node, "Refused an API key from 127.0.0.1 (expired)");
        Assert.Contains("Refused an API key from 127.0.0.1 (unknown)", node.Log, StringComparison.Ordinal);
        Assert.Contains("Refused an API key from 127.0.0.1 (revoked)", node.Log, StringComparison.Ordinal);
    }

    [Fact]
    public async Task User_list_shows_each_key_state_expiry_and_last_use()
    {
        await using var node = await NodeProcess.StartAsync();
        var key = await node.AddUserAsync("ana", "analyst");
        await node.AddUserAsync("bob", "officer");
        Assert.Equal(0, (await Support.Cli.Run("user", "expire", "--home", node.Home, "--name", "bob", "--at", "2099-01-31")).Status);
        Assert.Equal(HttpStatusCode.OK, (await Get(node, key)).Status);

        var (status, output, error) = await Support.Cli.Run("user", "list", "--home", node.Home, "--json");
        Assert.True(status == 0, error);
        var users = JsonNode.Parse(output)!.AsArray().ToDictionary(u => u!["name"]!.GetValue<string>());
        Assert.NotNull(users["ana"]!["lastUsedAt"]);
        Assert.Null(users["bob"]!["lastUsedAt"]);
        Assert.Equal("active", users["bob"]!["key"]!.GetValue<string>());
        Assert.StartsWith("2099-01-31", users["bob"]!["expiresAt"]!.GetValue<string>(), StringComparison.Ordinal);

        (status, output, _) = await Support.Cli.Run("user", "list", "--home", node.Home);
        Assert.Equal(0, status);
        Assert.Contains("2099-01-31 00:00Z", output, StringComparison.Ordinal);
        Assert.Contains("LAST USED", output, StringComparison.Ordinal);

        // No such user is a refusal (1, docs/cli.md); a value the option cannot take is a usage error (2).
        (status, _, error) = await Support.Cli.Run("user", "revoke", "--home", node.Home, "--name", "nobody");
        Assert.Equal(1, status);
        Assert.Contains("no user 'nobody'", error, StringComparison.Ordinal);
        (status, _, error) = await Support.Cli.Run("user", "expire", "--home", node.Home, "--name", "ana", "--at", "soonish");
        Assert.Equal(2, status);
        Assert.Contains("--at 'soonish'", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_client_that_fails_too_often_gets_429_until_its_window_frees_but_a_valid_key_from_its_address_still_passes()
    {
        await using var node = await NodeProcess.StartAsync(environment: new Dictionary<string, string>
        {
            ["Entente__Authentication__FailureLimit"] = "3",
            ["Entente__Authentication__FailureWindow"] = "00:00:30",
        });
        // A valid key is never counted: many good requests leave the client's window untouched.
        for (var i = 0; i < 5; i++) Assert.Equal(HttpStatusCode.OK, (await Get(node, node.AdminKey)).Status);
        for (var i = 0; i < 3; i++)
            Assert.Equal(HttpStatusCode.Unauthorized, (await Get(node, $"ent_guess{i}")).Status);

        // Retry-After is the time left in the window the first failure opened, not the whole window again.
        await Task.Delay(TimeSpan.FromSeconds(2.5));
        var limited = await Get(node, "ent_guess3");
        Assert.Equal(HttpStatusCode.TooManyRequests, limited.Status);
        Assert.Equal("Too many failed authentications", limited.Title);
        var retryAfter = limited.Response.Headers.RetryAfter?.Delta;
        Assert.NotNull(retryAfter);
        Assert.InRange(retryAfter!.Value.TotalSeconds, 1, 28);
        // Clients behind one NAT or proxy share the address: a valid key is never refused by another's failures.
        Assert.Equal(HttpStatusCode.OK, (await Get(node, node.AdminKey)).Status);
        Assert.Equal(HttpStatusCode.TooManyRequests, (await Get(node, "ent_guess4")).Status);
        // Requests without a key (probes) are not limited.
        Assert.Equal(HttpStatusCode.OK, (await Get(node, null, "/health/live")).Status);
        await WaitForLog(node, "Too many failed authentications from 127.0.0.1");
    }

    [Fact]
    public async Task Behind_a_configured_proxy_failures_are_counted_per_forwarded_client()
    {
        await using var node = await NodeProcess.StartAsync(environment: new Dictionary<string, string>
        {
            ["Entente__Authentication__FailureLimit"] = "2",
            ["Entente__Server__ForwardedHeaders__Enabled"] = "true",
            ["Entente__Server__ForwardedHeaders__KnownProxies__0"] = "127.0.0.1",
        });
        Assert.Equal(HttpStatusCode.Unauthorized, (await Get(node, "ent_a", forwardedFor: "203.0.113.7")).Status);
        Assert.Equal(HttpStatusCode.Unauthorized, (await Get(node, "ent_b", forwardedFor: "203.0.113.7")).Status);
        Assert.Equal(HttpStatusCode.TooManyRequests, (await Get(node, "ent_c", forwardedFor: "203.0.113.7")).Status);
        // Another client behind the same proxy is not blocked by the first one's failures.
        Assert.Equal(HttpStatusCode.Unauthorized, (await Get(node, "ent_d", forwardedFor: "203.0.113.8")).Status);
        Assert.Equal(HttpStatusCode.OK, (await Get(node, node.AdminKey, forwardedFor: "203.0.113.8")).Status);
        await WaitForLog(node, "Too many failed authentications from 203.0.113.7");
        Assert.Contains("Refused an API key from 203.0.113.8", node.Log, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Without_forwarded_headers_configured_a_client_cannot_claim_another_address()
    {
        await using var node = await NodeProcess.StartAsync(environment: new Dictionary<string, string> { ["Entente__Authentication__FailureLimit"] = "2" });
        Assert.Equal(HttpStatusCode.Unauthorized, (await Get(node, "ent_a", forwardedFor: "203.0.113.7")).Status);
        Assert.Equal(HttpStatusCode.Unauthorized, (await Get(node, "ent_b", forwardedFor: "203.0.113.8")).Status);
        Assert.Equal(HttpStatusCode.TooManyRequests, (await Get(node, "ent_c", forwardedFor: "203.0.113.9")).Status);
        await WaitForLog(node, "Too many failed authentications from 127.0.0.1");
        Assert.DoesNotContain("203.0.113", node.Log, StringComparison.Ordinal);
    }

    internal static async Task WaitForLog(NodeProcess node, string text)
    {
        for (var i = 0; i < 100 && !node.Log.Contains(text, StringComparison.Ordinal); i++) await Task.Delay(100);
        Assert.True(node.Log.Contains(text, StringComparison.Ordinal), $"not in the log: {text}\n{node.Log}");
    }
}
