using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Text.Json;
using Entente.Common;
using Entente.Declarations;
using Entente.Generation;
using Entente.Ingest;
using Entente.Ingest.Csv;
using Entente.Ingest.Edifact;
using Entente.Ingest.WcoXml;
using Entente.Nodes;
using Entente.Storage;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Logging;

namespace Entente.Cli.Demo;

/// <summary>
/// The main job, end to end on one machine: a node is created, takes in a national extract and declarations
/// in the other formats, refuses bad input with pointers, detects duplicates, summarises, and serves its API.
/// </summary>
internal static class DemoCommand
{
    private const string KoreanDataSet = "customs-import-declarations";

    public static Command Create()
    {
        var home = new Option<string?>("--home") { Description = "Keep the demo node in this folder (default: a temporary folder, removed at the end)" };
        var generated = new Option<int>("--generated") { Description = "How many generated declarations to add per format", DefaultValueFactory = _ => 2000 };
        var data = new Option<string>("--data")
        {
            Description = "Where the public data sets are (default: $ENTENTE_DATA, else ../shared/data)",
            DefaultValueFactory = _ => Environment.GetEnvironmentVariable("ENTENTE_DATA") is { Length: > 0 } d ? d : Path.GetFullPath(Path.Combine("..", "shared", "data")),
        };
        var command = new Command("demo", "Run the demonstration: create a node, ingest declarations in every format, search, serve") { home, generated, data };
        command.SetAction(async (parse, ct) =>
        {
            var keep = parse.GetValue(home);
            var folder = keep is not null ? Path.GetFullPath(keep) : Path.Combine(Path.GetTempPath(), $"entente-demo-{Guid.NewGuid():N}");
            try
            {
                return await RunAsync(folder, parse.GetValue(data)!, parse.GetValue(generated), parse.InvocationConfiguration.Output, ct);
            }
            finally
            {
                if (keep is null && Directory.Exists(folder)) Directory.Delete(folder, recursive: true);
            }
        });
        return command;
    }

