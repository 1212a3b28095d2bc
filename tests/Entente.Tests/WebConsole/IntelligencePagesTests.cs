using System.Net;
using System.Text;
using System.Text.Json;
using Entente.Declarations;
using Entente.Exchange;
using Entente.Hosting;
using Entente.Storage;
using Entente.Tools.Generation;
using Microsoft.Playwright;

namespace Entente.Tests.WebConsole;

/// <summary>
/// The console's intelligence pages in a real browser against a real node (SQLite): seizures listed, filtered and
/// recorded with a validated form, offenders behind the purpose dialog and in the ledger; trends with the flagged spike,
/// its test and the chart; networks with party identities behind the purpose dialog; a mirror check finding a planted
/// undervaluation. Role rules, axe-core (no serious or critical violation) and screenshots on every page.
/// </summary>
[Collection(ConsoleCollection.Name)]
public sealed class IntelligencePagesTests(ConsoleFixture fixture)
{
    [ConsoleFact]
    public async Task An_officer_records_a_seizure_with_a_checked_form_and_reads_its_offenders_only_under_a_purpose()
    {
        var node = await fixture.NodeAsync(StorageProvider.Sqlite);
        var page = await fixture.NewPageAsync(node);
        await ConsoleFixture.SignInAsync(page, node.Keys["officer"]);
        await page.GetByRole(AriaRole.Link, new() { Name = "Intelligence" }).ClickAsync();
        await page.WaitForURLAsync("**/console/intelligence/seizures");
        await fixture.CheckAsync(page, "intelligence-seizures");

        // Bad input: each problem next to its field, nothing recorded.
        await page.Locator("#add-seizure summary").ClickAsync();
        await page.Locator("#SeizureId").FillAsync("GB-SZ-0412");
        await page.Locator("#SeizedAt").FillAsync("2026-03-14");
        await page.Locator("#NewCategory").SelectOptionAsync("drugs");
        await page.Locator("#DrugType").SelectOptionAsync("cocaine");
        await page.Locator("#Quantity").FillAsync("-5");
        await page.Locator("#Unit").SelectOptionAsync("KGM");
        await page.Locator("#Departure").FillAsync("XX");
        await page.Locator("#Destination").FillAsync("GB");
        await page.Locator("#OffenderKind").SelectOptionAsync("person");
        await page.Locator("#OffenderName").FillAsync("Jan de Vries");
        await page.Locator("#OffenderId").FillAsync("NL-P-778812");
        await page.GetByRole(AriaRole.Button, new() { Name = "Record seizure" }).ClickAsync();
        await page.WaitForSelectorAsync("#Departure-error");
        Assert.Contains("XX", await page.Locator("#Departure-error").InnerTextAsync(), StringComparison.Ordinal);
        Assert.True(await page.Locator("#Quantity-error").IsVisibleAsync());
        Assert.Equal("true", await page.Locator("#Departure").GetAttributeAsync("aria-invalid"));
        Assert.Equal(0, await page.Locator("#seizures a", new() { HasText = "GB-SZ-0412" }).CountAsync());
        await fixture.CheckAsync(page, "intelligence-seizure-invalid");

        await page.Locator("#Quantity").FillAsync("12.5");
        await page.Locator("#Departure").FillAsync("EC");
        await page.GetByRole(AriaRole.Button, new() { Name = "Record seizure" }).ClickAsync();
        await page.WaitForSelectorAsync("#seizure-done");
        Assert.Equal("Seizure GB-SZ-0412 recorded.", await page.Locator("#seizure-done").InnerTextAsync());
        var row = page.Locator("#seizures tr", new() { HasText = "GB-SZ-0412" });
        Assert.Contains("EC→GB", await row.InnerTextAsync(), StringComparison.Ordinal);
        Assert.DoesNotContain("NL-P-778812", await page.ContentAsync(), StringComparison.Ordinal);

        // The API's filters, and their errors next to the field.
        await page.GotoAsync("/console/intelligence/seizures?category=tobacco");
        Assert.Equal(0, await page.Locator("#seizures a", new() { HasText = "GB-SZ-0412" }).CountAsync());
        await page.GotoAsync("/console/intelligence/seizures?category=drugs&from=2026-03&to=2026-03");
        Assert.Equal(1, await page.Locator("#seizures a", new() { HasText = "GB-SZ-0412" }).CountAsync());
        await page.GotoAsync("/console/intelligence/seizures?from=2026-13");
        Assert.Equal("Expected a month (yyyy-MM).", await page.Locator("#from-error").InnerTextAsync());

        // The detail: offenders withheld until the purpose dialog; the read lands in the ledger with channel web.
        await page.GotoAsync("/console/intelligence/seizures");
        await page.Locator("#seizures a", new() { HasText = "GB-SZ-0412" }).ClickAsync();
        await page.WaitForSelectorAsync("#withheld-notice");
        Assert.DoesNotContain("NL-P-778812", await page.ContentAsync(), StringComparison.Ordinal);
        await fixture.CheckAsync(page, "intelligence-seizure-withheld");
        await page.Locator("#reveal").ClickAsync();
        await page.Locator("#purpose").SelectOptionAsync("investigation");
        await page.Locator("#purpose-dialog button[type=submit]").ClickAsync();
        await page.WaitForSelectorAsync("#Justification-error");
        Assert.DoesNotContain("NL-P-778812", await page.ContentAsync(), StringComparison.Ordinal);
        await page.Locator("#purpose").SelectOptionAsync("investigation");
        await page.Locator("#Justification").FillAsync("case 2026/412, cocaine in reefer");
        await page.Locator("#purpose-dialog button[type=submit]").ClickAsync();
        await page.WaitForSelectorAsync("#revealed-notice");
        Assert.Contains("NL-P-778812", await page.Locator("#offenders").InnerTextAsync(), StringComparison.Ordinal);
        await fixture.CheckAsync(page, "intelligence-seizure-revealed");

        using var auditor = node.Node.Client(node.Keys["auditor"]);
        using var answer = JsonDocument.Parse(await auditor.GetStringAsync(new Uri(
            $"/api/audit/subject?party=NL-P-778812&justification={Uri.EscapeDataString("console test: who read this offender")}", UriKind.Relative)));
        var read = Assert.Single(answer.RootElement.GetProperty("events").EnumerateArray(),
            e => e.GetProperty("channel").GetString() == "web" && e.GetProperty("kind").GetString() == "personal-data-access");
        Assert.Equal("olivia", read.GetProperty("user").GetString());
        Assert.Equal("case 2026/412, cocaine in reefer", read.GetProperty("justification").GetString());

        // An analyst reads seizures but has no form; a forged post with a valid token is refused for the role.
        var analyst = await fixture.NewPageAsync(node);
        await ConsoleFixture.SignInAsync(analyst, node.Keys["analyst"]);
        await analyst.GotoAsync("/console/intelligence/seizures");
        Assert.Equal(1, await analyst.Locator("#seizures a", new() { HasText = "GB-SZ-0412" }).CountAsync());
        Assert.Equal(0, await analyst.Locator("#add-seizure").CountAsync());
        var token = await analyst.Locator("input[name=__af]").First.GetAttributeAsync("value");
        var form = analyst.APIRequest.CreateFormData();
        form.Set("__af", token!);
        form.Set("SeizureId", "GB-SZ-FORGED");
        form.Set("SeizedAt", "2026-03-14");
        form.Set("NewCategory", "cash");
        var refused = await analyst.APIRequest.PostAsync("/console/intelligence/seizures?handler=Add", new() { Form = form });
        Assert.Equal(403, refused.Status);
        await analyst.GotoAsync("/console/intelligence/seizures");
        Assert.Equal(0, await analyst.Locator("#seizures a", new() { HasText = "GB-SZ-FORGED" }).CountAsync());
    }

