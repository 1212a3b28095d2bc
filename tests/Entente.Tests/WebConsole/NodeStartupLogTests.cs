using System.Net;
using Entente.Tests.Support;

namespace Entente.Tests.WebConsole;

/// <summary>
/// A node's start-up, as the console's tests and an orchestrator see it: readiness probes from the first moment are
/// answered "not ready, warming up" (503) without a failed health check in the log, then ready; a real failure after
/// the warm-up is still answered 503 and logged.
/// </summary>
public sealed class NodeStartupLogTests
{
    [Fact]
    public async Task A_probe_during_the_warm_up_logs_no_failed_check_and_a_real_failure_is_still_logged()
    {
        await using var node = await NodeProcess.StartAsync();
        using var probe = new HttpClient { BaseAddress = node.BaseAddress };
        var answers = new List<HttpStatusCode>();
        for (var i = 0; i < 1200; i++)
        {
            using var answer = await probe.GetAsync(new Uri("/health/ready", UriKind.Relative));
            answers.Add(answer.StatusCode);
            if (answer.StatusCode == HttpStatusCode.OK) break;
            Assert.Contains("warming up", await answer.Content.ReadAsStringAsync(), StringComparison.Ordinal);
            await Task.Delay(25);
        }
        Assert.Equal(HttpStatusCode.OK, answers[^1]);
        Assert.All(answers, a => Assert.True(a is HttpStatusCode.OK or HttpStatusCode.ServiceUnavailable, $"answered {a}"));
        Assert.DoesNotContain("DefaultHealthCheckService", node.Log, StringComparison.Ordinal);
        Assert.DoesNotContain("with status Unhealthy", node.Log, StringComparison.Ordinal);

        // The schema one migration behind this build: not ready, and the failing check is logged as before.
        var options = Entente.Hosting.NodeHome.Load(node.Home, node.Database);
        await using (var services = await Entente.Hosting.NodeServices.OpenAsync(options))
        {
            await using var connection = await services.Get<Entente.Storage.NodeDatabase>().ConnectAsync();
            await using var command = Entente.Storage.NodeDatabase.Command(connection, null, "DELETE FROM schema_migrations WHERE version = (SELECT MAX(version) FROM schema_migrations)");
            await command.ExecuteNonQueryAsync();
        }
        using var failed = await probe.GetAsync(new Uri("/health/ready", UriKind.Relative));
        Assert.Equal(HttpStatusCode.ServiceUnavailable, failed.StatusCode);
        Assert.Contains("this build needs", await failed.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        for (var i = 0; i < 100 && !node.Log.Contains("Health check database with status Unhealthy", StringComparison.Ordinal); i++) await Task.Delay(100);
        Assert.Contains("Health check database with status Unhealthy", node.Log, StringComparison.Ordinal);
    }
}
