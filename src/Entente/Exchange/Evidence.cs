using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Entente.Agreements;
using Entente.Identity;
using Entente.Partners;

namespace Entente.Exchange;

/// <summary>A node a verifier trusts: its code, its signing key's fingerprint, and its certificate's when the anchor lists it.</summary>
public sealed record TrustedParty(string Code, string KeyFingerprint, string? CertificateFingerprint = null);

/// <summary>An agreement a verifier trusts: id, content hash, parties' codes.</summary>
public sealed record TrustedAgreement(string Id, int Version, string Hash, IReadOnlyList<string> Parties);

/// <summary>
/// What a third party trusts when it checks evidence: the signed agreement (its parties' key fingerprints, its text's
/// hash, its signatures, validity and purposes), or a partner directory signed by a node it trusts.
/// </summary>
public sealed record TrustAnchor(string Name, IReadOnlyList<TrustedParty> Parties, IReadOnlyList<TrustedAgreement> Agreements)
{
    /// <summary>The agreement's text, when the anchor is the agreement itself: then its signatures, validity and purposes are checked too.</summary>
    public Agreement? Agreement { get; init; }

    public static TrustAnchor Of(Agreement agreement) =>
        new($"agreement {agreement.Id} v{agreement.Version}", agreement.Parties.Select(p => new TrustedParty(p.Code, p.Fingerprint)).ToArray(),
            [new TrustedAgreement(agreement.Id, agreement.Version, agreement.ContentHash, agreement.Parties.Select(p => p.Code).ToArray())])
        {
            Agreement = agreement,
        };

    public static TrustAnchor Of(SignedDirectory directory) =>
        new($"{directory.Node}'s signed partner directory of {directory.ExportedAt:yyyy-MM-ddTHH:mm:ssZ}",
            directory.Parties.Select(p => new TrustedParty(p.Code, p.KeyFingerprint, p.CertificateFingerprint)).ToArray(),
            directory.Agreements.Select(a => new TrustedAgreement(a.Id, a.Version, a.Hash, a.Parties)).ToArray());

    public TrustedParty? Party(string code) => Parties.FirstOrDefault(p => p.Code == code);
}

/// <summary>
/// The certificates that come with evidence (DER): each node's certificate first, then the CA certificates above it
/// (none when self-issued).
/// </summary>
public sealed record EvidenceCertificates(IReadOnlyList<byte[]> Sender, IReadOnlyList<byte[]> Recipient);

/// <summary>The verdict on a piece of evidence: valid when there is no problem; each problem names what does not match.</summary>
public sealed record EvidenceVerdict(IReadOnlyList<string> Problems, EnvelopeHeader? Header, Receipt? Receipt, string? SenderKey, string? RecipientKey)
{
    public bool Valid => Problems.Count == 0;
}

