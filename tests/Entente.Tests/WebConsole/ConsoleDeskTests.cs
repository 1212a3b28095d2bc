using System.Net;
using System.Text.Json.Nodes;
using Entente.Storage;
using Microsoft.Playwright;

namespace Entente.Tests.WebConsole;

/// <summary>
/// The console's desk workflows in a real browser against a real node (SQLite): alerts (issue, read a person's data
/// under a purpose with its ledger entry, withdraw, flag a partner's), hits (read under a purpose, confirm, discard,
/// overdue filter, action-taken report), assistance (new, acknowledge, withdraw), an alarm acknowledged, the party
/// search as a POST; the role rules (an analyst cannot flag or confirm, an auditor only reads), forged POSTs refused,
/// axe-core on every page and screenshots.
/// </summary>
[Collection(ConsoleCollection.Name)]
public sealed class ConsoleDeskTests(ConsoleFixture fixture)
{
    [ConsoleFact]
    public async Task An_officer_issues_an_alert_reads_its_person_under_a_purpose_recorded_and_withdraws_it()
    {
        var node = await fixture.NodeAsync(StorageProvider.Sqlite);
        var page = await fixture.NewPageAsync(node);
        await ConsoleFixture.SignInAsync(page, node.Keys["officer"]);
        await page.GetByRole(AriaRole.Link, new() { Name = "Alerts", Exact = true }).ClickAsync();
        await page.WaitForURLAsync("**/console/alerts");

        // Refused as the API refuses it: each problem next to its input, with its JSON pointer.
        var form = page.Locator("#new-alert");
        await form.Locator("#new-kind").SelectOptionAsync("person");
        await form.Locator("#new-category").SelectOptionAsync("drugs");
        await form.Locator("#new-action").SelectOptionAsync("discreet-check");
        await form.Locator("#new-names").FillAsync("Jana Novak");
        await form.Locator("#new-from").FillAsync("2026-01-01");
        await form.GetByRole(AriaRole.Button, new() { Name = "Issue alert" }).ClickAsync();
        await page.WaitForSelectorAsync("#new-agreement-error");
        Assert.StartsWith("/legalBasis", await page.Locator("#new-agreement-error").InnerTextAsync(), StringComparison.Ordinal);
        Assert.Equal("true", await page.Locator("#new-agreement").GetAttributeAsync("aria-invalid"));
        Assert.Equal("Jana Novak", await page.Locator("#new-names").InputValueAsync());
        await fixture.CheckAsync(page, "alerts-errors");

        await page.Locator("#new-national").FillAsync("Customs Act s. 12");
        await page.Locator("#new-remarks").FillAsync("travels with a forged passport");
        await page.Locator("#new-alert").GetByRole(AriaRole.Button, new() { Name = "Issue alert" }).ClickAsync();
        await page.WaitForSelectorAsync("#alert-done");
        var issued = System.Text.RegularExpressions.Regex.Match(await page.Locator("#alert-done").InnerTextAsync(), @"Alert (\S+) issued").Groups[1].Value;
        Assert.NotEmpty(issued);

        // Listed with the person withheld; the purpose dialog shows it and the read lands in the ledger as the API's, channel web.
        await page.Locator("#kind").SelectOptionAsync("person");
        await page.GetByRole(AriaRole.Button, new() { Name = "Filter" }).ClickAsync();
        var row = page.Locator("#alerts tr", new() { HasText = issued });
        Assert.Contains("withheld", await row.InnerTextAsync(), StringComparison.Ordinal);
        Assert.DoesNotContain("Jana Novak", await page.Locator("main").InnerTextAsync(), StringComparison.Ordinal);
        await fixture.CheckAsync(page, "alerts");
        await page.Locator("#reveal").ClickAsync();
        await page.Locator("#purpose").SelectOptionAsync("investigation");
        await page.Locator("#purpose-dialog button[type=submit]").ClickAsync();
        await page.WaitForSelectorAsync("#purpose-dialog #Justification-error");
        await fixture.CheckAsync(page, "alerts-purpose-dialog");
        await page.Locator("#purpose").SelectOptionAsync("investigation");
        await page.Locator("#Justification").FillAsync("console test: a traveller stopped at the border");
        await page.Locator("#purpose-dialog button[type=submit]").ClickAsync();
        await page.WaitForSelectorAsync("#revealed-notice");
        Assert.Contains("Jana Novak", await page.Locator("#alerts tr", new() { HasText = issued }).InnerTextAsync(), StringComparison.Ordinal);
        var read = await LastAsync(node, "personal-data-access", e => e.Body["channel"]?.GetValue<string>() == "web");
        Assert.Equal("investigation", read.Body["purpose"]!.GetValue<string>());
        Assert.Equal("console test: a traveller stopped at the border", read.Body["justification"]!.GetValue<string>());
        Assert.Equal("olivia", read.Actor.User);

        // Withdrawn from its detail: without a reason refused next to the field, with one done.
        await page.GotoAsync($"/console/alerts?id={issued}");
        Assert.Equal("withheld", await page.Locator("#subject").InnerTextAsync());
        await page.GetByRole(AriaRole.Button, new() { Name = "Withdraw" }).ClickAsync();
        Assert.Equal("Give the reason.", await page.Locator("#reason-error").InnerTextAsync());
        await fixture.CheckAsync(page, "alert-detail");
        await page.Locator("#reason").FillAsync("the traveller was arrested");
        await page.GetByRole(AriaRole.Button, new() { Name = "Withdraw" }).ClickAsync();
        await page.WaitForSelectorAsync("#alert-done");
        Assert.Equal("withdrawn", await page.Locator("#alert .state").InnerTextAsync());
        using var officer = node.Node.Client(node.Keys["officer"]);
        var shown = JsonNode.Parse(await officer.GetStringAsync(new Uri($"/api/alerts/{issued}", UriKind.Relative)))!;
        Assert.Equal("withdrawn", shown["state"]!.GetValue<string>());
    }

