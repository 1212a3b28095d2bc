using System.Text.Json.Nodes;
using Entente.Agreements;
using Entente.Assistance;
using Entente.Ledger;
using Entente.Storage;
using Entente.Tests.Storage;
using static Entente.Tests.Assistance.AssistanceTestKit;

namespace Entente.Tests.Assistance;

/// <summary>Two desks on two databases talking to each other: whole conversations, as both sides keep them.</summary>
public class AssistanceConversationTests
{
    [StoreTheory, BothStores]
    public async Task A_request_is_acknowledged_answered_in_parts_and_both_sides_keep_the_same_account(StorageProvider provider)
    {
        await using var pair = await DeskPair.CreateAsync(provider);

        var sent = await pair.Nl.NewAsync(Draft(), "de-vries");
        Assert.Equal(Start.AddDays(30), sent.AnswerBy);
        var received = await pair.Kr.GetAsync(sent.Id);
        Assert.NotNull(received);
        Assert.Equal(AssistanceRole.Requested, received.RoleOf("KR"));

        pair.Time.Advance(TimeSpan.FromDays(1));
        await pair.Kr.AcknowledgeAsync(sent.Id, "kim", "KCS-2026-77");
        pair.Time.Advance(TimeSpan.FromDays(5));
        await pair.Kr.AnswerAsync(sent.Id, "Item 1: origin KR confirmed", null, final: false, "kim");
        Assert.Equal(AssistanceStatus.PartiallyAnswered, (await pair.Nl.GetAsync(sent.Id))!.Status);
        pair.Time.Advance(TimeSpan.FromDays(5));
        await pair.Kr.AnswerAsync(sent.Id, "Item 2: not produced in KR", new JsonObject { ["certificate"] = "refused" }, final: true, "kim");

        var nl = (await pair.Nl.GetAsync(sent.Id))!;
        var kr = (await pair.Kr.GetAsync(sent.Id))!;
        Assert.Equal(AssistanceStatus.Answered, nl.Status);
        Assert.Equal("KCS-2026-77", nl.RequestedReference);
        Assert.Equal(["Item 1: origin KR confirmed", "Item 2: not produced in KR"], nl.Parts.Select(p => p.Text));
        Assert.Equal("refused", nl.Parts[1].Data!["certificate"]!.GetValue<string>());
        var now = pair.Time.GetUtcNow();
        Assert.Equal(Without(nl.ToJson("NL", now), "role"), Without(kr.ToJson("NL", now), "role"));
        Assert.All(pair.Receipts, r => Assert.Equal(AssistanceReceiptOutcome.Applied, r.Outcome));

        Assert.Equal([LedgerKinds.PolicyDecision, AssistanceLedger.Sent, AssistanceLedger.Acknowledged, AssistanceLedger.Answered, AssistanceLedger.Answered],
            await DeskPair.KindsAsync(pair.NlLedger, sent.Id));
        Assert.Equal([AssistanceLedger.Received, LedgerKinds.PolicyDecision, AssistanceLedger.Acknowledged, AssistanceLedger.Answered, AssistanceLedger.Answered],
            await DeskPair.KindsAsync(pair.KrLedger, sent.Id));
    }

