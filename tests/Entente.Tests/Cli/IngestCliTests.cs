using System.Diagnostics;
using System.Text.Json;
using Entente.Declarations;
using Entente.Tools.Generation;

namespace Entente.Tests.Cli;

/// <summary>`entente ingest` tells the truth: every file counted, the reject report in the home, stdin and directories, findings.</summary>
public sealed class IngestCliTests : IDisposable
{
    private readonly string folder = Path.Combine(Path.GetTempPath(), $"entente-ingest-cli-{Guid.NewGuid():N}");
    private string Home => Path.Combine(folder, "home");

    public IngestCliTests() => Directory.CreateDirectory(folder);

    public void Dispose() => Directory.Delete(folder, recursive: true);

    private async Task Init()
    {
        var (status, _, error) = await Support.Cli.Run("node", "init", "--home", Home, "--code", "NL", "--name", "Douane Nederland");
        Assert.True(status == 0, error);
    }

    private string WriteNdjson(string name, IEnumerable<Declaration> declarations)
    {
        var path = Path.Combine(folder, name);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllLines(path, declarations.Select(EntenteJson.Serialize));
        return path;
    }

    private static List<Declaration> Generate(int seed, int count) => new DeclarationGenerator(seed).Generate(count).Select(r => r.Declaration!).ToList();

    private async Task<int> StoredAsync()
    {
        var (_, search, _) = await Support.Cli.Run("declarations", "search", "--home", Home, "--limit", "1000", "--json");
        return JsonDocument.Parse(search).RootElement.GetProperty("items").GetArrayLength();
    }