    [ConsoleFact]
    public async Task A_liaison_officer_flags_a_partners_alert_an_analyst_cannot_and_an_auditor_only_reads()
    {
        var node = await fixture.NodeAsync(StorageProvider.Sqlite);
        var id = "NL-AL-" + Guid.NewGuid().ToString("N")[..12];
        await WithServicesAsync(node, async services =>
        {
            var payload = new JsonObject
            {
                ["alert"] = new JsonObject
                {
                    ["id"] = id,
                    ["issuer"] = "NL",
                    ["version"] = 1,
                    ["state"] = "in-force",
                    ["subject"] = new JsonObject { ["kind"] = "container", ["containerNumber"] = "MSCU1234565" },
                    ["category"] = "drugs",
                    ["action"] = "specific-check",
                    ["validity"] = new JsonObject { ["from"] = "2026-01-01" },
                    ["legalBasis"] = new JsonObject { ["agreement"] = "nl-gb-alerts" },
                    ["handlingCode"] = "H1",
                },
            };
            await services.Get<Entente.Alerts.AlertBook>().ReceiveAsync("NL", "nl-gb-alerts", "H1", TimeProvider.System.GetUtcNow().AddYears(1), payload);
        });

        // An analyst reads the alert but has no form; a flag forged with a valid token is refused (403).
        var analyst = await fixture.NewPageAsync(node);
        await ConsoleFixture.SignInAsync(analyst, node.Keys["analyst"]);
        await analyst.GotoAsync($"/console/alerts?id={id}");
        Assert.Equal("MSCU1234565", await analyst.Locator("#subject").InnerTextAsync());
        Assert.Equal(0, await analyst.Locator("form[action*=Flag], #new-alert").CountAsync());
        var token = await TokenAsync(analyst);
        var forged = await analyst.APIRequest.PostAsync($"/console/alerts?handler=Flag&id={id}", new()
        {
            Form = FormOf(analyst, ("AlertId", id), ("Reason", "an analyst should not"), ("__af", token)),
        });
        Assert.Equal(403, forged.Status);
        // Without a token at all: refused before any page code runs.
        var liaison = await fixture.NewPageAsync(node);
        await ConsoleFixture.SignInAsync(liaison, node.Keys["liaison"]);
        var tokenless = await liaison.APIRequest.PostAsync($"/console/alerts?handler=Flag&id={id}", new() { Form = FormOf(liaison, ("AlertId", id), ("Reason", "forged")) });
        Assert.Equal(400, tokenless.Status);

        await liaison.GotoAsync($"/console/alerts?id={id}");
        await liaison.Locator("#reason").FillAsync("the seizure is already under way here");
        await liaison.GetByRole(AriaRole.Button, new() { Name = "Flag", Exact = true }).ClickAsync();
        await liaison.WaitForSelectorAsync("#alert-done");
        Assert.Contains("the seizure is already under way here", await liaison.Locator("#flags").InnerTextAsync(), StringComparison.Ordinal);
        await fixture.CheckAsync(liaison, "alert-flagged");

        var auditor = await fixture.NewPageAsync(node);
        await ConsoleFixture.SignInAsync(auditor, node.Keys["auditor"]);
        await auditor.GotoAsync("/console/alerts?source=partner");
        Assert.Equal(1, await auditor.Locator("#alerts tr", new() { HasText = id }).CountAsync());
        Assert.Equal(0, await auditor.Locator("#new-alert").CountAsync());
    }

