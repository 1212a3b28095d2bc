using System.Text;
using System.Text.Json.Nodes;
using Entente.Storage;
using Microsoft.Playwright;

namespace Entente.Tests.WebConsole;

/// <summary>
/// The console's record forms in a real browser against a real node (SQLite): a seizure report and an AEO status made
/// with a form per kind (selects for the code lists, rows added for the repeated members, every problem next to the
/// field its JSON pointer names, as the API refuses it); an assistance request's detail page as the workflow
/// (acknowledge, answer in parts with data, decline with grounds, its history); a seizure file imported through a
/// mapping with its per-line errors; a repeated row removed; a seizure report pushed to a real partner node and its
/// receipt shown; the role rules and forged POSTs refused; axe-core and screenshots. In the console collection: every
/// test asserts on what it makes (unique ids), so the shared node serves (the partner test starts its own two nodes).
/// </summary>
[Collection(ConsoleCollection.Name)]
public sealed class ConsoleFormsTests(ConsoleFixture fixture)
{
    [ConsoleFact]
    public async Task An_officer_records_a_seizure_report_with_the_form_each_problem_next_to_its_field()
    {
        var node = await fixture.NodeAsync(StorageProvider.Sqlite);
        var page = await fixture.NewPageAsync(node);
        await ConsoleFixture.SignInAsync(page, node.Keys["officer"]);
        await page.GetByRole(AriaRole.Link, new() { Name = "Sharing" }).ClickAsync();
        await page.WaitForURLAsync("**/console/sharing");

        await page.Locator("#f-seizure-seizedAt").FillAsync("2026-11-20T08:00");
        await page.Locator("#f-seizure-category").SelectOptionAsync("drugs");
        await page.Locator("#f-seizure-drugType").SelectOptionAsync("cocaine");
        await page.Locator("#f-seizure-quantity-amount").FillAsync("-120");
        await page.Locator("#f-seizure-quantity-unit").SelectOptionAsync("KGM");
        await page.Locator("#f-seizure-detectionMethod").SelectOptionAsync("scanner");
        await page.Locator("#f-seizure-concealmentMethod").SelectOptionAsync("reefer-unit");
        await page.Locator("#f-seizure-transport-mode").SelectOptionAsync("1");
        await page.Locator("#f-seizure-route-departureCountryCode").FillAsync("ec");
        await page.Locator("#f-seizure-route-transitCountryCodes-0").FillAsync("QQ");

        // A second transit country and a second offender, each a row added with its button; what was typed stays.
        await page.GetByRole(AriaRole.Button, new() { Name = "Add a row: Transit countries" }).ClickAsync();
        await page.Locator("#f-seizure-route-transitCountryCodes-1").FillAsync("ES");
        Assert.Equal("QQ", await page.Locator("#f-seizure-route-transitCountryCodes-0").InputValueAsync());
        Assert.Equal("-120", await page.Locator("#f-seizure-quantity-amount").InputValueAsync());
        await page.GetByRole(AriaRole.Button, new() { Name = "Add a row: Offenders" }).ClickAsync();
        // The first offender row left blank, the second one named but not said to be a person or a company.
        await page.Locator("#f-seizure-offenders-1-name").FillAsync("Jan de Vries");
        await page.GetByRole(AriaRole.Button, new() { Name = "Record and share" }).ClickAsync();

        await page.WaitForSelectorAsync("#f-seizure-id-error");
        Assert.Contains("/seizure/id", await page.Locator("#f-seizure-id-error").InnerTextAsync(), StringComparison.Ordinal);
        Assert.Contains("cannot be negative", await page.Locator("#f-seizure-quantity-amount-error").InnerTextAsync(), StringComparison.Ordinal);
        Assert.Equal("true", await page.Locator("#f-seizure-quantity-amount").GetAttributeAsync("aria-invalid"));
        Assert.Equal("f-seizure-quantity-amount-error", await page.Locator("#f-seizure-quantity-amount").GetAttributeAsync("aria-describedby"));
        Assert.Contains("'QQ'", await page.Locator("#f-seizure-route-transitCountryCodes-0-error").InnerTextAsync(), StringComparison.Ordinal);
        Assert.Equal(0, await page.Locator("#f-seizure-route-transitCountryCodes-1-error").CountAsync());
        // The record's first offender is the form's second row: the problem is shown there.
        Assert.Contains("expected one of person, company", await page.Locator("#f-seizure-offenders-1-kind-error").InnerTextAsync(), StringComparison.Ordinal);
        Assert.Equal(0, await page.Locator("#f-seizure-offenders-0-kind-error").CountAsync());
        Assert.Equal(0, await page.Locator("#record-done").CountAsync());
        await fixture.CheckAsync(page, "sharing-form-errors");

        var id = "GB-S-" + Guid.NewGuid().ToString("N")[..8];
        await page.Locator("#f-seizure-id").FillAsync(id);
        await page.Locator("#f-seizure-quantity-amount").FillAsync("120.5");
        await page.Locator("#f-seizure-route-transitCountryCodes-0").FillAsync("pa");
        await page.Locator("#f-seizure-offenders-1-kind").SelectOptionAsync("person");
        await page.Locator("#f-seizure-offenders-1-countryCode").FillAsync("NL");
        // Enter in a field records (the form's default button), it does not add a row.
        await page.Locator("#f-seizure-id").PressAsync("Enter");
        await page.WaitForSelectorAsync("#record-done");
        // Recorded as the API would have recorded the same body; the page says so and lists it with its pushes.
        var record = (await RecordAsync(node, "seizure", id))!;
        var recordId = record["id"]!.GetValue<string>();
        var done = await page.Locator("#record-done").InnerTextAsync();
        Assert.Contains($"seizure-report {recordId}", done, StringComparison.Ordinal);
        Assert.Contains("Pushed to no partner", done, StringComparison.Ordinal);
        // An officer records but does not read the exchange (the API's policies): the answer is where it went, no list.
        Assert.Equal(0, await page.Locator("#sent").CountAsync());
        // The form is blank again for the next record.
        Assert.Equal("", await page.Locator("#f-seizure-id").InputValueAsync());
        await fixture.CheckAsync(page, "sharing-form");

        var seizure = record["document"]!["seizure"]!;
        Assert.Equal("2026-11-20T08:00:00Z", seizure["seizedAt"]!.GetValue<string>());
        Assert.Equal(120.5m, seizure["quantity"]!["amount"]!.GetValue<decimal>());
        Assert.Equal("KGM", seizure["quantity"]!["unit"]!.GetValue<string>());
        Assert.Equal("1", seizure["transport"]!["mode"]!.GetValue<string>());
        Assert.Equal("EC", seizure["route"]!["departureCountryCode"]!.GetValue<string>());
        Assert.Equal(["PA", "ES"], seizure["route"]!["transitCountryCodes"]!.AsArray().Select(c => c!.GetValue<string>()));
        var offender = Assert.Single(seizure["offenders"]!.AsArray())!;
        Assert.Equal(("person", "Jan de Vries", "NL"), (offender["kind"]!.GetValue<string>(), offender["name"]!.GetValue<string>(), offender["countryCode"]!.GetValue<string>()));
    }

