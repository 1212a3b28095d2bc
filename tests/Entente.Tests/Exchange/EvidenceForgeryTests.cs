using System.Security.Cryptography;
using System.Text;
using Entente.Agreements;
using Entente.Exchange;
using Entente.Identity;
using Entente.Partners;
using Microsoft.Extensions.Time.Testing;
using static Entente.Tests.Agreements.AgreementTestKit;

namespace Entente.Tests.Exchange;

/// <summary>Two real node identities (keys and self-issued certificates made as `node init` makes them) and their signed agreement.</summary>
public sealed class EvidenceNodes : IDisposable
{
    private readonly string _root = Path.Combine(Path.GetTempPath(), $"entente-evidence-{Guid.NewGuid():N}");

    public EvidenceNodes()
    {
        var time = new FakeTimeProvider(InForceAt.AddDays(-30));
        Nl = Make("NL", "Douane Nederland", time);
        Kr = Make("KR", "Korea Customs Service", time);
        Yaml = File.ReadAllText(SamplePath("bilateral.yaml"))
            .Replace("{NL}", Nl.Fingerprint, StringComparison.Ordinal).Replace("{KR}", Kr.Fingerprint, StringComparison.Ordinal);
        Agreement = AgreementDocument.Parse(SignedText(Yaml, Nl.SigningKey, Kr.SigningKey), "nl-kr-test.yaml");
    }

    public NodeIdentity Nl { get; }

    public NodeIdentity Kr { get; }

    public string Yaml { get; }

    public Agreement Agreement { get; }

    private NodeIdentity Make(string code, string name, TimeProvider time)
    {
        var home = Path.Combine(_root, code);
        NodeIdentity.CreateMissing(home, code, name, time);
        return NodeIdentity.Load(home, code, name);
    }

    public void Dispose()
    {
        Nl.Dispose();
        Kr.Dispose();
        Directory.Delete(_root, recursive: true);
    }
}

/// <summary>
/// Issue 14, finding 1: evidence anyone can forge was reported valid, because the envelope and receipt were checked only
/// against the certificates that came with them. Each forgery is now refused with a reason naming what does not match.
/// </summary>
public sealed class EvidenceForgeryTests(EvidenceNodes nodes) : IClassFixture<EvidenceNodes>
{
    private static readonly DateTimeOffset Now = InForceAt;
    private static readonly byte[] Payload = Encoding.UTF8.GetBytes("""{"goodsShipment":{"goodsItems":[{"classification":{"code":"854231"}}]}}""");

    private NodeIdentity Nl => nodes.Nl;

    private NodeIdentity Kr => nodes.Kr;

    private TrustAnchor Anchor => TrustAnchor.Of(nodes.Agreement);

    private string AnchorName => $"agreement {nodes.Agreement.Id} v{nodes.Agreement.Version}";

    private EnvelopeHeader Header(Purpose purpose = Purpose.RiskManagement, string? agreementId = null, string? agreementHash = null,
        string from = "NL", string to = "KR", DateTimeOffset? at = null) =>
        new("m-1", "c-1", 1, "declaration", from, to, agreementId ?? nodes.Agreement.Id, agreementHash ?? nodes.Agreement.ContentHash, purpose,
            DataCategory.Declarations, HandlingCode.H2, new EvaluationCode('B', 2), at ?? Now, (at ?? Now).AddDays(30));

    private byte[] Seal(EnvelopeHeader header, ECDsa key, string kid) => Envelope.Seal(header, Payload, key, kid, Kr.EncryptionKey);

    private static byte[] Acknowledge(byte[] envelope, ECDsa key, string kid) =>
        Receipt.Sign(Envelope.Read(envelope).Header, Envelope.Digest(envelope), Envelope.Read(envelope).Header.CreatedAt.AddSeconds(2), key, kid);

    private static byte[] SelfIssued(ECDsa key, string code) => NodeCertificates.IssueSelf(key, code, "Forged " + code, InForceAt.AddDays(-10)).RawData;

