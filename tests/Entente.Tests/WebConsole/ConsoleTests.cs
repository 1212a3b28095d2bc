using System.Text.Json;
using System.Xml.Linq;
using Entente.Storage;
using Microsoft.Playwright;

namespace Entente.Tests.WebConsole;

/// <summary>
/// The officer console in a real browser (headless Debian chromium through Playwright) against a real node process:
/// sign-in and sign-out, the role rules, the purpose dialog and its ledger entry, forged forms, each page's workflow,
/// axe-core's WCAG 2.1 AA checks (no serious or critical violation) and a screenshot of every page.
/// </summary>
[Collection(ConsoleCollection.Name)]
public sealed class ConsoleTests(ConsoleFixture fixture)
{
    [ConsoleFact]
    public async Task An_officer_signs_in_with_a_key_sees_the_dashboard_and_signs_out()
    {
        var node = await fixture.NodeAsync(StorageProvider.Sqlite);
        var page = await fixture.NewPageAsync(node);
        await page.GotoAsync("/console/declarations");
        Assert.EndsWith("/console/sign-in?returnUrl=%2Fconsole%2Fdeclarations", page.Url, StringComparison.Ordinal);
        await fixture.CheckAsync(page, "sign-in");

        await page.GetByLabel("API key").FillAsync(node.Keys["officer"]);
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();
        await page.WaitForURLAsync("**/console/declarations");
        await page.GotoAsync("/console");
        Assert.Equal("Dashboard", await page.Locator("h1").InnerTextAsync());
        Assert.Contains("olivia", await page.Locator("header").InnerTextAsync(), StringComparison.Ordinal);
        Assert.Contains("Today's lanes", await page.Locator("main").InnerTextAsync(), StringComparison.Ordinal);
        await fixture.CheckAsync(page, "dashboard");

        var cookie = Assert.Single(await page.Context.CookiesAsync(), c => c.Name == "entente-console");
        Assert.True(cookie.HttpOnly);
        Assert.Equal(SameSiteAttribute.Strict, cookie.SameSite);

        await page.GetByRole(AriaRole.Button, new() { Name = "Sign out" }).ClickAsync();
        await page.WaitForURLAsync("**/console/sign-in?signedOut=1");
        await page.GotoAsync("/console/declarations");
        Assert.Contains("/console/sign-in", page.Url, StringComparison.Ordinal);
    }

    [ConsoleFact]
    public async Task A_wrong_key_is_refused_next_to_the_field_and_a_revoked_key_ends_the_session()
    {
        var node = await fixture.NodeAsync(StorageProvider.Sqlite);
        var page = await fixture.NewPageAsync(node);
        await page.GotoAsync("/console/sign-in");
        await page.GetByLabel("API key").FillAsync("ent_not-a-key-of-anyone");
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();
        Assert.Equal("No user has this API key.", await page.Locator("#key-error").InnerTextAsync());
        Assert.Equal("true", await page.Locator("#Key").GetAttributeAsync("aria-invalid"));

        // A named user whose key this is not.
        await page.GetByLabel("User name (optional)").FillAsync("ana");
        await page.GetByLabel("API key").FillAsync(node.Keys["officer"]);
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();
        Assert.Equal("This API key does not belong to the user named.", await page.Locator("#key-error").InnerTextAsync());

        // A session lives only as long as its key: revoked, the next page asks to sign in again.
        var key = await node.Node.AddUserAsync("temporary", "officer", node.Node.Database);
        await ConsoleFixture.SignInAsync(page, key);
        await page.GotoAsync("/console/declarations");
        Assert.Equal("Declarations", await page.Locator("h1").InnerTextAsync());
        string[] revoke = ["user", "revoke", "--home", node.Node.Home, "--name", "temporary"];
        if (node.Node.Database is not null) revoke = [.. revoke, "--database", node.Node.Database];
        Assert.Equal(0, (await Support.Cli.Run(revoke)).Status);
        await page.GotoAsync("/console/declarations");
        Assert.Contains("/console/sign-in", page.Url, StringComparison.Ordinal);
    }

