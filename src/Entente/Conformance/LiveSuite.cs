using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Entente.Agreements;
using Entente.Exchange;
using Entente.Identity;
using Entente.Ledger;

namespace Entente.Conformance;

/// <summary>One check of the live suite: what was sent, what docs/protocol.md requires, what the target answered.</summary>
public sealed record SuiteCheck(string Name, string Expected, string Actual, bool Passed);

/// <summary>
/// The conformance suite against a live node (docs/protocol.md §13.2): acting as the partner <paramref name="self"/>,
/// under an agreement in force that lists both, it sends valid and invalid envelopes and batches to the target over
/// HTTP, checks each answer (status codes, receipts, refusal codes), then fetches and verifies the target's checkpoint
/// and a consistency proof.
/// </summary>
public sealed class LiveSuite(HttpClient http, Uri target, NodeIdentity self, IReadOnlyList<Agreement> inForce, TimeProvider time, string? agreementId = null)
{
    private readonly List<SuiteCheck> _checks = [];
    private int _sequence;

    public async Task<IReadOnlyList<SuiteCheck>> RunAsync(CancellationToken cancellationToken = default)
    {
        var partner = await IdentityAsync(cancellationToken);
        if (partner is null) return _checks;
        using (partner)
        {
            await EnvelopesAsync(partner, cancellationToken);
            await BatchesAsync(cancellationToken);
            await LedgerAsync(partner, cancellationToken);
        }
        return _checks;
    }

    private void Check(string name, string expected, string actual) => _checks.Add(new SuiteCheck(name, expected, actual, expected == actual));

    /// <summary>The target's identity, checked against the agreement: fingerprint listed, certificates bound to its code and key.</summary>
    private async Task<Partner?> IdentityAsync(CancellationToken cancellationToken)
    {
        const string Name = "identity: GET /api/exchange/identity matches the agreement";
        JsonNode? document;
        try
        {
            using var response = await http.GetAsync(new Uri(target, "/api/exchange/identity"), cancellationToken);
            if (response.StatusCode != HttpStatusCode.OK)
            {
                Check(Name, "200", ((int)response.StatusCode).ToString(System.Globalization.CultureInfo.InvariantCulture));
                return null;
            }
            document = JsonNode.Parse(await response.Content.ReadAsStringAsync(cancellationToken));
        }
        catch (Exception e) when (e is HttpRequestException or JsonException or TaskCanceledException)
        {
            Check(Name, "200 with the identity", "no answer: " + e.Message);
            return null;
        }
        var code = (string?)document?["code"] ?? "";
        var agreement = inForce.FirstOrDefault(a => (agreementId is null || a.Id == agreementId) && a.Party(self.Code)?.Fingerprint == self.Fingerprint && a.Party(code) is not null);
        if (agreement is null)
        {
            Check(Name, $"an agreement in force{(agreementId is null ? "" : " " + agreementId)} listing {self.Code} (this key) and {code}", "none");
            return null;
        }
        X509Certificate2 signing, encryption;
        try
        {
            signing = X509Certificate2.CreateFromPem((string?)document!["signingCertificate"] ?? "");
            encryption = X509Certificate2.CreateFromPem((string?)document["encryptionCertificate"] ?? "");
        }
        catch (CryptographicException e)
        {
            Check(Name, "PEM certificates", e.Message);
            return null;
        }
        var problems = new List<string>();
        var listed = agreement.Party(code)!.Fingerprint;
        if (NodeCertificates.KeyFingerprint(signing) != listed) problems.Add($"the node certificate's key is {NodeCertificates.KeyFingerprint(signing)}, {agreement} lists {listed}");
        if ((string?)document["fingerprint"] != listed) problems.Add($"fingerprint {(string?)document["fingerprint"]} is not {listed}");
        if (signing.GetNameInfo(X509NameType.SimpleName, false) != code) problems.Add($"the node certificate's CN is not {code}");
        if (!NodeCertificates.IssuedBy(encryption, signing)) problems.Add("the encryption certificate is not issued by the node certificate");
        if (!NodeCertificates.HasKeyUsage(encryption, X509KeyUsageFlags.KeyAgreement)) problems.Add("the encryption certificate is not for key agreement");
        var encryptionKey = encryption.GetECDiffieHellmanPublicKey();
        var signingKey = signing.GetECDsaPublicKey();
        if (encryptionKey is null || signingKey is null) problems.Add("the certificates do not hold P-256 keys");
        Check(Name, "valid", problems.Count == 0 ? "valid" : string.Join("; ", problems));
        if (problems.Count > 0)
        {
            signing.Dispose();
            encryption.Dispose();
            encryptionKey?.Dispose();
            signingKey?.Dispose();
            return null;
        }
        encryption.Dispose();
        return new Partner(code, agreement, signing, signingKey!, encryptionKey!);
    }