    [Fact]
    public async Task The_total_counts_every_file_including_the_ones_that_fail_as_files()
    {
        await Init();
        var good = WriteNdjson("good.ndjson", Generate(31, 3));
        var empty = Path.Combine(folder, "empty.xml");
        File.WriteAllText(empty, "");
        var malformed = Path.Combine(folder, "malformed.xml");
        File.WriteAllText(malformed, "<Declaration xmlns=\"urn:wco:datamodel:WCO:DEC-DMS:2\"><FunctionCode>9</FunctionCode>");
        var missing = Path.Combine(folder, "missing.xml");
        var emptyFolder = Directory.CreateDirectory(Path.Combine(folder, "nothing-here")).FullName;

        var (status, output, error) = await Support.Cli.Run("ingest", "--home", Home, good, empty, malformed, missing, emptyFolder);

        Assert.Equal(1, status);
        Assert.Contains("Total: 5 files (1 stored, 4 failed); 3 accepted, 0 rejected, 0 duplicates", output, StringComparison.Ordinal);
        Assert.Contains($"{missing}: failed, cannot open the file: no such file", output, StringComparison.Ordinal);
        Assert.Contains($"{emptyFolder}: failed, the directory holds no files", output, StringComparison.Ordinal);
        Assert.Contains($"{malformed}:", error, StringComparison.Ordinal);

        (status, output, _) = await Support.Cli.Run("ingest", "--home", Home, "--json", good, empty, malformed, missing, emptyFolder);
        Assert.Equal(1, status);
        using var json = JsonDocument.Parse(output);
        Assert.Equal(5, json.RootElement.GetProperty("totalFiles").GetInt32());
        Assert.Equal(4, json.RootElement.GetProperty("failedFiles").GetInt32());
        var files = json.RootElement.GetProperty("files").EnumerateArray()
            .ToDictionary(f => f.GetProperty("file").GetString()!, f => f.GetProperty("outcome").GetString());
        Assert.Equal(new Dictionary<string, string?> { [good] = "stored", [empty] = "failed", [malformed] = "failed", [missing] = "failed", [emptyFolder] = "failed" }, files);
        Assert.Equal(3, json.RootElement.GetProperty("files")[0].GetProperty("duplicates").GetInt64());
        Assert.Contains("empty", json.RootElement.GetProperty("files")[1].GetProperty("problem").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_reject_report_goes_to_the_home_with_a_timestamped_name_and_its_path_is_printed()
    {
        await Init();
        var declarations = Generate(32, 4);
        declarations[2].TypeCode = new string('X', 40);
        var file = WriteNdjson("bad.ndjson", declarations);

        var (status, output, _) = await Support.Cli.Run("ingest", "--home", Home, "--partial", file);

        Assert.Equal(1, status);
        var report = Assert.Single(Directory.GetFiles(Path.Combine(Home, "rejects")));
        Assert.Matches(@"ingest-\d{8}T\d{6}Z\.json$", report);
        Assert.Contains($"Reject report: {report}", output, StringComparison.Ordinal);
        using var json = JsonDocument.Parse(File.ReadAllText(report));
        Assert.Equal("/typeCode", json.RootElement.GetProperty("errors")[0].GetProperty("path").GetString());
        Assert.Equal(3, await StoredAsync());

        // A run with nothing refused leaves no report behind.
        (status, _, _) = await Support.Cli.Run("ingest", "--home", Home, WriteNdjson("good.ndjson", Generate(33, 2)));
        Assert.Equal(0, status);
        Assert.Single(Directory.GetFiles(Path.Combine(Home, "rejects")));
    }

    [Fact]
    public async Task An_unwritable_reject_report_path_stops_the_ingest_before_anything_is_stored()
    {
        await Init();
        var declarations = Generate(34, 4);
        declarations[1].TypeCode = new string('X', 40);
        var file = WriteNdjson("bad.ndjson", declarations);
        var blocker = Path.Combine(folder, "a-file");
        File.WriteAllText(blocker, "not a folder");
        var rejects = Path.Combine(blocker, "rejects.json");

        var (status, output, error) = await Support.Cli.Run("ingest", "--home", Home, "--partial", "--rejects", rejects, file);

        Assert.Equal(3, status);
        Assert.Contains($"the reject report cannot be written to {rejects}", error, StringComparison.Ordinal);
        Assert.Contains("nothing was stored", error, StringComparison.Ordinal);
        Assert.Equal("", output);
        Assert.Equal(0, await StoredAsync());

        (status, output, _) = await Support.Cli.Run("ingest", "--home", Home, "--partial", "--rejects", rejects, "--json", file);
        Assert.Equal(3, status);
        Assert.Contains("cannot be written", JsonDocument.Parse(output).RootElement.GetProperty("error").GetProperty("message").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Ingest_of_a_directory_takes_the_files_in_it_in_name_order_and_not_its_subdirectories()
    {
        await Init();
        var inbox = Path.Combine(folder, "inbox");
        var b = WriteNdjson(Path.Combine("inbox", "b.ndjson"), Generate(35, 2));
        var a = WriteNdjson(Path.Combine("inbox", "a.ndjson"), Generate(36, 2));
        var upper = WriteNdjson(Path.Combine("inbox", "C.ndjson"), Generate(37, 1));
        WriteNdjson(Path.Combine("inbox", "old", "z.ndjson"), Generate(38, 5));
        File.WriteAllText(Path.Combine(inbox, ".lock"), "");

        var (status, output, error) = await Support.Cli.Run("ingest", "--home", Home, "--json", inbox);

        Assert.True(status == 0, error + output);
        using var json = JsonDocument.Parse(output);
        Assert.Equal([upper, a, b], json.RootElement.GetProperty("files").EnumerateArray().Select(f => f.GetProperty("file").GetString()));
        Assert.Equal(5, json.RootElement.GetProperty("accepted").GetInt64());
        Assert.Equal(5, await StoredAsync());
    }

    [Fact]
    public async Task Ingest_dash_reads_the_declarations_from_standard_input()
    {
        await Init();
        var declarations = Generate(39, 4);
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in new[] { Path.Combine(AppContext.BaseDirectory, "Entente.Cli.dll"), "ingest", "--home", Home, "--json", "-" })
            start.ArgumentList.Add(argument);
        using var process = Process.Start(start)!;
        foreach (var d in declarations) await process.StandardInput.WriteLineAsync(EntenteJson.Serialize(d));
        process.StandardInput.Close();
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();

        Assert.True(process.ExitCode == 0, await error + await output);
        using var json = JsonDocument.Parse(await output);
        Assert.Equal(4, json.RootElement.GetProperty("accepted").GetInt64());
        var file = Assert.Single(json.RootElement.GetProperty("files").EnumerateArray());
        Assert.Equal(("-", "json"), (file.GetProperty("file").GetString(), file.GetProperty("format").GetString()));
        Assert.Equal(4, await StoredAsync());
    }

    [Fact]
    public async Task Format_edifact_on_an_xml_file_says_once_what_is_wrong()
    {
        await Init();
        var xml = Path.Combine(folder, "declaration.xml");
        File.WriteAllText(xml, "<?xml version=\"1.0\"?>\n<Declaration xmlns=\"urn:wco:datamodel:WCO:DEC-DMS:2\"/>\n");

        var (status, output, error) = await Support.Cli.Run("ingest", "--home", Home, "--format", "edifact", xml);

        Assert.Equal(1, status);
        Assert.Contains($"{xml}: failed, this is not an EDIFACT file: it begins with '<', like XML (--format wco-xml)", output, StringComparison.Ordinal);
        Assert.DoesNotContain("segment 1: segment 1", output + error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Findings_are_counted_stored_searchable_and_refused_under_strict()
    {
        await Init();
        var declarations = Generate(40, 3);
        declarations[1].GoodsShipment.Consignment.Containers = [new Container { Id = "AD12345" }];
        var file = WriteNdjson("findings.ndjson", declarations);

        var (status, output, error) = await Support.Cli.Run("ingest", "--home", Home, "--strict", file);
        Assert.Equal(1, status);
        Assert.Contains("refused by --strict", error, StringComparison.Ordinal);
        Assert.Equal(0, await StoredAsync());

        (status, output, error) = await Support.Cli.Run("ingest", "--home", Home, file);
        Assert.True(status == 0, error + output);
        Assert.Contains("Findings on 1 stored declarations (kept; declarations search --finding CODE): container-check-digit 1", output, StringComparison.Ordinal);

        (status, output, _) = await Support.Cli.Run("declarations", "search", "--home", Home, "--finding", "container-check-digit", "--json");
        Assert.Equal(0, status);
        var hit = Assert.Single(JsonDocument.Parse(output).RootElement.GetProperty("items").EnumerateArray());
        Assert.Equal(declarations[1].Lrn, hit.GetProperty("lrn").GetString());

        (status, output, _) = await Support.Cli.Run("declarations", "show", "--home", Home, declarations[1].Lrn!);
        Assert.Equal(0, status);
        Assert.Contains("\"container-check-digit\"", output, StringComparison.Ordinal);

        (status, _, error) = await Support.Cli.Run("declarations", "search", "--home", Home, "--finding", "no-such-finding");
        Assert.Equal(2, status);
        Assert.Contains("not a finding code", error, StringComparison.Ordinal);
    }

    /// <summary>The node's Entente:Ingest settings, as an administration writes them into HOME/entente.json.</summary>
    private void Configure(string ingest)
    {
        var config = Path.Combine(Home, "entente.json");
        var root = System.Text.Json.Nodes.JsonNode.Parse(File.ReadAllText(config))!;
        root["Entente"]!["Ingest"] = System.Text.Json.Nodes.JsonNode.Parse(ingest);
        File.WriteAllText(config, root.ToJsonString());
    }

    private const string SarsCusdec =
        "UNA:+.? '\nUNB+UNOC:3+ZA1234567:ZZ+ZASARS:ZZ+250301:0800+ZA0001'\nUNH+1+CUSDEC:D:96B:UN'\nBGM+929+ZA-LRN-7+9'\n" +
        "NAD+IM+ZA0123456789++Cape Imports (Pty) Ltd+1 Dock Road+Cape Town++8001+ZA'\nMOA+39:152000.00'\nCUX+++18.2514'\n" +
        "UNS+D'\nCST+1+851762:HS:ZZZ'\nMEA+AAE+AAA+KGM:310'\nMOA+40:152000.00'\nUNS+S'\nUNT+11+1'\nUNZ+1+ZA0001'\n";

    [Fact]
    public async Task The_nodes_national_currency_and_refused_findings_come_from_its_home()
    {
        await Init();
        var edi = Path.Combine(folder, "sars.edi");
        File.WriteAllText(edi, SarsCusdec);

        var (status, _, error) = await Support.Cli.Run("ingest", "--home", Home, edi);
        Assert.Equal(1, status);
        Assert.Contains("Entente:Ingest:NationalCurrency", error, StringComparison.Ordinal);

        Configure("""{"NationalCurrency": "ZAR", "Refuse": ["unknown-country"]}""");
        (status, var output, error) = await Support.Cli.Run("ingest", "--home", Home, edi);
        Assert.True(status == 0, error + output);
        Assert.Contains("implied-currency 2", output, StringComparison.Ordinal);
        (_, output, _) = await Support.Cli.Run("declarations", "show", "--home", Home, "ZA-LRN-7");
        Assert.Contains("\"ZAR\"", output, StringComparison.Ordinal);
        Assert.Contains("implied-currency", output, StringComparison.Ordinal);

        var declarations = Generate(41, 2);
        declarations[0].GoodsShipment.GoodsItems[0].OriginCountryCode = "ZG";
        (status, _, error) = await Support.Cli.Run("ingest", "--home", Home, WriteNdjson("zg.ndjson", declarations));
        Assert.Equal(1, status);
        Assert.Contains("(finding unknown-country, refused by this node's Entente:Ingest:Refuse)", error, StringComparison.Ordinal);

        Configure("""{"NationalCurrency": "RAND"}""");
        (status, _, error) = await Support.Cli.Run("ingest", "--home", Home, edi);
        Assert.NotEqual(0, status);
        Assert.Contains("NationalCurrency: expected an ISO 4217 currency code", error, StringComparison.Ordinal);
    }
}