    [StoreTheory, BothStores]
    public async Task The_ledger_names_the_request_agreement_purpose_and_case_but_no_party_or_text_in_clear(StorageProvider provider)
    {
        await using var pair = await DeskPair.CreateAsync(provider);
        var sent = await pair.Nl.NewAsync(Draft(), "de-vries");
        await pair.Kr.DeclineAsync(sent.Id, "The importer NL123456789 is under our own investigation", "kim");

        foreach (var ledger in new[] { pair.NlLedger, pair.KrLedger })
        {
            var entries = (await ledger.EntriesAboutAsync(AssistanceDesk.SubjectPrefix + sent.Id, 100)).Select(e => e.Entry).ToList();
            var moves = entries.Where(e => e.Kind.StartsWith("assistance-", StringComparison.Ordinal)).ToList();
            Assert.Equal(2, moves.Count);
            foreach (var entry in moves)
            {
                Assert.Equal(sent.Id, entry.Body["request"]!.GetValue<string>());
                Assert.Equal(AgreementId, entry.Body["agreement"]!["id"]!.GetValue<string>());
                Assert.Equal(1, entry.Body["agreement"]!["version"]!.GetValue<int>());
                Assert.StartsWith("sha256:", entry.Body["agreement"]!["hash"]!.GetValue<string>(), StringComparison.Ordinal);
                Assert.Equal("investigation", entry.Body["purpose"]!.GetValue<string>());
                Assert.Equal("NL-FIOD-2026-0042", entry.Body["caseReference"]!.GetValue<string>());
            }
            var text = string.Join("\n", entries.Select(e => e.Body.ToJsonString()));
            Assert.DoesNotContain("NL123456789", text, StringComparison.Ordinal);
            Assert.DoesNotContain("Confirm the origin", text, StringComparison.Ordinal);
            Assert.Contains(LedgerSubjects.Field, text, StringComparison.Ordinal);
            Assert.Contains("party:", text, StringComparison.Ordinal);
        }
    }

    [StoreTheory, BothStores]
    public async Task A_declined_request_carries_its_grounds_to_the_applicant(StorageProvider provider)
    {
        await using var pair = await DeskPair.CreateAsync(provider);
        var sent = await pair.Nl.NewAsync(Draft(), "de-vries");
        await pair.Kr.AcknowledgeAsync(sent.Id, "kim");

        await pair.Kr.DeclineAsync(sent.Id, "Art. 12: assistance would prejudice a judicial procedure in progress", "kim");

        var nl = (await pair.Nl.GetAsync(sent.Id))!;
        Assert.Equal(AssistanceStatus.Declined, nl.Status);
        Assert.Equal("Art. 12: assistance would prejudice a judicial procedure in progress", nl.DeclineGrounds);
        var late = await Assert.ThrowsAsync<AssistanceException>(() => pair.Kr.AnswerAsync(sent.Id, "after all...", null, true, "kim"));
        Assert.Equal(AssistanceError.IllegalMove, late.Error);
        Assert.Contains(AssistanceLedger.Declined, await DeskPair.KindsAsync(pair.NlLedger, sent.Id));
    }

    [StoreTheory, BothStores]
    public async Task A_request_without_a_legal_basis_at_the_requested_authority_is_declined_automatically(StorageProvider provider)
    {
        await using var pair = await DeskPair.CreateAsync(provider);
        pair.KrAgreements.Clear();
        pair.KrAgreements.Add(Agreement(assistance: false));

        var sent = await pair.Nl.NewAsync(Draft(), "de-vries");

        Assert.Equal(AssistanceReceiptOutcome.Declined, Assert.Single(pair.Receipts, r => r.Request?.Id == sent.Id && r.Outcome != AssistanceReceiptOutcome.Applied).Outcome);
        var nl = (await pair.Nl.GetAsync(sent.Id))!;
        Assert.Equal(AssistanceStatus.Declined, nl.Status);
        Assert.StartsWith("no legal basis: ", nl.DeclineGrounds, StringComparison.Ordinal);
        Assert.Contains("does not cover assistance-requests", nl.DeclineGrounds, StringComparison.Ordinal);
        var krLedger = (await pair.KrLedger.EntriesAboutAsync(AssistanceDesk.SubjectPrefix + sent.Id, 100)).OrderBy(e => e.Index).Select(e => e.Entry).ToList();
        Assert.Equal([AssistanceLedger.Received, LedgerKinds.PolicyDecision, AssistanceLedger.Declined], krLedger.Select(e => e.Kind));
        Assert.Equal("deny", krLedger[1].Body["decision"]!.GetValue<string>());
        Assert.True(krLedger[2].Body["automatic"]!.GetValue<bool>());
    }