    [ConsoleFact]
    public async Task A_repeated_row_removed_from_the_form_leaves_the_others_and_everything_typed_and_the_record_holds_only_those_kept()
    {
        var node = await fixture.NodeAsync(StorageProvider.Sqlite);
        var page = await fixture.NewPageAsync(node);
        await ConsoleFixture.SignInAsync(page, node.Keys["officer"]);
        await page.GotoAsync("/console/sharing");
        var id = "GB-S-" + Guid.NewGuid().ToString("N")[..8];
        await page.Locator("#f-seizure-id").FillAsync(id);
        await page.Locator("#f-seizure-seizedAt").FillAsync("2026-11-21T09:30");
        await page.Locator("#f-seizure-category").SelectOptionAsync("tobacco");
        await page.Locator("#f-seizure-route-transitCountryCodes-0").FillAsync("BE");
        await page.Locator("#f-seizure-offenders-0-kind").SelectOptionAsync("person");
        await page.Locator("#f-seizure-offenders-0-name").FillAsync("Named By Mistake");
        await page.GetByRole(AriaRole.Button, new() { Name = "Add a row: Offenders" }).ClickAsync();
        await page.Locator("#f-seizure-offenders-1-kind").SelectOptionAsync("company");
        await page.Locator("#f-seizure-offenders-1-name").FillAsync("Scheldt Trading BV");
        await page.Locator("#f-seizure-offenders-1-countryCode").FillAsync("NL");

        // The first offender's own button: a post back without that row (no script), the second moved up, the rest kept.
        await page.GetByRole(AriaRole.Button, new() { Name = "Remove Offenders 1", Exact = true }).ClickAsync();
        await page.WaitForSelectorAsync("#row-removed");
        Assert.Contains("Offenders 1 removed", await page.Locator("#row-removed").InnerTextAsync(), StringComparison.Ordinal);
        Assert.Equal(0, await page.Locator("#f-seizure-offenders-1-name").CountAsync());
        Assert.Equal("Scheldt Trading BV", await page.Locator("#f-seizure-offenders-0-name").InputValueAsync());
        Assert.Equal("company", await page.Locator("#f-seizure-offenders-0-kind").InputValueAsync());
        Assert.Equal("NL", await page.Locator("#f-seizure-offenders-0-countryCode").InputValueAsync());
        Assert.Equal(id, await page.Locator("#f-seizure-id").InputValueAsync());
        Assert.Equal("tobacco", await page.Locator("#f-seizure-category").InputValueAsync());
        Assert.Equal("BE", await page.Locator("#f-seizure-route-transitCountryCodes-0").InputValueAsync());
        // Removing a row records nothing.
        Assert.Null(await RecordAsync(node, "seizure", id));
        Assert.Equal(0, await page.Locator("#record-done").CountAsync());
        await fixture.CheckAsync(page, "sharing-row-removed");

        await page.GetByRole(AriaRole.Button, new() { Name = "Record and share" }).ClickAsync();
        await page.WaitForSelectorAsync("#record-done");
        var seizure = (await RecordAsync(node, "seizure", id))!["document"]!["seizure"]!;
        var offender = Assert.Single(seizure["offenders"]!.AsArray())!;
        Assert.Equal(("company", "Scheldt Trading BV", "NL"), (offender["kind"]!.GetValue<string>(), offender["name"]!.GetValue<string>(), offender["countryCode"]!.GetValue<string>()));
        Assert.Equal(["BE"], seizure["route"]!["transitCountryCodes"]!.AsArray().Select(c => c!.GetValue<string>()));
    }

