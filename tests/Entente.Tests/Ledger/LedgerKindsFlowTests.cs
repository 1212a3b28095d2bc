using System.Security.Cryptography;
using System.Text.Json.Nodes;
using Entente.Access;
using Entente.Agreements;
using Entente.Assistance;
using Entente.Exchange;
using Entente.Hosting;
using Entente.Ledger;
using Entente.Retention;
using Entente.Storage;
using Entente.Tests.Assistance;
using Entente.Tests.Storage;
using Microsoft.Extensions.Logging.Abstractions;
using static Entente.Tests.Agreements.AgreementTestKit;

namespace Entente.Tests.Ledger;

/// <summary>Real feature flows on fresh SQLite ledgers: every entry they write is of a listed kind and fits its body schema.</summary>
public class LedgerKindsFlowTests
{
    private static readonly LedgerActor Officer = new("officer", "NL");
    private readonly HashSet<string> _written = new(StringComparer.Ordinal);

    private async Task AssertFitsAsync(LedgerStore ledger, string who)
    {
        var result = await ledger.VerifyAsync(null);
        Assert.True(result.Ok, $"{who}: " + string.Join("; ", result.Problems));
        Assert.True(result.Warnings.Count == 0, $"{who}: " + string.Join("\n", result.Warnings));
        var head = await ledger.GetHeadAsync();
        for (var i = 0L; i < head.Size; i++) _written.Add((await ledger.GetEntryAsync(i))!.Entry.Kind);
    }

    [Fact]
    public async Task Disclosure_receipt_refusal_consent_and_onward_transfer_entries_fit_their_kinds()
    {
        await using var nlStore = await TestStore.CreateAsync(StorageProvider.Sqlite);
        await using var krStore = await TestStore.CreateAsync(StorageProvider.Sqlite);
        nlStore.Time.SetUtcNow(InForceAt);
        krStore.Time.SetUtcNow(InForceAt);
        using var nlEncryption = ECDiffieHellman.Create(ECCurve.NamedCurves.nistP256);
        using var krEncryption = ECDiffieHellman.Create(ECCurve.NamedCurves.nistP256);
        var agreement = Bilateral();
        var owned = new List<IAsyncDisposable>();
        ExchangeNode Make(TestStore store, string code, ECDsa key, ECDiffieHellman encryption, ExchangePartner partner)
        {
            var db = NodeDatabase.Open(store.Database);
            var ledger = LedgerStore.Open(store.Database, store.Time);
            owned.AddRange([ledger, db]);
            return new ExchangeNode(code, key, Fingerprint(key), encryption, new byte[32], new ExchangeStore(db), ledger, store.Time,
                (c, _) => Task.FromResult(c == partner.Code ? partner : null), _ => [agreement], new ExchangeMetrics(), NullLogger.Instance);
        }
        try
        {
            var nl = Make(nlStore, "NL", NlKey, nlEncryption, new ExchangePartner("KR", new Uri("http://127.0.0.1:9/"), KrKey, Fingerprint(KrKey), krEncryption));
            var kr = Make(krStore, "KR", KrKey, krEncryption, new ExchangePartner("NL", new Uri("http://127.0.0.1:9/"), NlKey, Fingerprint(NlKey), nlEncryption));
            var document = JsonNode.Parse("""{"goodsShipment":{"goodsItems":[{"classification":{"code":"8501"}}]}}""")!.AsObject();
            var permitted = await nl.DiscloseAsync(new Disclosure("KR", DataCategory.Declarations, Purpose.RiskManagement, "declaration", document), Officer);
            Assert.IsType<DisclosureOutcome.Queued>(permitted);
            Assert.IsType<DisclosureOutcome.Refused>(
                await nl.DiscloseAsync(new Disclosure("FR", DataCategory.Declarations, Purpose.RiskManagement, "declaration", document.DeepClone().AsObject()), Officer));

            var now = nlStore.Time.GetUtcNow();
            var item = Assert.Single(await nl.Store.ClaimAsync("r", now, now.AddMinutes(1), 10, 10));
            var delivered = Assert.Single(await kr.ReceiveAsync([item.Envelope], "test"));
            Assert.True(delivered.Accepted);
            var signed = delivered.Receipt!;
            await nl.Store.MarkDeliveredAsync([(item.MessageId, signed)], now);
            await nl.RecordReceiptsAsync([(item, signed, Receipt.Verify(signed, KrKey))], CancellationToken.None);

            var header = new EnvelopeHeader("m-outside", "X", 1, "declaration", "NL", "KR", agreement.Id, agreement.ContentHash, Purpose.RiskManagement,
                DataCategory.Declarations, HandlingCode.H2, new EvaluationCode('B', 2), now, now.AddDays(1));
            var outside = Envelope.Seal(header, """{"goodsShipment":{"goodsItems":[{"customsValue":1200}]}}"""u8, NlKey, Fingerprint(NlKey), krEncryption);
            Assert.False(Assert.Single(await kr.ReceiveAsync([outside], "test")).Accepted);

            await nl.ConsentAsync(item.MessageId, "DE", Officer);
            Assert.IsType<DisclosureOutcome.Refused>(await kr.ForwardAsync(item.MessageId, "DE", Purpose.RiskManagement, new LedgerActor("kim", "KR")));

            await AssertFitsAsync(nl.Ledger, "NL");
            await AssertFitsAsync(kr.Ledger, "KR");
        }
        finally
        {
            foreach (var o in owned) await o.DisposeAsync();
        }
        Assert.Superset(new HashSet<string>([LedgerKinds.DisclosurePrepared, LedgerKinds.PolicyDecision, LedgerKinds.DisclosureReceived,
            LedgerKinds.DisclosureReceipted, LedgerKinds.MessageRefused, LedgerKinds.OnwardConsent]), _written);
    }

