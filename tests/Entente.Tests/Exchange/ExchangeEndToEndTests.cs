using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using Entente.Exchange;
using Entente.Identity;
using Entente.Ledger;

namespace Entente.Tests.Exchange;

/// <summary>Two real nodes on loopback exchanging under an agreement both signed.</summary>
public sealed class ExchangeEndToEndTests : IAsyncLifetime
{
    private TestNetwork _net = null!;

    public async Task InitializeAsync() => _net = await TestNetwork.StartAsync(["NL", "KR"]);

    public async Task DisposeAsync() => await _net.DisposeAsync();

    private static JsonObject Declaration(string mrn) => JsonNode.Parse($$$"""
        {"mrn":"{{{mrn}}}","acceptanceDateTime":"2026-05-14T10:00:00Z",
         "parties":[{"role":"importer","id":"NL123456789","name":"Van Dijk Import BV","address":{"city":"Rotterdam","countryCode":"NL"}}],
         "goodsShipment":{"goodsItems":[{"sequence":1,"classification":{"scheme":"HS","code":"854231"},"originCountryCode":"CN","customsValue":{"amount":1200,"currency":"EUR"},"description":"processors"}]}}
        """)!.AsObject();

    [Fact]
    public async Task A_disclosed_declaration_arrives_projected_receipted_and_recorded_in_both_ledgers()
    {
        var sent = await _net.DiscloseAsync("NL", "KR", "declarations", "risk-management", Declaration("26NL0000000000001"));
        var id = sent.GetProperty("messageId").GetString()!;
        var projected = sent.GetProperty("projected");
        Assert.False(projected.GetProperty("parties")[0].TryGetProperty("name", out _));
        Assert.StartsWith("hmac-sha256:", projected.GetProperty("parties")[0].GetProperty("id").GetString(), StringComparison.Ordinal);

        using var nl = _net.Liaison("NL");
        using var kr = _net.Liaison("KR");
        await _net.EventuallyAsync(async () => (await nl.GetFromJsonAsync<JsonElement>($"/api/exchange/outbox/{id}")).GetProperty("state").GetString() == "delivered",
            what: "delivery with a receipt");

        var received = await kr.GetFromJsonAsync<JsonElement>($"/api/exchange/inbox/{id}?purpose=investigation&justification=case%2015");
        var summary = received.GetProperty("summary");
        Assert.Equal("NL", summary.GetProperty("sender").GetString());
        Assert.Equal("H1", summary.GetProperty("handlingCode").GetString());
        Assert.Equal("with-consent", summary.GetProperty("onwardTransfer").GetString());
        var payload = received.GetProperty("payload");
        Assert.Equal("2026-05", payload.GetProperty("acceptanceDateTime").GetString());
        Assert.Equal("854231", payload.GetProperty("goodsShipment").GetProperty("goodsItems")[0].GetProperty("classification").GetProperty("code").GetString());
        Assert.DoesNotContain("Van Dijk", received.GetRawText(), StringComparison.Ordinal);
        Assert.DoesNotContain("NL123456789", received.GetRawText(), StringComparison.Ordinal);
        Assert.DoesNotContain("processors", received.GetRawText(), StringComparison.Ordinal);

        // The receipt NL holds and the envelope KR holds prove, offline, sending and receipt under the agreement.
        var outbox = await nl.GetFromJsonAsync<JsonElement>($"/api/exchange/outbox/{id}");
        await using var krDatabase = global::Entente.Storage.NodeDatabase.Open(Path.Combine(_net["KR"].Home, "entente.db"));
        var envelope = (await new ExchangeStore(krDatabase).GetInboxAsync(id))!.Envelope;
        using var nlKey = TestNetwork.PublicKeyOf(_net["NL"]);
        using var krKey = TestNetwork.PublicKeyOf(_net["KR"]);
        Assert.Empty(Receipt.VerifyPair(envelope, Convert.FromBase64String(outbox.GetProperty("receipt").GetString()!), nlKey, krKey));

        await using var nlLedger = LedgerStore.Open(Path.Combine(_net["NL"].Home, "entente.db"), TimeProvider.System);
        await using var krLedger = LedgerStore.Open(Path.Combine(_net["KR"].Home, "entente.db"), TimeProvider.System);
        var nlKinds = await KindsAsync(nlLedger);
        var krKinds = await KindsAsync(krLedger);
        Assert.Contains(LedgerKinds.DisclosurePrepared, nlKinds);
        Assert.Contains(LedgerKinds.DisclosureReceipted, nlKinds);
        Assert.Contains(LedgerKinds.DisclosureReceived, krKinds);
        Assert.True((await nlLedger.VerifyAsync(null)).Ok);
        Assert.True((await krLedger.VerifyAsync(null)).Ok);
    }