/// <summary>
/// The offline check a court, an auditor or any third party runs on an envelope and its receipt: not only that the
/// signatures verify with the certificates that came with them, but that those are the keys a trust anchor names for
/// the header's <c>from</c> and <c>to</c>. Pure: every input is a parameter.
/// </summary>
public static class Evidence
{
    /// <summary>
    /// Refuses, with every reason: certificates that are damaged, not valid at the message's time, or whose subject
    /// CN is not the node code of the header; keys that are not the anchor's for <c>from</c> and <c>to</c> (or
    /// certificates that are not the ones it lists); a kid that is not the key's fingerprint; a signature that does not
    /// verify; a receipt signed with the envelope's key; a receipt that names another envelope, other nodes or another
    /// agreement; an agreement (id, hash) the anchor does not hold between those two nodes; and, when the anchor is the
    /// agreement's text, an agreement not signed by its parties or not valid on the message's day, or a purpose it does
    /// not allow for the category.
    /// </summary>
    public static EvidenceVerdict Verify(ReadOnlySpan<byte> envelope, ReadOnlySpan<byte> receipt, EvidenceCertificates certificates, TrustAnchor anchor)
    {
        System.Security.Cryptography.Cose.CoseSign1Message envelopeMessage, receiptMessage;
        EnvelopeHeader header;
        Receipt r;
        string envelopeKid, receiptKid;
        try
        {
            (envelopeMessage, header, envelopeKid) = Envelope.Read(envelope);
        }
        catch (EnvelopeFormatException e)
        {
            return new([e.Message], null, null, null, null);
        }
        try
        {
            (receiptMessage, r, receiptKid) = Receipt.Read(receipt);
        }
        catch (EnvelopeFormatException e)
        {
            return new([e.Message], header, null, null, null);
        }

        var problems = new List<string>();
        if (header.Sender == header.Recipient) problems.Add($"envelope: from and to are both {header.Sender}");
        using var sender = Signer("envelope", "sender.crt", certificates.Sender, header.Sender, "from", header.CreatedAt, "made", anchor, problems);
        using var recipient = Signer("receipt", "recipient.crt", certificates.Recipient, header.Recipient, "to", r.ReceivedAt, "received", anchor, problems);

        if (sender is not null) CheckSignature("envelope", envelopeKid, sender, header.Sender, () => envelopeMessage.VerifyEmbedded(sender.Key), problems);
        if (recipient is not null) CheckSignature("receipt", receiptKid, recipient, header.Recipient, () => receiptMessage.VerifyEmbedded(recipient.Key), problems);
        if (sender is not null && recipient is not null && sender.Fingerprint == recipient.Fingerprint)
            problems.Add($"receipt: signed with the sender's own key {sender.Fingerprint}; only the recipient {header.Recipient} can acknowledge receipt");
        problems.AddRange(r.BindingProblems(header, envelope));

        var agreement = anchor.Agreements.FirstOrDefault(a => a.Id == header.AgreementId && a.Hash == header.AgreementHash);
        if (agreement is null)
        {
            var sameId = anchor.Agreements.FirstOrDefault(a => a.Id == header.AgreementId);
            problems.Add(sameId is not null
                ? $"envelope: agreement {header.AgreementId} with hash {header.AgreementHash}, but {anchor.Name} holds {sameId.Id} v{sameId.Version} with hash {sameId.Hash}"
                : $"envelope: under agreement {header.AgreementId} ({header.AgreementHash}), which {anchor.Name} does not hold ({Listed(anchor.Agreements.Select(a => $"{a.Id} v{a.Version}"))})");
        }
        else if (!agreement.Parties.Contains(header.Sender) || !agreement.Parties.Contains(header.Recipient))
        {
            problems.Add($"envelope: {header.Sender} → {header.Recipient}, but agreement {agreement.Id} v{agreement.Version} is between {string.Join(", ", agreement.Parties)}");
        }
        if (agreement is not null && anchor.Agreement is { } text)
        {
            var status = AgreementStatus.Of(text, header.CreatedAt);
            if (!status.InForce) problems.Add($"agreement {text}: not in force on {header.CreatedAt:yyyy-MM-dd}, when the message was made: {status.Reason}");
            if (header.Kind != OnwardConsent.Kind && !text.Rules.Any(rule => rule.Category == header.Category && rule.Roles.Count == 0 && rule.Purposes.Contains(header.Purpose)))
                problems.Add($"envelope: purpose {PolicyEngine.Name(header.Purpose)} is not allowed for {PolicyEngine.Name(header.Category)} by agreement {text}");
        }
        return new(problems, header, r, sender?.Fingerprint, recipient?.Fingerprint);
    }

    private sealed record SignerKey(ECDsa Key, string Fingerprint) : IDisposable
    {
        public void Dispose() => Key.Dispose();
    }