    [ConsoleFact]
    public async Task Party_data_is_shown_only_after_the_purpose_dialog_and_the_read_lands_in_the_ledger()
    {
        var node = await fixture.NodeAsync(StorageProvider.Sqlite);
        var (declaration, id) = node.Declarations[0];
        var partyId = declaration.Parties.Select(p => p.Id).OfType<string>().First();
        var page = await fixture.NewPageAsync(node);
        await ConsoleFixture.SignInAsync(page, node.Keys["officer"]);

        await page.GotoAsync($"/console/declarations/{id}");
        Assert.DoesNotContain(partyId, await page.ContentAsync(), StringComparison.Ordinal);
        Assert.Contains("Party data is withheld.", await page.Locator("#withheld-notice").InnerTextAsync(), StringComparison.Ordinal);
        await fixture.CheckAsync(page, "declaration-withheld");

        // The dialog opens on the keyboard, and refuses a read without a justification next to the field.
        await page.Locator("#reveal").FocusAsync();
        await page.Keyboard.PressAsync("Enter");
        Assert.True(await page.Locator("#purpose-dialog").IsVisibleAsync());
        await fixture.CheckAsync(page, "purpose-dialog");
        await page.Locator("#purpose").SelectOptionAsync("investigation");
        await page.Locator("#purpose-dialog button[type=submit]").ClickAsync();
        await page.WaitForSelectorAsync("#purpose-dialog #Justification-error");
        Assert.Equal("A justification is required.", await page.Locator("#Justification-error").InnerTextAsync());
        Assert.True(await page.Locator("#purpose-dialog").IsVisibleAsync());
        Assert.DoesNotContain(partyId, await page.ContentAsync(), StringComparison.Ordinal);

        await page.Locator("#purpose").SelectOptionAsync("investigation");
        await page.Locator("#Justification").FillAsync("case 2026/118, undervaluation of ceramic tiles");
        await page.Locator("#purpose-dialog button[type=submit]").ClickAsync();
        await page.WaitForSelectorAsync("#revealed-notice");
        Assert.Contains(partyId, await page.Locator("main").InnerTextAsync(), StringComparison.Ordinal);
        await fixture.CheckAsync(page, "declaration-revealed");

        // The read is in the ledger as the API's are: same kind, purpose, justification, reader; the channel says web.
        using var auditor = node.Node.Client(node.Keys["auditor"]);
        using var answer = JsonDocument.Parse(await auditor.GetStringAsync(new Uri(
            $"/api/audit/subject?party={Uri.EscapeDataString(partyId)}&justification={Uri.EscapeDataString("console test: who read this party")}", UriKind.Relative)));
        var read = Assert.Single(answer.RootElement.GetProperty("events").EnumerateArray(),
            e => e.GetProperty("channel").GetString() == "web" && e.GetProperty("user").GetString() == "olivia");
        Assert.Equal("investigation", read.GetProperty("purpose").GetString());
        Assert.Equal("case 2026/118, undervaluation of ceramic tiles", read.GetProperty("justification").GetString());
        Assert.Contains(id, read.GetProperty("records").EnumerateArray().Select(r => r.GetString()));

        // And the auditor finds it in the console too, with the accountability query.
        var audit = await fixture.NewPageAsync(node);
        await ConsoleFixture.SignInAsync(audit, node.Keys["auditor"]);
        await audit.GotoAsync("/console/ledger");
        await audit.Locator("#Party").FillAsync(partyId);
        await audit.Locator("#Justification").FillAsync("console test: accountability");
        await audit.GetByRole(AriaRole.Button, new() { Name = "Ask" }).ClickAsync();
        await audit.WaitForSelectorAsync("#audit-events");
        var events = await audit.Locator("#audit-events tbody").InnerTextAsync();
        Assert.Contains("olivia", events, StringComparison.Ordinal);
        Assert.Contains("case 2026/118, undervaluation of ceramic tiles", events, StringComparison.Ordinal);
        await fixture.CheckAsync(audit, "ledger-accountability");
    }