    [ConsoleFact]
    public async Task A_seizure_report_recorded_on_the_sharing_page_is_pushed_to_the_partner_and_shown_delivered_with_its_signed_receipt()
    {
        // Two real nodes on loopback, GB and KR, bound by an agreement whose seizure reports go to the parties they involve.
        await using var network = await Exchange.TestNetwork.StartAsync(["GB", "KR"]);
        var gb = new ConsoleNode(network["GB"], new Dictionary<string, string>(StringComparer.Ordinal) { ["liaison"] = network.LiaisonKeys[0] });
        var page = await fixture.NewPageAsync(gb);
        await ConsoleFixture.SignInAsync(page, gb.Keys["liaison"]);
        await page.GotoAsync("/console/sharing");
        var id = "GB-S-" + Guid.NewGuid().ToString("N")[..8];
        await page.Locator("#f-seizure-id").FillAsync(id);
        await page.Locator("#f-seizure-seizedAt").FillAsync("2026-11-22T07:15");
        await page.Locator("#f-seizure-category").SelectOptionAsync("counterfeits");
        await page.Locator("#f-seizure-route-departureCountryCode").FillAsync("CN");
        await page.Locator("#f-seizure-route-destinationCountryCode").FillAsync("KR");
        await page.GetByRole(AriaRole.Button, new() { Name = "Record and share" }).ClickAsync();
        await page.WaitForSelectorAsync("#record-done");
        var recordId = (await RecordAsync(gb, "seizure", id))!["id"]!.GetValue<string>();
        Assert.Contains("Pushed to KR under test-network", await page.Locator("#record-done").InnerTextAsync(), StringComparison.Ordinal);

        // The sharing page asked again until the push is delivered (bounded): the partner's signed receipt is held.
        var pushes = page.Locator($"article.record[aria-labelledby='rec-{recordId}'] .pushes");
        var clock = System.Diagnostics.Stopwatch.StartNew();
        string shown;
        while (!(shown = await pushes.InnerTextAsync()).Contains("delivered; the partner's signed receipt is held", StringComparison.Ordinal))
        {
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(60), $"not delivered within 60 s; the page says: {shown}\n--- GB\n{network["GB"].Log}\n--- KR\n{network["KR"].Log}");
            await page.WaitForTimeoutAsync(250);
            await page.GotoAsync("/console/sharing");
        }
        Assert.Contains("KR (test-network, risk-management", shown, StringComparison.Ordinal);
        await fixture.CheckAsync(page, "sharing-delivered");