    [Fact]
    public async Task A_disclosure_no_agreement_permits_is_refused_before_anything_leaves_and_the_refusal_is_recorded()
    {
        using var nl = _net.Liaison("NL");
        var response = await nl.PostAsJsonAsync("/api/exchange/disclosures",
            new { recipient = "KR", category = "declarations", purpose = "statistics", document = Declaration("26NL0000000000002") });
        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.Contains("no data for statistics", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        var status = await nl.GetFromJsonAsync<JsonElement>("/api/exchange/status");
        Assert.Equal(0, status.GetProperty("partners").GetArrayLength());
    }

    [Fact]
    public async Task The_messages_of_a_conversation_arrive_in_order_exactly_once()
    {
        var ids = new List<string>();
        for (var i = 0; i < 20; i++)
            ids.Add((await _net.DiscloseAsync("NL", "KR", "seizure-reports", "investigation", JsonNode.Parse($$$"""{"seizure":{"id":"S-{{{i}}}"}}""")!.AsObject(), "case-7"))
                .GetProperty("messageId").GetString()!);
        using var kr = _net.Liaison("KR");
        await _net.EventuallyAsync(async () => (await kr.GetFromJsonAsync<JsonElement>("/api/exchange/inbox?limit=1000")).GetArrayLength() == 20, what: "20 messages received");
        var inbox = (await kr.GetFromJsonAsync<JsonElement>("/api/exchange/inbox?limit=1000")).EnumerateArray().ToList();
        Assert.Equal(ids.Order(), inbox.Select(m => m.GetProperty("messageId").GetString()!).Order());
        Assert.Equal(Enumerable.Range(1, 20).Select(i => (long)i), inbox.Select(m => m.GetProperty("sequence").GetInt64()).Order());
    }

    [Fact]
    public async Task The_exchange_status_shows_each_partners_queue()
    {
        await _net.DiscloseAsync("NL", "KR", "seizure-reports", "investigation", JsonNode.Parse("""{"seizure":{"id":"S-1"}}""")!.AsObject());
        using var nl = _net.Liaison("NL");
        await _net.EventuallyAsync(async () =>
        {
            var status = await nl.GetFromJsonAsync<JsonElement>("/api/exchange/status");
            var kr = status.GetProperty("partners").EnumerateArray().SingleOrDefault(p => p.GetProperty("partner").GetString() == "KR");
            return kr.ValueKind == JsonValueKind.Object && kr.GetProperty("delivered").GetInt32() == 1 && kr.GetProperty("pending").GetInt32() == 0;
        }, what: "status showing one delivered message");
        var (code, output, error) = await Support.Cli.Run("exchange", "status", "--home", _net["NL"].Home);
        Assert.True(code == 0, error);
        Assert.Contains("KR", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_document_shared_from_the_cli_is_delivered_and_a_third_party_checks_the_evidence_offline()
    {
        var document = Path.Combine(_net["NL"].Home, "seizure.json");
        await File.WriteAllTextAsync(document, """{"seizure":{"id":"S-2026-17","goods":"cocaine","quantityKg":41.5}}""");
        var shared = await Support.Cli.Run("exchange", "share", "--home", _net["NL"].Home, "--to", "KR", "--category", "seizure-reports",
            "--purpose", "investigation", "--document", document, "--json");
        Assert.True(shared.Status == 0, shared.Error);
        var id = JsonDocument.Parse(shared.Output).RootElement.GetProperty("messageId").GetString()!;
        using var nl = _net.Liaison("NL");
        await _net.EventuallyAsync(async () => (await nl.GetFromJsonAsync<JsonElement>($"/api/exchange/outbox/{id}")).GetProperty("state").GetString() == "delivered",
            what: "delivery of the shared seizure report");

        var evidence = Path.Combine(Path.GetTempPath(), $"entente-evidence-{Guid.NewGuid():N}");
        try
        {
            var exported = await Support.Cli.Run("exchange", "export", id, "--home", _net["KR"].Home, "--out", evidence);
            Assert.True(exported.Status == 0, exported.Error);
            // The certificates in the folder prove nothing by themselves: the verifier must say what it trusts.
            var unanchored = await Support.Cli.Run("exchange", "verify", "--evidence", evidence);
            Assert.NotEqual(0, unanchored.Status);
            Assert.Contains("say what you trust: --agreement FILE", unanchored.Error, StringComparison.Ordinal);

            var agreement = Path.Combine(_net["NL"].Home, "agreements", "test-network.yaml");
            var verified = await Support.Cli.Run("exchange", "verify", "--evidence", evidence, "--agreement", agreement);
            Assert.True(verified.Status == 0, verified.Error);
            Assert.Contains($"sent by NL", verified.Output, StringComparison.Ordinal);
            Assert.Contains("received by KR", verified.Output, StringComparison.Ordinal);
            Assert.Contains("under agreement test-network", verified.Output, StringComparison.Ordinal);
            Assert.Contains("checked against agreement test-network v", verified.Output, StringComparison.Ordinal);

            // Or the partner directory KR signed, trusted by KR's key fingerprint.
            using var krKey = TestNetwork.PublicKeyOf(_net["KR"]);
            using var nlKey = TestNetwork.PublicKeyOf(_net["NL"]);
            var directory = Path.Combine(evidence, "kr-directory.cose");
            var exportedDirectory = await Support.Cli.Run("partner", "export", "--home", _net["KR"].Home, "--signed", directory);
            Assert.True(exportedDirectory.Status == 0, exportedDirectory.Error);
            var byDirectory = await Support.Cli.Run("exchange", "verify", "--evidence", evidence, "--directory", directory, "--signer", NodeKeys.Fingerprint(krKey));
            Assert.True(byDirectory.Status == 0, byDirectory.Error);
            Assert.Contains("checked against KR's signed partner directory", byDirectory.Output, StringComparison.Ordinal);
            var wrongSigner = await Support.Cli.Run("exchange", "verify", "--evidence", evidence, "--directory", directory, "--signer", NodeKeys.Fingerprint(nlKey));
            Assert.NotEqual(0, wrongSigner.Status);
            Assert.Contains($"not the node trusted ({NodeKeys.Fingerprint(nlKey)})", wrongSigner.Error, StringComparison.Ordinal);

            // The sender makes up the receipt with its own key and hands its own certificate as the recipient's.
            var forged = Path.Combine(evidence, "forged");
            Directory.CreateDirectory(forged);
            var envelope = await File.ReadAllBytesAsync(Path.Combine(evidence, "envelope.cose"));
            using (var nlSigning = NodeKeys.LoadSigningKey(_net["NL"].Home))
            {
                var header = Envelope.Read(envelope).Header;
                await File.WriteAllBytesAsync(Path.Combine(forged, "receipt.cose"), Receipt.Sign(header, Envelope.Digest(envelope), header.CreatedAt.AddSeconds(1), nlSigning, NodeKeys.Fingerprint(nlSigning)));
            }
            File.Copy(Path.Combine(evidence, "envelope.cose"), Path.Combine(forged, "envelope.cose"));
            File.Copy(Path.Combine(evidence, "sender.crt"), Path.Combine(forged, "sender.crt"));
            File.Copy(Path.Combine(evidence, "sender.crt"), Path.Combine(forged, "recipient.crt"));
            var refused = await Support.Cli.Run("exchange", "verify", "--evidence", forged, "--agreement", agreement);
            Assert.Equal(1, refused.Status);
            Assert.Contains("recipient.crt: the subject CN is 'NL', but the envelope's to is KR", refused.Error, StringComparison.Ordinal);
            Assert.Contains($"receipt: signed with the sender's own key {NodeKeys.Fingerprint(nlKey)}", refused.Error, StringComparison.Ordinal);
            Assert.Contains($"lists KR's key as {NodeKeys.Fingerprint(krKey)}", refused.Error, StringComparison.Ordinal);
            Assert.DoesNotContain("Valid", refused.Output, StringComparison.Ordinal);

            envelope[^5] ^= 1;
            await File.WriteAllBytesAsync(Path.Combine(evidence, "envelope.cose"), envelope);
            var tampered = await Support.Cli.Run("exchange", "verify", "--evidence", evidence, "--agreement", agreement);
            Assert.Equal(1, tampered.Status);
            Assert.Contains("envelope: the signature does not verify with NL's key", tampered.Error, StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(evidence, recursive: true);
        }
    }

    [Fact]
    public async Task A_share_the_agreement_refuses_is_refused_by_the_cli_with_the_reason()
    {
        var document = Path.Combine(_net["NL"].Home, "seizure.json");
        await File.WriteAllTextAsync(document, """{"seizure":{"id":"S-1"}}""");
        var refused = await Support.Cli.Run("exchange", "share", "--home", _net["NL"].Home, "--to", "KR", "--category", "seizure-reports",
            "--purpose", "prosecution", "--document", document);
        Assert.Equal(1, refused.Status);
        Assert.Contains("prosecution", refused.Error, StringComparison.Ordinal);
    }

    private static async Task<List<string>> KindsAsync(LedgerStore ledger)
    {
        var head = await ledger.GetHeadAsync();
        var kinds = new List<string>();
        for (var i = 0L; i < head.Size; i++) kinds.Add((await ledger.GetEntryAsync(i))!.Entry.Kind);
        return kinds;
    }
}