    private EnvelopeHeader Header(Partner partner, DateTimeOffset? created = null, DateTimeOffset? expires = null)
    {
        var now = time.GetUtcNow();
        var rule = partner.Agreement.Rules.FirstOrDefault(r => r.Roles.Count == 0) ?? partner.Agreement.Rules[0];
        var n = Interlocked.Increment(ref _sequence);
        var id = $"m-conformance-{now:yyyyMMddHHmmss}-{Guid.NewGuid():N}-{n}";
        return new EnvelopeHeader(id, "c" + id[1..], 1, OnwardConsent.Kind, self.Code, partner.Code, partner.Agreement.Id, partner.Agreement.ContentHash,
            rule.Purposes[0], rule.Category, rule.HandlingCode, rule.Evaluation, created ?? now, expires ?? now.AddDays(1));
    }

    private byte[] Payload(EnvelopeHeader header) =>
        Encoding.UTF8.GetBytes(OnwardConsent.Payload(header.MessageId.Replace("m-", "m-none-", StringComparison.Ordinal), self.Code).ToJsonString());

    private byte[] Seal(EnvelopeHeader header, Partner partner) => Envelope.Seal(header, Payload(header), self.SigningKey, self.Fingerprint, partner.EncryptionKey);

    private async Task EnvelopesAsync(Partner partner, CancellationToken cancellationToken)
    {
        var header = Header(partner);
        var valid = Seal(header, partner);
        var first = await SendOneAsync("valid envelope (onward-consent)", valid, cancellationToken);
        string verdict = "no receipt";
        if (first is { Receipt: { } receipt })
            verdict = VectorCheck.CheckReceipt(receipt, valid, partner.SigningKey, partner.Agreement.Party(partner.Code)!.Fingerprint).Verdict;
        Check("valid envelope: accepted with a receipt that verifies (§6)", "accepted, receipt valid", first is null ? "no result" : $"{Status(first)}, receipt {verdict}");

        var again = await SendOneAsync("the same bytes again", valid, cancellationToken);
        Check("the same bytes again: duplicate with the same receipt", "duplicate, same receipt",
            again is null ? "no result" : $"{Status(again)}, {(again.Receipt is not null && first?.Receipt is not null && again.Receipt.AsSpan().SequenceEqual(first.Receipt) ? "same receipt" : "another receipt")}");

        await RefusedAsync(partner, "the same id with other bytes", Seal(header, partner), "replay", cancellationToken);

        var tampered = Seal(Header(partner), partner);
        tampered[^1] ^= 0x01;
        await RefusedAsync(partner, "a tampered signature", tampered, "bad-signature", cancellationToken);

        var original = Header(partner);
        var changedHeader = original with { Purpose = original.Purpose == Purpose.Investigation ? Purpose.RiskManagement : Purpose.Investigation };
        await RefusedAsync(partner, "a header changed after signing", TestVectors.ReplaceProtected(Seal(original, partner), original.ToCbor(), changedHeader.ToCbor()), "bad-signature", cancellationToken);

        await RefusedAsync(partner, "addressed to another node", Seal(Header(partner) with { Recipient = "ZZ-CONFORMANCE" }, partner), "wrong-recipient", cancellationToken);

        var now = time.GetUtcNow();
        await RefusedAsync(partner, "expired", Seal(Header(partner, now.AddHours(-2), now.AddHours(-1)), partner), "expired", cancellationToken);
        await RefusedAsync(partner, "made an hour in the future", Seal(Header(partner, now.AddHours(1), now.AddDays(1)), partner), "not-yet-valid", cancellationToken);

        using (var stranger = ECDsa.Create(ECCurve.NamedCurves.nistP256))
        {
            var h = Header(partner);
            await RefusedAsync(partner, "signed by a key the agreement does not list", Envelope.Seal(h, Payload(h), stranger, NodeKeys.Fingerprint(stranger), partner.EncryptionKey), "bad-signature", cancellationToken);
        }
        using (var otherKey = ECDiffieHellman.Create(ECCurve.NamedCurves.nistP256))
        {
            var h = Header(partner);
            await RefusedAsync(partner, "encrypted to another key", Envelope.Seal(h, Payload(h), self.SigningKey, self.Fingerprint, otherKey), "undecryptable", cancellationToken);
        }
        await RefusedAsync(partner, "not a COSE_Sign1", Encoding.UTF8.GetBytes("not an envelope"), "malformed", cancellationToken);
        var huge = new byte[Envelope.MaxBytes + 1];
        huge[0] = 0xd2;
        await RefusedAsync(partner, "an envelope over 16 MiB", huge, "too-large", cancellationToken);
    }

