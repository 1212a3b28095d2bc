using System.Text.Json;
using Entente.Declarations;
using Entente.Tools.Generation;

namespace Entente.Tests.Cli;

/// <summary>The command line as a user runs it (in process, reading what it prints and its exit status).</summary>
public sealed class CliTests : IDisposable
{
    private readonly string folder = Path.Combine(Path.GetTempPath(), $"entente-cli-{Guid.NewGuid():N}");
    private string Home => Path.Combine(folder, "home");

    public CliTests() => Directory.CreateDirectory(folder);

    public void Dispose() => Directory.Delete(folder, recursive: true);

    private async Task Init()
    {
        var (status, output, error) = await Support.Cli.Run("node", "init", "--home", Home, "--code", "NL", "--name", "Douane Nederland");
        Assert.True(status == 0, error);
        Assert.Contains("Administrator API key", output, StringComparison.Ordinal);
    }

    private string WriteNdjson(string name, IEnumerable<Entente.Declarations.Declaration> declarations)
    {
        var path = Path.Combine(folder, name);
        File.WriteAllLines(path, declarations.Select(EntenteJson.Serialize));
        return path;
    }

    [Fact]
    public async Task Node_init_creates_a_home_and_refuses_to_overwrite_it()
    {
        await Init();
        Assert.True(File.Exists(Path.Combine(Home, "entente.json")));
        Assert.True(File.Exists(Path.Combine(Home, "entente.db")));
        var (status, _, error) = await Support.Cli.Run("node", "init", "--home", Home, "--code", "NL", "--name", "Again");
        Assert.Equal(1, status);
        Assert.Contains("already a node's home", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Node_init_refuses_a_code_that_is_not_a_country_code()
    {
        var (status, _, error) = await Support.Cli.Run("node", "init", "--home", Home, "--code", "netherlands", "--name", "X");
        Assert.Equal(2, status);
        Assert.Contains("ISO country code", error, StringComparison.Ordinal);
        Assert.False(Directory.Exists(Home));
    }

    [Fact]
    public async Task Commands_on_a_folder_that_is_not_a_home_say_how_to_make_one()
    {
        var (status, _, error) = await Support.Cli.Run("declarations", "search", "--home", Path.Combine(folder, "nowhere"));
        Assert.Equal(2, status);
        Assert.Contains("node init", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Ingest_prints_the_json_result_and_exits_zero_then_reports_duplicates()
    {
        await Init();
        var file = WriteNdjson("batch.ndjson", new DeclarationGenerator(21).Generate(30).Select(r => r.Declaration!));
        var (status, output, error) = await Support.Cli.Run("ingest", "--home", Home, "--json", file);
        Assert.True(status == 0, error + output);
        using (var json = JsonDocument.Parse(output))
        {
            Assert.Equal(30, json.RootElement.GetProperty("accepted").GetInt64());
            Assert.Equal(0, json.RootElement.GetProperty("rejected").GetInt64());
            Assert.Equal(0, json.RootElement.GetProperty("duplicates").GetInt64());
            Assert.Empty(json.RootElement.GetProperty("errors").EnumerateArray());
        }
        (status, output, _) = await Support.Cli.Run("ingest", "--home", Home, "--json", file);
        Assert.Equal(0, status);
        using (var json = JsonDocument.Parse(output))
        {
            Assert.Equal(0, json.RootElement.GetProperty("accepted").GetInt64());
            Assert.Equal(30, json.RootElement.GetProperty("duplicates").GetInt64());
        }
    }

    [Fact]
    public async Task Ingest_of_a_file_with_a_bad_record_stores_nothing_and_exits_one()
    {
        await Init();
        var declarations = new DeclarationGenerator(22).Generate(5).Select(r => r.Declaration!).ToList();
        // No reference at all is a refusal; a negative mass would be a finding, kept (docs/formats/findings.md).
        (declarations[3].Lrn, declarations[3].Mrn) = (null, null);
        var file = WriteNdjson("bad.ndjson", declarations);
        var (status, output, _) = await Support.Cli.Run("ingest", "--home", Home, "--json", file);
        Assert.Equal(1, status);
        using var json = JsonDocument.Parse(output);
        Assert.Equal(0, json.RootElement.GetProperty("accepted").GetInt64());
        Assert.Equal(1, json.RootElement.GetProperty("rejected").GetInt64());
        var error = Assert.Single(json.RootElement.GetProperty("errors").EnumerateArray());
        Assert.Equal(file, error.GetProperty("file").GetString());
        Assert.Equal(4, error.GetProperty("line").GetInt64());
        Assert.Contains("lrn", error.GetProperty("path").GetString(), StringComparison.Ordinal);

        var (_, search, _) = await Support.Cli.Run("declarations", "search", "--home", Home, "--json");
        using var page = JsonDocument.Parse(search);
        Assert.Empty(page.RootElement.GetProperty("items").EnumerateArray());
    }

    [Fact]
    public async Task Partial_ingest_keeps_the_good_records_and_writes_a_reject_report()
    {
        await Init();
        var declarations = new DeclarationGenerator(23).Generate(6).Select(r => r.Declaration!).ToList();
        declarations[0].TypeCode = new string('X', 40);
        var file = WriteNdjson("partial.ndjson", declarations);
        var rejects = Path.Combine(folder, "rejects.json");
        var (status, output, _) = await Support.Cli.Run("ingest", "--home", Home, "--partial", "--rejects", rejects, file);
        Assert.Equal(1, status);
        Assert.Contains("5 accepted, 1 rejected", output, StringComparison.Ordinal);
        using var report = JsonDocument.Parse(File.ReadAllText(rejects));
        Assert.Equal("/typeCode", report.RootElement.GetProperty("errors")[0].GetProperty("path").GetString());
    }

    [Fact]
    public async Task Search_show_status_and_history_work_on_what_was_ingested()
    {
        await Init();
        var declarations = new DeclarationGenerator(24).Generate(40).Select(r => r.Declaration!).ToList();
        var file = WriteNdjson("batch.ndjson", declarations);
        Assert.Equal(0, (await Support.Cli.Run("ingest", "--home", Home, file)).Status);

        var target = declarations[11];
        var hs = target.GoodsShipment.GoodsItems[0].Classification!.Code[..4];
        var (status, output, _) = await Support.Cli.Run("declarations", "search", "--home", Home, "--hs", hs, "--limit", "1000", "--json");
        Assert.Equal(0, status);
        using (var page = JsonDocument.Parse(output))
        {
            var expected = declarations.Count(d => d.GoodsShipment.GoodsItems.Any(i => i.Classification!.Code.StartsWith(hs, StringComparison.Ordinal)));
            Assert.Equal(expected, page.RootElement.GetProperty("items").GetArrayLength());
        }

        (status, output, _) = await Support.Cli.Run("declarations", "show", "--home", Home, target.Lrn!);
        Assert.Equal(0, status);
        Assert.Contains(target.Lrn!, output, StringComparison.Ordinal);
        Assert.Contains("\"status\": \"received\"", output, StringComparison.Ordinal);

        Assert.Equal(0, (await Support.Cli.Run("declarations", "status", "--home", Home, target.Lrn!, "accepted", "--actor", "inspector-7")).Status);
        var (refused, _, error) = await Support.Cli.Run("declarations", "status", "--home", Home, target.Lrn!, "09");
        Assert.Equal(1, refused);
        Assert.Contains("cannot move from accepted to cleared", error, StringComparison.Ordinal);

        (_, output, _) = await Support.Cli.Run("declarations", "history", "--home", Home, target.Lrn!);
        Assert.Contains("inspector-7", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Show_and_search_withhold_party_data_unless_a_purpose_and_justification_are_given()
    {
        await Init();
        var declarations = new DeclarationGenerator(25).Generate(5).Select(r => r.Declaration!).ToList();
        Assert.Equal(0, (await Support.Cli.Run("ingest", "--home", Home, WriteNdjson("batch.ndjson", declarations))).Status);
        var target = declarations[2];
        var declarant = target.FindParty(Entente.Declarations.PartyRole.Declarant)!.Id!;

        var (status, output, _) = await Support.Cli.Run("declarations", "show", "--home", Home, target.Lrn!);
        Assert.Equal(0, status);
        Assert.DoesNotContain(declarant, output, StringComparison.Ordinal);
        Assert.Contains("\"withheld\"", output, StringComparison.Ordinal);

        (status, output, _) = await Support.Cli.Run("declarations", "show", "--home", Home, target.Lrn!, "--purpose", "investigation", "--justification", "case 88");
        Assert.Equal(0, status);
        Assert.Contains(declarant, output, StringComparison.Ordinal);

        var (refused, _, error) = await Support.Cli.Run("declarations", "show", "--home", Home, target.Lrn!, "--purpose", "gossip", "--justification", "x");
        Assert.Equal(2, refused);
        Assert.Contains("'gossip' is not a purpose", error, StringComparison.Ordinal);

        (refused, _, error) = await Support.Cli.Run("declarations", "search", "--home", Home, "--party", declarant);
        Assert.Equal(2, refused);
        Assert.Contains("--purpose", error, StringComparison.Ordinal);
        (status, output, _) = await Support.Cli.Run("declarations", "search", "--home", Home, "--party", declarant, "--purpose", "risk-management", "--justification", "profile", "--json");
        Assert.Equal(0, status);
        Assert.Contains(target.Lrn!, output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Ingest_refuses_an_xml_external_entity_attack_and_stores_nothing()
    {
        await Init();
        var attack = Path.Combine(folder, "attack.xml");
        File.WriteAllText(attack, """
            <?xml version="1.0"?>
            <!DOCTYPE Declaration [<!ENTITY secret SYSTEM "file:///etc/passwd">]>
            <Declaration xmlns="urn:wco:datamodel:WCO:DEC-DMS:2"><FunctionalReferenceID>&secret;</FunctionalReferenceID></Declaration>
            """);
        var (status, output, _) = await Support.Cli.Run("ingest", "--home", Home, "--json", attack);
        Assert.Equal(1, status);
        Assert.DoesNotContain("root:", output, StringComparison.Ordinal);
        using var json = JsonDocument.Parse(output);
        var error = Assert.Single(json.RootElement.GetProperty("errors").EnumerateArray());
        Assert.Contains("DTD", error.GetProperty("message").GetString(), StringComparison.OrdinalIgnoreCase);
        Assert.Equal(2, error.GetProperty("line").GetInt64());
        var (_, search, _) = await Support.Cli.Run("declarations", "search", "--home", Home, "--json");
        Assert.Empty(JsonDocument.Parse(search).RootElement.GetProperty("items").EnumerateArray());
    }

    [Fact]
    public async Task Ingest_refuses_a_csv_without_a_mapping_and_an_unknown_format_name()
    {
        await Init();
        var csv = Path.Combine(folder, "extract.csv");
        File.WriteAllText(csv, "a,b\n1,2\n");
        var (status, _, error) = await Support.Cli.Run("ingest", "--home", Home, csv);
        Assert.Equal(1, status);
        Assert.Contains("mapping", error, StringComparison.Ordinal);
        (status, _, error) = await Support.Cli.Run("ingest", "--home", Home, "--format", "pdf", csv);
        Assert.NotEqual(0, status);
        Assert.Contains("pdf", error, StringComparison.Ordinal);
    }
}
