using System.Net;
using System.Net.Security;
using Entente.Hosting;
using Entente.Identity;
using Entente.Storage;
using Entente.Tests.Storage;
using Entente.Tests.Support;

namespace Entente.Tests.Hosting;

/// <summary>Issue 15, item 10: what a started server says, where it keeps its keys, and the names its certificate carries.</summary>
public sealed class ServerHygieneTests
{
    [StoreTheory, BothStores]
    public async Task The_start_up_log_names_the_node_its_home_its_store_without_password_and_its_urls(StorageProvider provider)
    {
        await using var postgres = provider == StorageProvider.PostgreSql ? await TestStore.CreateAsync(provider, migrate: false) : null;
        await using var node = await NodeProcess.StartAsync(postgres?.Database);
        await ApiKeyHttpTests.WaitForLog(node, "Node GB (Test administration) serving home " + node.Home);
        var line = node.Log.Split('\n').First(l => l.Contains("serving home", StringComparison.Ordinal));
        Assert.Contains(node.BaseAddress.ToString().TrimEnd('/'), line, StringComparison.Ordinal);
        if (provider == StorageProvider.PostgreSql)
        {
            Assert.Contains("store PostgreSQL Host=", line, StringComparison.Ordinal);
            Assert.Contains("store.connection", line, StringComparison.Ordinal);
            Assert.DoesNotContain("Password", line, StringComparison.OrdinalIgnoreCase);
        }
        else
        {
            Assert.Contains($"store SQLite {Path.Combine(node.Home, "entente.db")}", line, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task Requests_are_logged_at_debug_by_default_and_one_line_each_at_information_when_configured()
    {
        await using (var quiet = await NodeProcess.StartAsync())
        {
            using var client = quiet.Client(quiet.AdminKey);
            Assert.Equal(HttpStatusCode.OK, (await client.GetAsync(new Uri("/api/node", UriKind.Relative))).StatusCode);
            // A line logged after the request: once it is there, the request's lines would be too.
            using var wrong = quiet.Client("ent_wrong");
            await wrong.GetAsync(new Uri("/api/node", UriKind.Relative));
            await ApiKeyHttpTests.WaitForLog(quiet, "Refused an API key");
            Assert.DoesNotContain("Request starting", quiet.Log, StringComparison.Ordinal);
            Assert.DoesNotContain("GET /api/node answered 200", quiet.Log, StringComparison.Ordinal);
        }

        await using var verbose = await NodeProcess.StartAsync(environment: new Dictionary<string, string> { ["Entente__Server__RequestLog"] = "Information" });
        using (var client = verbose.Client(verbose.AdminKey))
            Assert.Equal(HttpStatusCode.OK, (await client.GetAsync(new Uri("/api/node", UriKind.Relative))).StatusCode);
        await ApiKeyHttpTests.WaitForLog(verbose, "GET /api/node answered 200 in");
        Assert.Single(verbose.Log.Split('\n'), l => l.Contains("GET /api/node answered", StringComparison.Ordinal));
        Assert.DoesNotContain("Request starting", verbose.Log, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_data_protection_key_ring_is_kept_in_the_home()
    {
        await using var node = await NodeProcess.StartAsync();
        var folder = Path.Combine(node.Home, "data-protection");
        for (var i = 0; i < 100 && !(Directory.Exists(folder) && Directory.GetFiles(folder, "key-*.xml").Length > 0); i++) await Task.Delay(100);
        Assert.True(Directory.Exists(folder) && Directory.GetFiles(folder, "key-*.xml").Length == 1, $"no key in {folder}:\n{node.Log}");
    }

    [Fact]
    public async Task The_generated_certificate_names_localhost_the_loopback_addresses_the_machine_and_the_configured_names()
    {
        var home = Path.Combine(Path.GetTempPath(), $"entente-san-{Guid.NewGuid():N}");
        try
        {
            var (status, output, error) = await Support.Cli.Run("node", "init", "--home", home, "--code", "GB", "--name", "HMRC",
                "--host-name", "entente.customs.example", "--host-name", "192.0.2.10");
            Assert.True(status == 0, error + output);
            var certificate = NodeCertificates.Read(NodeKeys.NodeCertificatePath(home))[0];
            var names = NodeCertificates.AlternativeNames(certificate);
            Assert.Equal(
                new[] { "localhost", Environment.MachineName.ToLowerInvariant(), "entente.customs.example", "127.0.0.1", "::1", "192.0.2.10" }.Order(StringComparer.Ordinal),
                names.Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal));
            Assert.Equal(["entente.customs.example", "192.0.2.10"], NodeHome.Load(home).HostNames);
        }
        finally
        {
            Directory.Delete(home, recursive: true);
        }
    }

    [Fact]
    public async Task Over_https_the_node_certificate_matches_the_address_the_client_asked_for()
    {
        await using var node = await NodeProcess.StartAsync(https: true);
        SslPolicyErrors? seen = null;
        using var handler = new HttpClientHandler
        {
            ServerCertificateCustomValidationCallback = (_, _, _, errors) =>
            {
                seen = errors;
                return true;
            },
        };
        using var client = new HttpClient(handler) { BaseAddress = node.BaseAddress };
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync(new Uri("/health/live", UriKind.Relative))).StatusCode);
        Assert.NotNull(seen);
        // Self-issued, so the chain is not trusted; but the name (127.0.0.1) is the certificate's.
        Assert.Equal(SslPolicyErrors.None, seen!.Value & SslPolicyErrors.RemoteCertificateNameMismatch);
    }
}