    private static string Status(DeliveryResult r) => r.Receipt is null ? "refused " + r.Rejection?.Name : r.Duplicate ? "duplicate" : "accepted";

    private async Task RefusedAsync(Partner partner, string what, byte[] envelope, string code, CancellationToken cancellationToken)
    {
        var result = await SendOneAsync(what, envelope, cancellationToken);
        if (result is null) return;
        var digestOk = result.Digest.AsSpan().SequenceEqual(Envelope.Digest(envelope));
        Check($"{what}: refused with {code}", $"refused {code}", Status(result) + (digestOk ? "" : " (digest is not the envelope's)"));
        var refusal = result.NegativeReceipt is { } signed
            ? VectorCheck.CheckRefusal(signed, envelope, code, self.Code, partner.Code, partner.SigningKey, partner.Agreement.Party(partner.Code)!.Fingerprint)
            : ("absent", null);
        Check($"{what}: a negative receipt that verifies and names it (§7.4.1)", "valid", refusal.Detail is null ? refusal.Verdict : $"{refusal.Verdict} ({refusal.Detail})");
    }

    /// <summary>Posts a batch of one envelope; checks the 200 and the content type; null (with a failed check) otherwise.</summary>
    private async Task<DeliveryResult?> SendOneAsync(string what, byte[] envelope, CancellationToken cancellationToken)
    {
        var (status, type, body) = await PostAsync(ExchangeWire.EncodeBatch([envelope]), cancellationToken);
        if (status != 200 || type != ExchangeWire.MediaType)
        {
            Check($"{what}: HTTP answer", $"200 {ExchangeWire.MediaType}", $"{status} {type}");
            return null;
        }
        try
        {
            var results = ExchangeWire.DecodeResults(body);
            if (results.Count == 1) return results[0];
            Check($"{what}: one result per envelope", "1", results.Count.ToString(System.Globalization.CultureInfo.InvariantCulture));
        }
        catch (EnvelopeFormatException e)
        {
            Check($"{what}: results in the documented CBOR (§7.3)", "valid", e.Message);
        }
        return null;
    }