    [ConsoleFact]
    public async Task Hits_are_read_under_a_purpose_an_officer_confirms_and_discards_and_an_analyst_cannot()
    {
        var node = await fixture.NodeAsync(StorageProvider.Sqlite);
        using var officer = node.Node.Client(node.Keys["officer"]);
        var container = "TGHU" + Random.Shared.Next(100000, 999999).ToString(System.Globalization.CultureInfo.InvariantCulture) + "0";
        var issue = await officer.PostAsync(new Uri("/api/alerts", UriKind.Relative), Json(new JsonObject
        {
            ["subject"] = new JsonObject { ["kind"] = "container", ["containerNumber"] = container },
            ["category"] = "tobacco",
            ["action"] = "discreet-check",
            ["validity"] = new JsonObject { ["from"] = "2026-01-01" },
            ["legalBasis"] = new JsonObject { ["national"] = "Customs Act s. 12" },
        }));
        Assert.True(issue.IsSuccessStatusCode, await issue.Content.ReadAsStringAsync());
        foreach (var place in new[] { "Dover", "Felixstowe" })
        {
            var screen = await officer.PostAsync(new Uri("/api/screening", UriKind.Relative), Json(new JsonObject { ["container"] = container, ["place"] = place }));
            Assert.True(screen.IsSuccessStatusCode, await screen.Content.ReadAsStringAsync());
        }

        var page = await fixture.NewPageAsync(node);
        await ConsoleFixture.SignInAsync(page, node.Keys["officer"]);
        await page.GotoAsync("/console/hits");
        Assert.Equal(0, await page.Locator("article.hit").CountAsync());
        await fixture.CheckAsync(page, "hits-closed");
        await page.Locator("#read-hits").ClickAsync();
        await page.Locator("#state").SelectOptionAsync("open");
        await page.Locator("#purpose").SelectOptionAsync("investigation");
        await page.Locator("#Justification").FillAsync("console test: hits on a container");
        await page.Locator("#purpose-dialog button[type=submit]").ClickAsync();
        await page.WaitForSelectorAsync("#read-notice");
        var hits = page.Locator("article.hit", new() { HasText = container });
        Assert.Equal(2, await hits.CountAsync());
        Assert.Contains("none owed", await hits.First.Locator(".report").InnerTextAsync(), StringComparison.Ordinal);
        await fixture.CheckAsync(page, "hits");
        var read = await LastAsync(node, "personal-data-access", e => e.Body["channel"]?.GetValue<string>() == "web");
        Assert.Equal("console test: hits on a container", read.Body["justification"]!.GetValue<string>());

        // Confirming needs what was done (the API's words next to the field); then confirmed, the list still under the purpose.
        var first = hits.First;
        var firstId = (await first.Locator("h3").InnerTextAsync()).Split(' ')[0];
        await first.GetByRole(AriaRole.Button, new() { Name = "Confirm hit" }).ClickAsync();
        Assert.Contains("/actionTaken", await page.Locator($"#action-error-{firstId}").InnerTextAsync(), StringComparison.Ordinal);
        first = page.Locator("article.hit", new() { HasText = firstId });
        await first.GetByLabel("What was done").FillAsync("container scanned and opened");
        await first.GetByLabel("What was found (optional)").FillAsync("12,000 cigarettes");
        await first.GetByRole(AriaRole.Button, new() { Name = "Confirm hit" }).ClickAsync();
        await page.WaitForSelectorAsync("#hit-done");
        var second = page.Locator("article.hit", new() { HasText = container });
        Assert.Equal(1, await second.CountAsync());
        var secondId = (await second.Locator("h3").InnerTextAsync()).Split(' ')[0];
        await second.GetByLabel("Why it is not the alert's subject").FillAsync("another container with a similar number");
        await second.GetByRole(AriaRole.Button, new() { Name = "Discard" }).ClickAsync();
        await page.WaitForSelectorAsync("#hit-done");
        var confirmed = JsonNode.Parse(await officer.GetStringAsync(new Uri(
            $"/api/hits/{firstId}?purpose=investigation&justification=test", UriKind.Relative)))!;
        Assert.Equal("confirmed", confirmed["state"]!.GetValue<string>());
        Assert.Equal("12,000 cigarettes", confirmed["decision"]!["found"]!.GetValue<string>());
        var discarded = JsonNode.Parse(await officer.GetStringAsync(new Uri($"/api/hits/{secondId}?purpose=investigation&justification=test", UriKind.Relative)))!;
        Assert.Equal("discarded", discarded["state"]!.GetValue<string>());

        // Only overdue: none of these (just found); the report of an own alert is owed to no one.
        await page.Locator("#read-hits").ClickAsync();
        await page.Locator("#state").SelectOptionAsync("");
        await page.Locator("#overdue").CheckAsync();
        await page.Locator("#purpose").SelectOptionAsync("investigation");
        await page.Locator("#Justification").FillAsync("console test: overdue hits");
        await page.Locator("#purpose-dialog button[type=submit]").ClickAsync();
        await page.WaitForSelectorAsync("#read-notice");
        Assert.Equal(0, await page.Locator("article.hit", new() { HasText = container }).CountAsync());

        // An analyst reads hits under a purpose but has no decision forms, and a forged confirmation is refused.
        var analyst = await fixture.NewPageAsync(node);
        await ConsoleFixture.SignInAsync(analyst, node.Keys["analyst"]);
        await analyst.GotoAsync("/console/hits");
        await analyst.Locator("#read-hits").ClickAsync();
        await analyst.Locator("#purpose").SelectOptionAsync(new SelectOptionValue { Index = 1 });
        await analyst.Locator("#Justification").FillAsync("console test: an analyst reads");
        await analyst.Locator("#purpose-dialog button[type=submit]").ClickAsync();
        await analyst.WaitForSelectorAsync("#read-notice");
        Assert.Equal(0, await analyst.Locator("form.confirm, form.discard").CountAsync());
        var forged = await analyst.APIRequest.PostAsync("/console/hits?handler=Confirm", new()
        {
            Form = FormOf(analyst, ("HitId", secondId), ("ActionTaken", "forged"), ("__af", await TokenAsync(analyst))),
        });
        Assert.Equal(403, forged.Status);
    }