    /// <summary>Envelope, receipt and certificates as an exporter would hand them over.</summary>
    public sealed record Pair(byte[] Envelope, byte[] Receipt, byte[] SenderCertificate, byte[] RecipientCertificate)
    {
        public EvidenceCertificates Certificates => new([SenderCertificate], [RecipientCertificate]);
    }

    private Pair Genuine(EnvelopeHeader? header = null)
    {
        var envelope = Seal(header ?? Header(), Nl.SigningKey, Nl.Fingerprint);
        return new(envelope, Acknowledge(envelope, Kr.SigningKey, Kr.Fingerprint), Nl.SigningCertificate.RawData, Kr.SigningCertificate.RawData);
    }

    /// <summary>Each forgery, and what the refusal must name.</summary>
    private (Pair Pair, string[] Reasons) Forgery(string name)
    {
        using var fresh = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        using var fresh2 = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var freshKey = NodeKeys.Fingerprint(fresh);
        var fresh2Key = NodeKeys.Fingerprint(fresh2);
        var genuine = Genuine();
        switch (name)
        {
            case "receipt fabricated by the sender with a fresh key and a self-issued KR certificate":
                return (genuine with { Receipt = Acknowledge(genuine.Envelope, fresh, freshKey), RecipientCertificate = SelfIssued(fresh, "KR") },
                    [$"receipt: signed by key {freshKey} (recipient.crt) but {AnchorName} lists KR's key as {Kr.Fingerprint}"]);
            case "receipt signed with the sender's own key, recipient.crt = sender.crt":
                return (genuine with { Receipt = Acknowledge(genuine.Envelope, Nl.SigningKey, Nl.Fingerprint), RecipientCertificate = Nl.SigningCertificate.RawData },
                    ["recipient.crt: the subject CN is 'NL', but the envelope's to is KR", $"receipt: signed with the sender's own key {Nl.Fingerprint}",
                     $"receipt: signed by key {Nl.Fingerprint} (recipient.crt) but {AnchorName} lists KR's key as {Kr.Fingerprint}"]);
            case "receipt signed with the sender's own key under a KR certificate the sender issued":
                return (genuine with { Receipt = Acknowledge(genuine.Envelope, Nl.SigningKey, Nl.Fingerprint), RecipientCertificate = SelfIssued(Nl.SigningKey, "KR") },
                    [$"receipt: signed with the sender's own key {Nl.Fingerprint}", $"{AnchorName} lists KR's key as {Kr.Fingerprint}"]);
            case "fully forged pair: fresh keys, purpose, agreement and agreement hash changed":
                {
                    var header = Header(Purpose.Statistics, "nl-kr-forged", "sha256:" + new string('0', 64));
                    var envelope = Seal(header, fresh, freshKey);
                    return (new Pair(envelope, Acknowledge(envelope, fresh2, fresh2Key), SelfIssued(fresh, "NL"), SelfIssued(fresh2, "KR")),
                        [$"envelope: signed by key {freshKey} (sender.crt) but {AnchorName} lists NL's key as {Nl.Fingerprint}",
                     $"receipt: signed by key {fresh2Key} (recipient.crt) but {AnchorName} lists KR's key as {Kr.Fingerprint}",
                     $"envelope: under agreement nl-kr-forged (sha256:{new string('0', 64)}), which {AnchorName} does not hold"]);
                }
            case "agreement hash changed by both parties' keys":
                {
                    var envelope = Seal(Header(agreementHash: "sha256:" + new string('1', 64)), Nl.SigningKey, Nl.Fingerprint);
                    return (genuine with { Envelope = envelope, Receipt = Acknowledge(envelope, Kr.SigningKey, Kr.Fingerprint) },
                        [$"envelope: agreement nl-kr-test with hash sha256:{new string('1', 64)}, but {AnchorName} holds nl-kr-test v1 with hash {nodes.Agreement.ContentHash}"]);
                }
            case "a purpose the agreement does not allow":
                {
                    var envelope = Seal(Header(Purpose.Statistics), Nl.SigningKey, Nl.Fingerprint);
                    return (genuine with { Envelope = envelope, Receipt = Acknowledge(envelope, Kr.SigningKey, Kr.Fingerprint) },
                        [$"envelope: purpose statistics is not allowed for declarations by agreement {nodes.Agreement}"]);
                }
            case "certificates with subjects ZZ and YY":
                return (genuine with { SenderCertificate = SelfIssued(Nl.SigningKey, "ZZ"), RecipientCertificate = SelfIssued(Kr.SigningKey, "YY") },
                    ["sender.crt: the subject CN is 'ZZ', but the envelope's from is NL", "recipient.crt: the subject CN is 'YY', but the envelope's to is KR"]);
            case "a message from ZZ to YY with fresh keys":
                {
                    var envelope = Seal(Header(from: "ZZ", to: "YY"), fresh, freshKey);
                    return (new Pair(envelope, Acknowledge(envelope, fresh2, fresh2Key), SelfIssued(fresh, "ZZ"), SelfIssued(fresh2, "YY")),
                        [$"envelope: {AnchorName} does not list ZZ (the envelope's from)", $"receipt: {AnchorName} does not list YY (the envelope's to)",
                     $"envelope: ZZ → YY, but agreement nl-kr-test v1 is between NL, KR"]);
                }
            case "an envelope kid naming another key":
                {
                    var envelope = Seal(Header(), Nl.SigningKey, Kr.Fingerprint);
                    return (genuine with { Envelope = envelope, Receipt = Acknowledge(envelope, Kr.SigningKey, Kr.Fingerprint) },
                        [$"envelope: kid '{Kr.Fingerprint}' is not the fingerprint of the key it is checked with ({Nl.Fingerprint}, NL)"]);
                }
            case "a receipt kid naming another key":
                return (genuine with { Receipt = Acknowledge(genuine.Envelope, Kr.SigningKey, freshKey) },
                    [$"receipt: kid '{freshKey}' is not the fingerprint of the key it is checked with ({Kr.Fingerprint}, KR)"]);
            case "an envelope signed with a fresh key under the genuine sender certificate":
                {
                    var envelope = Seal(Header(), fresh, Nl.Fingerprint);
                    return (genuine with { Envelope = envelope, Receipt = Acknowledge(envelope, Kr.SigningKey, Kr.Fingerprint) },
                        [$"envelope: the signature does not verify with NL's key {Nl.Fingerprint}"]);
                }
            default:
                throw new ArgumentException(name, nameof(name));
        }
    }