    private async Task<(int Status, string? Type, byte[] Body)> PostAsync(byte[] body, CancellationToken cancellationToken)
    {
        using var content = new ByteArrayContent(body);
        content.Headers.ContentType = new MediaTypeHeaderValue(ExchangeWire.MediaType);
        try
        {
            using var response = await http.PostAsync(new Uri(target, ExchangeWire.MessagesPath), content, cancellationToken);
            return ((int)response.StatusCode, response.Content.Headers.ContentType?.MediaType, await response.Content.ReadAsByteArrayAsync(cancellationToken));
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
        {
            return (0, "no answer: " + e.Message, []);
        }
    }

    private async Task BatchesAsync(CancellationToken cancellationToken)
    {
        async Task Bad(string what, byte[] body)
        {
            var (status, type, _) = await PostAsync(body, cancellationToken);
            Check($"batch {what}: 400 problem details (§7.2)", "400 application/problem+json", $"{status} {type}");
        }
        await Bad("that is not CBOR", [0xff, 0xfe, 0x00]);
        await Bad("that is an empty array", [0x80]);
        await Bad("of indefinite length", [0x9f, 0x41, 0x00, 0xff]);
        await Bad("holding a text string", [0x81, 0x61, 0x78]);
        await Bad("with bytes after the array", [0x81, 0x41, 0x00, 0x00]);
    }

    private async Task LedgerAsync(Partner partner, CancellationToken cancellationToken)
    {
        const string Name = "checkpoint: GET /api/ledger/checkpoint verifies with the agreement's key (§10)";
        JsonNode? answer;
        try
        {
            using var response = await http.GetAsync(new Uri(target, "/api/ledger/checkpoint"), cancellationToken);
            if (response.StatusCode != HttpStatusCode.OK)
            {
                Check(Name, "200 with a signed checkpoint", $"{(int)response.StatusCode}{(response.StatusCode == HttpStatusCode.NotFound ? " (the target has signed no checkpoint yet)" : "")}");
                return;
            }
            answer = JsonNode.Parse(await response.Content.ReadAsStringAsync(cancellationToken));
        }
        catch (Exception e) when (e is HttpRequestException or JsonException or TaskCanceledException)
        {
            Check(Name, "200 with a signed checkpoint", "no answer: " + e.Message);
            return;
        }
        var note = (string?)answer?["note"] ?? "";
        var (verdict, checkpoint, detail) = VectorCheck.CheckCheckpoint(note, partner.Signing.PublicKey.ExportSubjectPublicKeyInfo());
        if (checkpoint is not null && ((long?)answer!["treeSize"] != checkpoint.TreeSize || (string?)answer["root"] != Convert.ToBase64String(checkpoint.Root)))
            (verdict, detail) = ("invalid", "treeSize or root differ from the signed note");
        Check(Name, "valid", verdict + (detail is null ? "" : $" ({detail})"));
        if (checkpoint is null || checkpoint.TreeSize < 2) return;

        const string Proof = "consistency: GET /api/ledger/consistency proves the checkpoint extends an earlier size (§9)";
        var from = checkpoint.TreeSize / 2;
        try
        {
            using var response = await http.GetAsync(new Uri(target, $"/api/ledger/consistency?from={from}&to={checkpoint.TreeSize}"), cancellationToken);
            var proof = JsonNode.Parse(await response.Content.ReadAsStringAsync(cancellationToken));
            if (response.StatusCode != HttpStatusCode.OK)
            {
                Check(Proof, "200", ((int)response.StatusCode).ToString(System.Globalization.CultureInfo.InvariantCulture));
                return;
            }
            var rootTo = Convert.FromBase64String((string)proof!["rootTo"]!);
            var hashes = ((JsonArray)proof["proof"]!).Select(h => Convert.FromBase64String((string)h!)).ToList();
            var check = MerkleTree.VerifyConsistency(from, checkpoint.TreeSize, Convert.FromBase64String((string)proof["rootFrom"]!), rootTo, hashes);
            var actual = !rootTo.AsSpan().SequenceEqual(checkpoint.Root) ? "rootTo is not the checkpoint's root" : check.Valid ? "valid" : check.Reason!;
            Check(Proof, "valid", actual);
        }
        catch (Exception e) when (e is HttpRequestException or JsonException or FormatException or InvalidCastException or ArgumentNullException or InvalidOperationException or TaskCanceledException)
        {
            Check(Proof, "valid", "not the documented answer: " + e.Message);
        }
    }

    private sealed class Partner(string code, Agreement agreement, X509Certificate2 signing, ECDsa signingKey, ECDiffieHellman encryptionKey) : IDisposable
    {
        public string Code => code;

        public Agreement Agreement => agreement;

        public X509Certificate2 Signing => signing;

        public ECDsa SigningKey => signingKey;

        public ECDiffieHellman EncryptionKey => encryptionKey;

        public void Dispose()
        {
            signing.Dispose();
            signingKey.Dispose();
            encryptionKey.Dispose();
        }
    }
}
