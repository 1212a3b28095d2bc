using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;
using Entente.Agreements;
using Entente.Exchange;
using Entente.Tests.Support;
using static Entente.Tests.Agreements.AgreementTestKit;

namespace Entente.Tests.Exchange;

/// <summary>
/// Issue 14, findings 2 and 3, as pure checks: the header rules docs/exchange.md promises (the kinds each category
/// admits, the header limits, the evaluation the agreement stamps), a payload with a member twice refused rather than
/// thrown on, and the signed negative receipt.
/// </summary>
public sealed partial class HeaderRulesTests
{
    private static readonly Agreement Nlkr = Bilateral();
    private const string Json = """{"goodsShipment":{"goodsItems":[{"classification":{"code":"8542"}}]}}""";

    private static AcceptanceResult Check(EnvelopeHeader header, string json = Json)
    {
        var opened = new EnvelopeOpening.Opened(header, Encoding.UTF8.GetBytes(json), [1, 2, 3], Fingerprint(NlKey));
        return Acceptance.Check(opened, "KR", [Nlkr], null, InForceAt);
    }

    private static Rejection Refused(AcceptanceResult result) => Assert.IsType<AcceptanceResult.Refused>(result).Rejection;

    public static TheoryData<string> KindsUnrelatedToSeizureReports =>
        ["declaration", "risk-result", "aeo-status", "alert", "assistance-request", "assistance-acknowledgement", "assistance-answer", "assistance-decline", "assistance-withdrawal"];

