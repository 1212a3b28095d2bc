using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using YamlDotNet.RepresentationModel;

namespace Entente.Agreements;

/// <summary>
/// Signing an agreement: ECDSA P-256 with SHA-256 over <see cref="Agreement.CanonicalBytes"/>, the signature in
/// IEEE P1363 form (r‖s, 64 bytes), kept with the signer's public key in the document's closing "signatures:" list.
/// </summary>
public static class AgreementSignatures
{
    public static string Fingerprint(ReadOnlySpan<byte> subjectPublicKeyInfo) => Identity.NodeKeys.Fingerprint(subjectPublicKeyInfo);

    /// <summary>Signs as the party whose listed fingerprint is the key's; throws when the key belongs to no party.</summary>
    public static AgreementSignature Sign(Agreement agreement, ECDsa key, DateTimeOffset at)
    {
        var spki = key.ExportSubjectPublicKeyInfo();
        var fingerprint = Fingerprint(spki);
        var party = agreement.Parties.FirstOrDefault(p => p.Fingerprint == fingerprint)
            ?? throw new InvalidOperationException($"the key {fingerprint} is not listed for any party of {agreement} ({string.Join(", ", agreement.Parties.Select(p => $"{p.Code} {p.Fingerprint}"))})");
        var signature = key.SignData(agreement.CanonicalBytes.Span, HashAlgorithmName.SHA256, DSASignatureFormat.IeeeP1363FixedFieldConcatenation);
        return new AgreementSignature(party.Code, spki, signature, new DateTimeOffset(at.UtcTicks / TimeSpan.TicksPerSecond * TimeSpan.TicksPerSecond, TimeSpan.Zero));
    }

    public static bool Verifies(Agreement agreement, AgreementSignature signature)
    {
        try
        {
            using var key = ECDsa.Create();
            key.ImportSubjectPublicKeyInfo(signature.PublicKey, out var read);
            if (read != signature.PublicKey.Length || key.KeySize != 256) return false;
            return key.VerifyData(agreement.CanonicalBytes.Span, signature.Signature, HashAlgorithmName.SHA256, DSASignatureFormat.IeeeP1363FixedFieldConcatenation);
        }
        catch (CryptographicException)
        {
            return false;
        }
    }

    /// <summary>
    /// The document's text with <paramref name="signature"/> in its "signatures:" list (replacing an earlier one by the
    /// same party). The list must be the document's last key; everything above it is kept byte for byte.
    /// </summary>
    public static string AddTo(string yaml, string file, AgreementSignature signature)
    {
        var agreement = AgreementDocument.Parse(yaml, file);
        var root = AgreementDocument.LoadRoot(yaml, file);
        var text = yaml;
        var key = root.Children.Keys.FirstOrDefault(k => k is YamlScalarNode { Value: "signatures" });
        if (key is not null)
        {
            if (root.Children.Keys.Any(k => k.Start.Line > key.Start.Line))
                throw new InvalidOperationException($"{file}:{key.Start.Line}: signatures: must be the last key of the document; move it to the end");
            var lines = yaml.Split('\n');
            text = string.Join('\n', lines.Take((int)key.Start.Line - 1));
        }
        var all = agreement.Signatures.Where(s => s.Party != signature.Party).Append(signature).OrderBy(s => s.Party, StringComparer.Ordinal);
        var block = new StringBuilder();
        if (text.Length > 0 && !text.EndsWith('\n')) block.Append('\n');
        block.Append("signatures:\n");
        foreach (var s in all)
        {
            block.Append(CultureInfo.InvariantCulture, $"  - party: {s.Party}\n");
            block.Append(CultureInfo.InvariantCulture, $"    public-key: {Convert.ToBase64String(s.PublicKey)}\n");
            block.Append(CultureInfo.InvariantCulture, $"    signature: {Convert.ToBase64String(s.Signature)}\n");
            if (s.SignedAt is { } at) block.Append(CultureInfo.InvariantCulture, $"    signed-at: {at.UtcDateTime:yyyy-MM-ddTHH:mm:ssZ}\n");
        }
        return text + block;
    }
}