    [ConsoleFact]
    public async Task An_analyst_cannot_do_what_an_officer_can()
    {
        var node = await fixture.NodeAsync(StorageProvider.Sqlite);
        var (_, id) = node.Declarations[1];
        var officer = await fixture.NewPageAsync(node);
        await ConsoleFixture.SignInAsync(officer, node.Keys["officer"]);
        var analyst = await fixture.NewPageAsync(node);
        await ConsoleFixture.SignInAsync(analyst, node.Keys["analyst"]);

        await officer.GotoAsync($"/console/declarations/{id}");
        await analyst.GotoAsync($"/console/declarations/{id}");
        Assert.Equal(1, await officer.Locator("form[action*=Move]").CountAsync());
        Assert.Equal(0, await analyst.Locator("form[action*=Move]").CountAsync());

        await officer.GotoAsync("/console/risk");
        await analyst.GotoAsync("/console/risk");
        Assert.True(await officer.Locator("form.outcome").CountAsync() > 0);
        Assert.Equal(0, await analyst.Locator("form.outcome").CountAsync());
        Assert.True(await analyst.Locator("article.queued").CountAsync() > 0, "an analyst reads the queues");

        // Only an auditor sees the accountability query and proofs.
        await analyst.GotoAsync("/console/ledger");
        Assert.Equal(0, await analyst.Locator("#audit-h").CountAsync());

        // The same move posted by the analyst with a valid form token: refused for the role, nothing changed.
        await analyst.GotoAsync($"/console/declarations/{id}");
        var token = await analyst.Locator("input[name=__af]").First.GetAttributeAsync("value");
        var form = analyst.APIRequest.CreateFormData();
        form.Set("__af", token!);
        form.Set("NewStatus", "control");
        var refused = await analyst.APIRequest.PostAsync($"/console/declarations/{id}?handler=Move", new() { Form = form });
        Assert.Equal(403, refused.Status);
        Assert.Contains("Not allowed for your role", await refused.TextAsync(), StringComparison.Ordinal);
        await analyst.GotoAsync($"/console/declarations/{id}");
        Assert.NotEqual("control", await analyst.Locator("#status-now").InnerTextAsync());
        await fixture.CheckAsync(analyst, "declaration-analyst");
    }

    [ConsoleFact]
    public async Task A_forged_form_without_a_valid_token_is_refused_and_changes_nothing()
    {
        var node = await fixture.NodeAsync(StorageProvider.Sqlite);
        var (_, id) = node.Declarations[2];
        var page = await fixture.NewPageAsync(node);
        await ConsoleFixture.SignInAsync(page, node.Keys["officer"]);
        await page.GotoAsync($"/console/declarations/{id}");
        var before = await page.Locator("#status-now").InnerTextAsync();

        foreach (var token in new string?[] { null, "CfDJ8forged-token" })
        {
            var form = page.APIRequest.CreateFormData();
            if (token is not null) form.Set("__af", token);
            form.Set("NewStatus", "control");
            var response = await page.APIRequest.PostAsync($"/console/declarations/{id}?handler=Move", new() { Form = form });
            Assert.Equal(400, response.Status);
            Assert.Contains("anti-forgery", await response.TextAsync(), StringComparison.Ordinal);
        }
        await page.GotoAsync($"/console/declarations/{id}");
        Assert.Equal(before, await page.Locator("#status-now").InnerTextAsync());
        Assert.Contains("no valid anti-forgery token", node.Node.Log, StringComparison.Ordinal);
    }

    [ConsoleFact]
    public async Task An_officer_searches_with_the_APIs_filters_and_moves_a_status()
    {
        var node = await fixture.NodeAsync(StorageProvider.Sqlite);
        var page = await fixture.NewPageAsync(node);
        await ConsoleFixture.SignInAsync(page, node.Keys["officer"]);
        await page.GotoAsync("/console/declarations");
        await page.GetByRole(AriaRole.Button, new() { Name = "Search" }).First.ClickAsync();
        await AssertListedAsync(page, node);
        await fixture.CheckAsync(page, "declarations");

        // A filter the API refuses is refused next to its field, with the API's words.
        await page.Locator("#origin").FillAsync("ZZ");
        await page.GetByRole(AriaRole.Button, new() { Name = "Search" }).First.ClickAsync();
        Assert.Contains("expected an ISO 3166-1 alpha-2 country code", await page.Locator("#origin-error").InnerTextAsync(), StringComparison.Ordinal);
        await fixture.CheckAsync(page, "declarations-errors");
        // A party search is a POST from the purpose dialog: without a justification it comes back open, the problem next to the field.
        await page.Locator("#origin").FillAsync("");
        await page.GetByRole(AriaRole.Button, new() { Name = "Search" }).First.ClickAsync();
        await page.Locator("#party-search").ClickAsync();
        await page.Locator("#party").FillAsync("GB123456789000");
        await page.Locator("#purpose").SelectOptionAsync("investigation");
        await page.Locator("#party-dialog button[type=submit]").ClickAsync();
        await page.WaitForSelectorAsync("#party-dialog #justification-error");
        Assert.True(await page.Locator("#party-dialog").IsVisibleAsync());
        Assert.DoesNotContain("party=", page.Url, StringComparison.Ordinal);

        var (declaration, id) = node.Declarations[3];
        await page.GotoAsync($"/console/declarations?reference={declaration.Lrn}");
        await page.Locator($"a[href='/console/declarations/{id}']").ClickAsync();
        await page.WaitForURLAsync($"**/console/declarations/{id}");
        var options = await page.Locator("#newStatus option").AllInnerTextsAsync();
        Assert.NotEmpty(options);
        await page.Locator("#newStatus").SelectOptionAsync(options[0]);
        await page.Locator("#Reason").FillAsync("documents checked at the console");
        await page.GetByRole(AriaRole.Button, new() { Name = "Move", Exact = true }).ClickAsync();
        await page.WaitForSelectorAsync("p.done");
        Assert.Equal(options[0], await page.Locator("#status-now").InnerTextAsync());
        Assert.Contains("documents checked at the console", await page.Locator("main").InnerTextAsync(), StringComparison.Ordinal);
    }