    [ConsoleFact]
    public async Task An_analyst_sees_a_flagged_spike_with_its_test_and_the_chart()
    {
        var node = await fixture.NodeAsync(StorageProvider.Sqlite);
        using var officer = node.Node.Client(node.Keys["officer"]);
        // Tobacco: one seizure a month for six months, then nine in July — a spike under the stated Poisson test.
        var seizures = Enumerable.Range(1, 6).Select(m => (Month: m, N: 1)).Append((Month: 7, N: 9))
            .SelectMany(x => Enumerable.Range(0, x.N).Select(i => (x.Month, i)));
        foreach (var (month, i) in seizures)
        {
            var body = "{\"seizure\":{\"id\":\"GB-TOB-" + month + "-" + i + "\",\"seizedAt\":\"2025-" + month.ToString("00", System.Globalization.CultureInfo.InvariantCulture) + "-1" + i +
                "T08:00:00Z\",\"category\":\"tobacco\",\"quantity\":{\"amount\":10000,\"unit\":\"NAR\"},\"route\":{\"departureCountryCode\":\"AE\",\"destinationCountryCode\":\"GB\"}}}";
            var response = await officer.PostAsync(new Uri("/api/seizures", UriKind.Relative), new StringContent(body, Encoding.UTF8, "application/json"));
            Assert.True(response.StatusCode == HttpStatusCode.Created, await response.Content.ReadAsStringAsync());
        }

        var page = await fixture.NewPageAsync(node);
        await ConsoleFixture.SignInAsync(page, node.Keys["analyst"]);
        await page.GotoAsync("/console/intelligence/trends");
        await page.Locator("#by").SelectOptionAsync("commodity");
        await page.Locator("#from").FillAsync("2025-01");
        await page.Locator("#to").FillAsync("2025-12");
        await page.GetByRole(AriaRole.Button, new() { Name = "Show" }).ClickAsync();
        await page.WaitForSelectorAsync("#flags");
        Assert.Contains("Poisson", await page.Locator("#trend-test").InnerTextAsync(), StringComparison.Ordinal);
        var flag = page.Locator("#flags tbody tr", new() { HasText = "tobacco" });
        Assert.Contains("2025-07", await flag.InnerTextAsync(), StringComparison.Ordinal);
        Assert.Contains("spike", await flag.InnerTextAsync(), StringComparison.Ordinal);
        // The chart is inline SVG, labelled, with the analytics' axes.
        var chart = page.Locator("svg#trend-chart");
        Assert.Equal("img", await chart.GetAttributeAsync("role"));
        Assert.Contains("Seizures per month by Commodity", await page.Locator("#trend-chart-title").TextContentAsync() ?? "", StringComparison.Ordinal);
        var labels = (await chart.Locator("text").AllTextContentsAsync()).Select(l => l.Trim()).ToList();
        Assert.Contains("Month", labels);
        Assert.Contains("Seizures", labels);
        var box = await chart.BoundingBoxAsync();
        Assert.True(box is { Width: > 400, Height: > 200 }, $"the chart is drawn at {box?.Width}x{box?.Height}");
        Assert.Contains("9 ▲", await page.Locator("#trend-table tr", new() { HasText = "tobacco" }).InnerTextAsync(), StringComparison.Ordinal);
        await fixture.CheckAsync(page, "intelligence-trends");

        await page.GotoAsync("/console/intelligence/trends?by=weather");
        Assert.StartsWith("Expected commodity, route", await page.Locator("#by-error").InnerTextAsync(), StringComparison.Ordinal);
    }

