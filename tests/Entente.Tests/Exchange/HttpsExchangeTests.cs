using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using Entente.Exchange;
using Entente.Identity;
using Entente.Tests.Support;

namespace Entente.Tests.Exchange;

/// <summary>Two nodes over HTTPS with mutual TLS: each presents its node certificate, each pins the other's key.</summary>
public sealed class HttpsExchangeTests : IAsyncLifetime
{
    private NodeProcess _nl = null!;
    private NodeProcess _kr = null!;

    public async Task InitializeAsync()
    {
        var env = new Dictionary<string, string> { ["Entente__Exchange__Poll"] = "00:00:00.200", ["Entente__Exchange__MutualTls"] = "true" };
        _nl = await NodeProcess.StartAsync(environment: env, code: "NL", https: true);
        _kr = await NodeProcess.StartAsync(environment: env, code: "KR", https: true);
        TestNetwork.WriteAgreement([_nl, _kr], File.ReadAllText(Path.Combine(SharedData.RepositoryRoot, "tests", "Entente.Tests", "Exchange", "Samples", "network.yaml")));
        foreach (var (node, partner) in new[] { (_nl, _kr), (_kr, _nl) })
        {
            // A pilot without a network CA: the partner's certificates are given as files, its key pinned by the agreement.
            var (status, _, error) = await Support.Cli.Run("partner", "add", "--home", node.Home, "--code", partner.Code, "--endpoint", partner.BaseAddress.ToString(),
                "--signing-cert", NodeKeys.NodeCertificatePath(partner.Home), "--encryption-cert", NodeKeys.EncryptionCertificatePath(partner.Home));
            Assert.True(status == 0, error);
        }
    }

    public async Task DisposeAsync()
    {
        await _nl.DisposeAsync();
        await _kr.DisposeAsync();
    }

    [Fact]
    public async Task A_message_crosses_over_mutual_tls_and_a_client_without_a_partner_certificate_is_turned_away()
    {
        using var nl = _nl.Client(await _nl.AddUserAsync("liaison", "liaison"));
        var response = await nl.PostAsJsonAsync("/api/exchange/disclosures",
            new { recipient = "KR", category = "seizure-reports", purpose = "investigation", document = JsonNode.Parse("""{"seizure":{"id":"S-TLS-1"}}""") });
        Assert.True(response.IsSuccessStatusCode, await response.Content.ReadAsStringAsync());
        var id = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("messageId").GetString()!;

        var clock = System.Diagnostics.Stopwatch.StartNew();
        string? state = null;
        while (clock.Elapsed < TimeSpan.FromSeconds(60) && state != ExchangeStore.Delivered)
        {
            state = (await nl.GetFromJsonAsync<JsonElement>($"/api/exchange/outbox/{id}")).GetProperty("state").GetString();
            if (state != ExchangeStore.Delivered) await Task.Delay(200);
        }
        Assert.True(state == ExchangeStore.Delivered, $"not delivered over HTTPS:\n{_nl.Log}\n{_kr.Log}");

        // The same endpoint, reached over TLS by a client that presents no certificate: refused, and recorded.
        using var stranger = _kr.Client();
        var refused = await stranger.PostAsync(new Uri(ExchangeWire.MessagesPath, UriKind.Relative), new ByteArrayContent([0x80]));
        Assert.Equal(System.Net.HttpStatusCode.Forbidden, refused.StatusCode);
        Assert.Contains("no client certificate", await refused.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }
}