    [ConsoleFact]
    public async Task A_liaison_officer_sends_a_new_request_withdraws_it_and_acknowledges_one_received()
    {
        var node = await fixture.NodeAsync(StorageProvider.Sqlite);
        var received = "NL-AR-" + Guid.NewGuid().ToString("N")[..8];
        await ConsoleTests.ReceiveAssistanceAsync(node, received);
        var page = await fixture.NewPageAsync(node);
        await ConsoleFixture.SignInAsync(page, node.Keys["liaison"]);
        await page.GotoAsync("/console/assistance");

        // Refused fields come back next to their inputs, with the API's field path.
        var form = page.Locator("#new-request");
        await form.Locator("#NewTo").SelectOptionAsync("NL");
        await form.Locator("#NewAgreement").SelectOptionAsync(Assistance.AssistanceTestKit.AgreementId);
        await form.Locator("#NewLegalBasis").FillAsync(Assistance.AssistanceTestKit.Article3);
        await form.Locator("#NewPurpose").SelectOptionAsync("investigation");
        await form.Locator("#NewSubject").FillAsync("Who is the consignee of the named declaration?");
        await form.Locator("#NewDeclarations").FillAsync("26GB0000000000042, " + new string('X', 40));
        await form.GetByRole(AriaRole.Button, new() { Name = "Send request" }).ClickAsync();
        await page.WaitForSelectorAsync("#NewCase-error");
        Assert.StartsWith("/caseReference", await page.Locator("#NewCase-error").InnerTextAsync(), StringComparison.Ordinal);
        Assert.StartsWith("/declarations/1", await page.Locator("#NewDeclarations-error").InnerTextAsync(), StringComparison.Ordinal);
        await fixture.CheckAsync(page, "assistance-new-errors");

        await page.Locator("#NewDeclarations").FillAsync("26GB0000000000042");
        await page.Locator("#NewCase").FillAsync("GB-CASE-7");
        await page.Locator("#new-request").GetByRole(AriaRole.Button, new() { Name = "Send request" }).ClickAsync();
        await page.WaitForSelectorAsync("#assistance-done");
        var sentId = System.Text.RegularExpressions.Regex.Match(await page.Locator("#assistance-done").InnerTextAsync(), @"Request (\S+) sent to NL").Groups[1].Value;
        Assert.NotEmpty(sentId);
        var sent = page.Locator("#sent tr.request", new() { HasText = sentId });
        Assert.Equal("sent", await sent.Locator(".status").InnerTextAsync());
        Assert.Contains("to NL", await sent.InnerTextAsync(), StringComparison.Ordinal);
        Assert.Contains("GB-CASE-7", await sent.InnerTextAsync(), StringComparison.Ordinal);

        // Withdrawn from its page, with a reason; the list then says so.
        await sent.GetByRole(AriaRole.Link, new() { Name = sentId, Exact = true }).ClickAsync();
        await page.WaitForURLAsync($"**/console/assistance/{sentId}");
        Assert.Equal(0, await page.GetByRole(AriaRole.Button, new() { Name = "Send answer" }).CountAsync());
        await page.GetByLabel("Reason for withdrawing (optional)").FillAsync("the case was closed");
        await page.GetByRole(AriaRole.Button, new() { Name = "Withdraw" }).ClickAsync();
        await page.WaitForSelectorAsync("#assistance-done");
        Assert.Equal("withdrawn", await page.Locator("#request-status").InnerTextAsync());
        await page.GotoAsync("/console/assistance");
        Assert.Equal("withdrawn", await page.Locator("#sent tr.request", new() { HasText = sentId }).Locator(".status").InnerTextAsync());

        // A request received, acknowledged from its page with this side's reference.
        await page.Locator("#received tr.request", new() { HasText = received }).GetByRole(AriaRole.Link, new() { Name = received, Exact = true }).ClickAsync();
        await page.WaitForURLAsync($"**/console/assistance/{received}");
        await page.GetByLabel("Your reference (optional)").FillAsync("GB-REF-1");
        await page.GetByRole(AriaRole.Button, new() { Name = "Acknowledge" }).ClickAsync();
        await page.WaitForSelectorAsync("#assistance-done");
        Assert.Equal("acknowledged", await page.Locator("#request-status").InnerTextAsync());
        await page.GotoAsync("/console/assistance");
        Assert.Equal("acknowledged", await page.Locator("#received tr.request", new() { HasText = received }).Locator(".status").InnerTextAsync());
        await fixture.CheckAsync(page, "assistance-desk");

        using var liaison = node.Node.Client(node.Keys["liaison"]);
        var shown = JsonNode.Parse(await liaison.GetStringAsync(new Uri($"/api/assistance-requests/{sentId}", UriKind.Relative)))!;
        Assert.Equal("withdrawn", shown["status"]!.GetValue<string>());
    }