    [ConsoleFact]
    public Task The_risk_desk_records_an_outcome_from_the_red_queue_on_SQLite() => RiskDeskAsync(StorageProvider.Sqlite);

    [ConsoleFact(postgres: true)]
    public Task The_risk_desk_records_an_outcome_from_the_red_queue_on_PostgreSQL() => RiskDeskAsync(StorageProvider.PostgreSql);

    [ConsoleFact]
    public Task The_ledger_verifies_and_proves_an_entry_on_SQLite() => LedgerAsync(StorageProvider.Sqlite);

    [ConsoleFact(postgres: true)]
    public Task The_ledger_verifies_and_proves_an_entry_on_PostgreSQL() => LedgerAsync(StorageProvider.PostgreSql);

    [ConsoleFact]
    public async Task The_console_speaks_French_with_French_dates_and_numbers_and_works_on_a_tablet()
    {
        var node = await fixture.NodeAsync(StorageProvider.Sqlite);
        var context = await fixture.Browser.NewContextAsync(new BrowserNewContextOptions
        {
            BaseURL = node.Node.BaseAddress.ToString(),
            ViewportSize = new ViewportSize { Width = 768, Height = 1024 },
            Locale = "fr-FR",
        });
        var page = await context.NewPageAsync();
        await page.GotoAsync("/console/sign-in");
        Assert.Equal("Connexion à la console", await page.Locator("h1").InnerTextAsync());
        await page.GetByLabel("Clé d'API").FillAsync(node.Keys["officer"]);
        await page.GetByRole(AriaRole.Button, new() { Name = "Se connecter" }).ClickAsync();
        await page.WaitForURLAsync("**/console");
        Assert.Equal("Tableau de bord", await page.Locator("h1").InnerTextAsync());
        await page.GotoAsync($"/console/declarations/{node.Declarations[4].Id}");
        var received = await page.Locator("dl.facts dd").Nth(5).InnerTextAsync();
        Assert.Matches(@"^\d{2}/\d{2}/\d{4} \d{2}:\d{2} UTC$", received);
        await fixture.CheckAsync(page, "declaration-fr-tablet");

        // The language chooser, as a user without French in the browser would use it.
        var english = await fixture.NewPageAsync(node);
        await ConsoleFixture.SignInAsync(english, node.Keys["officer"]);
        await english.Locator("#lang-select").SelectOptionAsync("fr");
        await english.WaitForSelectorAsync("html[lang=fr]");
        Assert.Equal("Tableau de bord", await english.Locator("h1").InnerTextAsync());
    }

