using System.Text.RegularExpressions;

namespace Entente.Tests.Tools.Demo;

/// <summary>`entente demo`: three real nodes on loopback tell the whole story and exit 0 only when every step checked out.</summary>
public sealed class DemoCommandTests : IDisposable
{
    private readonly string folder = Path.Combine(Path.GetTempPath(), $"entente-demo-test-{Guid.NewGuid():N}");

    public DemoCommandTests() => Directory.CreateDirectory(folder);

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
    public async Task The_demo_runs_three_nodes_through_the_whole_story_and_leaves_no_server_running()
    {
        var homes = Path.Combine(folder, "demo");
        var (status, output, error) = await Support.Cli.Run("demo", "--home", homes, "--generated", "100", "--data", Path.Combine(folder, "no-data-here"));
        Assert.True(status == 0, output + error);

        // Declarations at each node, duplicates and a broken file refused.
        Assert.Contains("is not at", output, StringComparison.Ordinal);
        foreach (var code in new[] { "NL", "KR", "DE" })
            Assert.Matches($@"{code}  generated: wco-xml 100, edifact 100, json 100 accepted, 0 rejected", output);
        Assert.Contains("100 duplicates detected", output, StringComparison.Ordinal);
        Assert.Contains("0 accepted (all-or-nothing), 1 rejected", output, StringComparison.Ordinal);

        // Agreements in force only once every party signed; personal data behind a purpose; the policy at work.
        Assert.Contains("nl-kr-mutual-assistance v1 (mutual-assistance, NL-KR): unsigned before, in force after 2 signatures", output, StringComparison.Ordinal);
        Assert.Contains("nl-kr-de-seizure-reports v1 (multilateral, NL-KR-DE): unsigned before, in force after 3 signatures", output, StringComparison.Ordinal);
        Assert.Contains("without a key 401", output, StringComparison.Ordinal);
        Assert.Matches("for risk-management PERMIT under nl-kr-mutual-assistance.*For prosecution: REFUSED", output);

        // The seizure report was pushed by the agreement's subscription to the parties its route involves, projected.
        Assert.Contains("subscribes the parties its route involves, so it is pushed to NL and DE", output, StringComparison.Ordinal);
        var received = Line(output, "     NL received: ");
        Assert.DoesNotContain("officer", received, StringComparison.Ordinal);
        Assert.Matches("\"seizedAt\":\"\\d{4}-\\d{2}\"", received);

        // Assistance asked, answered in parts, seen at NL; refused without a legal basis, with the reason.
        Assert.Contains("NL  sees part 2 (final):", output, StringComparison.Ordinal);
        Assert.Contains("status at NL: answered, at KR: answered", output, StringComparison.Ordinal);
        Assert.Contains("refused, 422 No legal basis", output, StringComparison.Ordinal);
        Assert.Contains("does not cover assistance-requests", output, StringComparison.Ordinal);

        // Receipts checked offline; a changed byte caught; a replay is a duplicate, elsewhere refused.
        Assert.Contains("against the signed agreement (`entente exchange verify --agreement`, Evidence.Verify): VALID", output, StringComparison.Ordinal);
        Assert.Contains("a receipt KR made up with its own fresh key and a certificate in NL's name: INVALID (receipt: signed by key sha256:", output, StringComparison.Ordinal);
        Assert.Matches(@"sender     KR \(key sha256:", output);
        Assert.Matches(@"recipient  NL \(key sha256:", output);
        Assert.Contains("agreement  nl-kr-de-seizure-reports (sha256:", output, StringComparison.Ordinal);
        Assert.Matches("digest     sha256:[0-9a-f]{64}", output);
        Assert.Contains("INVALID (envelope: the signature does not verify", output, StringComparison.Ordinal);
        Assert.Contains("replayed to NL: duplicate, same receipt", output, StringComparison.Ordinal);
        Assert.Contains("replayed to DE: refused (wrong-recipient)", output, StringComparison.Ordinal);

        // Every ledger verified; the exchange drained; the figures.
        Assert.Equal(3, Regex.Matches(output, @"entries, verify ok, checkpoint signed at size \d+").Count);
        Assert.Equal(6, Regex.Matches(output, @"(NL|KR|DE)>(NL|KR|DE) first-seen at \d+").Count);
        Assert.Equal(6, Regex.Matches(output, @"(NL|KR|DE)>(NL|KR|DE) consistent \d+->\d+").Count);
        Assert.Contains("its alerts rule pushes them to NL and KR", output, StringComparison.Ordinal);
        Assert.Contains("KR ingests KR-DEMO-ALERT-1 (POST /api/declarations): screened on ingest, 2 hits", output, StringComparison.Ordinal);
        Assert.Contains("nordvind ~ nordwind (romanisation variant)", output, StringComparison.Ordinal);
        Assert.Contains("KR sends DE the action-taken report (kind alert-action-taken", output, StringComparison.Ordinal);
        Assert.Matches(@"do you hold EORI NL800412345\?"" under nl-kr-de-seizure-reports: KR hit \(reference KR:[0-9a-f]{16}:\d+:[0-9a-f]{16};.*DE no-hit", output);
        Assert.Equal(2, Regex.Matches(output, @"(KR|DE): blinded-evaluation \{partner NL, .*count 1, .*\}: no identifier in any entry the query caused").Count);
        Assert.Matches(@"10d\. Mirror check: .* finds the planted undervaluation on .*: declared 9000 USD, the partner's export declaration states 36000 USD", output);
        Assert.Matches(@"Network at NL around container MSCU1234565 .*: \d+ nodes within 2 hops", output);
        Assert.Matches(@"11b\. Intelligence: KR imports \d+ seizures .* NL received 20, structured", output);
        Assert.Matches(@"flags EC→NL in \d{4}-\d{2}: \d+ seizures against a baseline of [\d.]+/month, p = [\d.]+ \(one-sided Poisson test\)", output);
        Assert.Contains("KR puts targeting into service: rule set kr-import-targeting 1", output, StringComparison.Ordinal);
        Assert.Matches(@"\d+ declarations of the generated set assessed in .*: red \d+, yellow \d+, blue \d+, green \d+", output);
        Assert.Matches(@"Officers inspect the \d+ red declarations and record what they find", output);
        Assert.Contains("no equivocation; cosignatures each node holds of its own checkpoints: NL 4, KR 4, DE 4; every ledger verified again: ok", output, StringComparison.Ordinal);
        Assert.Contains("NL  to KR: 1 delivered, 0 waiting, 0 failed", output, StringComparison.Ordinal);
        // KR to DE: the seizure report, the action-taken report and the 8 imported seizures whose route ends in DE; KR to NL: the
        // five of the exchange story, the 20 imported seizures whose route ends in NL and the 3 export declarations of the mirror
        // check; DE to NL and KR: its two alerts.
        Assert.Contains("KR  to DE: 10 delivered, 0 waiting, 0 failed; to NL: 28 delivered, 0 waiting, 0 failed", output, StringComparison.Ordinal);
        Assert.Contains("DE  to KR: 2 delivered, 0 waiting, 0 failed; to NL: 2 delivered, 0 waiting, 0 failed", output, StringComparison.Ordinal);
        Assert.Contains("43 messages delivered and receipted over HTTP, 0 waiting", output, StringComparison.Ordinal);
        Assert.Matches(@"Demo finished in \d+\.\d s: every step checked out\.", output);

        Assert.Empty(ServersServing(homes));
    }