    public static TheoryData<string> Forgeries() =>
    [
        "receipt fabricated by the sender with a fresh key and a self-issued KR certificate",
        "receipt signed with the sender's own key, recipient.crt = sender.crt",
        "receipt signed with the sender's own key under a KR certificate the sender issued",
        "fully forged pair: fresh keys, purpose, agreement and agreement hash changed",
        "agreement hash changed by both parties' keys",
        "a purpose the agreement does not allow",
        "certificates with subjects ZZ and YY",
        "a message from ZZ to YY with fresh keys",
        "an envelope kid naming another key",
        "a receipt kid naming another key",
        "an envelope signed with a fresh key under the genuine sender certificate",
    ];

    [Fact]
    public void A_genuine_pair_from_real_node_identities_is_valid_against_the_signed_agreement()
    {
        var pair = Genuine();
        var verdict = Evidence.Verify(pair.Envelope, pair.Receipt, pair.Certificates, Anchor);
        Assert.True(verdict.Valid, string.Join("; ", verdict.Problems));
        Assert.Equal((Nl.Fingerprint, Kr.Fingerprint), (verdict.SenderKey, verdict.RecipientKey));
        Assert.Equal(("NL", "KR", "m-1"), (verdict.Receipt!.Sender, verdict.Receipt.Recipient, verdict.Header!.MessageId));
    }