    [ConsoleFact]
    public async Task Network_party_identities_are_tags_until_the_purpose_dialog_and_the_read_is_recorded()
    {
        var node = await fixture.NodeAsync(StorageProvider.Sqlite);
        var (declaration, id) = node.Declarations.First(d => d.Declaration.Parties.Any(p => p.Id is not null));
        var partyId = declaration.Parties.Select(p => p.Id).OfType<string>().First();
        var page = await fixture.NewPageAsync(node);
        await ConsoleFixture.SignInAsync(page, node.Keys["analyst"]);
        Assert.Equal(1, await page.GetByRole(AriaRole.Link, new() { Name = "Intelligence" }).CountAsync());

        await page.GotoAsync("/console/intelligence/networks");
        await page.Locator("#mode").SelectOptionAsync("neighbourhood");
        await page.Locator("#Node").FillAsync("declaration:" + id);
        await page.Locator("#Hops").FillAsync("1");
        await page.GetByRole(AriaRole.Button, new() { Name = "Ask", Exact = true }).ClickAsync();
        await page.WaitForSelectorAsync("#network-nodes");
        var nodes = await page.Locator("#network-nodes").InnerTextAsync();
        Assert.Contains("party:~", nodes, StringComparison.Ordinal);
        Assert.DoesNotContain(partyId, await page.ContentAsync(), StringComparison.Ordinal);
        Assert.True(await page.Locator("#withheld-notice").IsVisibleAsync());
        await fixture.CheckAsync(page, "intelligence-network-withheld");

        await page.Locator("#reveal").ClickAsync();
        await page.Locator("#purpose").SelectOptionAsync("risk-management");
        await page.Locator("#Justification").FillAsync("network review of consignment " + id);
        await page.Locator("#purpose-dialog button[type=submit]").ClickAsync();
        await page.WaitForSelectorAsync("#revealed-notice");
        Assert.Contains("party:" + partyId, await page.Locator("#network-nodes").InnerTextAsync(), StringComparison.Ordinal);
        await fixture.CheckAsync(page, "intelligence-network-revealed");

        using var auditor = node.Node.Client(node.Keys["auditor"]);
        using var answer = JsonDocument.Parse(await auditor.GetStringAsync(new Uri(
            $"/api/audit/subject?party={Uri.EscapeDataString(partyId)}&justification={Uri.EscapeDataString("console test: network reads")}", UriKind.Relative)));
        Assert.Contains(answer.RootElement.GetProperty("events").EnumerateArray(), e => e.GetProperty("channel").GetString() == "web"
            && e.GetProperty("user").GetString() == "ana" && e.GetProperty("justification").GetString() == "network review of consignment " + id);

        // Asking about a party names personal data: refused without a purpose, said in the dialog, which opens.
        await page.GotoAsync($"/console/intelligence/networks?mode=neighbourhood&node={Uri.EscapeDataString("party:" + partyId)}");
        Assert.True(await page.Locator("#purpose-dialog").IsVisibleAsync());
        Assert.True(await page.Locator("#purpose-error").IsVisibleAsync());
        Assert.Equal(0, await page.Locator("#network-nodes").CountAsync());

        await page.GotoAsync("/console/intelligence/networks?mode=communities");
        await page.WaitForSelectorAsync("#graph-summary");
        await fixture.CheckAsync(page, "intelligence-network-communities");
        await page.GotoAsync("/console/intelligence/networks?mode=neighbourhood&node=ship:X&hops=9");
        Assert.True(await page.Locator("#Node-error").IsVisibleAsync());
        Assert.True(await page.Locator("#Hops-error").IsVisibleAsync());

        // Networks and mirror checks are the assessors' (officer, analyst, admin): not a liaison officer's nor an auditor's.
        var liaison = await fixture.NewPageAsync(node);
        await ConsoleFixture.SignInAsync(liaison, node.Keys["liaison"]);
        var denied = await liaison.GotoAsync("/console/intelligence/networks");
        Assert.Equal(403, denied!.Status);
        var audit = await fixture.NewPageAsync(node);
        await ConsoleFixture.SignInAsync(audit, node.Keys["auditor"]);
        Assert.Equal(0, await audit.GetByRole(AriaRole.Link, new() { Name = "Intelligence" }).CountAsync());
        Assert.Equal(403, (await audit.GotoAsync("/console/intelligence/mirror"))!.Status);
    }

