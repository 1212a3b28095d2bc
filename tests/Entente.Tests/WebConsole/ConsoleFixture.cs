using System.Net;
using System.Text;
using System.Text.Json;
using Deque.AxeCore.Commons;
using Deque.AxeCore.Playwright;
using Entente.Declarations;
using Entente.Storage;
using Entente.Tests.Storage;
using Entente.Tests.Support;
using Entente.Tools.Generation;
using Microsoft.Playwright;

namespace Entente.Tests.WebConsole;

/// <summary>
/// The console's browser test classes run as one collection sharing one <see cref="ConsoleFixture"/>: one browser and
/// one node per store for all of them instead of one per class (the classes' tests run one after another; each test
/// asserts on the data it creates or on the fixture's seeded declarations, never on totals other tests change).
/// </summary>
[CollectionDefinition(Name)]
public sealed class ConsoleCollection : ICollectionFixture<ConsoleFixture>
{
    public const string Name = "console";
}

/// <summary>
/// What the console's browser tests share: one headless Debian chromium driven by Playwright for the whole collection
/// (each test gets its own browser context, so its own cookies), and one real node per store, seeded once with users
/// of every role, a rule set in service and declarations assessed on ingest.
/// </summary>
public sealed class ConsoleFixture : IAsyncLifetime
{
    public const string Chromium = "/usr/bin/chromium";

    /// <summary>Why the browser tests cannot run here (null: they can).</summary>
    public static string? SkipReason => File.Exists(Chromium) ? null
        : $"Debian's chromium is not installed ({Chromium}); ./test.sh installs it as root with apt-get install chromium";

    private readonly SemaphoreSlim gate = new(1, 1);
    private readonly Dictionary<StorageProvider, ConsoleNode> nodes = [];
    private TestStore? postgres;
    private IPlaywright? playwright;

    public IBrowser Browser { get; private set; } = null!;

    /// <summary>Where the screenshots go: ENTENTE_SCREENSHOTS, else TestResults/console under the repository.</summary>
    public string Screenshots { get; } = Environment.GetEnvironmentVariable("ENTENTE_SCREENSHOTS") is { Length: > 0 } folder
        ? Path.GetFullPath(folder) : Path.Combine(RepositoryRoot(), "TestResults", "console");

    public async Task InitializeAsync()
    {
        if (SkipReason is not null) return;
        Directory.CreateDirectory(Screenshots);
        playwright = await Playwright.CreateAsync();
        Browser = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = Chromium,
            Headless = true,
            Args = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
        });
    }

    private static readonly string[] Wcag = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"];

    /// <summary>A page in a browser context of its own (its own cookies), at 1280 px, in English.</summary>
    public async Task<IPage> NewPageAsync(ConsoleNode node)
    {
        var context = await Browser.NewContextAsync(new BrowserNewContextOptions
        {
            BaseURL = node.Node.BaseAddress.ToString(),
            ViewportSize = new ViewportSize { Width = 1280, Height = 900 },
            Locale = "en-GB",
        });
        context.SetDefaultTimeout(30_000); // a wait limit, not a timing check: a loaded 2-core machine renders the first page slowly
        return await context.NewPageAsync();
    }

    public static async Task SignInAsync(IPage page, string key)
    {
        await page.GotoAsync("/console/sign-in");
        await page.GetByLabel("API key").FillAsync(key);
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();
        // The dashboard after sign-in is the first page of a new session: on a loaded machine it may take longer than the page limit.
        try
        {
            await page.WaitForURLAsync("**/console", new() { Timeout = 90_000 });
        }
        catch (TimeoutException e)
        {
            // Where the browser is instead, and what that page says: a refusal next to the key, an error page, or nothing yet.
            var said = await page.Locator("body").InnerTextAsync(new() { Timeout = 5_000 }).ContinueWith(t => t.IsCompletedSuccessfully ? t.Result : "(no page)", TaskScheduler.Default);
            throw new TimeoutException($"sign-in did not reach the dashboard: at {page.Url}, showing: {said[..Math.Min(said.Length, 600)]}", e);
        }
    }

    /// <summary>axe-core's WCAG 2.1 A and AA rules on the page as it is (no serious or critical violation), and its screenshot.</summary>
    public async Task CheckAsync(IPage page, string name)
    {
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(Screenshots, name + ".png"), FullPage = true });
        var result = await page.RunAxe(new AxeRunOptions { RunOnly = new RunOnlyOptions { Type = "tag", Values = [.. Wcag] } });
        var serious = result.Violations.Where(v => v.Impact is "serious" or "critical").ToList();
        Assert.True(serious.Count == 0, $"{name}: " + string.Join("; ", serious.Select(v =>
            $"{v.Id} ({v.Impact}): {v.Help} at {string.Join(", ", v.Nodes.Select(n => string.Join(" ", n.Target)))}")));
    }

    public async Task<ConsoleNode> NodeAsync(StorageProvider provider)
    {
        await gate.WaitAsync();
        try
        {
            if (nodes.TryGetValue(provider, out var running)) return running;
            string? database = null;
            if (provider == StorageProvider.PostgreSql)
            {
                postgres = await TestStore.CreateAsync(StorageProvider.PostgreSql, migrate: false);
                database = postgres.Database;
            }
            var node = await NodeProcess.StartAsync(database);
            var keys = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (var (name, role) in new[] { ("olivia", "officer"), ("ana", "analyst"), ("audrey", "auditor"), ("liam", "liaison") })
                keys[role] = await node.AddUserAsync(name, role, database);
            keys["admin"] = node.AdminKey;
            running = new ConsoleNode(node, keys);
            await running.SeedAsync();
            nodes[provider] = running;
            return running;
        }
        finally
        {
            gate.Release();
        }
    }

    public async Task DisposeAsync()
    {
        foreach (var running in nodes.Values)
        {
            await running.Node.DisposeAsync();
            if (running.Partner is not null) await running.Partner.DisposeAsync();
        }
        if (postgres is not null) await postgres.DisposeAsync();
        if (Browser is not null) await Browser.CloseAsync();
        playwright?.Dispose();
        gate.Dispose();
    }

    private static string RepositoryRoot()
    {
        for (var folder = new DirectoryInfo(AppContext.BaseDirectory); folder is not null; folder = folder.Parent)
        {
            if (File.Exists(Path.Combine(folder.FullName, "Entente.slnx"))) return folder.FullName;
        }
        return Path.GetTempPath();
    }
}