    [Theory]
    [MemberData(nameof(KindsUnrelatedToSeizureReports))]
    public void A_kind_unrelated_to_its_category_is_refused_naming_the_kind(string kind)
    {
        var rejection = Refused(Check(EnvelopeTests.Header(category: DataCategory.SeizureReports) with { Kind = kind }));
        Assert.Equal(RejectionCode.KindNotAllowed, rejection.Code);
        Assert.Equal("kind-not-allowed", rejection.Name);
        Assert.True(rejection.Permanent);
        Assert.StartsWith($"header/kind: '{kind}' is not a kind of seizure-reports", rejection.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void Every_category_admits_its_own_kinds_and_onward_consent_and_no_other_categorys()
    {
        foreach (var category in Enum.GetValues<DataCategory>())
        {
            Assert.True(HeaderRules.Kinds.ContainsKey(category), PolicyEngine.Name(category));
            Assert.True(HeaderRules.KindAllowed(OnwardConsent.Kind, category));
            foreach (var (other, kinds) in HeaderRules.Kinds)
                foreach (var kind in kinds)
                    Assert.Equal(other == category, HeaderRules.KindAllowed(kind, category));
        }
        Assert.IsType<AcceptanceResult.Accepted>(Check(EnvelopeTests.Header() with { Kind = "declaration" }));
    }

    [GeneratedRegex(@"^\| `(?<cat>[a-z-]+)` \| (?<kinds>.+) \|$", RegexOptions.Multiline)]
    private static partial Regex KindRow();

    [Fact]
    public void The_kind_table_in_the_docs_is_the_table_in_the_code()
    {
        var text = File.ReadAllText(Path.Combine(SharedData.RepositoryRoot, "docs", "exchange.md")).ReplaceLineEndings("\n");
        var start = text.IndexOf("<!-- kinds:begin -->", StringComparison.Ordinal);
        var end = text.IndexOf("<!-- kinds:end -->", StringComparison.Ordinal);
        Assert.True(start >= 0 && end > start, "docs/exchange.md: expected the kinds table between <!-- kinds:begin --> and <!-- kinds:end -->");
        var documented = KindRow().Matches(text[start..end]).ToDictionary(
            m => m.Groups["cat"].Value,
            m => string.Join(",", m.Groups["kinds"].Value.Split(", ").Select(k => k.Trim('`'))));
        var coded = HeaderRules.Kinds.ToDictionary(k => PolicyEngine.Name(k.Key), k => string.Join(",", k.Value));
        Assert.Equal(coded.OrderBy(k => k.Key, StringComparer.Ordinal), documented.OrderBy(k => k.Key, StringComparer.Ordinal));
    }

    [Fact]
    public void A_100_KB_case_reference_is_refused_naming_the_field()
    {
        var rejection = Refused(Check(EnvelopeTests.Header() with { CaseReference = new string('A', 100_000) }));
        Assert.Equal(RejectionCode.HeaderTooLarge, rejection.Code);
        Assert.Equal("header/case: 100000 characters; at most 128 are accepted", rejection.Detail);
    }

    [Theory]
    [InlineData(128, null)]
    [InlineData(129, "header/case")]
    public void The_case_reference_is_bounded_at_128_characters(int length, string? field)
    {
        var rejection = HeaderRules.Check(EnvelopeTests.Header() with { CaseReference = new string('C', length) });
        Assert.Equal(field, rejection?.Detail.Split(':')[0]);
    }

    [Fact]
    public void An_alert_category_longer_than_64_characters_is_refused_naming_the_field()
    {
        var rejection = HeaderRules.Check(EnvelopeTests.Header() with { AlertCategory = new string('d', 65) });
        Assert.Equal((RejectionCode.HeaderTooLarge, "header/alert"), (rejection!.Code, rejection.Detail.Split(':')[0]));
    }

    [Fact]
    public void A_header_swollen_by_a_key_this_node_does_not_know_is_refused_by_its_size()
    {
        // Keys a receiver does not know are skipped, not kept: the bound is on the bytes that arrived.
        var known = EnvelopeTests.Header();
        var reader = new System.Formats.Cbor.CborReader(known.ToCbor());
        var writer = new System.Formats.Cbor.CborWriter();
        var count = reader.ReadStartMap()!.Value;
        writer.WriteStartMap(count + 1);
        for (var i = 0; i < 2 * count; i++) writer.WriteEncodedValue(reader.ReadEncodedValue().Span);
        writer.WriteTextString("x-padding");
        writer.WriteTextString(new string('x', 100 * 1024));
        writer.WriteEndMap();

        var e = Assert.Throws<EnvelopeFormatException>(() => EnvelopeHeader.FromCbor(writer.Encode()));
        Assert.Equal("header: keys this node does not know take more than 2048 bytes", e.Message);
        Assert.Equal(known, EnvelopeHeader.FromCbor(known.ToCbor()));
    }

    [Fact]
    public void Every_field_within_its_limit_still_makes_a_header_within_the_total_bound()
    {
        string Of(int n) => new('x', n);
        var header = EnvelopeTests.Header(id: "m-" + Of(98)) with
        {
            ConversationId = Of(100),
            Sender = Of(20),
            AgreementHash = Of(80),
            AlertCategory = Of(64),
            CaseReference = Of(128),
        };
        Assert.Null(HeaderRules.Check(header));
        Assert.True(header.ToCbor().Length <= HeaderRules.MaxHeaderBytes);
    }

    [Theory]
    [InlineData("C3", "header/eval: evaluated C3; ")]
    [InlineData("A1", "header/eval: evaluated A1; ")]
    [InlineData(null, "header/eval: missing; ")]
    public void An_evaluation_other_than_the_one_the_agreement_stamps_or_none_is_refused(string? evaluation, string detail)
    {
        // The bilateral sample stamps B2.
        var header = EnvelopeTests.Header() with { Evaluation = evaluation is null ? null : new EvaluationCode(evaluation[0], evaluation[1] - '0') };
        var rejection = Refused(Check(header));
        Assert.Equal(RejectionCode.HandlingCode, rejection.Code);
        Assert.StartsWith(detail, rejection.Detail, StringComparison.Ordinal);
        Assert.IsType<AcceptanceResult.Accepted>(Check(EnvelopeTests.Header() with { Evaluation = new EvaluationCode('B', 2) }));
    }

    [Theory]
    [InlineData("""{"goodsShipment":{"goodsItems":[{"classification":{"code":"8542","code":"8543"}}]}}""")]
    [InlineData("""{"goodsShipment":{"goodsItems":[]},"goodsShipment":{"goodsItems":[{"classification":{"code":"8542"}}]}}""")]
    public void A_payload_with_a_member_twice_is_refused_not_thrown_on(string json)
    {
        var rejection = Refused(Check(EnvelopeTests.Header(), json));
        Assert.Equal(RejectionCode.InvalidPayload, rejection.Code);
        Assert.True(rejection.Permanent);
        Assert.StartsWith("payload: not one JSON object with each member once", rejection.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void A_negative_receipt_verifies_with_the_receivers_key_binds_the_refusal_and_fails_on_any_change()
    {
        var header = EnvelopeTests.Header();
        var digest = SHA256.HashData("envelope"u8);
        var rejection = new Rejection(RejectionCode.InvalidPayload, "payload: a member twice");
        var signed = NegativeReceipt.Sign(header, digest, "KR", rejection, InForceAt, KrKey, Fingerprint(KrKey));

        var receipt = NegativeReceipt.Verify(signed, KrKey);
        Assert.Equal((header.MessageId, header.Sender, "KR", header.AgreementId, header.AgreementHash, "invalid-payload", rejection.Detail, InForceAt),
            (receipt.MessageId, receipt.Sender, receipt.Recipient, receipt.AgreementId, receipt.AgreementHash, receipt.Code, receipt.Detail, receipt.RefusedAt));
        Assert.Empty(receipt.Mismatches(header.MessageId, digest, "NL", "KR", "invalid-payload"));
        Assert.NotEmpty(receipt.Mismatches(header.MessageId, SHA256.HashData("other"u8), "NL", "KR", "invalid-payload"));
        Assert.NotEmpty(receipt.Mismatches("m-other", digest, "NL", "KR", "invalid-payload"));
        Assert.NotEmpty(receipt.Mismatches(header.MessageId, digest, "NL", "KR", "replay"));

        Assert.Throws<EnvelopeFormatException>(() => NegativeReceipt.Verify(signed, NlKey));
        for (var i = 0; i < signed.Length; i++)
        {
            var changed = (byte[])signed.Clone();
            changed[i] ^= 0x01;
            try
            {
                var read = NegativeReceipt.Verify(changed, KrKey);
                Assert.Fail($"byte {i} changed, still verified: {read}");
            }
            catch (EnvelopeFormatException)
            {
            }
        }
    }

    [Fact]
    public void A_refusal_travels_with_its_negative_receipt()
    {
        var signed = NegativeReceipt.Sign(null, new byte[32], "KR", new Rejection(RejectionCode.Malformed, "envelope: not CBOR"), InForceAt, KrKey, Fingerprint(KrKey));
        var result = new DeliveryResult(null, new byte[32], null, new Rejection(RejectionCode.Malformed, "envelope: not CBOR")) { NegativeReceipt = signed };
        var read = Assert.Single(ExchangeWire.DecodeResults(ExchangeWire.EncodeResults([result])));
        Assert.Equal(signed, read.NegativeReceipt);
        var receipt = NegativeReceipt.Verify(read.NegativeReceipt!, KrKey);
        Assert.Null(receipt.MessageId);
        Assert.Equal("malformed", receipt.Code);
    }
}
