using Entente.Tests.Exchange;

namespace Entente.Tests.Conformance;

/// <summary>`entente conformance` against real node processes (docs/protocol.md §13.2): ours passes; a node that breaks the protocol does not.</summary>
public sealed class LiveConformanceTests
{
    private static readonly Dictionary<string, string> FastCheckpoints = new() { ["Entente__Witness__Every"] = "00:00:01" };

    [Fact]
    public async Task Our_node_passes_the_suite_run_by_a_partner_it_trusts()
    {
        await using var network = await TestNetwork.StartAsync(["NL", "KR"], FastCheckpoints);
        await WaitForCheckpointAsync(network, "KR");
        var (status, output, error) = await Support.Cli.Run("conformance", "--target", network["KR"].BaseAddress.ToString(), "--as", network["NL"].Home);
        Assert.True(status == 0, $"{status}\n{output}\n{error}\n--- KR\n{network["KR"].Log}");
        Assert.Contains(" 0 failed", output, StringComparison.Ordinal);
        foreach (var expected in new[] { "refused replay", "refused bad-signature", "refused wrong-recipient", "refused expired", "refused too-large", "refused undecryptable", "receipt valid", "same receipt" })
            Assert.Contains(expected, output, StringComparison.Ordinal);
        Assert.Contains("checkpoint: GET /api/ledger/checkpoint", output, StringComparison.Ordinal);
        // Every refusal came with a negative receipt signed by KR that names the refused envelope and the code.
        Assert.True(output.Split('\n').Count(l => l.Contains("a negative receipt that verifies", StringComparison.Ordinal)) >= 10, output);

        // The target recorded what the suite did: the valid message arrived, the refusals are in its refusals list.
        using var liaison = network.Liaison("KR");
        var exchange = await liaison.GetStringAsync("/api/exchange/status");
        Assert.Contains("bad-signature", exchange, StringComparison.Ordinal);
        Assert.Contains("replay", exchange, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_node_that_does_not_trust_the_partner_fails_the_suite_with_the_reason()
    {
        // KR has no agreement with ZA: the suite's valid message is refused, so the run fails and says so.
        await using var network = await TestNetwork.StartAsync(["NL", "KR"]);
        await using var stranger = await Support.NodeProcess.StartAsync(code: "ZA");
        TestNetwork.WriteAgreement([network["NL"], stranger], File.ReadAllText(Path.Combine(Support.SharedData.RepositoryRoot, "tests", "Entente.Tests", "Exchange", "Samples", "network.yaml"))
            .Replace("agreement: test-network", "agreement: test-other", StringComparison.Ordinal));
        // ZA acts towards NL (which has no partner entry for ZA): every envelope is from an unknown sender.
        var (status, output, _) = await Support.Cli.Run("conformance", "--target", network["NL"].BaseAddress.ToString(), "--as", stranger.Home, "--agreement", "test-other");
        Assert.Equal(1, status);
        Assert.Contains("FAIL", output, StringComparison.Ordinal);
        Assert.Contains("unknown-sender", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Without_an_agreement_naming_the_target_the_suite_stops_at_the_identity_check()
    {
        await using var target = await Support.NodeProcess.StartAsync(code: "KR");
        await using var partner = await Support.NodeProcess.StartAsync(code: "NL");
        var (status, output, _) = await Support.Cli.Run("conformance", "--target", target.BaseAddress.ToString(), "--as", partner.Home);
        Assert.Equal(1, status);
        Assert.Contains("an agreement in force", output, StringComparison.Ordinal);
    }

    private static async Task WaitForCheckpointAsync(TestNetwork network, string code)
    {
        using var client = network[code].Client();
        await network.EventuallyAsync(async () => (await client.GetAsync("/api/ledger/checkpoint")).IsSuccessStatusCode, 60, $"{code} signing a checkpoint");
    }
}