    [Fact]
    public async Task The_demo_exits_non_zero_and_says_why_when_a_step_fails()
    {
        var homes = Path.Combine(folder, "taken");
        var (init, _, initError) = await Support.Cli.Run("node", "init", "--home", Path.Combine(homes, "kr"), "--code", "KR", "--name", "Already here");
        Assert.True(init == 0, initError);

        var (status, output, _) = await Support.Cli.Run("demo", "--home", homes, "--generated", "10", "--data", Path.Combine(folder, "no-data-here"));

        Assert.Equal(1, status);
        Assert.Contains("The demo stopped: `entente node init", output, StringComparison.Ordinal);
        Assert.Contains("already a node's home", output, StringComparison.Ordinal);
        Assert.DoesNotContain("every step checked out", output, StringComparison.Ordinal);
        Assert.Empty(ServersServing(homes));
    }

    private static string Line(string output, string start) =>
        output.Split('\n').FirstOrDefault(l => l.StartsWith(start, StringComparison.Ordinal)) ?? throw new Xunit.Sdk.XunitException($"no line starting '{start}' in:\n{output}");

    /// <summary>The processes still running whose command line names a home under <paramref name="homes"/> (Linux /proc).</summary>
    private static List<string> ServersServing(string homes)
    {
        var found = new List<string>();
        if (!Directory.Exists("/proc")) return found;
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), out _)) continue;
            try
            {
                var commandLine = File.ReadAllText(Path.Combine(dir, "cmdline")).Replace('\0', ' ');
                if (commandLine.Contains(homes, StringComparison.Ordinal) && commandLine.Contains(" serve ", StringComparison.Ordinal)) found.Add(commandLine);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
            }
        }
        return found;
    }
}
