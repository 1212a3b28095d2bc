using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using Entente.Exchange;
using Entente.Identity;

namespace Entente.Hosting;

/// <summary>The HTTP client a node talks to its partners with: the node's certificate presented, partners' pinned.</summary>
internal static class PartnerHttp
{
    public static HttpClient Client(PartnerBook book, NodeIdentity identity) => new(new SocketsHttpHandler
    {
        PooledConnectionLifetime = TimeSpan.FromMinutes(5),
        SslOptions = new SslClientAuthenticationOptions
        {
            // Partners' TLS certificates are pinned to the keys the agreements name (self-issued in a pilot).
            RemoteCertificateValidationCallback = (_, certificate, _, errors) =>
                errors == SslPolicyErrors.None || (certificate is X509Certificate2 c && book.Fingerprints().Contains(NodeCertificates.KeyFingerprint(c))),
            ClientCertificates = [identity.SigningCertificateWithKey()],
        },
    })
    { Timeout = Timeout.InfiniteTimeSpan };
}