    [StoreTheory, BothStores]
    public async Task The_applicant_refuses_to_send_without_a_legal_basis_and_records_the_decision(StorageProvider provider)
    {
        await using var pair = await DeskPair.CreateAsync(provider);

        var wrongBasis = await Assert.ThrowsAsync<AssistanceException>(() => pair.Nl.NewAsync(Draft() with { LegalBasis = "Art. 99 (made up)" }, "de-vries"));
        var wrongPurpose = await Assert.ThrowsAsync<AssistanceException>(() => pair.Nl.NewAsync(Draft(Purpose.Statistics), "de-vries"));
        var notInForce = await Assert.ThrowsAsync<AssistanceException>(() => pair.Nl.NewAsync(Draft() with { AgreementId = "nl-kr-other" }, "de-vries"));
        var otherParty = await Assert.ThrowsAsync<AssistanceException>(() => pair.Nl.NewAsync(Draft() with { To = "FR" }, "de-vries"));

        Assert.All(new[] { wrongBasis, wrongPurpose, notInForce, otherParty }, e => Assert.Equal(AssistanceError.NoLegalBasis, e.Error));
        Assert.Equal("/legalBasis", wrongBasis.Problems.Single().Field);
        Assert.Contains($"cite one of: \"{Article3}\"", wrongBasis.Message, StringComparison.Ordinal);
        Assert.Equal("/purpose", wrongPurpose.Problems.Single().Field);
        Assert.Contains("purpose statistics is not allowed for assistance-requests", wrongPurpose.Message, StringComparison.Ordinal);
        Assert.Equal("/agreement", notInForce.Problems.Single().Field);
        Assert.Contains("agreement nl-kr-other is not in force (in force: nl-kr-assistance v1)", notInForce.Message, StringComparison.Ordinal);
        Assert.Contains(otherParty.Problems, p => p.Field == "/to" && p.Message.StartsWith("FR is not a party", StringComparison.Ordinal));
        Assert.Empty(pair.Sent);
        Assert.Empty(await pair.Nl.ListAsync(new AssistanceFilter()));
        var head = await pair.NlLedger.GetHeadAsync();
        var decisions = new List<LedgerEntry>();
        for (var i = 0L; i < head.Size; i++) decisions.Add((await pair.NlLedger.GetEntryAsync(i))!.Entry);
        Assert.Equal(4, decisions.Count(e => e.Kind == LedgerKinds.PolicyDecision && e.Body["decision"]!.GetValue<string>() == "deny"));
    }

    [StoreTheory, BothStores]
    public async Task A_message_delivered_twice_changes_nothing_the_second_time(StorageProvider provider)
    {
        await using var pair = await DeskPair.CreateAsync(provider);
        var sent = await pair.Nl.NewAsync(Draft(), "de-vries");
        await pair.Kr.AnswerAsync(sent.Id, "part one", null, false, "kim");
        var krEntries = (await pair.KrLedger.GetHeadAsync()).Size;
        var nlEntries = (await pair.NlLedger.GetHeadAsync()).Size;

        var again = new List<AssistanceReceipt>
        {
            await pair.Kr.ReceiveAsync(pair.Sent[0]),
            await pair.Nl.ReceiveAsync(pair.Sent[1]),
            await pair.Nl.ReceiveAsync(AssistanceMessage.FromJson(JsonNode.Parse(pair.Sent[1].ToJson().ToJsonString())!.AsObject())),
        };

        Assert.All(again, r => Assert.Equal(AssistanceReceiptOutcome.Duplicate, r.Outcome));
        Assert.Single((await pair.Nl.GetAsync(sent.Id))!.Parts);
        Assert.Equal(2, (await pair.Kr.GetAsync(sent.Id))!.History.Count);
        Assert.Equal(krEntries, (await pair.KrLedger.GetHeadAsync()).Size);
        Assert.Equal(nlEntries, (await pair.NlLedger.GetHeadAsync()).Size);
    }

