using System.Text;
using Entente.Agreements;
using Entente.Exchange;
using static Entente.Tests.Agreements.AgreementTestKit;

namespace Entente.Tests.Exchange;

public sealed class AcceptanceTests
{
    private static readonly Agreement Nlkr = Bilateral();
    private static readonly DateTimeOffset Now = InForceAt;
    private const string Pseudonym = "hmac-sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

    private static AcceptanceResult Check(string json, EnvelopeHeader? header = null, byte[]? seen = null, IReadOnlyList<Agreement>? inForce = null, string? signer = null)
    {
        var opened = new EnvelopeOpening.Opened(header ?? EnvelopeTests.Header(), Encoding.UTF8.GetBytes(json), [1, 2, 3], signer ?? Fingerprint(NlKey));
        return Acceptance.Check(opened, "KR", inForce ?? [Nlkr], seen, Now);
    }

    private static RejectionCode Refused(AcceptanceResult result) => Assert.IsType<AcceptanceResult.Refused>(result).Rejection.Code;

    [Fact]
    public void A_payload_inside_the_allow_list_in_the_required_form_is_accepted_with_the_agreements_obligations()
    {
        var accepted = Assert.IsType<AcceptanceResult.Accepted>(Check(
            $$$"""{"goodsShipment":{"goodsItems":[{"classification":{"code":"854231"}}]},"acceptanceDateTime":"2026-05","parties":[{"name":"{{{Pseudonym}}}"}],"withheld":["/parties/0/id"]}"""));
        Assert.Equal(HandlingCode.H2, accepted.Permit.Obligations.HandlingCode);
        Assert.Equal(OnwardTransferKind.Forbidden, accepted.Permit.Obligations.OnwardTransfer.Kind);
    }

    [Fact]
    public void A_field_outside_the_allow_list_is_refused_naming_it() =>
        Assert.Equal(RejectionCode.FieldNotAllowed, Refused(Check("""{"goodsShipment":{"goodsItems":[{"customsValue":12}]}}""")));

    [Theory]
    [InlineData("""{"parties":[{"name":"Kim Traders"}]}""")]
    [InlineData("""{"parties":[{"id":"KR123"}]}""")]
    [InlineData("""{"acceptanceDateTime":"2026-05-14T10:00:00Z"}""")]
    public void A_field_that_must_be_transformed_is_refused_in_the_clear(string json)
    {
        var refused = Assert.IsType<AcceptanceResult.Refused>(Check(json));
        Assert.Equal(RejectionCode.FieldNotAllowed, refused.Rejection.Code);
        Assert.StartsWith("payload/", refused.Rejection.Detail, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("""{"parties":[{"id":"***"}]}""", "placeholder")]
    [InlineData("""{"acceptanceDateTime":"***"}""", "placeholder")]
    [InlineData("""{"goodsShipment":{"goodsItems":[{"classification":{"code":"85[withheld]"}}]}}""", "placeholder")]
    [InlineData("""{"goodsShipment":{"goodsItems":[{"classification":{"code":"8542"}}]},"withheld":["/goodsShipment/goodsItems/0/classification/code"]}""", "either sent or withheld")]
    [InlineData("""{"goodsShipment":{"goodsItems":[{"classification":{"code":"8542"}}]},"withheld":"/parties/0/id"}""", "expected an array")]
    [InlineData("""{"goodsShipment":{"goodsItems":[{"classification":{"code":"8542"}}]},"withheld":["/parties/0/id","/parties/0/id"]}""", "listed twice")]
    [InlineData("""{"goodsShipment":{"goodsItems":[{"classification":{"code":"8542"}}]},"withheld":["/goodsShipment/goodsItems/0/customsValue"]}""", "customsValue")]
    public void A_placeholder_instead_of_a_withheld_field_or_a_wrong_withheld_list_is_refused(string json, string why)
    {
        var refused = Assert.IsType<AcceptanceResult.Refused>(Check(json));
        Assert.Equal(RejectionCode.FieldNotAllowed, refused.Rejection.Code);
        Assert.Contains(why, refused.Rejection.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void A_masked_field_that_arrives_only_as_a_withheld_path_is_accepted_and_kept_in_the_payload()
    {
        var accepted = Assert.IsType<AcceptanceResult.Accepted>(Check(
            """{"goodsShipment":{"goodsItems":[{"classification":{"code":"854231"}}]},"withheld":["/parties/0/id","/acceptanceDateTime"]}"""));
        Assert.Equal(["/parties/0/id", "/acceptanceDateTime"], PolicyEngine.WithheldOf(accepted.Payload));
    }

    [Fact]
    public void A_purpose_the_agreement_does_not_name_is_not_permitted() =>
        Assert.Equal(RejectionCode.NotPermitted, Refused(Check("""{"goodsShipment":{"goodsItems":[{"classification":{"code":"8542"}}]}}""",
            EnvelopeTests.Header(purpose: Purpose.Prosecution))));

    [Fact]
    public void A_category_the_agreement_does_not_cover_is_not_permitted() =>
        Assert.Equal(RejectionCode.NotPermitted, Refused(Check("""{"seizure":{"id":"S-1"}}""", EnvelopeTests.Header(category: DataCategory.SeizureReports))));

    [Fact]
    public void An_agreement_not_in_force_here_or_in_another_version_is_refused()
    {
        const string json = """{"goodsShipment":{"goodsItems":[{"classification":{"code":"8542"}}]}}""";
        Assert.Equal(RejectionCode.AgreementNotInForce, Refused(Check(json, inForce: [])));
        var header = EnvelopeTests.Header() with { AgreementHash = "sha256:" + new string('0', 64) };
        Assert.Equal(RejectionCode.AgreementNotInForce, Refused(Check(json, header)));
    }

    [Fact]
    public void A_sender_key_other_than_the_one_the_agreement_lists_is_refused() =>
        Assert.Equal(RejectionCode.BadSignature, Refused(Check("""{"goodsShipment":{"goodsItems":[{"classification":{"code":"8542"}}]}}""", signer: Fingerprint(KrKey))));

    [Fact]
    public void A_handling_code_weaker_than_the_agreements_is_refused() =>
        Assert.Equal(RejectionCode.HandlingCode, Refused(Check("""{"goodsShipment":{"goodsItems":[{"classification":{"code":"8542"}}]}}""",
            EnvelopeTests.Header(handling: HandlingCode.H0))));

    [Fact]
    public void The_same_message_again_is_a_duplicate_and_other_content_under_its_id_a_replay()
    {
        const string json = """{"goodsShipment":{"goodsItems":[{"classification":{"code":"8542"}}]}}""";
        Assert.IsType<AcceptanceResult.Duplicate>(Check(json, seen: [1, 2, 3]));
        Assert.Equal(RejectionCode.Replay, Refused(Check(json, seen: [9, 9, 9])));
    }
}