    [Theory]
    [MemberData(nameof(Forgeries))]
    public void A_forgery_is_refused_with_a_reason_naming_what_does_not_match(string name)
    {
        var (pair, reasons) = Forgery(name);
        var verdict = Evidence.Verify(pair.Envelope, pair.Receipt, pair.Certificates, Anchor);
        Assert.False(verdict.Valid, name);
        foreach (var reason in reasons)
            Assert.True(verdict.Problems.Any(p => p.Contains(reason, StringComparison.Ordinal)), $"expected '{reason}' among: {string.Join(" | ", verdict.Problems)}");
    }

    [Fact]
    public void Every_single_byte_change_of_either_certificate_is_refused()
    {
        var pair = Genuine();
        var changes = 0;
        foreach (var recipientSide in new[] { false, true })
        {
            var der = recipientSide ? pair.RecipientCertificate : pair.SenderCertificate;
            for (var i = 0; i < der.Length; i++)
            {
                foreach (var flip in new byte[] { 0x01, 0xFF })
                {
                    var changed = (byte[])der.Clone();
                    changed[i] ^= flip;
                    var evidence = recipientSide ? pair with { RecipientCertificate = changed } : pair with { SenderCertificate = changed };
                    var verdict = Evidence.Verify(evidence.Envelope, evidence.Receipt, evidence.Certificates, Anchor);
                    Assert.False(verdict.Valid, $"{(recipientSide ? "recipient" : "sender")}.crt byte {i} ^ 0x{flip:x2} verified");
                    Assert.Contains(verdict.Problems, p => p.StartsWith(recipientSide ? "recipient.crt" : "sender.crt", StringComparison.Ordinal)
                        || p.Contains(recipientSide ? "(recipient.crt)" : "(sender.crt)", StringComparison.Ordinal));
                    changes++;
                }
            }
        }
        Assert.True(changes > 1000, $"only {changes} changes tried");
    }

    [Fact]
    public void Another_version_of_the_agreement_is_refused_by_its_hash()
    {
        var v2 = AgreementDocument.Parse(SignedText(nodes.Yaml.Replace("version: 1", "version: 2", StringComparison.Ordinal), Nl.SigningKey, Kr.SigningKey), "v2.yaml");
        var pair = Genuine();
        var verdict = Evidence.Verify(pair.Envelope, pair.Receipt, pair.Certificates, TrustAnchor.Of(v2));
        Assert.Contains($"envelope: agreement nl-kr-test with hash {nodes.Agreement.ContentHash}, but agreement nl-kr-test v2 holds nl-kr-test v2 with hash {v2.ContentHash}", verdict.Problems);
    }

    [Fact]
    public void An_agreement_one_party_did_not_sign_or_not_valid_on_the_day_is_refused()
    {
        var unsigned = AgreementDocument.Parse(SignedText(nodes.Yaml, Nl.SigningKey), "unsigned.yaml");
        var pair = Genuine();
        var verdict = Evidence.Verify(pair.Envelope, pair.Receipt, pair.Certificates, TrustAnchor.Of(unsigned));
        Assert.Contains(verdict.Problems, p => p.StartsWith("agreement nl-kr-test v1: not in force on 2026-06-15", StringComparison.Ordinal) && p.Contains("unsigned by KR", StringComparison.Ordinal));

        var late = Genuine(Header(at: new DateTimeOffset(2027, 1, 10, 9, 0, 0, TimeSpan.Zero)));
        var expired = Evidence.Verify(late.Envelope, late.Receipt, late.Certificates, Anchor);
        Assert.Contains(expired.Problems, p => p.StartsWith("agreement nl-kr-test v1: not in force on 2027-01-10", StringComparison.Ordinal) && p.Contains("expired", StringComparison.Ordinal));
    }

    [Fact]
    public void Junk_in_place_of_the_envelope_or_the_receipt_is_refused_by_name()
    {
        var pair = Genuine();
        Assert.StartsWith("envelope:", Evidence.Verify([1, 2, 3], pair.Receipt, pair.Certificates, Anchor).Problems.Single(), StringComparison.Ordinal);
        Assert.StartsWith("receipt:", Evidence.Verify(pair.Envelope, [1, 2, 3], pair.Certificates, Anchor).Problems.Single(), StringComparison.Ordinal);
        Assert.Contains("sender.crt: no certificate", Evidence.Verify(pair.Envelope, pair.Receipt, new EvidenceCertificates([], [pair.RecipientCertificate]), Anchor).Problems);
    }