    [ConsoleFact]
    public async Task A_mirror_check_run_from_the_console_finds_the_planted_undervaluation()
    {
        var node = await fixture.NodeAsync(StorageProvider.Sqlite);
        // Two imports from KR with UCRs, one declared at 9,000 USD; KR's exports of both, received under an agreement.
        using var admin = node.Node.Client(node.Node.AdminKey);
        var exported = new DateTimeOffset(2025, 2, 20, 8, 0, 0, TimeSpan.Zero);
        var imports = new DeclarationGenerator(4141, referencePrefix: "MIRROR").Generate(2).Select(r => r.Declaration!).ToList();
        for (var i = 0; i < imports.Count; i++)
        {
            var d = imports[i];
            d.TypeCode = "IM";
            d.Ucr = $"5KR-CONSOLE-{i}";
            d.AcceptanceDateTime = d.IssueDateTime = exported.AddDays(12);
            d.GoodsShipment.ExportCountryCode = d.GoodsShipment.Consignment.DepartureCountryCode = "KR";
            d.TotalGrossMassKg = 800;
            d.TotalPackageQuantity = 20;
            d.GoodsShipment.GoodsItems.RemoveRange(1, d.GoodsShipment.GoodsItems.Count - 1);
            var item = d.GoodsShipment.GoodsItems[0];
            item.Classification = new Classification("HS", "2022", "851713");
            item.OriginCountryCode = "KR";
            item.CustomsValue = new Amount(i == 0 ? 9_000m : 30_000m, "USD");
            item.ItemPrice = null;
            item.GrossMassKg = 800;
            item.NetMassKg = 700;
            d.GoodsItemQuantity = 1;
            var response = await admin.PostAsync(new Uri("/api/declarations", UriKind.Relative), new StringContent(EntenteJson.Serialize(d), Encoding.UTF8, "application/json"));
            Assert.True(response.StatusCode == HttpStatusCode.OK, await response.Content.ReadAsStringAsync());
        }
        await using (var services = await NodeServices.OpenAsync(NodeHome.Load(node.Node.Home, node.Node.Database)))
        {
            static InboxItem Received(string id, long seq, string payload, DateTimeOffset at) => new(id, "KR", "c-console-mirror", seq, "declarations", "declarations",
                "risk-management", "test-network", "sha256:00", "H1", "A1", "with-consent", at.AddYears(3), at.AddDays(1), [1], [2], payload, [3]);
            await services.Get<ExchangeStore>().StoreAsync([
                new InboxEntry("KR", "c-console-mirror", 1, Received("m-console-1", 1, Intelligence.Mirror.MirrorChecksTests.Export("5KR-CONSOLE-0", 36_000m), exported)),
                new InboxEntry("KR", "c-console-mirror", 2, Received("m-console-2", 2, Intelligence.Mirror.MirrorChecksTests.Export("5KR-CONSOLE-1", 29_500m), exported)),
            ]);
        }

        var page = await fixture.NewPageAsync(node);
        await ConsoleFixture.SignInAsync(page, node.Keys["analyst"]);
        await page.GotoAsync("/console/intelligence/mirror");
        await fixture.CheckAsync(page, "intelligence-mirror-empty");
        await page.Locator("#RunPartner").FillAsync("KR");
        await page.Locator("#WindowDays").FillAsync("0");
        await page.GetByRole(AriaRole.Button, new() { Name = "Run check" }).ClickAsync();
        await page.WaitForSelectorAsync("#WindowDays-error");
        Assert.Equal("expected 1 to 365 days, got 0", await page.Locator("#WindowDays-error").InnerTextAsync());
        Assert.Equal(0, await page.Locator("#mirror-report").CountAsync());

        await page.Locator("#WindowDays").FillAsync("60");
        await page.GetByRole(AriaRole.Button, new() { Name = "Run check" }).ClickAsync();
        await page.WaitForSelectorAsync("#mirror-report");
        Assert.Contains("2 exports read", await page.Locator("#mirror-report").InnerTextAsync(), StringComparison.Ordinal);
        Assert.Contains("1 with discrepancies", await page.Locator("#mirror-report").InnerTextAsync(), StringComparison.Ordinal);
        var finding = await page.Locator("#mirror-findings tbody").InnerTextAsync();
        Assert.Contains("mirror-undervaluation", finding, StringComparison.Ordinal);
        Assert.Contains("36000 USD", finding, StringComparison.Ordinal);
        Assert.Contains("851713", await page.Locator("#mirror-stats").InnerTextAsync(), StringComparison.Ordinal);
        var labels = (await page.Locator("svg#mirror-chart text").AllTextContentsAsync()).Select(l => l.Trim()).ToList();
        Assert.Contains(Entente.Intelligence.Mirror.MirrorPlot.XAxis, labels);
        await fixture.CheckAsync(page, "intelligence-mirror");

        // The finding is on our import, where the officer sees it.
        await page.Locator("#mirror-findings tbody a").First.ClickAsync();
        await page.WaitForURLAsync("**/console/declarations/**");
        Assert.Contains("mirror-undervaluation", await page.Locator("main").InnerTextAsync(), StringComparison.Ordinal);
    }
}
