namespace Entente.Tools.Demo;

/// <summary>The demo's two agreements (docs/agreements.md explains every key); parties' key fingerprints filled in at run time.</summary>
internal static class DemoAgreements
{
    public const string Bilateral = "nl-kr-mutual-assistance";
    public const string Multilateral = "nl-kr-de-seizure-reports";
    public const string BilateralBasis = "Agreement on mutual administrative assistance in customs matters, Art. 3 (assistance on request)";
    public const string MultilateralBasis = "Memorandum of understanding on the exchange of seizure information, Art. 2 (spontaneous exchange)";

    /// <summary>NL and KR: declarations for risk management and investigation, and mutual-assistance requests and answers.</summary>
    public static string NlKr(string nl, string kr, DateOnly today) => $$"""
        # Mutual administrative assistance between NL and KR (demo).
        agreement: {{Bilateral}}
        version: 1
        kind: mutual-assistance
        title: "NL-KR mutual administrative assistance in customs matters (demo)"
        parties:
          - code: NL
            name: "Douane Nederland (demo)"
            fingerprint: {{nl}}
          - code: KR
            name: "Korea Customs Service (demo)"
            fingerprint: {{kr}}
        legal-basis:
          - "{{BilateralBasis}}"
        validity:
          from: {{today.AddDays(-1):yyyy-MM-dd}}
          until: {{today.AddYears(5):yyyy-MM-dd}}
        categories:
          declarations:
            purposes: [risk-management, investigation]
            disclose:
              - { path: /goodsShipment/goodsItems/*/classification, wco: "145" }
              - { path: /goodsShipment/goodsItems/*/originCountryCode, wco: "063" }
              - /mrn
              # What a mirror check compares (docs/mirror.md): the consignment's identifiers, dates, totals and values.
              - /typeCode
              - /ucr
              - /acceptanceDateTime
              - /totalGrossMassKg
              - /totalPackageQuantity
              - /goodsShipment/exportCountryCode
              - /goodsShipment/goodsItems/*/customsValue
            transform:
              /parties/*/id: pseudonymise
              /parties/*/name: pseudonymise
              /parties/*/address: drop
            other-fields: drop
            handling-code: H1
            evaluation: A1
            onward-transfer: with-consent
            retention: { period: P3Y, then: review }
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
        deny:
          - reason: "Art. 11: information is not used in judicial proceedings without the providing authority's consent"
            purposes: [prosecution]
        """;

    /// <summary>NL, KR and DE: seizure reports and alerts shared spontaneously; no assistance on request.</summary>
    public static string NlKrDe(string nl, string kr, string de, DateOnly today) => $$"""
        # Spontaneous exchange of seizure information among NL, KR and DE (demo). It covers no assistance on request.
        agreement: {{Multilateral}}
        version: 1
        kind: multilateral
        title: "NL-KR-DE exchange of seizure information (demo)"
        parties:
          - code: NL
            name: "Douane Nederland (demo)"
            fingerprint: {{nl}}
          - code: KR
            name: "Korea Customs Service (demo)"
            fingerprint: {{kr}}
          - code: DE
            name: "Zoll (demo)"
            fingerprint: {{de}}
        legal-basis:
          - "{{MultilateralBasis}}"
        validity:
          from: {{today.AddDays(-1):yyyy-MM-dd}}
          until: {{today.AddYears(3):yyyy-MM-dd}}
        categories:
          seizure-reports:
            purposes: [risk-management, operational-analysis, investigation]
            disclose:
              - /seizure/id
              - /seizure/category
              - /seizure/goods
              - /seizure/hsCode
              - /seizure/quantityKg
              - /seizure/concealment
              - /seizure/container
              - /seizure/route
              - /seizure/port
              - /seizure/drugType
              - /seizure/brand
              - /seizure/species
              - /seizure/quantity
              - /seizure/place
              - /seizure/detectionMethod
              - /seizure/concealmentMethod
              - /seizure/transport
            transform:
              /seizure/seizedAt: generalise-to-month
              /seizure/officer: drop
            other-fields: drop
            handling-code: H1
            evaluation: A1
            onward-transfer: with-consent
            retention: { period: P5Y, then: review }
            push: { to: involved-parties, purpose: risk-management }
          alerts:
            purposes: [specific-check, risk-management]
            disclose: [/alert]
            handling-code: H0
            onward-transfer: forbidden
            retention: { period: P1Y, then: erase }
            push: { to: all-parties, purpose: specific-check }
          blinded-identifiers:
            purposes: [risk-management, investigation]
            disclose: [/evaluation]
            handling-code: H1
            onward-transfer: forbidden
            retention: { period: P1Y, then: erase }
        """;
}