    // ---- the signed partner directory as the anchor --------------------------------------------------------------------

    private SignedDirectory Directory(params NodeIdentity[] parties) =>
        new("NL", Now, parties.Select(p => SignedDirectory.PartyOf(p.Code, p.Name, p.SigningCertificate)).ToArray(), [SignedDirectory.AgreementOf(nodes.Agreement)]);

    [Fact]
    public void A_genuine_pair_is_valid_against_the_partner_directory_the_node_signed_and_a_forgery_is_not()
    {
        var signed = Directory(Nl, Kr).Sign(Nl.SigningKey);
        var (directory, problems) = SignedDirectory.Open(signed, Nl.Fingerprint);
        Assert.Empty(problems);
        var anchor = TrustAnchor.Of(directory!);

        var pair = Genuine();
        var verdict = Evidence.Verify(pair.Envelope, pair.Receipt, pair.Certificates, anchor);
        Assert.True(verdict.Valid, string.Join("; ", verdict.Problems));

        var (forged, reasons) = Forgery("receipt fabricated by the sender with a fresh key and a self-issued KR certificate");
        var refused = Evidence.Verify(forged.Envelope, forged.Receipt, forged.Certificates, anchor);
        Assert.Contains(refused.Problems, p => p.StartsWith("receipt: signed by key", StringComparison.Ordinal) && p.Contains($"but NL's signed partner directory of 2026-06-15T10:00:00Z lists KR's key as {Kr.Fingerprint}", StringComparison.Ordinal));
        _ = reasons;

        // The directory lists the certificates themselves: another certificate for the same key is not the one listed.
        using var reissued = NodeCertificates.IssueSelf(Kr.SigningKey, "KR", Kr.Name, Now.AddDays(-1));
        var other = Evidence.Verify(pair.Envelope, pair.Receipt, new EvidenceCertificates([pair.SenderCertificate], [reissued.RawData]), anchor);
        Assert.Contains(other.Problems, p => p.StartsWith($"recipient.crt: certificate {NodeCertificates.CertificateFingerprint(reissued)} is not the one", StringComparison.Ordinal));
    }

    [Fact]
    public void A_directory_signed_by_another_node_or_changed_or_trusted_under_another_fingerprint_is_refused()
    {
        var signed = Directory(Nl, Kr).Sign(Nl.SigningKey);
        Assert.Contains(SignedDirectory.Open(signed, Kr.Fingerprint).Problems, p => p.Contains($"not the node trusted ({Kr.Fingerprint})", StringComparison.Ordinal));
        Assert.Empty(SignedDirectory.Open(signed, NodeCertificates.CertificateFingerprint(Nl.SigningCertificate)).Problems);

        // Someone who swaps in their own key and certificate for NL and signs with it is not the NL the verifier trusts.
        using var forger = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        using var forgedCertificate = NodeCertificates.IssueSelf(forger, "NL", "Douane Nederland", Now);
        var swapped = new SignedDirectory("NL", Now, [SignedDirectory.PartyOf("NL", "Douane Nederland", forgedCertificate), SignedDirectory.PartyOf("KR", Kr.Name, Kr.SigningCertificate)],
            [SignedDirectory.AgreementOf(nodes.Agreement)]).Sign(forger);
        Assert.Contains(SignedDirectory.Open(swapped, Nl.Fingerprint).Problems, p => p.Contains($"signed as NL with key {NodeKeys.Fingerprint(forger)}", StringComparison.Ordinal));

        // Any changed byte of the signed document is refused.
        for (var i = 0; i < signed.Length; i += 5)
        {
            var changed = (byte[])signed.Clone();
            changed[i] ^= 0x01;
            Assert.Null(SignedDirectory.Open(changed, Nl.Fingerprint).Directory);
        }
    }
}

