using System.Globalization;
using System.Text;
using Entente.Agreements;

namespace Entente.Cli.Agreements;

/// <summary>The commented starting point `agreement init` writes: valid as it stands, narrow by default.</summary>
internal static class AgreementTemplate
{
    public static string Write(string id, AgreementKind kind, IReadOnlyList<(string Code, string Fingerprint)> parties, DateOnly today)
    {
        var t = new StringBuilder();
        t.Append(CultureInfo.InvariantCulture, $"""
            # An Entente agreement (docs/agreements.md). Edit, then every party signs it:
            #   entente agreement sign THIS-FILE --home NODE-HOME
            # Any change after a signature invalidates it; to amend a signed agreement, raise the version and sign again.
            agreement: {id}
            version: 1
            kind: {AgreementDocument.Kebab(kind.ToString())}
            title: "{id}"
            parties:

            """);
        foreach (var (code, fingerprint) in parties)
        {
            t.Append(CultureInfo.InvariantCulture, $"""
                  - code: {code}
                    name: "{code}"   # the administration's name
                    fingerprint: {fingerprint}

                """);
        }
        t.Append(CultureInfo.InvariantCulture, $"""
            legal-basis:
              - "Cite the instrument, article by article"
            validity:
              from: {today:yyyy-MM-dd}
              until: {today.AddYears(5):yyyy-MM-dd}
            categories:
              # One entry per data category: declarations, goods-items, personal-party-data, seizure-reports, alerts,
              # risk-results, aeo-status, assistance-requests, assistance-answers, statistics.
              declarations:
                purposes: [risk-management]
                disclose:                      # fields given in clear (canonical JSON paths; * = any item)
                  - /goodsShipment/goodsItems/*/classification/code   # WCO 145
                  - /goodsShipment/goodsItems/*/originCountryCode     # WCO 063
                transform:                     # drop | mask | pseudonymise | generalise-to-month
                  /acceptanceDateTime: generalise-to-month
                other-fields: refuse           # refuse: a request for any other field is denied; drop: it is left out
                handling-code: H2              # H0 law enforcement only, H1 not in court, H2 no dissemination, H3 other
                evaluation: B2                 # source reliability A/B/C/X, accuracy 1-4
                onward-transfer: forbidden     # forbidden | with-consent | allowed-to: [CODE, ...] as a mapping
                retention:
                  period: P2Y
                  then: erase
            # deny:                            # explicit refusals; they always win
            #   - reason: "No personal data for statistics"
            #     categories: [personal-party-data]
            #     purposes: [statistics]

            """);
        return t.ToString();
    }
}