    [ConsoleFact]
    public async Task An_auditor_acknowledges_an_equivocation_alarm_recorded_in_the_ledger()
    {
        var node = await fixture.NodeAsync(StorageProvider.Sqlite);
        var id = "eq-" + Guid.NewGuid().ToString("N")[..8];
        await WithServicesAsync(node, services =>
        {
            var evidence = new Entente.Witnessing.EquivocationEvidence("KR", Entente.Witnessing.EquivocationKinds.SameSizeDifferentRoot, "a", "b", null, "two roots").ToJson();
            return services.Get<Entente.Witnessing.WitnessStore>().RecordAlarmAsync(new Entente.Witnessing.EquivocationAlarm(id, "KR", TimeProvider.System.GetUtcNow(),
                Entente.Witnessing.EquivocationKinds.SameSizeDifferentRoot, evidence, null, null));
        });
        var page = await fixture.NewPageAsync(node);
        await ConsoleFixture.SignInAsync(page, node.Keys["auditor"]);
        await page.GotoAsync("/console/partners");
        await page.GetByRole(AriaRole.Button, new() { Name = $"Acknowledge alarm {id}" }).ClickAsync();
        await page.WaitForSelectorAsync("#alarm-done");
        Assert.Contains("audrey", await page.Locator("#alarms tr", new() { HasText = id }).InnerTextAsync(), StringComparison.Ordinal);
        await fixture.CheckAsync(page, "partners-alarm");
        var entry = await LastAsync(node, "equivocation-alarm-acknowledged", e => e.Body["alarm"]?.GetValue<string>() == id);
        Assert.Equal("audrey", entry.Actor.User);

        // The API refuses a second acknowledgement in its words (the same use case).
        using var auditor = node.Node.Client(node.Keys["auditor"]);
        var again = await auditor.PostAsync(new Uri($"/api/ledger/alarms/{id}/acknowledge", UriKind.Relative), null);
        Assert.Equal(HttpStatusCode.Conflict, again.StatusCode);
    }

