using System.Security.Cryptography;
using System.Text.Json.Nodes;
using Entente.Agreements;
using Entente.Assistance;

namespace Entente.Tests.Assistance;

/// <summary>Two authorities (NL applicant, KR requested), their keys, and a mutual-assistance agreement both signed.</summary>
internal static class AssistanceTestKit
{
    public static readonly DateTimeOffset Start = new(2026, 6, 15, 10, 0, 0, TimeSpan.Zero);
    public const string AgreementId = "nl-kr-assistance";
    public const string Article3 = "CMAA NL-KR, Art. 3 (assistance on request)";

    public static readonly ECDsa NlKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
    public static readonly ECDsa KrKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);

    public static string Yaml(string id, string codeA, ECDsa keyA, string codeB, ECDsa keyB, bool assistance = true, string from = "2026-01-01", string until = "2030-12-31")
    {
        var categories = assistance
            ? """
              assistance-requests:
                purposes: [investigation, mutual-assistance]
                disclose: [/request]
                handling-code: H2
                onward-transfer: forbidden
                retention: { period: P5Y, then: review }
                answer-within: P30D
              assistance-answers:
                purposes: [investigation, mutual-assistance]
                disclose: [/answer]
                handling-code: H2
                onward-transfer: forbidden
                retention: { period: P5Y, then: review }
            """
            : """
              declarations:
                purposes: [risk-management]
                disclose: [/mrn]
                other-fields: drop
                handling-code: H1
                onward-transfer: forbidden
                retention: { period: P1Y, then: erase }
            """;
        return $$"""
            agreement: {{id}}
            version: 1
            kind: mutual-assistance
            parties:
              - { code: {{codeA}}, name: "Authority {{codeA}}", fingerprint: {{AgreementSignatures.Fingerprint(keyA.ExportSubjectPublicKeyInfo())}} }
              - { code: {{codeB}}, name: "Authority {{codeB}}", fingerprint: {{AgreementSignatures.Fingerprint(keyB.ExportSubjectPublicKeyInfo())}} }
            legal-basis:
              - "{{Article3}}"
              - "CMAA NL-KR, Art. 4 (spontaneous assistance)"
            validity: { from: {{from}}, until: {{until}} }
            categories:
            {{categories}}
            """;
    }

    public static string SignedYaml(string yaml, params ECDsa[] keys)
    {
        foreach (var key in keys)
            yaml = AgreementSignatures.AddTo(yaml, "test.yaml", AgreementSignatures.Sign(AgreementDocument.Parse(yaml, "test.yaml"), key, Start));
        return yaml;
    }

    public static Agreement Agreement(bool assistance = true) =>
        AgreementDocument.Parse(SignedYaml(Yaml(AgreementId, "NL", NlKey, "KR", KrKey, assistance), NlKey, KrKey), "test.yaml");

    public static AssistanceDraft Draft(Purpose purpose = Purpose.Investigation) =>
        new("KR", AgreementId, Article3, purpose, "NL-FIOD-2026-0042", "Confirm the origin of the goods in the named declarations")
        {
            Declarations = ["26NL0000000000042"],
            Parties = ["NL123456789"],
        };

    /// <summary>A request message as NL sends it, opened into the aggregate the way both sides do.</summary>
    public static AssistanceRequest NewRequest(DateTimeOffset? answerBy = null, string id = "NL-AR-20260615-0001") =>
        AssistanceRequest.Start(RequestMessage(answerBy, id));

    public static AssistanceMessage RequestMessage(DateTimeOffset? answerBy = null, string id = "NL-AR-20260615-0001") =>
        AssistanceRequest.Compose(id, "NL", Draft(), Reference.Value, answerBy ?? Start.AddDays(30), Start);

    private static readonly Lazy<AgreementReference> Reference = new(() => AgreementReference.Of(Agreement()));

    public static JsonObject Data(string name, string value) => new() { [name] = value };
}
