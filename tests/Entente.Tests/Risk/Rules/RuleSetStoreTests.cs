using Entente.Hosting;
using Entente.Ledger;
using Entente.Risk.Rules;

namespace Entente.Tests.Risk.Rules;

public sealed class RuleSetStoreTests : IDisposable
{
    private readonly DirectoryInfo _directory = Directory.CreateTempSubdirectory("entente-risk-rules-");

    public void Dispose() => _directory.Delete(recursive: true);

    private string Home => Path.Combine(_directory.FullName, "node");

    private string Source => Path.Combine(_directory.FullName, "set");

    private static readonly string Rules = """
        ruleset "gb-targeting" version VERSION
        list risky of countries from "lists/risky.txt"
        rule tobacco "tobacco from risky origins":
          if hs starts "2402" and origin in list risky
          then red 100
        test "cigarettes from BY go red":
          given hs "240220", origin BY
          expect lane EXPECTED, fires tobacco
        """;

    private async Task InitNodeAsync() =>
        Assert.Equal(0, (await Support.Cli.Run("node", "init", "--home", Home, "--code", "GB", "--name", "HMRC")).Status);

    private void WriteSet(string version = "1", string expected = "red", string risky = "BY\nAE\n")
    {
        Directory.CreateDirectory(Path.Combine(Source, "lists"));
        File.WriteAllText(Path.Combine(Source, "targeting.rules"), Rules.Replace("VERSION", version, StringComparison.Ordinal).Replace("EXPECTED", expected, StringComparison.Ordinal));
        File.WriteAllText(Path.Combine(Source, "lists", "risky.txt"), risky);
    }

    private async Task<long> LedgerSizeAsync()
    {
        await using var ledger = LedgerStore.Open(NodeHome.Load(Home).DatabaseOrDefault, TimeProvider.System);
        return (await ledger.GetHeadAsync()).Size;
    }

