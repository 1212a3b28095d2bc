using System.Security.Cryptography;
using Entente.Agreements;
using Entente.Tests.Support;

namespace Entente.Tests.Agreements;

/// <summary>Keys made per test run, and the sample agreement filled with their fingerprints and signed.</summary>
internal static class AgreementTestKit
{
    public static readonly ECDsa NlKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
    public static readonly ECDsa KrKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
    public static readonly DateTimeOffset InForceAt = new(2026, 6, 15, 10, 0, 0, TimeSpan.Zero);

    public static string SamplePath(string name) => Path.Combine(SharedData.RepositoryRoot, "tests", "Entente.Tests", "Agreements", "Samples", name);

    public static string Fingerprint(ECDsa key) => AgreementSignatures.Fingerprint(key.ExportSubjectPublicKeyInfo());

    public static string BilateralYaml() =>
        File.ReadAllText(SamplePath("bilateral.yaml")).Replace("{NL}", Fingerprint(NlKey), StringComparison.Ordinal).Replace("{KR}", Fingerprint(KrKey), StringComparison.Ordinal);

    public static string SignedText(string yaml, params ECDsa[] keys)
    {
        foreach (var key in keys)
        {
            var agreement = AgreementDocument.Parse(yaml, "test.yaml");
            yaml = AgreementSignatures.AddTo(yaml, "test.yaml", AgreementSignatures.Sign(agreement, key, InForceAt));
        }
        return yaml;
    }

    public static Agreement Signed(string yaml, params ECDsa[] keys) => AgreementDocument.Parse(SignedText(yaml, keys), "test.yaml");

    public static Agreement Bilateral() => Signed(BilateralYaml(), NlKey, KrKey);

    public static AccessRequest Request(string requester, DataCategory category, Purpose? purpose, params string[] fields) =>
        new("NL", new Requester(requester), requester, category, purpose, fields, InForceAt);
}