    /// <summary>
    /// The key of <paramref name="file"/>'s certificate, once the certificate is whole, valid at <paramref name="at"/>,
    /// issued to <paramref name="code"/> and its key is the one <paramref name="anchor"/> lists for that code; null
    /// (with the problems) when it cannot be used at all.
    /// </summary>
    private static SignerKey? Signer(string part, string file, IReadOnlyList<byte[]> ders, string code, string headerKey, DateTimeOffset at, string what,
        TrustAnchor anchor, List<string> problems)
    {
        if (ders.Count == 0)
        {
            problems.Add($"{file}: no certificate");
            return null;
        }
        var certificates = new List<X509Certificate2>();
        try
        {
            foreach (var (der, i) in ders.Select((d, i) => (d, i)))
            {
                try
                {
                    certificates.Add(X509CertificateLoader.LoadCertificate(der));
                }
                catch (CryptographicException e)
                {
                    problems.Add($"{file}: {(i == 0 ? "the certificate" : $"certificate {i + 1}")} is not an X.509 certificate ({e.Message.TrimEnd('.')})");
                    return null;
                }
            }
            try
            {
                return Inspect(certificates[0], certificates.Skip(1).ToArray());
            }
            catch (CryptographicException e)
            {
                problems.Add($"{file}: the certificate is damaged ({e.Message.TrimEnd('.')})");
                return null;
            }
        }
        finally
        {
            foreach (var c in certificates) c.Dispose();
        }

        SignerKey? Inspect(X509Certificate2 certificate, X509Certificate2[] chain)
        {
            var usable = true;
            var commonName = certificate.GetNameInfo(X509NameType.SimpleName, false);
            if (commonName != code) problems.Add($"{file}: the subject CN is '{commonName}', but the envelope's {headerKey} is {code}");
            if (!NodeCertificates.IsSelfIssued(certificate) && !chain.Any(c => NodeCertificates.IssuedBy(certificate, c)))
            {
                problems.Add($"{file}: its signature does not verify (neither self-issued nor issued by a certificate given with it): the certificate is not as issued");
                usable = false;
            }
            foreach (var reason in NodeCertificates.ValidityProblems(certificate, at, file)) problems.Add($"{reason}: the message was {what} at {at:yyyy-MM-ddTHH:mm:ssZ}");

            ECDsa? key;
            try
            {
                key = certificate.GetECDsaPublicKey();
            }
            catch (CryptographicException)
            {
                key = null;
            }
            if (key is null || key.KeySize != 256)
            {
                problems.Add($"{file}: holds no ECDSA P-256 key");
                key?.Dispose();
                return null;
            }
            var fingerprint = NodeCertificates.KeyFingerprint(certificate);
            if (anchor.Party(code) is not { } party)
                problems.Add($"{part}: {anchor.Name} does not list {code} (the envelope's {headerKey}); it lists {Listed(anchor.Parties.Select(p => p.Code))}");
            else
            {
                if (party.KeyFingerprint != fingerprint)
                    problems.Add($"{part}: signed by key {fingerprint} ({file}) but {anchor.Name} lists {code}'s key as {party.KeyFingerprint}");
                if (party.CertificateFingerprint is { } listed && listed != NodeCertificates.CertificateFingerprint(certificate))
                    problems.Add($"{file}: certificate {NodeCertificates.CertificateFingerprint(certificate)} is not the one {anchor.Name} lists for {code} ({listed})");
            }
            if (!usable)
            {
                key.Dispose();
                return null;
            }
            return new SignerKey(key, fingerprint);
        }
    }

    private static void CheckSignature(string part, string kid, SignerKey signer, string code, Func<bool> verify, List<string> problems)
    {
        if (kid != signer.Fingerprint) problems.Add($"{part}: kid '{Clip(kid)}' is not the fingerprint of the key it is checked with ({signer.Fingerprint}, {code})");
        bool verified;
        try
        {
            verified = verify();
        }
        catch (CryptographicException)
        {
            verified = false;
        }
        if (!verified) problems.Add($"{part}: the signature does not verify with {code}'s key {signer.Fingerprint}");
    }

    private static string Listed(IEnumerable<string> items)
    {
        var list = items.ToArray();
        return list.Length == 0 ? "nothing" : string.Join(", ", list);
    }

    private static string Clip(string text) => text.Length <= 80 ? text : text[..80] + "…";
}