    [ConsoleFact]
    public async Task The_party_search_is_a_POST_from_the_purpose_dialog_and_its_read_is_recorded()
    {
        var node = await fixture.NodeAsync(StorageProvider.Sqlite);
        var (declaration, _) = node.Declarations[2];
        var partyId = declaration.Parties.Select(p => p.Id).OfType<string>().First();
        var page = await fixture.NewPageAsync(node);
        await ConsoleFixture.SignInAsync(page, node.Keys["officer"]);
        // A party in the address is not a search by party: nothing personal asked, nothing recorded.
        await page.GotoAsync($"/console/declarations?party={partyId}");
        await ConsoleTests.AssertListedAsync(page, node);

        await page.Locator("#party-search").ClickAsync();
        await page.Locator("#party").FillAsync(partyId);
        await page.Locator("#purpose").SelectOptionAsync("investigation");
        await page.Locator("#justification").FillAsync("console test: a party search");
        await fixture.CheckAsync(page, "declarations-party-dialog");
        await page.Locator("#party-dialog button[type=submit]").ClickAsync();
        await page.WaitForSelectorAsync("main table tbody tr");
        Assert.DoesNotContain("party=", page.Url, StringComparison.Ordinal);
        Assert.Contains(partyId, await page.Locator("main table").InnerTextAsync(), StringComparison.Ordinal);
        var read = await LastAsync(node, "personal-data-access", e => e.Body["justification"]?.GetValue<string>() == "console test: a party search");
        Assert.Equal("web", read.Body["channel"]!.GetValue<string>());

        // The same POST without its anti-forgery token is refused.
        var forged = await page.APIRequest.PostAsync("/console/declarations?handler=Party", new()
        {
            Form = FormOf(page, ("party", partyId), ("purpose", "investigation"), ("justification", "forged")),
        });
        Assert.Equal(400, forged.Status);
    }