/// <summary>A seeded node: its process, a key per role, and the declarations submitted (with their ids at the node).</summary>
public sealed class ConsoleNode(NodeProcess node, IReadOnlyDictionary<string, string> keys)
{
    public const string RuleSet = """
        ruleset "console-test-targeting" version 1

        rule heavy-item "a goods item over 1 kg":
          if same item (net-mass > 1)
          then red 100
          because "a goods item declared over 1 kg"

        test "a heavy consignment goes red":
          given hs "6907221000", origin CN, value 1000, net-mass 5000
          expect fires heavy-item
        """;

    public NodeProcess Node { get; } = node;
    public IReadOnlyDictionary<string, string> Keys { get; } = keys;
    public List<(Declaration Declaration, string Id)> Declarations { get; } = [];

    /// <summary>A real partner node (KR), once <see cref="PartnerAsync"/> has made it one.</summary>
    public NodeProcess? Partner { get; private set; }

    /// <summary>
    /// Makes a second real node (KR) this node's partner: the sample bilateral agreement between the two nodes' keys,
    /// signed by both, in this node's agreements folder, then `partner add` from KR's endpoint (done once).
    /// </summary>
    public async Task<NodeProcess> PartnerAsync()
    {
        if (Partner is not null) return Partner;
        var korea = await NodeProcess.StartAsync(code: "KR");
        using (var gb = Entente.Identity.NodeKeys.LoadSigningKey(Node.Home))
        using (var kr = Entente.Identity.NodeKeys.LoadSigningKey(korea.Home))
        {
            var yaml = (await File.ReadAllTextAsync(Agreements.AgreementTestKit.SamplePath("bilateral.yaml")))
                .Replace("code: NL", "code: GB", StringComparison.Ordinal).Replace("Douane Nederland", "Test administration", StringComparison.Ordinal)
                .Replace("{NL}", Entente.Identity.NodeKeys.Fingerprint(gb), StringComparison.Ordinal)
                .Replace("{KR}", Entente.Identity.NodeKeys.Fingerprint(kr), StringComparison.Ordinal)
                .Replace("from: 2026-01-01", "from: 2020-01-01", StringComparison.Ordinal)
                .Replace("until: 2026-12-31", "until: 2099-12-31", StringComparison.Ordinal);
            Directory.CreateDirectory(Path.Combine(Node.Home, "agreements"));
            await File.WriteAllTextAsync(Path.Combine(Node.Home, "agreements", "gb-kr.yaml"), Agreements.AgreementTestKit.SignedText(yaml, gb, kr));
        }
        string[] add = ["partner", "add", "--home", Node.Home, "--code", "KR", "--endpoint", korea.BaseAddress.ToString()];
        if (Node.Database is not null) add = [.. add, "--database", Node.Database];
        var (status, _, error) = await Support.Cli.Run(add);
        Assert.True(status == 0, error);
        return Partner = korea;
    }

    public async Task SeedAsync()
    {
        var folder = Directory.CreateTempSubdirectory("entente-console-rules-");
        await File.WriteAllTextAsync(Path.Combine(folder.FullName, "console.rules"), RuleSet);
        string[] activate = ["risk", "rules", "activate", "--home", Node.Home, folder.FullName];
        if (Node.Database is not null) activate = [.. activate, "--database", Node.Database];
        var (status, _, error) = await Support.Cli.Run(activate);
        Assert.True(status == 0, error);
        folder.Delete(recursive: true);

        using var admin = Node.Client(Node.AdminKey);
        var generator = new DeclarationGenerator(1818, referencePrefix: "CONSOLE");
        foreach (var record in generator.Generate(8))
        {
            var declaration = record.Declaration!;
            var response = await admin.PostAsync(new Uri("/api/declarations", UriKind.Relative),
                new StringContent(EntenteJson.Serialize(declaration), Encoding.UTF8, "application/json"));
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            using var found = JsonDocument.Parse(await admin.GetStringAsync(new Uri($"/api/declarations?reference={declaration.Lrn}", UriKind.Relative)));
            Declarations.Add((declaration, found.RootElement.GetProperty("items")[0].GetProperty("id").GetString()!));
        }
        // A signed checkpoint, so the ledger page and the dashboard show one.
        string[] checkpoint = ["ledger", "checkpoint", "--home", Node.Home];
        if (Node.Database is not null) checkpoint = [.. checkpoint, "--database", Node.Database];
        await Support.Cli.Run(checkpoint);
    }
}