    private static async Task<int> RunAsync(string home, string data, int generatedPerFormat, TextWriter output, CancellationToken ct)
    {
        var clock = Stopwatch.StartNew();
        output.WriteLine("== Entente demo: one customs administration's node ==");
        var node = new NodeOptions { Home = home, Code = "KR", Name = "Korea Customs Service (demo)" };
        var adminKey = await NodeHome.InitAsync(node, TimeProvider.System, ct);
        output.WriteLine($"1. Node {node.Code} created in {home} (SQLite store, WAL, synchronous=FULL); administrator key issued.");

        await using var store = DeclarationStores.Open(node.DatabaseOrDefault, TimeProvider.System);
        await store.MigrateAsync(ct);
        var ingest = new DeclarationIngest(store);

        // 2. The national extract: the Korea Customs Service synthetic declarations, when the data set is at hand.
        var korean = Path.Combine(data, KoreanDataSet);
        var koreanFiles = new[] { "df_syn_train_eng.csv", "df_syn_valid_eng.csv", "df_syn_test_eng.csv" }.Select(f => Path.Combine(korean, f)).ToArray();
        if (koreanFiles.All(File.Exists))
        {
            var mapping = CsvMapping.Load(Path.Combine(AppContext.BaseDirectory, "mappings", "kcs-synthetic-hs6.yaml"));
            var watch = Stopwatch.StartNew();
            var report = await ingest.IngestFilesAsync(koreanFiles, new IngestOptions { Format = DeclarationFormat.Csv, Mapping = mapping }, null, ct);
            output.WriteLine($"2. National extract (KCS synthetic import declarations, CSV + mapping kcs-synthetic-hs6): " +
                $"{report.Accepted:N0} accepted, {report.Rejected:N0} rejected, {report.Duplicates:N0} duplicates in {watch.Elapsed.TotalSeconds:N1} s; " +
                "Fraud labels stored as inspection outcomes, not declaration data.");
            if (!report.Succeeded) return Fail(output, report);
        }
        else
        {
            output.WriteLine($"2. (The data set '{KoreanDataSet}' is not at {korean}; it is published at github.com/Seondong/Customs-Declaration-Datasets. " +
                "Set ENTENTE_DATA to use it. Continuing with generated declarations.)");
        }

        // 3. Declarations from other national systems, in WCO XML, EDIFACT CUSDEC and canonical JSON; the format is detected.
        var files = new List<string>();
        foreach (var format in new[] { DeclarationFormat.WcoXml, DeclarationFormat.Edifact, DeclarationFormat.Json })
        {
            var generator = new DeclarationGenerator(seed: 2026 + (int)format, importingCountry: "KR", firstDay: new DateOnly(2026, 1, 1), days: 330,
                referencePrefix: $"KR{FormatDetector.Name(format).ToUpperInvariant().Replace("-", "", StringComparison.Ordinal)}");
            var declarations = generator.Generate(generatedPerFormat).Select(r => r.Declaration!);
            var path = Path.Combine(home, format switch { DeclarationFormat.WcoXml => "generated.xml", DeclarationFormat.Edifact => "generated.edi", _ => "generated.ndjson" });
            await using (var stream = File.Create(path))
            {
                switch (format)
                {
                    case DeclarationFormat.WcoXml:
                        WcoXmlWriter.WriteBatch(stream, declarations);
                        break;
                    case DeclarationFormat.Edifact:
                        CusdecWriter.WriteInterchange(stream, declarations, new CusdecWriterOptions
                        {
                            Sender = "KRBROKER01",
                            Recipient = "KRCUSTOMS",
                            ControlReference = "DEMO1",
                            PreparedAt = TimeProvider.System.GetUtcNow(),
                        });
                        break;
                    default:
                        await using (var writer = new StreamWriter(stream))
                        {
                            foreach (var d in declarations) await writer.WriteLineAsync(EntenteJson.Serialize(d));
                        }
                        break;
                }
            }
            files.Add(path);
        }
        var generatedReport = await ingest.IngestFilesAsync(files, new IngestOptions(), null, ct);
        output.WriteLine("3. Declarations from other systems, written by Entente's generator; the format of each file is detected:");
        foreach (var f in generatedReport.Files)
            output.WriteLine($"     {Path.GetFileName(f.File),-18} {FormatDetector.Name(f.Format),-8} {f.Accepted,6:N0} accepted, {f.Rejected:N0} rejected");
        if (!generatedReport.Succeeded) return Fail(output, generatedReport);
        var jsonFile = files[^1];

        // 4. The same file again: nothing is stored twice.
        var again = await ingest.IngestFilesAsync([jsonFile], new IngestOptions(), null, ct);
        output.WriteLine($"4. The same file submitted again: {again.Accepted:N0} accepted, {again.Duplicates:N0} duplicates detected and not stored.");

        // 5. A broken file: refused whole, with pointers to what is wrong.
        var brokenSource = new DeclarationGenerator(seed: 99, importingCountry: "KR", referencePrefix: "KRBAD");
        var bad = brokenSource.Next(out _);
        bad.GoodsShipment.Consignment.Containers = [new Container { Id = "MSCU6639871" }];
        bad.GoodsShipment.GoodsItems[0].OriginCountryCode = "XX";
        var good = brokenSource.Next(out _);
        var badFile = Path.Combine(home, "broken.ndjson");
        await File.WriteAllLinesAsync(badFile, [EntenteJson.Serialize(good), EntenteJson.Serialize(bad)], ct);
        var refused = await ingest.IngestFilesAsync([badFile], new IngestOptions(), null, ct);
        output.WriteLine($"5. A file with one bad declaration among good ones: {refused.Accepted} accepted (all-or-nothing), {refused.Rejected} rejected:");
        foreach (var error in refused.Errors) output.WriteLine($"     {error}");

        // 6. What the node holds.
        var summary = await store.SummariseAsync(5, ct);
        output.WriteLine($"6. The store holds {summary.Declarations:N0} declarations with {summary.GoodsItems:N0} goods items, declared {summary.FirstDate:yyyy-MM-dd} to {summary.LastDate:yyyy-MM-dd}; " +
            $"{summary.WithLabels:N0} carry inspection outcomes, {summary.LabelledFraud:N0} of them fraud ({Percent(summary.LabelledFraud, summary.WithLabels)}).");
        output.WriteLine("   Top HS chapters:");
        foreach (var c in summary.TopHsChapters)
        {
            var title = CodeLists.CodeLists.Default.HsChapters.TryGetValue(c.Key, out var chapter) ? chapter.Title : "";
            output.WriteLine($"     {c.Key} {Clip(title, 60),-60} {c.Count,8:N0}");
        }
        output.WriteLine("   Top origins:");
        foreach (var o in summary.TopOrigins)
        {
            var country = CodeLists.CodeLists.Default.Countries.GetValueOrDefault(o.Key, "");
            output.WriteLine($"     {o.Key} {Clip(country, 40),-40} {o.Count,8:N0}");
        }
        output.WriteLine("   Declared value by currency:");
        foreach (var v in summary.ValueByCurrency) output.WriteLine($"     {v.Key} {v.Value.ToString("N0", CultureInfo.InvariantCulture),24} over {v.Count:N0} declarations");

        // 7. The HTTP API, as an integration team would call it.
        await ServeAndQueryAsync(node, adminKey, output, ct);
        output.WriteLine($"Demo finished in {clock.Elapsed.TotalSeconds:N1} s.");
        return 0;
    }

