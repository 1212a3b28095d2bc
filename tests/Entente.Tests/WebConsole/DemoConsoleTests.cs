using System.Diagnostics;
using System.Net;
using System.Text;
using System.Text.RegularExpressions;

namespace Entente.Tests.WebConsole;

/// <summary>
/// `entente demo --console` as a person runs it: a real process that tells the story (kept small: 1 generated
/// declaration per format, no public data), then prints each console's URL with sign-in keys, serves the sign-in page,
/// and stops its nodes when told to (SIGTERM, as a service manager or `kill` sends it).
/// </summary>
public sealed partial class DemoConsoleTests : IDisposable
{
    private readonly string folder = Path.Combine(Path.GetTempPath(), $"entente-demo-console-{Guid.NewGuid():N}");

    public void Dispose()
    {
        try
        {
            Directory.Delete(folder, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    [Fact]
    public async Task The_demo_with_console_prints_the_urls_and_keys_serves_sign_in_and_stops_on_SIGTERM()
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var arg in new[] { Path.Combine(AppContext.BaseDirectory, "Entente.Cli.dll"), "demo", "--console", "--home", Path.Combine(folder, "demo"),
                     "--generated", "1", "--data", Path.Combine(folder, "no-data-here") })
            start.ArgumentList.Add(arg);
        using var demo = Process.Start(start)!;
        var output = new StringBuilder();
        var ready = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        demo.OutputDataReceived += (_, e) =>
        {
            lock (output) output.AppendLine(e.Data);
            if (e.Data?.Contains("The nodes keep running until Ctrl+C.", StringComparison.Ordinal) == true) ready.TrySetResult();
        };
        demo.ErrorDataReceived += (_, e) =>
        {
            lock (output) output.AppendLine(e.Data);
        };
        demo.BeginOutputReadLine();
        demo.BeginErrorReadLine();
        try
        {
            var exited = demo.WaitForExitAsync();
            var first = await Task.WhenAny(ready.Task, exited, Task.Delay(TimeSpan.FromMinutes(8)));
            string Printed()
            {
                lock (output) return output.ToString();
            }
            Assert.True(first == ready.Task, "the demo did not reach its console step:\n" + Printed());

            var text = Printed();
            var consoles = ConsoleLine().Matches(text).Select(m => (Code: m.Groups[1].Value, Url: new Uri(m.Groups[2].Value))).ToList();
            Assert.Equal(["NL", "KR", "DE"], consoles.Select(c => c.Code));
            var keys = KeyLine().Matches(text).Select(m => (Role: m.Groups[1].Value, Key: m.Groups[2].Value)).ToList();
            Assert.Equal(12, keys.Count);
            Assert.Equal(["officer", "analyst", "auditor", "liaison"], keys.Take(4).Select(k => k.Role));

            // Each console answers its sign-in page, and the first printed key signs in there (a real form post, with its token).
            var cookies = new CookieContainer();
            using var http = new HttpClient(new HttpClientHandler { CookieContainer = cookies, AllowAutoRedirect = false });
            foreach (var (_, url) in consoles)
            {
                var page = await http.GetStringAsync(new Uri(url, "/console/sign-in"));
                Assert.Contains("name=\"__af\"", page, StringComparison.Ordinal);
            }
            var nl = consoles[0].Url;
            var signInPage = await http.GetStringAsync(new Uri(nl, "/console/sign-in"));
            var token = TokenField().Match(signInPage).Groups[1].Value;
            var signedIn = await http.PostAsync(new Uri(nl, "/console/sign-in"), new FormUrlEncodedContent(new Dictionary<string, string>
            {
                ["__af"] = WebUtility.HtmlDecode(token),
                ["Key"] = keys[0].Key,
            }));
            Assert.Equal(HttpStatusCode.Redirect, signedIn.StatusCode);
            var dashboard = await http.GetAsync(new Uri(nl, "/console"));
            Assert.Equal(HttpStatusCode.OK, dashboard.StatusCode);
            Assert.Contains("console-officer-nl", await dashboard.Content.ReadAsStringAsync(), StringComparison.Ordinal);

            // SIGTERM: the demo stops its nodes and exits 0; nothing answers on their ports any more.
            using (var kill = Process.Start("kill", ["-TERM", demo.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)])) await kill.WaitForExitAsync();
            var stopped = await Task.WhenAny(exited, Task.Delay(TimeSpan.FromSeconds(60)));
            Assert.True(stopped == exited, "the demo did not stop on SIGTERM:\n" + Printed());
            Assert.Equal(0, demo.ExitCode);
            Assert.Contains("Stopping the nodes.", Printed(), StringComparison.Ordinal);
            using var probe = new HttpClient { Timeout = TimeSpan.FromSeconds(3) };
            foreach (var (code, url) in consoles)
                await Assert.ThrowsAnyAsync<Exception>(async () => await probe.GetAsync(new Uri(url, "/health/live")));
        }
        finally
        {
            if (!demo.HasExited) demo.Kill(entireProcessTree: true);
        }
    }

    [GeneratedRegex(@"^   (NL|KR|DE) [^:]+: (https?://\S+/console)\s*$", RegexOptions.Multiline)]
    private static partial Regex ConsoleLine();

    [GeneratedRegex(@"^      (officer|analyst|auditor|liaison)\s+(\S+)\s*$", RegexOptions.Multiline)]
    private static partial Regex KeyLine();

    [GeneratedRegex("name=\"__af\" type=\"hidden\" value=\"([^\"]+)\"")]
    private static partial Regex TokenField();
}
