using System.CommandLine;
using System.Text.Json;
using Entente.Cli;
using Entente.Tools.Generation;

namespace Entente.Tests.Cli;

/// <summary>
/// The conventions every command follows (docs/cli.md): exit 0 success, 1 refused or a check failed, 2 usage, 3 environment;
/// --json on every command, errors under --json as one JSON object; no .NET type names in what a user reads.
/// </summary>
public sealed class CliConventionsTests : IDisposable
{
    private readonly string folder = Path.Combine(Path.GetTempPath(), $"entente-conventions-{Guid.NewGuid():N}");
    private string Home => Path.Combine(folder, "home");

    public CliConventionsTests() => Directory.CreateDirectory(folder);

    public void Dispose() => Directory.Delete(folder, recursive: true);

    private async Task Init()
    {
        var (status, _, error) = await Support.Cli.Run("node", "init", "--home", Home, "--code", "NL", "--name", "Douane Nederland");
        Assert.True(status == 0, error);
    }

    /// <summary>Every command that runs something (a leaf of the tree), by its words: "declarations status".</summary>
    public static IEnumerable<string[]> Leaves()
    {
        static IEnumerable<string[]> Walk(Command command, string[] path) =>
            command.Subcommands.Count == 0 ? [path] : command.Subcommands.SelectMany(c => Walk(c, [.. path, c.Name]));
        return Walk(EntenteCli.Build(), []);
    }

    public static TheoryData<string> LeafNames() => [.. Leaves().Select(p => string.Join(' ', p))];

    private static JsonElement Error(string output)
    {
        using var json = JsonDocument.Parse(output);
        return json.RootElement.GetProperty("error").Clone();
    }

    [Fact]
    public void Every_command_has_json()
    {
        var leaves = Leaves().ToList();
        Assert.True(leaves.Count > 60, $"the walk found only {leaves.Count} commands");
        var root = EntenteCli.Build();
        var missing = leaves.Where(path =>
        {
            var command = path.Aggregate(root, (c, name) => c.Subcommands.Single(s => s.Name == name));
            return !command.Options.Any(o => o.Name == "--json" && o.ValueType == typeof(bool));
        }).Select(p => string.Join(' ', p)).ToList();
        Assert.True(missing.Count == 0, "commands without --json: " + string.Join(", ", missing));
    }

    [Theory]
    [MemberData(nameof(LeafNames))]
    public async Task Every_command_says_a_usage_error_as_json_and_exits_2(string command)
    {
        var (status, output, error) = await Support.Cli.Run([.. command.Split(' '), "--json", "--no-such-option"]);
        Assert.Equal(ExitCodes.Usage, status);
        Assert.Equal("", error);
        // The unknown option, or (where an argument took it as its value) what the command says of its line: usage, as JSON.
        var e = Error(output);
        Assert.Equal("usage", e.GetProperty("code").GetString());
        Assert.Equal(2, e.GetProperty("exit").GetInt32());
        Assert.NotEmpty(e.GetProperty("message").GetString()!);
    }