    [StoreTheory, BothStores]
    public async Task A_message_that_cannot_be_applied_is_refused_and_recorded(StorageProvider provider)
    {
        await using var pair = await DeskPair.CreateAsync(provider);
        var sent = await pair.Nl.NewAsync(Draft(), "de-vries");
        await pair.Nl.WithdrawAsync(sent.Id, "case closed", "de-vries");
        var crossed = new AssistanceMessage(AssistanceMessageKind.Answer, sent.Id, "KR", "NL", AgreementId, Purpose.Investigation,
            new JsonObject { ["answer"] = new JsonObject { ["requestId"] = sent.Id, ["part"] = 1, ["final"] = true, ["text"] = "crossed in the post" } }, pair.Time.GetUtcNow());

        var unknown = await pair.Nl.ReceiveAsync(crossed with { RequestId = "NL-AR-20260615-none" });
        var late = await pair.Nl.ReceiveAsync(crossed);
        var misdirected = await pair.Nl.ReceiveAsync(crossed with { To = "FR" });

        Assert.Equal(AssistanceReceiptOutcome.Refused, unknown.Outcome);
        Assert.Equal("no request NL-AR-20260615-none at NL", unknown.Reason);
        Assert.Equal(AssistanceReceiptOutcome.Refused, late.Outcome);
        Assert.Contains("is withdrawn: it cannot answer it", late.Reason, StringComparison.Ordinal);
        Assert.Equal(AssistanceReceiptOutcome.Refused, misdirected.Outcome);
        Assert.Equal(AssistanceStatus.Withdrawn, (await pair.Nl.GetAsync(sent.Id))!.Status);
        Assert.Equal(AssistanceStatus.Withdrawn, (await pair.Kr.GetAsync(sent.Id))!.Status);
        Assert.Equal(2, (await DeskPair.KindsAsync(pair.NlLedger, sent.Id)).Count(k => k == AssistanceLedger.Refused));
    }

    [StoreTheory, BothStores]
    public async Task Overdue_requests_are_flagged_and_listed_on_both_sides(StorageProvider provider)
    {
        await using var pair = await DeskPair.CreateAsync(provider);
        var quick = await pair.Nl.NewAsync(Draft() with { AnswerBy = Start.AddDays(10) }, "de-vries");
        var normal = await pair.Nl.NewAsync(Draft(), "de-vries");
        var answered = await pair.Nl.NewAsync(Draft() with { AnswerBy = Start.AddDays(5) }, "de-vries");
        await pair.Kr.AnswerAsync(answered.Id, "done", null, true, "kim");
        var tooLate = await Assert.ThrowsAsync<AssistanceException>(() => pair.Nl.NewAsync(Draft() with { AnswerBy = Start.AddDays(31) }, "de-vries"));
        Assert.Equal("/answerBy", tooLate.Problems.Single().Field);

        Assert.Empty(await pair.Nl.ListAsync(new AssistanceFilter(OverdueOnly: true)));
        pair.Time.Advance(TimeSpan.FromDays(11));
        Assert.Equal([quick.Id], (await pair.Nl.ListAsync(new AssistanceFilter(OverdueOnly: true))).Select(r => r.Id));
        Assert.Equal([quick.Id], (await pair.Kr.ListAsync(new AssistanceFilter(OverdueOnly: true))).Select(r => r.Id));
        pair.Time.Advance(TimeSpan.FromDays(20));
        var overdue = await pair.Kr.ListAsync(new AssistanceFilter(OverdueOnly: true));
        Assert.Equal(new[] { normal.Id, quick.Id }.Order(StringComparer.Ordinal), overdue.Select(r => r.Id).Order(StringComparer.Ordinal));
        Assert.All(overdue, r => Assert.True(r.Overdue));
        Assert.All(overdue, r => Assert.Equal(AssistanceRole.Requested, r.Role));
        var all = await pair.Kr.ListAsync(new AssistanceFilter());
        Assert.Equal(3, all.Count);
        Assert.False(all.Single(r => r.Id == answered.Id).Overdue);
        Assert.Equal([answered.Id], (await pair.Kr.ListAsync(new AssistanceFilter(Status: AssistanceStatus.Answered))).Select(r => r.Id));
        Assert.Equal(3, (await pair.Nl.ListAsync(new AssistanceFilter(Role: AssistanceRole.Applicant))).Count);
    }

    private static string Without(JsonObject json, string member)
    {
        json.Remove(member);
        return json.ToJsonString();
    }
}
