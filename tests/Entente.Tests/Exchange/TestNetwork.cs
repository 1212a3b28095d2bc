using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Nodes;
using Entente.Agreements;
using Entente.Identity;
using Entente.Tests.Support;

namespace Entente.Tests.Exchange;

/// <summary>
/// Real nodes on loopback, each with its own home and keys, bound by one agreement signed by every node's key and
/// registered as partners of each other with `entente partner add`, as an administration would do it.
/// </summary>
public sealed class TestNetwork : IAsyncDisposable
{
    private TestNetwork(IReadOnlyList<NodeProcess> nodes, IReadOnlyList<string> keys) => (Nodes, LiaisonKeys) = (nodes, keys);

    public IReadOnlyList<NodeProcess> Nodes { get; }

    /// <summary>A liaison officer's API key per node.</summary>
    public IReadOnlyList<string> LiaisonKeys { get; }

    public NodeProcess this[string code] => Nodes.Single(n => n.Code == code);

    public static async Task<TestNetwork> StartAsync(string[] codes, IDictionary<string, string>? environment = null, Func<string, string?>? database = null, string? agreementYaml = null)
    {
        var env = new Dictionary<string, string>(environment ?? new Dictionary<string, string>()) { ["Entente__Exchange__Poll"] = "00:00:00.200", ["Entente__Exchange__RetryBase"] = "00:00:00.200", ["Entente__Exchange__RetryMax"] = "00:00:02" };
        var nodes = await Task.WhenAll(codes.Select(c => NodeProcess.StartAsync(database?.Invoke(c), env, c)));
        try
        {
            WriteAgreement(nodes, agreementYaml ?? File.ReadAllText(Path.Combine(SharedData.RepositoryRoot, "tests", "Entente.Tests", "Exchange", "Samples", "network.yaml")));
            foreach (var node in nodes)
            {
                foreach (var partner in nodes.Where(p => p != node))
                {
                    var (status, _, error) = await Support.Cli.Run(WithDatabase(["partner", "add", "--home", node.Home, "--code", partner.Code, "--endpoint", partner.BaseAddress.ToString()], node));
                    Assert.True(status == 0, error);
                }
            }
            var keys = new List<string>();
            foreach (var node in nodes) keys.Add(await node.AddUserAsync("liaison", "liaison", node.Database));
            return new TestNetwork(nodes, keys);
        }
        catch
        {
            foreach (var n in nodes) await n.DisposeAsync();
            throw;
        }
    }

    public static string[] WithDatabase(string[] args, NodeProcess node) => node.Database is null ? args : [.. args, "--database", node.Database];

    /// <summary>The agreement with every node as a party, signed by every node's key, in every node's agreements folder.</summary>
    public static void WriteAgreement(IReadOnlyList<NodeProcess> nodes, string yaml)
    {
        var keys = nodes.Select(n => NodeKeys.LoadSigningKey(n.Home)).ToArray();
        try
        {
            var parties = string.Join("\n", nodes.Select((n, i) => $"  - code: {n.Code}\n    name: \"Administration {n.Code}\"\n    fingerprint: {NodeKeys.Fingerprint(keys[i])}"));
            var text = yaml.Replace("{PARTIES}", parties, StringComparison.Ordinal);
            foreach (var key in keys)
            {
                var agreement = AgreementDocument.Parse(text, "network.yaml");
                text = AgreementSignatures.AddTo(text, "network.yaml", AgreementSignatures.Sign(agreement, key, DateTimeOffset.UnixEpoch.AddYears(55)));
            }
            var id = AgreementDocument.Parse(text, "network.yaml").Id;
            foreach (var node in nodes)
            {
                Directory.CreateDirectory(Path.Combine(node.Home, "agreements"));
                File.WriteAllText(Path.Combine(node.Home, "agreements", id + ".yaml"), text);
            }
        }
        finally
        {
            foreach (var k in keys) k.Dispose();
        }
    }

    public HttpClient Liaison(string code) => this[code].Client(LiaisonKeys[Nodes.ToList().IndexOf(this[code])]);

    /// <summary>Discloses a document from one node to another through the API; returns the answer (message id...) or throws with the problem.</summary>
    public async Task<JsonElement> DiscloseAsync(string from, string to, string category, string purpose, JsonObject document, string? conversation = null)
    {
        using var client = Liaison(from);
        var response = await client.PostAsJsonAsync("/api/exchange/disclosures", new { recipient = to, category, purpose, document, conversation });
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"{(int)response.StatusCode}: {body}");
        return JsonDocument.Parse(body).RootElement.Clone();
    }

    /// <summary>Waits until <paramref name="check"/> holds, or fails after <paramref name="seconds"/> with the nodes' logs.</summary>
    public async Task EventuallyAsync(Func<Task<bool>> check, int seconds = 60, string what = "the condition")
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        while (clock.Elapsed < TimeSpan.FromSeconds(seconds))
        {
            if (await check()) return;
            await Task.Delay(100);
        }
        Assert.Fail($"{what} did not hold within {seconds} s\n" + string.Join("\n", Nodes.Select(n => $"--- {n.Code}\n{Tail(n.Log)}")));
    }

    private static string Tail(string log) => log.Length <= 4000 ? log : log[^4000..];

    public static ECDsa PublicKeyOf(NodeProcess node)
    {
        using var key = NodeKeys.LoadSigningKey(node.Home);
        var pub = ECDsa.Create();
        pub.ImportSubjectPublicKeyInfo(key.ExportSubjectPublicKeyInfo(), out _);
        return pub;
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var n in Nodes) await n.DisposeAsync();
    }
}