    [Fact]
    public async Task Activation_stores_a_signed_version_records_it_in_the_ledger_and_puts_it_into_service()
    {
        await InitNodeAsync();
        WriteSet();
        var (status, output, error) = await Support.Cli.Run("risk", "rules", "activate", "--home", Home, Source);
        Assert.True(status == 0, output + error);
        Assert.Contains("1 test cases passed", output, StringComparison.Ordinal);

        var folder = Path.Combine(Home, "risk", "rules", "1");
        Assert.True(File.Exists(Path.Combine(folder, "targeting.rules")));
        Assert.True(File.Exists(Path.Combine(folder, "lists", "risky.txt")));
        Assert.True(File.Exists(Path.Combine(folder, RuleSetStore.SignatureFile)));

        var set = RuleSetStore.InService(Home);
        Assert.NotNull(set);
        Assert.Equal(("gb-targeting", "1"), (set.Name, set.Version));

        await using var ledger = LedgerStore.Open(NodeHome.Load(Home).DatabaseOrDefault, TimeProvider.System);
        var head = await ledger.GetHeadAsync();
        var entry = (await ledger.GetEntryAsync(head.Size - 1))!.Entry;
        Assert.Equal(RuleSetStore.LedgerKind, entry.Kind);
        Assert.Equal(set.Digest, entry.Body["digest"]!.GetValue<string>());
        Assert.Equal("1", entry.Body["version"]!.GetValue<string>());

        (status, output, _) = await Support.Cli.Run("risk", "rules", "list", "--home", Home);
        Assert.Equal(0, status);
        Assert.Contains("(in service)", output, StringComparison.Ordinal);
        (status, output, _) = await Support.Cli.Run("risk", "rules", "show", "--home", Home);
        Assert.Equal(0, status);
        Assert.Contains("signature verified", output, StringComparison.Ordinal);
        Assert.Contains("Rule:   tobacco", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_failing_test_case_blocks_activation_and_nothing_is_written()
    {
        await InitNodeAsync();
        WriteSet(expected: "green");
        var size = await LedgerSizeAsync();
        var (status, output, error) = await Support.Cli.Run("risk", "rules", "activate", "--home", Home, Source);
        Assert.Equal(1, status);
        Assert.Contains("FAIL cigarettes from BY go red", output, StringComparison.Ordinal);
        Assert.Contains("targeting.rules:6: test \"cigarettes from BY go red\" failed: expected lane green, got red", error, StringComparison.Ordinal);
        Assert.Contains("nothing changed", error, StringComparison.Ordinal);
        Assert.False(Directory.Exists(Path.Combine(Home, "risk", "rules", "1")));
        Assert.Null(RuleSetStore.InService(Home));
        Assert.Equal(size, await LedgerSizeAsync());
    }

    [Fact]
    public async Task A_set_that_refers_to_an_unknown_field_is_refused_with_its_line_and_nothing_changes()
    {
        await InitNodeAsync();
        WriteSet();
        Assert.Equal(0, (await Support.Cli.Run("risk", "rules", "activate", "--home", Home, Source)).Status);
        File.WriteAllText(Path.Combine(Source, "targeting.rules"), Rules.Replace("VERSION", "2", StringComparison.Ordinal).Replace("EXPECTED", "red", StringComparison.Ordinal).Replace("origin in list", "origen in list", StringComparison.Ordinal));
        var (status, _, error) = await Support.Cli.Run("risk", "rules", "activate", "--home", Home, Source);
        Assert.Equal(1, status);
        Assert.Contains("targeting.rules:4:27: unknown field 'origen' (did you mean origin?)", error, StringComparison.Ordinal);
        Assert.Equal("1", RuleSetStore.InServiceVersion(Home));
        Assert.False(Directory.Exists(Path.Combine(Home, "risk", "rules", "2")));
    }

    [Fact]
    public async Task A_stored_rule_set_changed_after_signing_is_refused_at_load()
    {
        await InitNodeAsync();
        WriteSet();
        Assert.Equal(0, (await Support.Cli.Run("risk", "rules", "activate", "--home", Home, Source)).Status);
        var list = Path.Combine(Home, "risk", "rules", "1", "lists", "risky.txt");
        File.WriteAllText(list, "AE\n");
        var e = Assert.Throws<InvalidDataException>(() => RuleSetStore.InService(Home));
        Assert.Contains("risky.txt: the file is not the one signed", e.Message, StringComparison.Ordinal);

        File.WriteAllText(list, "BY\nAE\n");
        Assert.NotNull(RuleSetStore.InService(Home));
        var manifest = Path.Combine(Home, "risk", "rules", "1", RuleSetStore.ManifestFile);
        File.WriteAllText(manifest, File.ReadAllText(manifest).Replace("\"rules\": 1", "\"rules\": 2", StringComparison.Ordinal));
        e = Assert.Throws<InvalidDataException>(() => RuleSetStore.InService(Home));
        Assert.Contains("the signature does not match", e.Message, StringComparison.Ordinal);
        var (status, _, error) = await Support.Cli.Run("risk", "rules", "show", "--home", Home);
        Assert.Equal(1, status);
        Assert.Contains("signature does not match", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_version_is_never_stored_twice_with_different_content()
    {
        await InitNodeAsync();
        WriteSet();
        Assert.Equal(0, (await Support.Cli.Run("risk", "rules", "activate", "--home", Home, Source)).Status);
        WriteSet(risky: "BY\nAE\nID\n");
        var (status, _, error) = await Support.Cli.Run("risk", "rules", "activate", "--home", Home, Source);
        Assert.Equal(1, status);
        Assert.Contains("version 1 is stored already with another content", error, StringComparison.Ordinal);
        WriteSet(version: "2", risky: "BY\nAE\nID\n");
        Assert.Equal(0, (await Support.Cli.Run("risk", "rules", "activate", "--home", Home, Source)).Status);
        Assert.Equal(["1", "2"], RuleSetStore.List(Home).Select(s => s.Version));
        Assert.Equal("2", RuleSetStore.InService(Home)!.Version);
    }

    [Fact]
    public void A_bad_entry_in_a_list_file_is_refused_naming_the_list_file_and_line()
    {
        WriteSet(risky: "BY\n# comment\nBelarus\n");
        var e = Assert.Throws<RuleSetException>(() => RuleSetFile.Load(Source));
        var error = Assert.Single(e.Errors);
        Assert.Equal(("lists/risky.txt", 3), (error.File, error.Line));
        Assert.Contains("'Belarus' is not a country code", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_list_file_outside_the_rule_sets_folder_is_refused()
    {
        Directory.CreateDirectory(Source);
        File.WriteAllText(Path.Combine(Source, "a.rules"), "ruleset x version 1\nlist l from \"../secret.txt\"\nrule r \"r\": if origin in list l then red\n");
        var e = Assert.Throws<RuleSetException>(() => RuleSetFile.Load(Source));
        Assert.Contains("outside the rule set's folder", e.Errors[0].Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Validate_prints_each_problem_as_file_line_column_and_exits_non_zero()
    {
        Directory.CreateDirectory(Source);
        var file = Path.Combine(Source, "bad.rules");
        File.WriteAllText(file, "ruleset x version 1\nrule r \"r\": if origin in list nowhere then red\n");
        var (status, _, error) = await Support.Cli.Run("risk", "rules", "validate", file);
        Assert.Equal(1, status);
        Assert.Contains("bad.rules:2:16: unknown list 'nowhere'", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_example_rule_set_in_the_docs_passes_its_own_tests()
    {
        var (status, output, error) = await Support.Cli.Run("risk", "rules", "test", Path.Combine(Support.SharedData.RepositoryRoot, "docs", "risk", "rules"));
        Assert.True(status == 0, output + error);
        Assert.Contains("7 passed, 0 failed", output, StringComparison.Ordinal);
    }
}