    [ConsoleFact]
    public async Task A_liaison_officer_reads_the_agreements_their_status_signers_and_what_each_allows()
    {
        var node = await fixture.NodeAsync(StorageProvider.Sqlite);
        await node.PartnerAsync();
        var page = await fixture.NewPageAsync(node);
        await ConsoleFixture.SignInAsync(page, node.Keys["liaison"]);
        await page.GetByRole(AriaRole.Link, new() { Name = "Agreements" }).ClickAsync();
        await page.WaitForURLAsync("**/console/agreements");
        var row = page.Locator("#agreements tr", new() { HasText = "nl-kr-test" });
        Assert.Contains("In force", await row.InnerTextAsync(), StringComparison.Ordinal);
        Assert.Contains("GB, KR", await row.InnerTextAsync(), StringComparison.Ordinal);

        await row.GetByRole(AriaRole.Link, new() { Name = "nl-kr-test" }).ClickAsync();
        await page.WaitForSelectorAsync("#agreement");
        var signers = await page.Locator("#signatures").InnerTextAsync();
        Assert.Contains("Korea Customs Service", signers, StringComparison.Ordinal);
        Assert.Contains("Test administration", signers, StringComparison.Ordinal);
        Assert.Equal(2, await page.Locator("#signatures tbody tr", new() { HasText = "Signed, the signature verifies" }).CountAsync());
        var allows = await page.Locator("#agreement").InnerTextAsync();
        Assert.Contains("Risk management", allows, StringComparison.Ordinal);
        Assert.Contains("/goodsShipment/goodsItems/*/classification/code", allows, StringComparison.Ordinal);
        Assert.Contains("H2", allows, StringComparison.Ordinal);
        Assert.Contains("agreement: nl-kr-test", await page.Locator("#agreement-text").InnerTextAsync(), StringComparison.Ordinal);
        await fixture.CheckAsync(page, "agreements");

        // An officer's role does not read agreements (the API's policy): the page is refused.
        var officer = await fixture.NewPageAsync(node);
        await ConsoleFixture.SignInAsync(officer, node.Keys["officer"]);
        var refused = await officer.GotoAsync("/console/agreements");
        Assert.Equal(403, refused!.Status);
    }

    [ConsoleFact]
    public async Task An_auditor_sees_the_partner_directory_with_fingerprints_witnessing_and_alarms()
    {
        var node = await fixture.NodeAsync(StorageProvider.Sqlite);
        var korea = await node.PartnerAsync();
        using var kr = Entente.Identity.NodeKeys.LoadSigningKey(korea.Home);
        var page = await fixture.NewPageAsync(node);
        await ConsoleFixture.SignInAsync(page, node.Keys["auditor"]);
        await page.GetByRole(AriaRole.Link, new() { Name = "Partners" }).ClickAsync();
        await page.WaitForURLAsync("**/console/partners");
        var partner = page.Locator("article.partner[aria-labelledby=partner-KR]");
        var text = await partner.InnerTextAsync();
        Assert.Contains(Entente.Identity.NodeKeys.Fingerprint(kr), text, StringComparison.Ordinal);
        Assert.Contains(korea.BaseAddress.ToString(), text, StringComparison.Ordinal);
        Assert.Contains("nl-kr-test v1", text, StringComparison.Ordinal);
        Assert.Contains("Witnessing", await page.Locator("main").InnerTextAsync(), StringComparison.Ordinal);
        Assert.StartsWith("Equivocation alarms:", await page.Locator("#alarms-h").InnerTextAsync(), StringComparison.Ordinal);
        await fixture.CheckAsync(page, "partners");

        // A liaison officer sees the directory but not the auditors' witnessing and alarms; an analyst not the page.
        var liaison = await fixture.NewPageAsync(node);
        await ConsoleFixture.SignInAsync(liaison, node.Keys["liaison"]);
        await liaison.GotoAsync("/console/partners");
        Assert.Contains(Entente.Identity.NodeKeys.Fingerprint(kr), await liaison.Locator("main").InnerTextAsync(), StringComparison.Ordinal);
        Assert.Equal(0, await liaison.Locator("#alarms-h").CountAsync());
        var analyst = await fixture.NewPageAsync(node);
        await ConsoleFixture.SignInAsync(analyst, node.Keys["analyst"]);
        Assert.Equal(403, (await analyst.GotoAsync("/console/partners"))!.Status);
    }