        // KR holds it in its inbox, and GB the receipt the page counted.
        using var kr = network.Liaison("KR");
        var inbox = JsonNode.Parse(await kr.GetStringAsync(new Uri("/api/exchange/inbox?kind=seizure-report", UriKind.Relative)))!.AsArray();
        Assert.Single(inbox);
    }

    [ConsoleFact]
    public async Task A_liaison_officer_records_an_AEO_status_with_the_form_the_address_and_dates_checked_as_the_API_checks_them()
    {
        var node = await fixture.NodeAsync(StorageProvider.Sqlite);
        var page = await fixture.NewPageAsync(node);
        await ConsoleFixture.SignInAsync(page, node.Keys["liaison"]);
        await page.GotoAsync("/console/sharing");
        await page.Locator("#kind").SelectOptionAsync("aeo-status");
        await page.GetByRole(AriaRole.Button, new() { Name = "Start from this kind" }).ClickAsync();
        await page.WaitForURLAsync("**/console/sharing?kind=aeo-status");

        var trader = "GB" + Random.Shared.Next(100000000, 999999999).ToString(System.Globalization.CultureInfo.InvariantCulture) + "000";
        await page.Locator("#f-aeo-id").FillAsync(trader);
        await page.Locator("#f-aeo-name").FillAsync("Thames Logistics Ltd");
        await page.Locator("#f-aeo-status").SelectOptionAsync("suspended");
        await page.Locator("#f-aeo-validatedOn").FillAsync("2024-04-01");
        await page.GetByRole(AriaRole.Button, new() { Name = "Record and share" }).ClickAsync();
        await page.WaitForSelectorAsync("#f-aeo-address-error");
        Assert.Contains("/aeo/address: expected the trader's address", await page.Locator("#f-aeo-address-error").InnerTextAsync(), StringComparison.Ordinal);
        Assert.Contains("/aeo/suspendedOn", await page.Locator("#f-aeo-suspendedOn-error").InnerTextAsync(), StringComparison.Ordinal);
        Assert.Equal("Thames Logistics Ltd", await page.Locator("#f-aeo-name").InputValueAsync());
        await fixture.CheckAsync(page, "sharing-aeo-errors");

        await page.Locator("#f-aeo-address-city").FillAsync("London");
        await page.Locator("#f-aeo-address-countryCode").FillAsync("GB");
        await page.Locator("#f-aeo-suspendedOn").FillAsync("2026-11-01");
        await page.GetByRole(AriaRole.Button, new() { Name = "Record and share" }).ClickAsync();
        await page.WaitForSelectorAsync("#record-done");
        var record = (await RecordAsync(node, "aeo", trader))!;
        var recordId = record["id"]!.GetValue<string>();
        Assert.Contains($"aeo-status {recordId}", await page.Locator("#record-done").InnerTextAsync(), StringComparison.Ordinal);
        // A liaison officer also reads the exchange: the record in the list sent, with each push's delivery and receipt.
        Assert.Equal(1, await page.Locator("#sent article.record", new() { HasText = recordId }).CountAsync());
        await page.Locator("#record-done a").ClickAsync();
        Assert.EndsWith($"#rec-{recordId}", page.Url, StringComparison.Ordinal);
        await fixture.CheckAsync(page, "sharing-aeo");
        var aeo = record["document"]!["aeo"]!;
        Assert.Equal(("suspended", "2026-11-01", "London"), (aeo["status"]!.GetValue<string>(), aeo["suspendedOn"]!.GetValue<string>(), aeo["address"]!["city"]!.GetValue<string>()));
    }

    [ConsoleFact]
    public async Task Recording_a_shared_record_follows_the_API_roles_and_a_forged_form_is_refused()
    {
        var node = await fixture.NodeAsync(StorageProvider.Sqlite);
        var id = "GB-S-" + Guid.NewGuid().ToString("N")[..8];
        (string, string)[] fields = [("/seizure/id", id), ("/seizure/seizedAt", "2026-11-20T08:00"), ("/seizure/category", "tobacco")];

        // The officer's own session, but no anti-forgery token: refused before the page runs.
        var officer = await fixture.NewPageAsync(node);
        await ConsoleFixture.SignInAsync(officer, node.Keys["officer"]);
        var forged = await officer.APIRequest.PostAsync("/console/sharing?kind=seizure-report&handler=Form", new() { Form = FormOf(officer, fields) });
        Assert.Equal(400, forged.Status);

        // An auditor reads what was shared, has no form, and a valid token does not let it record.
        var auditor = await fixture.NewPageAsync(node);
        await ConsoleFixture.SignInAsync(auditor, node.Keys["auditor"]);
        await auditor.GotoAsync("/console/sharing");
        Assert.Equal(0, await auditor.Locator("#record-form").CountAsync());
        var token = await auditor.Locator("input[name=__af]").First.InputValueAsync();
        var refused = await auditor.APIRequest.PostAsync("/console/sharing?kind=seizure-report&handler=Form", new() { Form = FormOf(auditor, [.. fields, ("__af", token)]) });
        Assert.Equal(403, refused.Status);

        // An analyst's role has neither (the API's policies).
        var analyst = await fixture.NewPageAsync(node);
        await ConsoleFixture.SignInAsync(analyst, node.Keys["analyst"]);
        Assert.Equal(403, (await analyst.GotoAsync("/console/sharing"))!.Status);
        Assert.Null(await RecordAsync(node, "seizure", id));
    }

    [ConsoleFact]
    public async Task An_officer_works_an_assistance_request_from_its_page_acknowledge_answer_in_parts_and_decline()
    {
        var node = await fixture.NodeAsync(StorageProvider.Sqlite);
        var answered = "NL-AR-" + Guid.NewGuid().ToString("N")[..8];
        var declined = "NL-AR-" + Guid.NewGuid().ToString("N")[..8];
        await ConsoleTests.ReceiveAssistanceAsync(node, answered, declined);
        var page = await fixture.NewPageAsync(node);
        await ConsoleFixture.SignInAsync(page, node.Keys["officer"]);
        await page.GotoAsync("/console/assistance");
        await page.GetByRole(AriaRole.Link, new() { Name = answered, Exact = true }).ClickAsync();
        await page.WaitForURLAsync($"**/console/assistance/{answered}");
        Assert.Equal("sent", await page.Locator("#request-status").InnerTextAsync());
        Assert.Contains("UTC", await page.Locator("#request-deadline").InnerTextAsync(), StringComparison.Ordinal);
        Assert.Contains("Who is the consignee?", await page.Locator("#request").InnerTextAsync(), StringComparison.Ordinal);
        Assert.Equal("No part answered yet.", await page.Locator("#parts p").InnerTextAsync());
        await fixture.CheckAsync(page, "assistance-detail");

        await page.GetByLabel("Your reference (optional)").FillAsync("GB-REF-1");
        await page.GetByRole(AriaRole.Button, new() { Name = "Acknowledge" }).ClickAsync();
        await page.WaitForSelectorAsync("#assistance-done");
        Assert.Equal("acknowledged", await page.Locator("#request-status").InnerTextAsync());

        // Nothing to send, then data that is not JSON: each refused next to its field, nothing sent.
        await page.GetByRole(AriaRole.Button, new() { Name = "Send answer" }).ClickAsync();
        Assert.Contains("/answer: expected text, data or both", await page.Locator("#Text-error").InnerTextAsync(), StringComparison.Ordinal);
        Assert.Equal("true", await page.Locator("#Text").GetAttributeAsync("aria-invalid"));
        await page.Locator("#Data").FillAsync("{\"consignee\": ");
        await page.GetByRole(AriaRole.Button, new() { Name = "Send answer" }).ClickAsync();
        Assert.StartsWith("Line 1, position", await page.Locator("#Data-error").InnerTextAsync(), StringComparison.Ordinal);
        await fixture.CheckAsync(page, "assistance-detail-errors");

        await page.Locator("#Data").FillAsync("");
        await page.Locator("#Text").FillAsync("Consignee confirmed: GB123456789000");
        await page.GetByRole(AriaRole.Button, new() { Name = "Send answer" }).ClickAsync();
        await page.WaitForSelectorAsync("#assistance-done");
        Assert.Equal("partially-answered", await page.Locator("#request-status").InnerTextAsync());
        await page.Locator("#Data").FillAsync("{\"consignee\": \"GB123456789000\", \"shipments\": 3}");
        await page.Locator("#Final").CheckAsync();
        await page.GetByRole(AriaRole.Button, new() { Name = "Send answer" }).ClickAsync();
        await page.WaitForSelectorAsync("#assistance-done");
        Assert.Equal("answered", await page.Locator("#request-status").InnerTextAsync());
        Assert.Equal(2, await page.Locator("#parts li.part").CountAsync());
        Assert.Contains("\"shipments\":3", await page.Locator("#parts li.part").Nth(1).InnerTextAsync(), StringComparison.Ordinal);
        Assert.Equal(0, await page.Locator("#act").CountAsync());
        var history = await page.Locator("#history tbody").InnerTextAsync();
        Assert.Contains("acknowledgement", history, StringComparison.Ordinal);
        Assert.Equal(4, await page.Locator("#history tbody tr").CountAsync());
        await fixture.CheckAsync(page, "assistance-answered");

        // Declining needs grounds, shown next to the field; then it is declined, with them.
        await page.GotoAsync($"/console/assistance/{declined}");
        await page.GetByRole(AriaRole.Button, new() { Name = "Decline" }).ClickAsync();
        Assert.Equal("Say why the request is declined.", await page.Locator("#Grounds-error").InnerTextAsync());
        await page.GetByLabel("Grounds for declining").FillAsync("Outside the agreement's scope");
        await page.GetByRole(AriaRole.Button, new() { Name = "Decline" }).ClickAsync();
        await page.WaitForSelectorAsync("#assistance-done");
        Assert.Equal("declined", await page.Locator("#request-status").InnerTextAsync());
        Assert.Equal("Outside the agreement's scope", await page.Locator("#request-grounds").InnerTextAsync());

        using var api = node.Node.Client(node.Keys["officer"]);
        var shown = JsonNode.Parse(await api.GetStringAsync(new Uri($"/api/assistance-requests/{answered}", UriKind.Relative)))!;
        Assert.Equal("answered", shown["status"]!.GetValue<string>());
        Assert.Equal("GB-REF-1", shown["requestedReference"]!.GetValue<string>());
        Assert.Equal(3, shown["answers"]![1]!["data"]!["shipments"]!.GetValue<int>());
    }

    [ConsoleFact]
    public async Task The_assistance_page_follows_the_API_roles_and_a_forged_answer_is_refused()
    {
        var node = await fixture.NodeAsync(StorageProvider.Sqlite);
        var id = "NL-AR-" + Guid.NewGuid().ToString("N")[..8];
        await ConsoleTests.ReceiveAssistanceAsync(node, id);
        var officer = await fixture.NewPageAsync(node);
        await ConsoleFixture.SignInAsync(officer, node.Keys["officer"]);
        await officer.GotoAsync($"/console/assistance/{id}");
        var forged = await officer.APIRequest.PostAsync($"/console/assistance/{id}?handler=Decline", new() { Form = FormOf(officer, ("Grounds", "forged")) });
        Assert.Equal(400, forged.Status);
        Assert.Equal(404, (await officer.GotoAsync("/console/assistance/NL-AR-none"))!.Status);

        var analyst = await fixture.NewPageAsync(node);
        await ConsoleFixture.SignInAsync(analyst, node.Keys["analyst"]);
        Assert.Equal(403, (await analyst.GotoAsync($"/console/assistance/{id}"))!.Status);
        var auditor = await fixture.NewPageAsync(node);
        await ConsoleFixture.SignInAsync(auditor, node.Keys["auditor"]);
        Assert.Equal(403, (await auditor.GotoAsync($"/console/assistance/{id}"))!.Status);

        await officer.GotoAsync($"/console/assistance/{id}");
        Assert.Equal("sent", await officer.Locator("#request-status").InnerTextAsync());
    }

    [ConsoleFact]
    public async Task An_officer_imports_a_seizure_file_through_a_mapping_with_every_error_at_its_line_and_field()
    {
        var node = await fixture.NodeAsync(StorageProvider.Sqlite);
        var page = await fixture.NewPageAsync(node);
        await ConsoleFixture.SignInAsync(page, node.Keys["officer"]);
        await page.GotoAsync("/console/intelligence/seizures");
        await page.GetByRole(AriaRole.Link, new() { Name = "Import", Exact = true }).ClickAsync();
        await page.WaitForURLAsync("**/console/intelligence/seizure-import");
        await fixture.CheckAsync(page, "seizure-import");

        var prefix = "GB-I-" + Guid.NewGuid().ToString("N")[..6] + "-";
        var good = Intelligence.Seizures.SeizureStoreTests.Good.Replace("NL-", prefix, StringComparison.Ordinal);
        var bad = good.Replace("120;kg;EC", "-120;kg;EC", StringComparison.Ordinal).Replace("AE;;NL", "AE;;QQ", StringComparison.Ordinal);
        await page.Locator("#Mapping").FillAsync(Intelligence.Seizures.SeizureStoreTests.Mapping);
        await page.Locator("#Upload").SetInputFilesAsync(new FilePayload { Name = "bad.csv", MimeType = "text/csv", Buffer = Encoding.UTF8.GetBytes(bad) });
        await page.GetByRole(AriaRole.Button, new() { Name = "Import" }).ClickAsync();
        await page.WaitForSelectorAsync("#import-errors");
        Assert.Equal("import-errors", await page.Locator("#Upload").GetAttributeAsync("aria-describedby"));
        var rows = page.Locator("#import-errors tbody tr");
        Assert.Equal(2, await rows.CountAsync());
        var first = await rows.Nth(0).InnerTextAsync();
        Assert.Contains("bad.csv", first, StringComparison.Ordinal);
        Assert.Contains("/seizure/quantity/amount", first, StringComparison.Ordinal);
        Assert.Contains("column 'qty'", first, StringComparison.Ordinal);
        Assert.Equal("2", await rows.Nth(0).Locator("td").Nth(1).InnerTextAsync());
        Assert.Equal("3", await rows.Nth(1).Locator("td").Nth(1).InnerTextAsync());
        Assert.Contains("'QQ'", await rows.Nth(1).InnerTextAsync(), StringComparison.Ordinal);
        Assert.Equal(Intelligence.Seizures.SeizureStoreTests.Mapping.Trim(), (await page.Locator("#Mapping").InputValueAsync()).Trim());
        await fixture.CheckAsync(page, "seizure-import-errors");

        // All or nothing: nothing of the bad file was recorded; the good one is, all three.
        await page.Locator("#Upload").SetInputFilesAsync(new FilePayload { Name = "seizures.csv", MimeType = "text/csv", Buffer = Encoding.UTF8.GetBytes(good) });
        await page.GetByRole(AriaRole.Button, new() { Name = "Import" }).ClickAsync();
        await page.WaitForSelectorAsync("#import-done");
        Assert.Contains("3 seizures imported from seizures.csv", await page.Locator("#import-done").InnerTextAsync(), StringComparison.Ordinal);
        await page.GotoAsync("/console/intelligence/seizures");
        var listed = await page.Locator("#seizures").InnerTextAsync();
        Assert.Contains(prefix + "1", listed, StringComparison.Ordinal);
        Assert.Contains(prefix + "3", listed, StringComparison.Ordinal);

        // The same file again: refused at each line, already recorded.
        await page.GotoAsync("/console/intelligence/seizure-import");
        await page.Locator("#Mapping").FillAsync(Intelligence.Seizures.SeizureStoreTests.Mapping);
        await page.Locator("#Upload").SetInputFilesAsync(new FilePayload { Name = "seizures.csv", MimeType = "text/csv", Buffer = Encoding.UTF8.GetBytes(good) });
        await page.GetByRole(AriaRole.Button, new() { Name = "Import" }).ClickAsync();
        await page.WaitForSelectorAsync("#import-errors");
        Assert.Contains("already recorded", await page.Locator("#import-errors").InnerTextAsync(), StringComparison.Ordinal);

        // A mapping that cannot be read: its errors, next to the mapping.
        await page.Locator("#Mapping").FillAsync("name: broken\nformat: xml\nfields: []\n");
        await page.Locator("#Upload").SetInputFilesAsync(new FilePayload { Name = "seizures.csv", MimeType = "text/csv", Buffer = Encoding.UTF8.GetBytes(good) });
        await page.GetByRole(AriaRole.Button, new() { Name = "Import" }).ClickAsync();
        await page.WaitForSelectorAsync("#import-errors");
        Assert.Equal("import-errors", await page.Locator("#Mapping").GetAttributeAsync("aria-describedby"));
        Assert.Contains("mapping", await page.Locator("#import-errors tbody").InnerTextAsync(), StringComparison.Ordinal);

        // No file, then a file over the limit: each said next to the file field.
        await page.GotoAsync("/console/intelligence/seizure-import");
        await page.Locator("#Mapping").FillAsync(Intelligence.Seizures.SeizureStoreTests.Mapping);
        await page.GetByRole(AriaRole.Button, new() { Name = "Import" }).ClickAsync();
        Assert.Equal("Choose the seizure file to import.", await page.Locator("#Upload-error").InnerTextAsync());
        var large = new byte[9 * 1024 * 1024];
        Array.Fill(large, (byte)'x');
        await page.Locator("#Upload").SetInputFilesAsync(new FilePayload { Name = "large.csv", MimeType = "text/csv", Buffer = large });
        await page.GetByRole(AriaRole.Button, new() { Name = "Import" }).ClickAsync();
        await page.WaitForSelectorAsync("#Upload-error");
        Assert.Contains("at most 8.0 MiB", await page.Locator("#Upload-error").InnerTextAsync(), StringComparison.Ordinal);
    }

    [ConsoleFact]
    public async Task Importing_seizures_follows_the_API_roles_and_a_forged_upload_is_refused()
    {
        var node = await fixture.NodeAsync(StorageProvider.Sqlite);
        var officer = await fixture.NewPageAsync(node);
        await ConsoleFixture.SignInAsync(officer, node.Keys["officer"]);
        var prefix = "GB-F-" + Guid.NewGuid().ToString("N")[..6] + "-";
        var form = officer.APIRequest.CreateFormData();
        form.Set("Mapping", Intelligence.Seizures.SeizureStoreTests.Mapping);
        form.Set("Upload", new FilePayload
        {
            Name = "seizures.csv",
            MimeType = "text/csv",
            Buffer = Encoding.UTF8.GetBytes(Intelligence.Seizures.SeizureStoreTests.Good.Replace("NL-", prefix, StringComparison.Ordinal)),
        });
        var forged = await officer.APIRequest.PostAsync("/console/intelligence/seizure-import", new() { Multipart = form });
        Assert.Equal(400, forged.Status);
        using var api = node.Node.Client(node.Keys["officer"]);
        Assert.DoesNotContain(prefix, await api.GetStringAsync(new Uri("/api/seizures", UriKind.Relative)), StringComparison.Ordinal);

        var analyst = await fixture.NewPageAsync(node);
        await ConsoleFixture.SignInAsync(analyst, node.Keys["analyst"]);
        Assert.Equal(403, (await analyst.GotoAsync("/console/intelligence/seizure-import"))!.Status);
        await analyst.GotoAsync("/console/intelligence/seizures");
        Assert.Equal(0, await analyst.GetByRole(AriaRole.Link, new() { Name = "Import", Exact = true }).CountAsync());
    }

    /// <summary>The record whose body (under <paramref name="root"/>) has that id, as GET /api/records lists it; null when none.</summary>
    private static async Task<JsonObject?> RecordAsync(ConsoleNode node, string root, string id)
    {
        using var api = node.Node.Client(node.Keys["liaison"]);
        var records = JsonNode.Parse(await api.GetStringAsync(new Uri("/api/records?limit=1000", UriKind.Relative)))!.AsArray();
        return records.OfType<JsonObject>().FirstOrDefault(r => r["document"]?[root]?["id"]?.GetValue<string>() == id);
    }

    private static IFormData FormOf(IPage page, params (string Name, string Value)[] fields)
    {
        var form = page.APIRequest.CreateFormData();
        foreach (var (name, value) in fields) form.Set(name, value);
        return form;
    }
}
