using System.Diagnostics;
using Entente.Ledger;
using Entente.Storage;
using Entente.Tests.Storage;
using Xunit.Abstractions;

namespace Entente.Tests.Exchange.Reliability;

/// <summary>
/// Issue 13, one database gateway per process: a disclosure's outbox row and its disclosure-prepared ledger entry commit
/// in one transaction, so a process killed anywhere leaves both or neither.
/// </summary>
[Trait("Category", "Reliability")]
[Collection(ReliabilityCollection.Name)]
public sealed class DisclosureCrashTests(ITestOutputHelper output)
{
    private const int MostStatements = 300;

    /// <summary>What a process killed with SIGKILL exits with on Unix (128 + 9).</summary>
    private const int Killed = 137;

    [StoreTheory, BothStores]
    public async Task A_disclosure_killed_between_any_two_statements_leaves_both_the_outbox_row_and_its_ledger_entry_or_neither(StorageProvider provider)
    {
        await using var postgres = provider == StorageProvider.PostgreSql ? await Evidence.CreatePostgresAsync() : null;
        await using var net = await TestNetwork.StartAsync(["NL", "KR"], database: code => code == "NL" ? postgres?.ConnectionString : null);
        var nl = net["NL"];
        // From here only the command line writes NL's database.
        await nl.KillAsync();
        var document = Path.Combine(nl.Home, "seizure.json");
        await File.WriteAllTextAsync(document, """{"seizure":{"id":"S-13","quantityKg":12}}""");

        var completedAt = 0;
        for (var n = 1; n <= MostStatements && completedAt == 0; n++)
        {
            var (status, error) = await ShareAsync(nl, document, killAt: n);
            if (status == 0) completedAt = n;
            else Assert.True(status == Killed, $"kill at statement {n}: exit {status}, not killed: {error}");
            await AssertEveryOutboxRowHasExactlyOneEntryAsync(nl, $"after a kill before statement {n}");
        }
        Assert.True(completedAt > 0, $"the disclosure did not complete within {MostStatements} statements");
        output.WriteLine($"{provider}: killed before each of statements 1 to {completedAt - 1}; completed with the hook at {completedAt}");

        var before = (await Evidence.OutboxAsync(nl)).Count;
        var (last, lastError) = await ShareAsync(nl, document, killAt: null);
        Assert.True(last == 0, lastError);
        Assert.Equal(before + 1, (await Evidence.OutboxAsync(nl)).Count);
        await AssertEveryOutboxRowHasExactlyOneEntryAsync(nl, "after a run without the hook");
    }

    private static async Task AssertEveryOutboxRowHasExactlyOneEntryAsync(Support.NodeProcess node, string when)
    {
        var outbox = (await Evidence.OutboxAsync(node)).Select(o => o.MessageId).ToHashSet(StringComparer.Ordinal);
        var prepared = await Evidence.LedgerMessagesAsync(node, LedgerKinds.DisclosurePrepared);
        foreach (var message in outbox)
            Assert.True(prepared.GetValueOrDefault(message) == 1, $"{when}: outbox row {message} has {prepared.GetValueOrDefault(message)} disclosure-prepared entries");
        foreach (var message in prepared.Keys)
            Assert.True(outbox.Contains(message), $"{when}: a disclosure-prepared entry names {message}, which is not in the outbox");
        await Evidence.AssertLedgerVerifiesAsync(node);
    }

    /// <summary>`entente exchange share` in a process of its own, killed before its N-th statement when <paramref name="killAt"/> is given.</summary>
    private static async Task<(int Status, string Error)> ShareAsync(Support.NodeProcess node, string document, int? killAt)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        string[] args =
        [
            Path.Combine(AppContext.BaseDirectory, "Entente.Cli.dll"), "exchange", "share", "--home", node.Home, "--to", "KR",
            "--category", "seizure-reports", "--purpose", "investigation", "--kind", "seizure-report", "--document", document,
        ];
        foreach (var arg in TestNetwork.WithDatabase(args, node)) start.ArgumentList.Add(arg);
        if (killAt is { } n) start.Environment["ENTENTE_FAULT_KILL_AT"] = n.ToString(System.Globalization.CultureInfo.InvariantCulture);
        using var process = Process.Start(start) ?? throw new InvalidOperationException("cannot start the command line");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        return (process.ExitCode, await stdout + await stderr);
    }
}