    [ConsoleFact]
    public async Task An_officer_finds_each_request_received_in_the_list_with_its_deadline_and_works_it_on_its_page()
    {
        var node = await fixture.NodeAsync(StorageProvider.Sqlite);
        var id = "NL-AR-" + Guid.NewGuid().ToString("N")[..8];
        await ReceiveAssistanceAsync(node, id);
        var page = await fixture.NewPageAsync(node);
        await ConsoleFixture.SignInAsync(page, node.Keys["officer"]);
        await page.GetByRole(AriaRole.Link, new() { Name = "Assistance" }).ClickAsync();
        await page.WaitForURLAsync("**/console/assistance");
        var row = page.Locator("#received tr.request", new() { HasText = id });
        var listed = await row.InnerTextAsync();
        Assert.Contains("from NL", listed, StringComparison.Ordinal);
        Assert.Contains(Assistance.AssistanceTestKit.AgreementId, listed, StringComparison.Ordinal);
        Assert.Contains("NL-FIOD-1", listed, StringComparison.Ordinal);
        Assert.Equal("sent", await row.Locator(".status").InnerTextAsync());
        Assert.Contains("UTC", await row.Locator(".deadline").InnerTextAsync(), StringComparison.Ordinal);
        Assert.DoesNotContain("Overdue", await row.Locator(".deadline").InnerTextAsync(), StringComparison.Ordinal);
        // A list: the workflows are on each request's page, not repeated here.
        Assert.Equal(0, await page.Locator("#received form, #sent form").CountAsync());
        await fixture.CheckAsync(page, "assistance");

        // Its page answers it in one final part; back in the list it is answered.
        await row.GetByRole(AriaRole.Link, new() { Name = id, Exact = true }).ClickAsync();
        await page.WaitForURLAsync($"**/console/assistance/{id}");
        await page.GetByLabel("Answer (a part or the whole)").FillAsync("No shipment to that consignee since 2024");
        await page.GetByLabel("This is the final part").CheckAsync();
        await page.GetByRole(AriaRole.Button, new() { Name = "Send answer" }).ClickAsync();
        await page.WaitForSelectorAsync("#assistance-done");
        await page.GetByRole(AriaRole.Link, new() { Name = "Back to the assistance requests" }).ClickAsync();
        await page.WaitForURLAsync("**/console/assistance");
        Assert.Equal("answered", await page.Locator("#received tr.request", new() { HasText = id }).Locator(".status").InnerTextAsync());

        using var officer = node.Node.Client(node.Keys["officer"]);
        using var shown = JsonDocument.Parse(await officer.GetStringAsync(new Uri($"/api/assistance-requests/{id}", UriKind.Relative)));
        Assert.Equal("answered", shown.RootElement.GetProperty("status").GetString());
        Assert.Equal("No shipment to that consignee since 2024", shown.RootElement.GetProperty("answers")[0].GetProperty("text").GetString());

        // An analyst's role has no assistance desk (the API's policy).
        var analyst = await fixture.NewPageAsync(node);
        await ConsoleFixture.SignInAsync(analyst, node.Keys["analyst"]);
        Assert.Equal(403, (await analyst.GotoAsync("/console/assistance"))!.Status);
    }

    /// <summary>Every declaration the fixture seeded is in the list (other tests on the shared node may have added more).</summary>
    internal static async Task AssertListedAsync(IPage page, ConsoleNode node)
    {
        Assert.True(await page.Locator("main table tbody tr").CountAsync() >= node.Declarations.Count);
        foreach (var (_, id) in node.Declarations)
            Assert.Equal(1, await page.Locator($"main table tbody a[href='/console/declarations/{id}']").CountAsync());
    }

    /// <summary>Requests from NL arrive as the transport hands them over: through the node's desk, on its database (as AssistanceApiTests do).</summary>
    internal static async Task ReceiveAssistanceAsync(ConsoleNode node, params string[] ids)
    {
        var home = node.Node.Home;
        if (!File.Exists(Path.Combine(home, "agreements", Assistance.AssistanceTestKit.AgreementId + ".yaml")))
            await Assistance.RequestCommandsTests.WriteAgreementAsync(home, "GB", "NL", node.Node.Database);
        var options = Entente.Hosting.NodeHome.Load(home, node.Node.Database);
        var agreement = Entente.Agreements.AgreementReference.Of(Entente.Assistance.AssistanceDesks.AgreementsInForce(options.Home, TimeProvider.System)()
            .Single(a => a.Id == Assistance.AssistanceTestKit.AgreementId));
        await using var services = await Entente.Hosting.NodeServices.OpenAsync(options);
        var desk = services.Get<Entente.Assistance.AssistanceDesk>();
        foreach (var id in ids)
        {
            var draft = new Entente.Assistance.AssistanceDraft("GB", Assistance.AssistanceTestKit.AgreementId, Assistance.AssistanceTestKit.Article3,
                Entente.Agreements.Purpose.Investigation, "NL-FIOD-1", "Who is the consignee?");
            var receipt = await desk.ReceiveAsync(Entente.Assistance.AssistanceRequest.Compose(id, "NL", draft, agreement, TimeProvider.System.GetUtcNow().AddDays(30), TimeProvider.System.GetUtcNow()));
            Assert.Equal(Entente.Assistance.AssistanceReceiptOutcome.Applied, receipt.Outcome);
        }
    }