    [ConsoleFact]
    public async Task A_liaison_officer_records_an_AEO_status_checked_as_the_API_checks_it_and_sees_where_it_went()
    {
        var node = await fixture.NodeAsync(StorageProvider.Sqlite);
        var page = await fixture.NewPageAsync(node);
        await ConsoleFixture.SignInAsync(page, node.Keys["liaison"]);
        await page.GetByRole(AriaRole.Link, new() { Name = "Sharing" }).ClickAsync();
        await page.WaitForURLAsync("**/console/sharing");
        await page.Locator("#kind").SelectOptionAsync("aeo-status");
        await page.GetByRole(AriaRole.Button, new() { Name = "Start from this kind" }).ClickAsync();
        await page.WaitForURLAsync("**/console/sharing?kind=aeo-status");

        // The template as it is (empty id and name): refused with the API's JSON pointers, next to the document.
        await page.GetByRole(AriaRole.Button, new() { Name = "Record and push" }).ClickAsync();
        await page.WaitForSelectorAsync("#document-errors");
        var errors = await page.Locator("#document-errors").InnerTextAsync();
        Assert.Contains("/aeo/id", errors, StringComparison.Ordinal);
        Assert.Contains("/aeo/name", errors, StringComparison.Ordinal);
        Assert.Equal("true", await page.Locator("#Document").GetAttributeAsync("aria-invalid"));
        await fixture.CheckAsync(page, "sharing-errors");
        await page.Locator("#Document").FillAsync("{\"aeo\": {");
        await page.GetByRole(AriaRole.Button, new() { Name = "Record and push" }).ClickAsync();
        Assert.StartsWith("Line 1, position", await page.Locator("#document-errors").InnerTextAsync(), StringComparison.Ordinal);

        var trader = "GB" + Random.Shared.Next(100000000, 999999999).ToString(System.Globalization.CultureInfo.InvariantCulture) + "000";
        await page.Locator("#Document").FillAsync($$$"""
            {"aeo": {"id": "{{{trader}}}", "name": "Thames Logistics Ltd", "address": {"city": "London", "countryCode": "GB"},
              "status": "certified", "validatedOn": "2024-04-01"}}
            """);
        await page.GetByRole(AriaRole.Button, new() { Name = "Record and push" }).ClickAsync();
        await page.WaitForSelectorAsync("#record-done");
        var done = await page.Locator("#record-done").InnerTextAsync();
        Assert.Contains("Pushed to no partner", done, StringComparison.Ordinal);
        // This record in the list sent (other tests on the shared node record AEO statuses too).
        var recordId = System.Text.RegularExpressions.Regex.Match(done, @"aeo-status (\S+) recorded").Groups[1].Value;
        Assert.NotEmpty(recordId);
        Assert.Equal(1, await page.Locator($"#sent article.record[aria-labelledby='rec-{recordId}']", new() { HasText = "aeo-status" }).CountAsync());
        await fixture.CheckAsync(page, "sharing");
        using var liaison = node.Node.Client(node.Keys["liaison"]);
        Assert.Contains(trader, await liaison.GetStringAsync(new Uri("/api/records", UriKind.Relative)), StringComparison.Ordinal);

        // An auditor reads what was shared but records nothing; an analyst's role has neither (the API's policies).
        var auditor = await fixture.NewPageAsync(node);
        await ConsoleFixture.SignInAsync(auditor, node.Keys["auditor"]);
        await auditor.GotoAsync("/console/sharing");
        Assert.Equal(0, await auditor.Locator("#new-record").CountAsync());
        Assert.True(await auditor.Locator("#sent article.record").CountAsync() >= 1);
        var analyst = await fixture.NewPageAsync(node);
        await ConsoleFixture.SignInAsync(analyst, node.Keys["analyst"]);
        Assert.Equal(403, (await analyst.GotoAsync("/console/sharing"))!.Status);
    }

    private static IFormData FormOf(IPage page, params (string Name, string Value)[] fields)
    {
        var form = page.APIRequest.CreateFormData();
        foreach (var (name, value) in fields) form.Set(name, value);
        return form;
    }

    /// <summary>The anti-forgery token the page's forms carry (bound to the signed-in user).</summary>
    private static Task<string> TokenAsync(IPage page) =>
        page.Locator("input[name=__af]").First.InputValueAsync();

    private static StringContent Json(JsonObject body) => new(body.ToJsonString(), System.Text.Encoding.UTF8, "application/json");

    /// <summary>The newest ledger entry of the kind that matches, among the last hundred.</summary>
    private static async Task<Entente.Ledger.LedgerEntry> LastAsync(ConsoleNode node, string kind, Func<Entente.Ledger.LedgerEntry, bool> match)
    {
        Entente.Ledger.LedgerEntry? found = null;
        await WithServicesAsync(node, async services =>
        {
            var ledger = services.Get<Entente.Ledger.LedgerStore>();
            var head = await ledger.GetHeadAsync();
            for (var i = head.Size - 1; i >= Math.Max(0, head.Size - 100) && found is null; i--)
            {
                var entry = (await ledger.GetEntryAsync(i))!.Entry;
                if (entry.Kind == kind && match(entry)) found = entry;
            }
        });
        return found ?? throw new Xunit.Sdk.XunitException($"no {kind} entry matches among the last hundred");
    }

    private static async Task WithServicesAsync(ConsoleNode node, Func<Entente.Hosting.NodeServices, Task> action)
    {
        var options = Entente.Hosting.NodeHome.Load(node.Node.Home, node.Node.Database);
        await using var services = await Entente.Hosting.NodeServices.OpenAsync(options);
        await action(services);
    }
}