    [Fact]
    public async Task A_bad_enum_value_names_the_accepted_values_not_a_type()
    {
        await Init();
        var (status, output, error) = await Support.Cli.Run("user", "add", "--home", Home, "--name", "bob", "--role", "boss");
        Assert.Equal(ExitCodes.Usage, status);
        Assert.Equal("", output);
        Assert.Contains("--role must be one of analyst, officer, liaison, auditor, admin (got 'boss')", error, StringComparison.Ordinal);
        Assert.DoesNotContain("Entente.", error, StringComparison.Ordinal);
        Assert.DoesNotContain("System.", error, StringComparison.Ordinal);

        // A number is not a role either (the parser alone would take 7 as a value of the enum).
        (status, _, error) = await Support.Cli.Run("user", "add", "--home", Home, "--name", "bob", "--role", "7");
        Assert.Equal(ExitCodes.Usage, status);
        Assert.Contains("--role must be one of", error, StringComparison.Ordinal);
        var (_, users, _) = await Support.Cli.Run("user", "list", "--home", Home, "--json");
        Assert.DoesNotContain("bob", users, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("declarations search --home HOME --limit abc", "--limit must be a whole number (got 'abc')")]
    [InlineData("ledger prove --home HOME --entry first", "--entry must be a whole number (got 'first')")]
    [InlineData("risk lanes calibrate --home HOME --last 1e9x", "--last must be a whole number (got '1e9x')")]
    [InlineData("risk train --home HOME --learning-rate fast", "--learning-rate must be a number (e.g. 0.25) (got 'fast')")]
    public async Task A_bad_number_says_what_is_expected_not_a_type(string line, string expected)
    {
        await Init();
        var args = line.Split(' ').Select(a => a == "HOME" ? Home : a).ToArray();
        var (status, output, error) = await Support.Cli.Run(args);
        Assert.Equal(ExitCodes.Usage, status);
        Assert.Equal("", output);
        Assert.Contains(expected, error, StringComparison.Ordinal);
        Assert.DoesNotContain("System.", error, StringComparison.Ordinal);
        Assert.DoesNotContain("Int32", error, StringComparison.Ordinal);
        Assert.DoesNotContain("Int64", error, StringComparison.Ordinal);

        (status, output, _) = await Support.Cli.Run([.. args, "--json"]);
        Assert.Equal(ExitCodes.Usage, status);
        Assert.Equal(expected, Error(output).GetProperty("message").GetString());
    }

    [Fact]
    public async Task Usage_refused_and_environment_errors_have_their_own_exit_status_and_json()
    {
        await Init();
        var file = Path.Combine(folder, "batch.ndjson");
        var declarations = new DeclarationGenerator(31).Generate(3).Select(r => r.Declaration!).ToList();
        File.WriteAllLines(file, declarations.Select(Entente.Declarations.EntenteJson.Serialize));
        Assert.Equal(0, (await Support.Cli.Run("ingest", "--home", Home, file)).Status);
        var lrn = declarations[0].Lrn!;

        // Usage: an option that does not exist, a status that is not one.
        var usage = await Support.Cli.Run("declarations", "status", "--home", Home, lrn, "shipped", "--json");
        Assert.Equal(ExitCodes.Usage, usage.Status);
        Assert.Contains("goods-released", Error(usage.Output).GetProperty("message").GetString(), StringComparison.Ordinal);

        // Refused: a move the lifecycle does not allow, a reference the node does not have.
        var refused = await Support.Cli.Run("declarations", "status", "--home", Home, lrn, "cleared", "--json");
        Assert.Equal(ExitCodes.Refused, refused.Status);
        var e = Error(refused.Output);
        Assert.Equal("refused", e.GetProperty("code").GetString());
        Assert.Equal(1, e.GetProperty("exit").GetInt32());
        Assert.Contains("cannot move from received to cleared; allowed: accepted", e.GetProperty("message").GetString(), StringComparison.Ordinal);
        var text = await Support.Cli.Run("declarations", "history", "--home", Home, "NO-SUCH-LRN");
        Assert.Equal(ExitCodes.Refused, text.Status);
        Assert.Equal("", text.Output);
        Assert.StartsWith("entente: no declaration with id, MRN or LRN 'NO-SUCH-LRN'", text.Error, StringComparison.Ordinal);

        // Environment: a store that cannot be reached, a file that cannot be written.
        // A home whose recorded PostgreSQL store cannot be reached (a copy of this home pointed at a port nobody listens on).
        var away = Path.Combine(folder, "away");
        Directory.CreateDirectory(away);
        foreach (var settingsFile in Directory.GetFiles(Home, "*.json")) File.Copy(settingsFile, Path.Combine(away, Path.GetFileName(settingsFile)));
        File.WriteAllText(Path.Combine(away, "store.connection"), "Host=127.0.0.1;Port=1;Database=none;Username=none;Timeout=2");
        var settings = System.Text.Json.Nodes.JsonNode.Parse(File.ReadAllText(Path.Combine(away, "entente.json")))!;
        settings["Entente"]!["Store"] = new System.Text.Json.Nodes.JsonObject { ["Provider"] = "postgresql", ["ConnectionStringFile"] = "store.connection" };
        File.WriteAllText(Path.Combine(away, "entente.json"), settings.ToJsonString());
        var unreachable = await Support.Cli.Run("node", "show", "--home", away, "--json");
        Assert.Equal(ExitCodes.Environment, unreachable.Status);
        Assert.Equal("environment", Error(unreachable.Output).GetProperty("code").GetString());
        Assert.Contains("store", Error(unreachable.Output).GetProperty("message").GetString(), StringComparison.Ordinal);
        var unwritable = await Support.Cli.Run("partner", "export", "--home", Home, "--signed", Path.Combine(folder, "no-such-folder", "directory.cose"));
        Assert.Equal(ExitCodes.Environment, unwritable.Status);
        Assert.Contains("no-such-folder", unwritable.Error, StringComparison.Ordinal);

        // A home whose settings are broken is the environment too; a folder that is no home is a usage error.
        var broken = Path.Combine(folder, "broken");
        Directory.CreateDirectory(broken);
        File.WriteAllText(Path.Combine(broken, "entente.json"), "{ not json");
        Assert.Equal(ExitCodes.Environment, (await Support.Cli.Run("node", "show", "--home", broken)).Status);
        Assert.Equal(ExitCodes.Usage, (await Support.Cli.Run("node", "show", "--home", Path.Combine(folder, "nowhere"))).Status);
    }

    [Fact]
    public async Task Commands_that_had_no_json_print_a_json_result()
    {
        await Init();
        var file = Path.Combine(folder, "batch.ndjson");
        var declarations = new DeclarationGenerator(32).Generate(2).Select(r => r.Declaration!).ToList();
        File.WriteAllLines(file, declarations.Select(Entente.Declarations.EntenteJson.Serialize));
        Assert.Equal(0, (await Support.Cli.Run("ingest", "--home", Home, file)).Status);
        var lrn = declarations[1].Lrn!;

        var moved = await Support.Cli.Run("declarations", "status", "--home", Home, lrn, "accepted", "--actor", "inspector-7", "--json");
        Assert.Equal(0, moved.Status);
        using (var json = JsonDocument.Parse(moved.Output))
        {
            Assert.Equal("received", json.RootElement.GetProperty("from").GetString());
            Assert.Equal("accepted", json.RootElement.GetProperty("to").GetString());
        }
        var history = await Support.Cli.Run("declarations", "history", "--home", Home, lrn, "--json");
        using (var json = JsonDocument.Parse(history.Output))
            Assert.Contains(json.RootElement.GetProperty("moves").EnumerateArray(), m => m.GetProperty("actor").GetString() == "inspector-7");

        var added = await Support.Cli.Run("user", "add", "--home", Home, "--name", "alice", "--role", "officer", "--json");
        Assert.Equal(0, added.Status);
        using (var json = JsonDocument.Parse(added.Output))
        {
            Assert.Equal("officer", json.RootElement.GetProperty("role").GetString());
            Assert.StartsWith("ent_", json.RootElement.GetProperty("key").GetString() ?? "", StringComparison.Ordinal);
        }
        using (var json = JsonDocument.Parse((await Support.Cli.Run("user", "list", "--home", Home, "--json")).Output))
            Assert.Equal(["admin", "alice"], json.RootElement.EnumerateArray().Select(u => u.GetProperty("name").GetString()).Order());
        using (var json = JsonDocument.Parse((await Support.Cli.Run("node", "show", "--home", Home, "--json")).Output))
        {
            Assert.Equal("NL", json.RootElement.GetProperty("code").GetString());
            Assert.Equal(2, json.RootElement.GetProperty("declarations").GetInt64());
        }
        // A read of party data is recorded in the ledger: then there is something to sign.
        Assert.Equal(0, (await Support.Cli.Run("declarations", "show", "--home", Home, lrn, "--purpose", "investigation", "--justification", "case 7", "--json")).Status);
        var checkpoint = await Support.Cli.Run("ledger", "checkpoint", "--home", Home, "--json");
        Assert.True(checkpoint.Status == 0, checkpoint.Output + checkpoint.Error);
        using (var json = JsonDocument.Parse(checkpoint.Output))
            Assert.Contains("entente/NL/ledger", json.RootElement.GetProperty("note").GetString(), StringComparison.Ordinal);
        using (var json = JsonDocument.Parse((await Support.Cli.Run("retention", "reviews", "--home", Home, "--json")).Output))
            Assert.Equal(JsonValueKind.Array, json.RootElement.ValueKind);
        var other = Path.Combine(folder, "other");
        var init = await Support.Cli.Run("node", "init", "--home", other, "--code", "KR", "--name", "Korea Customs Service", "--json");
        using (var json = JsonDocument.Parse(init.Output))
            Assert.StartsWith("sha256:", json.RootElement.GetProperty("signingKey").GetProperty("fingerprint").GetString() ?? "", StringComparison.Ordinal);
    }

    [Fact]
    public async Task Help_answers_and_no_command_at_all_is_a_usage_error_that_shows_it()
    {
        var (status, output, _) = await Support.Cli.Run("declarations", "status", "--help");
        Assert.Equal(0, status);
        Assert.Contains("Move a declaration to a new lifecycle status", output, StringComparison.Ordinal);
        (status, output, _) = await Support.Cli.Run();
        Assert.Equal(ExitCodes.Usage, status);
        Assert.Contains("declarations", output, StringComparison.Ordinal);
    }

    [Fact]
    public void No_type_name_survives_in_an_error_message() =>
        Assert.Equal("Cannot parse argument 'x' as a whole number; or one of analyst, officer, liaison, auditor, admin",
            CliOutput.Scrub("Cannot parse argument 'x' as 'System.Int32'; or 'Entente.Access.Role'"));
}