    [Fact]
    public void Every_console_string_has_its_French_translation()
    {
        var folder = Path.Combine(AppContext.BaseDirectory, "..", "..", "..", "..", "..", "src", "Entente.WebConsole", "Resources");
        static Dictionary<string, string> Read(string path) =>
            XDocument.Load(path).Root!.Elements("data").ToDictionary(d => (string)d.Attribute("name")!, d => (string)d.Element("value")!);
        var english = Read(Path.Combine(folder, "Strings.resx"));
        var french = Read(Path.Combine(folder, "Strings.fr.resx"));
        Assert.Equal(english.Keys.Order(StringComparer.Ordinal), french.Keys.Order(StringComparer.Ordinal));
        Assert.All(english.Where(e => e.Value.Length > 0), e => Assert.False(string.IsNullOrWhiteSpace(french[e.Key]), $"{e.Key} has no French text"));
        // Every key the pages ask for exists (T["Key"] and text["Key"] in the console's sources).
        var sources = Directory.EnumerateFiles(Path.Combine(folder, ".."), "*.*", SearchOption.AllDirectories)
            .Where(f => f.EndsWith(".cshtml", StringComparison.Ordinal) || f.EndsWith(".cs", StringComparison.Ordinal))
            .Where(f => !f.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}", StringComparison.Ordinal));
        var asked = sources.SelectMany(f => System.Text.RegularExpressions.Regex.Matches(File.ReadAllText(f), @"(?:\bT|\btext)\[""([A-Za-z0-9_]+)""").Select(m => m.Groups[1].Value))
            .ToHashSet(StringComparer.Ordinal);
        Assert.NotEmpty(asked);
        Assert.All(asked, key => Assert.True(english.ContainsKey(key), $"the console asks for '{key}', which Strings.resx lacks"));
    }

    private async Task RiskDeskAsync(StorageProvider provider)
    {
        var node = await fixture.NodeAsync(provider);
        var page = await fixture.NewPageAsync(node);
        await ConsoleFixture.SignInAsync(page, node.Keys["officer"]);
        await page.GotoAsync("/console/risk");
        var queued = page.Locator("article.queued");
        var before = await queued.CountAsync();
        Assert.True(before > 0, "the seeded declarations are in the red queue");
        // One of the fixture's declarations (other tests on the shared node may have queued others, or taken some out).
        var seeded = node.Declarations.Select(d => d.Declaration.Mrn ?? d.Declaration.Lrn ?? d.Id).ToHashSet(StringComparer.Ordinal);
        var title = (await page.Locator("article.queued h3 a").AllInnerTextsAsync()).First(t => seeded.Contains(t.Trim())).Trim();
        var first = queued.Filter(new() { Has = page.GetByRole(AriaRole.Link, new() { Name = title, Exact = true }) });
        Assert.Contains("a goods item declared over 1 kg", await first.InnerTextAsync(), StringComparison.Ordinal);
        await fixture.CheckAsync(page, $"risk-desk-{provider.ToString().ToLowerInvariant()}");

        // A revenue the API would refuse is refused next to the field; the declaration stays in the queue.
        await first.GetByLabel("Found", new() { Exact = true }).CheckAsync();
        await first.GetByLabel("Revenue recovered").FillAsync("-5");
        await first.GetByRole(AriaRole.Button, new() { Name = "Record outcome" }).ClickAsync();
        await page.WaitForSelectorAsync("article.queued .error");
        Assert.Equal("Expected an amount of 0 or more.", await page.Locator("article.queued .error").InnerTextAsync());
        Assert.Equal(before, await queued.CountAsync());

        first = page.Locator("article.queued", new() { HasText = title });
        await first.GetByLabel("Found", new() { Exact = true }).CheckAsync();
        await first.GetByLabel("What was found").FillAsync("undeclared ceramic tiles, 2 pallets");
        await first.GetByLabel("Revenue recovered").FillAsync("1250.50");
        await first.GetByRole(AriaRole.Button, new() { Name = "Record outcome" }).ClickAsync();
        await page.WaitForSelectorAsync("#outcome-done");
        Assert.Equal(before - 1, await page.Locator("article.queued").CountAsync());
        Assert.Equal(0, await page.Locator("article.queued", new() { HasText = title }).CountAsync());

        // The outcome is the declaration's, as the API reports it.
        var id = node.Declarations.First(d => (d.Declaration.Mrn ?? d.Declaration.Lrn ?? d.Id) == title).Id;
        using var officer = node.Node.Client(node.Keys["officer"]);
        using var risk = JsonDocument.Parse(await officer.GetStringAsync(new Uri($"/api/risk/declarations/{id}", UriKind.Relative)));
        var outcome = Assert.Single(risk.RootElement.GetProperty("outcomes").EnumerateArray());
        Assert.True(outcome.GetProperty("outcome").GetProperty("found").GetBoolean());
        Assert.Equal(1250.50m, outcome.GetProperty("outcome").GetProperty("revenue").GetDecimal());
        Assert.Equal("olivia", outcome.GetProperty("recordedBy").GetString());
    }

