using System.Net;
using System.Text;
using Entente.Tests.Support;

namespace Entente.Tests.Nodes;

public class NodeLimitsTests
{
    [Fact]
    public async Task Refuses_a_body_over_the_configured_limit_and_keeps_serving()
    {
        await using var node = await NodeProcess.StartAsync(environment: new Dictionary<string, string> { ["ENTENTE__MAXREQUESTBYTES"] = "4096" });
        using var admin = node.Client(node.AdminKey);

        var big = new StringContent(new string(' ', 64 * 1024) + "{}", Encoding.UTF8, "application/json");
        var response = await admin.PostAsync(new Uri("/api/declarations", UriKind.Relative), big);
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        Assert.Contains("4096", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);

        Assert.Equal(HttpStatusCode.OK, (await admin.GetAsync(new Uri("/api/node", UriKind.Relative))).StatusCode);
    }

    [Fact]
    public async Task A_node_refuses_to_start_on_a_home_with_invalid_settings()
    {
        var home = Path.Combine(Path.GetTempPath(), $"entente-bad-{Guid.NewGuid():N}");
        Directory.CreateDirectory(home);
        try
        {
            await File.WriteAllTextAsync(Path.Combine(home, "entente.json"), """{"Entente": {"Code": "korea", "Name": ""}}""");
            var output = new StringWriter();
            var error = new StringWriter();
            var status = await Entente.Cli.EntenteCli.RunAsync(["serve", "--home", home, "--urls", "http://127.0.0.1:0"], output, error);
            Assert.Equal(3, status);
            Assert.Contains("Code", error.ToString(), StringComparison.Ordinal);
            Assert.Contains("Name", error.ToString(), StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(home, recursive: true);
        }
    }
}