    [Fact]
    public async Task Assistance_request_entries_fit_their_kinds()
    {
        await using var pair = await DeskPair.CreateAsync(StorageProvider.Sqlite);
        var answered = await pair.Nl.NewAsync(AssistanceTestKit.Draft(), "de-vries");
        await pair.Kr.AcknowledgeAsync(answered.Id, "kim", "KCS-1");
        await pair.Kr.AnswerAsync(answered.Id, "origin confirmed", new JsonObject { ["certificate"] = "valid" }, final: true, "kim");
        var declined = await pair.Nl.NewAsync(AssistanceTestKit.Draft(), "de-vries");
        await pair.Kr.DeclineAsync(declined.Id, "under our own investigation", "kim");
        var withdrawn = await pair.Nl.NewAsync(AssistanceTestKit.Draft(), "de-vries");
        await pair.Nl.WithdrawAsync(withdrawn.Id, "case closed", "de-vries");
        var crossed = new AssistanceMessage(AssistanceMessageKind.Answer, withdrawn.Id, "KR", "NL", AssistanceTestKit.AgreementId, Purpose.Investigation,
            new JsonObject { ["answer"] = new JsonObject { ["requestId"] = withdrawn.Id, ["part"] = 1, ["final"] = true, ["text"] = "crossed in the post" } }, pair.Time.GetUtcNow());
        Assert.Equal(AssistanceReceiptOutcome.Refused, (await pair.Nl.ReceiveAsync(crossed)).Outcome);

        await AssertFitsAsync(pair.NlLedger, "NL");
        await AssertFitsAsync(pair.KrLedger, "KR");
        Assert.Superset(new HashSet<string>([LedgerKinds.PolicyDecision, LedgerKinds.AssistanceRequestSent, LedgerKinds.AssistanceRequestReceived,
            LedgerKinds.AssistanceRequestAcknowledged, LedgerKinds.AssistanceRequestAnswered, LedgerKinds.AssistanceRequestDeclined,
            LedgerKinds.AssistanceRequestWithdrawn, LedgerKinds.AssistanceMessageRefused]), _written);
    }

    [Fact]
    public async Task Access_and_retention_entries_fit_their_kinds()
    {
        await using var test = await TestStore.CreateAsync(StorageProvider.Sqlite);
        await using var ledger = LedgerStore.Open(test.Database, test.Time);
        var subjectKey = RandomNumberGenerator.GetBytes(32);
        var recorder = new AccessRecorder(ledger, subjectKey, "GB");
        var user = new LocalUser("kim", "GB-LHR", null);
        var query = recorder.Query("declaration", [new("party", "GB200")], "party");
        await recorder.RecordReadAsync(user, AccessRecorder.Api, new PersonalDataDecision(true, true, "risk-management", "selected for control", null), query,
            [("d-1", ["GB200"])]);
        await recorder.RecordRefusalAsync(user, AccessRecorder.Console, null, "no purpose stated", recorder.Query("declaration", [new("party", "GB200")], "party"));

        await test.Store.IngestAsync(DeclarationBuilder.Import("OLD").Declarant("GB100").Importer("GB200"));
        test.Time.Advance(TimeSpan.FromDays(400));
        var run = new RunRetention(new RetentionStore(ledger.Database, test.Time), ledger, () => subjectKey, "GB", test.Time, "P1Y", "erase");
        var ran = Assert.IsType<RunRetentionResult.Ran>(await run.HandleAsync(new RunRetentionInput("retention")));
        Assert.Equal(1, ran.Report.Erased);

        await AssertFitsAsync(ledger, "GB");
        Assert.Superset(new HashSet<string>([LedgerKinds.PersonalDataAccess, LedgerKinds.PolicyDecision, LedgerKinds.Erasure]), _written);
    }

    [Fact]
    public async Task A_rule_set_activation_fits_its_kind_and_ledger_verify_prints_no_warning()
    {
        var directory = Directory.CreateTempSubdirectory("entente-kinds-");
        try
        {
            var home = Path.Combine(directory.FullName, "node");
            var source = Path.Combine(directory.FullName, "set");
            Assert.Equal(0, (await Support.Cli.Run("node", "init", "--home", home, "--code", "GB", "--name", "HMRC")).Status);
            Directory.CreateDirectory(Path.Combine(source, "lists"));
            File.WriteAllText(Path.Combine(source, "lists", "risky.txt"), "BY\n");
            File.WriteAllText(Path.Combine(source, "targeting.rules"), """
                ruleset "gb-targeting" version 1
                list risky of countries from "lists/risky.txt"
                rule tobacco "tobacco from risky origins":
                  if hs starts "2402" and origin in list risky
                  then red 100
                test "cigarettes from BY go red":
                  given hs "240220", origin BY
                  expect lane red, fires tobacco
                """);
            var (status, output, error) = await Support.Cli.Run("risk", "rules", "activate", "--home", home, source);
            Assert.True(status == 0, output + error);

            (status, output, error) = await Support.Cli.Run("ledger", "verify", "--home", home, "--json");
            Assert.True(status == 0, output + error);
            Assert.Empty(JsonNode.Parse(output)!["warnings"]!.AsArray());
            await using (var ledger = LedgerStore.Open(NodeHome.Load(home).DatabaseOrDefault, TimeProvider.System))
                await AssertFitsAsync(ledger, "GB");
            Assert.Contains(LedgerKinds.RiskRulesActivated, _written);
        }
        finally
        {
            directory.Delete(recursive: true);
        }
    }
}