    private async Task LedgerAsync(StorageProvider provider)
    {
        var node = await fixture.NodeAsync(provider);
        var page = await fixture.NewPageAsync(node);
        await ConsoleFixture.SignInAsync(page, node.Keys["auditor"]);
        await page.GotoAsync("/console/ledger");
        await page.GetByRole(AriaRole.Button, new() { Name = "Verify now" }).ClickAsync();
        await page.WaitForSelectorAsync("#verification");
        Assert.StartsWith("Verified now:", await page.Locator("#verification").InnerTextAsync(), StringComparison.Ordinal);
        Assert.Contains("Signed checkpoint at", await page.Locator("main").InnerTextAsync(), StringComparison.Ordinal);

        await page.Locator("#entry").FillAsync("0");
        await page.GetByRole(AriaRole.Button, new() { Name = "Prove" }).ClickAsync();
        await page.WaitForSelectorAsync("#proof");
        Assert.Contains("Leaf hash", await page.Locator("#proof").InnerTextAsync(), StringComparison.Ordinal);
        await fixture.CheckAsync(page, $"ledger-{provider.ToString().ToLowerInvariant()}");

        await page.Locator("#entry").FillAsync("99999999");
        await page.GetByRole(AriaRole.Button, new() { Name = "Prove" }).ClickAsync();
        await page.WaitForSelectorAsync("#entry-error");
        Assert.StartsWith("Expected an entry from 0 to", await page.Locator("#entry-error").InnerTextAsync(), StringComparison.Ordinal);

        // The accountability query on this store: an officer's API read of a party, with a justification of its own, found by the auditor.
        var (declaration, id) = node.Declarations.Last(d => d.Declaration.Parties.Any(p => p.Id is not null));
        var partyId = declaration.Parties.Select(p => p.Id).OfType<string>().First();
        var why = $"console ledger test on {provider}: case {Guid.NewGuid():N}";
        using (var officer = node.Node.Client(node.Keys["officer"]))
        {
            using var read = await officer.GetAsync(new Uri($"/api/declarations/{id}?purpose=investigation&justification={Uri.EscapeDataString(why)}", UriKind.Relative));
            Assert.True(read.IsSuccessStatusCode, await read.Content.ReadAsStringAsync());
        }
        await page.GotoAsync("/console/ledger");
        await page.Locator("#Party").FillAsync(partyId);
        await page.Locator("#Justification").FillAsync("console test: accountability on " + provider);
        await page.GetByRole(AriaRole.Button, new() { Name = "Ask" }).ClickAsync();
        await page.WaitForSelectorAsync("#audit-events");
        var events = page.Locator("#audit-events tbody tr", new() { HasText = why });
        Assert.Equal(1, await events.CountAsync());
        Assert.Contains("olivia", await events.InnerTextAsync(), StringComparison.Ordinal);
    }
}