/// <summary>The dispatcher's check of a receipt its partner answers (<see cref="Receipt.Accept"/>): the partner's registered key, its kid, what was sent.</summary>
public sealed class ReceiptAcceptanceTests(EvidenceNodes nodes) : IClassFixture<EvidenceNodes>
{
    private static readonly byte[] Payload = Encoding.UTF8.GetBytes("""{"goodsShipment":{"goodsItems":[{"classification":{"code":"854231"}}]}}""");

    private EnvelopeHeader Header => new("m-7", "c-7", 1, "declaration", "NL", "KR", nodes.Agreement.Id, nodes.Agreement.ContentHash, Purpose.RiskManagement,
        DataCategory.Declarations, HandlingCode.H2, new EvaluationCode('B', 2), InForceAt, InForceAt.AddDays(30));

    private byte[] Sent => Envelope.Seal(Header, Payload, nodes.Nl.SigningKey, nodes.Nl.Fingerprint, nodes.Kr.EncryptionKey);

    private Receipt Accept(byte[] envelope, byte[] receipt) => Receipt.Accept(receipt, envelope, nodes.Kr.SigningKey, nodes.Kr.Fingerprint);

    [Fact]
    public void The_partner_s_receipt_for_what_was_sent_is_accepted()
    {
        var envelope = Sent;
        var receipt = Receipt.Sign(Header, Envelope.Digest(envelope), InForceAt, nodes.Kr.SigningKey, nodes.Kr.Fingerprint);
        Assert.Equal(("m-7", "KR"), (Accept(envelope, receipt).MessageId, Accept(envelope, receipt).Recipient));
    }

    [Fact]
    public void The_receiver_refuses_an_envelope_whose_kid_is_not_the_sender_s_registered_key()
    {
        var envelope = Envelope.Seal(Header, Payload, nodes.Nl.SigningKey, nodes.Kr.Fingerprint, nodes.Kr.EncryptionKey);
        var opening = Envelope.Open(envelope, "KR", nodes.Kr.EncryptionKey, code => code == "NL" ? (nodes.Nl.SigningKey, nodes.Nl.Fingerprint) : null, InForceAt);
        var refused = Assert.IsType<EnvelopeOpening.Refused>(opening);
        Assert.Equal(RejectionCode.BadSignature, refused.Rejection.Code);
        Assert.Contains($"signed with key {nodes.Kr.Fingerprint}, but NL's key is {nodes.Nl.Fingerprint}", refused.Rejection.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void A_receipt_under_another_kid_or_key_or_naming_another_agreement_or_envelope_is_refused_by_what_differs()
    {
        var envelope = Sent;
        var digest = Envelope.Digest(envelope);
        using var other = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        string Refusal(byte[] receipt) => Assert.Throws<EnvelopeFormatException>(() => Accept(envelope, receipt)).Message;

        Assert.Equal($"receipt: kid '{nodes.Nl.Fingerprint}' is not the partner's key {nodes.Kr.Fingerprint}",
            Refusal(Receipt.Sign(Header, digest, InForceAt, nodes.Kr.SigningKey, nodes.Nl.Fingerprint)));
        Assert.Equal("receipt: the signature does not verify with the receiver's key",
            Refusal(Receipt.Sign(Header, digest, InForceAt, other, nodes.Kr.Fingerprint)));
        var hash = "sha256:" + new string('2', 64);
        Assert.Equal($"receipt: agreement nl-kr-test ({hash}), the envelope names nl-kr-test ({nodes.Agreement.ContentHash})",
            Refusal(Receipt.Sign(Header with { AgreementHash = hash }, digest, InForceAt, nodes.Kr.SigningKey, nodes.Kr.Fingerprint)));
        Assert.Equal("receipt: names another envelope (digest differs)",
            Refusal(Receipt.Sign(Header, Envelope.Digest(Sent), InForceAt, nodes.Kr.SigningKey, nodes.Kr.Fingerprint)));
    }
}