    private static async Task ServeAndQueryAsync(NodeOptions node, string adminKey, TextWriter output, CancellationToken ct)
    {
        var port = FreePort();
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = [], ContentRootPath = node.Home });
        builder.Configuration[$"{NodeOptions.Section}:Home"] = node.Home;
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.WebHost.UseUrls($"http://127.0.0.1:{port}");
        builder.AddEntenteNode();
        await using var app = builder.Build();
        await app.MapEntenteNodeAsync();
        await app.StartAsync(ct);
        try
        {
            using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}") };
            var anonymous = await http.GetAsync(new Uri("/api/declarations?hs=2402", UriKind.Relative), ct);
            http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", adminKey);
            var search = await http.GetAsync(new Uri("/api/declarations?hs=2402&limit=1000", UriKind.Relative), ct);
            using var page = JsonDocument.Parse(await search.Content.ReadAsStringAsync(ct));
            var found = page.RootElement.GetProperty("items").GetArrayLength();
            var openApi = await http.GetAsync(new Uri("/openapi/v1.json", UriKind.Relative), ct);
            output.WriteLine($"7. HTTP API on 127.0.0.1:{port}: without a key {(int)anonymous.StatusCode} {anonymous.StatusCode}; " +
                $"with the administrator key, GET /api/declarations?hs=2402 (tobacco) -> {(int)search.StatusCode}, {found}{(found == 1000 ? "+" : "")} declarations; " +
                $"OpenAPI document at /openapi/v1.json -> {(int)openApi.StatusCode}.");
        }
        finally
        {
            await app.StopAsync(ct);
        }
    }

    private static int Fail(TextWriter output, IngestReport report)
    {
        output.WriteLine("The demo stopped: a file was refused.");
        foreach (var e in report.Errors.Take(20)) output.WriteLine($"  {e}");
        return 1;
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static string Percent(long part, long whole) => whole == 0 ? "-" : ((double)part / whole).ToString("P1", CultureInfo.InvariantCulture);

    private static string Clip(string text, int width) => text.Length <= width ? text : text[..(width - 1)] + "…";
}
